//! RBAC changes: bindings and roles created or changed, read from the
//! recorded objects. A patch's request body is not the resulting object, so
//! the response is preferred when it was recorded. Every binding and role
//! seen is remembered (bounded) for the RBAC review and for correlation.

use super::alert::EvidenceEvent;
use super::config::Config;
use super::hit::{GroupKey, Hit};
use super::registry::{RuleId, Severity};
use super::request::Ctx;
use crate::allowlist::Allowlist;
use crate::audit::Outcome;
use serde::Deserialize;
use std::collections::HashMap;

const MAX_RECORDS: usize = 10_000;

#[derive(Debug, Clone, Deserialize, Default)]
struct Meta {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RbacSubject {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
}

impl RbacSubject {
    /// The identity this subject is, as it appears in `user.username`.
    pub fn identity(&self) -> String {
        match self.kind.as_str() {
            "ServiceAccount" => {
                format!(
                    "system:serviceaccount:{}:{}",
                    self.namespace.as_deref().unwrap_or(""),
                    self.name
                )
            }
            _ => self.name.clone(),
        }
    }

    /// Does a request by `identity` with `groups` act as this subject?
    pub fn covers(&self, identity: &str, groups: &[&str]) -> bool {
        match self.kind.as_str() {
            "Group" => groups.contains(&self.name.as_str()),
            _ => self.identity() == identity,
        }
    }
}

impl std::fmt::Display for RbacSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind.as_str() {
            "ServiceAccount" => write!(f, "ServiceAccount {}", self.identity()),
            k => write!(f, "{k} {}", self.name),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
struct RoleRef {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct PolicyRule {
    #[serde(default, rename = "apiGroups")]
    pub api_groups: Vec<String>,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub verbs: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
struct RbacObject {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    metadata: Option<Meta>,
    #[serde(default)]
    subjects: Option<Vec<RbacSubject>>,
    #[serde(default, rename = "roleRef")]
    role_ref: Option<RoleRef>,
    #[serde(default)]
    rules: Option<Vec<PolicyRule>>,
}

/// A binding seen in the log.
#[derive(Debug, Clone)]
pub struct BindingRecord {
    pub time: Option<i64>,
    pub actor: String,
    pub verb: String,
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    /// `ClusterRole cluster-admin`, or `None` when not recorded.
    pub role: Option<String>,
    /// The same, typed: (role kind, role name).
    pub role_ref: Option<(String, String)>,
    pub subjects: Vec<RbacSubject>,
    pub audit_id: Option<String>,
}

/// A role seen in the log, with what its rules grant that matters here.
#[derive(Debug, Clone)]
pub struct RoleRecord {
    pub time: Option<i64>,
    pub actor: String,
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub grants: Vec<String>,
    pub grants_secrets: bool,
    pub audit_id: Option<String>,
}

/// An escalation the correlation rule watches for follow-up.
#[derive(Debug, Clone)]
pub struct Escalation {
    pub time: i64,
    pub actor: String,
    pub subjects: Vec<RbacSubject>,
    /// The binding or role created or changed: what the follow-up alert
    /// is keyed by.
    pub object: GroupKey,
    /// The same in words, for the alert's note.
    pub what: String,
    pub evidence: EvidenceEvent,
}

#[derive(Default)]
pub struct RbacState {
    pub bindings: Vec<BindingRecord>,
    pub roles: Vec<RoleRecord>,
    /// (namespace or "" for cluster roles, name) → grants secrets read.
    role_grants_secrets: HashMap<(String, String), bool>,
    /// (role kind, namespace, name) → subjects bound to it.
    bound_subjects: HashMap<(String, String, String), Vec<RbacSubject>>,
    /// Groups a ClusterRoleBinding seen in the log binds to cluster-admin.
    pub cluster_admin_groups: std::collections::BTreeSet<String>,
}

fn has(v: &[String], x: &str) -> bool {
    v.iter().any(|s| s == x || s == "*")
}

/// What a set of rules grants that an attacker wants (empty: nothing).
pub fn dangerous_grants(rules: &[PolicyRule]) -> Vec<String> {
    let mut out = Vec::new();
    for r in rules {
        let core = r.api_groups.is_empty() || has(&r.api_groups, "");
        let verbs = r.verbs.join(",");
        if r.verbs.iter().any(|v| v == "*") || r.resources.iter().any(|x| x == "*") {
            out.push(format!("wildcard: {verbs} on {}", r.resources.join(",")));
            continue;
        }
        if core
            && has(&r.resources, "secrets")
            && ["get", "list", "watch"].iter().any(|v| has(&r.verbs, v))
        {
            out.push(format!("{verbs} secrets"));
        }
        if core
            && (has(&r.resources, "pods/exec") || has(&r.resources, "pods/attach"))
            && (has(&r.verbs, "create") || has(&r.verbs, "get"))
        {
            out.push(format!("{verbs} pods/exec"));
        }
        if core && has(&r.resources, "serviceaccounts/token") && has(&r.verbs, "create") {
            out.push("create serviceaccounts/token".into());
        }
        for v in ["impersonate", "escalate", "bind"] {
            if r.verbs.iter().any(|x| x == v) {
                out.push(format!("{v} on {}", r.resources.join(",")));
            }
        }
    }
    out
}

fn grants_secret_read(rules: &[PolicyRule]) -> bool {
    rules.iter().any(|r| {
        (r.api_groups.is_empty() || has(&r.api_groups, ""))
            && has(&r.resources, "secrets")
            && ["get", "list", "watch"].iter().any(|v| has(&r.verbs, v))
    })
}

/// The object as it is after the request: the response when recorded (and
/// not a Status), else the request body of a create/update, else a merge
/// patch body that carries the fields we read.
fn resulting_object(ctx: &Ctx<'_, '_>) -> Option<RbacObject> {
    let parse = |raw: &str| serde_json::from_str::<RbacObject>(raw).ok();
    if let Some(o) = ctx.ev.response_object.as_ref().and_then(|r| parse(&r.0)) {
        if o.kind.as_deref() != Some("Status") {
            return Some(o);
        }
    }
    let req = ctx.ev.request_object.as_ref().and_then(|r| parse(&r.0))?;
    match ctx.verb() {
        "create" | "update" => Some(req),
        _ if req.rules.is_some() || req.subjects.is_some() || req.role_ref.is_some() => Some(req),
        _ => None,
    }
}

impl super::family::Family for RbacState {
    fn check(
        &mut self,
        ctx: &Ctx<'_, '_>,
        env: &super::family::Env<'_>,
        out: &mut super::family::Findings,
    ) {
        if ctx.rbac_done {
            return;
        }
        let groups = self.cluster_admin_groups.len();
        let (done, escalation) = self.run(ctx, env.cfg, env.allow, env.evidence, &mut out.hits);
        out.rbac_done |= done;
        if self.cluster_admin_groups.len() != groups {
            out.admin_groups = self.cluster_admin_groups.clone();
        }
        out.escalations.extend(escalation);
    }
}

impl RbacState {
    pub fn role_grants_secrets(&self, namespace: &str, name: &str) -> bool {
        self.role_grants_secrets
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
            .unwrap_or(false)
    }

