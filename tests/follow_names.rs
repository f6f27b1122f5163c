//! Which files beside the followed log are read as its rotations: only the
//! ones that were it (held, by device + inode) or carry a rotator's name
//! (`audit.log.1`, `audit.log-20240101`, `audit-2024-…​.log`). Outputs written
//! into the same directory (`scripts/identity-flood.py` once did) are not,
//! and a file named like the log that is not a rotation name is named in a
//! gap rather than read or ignored in silence.

use ktriage::audit::lines::Line;
use ktriage::source::follow::{FollowOptions, Follower, GapKind};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

fn opts(poll: bool) -> FollowOptions {
    FollowOptions {
        poll,
        poll_interval: Duration::from_millis(20),
        ..Default::default()
    }
}

/// Read until `want` lines came (5 s at most), then once more.
fn collect(f: &mut Follower, out: &mut Vec<(String, String)>, want: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let read = |f: &mut Follower, out: &mut Vec<(String, String)>| {
        f.read_available(&mut |src, _, line| {
            let t = match line {
                Line::Text(t) => String::from_utf8_lossy(t).into_owned(),
                Line::Large(l) => format!("<large {}>", l.bytes),
            };
            out.push((src.to_string(), t));
        })
        .unwrap();
    };
    while out.len() < want && Instant::now() < deadline {
        read(f, out);
        f.wait(Duration::from_millis(30));
    }
    read(f, out);
}

fn append(path: &Path, s: &str) {
    let mut w = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    w.write_all(s.as_bytes()).unwrap();
}

fn events(from: usize, to: usize) -> String {
    (from..to)
        .map(|i| format!("{{\"kind\":\"Event\",\"auditID\":\"{i:08}\"}}\n"))
        .collect()
}

/// The identity-flood layout: the input written to a tmp file and renamed
/// into place, a previous run's outputs beside it (one empty, created by
/// the shell before the follower starts), and outputs growing while the
/// log is followed. Before the fix the empty `.follow.out` (named with the
/// log's stem) was taken at the first end of file as a copytruncate copy:
/// its lines were read as `(after rotation 1)` with a false gap.
#[test]
fn outputs_beside_the_log_are_never_read_as_its_rotations() {
    for poll in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("flood-300.jsonl");
        let tmp = dir.path().join("flood-300.jsonl.tmp");
        fs::write(&tmp, events(0, 300)).unwrap();
        fs::rename(&tmp, &log).unwrap();
        let batch_out = dir.path().join("flood-300.out");
        fs::write(&batch_out, "{\"kind\":\"alert\",\"n\":1}\n".repeat(50)).unwrap();
        let follow_out = dir.path().join("flood-300.follow.out");
        fs::write(&follow_out, "").unwrap();
        let err = dir.path().join("flood-300.follow.out.err");
        fs::write(&err, "").unwrap();

        let mut f = Follower::open(&log, opts(poll)).unwrap();
        // The outputs grow before and while the log is read.
        append(
            &follow_out,
            &"{\"kind\":\"alert\",\"id\":\"x\"}\n".repeat(40),
        );
        append(&err, "follow: trace\n");
        let mut out = Vec::new();
        collect(&mut f, &mut out, 300);
        append(&follow_out, &"{\"kind\":\"incident\"}\n".repeat(40));
        append(&batch_out, "{\"kind\":\"summary\"}\n");
        append(&log, &events(300, 310));
        collect(&mut f, &mut out, 310);

        let name = log.display().to_string();
        let foreign: Vec<_> = out.iter().filter(|(s, _)| *s != name).collect();
        assert!(
            foreign.is_empty(),
            "poll {poll}: read as the log: {foreign:?}"
        );
        assert_eq!(out.len(), 310, "poll {poll}");
        assert_eq!(f.rotations(), 0, "poll {poll}");
        assert_eq!(f.take_gaps(), vec![], "poll {poll}: no false gap");
    }
}

/// A file named like the log but not like a rotation of it, appearing while
/// following (`mv audit.log audit.log.old` would look so to a poll that
/// missed the rename): not read, but named in a gap, once.
#[test]
fn a_file_named_like_the_log_that_appears_is_named_in_a_gap_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    fs::write(&log, events(0, 3)).unwrap();
    let mut f = Follower::open(&log, opts(true)).unwrap();
    let mut out = Vec::new();
    collect(&mut f, &mut out, 3);
    let old = dir.path().join("audit.log.old");
    fs::write(&old, events(100, 105)).unwrap();
    // A rotation makes the follower list the directory.
    fs::rename(&log, dir.path().join("audit.log.1")).unwrap();
    fs::write(&log, events(3, 5)).unwrap();
    collect(&mut f, &mut out, 5);
    append(&old, &events(105, 106));
    collect(&mut f, &mut out, 5);
    let ids: Vec<_> = out.iter().map(|(_, t)| &t[27..35]).collect();
    assert_eq!(
        ids,
        ["00000000", "00000001", "00000002", "00000003", "00000004"]
    );
    let gaps = f.take_gaps();
    let named: Vec<_> = gaps
        .iter()
        .filter(|g| matches!(&g.kind, GapKind::NotRotation { path } if *path == old))
        .collect();
    assert_eq!(named.len(), 1, "named once: {gaps:?}");
    assert!(
        named[0].to_string().contains("audit.log.old"),
        "{}",
        named[0]
    );
}

/// The rotators' names are still read when a poll misses them:
/// logrotate's number and date, and kube-apiserver's timestamped name.
#[test]
fn rotation_names_missed_by_a_poll_are_read_whole() {
    for rotated in [
        "audit.log.1",
        "audit.log-20240101",
        "audit-2024-01-01T00-00-00.000.log",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        fs::write(&log, events(0, 2)).unwrap();
        let mut f = Follower::open(&log, opts(true)).unwrap();
        let mut out = Vec::new();
        collect(&mut f, &mut out, 2);
        // Two rotations between two looks: the middle file is only found
        // in the directory, under its rotated name.
        fs::rename(&log, dir.path().join("held.1")).unwrap();
        fs::write(&log, events(2, 4)).unwrap();
        fs::rename(&log, dir.path().join(rotated)).unwrap();
        fs::write(&log, events(4, 6)).unwrap();
        collect(&mut f, &mut out, 6);
        let mut ids: Vec<_> = out.iter().map(|(_, t)| t[27..35].to_string()).collect();
        ids.sort();
        let want: Vec<_> = (0..6).map(|i| format!("{i:08}")).collect();
        assert_eq!(ids, want, "{rotated}");
    }
}
