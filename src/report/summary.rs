//! The `kind: "summary"` jsonl record: what was read, in what formats, and
//! what could not be judged, so a pipeline that only reads stdout can tell
//! "no alerts" from "nothing readable" (exit code 2 says it too).

use crate::pipeline::{Health, Ingest};
use serde::Serialize;

#[derive(Serialize)]
pub struct InputLine {
    pub name: String,
    pub records: u64,
    pub events: u64,
    pub malformed: u64,
    /// Lines over 1 MiB judged from a reduced text (not malformed).
    pub large: u64,
    /// Format ids (`native`, `eks-cloudwatch`, `gke-logentry`, …) with the
    /// number of events parsed in each.
    pub formats: Vec<(&'static str, u64)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Serialize)]
pub struct SummaryLine {
    pub kind: &'static str,
    pub inputs: Vec<InputLine>,
    pub events: u64,
    pub requests: u64,
    pub malformed: u64,
    /// Lines over 1 MiB judged from a reduced text: big values such as a
    /// list's `responseObject` skipped, long strings cut with a visible
    /// `…(N bytes, cut)` marker.
    pub large: u64,
    pub outside_bounds: u64,
    pub late: u64,
    /// Where events may have been lost (`file:offset: what`), as the
    /// follower found them; empty when none was seen.
    pub gaps: Vec<String>,
    pub alerts: usize,
    pub incidents: usize,
    /// False when any input could not be judged, or a gap may have lost
    /// events: the alerts above then cover only what could be read.
    pub complete: bool,
    /// Why a stream ended: `end of input`, or the signal (`SIGTERM`, …)
    /// that stopped `scan --follow`. Absent in a batch scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<&'static str>,
    /// `scan --follow`: rotated files the writer kept appending to after
    /// their successor appeared (it did not reopen the path). Each was read
    /// to its end, so nothing is lost; absent when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub not_reopened: u64,
    /// Lines whose auditID was already seen for another request (forged
    /// `Audit-ID` headers): each judged as a request of its own.
    #[serde(skip_serializing_if = "is_zero")]
    pub audit_id_reused: u64,
    /// What a rule could not see because the audit policy did not record
    /// it ("pod specs not recorded: rule … cannot see …").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blind_spots: Vec<String>,
    /// False when the identity limit (`max_identities`) evicted detail:
    /// every alert and count above is still exact, but some alerts list
    /// no stored evidence and some identities' activity is missing.
    /// (Per-alert caps are stated on each alert: `audit_ids_omitted`.)
    pub evidence_complete: bool,
    /// What the identity limit evicted, one line per kind ("evidence of
    /// 12,345 alerts trimmed to counts: limit 50,000 identities …").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evicted: Vec<String>,
}

pub fn summary_line(ingest: &Ingest, incidents: usize) -> SummaryLine {
    let inputs: Vec<InputLine> = ingest
        .stats
        .inputs
        .iter()
        .map(|i| {
            let (mut errors, mut warnings) = (Vec::new(), Vec::new());
            for h in i.health() {
                match h {
                    Health::Error(e) => errors.push(e),
                    Health::Warning(w) => warnings.push(w),
                    Health::Ok => {}
                }
            }
            InputLine {
                name: i.name.to_string(),
                records: i.records,
                events: i.events,
                malformed: i.malformed,
                large: i.large,
                formats: i.formats().into_iter().map(|(d, n)| (d.id(), n)).collect(),
                errors,
                warnings,
            }
        })
        .collect();
    let evicted = crate::pipeline::limits::eviction_notes(&ingest.engine.evicted());
    SummaryLine {
        kind: "summary",
        complete: inputs.iter().all(|i| i.errors.is_empty()) && ingest.stats.gaps.is_empty(),
        inputs,
        events: ingest.engine.stats.events,
        requests: ingest.engine.stats.requests,
        malformed: ingest.stats.malformed,
        large: ingest.stats.large,
        outside_bounds: ingest.stats.outside_bounds,
        late: ingest.stats.late,
        gaps: ingest.stats.gaps.clone(),
        alerts: ingest.engine.alerts().len(),
        incidents,
        ended_by: None,
        not_reopened: 0,
        audit_id_reused: ingest.engine.stats.audit_id_reused,
        blind_spots: ingest
            .engine
            .blind_spots()
            .into_iter()
            .map(|b| b.text)
            .collect(),
        evidence_complete: evicted.is_empty(),
        evicted,
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