    /// Run on every stage until the request has been read once; returns the
    /// escalation if a rule fired.
    pub fn run(
        &mut self,
        ctx: &Ctx<'_, '_>,
        cfg: &Config,
        allow: &Allowlist,
        evidence: &dyn Fn() -> EvidenceEvent,
        out: &mut Vec<Hit>,
    ) -> (bool, Option<Escalation>) {
        let kind = match ctx.resource() {
            "clusterrolebindings" => "ClusterRoleBinding",
            "rolebindings" => "RoleBinding",
            "clusterroles" => "ClusterRole",
            "roles" => "Role",
            _ => return (true, None),
        };
        if !matches!(ctx.verb(), "create" | "update" | "patch") || !ctx.ev.subresource().is_empty()
        {
            return (true, None);
        }
        // Wait for an outcome; refused or failed changes changed nothing.
        match ctx.outcome {
            Outcome::Unknown => return (false, None),
            Outcome::Allowed => {}
            _ => return (true, None),
        }
        let obj = resulting_object(ctx);
        let has_response = ctx.ev.response_object.is_some();
        if obj.is_none()
            && ctx.verb() == "patch"
            && !has_response
            && ctx.ev.stage_kind() != crate::audit::Stage::ResponseComplete
        {
            // A later stage may carry the resulting object.
            return (false, None);
        }
        let namespace = ctx.ev.namespace().to_string();
        let name = obj
            .as_ref()
            .and_then(|o| o.metadata.as_ref()?.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| ctx.ev.name().to_string());
        let esc = if kind.ends_with("Binding") {
            self.binding(ctx, cfg, allow, kind, namespace, name, obj, evidence, out)
        } else {
            self.role(ctx, cfg, allow, kind, namespace, name, obj, evidence, out)
        };
        (true, esc)
    }

