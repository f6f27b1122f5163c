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
            (
                p.kind,
                &p.value,
                &p.rules,
                p.named_only,
                &p.pod_name_prefix,
                &p.source_cidrs
            ),
            (
                d.kind,
                &d.value,
                &d.rules,
                d.named_only,
                &d.pod_name_prefix,
                &d.source_cidrs
            )
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
    // No temporary files left behind; the file before the change is kept
    // as `.bak` (beside the `.lock` every writer takes).
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "allowlist.toml",
            "allowlist.toml.bak",
            "allowlist.toml.lock"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("allowlist.toml.bak")).unwrap(),
        original
    );
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

/// A secret read by `user` (`pod`: the pod a bound token names).
fn read_as(
    user: &str,
    pod: Option<&str>,
    groups: &[&str],
    ns: &str,
    name: Option<&str>,
) -> serde_json::Value {
    let mut u = json!({"username": user, "groups": groups});
    if let Some(p) = pod {
        u["extra"] = json!({"authentication.kubernetes.io/pod-name": [p]});
    }
    let (verb, uri, obj_name) = match name {
        Some(n) => (
            "get",
            format!("/api/v1/namespaces/{ns}/secrets/{n}"),
            json!(n),
        ),
        None => (
            "list",
            format!("/api/v1/namespaces/{ns}/secrets"),
            json!(null),
        ),
    };
    ev(json!({"user": u, "verb": verb, "requestURI": uri,
        "sourceIPs": ["10.244.1.50"], "userAgent": "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350",
        "objectRef": {"namespace": ns, "name": obj_name}}))
}

const SA_GROUPS: &[&str] = &["system:serviceaccounts", "system:authenticated"];

#[test]
fn new_and_default_accounts_in_kube_system_alert() {
    // An account created in kube-system after escalating, bound to cluster-admin.
    let s = scan_text(&lines(&[read_as(
        "system:serviceaccount:kube-system:cluster-backup",
        None,
        SA_GROUPS,
        "prod",
        None,
    )]));
    assert!(s.fired("secret-read"), "{:?}", s.rules());
    assert!(s.fired("secret-read-workload-identity"));
    // kube-system:default (cluster-admin on many older clusters) and tiller.
    for user in [
        "system:serviceaccount:kube-system:default",
        "system:serviceaccount:kube-system:tiller",
    ] {
        let s = scan_text(&lines(&[read_as(
            user,
            None,
            SA_GROUPS,
            "prod",
            Some("db"),
        )]));
        assert!(s.fired("secret-read"), "{user}: {:?}", s.rules());
    }
    // The real controllers in kube-system stay quiet.
    let s = scan_text(&lines(&[read_as(
        "system:serviceaccount:kube-system:generic-garbage-collector",
        None,
        SA_GROUPS,
        "prod",
        Some("db"),
    )]));
    assert!(s.alerts().is_empty(), "{:?}", s.rules());
}

