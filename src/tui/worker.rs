//! The worker thread: owns the `Ingest` and its `Engine`, reads the inputs
//! through the one reader in `source` (every format, gzip by magic bytes,
//! several inputs merged by time, JSON lines on several threads: the same
//! path as `scan`), follows the live file, and publishes snapshots.
//!
//! Two rules keep the UI responsive under a flood: the worker never blocks
//! on the UI (snapshots go through a one-slot `sync_channel` with
//! `try_send`; a full slot means the UI has not drawn the last one yet, so
//! this one is simply rebuilt later with fresher data), and snapshots are
//! rate-limited to a few per second, adaptively slower when building one
//! gets expensive (at most a fifth of the time while following; during the
//! initial load a full snapshot at most once per [`LOAD_FULL_FACTOR`] times
//! its cost, with progress snapshots, the status only, in between). A phase
//! change (load finished, re-evaluation) is published at once, and a
//! worker caught up with its file waits one build time, not five: a 100k
//! burst's load went from 3.6x to ~1.2x `scan`, and a 30k lines/s flood is
//! shown complete 0.06 s after the writer stops (`scripts/burst-bench.py
//! --tui`, `MODE=burst scripts/tui-flood.sh`).
//!
//! Re-evaluation after an allowlist edit replays the raw text of every
//! event the engine took into a fresh engine (`Ingest::rebuild`). The text
//! is kept by `Ingest::retaining` within [`RETAIN_BUDGET`] bytes: past it
//! the oldest go (and the status bar says re-evaluation covers only the
//! newest part), so a day-long flood cannot grow memory without bound.
//! Events converted from an export are kept as native JSON.

use super::demo;
use super::inbox::{Sent, SnapshotSender};
use super::snapshot::{SnapshotCache, Status};
use super::tail::{Live, POLL_INTERVAL};
use crate::allowlist::Allowlist;
use crate::audit::input::{Format, detect_format};
use crate::audit::lines::{DEFAULT_MAX_LINE, Line, LineSplitter};
use crate::detect::{Config, Engine};
use crate::pipeline::{Health, Ingest};
use std::io::Read;
use std::ops::ControlFlow;
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
/// While the initial load runs, a snapshot at most this often: progress
/// still moves four times a second, and building snapshots costs ~2% of
/// the load instead of ~8% (`scripts/tui-load.py`).
const LOAD_PUBLISH: Duration = Duration::from_millis(250);
/// While the initial load runs, a full snapshot (the engine's picture) at
/// most once per this many times its build cost; the other publications
/// are progress snapshots (the status, data reused). A 1M-event burst's
/// full snapshot takes seconds to copy; built once per 5× its cost, as when
/// following, it cost the load 20% (`scripts/burst-bench.py --tui`).
const LOAD_FULL_FACTOR: u32 = 12;

/// One input, in reading order.
#[derive(Debug, Clone)]
pub enum Input {
    File(PathBuf),
    Stdin,
    /// The embedded demo data set.
    Demo,
}

impl Input {
    fn source(&self) -> Option<crate::source::Input> {
        match self {
            Input::File(p) => Some(crate::source::Input::File(p.clone())),
            Input::Stdin => Some(crate::source::Input::Stdin),
            Input::Demo => None,
        }
    }
}

/// What the worker needs to start.
pub struct WorkerConfig {
    pub inputs: Vec<Input>,
    /// Keep following the last input (a plain, non-gzip file) after loading it.
    pub follow_last: bool,
    pub poll: bool,
    pub config: Config,
    pub allowlist: Allowlist,
    /// `--since` / `--until`.
    pub bounds: crate::pipeline::Bounds,
    /// The cluster's RBAC snapshot (`--rbac`).
    pub rbac: Option<Arc<crate::rbac::Snapshot>>,
}

/// Requests from the UI.
#[derive(Debug)]
pub enum Command {
    /// The allowlist changed: rebuild the engine over the retained lines.
    Reevaluate {
        allowlist: Allowlist,
        generation: u64,
    },
    /// Judge the retained lines with a candidate allowlist in a second
    /// engine and publish what would change (`Status::preview`); the engine
    /// in force is untouched.
    Preview { allowlist: Allowlist, token: u64 },
    /// Judge the retained lines with no allowlist and publish every alert
    /// the allowlist in force suppresses (`Status::suppressed`).
    Suppressed { token: u64 },
}

struct Worker {
    ingest: Ingest,
    p: Pub,
}

