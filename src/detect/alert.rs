//! Alerts: one rule's hit for one identity (plus the rule's own grouping
//! key), holding all its events; and the evidence kept for each event.
//!
//! Stored evidence is bounded, counts are exact. An alert keeps every
//! distinct secret it touched (the rotation list must be complete) and
//! counts every request, but stores the evidence and the audit IDs of its
//! first [`MAX_EVIDENCE`] requests only; `events_omitted()` and
//! `audit_ids_omitted` say how many were left out, and every output states
//! it. Each step is O(log n) in the alert's distinct secrets and O(1)
//! otherwise (see `windows` for the measurement).
//!
//! Memory (identity flood: 100,000 one-read identities, one alert each):
//! an alert with one request was ~2.5 KiB of its own, mostly room never
//! used (a `Vec` of four evidence events, one-element `BTreeSet` leaves, an
//! index map). Now the evidence `Vec` and audit IDs grow exactly, the sets
//! are [`SmallSet`]s, the evidence index exists only past
//! [`INDEX_FROM`] events, and the raw JSON is kept for the first
//! [`RAW_KEPT`] requests only ([`EvidenceEvent::raw_kept`]). An alert
//! created over the engine's `max_identities` limit is
//! [`Alert::evidence_trimmed`]: exact counts, every secret, its source IPs
//! and user agents, the first [`TRIMMED_AUDIT_IDS`] audit IDs, no stored
//! evidence; a note on the alert says so.

use super::hit::GroupKey;
use super::registry::{RuleId, Severity, info};
use super::smallmap::SmallSet;
use crate::audit::{AuditEvent, Outcome};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, LazyLock};

/// Evidence events and audit IDs stored per alert; requests beyond this are
/// counted (`event_count`, `audit_ids_omitted`), their secrets, source IPs
/// and user agents recorded, but their evidence is not stored.
pub const MAX_EVIDENCE: usize = 2_000;

/// Evidence events per alert whose raw JSON line is kept (the TUI's raw
/// popup); later ones hold [`raw_not_kept`] instead.
pub const RAW_KEPT: usize = 50;

/// Audit IDs listed by an alert whose evidence is trimmed (over the
/// engine's identity limit); the rest are counted in `audit_ids_omitted`.
pub const TRIMMED_AUDIT_IDS: usize = 10;

/// Past this many stored events, an alert indexes them by audit ID (below
/// it a scan of the few stored is as fast, and costs no map).
pub const INDEX_FROM: usize = 8;

static NOT_KEPT: LazyLock<Arc<str>> = LazyLock::new(|| {
    Arc::from(
        "(raw line not kept: ktriage keeps the raw JSON of the first 50 requests of an \
         alert, none in `ktriage scan` (no output shows it) and none for alerts over the \
         max_identities limit; find the line in the log by its auditID)",
    )
});

/// The text an evidence event holds instead of a raw line it did not keep
/// (one shared allocation; says so when shown).
pub fn raw_not_kept() -> Arc<str> {
    NOT_KEPT.clone()
}

/// A secret an alert touched: `ns/name`, or every secret of a namespace
/// (`ns/*`), or of the cluster (`*/*`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretRef {
    /// Empty for cluster-wide.
    pub namespace: String,
    /// `None` for "all secrets in the namespace (names unknown)".
    pub name: Option<String>,
}

impl SecretRef {
    pub fn is_wildcard(&self) -> bool {
        self.name.is_none()
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = if self.namespace.is_empty() {
            "*"
        } else {
            &self.namespace
        };
        write!(f, "{ns}/{}", self.name.as_deref().unwrap_or("*"))
    }
}

/// One request as evidence: the facts an analyst reads, plus the raw line.
#[derive(Debug, Clone)]
pub struct EvidenceEvent {
    pub audit_id: Option<String>,
    pub time: Option<i64>,
    pub stage: String,
    pub verb: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
    pub identity: String,
    pub authenticated_user: String,
    pub source_ips: Vec<String>,
    pub trusted_ip: Option<String>,
    pub user_agent: String,
    pub outcome: Outcome,
    pub code: Option<i32>,
    pub request_uri: String,
    /// Exec/attach command, binding subjects, role grants: rule-specific.
    pub detail: Option<String>,
    /// The raw JSON of the latest stage seen, or [`raw_not_kept`].
    pub raw: Arc<str>,
}

