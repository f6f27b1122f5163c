//! Several inputs merged by event time, whatever order they were given in.
//!
//! Why: correlation is order-dependent. `audit.log*` expands newest first,
//! so reading in argument order puts the loot before the escalation that
//! made it possible; HA control planes write one log per API server, a few
//! seconds apart, so one attack is spread over several files.
//!
//! How: each input is a cursor that classifies its records through the one
//! pipeline (`Ingest`, in holding mode: bad lines, formats and prefiltered
//! lines are accounted as they are read; wanted events are held). A cursor
//! keeps a reorder heap of its held events; an event is released when it is
//! the oldest of all inputs and every input that could still hold an older
//! one has read [`REORDER_WINDOW_MICROS`] (60 s of log time) past it. A
//! cursor whose oldest event is more than the window ahead of the frontier
//! is not read further, so a directory of rotated backups holds one event
//! per waiting file, not the files. An event more than the window out of
//! order within its own input is judged where it arrives and counted as
//! late (`IngestStats::late`), never dropped. The order key is the write
//! time (`stageTimestamp` first), because a long watch is written when it
//! ends; untimed events keep the place of the event before them.
//!
//! Memory: per active input at most [`MAX_PENDING`] held events. Cost: one
//! thread (no parallel classification); measured in `scripts/bench.sh`.

use super::read::{BLOCK, Progress, SourceError, read_some};
use crate::audit::input::{Format, detect_format};
use crate::audit::lines::{DEFAULT_MAX_LINE, LineSplitter};
use crate::pipeline::{Held, Ingest, REORDER_WINDOW_MICROS};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Read;
use std::sync::Arc;

/// Held events per input before the oldest is released regardless (an
/// input with a dense minute then counts what arrives behind as late).
pub const MAX_PENDING: usize = 50_000;

struct Item {
    key: i64,
    seq: u64,
    text: String,
}

impl PartialEq for Item {
    fn eq(&self, o: &Self) -> bool {
        (self.key, self.seq) == (o.key, o.seq)
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Item {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.key, self.seq).cmp(&(o.key, o.seq))
    }
}

struct Cursor {
    input: usize,
    source: Arc<str>,
    r: Box<dyn Read + Send>,
    splitter: LineSplitter,
    first: bool,
    eof: bool,
    pending: BinaryHeap<Reverse<Item>>,
    /// Newest key read so far, and the key an untimed event inherits.
    newest: i64,
    last: i64,
    seq: u64,
    bytes: u64,
}

impl Cursor {
    fn head(&self) -> Option<i64> {
        self.pending.peek().map(|Reverse(i)| i.key)
    }

    /// Its oldest event is final: nothing older can still come from it.
    fn ready(&self) -> bool {
        self.eof
            || self.pending.len() >= MAX_PENDING
            || self
                .head()
                .is_some_and(|h| self.newest.saturating_sub(h) >= REORDER_WINDOW_MICROS)
    }

    fn hold(&mut self, held: Vec<Held>) {
        for h in held {
            let key = match h.key {
                Some(k) => {
                    self.last = k;
                    self.newest = self.newest.max(k);
                    k
                }
                None => self.last,
            };
            self.seq += 1;
            self.pending.push(Reverse(Item {
                key,
                seq: self.seq,
                text: h.text,
            }));
        }
    }

    /// Read one block (a whole document at once) through the pipeline.
    fn fill(&mut self, ingest: &mut Ingest, buf: &mut [u8]) {
        ingest.set_input(self.input);
        let n = match read_some(&mut self.r, buf) {
            Ok(n) => n,
            Err(e) => {
                ingest.input_mut().damage = Some(e.to_string());
                0
            }
        };
        self.bytes += n as u64;
        ingest.stats.bytes += n as u64;
        let src = self.source.clone();
        if std::mem::take(&mut self.first) && n > 0 && detect_format(&buf[..n]) == Format::Document
        {
            let mut all = buf[..n].to_vec();
            if let Err(e) = self.r.read_to_end(&mut all) {
                ingest.input_mut().damage = Some(e.to_string());
            }
            ingest.stats.bytes += (all.len() - n) as u64;
            self.bytes += (all.len() - n) as u64;
            super::read::read_document(&src, &all, ingest);
            self.eof = true;
        } else if n == 0 {
            self.splitter.finish(&mut |no, line| {
                ingest.line(&src, no, line);
            });
            self.eof = true;
        } else {
            self.splitter.feed(&buf[..n], &mut |no, line| {
                ingest.line(&src, no, line);
            });
        }
        let held = ingest.drain_held();
        self.hold(held);
    }
}

/// Read every input, judging their events in time order. Inputs are
/// accounted separately in `ingest.stats.inputs`, in the order given.
pub fn read_merged(
    inputs: Vec<(String, Box<dyn Read + Send>)>,
    ingest: &mut Ingest,
    progress: Progress<'_>,
) -> Result<(), SourceError> {
    let was_holding = ingest.is_holding();
    ingest.start_holding();
    let mut cursors: Vec<Cursor> = inputs
        .into_iter()
        .map(|(name, r)| Cursor {
            input: ingest.add_input(&name),
            source: Arc::from(name.as_str()),
            r,
            splitter: LineSplitter::new(DEFAULT_MAX_LINE),
            first: true,
            eof: false,
            pending: BinaryHeap::new(),
            newest: i64::MIN,
            last: i64::MIN,
            seq: 0,
            bytes: 0,
        })
        .collect();
    let mut buf = vec![0u8; BLOCK];
    let mut reported = 0u64;
    loop {
        // Every input shows its oldest event (or ends).
        for c in cursors.iter_mut() {
            while c.pending.is_empty() && !c.eof {
                c.fill(ingest, &mut buf);
            }
        }
        let Some(frontier) = cursors.iter().filter_map(Cursor::head).min() else {
            break;
        };
        // Inputs within the window of the frontier read on until their
        // oldest event is final; the others wait (their events are all
        // later than anything released meanwhile).
        let reach = frontier.saturating_add(REORDER_WINDOW_MICROS);
        for c in cursors.iter_mut() {
            while c.head().is_some_and(|h| h <= reach) && !c.ready() {
                c.fill(ingest, &mut buf);
            }
        }
        let read: u64 = cursors.iter().map(|c| c.bytes).sum();
        if read != reported {
            reported = read;
            if progress(ingest, read).is_break() {
                break;
            }
        }
        let c = cursors
            .iter_mut()
            .filter(|c| c.head().is_some())
            .min_by_key(|c| c.head())
            .expect("a frontier exists");
        let Reverse(item) = c.pending.pop().expect("has a head");
        ingest.release(&Held {
            key: Some(item.key),
            text: item.text,
        });
    }
    if !was_holding {
        ingest.stop_holding();
    }
    Ok(())
}