/// What an attacker cannot forge for a product namespace: a token bound to
/// a pod of the controller's name running as that account. A squatted
/// `flux-system/source-controller` (namespace and account created by a stolen
/// CI token) reads with a long-lived or minted token (no pod), or from a pod
/// of another name: secret-read fires.
#[test]
fn squatted_product_namespace_alerts() {
    let source = "system:serviceaccount:flux-system:source-controller";
    for pod in [
        None,
        Some("debug-shell"),
        Some("src-controller-6c8f5d9b7-hv4kq"),
    ] {
        let s = scan_text(&lines(&[read_as(
            source,
            pod,
            SA_GROUPS,
            "prod",
            Some("db"),
        )]));
        assert!(s.fired("secret-read"), "pod {pod:?}: {:?}", s.rules());
    }
    // Any other account in the namespace, even cert-manager-named elsewhere.
    for user in [
        "system:serviceaccount:flux-system:default",
        "system:serviceaccount:flux-system:image-updater",
        "system:serviceaccount:cert-manager-system:cert-manager",
    ] {
        let s = scan_text(&lines(&[read_as(
            user,
            Some("cert-manager-7c9f6d8b5-lm2vn"),
            SA_GROUPS,
            "prod",
            Some("db"),
        )]));
        assert!(s.fired("secret-read"), "{user}: {:?}", s.rules());
    }
    // Impersonating the controller with a forged pod-name extra
    // (Impersonate-Extra-authentication.kubernetes.io/pod-name).
    let mut imp = read_as("admin", None, &["system:masters"], "prod", Some("db"));
    imp["impersonatedUser"] = json!({"username": source, "groups": SA_GROUPS,
        "extra": {"authentication.kubernetes.io/pod-name": ["source-controller-6c8f5d9b7-hv4kq"]}});
    let s = scan_text(&lines(&[imp]));
    assert!(
        s.fired("secret-read") && s.fired("secret-access-impersonated"),
        "{:?}",
        s.rules()
    );
    // The real controller: its pod-bound token.
    let s = scan_text(&lines(&[read_as(
        source,
        Some("source-controller-6c8f5d9b7-hv4kq"),
        SA_GROUPS,
        "flux-system",
        Some("flux-system"),
    )]));
    assert!(s.alerts().is_empty(), "{:?}", s.rules());
}

#[test]
fn loopback_identity_only_from_loopback() {
    let apiserver = |ip: &str| {
        ev(
            json!({"user": {"username": "system:apiserver", "groups": ["system:masters"]},
            "verb": "watch", "requestURI": "/api/v1/secrets?watch=true", "sourceIPs": [ip],
            "userAgent": "kube-apiserver/v1.30.2 (linux/amd64) kubernetes/3968350",
            "objectRef": {"namespace": null, "name": null}}),
        )
    };
    assert!(
        scan_text(&lines(&[apiserver("127.0.0.1")]))
            .alerts()
            .is_empty()
    );
    assert!(scan_text(&lines(&[apiserver("::1")])).alerts().is_empty());
    let s = scan_text(&lines(&[apiserver("10.0.0.10")]));
    assert!(s.fired("secret-read") && s.fired("secret-list-cluster-wide"));
    // A forged X-Forwarded-For does not make a remote peer loopback.
    let mut forged = apiserver("10.0.0.10");
    forged["sourceIPs"] = json!(["127.0.0.1", "203.0.113.9"]);
    assert!(scan_text(&lines(&[forged])).fired("secret-read"));
}

#[test]
fn look_alike_identity_alerts_and_is_marked() {
    let fake = "system:kube-contr\u{43e}ller-manager"; // Cyrillic о
    let s = scan_text(&lines(&[read_as(
        fake,
        None,
        &["system:authenticated"],
        "prod",
        Some("db"),
    )]));
    let a = s.alert("secret-read");
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("look-alike of an allowlisted identity")
                && n.contains("system:kube-controller-manager")),
        "{:?}",
        a.notes
    );
    let mut text = Vec::new();
    ktriage::report::text::write_incident(
        &mut text,
        &s.incidents[0],
        s.alerts(),
        &ktriage::report::text::Style { color: false },
    )
    .unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("system:kube-contr⟨U+043E⟩ller-manager"),
        "{text}"
    );
    assert!(
        !text.contains(fake),
        "the look-alike never prints as itself"
    );
    // Nor in the Markdown report.
    let mut md = Vec::new();
    ktriage::report::markdown::write(
        &mut md,
        &s.ingest.engine,
        &s.incidents,
        ktriage::view::Meta::new(0, vec!["t".into()]),
    )
    .unwrap();
    let md = String::from_utf8(md).unwrap();
    assert!(md.contains("system:kube-contr⟨U+043E⟩ller-manager"), "{md}");
    assert!(
        !md.contains(fake),
        "the look-alike never prints as itself in markdown"
    );
    // Trailing zero-width space: also not matched, also marked.
    let zw = "system:kube-controller-manager\u{200b}";
    let s = scan_text(&lines(&[read_as(
        zw,
        None,
        &["system:authenticated"],
        "prod",
        Some("db"),
    )]));
    assert!(
        s.alert("secret-read")
            .notes
            .iter()
            .any(|n| n.contains("look-alike"))
    );
    // The real one is allowlisted and not a look-alike of itself.
    let s = scan_text(&lines(&[read_as(
        "system:kube-controller-manager",
        None,
        &["system:authenticated"],
        "prod",
        Some("db"),
    )]));
    assert!(s.alerts().is_empty(), "{:?}", s.rules());
}