    #[allow(clippy::too_many_arguments)]
    fn binding(
        &mut self,
        ctx: &Ctx<'_, '_>,
        cfg: &Config,
        allow: &Allowlist,
        kind: &'static str,
        namespace: String,
        name: String,
        obj: Option<RbacObject>,
        evidence: &dyn Fn() -> EvidenceEvent,
        out: &mut Vec<Hit>,
    ) -> Option<Escalation> {
        let role_ref = obj.as_ref().and_then(|o| o.role_ref.clone());
        let subjects = obj
            .as_ref()
            .and_then(|o| o.subjects.clone())
            .unwrap_or_default();
        let role = role_ref.as_ref().map(|r| format!("{} {}", r.kind, r.name));
        if self.bindings.len() < MAX_RECORDS {
            self.bindings.push(BindingRecord {
                time: ctx.time,
                actor: ctx.identity.to_string(),
                verb: ctx.verb().to_string(),
                kind,
                namespace: namespace.clone(),
                name: name.clone(),
                role: role.clone(),
                role_ref: role_ref.as_ref().map(|r| (r.kind.clone(), r.name.clone())),
                subjects: subjects.clone(),
                audit_id: ctx.ev.audit_id.as_deref().map(str::to_string),
            });
        }
        if let Some(r) = &role_ref {
            let key = (
                r.kind.clone(),
                if r.kind == "Role" {
                    namespace.clone()
                } else {
                    String::new()
                },
                r.name.clone(),
            );
            let entry = self.bound_subjects.entry(key).or_default();
            for s in &subjects {
                if !entry.contains(s) && entry.len() < 1000 {
                    entry.push(s.clone());
                }
            }
        }
        if kind == "ClusterRoleBinding"
            && role_ref
                .as_ref()
                .is_some_and(|r| r.kind == "ClusterRole" && r.name == "cluster-admin")
        {
            for s in subjects.iter().filter(|s| s.kind == "Group") {
                if self.cluster_admin_groups.len() < 1000 {
                    self.cluster_admin_groups.insert(s.name.clone());
                }
            }
        }
        let rc = &cfg.rules.rbac_binding_created;
        let fires = match kind {
            "ClusterRoleBinding" => true,
            _ => role_ref.as_ref().is_some_and(|r| {
                rc.privileged_roles.contains(&r.name)
                    || self.role_grants_secrets(
                        if r.kind == "Role" { &namespace } else { "" },
                        &r.name,
                    )
            }),
        };
        if !fires
            || !rc.enabled
            || allow.allows(RuleId::RbacBindingCreated.as_str(), &ctx.subject())
        {
            return None;
        }
        let target = if namespace.is_empty() {
            name.clone()
        } else {
            format!("{namespace}/{name}")
        };
        let detail = match (&role, subjects.is_empty()) {
            (Some(role), false) => {
                let subj: Vec<String> = subjects.iter().map(|s| s.to_string()).collect();
                format!("{kind} {target}: {role} → {}", subj.join(", "))
            }
            (Some(role), true) => format!("{kind} {target}: {role} (no subjects recorded)"),
            (None, _) => {
                format!("{kind} {target}: role and subjects not recorded (audit level Metadata)")
            }
        };
        let everyone = subjects
            .iter()
            .any(|s| rc.everyone_subjects.contains(&s.name));
        let mut hit = Hit::new(RuleId::RbacBindingCreated).detail(detail.clone());
        if everyone {
            hit = hit.severity(Severity::Critical).note(
                "binds a group that includes every (or any unauthenticated) user".to_string(),
            );
        }
        out.push(hit);
        Some(Escalation {
            time: ctx.time?,
            actor: ctx.identity.to_string(),
            subjects,
            object: GroupKey::RbacObject {
                kind,
                namespace,
                name,
            },
            what: detail,
            evidence: evidence(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn role(
        &mut self,
        ctx: &Ctx<'_, '_>,
        cfg: &Config,
        allow: &Allowlist,
        kind: &'static str,
        namespace: String,
        name: String,
        obj: Option<RbacObject>,
        evidence: &dyn Fn() -> EvidenceEvent,
        out: &mut Vec<Hit>,
    ) -> Option<Escalation> {
        let rules = obj.and_then(|o| o.rules)?;
        let grants = dangerous_grants(&rules);
        let secrets = grants_secret_read(&rules);
        let scope = if kind == "Role" {
            namespace.clone()
        } else {
            String::new()
        };
        self.role_grants_secrets
            .insert((scope.clone(), name.clone()), secrets);
        if self.roles.len() < MAX_RECORDS {
            self.roles.push(RoleRecord {
                time: ctx.time,
                actor: ctx.identity.to_string(),
                kind,
                namespace: namespace.clone(),
                name: name.clone(),
                grants: grants.clone(),
                grants_secrets: secrets,
                audit_id: ctx.ev.audit_id.as_deref().map(str::to_string),
            });
        }
        if grants.is_empty()
            || !cfg.rules.rbac_role_widened.enabled
            || allow.allows(RuleId::RbacRoleWidened.as_str(), &ctx.subject())
        {
            return None;
        }
        let target = if namespace.is_empty() {
            name.clone()
        } else {
            format!("{namespace}/{name}")
        };
        let detail = format!("{kind} {target} grants: {}", grants.join("; "));
        out.push(Hit::new(RuleId::RbacRoleWidened).detail(detail.clone()));
        let subjects = self
            .bound_subjects
            .get(&(kind.to_string(), scope, name.clone()))
            .cloned()
            .unwrap_or_default();
        Some(Escalation {
            time: ctx.time?,
            actor: ctx.identity.to_string(),
            subjects,
            object: GroupKey::RbacObject {
                kind,
                namespace,
                name,
            },
            what: detail,
            evidence: evidence(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], res: &[&str], verbs: &[&str]) -> PolicyRule {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
        PolicyRule {
            api_groups: s(groups),
            resources: s(res),
            verbs: s(verbs),
        }
    }

    #[test]
    fn grants() {
        assert!(!dangerous_grants(&[rule(&[""], &["secrets"], &["get"])]).is_empty());
        assert!(!dangerous_grants(&[rule(&[""], &["pods/exec"], &["create"])]).is_empty());
        assert!(
            !dangerous_grants(&[rule(
                &["rbac.authorization.k8s.io"],
                &["clusterroles"],
                &["bind"]
            )])
            .is_empty()
        );
        assert!(!dangerous_grants(&[rule(&["*"], &["*"], &["*"])]).is_empty());
        assert!(dangerous_grants(&[rule(&[""], &["configmaps"], &["get", "list"])]).is_empty());
        assert!(dangerous_grants(&[rule(&[""], &["secrets"], &["create"])]).is_empty());
    }
}
