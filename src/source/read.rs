//! Reading whole inputs: files (gzip by magic bytes), stdin, directories of
//! rotated logs. The one reader that `scan` and the TUI both drive: big
//! blocks, no per-line allocation, the format detected from the first bytes,
//! JSON lines classified on several threads (`pipeline::parallel`), several
//! inputs merged by event time (`source::merge`).
//!
//! Damage never stops the others and never goes unsaid: a read error in the
//! middle of an input (a truncated `.gz`) ends that input, everything read
//! before it is judged, and the input's stats carry the error and its
//! offset for the summary.

use crate::audit::input::{Format, detect_format, walk_document};
use crate::audit::lines::{DEFAULT_MAX_LINE, LineSplitter};
use crate::pipeline::{Held, Ingest};
use std::fs::File;
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use thiserror::Error;

pub use super::gunzip::maybe_gunzip;

/// Bytes per read. 128 KiB stays in the CPU cache between the kernel's
/// copy and our scan; reading into a 1 MiB buffer made the kernel's copy
/// alone 5× slower (24% of a scan).
pub const BLOCK: usize = 128 << 10;

/// Each cause is said once: the I/O error is part of the message, not a
/// chained source that `{:#}` would print again.
#[derive(Debug, Error)]
pub enum SourceError {
    #[error("cannot open {path}: {cause}")]
    Open { path: String, cause: io::Error },
    #[error("error reading {path}: {cause}")]
    Read { path: String, cause: io::Error },
}

/// Called after each block with the bytes of this input read so far; the
/// TUI publishes snapshots and answers commands there, and may stop.
pub type Progress<'a> = &'a mut dyn FnMut(&mut Ingest, u64) -> ControlFlow<()>;

/// Open a path for reading, transparently un-gzipping.
pub fn open(path: &Path) -> Result<Box<dyn Read + Send>, SourceError> {
    let name = path.display().to_string();
    let f = File::open(path).map_err(|cause| SourceError::Open {
        path: name.clone(),
        cause,
    })?;
    if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(SourceError::Open {
            path: name,
            cause: io::Error::other("is a directory (give its files, or use it as an input set)"),
        });
    }
    maybe_gunzip(Box::new(f)).map_err(|cause| SourceError::Read { path: name, cause })
}

/// Read a whole input into the pipeline on one thread.
pub fn read_all(
    name: &str,
    r: Box<dyn Read + Send>,
    ingest: &mut Ingest,
    progress: &mut dyn FnMut(u64),
) -> Result<(), SourceError> {
    read_all_with(name, r, ingest, 1, progress)
}

/// [`read_all`] with JSON lines classified on `threads` threads.
pub fn read_all_with(
    name: &str,
    r: Box<dyn Read + Send>,
    ingest: &mut Ingest,
    threads: usize,
    progress: &mut dyn FnMut(u64),
) -> Result<(), SourceError> {
    read_input(name, r, ingest, threads, &mut |_, n| {
        progress(n);
        ControlFlow::Continue(())
    })
}

/// Read one input: accounted as its own input in `ingest.stats.inputs`.
/// A read error after the start is recorded as damage, not returned.
pub fn read_input(
    name: &str,
    mut r: Box<dyn Read + Send>,
    ingest: &mut Ingest,
    threads: usize,
    progress: Progress<'_>,
) -> Result<(), SourceError> {
    ingest.add_input(name);
    let source: Arc<str> = Arc::from(name);
    let mut buf = vec![0u8; BLOCK];
    let n = match read_some(&mut r, &mut buf) {
        Ok(n) => n,
        Err(e) => {
            ingest.input_mut().damage = Some(e.to_string());
            return Ok(());
        }
    };
    buf.truncate(n);
    if detect_format(&buf) == Format::Document {
        let mut all = buf;
        if let Err(e) = r.read_to_end(&mut all) {
            ingest.input_mut().damage = Some(e.to_string());
        }
        ingest.stats.bytes += all.len() as u64;
        let _ = progress(ingest, all.len() as u64);
        read_document(&source, &all, ingest);
        return Ok(());
    }
    let result = if threads > 1 {
        crate::pipeline::parallel::feed_lines(&source, buf, r, ingest, threads, progress)
    } else {
        feed_lines_plain(&source, buf, r, ingest, progress)
    };
    if let Err(e) = result {
        ingest.input_mut().damage = Some(e.to_string());
    }
    Ok(())
}

