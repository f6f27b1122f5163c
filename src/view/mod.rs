//! One typed view of the incidents, between the engine and every
//! front-end that describes an incident: the text and jsonl outputs of
//! `scan`, the Markdown report (`scan --format markdown`), the TUI's
//! checklist pane and its export (`x`, `:export`). Before it, each wrote
//! seed 001's checklist with its own choices (bindings only or bindings and
//! roles, 20 or 50 events, three time formats), so two front-ends gave two
//! reports of one incident; and text and jsonl read the engine's alerts
//! directly. [`build`] makes the view with the checklist (Markdown, TUI),
//! [`records`] the same incidents and alerts with each alert's full record
//! ([`AlertRecord`]) and no checklist (text, jsonl): one `incident` and one
//! [`alert_item`] builder under both.
//!
//! The view holds facts, not formatting: our own words are [`Seg::Text`],
//! anything from the log is [`Seg::Data`] (a front-end shows it literally:
//! a code span in Markdown, inert text on a terminal), times are
//! [`Seg::Time`] (UTC). It is a pure function of what the engine knows
//! ([`Facts`]) and of [`Meta`], which the caller fills in: nothing here
//! reads the clock or the disk.
//!
//! Cost: a view is built on demand (one export, one checklist draw) from
//! references, O(alerts + identities) plus the incident's own evidence;
//! the engine only keeps up to five auditIDs per identity and secret for
//! it. Measured on a 300 MiB generated log (`gen-audit --size 300M`, 7
//! alternating runs of `scan --format text`, release): median 622 ms vs
//! 650 ms before, i.e. within noise, and byte-identical text output.
//!
//! Text and jsonl rendered from the view (issue 12), measured against the
//! engine-reading renderers they replaced (release, 5 interleaved rounds,
//! `burst-bench.py`'s `generate`, 100,000 GETs): one identity jsonl 0.96x,
//! text 1.00x; spread over 80 identities jsonl 1.02x, text 0.96x (noise).
//! The cost is memory: the view owns a copy of every alert's secrets
//! (`SecretRow`, 20-byte counts, no strings made for the words), so a
//! 100,000-secret burst peaks at 268 MB instead of 235 MB (+14%).

mod facts;
mod implied;
mod rbac;
mod record;
mod steps;

pub use facts::{AlertFacts, Facts};
pub use implied::CredentialKind;
pub use record::{
    AlertRecord, OutcomeCounts, SecretCounts, SecretFate, SecretRow, fates_line, group_label,
};
pub use steps::{Section, Step, steps};

use crate::audit::Outcome;
use crate::detect::{Incident, RotateItem, RuleId, Severity, info};

/// Evidence events listed per alert (the engine keeps more; the count of
/// the rest is shown).
pub const EVENTS_LISTED: usize = 50;

/// A piece of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// ktriage's own words.
    Text(String),
    /// Text from the log (an identity, a secret, a command, a sentence that
    /// quotes them): shown literally and inert, never interpreted.
    Data(String),
    /// A log time in microseconds, shown in UTC; `None`: not recorded.
    Time(Option<i64>),
}

/// One line of evidence or a step's title, with the auditIDs it rests on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub segs: Vec<Seg>,
    pub audit_ids: Vec<String>,
}

impl Line {
    pub fn new() -> Self {
        Line::default()
    }
    pub fn text(mut self, s: impl Into<String>) -> Self {
        self.segs.push(Seg::Text(s.into()));
        self
    }
    pub fn data(mut self, s: impl Into<String>) -> Self {
        self.segs.push(Seg::Data(s.into()));
        self
    }
    pub fn time(mut self, t: Option<i64>) -> Self {
        self.segs.push(Seg::Time(t));
        self
    }
    pub fn audit(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.audit_ids.extend(ids.into_iter().map(Into::into));
        self
    }
    /// `a`, `b`, `c` as data separated by our commas (`none` when empty).
    pub fn data_list<S: AsRef<str>>(mut self, items: &[S]) -> Self {
        if items.is_empty() {
            return self.text("none");
        }
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                self = self.text(", ");
            }
            self = self.data(s.as_ref());
        }
        self
    }
}

/// What the front-end knows and the view must not find out itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// `env!("CARGO_PKG_VERSION")` unless a test says otherwise.
    pub version: String,
    /// When the report was made (wall clock, microseconds, UTC), read by
    /// the front-end.
    pub generated_at: i64,
    /// The log sources, as the analyst named them.
    pub sources: Vec<String>,
    /// Inputs that could not be judged (the report covers only the rest).
    pub not_judged: Vec<String>,
    /// What the inputs cannot show (a source without get/list, no pod specs…).
    pub cannot_show: Vec<String>,
}

impl Meta {
    pub fn new(generated_at: i64, sources: Vec<String>) -> Self {
        Meta {
            version: env!("CARGO_PKG_VERSION").to_string(),
            generated_at,
            sources,
            not_judged: Vec::new(),
            cannot_show: Vec::new(),
        }
    }
}

