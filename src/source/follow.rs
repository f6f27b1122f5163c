//! Following a live audit log that grows and rotates (`tail -F`, but exact:
//! analysts triage while the API server writes and rotates the log, so no
//! event may be lost or repeated).
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
//!   not reopened yet loses nothing. The successor is read from offset 0.
//! * copytruncate: the file shrinking below our offset, or the bytes before our
//!   offset changing (truncated and regrown past it before we looked), means
//!   starting over at 0, dropping any partial line.
//!
//! Line numbers restart at 1 with each file generation, named `path` (or
//! `path (from byte N)` when started at its end: numbers count from there),
//! then `path (after rotation K)`: a reported line is line L of the rotated
//! file (`path.1`, or copytruncate's copy).

use super::SourceError;
use super::read::BLOCK;
use crate::audit::lines::{DEFAULT_MAX_LINE, Line, LineSplitter};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::ffi::OsString;
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

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
/// Bytes `run` reads between `after_batch` calls and stop-flag checks, so a
/// large backlog neither delays Ctrl-C nor holds output back.
const RUN_BATCH: u64 = 8 << 20;
/// How many bytes before our offset are compared to detect a rewritten file.
const FINGERPRINT: usize = 32;

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

/// (device, inode): what "the same file" means across renames.
type FileId = (u64, u64);