/// One read, retried on `Interrupted`.
pub(super) fn read_some(r: &mut Box<dyn Read + Send>, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// JSON lines on the calling thread. The lines before a read error are
/// judged (a partial last line too) before the error is returned.
fn feed_lines_plain(
    source: &Arc<str>,
    head: Vec<u8>,
    mut r: Box<dyn Read + Send>,
    ingest: &mut Ingest,
    progress: Progress<'_>,
) -> io::Result<()> {
    let mut splitter = LineSplitter::new(DEFAULT_MAX_LINE);
    let mut total = 0u64;
    let mut feed = |ingest: &mut Ingest, block: &[u8]| {
        total += block.len() as u64;
        ingest.stats.bytes += block.len() as u64;
        splitter.feed(block, &mut |line_no, line| {
            ingest.line(source, line_no, line);
        });
        progress(ingest, total)
    };
    let mut error = None;
    if feed(ingest, &head).is_continue() {
        let mut buf = vec![0u8; BLOCK];
        loop {
            match read_some(&mut r, &mut buf) {
                Ok(0) => break,
                Ok(k) => {
                    if feed(ingest, &buf[..k]).is_break() {
                        return Ok(());
                    }
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    } else {
        return Ok(());
    }
    splitter.finish(&mut |line_no, line| {
        ingest.line(source, line_no, line);
    });
    error.map_or(Ok(()), Err)
}

/// A whole document: its events are sorted by write time before they are
/// judged (`gcloud logging read` lists newest first), unless a merge of
/// several inputs is collecting them (then the merge orders them).
pub fn read_document(source: &Arc<str>, bytes: &[u8], ingest: &mut Ingest) {
    let merging = ingest.is_holding();
    ingest.start_holding();
    walk_bytes(source, bytes, ingest);
    if !merging {
        let mut held = ingest.stop_holding();
        sort_by_time(&mut held);
        for h in &held {
            ingest.release(h);
        }
    }
}

/// Stable sort by write time; an untimed event keeps the place of the
/// timed one before it.
pub fn sort_by_time(held: &mut [Held]) {
    let mut last = i64::MIN;
    for h in held.iter_mut() {
        match h.key {
            Some(k) => last = k,
            None => h.key = Some(last),
        }
    }
    held.sort_by_key(|h| h.key);
}

fn walk_bytes(source: &Arc<str>, bytes: &[u8], ingest: &mut Ingest) {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
                + 1;
            ingest.malformed(
                source,
                line,
                "document is not valid UTF-8; nothing after this point was read".into(),
            );
            // Still read what came before the bad byte.
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("")
        }
    };
    if let Err(e) = walk_document(text, &mut |t, l| {
        ingest.record(source, l, t);
    }) {
        ingest.malformed(source, 1, format!("document: {e}"));
    }
}

/// Read a set of inputs: one streams (on `threads` threads for JSON
/// lines); several are merged by event time (`source::merge`).
pub fn read_set(
    inputs: &[super::Input],
    ingest: &mut Ingest,
    threads: usize,
    progress: Progress<'_>,
) -> Result<(), SourceError> {
    match inputs {
        [one] => read_input(&one.name(), one.open()?, ingest, threads, progress),
        many => {
            let opened = many
                .iter()
                .map(|i| Ok((i.name(), i.open()?)))
                .collect::<Result<Vec<_>, SourceError>>()?;
            super::merge::read_merged(opened, ingest, progress)
        }
    }
}
