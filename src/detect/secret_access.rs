//! The per-request rules: each looks at one request and the allowlist, no
//! history. Secret reads and writes, impersonation, untrusted sources,
//! anonymous access, exec and token minting.

use super::config::Config;
use super::hit::{GroupKey, Hit};
use super::registry::{RuleId, Severity};
use super::request::{Ctx, READ_VERBS, WRITE_VERBS};
use crate::allowlist::Allowlist;
use crate::audit::Outcome;
use crate::audit::uri::{container, exec_command};
use crate::glob::glob_match;

/// The per-request rules as a family: they run on the first stage seen.
pub struct PerRequest;

impl super::family::Family for PerRequest {
    fn check(
        &mut self,
        ctx: &Ctx<'_, '_>,
        env: &super::family::Env<'_>,
        out: &mut super::family::Findings,
    ) {
        if ctx.new_request {
            check(ctx, env.cfg, env.allow, &mut out.hits);
        }
    }
}

/// Run on the first stage seen of each request.
pub fn check(ctx: &Ctx<'_, '_>, cfg: &Config, allow: &Allowlist, out: &mut Vec<Hit>) {
    let subject = ctx.subject();
    let rules = &cfg.rules;
    let on = |id: RuleId| rules.enabled(id) && !allow.allows(id.as_str(), &subject);
    let verb = ctx.verb();

    if ctx.is_secrets() {
        // The Helm client on its own release secrets: low, labelled, instead
        // of secret-read / list-cluster-wide / secret-write (see detect::helm).
        let helm = super::helm::release_access(ctx);
        if let Some(how) = helm {
            if on(RuleId::HelmReleaseRead) {
                out.push(Hit::new(RuleId::HelmReleaseRead).note(how.note()));
            }
        }
        let helm = helm.is_some();
        // seed 000: get/list/watch on secrets outside the controller allowlist.
        if READ_VERBS.contains(&verb) && !helm && on(RuleId::SecretRead) {
            out.push(Hit::new(RuleId::SecretRead));
        }
        // seed 001: cluster-wide rather than namespace-scoped.
        if matches!(verb, "list" | "watch")
            && ctx.ev.namespace().is_empty()
            && !helm
            && on(RuleId::SecretListClusterWide)
        {
            out.push(Hit::new(RuleId::SecretListClusterWide));
        }
        // seed 002 (Elastic): get/list with an attacker-leaning user agent.
        if ctx.is_secret_get_or_list() {
            let ua = ctx.ev.user_agent();
            if let Some(p) = rules
                .secret_read_suspicious_agent
                .patterns
                .iter()
                .find(|p| glob_match(p, ua))
            {
                if on(RuleId::SecretReadSuspiciousAgent) {
                    out.push(
                        Hit::new(RuleId::SecretReadSuspiciousAgent)
                            .group(GroupKey::UserAgent {
                                user_agent: ua.to_string(),
                            })
                            .note(format!("user agent matches `{p}`")),
                    );
                }
            }
        }
        // seed 002 (Elastic): node and pod identities; denied attempts count.
        if ctx.is_secret_get_or_list()
            && (ctx.identity.starts_with("system:node:")
                || ctx.identity.starts_with("system:serviceaccount:"))
            && on(RuleId::SecretReadWorkloadIdentity)
        {
            out.push(Hit::new(RuleId::SecretReadWorkloadIdentity));
        }
        // seed 001: sourceIPs outside the normal ranges (only when configured).
        if READ_VERBS.contains(&verb) && !cfg.trusted_cidrs.is_empty() {
            if let Some(ip) = ctx.trusted_ip {
                if !cfg.trusted_cidrs.iter().any(|c| c.contains(ip))
                    && on(RuleId::SecretReadUntrustedSource)
                {
                    out.push(
                        Hit::new(RuleId::SecretReadUntrustedSource)
                            .group(GroupKey::Source {
                                ip: ip.to_string(),
                                user_agent: None,
                                via: None,
                            })
                            .note(format!("source {ip} is outside the trusted ranges")),
                    );
                }
            }
        }
        if WRITE_VERBS.contains(&verb) && !helm && on(RuleId::SecretWrite) {
            out.push(Hit::new(RuleId::SecretWrite));
        }
        let anonymous =
            ctx.identity == "system:anonymous" || ctx.groups.contains(&"system:unauthenticated");
        if anonymous && on(RuleId::AnonymousSecretAccess) {
            // Severity follows the outcome; the engine recomputes it as
            // later stages arrive (see `anonymous_severity`).
            out.push(
                Hit::new(RuleId::AnonymousSecretAccess).severity(anonymous_severity(ctx.outcome)),
            );
        }
    }

    // seed 002 (Elastic, Azure Arc proxy): secrets or configmaps through
    // impersonation. The alert is grouped by the account that impersonated.
    if matches!(ctx.resource(), "secrets" | "configmaps") {
        let proxy = rules
            .secret_access_impersonated
            .proxy_users
            .iter()
            .any(|p| p == ctx.authenticated);
        let routine = ctx.resource() == "configmaps"
            && !proxy
            && rules
                .secret_access_impersonated
                .routine_configmap_proxies
                .iter()
                .any(|g| glob_match(g, ctx.authenticated));
        if (ctx.ev.is_impersonated() || proxy) && !routine && on(RuleId::SecretAccessImpersonated) {
            let how = if proxy && !ctx.ev.is_impersonated() {
                format!("through the proxy account {}", ctx.authenticated)
            } else {
                format!("{} acting as {}", ctx.authenticated, ctx.identity)
            };
            out.push(
                Hit::new(RuleId::SecretAccessImpersonated)
                    .group(GroupKey::Account {
                        account: ctx.authenticated.to_string(),
                    })
                    .note(how),
            );
        }
    }

    // seeds 000/001: exec/attach into a pod (create for SPDY, get for websockets).
    if ctx.is_exec() && on(RuleId::PodExec) {
        let uri = ctx.ev.request_uri();
        let mut detail = format!(
            "{} into {}/{}",
            ctx.ev.subresource(),
            ctx.ev.namespace(),
            ctx.ev.name()
        );
        if let Some(c) = container(uri) {
            detail.push_str(&format!(" (container {c})"));
        }
        match exec_command(uri) {
            Some(cmd) => detail.push_str(&format!(": {cmd}")),
            None if ctx.ev.subresource() == "exec" => detail.push_str(": (no command recorded)"),
            None => {}
        }
        out.push(Hit::new(RuleId::PodExec).detail(detail));
    }

    // Token minting: create on serviceaccounts/token.
    if ctx.resource() == "serviceaccounts"
        && ctx.ev.subresource() == "token"
        && verb == "create"
        && on(RuleId::SaTokenMinted)
    {
        out.push(Hit::new(RuleId::SaTokenMinted).detail(format!(
            "token for system:serviceaccount:{}:{}",
            ctx.ev.namespace(),
            ctx.ev.name()
        )));
    }
}

/// Critical when the request was (or may have been) served, medium when refused.
pub fn anonymous_severity(outcome: Outcome) -> Severity {
    match outcome {
        Outcome::Denied | Outcome::NotFound | Outcome::Failed => Severity::Medium,
        Outcome::Allowed | Outcome::Unknown => Severity::Critical,
    }
}
