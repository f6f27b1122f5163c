//! The part of the view only the text and jsonl front-ends print: each
//! alert's full record (its grouping key, every stored audit ID, every
//! secret with the outcome of the requests for it, sources, links). The
//! TUI's snapshot does not carry it, so [`super::AlertItem::record`] is
//! `None` there; `scan` builds it from the engine's alert.
//!
//! Wording lives here and in the front-ends, never in `detect`: the
//! grouping key is typed ([`GroupKey`]) and [`group_label`] words it, the
//! outcome of each secret read is counts per [`Outcome`], not a marker in
//! a string.

use crate::audit::Outcome;
use crate::detect::{Alert, GroupKey, SecretRef};
use std::collections::BTreeSet;

/// Requests per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutcomeCounts {
    /// Served (2xx).
    pub allowed: u64,
    /// 401/403 or an authorizer's `forbid`.
    pub denied: u64,
    /// 404: no such object.
    pub not_found: u64,
    /// Any other error.
    pub failed: u64,
    /// Only the RequestReceived stage was seen: treated as served.
    pub unknown: u64,
}

/// [`OutcomeCounts`] of one secret (the alert counts them in `u32`), kept
/// at 20 bytes: a burst alert holds 100,000.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecretCounts(pub [u32; 5]);

impl SecretCounts {
    pub fn counts(&self) -> OutcomeCounts {
        OutcomeCounts::of(&self.0)
    }
}

impl OutcomeCounts {
    /// From counts indexed by `Outcome as usize`.
    pub fn of<T: Copy + Into<u64>>(by: &[T; 5]) -> Self {
        let n = |o: Outcome| by[o as usize].into();
        OutcomeCounts {
            allowed: n(Outcome::Allowed),
            denied: n(Outcome::Denied),
            not_found: n(Outcome::NotFound),
            failed: n(Outcome::Failed),
            unknown: n(Outcome::Unknown),
        }
    }
    /// The content may have been served (the rotation list's test).
    pub fn exposed(&self) -> bool {
        self.allowed > 0 || self.unknown > 0
    }
    pub fn total(&self) -> u64 {
        self.allowed + self.denied + self.not_found + self.failed + self.unknown
    }
}

/// What became of the requests for one secret, as one class: the most
/// exposed outcome any request for it had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretFate {
    /// At least one request was served, or its outcome is unknown.
    Served,
    /// Refused every time it was asked for.
    Denied,
    /// It did not exist (404) and was never served or refused.
    NotFound,
    /// Only other errors.
    Failed,
}

/// One secret an alert touched. Kept small: an exfiltration burst puts
/// 100,000 of them in one alert (and its secret-read twin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRow {
    pub secret: SecretRef,
    /// Requests for it per outcome.
    pub outcomes: SecretCounts,
}

impl SecretRow {
    pub fn fate(&self) -> SecretFate {
        let o = &self.outcomes.counts();
        if o.exposed() {
            SecretFate::Served
        } else if o.denied > 0 {
            SecretFate::Denied
        } else if o.not_found > 0 {
            SecretFate::NotFound
        } else {
            SecretFate::Failed
        }
    }
}

/// An alert's full record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub group: GroupKey,
    pub linked: Vec<String>,
    /// The stored audit IDs (the first `MAX_EVIDENCE`), in arrival order.
    pub audit_ids: Vec<String>,
    /// Every secret, sorted by its words (`ns/name`, `ns/*`, `*/*`: the
    /// order of jsonl's `secrets`).
    pub secrets: Vec<SecretRow>,
    pub source_ips: Vec<String>,
    pub user_agents: Vec<String>,
    /// The distinct details of every stored event, sorted.
    pub details: Vec<String>,
    /// Requests per outcome, over the whole alert.
    pub outcomes: OutcomeCounts,
    /// The rule's notes, and the novelty ("first secret read by this
    /// identity in the log") apart (the item's `notes` hold both).
    pub notes: Vec<String>,
    pub novelty: Option<String>,
}

pub(super) fn record(a: &Alert) -> AlertRecord {
    let mut secrets: Vec<SecretRow> = a
        .secrets
        .iter()
        .map(|(s, u)| SecretRow {
            secret: s.clone(),
            outcomes: SecretCounts(u.by_outcome),
        })
        .collect();
    // By the words, without making them: `*` stands for an empty
    // namespace or a missing name, as `SecretRef`'s Display writes it.
    fn words(s: &SecretRef) -> impl Iterator<Item = u8> + '_ {
        let ns = if s.namespace.is_empty() {
            "*"
        } else {
            &s.namespace
        };
        (ns.bytes())
            .chain(std::iter::once(b'/'))
            .chain(s.name.as_deref().unwrap_or("*").bytes())
    }
    secrets.sort_by(|x, y| words(&x.secret).cmp(words(&y.secret)));
    let details: BTreeSet<&str> = a
        .events
        .iter()
        .filter_map(|e| e.detail.as_deref())
        .collect();
    AlertRecord {
        group: a.group.clone(),
        linked: a.linked.clone(),
        audit_ids: a.audit_ids.clone(),
        secrets,
        source_ips: a.source_ips.iter().cloned().collect(),
        user_agents: a.user_agents.iter().cloned().collect(),
        details: details.into_iter().map(str::to_string).collect(),
        outcomes: OutcomeCounts::of(&a.outcomes),
        notes: a.notes.clone(),
        novelty: a.novelty.clone(),
    }
}

