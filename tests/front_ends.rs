//! One view, four front-ends (issue 12): text, jsonl and markdown of the
//! same log describe the same incidents (identities, rotation list, alert
//! and audit IDs), because all three render `view::` rows; and alert ids
//! come from typed grouping keys, so rewording a message never changes one.

mod common;

use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const ATTACK: &str = include_str!("../sample-logs/k8s_exec_secret_exfil.json");
const RAPID: &str = include_str!("../sample-logs/rules/secret-rapid-get.positive.jsonl");
const DENIED: &str = include_str!("../sample-logs/rules/secret-access-denied.near-miss.jsonl");

fn scan(log: &str, format: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("audit.jsonl");
    std::fs::write(&p, log).unwrap();
    let out = ktriage(&["scan", "--format", format, p.to_str().unwrap()], None);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The part of `doc` from the line starting a block for `id` to the next
/// line that starts another block (`is_start`).
fn section<'a>(doc: &'a str, id: &str, is_start: impl Fn(&str) -> bool) -> &'a str {
    let lines: Vec<(usize, &str)> = doc
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .chain(std::iter::once(0))
        .filter(|&i| i <= doc.len())
        .map(|i| (i, &doc[i..doc[i..].find('\n').map_or(doc.len(), |e| i + e)]))
        .collect();
    let mut starts: Vec<(usize, &str)> = lines.into_iter().filter(|(_, l)| is_start(l)).collect();
    starts.sort();
    let at = starts
        .iter()
        .position(|(_, l)| l.contains(id))
        .unwrap_or_else(|| panic!("no block for {id}"));
    let from = starts[at].0;
    let to = starts.get(at + 1).map_or(doc.len(), |s| s.0);
    &doc[from..to]
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// A rotation item in the words both text and markdown use for it.
fn rotate_words(r: &Value) -> String {
    let (ns, name) = (
        r["namespace"].as_str().unwrap(),
        r["name"].as_str().unwrap(),
    );
    match r["kind"].as_str().unwrap() {
        "named" => format!("{ns}/{name}"),
        "whole_namespace" => format!("{ns}/*"),
        _ => "*/*".to_string(),
    }
}

#[test]
fn text_jsonl_and_markdown_agree_on_every_incident() {
    let log = format!("{ATTACK}\n{RAPID}\n{DENIED}");
    let j = jsonl(&scan(&log, "jsonl"));
    let text = String::from_utf8(scan(&log, "text").stdout).unwrap();
    let md = String::from_utf8(scan(&log, "markdown").stdout).unwrap();
    let alerts: Vec<&Value> = j.iter().filter(|l| l["kind"] == "alert").collect();
    let incidents: Vec<&Value> = j.iter().filter(|l| l["kind"] == "incident").collect();
    assert!(incidents.len() >= 3, "the mix has several incidents");
    let sev = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];
    for inc in &incidents {
        let id = inc["id"].as_str().unwrap();
        let t = section(&text, id, |l| sev.iter().any(|s| l.starts_with(s)));
        let m = section(&md, id, |l| l.starts_with("## "));
        // Identities.
        for who in strs(&inc["identities"]) {
            assert!(t.contains(&who), "text of {id} lacks identity {who}:\n{t}");
            assert!(
                m.contains(&format!("`{who}`")),
                "markdown of {id} lacks identity {who}"
            );
        }
        // The rotation list: the same entries, in the same order.
        let want: Vec<String> = inc["secrets_to_rotate"]
            .as_array()
            .unwrap()
            .iter()
            .map(rotate_words)
            .collect();
        let text_rotate: Vec<String> = t
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("[ ] "))
            .map(|l| l.split(" (").next().unwrap().to_string())
            .collect();
        assert_eq!(text_rotate, want, "text rotation list of {id}");
        let md_rotate: Vec<String> = m
            .split("### Secrets to rotate")
            .nth(1)
            .map(|s| s.split("\n### ").next().unwrap())
            .unwrap_or("")
            .lines()
            .filter_map(|l| l.strip_prefix("- `"))
            .map(|l| l.split('`').next().unwrap().to_string())
            .collect();
        assert_eq!(md_rotate, want, "markdown rotation list of {id}");
        if want.is_empty() {
            assert!(t.contains("Rotate: nothing"), "{t}");
        }
        // Alerts: the same set, each with its audit IDs in the report.
        let ids: BTreeSet<String> = strs(&inc["alerts"]).into_iter().collect();
        let md_ids: BTreeSet<String> = m
            .lines()
            .filter_map(|l| l.strip_prefix("- Alert: `"))
            .map(|l| l.trim_end_matches('`').to_string())
            .collect();
        assert_eq!(md_ids, ids, "markdown alerts of {id}");
        assert_eq!(
            t.matches("  ▸ ").count(),
            ids.len(),
            "text alert blocks of {id}"
        );
        for a in alerts
            .iter()
            .filter(|a| ids.contains(a["id"].as_str().unwrap()))
        {
            let rule = a["rule"].as_str().unwrap();
            assert!(t.contains(&format!(" {rule}  ")), "text of {id}: {rule}");
            for aid in strs(&a["audit_ids"]).iter().take(50) {
                assert!(m.contains(&format!("`{aid}`")), "markdown of {id}: {aid}");
            }
        }
    }
    // rapid-get's per-secret outcomes are fields in jsonl and the same
    // counts in text: bob asked for names that do not exist.
    let bob = alerts
        .iter()
        .find(|a| a["rule"] == "secret-rapid-get" && a["identity"] == "bob")
        .expect("bob's rapid GETs");
    let fates: Vec<&str> = bob["secret_outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["fate"].as_str().unwrap())
        .collect();
    assert_eq!(
        fates.len(),
        strs(&bob["secrets"]).len(),
        "one outcome per secret"
    );
    let n = |f: &str| fates.iter().filter(|x| **x == f).count();
    assert!(n("not_found") > 0, "{fates:?}");
    let inc = incidents
        .iter()
        .find(|i| strs(&i["alerts"]).contains(&bob["id"].as_str().unwrap().to_string()))
        .unwrap();
    let t = section(&text, inc["id"].as_str().unwrap(), |l| {
        sev.iter().any(|s| l.starts_with(s))
    });
    let mut words = vec![];
    for (f, w) in [
        ("served", "served"),
        ("denied", "denied"),
        ("not_found", "not found (404)"),
    ] {
        if n(f) > 0 {
            words.push(format!("{} {w}", n(f)));
        }
    }
    let line = format!("{} secrets: {}", fates.len(), words.join(", "));
    assert!(t.contains(&line), "text says {line:?}:\n{t}");
}

