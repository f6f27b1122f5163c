//! Lines over 1 MiB are judged, not dropped: a padded header and a
//! RequestResponse list of every Secret still alert, the summary calls them
//! large (not malformed), a broken one is still malformed at its line, and
//! padding never buys an allowlist match.

mod common;
use common::*;
use ktriage::allowlist::{self, Allowlist, AllowlistEntry, EntryKind};
use ktriage::audit::{Format, detect_format};
use ktriage::detect::Config;
use serde_json::{Value, json};

const MIB: usize = 1 << 20;

/// A `list secrets` across the cluster at RequestResponse level: the
/// response holds every Secret with its data, `size` bytes in all.
fn list_all_secrets(user: &str, size: usize) -> String {
    let head = ev(json!({
        "level": "RequestResponse",
        "verb": "list",
        "user": {"username": user},
        "requestURI": "/api/v1/secrets?limit=500",
        "objectRef": {"resource": "secrets", "namespace": null, "name": null},
    }));
    let mut items = Vec::new();
    let mut len = 0;
    for i in 0.. {
        let item = json!({
            "metadata": {"name": format!("app-{i}"), "namespace": format!("ns-{}", i % 9),
                         "managedFields": [{"manager": "kubectl", "operation": "Update"}]},
            "data": {"password": "cGFzc3dvcmQ=".repeat(180)},
            "type": "Opaque"
        })
        .to_string();
        len += item.len() + 1;
        items.push(item);
        if len > size {
            break;
        }
    }
    let mut s = serde_json::to_string(&head).unwrap();
    s.pop();
    s.push_str(r#","responseObject":{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":["#);
    s.push_str(&items.join(","));
    s.push_str("]}}\n");
    s
}

fn summary(scan: &Scan) -> Value {
    serde_json::to_value(ktriage::report::summary::summary_line(
        &scan.ingest,
        scan.incidents.len(),
    ))
    .unwrap()
}

#[test]
fn a_secret_read_with_a_2_mib_user_agent_alerts_with_identity_and_secret() {
    let mut e = get_secret("mallory", "prod", "db-pass", 5, 200);
    e["userAgent"] = json!(format!("kubectl/v1.30.2 {}", "A".repeat(2 * MIB)));
    let text = lines(&[e]);
    assert!(text.len() > 2 * MIB);
    let scan = scan_text(&text);
    let a = scan.alert("secret-read");
    assert_eq!(a.identity, "mallory");
    assert_eq!(a.secret_strings(), ["prod/db-pass"]);
    let ua = a.user_agents.iter().next().unwrap();
    assert!(ua.starts_with("kubectl/v1.30.2 AAAA"), "{ua}");
    assert!(
        ua.ends_with(&format!("...({} bytes, cut)", 2 * MIB + 16)),
        "{}",
        &ua[ua.len() - 30..]
    );
    assert!(ua.len() < 8192, "the stored agent is bounded: {}", ua.len());
    let s = summary(&scan);
    assert_eq!(
        (s["large"].as_u64(), s["malformed"].as_u64()),
        (Some(1), Some(0)),
        "{s}"
    );
    assert_eq!(s["inputs"][0]["large"], 1);
    assert_eq!(s["events"], 1);
}

#[test]
fn a_6_mib_request_response_cluster_wide_secret_list_alerts() {
    let text = list_all_secrets("mallory", 6 * MIB);
    assert!(text.len() > 6 * MIB);
    // The SecretList's `"items":[` inside the event is no EventList.
    assert_eq!(detect_format(text.as_bytes()), Format::JsonLines);
    let scan = scan_text(&text);
    let a = scan.alert("secret-list-cluster-wide");
    assert_eq!(a.identity, "mallory");
    let s = summary(&scan);
    assert_eq!(
        (s["large"].as_u64(), s["malformed"].as_u64()),
        (Some(1), Some(0)),
        "{s}"
    );
    assert_eq!(s["complete"], true);
    // What the engine keeps of it is bounded (no Secret data).
    let raw = &a.events[0].raw;
    assert!(raw.len() < 64 << 10, "{}", raw.len());
    assert!(!raw.contains("cGFzc3dvcmQ="));
}

#[test]
fn the_near_miss_a_large_list_in_one_namespace_is_not_cluster_wide() {
    let text = list_all_secrets("mallory", 2 * MIB)
        .replace(
            "/api/v1/secrets?limit=500",
            "/api/v1/namespaces/prod/secrets?limit=500",
        )
        .replacen(
            r#""resource":"secrets""#,
            r#""namespace":"prod","resource":"secrets""#,
            1,
        );
    let scan = scan_text(&text);
    assert!(
        !scan.fired("secret-list-cluster-wide"),
        "{:?}",
        scan.rules()
    );
    assert_eq!(scan.ingest.stats.large, 1);
}

#[test]
fn a_truly_broken_2_mib_line_is_still_malformed_at_its_line() {
    let good = lines(&[get_secret("mallory", "prod", "a", 1, 200)]);
    let mut broken = lines(&[get_secret("mallory", "prod", "b", 2, 200)]);
    broken.insert_str(
        broken.len() - 2,
        &format!(r#","x":"{}","#, "y".repeat(2 * MIB)),
    );
    let text = format!(
        "{good}{broken}{}",
        lines(&[get_secret("eve", "prod", "c", 3, 200)])
    );
    let scan = scan_text(&text);
    let st = &scan.ingest.stats;
    assert_eq!((st.malformed, st.large), (1, 0));
    let m = &st.first_malformed[0];
    assert_eq!(m.line, 2, "{m}");
    assert!(
        m.to_string().starts_with("test.jsonl:2: malformed JSON"),
        "{m}"
    );
    // The lines around it are judged.
    assert!(scan.alerts().iter().any(|a| a.identity == "eve"));
    assert_eq!(summary(&scan)["malformed"], 1);
}

fn allow(kind: EntryKind, value: &str) -> Allowlist {
    Allowlist {
        entries: vec![AllowlistEntry::new(kind, value).unwrap()],
        ..Default::default()
    }
}

#[test]
fn a_padded_username_does_not_match_the_allowlisted_identity_it_starts_with() {
    let me = "system:kube-controller-manager";
    for kind in [EntryKind::User, EntryKind::UserPrefix] {
        let read = |user: &str| {
            let text = lines(&[get_secret(user, "kube-system", "token", 1, 200)]);
            scan_bytes(
                "t.jsonl",
                text.into_bytes(),
                Config::default(),
                allow(kind, me),
            )
        };
        // Near miss: the controller itself is allowlisted, on a large line too.
        assert!(!read(me).fired("secret-read"), "{kind}");
        let mut e = get_secret(me, "kube-system", "token", 1, 200);
        e["userAgent"] = json!("x".repeat(MIB));
        let scan = scan_bytes(
            "t.jsonl",
            lines(&[e]).into_bytes(),
            Config::default(),
            allow(kind, me),
        );
        assert_eq!(scan.ingest.stats.large, 1);
        assert!(
            scan.fired("secret-read"),
            "{kind}: a padded agent is no controller"
        );
        // Padded past the cap: cut, and never allowlisted.
        let padded = format!("{me}{}", "z".repeat(2 * MIB));
        let scan = read(&padded);
        assert_eq!(scan.ingest.stats.large, 1);
        let a = scan.alert("secret-read");
        assert!(
            a.identity.starts_with(me) && a.identity.ends_with(" bytes, cut)"),
            "{kind}"
        );
        assert!(a.identity.len() < 8192);
    }
}

/// Every sample event padded past the cap (an unknown key holding 1 MiB)
/// gives exactly the alerts it gives unpadded.
#[test]
fn every_sample_padded_over_the_cap_gives_the_same_alerts() {
    let dir = sample("rules");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".positive.jsonl"))
        .collect();
    files.sort();
    let pad = format!(r#"{{"zzPadding":"{}","#, "p".repeat(MIB));
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let padded: String = text
            .lines()
            .map(|l| format!("{}{}\n", pad, &l[1..]))
            .collect();
        let rule = f
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".positive.jsonl", "");
        let cfg = config_for_rule(&rule);
        let run = |t: &str| {
            let s = scan_bytes(
                "x.jsonl",
                t.as_bytes().to_vec(),
                cfg.clone(),
                allowlist::default_allowlist(),
            );
            let mut out = Vec::new();
            ktriage::report::jsonl::write(&mut out, s.alerts(), &s.incidents).unwrap();
            (
                String::from_utf8(out).unwrap(),
                s.ingest.stats.malformed,
                s.ingest.stats.large,
            )
        };
        let (want, bad, _) = run(&text);
        let (got, bad_padded, large) = run(&padded);
        assert!(want.contains(&rule), "{rule} fires on its sample");
        assert_eq!(got, want, "{rule}");
        assert_eq!(bad_padded, bad, "{rule}");
        assert_eq!(large, text.lines().count() as u64 - bad, "{rule}");
    }
}

