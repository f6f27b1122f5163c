//! The engine: feeds each event through every rule family, merges stages of
//! one request, and keeps alerts and activity. A pure function of the events
//! it is given, the allowlist and the config: no I/O, no clocks (log time
//! only), no UI.

use super::activity::{Activity, ChangeRecord, ExecRecord};
use super::alert::{Alert, AlertChange, EvidenceEvent, RAW_KEPT, SecretRef, raw_not_kept};
use super::baseline::BaselineState;
pub use super::blind::BlindSpot;
use super::config::Config;
use super::correlate::CorrelationState;
use super::family::{Env, Family, Findings};
use super::hit::Hit;
use super::incident::{Incident, build_incidents};
use super::rbac::RbacState;
use super::registry::{RuleId, Severity};
use super::request::{Ctx, READ_VERBS, RequestTracker, WRITE_VERBS};
use super::secret_access::{PerRequest, anonymous_severity};
use super::windows::WindowState;
use crate::allowlist::Allowlist;
use crate::audit::uri::{container, exec_command, field_selector_name};
use crate::audit::{AuditEvent, Outcome};
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

/// What the identity limit (`max_identities`) cost: detail, never an
/// alert or a count. All zero when the limit was never reached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evicted {
    /// The limit in force.
    pub limit: usize,
    /// Alerts created over the limit: counts, secrets and sources, no
    /// stored evidence, at most `TRIMMED_AUDIT_IDS` audit IDs listed.
    pub trimmed_alerts: u64,
    /// Activity records of identities with no alert evicted.
    pub identities: u64,
    /// Requests whose activity was not recorded (identity over the limit).
    pub unrecorded_requests: u64,
    /// Rate windows evicted: their rules may miss bursts of those keys
    /// spread across the eviction.
    pub windows: super::windows::WindowsEvicted,
}

impl Evicted {
    pub fn any(&self) -> bool {
        self.trimmed_alerts
            + self.identities
            + self.unrecorded_requests
            + self.windows.rapid_get
            + self.windows.denied
            > 0
    }
}

/// Counters for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Events handed to the engine.
    pub events: u64,
    /// Events about secrets, exec, tokens, RBAC or impersonation.
    pub relevant: u64,
    /// Distinct security-relevant requests (stages merged by auditID).
    pub requests: u64,
    /// Relevant events with no timestamp at all.
    pub untimed: u64,
    /// Untimed events that a windowed rule had to skip.
    pub untimed_skipped: u64,
    /// Lines whose auditID was seen before for another request (another
    /// verb, object or user, or a second final answer): judged as requests
    /// of their own, and said in the summary (a client can set its own
    /// `Audit-ID`; merging them would hide what they did).
    pub audit_id_reused: u64,
}

pub use super::relevance::{engine_wants, is_relevant};

/// Secret a piece of evidence refers to (for events re-added from a window).
fn evidence_secret(e: &EvidenceEvent) -> Option<SecretRef> {
    if e.resource != "secrets" || !e.subresource.is_empty() {
        return None;
    }
    let name = if e.name.is_empty() {
        field_selector_name(&e.request_uri)
    } else {
        Some(e.name.clone())
    };
    Some(SecretRef {
        namespace: e.namespace.clone(),
        name,
    })
}

