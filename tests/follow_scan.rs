//! `ktriage scan --follow`: alerts come out as jsonl while the file grows.

mod common;

use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn follow_prints_each_alert_as_it_fires() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    std::fs::write(
        &log,
        lines(&[{
            // Allowlisted: cert-manager's account, with a token bound to its pod.
            let mut e = get_secret(
                "system:serviceaccount:cert-manager:cert-manager",
                "prod",
                "tls",
                0,
                200,
            );
            e["user"]["extra"] = serde_json::json!(
                {"authentication.kubernetes.io/pod-name": ["cert-manager-7c9f6d8b5-lm2vn"]}
            );
            e
        }]),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ktriage"))
        .args(["scan", "--follow", log.to_str().unwrap()])
        .env("XDG_CONFIG_HOME", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    f.write_all(lines(&[get_secret("mallory", "prod", "db", 5, 200)]).as_bytes())
        .unwrap();
    f.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut got = None;
    while Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            got = Some(l);
            break;
        }
    }
    child.kill().ok();
    child.wait().ok();
    let line = got.expect("an alert line within 5 s");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["kind"], "alert");
    assert_eq!(v["identity"], "mallory");
}

/// A running `ktriage scan …` with its stdout lines on a channel.
struct Running {
    child: std::process::Child,
    rx: std::sync::mpsc::Receiver<String>,
    _home: tempfile::TempDir,
}

fn spawn(args: &[&str], stdin: Stdio) -> Running {
    spawn_with(args, stdin, Stdio::null())
}

fn spawn_with(args: &[&str], stdin: Stdio, stderr: Stdio) -> Running {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ktriage"))
        .args(args)
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_STATE_HOME", home.path())
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    Running {
        child,
        rx,
        _home: home,
    }
}

impl Running {
    /// The next jsonl record matching `want`, within `secs`; the records
    /// skipped on the way are returned too.
    fn until(&self, secs: u64, want: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut skipped = Vec::new();
        while Instant::now() < deadline {
            if let Ok(l) = self.rx.recv_timeout(Duration::from_millis(50)) {
                let v: Value = serde_json::from_str(&l).expect("every line is JSON");
                if want(&v) {
                    return (v, skipped);
                }
                skipped.push(v);
            }
        }
        panic!("no matching record within {secs} s; saw {skipped:?}");
    }

    /// Every remaining record, up to the end of stdout.
    fn rest(&self) -> Vec<Value> {
        let mut v = Vec::new();
        while let Ok(l) = self.rx.recv_timeout(Duration::from_secs(10)) {
            v.push(serde_json::from_str(&l).expect("every line is JSON"));
        }
        v
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig}");
    }

    fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill().ok();
        panic!("did not exit within 10 s");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn append(path: &std::path::Path, events: &[Value]) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(lines(events).as_bytes()).unwrap();
    f.flush().unwrap();
}

