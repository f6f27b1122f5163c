//! The follower against real files in a temp dir: appends, partial lines,
//! rename-and-create, copytruncate, deletion, poll mode, stopping.
//!
//! Deterministic: each step writes first and then reads, so the expected
//! sequence does not depend on when the follower happens to look; time only
//! enters as deadlines (5 s to see the expected lines).

use ktriage::audit::lines::Line;
use ktriage::source::follow::{FollowOptions, FollowState, Follower};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(5);

/// (source, line number, text) per delivered line.
type Got = Vec<(String, u64, String)>;

fn text(line: Line<'_>) -> String {
    match line {
        Line::Text(t) => String::from_utf8_lossy(t).into_owned(),
        Line::Large(l) => format!("<large {}>", l.bytes),
    }
}

fn read(f: &mut Follower, out: &mut Got) -> usize {
    f.read_available(&mut |src, no, line| out.push((src.to_string(), no, text(line))))
        .unwrap()
}

/// Read and wait until `out` holds `want` lines (or fail at the deadline),
/// then read once more: nothing else may arrive (no repeats, no early
/// partial lines).
fn collect(f: &mut Follower, out: &mut Got, want: usize) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        read(f, out);
        if out.len() >= want {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "timed out at {}/{want} lines: {:?}",
            out.len(),
            out.iter()
                .map(|(s, n, t)| format!("{s}:{n}:{}", &t[..t.len().min(24)]))
                .collect::<Vec<_>>()
        );
        f.wait(Duration::from_millis(50));
    }
    read(f, out);
    assert_eq!(out.len(), want, "unexpected extra lines: {out:?}");
}

fn texts(out: &Got) -> Vec<&str> {
    out.iter().map(|(_, _, t)| t.as_str()).collect()
}

/// What a log writer holds: the file opened for appending (created if need be).
fn appender(path: &Path) -> File {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap()
}

fn put(w: &mut File, s: &str) {
    w.write_all(s.as_bytes()).unwrap();
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    (dir, path)
}

fn poll_opts() -> FollowOptions {
    FollowOptions {
        poll: true,
        poll_interval: Duration::from_millis(20),
        ..Default::default()
    }
}

#[test]
fn follower_is_send() {
    fn send<T: Send>() {}
    send::<Follower>();
}

#[test]
fn appended_lines_and_a_partial_line_held_until_its_newline() {
    let (_dir, path) = setup();
    let mut w = appender(&path);
    put(&mut w, "a1\n");
    let mut f = Follower::open(&path, FollowOptions::default()).unwrap();
    let mut out = Got::new();
    collect(&mut f, &mut out, 1);
    put(&mut w, "a2\n{\"partial\":");
    collect(&mut f, &mut out, 2); // the partial line is held
    put(&mut w, "true}\na3\n");
    collect(&mut f, &mut out, 4);
    let p = path.display().to_string();
    let want: Got = [(1, "a1"), (2, "a2"), (3, "{\"partial\":true}"), (4, "a3")]
        .map(|(n, t)| (p.clone(), n, t.to_string()))
        .into();
    assert_eq!(out, want);
    assert_eq!(f.bytes_read(), fs::metadata(&path).unwrap().len());
    assert_eq!((f.state(), f.rotations()), (FollowState::Following, 0));
}

#[test]
fn inotify_wakes_wait_at_once() {
    let (_dir, path) = setup();
    let mut w = appender(&path);
    let mut f = Follower::open(&path, FollowOptions::default()).unwrap();
    if f.polling() {
        eprintln!("inotify unavailable here: nothing to test");
        return;
    }
    // With the safety re-check an hour away, only an inotify event can end
    // the wait early.
    f.set_recheck_interval(Duration::from_secs(3600));
    let mut out = Got::new();
    assert_eq!(read(&mut f, &mut out), 0);
    let writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        put(&mut w, "x1\n");
    });
    let t = Instant::now();
    f.wait(Duration::from_secs(10));
    let waited = t.elapsed();
    writer.join().unwrap();
    eprintln!("woken after {waited:?}");
    assert!(
        waited < DEADLINE,
        "wait was not woken by the append ({waited:?})"
    );
    assert_eq!(read(&mut f, &mut out), 1);
    assert_eq!(texts(&out), ["x1"]);
}