/// One request of an alert's evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventItem {
    pub time: Option<i64>,
    pub audit_id: Option<String>,
    /// `get secrets prod/db-credentials` (from the log).
    pub action: String,
    pub outcome: Outcome,
    pub code: Option<i32>,
    pub identity: String,
    pub source_ips: Vec<String>,
    /// The source IP the request is judged by (see `audit::trusted_ip`).
    pub trusted_ip: Option<String>,
    pub user_agent: String,
    /// Exec command, binding subjects, role grants (from the log).
    pub detail: Option<String>,
}

/// One alert of an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertItem {
    pub id: String,
    /// Creation order (the engine's index): jsonl lists alerts in it.
    pub seq: usize,
    pub rule: RuleId,
    pub severity: Severity,
    pub identity: String,
    pub authenticated_user: Option<String>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// Requests in the alert (more than the events kept when large).
    pub event_count: u64,
    /// Events the engine stored, and audit IDs it did not list.
    pub stored: u64,
    pub audit_ids_omitted: u64,
    /// The first sentence an analyst reads about it.
    pub summary: Line,
    /// Novelty and the rule's notes (engine sentences quoting log data).
    pub notes: Vec<String>,
    /// The first [`EVENTS_LISTED`] requests, in the order they came.
    pub events: Vec<EventItem>,
    /// The engine's change counter of the alert (bumped by every request,
    /// later stage, note, link or severity change); `None` from the TUI's
    /// snapshot.
    pub revision: Option<u64>,
    /// The full record text and jsonl print; `None` from the TUI's
    /// snapshot (see [`AlertFacts::record`]).
    pub record: Option<AlertRecord>,
}

/// Everything the front-ends say about one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentView {
    pub id: String,
    pub severity: Severity,
    pub primary: String,
    pub identities: Vec<String>,
    pub rules: Vec<RuleId>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub source_ips: Vec<String>,
    pub rotate: Vec<RotateItem>,
    /// Only ever refused: not rotated.
    pub denied: Vec<RotateItem>,
    pub alerts: Vec<AlertItem>,
    /// The response checklist: seed 001's steps and those it implies.
    pub steps: Vec<Step>,
    /// Least-privilege RBAC per identity (seed 001 step 5).
    pub suggested: Vec<SuggestedRbac>,
}

/// What an identity's role should be, beside what it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestedRbac {
    pub suggestion: crate::rbac::suggest::Suggestion,
    /// The grant paths the snapshot gives it now (empty without `--rbac`).
    pub now: Vec<String>,
    /// A snapshot was loaded (so `now` is known).
    pub snapshot: bool,
}

/// The whole picture handed to a front-end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The checklist (`steps`, `suggested`) was built: [`build`] builds
    /// it, [`records`] (text, jsonl) does not, and a front-end that prints
    /// a checklist must not print an empty one from such a view.
    pub checklist: bool,
    pub meta: Meta,
    pub incidents: Vec<IncidentView>,
    /// Incidents and alerts in the log (the view may hold fewer incidents
    /// when built for one).
    pub incident_total: usize,
    pub alert_total: usize,
}

fn event_item(e: &crate::detect::EvidenceEvent) -> EventItem {
    EventItem {
        time: e.time,
        audit_id: e.audit_id.clone(),
        action: e.action(),
        outcome: e.outcome,
        code: e.code,
        identity: e.identity.clone(),
        source_ips: e.source_ips.clone(),
        trusted_ip: e.trusted_ip.clone(),
        user_agent: e.user_agent.clone(),
        detail: e.detail.clone(),
    }
}

/// The view of one alert (`seq`: its index in the engine's alerts). Text
/// writes an alert on its own while streaming.
pub fn alert_item(a: &AlertFacts<'_>, seq: usize) -> AlertItem {
    let summary = match a
        .notes
        .first()
        .map(String::as_str)
        .or_else(|| a.events.iter().find_map(|e| e.detail.as_deref()))
    {
        Some(s) => Line::new().data(s),
        None => Line::new().text(info(a.rule).title),
    };
    AlertItem {
        id: a.id.to_string(),
        seq,
        rule: a.rule,
        severity: a.severity,
        identity: a.identity.to_string(),
        authenticated_user: a.authenticated_user.map(str::to_string),
        first_seen: a.first_seen,
        last_seen: a.last_seen,
        event_count: a.event_count,
        stored: a.stored,
        audit_ids_omitted: a.audit_ids_omitted,
        summary,
        notes: a
            .novelty
            .iter()
            .map(|s| s.to_string())
            .chain(a.notes.iter().cloned())
            .collect(),
        events: a
            .events
            .iter()
            .take(EVENTS_LISTED)
            .map(event_item)
            .collect(),
        revision: a.record.map(|r| r.revision),
        record: a.record.map(record::record),
    }
}

/// The view of one incident.
pub fn incident(facts: &Facts<'_>, inc: &Incident) -> IncidentView {
    IncidentView {
        steps: steps(facts, inc),
        suggested: suggested(facts, inc),
        ..incident_only(facts, inc)
    }
}

