//! What a view is built from, by reference: the engine's own data in
//! `scan`, or the TUI's snapshot of it. Both give the same facts for the
//! same log, so both front-ends write the same report.

use crate::detect::activity::IdentityActivity;
use crate::detect::rbac::{BindingRecord, RoleRecord};
use crate::detect::{Alert, Engine, EvidenceEvent, Incident, RuleId, Severity};

/// One alert's facts.
#[derive(Debug, Clone, Copy)]
pub struct AlertFacts<'a> {
    pub id: &'a str,
    pub rule: RuleId,
    pub severity: Severity,
    pub identity: &'a str,
    pub authenticated_user: Option<&'a str>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub event_count: u64,
    /// The alert's first evidence events, oldest first (at least
    /// [`super::EVENTS_LISTED`] of them when there are that many).
    pub events: &'a [EvidenceEvent],
    pub notes: &'a [String],
    pub novelty: Option<&'a str>,
    /// Events the engine stored (it caps them), and audit IDs counted but
    /// not listed: an omission every report must state.
    pub stored: u64,
    pub audit_ids_omitted: u64,
    /// The engine's alert, when these are the engine's facts (`scan`): the
    /// text and jsonl front-ends print its full record
    /// ([`super::AlertRecord`]). `None` from the TUI's snapshot, which does
    /// not carry it.
    pub record: Option<&'a Alert>,
}

impl<'a> From<&'a Alert> for AlertFacts<'a> {
    fn from(a: &'a Alert) -> Self {
        AlertFacts {
            id: &a.id,
            rule: a.rule,
            severity: a.severity,
            identity: &a.identity,
            authenticated_user: a.authenticated_user.as_deref(),
            first_seen: a.first_seen,
            last_seen: a.last_seen,
            event_count: a.event_count,
            events: &a.events,
            notes: &a.notes,
            novelty: a.novelty.as_deref(),
            stored: a.events.len() as u64,
            audit_ids_omitted: a.audit_ids_omitted,
            record: Some(a),
        }
    }
}

/// The inputs of a view. `alerts` is indexed like the engine's alerts (the
/// incidents' `alerts` indices point into it); `activity` may come in any
/// order.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub incidents: &'a [Incident],
    pub alerts: Vec<AlertFacts<'a>>,
    pub activity: Vec<&'a IdentityActivity>,
    pub bindings: &'a [BindingRecord],
    pub roles: &'a [RoleRecord],
    /// Pod specs the engine learned secret use from (0: none in the log).
    pub pod_specs_seen: u64,
    /// The cluster's RBAC (`--rbac`), for the RBAC review step.
    pub rbac: Option<&'a crate::rbac::Snapshot>,
}

impl<'a> Facts<'a> {
    /// The engine's facts, with the incidents it built.
    pub fn of_engine(engine: &'a Engine, incidents: &'a [Incident]) -> Self {
        Facts {
            incidents,
            alerts: engine.alerts().iter().map(AlertFacts::from).collect(),
            activity: engine.activity.by_identity.values().collect(),
            bindings: &engine.rbac.bindings,
            roles: &engine.rbac.roles,
            pod_specs_seen: engine.activity.pods.specs_seen,
            rbac: None,
        }
    }

    /// The facts of alerts and incidents alone, for the front-ends that
    /// print no checklist (text, jsonl): [`super::records`] builds no steps
    /// from them, so the activity and RBAC records they lack are never read.
    pub fn of_alerts(alerts: &'a [Alert], incidents: &'a [Incident]) -> Self {
        Facts {
            incidents,
            alerts: alerts.iter().map(AlertFacts::from).collect(),
            activity: Vec::new(),
            bindings: &[],
            roles: &[],
            pod_specs_seen: 0,
            rbac: None,
        }
    }

    /// With the cluster's RBAC snapshot for the review.
    pub fn with_rbac(mut self, rbac: Option<&'a crate::rbac::Snapshot>) -> Self {
        self.rbac = rbac;
        self
    }

    pub(super) fn identity(&self, name: &str) -> Option<&'a IdentityActivity> {
        self.activity.iter().copied().find(|a| a.identity == name)
    }
}
