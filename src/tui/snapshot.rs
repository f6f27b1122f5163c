//! What the worker hands the UI: a compact, owned picture of the engine at
//! one moment. The UI never touches the engine (bottom's model: producers
//! own their state, the UI thread owns the view), so a burst of events
//! cannot make a draw wait on a lock.
//!
//! Building a snapshot must stay cheap while 100k events/s arrive: alerts
//! and identities are cached as `Arc`s and only rebuilt when they change
//! (an alert's `revision`, bumped by the engine on every change to it), alert evidence is capped to the newest
//! [`EVIDENCE_SHOWN`] events, and RBAC records (append-only) are re-shared
//! until their count changes. Incidents are built on a second thread
//! beside the views, and a progress snapshot ([`SnapshotCache::progress`])
//! carries a fresh status with the last full picture (same `data_seq`, so
//! the UI keeps its rows).

use crate::detect::activity::IdentityActivity;
use crate::detect::rbac::{BindingRecord, RoleRecord};
use crate::detect::{Alert, Engine, EvidenceEvent, Incident, RuleId, Severity};
use std::collections::HashMap;
use std::sync::Arc;

/// Evidence events per alert carried to the UI (the engine keeps more).
pub const EVIDENCE_SHOWN: usize = 200;

/// One alert as the UI sees it.
#[derive(Debug, Clone)]
pub struct AlertView {
    pub id: String,
    pub rule: RuleId,
    pub severity: Severity,
    pub title: &'static str,
    pub identity: String,
    pub authenticated_user: Option<String>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub event_count: u64,
    /// The newest events, oldest first.
    pub events: Vec<EvidenceEvent>,
    /// The first events, as the report lists them ([`crate::view::EVENTS_LISTED`]).
    pub head: Vec<EvidenceEvent>,
    pub source_ips: Vec<String>,
    pub user_agents: Vec<String>,
    pub notes: Vec<String>,
    pub novelty: Option<String>,
    /// Events the engine stored, and audit IDs it counted but did not
    /// list (past its evidence cap).
    pub stored: u64,
    pub audit_ids_omitted: u64,
}

impl AlertView {
    fn from_alert(a: &Alert) -> Self {
        let skip = a.events.len().saturating_sub(EVIDENCE_SHOWN);
        AlertView {
            id: a.id.clone(),
            rule: a.rule,
            severity: a.severity,
            title: a.title(),
            identity: a.identity.clone(),
            authenticated_user: a.authenticated_user.clone(),
            first_seen: a.first_seen,
            last_seen: a.last_seen,
            event_count: a.event_count,
            events: a.events[skip..].to_vec(),
            head: a.events[..a.events.len().min(crate::view::EVENTS_LISTED)].to_vec(),
            source_ips: a.source_ips.iter().cloned().collect(),
            user_agents: a.user_agents.iter().cloned().collect(),
            notes: a.notes.clone(),
            novelty: a.novelty.clone(),
            stored: a.events.len() as u64,
            audit_ids_omitted: a.audit_ids_omitted,
        }
    }
}

impl AlertView {
    /// What the report needs of this alert: the same facts the engine's
    /// alert gives, so `x` and `scan --format markdown` agree.
    pub fn facts(&self) -> crate::view::AlertFacts<'_> {
        crate::view::AlertFacts {
            id: &self.id,
            rule: self.rule,
            severity: self.severity,
            identity: &self.identity,
            authenticated_user: self.authenticated_user.as_deref(),
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            event_count: self.event_count,
            events: &self.head,
            notes: &self.notes,
            novelty: self.novelty.as_deref(),
            stored: self.stored,
            audit_ids_omitted: self.audit_ids_omitted,
            record: None,
        }
    }
}

/// Reading and following progress, for the status bar.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// "DEMO", file names, or "stdin".
    pub sources: String,
    pub demo: bool,
    pub loading: bool,
    /// Bytes read of the inputs being loaded, and their total when known.
    pub bytes_read: u64,
    pub bytes_total: Option<u64>,
    /// Following a live file (after the initial load).
    pub following: bool,
    /// Every input read to its end and none followed: nothing more comes.
    pub done: bool,
    pub follow_note: Option<String>,
    pub events: u64,
    pub relevant: u64,
    pub malformed: u64,
    /// Lines over the 1 MiB cap, judged from their reduced text (events,
    /// not malformed; `audit::large`): said so nothing looks fully read
    /// when parts of those lines were cut.
    pub large: u64,
    /// The first malformed records as `file:line: why` (the count above is
    /// the total; the list is capped by the pipeline).
    pub malformed_list: Vec<String>,
    pub events_per_sec: f64,
    /// Relevant lines kept for re-evaluation, and how many were dropped
    /// because the retention budget was exceeded.
    pub retained: usize,
    pub retained_dropped: u64,
    pub reevaluating: bool,
    pub error: Option<String>,
    /// One line per input: its formats and event count.
    pub inputs: Vec<String>,
    /// What could not be judged, per input (errors first).
    pub problems: Vec<String>,
    /// The newest answer to `Command::Preview` (an allowlist change not
    /// saved yet, or an entry's suppressions).
    pub preview: Option<super::impact::Impact>,
    /// Rule checks each allowlist entry silenced, by entry index.
    pub allow_hits: Vec<u64>,
    /// The newest answer to `Command::Suppressed` (pane 3's `H`).
    pub suppressed: Option<Arc<super::suppressed::SuppressedList>>,
}

