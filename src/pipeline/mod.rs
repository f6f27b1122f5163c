//! The pipeline from bytes to engine: lines or documents, bad-input
//! accounting, the prefilter, parsing, detection. Both front-ends feed it.

pub mod prefilter;

use crate::audit::input::{RecordError, parse_event};
use crate::audit::lines::Line;
use crate::detect::{Config, Engine};
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

    /// One line of a JSON-lines input.
    pub fn line(&mut self, source: &Arc<str>, line_no: u64, line: Line<'_>) {
        let bytes = match line {
            Line::TooLong(n) => {
                self.stats.records += 1;
                self.malformed(source, line_no, RecordError::TooLong(n).to_string());
                return;
            }
            Line::Text(b) => b,
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            self.stats.blank += 1;
            return;
        }
        self.stats.records += 1;
        if let Some(p) = &self.prefilter {
            // Invalid UTF-8 is still reported: only valid lines are skipped.
            if !p.keep(bytes) && std::str::from_utf8(bytes).is_ok() {
                self.stats.prefiltered += 1;
                self.engine.count_skipped(1);
                return;
            }
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => self.parse_and_process(source, line_no, text),
            Err(_) => self.malformed(source, line_no, RecordError::NotUtf8.to_string()),
        }
    }

    /// One item of a whole-document input.
    pub fn record(&mut self, source: &Arc<str>, line_no: u64, text: &str) {
        self.stats.records += 1;
        self.parse_and_process(source, line_no, text);
    }

    fn parse_and_process(&mut self, source: &Arc<str>, line_no: u64, text: &str) {
        match parse_event(text) {
            Ok(ev) => self.engine.process(&ev, text),
            Err(e) => self.malformed(source, line_no, e.to_string()),
        }
    }
}
