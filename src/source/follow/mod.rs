//! Following a live audit log that grows and rotates (`tail -F`, but exact:
//! analysts triage while the API server writes and rotates the log, so no
//! event may be lost or repeated, and where one may have been, it is said).
//!
//! * Appends are noticed through inotify (a watch on the parent directory also
//!   sees the name created, renamed, deleted) and read at once; a 1 s re-check
//!   catches whatever the watch cannot see. `poll` (NFS, some containers)
//!   stats and reads on an interval instead.
//! * Lines go through [`LineSplitter`]: a partial last line waits for its
//!   newline, an over-long one is skipped rather than buffered.
//! * Rename-and-create (kube-apiserver's own rotation, logrotate `create`) and
//!   deletion: when the path stops naming the open file, its descriptor is
//!   *retired*, not closed: drained before the successor on every read (its
//!   lines are older) until quiet for [`RETIRE_QUIET`], so a writer that has
//!   not reopened yet loses nothing (and [`Follower::not_reopened`] says so).
//!   Several rotations between two looks (a poll interval, a busy reader)
//!   leave whole files in between: the directory is listed and every rotated
//!   file not read yet is read whole, oldest first (`scan_dir`).
//! * Truncation (copytruncate, `> file`): the file shrinking below our offset,
//!   or its first bytes or those before our offset changing (truncated and
//!   regrown past it, even with lines of the same length), starts a new
//!   generation at 0. The copy copytruncate made is found by content and read
//!   from our offset to its end; what was written between the copy and the
//!   truncation is lost to every reader, so a [`Gap`] is reported there.
//! * A run of NUL bytes at a line start (the hole a writer without `O_APPEND`
//!   leaves after a truncation) is skipped as one reported gap; the line after
//!   it is kept.
//!
//! Gaps are data ([`Follower::take_gaps`]) for the TUI status bar and the scan
//! summary. Checked by `tests/follow.rs` (numbered writers: every sequence
//! number read exactly once, or a gap reported) and `scripts/rotation-stress.py`.
//!
//! Line numbers restart at 1 with each file generation, named `path` (or
//! `path (from byte N)` when started at its end: numbers count from there),
//! then `path (after rotation K)`: a reported line is line L of the rotated
//! file (`path.1`, or copytruncate's copy).

/// `KTRIAGE_FOLLOW_TRACE=1`: every rotation decision on stderr (to debug
/// a race after the fact; off by default, one cached env lookup).
macro_rules! trace {
    ($($arg:tt)*) => {
        if $crate::source::follow::tracing() {
            eprintln!("follow: {}", format_args!($($arg)*));
        }
    };
}

pub(crate) fn tracing() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("KTRIAGE_FOLLOW_TRACE").is_some_and(|v| v != "0"))
}

mod gap;
mod generation;
mod rotate;
mod scan_dir;
mod watch;

pub use gap::{Gap, GapKind, MAX_PENDING_GAPS};

use super::SourceError;
use super::read::BLOCK;
use crate::audit::lines::Line;
#[cfg(doc)]
use crate::audit::lines::LineSplitter;
use gap::Gaps;
use generation::{FileId, Generation, file_id};
use scan_dir::{Dir, Known};
use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};
use watch::Watch;

/// The per-line callback: source name, line number (from 1 per file), line.
pub type OnLine<'a> = dyn FnMut(&Arc<str>, u64, Line<'_>) + 'a;

