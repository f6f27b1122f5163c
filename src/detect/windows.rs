//! Rate rules over sliding windows of log time: rapid GETs of distinct
//! secrets (seed 003) and repeated denials (RBAC probing). Events without a
//! time cannot be placed in a window and are skipped (and counted).

use super::alert::EvidenceEvent;
use super::config::Config;
use super::hit::Hit;
use super::registry::RuleId;
use super::request::Ctx;
use crate::allowlist::Allowlist;
use crate::audit::{NO_USER, Outcome};
use crate::glob::glob_match;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::IpAddr;

struct Entry {
    time: i64,
    name: String,
    evidence: EvidenceEvent,
}

#[derive(Default)]
pub struct WindowState {
    rapid: HashMap<String, VecDeque<Entry>>,
    denied: HashMap<String, VecDeque<Entry>>,
    /// Latest event time seen, to drop idle keys.
    now: i64,
    since_sweep: u32,
}

fn prune(q: &mut VecDeque<Entry>, from: i64) {
    while q.front().is_some_and(|e| e.time < from) {
        q.pop_front();
    }
}

impl WindowState {
    /// Forget keys whose windows have emptied, so state tracks activity,
    /// not history.
    fn sweep(&mut self, cfg: &Config) {
        self.since_sweep += 1;
        if self.since_sweep < 4096 {
            return;
        }
        self.since_sweep = 0;
        let r = self.now - cfg.rules.secret_rapid_get.window.0;
        self.rapid
            .retain(|_, q| q.back().is_some_and(|e| e.time >= r));
        let d = self.now - cfg.rules.secret_access_denied.window.0;
        self.denied
            .retain(|_, q| q.back().is_some_and(|e| e.time >= d));
    }

    /// Returns true when the event was relevant to a windowed rule but had
    /// no time (the caller counts those).
    pub fn check(
        &mut self,
        ctx: &Ctx<'_, '_>,
        cfg: &Config,
        allow: &Allowlist,
        evidence: &dyn Fn() -> EvidenceEvent,
        out: &mut Vec<Hit>,
    ) -> bool {
        let rapid_relevant = ctx.new_request && ctx.is_secrets() && ctx.verb() == "get";
        let denied_relevant = ctx.is_secrets()
            && (ctx.became_denied || (ctx.new_request && ctx.outcome == Outcome::NotFound));
        let Some(t) = ctx.time else {
            return rapid_relevant || denied_relevant;
        };
        self.now = self.now.max(t);
        if rapid_relevant {
            self.rapid_get(ctx, t, cfg, allow, evidence, out);
        }
        if denied_relevant {
            self.denials(ctx, t, cfg, allow, evidence, out);
        }
        self.sweep(cfg);
        false
    }

    /// seed 003: one (user, source IP, user agent) gets >= 3 distinct secret
    /// names within 6 minutes; allowed and denied GETs both count.
    fn rapid_get(
        &mut self,
        ctx: &Ctx<'_, '_>,
        t: i64,
        cfg: &Config,
        allow: &Allowlist,
        evidence: &dyn Fn() -> EvidenceEvent,
        out: &mut Vec<Hit>,
    ) {
        let rc = &cfg.rules.secret_rapid_get;
        if !rc.enabled || ctx.authenticated == NO_USER {
            return;
        }
        let Some(ip) = ctx.trusted_ip else { return };
        let excluded_ip = rc
            .exclude_source_ips
            .iter()
            .any(|x| x.parse::<IpAddr>().is_ok_and(|x| x == ip));
        let excluded_user = rc
            .exclude_users
            .iter()
            .any(|u| u == ctx.identity || u == ctx.authenticated);
        let name = ctx.ev.name();
        let excluded_name = rc.exclude_name_globs.iter().any(|g| glob_match(g, name));
        if excluded_ip || excluded_user || excluded_name || name.is_empty() {
            return;
        }
        if allow.allows(RuleId::SecretRapidGet.as_str(), &ctx.subject()) {
            return;
        }
        let ua = ctx.ev.user_agent();
        let group = if ctx.authenticated != ctx.identity {
            format!("{ip} | {ua} | via {}", ctx.authenticated)
        } else {
            format!("{ip} | {ua}")
        };
        let key = format!("{}\u{0}{group}", ctx.identity);
        let q = self.rapid.entry(key).or_default();
        prune(q, t - rc.window.0);
        q.push_back(Entry {
            time: t,
            name: name.to_string(),
            evidence: evidence(),
        });
        let names: BTreeSet<&str> = q.iter().map(|e| e.name.as_str()).collect();
        if names.len() >= rc.threshold {
            let mut hit = Hit::new(RuleId::SecretRapidGet).group(group).note(format!(
                "{} distinct secrets fetched within {}",
                names.len(),
                crate::time::format_duration(rc.window.0)
            ));
            hit.earlier = q
                .iter()
                .take(q.len() - 1)
                .map(|e| e.evidence.clone())
                .collect();
            out.push(hit);
        }
    }

    /// ktriage: >= 5 401/403 answers on secrets per identity within 15
    /// minutes. 404s are kept in the window as context, never counted.
    fn denials(
        &mut self,
        ctx: &Ctx<'_, '_>,
        t: i64,
        cfg: &Config,
        allow: &Allowlist,
        evidence: &dyn Fn() -> EvidenceEvent,
        out: &mut Vec<Hit>,
    ) {
        let dc = &cfg.rules.secret_access_denied;
        if !dc.enabled || allow.allows(RuleId::SecretAccessDenied.as_str(), &ctx.subject()) {
            return;
        }
        let q = self.denied.entry(ctx.identity.to_string()).or_default();
        prune(q, t - dc.window.0);
        let denied = ctx.outcome == Outcome::Denied;
        // The name field marks what the entry is: "D" counted, "N" a 404.
        q.push_back(Entry {
            time: t,
            name: if denied { "D".into() } else { "N".into() },
            evidence: evidence(),
        });
        let count = q.iter().filter(|e| e.name == "D").count();
        if denied && count >= dc.threshold {
            let mut hit = Hit::new(RuleId::SecretAccessDenied).note(format!(
                "{count} denied secret requests within {}",
                crate::time::format_duration(dc.window.0)
            ));
            hit.earlier = q
                .iter()
                .take(q.len() - 1)
                .map(|e| e.evidence.clone())
                .collect();
            out.push(hit);
        }
    }
}
