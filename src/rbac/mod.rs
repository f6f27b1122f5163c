//! RBAC review from the cluster's real RBAC (`--rbac FILE`): which bindings
//! and roles grant an incident's identities secrets, exec, impersonation,
//! bind, escalate or token creation, where and through what, and whether
//! each secret read the log shows was allowed by RBAC at that moment. Pure
//! functions of a parsed snapshot and the engine's records; no I/O beyond
//! [`Snapshot::load`].

pub mod grants;
pub mod snapshot;
pub mod suggest;

pub use grants::{Capability, Grant, Scope, Who};
pub use snapshot::RoleId;
pub use snapshot::{SNAPSHOT_COMMAND, Snapshot, SnapshotError};

use crate::detect::activity::IdentityActivity;
use crate::detect::rbac::BindingRecord;

/// Whether one secret access the log shows was allowed by RBAC then.
#[derive(Debug, Clone)]
pub struct ReadCheck {
    pub namespace: String,
    /// `None`: a list/watch of the whole namespace (or cluster).
    pub name: Option<String>,
    pub verb: String,
    pub time: Option<i64>,
    /// The log recorded at least one allowed request.
    pub logged_allowed: bool,
    /// The RBAC path that allows it, if any.
    pub rbac: Option<Grant>,
}

impl ReadCheck {
    /// Allowed in the log, yet not by RBAC as recorded: another authorizer
    /// decided (a webhook; the Node authorizer for kubelets), or RBAC
    /// changed outside what the snapshot and the log show.
    pub fn other_authorizer(&self) -> bool {
        self.logged_allowed && self.rbac.is_none()
    }
}

/// Why the groups a review used may not be all the identity's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupsGap {
    /// No activity record: the identity was over the identity limit
    /// (`max_identities`) when it appeared, so none of its groups (nor its
    /// secret reads) were recorded. Grants through groups are not known.
    NotRecorded,
    /// Its record was made after records were evicted under the identity
    /// limit: groups its earlier requests carried may be missing.
    EarlierEvicted,
}

/// The review of one identity.
#[derive(Debug, Clone)]
pub struct IdentityReview {
    pub identity: String,
    pub groups: Vec<String>,
    /// `Some`: `groups` may be incomplete, so `grants` and `reads` may
    /// under-report the identity's access.
    pub groups_gap: Option<GroupsGap>,
    pub grants: Vec<Grant>,
    pub reads: Vec<ReadCheck>,
    /// Kinds the snapshot lacked: grants through them are unknown.
    pub unknown_kinds: Vec<&'static str>,
}

/// Review `identity` against the snapshot, with the log's own bindings
/// applied in time order.
pub fn review(snap: &Snapshot, engine: &crate::detect::Engine, identity: &str) -> IdentityReview {
    review_of(
        snap,
        &engine.rbac.bindings,
        engine.activity.by_identity.get(identity),
        identity,
    )
}

/// [`review`] from the records both front-ends hold (the TUI has no engine).
pub fn review_of(
    snap: &Snapshot,
    log: &[BindingRecord],
    act: Option<&IdentityActivity>,
    identity: &str,
) -> IdentityReview {
    let groups: Vec<String> = act
        .map(|a| a.groups.iter().cloned().collect())
        .unwrap_or_default();
    let who = Who::new(identity, groups);
    let last = act.and_then(|a| a.last);
    let mut reads = Vec::new();
    if let Some(a) = act {
        for (secret, stat) in &a.secrets {
            for verb in &stat.verbs {
                let name = secret.name.clone().unwrap_or_default();
                let rbac = grants::authorize(
                    snap,
                    log,
                    &who,
                    verb,
                    "",
                    "secrets",
                    &secret.namespace,
                    &name,
                    stat.first,
                );
                reads.push(ReadCheck {
                    namespace: secret.namespace.clone(),
                    name: secret.name.clone(),
                    verb: verb.clone(),
                    time: stat.first,
                    logged_allowed: stat.allowed > 0,
                    rbac,
                });
            }
        }
    }
    IdentityReview {
        identity: identity.to_string(),
        groups: who.groups.clone(),
        groups_gap: match act {
            None => Some(GroupsGap::NotRecorded),
            Some(a) if a.evicted_before => Some(GroupsGap::EarlierEvicted),
            Some(_) => None,
        },
        grants: grants::grants(snap, log, &who, last),
        reads,
        unknown_kinds: snap
            .unknown_kinds()
            .into_iter()
            .filter(|k| *k == "Role" || *k == "RoleBinding")
            .collect(),
    }
}
