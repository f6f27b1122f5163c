//! Every export format ktriage reads yields the same detections as the
//! native log it was made from (fixtures: `scripts/make-format-fixtures.py`,
//! from the providers' documented schemas), with nothing malformed; and an
//! input in no known format is an error, never a clean result.

mod common;

use common::{root, scan_path};
use ktriage::audit::adapt::Dialect;
use ktriage::detect::Config;
use std::collections::BTreeSet;
use std::path::PathBuf;

const ATTACKS: [(&str, &str); 4] = [
    ("seed", "sample-logs/k8s_exec_secret_exfil.json"),
    (
        "escalate",
        "sample-logs/rules/escalate-then-loot.positive.jsonl",
    ),
    ("rapid", "sample-logs/rules/secret-rapid-get.positive.jsonl"),
    ("exec", "sample-logs/rules/pod-exec.positive.jsonl"),
];

const FORMATS: [(&str, Dialect); 12] = [
    ("eks-filter-log-events.json", Dialect::CloudWatch),
    ("eks-s3-export.log.gz", Dialect::CloudWatch),
    ("eks-firehose.gz", Dialect::CloudWatch),
    ("eks-insights.json", Dialect::CloudWatch),
    ("gke-gcloud.json", Dialect::Gke),
    ("gke-sink.jsonl", Dialect::Gke),
    ("aks-diagnostics.jsonl", Dialect::AksDiagnostics),
    ("aks-records.json", Dialect::AksDiagnostics),
    ("aks-log-analytics.json", Dialect::AksLogAnalytics),
    ("elastic-search.json", Dialect::Elastic),
    ("elastic-source.jsonl", Dialect::Elastic),
    ("minimal.jsonl", Dialect::Native),
];

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/formats").join(name)
}

fn pairs(p: &std::path::Path) -> (BTreeSet<(String, String)>, ktriage::pipeline::IngestStats) {
    let s = scan_path(p, Config::default());
    let pairs = s
        .alerts()
        .iter()
        .map(|a| (a.rule.as_str().to_string(), a.identity.clone()))
        .collect();
    (pairs, s.ingest.stats.clone())
}

#[test]
fn every_format_raises_what_the_native_log_raises() {
    for (attack, native) in ATTACKS {
        let (want, _) = pairs(&root().join(native));
        assert!(!want.is_empty(), "{attack}: the native log alerts");
        for (format, dialect) in FORMATS {
            let name = format!("{attack}.{format}");
            let (got, stats) = pairs(&fixture(&name));
            let mut want = want.clone();
            if dialect == Dialect::Gke && attack == "escalate" {
                // GKE logs no groups: eve's access through a Group binding
                // cannot be linked to the escalation (and the summary says so).
                assert!(want.remove(&("escalate-then-loot".into(), "eve".into())));
            }
            assert_eq!(got, want, "{name}: same (rule, identity) pairs as {native}");
            assert_eq!(stats.malformed, 0, "{name}: {:?}", stats.first_malformed);
            let input = &stats.inputs[0];
            assert!(
                input.dialects.contains_key(&dialect),
                "{name}: detected as {dialect:?}, got {}",
                input.format_names()
            );
            let health = input.health();
            match dialect.blind_spot() {
                None => assert!(health.is_empty(), "{name}: {health:?}"),
                Some(b) => assert_eq!(
                    health,
                    vec![ktriage::pipeline::Health::Warning(format!(
                        "{}: {b}",
                        input.name
                    ))],
                    "{name}: the blind spot is said, nothing else"
                ),
            }
        }
    }
}

#[test]
fn records_that_carry_no_event_are_ignored_not_malformed() {
    // The Firehose file opens with a CloudWatch control message, the
    // gcloud export holds a GKE cluster-API entry, the AKS file a `guard`
    // record: counted as ignored.
    for name in [
        "seed.eks-firehose.gz",
        "seed.gke-gcloud.json",
        "seed.aks-diagnostics.jsonl",
    ] {
        let (_, stats) = pairs(&fixture(name));
        assert_eq!(stats.inputs[0].ignored, 1, "{name}");
        assert_eq!(stats.malformed, 0, "{name}");
    }
}

#[test]
fn kube_audit_admin_says_it_cannot_show_secret_reads() {
    let text = std::fs::read_to_string(fixture("seed.aks-diagnostics.jsonl"))
        .unwrap()
        .replace(
            "\"category\":\"kube-audit\"",
            "\"category\":\"kube-audit-admin\"",
        );
    let s = common::scan_bytes(
        "admin.jsonl",
        text.into_bytes(),
        Config::default(),
        ktriage::allowlist::default_allowlist(),
    );
    let health = s.ingest.health();
    assert!(
        health
            .iter()
            .any(|h| matches!(h, ktriage::pipeline::Health::Warning(w)
            if w.contains("secret reads cannot be seen"))),
        "{health:?}"
    );
}