/// One published picture of the engine.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Increases with every publication; the allowlist generation it was
    /// computed under travels with it so the UI can tell stale results.
    pub seq: u64,
    pub generation: u64,
    /// Which full build the engine picture comes from, unique in the
    /// process (0: none): a progress snapshot ([`SnapshotCache::progress`])
    /// only refreshes the status and keeps the data, so the UI keeps its
    /// rows.
    pub data_seq: u64,
    pub incidents: Arc<Vec<Incident>>,
    pub alerts: Vec<Arc<AlertView>>,
    pub identities: Vec<Arc<IdentityActivity>>,
    pub bindings: Arc<Vec<BindingRecord>>,
    pub roles: Arc<Vec<RoleRecord>>,
    /// Pod specs the engine learned secret use from (0: none in the log).
    pub pod_specs_seen: u64,
    pub status: Status,
    /// The cluster's RBAC (`--rbac`), for the checklist's RBAC review.
    pub rbac: Option<Arc<crate::rbac::Snapshot>>,
}

type IdSig = (Option<i64>, usize, usize, usize, u64, u64, u32);

fn identity_sig(i: &IdentityActivity) -> IdSig {
    let counts: u32 = i.secrets.values().map(|s| s.count()).sum();
    (
        i.last,
        i.secrets.len(),
        i.execs.len(),
        i.changes.len(),
        i.reads_allowlisted,
        i.reads_flagged,
        counts,
    )
}

/// Numbers full builds across every cache (tests build several).
static DATA_VERSION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Reuses unchanged pieces between snapshots.
#[derive(Default)]
pub struct SnapshotCache {
    /// The last full snapshot, without its status (for progress snapshots).
    last: Option<Snapshot>,
    /// Per alert (by index): the `Alert::revision` its view was built at.
    alerts: Vec<(u64, Arc<AlertView>)>,
    identities: HashMap<String, (IdSig, Arc<IdentityActivity>)>,
    bindings: Arc<Vec<BindingRecord>>,
    roles: Arc<Vec<RoleRecord>>,
    /// Handed to every snapshot (loaded once, at start).
    pub rbac: Option<Arc<crate::rbac::Snapshot>>,
}

impl SnapshotCache {
    /// Forget everything (after the engine was rebuilt).
    /// Forget the cached views (an allowlist edit); the RBAC snapshot stays.
    pub fn clear(&mut self) {
        *self = SnapshotCache::with_rbac(self.rbac.take());
    }

    /// A cache whose snapshots carry the cluster's RBAC.
    pub fn with_rbac(rbac: Option<Arc<crate::rbac::Snapshot>>) -> Self {
        SnapshotCache {
            rbac,
            ..Default::default()
        }
    }

    /// A snapshot with a fresh status and the data of the last full one
    /// (`None` before the first): a few `Arc` clones, so the progress bar
    /// can move four times a second while a full picture of a 1M-secret
    /// incident is built far less often.
    pub fn progress(&self, seq: u64, generation: u64, status: Status) -> Option<Snapshot> {
        let last = self.last.as_ref().filter(|l| l.generation == generation)?;
        Some(Snapshot {
            seq,
            status,
            ..last.clone()
        })
    }

    pub fn build(
        &mut self,
        engine: &Engine,
        seq: u64,
        generation: u64,
        status: Status,
    ) -> Snapshot {
        // Incidents (their rotation lists) are built on a second thread
        // while this one copies the alerts and identities: the last
        // snapshot of a load is on the critical path of " loaded ".
        let (incidents, snap) = std::thread::scope(|sc| {
            let incidents = sc.spawn(|| {
                let t = std::time::Instant::now();
                let i = engine.incidents();
                super::timing::record("snapshot-incidents", t.elapsed());
                i
            });
            let t = std::time::Instant::now();
            let snap = self.build_views(engine, seq, generation, status);
            super::timing::record("snapshot-views", t.elapsed());
            (incidents.join().expect("incident build"), snap)
        });
        let snap = Snapshot {
            incidents: Arc::new(incidents),
            ..snap
        };
        self.last = Some(Snapshot {
            status: Status::default(),
            ..snap.clone()
        });
        snap
    }

