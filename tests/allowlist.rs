//! The allowlist file: defaults silence the busy benign log and every default
//! entry is used; edits keep comments and order; a bad file is an error that
//! names the line and is never overwritten; expiry ends an exception.

mod common;

use common::*;
use ktriage::allowlist::{self, AllowlistEntry, AllowlistFile, EntryKind};
use ktriage::audit::parse_event;
use ktriage::detect::{Config, RuleId, matching_entries};
use serde_json::json;

#[test]
fn every_default_entry_matches_the_benign_log() {
    let allow = allowlist::default_allowlist();
    let cfg = Config::default();
    let text = std::fs::read_to_string(sample("benign-busy-cluster.jsonl")).unwrap();
    let mut used = vec![0u32; allow.entries.len()];
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let ev = parse_event(line).unwrap();
        for i in matching_entries(&allow, &ev, &cfg) {
            used[i] += 1;
        }
    }
    for (e, n) in allow.entries.iter().zip(&used) {
        assert!(
            *n > 0,
            "default entry {} {} matched nothing in the benign log",
            e.kind,
            e.value
        );
    }
}

#[test]
fn init_text_round_trips_to_the_defaults() {
    let text = allowlist::init_text();
    let parsed =
        allowlist::parse_allowlist(&text, std::path::Path::new("a.toml"), RuleId::IDS).unwrap();
    let defaults = allowlist::default_entries();
    assert_eq!(parsed.entries.len(), defaults.len());
    for (p, d) in parsed.entries.iter().zip(&defaults) {
        assert_eq!(
            (p.kind, &p.value, &p.rules, p.named_only, &p.pod_name_prefix),
            (d.kind, &d.value, &d.rules, d.named_only, &d.pod_name_prefix)
        );
    }
}

#[test]
fn edits_keep_comments_order_and_write_atomically_with_undo() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("allowlist.toml");
    let original = "# my cluster's allowlist\n\n# the backup job, ticket OPS-12\n[[allow]]\nkind = \"user\"\nvalue = \"backup\" # inline note\nreason = \"nightly backup\"\n";
    std::fs::write(&path, original).unwrap();
    let mut f = AllowlistFile::open(&path, "", RuleId::IDS).unwrap();
    let mut e = AllowlistEntry::new(EntryKind::SourceCidr, "10.20.0.0/16")
        .unwrap()
        .with_rules(&["secret-read"])
        .with_reason("CI runners");
    e.set_expiry(Some("2026-12-31")).unwrap();
    f.add(&e, RuleId::IDS).unwrap();
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(
        saved.starts_with(original),
        "existing text and comments kept verbatim:\n{saved}"
    );
    assert!(saved.contains("10.20.0.0/16") && saved.contains("2026-12-31"));
    assert_eq!(f.allowlist.entries.len(), 2);
    // No temporary files left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    f.remove(0, RuleId::IDS).unwrap();
    assert!(!std::fs::read_to_string(&path).unwrap().contains("backup"));
    f.undo(RuleId::IDS).unwrap();
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("# the backup job, ticket OPS-12")
    );
}

#[test]
fn bad_file_names_the_line_and_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("allowlist.toml");
    let bad =
        "[[allow]]\nkind = \"user\"\nvalue = \"a\"\n\n[[allow]]\nkind = \"usr\"\nvalue = \"b\"\n";
    std::fs::write(&path, bad).unwrap();
    let err = AllowlistFile::open(&path, "", RuleId::IDS)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(":5:") && err.contains("unknown kind `usr`"),
        "{err}"
    );
    let typo = "[[allow]]\nkind = \"user\"\nvalue = \"a\"\nrules = [\"secret-raed\"]\n";
    std::fs::write(&path, typo).unwrap();
    let err = AllowlistFile::open(&path, "", RuleId::IDS)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown rule `secret-raed`"), "{err}");
    let syntax = "[[allow]\nkind = ";
    std::fs::write(&path, syntax).unwrap();
    assert!(
        AllowlistFile::open(&path, "", RuleId::IDS)
            .unwrap_err()
            .to_string()
            .contains(":1:")
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), syntax, "untouched");
}

#[test]
fn expired_exception_stops_applying() {
    let mut e = AllowlistEntry::new(EntryKind::User, "mallory")
        .unwrap()
        .with_reason("debugging OPS-7");
    e.set_expiry(Some("2026-07-01")).unwrap();
    let mut allow = allowlist::default_allowlist();
    allow.entries.push(e);
    let evs = lines(&[
        get_secret("mallory", "prod", "a", 0, 200),
        get_secret("mallory", "prod", "b", 86_400, 200),
    ]);
    let s = scan_bytes("t", evs.into_bytes(), Config::default(), allow);
    let a = s.alert("secret-read");
    assert_eq!(
        a.event_count, 1,
        "only the read after the expiry day alerts"
    );
    assert_eq!(a.events[0].name, "b");
}

#[test]
fn pod_bound_service_account_entry_needs_the_pod() {
    let trivy = |pod: Option<&str>| {
        let mut user = json!({"username": "system:serviceaccount:security:trivy-operator"});
        if let Some(p) = pod {
            user["extra"] = json!({"authentication.kubernetes.io/pod-name": [p]});
        }
        ev(json!({"user": user}))
    };
    assert!(
        !scan_text(&lines(&[trivy(Some("trivy-operator-5d9f8c7b6-x2x9k"))])).fired("secret-read")
    );
    assert!(
        scan_text(&lines(&[trivy(None)])).fired("secret-read"),
        "a copied long-lived token is not the pod"
    );
}