/// Rename-and-create with a writer that keeps writing to its old descriptor
/// for a while, before and after the new file appears, as under logrotate
/// `create` until the writer is told to reopen. `look_between`: the follower
/// reads after every step (so it sees the path missing, then the new file
/// with the old one still growing); otherwise it only looks at the end.
fn rename_rotation(opts: FollowOptions, look_between: bool) {
    let (_dir, path) = setup();
    let mut old = appender(&path);
    put(&mut old, "a1\na2\n");
    let mut f = Follower::open(&path, opts).unwrap();
    let mut out = Got::new();
    collect(&mut f, &mut out, 2);

    fs::rename(&path, path.with_extension("log.1")).unwrap();
    put(&mut old, "b1\n");
    if look_between {
        collect(&mut f, &mut out, 3);
        assert_eq!(f.state(), FollowState::Rotated);
    }
    put(&mut old, "b2\n");
    let mut new = appender(&path);
    put(&mut old, "b3\n");
    put(&mut new, "c1\nc2\n");
    collect(&mut f, &mut out, 7);
    assert_eq!((f.state(), f.rotations()), (FollowState::Following, 1));
    // A straggler to the old file after the follower moved on.
    put(&mut old, "b4\n");
    put(&mut new, "c3\n");
    collect(&mut f, &mut out, 9);

    assert_eq!(
        texts(&out),
        ["a1", "a2", "b1", "b2", "b3", "c1", "c2", "b4", "c3"]
    );
    let p = path.display().to_string();
    let rotated = format!("{p} (after rotation 1)");
    let where_: Vec<(&str, u64)> = out.iter().map(|(s, n, _)| (s.as_str(), *n)).collect();
    let (o, r) = (p.as_str(), rotated.as_str());
    assert_eq!(
        where_,
        [
            (o, 1),
            (o, 2),
            (o, 3),
            (o, 4),
            (o, 5),
            (r, 1),
            (r, 2),
            (o, 6),
            (r, 3)
        ]
    );
    assert_eq!(f.bytes_read(), 27);
    // b4 came after the new file appeared: the writer did not reopen.
    assert_eq!(f.not_reopened(), Some(path.with_extension("log.1")));
    assert_eq!(f.not_reopened_total(), 1);
    assert_eq!(f.take_gaps(), []);
}

#[test]
fn rename_and_create_looking_between_steps() {
    rename_rotation(FollowOptions::default(), true);
}

#[test]
fn rename_and_create_looking_only_at_the_end() {
    rename_rotation(FollowOptions::default(), false);
}

#[test]
fn poll_mode_rename_and_create_looking_between_steps() {
    rename_rotation(poll_opts(), true);
}

#[test]
fn poll_mode_rename_and_create_looking_only_at_the_end() {
    rename_rotation(poll_opts(), false);
}

fn copytruncate(opts: FollowOptions) {
    let (_dir, path) = setup();
    let mut w = appender(&path);
    put(&mut w, "l1\nl2\nl3\npartial-");
    let mut f = Follower::open(&path, opts).unwrap();
    let mut out = Got::new();
    collect(&mut f, &mut out, 3);
    fs::copy(&path, path.with_extension("log.1")).unwrap();
    File::create(&path).unwrap(); // truncates
    put(&mut w, "n1\nn2\n"); // O_APPEND: lands at the new end, 0
    collect(&mut f, &mut out, 5);
    // The partial line held from before the truncation is dropped.
    assert_eq!(texts(&out), ["l1", "l2", "l3", "n1", "n2"]);
    let p = path.display().to_string();
    assert_eq!(out[3], (format!("{p} (after rotation 1)"), 1, "n1".into()));
    assert_eq!((f.state(), f.rotations()), (FollowState::Following, 1));
}

#[test]
fn copytruncate_restarts_from_zero() {
    copytruncate(FollowOptions::default());
}

#[test]
fn poll_mode_copytruncate_restarts_from_zero() {
    copytruncate(poll_opts());
}

/// Truncated and rewritten past our offset before the follower looked: the
/// size alone does not show it, the bytes before the offset do.
#[test]
fn copytruncate_regrown_past_our_offset() {
    let (_dir, path) = setup();
    let mut w = appender(&path);
    put(&mut w, "l1\n");
    let mut f = Follower::open(&path, FollowOptions::default()).unwrap();
    let mut out = Got::new();
    collect(&mut f, &mut out, 1);
    File::create(&path).unwrap();
    put(&mut w, "new-1\nnew-2\n");
    collect(&mut f, &mut out, 3);
    assert_eq!(texts(&out), ["l1", "new-1", "new-2"]);
    assert_eq!(f.rotations(), 1);
}

