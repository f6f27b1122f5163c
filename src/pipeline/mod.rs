//! The pipeline from bytes to engine: lines or documents, bad-input
//! accounting, the prefilter, parsing, format adapters, the time bounds,
//! detection. Both front-ends feed it through `source`.

pub mod classify;
pub mod limits;
pub mod parallel;
pub mod prefilter;
pub mod retain;
pub mod stats;

use crate::audit::AuditEvent;
use crate::audit::adapt::Dialect;
use crate::audit::input::parse_event;
use crate::audit::lines::Line;
use crate::detect::{Config, Engine, engine_wants};
use classify::{Verdict, classify, classify_text};
use prefilter::Prefilter;
pub use retain::Retained;
pub use stats::{Health, InputStats};
use std::sync::Arc;

/// How many bad records are kept for the summary (all are counted; with
/// `--verbose` all are printed as they happen).
pub const MALFORMED_KEPT: usize = 20;

/// One bad record: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub source: Arc<str>,
    pub line: u64,
    pub reason: String,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.source, self.line, self.reason)
    }
}

#[derive(Debug, Clone, Default)]
pub struct IngestStats {
    pub bytes: u64,
    pub records: u64,
    pub blank: u64,
    pub malformed: u64,
    /// Lines over the 1 MiB cap judged from their reduced text (big values
    /// skipped, long strings cut): events, not malformed.
    pub large: u64,
    pub first_malformed: Vec<Malformed>,
    /// Lines the prefilter dropped unparsed (they are still events read).
    pub prefiltered: u64,
    /// Events outside `--since`/`--until`: read, not judged.
    pub outside_bounds: u64,
    /// Events that reached the engine more than the reorder window behind
    /// the newest one (processed all the same).
    pub late: u64,
    /// One entry per input, in the order they were opened.
    pub inputs: Vec<InputStats>,
    /// Where events may have been lost (a follower saw a truncation with
    /// unread data, a hole): `file:offset: what`. The summary lists them.
    pub gaps: Vec<String>,
}

/// Only events in `[since, until)` (µs since the epoch) are judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bounds {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl Bounds {
    pub fn contains(&self, t: Option<i64>) -> bool {
        match t {
            // An untimed event cannot be placed: judged, as before.
            None => true,
            Some(t) => self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u),
        }
    }
    pub fn is_set(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }
}

/// How far behind the newest event (in log time) an event may arrive and
/// still be merged into place: see `source::merge`.
pub const REORDER_WINDOW_MICROS: i64 = 60_000_000;

/// A wanted event held back for the time merge (owned text).
#[derive(Debug, Clone)]
pub struct Held {
    /// Write time (µs); `None` sorts with the event before it.
    pub key: Option<i64>,
    pub text: String,
}

/// Called with each bad record as it is found (`--verbose`).
pub type MalformedHook = Box<dyn FnMut(&Malformed) + Send>;

/// Feeds records into an engine, counting and reporting bad ones.
pub struct Ingest {
    pub engine: Engine,
    pub stats: IngestStats,
    prefilter: Option<Prefilter>,
    on_malformed: Option<MalformedHook>,
    bounds: Bounds,
    /// Set while a reader merges inputs by time: wanted events go here
    /// instead of the engine, and come back through [`Ingest::release`].
    hold: Option<Vec<Held>>,
    /// The lines the engine took, for the TUI's re-evaluation.
    retained: Option<Retained>,
    current: usize,
    newest: Option<i64>,
}

impl Ingest {
    pub fn new(engine: Engine) -> Self {
        Ingest {
            engine,
            stats: IngestStats::default(),
            prefilter: None,
            on_malformed: None,
            bounds: Bounds::default(),
            hold: None,
            retained: None,
            current: 0,
            newest: None,
        }
    }

    /// Skip lines that cannot matter without parsing them.
    pub fn with_prefilter(mut self, cfg: &Config) -> Self {
        self.prefilter = Some(Prefilter::new(cfg));
        self
    }

    pub fn on_malformed(mut self, f: impl FnMut(&Malformed) + Send + 'static) -> Self {
        self.on_malformed = Some(Box::new(f));
        self
    }

    /// Judge only events in these bounds (`--since`/`--until`).
    pub fn with_bounds(mut self, b: Bounds) -> Self {
        self.bounds = b;
        self
    }

