//! The real binary, as scripts and CI run it: the jsonl contract, exit
//! codes, stdin, the summary on stderr, `rules` and `allowlist`.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn jsonl_contract_on_the_exfil_sample() {
    let p = sample("k8s_exec_secret_exfil.json");
    let out = ktriage(&["scan", "--format", "jsonl", p.to_str().unwrap()], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objs = jsonl(&out);
    let kinds: Vec<&str> = objs.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    let first_incident = kinds.iter().position(|k| *k == "incident").unwrap();
    let (last, body) = kinds.split_last().unwrap();
    assert_eq!(*last, "summary", "one summary record closes the stream");
    assert!(
        body[..first_incident].iter().all(|k| *k == "alert")
            && body[first_incident..].iter().all(|k| *k == "incident"),
        "alerts then incidents: {kinds:?}"
    );
    let summary = objs.last().unwrap();
    assert_eq!(summary["complete"], true);
    assert_eq!(summary["inputs"][0]["formats"][0][0], "native");
    for a in objs.iter().filter(|o| o["kind"] == "alert") {
        for f in [
            "id",
            "rule",
            "severity",
            "identity",
            "title",
            "first_seen",
            "last_seen",
            "event_count",
            "secrets",
            "source_ips",
            "user_agents",
            "audit_ids",
            "audit_ids_omitted",
            "tags",
        ] {
            assert!(a.get(f).is_some(), "alert lacks {f}: {a}");
        }
        assert!(
            a.get("authenticated_user").is_none(),
            "only when impersonated"
        );
        assert!(chrono::DateTime::parse_from_rfc3339(a["first_seen"].as_str().unwrap()).is_ok());
    }
    let read = objs.iter().find(|o| o["rule"] == "secret-read").unwrap();
    assert_eq!(read["identity"], "attacker-admin");
    assert_eq!(
        read["secrets"],
        serde_json::json!(["prod/aws-credentials", "prod/db-credentials"])
    );
    assert_eq!(read["event_count"], 2);
    let incidents: Vec<&Value> = objs.iter().filter(|o| o["kind"] == "incident").collect();
    assert_eq!(incidents.len(), 1);
    let inc = incidents[0];
    assert_eq!(inc["severity"], "critical");
    for f in [
        "id",
        "identity",
        "identities",
        "severity",
        "rules",
        "alerts",
        "secrets_to_rotate",
    ] {
        assert!(inc.get(f).is_some(), "incident lacks {f}");
    }
    assert_eq!(inc["alerts"].as_array().unwrap().len(), 4);
    let ids: Vec<&str> = objs
        .iter()
        .filter(|o| o["kind"] == "alert")
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(
        inc["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| ids.contains(&a.as_str().unwrap()))
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("events read") && stderr.contains("4 alerts in 1 incident"),
        "{stderr}"
    );
}

#[test]
fn exit_codes() {
    let exfil = sample("k8s_exec_secret_exfil.json");
    let benign = sample("benign-busy-cluster.jsonl");
    let e = exfil.to_str().unwrap();
    assert_eq!(
        ktriage(&["scan", "--fail-on", "critical", e], None)
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        ktriage(
            &["scan", "--fail-on", "high", benign.to_str().unwrap()],
            None
        )
        .status
        .code(),
        Some(0)
    );
    let missing = ktriage(&["scan", "/nonexistent/audit.log"], None);
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(err.lines().count(), 1, "one-line error: {err}");
    assert!(err.contains("/nonexistent/audit.log"));
    assert_eq!(
        ktriage(&["scan", "--format", "yaml", e], None)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        ktriage(&["scan", "--fail-on", "severe", e], None)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn reads_stdin_and_reports_malformed_lines_with_file_and_line() {
    let mut input = std::fs::read(sample("k8s_exec_secret_exfil.json")).unwrap();
    input.extend_from_slice(b"{\"truncated\": \n");
    let out = ktriage(&["scan", "--format", "jsonl"], Some(&input));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        jsonl(&out)
            .iter()
            .any(|o| o["rule"] == "escalate-then-loot")
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("; 1 malformed line skipped;"), "{stderr}");
    let n = input.iter().filter(|&&b| b == b'\n').count();
    assert!(
        stderr.contains(&format!("(stdin):{n}: malformed JSON")),
        "{stderr}"
    );
}

#[test]
fn text_is_plain_without_a_terminal_and_escapes_hostile_fields() {
    let evil = lines(&[{
        let mut e = get_secret("mallory", "prod", "a", 0, 200);
        e["userAgent"] = serde_json::json!("curl/8 \u{1b}]0;owned\u{7}\u{1b}[2J");
        e
    }]);
    let out = ktriage(&["scan", "-"], Some(evil.as_bytes()));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains('\u{1b}') && !out.stderr.contains(&0x1b),
        "no raw escapes reach the terminal"
    );
    assert!(text.contains("⟨U+001B⟩]0;owned"), "{text}");
    assert!(
        text.lines().all(|l| l.chars().count() <= 80),
        "fits 80 columns:\n{text}"
    );
}

#[test]
fn the_text_report_with_its_warnings_fits_80_columns() {
    let p = sample("k8s_exec_secret_exfil.json");
    let out = ktriage(&["scan", p.to_str().unwrap()], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("WARNING: pod specs not recorded"),
        "{text}"
    );
    assert!(
        text.lines().all(|l| l.chars().count() <= 80),
        "fits 80 columns:\n{text}"
    );
}

#[test]
fn markdown_report_has_the_checklist() {
    let p = sample("k8s_exec_secret_exfil.json");
    let out = ktriage(&["scan", "--format", "markdown", p.to_str().unwrap()], None);
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.starts_with("# ktriage incident report"), "{md}");
    assert!(md.contains("- [ ] Rotate every credential in `prod/aws-credentials`"));
    assert!(md.contains("Tighten RBAC"));
    assert!(
        md.contains("create ClusterRoleBinding `attacker-admin-binding`: `ClusterRole cluster-admin` to `User attacker-admin` by `ci-deployer`"),
        "{md}"
    );
}