#[test]
fn deleted_then_recreated() {
    let (_dir, path) = setup();
    let mut w = appender(&path);
    put(&mut w, "d1\n");
    let mut f = Follower::open(&path, FollowOptions::default()).unwrap();
    let mut out = Got::new();
    collect(&mut f, &mut out, 1);
    drop(w);
    fs::remove_file(&path).unwrap();
    assert_eq!(read(&mut f, &mut out), 0);
    assert_eq!(f.state(), FollowState::Rotated);
    f.wait(Duration::from_millis(20));
    assert_eq!(read(&mut f, &mut out), 0);
    let mut w = appender(&path);
    put(&mut w, "e1\ne2\n");
    collect(&mut f, &mut out, 3);
    assert_eq!(texts(&out), ["d1", "e1", "e2"]);
    let p = path.display().to_string();
    assert_eq!(out[1], (format!("{p} (after rotation 1)"), 1, "e1".into()));
    assert_eq!((f.state(), f.rotations()), (FollowState::Following, 1));
}

#[test]
fn missing_at_open_is_waited_for() {
    let (_dir, path) = setup();
    let mut f = Follower::open(&path, FollowOptions::default()).unwrap();
    assert_eq!(f.state(), FollowState::WaitingForFile);
    let mut out = Got::new();
    assert_eq!(read(&mut f, &mut out), 0);
    let mut w = appender(&path);
    put(&mut w, "m1\n");
    collect(&mut f, &mut out, 1);
    assert_eq!(out, [(path.display().to_string(), 1, "m1".to_string())]);
    assert_eq!((f.state(), f.rotations()), (FollowState::Following, 0));
}

#[test]
fn a_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(Follower::open(dir.path(), FollowOptions::default()).is_err());
}

/// Not from the start: skip what is there, but a line being written is
/// still delivered whole; numbering counts from the start point.
#[test]
fn from_end_starts_after_the_last_newline() {
    let (_dir, path) = setup();
    let mut w = appender(&path);
    put(&mut w, "old1\nold2\npart");
    let opts = FollowOptions {
        from_start: false,
        ..Default::default()
    };
    let mut f = Follower::open(&path, opts).unwrap();
    let mut out = Got::new();
    assert_eq!(read(&mut f, &mut out), 0);
    put(&mut w, "ial\nnew1\n");
    collect(&mut f, &mut out, 2);
    let src = format!("{} (from byte 10)", path.display());
    assert_eq!(
        out,
        [(src.clone(), 1, "partial".into()), (src, 2, "new1".into())]
    );
}

/// A bounded read stops early and says so; the rest follows on later calls.
#[test]
fn read_some_is_bounded() {
    let (_dir, path) = setup();
    let mut w = appender(&path);
    let line = format!("{}\n", "x".repeat(99));
    put(&mut w, &line.repeat(30_000)); // 3 MB
    let mut f = Follower::open(&path, FollowOptions::default()).unwrap();
    let (mut lines, mut calls) = (0, 0);
    loop {
        let (n, more) = f.read_some(1, &mut |_, _, _| {}).unwrap();
        lines += n;
        calls += 1;
        if !more {
            break;
        }
    }
    assert_eq!(lines, 30_000);
    assert!(calls >= 3, "{calls} calls");
}

/// `run` delivers lines, calls `after_batch`, and ends soon after `stop`,
/// whether waiting on inotify or on a long poll interval.
fn run_and_stop(opts: FollowOptions) {
    let (_dir, path) = setup();
    let mut w = appender(&path);
    // Written before `run` starts: its first read sees it even when the
    // next poll is a minute away.
    put(&mut w, "r1\n");
    let watching = !opts.poll;
    let mut f = Follower::open(&path, opts).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let runner = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut batches = 0;
            let mut on_line = |_: &Arc<str>, _: u64, l: Line<'_>| tx.send(text(l)).unwrap();
            f.run(&stop, &mut on_line, &mut || batches += 1).unwrap();
            batches
        })
    };
    assert_eq!(rx.recv_timeout(DEADLINE).unwrap(), "r1");
    if watching {
        // Appended while `run` waits: inotify wakes it.
        put(&mut w, "r2\n");
        assert_eq!(rx.recv_timeout(DEADLINE).unwrap(), "r2");
    }
    thread::sleep(Duration::from_millis(150)); // let it go idle
    let t = Instant::now();
    stop.store(true, Ordering::Relaxed);
    let batches = runner.join().unwrap();
    let took = t.elapsed();
    eprintln!("stopped after {took:?}");
    assert!(
        took < Duration::from_millis(300),
        "run took {took:?} to stop"
    );
    assert!(batches >= 1);
}

#[test]
fn stop_flag_ends_run() {
    run_and_stop(FollowOptions::default());
}

#[test]
fn stop_flag_ends_run_in_poll_mode() {
    run_and_stop(FollowOptions {
        poll_interval: Duration::from_secs(60),
        ..poll_opts()
    });
}