impl EvidenceEvent {
    pub fn from_event(
        ev: &AuditEvent<'_>,
        raw: &str,
        time: Option<i64>,
        outcome: Outcome,
        trusted_ip: Option<String>,
    ) -> Self {
        EvidenceEvent {
            audit_id: ev.audit_id.as_deref().map(str::to_string),
            time,
            stage: ev.stage.as_deref().unwrap_or("").to_string(),
            verb: ev.verb().to_string(),
            resource: ev.resource().to_string(),
            subresource: ev.subresource().to_string(),
            namespace: ev.namespace().to_string(),
            name: ev.name().to_string(),
            identity: ev.identity().to_string(),
            authenticated_user: ev.authenticated_user().to_string(),
            source_ips: ev.source_ips.iter().map(|s| s.to_string()).collect(),
            trusted_ip,
            user_agent: ev.user_agent().to_string(),
            outcome,
            code: ev.response_code(),
            request_uri: ev.request_uri().to_string(),
            detail: None,
            raw: Arc::from(raw),
        }
    }

    /// Whether `raw` is the line (false: [`raw_not_kept`]).
    pub fn raw_kept(&self) -> bool {
        !Arc::ptr_eq(&self.raw, &NOT_KEPT)
    }

    /// `get secrets prod/db-credentials`, `create pods/exec prod/web`.
    pub fn action(&self) -> String {
        let res = if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        };
        let target = match (self.namespace.as_str(), self.name.as_str()) {
            ("", "") => "(cluster-wide)".to_string(),
            ("", n) => n.to_string(),
            (ns, "") => format!("{ns}/*"),
            (ns, n) => format!("{ns}/{n}"),
        };
        format!("{} {res} {target}", self.verb)
    }
}

/// The verbs used on one secret: the Kubernetes verbs as bits, anything
/// else (attacker-chosen) in a set (which allocates only when used). An
/// alert holds one per distinct secret, so it is kept small.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerbSet {
    bits: u16,
    other: BTreeSet<String>,
}

const VERBS: [&str; 9] = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "proxy",
];

impl VerbSet {
    pub fn insert(&mut self, verb: &str) {
        match VERBS.iter().position(|v| *v == verb) {
            Some(i) => self.bits |= 1 << i,
            None => {
                if !self.other.contains(verb) {
                    self.other.insert(verb.to_string());
                }
            }
        }
    }
    pub fn contains(&self, verb: &str) -> bool {
        match VERBS.iter().position(|v| *v == verb) {
            Some(i) => self.bits & (1 << i) != 0,
            None => self.other.contains(verb),
        }
    }
    /// Known verbs in API order, then the others sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let known = (0..VERBS.len())
            .filter(|i| self.bits & (1 << i) != 0)
            .map(|i| VERBS[i]);
        known.chain(self.other.iter().map(String::as_str))
    }
}

/// How often each outcome was seen for one secret in one alert.
#[derive(Debug, Clone, Default)]
pub struct SecretUse {
    pub verbs: VerbSet,
    /// Requests per outcome (indexed by `Outcome as usize`).
    pub by_outcome: [u32; 5],
    pub first: Option<i64>,
    pub last: Option<i64>,
}

impl SecretUse {
    /// Exposed unless every request for it was refused or failed: an
    /// unknown outcome (only RequestReceived seen) is assumed exposed.
    pub fn exposed(&self) -> bool {
        self.by_outcome[Outcome::Allowed as usize] > 0
            || self.by_outcome[Outcome::Unknown as usize] > 0
    }
    pub fn denied(&self) -> bool {
        self.by_outcome[Outcome::Denied as usize] > 0
    }
}

