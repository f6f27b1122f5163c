//! The pipeline from bytes to engine: lines or documents, bad-input
//! accounting, the prefilter, parsing, detection. Both front-ends feed it.

pub mod classify;
pub mod parallel;
pub mod prefilter;

use crate::audit::lines::Line;
use crate::detect::{Config, Engine};
use classify::{Verdict, classify, classify_text};
use prefilter::Prefilter;
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
    pub first_malformed: Vec<Malformed>,
    /// Lines the prefilter dropped unparsed (they are still events read).
    pub prefiltered: u64,
}

/// Called with each bad record as it is found (`--verbose`).
pub type MalformedHook = Box<dyn FnMut(&Malformed) + Send>;

/// Feeds records into an engine, counting and reporting bad ones.
pub struct Ingest {
    pub engine: Engine,
    pub stats: IngestStats,
    prefilter: Option<Prefilter>,
    on_malformed: Option<MalformedHook>,
}

impl Ingest {
    pub fn new(engine: Engine) -> Self {
        Ingest {
            engine,
            stats: IngestStats::default(),
            prefilter: None,
            on_malformed: None,
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

    pub fn malformed(&mut self, source: &Arc<str>, line: u64, reason: String) {
        self.stats.malformed += 1;
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
    /// rule looks at it, or it is a pod spec): the lines a caller must keep
    /// to replay the same results later.
    pub fn line(&mut self, source: &Arc<str>, line_no: u64, line: Line<'_>) -> bool {
        let v = classify(line, self.prefilter.as_ref(), &self.engine.cfg);
        self.apply(source, line_no, v)
    }

    /// Act on a line's verdict: count it, report it, or feed the engine
    /// (true then).
    pub fn apply(&mut self, source: &Arc<str>, line_no: u64, v: Verdict<'_>) -> bool {
        match v {
            Verdict::Blank => self.stats.blank += 1,
            Verdict::Malformed(e) => {
                self.stats.records += 1;
                self.malformed(source, line_no, e.to_string());
            }
            Verdict::Skipped => {
                self.stats.records += 1;
                self.stats.prefiltered += 1;
                self.engine.count_skipped(1);
            }
            Verdict::Unwanted => {
                self.stats.records += 1;
                self.engine.count_skipped(1);
            }
            Verdict::Wanted(ev, text) => {
                self.stats.records += 1;
                self.engine.process(&ev, text);
                return true;
            }
        }
        false
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
}