#[test]
fn rules_lists_every_rule_with_settings() {
    let out = ktriage(&["rules"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    for id in ktriage::detect::RuleId::IDS {
        assert!(text.contains(&format!("[rules.{id}]")), "{id} missing");
    }
    assert!(text.contains("threshold = 3") && text.contains("window = \"6m\""));
}

#[test]
fn allowlist_init_then_check_then_no_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("a.toml");
    let fs = f.to_str().unwrap();
    assert_eq!(
        ktriage(&["allowlist", "init", "--allowlist", fs], None)
            .status
            .code(),
        Some(0)
    );
    let text = std::fs::read_to_string(&f).unwrap();
    assert!(text.contains("# kubelets read the secrets their pods mount"));
    let check = ktriage(&["allowlist", "check", "--allowlist", fs], None);
    let out = String::from_utf8_lossy(&check.stdout);
    let n = ktriage::allowlist::default_entries().len();
    assert!(out.contains(&format!("{n} entries")), "{out}");
    assert!(
        !out.contains("warning"),
        "the defaults are not joinable:\n{out}"
    );
    assert_eq!(
        ktriage(&["allowlist", "init", "--allowlist", fs], None)
            .status
            .code(),
        Some(2),
        "refuses to overwrite"
    );
    // The written defaults behave like the built-ins.
    let benign = sample("benign-busy-cluster.jsonl");
    let out = ktriage(
        &[
            "scan",
            "--format",
            "jsonl",
            "--allowlist",
            fs,
            benign.to_str().unwrap(),
        ],
        None,
    );
    let objs = jsonl(&out);
    assert!(
        objs.iter().all(|o| o["kind"] == "summary") && objs.len() == 1,
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(objs[0]["alerts"], 0);
    // A broken allowlist stops the scan with its line number.
    std::fs::write(&f, "[[allow]]\nkind = \"nope\"\nvalue = \"x\"\n").unwrap();
    let out = ktriage(&["scan", "--allowlist", fs, benign.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":1: unknown kind"));
}

#[test]
fn no_default_allowlist_alerts_on_controllers() {
    let benign = sample("benign-busy-cluster.jsonl");
    let out = ktriage(
        &[
            "scan",
            "--format",
            "jsonl",
            "--no-default-allowlist",
            benign.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        jsonl(&out)
            .iter()
            .any(|o| o["identity"] == "system:serviceaccount:cert-manager:cert-manager")
    );
}

#[test]
fn allowlist_check_warns_about_joinable_entries() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("a.toml");
    std::fs::write(
        &f,
        "# seed 000's form\n[[allow]]\nkind = \"user-prefix\"\nvalue = \"system:serviceaccount:kube-system:\"\n\n[[allow]]\nkind = \"user\"\nvalue = \"backup\"\nrules = [\"secret-read\"]\n",
    )
    .unwrap();
    let check = ktriage(
        &["allowlist", "check", "--allowlist", f.to_str().unwrap()],
        None,
    );
    assert_eq!(check.status.code(), Some(0), "warnings, not errors");
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(out.contains("warning: 1 entry is broad enough"), "{out}");
    assert!(
        out.contains("warning: line 2: matches every service account in namespace `kube-system`"),
        "{out}"
    );
    assert!(out.contains("silences every rule"), "{out}");
    assert_eq!(
        out.matches("warning: line").count(),
        2,
        "only the prefix entry: {out}"
    );
}

#[test]
fn completions_man_page_rules_jsonl_and_a_mistyped_command() {
    let out = ktriage(&["completions", "bash"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("scan"));
    let out = ktriage(&["man"], None);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(".ie"));
    let out = ktriage(&["rules", "--format", "jsonl"], None);
    let rules = jsonl(&out);
    assert!(rules.len() >= 17);
    assert!(
        rules
            .iter()
            .all(|r| r["kind"] == "rule" && r["source"].is_string())
    );
    assert!(rules.iter().any(|r| r["id"] == "escalate-then-loot"));
    // A typo is an error with a suggestion, not a TUI waiting for a file.
    let out = ktriage(&["scna", "audit.log"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `scan`?"));
}