pub struct Engine {
    pub cfg: Config,
    pub allowlist: Allowlist,
    /// The allowlist's identities folded once, for the look-alike note.
    lookalikes: crate::allowlist::Lookalikes,
    requests: RequestTracker,
    alerts: Vec<Alert>,
    /// Alerts by a keyed hash of (rule, identity, group), checked against
    /// the alert (the strings are the alert's own, not copied again); a
    /// key whose hash is taken by another goes to `alert_collisions`.
    alert_index: HashMap<u64, usize>,
    alert_collisions: HashMap<(RuleId, String, super::hit::GroupKey), usize>,
    hasher: std::collections::hash_map::RandomState,
    /// Raw lines kept per alert (`RAW_KEPT`; 0 where no output shows them).
    raw_per_alert: usize,
    trimmed_alerts: u64,
    pub stats: EngineStats,
    log_start: Option<i64>,
    windows: WindowState,
    baseline: BaselineState,
    pub rbac: RbacState,
    correlation: CorrelationState,
    per_request: PerRequest,
    /// Groups bound to cluster-admin in the log (for csr-privileged-group).
    admin_groups: std::collections::BTreeSet<String>,
    nodes_proxy: super::nodes_proxy::NodesProxy,
    ephemeral: super::ephemeral::Ephemeral,
    mounted: super::mounted::Mounted,
    csrs: super::csr::Csrs,
    minted: super::minted::Minted,
    pub activity: Activity,
    /// Keyed hashes of identities that read secrets / exec'd (for the
    /// novelty note; 16 bytes an identity instead of a copy of its name).
    readers: HashSet<u64>,
    execers: HashSet<u64>,
    /// Alerts created since the last `take_new_alerts`.
    fresh: Vec<usize>,
    /// Alerts changed since the last `take_changed_alerts` (bounded by the
    /// number of alerts).
    changed: HashSet<usize>,
    /// With [`Engine::track_joined`]: per changed alert, the audit IDs of
    /// the requests that joined it since the last `take_changed_alerts`
    /// (past the alert's evidence cap too). Off by default: a batch scan
    /// that never takes them would hold every ID twice.
    joined: Option<HashMap<usize, Vec<String>>>,
    /// RequestReceived stages waiting for a later stage of their request.
    /// Held RequestReceived stages, as raw text: most are superseded and
    /// dropped unread, so they are parsed again only if released alone.
    held: HashMap<String, std::sync::Arc<str>>,
    held_order: std::collections::VecDeque<(String, Option<i64>)>,
    latest_time: Option<i64>,
}

/// How long (log time) a RequestReceived stage waits for its later stage.
const HOLD_FOR: i64 = 10_000_000;
/// At most this many RequestReceived stages wait at once.
const HOLD_MAX: usize = 10_000;

impl Engine {
    pub fn new(cfg: Config, allowlist: Allowlist) -> Self {
        Engine {
            lookalikes: crate::allowlist::Lookalikes::new(&allowlist),
            requests: RequestTracker::new(cfg.dedup_capacity),
            cfg,
            allowlist,
            alerts: Vec::new(),
            alert_index: HashMap::new(),
            alert_collisions: HashMap::new(),
            hasher: Default::default(),
            raw_per_alert: RAW_KEPT,
            trimmed_alerts: 0,
            stats: EngineStats::default(),
            log_start: None,
            windows: WindowState::default(),
            baseline: BaselineState::default(),
            rbac: RbacState::default(),
            correlation: CorrelationState::default(),
            per_request: PerRequest,
            admin_groups: Default::default(),
            nodes_proxy: super::nodes_proxy::NodesProxy,
            ephemeral: super::ephemeral::Ephemeral,
            mounted: Default::default(),
            csrs: Default::default(),
            minted: Default::default(),
            activity: Activity::default(),
            readers: HashSet::new(),
            execers: HashSet::new(),
            fresh: Vec::new(),
            changed: HashSet::new(),
            joined: None,
            held: HashMap::new(),
            held_order: std::collections::VecDeque::new(),
            latest_time: None,
        }
    }

    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// Keep the raw JSON of the first `n` requests of each alert (default
    /// `RAW_KEPT`; `scan` keeps none: no output of it shows them).
    pub fn set_raw_per_alert(&mut self, n: usize) {
        self.raw_per_alert = n;
        self.windows.set_raw_kept(n);
    }

    /// What the identity limit evicted (see [`Evicted`]).
    pub fn evicted(&self) -> Evicted {
        Evicted {
            limit: self.cfg.max_identities,
            trimmed_alerts: self.trimmed_alerts,
            identities: self.activity.evicted,
            unrecorded_requests: self.activity.unrecorded,
            windows: self.windows.evicted(),
        }
    }

