//! The benchmark traffic generator: deterministic, well-formed, silent with
//! the default allowlist except for the attacks it injects, and the
//! prefilter changes nothing about what a scan of it finds.

#[path = "../benches/support/generator/mod.rs"]
mod generator;

use ktriage::allowlist;
use ktriage::detect::{Config, Engine};
use ktriage::pipeline::Ingest;
use std::collections::BTreeSet;

#[test]
fn same_seed_and_size_give_the_same_bytes() {
    let size = 1 << 20;
    let a = generator::generate_vec(7, size);
    let b = generator::generate_vec(7, size);
    assert!(a.len() as u64 >= size - (64 << 10), "{} bytes", a.len());
    assert!(a == b, "same seed and size, different bytes");
    let c = generator::generate_vec(8, size);
    assert!(a != c, "a different seed gave the same bytes");
    let d = generator::generate_vec(7, size + (256 << 10));
    assert!(a != d, "a different size gave the same bytes");
}

#[test]
fn sizes_parse() {
    assert_eq!(generator::parse_size("10M"), Ok(10 << 20));
    assert_eq!(generator::parse_size("1G"), Ok(1 << 30));
    assert_eq!(generator::parse_size("4GiB"), Ok(4 << 30));
    assert_eq!(generator::parse_size("512k"), Ok(512 << 10));
    assert_eq!(generator::parse_size("123"), Ok(123));
    assert!(generator::parse_size("1Q").is_err());
    assert!(generator::parse_size("G").is_err());
}

/// Scan `bytes` through the library pipeline, with or without the byte
/// prefilter: (jsonl report, events, malformed lines, (rule, identity) set).
fn scan(bytes: &[u8], prefilter: bool) -> (String, u64, u64, BTreeSet<(String, String)>) {
    let cfg = Config::default();
    let mut ing = Ingest::new(Engine::new(cfg.clone(), allowlist::default_allowlist()));
    if prefilter {
        ing = ing.with_prefilter(&cfg);
    }
    let reader = Box::new(std::io::Cursor::new(bytes.to_vec()));
    ktriage::source::read_all("generated.jsonl", reader, &mut ing, &mut |_| {}).unwrap();
    ing.finish();
    let mut out = Vec::new();
    ktriage::report::jsonl::write(&mut out, ing.engine.alerts(), &ing.engine.incidents()).unwrap();
    let alerts = ing
        .engine
        .alerts()
        .iter()
        .map(|a| (a.rule.as_str().to_string(), a.identity.clone()))
        .collect();
    (
        String::from_utf8(out).unwrap(),
        ing.engine.stats.events,
        ing.stats.malformed,
        alerts,
    )
}

#[test]
fn prefilter_agrees_with_a_full_parse_and_alerts_are_the_manifest() {
    let bytes = generator::generate_vec(1, 3 << 20);
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;

    // Every line is an audit event, in stageTimestamp order.
    let mut last = String::new();
    for line in std::str::from_utf8(&bytes).unwrap().lines() {
        let ev = ktriage::audit::parse_event(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let t = ev.stage_timestamp.as_deref().unwrap().to_string();
        assert!(t >= last, "out of order: {t} after {last}");
        last = t;
    }

    let filtered = scan(&bytes, true);
    let full = scan(&bytes, false);
    assert_eq!(
        filtered.0, full.0,
        "alerts and incidents differ with the prefilter"
    );
    assert_eq!(
        (filtered.1, filtered.2),
        (full.1, full.2),
        "event or malformed counts differ"
    );
    assert_eq!(full.1, lines);
    assert_eq!(full.2, 0, "the generator wrote malformed lines");

    let expected: BTreeSet<(String, String)> = generator::EXPECTED
        .iter()
        .map(|(r, i)| (r.to_string(), i.to_string()))
        .collect();
    let missing: Vec<_> = expected.difference(&full.3).collect();
    let extra: Vec<_> = full.3.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing (attacks not detected): {missing:#?}\nextra (false positives on benign traffic): {extra:#?}"
    );

    // The manifest file says the same.
    let m: Vec<serde_json::Value> = serde_json::from_str(&generator::manifest_json()).unwrap();
    let from_file: BTreeSet<(String, String)> = m
        .iter()
        .map(|v| {
            (
                v["rule"].as_str().unwrap().to_string(),
                v["identity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(from_file, expected);
    assert_eq!(m.len(), expected.len(), "manifest has duplicates");
}
