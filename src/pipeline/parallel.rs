//! JSON lines on several cores: a reader thread cuts the input into
//! batches of whole lines, a pool classifies them (prefilter, parse,
//! "does the engine want it?"), and the calling thread applies the results
//! in input order, re-parsing only the wanted lines for the engine.
//!
//! Why this split: detection is order-dependent (windows, baselines,
//! correlation) and stays on one thread; parsing is not, and is most of the
//! cost. Workers send back only line indices and bad-record reports, not
//! parsed events (those borrow from the batch), so the engine thread's share
//! is a second parse of the few lines that matter. Batches are recycled and
//! every channel is bounded, so memory is a handful of blocks whatever the
//! file size.
//!
//! Results are identical to [`Ingest::line`] on the same lines, by
//! construction (both use [`classify`]) and by test (`tests/parallel.rs`).

use super::Ingest;
use super::classify::{Verdict, classify};
use crate::audit::input::RecordError;
use crate::audit::large::LargeLine;
use crate::audit::lines::{DEFAULT_MAX_LINE, Line, LineSplitter};
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

/// Bytes read per batch: big enough that channel traffic is negligible,
/// small enough to stay in cache between the read and the workers (reads
/// into a 1 MiB buffer were measured 5× slower in the kernel's copy).
const BATCH_BYTES: usize = 128 << 10;

/// Where one line of a batch lies.
#[derive(Clone, Copy)]
enum Span {
    /// In the block read from the input.
    Block { line: u64, start: u32, len: u32 },
    /// In `extra`: a line that straddled two reads (copied once).
    Extra { line: u64, start: u32, len: u32 },
    /// An over-long line, reduced by the splitter: in `large`.
    Large { line: u64, index: u32 },
}

#[derive(Default)]
struct Batch {
    seq: u64,
    block: Vec<u8>,
    extra: Vec<u8>,
    spans: Vec<Span>,
    /// Over-long lines of this batch, reduced (bounded text each).
    large: Vec<LargeLine>,
    /// Input bytes this batch accounts for.
    bytes: u64,
}

impl Batch {
    fn line(&self, i: usize) -> (u64, Line<'_>) {
        match self.spans[i] {
            Span::Block { line, start, len } => (
                line,
                Line::Text(&self.block[start as usize..(start + len) as usize]),
            ),
            Span::Extra { line, start, len } => (
                line,
                Line::Text(&self.extra[start as usize..(start + len) as usize]),
            ),
            Span::Large { line, index } => (line, Line::Large(&self.large[index as usize])),
        }
    }
}

/// A worker's verdicts on one batch, in line order.
struct Classified {
    batch: Batch,
    verdicts: Vec<Compact>,
}

/// A verdict without the parsed event (which borrows from the batch).
enum Compact {
    Blank,
    Malformed(RecordError),
    Skipped,
    Unwanted,
    Wanted,
    /// Export records own their converted text: sent as they are.
    Foreign(Vec<(crate::audit::adapt::Dialect, String)>),
    Ignored(&'static str),
}

/// How many threads classify: the cores, minus none (the reader and the
/// engine thread mostly wait), at most 8. 1 means "use the plain path".
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8)
}