/// Idle cost, measured on the whole process (so run it alone:
/// `cargo test --test follow -- --ignored idle`): a following but idle
/// `run` must stay well under 2% of a core.
#[cfg(target_os = "linux")]
#[test]
#[ignore]
fn idle_cpu_is_low() {
    fn cpu_ticks() -> u64 {
        let stat = fs::read_to_string("/proc/self/stat").unwrap();
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let f: Vec<u64> = after
            .split(' ')
            .skip(11)
            .take(2)
            .map(|x| x.parse().unwrap())
            .collect();
        f[0] + f[1] // utime + stime, in 1/100 s
    }
    for opts in [
        FollowOptions::default(),
        FollowOptions {
            poll: true,
            ..Default::default()
        },
    ] {
        let (_dir, path) = setup();
        put(&mut appender(&path), "i1\n");
        let mut f = Follower::open(&path, opts.clone()).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let runner = thread::spawn(move || f.run(&s, &mut |_, _, _| {}, &mut || {}).unwrap());
        thread::sleep(Duration::from_millis(200));
        let (t0, c0) = (Instant::now(), cpu_ticks());
        thread::sleep(Duration::from_secs(5));
        let used = (cpu_ticks() - c0) as f64 / 100.0 / t0.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        runner.join().unwrap();
        eprintln!(
            "poll={}: idle CPU {:.3}% of a core",
            opts.poll,
            used * 100.0
        );
        assert!(
            used < 0.005,
            "idle follower used {:.2}% of a core",
            used * 100.0
        );
    }
}

// ---------------------------------------------------------------------------
// Numbered writers: auditID = sequence number, every line the same length,
// and the last 40 bytes of every line the same (as in real audit lines,
// which end in timestamps and annotations), so only the start of a line
// tells two file generations apart. Each test checks that every sequence
// number was read exactly once, or that a reported gap covers it.

use ktriage::source::follow::{Gap, GapKind};

/// One numbered line, newline included: always `LINE_LEN` bytes.
fn numbered(n: u64) -> String {
    format!(
        "{{\"auditID\":\"{n:08}\",\"stage\":\"ResponseComplete\",\"annotations\":{{\"pad\":\"same-tail-same-tail\"}}}}\n"
    )
}
const LINE_LEN: u64 = 94;

struct Numbered {
    next: u64,
}

impl Numbered {
    fn new() -> Self {
        assert_eq!(numbered(1).len() as u64, LINE_LEN);
        Numbered { next: 1 }
    }
    /// Write the next `k` numbers to `w`.
    fn write(&mut self, w: &mut File, k: u64) {
        let mut s = String::new();
        for _ in 0..k {
            s.push_str(&numbered(self.next));
            self.next += 1;
        }
        put(w, &s);
    }
    /// Numbers written so far: 1..=last.
    fn last(&self) -> u64 {
        self.next - 1
    }
}

fn seq(t: &str) -> u64 {
    let t = t
        .strip_prefix("{\"auditID\":\"")
        .unwrap_or_else(|| panic!("not numbered: {t:?}"));
    t[..8].parse().unwrap()
}

/// Every number in 1..=last except `lost` read exactly once, in order.
fn assert_each_once(out: &Got, last: u64, lost: Option<std::ops::RangeInclusive<u64>>) {
    let got: Vec<u64> = out.iter().map(|(_, _, t)| seq(t)).collect();
    assert_each_once_of(got, last, lost);
}

/// The same, in any order.
fn assert_each_once_unordered(out: &Got, last: u64) {
    let mut got: Vec<u64> = out.iter().map(|(_, _, t)| seq(t)).collect();
    got.sort_unstable();
    assert_each_once_of(got, last, None);
}

fn assert_each_once_of(got: Vec<u64>, last: u64, lost: Option<std::ops::RangeInclusive<u64>>) {
    let want: Vec<u64> = (1..=last)
        .filter(|n| !lost.as_ref().is_some_and(|l| l.contains(n)))
        .collect();
    if got != want {
        let missing: Vec<u64> = want.iter().filter(|n| !got.contains(n)).copied().collect();
        let mut seen = std::collections::HashSet::new();
        let twice: Vec<u64> = got.iter().filter(|n| !seen.insert(**n)).copied().collect();
        panic!(
            "{} read, {} wanted; missing {missing:?}; read twice {twice:?}",
            got.len(),
            want.len()
        );
    }
}

/// logrotate's numbering: `.1` → `.2` …, then the path → `.1`.
fn logrotate_rename(path: &Path, kept: usize) {
    for i in (1..=kept).rev() {
        let from = path.with_extension(format!("log.{i}"));
        if from.exists() {
            fs::rename(&from, path.with_extension(format!("log.{}", i + 1))).unwrap();
        }
    }
    fs::rename(path, path.with_extension("log.1")).unwrap();
}