/// Everything but the ingest: publication and commands. Apart so that the
/// reader, which holds the ingest, can call back into it between blocks.
struct Pub {
    cfg: Config,
    tx: SnapshotSender,
    rx: Receiver<Command>,
    cache: SnapshotCache,
    status: Status,
    seq: u64,
    generation: u64,
    dirty: bool,
    last_publish: Instant,
    publish_every: Duration,
    /// When the last full snapshot was built, and how long it took.
    last_full: (Instant, Duration),
    /// (loading, following, done, reevaluating) of the last publication: a
    /// change is published at once, in full (the end of a load waited up
    /// to five build times before it was shown).
    published_phase: (bool, bool, bool, bool),
    rate_mark: (Instant, u64),
    disconnected: bool,
    /// The last read of the followed file found nothing new.
    quiet: bool,
}

fn new_ingest(cfg: &Config, allowlist: Allowlist, bounds: crate::pipeline::Bounds) -> Ingest {
    Ingest::new(Engine::new(cfg.clone(), allowlist))
        .with_prefilter(cfg)
        .with_bounds(bounds)
        .retaining(RETAIN_BUDGET)
}

/// Start the worker; it stops when the UI drops its command sender.
pub fn spawn(wc: WorkerConfig, tx: SnapshotSender, rx: Receiver<Command>, status: Status) {
    std::thread::Builder::new()
        .name("ktriage-worker".into())
        .spawn(move || {
            let mut w = Worker {
                ingest: new_ingest(&wc.config, wc.allowlist.clone(), wc.bounds),
                p: Pub {
                    cfg: wc.config.clone(),
                    tx,
                    rx,
                    cache: SnapshotCache::with_rbac(wc.rbac.clone()),
                    status,
                    seq: 0,
                    generation: 0,
                    dirty: true,
                    last_publish: Instant::now() - MIN_PUBLISH,
                    publish_every: MIN_PUBLISH,
                    last_full: (Instant::now(), Duration::ZERO),
                    published_phase: (false, false, false, false),
                    rate_mark: (Instant::now(), 0),
                    disconnected: false,
                    quiet: false,
                },
            };
            w.run(wc);
        })
        .expect("spawn worker thread");
}

