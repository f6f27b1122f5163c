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
            "timed out at {}/{want} lines: {out:?}",
            out.len()
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