/// Several rename rotations between two looks: the files in between are
/// found in the directory and read whole, in order. `looks` reads happen
/// only after all `rotations` (as when they all fall inside one poll
/// interval, or a busy reader falls behind).
fn rotations_between_looks(opts: FollowOptions, lumberjack: bool) {
    let (dir, path) = setup();
    // An old backup from before: not read, it is not new.
    fs::write(dir.path().join("audit.log.9"), numbered(999_999)).unwrap();
    let mut n = Numbered::new();
    let mut w = appender(&path);
    n.write(&mut w, 50);
    let mut f = Follower::open(&path, opts).unwrap();
    let mut out = Got::new();
    collect(&mut f, &mut out, 50);
    for r in 0..5 {
        n.write(&mut w, 30);
        if lumberjack {
            // kube-apiserver's own backups: audit-<timestamp>.log
            let to = dir
                .path()
                .join(format!("audit-2026-12-01T09-00-0{r}.000.log"));
            fs::rename(&path, to).unwrap();
        } else {
            logrotate_rename(&path, 8);
        }
        w = appender(&path);
        n.write(&mut w, 20);
    }
    collect(&mut f, &mut out, n.last() as usize);
    assert_each_once(&out, n.last(), None);
    assert_eq!(f.take_gaps(), []);
    assert_eq!(f.rotations(), 5);
    // Line numbers and sources: the last generation is the 5th rotation.
    let p = path.display().to_string();
    assert_eq!(out.last().unwrap().0, format!("{p} (after rotation 5)"));
    assert_eq!(out.last().unwrap().1, 20);
}

#[test]
fn poll_rename_rotations_faster_than_the_poll_interval() {
    // A minute between polls: only the reads the test makes look.
    let opts = FollowOptions {
        poll_interval: Duration::from_secs(60),
        ..poll_opts()
    };
    rotations_between_looks(opts, false);
}

#[test]
fn poll_rename_rotations_kube_apiserver_names() {
    rotations_between_looks(poll_opts(), true);
}

#[test]
fn inotify_rename_rotations_between_two_reads() {
    rotations_between_looks(FollowOptions::default(), false);
}

/// A writer thread rotating every few milliseconds while the follower reads
/// and waits (poll interval 100 ms: many rotations per poll). Timing varies
/// run to run; the result must not. (Order is checked by the deterministic
/// tests above: a rotation during the directory listing can defer a file to
/// the next listing, so here only "each exactly once" is asserted.)
fn racing_writer(opts: FollowOptions) {
    let (dir, path) = setup();
    let mut w = appender(&path);
    let mut n = Numbered::new();
    n.write(&mut w, 1);
    let mut f = Follower::open(&path, opts).unwrap();
    let writer = {
        let path = path.clone();
        thread::spawn(move || {
            for _ in 0..40 {
                for _ in 0..5 {
                    n.write(&mut w, 10);
                    thread::sleep(Duration::from_micros(500));
                }
                logrotate_rename(&path, 64);
                w = appender(&path);
            }
            n.write(&mut w, 10);
            n.last()
        })
    };
    let mut out = Got::new();
    let deadline = Instant::now() + DEADLINE;
    let last = loop {
        read(&mut f, &mut out);
        if writer.is_finished() {
            break writer.join().unwrap();
        }
        assert!(Instant::now() < deadline, "writer did not finish");
        f.wait(Duration::from_millis(100));
    };
    collect(&mut f, &mut out, last as usize);
    assert_each_once_unordered(&out, last);
    assert_eq!(f.take_gaps(), []);
    drop(dir);
}

#[test]
fn poll_racing_rotations_every_number_once() {
    racing_writer(FollowOptions {
        poll_interval: Duration::from_millis(100),
        ..poll_opts()
    });
}

#[test]
fn inotify_racing_rotations_every_number_once() {
    racing_writer(FollowOptions::default());
}

/// Truncated and regrown past our offset with lines of the same length and
/// the same last bytes: only the first line tells the new content apart.
#[test]
fn truncate_and_regrow_with_equal_line_lengths() {
    for opts in [FollowOptions::default(), poll_opts()] {
        let (_dir, path) = setup();
        let mut w = appender(&path);
        let mut n = Numbered::new();
        n.write(&mut w, 10);
        let mut f = Follower::open(&path, opts).unwrap();
        let mut out = Got::new();
        collect(&mut f, &mut out, 10);
        w.set_len(0).unwrap();
        n.write(&mut w, 30); // 3× past the old offset
        collect(&mut f, &mut out, 40);
        assert_each_once(&out, 40, None);
        // Nothing was lost here, but the follower cannot know that nothing
        // was written between its last read and the truncation: it says so.
        let p = path.display().to_string();
        let gap = Gap {
            source: p.as_str().into(),
            offset: 10 * LINE_LEN,
            kind: GapKind::Truncated { copy: None },
        };
        assert_eq!(f.take_gaps(), std::slice::from_ref(&gap));
        assert!(
            gap.to_string()
                .starts_with(&format!("possible gap at {p}:940:"))
        );
        assert_eq!(out[10].0, format!("{p} (after rotation 1)"));
        assert_eq!(f.rotations(), 1);
    }
}

