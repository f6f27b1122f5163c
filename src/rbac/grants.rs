//! What the cluster's RBAC grants an identity, and through what: the
//! answer to seed 001's "does this identity's role actually require that
//! access" (step 2) and the input to "what should the role be" (step 5).
//!
//! Kubernetes' RBAC authorizer, as documented, restated: a binding applies
//! when one of its subjects is the user, one of the user's groups, or its
//! service account; a ClusterRoleBinding grants everywhere, a RoleBinding
//! only in its namespace (a RoleBinding may reference a ClusterRole); a
//! rule allows a request when its verbs, API groups, resources
//! (`pods/exec`, `pods/*`, `*`) and, when set, resourceNames all match.
//! Aggregated ClusterRoles get the rules of every ClusterRole their
//! `clusterRoleSelectors` select. Implicit groups are added as the API
//! server adds them: `system:authenticated` for every authenticated user,
//! `system:serviceaccounts` and `system:serviceaccounts:NS` for service
//! accounts. Bindings created in the log are applied on top of the
//! snapshot from the moment they were written.

use super::snapshot::{Binding, LogOrigin, Role, RoleId, Rule, Snapshot, Subject};
use crate::detect::rbac::BindingRecord;

/// The grants the review looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// get, list or watch on secrets.
    ReadSecrets,
    /// create/get on pods/exec or pods/attach.
    Exec,
    Impersonate,
    /// bind on roles/clusterroles: grant what one does not hold.
    Bind,
    Escalate,
    /// create on serviceaccounts/token.
    CreateToken,
}

impl Capability {
    pub const ALL: [Capability; 6] = [
        Capability::ReadSecrets,
        Capability::Exec,
        Capability::Impersonate,
        Capability::Bind,
        Capability::Escalate,
        Capability::CreateToken,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Capability::ReadSecrets => "read secrets",
            Capability::Exec => "exec into pods",
            Capability::Impersonate => "impersonate",
            Capability::Bind => "bind roles",
            Capability::Escalate => "escalate roles",
            Capability::CreateToken => "mint service-account tokens",
        }
    }

    /// (verbs, API group, resources) any of which grants it.
    fn requests(self) -> &'static [(&'static str, &'static str, &'static str)] {
        match self {
            Capability::ReadSecrets => &[
                ("get", "", "secrets"),
                ("list", "", "secrets"),
                ("watch", "", "secrets"),
            ],
            Capability::Exec => &[
                ("create", "", "pods/exec"),
                ("get", "", "pods/exec"),
                ("create", "", "pods/attach"),
            ],
            Capability::Impersonate => &[
                ("impersonate", "", "users"),
                ("impersonate", "", "groups"),
                ("impersonate", "", "serviceaccounts"),
            ],
            Capability::Bind => &[
                ("bind", "rbac.authorization.k8s.io", "clusterroles"),
                ("bind", "rbac.authorization.k8s.io", "roles"),
            ],
            Capability::Escalate => &[
                ("escalate", "rbac.authorization.k8s.io", "clusterroles"),
                ("escalate", "rbac.authorization.k8s.io", "roles"),
            ],
            Capability::CreateToken => &[("create", "", "serviceaccounts/token")],
        }
    }
}

/// Where a grant applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Cluster,
    Namespace(String),
}

/// Who is asking: the identity and the groups seen for it in the log.
#[derive(Debug, Clone)]
pub struct Who {
    pub identity: String,
    pub groups: Vec<String>,
}

impl Who {
    pub fn new(identity: &str, seen_groups: impl IntoIterator<Item = String>) -> Who {
        let mut groups: Vec<String> = seen_groups.into_iter().collect();
        let mut add = |g: String| {
            if !groups.contains(&g) {
                groups.push(g);
            }
        };
        if identity == "system:anonymous" {
            add("system:unauthenticated".into());
        } else {
            add("system:authenticated".into());
        }
        if let Some(rest) = identity.strip_prefix("system:serviceaccount:") {
            add("system:serviceaccounts".into());
            if let Some((ns, _)) = rest.split_once(':') {
                add(format!("system:serviceaccounts:{ns}"));
            }
        }
        Who {
            identity: identity.to_string(),
            groups,
        }
    }