fn escalate_id(log: &str) -> (String, Vec<String>) {
    let s = scan_text(log);
    let a = s.alert("escalate-then-loot");
    (a.id.clone(), a.notes.clone())
}

#[test]
fn rewording_an_escalation_does_not_change_its_alert_id() {
    // The same binding granting another role: the escalation's sentence
    // (the note) reads differently, the alert is the same alert.
    let (id, notes) = escalate_id(ATTACK);
    let reworded = ATTACK.replace(
        r#""kind":"ClusterRole","name":"cluster-admin""#,
        r#""kind":"ClusterRole","name":"edit""#,
    );
    assert_ne!(reworded, ATTACK);
    let (id2, notes2) = escalate_id(&reworded);
    assert_ne!(notes, notes2, "the note's wording changed");
    assert!(notes2.iter().any(|n| n.contains("ClusterRole edit")));
    assert_eq!(id, id2, "the id is of the binding, not of the sentence");
    // Near miss: another binding is another key, so another alert id.
    let other = ATTACK.replace("attacker-admin-binding", "other-binding");
    let (id3, _) = escalate_id(&other);
    assert_ne!(id, id3);
    // And jsonl carries the key as fields.
    let j = jsonl(&scan(ATTACK, "jsonl"));
    let a = j
        .iter()
        .find(|l| l["rule"] == "escalate-then-loot")
        .unwrap();
    assert_eq!(a["id"], id.as_str());
    assert_eq!(
        a["group_key"],
        json!({"by": "rbac_object", "kind": "ClusterRoleBinding", "namespace": "", "name": "attacker-admin-binding"})
    );
    assert_eq!(a["group"], "ClusterRoleBinding attacker-admin-binding");
}

#[test]
fn a_user_agent_cannot_pose_as_an_impersonation_key() {
    // The old display key of rapid GETs was "ip | ua | via account": a
    // client sending the user agent "kubectl | via admin" got the same key
    // (and so the same alert) as admin impersonating the identity with
    // "kubectl". Typed fields keep them apart.
    let mut evs = Vec::new();
    for (i, n) in ["a", "b", "c"].iter().enumerate() {
        let mut e = get_secret("mallory", "prod", n, i as i64 * 10, 200);
        e["userAgent"] = json!("kubectl | via admin");
        evs.push(e);
        let mut e = get_secret("admin", "prod", n, 100 + i as i64 * 10, 200);
        e["userAgent"] = json!("kubectl");
        e["impersonatedUser"] = json!({"username": "mallory"});
        evs.push(e);
    }
    let s = scan_text(&lines(&evs));
    let rapid: Vec<_> = s
        .alerts()
        .iter()
        .filter(|a| a.rule.as_str() == "secret-rapid-get")
        .collect();
    assert_eq!(rapid.len(), 2, "two clients, two alerts");
    assert_ne!(rapid[0].id, rapid[1].id);
    let ids: BTreeSet<&str> = rapid.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    // Alerts without a key keep the id they always had: a hash of rule,
    // identity and "" (FNV-1a, `detect::alert::stable_id`).
    let read = s.alert("secret-read");
    assert!(read.group.is_none());
    assert_eq!(
        read.id,
        ktriage::detect::alert::stable_id("al", &["secret-read", "mallory", ""])
    );
}

#[test]
fn a_stream_writes_each_alert_as_the_batch_does() {
    // `scan --follow` writes alerts one at a time (jsonl::stream_alert_line)
    // from the same view rows as the batch: the same fields, its own
    // revision and the IDs that joined.
    let s = scan_text(&format!("{ATTACK}\n{RAPID}"));
    let mut batch = Vec::new();
    ktriage::report::jsonl::write(&mut batch, s.alerts(), &s.incidents).unwrap();
    let batch: Vec<Value> = String::from_utf8(batch)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &Value| v["kind"] == "alert")
        .collect();
    assert_eq!(batch.len(), s.alerts().len());
    assert!(batch.iter().any(|v| v["group_key"]["by"] == "source"));
    for (a, want) in s.alerts().iter().zip(&batch) {
        let joined = vec!["x-1".to_string()];
        let mut out = Vec::new();
        ktriage::report::jsonl::write_line(
            &mut out,
            &ktriage::report::jsonl::stream_alert_line(a, 3, Some(&joined)),
        )
        .unwrap();
        let mut got: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(got["revision"], 3);
        assert_eq!(got["new_audit_ids"], json!(["x-1"]));
        let o = got.as_object_mut().unwrap();
        o.remove("new_audit_ids");
        o.insert("revision".into(), json!(1));
        assert_eq!(&got, want, "{}", a.id);
    }
}