/// The grouping key in words (`None` for [`GroupKey::None`]). Display
/// only: ids and the jsonl `group_key` object use the typed fields.
pub fn group_label(k: &GroupKey) -> Option<String> {
    let target = |ns: &str, name: &str| {
        if ns.is_empty() {
            name.to_string()
        } else {
            format!("{ns}/{name}")
        }
    };
    Some(match k {
        GroupKey::None => return None,
        GroupKey::RbacObject {
            kind,
            namespace,
            name,
        }
        | GroupKey::Workload {
            kind,
            namespace,
            name,
        } => format!("{kind} {}", target(namespace, name)),
        GroupKey::Source {
            ip,
            user_agent,
            via,
        } => {
            let mut s = ip.clone();
            if let Some(ua) = user_agent {
                s.push_str(&format!(" | {ua}"));
            }
            if let Some(v) = via {
                s.push_str(&format!(" | via {v}"));
            }
            s
        }
        GroupKey::UserAgent { user_agent } => user_agent.clone(),
        GroupKey::Account { account } => account.clone(),
        GroupKey::Minter { minter } => format!("minted by {minter}"),
        GroupKey::Node { node } => node.clone(),
        GroupKey::Csr { name } => format!("csr {name}"),
    })
}

/// How many of an alert's secrets were served, refused, absent or failed:
/// `3 secrets: 1 served, 2 not found (404)` (`None` without secrets).
pub fn fates_line(secrets: &[SecretRow]) -> Option<String> {
    if secrets.is_empty() {
        return None;
    }
    let count = |f: SecretFate| secrets.iter().filter(|s| s.fate() == f).count();
    let parts: Vec<String> = [
        (SecretFate::Served, "served"),
        (SecretFate::Denied, "denied"),
        (SecretFate::NotFound, "not found (404)"),
        (SecretFate::Failed, "failed"),
    ]
    .iter()
    .map(|&(f, w)| (count(f), w))
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| format!("{n} {w}"))
    .collect();
    Some(format!(
        "{}: {}",
        crate::words::count_of(secrets.len(), "secret", "secrets"),
        parts.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(by: [u32; 5]) -> SecretRow {
        SecretRow {
            secret: SecretRef {
                namespace: "prod".into(),
                name: Some("a".into()),
            },
            outcomes: SecretCounts(by),
        }
    }

    #[test]
    fn a_secret_is_served_if_any_request_for_it_may_have_been() {
        // Indexed Unknown, Allowed, Denied, NotFound, Failed.
        assert_eq!(row([0, 1, 3, 0, 0]).fate(), SecretFate::Served);
        assert_eq!(row([1, 0, 3, 0, 0]).fate(), SecretFate::Served, "unknown");
        assert_eq!(row([0, 0, 1, 2, 0]).fate(), SecretFate::Denied);
        assert_eq!(row([0, 0, 0, 2, 1]).fate(), SecretFate::NotFound);
        assert_eq!(row([0, 0, 0, 0, 1]).fate(), SecretFate::Failed);
        let l = fates_line(&[
            row([0, 1, 0, 0, 0]),
            row([0, 0, 0, 1, 0]),
            row([0, 0, 0, 1, 0]),
        ]);
        assert_eq!(l.as_deref(), Some("3 secrets: 1 served, 2 not found (404)"));
        assert_eq!(fates_line(&[]), None);
    }

    #[test]
    fn labels_word_the_typed_key() {
        let k = GroupKey::Source {
            ip: "203.0.113.9".into(),
            user_agent: Some("kubectl/1.30".into()),
            via: Some("admin".into()),
        };
        assert_eq!(
            group_label(&k).as_deref(),
            Some("203.0.113.9 | kubectl/1.30 | via admin")
        );
        let k = GroupKey::RbacObject {
            kind: "ClusterRoleBinding",
            namespace: String::new(),
            name: "loot".into(),
        };
        assert_eq!(group_label(&k).as_deref(), Some("ClusterRoleBinding loot"));
        assert_eq!(group_label(&GroupKey::None), None);
    }
}