/// copytruncate by hand, with a writer that did (`append`) or did not open
/// with O_APPEND: 1..=100 read, 101..=150 unread when the copy is made,
/// 151..=160 written between the copy and the truncation (lost to every
/// reader), 161..=200 after it.
fn copytruncate_numbered(append: bool) -> (Got, Vec<Gap>, PathBuf, tempfile::TempDir) {
    let (dir, path) = setup();
    let mut w = if append {
        appender(&path)
    } else {
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap()
    };
    let mut n = Numbered::new();
    n.write(&mut w, 100);
    let mut f = Follower::open(&path, FollowOptions::default()).unwrap();
    let mut out = Got::new();
    collect(&mut f, &mut out, 100);
    n.write(&mut w, 50);
    fs::copy(&path, path.with_extension("log.1")).unwrap();
    n.write(&mut w, 10);
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    n.write(&mut w, 40);
    collect(&mut f, &mut out, 190);
    assert_each_once(&out, 200, Some(151..=160));
    (out, f.take_gaps(), path, dir)
}

#[test]
fn copytruncate_with_o_append_reads_the_copy_and_reports_the_gap() {
    let (out, gaps, path, _dir) = copytruncate_numbered(true);
    let p = path.display().to_string();
    // 101..=150 came from the copy, numbered on from line 100.
    assert_eq!((out[149].0.as_str(), out[149].1), (p.as_str(), 150));
    assert_eq!(out[150].0, format!("{p} (after rotation 1)"));
    // The gap starts where the copy ends: just before 151, the first lost.
    let copy = Some(path.with_extension("log.1"));
    assert_eq!(
        gaps,
        [Gap {
            source: p.as_str().into(),
            offset: 150 * LINE_LEN,
            kind: GapKind::Truncated { copy }
        }]
    );
}

#[test]
fn copytruncate_without_o_append_skips_the_nul_hole_as_one_gap() {
    let (out, gaps, path, _dir) = copytruncate_numbered(false);
    let p = path.display().to_string();
    // 161 sits right after the hole: kept, as line 1 of the new generation.
    assert_eq!(
        (&out[150].0, out[150].1, seq(&out[150].2)),
        (&format!("{p} (after rotation 1)"), 1, 161)
    );
    let copy = Some(path.with_extension("log.1"));
    assert_eq!(
        gaps,
        [
            Gap {
                source: p.as_str().into(),
                offset: 150 * LINE_LEN,
                kind: GapKind::Truncated { copy }
            },
            Gap {
                source: format!("{p} (after rotation 1)").into(),
                offset: 0,
                kind: GapKind::NulRun {
                    bytes: 160 * LINE_LEN
                }
            }
        ]
    );
}

/// A NUL inside a line is not a hole: the line is delivered as it is (and
/// will be counted malformed), nothing is skipped.
#[test]
fn a_nul_inside_a_line_is_not_skipped() {
    let (_dir, path) = setup();
    let mut w = appender(&path);
    put(&mut w, "ab\0cd\n\0\0ef\n");
    let mut f = Follower::open(&path, FollowOptions::default()).unwrap();
    let mut out = Got::new();
    collect(&mut f, &mut out, 2);
    assert_eq!(texts(&out), ["ab\0cd", "ef"]);
    let p = path.display().to_string();
    let gap = Gap {
        source: p.as_str().into(),
        offset: 6,
        kind: GapKind::NulRun { bytes: 2 },
    };
    assert_eq!(f.take_gaps(), [gap]);
}

/// copytruncate racing the reader: a writer thread copies and truncates
/// every 10 batches (writing nothing between the copy and the truncation),
/// so every number is in the copy or the live file: all read exactly once,
/// and one possible gap reported per truncation seen.
fn racing_copytruncate(opts: FollowOptions) {
    let (_dir, path) = setup();
    let mut w = appender(&path);
    let mut n = Numbered::new();
    n.write(&mut w, 1);
    let mut f = Follower::open(&path, opts).unwrap();
    let writer = {
        let path = path.clone();
        thread::spawn(move || {
            for k in 1..=30 {
                for _ in 0..10 {
                    n.write(&mut w, 5);
                    thread::sleep(Duration::from_micros(300));
                }
                fs::copy(&path, path.with_extension(format!("log.{k}"))).unwrap();
                w.set_len(0).unwrap();
            }
            n.write(&mut w, 5);
            n.last()
        })
    };
    let mut out = Got::new();
    let deadline = Instant::now() + DEADLINE;
    let last = loop {
        read(&mut f, &mut out);
        if writer.is_finished() {
            break writer.join().unwrap();
        }
        assert!(Instant::now() < deadline, "writer did not finish");
        f.wait(Duration::from_millis(100));
    };
    collect(&mut f, &mut out, last as usize);
    assert_each_once_unordered(&out, last);
    let gaps = f.take_gaps();
    assert!(gaps.len() as u64 <= 30 && gaps.len() as u64 == f.rotations());
    assert!(
        gaps.iter()
            .all(|g| matches!(g.kind, GapKind::Truncated { .. }))
    );
}

