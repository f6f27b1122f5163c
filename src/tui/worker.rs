//! The worker thread: owns the `Ingest` and its `Engine`, reads the inputs,
//! follows the live file, and publishes snapshots to the UI.
//!
//! Two rules keep the UI responsive under a flood: the worker never blocks
//! on the UI (snapshots go through a one-slot `sync_channel` with
//! `try_send`; a full slot means the UI has not drawn the last one yet, so
//! this one is simply rebuilt later with fresher data), and snapshots are
//! rate-limited to a few per second, adaptively slower when building one
//! gets expensive.
//!
//! Re-evaluation after an allowlist edit replays the raw text of every
//! security-relevant line into a fresh engine. Those lines are kept here,
//! not with `Ingest::retaining`, because they need a memory budget: past
//! [`RETAIN_BUDGET`] bytes the oldest are dropped (and the status bar says
//! re-evaluation covers only the newest part), so a day-long flood cannot
//! grow memory without bound.

use super::demo;
use super::inbox::{Sent, SnapshotSender};
use super::snapshot::{SnapshotCache, Status};
use super::tail::{Live, POLL_INTERVAL};
use crate::allowlist::Allowlist;
use crate::audit::input::{Format, detect_format, walk_document};
use crate::audit::lines::{DEFAULT_MAX_LINE, Line, LineSplitter};
use crate::detect::{Config, Engine};
use crate::pipeline::Ingest;
use std::collections::VecDeque;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

/// Bytes of relevant raw lines kept for re-evaluation. Sized so the whole
/// TUI stays under 300 MiB resident on a 1 GiB log (issue 5's target);
/// beyond it the oldest lines go and the status bar says re-evaluation
/// covers only the newest.
pub const RETAIN_BUDGET: usize = 192 << 20;
const MIN_PUBLISH: Duration = Duration::from_millis(50);

/// One input, in reading order.
#[derive(Debug, Clone)]
pub enum Input {
    File(PathBuf),
    Stdin,
    /// The embedded demo data set.
    Demo,
}

/// What the worker needs to start.
pub struct WorkerConfig {
    pub inputs: Vec<Input>,
    /// Keep following the last input (a plain, non-gzip file) after loading it.
    pub follow_last: bool,
    pub poll: bool,
    pub config: Config,
    pub allowlist: Allowlist,
}

/// Requests from the UI.
#[derive(Debug)]
pub enum Command {
    /// The allowlist changed: rebuild the engine over the retained lines.
    Reevaluate {
        allowlist: Allowlist,
        generation: u64,
    },
}

/// Relevant raw lines, oldest first, within a byte budget.
#[derive(Default)]
struct Retained {
    lines: VecDeque<Arc<str>>,
    bytes: usize,
    dropped: u64,
}

impl Retained {
    fn push(&mut self, line: Arc<str>) {
        self.bytes += line.len();
        self.lines.push_back(line);
        while self.bytes > RETAIN_BUDGET {
            let Some(old) = self.lines.pop_front() else {
                break;
            };
            self.bytes -= old.len();
            self.dropped += 1;
        }
    }
}

struct Worker {
    cfg: Config,
    ingest: Ingest,
    retained: Retained,
    tx: SnapshotSender,
    rx: Receiver<Command>,
    cache: SnapshotCache,
    status: Status,
    seq: u64,
    generation: u64,
    dirty: bool,
    last_publish: Instant,
    publish_every: Duration,
    rate_mark: (Instant, u64),
    disconnected: bool,
}

fn new_ingest(cfg: &Config, allowlist: Allowlist) -> Ingest {
    Ingest::new(Engine::new(cfg.clone(), allowlist)).with_prefilter(cfg)
}

/// Start the worker; it stops when the UI drops its command sender.
pub fn spawn(wc: WorkerConfig, tx: SnapshotSender, rx: Receiver<Command>, status: Status) {
    std::thread::Builder::new()
        .name("ktriage-worker".into())
        .spawn(move || {
            let mut w = Worker {
                ingest: new_ingest(&wc.config, wc.allowlist.clone()),
                cfg: wc.config.clone(),
                retained: Retained::default(),
                tx,
                rx,
                cache: SnapshotCache::default(),
                status,
                seq: 0,
                generation: 0,
                dirty: true,
                last_publish: Instant::now() - MIN_PUBLISH,
                publish_every: MIN_PUBLISH,
                rate_mark: (Instant::now(), 0),
                disconnected: false,
            };
            w.run(wc);
        })
        .expect("spawn worker thread");
}