fn aid(e: &Value) -> String {
    e["auditID"].as_str().unwrap().to_string()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_open_alert_is_written_again_as_it_grows_and_sigterm_ends_with_incidents_summary_and_fail_code()
 {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let first = get_secret("mallory", "prod", "db-0", 0, 200);
    std::fs::write(&log, lines(std::slice::from_ref(&first))).unwrap();
    let mut run = spawn(
        &[
            "scan",
            "--follow",
            "--fail-on",
            "high",
            log.to_str().unwrap(),
        ],
        Stdio::null(),
    );
    let (alert, _) = run.until(10, |v| v["kind"] == "alert" && v["rule"] == "secret-read");
    assert_eq!(alert["identity"], "mallory");
    assert_eq!(alert["revision"], 1, "{alert}");
    assert_eq!(strings(&alert["new_audit_ids"]), vec![aid(&first)]);
    let id = alert["id"].as_str().unwrap().to_string();

    // Five more reads join the open alert: five updates, each with the
    // audit ID it adds, the next revision and the new count.
    for k in 1..=5u64 {
        let e = get_secret("mallory", "prod", &format!("db-{k}"), k as i64, 200);
        append(&log, std::slice::from_ref(&e));
        let (u, _) = run.until(10, |v| v["kind"] == "alert" && v["id"] == id.as_str());
        assert_eq!(u["revision"], k + 1, "{u}");
        assert_eq!(strings(&u["new_audit_ids"]), vec![aid(&e)], "{u}");
        assert_eq!(u["event_count"], k + 1);
        assert_eq!(u["secrets"].as_array().unwrap().len() as u64, k + 1);
        assert!(strings(&u["audit_ids"]).contains(&aid(&e)));
    }

    run.signal("TERM");
    let rest = run.rest();
    assert_eq!(run.exit_code(), Some(1), "--fail-on high was reached");
    let incident = rest
        .iter()
        .find(|v| v["kind"] == "incident")
        .unwrap_or_else(|| panic!("incidents after SIGTERM: {rest:?}"));
    assert!(strings(&incident["alerts"]).contains(&id));
    assert_eq!(incident["identity"], "mallory");
    let summary = rest.last().unwrap();
    assert_eq!(summary["kind"], "summary", "{rest:?}");
    assert_eq!(summary["ended_by"], "SIGTERM");
    assert_eq!(summary["events"], 6);
    assert_eq!(summary["complete"], true);
    assert!(summary["alerts"].as_u64().unwrap() >= 1);
    assert_eq!(summary["inputs"][0]["formats"][0][0], "native", "{summary}");
    assert_eq!(
        rest.iter().filter(|v| v["kind"] == "summary").count(),
        1,
        "one summary record"
    );
}

#[test]
fn a_burst_is_coalesced_yet_every_audit_id_reaches_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let first = get_secret("mallory", "prod", "s-0", 0, 200);
    std::fs::write(&log, lines(std::slice::from_ref(&first))).unwrap();
    let run = spawn(&["scan", "--follow", log.to_str().unwrap()], Stdio::null());
    let (alert, _) = run.until(10, |v| v["kind"] == "alert" && v["rule"] == "secret-read");
    let id = alert["id"].as_str().unwrap().to_string();
    let burst: Vec<Value> = (1..=3000)
        .map(|k| get_secret("mallory", "prod", &format!("s-{k}"), 1, 200))
        .collect();
    append(&log, &burst);
    // Past the 2,000 stored IDs too: every one is streamed.
    let mut seen: Vec<String> = strings(&alert["new_audit_ids"]);
    let mut lines_for_it = 1;
    let mut last = alert;
    while last["event_count"] != 3001 {
        let (u, _) = run.until(10, |v| v["kind"] == "alert" && v["id"] == id.as_str());
        lines_for_it += 1;
        assert_eq!(u["revision"], lines_for_it, "consecutive revisions");
        seen.extend(strings(&u["new_audit_ids"]));
        last = u;
    }
    let mut want: Vec<String> = std::iter::once(&first).chain(&burst).map(aid).collect();
    seen.sort();
    want.sort();
    assert_eq!(seen, want, "each audit ID exactly once");
    assert!(
        lines_for_it <= 8,
        "3,000 reads in one write gave {lines_for_it} lines for one alert"
    );
    assert_eq!(last["audit_ids"].as_array().unwrap().len(), 2000);
    assert_eq!(last["audit_ids_omitted"], 1001);
}

