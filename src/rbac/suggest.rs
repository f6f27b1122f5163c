//! Least privilege, in the manner of audit2rbac: from what an identity was
//! seen doing *before* the incident (the part of the log that is not
//! suspect), the namespace-scoped Role + RoleBinding that allows only that —
//! the verbs, resources and, where few, the resourceNames it used — set
//! beside what it is granted now. An identity with no legitimate access
//! seen gets "none": the binding that granted it should go.
//!
//! What ktriage can and cannot see, said in every suggestion: the engine
//! records the security-relevant requests (secrets, exec, token requests,
//! RBAC writes), so the suggestion covers those; access to other resources
//! is not in it. Run audit2rbac over the whole log for a complete role.

use crate::detect::activity::IdentityActivity;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// resourceNames are listed when an identity used at most this many names
/// in a namespace; more, and the rule covers the resource (said).
pub const MAX_NAMES: usize = 5;

/// One suggested namespace rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceRules {
    pub namespace: String,
    /// (verbs, resource, resourceNames) — core API group.
    pub rules: Vec<(Vec<String>, String, Vec<String>)>,
}

/// The suggestion for one identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub identity: String,
    /// Empty: no legitimate access seen — the right role is none.
    pub namespaces: Vec<NamespaceRules>,
    /// Cluster-wide access seen before the incident (a list of every
    /// secret): a namespace Role cannot express it; said, not suggested.
    pub cluster_wide: Vec<String>,
}

impl Suggestion {
    pub fn is_none(&self) -> bool {
        self.namespaces.is_empty() && self.cluster_wide.is_empty()
    }
}

/// What `act` did before `incident_start` (µs). Secrets first read before
/// the incident are its legitimate use; execs likewise.
pub fn suggest(
    identity: &str,
    act: Option<&IdentityActivity>,
    incident_start: Option<i64>,
) -> Suggestion {
    let before = |t: Option<i64>| match (t, incident_start) {
        (Some(t), Some(s)) => t < s,
        // Untimed access cannot be placed before the incident: left out.
        _ => false,
    };
    let mut per_ns: BTreeMap<String, BTreeMap<String, Used>> = BTreeMap::new();
    let mut cluster_wide = Vec::new();
    if let Some(a) = act {
        for (secret, stat) in &a.secrets {
            if !before(stat.first) || stat.allowed == 0 {
                continue;
            }
            if secret.namespace.is_empty() {
                cluster_wide.push(format!("{} on all secrets", join(&stat.verbs)));
                continue;
            }
            let e = per_ns
                .entry(secret.namespace.clone())
                .or_default()
                .entry("secrets".into())
                .or_default();
            e.0.extend(stat.verbs.iter().cloned());
            match &secret.name {
                Some(n) => {
                    e.1.insert(n.clone());
                }
                // A list/watch of the namespace: no names to narrow to.
                None => e.2 = true,
            }
        }
        for x in &a.execs {
            if !before(x.time) || x.outcome != crate::audit::Outcome::Allowed {
                continue;
            }
            let e = per_ns
                .entry(x.namespace.clone())
                .or_default()
                .entry(format!("pods/{}", x.subresource))
                .or_default();
            e.0.insert("create".into());
            e.1.insert(x.pod.clone());
        }
    }
    let namespaces = per_ns
        .into_iter()
        .map(|(namespace, res)| NamespaceRules {
            namespace,
            rules: res
                .into_iter()
                .map(|(resource, (verbs, names, all))| {
                    let names = if all || names.len() > MAX_NAMES {
                        Vec::new()
                    } else {
                        names.into_iter().collect()
                    };
                    (verbs.into_iter().collect(), resource, names)
                })
                .collect(),
        })
        .collect();
    Suggestion {
        identity: identity.to_string(),
        namespaces,
        cluster_wide,
    }
}

/// Per (namespace, resource): verbs used, names used, and whether a
/// request covered the whole namespace (no names to narrow to).
type Used = (BTreeSet<String>, BTreeSet<String>, bool);

fn join(s: &crate::detect::smallmap::SmallSet<String>) -> String {
    s.iter().cloned().collect::<Vec<_>>().join(",")
}

/// A DNS-1123 name for the suggested objects, from the identity.
fn object_name(identity: &str) -> String {
    let base = identity.rsplit(':').next().unwrap_or(identity);
    let mut n: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    n = n.trim_matches('-').to_string();
    if n.is_empty() {
        n = "identity".into();
    }
    n.truncate(40);
    format!("ktriage-least-privilege-{n}")
}

fn subject(identity: &str) -> Value {
    match identity
        .strip_prefix("system:serviceaccount:")
        .and_then(|r| r.split_once(':'))
    {
        Some((ns, name)) => json!({"kind": "ServiceAccount", "name": name, "namespace": ns}),
        None => json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": identity}),
    }
}

/// The suggestion as Kubernetes objects (Role + RoleBinding per namespace).
pub fn objects(s: &Suggestion) -> Vec<Value> {
    let name = object_name(&s.identity);
    let mut out = Vec::new();
    for ns in &s.namespaces {
        let rules: Vec<Value> = ns
            .rules
            .iter()
            .map(|(verbs, resource, names)| {
                let mut r = json!({"apiGroups": [""], "resources": [resource], "verbs": verbs});
                if !names.is_empty() {
                    r["resourceNames"] = json!(names);
                }
                r
            })
            .collect();
        out.push(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": name, "namespace": ns.namespace,
                         "annotations": {"ktriage/suggested-for": s.identity}},
            "rules": rules,
        }));
        out.push(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": name, "namespace": ns.namespace,
                         "annotations": {"ktriage/suggested-for": s.identity}},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [subject(&s.identity)],
        }));
    }
    out
}

/// The suggestion as a YAML file, with what it does not cover in comments.
pub fn yaml(s: &Suggestion) -> String {
    let mut out = format!(
        "# Least-privilege RBAC suggested by ktriage for {}\n\
         # from its access before the incident. Covers secrets and exec only (what ktriage\n\
         # records); run audit2rbac over the whole log for other resources.\n",
        s.identity.replace('\n', " ")
    );
    if s.is_none() {
        out.push_str(
            "# No secret or exec access was seen before the incident: the right role grants\n\
             # none. Remove the grants that allow it (other access is not recorded by ktriage:\n\
             # check it with audit2rbac before removing a whole binding).\n",
        );
        return out;
    }
    for c in &s.cluster_wide {
        out.push_str(&format!(
            "# Seen cluster-wide before the incident ({}): a namespace Role cannot express it;\n\
             # decide whether it is needed at all.\n",
            c.replace('\n', " ")
        ));
    }
    for o in objects(s) {
        out.push_str("---\n");
        out.push_str(&serde_yaml_ng::to_string(&o).unwrap_or_default());
    }
    out
}