    fn is(&self, s: &Subject) -> bool {
        match s.kind.as_str() {
            "User" => s.name == self.identity,
            "Group" => self.groups.contains(&s.name),
            "ServiceAccount" => {
                let ns = s.namespace.as_deref().unwrap_or("");
                self.identity == format!("system:serviceaccount:{ns}:{}", s.name)
            }
            _ => false,
        }
    }
}

/// One path from an identity to a capability: binding → role → rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub capability: Capability,
    pub binding: String,
    /// Set when the binding was created or changed in the log.
    pub from_log: Option<LogOrigin>,
    pub role: RoleId,
    /// The ClusterRole an aggregated rule came from.
    pub aggregated_from: Option<String>,
    pub via: Subject,
    pub scope: Scope,
    pub rule: Rule,
}

impl Grant {
    /// `ClusterRoleBinding b → ClusterRole r (get,list on secrets) via Group g, cluster-wide`.
    pub fn path(&self) -> String {
        let names = if self.rule.resource_names.is_empty() {
            String::new()
        } else {
            format!(" named {}", self.rule.resource_names.join(","))
        };
        let agg = self
            .aggregated_from
            .as_ref()
            .map(|a| format!(", aggregated from ClusterRole {a}"))
            .unwrap_or_default();
        let scope = match &self.scope {
            Scope::Cluster => "cluster-wide".to_string(),
            Scope::Namespace(ns) => format!("in namespace {ns}"),
        };
        format!(
            "{} → {} ({} on {}{names}{agg}) via {}, {scope}",
            self.binding,
            self.role,
            self.rule.verbs.join(","),
            self.rule.resources.join(","),
            self.via,
        )
    }
}

fn has(list: &[String], v: &str) -> bool {
    list.iter().any(|x| x == "*" || x == v)
}

fn resource_matches(list: &[String], resource: &str) -> bool {
    list.iter().any(|r| {
        r == "*"
            || r == resource
            || resource
                .split_once('/')
                .is_some_and(|(base, sub)| *r == format!("{base}/*") || *r == format!("*/{sub}"))
    })
}

/// Does `rule` allow `verb` on `group`/`resource` (`pods/exec` style),
/// for object `name` (empty: a request naming no object)?
pub fn rule_allows(rule: &Rule, verb: &str, group: &str, resource: &str, name: &str) -> bool {
    has(&rule.verbs, verb)
        && has(&rule.api_groups, group)
        && resource_matches(&rule.resources, resource)
        && (rule.resource_names.is_empty()
            || (!name.is_empty() && rule.resource_names.iter().any(|n| n == name)))
}

/// A role's rules, aggregated ones included (with where they came from).
pub fn role_rules<'s>(snap: &'s Snapshot, role: &'s Role) -> Vec<(&'s Rule, Option<&'s str>)> {
    let mut out: Vec<(&Rule, Option<&str>)> = role.rules.iter().map(|r| (r, None)).collect();
    if role.id.cluster && !role.aggregation.is_empty() {
        for other in snap
            .roles
            .iter()
            .filter(|r| r.id.cluster && r.id != role.id)
        {
            if role
                .aggregation
                .iter()
                .any(|sel| sel.matches(&other.labels))
            {
                for r in &other.rules {
                    if !out.iter().any(|(x, _)| *x == r) {
                        out.push((r, Some(other.id.name.as_str())));
                    }
                }
            }
        }
    }
    out
}