impl Worker {
    fn run(&mut self, wc: WorkerConfig) {
        self.status.loading = true;
        self.status.bytes_total = wc
            .inputs
            .iter()
            .map(|i| match i {
                Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
                Input::Stdin => None,
                Input::Demo => Some(demo::total_bytes() as u64),
            })
            .sum();
        let last = wc.inputs.len().saturating_sub(1);
        for (i, input) in wc.inputs.iter().enumerate() {
            if self.disconnected {
                return;
            }
            let follow =
                wc.follow_last && i == last && matches!(input, Input::File(p) if !is_gzip(p));
            let result = match input {
                Input::Demo => {
                    self.feed_text("demo", &demo::merged_lines());
                    Ok(())
                }
                Input::Stdin => self.read_stdin(),
                Input::File(p) if follow => self.follow(p, wc.poll),
                Input::File(p) => self.read_file(p),
            };
            if let Err(e) = result {
                self.status.error = Some(e);
                self.dirty = true;
            }
        }
        self.status.loading = false;
        self.status.done = true;
        self.dirty = true;
        // Nothing (more) to read: keep answering commands until the UI quits.
        while !self.disconnected {
            self.idle(Duration::from_millis(200));
        }
    }

    /// Feed one line, keeping its text if the engine took it (rules and pod
    /// specs alike), so a re-evaluation replays everything that mattered.
    fn line(&mut self, src: &Arc<str>, no: u64, line: Line<'_>) {
        let bytes = match &line {
            Line::Text(b) => Some(*b),
            Line::TooLong(_) => None,
        };
        if self.ingest.line(src, no, line) {
            if let Some(text) = bytes.and_then(|b| std::str::from_utf8(b).ok()) {
                self.retained.push(Arc::from(text));
            }
        }
        self.dirty = true;
    }

    fn record(&mut self, src: &Arc<str>, no: u64, text: &str) {
        if self.ingest.record(src, no, text) {
            self.retained.push(Arc::from(text));
        }
        self.dirty = true;
    }

    fn feed_text(&mut self, name: &str, text: &str) {
        let src: Arc<str> = Arc::from(name);
        for (i, l) in text.lines().enumerate() {
            self.line(&src, i as u64 + 1, Line::Text(l.as_bytes()));
            self.status.bytes_read += l.len() as u64 + 1;
            if i % 4096 == 0 {
                self.between_blocks();
            }
        }
    }

    /// One block of a stream (file or stdin): JSON lines are fed as they
    /// complete; a whole-document input is collected and walked at the end.
    fn feed_block(&mut self, st: &mut Stream, block: &[u8]) {
        self.status.bytes_read += block.len() as u64;
        self.ingest.stats.bytes += block.len() as u64;
        if std::mem::take(&mut st.first) && detect_format(block) == Format::Document {
            st.document = Some(Vec::new());
        }
        if let Some(doc) = st.document.as_mut() {
            doc.extend_from_slice(block);
            return;
        }
        let src = st.src.clone();
        st.splitter
            .feed(block, &mut |no, line| self.line(&src, no, line));
    }

    fn finish_stream(&mut self, mut st: Stream) {
        let src = st.src.clone();
        match st.document.take() {
            Some(doc) => {
                let text = String::from_utf8_lossy(&doc);
                if let Err(e) = walk_document(&text, &mut |t, l| self.record(&src, l, t)) {
                    self.ingest.malformed(&src, 1, format!("document: {e}"));
                }
            }
            None => st
                .splitter
                .finish(&mut |no, line| self.line(&src, no, line)),
        }
    }

