//! Is an allowlist entry broad enough for an attacker to join? A pure
//! judgement on one entry, shared by `ktriage allowlist check` and the TUI's
//! entry form, so both say the same thing.
//!
//! An entry is joinable when matching it needs something an attacker who
//! got a foothold can create or set: a namespace (a `user-prefix` on
//! `system:serviceaccount:NS:` is matched by every account anyone creates
//! in NS, and NS itself by whoever may create namespaces), a user name that
//! merely starts like a known one, a header the client sets (the user
//! agent), a wide source range, or a group every account is in. Entries
//! that silence every rule are flagged too: an exception for secret reads
//! should not also hide exec and RBAC changes.

use super::model::{AllowlistEntry, EntryKind};
use std::fmt;

/// Groups that every account of a kind is in: allowlisting one allowlists
/// everyone of that kind.
const EVERYONE_GROUPS: &[&str] = &[
    "system:authenticated",
    "system:unauthenticated",
    "system:serviceaccounts",
];

/// An IPv4 range wider than this (a /16 = 65 536 addresses) or an IPv6
/// range wider than a /48 is "very broad".
const MIN_V4_PREFIX: u8 = 16;
const MIN_V6_PREFIX: u8 = 48;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreadthWarning {
    /// `user-prefix system:serviceaccount:NS:`: every account in NS.
    NamespacePrefix { namespace: String },
    /// A `user-prefix` that is not a whole-namespace prefix: every name
    /// that starts the same (`alice` matches `alice-evil`).
    UserPrefix { prefix: String },
    /// `namespace`: every identity, for requests on objects in it.
    WholeNamespace { namespace: String },
    /// A `group` everyone of a kind is in, or a namespace's SA group.
    BroadGroup { group: String },
    /// `system:serviceaccount:NS:default`: the account every pod gets
    /// unless it names another.
    DefaultAccount { identity: String },
    /// A `user-agent` entry: the client chooses its user agent.
    UserAgent { pattern: String },
    /// A source range (the entry's kind or its `source_cidrs`) of this size.
    BroadCidr { cidr: String },
    /// A `secret-name` glob that matches (nearly) any name.
    AnySecretName { pattern: String },
    /// No `rules` list: the entry silences every rule, exec and RBAC included.
    AllRules,
}

impl fmt::Display for BreadthWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use BreadthWarning::*;
        match self {
            NamespacePrefix { namespace } => write!(
                f,
                "matches every service account in namespace `{namespace}`, including `default` and any account \
                 created there later (and, where the product is not installed, whoever can create that namespace); \
                 name the accounts with `user` or `pod-service-account` entries"
            ),
            UserPrefix { prefix } => write!(
                f,
                "matches every identity starting with `{prefix}`, also ones created later with a look-alike name; \
                 prefer exact `user` entries"
            ),
            WholeNamespace { namespace } => write!(
                f,
                "matches every identity, human or not, for requests on objects in namespace `{namespace}`"
            ),
            BroadGroup { group } => write!(
                f,
                "group `{group}` contains every account of its kind: this allowlists all of them"
            ),
            DefaultAccount { identity } => write!(
                f,
                "`{identity}` is the account every pod in that namespace runs as unless it names another \
                 (on older clusters kube-system:default is often bound to cluster-admin)"
            ),
            UserAgent { pattern } => write!(
                f,
                "user agent `{pattern}` is chosen by the client: any caller can send it (`kubectl --user-agent`, \
                 curl -A); combine it with an identity in a separate, exact entry instead"
            ),
            BroadCidr { cidr } => write!(
                f,
                "source range {cidr} is very broad (wider than a /{MIN_V4_PREFIX} or /{MIN_V6_PREFIX}): anything \
                 routed from there matches"
            ),
            AnySecretName { pattern } => {
                write!(f, "secret-name `{pattern}` matches nearly any secret name")
            }
            AllRules => write!(
                f,
                "no `rules` list: this entry silences every rule, including exec, RBAC changes and escalate-then-loot"
            ),
        }
    }
}

/// Everything about one entry that makes it joinable, most serious first.
/// Empty means: matching it needs an exact identity, pod, name or a narrow
/// network.
pub fn breadth_warnings(e: &AllowlistEntry) -> Vec<BreadthWarning> {
    use BreadthWarning::*;
    let mut out = Vec::new();
    let v = e.value.as_str();
    match e.kind {
        EntryKind::UserPrefix => match namespace_prefix(v) {
            Some(ns) => out.push(NamespacePrefix {
                namespace: ns.to_string(),
            }),
            // Kubelets: joining needs a node client certificate (CN
            // system:node:NAME) from the cluster CA, and the Node authorizer
            // confines each kubelet to the secrets of its own pods. Only
            // accepted together with named_only (no lists).
            None if v == "system:node:" && e.named_only => {}
            None => out.push(UserPrefix {
                prefix: v.to_string(),
            }),
        },
        EntryKind::Namespace => out.push(WholeNamespace {
            namespace: v.to_string(),
        }),
        EntryKind::Group => {
            if EVERYONE_GROUPS.contains(&v) || v.starts_with("system:serviceaccounts:") {
                out.push(BroadGroup {
                    group: v.to_string(),
                });
            }
        }
        EntryKind::UserAgent => out.push(UserAgent {
            pattern: v.to_string(),
        }),
        EntryKind::SecretName => {
            if e.secret_scope().1.trim_matches('*').len() < 3 {
                out.push(AnySecretName {
                    pattern: v.to_string(),
                });
            }
        }
        EntryKind::User | EntryKind::PodServiceAccount | EntryKind::SourceCidr => {}
    }
    if matches!(e.kind, EntryKind::User | EntryKind::PodServiceAccount) && v.ends_with(":default") {
        if let Some(ns) = v.strip_prefix("system:serviceaccount:") {
            if ns.split(':').count() == 2 {
                out.push(DefaultAccount {
                    identity: v.to_string(),
                });
            }
        }
    }
    let own = (e.kind == EntryKind::SourceCidr)
        .then(|| v.parse::<crate::net::Cidr>().ok())
        .flatten();
    for c in own.iter().chain(e.source_cidrs.iter()) {
        let min = if c.is_ipv4() {
            MIN_V4_PREFIX
        } else {
            MIN_V6_PREFIX
        };
        if c.prefix_len() < min {
            out.push(BroadCidr {
                cidr: c.to_string(),
            });
        }
    }
    if e.rules.is_empty() {
        out.push(AllRules);
    }
    out
}