#[cfg(unix)]
fn file_id(m: &Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

/// Without inodes only copytruncate-style rotation is detected.
#[cfg(not(unix))]
fn file_id(_: &Metadata) -> FileId {
    (0, 0)
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

/// One file generation: an open descriptor and where we are in it.
struct Generation {
    file: File,
    id: FileId,
    offset: u64,
    splitter: LineSplitter,
    source: Arc<str>,
    /// The last bytes read (those just before `offset`), to tell appends from
    /// a truncate-and-regrow.
    tail: Vec<u8>,
    last_growth: Instant,
}

impl Generation {
    fn new(file: File, id: FileId, source: Arc<str>) -> Self {
        Generation {
            file,
            id,
            offset: 0,
            splitter: LineSplitter::new(DEFAULT_MAX_LINE),
            source,
            tail: Vec::with_capacity(FINGERPRINT),
            last_growth: Instant::now(),
        }
    }

    fn remember(&mut self, data: &[u8]) {
        let data = &data[data.len().saturating_sub(FINGERPRINT)..];
        let excess = (self.tail.len() + data.len()).saturating_sub(FINGERPRINT);
        self.tail.drain(..excess);
        self.tail.extend_from_slice(data);
    }

    /// Was the file truncated (and maybe rewritten) under us? Shrinking below
    /// the offset is the common sign; if it already regrew past it, the bytes
    /// before the offset are no longer the ones we read.
    fn rewritten(&mut self) -> io::Result<bool> {
        let size = self.file.metadata()?.len();
        if size < self.offset {
            return Ok(true);
        }
        if size == self.offset || self.tail.is_empty() {
            return Ok(false);
        }
        let k = self.tail.len();
        self.file.seek(SeekFrom::Start(self.offset - k as u64))?;
        let mut got = [0u8; FINGERPRINT];
        // Leaves the position at `offset` when it succeeds.
        let same = self.file.read_exact(&mut got[..k]).is_ok() && got[..k] == self.tail[..];
        Ok(!same)
    }

    /// Skip existing content: start after the last newline, so a line being
    /// written is still delivered whole. With no newline in the last block
    /// (as long as the splitter's cap), the last line is reported too long.
    fn skip_to_tail(&mut self, buf: &mut [u8], len: u64) -> io::Result<()> {
        let from = len.saturating_sub(buf.len() as u64);
        self.file.seek(SeekFrom::Start(from))?;
        let block = &mut buf[..(len - from) as usize];
        self.file.read_exact(block)?;
        let keep = memchr::memrchr(b'\n', block).map_or(0, |i| i + 1);
        self.offset = from + keep as u64;
        self.remember(&block[..keep]);
        self.file.seek(SeekFrom::Start(self.offset))?;
        Ok(())
    }

    /// Start over at offset 0 as a new generation (copytruncate).
    fn restart(&mut self, source: Arc<str>) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(0))?;
        self.offset = 0;
        // A fresh splitter drops the partial line held from the old content.
        self.splitter = LineSplitter::new(DEFAULT_MAX_LINE);
        self.source = source;
        self.tail.clear();
        Ok(())
    }

    /// Read up to EOF or about `budget` bytes; returns (bytes, reached EOF).
    fn read(
        &mut self,
        buf: &mut [u8],
        budget: u64,
        on_line: &mut OnLine<'_>,
        lines: &mut usize,
    ) -> io::Result<(u64, bool)> {
        let mut total = 0u64;
        while total < budget {
            let n = match self.file.read(buf) {
                Ok(0) => return Ok((total, true)),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            total += n as u64;
            self.offset += n as u64;
            self.last_growth = Instant::now();
            self.remember(&buf[..n]);
            let source = &self.source;
            self.splitter.feed(&buf[..n], &mut |no, line| {
                *lines += 1;
                on_line(source, no, line);
            });
        }
        Ok((total, false))
    }

    /// The file is done: a last line without a newline is still a line.
    fn finish(mut self, on_line: &mut OnLine<'_>, lines: &mut usize) {
        let source = &self.source;
        self.splitter.finish(&mut |no, line| {
            *lines += 1;
            on_line(source, no, line);
        });
    }
}

/// The inotify side: a watch on the directory holding the path, which sees
/// writes to the file as well as its creation, renaming and deletion. (If the
/// path is a symlink into another directory, appends are seen at the re-check.)
struct Watch {
    watcher: RecommendedWatcher,
    rx: Receiver<notify::Result<notify::Event>>,
    dir: PathBuf,
    /// The directory's identity when watched (`None`: missing or not
    /// watchable yet, retried at each re-check).
    dir_id: Option<FileId>,
    name: Option<OsString>,
}

impl Watch {
    fn new(path: &Path) -> notify::Result<Watch> {
        let (tx, rx) = mpsc::channel();
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let mut w = Watch {
            watcher: notify::recommended_watcher(tx)?,
            rx,
            dir: dir.unwrap_or(Path::new(".")).to_path_buf(),
            dir_id: None,
            name: path.file_name().map(OsString::from),
        };
        w.rewatch();
        Ok(w)
    }

    /// (Re-)watch the directory if it was missing or has been replaced.
    fn rewatch(&mut self) {
        let now = fs::metadata(&self.dir).ok().map(|m| file_id(&m));
        if now.is_some() && now != self.dir_id {
            let ok = self
                .watcher
                .watch(&self.dir, RecursiveMode::NonRecursive)
                .is_ok();
            self.dir_id = if ok { now } else { None };
        }
    }

    /// Could this event mean there is something to read? Opens and closes
    /// (ours included) do not; while a retired file is being drained, any
    /// write in the directory may be to it under its new name.
    fn relevant(&self, ev: &notify::Result<notify::Event>, any_name: bool) -> bool {
        let Ok(ev) = ev else { return true };
        let ours = || {
            ev.paths
                .iter()
                .any(|p| p.file_name() == self.name.as_deref())
        };
        ev.need_rescan() || (!matches!(ev.kind, EventKind::Access(_)) && (any_name || ours()))
    }
}

/// Follows one path across appends and rotations. See the module docs.
pub struct Follower {
    path: PathBuf,
    opts: FollowOptions,
    /// The file the path named when we last looked.
    current: Option<Generation>,
    /// The previous file, still drained after a rotation or deletion.
    retired: Option<Generation>,
    watch: Option<Watch>,
    /// `RECHECK` with a watch, the poll interval without.
    recheck: Duration,
    next_check: Instant,
    buf: Vec<u8>,
    bytes_read: u64,
    rotations: u64,
    /// The first file may start at its end; later ones are rotations.
    opened_any: bool,
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
        let mut f = Follower {
            path: path.to_path_buf(),
            opts,
            current: None,
            retired: None,
            watch,
            recheck,
            next_check: Instant::now() + recheck,
            buf: vec![0; BLOCK],
            bytes_read: 0,
            rotations: 0,
            opened_any: false,
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
        match (&self.current, &self.retired) {
            (Some(_), _) => FollowState::Following,
            (None, Some(_)) => FollowState::Rotated,
            (None, None) => FollowState::WaitingForFile,
        }
    }

    /// True when stat-polling (asked for, or inotify was unavailable).
    pub fn polling(&self) -> bool {
        self.watch.is_none()
    }

    fn read_err(&self, source: io::Error) -> SourceError {
        SourceError::Read {
            path: self.path.display().to_string(),
            cause: source,
        }
    }

    /// Read up to about `budget` bytes: the retired file first, then the file
    /// at the path (switching to a successor if there is one). Returns the
    /// lines delivered and whether the budget ran out before EOF.
    fn read_inner(&mut self, budget: u64, on_line: &mut OnLine<'_>) -> io::Result<(usize, bool)> {
        let mut lines = 0;
        let mut left = budget;
        if let Some(old) = self.retired.as_mut() {
            // One that cannot be read any more (NFS: deleted on the server)
            // is as good as quiet: it is not worth failing the follow for.
            let read = old.read(&mut self.buf, left, on_line, &mut lines);
            let (n, eof) = read.unwrap_or((0, true));
            self.bytes_read += n;
            left = left.saturating_sub(n);
            if !eof {
                return Ok((lines, true));
            }
            if old.last_growth.elapsed() >= RETIRE_QUIET {
                if let Some(old) = self.retired.take() {
                    old.finish(on_line, &mut lines);
                }
            }
        }
        loop {
            if self.current.is_none() && !self.open_current()? {
                return Ok((lines, false));
            }
            let cur = self.current.as_mut().expect("opened above");
            if cur.rewritten()? {
                self.rotations += 1;
                cur.restart(source_name(&self.path, self.rotations, 0))?;
            }
            let (n, eof) = cur.read(&mut self.buf, left, on_line, &mut lines)?;
            self.bytes_read += n;
            left = left.saturating_sub(n);
            if !eof {
                return Ok((lines, true));
            }
            // At EOF: does the path still name this file?
            match fs::metadata(&self.path) {
                Ok(m) if file_id(&m) == cur.id => return Ok((lines, false)),
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            // Renamed or deleted: drained to EOF just now, and drained again
            // on later reads until quiet. An older retired file is finished.
            let mut cur = self.current.take();
            if let Some(g) = cur.as_mut() {
                g.last_growth = Instant::now(); // the quiet period starts now
            }
            if let Some(older) = std::mem::replace(&mut self.retired, cur) {
                older.finish(on_line, &mut lines);
            }
        }
    }

    /// Open whatever the path names now, if anything; true if opened.
    fn open_current(&mut self) -> io::Result<bool> {
        let file = match File::open(&self.path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            r => r?,
        };
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::other("is a directory"));
        }
        let id = file_id(&meta);
        // Renamed away and back: resume it rather than read it again.
        if self.retired.as_ref().is_some_and(|g| g.id == id) {
            self.current = self.retired.take();
            return Ok(true);
        }
        let first = !self.opened_any;
        self.rotations += u64::from(!first);
        self.opened_any = true;
        let mut g = Generation::new(file, id, source_name(&self.path, self.rotations, 0));
        if first && !self.opts.from_start && meta.len() > 0 {
            g.skip_to_tail(&mut self.buf, meta.len())?;
            g.source = source_name(&self.path, 0, g.offset);
        }
        self.current = Some(g);
        Ok(true)
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
            let any_name = self.retired.is_some();
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