/// A role padded with harmless rules to well over 1 MiB, one rule among
/// them granting every Secret: the reduced object keeps all its rules.
#[test]
fn a_role_padded_past_the_cap_still_shows_its_secret_grant() {
    let text = std::fs::read_to_string(sample("rules/rbac-role-widened.positive.jsonl")).unwrap();
    let padding: Vec<Value> = (0..25_000)
        .map(|i| json!({"apiGroups": [""], "resources": [format!("configmaps-{i}")], "verbs": ["get"]}))
        .collect();
    let padded: Vec<Value> = text
        .lines()
        .map(|l| {
            let mut e: Value = serde_json::from_str(l).unwrap();
            for k in ["requestObject", "responseObject"] {
                if let Some(rules) = e
                    .get_mut(k)
                    .and_then(|o| o.get_mut("rules"))
                    .and_then(Value::as_array_mut)
                {
                    let mut all = padding.clone();
                    all.append(rules);
                    *rules = all;
                }
            }
            e
        })
        .collect();
    let padded = lines(&padded);
    assert!(padded.lines().any(|l| l.len() > MIB));
    let scan = scan_text(&padded);
    assert!(scan.ingest.stats.large >= 2, "{}", scan.ingest.stats.large);
    let want = scan_text(&text);
    assert_eq!(
        scan.alert("rbac-role-widened").notes,
        want.alert("rbac-role-widened").notes
    );
    assert_eq!(scan.alerts().len(), want.alerts().len());
}

/// A body bigger than the API server stores is dropped, and the summary
/// says which rules could not read it (never a silent "nothing here").
#[test]
fn a_dropped_oversized_body_is_a_stated_warning() {
    let rules: Vec<Value> = (0..60_000)
        .map(|i| json!({"apiGroups": [""], "resources": [format!("configmaps-{i}")], "verbs": ["get"]}))
        .collect();
    let role = ev(json!({
        "level": "RequestResponse", "verb": "create",
        "requestURI": "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        "objectRef": {"resource": "clusterroles", "namespace": null, "name": "huge", "apiGroup": "rbac.authorization.k8s.io"},
        "requestObject": {"kind": "ClusterRole", "metadata": {"name": "huge"}, "rules": rules},
        "responseStatus": {"code": 201},
    }));
    let scan = scan_text(&lines(&[role]));
    assert_eq!(
        scan.ingest.stats.large, 1,
        "{:?}",
        scan.ingest.stats.first_malformed
    );
    let s = summary(&scan);
    let warnings = s["inputs"][0]["warnings"].to_string();
    assert!(
        warnings.contains("1 request/response object over 2 MiB in large lines was not read"),
        "{s}"
    );
    assert!(warnings.contains("could not judge"), "{s}");
}