#[test]
fn poll_racing_copytruncate_every_number_once() {
    racing_copytruncate(FollowOptions {
        poll_interval: Duration::from_millis(100),
        ..poll_opts()
    });
}

#[test]
fn inotify_racing_copytruncate_every_number_once() {
    racing_copytruncate(FollowOptions::default());
}

/// Rename rotations before the first read of the first file (a poll
/// interval can hold several): the files found are rotations, read whole,
/// not copytruncate copies with a possible gap each.
#[test]
fn rename_rotations_before_the_first_read_report_no_gap() {
    for opts in [FollowOptions::default(), poll_opts()] {
        let (dir, path) = setup();
        File::create(&path).unwrap();
        let mut f = Follower::open(&path, opts).unwrap();
        let mut n = Numbered::new();
        for k in 1..=3 {
            n.write(&mut appender(&path), 5);
            fs::rename(&path, dir.path().join(format!("audit-{k}.log"))).unwrap();
        }
        n.write(&mut appender(&path), 5);
        let mut out = Got::new();
        collect(&mut f, &mut out, 20);
        assert_each_once(&out, 20, None);
        assert_eq!(f.take_gaps(), []);
    }
}

/// A file read before (here: there when following started) that one
/// listing does not show (a listing racing a rename chain can miss names;
/// here it is moved out of the rotated names for one rotation) is still
/// known when it shows again: not read a second time.
#[test]
fn a_file_missing_from_one_listing_is_not_read_again() {
    for opts in [FollowOptions::default(), poll_opts()] {
        let (dir, path) = setup();
        let mut n = Numbered::new();
        let old = path.with_extension("log.1");
        n.write(&mut appender(&old), 10); // 1..=10: before following
        n.write(&mut appender(&path), 5);
        let mut f = Follower::open(&path, opts).unwrap();
        let mut out = Got::new();
        collect(&mut f, &mut out, 5);
        let aside = dir.path().join("elsewhere");
        fs::rename(&old, &aside).unwrap();
        let rotate = |k: u64, n: &mut Numbered| {
            fs::rename(&path, path.with_extension(format!("log.{k}"))).unwrap();
            n.write(&mut appender(&path), 5);
        };
        rotate(2, &mut n); // listed without the old file
        collect(&mut f, &mut out, 10);
        fs::rename(&aside, path.with_extension("log.9")).unwrap();
        rotate(3, &mut n); // listed with it again
        collect(&mut f, &mut out, 15);
        let got: Vec<u64> = out.iter().map(|(_, _, t)| seq(t)).collect();
        assert_each_once_of(got, n.last(), Some(1..=10));
    }
}

/// The race behind the racing tests' rare repeats, made deterministic: a
/// copy copytruncate has begun (created, still empty) when the follower
/// lists the directory. It has no fingerprint yet; taken for a missed
/// generation it was read whole once filled, repeating the 10 lines read
/// from the live file. It must be left until its content tells whose copy
/// it is, then read from our offset at its truncation.
#[test]
fn a_copy_still_empty_is_not_a_missed_generation() {
    for opts in [FollowOptions::default(), poll_opts()] {
        let (_dir, path) = setup();
        let mut w = appender(&path);
        let mut n = Numbered::new();
        n.write(&mut w, 20);
        let mut f = Follower::open(&path, opts).unwrap();
        let mut out = Got::new();
        collect(&mut f, &mut out, 20);
        fs::copy(&path, path.with_extension("log.1")).unwrap();
        w.set_len(0).unwrap();
        n.write(&mut w, 10);
        let copy2 = path.with_extension("log.2");
        File::create(&copy2).unwrap(); // the next copy, begun
        collect(&mut f, &mut out, 30);
        fs::copy(&path, &copy2).unwrap(); // finished, then truncated
        w.set_len(0).unwrap();
        n.write(&mut w, 5);
        collect(&mut f, &mut out, 35);
        assert_each_once(&out, 35, None);
        let copies: Vec<_> = f
            .take_gaps()
            .into_iter()
            .map(|g| match g.kind {
                GapKind::Truncated { copy } => copy,
                k => panic!("unexpected gap {k:?}"),
            })
            .collect();
        assert_eq!(copies, [Some(path.with_extension("log.1")), Some(copy2)]);
    }
}

