//! What the pipeline does with one line, decided without touching the
//! engine: the one place that knows blank, large, not UTF-8, skipped by
//! the prefilter, malformed, of no interest, or wanted by the engine.
//!
//! Both the plain path (`Ingest::line`, one line at a time) and the
//! parallel path (`pipeline::parallel`, batches classified on several
//! threads, applied in order) go through [`classify`], so they cannot drift
//! apart; `tests/parallel.rs` checks that they give identical results.

use super::prefilter::Prefilter;
use crate::audit::AuditEvent;
use crate::audit::adapt::{Adapted, Dialect, adapt};
use crate::audit::input::{RecordError, parse_event};
use crate::audit::large::LargeLine;
use crate::audit::lines::Line;
use crate::detect::{Config, engine_wants};

// Verdicts live for one line and are never stored, so the big variant is
// not worth a heap allocation per wanted event.
#[allow(clippy::large_enum_variant)]
pub enum Verdict<'a> {
    /// Only whitespace: not a record.
    Blank,
    /// A record that is not an event, with why (too long, not UTF-8, bad
    /// JSON, not an audit event).
    Malformed(RecordError),
    /// Valid UTF-8 the prefilter proved irrelevant without parsing.
    Skipped,
    /// Parsed, but nothing in the engine looks at it.
    Unwanted,
    /// Parsed and wanted by the engine, with its text.
    Wanted(AuditEvent<'a>, &'a str),
    /// A managed-cluster export record: the native events it holds.
    Foreign(Vec<(Dialect, String)>),
    /// A record that by design holds no event (a control message).
    Ignored(&'static str),
}

/// Classify one line. `prefilter` is `None` for the plain, parse-everything
/// path.
pub fn classify<'a>(line: Line<'a>, prefilter: Option<&Prefilter>, cfg: &Config) -> Verdict<'a> {
    let bytes = match line {
        Line::Large(l) => return classify_large(l, cfg),
        Line::Text(b) => b,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Verdict::Blank;
    }
    // Invalid UTF-8 is still reported: only valid lines are skipped.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Verdict::Malformed(RecordError::NotUtf8);
    };
    if prefilter.is_some_and(|p| !p.keep(bytes)) {
        return Verdict::Skipped;
    }
    classify_text(text, cfg)
}

/// A line over the cap: its reduced text is judged like any line (no
/// prefilter, so both paths agree whatever it holds); one that is not a
/// native event says so with its size, since only the native format is
/// reduced.
pub fn classify_large<'a>(l: &'a LargeLine, cfg: &Config) -> Verdict<'a> {
    match &l.reduced {
        Err(RecordError::NotAnEvent) => Verdict::Malformed(RecordError::TooLong(l.bytes)),
        Err(e) => Verdict::Malformed(e.clone()),
        Ok(text) if text.is_empty() => Verdict::Blank,
        Ok(text) => match parse_event(text) {
            Ok(ev) if engine_wants(&ev, cfg) => Verdict::Wanted(ev, text),
            Ok(_) => Verdict::Unwanted,
            Err(RecordError::NotAnEvent) => Verdict::Malformed(RecordError::TooLong(l.bytes)),
            Err(e) => Verdict::Malformed(e),
        },
    }
}

/// Classify one record known to be text (a line, or an item of a document).
/// The native parser goes first (zero-copy); only what it rejects is tried
/// against the format adapters.
pub fn classify_text<'a>(text: &'a str, cfg: &Config) -> Verdict<'a> {
    match parse_event(text) {
        Ok(ev) if engine_wants(&ev, cfg) => Verdict::Wanted(ev, text),
        Ok(_) => Verdict::Unwanted,
        Err(e @ (RecordError::NotAnEvent | RecordError::Json(_))) => match adapt(text) {
            None => Verdict::Malformed(e),
            Some(Adapted::Events(events)) => Verdict::Foreign(events),
            Some(Adapted::Ignored(why)) => Verdict::Ignored(why),
            Some(Adapted::Unknown(shape)) => Verdict::Malformed(RecordError::Unknown(shape)),
        },
        Err(e) => Verdict::Malformed(e),
    }
}