/// Safety re-check with inotify (a few syscalls): bounds the delay for what the
/// watch cannot see (a rotated file moved elsewhere, a lost event).
pub const RECHECK: Duration = Duration::from_secs(1);
/// How often `run` looks at its stop flag while idle.
const STOP_CHECK: Duration = Duration::from_millis(100);
/// A retired file is kept until it has not grown for this long: logrotate
/// `create` signals the writer to reopen only after creating the new file.
pub const RETIRE_QUIET: Duration = Duration::from_secs(30);
/// Listings per rotation while the directory changes under the scan.
const SCAN_TRIES: usize = 3;
/// At most this many retired files stay open (the oldest is finished first).
const MAX_RETIRED: usize = 64;
/// Bytes `run` reads between `after_batch` calls and stop-flag checks, so a
/// large backlog neither delays Ctrl-C nor holds output back.
const RUN_BATCH: u64 = 8 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowOptions {
    /// No inotify: stat and read every `poll_interval`.
    pub poll: bool,
    pub poll_interval: Duration,
    /// false: skip what the file present at `open` holds, except a partial
    /// last line (delivered whole when done). Successors are read whole.
    pub from_start: bool,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            poll: false,
            poll_interval: Duration::from_millis(250),
            from_start: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowState {
    /// Reading the file at the path.
    Following,
    /// Renamed away or deleted: still reading the old descriptor, waiting
    /// for a new file at the path.
    Rotated,
    /// Nothing at the path (not created yet, or gone and no longer read).
    WaitingForFile,
}

/// Intervals are kept sane: at least 1 ms, and short enough not to overflow.
fn sane(d: Duration) -> Duration {
    d.clamp(Duration::from_millis(1), Duration::from_secs(86_400))
}

fn source_name(path: &Path, rotations: u64, start: u64) -> Arc<str> {
    let p = path.display();
    Arc::from(match (rotations, start) {
        (0, 0) => p.to_string(),
        (0, b) => format!("{p} (from byte {b})"),
        (r, _) => format!("{p} (after rotation {r})"),
    })
}

/// Follows one path across appends and rotations. See the module docs.
pub struct Follower {
    path: PathBuf,
    opts: FollowOptions,
    /// The file the path named when we last looked.
    current: Option<Generation>,
    /// Previous files, oldest first, still drained after a rotation or
    /// deletion (and the rotated files found in between).
    retired: Vec<Generation>,
    /// Files we do not hold: there at the start, or read and finished.
    known: HashMap<FileId, Known>,
    dir: Dir,
    /// List the directory for missed rotations at the next open.
    need_scan: bool,
    /// That listing is after a truncation (a listing then raced): files
    /// that may be copies of what we read are told apart as there.
    scan_after_truncation: bool,
    watch: Option<Watch>,
    /// `RECHECK` with a watch, the poll interval without.
    recheck: Duration,
    next_check: Instant,
    buf: Vec<u8>,
    bytes_read: u64,
    rotations: u64,
    /// The first file may start at its end; later ones are rotations.
    opened_any: bool,
    gaps: Gaps,
    /// Rotated files that grew after their successor appeared.
    not_reopened: u64,
}

impl Follower {
    /// Start following `path`. A missing file is not an error: the follower
    /// waits for it. inotify trouble (e.g. the per-user instance limit) falls
    /// back to polling; see [`Follower::polling`].
    pub fn open(path: &Path, opts: FollowOptions) -> Result<Follower, SourceError> {
        // Watch before opening, so nothing between the two goes unseen.
        let watch = (!opts.poll).then(|| Watch::new(path).ok()).flatten();
        let recheck = if watch.is_some() {
            RECHECK
        } else {
            sane(opts.poll_interval)
        };
        let dir = Dir::new(path);
        let mut known = HashMap::new();
        // What is already rotated is not new: only later files are read.
        dir.snapshot(&mut known);
        let mut f = Follower {
            path: path.to_path_buf(),
            opts,
            current: None,
            retired: Vec::new(),
            known,
            dir,
            need_scan: false,
            scan_after_truncation: false,
            watch,
            recheck,
            next_check: Instant::now() + recheck,
            buf: vec![0; BLOCK],
            bytes_read: 0,
            rotations: 0,
            opened_any: false,
            gaps: Gaps::default(),
            not_reopened: 0,
        };
        let path = path.display().to_string();
        f.open_current()
            .map_err(|cause| SourceError::Open { path, cause })?;
        Ok(f)
    }

    /// Set inotify mode's safety re-check interval (tests make it long to
    /// show that wake-ups come from inotify). Ignored when polling.
    pub fn set_recheck_interval(&mut self, every: Duration) {
        if self.watch.is_some() {
            self.recheck = sane(every);
            self.next_check = Instant::now() + self.recheck;
        }
    }

    /// Read everything available now and deliver complete lines; returns the
    /// number of lines delivered. Never blocks waiting for data.
    pub fn read_available(&mut self, on_line: &mut OnLine<'_>) -> Result<usize, SourceError> {
        Ok(self.read_some(u64::MAX, on_line)?.0)
    }

    /// Like `read_available`, but stops after about `max_bytes` (whole
    /// blocks of 1 MiB), so a caller can publish progress or answer commands
    /// during a long backlog. Returns (lines, more): `more` means it stopped
    /// before EOF and should be called again without waiting.
    pub fn read_some(
        &mut self,
        max_bytes: u64,
        on_line: &mut OnLine<'_>,
    ) -> Result<(usize, bool), SourceError> {
        self.read_inner(max_bytes, on_line)
            .map_err(|e| self.read_err(e))
    }

    /// Block until something may have changed (inotify event, poll interval,
    /// or `timeout`), without reading.
    pub fn wait(&mut self, timeout: Duration) {
        self.wait_for(timeout);
    }

    /// Loop `read_available` + `wait` until `stop` is set (looked at least
    /// every 100 ms); `after_batch()` is called after each non-empty batch.
    pub fn run(
        &mut self,
        stop: &AtomicBool,
        on_line: &mut OnLine<'_>,
        after_batch: &mut dyn FnMut(),
    ) -> Result<(), SourceError> {
        let mut due = true;
        while !stop.load(Ordering::Relaxed) {
            if due {
                let (lines, more) = self.read_some(RUN_BATCH, on_line)?;
                if lines > 0 {
                    after_batch();
                }
                if more {
                    continue;
                }
            }
            due = self.wait_for(STOP_CHECK);
        }
        Ok(())
    }

    /// Bytes read from all file generations (for progress and rates).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Times a new file generation was started: renamed or deleted and
    /// replaced, or truncated in place.
    pub fn rotations(&self) -> u64 {
        self.rotations
    }

    pub fn state(&self) -> FollowState {
        match (&self.current, self.retired.is_empty()) {
            (Some(_), _) => FollowState::Following,
            (None, false) => FollowState::Rotated,
            (None, true) => FollowState::WaitingForFile,
        }
    }

    /// True when stat-polling (asked for, or inotify was unavailable).
    pub fn polling(&self) -> bool {
        self.watch.is_none()
    }

    /// The gaps found since the last call, oldest first (at most
    /// [`MAX_PENDING_GAPS`] are kept between calls; [`Follower::gaps_total`]
    /// counts them all).
    pub fn take_gaps(&mut self) -> Vec<Gap> {
        std::mem::take(&mut self.gaps.pending)
    }

    /// Gaps found since `open`, including any not kept for `take_gaps`.
    pub fn gaps_total(&self) -> u64 {
        self.gaps.total
    }

    /// While a rotated file that grew after its successor appeared is still
    /// being drained: where it is now (found by inode in the directory, else
    /// its old path). The writer did not reopen the path.
    pub fn not_reopened(&self) -> Option<PathBuf> {
        self.retired
            .iter()
            .rev()
            .find(|g| g.written_after_successor)
            .map(|g| g.now_at.clone().unwrap_or_else(|| self.path.clone()))
    }

    /// Rotated files that were written after their successor appeared, since
    /// `open` (for the summary: the writer did not reopen the path).
    pub fn not_reopened_total(&self) -> u64 {
        self.not_reopened
    }

    fn read_err(&self, source: io::Error) -> SourceError {
        SourceError::Read {
            path: self.path.display().to_string(),
            cause: source,
        }
    }

    /// Read up to about `budget` bytes: the retired files first, oldest
    /// first, then the file at the path (switching to a successor if there
    /// is one). Returns the lines delivered and whether the budget ran out
    /// before EOF.
    fn read_inner(&mut self, budget: u64, on_line: &mut OnLine<'_>) -> io::Result<(usize, bool)> {
        let mut lines = 0;
        let mut left = budget;
        loop {
            if self.need_scan && self.current.is_some() {
                let truncated = self.scan_after_truncation.then_some(true);
                self.scan_missed(self.current.as_ref().map(|g| g.id), truncated);
            }
            if self.read_retired(&mut left, on_line, &mut lines) {
                return Ok((lines, true));
            }
            if self.current.is_none() {
                if !self.open_current()? {
                    return Ok((lines, false));
                }
                // Rotated files found in between are older: read them first.
                continue;
            }
            if self.current.as_mut().expect("opened above").rewritten()? {
                self.truncated(on_line, &mut lines)?;
                continue; // copies found in between are read first
            }
            let cur = self.current.as_mut().expect("opened above");
            let (n, eof) = cur.read(&mut self.buf, left, on_line, &mut lines, &mut self.gaps)?;
            self.bytes_read += n;
            left = left.saturating_sub(n);
            if std::mem::take(&mut cur.rewritten_under_read) {
                trace!("{} rewritten during a read at {}", cur.source, cur.offset);
                continue; // to `rewritten`: the truncation is handled there
            }
            if !eof {
                return Ok((lines, true));
            }
            if self.after_first_eof()? {
                continue;
            }
            let cur = self.current.as_mut().expect("read above");
            // At EOF: does the path still name this file?
            match fs::metadata(&self.path) {
                Ok(m) if file_id(&m) == cur.id => return Ok((lines, false)),
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            // Renamed or deleted: drained to EOF just now, and drained again
            // on later reads until quiet; rotations in between are looked
            // for at the next open.
            let mut cur = self.current.take().expect("read above");
            trace!("retired {} at {}", cur.source, cur.offset);
            cur.last_growth = Instant::now(); // the quiet period starts now
            cur.drained = true;
            self.retired.push(cur);
            self.need_scan = true;
            self.scan_after_truncation = false;
        }
    }

    /// Wait for an event that may matter, the re-check/poll tick, or
    /// `timeout`; true unless only the timeout passed.
    fn wait_for(&mut self, timeout: Duration) -> bool {
        let start = Instant::now();
        loop {
            let now = Instant::now();
            if now >= self.next_check {
                self.next_check = now + self.recheck;
                if let Some(w) = self.watch.as_mut() {
                    w.rewatch();
                }
                return true;
            }
            let left = timeout.saturating_sub(now - start);
            if left.is_zero() {
                return false;
            }
            let until = left.min(self.next_check - now);
            let any_name = !self.retired.is_empty();
            let Some(w) = self.watch.as_ref() else {
                std::thread::sleep(until);
                continue;
            };
            match w.rx.recv_timeout(until) {
                Ok(ev) => {
                    // Coalesce a burst into one wake-up.
                    let mut hit = w.relevant(&ev, any_name);
                    while let Ok(ev) = w.rx.try_recv() {
                        hit |= w.relevant(&ev, any_name);
                    }
                    if hit {
                        return true;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    // The watcher's thread is gone: poll from now on.
                    self.watch = None;
                    self.recheck = sane(self.opts.poll_interval);
                    self.next_check = Instant::now();
                }
            }
        }
    }
}