#[test]
fn scan_stdin_streams_from_a_pipe_that_stays_open() {
    let mut run = spawn(&["scan", "--format", "jsonl", "-"], Stdio::piped());
    let mut stdin = run.child.stdin.take().unwrap();
    let first = get_secret("mallory", "prod", "db", 0, 200);
    stdin.write_all(lines(&[first]).as_bytes()).unwrap();
    stdin.flush().unwrap();
    // The pipe is still open: the alert comes out anyway.
    let (alert, _) = run.until(10, |v| v["kind"] == "alert" && v["rule"] == "secret-read");
    assert_eq!(alert["revision"], 1);
    let id = alert["id"].as_str().unwrap().to_string();
    let more = get_secret("mallory", "prod", "db-2", 3, 200);
    stdin
        .write_all(lines(std::slice::from_ref(&more)).as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    let (u, _) = run.until(10, |v| v["kind"] == "alert" && v["id"] == id.as_str());
    assert_eq!(u["revision"], 2);
    assert_eq!(strings(&u["new_audit_ids"]), vec![aid(&more)]);
    // End of input: incidents and the summary, then exit.
    drop(stdin);
    let rest = run.rest();
    assert!(rest.iter().any(|v| v["kind"] == "incident"), "{rest:?}");
    let summary = rest.last().unwrap();
    assert_eq!(summary["kind"], "summary");
    assert_eq!(summary["ended_by"], "end of input");
    assert_eq!(summary["events"], 2);
    assert_eq!(run.exit_code(), Some(0));
}

#[test]
fn scan_follow_stdin_is_accepted_and_sighup_ends_it_cleanly() {
    let mut run = spawn(&["scan", "--follow", "-"], Stdio::piped());
    let mut stdin = run.child.stdin.take().unwrap();
    stdin
        .write_all(lines(&[get_secret("eve", "prod", "db", 0, 200)]).as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    let (alert, _) = run.until(10, |v| v["kind"] == "alert");
    assert_eq!(alert["identity"], "eve");
    run.signal("HUP");
    let rest = run.rest();
    let summary = rest.last().unwrap();
    assert_eq!(summary["kind"], "summary", "{rest:?}");
    assert_eq!(summary["ended_by"], "SIGHUP");
    assert_eq!(run.exit_code(), Some(0), "no --fail-on: exit 0");
    drop(stdin);
}

#[test]
fn a_followed_log_with_nothing_readable_exits_2_not_0() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    std::fs::write(&log, "not json\n").unwrap();
    let mut run = spawn_with(
        &["scan", "--follow", "--verbose", log.to_str().unwrap()],
        Stdio::null(),
        Stdio::piped(),
    );
    // The malformed line reported (as read, with --verbose) shows the
    // stream is running, its signal handlers in place.
    let mut err = BufReader::new(run.child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    assert!(first.contains(":1: malformed"), "{first}");
    run.signal("INT");
    let rest = run.rest();
    let summary = rest.last().unwrap();
    assert_eq!(summary["kind"], "summary", "{rest:?}");
    assert_eq!(summary["complete"], false);
    assert_eq!(summary["malformed"], 1);
    assert_eq!(
        run.exit_code(),
        Some(2),
        "an input that could not be judged"
    );
}

#[test]
fn jsonl_escapes_terminal_controls_yet_keeps_the_exact_strings() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let ua = "curl/8 \u{9b}2J\u{7f} \u{202e}exe.txt \u{200b}\u{2066}\u{feff}";
    let name = "db\u{200b}";
    let mut e = get_secret("mallory\u{202e}", "prod", name, 0, 200);
    e["userAgent"] = serde_json::json!(ua);
    std::fs::write(&log, lines(&[e])).unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ktriage"))
        .args(["scan", "--format", "jsonl", log.to_str().unwrap()])
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_STATE_HOME", home.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for c in [
        '\u{9b}', '\u{7f}', '\u{202e}', '\u{200b}', '\u{2066}', '\u{feff}',
    ] {
        assert!(!text.contains(c), "raw U+{:04X} in jsonl", c as u32);
    }
    assert!(text.contains("\\u009b2J\\u007f \\u202eexe.txt \\u200b\\u2066\\ufeff"));
    let alert: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["kind"] == "alert")
        .unwrap();
    assert_eq!(alert["user_agents"][0], ua, "the exact string, escaped");
    assert_eq!(alert["identity"], "mallory\u{202e}");
    assert_eq!(alert["secrets"][0], format!("prod/{name}"));
}

