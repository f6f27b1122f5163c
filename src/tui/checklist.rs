//! The evidence checklist (seed 001's incident-response steps) for one
//! incident, and its saved state.
//!
//! The items are the view's steps ([`crate::view::steps`]), derived from the snapshot each time, so they fill in as
//! the log grows; only what the analyst did (ticks and notes) is stored, by
//! [`super::checkstate`], keyed by the investigation (identity and evidence
//! window), not by log source.

pub use super::checkstate::{ChecklistError, ChecklistStore, ItemState, Lookup, Subject, subject};
use super::snapshot::Snapshot;
use crate::detect::Incident;
use crate::report::inert::inert;
use crate::time::format_micros;
use crate::view::{self, Facts, Line, Seg, Step};

/// The facts of a snapshot, for [`crate::view`].
pub fn facts(snap: &Snapshot) -> Facts<'_> {
    Facts {
        incidents: &snap.incidents,
        alerts: snap.alerts.iter().map(|a| a.facts()).collect(),
        activity: snap.identities.iter().map(|a| &**a).collect(),
        bindings: &snap.bindings,
        roles: &snap.roles,
        pod_specs_seen: snap.pod_specs_seen,
        rbac: snap.rbac.as_deref(),
    }
}

/// The checklist of an incident: the view's steps, the same the report
/// writes.
pub fn items(snap: &Snapshot, inc: &Incident) -> Vec<Step> {
    view::steps(&facts(snap), inc)
}

/// A view line as inert terminal text.
pub fn plain(l: &Line) -> String {
    let mut o = String::new();
    for s in &l.segs {
        match s {
            // `inert` borrows clean text: no copy per segment (a
            // 100k-secret checklist has a million of them).
            Seg::Text(t) => o.push_str(&inert(t)),
            Seg::Data(d) => o.push_str(&inert(d)),
            Seg::Time(t) => o.push_str(
                &t.map(format_micros)
                    .unwrap_or_else(|| "(time not recorded)".into()),
            ),
        }
    }
    if !l.audit_ids.is_empty() {
        o.push_str("  [audit ");
        for (i, a) in l.audit_ids.iter().enumerate() {
            if i > 0 {
                o.push_str(", ");
            }
            o.push_str(&inert(a));
        }
        o.push(']');
    }
    o
}