#[derive(Debug, Clone)]
pub struct Alert {
    pub id: String,
    pub rule: RuleId,
    pub severity: Severity,
    /// The effective identity.
    pub identity: String,
    /// The account that made the call, when it acted through impersonation.
    pub authenticated_user: Option<String>,
    /// The rule's own grouping key (source IP and user agent for rapid GETs,
    /// the binding or role for escalate-then-loot); [`GroupKey::None`] when
    /// the rule groups by identity alone. The id is derived from it.
    pub group: GroupKey,
    /// Other identities this alert ties to the same incident.
    pub linked: Vec<String>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// Requests counted (one per auditID).
    pub event_count: u64,
    pub events: Vec<EvidenceEvent>,
    pub secrets: super::smallmap::SmallMap<SecretRef, SecretUse>,
    pub source_ips: SmallSet<String>,
    pub user_agents: SmallSet<String>,
    /// The audit IDs of the first [`MAX_EVIDENCE`] requests
    /// ([`TRIMMED_AUDIT_IDS`] when [`Alert::evidence_trimmed`]).
    pub audit_ids: Vec<String>,
    /// Requests with an audit ID that `audit_ids` does not list (the cap).
    pub audit_ids_omitted: u64,
    /// Requests per (merged) outcome, indexed by `Outcome as usize`.
    pub outcomes: [u64; 5],
    /// "first secret read by this identity in the log", etc.
    pub novelty: Option<String>,
    pub notes: Vec<String>,
    /// Creation order, for stable output.
    pub seq: u64,
    /// Bumped by every change to the alert (a request joining, a later
    /// stage refreshing one, a note, a link, a severity): a reader that
    /// remembers it can tell "unchanged" without comparing fields.
    pub revision: u64,
    /// Stored events by audit ID, once there are [`INDEX_FROM`] of them
    /// (boxed: most alerts never have one, and the `Vec<Alert>` is dense:
    /// 8 bytes an alert instead of a 48-byte empty map).
    #[allow(clippy::box_collection)]
    evidence_index: Option<Box<HashMap<String, usize>>>,
    /// Notes that state a running maximum: (slot, value, index in `notes`).
    peak_notes: Vec<(&'static str, u64, usize)>,
    /// Raw lines kept for the first this many stored events.
    raw_kept: u32,
    /// Created over the engine's identity limit: counts only.
    trimmed: bool,
}

/// Push without the doubling growth's spare room while small (most alerts
/// and identities hold one or two of each).
fn push_tight<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() && v.len() < INDEX_FROM {
        v.reserve_exact(1);
    }
    v.push(x);
}

/// One alert as [`super::Engine::take_changed_alerts`] hands it out: the
/// alert as it is now, and the audit IDs of the requests that joined it
/// since the previous take.
#[derive(Debug)]
pub struct AlertChange<'a> {
    pub alert: &'a Alert,
    pub joined: Vec<String>,
}

/// Stable id from the alert's key, so that a re-scan or a TUI restart gives
/// the same ids (checklist state is keyed by them).
pub fn stable_id(prefix: &str, parts: &[&str]) -> String {
    // FNV-1a, 64 bit: stable across runs and platforms, unlike std's hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0u8)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{prefix}-{:012x}", h & 0xffff_ffff_ffff)
}

impl Alert {
    pub fn new(rule: RuleId, identity: &str, group: &GroupKey, seq: u64) -> Self {
        let key = group.id_parts();
        let mut parts: Vec<&str> = vec![rule.as_str(), identity];
        parts.extend(key.iter().map(String::as_str));
        Alert {
            id: stable_id("al", &parts),
            rule,
            severity: info(rule).severity,
            identity: identity.to_string(),
            authenticated_user: None,
            group: group.clone(),
            linked: Vec::new(),
            first_seen: None,
            last_seen: None,
            event_count: 0,
            events: Vec::new(),
            secrets: Default::default(),
            source_ips: SmallSet::default(),
            user_agents: SmallSet::default(),
            audit_ids: Vec::new(),
            audit_ids_omitted: 0,
            outcomes: [0; 5],
            novelty: None,
            notes: Vec::new(),
            seq,
            revision: 0,
            evidence_index: None,
            peak_notes: Vec::new(),
            raw_kept: RAW_KEPT as u32,
            trimmed: false,
        }
    }

    /// Keep the raw line of the first `n` stored events (0: none).
    pub fn keep_raw(&mut self, n: usize) {
        self.raw_kept = n.min(MAX_EVIDENCE) as u32;
    }