    fn build_views(
        &mut self,
        engine: &Engine,
        seq: u64,
        generation: u64,
        status: Status,
    ) -> Snapshot {
        let alerts = engine.alerts();
        self.alerts.truncate(alerts.len());
        for (i, a) in alerts.iter().enumerate() {
            let sig = a.revision;
            match self.alerts.get_mut(i) {
                Some((old, _)) if *old == sig => {}
                Some(slot) => *slot = (sig, Arc::new(AlertView::from_alert(a))),
                None => self.alerts.push((sig, Arc::new(AlertView::from_alert(a)))),
            }
        }
        let mut identities: Vec<Arc<IdentityActivity>> = engine
            .activity
            .by_identity
            .iter()
            .map(|(name, act)| {
                let sig = identity_sig(act);
                let slot = self
                    .identities
                    .entry(name.clone())
                    .or_insert_with(|| (sig, Arc::new(act.clone())));
                if slot.0 != sig {
                    *slot = (sig, Arc::new(act.clone()));
                }
                slot.1.clone()
            })
            .collect();
        identities.sort_by(|a, b| b.last.cmp(&a.last).then(a.identity.cmp(&b.identity)));
        if self.bindings.len() != engine.rbac.bindings.len() {
            self.bindings = Arc::new(engine.rbac.bindings.clone());
        }
        if self.roles.len() != engine.rbac.roles.len() {
            self.roles = Arc::new(engine.rbac.roles.clone());
        }
        Snapshot {
            seq,
            generation,
            data_seq: DATA_VERSION.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
            incidents: Arc::default(),
            alerts: self.alerts.iter().map(|(_, a)| a.clone()).collect(),
            identities,
            bindings: self.bindings.clone(),
            roles: self.roles.clone(),
            pod_specs_seen: engine.activity.pods.specs_seen,
            status,
            rbac: self.rbac.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SnapshotCache, Status};
    use crate::allowlist::Allowlist;
    use crate::audit::Outcome;
    use crate::detect::{Config, Engine, RuleId};
    use crate::pipeline::Ingest;
    use std::sync::Arc;

    fn exec(stage: &str, code: Option<i64>) -> String {
        let mut e = serde_json::json!({
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
            "auditID": "exec-1", "stage": stage,
            "requestURI": "/api/v1/namespaces/prod/pods/web/exec?command=sh&container=web",
            "verb": "create",
            "user": {"username": "mallory", "groups": ["system:authenticated"]},
            "sourceIPs": ["203.0.113.9"], "userAgent": "kubectl",
            "objectRef": {"resource": "pods", "subresource": "exec", "namespace": "prod",
                          "name": "web", "apiVersion": "v1"},
            "requestReceivedTimestamp": "2026-07-01T10:00:00.000000Z",
            "stageTimestamp": "2026-07-01T10:00:00.000000Z",
        });
        if let Some(c) = code {
            e["responseStatus"] = serde_json::json!({"code": c});
            e["annotations"] = serde_json::json!({"authorization.k8s.io/decision": "allow"});
        }
        e.to_string()
    }

    /// The cache rebuilds an alert's view whenever the engine changed the
    /// alert: an exec released from hold with no outcome, later completed
    /// with 101, must not stay "unknown" in the UI (its counts and times
    /// do not move, so a field signature missed it).
    #[test]
    fn a_completed_request_refreshes_the_alert_view() {
        let mut ingest = Ingest::new(Engine::new(Config::default(), Allowlist::empty()));
        let src: Arc<str> = Arc::from("t");
        ingest.record(&src, 1, &exec("RequestReceived", None));
        ingest.finish();
        let mut cache = SnapshotCache::default();
        let view = |snap: &super::Snapshot| {
            snap.alerts
                .iter()
                .find(|a| a.rule == RuleId::PodExec)
                .expect("pod-exec alert")
                .events[0]
                .outcome
        };
        let snap = cache.build(&ingest.engine, 1, 0, Status::default());
        assert_eq!(view(&snap), Outcome::Unknown);
        ingest.record(&src, 2, &exec("ResponseComplete", Some(101)));
        let snap = cache.build(&ingest.engine, 2, 0, Status::default());
        assert_eq!(view(&snap), Outcome::Allowed);
    }
}
