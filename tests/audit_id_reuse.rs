//! A client can set its own `Audit-ID` header. Lines that reuse one
//! auditID for other requests (another verb, object or user, or a second
//! final answer) are judged as requests of their own and said in the
//! summary; merging them as stages of one request hid every read after a
//! decoy (found by a red-team try: "No alerts.", exit 0).

mod common;
use common::{jsonl, ktriage};
use serde_json::Value;

fn line(id: &str, stage: &str, verb: &str, res: &str, name: &str, code: u16, sec: u32) -> String {
    let uri = format!("/api/v1/namespaces/prod/{res}/{name}");
    let status = if stage == "ResponseComplete" {
        format!(r#","responseStatus":{{"code":{code}}}"#)
    } else {
        String::new()
    };
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"{stage}","requestURI":"{uri}","verb":"{verb}","user":{{"username":"mallory","groups":["system:authenticated"]}},"sourceIPs":["203.0.113.9"],"userAgent":"kubectl/v1.30.2","objectRef":{{"resource":"{res}","namespace":"prod","name":"{name}","apiVersion":"v1"}},"requestReceivedTimestamp":"2026-07-01T10:00:{sec:02}.000000Z","stageTimestamp":"2026-07-01T10:00:{sec:02}.000000Z"{status}}}"#
    ) + "\n"
}

fn scan(log: &str) -> (Vec<Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    std::fs::write(&path, log).unwrap();
    let out = ktriage(&["scan", "--format", "jsonl", path.to_str().unwrap()], None);
    (
        jsonl(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rotate(recs: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = (recs.iter())
        .filter(|r| r["kind"] == "incident")
        .flat_map(|r| r["secrets_to_rotate"].as_array().unwrap().clone())
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn summary(recs: &[Value]) -> &Value {
    recs.iter().find(|r| r["kind"] == "summary").unwrap()
}

#[test]
fn secret_reads_under_a_decoy_requests_audit_id_all_alert_and_the_reuse_is_said() {
    let id = "5f0c2a1e-0000-4000-8000-000000000001";
    let mut log = line(id, "ResponseComplete", "get", "roles", "view", 200, 0);
    for (i, s) in ["db-credentials", "aws-credentials", "tls-key"]
        .iter()
        .enumerate()
    {
        log += &line(
            id,
            "ResponseComplete",
            "get",
            "secrets",
            s,
            200,
            5 + i as u32,
        );
    }
    let (recs, err) = scan(&log);
    assert_eq!(
        rotate(&recs),
        ["aws-credentials", "db-credentials", "tls-key"]
    );
    let read = (recs.iter())
        .find(|r| r["kind"] == "alert" && r["rule"] == "secret-read")
        .expect("secret-read fires");
    assert_eq!(read["event_count"], 3, "{read}");
    let s = summary(&recs);
    assert_eq!(s["audit_id_reused"], 3, "{s}");
    assert_eq!(s["requests"], 4, "{s}");
    assert!(
        err.contains("3 lines carry an auditID already seen for a different request"),
        "{err}"
    );
}

#[test]
fn a_served_read_then_a_404_under_one_audit_id_stays_on_the_rotation_list() {
    let id = "5f0c2a1e-0000-4000-8000-000000000002";
    let log = line(
        id,
        "ResponseComplete",
        "get",
        "secrets",
        "db-credentials",
        200,
        0,
    ) + &line(
        id,
        "ResponseComplete",
        "get",
        "secrets",
        "db-credentials",
        404,
        9,
    );
    let (recs, _) = scan(&log);
    assert_eq!(rotate(&recs), ["db-credentials"]);
    assert_eq!(summary(&recs)["audit_id_reused"], 1);
}

#[test]
fn near_miss_the_stages_of_one_request_stay_one_request_with_no_warning() {
    let id = "5f0c2a1e-0000-4000-8000-000000000003";
    let log = line(id, "RequestReceived", "get", "secrets", "db-credentials", 0, 0)
        + &line(id, "ResponseComplete", "get", "secrets", "db-credentials", 200, 0)
        // The same final line twice (an overlapping read of a rotation).
        + &line(id, "ResponseComplete", "get", "secrets", "db-credentials", 200, 0);
    let (recs, err) = scan(&log);
    assert_eq!(rotate(&recs), ["db-credentials"]);
    let s = summary(&recs);
    assert_eq!(s["requests"], 1, "{s}");
    assert!(s.get("audit_id_reused").is_none(), "{s}");
    assert!(!err.contains("auditID already seen"), "{err}");
}