/// `system:serviceaccount:NS:` or `system:serviceaccount:` (every
/// namespace) → the namespace part ("*" for all).
fn namespace_prefix(v: &str) -> Option<&str> {
    let rest = v.strip_prefix("system:serviceaccount")?;
    if rest.is_empty() || rest == ":" {
        return Some("*");
    }
    let ns = rest.strip_prefix(':')?;
    // `system:serviceaccount:cert-` (mid-name) is a namespace prefix too:
    // it matches cert-manager and every namespace starting with `cert-`.
    Some(ns.strip_suffix(':').unwrap_or(ns)).filter(|ns| !ns.contains(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(kind: EntryKind, v: &str) -> AllowlistEntry {
        AllowlistEntry::new(kind, v)
            .unwrap()
            .with_rules(&["secret-read"])
    }

    #[test]
    fn joinable_entries_are_named() {
        use BreadthWarning::*;
        assert_eq!(
            breadth_warnings(&e(
                EntryKind::UserPrefix,
                "system:serviceaccount:kube-system:"
            )),
            vec![NamespacePrefix {
                namespace: "kube-system".into()
            }]
        );
        assert_eq!(
            breadth_warnings(&e(EntryKind::UserPrefix, "system:serviceaccount:cert-")),
            vec![NamespacePrefix {
                namespace: "cert-".into()
            }]
        );
        assert!(matches!(
            breadth_warnings(&e(EntryKind::UserPrefix, "ci-"))[..],
            [UserPrefix { .. }]
        ));
        assert!(matches!(
            breadth_warnings(&e(EntryKind::SourceCidr, "0.0.0.0/0"))[..],
            [BroadCidr { .. }]
        ));
        assert!(matches!(
            breadth_warnings(&e(EntryKind::SourceCidr, "::/0"))[..],
            [BroadCidr { .. }]
        ));
        assert!(breadth_warnings(&e(EntryKind::SourceCidr, "10.20.0.0/16")).is_empty());
        assert!(matches!(
            breadth_warnings(&e(EntryKind::UserAgent, "Helm/*"))[..],
            [UserAgent { .. }]
        ));
        assert!(matches!(
            breadth_warnings(&e(EntryKind::Group, "system:serviceaccounts:prod"))[..],
            [BroadGroup { .. }]
        ));
        assert!(matches!(
            breadth_warnings(&e(
                EntryKind::User,
                "system:serviceaccount:kube-system:default"
            ))[..],
            [DefaultAccount { .. }]
        ));
        assert!(matches!(
            breadth_warnings(&e(EntryKind::SecretName, "*"))[..],
            [AnySecretName { .. }]
        ));
        assert!(matches!(
            breadth_warnings(&e(EntryKind::SecretName, "prod/*"))[..],
            [AnySecretName { .. }]
        ));
        assert!(breadth_warnings(&e(EntryKind::SecretName, "prod/aws-credentials")).is_empty());
        assert!(matches!(
            breadth_warnings(&e(EntryKind::SecretName, "*"))[..],
            [AnySecretName { .. }]
        ));
        let all = AllowlistEntry::new(EntryKind::User, "alice").unwrap();
        assert_eq!(breadth_warnings(&all), vec![AllRules]);
        let wide_from = e(EntryKind::User, "alice")
            .from_sources(&["0.0.0.0/1"])
            .unwrap();
        assert!(matches!(
            breadth_warnings(&wide_from)[..],
            [BroadCidr { .. }]
        ));
    }

    #[test]
    fn exact_entries_and_the_defaults_are_not_joinable() {
        assert!(breadth_warnings(&e(EntryKind::User, "system:kube-controller-manager")).is_empty());
        let nodes = e(EntryKind::UserPrefix, "system:node:").named_only();
        assert!(breadth_warnings(&nodes).is_empty());
        let nodes_list = e(EntryKind::UserPrefix, "system:node:");
        assert_eq!(breadth_warnings(&nodes_list).len(), 1, "lists too: warned");
        for d in super::super::defaults::default_entries() {
            assert!(
                breadth_warnings(&d).is_empty(),
                "default {} {} is joinable: {:?}",
                d.kind,
                d.value,
                breadth_warnings(&d)
            );
        }
    }
}