    fn read_file(&mut self, path: &std::path::Path) -> Result<(), String> {
        let name = path.display().to_string();
        let mut r = crate::source::open(path).map_err(|e| e.to_string())?;
        let mut st = Stream::new(&name);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("error reading {name}: {e}")),
            };
            self.feed_block(&mut st, &buf[..n]);
            self.between_blocks();
            if self.disconnected {
                return Ok(());
            }
        }
        self.finish_stream(st);
        Ok(())
    }

    /// stdin is read on its own thread: a quiet pipe must not stop the
    /// worker from answering re-evaluation requests.
    fn read_stdin(&mut self) -> Result<(), String> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(8);
        std::thread::spawn(move || {
            let mut stdin = std::io::stdin().lock();
            loop {
                let mut buf = vec![0u8; 256 << 10];
                match stdin.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.send(buf).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        self.status.following = true;
        let mut st = Stream::new("stdin");
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(block) => {
                    self.feed_block(&mut st, &block);
                    self.between_blocks();
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.status.loading = false;
                    self.between_blocks();
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if self.disconnected {
                return Ok(());
            }
        }
        self.finish_stream(st);
        self.status.following = false;
        self.status.follow_note = Some("stdin closed".into());
        Ok(())
    }

    fn follow(&mut self, path: &std::path::Path, poll: bool) -> Result<(), String> {
        let mut live = Live::open(path, poll).map_err(|e| e.to_string())?;
        let base = self.status.bytes_read;
        loop {
            let n = live
                .read_available(&mut |src, no, line| self.line(src, no, line))
                .map_err(|e| e.to_string())?;
            self.status.bytes_read = base + live.bytes_read();
            let note = live.note();
            if note != self.status.follow_note {
                self.status.follow_note = note;
                self.dirty = true;
            }
            if n == 0 && self.status.loading {
                // Caught up with the file: the initial load is done.
                self.status.loading = false;
                self.status.following = true;
                self.dirty = true;
            }
            if n == 0 {
                // Publish what is pending, then sleep on the file itself so
                // an append wakes us at once; commands wait at most the
                // poll interval (or until a held-back publish is due).
                self.maybe_publish();
                let due = if self.dirty {
                    self.publish_every
                        .saturating_sub(self.last_publish.elapsed())
                } else {
                    POLL_INTERVAL
                };
                live.wait(due.clamp(Duration::from_millis(1), POLL_INTERVAL));
                self.handle_commands();
                self.maybe_publish();
            } else {
                self.between_blocks();
            }
            if self.disconnected {
                return Ok(());
            }
        }
    }

    /// Commands and publication between blocks of input.
    fn between_blocks(&mut self) {
        self.handle_commands();
        self.maybe_publish();
    }

    /// Nothing to read: wait for a command up to `timeout`, publishing.
    fn idle(&mut self, timeout: Duration) {
        self.maybe_publish();
        match self.rx.recv_timeout(timeout) {
            Ok(cmd) => self.command(cmd),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => self.disconnected = true,
        }
        self.maybe_publish();
    }

    fn handle_commands(&mut self) {
        loop {
            match self.rx.try_recv() {
                Ok(cmd) => self.command(cmd),
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    self.disconnected = true;
                    return;
                }
            }
        }
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Reevaluate {
                mut allowlist,
                mut generation,
            } => {
                // Only the newest allowlist matters.
                while let Ok(Command::Reevaluate {
                    allowlist: a,
                    generation: g,
                }) = self.rx.try_recv()
                {
                    allowlist = a;
                    generation = g;
                }
                self.reevaluate(allowlist, generation);
            }
        }
    }

    fn reevaluate(&mut self, allowlist: Allowlist, generation: u64) {
        self.status.reevaluating = true;
        self.publish();
        let mut fresh = new_ingest(&self.cfg, allowlist);
        let src: Arc<str> = Arc::from("retained");
        for (i, text) in self.retained.lines.iter().enumerate() {
            fresh.record(&src, i as u64 + 1, text);
        }
        // Keep the totals: events read, bytes, malformed lines.
        let replayed = fresh.engine.stats.events;
        fresh
            .engine
            .count_skipped(self.ingest.engine.stats.events.saturating_sub(replayed));
        fresh.stats = std::mem::take(&mut self.ingest.stats);
        self.ingest = fresh;
        self.generation = generation;
        self.cache.clear();
        self.status.reevaluating = false;
        self.publish();
    }

    fn maybe_publish(&mut self) {
        // Let events/s fall back to 0 when the input goes quiet.
        if self.status.events_per_sec > 0.0 && self.rate_mark.0.elapsed() >= Duration::from_secs(1)
        {
            self.dirty = true;
        }
        if self.dirty && self.last_publish.elapsed() >= self.publish_every && self.tx.ready() {
            self.publish();
        }
    }

    fn publish(&mut self) {
        let now = Instant::now();
        let events = self.ingest.engine.stats.events;
        let (mark_t, mark_n) = self.rate_mark;
        let dt = now.duration_since(mark_t).as_secs_f64();
        if dt >= 1.0 || self.status.events_per_sec == 0.0 && dt > 0.2 {
            self.status.events_per_sec = (events - mark_n) as f64 / dt;
            self.rate_mark = (now, events);
        }
        let st = &mut self.status;
        st.events = events;
        st.relevant = self.ingest.engine.stats.relevant;
        st.malformed = self.ingest.stats.malformed;
        if st.malformed_list.len() != self.ingest.stats.first_malformed.len() {
            st.malformed_list = (self.ingest.stats.first_malformed.iter())
                .map(ToString::to_string)
                .collect();
        }
        st.retained = self.retained.lines.len();
        st.retained_dropped = self.retained.dropped;
        self.seq += 1;
        let snap = self.cache.build(
            &self.ingest.engine,
            self.seq,
            self.generation,
            self.status.clone(),
        );
        let took = now.elapsed();
        // Spend at most a fifth of the time building snapshots.
        self.publish_every = MIN_PUBLISH.max(took * 5);
        self.last_publish = Instant::now();
        match self.tx.send(Box::new(snap)) {
            Sent::Yes => self.dirty = false,
            Sent::Busy => self.dirty = true,
            Sent::Closed => self.disconnected = true,
        }
    }
}

fn is_gzip(p: &std::path::Path) -> bool {
    p.extension().is_some_and(|e| e == "gz")
}

/// A stream being read: its name, line splitter, and the document bytes
/// when the input turned out to be one JSON document.
struct Stream {
    src: Arc<str>,
    splitter: LineSplitter,
    first: bool,
    document: Option<Vec<u8>>,
}

impl Stream {
    fn new(name: &str) -> Self {
        Stream {
            src: Arc::from(name),
            splitter: LineSplitter::new(DEFAULT_MAX_LINE),
            first: true,
            document: None,
        }
    }
}
