//! The live stream of `scan --follow PATH`, `scan --follow -` and `scan -`
//! on a pipe: each alert the moment it fires, again whenever it grows, and
//! at the end (a signal, or the end of the input) the pending updates, the
//! incidents, one `kind: "summary"` record and the documented exit code.
//!
//! The engine says what changed (`Engine::take_changed_alerts`, without a
//! clock); the wall-clock rate limit lives here: an alert is written again
//! at most once per [`UPDATE_EVERY`], so a burst of 10,000 reads gives a
//! few lines, not 10,000, yet every audit ID that joined reaches the
//! stream (`new_audit_ids`), and nothing pending is dropped at exit.
//!
//! Stdin is read by a thread that sends blocks through a bounded channel,
//! so the loop can flush on quiet and look at the stop flag while a read
//! blocks. The flag is set by SIGINT, SIGTERM or SIGHUP; a second signal
//! ends the process at once (exit 2).

use super::{Format, ScanArgs, fail_code, summary, want_color};
use anyhow::{Result, bail};
use ktriage::audit::input::{Format as InputFormat, detect_format};
use ktriage::audit::lines::{DEFAULT_MAX_LINE, LineSplitter};
use ktriage::detect::Engine;
use ktriage::pipeline::Ingest;
use ktriage::report;
use ktriage::source::{self, follow::Follower, read::BLOCK};
use std::collections::BTreeSet;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

/// An alert is written again at most this often while it keeps growing.
pub const UPDATE_EVERY: Duration = Duration::from_millis(250);
/// ... and no more often than this many times the time its last line took
/// to build and write: each line is the whole alert, and one with 200,000
/// secret names takes tens of ms, so rewriting it every 250 ms would cost
/// more than judging the burst (measured: 1.6× the scan time). With 20,
/// rewriting stays under ~5% of the time whatever the alert's size.
const COST_FACTOR: u32 = 20;
/// Longest wait for input before the loop looks at its flags again.
const TICK: Duration = Duration::from_millis(250);
/// Input quiet this long: judge the RequestReceived stages still waiting
/// for a later stage (they may never get one).
const QUIET_FLUSH: Duration = Duration::from_millis(500);
/// `scan -` on a pipe streams once the pipe has gone quiet or has been
/// read this long; a quick finite pipe (`zcat x.gz |`) ends first and
/// prints like a batch scan.
const LIVE_AFTER: Duration = Duration::from_secs(1);
/// Bytes read between two looks at the flags and the printer.
const STEP_BYTES: u64 = 8 << 20;

/// What the stream shows of one alert.
#[derive(Default)]
struct Shown {
    /// Lines written for it so far (its `revision` in this stream).
    revision: u64,
    /// Earliest time of its next line.
    next: Option<Instant>,
    /// Audit IDs that joined since its last line.
    joined: Vec<String>,
    dirty: bool,
}

/// Alerts that changed, and when each was last written.
struct Printer {
    /// Indexed by `Alert::seq` (creation order; alerts are never removed).
    shown: Vec<Shown>,
    dirty: BTreeSet<usize>,
    text: Option<report::text::Style>,
}

impl Printer {
    fn collect(&mut self, engine: &mut Engine) {
        for c in engine.take_changed_alerts() {
            let i = c.alert.seq as usize;
            if self.shown.len() <= i {
                self.shown.resize_with(i + 1, Shown::default);
            }
            let s = &mut self.shown[i];
            s.joined.extend(c.joined);
            s.dirty = true;
            self.dirty.insert(i);
        }
    }

    /// How long until the first pending update is due.
    fn next_due(&self, now: Instant) -> Option<Duration> {
        self.dirty
            .iter()
            .map(|&i| {
                self.shown[i]
                    .next
                    .map_or(Duration::ZERO, |t| t.saturating_duration_since(now))
            })
            .min()
    }