impl Worker {
    fn run(&mut self, wc: WorkerConfig) {
        let p = &mut self.p;
        p.status.loading = true;
        p.status.bytes_total = wc
            .inputs
            .iter()
            .map(|i| match i {
                Input::File(f) => std::fs::metadata(f).ok().map(|m| m.len()),
                Input::Stdin => None,
                Input::Demo => Some(demo::total_bytes() as u64),
            })
            .sum();
        // The live file (the last, when following and not gzip) is read by
        // the follower; the rest go through the one reader, merged by time.
        let follow = match wc.inputs.last() {
            Some(Input::File(f)) if wc.follow_last && !is_gzip_file(f) => Some(f.clone()),
            _ => None,
        };
        let stdin = matches!(wc.inputs.last(), Some(Input::Stdin));
        let load: Vec<crate::source::Input> = wc
            .inputs
            .iter()
            .take(wc.inputs.len() - usize::from(follow.is_some() || stdin))
            .filter_map(Input::source)
            .collect();
        if wc.inputs.iter().any(|i| matches!(i, Input::Demo)) {
            self.feed_text("demo", &demo::merged_lines());
        }
        if !load.is_empty() {
            let threads = crate::pipeline::parallel::default_threads();
            let p = &mut self.p;
            let base = p.status.bytes_read;
            let result =
                crate::source::read::read_set(&load, &mut self.ingest, threads, &mut |ing, n| {
                    p.status.bytes_read = base + n;
                    p.dirty = true;
                    p.between_blocks(ing);
                    if p.disconnected {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                });
            if let Err(e) = result {
                self.p.status.error = Some(e.to_string());
            }
            self.p.dirty = true;
        }
        if self.p.disconnected {
            return;
        }
        let result = if stdin {
            self.read_stdin()
        } else if let Some(f) = follow {
            self.follow(&f, wc.poll)
        } else {
            Ok(())
        };
        if let Err(e) = result {
            self.p.status.error = Some(e);
            self.p.dirty = true;
        }
        self.p.status.loading = false;
        self.p.status.done = true;
        self.p.dirty = true;
        // Nothing (more) to read: keep answering commands until the UI quits.
        while !self.p.disconnected {
            self.p.idle(&mut self.ingest, Duration::from_millis(200));
        }
    }

    fn line(&mut self, src: &Arc<str>, no: u64, line: Line<'_>) {
        self.ingest.line(src, no, line);
        self.p.dirty = true;
    }

    fn feed_text(&mut self, name: &str, text: &str) {
        let src: Arc<str> = Arc::from(name);
        self.ingest.add_input(name);
        for (i, l) in text.lines().enumerate() {
            self.line(&src, i as u64 + 1, Line::Text(l.as_bytes()));
            self.p.status.bytes_read += l.len() as u64 + 1;
            if i % 4096 == 0 {
                self.p.between_blocks(&mut self.ingest);
            }
        }
    }

    /// stdin is read (and un-gzipped) on its own thread: a quiet pipe must
    /// not stop the worker from answering re-evaluation requests. Lines
    /// stream as they come; a whole document is collected, then read by the
    /// same document path as a file.
    fn read_stdin(&mut self) -> Result<(), String> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(8);
        std::thread::spawn(move || {
            let mut r = match crate::source::read::maybe_gunzip(Box::new(std::io::stdin())) {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            loop {
                let mut buf = vec![0u8; crate::source::read::BLOCK];
                match r.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.send(Ok(buf)).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        });
        self.p.status.following = true;
        let src: Arc<str> = Arc::from("(stdin)");
        self.ingest.add_input("(stdin)");
        let mut splitter = LineSplitter::new(DEFAULT_MAX_LINE);
        let mut first = true;
        let mut document: Option<Vec<u8>> = None;
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(Ok(block)) => {
                    self.p.status.bytes_read += block.len() as u64;
                    self.ingest.stats.bytes += block.len() as u64;
                    if std::mem::take(&mut first) && detect_format(&block) == Format::Document {
                        document = Some(Vec::new());
                    }
                    match document.as_mut() {
                        Some(doc) => doc.extend_from_slice(&block),
                        None => splitter.feed(&block, &mut |no, line| self.line(&src, no, line)),
                    }
                    self.p.between_blocks(&mut self.ingest);
                }
                Ok(Err(e)) => {
                    self.ingest.input_mut().damage = Some(e.to_string());
                    break;
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.p.status.loading = false;
                    self.p.between_blocks(&mut self.ingest);
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if self.p.disconnected {
                return Ok(());
            }
        }
        match document {
            Some(doc) => crate::source::read::read_document(&src, &doc, &mut self.ingest),
            None => splitter.finish(&mut |no, line| self.line(&src, no, line)),
        }
        self.p.dirty = true;
        self.p.status.following = false;
        self.p.status.follow_note = Some("stdin closed".into());
        Ok(())
    }

    fn follow(&mut self, path: &std::path::Path, poll: bool) -> Result<(), String> {
        let mut live = Live::open(path, poll).map_err(|e| e.to_string())?;
        self.ingest.add_input(&path.display().to_string());
        let base = self.p.status.bytes_read;
        loop {
            let n = live
                .read_available(&mut |src, no, line| {
                    self.ingest.line(src, no, line);
                    self.p.dirty = true;
                })
                .map_err(|e| e.to_string())?;
            let p = &mut self.p;
            p.status.bytes_read = base + live.bytes_read();
            let note = live.note();
            if note != p.status.follow_note {
                p.status.follow_note = note;
                p.dirty = true;
            }
            if n == 0 && p.status.loading {
                // Caught up with the file: the initial load is done.
                p.status.loading = false;
                p.status.following = true;
                p.dirty = true;
            }
            // Caught up with the file: a snapshot now takes nothing from
            // reading, so it waits one build time, not five (the end of a
            // flood was shown up to five build times late).
            p.quiet = n == 0;
            if n == 0 {
                // Publish what is pending, then sleep on the file itself so
                // an append wakes us at once; commands wait at most the
                // poll interval (or until a held-back publish is due).
                p.maybe_publish(&mut self.ingest);
                let due = if p.dirty {
                    p.every().saturating_sub(p.last_publish.elapsed())
                } else {
                    POLL_INTERVAL
                };
                live.wait(due.clamp(Duration::from_millis(1), POLL_INTERVAL));
                p.handle_commands(&mut self.ingest);
                p.maybe_publish(&mut self.ingest);
            } else {
                p.between_blocks(&mut self.ingest);
            }
            if p.disconnected {
                return Ok(());
            }
        }
    }
}

impl Pub {
    /// Commands and publication between blocks of input.
    fn between_blocks(&mut self, ingest: &mut Ingest) {
        self.handle_commands(ingest);
        self.maybe_publish(ingest);
    }

    /// Nothing to read: wait for a command up to `timeout`, publishing.
    fn idle(&mut self, ingest: &mut Ingest, timeout: Duration) {
        self.maybe_publish(ingest);
        match self.rx.recv_timeout(timeout) {
            Ok(cmd) => self.command(ingest, cmd),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => self.disconnected = true,
        }
        self.maybe_publish(ingest);
    }

    fn handle_commands(&mut self, ingest: &mut Ingest) {
        // Take every waiting command, then run the newest of each kind
        // (an allowlist change first: previews are judged against it). A
        // kind never swallows another's request.
        let mut newest: [Option<Command>; 3] = [None, None, None];
        loop {
            match self.rx.try_recv() {
                Ok(cmd) => {
                    let slot = match cmd {
                        Command::Reevaluate { .. } => 0,
                        Command::Preview { .. } => 1,
                        Command::Suppressed { .. } => 2,
                    };
                    newest[slot] = Some(cmd);
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.disconnected = true;
                    break;
                }
            }
        }
        for cmd in newest.into_iter().flatten() {
            self.command(ingest, cmd);
        }
    }

    fn command(&mut self, ingest: &mut Ingest, cmd: Command) {
        match cmd {
            Command::Reevaluate {
                allowlist,
                generation,
            } => {
                self.status.reevaluating = true;
                self.publish(ingest);
                ingest.rebuild(Engine::new(self.cfg.clone(), allowlist));
                self.generation = generation;
                self.cache.clear();
                self.status.reevaluating = false;
                self.publish(ingest);
            }
            Command::Preview { allowlist, token } => {
                let replay = |allowlist: Allowlist| replay(&self.cfg, ingest, allowlist);
                let candidate = replay(allowlist);
                let partial = ingest.retained().is_some_and(|r| r.dropped > 0);
                // Past the retention budget the engine in force saw more
                // than the replay: compare like with like.
                let baseline = partial.then(|| replay(ingest.engine.allowlist.clone()));
                self.status.preview = Some(super::impact::compare(
                    baseline.as_ref().unwrap_or(&ingest.engine),
                    &candidate,
                    token,
                    partial,
                ));
                self.publish(ingest);
            }
            Command::Suppressed { token } => {
                let replay = |allowlist: Allowlist| replay(&self.cfg, ingest, allowlist);
                let open = replay(Allowlist::empty());
                let partial = ingest.retained().is_some_and(|r| r.dropped > 0);
                let baseline = partial.then(|| replay(ingest.engine.allowlist.clone()));
                let list = super::suppressed::compute(
                    baseline.as_ref().unwrap_or(&ingest.engine),
                    &open,
                    token,
                    ingest.engine.stats.events,
                    partial,
                );
                self.status.suppressed = Some(Arc::new(list));
                self.publish(ingest);
            }
        }
    }

    fn maybe_publish(&mut self, ingest: &mut Ingest) {
        if !self.tx.ready() {
            return;
        }
        // Let events/s fall back to 0 when the input goes quiet: a status
        // change only, so a progress snapshot (a full one made the UI
        // rebuild a 100k-secret checklist for nothing).
        if !self.dirty {
            if self.status.events_per_sec > 0.0
                && self.rate_mark.0.elapsed() >= Duration::from_secs(1)
            {
                self.publish_progress(ingest);
            }
            return;
        }
        if self.phase() != self.published_phase {
            return self.publish(ingest);
        }
        if self.status.loading && !self.status.following {
            if self.last_publish.elapsed() < LOAD_PUBLISH {
                return;
            }
            let (at, took) = self.last_full;
            if at.elapsed() >= took * LOAD_FULL_FACTOR {
                self.publish(ingest);
            } else {
                self.publish_progress(ingest);
            }
        } else if self.last_publish.elapsed() >= self.every() {
            self.publish(ingest);
        }
    }

    /// How long after the last publication the next may be built.
    fn every(&self) -> Duration {
        if self.quiet {
            self.last_full.1.max(MIN_PUBLISH)
        } else {
            self.publish_every
        }
    }

    fn phase(&self) -> (bool, bool, bool, bool) {
        let st = &self.status;
        (st.loading, st.following, st.done, st.reevaluating)
    }

    /// The status now with the data of the last full snapshot.
    fn publish_progress(&mut self, ingest: &mut Ingest) {
        self.refresh_status(ingest);
        self.seq += 1;
        let Some(snap) = self
            .cache
            .progress(self.seq, self.generation, self.status.clone())
        else {
            return self.publish(ingest);
        };
        self.last_publish = Instant::now();
        self.send(snap);
    }

    /// Hand a snapshot to the UI; true when it took it.
    fn send(&mut self, snap: super::snapshot::Snapshot) -> bool {
        match self.tx.send(Box::new(snap)) {
            Sent::Yes => {
                self.dirty = false;
                return true;
            }
            Sent::Busy => self.dirty = true,
            Sent::Closed => self.disconnected = true,
        }
        false
    }

    fn publish(&mut self, ingest: &mut Ingest) {
        let now = Instant::now();
        self.refresh_status(ingest);
        self.seq += 1;
        let snap = self.cache.build(
            &ingest.engine,
            self.seq,
            self.generation,
            self.status.clone(),
        );
        let took = now.elapsed();
        super::timing::record("snapshot", took);
        // Spend at most a fifth of the time building snapshots.
        self.publish_every = MIN_PUBLISH.max(took * 5);
        self.last_full = (Instant::now(), took);
        self.last_publish = Instant::now();
        if self.send(snap) {
            self.published_phase = self.phase();
        }
    }

    /// The status bar's counts from the ingest, now.
    fn refresh_status(&mut self, ingest: &Ingest) {
        let now = Instant::now();
        let events = ingest.engine.stats.events;
        super::timing::count("events", events);
        let (mark_t, mark_n) = self.rate_mark;
        let dt = now.duration_since(mark_t).as_secs_f64();
        if dt >= 1.0 || self.status.events_per_sec == 0.0 && dt > 0.2 {
            self.status.events_per_sec = (events - mark_n) as f64 / dt;
            self.rate_mark = (now, events);
        }
        let st = &mut self.status;
        st.events = events;
        st.relevant = ingest.engine.stats.relevant;
        st.malformed = ingest.stats.malformed;
        st.large = ingest.stats.large;
        if st.malformed_list.len() != ingest.stats.first_malformed.len() {
            st.malformed_list = (ingest.stats.first_malformed.iter())
                .map(ToString::to_string)
                .collect();
        }
        if let Some(r) = ingest.retained() {
            st.retained = r.len();
            st.retained_dropped = r.dropped;
        }
        input_status(st, ingest);
        st.allow_hits = ingest.engine.allowlist.hits();
    }
}

/// Formats per input and what could not be judged, for the status bar and
/// the problems view (`M`). While loading, an input not yet read to its end
/// is not judged "empty": only what is known is said.
fn input_status(st: &mut Status, ingest: &Ingest) {
    st.inputs = ingest
        .stats
        .inputs
        .iter()
        .map(|i| {
            let large = if i.large > 0 {
                format!(
                    " ({} over 1 MiB, judged from their reduced text)",
                    crate::tui::text::count_of(i.large, "line", "lines")
                )
            } else {
                String::new()
            };
            format!(
                "{}: {}{large}: {}",
                i.name,
                crate::tui::text::count_of(i.events, "event", "events"),
                i.format_names()
            )
        })
        .collect();
    st.problems.clear();
    let mut first_error = None;
    for h in ingest.health() {
        match h {
            Health::Ok => {}
            Health::Warning(w) => st.problems.push(format!("warning: {w}")),
            Health::Error(e) => {
                // An empty live file is not yet an error: it may fill.
                if st.following && e.contains("it is empty") {
                    continue;
                }
                first_error.get_or_insert_with(|| e.clone());
                st.problems.push(format!("ERROR: {e}"));
            }
        }
    }
    if let Some(e) = first_error {
        if !st.loading || st.following {
            st.error = Some(format!("NOT JUDGED: {e}"));
        }
    }
}

/// The retained lines judged again in a second engine under `allowlist`
/// (nothing in force changes): the impact preview and the suppressed list.
fn replay(cfg: &Config, ingest: &Ingest, allowlist: Allowlist) -> Engine {
    let mut e = Engine::new(cfg.clone(), allowlist);
    for text in ingest.retained().into_iter().flat_map(|r| r.iter()) {
        if let Ok(ev) = crate::audit::input::parse_event(text) {
            e.process(&ev, text);
        }
    }
    e
}

fn is_gzip_file(p: &std::path::Path) -> bool {
    crate::source::gunzip::is_gzip_file(p)
}
