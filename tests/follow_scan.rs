//! `ktriage scan --follow`: alerts come out as jsonl while the file grows.

mod common;

use common::*;
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