/// The incident without its checklist.
fn incident_only(facts: &Facts<'_>, inc: &Incident) -> IncidentView {
    IncidentView {
        id: inc.id.clone(),
        severity: inc.severity,
        primary: inc.primary.clone(),
        identities: inc.identities.clone(),
        rules: inc.rules.clone(),
        first_seen: inc.first_seen,
        last_seen: inc.last_seen,
        source_ips: inc.source_ips.clone(),
        rotate: inc.secrets_to_rotate.clone(),
        denied: inc.denied_secrets.clone(),
        alerts: (inc.alerts.iter())
            .filter_map(|&i| Some(alert_item(facts.alerts.get(i)?, i)))
            .collect(),
        steps: Vec::new(),
        suggested: Vec::new(),
    }
}

fn suggested(facts: &Facts<'_>, inc: &Incident) -> Vec<SuggestedRbac> {
    inc.identities
        .iter()
        .map(|id| SuggestedRbac {
            suggestion: crate::rbac::suggest::suggest(id, facts.identity(id), inc.first_seen),
            now: facts
                .rbac
                .map(|snap| {
                    let r = crate::rbac::review_of(snap, facts.bindings, facts.identity(id), id);
                    let mut paths: Vec<String> = r.grants.iter().map(|g| g.path()).collect();
                    paths.dedup();
                    paths
                })
                .unwrap_or_default(),
            snapshot: facts.rbac.is_some(),
        })
        .collect()
}

/// The view of every incident, or only of the one with id `only`.
pub fn build(facts: &Facts<'_>, meta: Meta, only: Option<&str>) -> View {
    View {
        checklist: true,
        meta,
        incidents: (facts.incidents.iter())
            .filter(|i| only.is_none_or(|id| i.id == id))
            .map(|i| incident(facts, i))
            .collect(),
        incident_total: facts.incidents.len(),
        alert_total: facts.alerts.len(),
    }
}

/// The view text and jsonl render: every incident with its alerts' full
/// records, no checklist (they print none). Same builders as [`build`].
pub fn records(alerts: &[crate::detect::Alert], incidents: &[Incident]) -> View {
    let facts = Facts::of_alerts(alerts, incidents);
    View {
        checklist: false,
        meta: Meta::new(0, Vec::new()),
        incidents: incidents.iter().map(|i| incident_only(&facts, i)).collect(),
        incident_total: incidents.len(),
        alert_total: alerts.len(),
    }
}

/// A view made by [`records`] was handed to a front-end that prints the
/// checklist: it would print an empty one, which reads as "nothing to do".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "this view of the incidents was built without its response checklist (view::records, for text \
     and jsonl); a report with a checklist needs view::build, or it would print the checklist empty"
)]
pub struct NoChecklist;

/// One record of [`records`], handed over by [`each_record`].
pub enum Record<'a> {
    Alert(&'a AlertItem),
    Incident(&'a IncidentView),
}

/// The records of [`records`], in the same order (every alert of the
/// incidents in creation order unless `!with_alerts`, then the
/// incidents), built one at a time.
/// Why: built at once, an identity flood's 100,000 incidents were ~340 MiB
/// above the rest of `scan`'s peak RSS (741 MiB; `scripts/identity-flood.py`).
pub fn each_record<E>(
    alerts: &[crate::detect::Alert],
    incidents: &[Incident],
    with_alerts: bool,
    mut f: impl FnMut(Record<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let facts = Facts::of_alerts(alerts, incidents);
    // As `View::alerts`: by creation order (an alert's seq is its index).
    let mut seqs: Vec<usize> = (incidents.iter())
        .filter(|_| with_alerts)
        .flat_map(|i| i.alerts.iter().copied())
        .filter(|&i| i < facts.alerts.len())
        .collect();
    seqs.sort_unstable();
    for i in seqs {
        f(Record::Alert(&alert_item(&facts.alerts[i], i)))?;
    }
    for inc in incidents {
        f(Record::Incident(&incident_only(&facts, inc)))?;
    }
    Ok(())
}

impl View {
    /// `Ok` when the checklist was built ([`build`]); a front-end that
    /// prints it asks first, so an empty checklist is never printed.
    pub fn with_checklist(&self) -> Result<&View, NoChecklist> {
        if self.checklist {
            Ok(self)
        } else {
            Err(NoChecklist)
        }
    }

    /// Every alert of the view's incidents, in creation order.
    pub fn alerts(&self) -> Vec<&AlertItem> {
        let mut v: Vec<&AlertItem> = self.incidents.iter().flat_map(|i| &i.alerts).collect();
        v.sort_by_key(|a| a.seq);
        v
    }
}

/// A rotation-list entry in plain words (for terminals; inert it first).
pub fn rotate_label(r: &RotateItem) -> String {
    use crate::detect::RotateKind;
    match r.kind {
        RotateKind::Named => r.to_string(),
        RotateKind::WholeNamespace => {
            format!("{r} (all secrets in {}; names not all known)", r.namespace)
        }
        RotateKind::WholeCluster => {
            format!("{r} (all secrets in the cluster; names not all known)")
        }
    }
}

/// [`rotate_label`] of each, joined by `, `.
pub fn rotate_labels(items: &[RotateItem]) -> Vec<String> {
    items.iter().map(rotate_label).collect()
}