#[test]
fn check_warns_about_joinable_entries_but_not_the_defaults() {
    use ktriage::allowlist::{BreadthWarning, breadth_warnings};
    let text = "[[allow]]\nkind = \"user-prefix\"\nvalue = \"system:serviceaccount:kube-system:\"\nrules = [\"secret-read\"]\n\n[[allow]]\nkind = \"source-cidr\"\nvalue = \"0.0.0.0/0\"\n\n[[allow]]\nkind = \"user-agent\"\nvalue = \"Helm/*\"\nrules = [\"secret-read\"]\n\n[[allow]]\nkind = \"user\"\nvalue = \"system:apiserver\"\nsource_cidrs = [\"127.0.0.1/32\"]\nrules = [\"secret-read\"]\n";
    let a = allowlist::parse_allowlist(text, std::path::Path::new("a.toml"), RuleId::IDS).unwrap();
    let w: Vec<Vec<BreadthWarning>> = a.entries.iter().map(breadth_warnings).collect();
    assert_eq!(
        w[0],
        vec![BreadthWarning::NamespacePrefix {
            namespace: "kube-system".into()
        }]
    );
    assert!(w[1].contains(&BreadthWarning::AllRules));
    assert!(
        w[1].iter()
            .any(|x| matches!(x, BreadthWarning::BroadCidr { .. }))
    );
    assert!(matches!(w[2][..], [BreadthWarning::UserAgent { .. }]));
    assert!(
        w[3].is_empty(),
        "user + loopback source is exact: {:?}",
        w[3]
    );
    assert_eq!(a.entries[3].source_cidrs.len(), 1, "source_cidrs parsed");
    for d in allowlist::default_entries() {
        assert!(breadth_warnings(&d).is_empty(), "{} {}", d.kind, d.value);
    }
}

#[test]
fn two_writers_keep_both_entries_a_symlink_is_written_through_and_a_stale_index_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.toml");
    std::fs::write(&real, "# shared\n").unwrap();
    let path = dir.path().join("allowlist.toml");
    std::os::unix::fs::symlink(&real, &path).unwrap();
    let mut one = AllowlistFile::open(&path, "", RuleId::IDS).unwrap();
    let mut two = AllowlistFile::open(&path, "", RuleId::IDS).unwrap();
    let entry = |v: &str| {
        AllowlistEntry::new(EntryKind::User, v)
            .unwrap()
            .with_reason("test")
    };
    one.add(&entry("alice"), RuleId::IDS).unwrap();
    assert!(two.changed_on_disk(), "the other instance sees the change");
    two.add(&entry("bob"), RuleId::IDS).unwrap();
    assert!(two.merged_from_disk);
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(
        text.contains("\"alice\"") && text.contains("\"bob\""),
        "{text}"
    );
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    // `one` last saw alice as entry 1; someone rewrote the file with carol
    // there: deleting entry 1 is refused and the newer file loaded.
    std::fs::write(
        &real,
        "[[allow]]\nkind = \"user\"\nvalue = \"carol\"\nreason = \"x\"\n",
    )
    .unwrap();
    let err = one.remove(0, RuleId::IDS).unwrap_err();
    assert!(err.to_string().contains("changed on disk"), "{err}");
    assert_eq!(one.allowlist.entries[0].value, "carol");
    assert!(std::fs::read_to_string(&real).unwrap().contains("carol"));
    // A file that is not UTF-8 is never overwritten.
    std::fs::write(&real, b"\xff\xfe").unwrap();
    assert!(one.add(&entry("dave"), RuleId::IDS).is_err());
    assert_eq!(std::fs::read(&real).unwrap(), b"\xff\xfe");
}