/// A rotated file that starts like the generation read but does not hold
/// what was read of it (here: only its first 10 lines) cannot be told read
/// or unread: it is read whole, and the possible repeat is reported with
/// it, never silent.
#[test]
fn a_copy_that_cannot_be_placed_is_read_with_an_overlap_notice() {
    let (_dir, path) = setup();
    let mut w = appender(&path);
    let mut n = Numbered::new();
    n.write(&mut w, 20);
    let mut f = Follower::open(&path, FollowOptions::default()).unwrap();
    let mut out = Got::new();
    collect(&mut f, &mut out, 20);
    let partial = path.with_extension("log.1");
    let head: String = (1..=10).map(numbered).collect();
    fs::write(&partial, head).unwrap();
    w.set_len(0).unwrap();
    n.write(&mut w, 5);
    collect(&mut f, &mut out, 35);
    let mut got: Vec<u64> = out.iter().map(|(_, _, t)| seq(t)).collect();
    got.sort_unstable();
    let mut want: Vec<u64> = (1..=25).chain(1..=10).collect();
    want.sort_unstable();
    assert_eq!(got, want);
    let gaps = f.take_gaps();
    assert!(
        gaps.iter().any(|g| g.kind
            == GapKind::Overlap {
                path: partial.clone()
            }),
        "{gaps:?}"
    );
    assert!(gaps.iter().any(|g| g.to_string().contains("may repeat")));
}

/// Several copytruncates between two looks: the generations in between
/// live only in their copies, which are read whole, in order, each with
/// its possible gap (between its copy and its truncation).
#[test]
fn copytruncates_between_two_looks() {
    for opts in [FollowOptions::default(), poll_opts()] {
        let (_dir, path) = setup();
        let mut w = appender(&path);
        let mut n = Numbered::new();
        n.write(&mut w, 20);
        let mut f = Follower::open(&path, opts).unwrap();
        let mut out = Got::new();
        collect(&mut f, &mut out, 20);
        for k in 1..=4 {
            n.write(&mut w, 10);
            fs::copy(&path, path.with_extension(format!("log.{k}"))).unwrap();
            w.set_len(0).unwrap();
            n.write(&mut w, 5);
        }
        collect(&mut f, &mut out, n.last() as usize);
        assert_each_once(&out, n.last(), None);
        let gaps = f.take_gaps();
        let at: Vec<(u64, bool)> = gaps
            .iter()
            .map(|g| {
                (
                    g.offset / LINE_LEN,
                    matches!(g.kind, GapKind::Truncated { copy: Some(_) }),
                )
            })
            .collect();
        // First: ours, at the end of its copy (30 lines); then one per
        // copy read whole (15 lines each).
        assert_eq!(at, [(30, true), (15, true), (15, true), (15, true)]);
        assert_eq!(f.rotations(), 4);
    }
}

/// The same without O_APPEND: every generation starts with a NUL hole, so
/// the fingerprint is taken after it (the hole's length is part of it);
/// copies are still told apart and read whole, each hole skipped as a gap.
#[test]
fn copytruncates_without_o_append_between_two_looks() {
    for opts in [FollowOptions::default(), poll_opts()] {
        let (_dir, path) = setup();
        let mut w = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap();
        let mut n = Numbered::new();
        n.write(&mut w, 20);
        let mut f = Follower::open(&path, opts).unwrap();
        let mut out = Got::new();
        collect(&mut f, &mut out, 20);
        for k in 1..=4 {
            n.write(&mut w, 10);
            fs::copy(&path, path.with_extension(format!("log.{k}"))).unwrap();
            w.set_len(0).unwrap();
            n.write(&mut w, 5);
        }
        collect(&mut f, &mut out, n.last() as usize);
        assert_each_once(&out, n.last(), None);
        let gaps = f.take_gaps();
        let truncated = gaps
            .iter()
            .filter(|g| matches!(g.kind, GapKind::Truncated { copy: Some(_) }))
            .count();
        let holes: Vec<u64> = gaps
            .iter()
            .filter_map(|g| match g.kind {
                GapKind::NulRun { bytes } => Some(bytes / LINE_LEN),
                _ => None,
            })
            .collect();
        assert_eq!(truncated, 4, "{gaps:?}");
        // One hole per generation read, as long as everything written before.
        assert_eq!(holes, [30, 45, 60, 75], "{gaps:?}");
    }
}