#[test]
fn the_engine_says_which_alerts_changed_and_what_joined_them() {
    use ktriage::detect::{Config, Engine};
    use ktriage::pipeline::Ingest;
    let mut engine = Engine::new(Config::default(), ktriage::allowlist::Allowlist::empty());
    engine.track_joined();
    let mut ingest = Ingest::new(engine);
    let src: std::sync::Arc<str> = std::sync::Arc::from("t");
    let feed = |ingest: &mut Ingest, e: &Value| {
        let text = serde_json::to_string(e).unwrap();
        ingest.record(&src, 1, &text);
    };
    let a = get_secret("alice", "prod", "x", 0, 200);
    let b = get_secret("bob", "prod", "y", 1, 200);
    feed(&mut ingest, &a);
    feed(&mut ingest, &b);
    let ch = ingest.engine.take_changed_alerts();
    let who: Vec<&str> = ch.iter().map(|c| c.alert.identity.as_str()).collect();
    assert!(who.contains(&"alice") && who.contains(&"bob"), "{who:?}");
    let alice_rev = ch
        .iter()
        .find(|c| c.alert.identity == "alice" && c.alert.rule.as_str() == "secret-read")
        .map(|c| (c.alert.revision, c.joined.clone()))
        .unwrap();
    assert_eq!(alice_rev.1, vec![aid(&a)]);
    assert!(
        ingest.engine.take_changed_alerts().is_empty(),
        "nothing new"
    );
    // Only alice grows: only her alerts are handed out, with what joined.
    let a2 = get_secret("alice", "prod", "z", 2, 200);
    feed(&mut ingest, &a2);
    let ch = ingest.engine.take_changed_alerts();
    assert!(ch.iter().all(|c| c.alert.identity == "alice"));
    let read = ch
        .iter()
        .find(|c| c.alert.rule.as_str() == "secret-read")
        .unwrap();
    assert!(read.alert.revision > alice_rev.0);
    assert_eq!(read.joined, vec![aid(&a2)]);
}

#[test]
fn scan_stdin_in_text_prints_alert_blocks_before_the_pipe_closes() {
    let mut run = spawn(&["scan", "-"], Stdio::piped());
    let mut stdin = run.child.stdin.take().unwrap();
    stdin
        .write_all(lines(&[get_secret("mallory", "prod", "db", 0, 200)]).as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut text = String::new();
    while Instant::now() < deadline && !text.contains("secret-read") {
        if let Ok(l) = run.rx.recv_timeout(Duration::from_millis(50)) {
            text.push_str(&l);
            text.push('\n');
        }
    }
    assert!(text.contains("HIGH     secret-read"), "{text}");
    drop(stdin);
    let mut rest = String::new();
    while let Ok(l) = run.rx.recv_timeout(Duration::from_secs(10)) {
        rest.push_str(&l);
        rest.push('\n');
    }
    assert!(
        rest.contains("Final report") && rest.contains("1 incident, "),
        "{rest}"
    );
    assert_eq!(run.exit_code(), Some(0));
}

#[test]
fn a_pipe_that_ends_at_once_prints_each_alert_once_like_a_batch_scan() {
    let events: Vec<Value> = (0..50)
        .map(|k| get_secret("mallory", "prod", &format!("s-{k}"), k, 200))
        .collect();
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ktriage"))
        .args(["scan", "--format", "jsonl", "-"])
        .env("XDG_CONFIG_HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines(&events).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let recs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let alerts: Vec<&Value> = recs.iter().filter(|v| v["kind"] == "alert").collect();
    let mut ids: Vec<&str> = alerts.iter().map(|v| v["id"].as_str().unwrap()).collect();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "one line per alert: {alerts:?}");
    assert!(alerts.iter().all(|a| a["revision"] == 1));
    let read = alerts.iter().find(|a| a["rule"] == "secret-read").unwrap();
    assert_eq!(read["event_count"], 50);
    assert_eq!(read["new_audit_ids"].as_array().unwrap().len(), 50);
    assert_eq!(recs.last().unwrap()["kind"], "summary");
}

#[test]
fn a_truncation_seen_while_following_is_a_gap_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let first = get_secret("mallory", "prod", "db-0", 0, 200);
    std::fs::write(&log, lines(std::slice::from_ref(&first))).unwrap();
    let mut run = spawn(&["scan", "--follow", log.to_str().unwrap()], Stdio::null());
    run.until(10, |v| v["kind"] == "alert" && v["rule"] == "secret-read");
    // Truncated in place and regrown: whatever was written in between is
    // gone, and the stream must not call itself complete.
    let second = get_secret("trudy", "prod", "db-1", 5, 200);
    std::fs::write(&log, lines(std::slice::from_ref(&second))).unwrap();
    run.until(10, |v| v["kind"] == "alert" && v["identity"] == "trudy");
    run.signal("TERM");
    let rest = run.rest();
    run.exit_code();
    let summary = rest.last().unwrap();
    assert_eq!(summary["kind"], "summary", "{rest:?}");
    let gaps = summary["gaps"].as_array().unwrap();
    assert!(
        gaps.iter()
            .any(|g| g.as_str().unwrap().contains("possible gap at")),
        "{summary}"
    );
    assert_eq!(summary["complete"], false);
}

