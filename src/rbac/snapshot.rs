//! The cluster's real RBAC, from a snapshot: the JSON of
//! `kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o json`
//! (a `List`), the same as YAML, several documents, or the four kinds in
//! separate files. Parsing only; `grants` answers questions about it.
//!
//! Missing data is stated, never guessed: a snapshot that does not parse is
//! an error with where; one without ClusterRoles or ClusterRoleBindings
//! (every cluster has them) is an error naming the kinds it lacks; one
//! without Roles or RoleBindings is accepted (a cluster may have none) and
//! every review says that namespace grants through them are unknown.

use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use thiserror::Error;

/// The command the README and every "no snapshot" message give.
pub const SNAPSHOT_COMMAND: &str =
    "kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o json > rbac.json";

#[derive(Debug, Error)]
pub enum SnapshotError {
    #[error("cannot read RBAC snapshot {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
    #[error("RBAC snapshot {path} does not parse as JSON or YAML: {why}")]
    Parse { path: String, why: String },
    #[error(
        "RBAC snapshot {path} holds no {missing}: it is not the output of `{SNAPSHOT_COMMAND}` (the review would be guessing)"
    )]
    Incomplete { path: String, missing: String },
}

/// One rule of a Role or ClusterRole.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    #[serde(default)]
    pub api_groups: Vec<String>,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub verbs: Vec<String>,
    #[serde(default)]
    pub resource_names: Vec<String>,
    #[serde(default, rename = "nonResourceURLs")]
    pub non_resource_urls: Vec<String>,
}

/// `matchLabels` and `matchExpressions` of an aggregation selector.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub match_expressions: Vec<Expression>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Expression {
    pub key: String,
    pub operator: String,
    #[serde(default)]
    pub values: Vec<String>,
}

impl LabelSelector {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|e| {
                let v = labels.get(&e.key);
                match e.operator.as_str() {
                    "In" => v.is_some_and(|v| e.values.contains(v)),
                    "NotIn" => v.is_none_or(|v| !e.values.contains(v)),
                    "Exists" => v.is_some(),
                    "DoesNotExist" => v.is_none(),
                    // An operator we do not know selects nothing: never a
                    // grant invented.
                    _ => false,
                }
            })
    }
}

/// A Role (namespaced) or ClusterRole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleId {
    pub cluster: bool,
    pub namespace: String,
    pub name: String,
}

impl std::fmt::Display for RoleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.cluster {
            write!(f, "ClusterRole {}", self.name)
        } else {
            write!(f, "Role {}/{}", self.namespace, self.name)
        }
    }
}

#[derive(Debug, Clone)]
pub struct Role {
    pub id: RoleId,
    pub labels: BTreeMap<String, String>,
    pub rules: Vec<Rule>,
    /// `aggregationRule.clusterRoleSelectors`.
    pub aggregation: Vec<LabelSelector>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Subject {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.kind.as_str(), &self.namespace) {
            ("ServiceAccount", Some(ns)) => write!(f, "ServiceAccount {ns}/{}", self.name),
            (k, _) => write!(f, "{k} {}", self.name),
        }
    }
}

/// A RoleBinding or ClusterRoleBinding, from the snapshot or from the log.
#[derive(Debug, Clone)]
pub struct Binding {
    pub cluster: bool,
    pub namespace: String,
    pub name: String,
    /// What it binds: a ClusterRole (cluster = true) or a Role in its namespace.
    pub role: RoleId,
    pub subjects: Vec<Subject>,
    /// Created or changed in the log (time, by whom, audit ID); `None` for
    /// snapshot bindings.
    pub from_log: Option<LogOrigin>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOrigin {
    pub time: Option<i64>,
    pub actor: String,
    pub audit_id: Option<String>,
}

impl Binding {
    pub fn label(&self) -> String {
        if self.cluster {
            format!("ClusterRoleBinding {}", self.name)
        } else {
            format!("RoleBinding {}/{}", self.namespace, self.name)
        }
    }
}

/// The snapshot: every role and binding, and which kinds it held.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub sources: Vec<String>,
    pub roles: Vec<Role>,
    pub bindings: Vec<Binding>,
    pub kinds: BTreeSet<&'static str>,
}