    fn alert_hash(&self, rule: RuleId, identity: &str, group: &super::hit::GroupKey) -> u64 {
        self.hasher.hash_one((rule, identity, group))
    }

    fn find_alert(
        &self,
        rule: RuleId,
        identity: &str,
        group: &super::hit::GroupKey,
    ) -> Option<usize> {
        let h = self.alert_hash(rule, identity, group);
        match self.alert_index.get(&h) {
            Some(&i) => {
                let a = &self.alerts[i];
                if a.rule == rule && a.identity == identity && &a.group == group {
                    Some(i)
                } else {
                    self.alert_collisions
                        .get(&(rule, identity.to_string(), group.clone()))
                        .copied()
                }
            }
            None => None,
        }
    }

    fn index_alert(&mut self, i: usize) {
        let a = &self.alerts[i];
        let h = self.alert_hash(a.rule, &a.identity, &a.group);
        match self.alert_index.entry(h) {
            std::collections::hash_map::Entry::Occupied(_) => {
                let key = (a.rule, a.identity.clone(), a.group.clone());
                self.alert_collisions.insert(key, i);
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
        }
    }

    /// Alerts created since the last call, in creation order (for followers
    /// that print each alert the moment it fires).
    pub fn take_new_alerts(&mut self) -> Vec<&Alert> {
        let fresh = std::mem::take(&mut self.fresh);
        fresh.into_iter().map(|i| &self.alerts[i]).collect()
    }

    /// Keep the audit IDs of the requests joining each alert until the
    /// next [`Engine::take_changed_alerts`] (a follower streams them).
    pub fn track_joined(&mut self) {
        self.joined.get_or_insert_with(HashMap::new);
    }

    /// Alerts changed (created, grown, updated) since the last call, in
    /// creation order, each with the audit IDs that joined it meanwhile
    /// (empty unless [`Engine::track_joined`]). `Alert::revision` says how
    /// much changed; the caller decides how often to look.
    pub fn take_changed_alerts(&mut self) -> Vec<AlertChange<'_>> {
        let mut idx: Vec<usize> = self.changed.drain().collect();
        idx.sort_unstable();
        let mut joined = self.joined.as_mut().map(std::mem::take);
        idx.into_iter()
            .map(|i| AlertChange {
                alert: &self.alerts[i],
                joined: joined
                    .as_mut()
                    .and_then(|j| j.remove(&i))
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// Note alert `i` as changed if its revision or severity moved since
    /// `before`, and the request `joined` (if any) as having joined it.
    fn mark(&mut self, i: usize, before: (u64, Severity), joined: Option<String>) {
        let a = &mut self.alerts[i];
        if a.severity != before.1 {
            a.revision += 1;
        }
        if a.revision != before.0 {
            self.changed.insert(i);
        }
        if let (Some(j), Some(id)) = (self.joined.as_mut(), joined) {
            j.entry(i).or_default().push(id);
        }
    }

    pub fn incidents(&self) -> Vec<Incident> {
        build_incidents(&self.alerts, &self.activity.known_secrets)
    }

    /// Start of the learning period: the first security-relevant event time.
    pub fn log_start(&self) -> Option<i64> {
        self.log_start
    }

    /// Count an event that a prefilter dropped without parsing.
    pub fn count_skipped(&mut self, n: u64) {
        self.stats.events += n;
    }

    /// Feed one event (one stage of one request) and its raw JSON text.
    ///
    /// A RequestReceived stage is held back briefly: the API server writes
    /// it before impersonation and authorization run, so it lacks
    /// `impersonatedUser` and the decision. The next stage of the same
    /// request (milliseconds later; for exec, ResponseStarted) replaces it.
    /// Held stages are processed on their own when no later stage comes
    /// within 10 s of log time, when too many wait, or on [`Engine::flush`].
    pub fn process(&mut self, ev: &AuditEvent<'_>, raw: &str) {
        self.stats.events += 1;
        if !is_relevant(ev, &self.cfg) {
            // Not for the rules, but pod specs link execs to secrets.
            self.activity.pods.observe(ev);
            return;
        }
        // Counted on arrival, held or not: every relevant event.
        self.stats.relevant += 1;
        let time = ev.time_micros();
        if let Some(t) = time {
            self.latest_time = Some(self.latest_time.map_or(t, |l| l.max(t)));
        }
        match ev.audit_id.as_deref().filter(|id| !id.is_empty()) {
            Some(id)
                if ev.stage_kind() == crate::audit::Stage::RequestReceived
                    && !self.held.contains_key(id) =>
            {
                self.held.insert(id.to_string(), std::sync::Arc::from(raw));
                self.held_order.push_back((id.to_string(), time));
                self.release_held(false);
                return;
            }
            // Its later stage arrived: the held stage is superseded.
            Some(id) if self.held.remove(id).is_some() => {}
            _ => {}
        }
        self.evaluate(ev, raw);
        self.release_held(false);
    }

    /// Process every held RequestReceived stage now (end of input, or a
    /// follower gone idle).
    pub fn flush(&mut self) {
        self.release_held(true);
    }

    /// The input is over for good (a batch scan): flush, then drop what
    /// only later events would need — the rate windows with their pending
    /// evidence, the baselines, the request tracker — before the incidents
    /// are built (an identity flood of 100,000: ~120 MB, at the peak).
    /// Alerts, activity, RBAC records and blind spots stay as they are.
    pub fn end_input(&mut self) {
        self.flush();
        self.windows.clear();
        self.baseline = BaselineState::default();
        self.requests = RequestTracker::new(0);
        self.held = HashMap::new();
        self.held_order = Default::default();
    }

    fn release_held(&mut self, all: bool) {
        while let Some((id, t)) = self.held_order.front() {
            if !self.held.contains_key(id) {
                self.held_order.pop_front();
                continue;
            }
            let stale = match (*t, self.latest_time) {
                (Some(t), Some(latest)) => latest - t > HOLD_FOR,
                _ => false,
            };
            if !(all || stale || self.held.len() > HOLD_MAX) {
                break;
            }
            let Some((id, _)) = self.held_order.pop_front() else {
                break;
            };
            if let Some(raw) = self.held.remove(&id) {
                // It parsed when it arrived; the same text parses again.
                if let Ok(ev) = crate::audit::input::parse_event(&raw) {
                    self.evaluate(&ev, &raw);
                }
            }
        }
    }

    fn evaluate(&mut self, ev: &AuditEvent<'_>, raw: &str) {
        let renamed;
        let ev = match self.reused(ev) {
            Some(e) => {
                renamed = e;
                &renamed
            }
            None => ev,
        };
        let time = ev.time_micros();
        match time {
            Some(t) => self.log_start = Some(self.log_start.map_or(t, |s| s.min(t))),
            None => self.stats.untimed += 1,
        }
        let after_learning = match (time, self.log_start) {
            (Some(t), Some(s)) => t >= s + self.cfg.learning_period.0,
            _ => false,
        };

        // Merge stages: the first stage seen runs the rules, later ones
        // update the outcome of what was already found.
        let this_outcome = ev.outcome();
        let (new_request, old_outcome, outcome, became_denied, rbac_done, req_alerts) =
            match ev.audit_id.as_deref() {
                Some(id) if !id.is_empty() => {
                    let what = self.requests.what_of(ev);
                    let (new, st) = self.requests.touch(id, what, final_code(ev));
                    let old = st.outcome;
                    let merged = if this_outcome == Outcome::Unknown {
                        old
                    } else {
                        this_outcome
                    };
                    st.outcome = merged;
                    let became_denied = merged == Outcome::Denied && !st.denial_counted;
                    st.denial_counted |= became_denied;
                    (
                        new,
                        old,
                        merged,
                        became_denied,
                        st.rbac_done,
                        st.alerts.clone(),
                    )
                }
                _ => (
                    true,
                    Outcome::Unknown,
                    this_outcome,
                    this_outcome == Outcome::Denied,
                    false,
                    Vec::new(),
                ),
            };
        if new_request {
            self.stats.requests += 1;
        }

        let trusted_ip = ev.trusted_source_ip(&self.cfg.trusted_proxies);
        let target_name = match ev.name() {
            "" => field_selector_name(ev.request_uri()),
            n => Some(n.to_string()),
        };
        let ctx = Ctx {
            ev,
            raw,
            time,
            identity: ev.identity(),
            authenticated: ev.authenticated_user(),
            groups: ev.groups().collect(),
            trusted_ip,
            target_name,
            outcome,
            new_request,
            became_denied,
            after_learning,
            rbac_done,
        };
        let ip_text = trusted_ip.map(|i| i.to_string());
        // Built once per event, then cloned: the raw line is shared (and
        // not copied at all when no alert keeps raw lines).
        let built = std::cell::OnceCell::new();
        let keep_raw = self.raw_per_alert > 0;
        let evidence = || {
            built
                .get_or_init(|| {
                    let text = if keep_raw { raw } else { "" };
                    let mut e = EvidenceEvent::from_event(ev, text, time, outcome, ip_text.clone());
                    if !keep_raw {
                        e.raw = raw_not_kept();
                    }
                    e
                })
                .clone()
        };
        // Detail is held for at most `max_identities` identities.
        let admitted = if new_request {
            self.activity.admit(ctx.identity, self.cfg.max_identities)
        } else {
            self.activity.has(ctx.identity)
        };

        if !new_request {
            // Later stage: refresh the evidence (latest stage, outcome).
            self.update_request(&ctx, &req_alerts, old_outcome, &evidence);
        }

        let env = Env {
            cfg: &self.cfg,
            allow: &self.allowlist,
            evidence: &evidence,
            pods: &self.activity.pods,
            admin_groups: &self.admin_groups,
        };
        let mut found = Findings::default();
        let families: [&mut dyn Family; 10] = [
            &mut self.per_request,
            &mut self.baseline,
            &mut self.correlation,
            &mut self.windows,
            &mut self.rbac,
            &mut self.nodes_proxy,
            &mut self.ephemeral,
            &mut self.mounted,
            &mut self.csrs,
            &mut self.minted,
        ];
        for f in families {
            f.check(&ctx, &env, &mut found);
        }
        if found.untimed_skipped {
            self.stats.untimed_skipped += 1;
        }
        if found.rbac_done {
            if let Some(st) = ev
                .audit_id
                .as_deref()
                .and_then(|id| self.requests.get_mut(id))
            {
                st.rbac_done = true;
            }
        }
        for e in found.escalations {
            self.correlation.escalation(e);
        }
        if !found.admin_groups.is_empty() {
            self.admin_groups = found.admin_groups;
        }
        let hits = found.hits;

        for hit in hits {
            self.apply(&ctx, hit, &evidence, admitted);
        }
        if new_request {
            self.record_activity(&ctx, ip_text.as_deref(), admitted);
        }
    }

    fn update_request(
        &mut self,
        ctx: &Ctx<'_, '_>,
        alerts: &[u32],
        old: Outcome,
        evidence: &dyn Fn() -> EvidenceEvent,
    ) {
        let secret = ctx.secret_ref();
        for &i in alerts {
            let a = &mut self.alerts[i as usize];
            let before = (a.revision, a.severity);
            a.update_request(evidence(), secret.clone(), old);
            if a.rule == RuleId::AnonymousSecretAccess {
                a.severity = a
                    .max_over_outcomes(anonymous_severity)
                    .unwrap_or(a.severity);
            }
            self.mark(i as usize, before, None);
        }
        if let Some(s) = secret.filter(|_| old != ctx.outcome) {
            if READ_VERBS.contains(&ctx.verb()) {
                self.activity
                    .secret_outcome(ctx.identity, &s, old, ctx.outcome);
            }
        }
    }

    /// `admitted`: the identity has an activity record (is within the
    /// identity limit); a new alert of one that has not stores counts only.
    fn apply(
        &mut self,
        ctx: &Ctx<'_, '_>,
        hit: Hit,
        evidence: &dyn Fn() -> EvidenceEvent,
        admitted: bool,
    ) {
        let idx = match self.find_alert(hit.rule, ctx.identity, &hit.group) {
            Some(i) => i,
            None => {
                let mut a =
                    Alert::new(hit.rule, ctx.identity, &hit.group, self.alerts.len() as u64);
                a.keep_raw(self.raw_per_alert);
                if admitted {
                    self.activity.pin(ctx.identity);
                } else {
                    self.trimmed_alerts += 1;
                    a.trim_evidence(format!(
                        "evidence trimmed to counts: over the limit of {} identities \
                         (max_identities, --max-identities); every request is counted \
                         and every secret listed, the first {} audit IDs kept",
                        self.cfg.max_identities,
                        super::alert::TRIMMED_AUDIT_IDS
                    ));
                }
                a.novelty = self.novelty(ctx);
                if let Some(real) = self.lookalikes.of(ctx.identity) {
                    a.note(format!("look-alike of an allowlisted identity: `{real}`"));
                }
                // Grow by a quarter, not double: in an identity flood the
                // alerts are most of the memory (still amortised O(1)).
                if self.alerts.len() == self.alerts.capacity() {
                    self.alerts.reserve_exact(self.alerts.len() / 4 + 16);
                }
                self.alerts.push(a);
                let i = self.alerts.len() - 1;
                self.index_alert(i);
                self.fresh.push(i);
                i
            }
        };
        for l in &hit.linked {
            self.activity.pin(l);
        }
        let before = (self.alerts[idx].revision, self.alerts[idx].severity);
        // A request already in the alert but past its evidence cap is
        // known by the request tracker only; adding it again would count it
        // twice. (One still stored is updated in place by `add`.)
        for mut e in hit.earlier {
            let aid = e.audit_id.clone();
            let (joins, merged) = self.joins(idx, aid.as_deref());
            if !joins {
                continue;
            }
            // Evidence held in a window is as of its first stage; the
            // request's later stages may have decided the outcome since.
            if let Some(o) = merged.filter(|o| *o != Outcome::Unknown) {
                e.outcome = o;
            }
            let s = evidence_secret(&e);
            if self.alerts[idx].add(e, s) {
                self.mark(idx, before, aid);
            }
        }
        let aid = ctx.ev.audit_id.as_deref().filter(|a| !a.is_empty());
        let (joins, _) = self.joins(idx, aid);
        let alert = &mut self.alerts[idx];
        let mut joined = None;
        if joins {
            let mut ev = evidence();
            ev.detail = hit.detail;
            let aid = ev.audit_id.clone();
            if alert.add(ev, ctx.secret_ref()) {
                joined = aid;
            }
        }
        if let Some(p) = hit.peak_note {
            alert.peak_note(p.slot, p.value, p.text);
        }
        if let Some(s) = hit.severity {
            alert.severity = if alert.rule == RuleId::AnonymousSecretAccess {
                alert.max_over_outcomes(anonymous_severity).unwrap_or(s)
            } else {
                alert.severity.max(s)
            };
        }
        for l in &hit.linked {
            alert.link(l);
        }
        for s in hit.exposes {
            alert.expose(s, ctx.verb(), ctx.outcome, ctx.time);
        }
        if let Some(n) = hit.note {
            alert.note(n);
        }
        self.mark(idx, before, joined);
    }

    /// Whether the request `audit_id` is to be added to alert `idx`: not
    /// when it is already counted there and its evidence was not stored.
    /// A line whose auditID was seen for another request (another verb,
    /// object or user, or a second final answer): the API server never
    /// writes that, a client setting its own `Audit-ID` header does, and
    /// merging it as a stage would hide what it did (a decoy request first,
    /// then secret reads under its ID, read as one request). It is judged
    /// as a request of its own, under the ID with a tag of that request
    /// (its stages still merge), counted in `audit_id_reused`.
    fn reused<'a>(&mut self, ev: &AuditEvent<'a>) -> Option<AuditEvent<'a>> {
        let id = ev.audit_id.as_deref().filter(|i| !i.is_empty())?;
        let what = self.requests.what_of(ev);
        let code = final_code(ev);
        // A tagged ID may itself have been taken by a request with another
        // answer: tag again. Each step needs a request already tracked
        // under a longer ID, so this ends.
        let mut tagged: Option<String> = None;
        while let Some(tag) = (self.requests).conflict(tagged.as_deref().unwrap_or(id), what, code)
        {
            let base = tagged.as_deref().unwrap_or(id);
            tagged = Some(format!("{base} (reused {:08x})", tag & 0xffff_ffff));
        }
        let tagged = tagged?;
        self.stats.audit_id_reused += 1;
        let mut e = ev.clone();
        e.audit_id = Some(std::borrow::Cow::Owned(tagged));
        Some(e)
    }

    /// Records it as part of the alert, so its later stages update it.
    /// Also returns the request's outcome merged over its stages so far.
    /// A request the tracker has forgotten (past `dedup_capacity`) counts
    /// as new, as it does for every rule.
    fn joins(&mut self, idx: usize, audit_id: Option<&str>) -> (bool, Option<Outcome>) {
        let Some(st) = audit_id
            .filter(|a| !a.is_empty())
            .and_then(|id| self.requests.get_mut(id))
        else {
            return (true, None);
        };
        let merged = Some(st.outcome);
        if st.alerts.contains(&(idx as u32)) {
            return (self.alerts[idx].has_request(audit_id), merged);
        }
        st.alerts.push(idx as u32);
        (true, merged)
    }

    /// "first secret read / first exec by this identity in the log", said
    /// only once the learning period has passed (before it, every identity
    /// is new).
    fn novelty(&self, ctx: &Ctx<'_, '_>) -> Option<String> {
        if !ctx.after_learning {
            return None;
        }
        let h = self.hasher.hash_one(ctx.identity);
        if ctx.is_secret_read() && !self.readers.contains(&h) {
            return Some("first secret read by this identity in the log".into());
        }
        if ctx.is_exec() && !self.execers.contains(&h) {
            return Some("first exec by this identity in the log".into());
        }
        None
    }

    /// `admitted`: the identity has a record; without one only what is not
    /// per identity (secret names, the novelty sets) is recorded.
    fn record_activity(&mut self, ctx: &Ctx<'_, '_>, ip: Option<&str>, admitted: bool) {
        let ev = ctx.ev;
        let verb = ctx.verb();
        let h = self.hasher.hash_one(ctx.identity);
        if !admitted {
            if ctx.is_secrets() {
                if let Some(name) = &ctx.target_name {
                    self.activity.learn_secret_name(ev.namespace(), name);
                }
                if READ_VERBS.contains(&verb) {
                    self.readers.insert(h);
                }
            } else if ctx.is_exec() {
                self.execers.insert(h);
            }
            return;
        }
        self.activity
            .touch(ctx.identity, ctx.time, ip, ev.user_agent());
        self.activity.touch_groups(ctx.identity, ev.groups());
        if ctx.is_secrets() {
            if let Some(name) = &ctx.target_name {
                self.activity.learn_secret_name(ev.namespace(), name);
            }
            let secret = ctx.secret_ref().expect("secrets request has a ref");
            if READ_VERBS.contains(&verb) {
                self.readers.insert(h);
                let allowlisted = self
                    .allowlist
                    .allows(RuleId::SecretRead.as_str(), &ctx.subject());
                self.activity.secret_access(
                    ctx.identity,
                    secret,
                    verb,
                    ctx.outcome,
                    ctx.time,
                    ip,
                    ev.audit_id.as_deref(),
                    Some(allowlisted),
                );
            } else if WRITE_VERBS.contains(&verb) {
                self.activity.secret_access(
                    ctx.identity,
                    secret.clone(),
                    verb,
                    ctx.outcome,
                    ctx.time,
                    ip,
                    ev.audit_id.as_deref(),
                    None,
                );
                self.activity.change(
                    ctx.identity,
                    ChangeRecord {
                        time: ctx.time,
                        what: format!("{verb} secret {secret}"),
                        source_ip: ip.map(str::to_string),
                    },
                );
            }
        } else if ctx.is_exec() {
            self.execers.insert(h);
            self.activity.exec(
                ctx.identity,
                ExecRecord {
                    time: ctx.time,
                    subresource: ev.subresource().to_string(),
                    namespace: ev.namespace().to_string(),
                    pod: ev.name().to_string(),
                    container: container(ev.request_uri()),
                    command: exec_command(ev.request_uri()),
                    outcome: ctx.outcome,
                    source_ip: ip.map(str::to_string),
                    audit_id: ev.audit_id.as_deref().map(str::to_string),
                    pod_secrets: (self.activity.pods).lookup(ev.namespace(), ev.name()),
                },
            );
        } else if WRITE_VERBS.contains(&verb) || (ev.subresource() == "token" && verb == "create") {
            let target = match (ev.namespace(), ev.name()) {
                ("", n) => n.to_string(),
                (ns, n) => format!("{ns}/{n}"),
            };
            let res = if ev.subresource().is_empty() {
                ev.resource().to_string()
            } else {
                format!("{}/{}", ev.resource(), ev.subresource())
            };
            self.activity.change(
                ctx.identity,
                ChangeRecord {
                    time: ctx.time,
                    what: format!("{verb} {res} {target}"),
                    source_ip: ip.map(str::to_string),
                },
            );
        }
    }

    /// What some rule could not see in this log because the audit policy
    /// did not record it (see `detect::blind`).
    pub fn blind_spots(&self) -> Vec<BlindSpot> {
        super::blind::spots(&self.cfg, &self.activity.pods, &self.mounted, &self.csrs)
    }

    /// The most severe alert so far (for `--fail-on`).
    pub fn max_severity(&self) -> Option<Severity> {
        self.alerts.iter().map(|a| a.severity).max()
    }
}

/// The allowlist entries that match this event for at least one rule in
/// their scope (for tuning views, and to prove every default entry is used).
pub fn matching_entries(allow: &Allowlist, ev: &AuditEvent<'_>, cfg: &Config) -> Vec<usize> {
    let groups: Vec<&str> = ev.groups().collect();
    let target = match ev.name() {
        "" => field_selector_name(ev.request_uri()),
        n => Some(n.to_string()),
    };
    let subject = crate::allowlist::Subject {
        identity: ev.identity(),
        groups: &groups,
        namespace: ev.namespace(),
        target_name: target.as_deref(),
        resource: ev.resource(),
        source_ip: ev.trusted_source_ip(&cfg.trusted_proxies),
        user_agent: ev.user_agent(),
        bound_pod: super::request::allowlist_bound_pod(ev),
        time: ev.time_micros(),
    };
    allow
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            if e.rules.is_empty() {
                RuleId::ALL.iter().any(|r| e.matches(r.as_str(), &subject))
            } else {
                e.rules.iter().any(|r| e.matches(r, &subject))
            }
        })
        .map(|(i, _)| i)
        .collect()
}

/// The response code of a final stage (ResponseComplete / Panic).
fn final_code(ev: &AuditEvent<'_>) -> Option<i32> {
    matches!(
        ev.stage_kind(),
        crate::audit::Stage::ResponseComplete | crate::audit::Stage::Panic
    )
    .then(|| ev.response_code())
    .flatten()
}