    /// Store no evidence from now on, only counts, secrets, sources and
    /// the first [`TRIMMED_AUDIT_IDS`] audit IDs (the engine's identity
    /// limit); `why` becomes a note, shown wherever the alert is.
    pub fn trim_evidence(&mut self, why: String) {
        self.trimmed = true;
        self.raw_kept = 0;
        self.note(why);
    }

    /// Created over the identity limit: its evidence was not stored.
    pub fn evidence_trimmed(&self) -> bool {
        self.trimmed
    }

    /// The stored event of request `aid`.
    fn find_event(&self, aid: &str) -> Option<usize> {
        if self.events.len() < INDEX_FROM {
            self.events
                .iter()
                .position(|e| e.audit_id.as_deref() == Some(aid))
        } else {
            self.evidence_index.as_ref()?.get(aid).copied()
        }
    }

    pub fn title(&self) -> &'static str {
        info(self.rule).title
    }

    /// Whether this request (by auditID) is already part of the alert.
    pub fn has_request(&self, audit_id: Option<&str>) -> bool {
        audit_id.is_some_and(|a| self.find_event(a).is_some())
    }

    /// Add one request's evidence. Returns false if it was already there
    /// (a later stage of the same request), in which case it is updated.
    pub fn add(&mut self, ev: EvidenceEvent, secret: Option<SecretRef>) -> bool {
        self.revision += 1;
        if let Some(aid) = &ev.audit_id {
            if let Some(i) = self.find_event(aid) {
                let old = self.events[i].outcome;
                self.update_outcome_at(i, ev, secret, old);
                return false;
            }
        }
        self.event_count += 1;
        self.outcomes[ev.outcome as usize] += 1;
        if let Some(t) = ev.time {
            self.first_seen = Some(self.first_seen.map_or(t, |f| f.min(t)));
            self.last_seen = Some(self.last_seen.map_or(t, |l| l.max(t)));
        }
        for ip in &ev.source_ips {
            if !self.source_ips.contains(ip) {
                self.source_ips.insert(ip.clone());
            }
        }
        if !ev.user_agent.is_empty() && !self.user_agents.contains(ev.user_agent.as_str()) {
            self.user_agents.insert(ev.user_agent.clone());
        }
        if ev.authenticated_user != ev.identity
            && self.authenticated_user.as_deref() != Some(ev.authenticated_user.as_str())
        {
            self.authenticated_user = Some(ev.authenticated_user.clone());
        }
        if let Some(s) = secret {
            let u = self.secrets.entry_or_default(s);
            u.verbs.insert(&ev.verb);
            u.by_outcome[ev.outcome as usize] += 1;
            if let Some(t) = ev.time {
                u.first = Some(u.first.map_or(t, |f| f.min(t)));
                u.last = Some(u.last.map_or(t, |l| l.max(t)));
            }
        }
        if let Some(aid) = &ev.audit_id {
            let cap = if self.trimmed {
                TRIMMED_AUDIT_IDS
            } else {
                MAX_EVIDENCE
            };
            if self.audit_ids.len() < cap {
                push_tight(&mut self.audit_ids, aid.clone());
            } else {
                self.audit_ids_omitted += 1;
            }
        }
        if !self.trimmed && self.events.len() < MAX_EVIDENCE {
            self.store(ev);
        }
        true
    }

    fn store(&mut self, mut ev: EvidenceEvent) {
        if self.events.len() >= self.raw_kept as usize {
            ev.raw = raw_not_kept();
        }
        if self.events.len() + 1 >= INDEX_FROM {
            let index = self.evidence_index.get_or_insert_with(|| {
                let mut m = HashMap::new();
                for (i, e) in self.events.iter().enumerate() {
                    if let Some(aid) = &e.audit_id {
                        m.insert(aid.clone(), i);
                    }
                }
                Box::new(m)
            });
            if let Some(aid) = &ev.audit_id {
                index.insert(aid.clone(), self.events.len());
            }
        }
        push_tight(&mut self.events, ev);
    }

    fn update_outcome_at(
        &mut self,
        i: usize,
        ev: EvidenceEvent,
        secret: Option<SecretRef>,
        old: Outcome,
    ) {
        self.recount(secret.as_ref(), old, ev.outcome);
        let new = ev.outcome;
        let detail = self.events[i].detail.take();
        let keep_outcome = if new == Outcome::Unknown { old } else { new };
        let raw = if self.events[i].raw_kept() {
            ev.raw
        } else {
            raw_not_kept()
        };
        self.events[i] = EvidenceEvent {
            outcome: keep_outcome,
            detail: ev.detail.or(detail),
            raw,
            ..ev
        };
    }

    /// Move one request from outcome `old` to `new` in the counts.
    fn recount(&mut self, secret: Option<&SecretRef>, old: Outcome, new: Outcome) {
        if new == old || new == Outcome::Unknown {
            return;
        }
        self.outcomes[old as usize] = self.outcomes[old as usize].saturating_sub(1);
        self.outcomes[new as usize] += 1;
        if let Some(u) = secret.and_then(|s| self.secrets.get_mut(s)) {
            u.by_outcome[old as usize] = u.by_outcome[old as usize].saturating_sub(1);
            u.by_outcome[new as usize] += 1;
        }
    }

    /// A later stage of a request in this alert: refresh its stored
    /// evidence, or, for a request past the cap, move its count from the
    /// outcome `old` (as the engine last merged it) to the new one.
    pub fn update_request(&mut self, ev: EvidenceEvent, secret: Option<SecretRef>, old: Outcome) {
        self.revision += 1;
        match ev.audit_id.as_deref().and_then(|a| self.find_event(a)) {
            Some(i) => {
                let old = self.events[i].outcome;
                self.update_outcome_at(i, ev, secret, old);
            }
            None => self.recount(secret.as_ref(), old, ev.outcome),
        }
    }

    /// Requests counted whose evidence is not stored (the cap).
    pub fn events_omitted(&self) -> u64 {
        self.event_count.saturating_sub(self.events.len() as u64)
    }

    /// The worst severity any one request's outcome calls for, by `f`.
    pub fn max_over_outcomes(&self, f: impl Fn(Outcome) -> Severity) -> Option<Severity> {
        const ALL: [Outcome; 5] = [
            Outcome::Unknown,
            Outcome::Allowed,
            Outcome::Denied,
            Outcome::NotFound,
            Outcome::Failed,
        ];
        ALL.iter()
            .filter(|o| self.outcomes[**o as usize] > 0)
            .map(|o| f(*o))
            .max()
    }

    /// Set the note of `slot` to `text` if `value` is above the one shown.
    pub fn peak_note(&mut self, slot: &'static str, value: u64, text: String) {
        match self.peak_notes.iter_mut().find(|(s, _, _)| *s == slot) {
            Some((_, v, i)) if value > *v => {
                *v = value;
                self.notes[*i] = text;
                self.revision += 1;
            }
            Some(_) => {}
            None if self.notes.len() < 50 => {
                self.peak_notes.push((slot, value, self.notes.len()));
                self.notes.push(text);
                self.revision += 1;
            }
            None => {}
        }
    }

    /// A secret the request exposed without naming it in `objectRef` (a
    /// pod's mounted secrets): on the rotation list like a read.
    pub fn expose(&mut self, s: SecretRef, verb: &str, outcome: Outcome, time: Option<i64>) {
        let u = self.secrets.entry_or_default(s);
        u.verbs.insert(verb);
        u.by_outcome[outcome as usize] += 1;
        if let Some(t) = time {
            u.first = Some(u.first.map_or(t, |f| f.min(t)));
            u.last = Some(u.last.map_or(t, |l| l.max(t)));
        }
    }

    pub fn link(&mut self, identity: &str) {
        if identity != self.identity && !self.linked.iter().any(|l| l == identity) {
            self.linked.push(identity.to_string());
            self.revision += 1;
        }
    }

    pub fn note(&mut self, note: String) {
        if !self.notes.contains(&note) && self.notes.len() < 50 {
            self.notes.push(note);
            self.revision += 1;
        }
    }

    /// Sorted unique secrets as strings (`ns/name`, `ns/*`, `*/*`).
    pub fn secret_strings(&self) -> Vec<String> {
        let set: BTreeSet<String> = self.secrets.keys().map(|s| s.to_string()).collect();
        set.into_iter().collect()
    }
}
