//! What each input held, and whether ktriage could judge it. The one place
//! that decides "this input is unreadable" for both front-ends: `scan`
//! turns it into exit code 2, the TUI into a visible error.

use crate::audit::adapt::{Dialect, SUPPORTED};
use crate::words::count_of;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Counts for one input (a file, stdin, a followed path).
#[derive(Debug, Clone, Default)]
pub struct InputStats {
    pub name: Arc<str>,
    /// Non-blank records (lines, or items of a document).
    pub records: u64,
    /// Audit events recognised: parsed, converted from an export, or
    /// skipped unparsed by the prefilter (which only skips event-shaped
    /// lines about resources no rule reads).
    pub events: u64,
    /// Events skipped unparsed by the prefilter (a subset of `events`).
    pub prefiltered: u64,
    pub malformed: u64,
    /// Lines over the 1 MiB cap judged from their reduced text (not
    /// malformed; see `audit::large`).
    pub large: u64,
    /// Request/response objects of large lines dropped over their budget
    /// (more than the API server stores): bodies no rule could read.
    pub large_dropped: u64,
    /// Records that by design carry no event (control messages, other
    /// services' log entries, non-audit categories).
    pub ignored: u64,
    /// Parsed events per format.
    pub dialects: BTreeMap<Dialect, u64>,
    /// What the first record in no known format looked like.
    pub unknown_example: Option<String>,
    /// A read error that ended this input early (a damaged gzip stream),
    /// with where; the events before it were judged.
    pub damage: Option<String>,
}

/// How an input went, as both front-ends must say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Ok,
    /// Judged, but part of it could not be: say so, loudly.
    Warning(String),
    /// Nothing in it could be judged: never a clean result.
    Error(String),
}

impl InputStats {
    /// Formats seen, most common first: "GKE Cloud Logging (LogEntry) 120".
    pub fn formats(&self) -> Vec<(Dialect, u64)> {
        let mut v: Vec<(Dialect, u64)> = self.dialects.iter().map(|(d, n)| (*d, *n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    pub fn format_names(&self) -> String {
        let f = self.formats();
        if f.is_empty() {
            return if self.prefiltered > 0 {
                "Kubernetes audit JSON (no line about a resource the rules read)".into()
            } else {
                "no audit events".into()
            };
        }
        let mut s = f
            .iter()
            .map(|(d, n)| format!("{} ({n} parsed)", d.name()))
            .collect::<Vec<_>>()
            .join(", ");
        if self.prefiltered > 0 {
            s.push_str(&format!(
                " + {} skipped unparsed (no rule reads their resource)",
                count_of(self.prefiltered, "event line", "event lines")
            ));
        }
        s
    }

    /// Every problem with this input, most serious first.
    pub fn health(&self) -> Vec<Health> {
        let mut out = Vec::new();
        if let Some(d) = &self.damage {
            out.push(Health::Error(if self.events == 0 {
                format!("{}: {d}; no event could be read before it", self.name)
            } else {
                format!(
                    "{}: {d}; the {} before it {} judged, nothing after",
                    self.name,
                    count_of(self.events, "event", "events"),
                    if self.events == 1 { "was" } else { "were" }
                )
            }));
        }
        if self.events == 0 && self.damage.is_some() {
            // Said above: the damage is why.
        } else if self.events == 0 {
            let looked = match (&self.unknown_example, self.records) {
                (_, 0) if self.ignored == 0 => "it is empty".to_string(),
                (Some(shape), _) => format!("it looked like {shape}"),
                (None, _) if self.ignored > 0 => format!(
                    "its {} {} no audit event (control messages, other services)",
                    count_of(self.ignored, "record", "records"),
                    if self.ignored == 1 {
                        "carries"
                    } else {
                        "carry"
                    }
                ),
                (None, _) => "no line parsed as JSON".to_string(),
            };
            out.push(Health::Error(format!(
                "{}: no audit events in {} ({} malformed); {looked}. Formats read: {SUPPORTED}",
                self.name,
                count_of(self.records, "record", "records"),
                self.malformed
            )));
        } else if self.malformed * 2 > self.records {
            out.push(Health::Warning(format!(
                "{}: {} of {} records are malformed: most of this input was not judged",
                self.name, self.malformed, self.records
            )));
        }
        if self.large_dropped > 0 {
            out.push(Health::Warning(format!(
                "{}: {} over {} MiB in large lines {} not read (the RBAC and pod-spec rules could not judge those requests)",
                self.name,
                count_of(
                    self.large_dropped,
                    "request/response object",
                    "request/response objects"
                ),
                crate::audit::large::OBJ_BUDGET >> 20,
                if self.large_dropped == 1 { "was" } else { "were" }
            )));
        }
        for d in self.dialects.keys() {
            if let Some(b) = d.blind_spot() {
                out.push(Health::Warning(format!("{}: {b}", self.name)));
            }
        }
        out
    }
}