/// A writer that keeps appending to the renamed file (it never reopened
/// the path): its lines are read, and the summary record and stderr say
/// the writer did not reopen (the TUI status bar already did).
#[test]
fn a_writer_that_did_not_reopen_is_named_in_the_summary_and_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    std::fs::write(
        &log,
        lines(&[get_secret("mallory", "prod", "db-0", 0, 200)]),
    )
    .unwrap();
    let mut run = spawn_with(
        &["scan", "--follow", log.to_str().unwrap()],
        Stdio::null(),
        Stdio::piped(),
    );
    run.until(10, |v| v["kind"] == "alert" && v["identity"] == "mallory");
    // Rotated the logrotate `create` way, but the writer keeps its old
    // descriptor: the new file only gets what another writer adds.
    let rotated = dir.path().join("audit.log.1");
    std::fs::rename(&log, &rotated).unwrap();
    std::fs::write(&log, lines(&[get_secret("bob", "prod", "db-1", 1, 200)])).unwrap();
    run.until(10, |v| v["kind"] == "alert" && v["identity"] == "bob");
    append(&rotated, &[get_secret("trudy", "prod", "db-2", 2, 200)]);
    run.until(10, |v| v["kind"] == "alert" && v["identity"] == "trudy");
    run.signal("TERM");
    let rest = run.rest();
    run.exit_code();
    let summary = rest.last().unwrap();
    assert_eq!(summary["kind"], "summary", "{rest:?}");
    assert_eq!(summary["not_reopened"], 1, "{summary}");
    assert_eq!(summary["events"], 3, "every line read: {summary}");
    assert_eq!(
        summary["complete"], true,
        "drained, nothing lost: {summary}"
    );
    let mut err = String::new();
    std::io::Read::read_to_string(&mut run.child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("did not reopen"), "{err}");
}

/// `scan --follow audit.log > audit.log.1`: our own output, even under a
/// rotated name in the log's directory, is never read as the log (before,
/// a rotation made the follower list the directory and read it whole).
#[test]
fn our_own_output_beside_the_log_is_never_read_as_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    std::fs::write(
        &log,
        lines(&[get_secret("mallory", "prod", "db-0", 0, 200)]),
    )
    .unwrap();
    let out_path = dir.path().join("audit.log.1");
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ktriage"))
        .args([
            "scan",
            "--follow",
            "--poll",
            "--format",
            "jsonl",
            log.to_str().unwrap(),
        ])
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_STATE_HOME", home.path())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let wait_for = |who: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !std::fs::read_to_string(&out_path).unwrap().contains(who) {
            assert!(Instant::now() < deadline, "no alert for {who}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_for("\"mallory\"");
    // A rename rotation: the follower lists the directory for missed files.
    std::fs::rename(&log, dir.path().join("audit.log.2")).unwrap();
    std::fs::write(&log, lines(&[get_secret("bob", "prod", "db-1", 1, 200)])).unwrap();
    wait_for("\"bob\"");
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    child.wait().unwrap();
    let out = std::fs::read_to_string(&out_path).unwrap();
    let summary: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(summary["kind"], "summary", "{out}");
    assert_eq!(summary["events"], 2, "{summary}");
    assert_eq!(summary["malformed"], 0, "{summary}");
    assert_eq!(summary["gaps"], serde_json::json!([]), "{summary}");
}