/// The bindings in force at `at` (µs): the snapshot's, plus those the log
/// created or changed at or before then (a later change of the same
/// binding replaces it).
pub fn bindings_at(snap: &Snapshot, log: &[BindingRecord], at: Option<i64>) -> Vec<Binding> {
    let mut out = snap.bindings.clone();
    for b in log {
        if at.is_some_and(|t| b.time.is_some_and(|bt| bt > t)) {
            continue;
        }
        let Some((kind, role)) = &b.role_ref else {
            continue; // logged at Metadata level: the role is not known
        };
        let cluster = b.kind == "ClusterRoleBinding";
        let binding = Binding {
            cluster,
            namespace: if cluster {
                String::new()
            } else {
                b.namespace.clone()
            },
            name: b.name.clone(),
            role: RoleId {
                cluster: kind == "ClusterRole",
                namespace: if kind == "ClusterRole" {
                    String::new()
                } else {
                    b.namespace.clone()
                },
                name: role.clone(),
            },
            subjects: b
                .subjects
                .iter()
                .map(|s| Subject {
                    kind: s.kind.clone(),
                    name: s.name.clone(),
                    namespace: s.namespace.clone(),
                })
                .collect(),
            from_log: Some(LogOrigin {
                time: b.time,
                actor: b.actor.clone(),
                audit_id: b.audit_id.clone(),
            }),
        };
        out.retain(|x| {
            !(x.cluster == binding.cluster
                && x.namespace == binding.namespace
                && x.name == binding.name)
        });
        if b.verb != "delete" {
            out.push(binding);
        }
    }
    out
}

/// Every grant of the capabilities above to `who`, at `at`.
pub fn grants(snap: &Snapshot, log: &[BindingRecord], who: &Who, at: Option<i64>) -> Vec<Grant> {
    let mut out = Vec::new();
    for b in bindings_at(snap, log, at) {
        let Some(via) = b.subjects.iter().find(|s| who.is(s)) else {
            continue;
        };
        let Some(role) = snap.role(&b.role) else {
            continue;
        };
        let scope = if b.cluster {
            Scope::Cluster
        } else {
            Scope::Namespace(b.namespace.clone())
        };
        for (rule, from) in role_rules(snap, role) {
            for cap in Capability::ALL {
                let any = cap
                    .requests()
                    .iter()
                    .any(|(v, g, r)| rule_allows_any_name(rule, v, g, r));
                if any {
                    out.push(Grant {
                        capability: cap,
                        binding: b.label(),
                        from_log: b.from_log.clone(),
                        role: b.role.clone(),
                        aggregated_from: from.map(str::to_string),
                        via: via.clone(),
                        scope: scope.clone(),
                        rule: rule.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Like [`rule_allows`], counting a rule limited to some resourceNames as
/// a (narrow) grant.
fn rule_allows_any_name(rule: &Rule, verb: &str, group: &str, resource: &str) -> bool {
    has(&rule.verbs, verb)
        && has(&rule.api_groups, group)
        && resource_matches(&rule.resources, resource)
}

/// The first grant that allows this exact request at `at`, if RBAC allows it.
#[allow(clippy::too_many_arguments)]
pub fn authorize(
    snap: &Snapshot,
    log: &[BindingRecord],
    who: &Who,
    verb: &str,
    group: &str,
    resource: &str,
    namespace: &str,
    name: &str,
    at: Option<i64>,
) -> Option<Grant> {
    for b in bindings_at(snap, log, at) {
        if !b.cluster && b.namespace != namespace {
            continue;
        }
        let Some(via) = b.subjects.iter().find(|s| who.is(s)) else {
            continue;
        };
        let Some(role) = snap.role(&b.role) else {
            continue;
        };
        if let Some((rule, from)) = role_rules(snap, role)
            .into_iter()
            .find(|(r, _)| rule_allows(r, verb, group, resource, name))
        {
            let capability = Capability::ALL
                .into_iter()
                .find(|c| {
                    c.requests()
                        .iter()
                        .any(|(v, g, r)| (*v, *g, *r) == (verb, group, resource))
                })
                .unwrap_or(Capability::ReadSecrets);
            return Some(Grant {
                capability,
                binding: b.label(),
                from_log: b.from_log.clone(),
                role: b.role.clone(),
                aggregated_from: from.map(str::to_string),
                via: via.clone(),
                scope: if b.cluster {
                    Scope::Cluster
                } else {
                    Scope::Namespace(b.namespace.clone())
                },
                rule: rule.clone(),
            });
        }
    }
    None
}