/// Feed JSON lines from `r` (whose first bytes, already read, are `head`)
/// to `ingest`, classifying on `threads` threads. `progress(ingest, bytes)`
/// is called on the calling thread after each batch is applied; `Break`
/// stops reading (the threads wind down as their channels close).
pub fn feed_lines(
    source: &Arc<str>,
    head: Vec<u8>,
    mut r: Box<dyn Read + Send>,
    ingest: &mut Ingest,
    threads: usize,
    progress: crate::source::read::Progress<'_>,
) -> io::Result<()> {
    let threads = threads.max(1);
    let (work_tx, work_rx) = sync_channel::<Batch>(threads * 2);
    let (done_tx, done_rx) = sync_channel::<Classified>(threads * 2);
    let (spare_tx, spare_rx) = sync_channel::<Batch>(threads * 4 + 4);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let read_error: Mutex<Option<io::Error>> = Mutex::new(None);
    let prefilter = ingest.prefilter().cloned();
    let cfg = ingest.engine.cfg.clone();

    std::thread::scope(|scope| {
        let read_error = &read_error;
        scope.spawn(move || {
            if let Err(e) = read_batches(head, &mut r, &work_tx, &spare_rx) {
                *read_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
            }
        });
        for _ in 0..threads {
            let work_rx = work_rx.clone();
            let done_tx = done_tx.clone();
            let prefilter = prefilter.as_ref();
            let cfg = &cfg;
            scope.spawn(move || {
                loop {
                    let next = work_rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    let Ok(batch) = next else { return };
                    let verdicts = (0..batch.spans.len())
                        .map(|i| match classify(batch.line(i).1, prefilter, cfg) {
                            Verdict::Blank => Compact::Blank,
                            Verdict::Malformed(e) => Compact::Malformed(e),
                            Verdict::Skipped => Compact::Skipped,
                            Verdict::Unwanted => Compact::Unwanted,
                            Verdict::Wanted(..) => Compact::Wanted,
                            Verdict::Foreign(v) => Compact::Foreign(v),
                            Verdict::Ignored(w) => Compact::Ignored(w),
                        })
                        .collect();
                    if done_tx.send(Classified { batch, verdicts }).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        // Moved in, so that stopping early drops it and unblocks the pool.
        apply_in_order(source, ingest, done_rx, spare_tx, progress);
    });
    match read_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The engine thread: take classified batches, put them back in input
/// order, and apply each line's verdict exactly as `Ingest::line` would.
fn apply_in_order(
    source: &Arc<str>,
    ingest: &mut Ingest,
    done: Receiver<Classified>,
    spare: SyncSender<Batch>,
    progress: crate::source::read::Progress<'_>,
) {
    let mut waiting: BTreeMap<u64, Classified> = BTreeMap::new();
    let mut next = 0u64;
    let mut total = 0u64;
    for c in done.iter() {
        waiting.insert(c.batch.seq, c);
        while let Some(c) = waiting.remove(&next) {
            next += 1;
            for (i, v) in c.verdicts.into_iter().enumerate() {
                let (line_no, line) = c.batch.line(i);
                let verdict = match v {
                    Compact::Blank => Verdict::Blank,
                    Compact::Malformed(e) => Verdict::Malformed(e),
                    Compact::Skipped => Verdict::Skipped,
                    Compact::Unwanted => Verdict::Unwanted,
                    Compact::Foreign(v) => Verdict::Foreign(v),
                    Compact::Ignored(w) => Verdict::Ignored(w),
                    // The second parse of a line that parsed already.
                    Compact::Wanted => match line {
                        Line::Text(b) => {
                            let text = std::str::from_utf8(b).unwrap_or_default();
                            super::classify::classify_text(text, &ingest.engine.cfg)
                        }
                        Line::Large(l) => super::classify::classify_large(l, &ingest.engine.cfg),
                    },
                };
                ingest.apply_line(source, line_no, line, verdict);
            }
            ingest.stats.bytes += c.batch.bytes;
            total += c.batch.bytes;
            // Give the buffers back; if the reader is gone, drop them.
            let _ = spare.try_send(c.batch);
            if progress(ingest, total).is_break() {
                return;
            }
        }
    }
}

/// The reader thread: cut the input into batches of whole lines, numbered
/// as the plain path numbers them (same splitter, same caps).
fn read_batches(
    head: Vec<u8>,
    r: &mut Box<dyn Read + Send>,
    work: &SyncSender<Batch>,
    spare: &Receiver<Batch>,
) -> io::Result<()> {
    let mut splitter = LineSplitter::new(DEFAULT_MAX_LINE);
    let mut seq = 0u64;
    let mut pending_head = Some(head);
    loop {
        let mut b = spare.try_recv().unwrap_or_default();
        b.spans.clear();
        b.extra.clear();
        b.large.clear();
        b.seq = seq;
        let n = match pending_head.take() {
            Some(h) => {
                b.block = h;
                b.block.len()
            }
            None => {
                b.block.resize(BATCH_BYTES, 0);
                loop {
                    match r.read(&mut b.block) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                }
            }
        };
        b.block.truncate(n);
        b.bytes = n as u64;
        let last = n == 0;
        {
            let Batch {
                block,
                extra,
                spans,
                large,
                ..
            } = &mut b;
            let range = block.as_ptr_range();
            let mut push = |line: u64, l: Line<'_>| match l {
                Line::Large(l) => {
                    spans.push(Span::Large {
                        line,
                        index: large.len() as u32,
                    });
                    large.push(l.clone());
                }
                Line::Text(t) if range.contains(&t.as_ptr()) || t.is_empty() => {
                    let start = if t.is_empty() {
                        0
                    } else {
                        (t.as_ptr() as usize - range.start as usize) as u32
                    };
                    spans.push(Span::Block {
                        line,
                        start,
                        len: t.len() as u32,
                    });
                }
                Line::Text(t) => {
                    let start = extra.len() as u32;
                    extra.extend_from_slice(t);
                    spans.push(Span::Extra {
                        line,
                        start,
                        len: t.len() as u32,
                    });
                }
            };
            if last {
                splitter.finish(&mut push);
            } else {
                splitter.feed(block, &mut push);
            }
        }
        seq += 1;
        if work.send(b).is_err() || last {
            return Ok(());
        }
    }
}