    /// Keep the text of every event the engine takes, within `budget` bytes
    /// (the TUI replays them after an allowlist edit).
    pub fn retaining(mut self, budget: usize) -> Self {
        self.retained = Some(Retained::new(budget));
        self
    }

    pub fn retained(&self) -> Option<&Retained> {
        self.retained.as_ref()
    }

    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// Start accounting records to a new input; returns its index.
    pub fn add_input(&mut self, name: &str) -> usize {
        self.stats.inputs.push(InputStats {
            name: Arc::from(name),
            ..Default::default()
        });
        self.current = self.stats.inputs.len() - 1;
        self.current
    }

    /// Account the following records to input `i` (merging interleaves them).
    pub fn set_input(&mut self, i: usize) {
        self.current = i.min(self.stats.inputs.len().saturating_sub(1));
    }

    pub fn input_mut(&mut self) -> &mut InputStats {
        if self.stats.inputs.is_empty() {
            self.add_input("(input)");
        }
        let i = self.current;
        &mut self.stats.inputs[i]
    }

    pub fn malformed(&mut self, source: &Arc<str>, line: u64, reason: String) {
        self.stats.malformed += 1;
        self.input_mut().malformed += 1;
        let m = Malformed {
            source: source.clone(),
            line,
            reason,
        };
        if let Some(f) = self.on_malformed.as_mut() {
            f(&m);
        }
        if self.stats.first_malformed.len() < MALFORMED_KEPT {
            self.stats.first_malformed.push(m);
        }
    }

    /// End of input: process what the engine still holds back.
    pub fn finish(&mut self) {
        self.engine.flush();
    }

    /// One line of a JSON-lines input. True when the engine took it (a
    /// rule looks at it, or it is a pod spec).
    pub fn line(&mut self, source: &Arc<str>, line_no: u64, line: Line<'_>) -> bool {
        let v = classify(line, self.prefilter.as_ref(), &self.engine.cfg);
        self.apply_line(source, line_no, line, v)
    }

    /// [`Ingest::apply`] for a line: an over-long line that held an event
    /// is counted large (one that did not is malformed, as any line).
    pub fn apply_line(
        &mut self,
        source: &Arc<str>,
        line_no: u64,
        line: Line<'_>,
        v: Verdict<'_>,
    ) -> bool {
        let large = line.is_large() && !matches!(v, Verdict::Malformed(_) | Verdict::Blank);
        let took = self.apply(source, line_no, v);
        if large {
            self.stats.large += 1;
            let inp = self.input_mut();
            inp.large += 1;
            if let Line::Large(l) = line {
                inp.large_dropped += u64::from(l.dropped);
            }
        }
        took
    }

    /// Act on a line's verdict: count it, report it, or feed the engine
    /// (true then).
    pub fn apply(&mut self, source: &Arc<str>, line_no: u64, v: Verdict<'_>) -> bool {
        if !matches!(v, Verdict::Blank) {
            self.stats.records += 1;
            self.input_mut().records += 1;
        }
        match v {
            Verdict::Blank => self.stats.blank += 1,
            Verdict::Malformed(e) => {
                if let crate::audit::RecordError::Unknown(shape) = &e {
                    let inp = self.input_mut();
                    if inp.unknown_example.is_none() {
                        inp.unknown_example = Some(shape.clone());
                    }
                }
                self.malformed(source, line_no, e.to_string());
            }
            Verdict::Ignored(_) => self.input_mut().ignored += 1,
            Verdict::Skipped => {
                self.stats.prefiltered += 1;
                let inp = self.input_mut();
                inp.events += 1;
                inp.prefiltered += 1;
                self.engine.count_skipped(1);
            }
            Verdict::Unwanted => {
                self.count_event(Dialect::Native);
                self.engine.count_skipped(1);
            }
            Verdict::Wanted(ev, text) => {
                self.count_event(Dialect::Native);
                return self.take(&ev, text);
            }
            Verdict::Foreign(events) => {
                let mut took = false;
                for (d, text) in events {
                    match parse_event(&text) {
                        Ok(ev) => {
                            self.count_event(d);
                            if engine_wants(&ev, &self.engine.cfg) {
                                took |= self.take(&ev, &text);
                            } else {
                                self.engine.count_skipped(1);
                            }
                        }
                        Err(e) => self.malformed(
                            source,
                            line_no,
                            format!("{} record holds no audit event: {e}", d.name()),
                        ),
                    }
                }
                return took;
            }
        }
        false
    }