    /// Write every changed alert that is due: new ones at once, updates
    /// once [`UPDATE_EVERY`] (or [`COST_FACTOR`] × what its last line cost)
    /// has passed since the alert's last line; all of them when `force`.
    fn emit(&mut self, engine: &Engine, out: &mut dyn Write, force: bool) -> io::Result<()> {
        let now = Instant::now();
        let alerts = engine.alerts();
        let mut written = Vec::new();
        for &i in &self.dirty {
            let s = &mut self.shown[i];
            let due = force || s.next.is_none_or(|t| now >= t);
            if !due || !s.dirty {
                continue;
            }
            let a = &alerts[i];
            let began = Instant::now();
            s.revision += 1;
            match &self.text {
                Some(style) if s.revision == 1 => report::text::write_alert(out, a, style)?,
                Some(_) => writeln!(
                    out,
                    "  updated {} {} {}: {}, {} (+{} since the last line)",
                    a.id,
                    a.rule,
                    report::inert_name(&a.identity),
                    ktriage::words::count_of(a.event_count, "request", "requests"),
                    ktriage::words::count_of(a.secrets.len(), "secret", "secrets"),
                    ktriage::words::count_of(s.joined.len(), "audit ID", "audit IDs")
                )?,
                None => report::jsonl::write_line(
                    out,
                    &report::jsonl::stream_alert_line(a, s.revision, Some(&s.joined)),
                )?,
            }
            // Released, not kept: a burst can put 100k IDs between two lines.
            s.joined = Vec::new();
            s.dirty = false;
            s.next = Some(now + UPDATE_EVERY.max(began.elapsed() * COST_FACTOR));
            written.push(i);
        }
        for i in written {
            self.dirty.remove(&i);
        }
        out.flush()
    }
}

/// Where the stream's lines come from.
enum Feed {
    File(Box<Follower>),
    Stdin(StdinFeed),
}

struct StdinFeed {
    rx: Receiver<io::Result<Vec<u8>>>,
    src: Arc<str>,
    splitter: LineSplitter,
    /// Bytes read before the format is known (a first line, or a block).
    head: Option<Vec<u8>>,
    /// A whole document (JSON array, `EventList`): judged at its end.
    document: Option<Vec<u8>>,
}

/// One read step: lines (or bytes) taken, whether it waited a whole tick
/// for nothing, and whether the input ended.
struct Step {
    taken: usize,
    quiet: bool,
    eof: bool,
}

impl Feed {
    /// Read what is there, after waiting up to `wait` for something.
    fn step(&mut self, ingest: &mut Ingest, wait: Option<Duration>) -> Result<Step> {
        match self {
            Feed::File(f) => {
                if let Some(w) = wait {
                    f.wait(w);
                }
                let (n, _) = f.read_some(STEP_BYTES, &mut |src, no, line| {
                    ingest.line(src, no, line);
                })?;
                // Every possible loss the follower saw goes in the summary.
                for g in f.take_gaps() {
                    if ingest.stats.gaps.len() < 1000 {
                        ingest
                            .stats
                            .gaps
                            .push(ktriage::report::inert(&g.to_string()).into_owned());
                    }
                }
                Ok(Step {
                    taken: n,
                    quiet: wait.is_some_and(|w| w >= TICK) && n == 0,
                    eof: false,
                })
            }
            Feed::Stdin(s) => Ok(s.step(ingest, wait)),
        }
    }
}