const KINDS: [&str; 4] = ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Obj {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: Meta,
    #[serde(default)]
    rules: Option<Vec<Rule>>,
    #[serde(default)]
    aggregation_rule: Option<Aggregation>,
    #[serde(default)]
    role_ref: Option<RoleRef>,
    #[serde(default)]
    subjects: Option<Vec<Subject>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Aggregation {
    #[serde(default)]
    cluster_role_selectors: Vec<LabelSelector>,
}

#[derive(Deserialize)]
struct RoleRef {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

impl Snapshot {
    /// Read every file (the four kinds may come separately), then check
    /// that the cluster-wide kinds are there.
    pub fn load(paths: &[impl AsRef<Path>]) -> Result<Snapshot, SnapshotError> {
        let mut snap = Snapshot::default();
        for p in paths {
            let p = p.as_ref();
            let path = p.display().to_string();
            let text = std::fs::read_to_string(p).map_err(|cause| SnapshotError::Read {
                path: path.clone(),
                cause,
            })?;
            snap.add_text(&text, &path)?;
        }
        snap.check(&paths_label(paths))?;
        Ok(snap)
    }

    /// Parse one document set (JSON, or YAML with `---` separators).
    pub fn add_text(&mut self, text: &str, path: &str) -> Result<(), SnapshotError> {
        let values: Vec<Value> = match serde_json::from_str::<Value>(text) {
            Ok(v) => vec![v],
            Err(json_err) => {
                let mut docs = Vec::new();
                for doc in serde_yaml_ng::Deserializer::from_str(text) {
                    match Value::deserialize(doc) {
                        Ok(Value::Null) => {}
                        Ok(v) => docs.push(v),
                        Err(e) => {
                            return Err(SnapshotError::Parse {
                                path: path.into(),
                                why: if text.trim_start().starts_with(['{', '[']) {
                                    json_err.to_string()
                                } else {
                                    e.to_string()
                                },
                            });
                        }
                    }
                }
                docs
            }
        };
        self.sources.push(path.to_string());
        for v in values {
            self.add_value(v, path)?;
        }
        Ok(())
    }

    fn add_value(&mut self, v: Value, path: &str) -> Result<(), SnapshotError> {
        let items = match v {
            Value::Array(a) => a,
            Value::Object(mut m) if m.get("items").is_some_and(Value::is_array) => {
                match m.remove("items") {
                    Some(Value::Array(a)) => a,
                    _ => Vec::new(),
                }
            }
            other => vec![other],
        };
        for item in items {
            let obj: Obj = serde_json::from_value(item).map_err(|e| SnapshotError::Parse {
                path: path.into(),
                why: format!("an item is not an RBAC object: {e}"),
            })?;
            self.add_object(obj);
        }
        Ok(())
    }

    fn add_object(&mut self, o: Obj) {
        let ns = o.metadata.namespace.clone().unwrap_or_default();
        match o.kind.as_str() {
            "ClusterRole" | "Role" => {
                let cluster = o.kind == "ClusterRole";
                self.kinds.insert(if cluster { KINDS[0] } else { KINDS[2] });
                self.roles.push(Role {
                    id: RoleId {
                        cluster,
                        namespace: if cluster { String::new() } else { ns },
                        name: o.metadata.name,
                    },
                    labels: o.metadata.labels,
                    rules: o.rules.unwrap_or_default(),
                    aggregation: o
                        .aggregation_rule
                        .map(|a| a.cluster_role_selectors)
                        .unwrap_or_default(),
                });
            }
            "ClusterRoleBinding" | "RoleBinding" => {
                let cluster = o.kind == "ClusterRoleBinding";
                self.kinds.insert(if cluster { KINDS[1] } else { KINDS[3] });
                let Some(r) = o.role_ref else { return };
                let role = RoleId {
                    cluster: r.kind == "ClusterRole",
                    namespace: if r.kind == "ClusterRole" {
                        String::new()
                    } else {
                        ns.clone()
                    },
                    name: r.name,
                };
                self.bindings.push(Binding {
                    cluster,
                    namespace: if cluster { String::new() } else { ns },
                    name: o.metadata.name,
                    role,
                    subjects: o.subjects.unwrap_or_default(),
                    from_log: None,
                });
            }
            // Other objects in the List (a ServiceAccount, say) are not RBAC.
            _ => {}
        }
    }

    fn check(&self, label: &str) -> Result<(), SnapshotError> {
        let missing: Vec<&str> = KINDS[..2]
            .iter()
            .filter(|k| !self.kinds.contains(*k))
            .copied()
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(SnapshotError::Incomplete {
                path: label.to_string(),
                missing: missing.join(" and "),
            })
        }
    }

    /// Kinds the snapshot held none of (Roles, RoleBindings): grants through
    /// them are unknown, and the review says so.
    pub fn unknown_kinds(&self) -> Vec<&'static str> {
        KINDS
            .iter()
            .filter(|k| !self.kinds.contains(*k))
            .copied()
            .collect()
    }

    pub fn role(&self, id: &RoleId) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == *id)
    }
}

fn paths_label(paths: &[impl AsRef<Path>]) -> String {
    paths
        .iter()
        .map(|p| p.as_ref().display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
