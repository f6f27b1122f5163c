//! Input sets and unreadable input, through the real binary: rotated files
//! in any order and directories are merged by time; nothing unreadable is
//! ever reported as clean.

mod common;

use common::{jsonl, sample};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::Output;

fn ktriage(args: &[&str]) -> Output {
    common::ktriage(args, None)
}

fn etl(objs: &[Value]) -> Option<&Value> {
    objs.iter()
        .find(|o| o["kind"] == "alert" && o["rule"] == "escalate-then-loot")
}

/// The seed sample split at the escalation: the binding in the older file,
/// the loot in the live one.
fn split_rotation(dir: &Path) -> (String, String) {
    let text = std::fs::read_to_string(sample("k8s_exec_secret_exfil.json")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let cut = lines
        .iter()
        .position(|l| l.contains("clusterrolebindings"))
        .unwrap()
        + 1;
    let old = dir.join("audit-2026-07-01T14-02-40.000.log.gz");
    let live = dir.join("audit.log");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all((lines[..cut].join("\n") + "\n").as_bytes())
        .unwrap();
    std::fs::write(&old, gz.finish().unwrap()).unwrap();
    std::fs::write(&live, lines[cut..].join("\n") + "\n").unwrap();
    std::fs::write(dir.join("README.txt"), "not a log").unwrap();
    (
        old.to_str().unwrap().to_string(),
        live.to_str().unwrap().to_string(),
    )
}

#[test]
fn rotated_files_newest_first_and_their_directory_find_escalate_then_loot() {
    let whole = ktriage(&[
        "scan",
        "--format",
        "jsonl",
        sample("k8s_exec_secret_exfil.json").to_str().unwrap(),
    ]);
    let whole = jsonl(&whole);
    let want = etl(&whole).expect("the seed sample raises escalate-then-loot");

    let dir = tempfile::tempdir().unwrap();
    let (old, live) = split_rotation(dir.path());
    for args in [
        vec![live.as_str(), old.as_str()],
        vec![dir.path().to_str().unwrap()],
    ] {
        let mut a = vec!["scan", "--format", "jsonl"];
        a.extend(args.iter().copied());
        let out = ktriage(&a);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let objs = jsonl(&out);
        let got = etl(&objs).unwrap_or_else(|| panic!("{args:?}: no escalate-then-loot"));
        assert_eq!(got["audit_ids"], want["audit_ids"], "{args:?}: every event");
        assert_eq!(got["event_count"], want["event_count"]);
        let summary = objs.last().unwrap();
        assert_eq!(summary["kind"], "summary");
        assert_eq!(summary["inputs"].as_array().unwrap().len(), 2, "{args:?}");
        assert_eq!(summary["late"], 0, "{args:?}: judged in time order");
    }
    // One stream holding the same lines out of order: judged as they come,
    // and the events that arrived minutes behind are counted as late.
    let live_text = std::fs::read_to_string(&live).unwrap();
    let mut d = flate2::read::GzDecoder::new(std::fs::File::open(&old).unwrap());
    let mut old_text = String::new();
    std::io::Read::read_to_string(&mut d, &mut old_text).unwrap();
    let both = dir.path().join("both.jsonl");
    std::fs::write(&both, live_text + &old_text).unwrap();
    let objs = jsonl(&ktriage(&[
        "scan",
        "--format",
        "jsonl",
        both.to_str().unwrap(),
    ]));
    assert!(objs.last().unwrap()["late"].as_u64().unwrap() > 0);
    // The directory's other file is named, not read.
    let out = ktriage(&["scan", dir.path().to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("README.txt"));
}

#[test]
fn an_export_in_no_known_format_is_exit_2_with_its_shape() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("export.json");
    std::fs::write(
        &p,
        "{\"insertId\":\"1\",\"jsonPayload\":{\"msg\":\"hi\"},\"severity\":\"INFO\"}\n".repeat(3),
    )
    .unwrap();
    for fail_on in [None, Some("low")] {
        let mut a = vec!["scan", p.to_str().unwrap()];
        if let Some(f) = fail_on {
            a.extend(["--fail-on", f]);
        }
        let out = ktriage(&a);
        assert_eq!(out.status.code(), Some(2));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stdout.starts_with("NOT JUDGED"), "{stdout}");
        assert!(
            stderr.contains("JSON object with keys insertId, jsonPayload, severity"),
            "{stderr}"
        );
        assert!(
            stderr.contains("GKE Cloud Logging"),
            "names the formats read: {stderr}"
        );
    }
    // Another, readable input is still judged and reported.
    let out = ktriage(&[
        "scan",
        "--format",
        "jsonl",
        p.to_str().unwrap(),
        sample("k8s_exec_secret_exfil.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let objs = jsonl(&out);
    assert!(etl(&objs).is_some());
    assert_eq!(objs.last().unwrap()["complete"], false);
}

#[test]
fn a_truncated_gzip_yields_what_came_before_and_never_stops_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample("k8s_exec_secret_exfil.json")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    let mut bytes = gz.finish().unwrap();
    bytes.truncate(bytes.len() * 3 / 4);
    let p = dir.path().join("audit.log.1.gz");
    std::fs::write(&p, &bytes).unwrap();
    let benign = sample("benign-busy-cluster.jsonl");
    let out = ktriage(&[
        "scan",
        "--format",
        "jsonl",
        p.to_str().unwrap(),
        benign.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("audit.log.1.gz"), "{stderr}");
    assert!(
        stderr.contains("compressed byte"),
        "names the offset: {stderr}"
    );
    assert_eq!(
        stderr.matches("ends early").count(),
        1,
        "said once: {stderr}"
    );
    let objs = jsonl(&out);
    let s = objs.last().unwrap();
    let inputs = s["inputs"].as_array().unwrap();
    assert!(
        inputs[0]["events"].as_u64().unwrap() > 5,
        "events before the damage"
    );
    let benign_lines = std::fs::read_to_string(&benign)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert_eq!(
        inputs[1]["events"].as_u64(),
        Some(benign_lines as u64),
        "the other input read whole"
    );
}

#[test]
fn since_and_until_bound_what_is_judged() {
    let p = sample("k8s_exec_secret_exfil.json");
    let p = p.to_str().unwrap();
    let all = jsonl(&ktriage(&["scan", "--format", "jsonl", p]));
    assert!(all.iter().any(|o| o["rule"] == "pod-exec"));
    // The exec is at 14:05:40: until 14:05 leaves it out.
    let before = jsonl(&ktriage(&[
        "scan",
        "--format",
        "jsonl",
        "--until",
        "2026-07-01T14:05:00Z",
        p,
    ]));
    assert!(!before.iter().any(|o| o["rule"] == "pod-exec"));
    assert!(before.last().unwrap()["outside_bounds"].as_u64().unwrap() > 0);
    let after = jsonl(&ktriage(&[
        "scan",
        "--format",
        "jsonl",
        "--since",
        "2026-07-01T14:05:00Z",
        p,
    ]));
    assert!(after.iter().any(|o| o["rule"] == "pod-exec"));
    assert!(!after.iter().any(|o| o["rule"] == "rbac-binding-created"));
    let bad = ktriage(&["scan", "--since", "yesterday", p]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_mostly_malformed_input_is_a_warning_with_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("audit.log");
    let good = std::fs::read_to_string(sample("k8s_exec_secret_exfil.json")).unwrap();
    let first = good.lines().next().unwrap();
    std::fs::write(&p, format!("{first}\n{}", "{\"verb\":\"get\",\n".repeat(5))).unwrap();
    let out = ktriage(&["scan", p.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("WARNING") && stderr.contains("5 of 6 records are malformed"),
        "{stderr}"
    );
}
