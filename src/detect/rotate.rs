//! What an incident says must be rotated (or was only refused), as data:
//! one named secret, every secret of a namespace, or every secret of the
//! cluster. Front-ends word it; nothing parses it back from text.

use super::alert::SecretRef;
use std::fmt;

/// How much one rotation-list entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RotateKind {
    /// The secret `namespace/name`.
    Named,
    /// Every secret in `namespace` (a list/watch served them all; names
    /// not all known).
    WholeNamespace,
    /// Every secret in the cluster (a cluster-wide list/watch).
    WholeCluster,
}

/// One entry of an incident's rotation (or refused) list. `namespace` is
/// empty for [`RotateKind::WholeCluster`], `name` is empty unless
/// [`RotateKind::Named`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct RotateItem {
    pub namespace: String,
    pub name: String,
    pub kind: RotateKind,
}

impl RotateItem {
    pub fn named(namespace: &str, name: &str) -> Self {
        RotateItem {
            namespace: namespace.to_string(),
            name: name.to_string(),
            kind: RotateKind::Named,
        }
    }

    /// The entry a secret reference stands for (a reference without a name
    /// is a whole namespace, or the cluster when it has no namespace).
    pub fn of(secret: &SecretRef) -> Self {
        match (&secret.name, secret.namespace.as_str()) {
            (Some(n), ns) => RotateItem::named(ns, n),
            (None, "") => RotateItem {
                namespace: String::new(),
                name: String::new(),
                kind: RotateKind::WholeCluster,
            },
            (None, ns) => RotateItem {
                namespace: ns.to_string(),
                name: String::new(),
                kind: RotateKind::WholeNamespace,
            },
        }
    }

    /// Does this entry cover the secret `namespace/name`?
    pub fn covers(&self, namespace: &str, name: &str) -> bool {
        match self.kind {
            RotateKind::Named => self.namespace == namespace && self.name == name,
            RotateKind::WholeNamespace => self.namespace == namespace,
            RotateKind::WholeCluster => true,
        }
    }
}

/// The short key `ns/name`, `ns/*` or `*/*` (stable: checklist state and
/// jsonl consumers use it).
impl fmt::Display for RotateItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            RotateKind::Named => write!(f, "{}/{}", self.namespace, self.name),
            RotateKind::WholeNamespace => write!(f, "{}/*", self.namespace),
            RotateKind::WholeCluster => f.write_str("*/*"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_namespace_covers_only_its_namespace() {
        let ns = RotateItem::of(&SecretRef {
            namespace: "prod".into(),
            name: None,
        });
        assert!(ns.covers("prod", "db"));
        assert!(!ns.covers("stage", "db"));
        assert_eq!(ns.to_string(), "prod/*");
        let n = RotateItem::named("prod", "db");
        assert!(n.covers("prod", "db") && !n.covers("prod", "web"));
        let all = RotateItem::of(&SecretRef {
            namespace: String::new(),
            name: None,
        });
        assert!(all.covers("x", "y"));
        assert_eq!(all.to_string(), "*/*");
    }
}