impl StdinFeed {
    fn start() -> StdinFeed {
        // Bounded: a slow engine holds the pipe back instead of memory.
        let (tx, rx) = std::sync::mpsc::sync_channel(16);
        std::thread::spawn(move || {
            let mut r = match source::read::maybe_gunzip(Box::new(io::stdin())) {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            loop {
                let mut buf = vec![0u8; BLOCK];
                match r.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.send(Ok(buf)).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        });
        StdinFeed {
            rx,
            src: Arc::from("(stdin)"),
            splitter: LineSplitter::new(DEFAULT_MAX_LINE),
            head: Some(Vec::new()),
            document: None,
        }
    }

    fn step(&mut self, ingest: &mut Ingest, wait: Option<Duration>) -> Step {
        let mut step = Step {
            taken: 0,
            quiet: false,
            eof: false,
        };
        let mut got = 0u64;
        let mut first = true;
        while got < STEP_BYTES {
            let msg = if let Some(w) = wait.filter(|_| first) {
                match self.rx.recv_timeout(w) {
                    Ok(m) => Some(m),
                    Err(RecvTimeoutError::Timeout) => {
                        step.quiet = w >= TICK;
                        None
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        step.eof = true;
                        None
                    }
                }
            } else {
                match self.rx.try_recv() {
                    Ok(m) => Some(m),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => {
                        step.eof = true;
                        None
                    }
                }
            };
            first = false;
            match msg {
                Some(Ok(block)) => {
                    got += block.len() as u64;
                    ingest.stats.bytes += block.len() as u64;
                    step.taken += self.feed(ingest, block);
                }
                Some(Err(e)) => {
                    ingest.input_mut().damage = Some(format!("error reading (stdin): {e}"));
                    step.eof = true;
                    break;
                }
                None => break,
            }
        }
        if step.eof {
            self.end(ingest);
        }
        step
    }

    /// Lines judged from this block (1 for a block of a document).
    fn feed(&mut self, ingest: &mut Ingest, block: Vec<u8>) -> usize {
        if let Some(doc) = &mut self.document {
            doc.extend_from_slice(&block);
            return 1;
        }
        let block = match self.head.take() {
            None => block,
            Some(mut head) => {
                head.extend_from_slice(&block);
                // Detect the format on a whole first line (or a block).
                if memchr::memchr(b'\n', &head).is_none() && head.len() < BLOCK {
                    self.head = Some(head);
                    return 0;
                }
                if detect_format(&head) == InputFormat::Document {
                    self.document = Some(head);
                    return 1;
                }
                head
            }
        };
        let mut n = 0;
        let src = &self.src;
        self.splitter.feed(&block, &mut |no, line| {
            n += 1;
            ingest.line(src, no, line);
        });
        n
    }

    fn end(&mut self, ingest: &mut Ingest) {
        if let Some(head) = self.head.take() {
            if detect_format(&head) == InputFormat::Document {
                self.document = Some(head);
            } else {
                let src = &self.src;
                self.splitter.feed(&head, &mut |no, line| {
                    ingest.line(src, no, line);
                });
            }
        }
        if let Some(doc) = self.document.take() {
            source::read::read_document(&self.src, &doc, ingest);
        }
        let src = &self.src;
        self.splitter.finish(&mut |no, line| {
            ingest.line(src, no, line);
        });
    }
}

/// SIGINT, SIGTERM, SIGHUP: one flag each, so the summary can name it.
fn stop_flags() -> Result<Vec<(&'static str, Arc<AtomicBool>)>> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let any = Arc::new(AtomicBool::new(false));
    let mut flags = Vec::new();
    for (sig, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")] {
        let f = Arc::new(AtomicBool::new(false));
        // A second signal (any of them) ends at once.
        signal_hook::flag::register_conditional_shutdown(sig, 2, any.clone())?;
        signal_hook::flag::register(sig, any.clone())?;
        signal_hook::flag::register(sig, f.clone())?;
        flags.push((name, f));
    }
    Ok(flags)
}

/// `scan --follow PATH` or `scan --follow -`.
pub fn follow(args: &ScanArgs, mut ingest: Ingest) -> Result<i32> {
    let [path] = args.paths.as_slice() else {
        bail!("--follow takes exactly one PATH (or - for stdin)")
    };
    if args.format == Some(Format::Markdown) {
        bail!("--follow streams jsonl or text; use --format jsonl or text");
    }
    let (feed, set) = if path.as_os_str() == "-" {
        (Feed::Stdin(StdinFeed::start()), stdin_set())
    } else {
        let opts = source::follow::FollowOptions {
            poll: args.poll,
            ..Default::default()
        };
        let f = Follower::open(path, opts)?;
        let set = source::InputSet {
            inputs: vec![source::Input::File(path.clone())],
            ..Default::default()
        };
        (Feed::File(Box::new(f)), set)
    };
    run(args, feed, &set, &mut ingest, true)
}

/// `scan -` (or no path) reading a pipe: streams once it proves live.
pub fn stdin(args: &ScanArgs, mut ingest: Ingest) -> Result<i32> {
    let set = stdin_set();
    run(
        args,
        Feed::Stdin(StdinFeed::start()),
        &set,
        &mut ingest,
        false,
    )
}

fn stdin_set() -> source::InputSet {
    source::InputSet {
        inputs: vec![source::Input::Stdin],
        ..Default::default()
    }
}

/// Whether stdin is a pipe, socket or terminal rather than a regular file
/// (which a batch scan reads faster, on several threads).
pub fn stdin_streams() -> bool {
    use std::os::fd::AsFd;
    let Ok(fd) = io::stdin().as_fd().try_clone_to_owned() else {
        return false;
    };
    std::fs::File::from(fd)
        .metadata()
        .is_ok_and(|m| !m.file_type().is_file())
}

fn run(
    args: &ScanArgs,
    mut feed: Feed,
    set: &source::InputSet,
    ingest: &mut Ingest,
    mut live: bool,
) -> Result<i32> {
    let flags = stop_flags()?;
    ingest.engine.track_joined();
    let name = set.inputs.first().map_or_else(String::new, |i| i.name());
    ingest.add_input(&name);
    let text = args.format == Some(Format::Text) || (!live && args.format.is_none());
    let style = || report::text::Style {
        color: want_color(args.color),
    };
    let mut printer = Printer {
        shown: Vec::new(),
        dirty: BTreeSet::new(),
        text: text.then(style),
    };
    let mut out = io::stdout().lock();
    let started = Instant::now();
    let mut last_data = Instant::now();
    let mut flushed = true;
    let mut wait = None;
    // Where the last rotated file the writer kept appending to was seen.
    let mut not_reopened_at = None;
    let ended_by = loop {
        if let Some((name, _)) = flags.iter().find(|(_, f)| f.load(Ordering::Relaxed)) {
            break *name;
        }
        let step = feed.step(ingest, wait)?;
        if let Feed::File(f) = &feed {
            not_reopened_at = f.not_reopened().or(not_reopened_at);
        }
        if step.taken > 0 {
            last_data = Instant::now();
            flushed = false;
        } else if !flushed && last_data.elapsed() > QUIET_FLUSH {
            ingest.finish();
            flushed = true;
        }
        live |= step.quiet || started.elapsed() > LIVE_AFTER;
        if step.eof {
            break "end of input";
        }
        printer.collect(&mut ingest.engine);
        if live {
            printer.emit(&ingest.engine, &mut out, false)?;
        }
        // Idle: wait for input, but not past the next update due.
        wait = (step.taken == 0).then(|| {
            printer
                .next_due(Instant::now())
                .filter(|_| live)
                .map_or(TICK, |d| d.clamp(Duration::from_millis(5), TICK))
        });
    };
    ingest.finish();
    printer.collect(&mut ingest.engine);
    let not_reopened = match &feed {
        Feed::File(f) => f.not_reopened_total(),
        Feed::Stdin(_) => 0,
    };
    // The stream is over: free the rules' running state first.
    ingest.engine.end_input();
    let incidents = ingest.engine.incidents();
    let mut out = io::BufWriter::new(out);
    if text {
        // The final report is the whole current state: the alert blocks
        // already printed are in it, with their growth.
        let errors = super::input_errors(ingest);
        if !errors.is_empty() {
            writeln!(
                out,
                "NOT JUDGED: {}; what follows covers only what could be read:",
                ktriage::words::count_of(errors.len(), "input problem", "input problems")
            )?;
            for e in &errors {
                writeln!(out, "  {}", report::inert(e))?;
            }
        }
        if printer.shown.iter().any(|s| s.revision > 0) {
            writeln!(out, "\nStream ended ({ended_by}). Final report:\n")?;
        }
        if !errors.is_empty() && incidents.is_empty() {
            writeln!(out, "No alerts in what could be read.")?;
        } else {
            report::text::write(&mut out, ingest.engine.alerts(), &incidents, &style())?;
        }
    } else {
        printer.emit(&ingest.engine, &mut out, true)?;
        report::jsonl::write_incidents(&mut out, ingest.engine.alerts(), &incidents)?;
        let mut s = report::summary::summary_line(ingest, incidents.len());
        s.ended_by = Some(ended_by);
        s.not_reopened = not_reopened;
        report::jsonl::write_line(&mut out, &s)?;
    }
    out.flush()?;
    drop(out);
    let gone = summary(ingest, set, incidents.len(), args.verbose);
    if not_reopened > 0 {
        // Not a loss (each such file was drained), but the writer is not
        // doing what its rotation expects: next to the gaps, said.
        let at = not_reopened_at.map_or_else(String::new, |p| {
            format!(" (last at {})", report::inert(&p.display().to_string()))
        });
        eprintln!(
            "ktriage: NOTE: the writer did not reopen {} after rotation: {not_reopened} renamed file(s) kept growing after a new file appeared{at}; each was read to its end",
            report::inert(&name)
        );
    }
    if gone {
        return Ok(2);
    }
    Ok(fail_code(&ingest.engine, args.fail_on))
}
