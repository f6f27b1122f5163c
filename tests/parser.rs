//! Input formats and bad input: every kind of bad record is skipped,
//! counted and reported with file and line; nothing stops a scan.

mod common;

use common::*;
use ktriage::allowlist;
use ktriage::detect::Config;
use serde_json::json;
use std::io::Write;

fn good() -> String {
    lines(&[get_secret("mallory", "prod", "db", 0, 200)])
}

#[test]
fn every_bad_line_kind_is_counted_and_located() {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(good().as_bytes()); // line 1
    bytes.extend_from_slice(b"\n"); // line 2: blank, not an error
    bytes.extend_from_slice(b"{\"kind\":\"Event\",\"verb\":\"get\",\"auditID\":\"x\n"); // 3: truncated
    bytes.extend_from_slice(b"{\"verb\":\"get\",\"auditID\":\"\xff\xfe\"}\n"); // 4: not UTF-8
    bytes.extend_from_slice(format!("{{\"pad\":\"{}\"}}\n", "a".repeat(1 << 21)).as_bytes()); // 5: over 1 MiB
    bytes.extend_from_slice(b"{\"hello\":\"world\"}\n"); // 6: JSON, not an event
    bytes.extend_from_slice(b"[1,2,3]\n"); // 7: JSON, not an event
    bytes.extend_from_slice(b"garbage\n"); // 8
    bytes.extend_from_slice(good().as_bytes()); // 9
    bytes.extend_from_slice(b"{\"kind\":\"Event\",\"verb\":\"get\""); // 10: cut mid-write, no newline
    let s = scan_bytes(
        "audit.log",
        bytes,
        Config::default(),
        allowlist::default_allowlist(),
    );
    let st = &s.ingest.stats;
    assert_eq!(st.malformed, 7, "{:#?}", st.first_malformed);
    assert_eq!(st.blank, 1);
    let where_: Vec<(u64, &str)> = st
        .first_malformed
        .iter()
        .map(|m| (m.line, m.reason.as_str()))
        .collect();
    assert_eq!(
        where_.iter().map(|w| w.0).collect::<Vec<_>>(),
        vec![3, 4, 5, 6, 7, 8, 10]
    );
    assert!(where_[0].1.contains("truncated"), "{:?}", where_[0]);
    assert!(where_[1].1.contains("UTF-8"));
    assert!(where_[2].1.contains("1 MiB"));
    assert!(where_[3].1.contains("not an audit event"));
    assert!(st.first_malformed.iter().all(|m| &*m.source == "audit.log"));
    assert_eq!(
        s.alert("secret-read").event_count,
        2,
        "good lines around the bad ones still count"
    );
}

#[test]
fn event_list_array_v1beta1_and_gzip() {
    let e1 = get_secret("mallory", "prod", "a", 0, 200);
    let mut e2 = get_secret("mallory", "prod", "b", 10, 200);
    e2["apiVersion"] = json!("audit.k8s.io/v1beta1");
    let list = serde_json::to_string_pretty(
        &json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": [e1, e2]}),
    )
    .unwrap();
    let s = scan_text(&list);
    assert_eq!(s.alert("secret-read").event_count, 2);
    let arr = serde_json::to_string(&json!([get_secret("eve", "prod", "a", 0, 200)])).unwrap();
    assert!(scan_text(&arr).fired("secret-read"));

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(good().as_bytes()).unwrap();
    let s = scan_bytes(
        "audit.log.1.gz",
        gz.finish().unwrap(),
        Config::default(),
        allowlist::default_allowlist(),
    );
    assert!(s.fired("secret-read"));
}

#[test]
fn truncated_event_list_keeps_what_came_before() {
    let e = serde_json::to_string(&get_secret("mallory", "prod", "a", 0, 200)).unwrap();
    let doc = format!("{{\"kind\":\"EventList\",\"items\":[\n{e},\n{e}");
    let s = scan_text(&doc);
    assert!(s.fired("secret-read"));
    assert_eq!(s.ingest.stats.malformed, 1);
    assert!(
        s.ingest.stats.first_malformed[0]
            .reason
            .contains("document"),
        "{:?}",
        s.ingest.stats.first_malformed
    );
}

#[test]
fn escaped_strings_identity_and_source_ips() {
    // A string sourceIPs, an escaped URI, impersonation, no user at all.
    let mut a = get_secret("mallory", "prod", "a", 0, 200);
    a["sourceIPs"] = json!("198.51.100.7");
    a["requestURI"] = json!("/api/v1/namespaces/prod/secrets/a?x=1&y=2");
    let mut nouser = get_secret("x", "prod", "b", 0, 200);
    nouser.as_object_mut().unwrap().remove("user");
    let s = scan_text(&lines(&[a, nouser]));
    let reads: Vec<&str> = s
        .alerts()
        .iter()
        .filter(|a| a.rule.as_str() == "secret-read")
        .map(|a| a.identity.as_str())
        .collect();
    assert!(
        reads.contains(&"mallory") && reads.contains(&"(no user)"),
        "{reads:?}"
    );
    let m = s.alerts().iter().find(|a| a.identity == "mallory").unwrap();
    assert!(m.source_ips.contains("198.51.100.7"));
    assert_eq!(
        m.events[0].request_uri,
        "/api/v1/namespaces/prod/secrets/a?x=1&y=2"
    );
}

#[test]
fn trusted_proxies_step_back_one_hop() {
    let cfg: Config = Config::from_toml(
        "trusted_proxies = [\"10.0.0.0/24\"]\ntrusted_cidrs = [\"10.20.0.0/16\"]",
        std::path::Path::new("c.toml"),
    )
    .unwrap();
    let via = |ips: serde_json::Value| {
        let mut e = get_secret("mallory", "prod", "a", 0, 200);
        e["sourceIPs"] = ips;
        e
    };
    // Client 203.0.113.5 behind our load balancer 10.0.0.1: untrusted.
    let s = scan_text_with(
        &lines(&[via(json!(["203.0.113.5", "10.0.0.1"]))]),
        cfg.clone(),
    );
    assert!(s.fired("secret-read-untrusted-source"));
    // A forged X-Forwarded-For in front of a direct, trusted peer: trusted.
    let s = scan_text_with(&lines(&[via(json!(["203.0.113.5", "10.20.1.1"]))]), cfg);
    assert!(!s.fired("secret-read-untrusted-source"));
}

#[test]
fn prefilter_gives_exactly_the_results_of_a_full_parse() {
    use ktriage::detect::Engine;
    use ktriage::pipeline::Ingest;
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(sample("rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(sample("benign-busy-cluster.jsonl"));
    files.push(sample("k8s_exec_secret_exfil.json"));
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "jsonl" || e == "json"))
    {
        let run = |prefilter: bool| {
            let cfg = Config::default();
            let mut ing = Ingest::new(Engine::new(cfg.clone(), allowlist::default_allowlist()));
            if prefilter {
                ing = ing.with_prefilter(&cfg);
            }
            ktriage::source::read_all(
                "x",
                ktriage::source::open(f).unwrap(),
                &mut ing,
                &mut |_| {},
            )
            .unwrap();
            ing.finish();
            let mut out = Vec::new();
            ktriage::report::jsonl::write(&mut out, ing.engine.alerts(), &ing.engine.incidents())
                .unwrap();
            (
                String::from_utf8(out).unwrap(),
                ing.engine.stats.events,
                ing.stats.malformed,
            )
        };
        assert_eq!(run(true), run(false), "{}", f.display());
    }
}