    fn count_event(&mut self, d: Dialect) {
        let inp = self.input_mut();
        inp.events += 1;
        *inp.dialects.entry(d).or_default() += 1;
    }

    /// A wanted event: held for the merge, or judged now.
    fn take(&mut self, ev: &AuditEvent<'_>, text: &str) -> bool {
        if let Some(hold) = self.hold.as_mut() {
            hold.push(Held {
                key: ev.write_time_micros(),
                text: text.to_string(),
            });
            return true;
        }
        self.judge(ev, text)
    }

    /// The one door to the engine: time bounds, lateness, retention.
    fn judge(&mut self, ev: &AuditEvent<'_>, text: &str) -> bool {
        if !self.bounds.contains(ev.time_micros()) {
            self.stats.outside_bounds += 1;
            self.engine.count_skipped(1);
            return false;
        }
        if let Some(t) = ev.write_time_micros() {
            match self.newest {
                Some(n) if t < n - REORDER_WINDOW_MICROS => self.stats.late += 1,
                Some(n) if t <= n => {}
                _ => self.newest = Some(t),
            }
        }
        self.engine.process(ev, text);
        if let Some(r) = self.retained.as_mut() {
            r.push(text);
        }
        true
    }

    pub fn is_holding(&self) -> bool {
        self.hold.is_some()
    }

    /// Merge mode: hold wanted events instead of judging them.
    pub fn start_holding(&mut self) {
        self.hold.get_or_insert_with(Vec::new);
    }

    /// The events held since the last call (merge mode stays on).
    pub fn drain_held(&mut self) -> Vec<Held> {
        self.hold.as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub fn stop_holding(&mut self) -> Vec<Held> {
        self.hold.take().unwrap_or_default()
    }

    /// Judge one held event (its text parsed again; it parsed before).
    pub fn release(&mut self, h: &Held) {
        if let Ok(ev) = parse_event(&h.text) {
            self.judge(&ev, &h.text);
        }
    }

    /// A new engine (an allowlist edit): every retained event is replayed
    /// into it; counts, inputs and bounds stay. Totals keep the events the
    /// retention budget no longer holds.
    pub fn rebuild(&mut self, engine: Engine) {
        let total = self.engine.stats.events;
        self.engine = engine;
        if let Some(r) = self.retained.as_ref() {
            for text in r.iter() {
                if let Ok(ev) = parse_event(text) {
                    self.engine.process(&ev, text);
                }
            }
        }
        let replayed = self.engine.stats.events;
        self.engine.count_skipped(total.saturating_sub(replayed));
    }

    /// The prefilter in use, if any (the parallel path shares it).
    pub fn prefilter(&self) -> Option<&Prefilter> {
        self.prefilter.as_ref()
    }

    /// One item of a whole-document input.
    pub fn record(&mut self, source: &Arc<str>, line_no: u64, text: &str) -> bool {
        let v = classify_text(text, &self.engine.cfg);
        self.apply(source, line_no, v)
    }

    /// Every problem with the inputs read, most serious first per input.
    pub fn health(&self) -> Vec<Health> {
        let mut out: Vec<Health> = self.stats.inputs.iter().flat_map(|i| i.health()).collect();
        // What a rule could not see, said once for all inputs.
        out.extend(
            self.engine
                .blind_spots()
                .into_iter()
                .map(|b| Health::Warning(b.text)),
        );
        // An auditID reused by another request: the API server never does
        // that, a client setting its own Audit-ID header does.
        let reused = self.engine.stats.audit_id_reused;
        if reused > 0 {
            out.push(Health::Warning(format!(
                "{} an auditID already seen for a different request (another verb, \
                 object or user, or a second final answer): a client can set its own \
                 Audit-ID header; each was judged as a request of its own",
                crate::words::count_of(reused, "line carries", "lines carry")
            )));
        }
        // What the identity limit evicted (detail, never an alert).
        out.extend(
            limits::eviction_notes(&self.engine.evicted())
                .into_iter()
                .map(Health::Warning),
        );
        out
    }
}
