//! `ktriage report` end to end, and golden reports (Markdown and JSON) of
//! the seed sample with an RBAC snapshot. Regenerate the golden files after
//! an intended change with `UPDATE_GOLDEN=1 cargo test --test report_cmd`
//! and review the diff.

mod common;

use common::{jsonl, ktriage, root, sample, scan_path};
use ktriage::detect::Config;
use ktriage::rbac::Snapshot;
use ktriage::view::{self, Facts, Meta};

fn golden(name: &str, got: &str) {
    let p = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, got).unwrap();
    }
    let want = std::fs::read_to_string(&p).unwrap_or_else(|_| panic!("{} missing", p.display()));
    assert_eq!(
        got, want,
        "{name} differs from the golden file (UPDATE_GOLDEN=1 to accept)"
    );
}

#[test]
fn golden_reports_of_the_seed_sample_with_a_snapshot() {
    let s = scan_path(&sample("k8s_exec_secret_exfil.json"), Config::default());
    // Named without its directory, so the golden file does not depend on
    // where the checkout is.
    let mut snap = Snapshot::default();
    snap.add_text(
        &std::fs::read_to_string(root().join("tests/fixtures/rbac/cluster.json")).unwrap(),
        "cluster.json",
    )
    .unwrap();
    let meta = Meta {
        version: "test".into(),
        generated_at: 0,
        sources: vec!["k8s_exec_secret_exfil.json".into()],
        not_judged: vec![],
        cannot_show: vec![],
    };
    let mut md = Vec::new();
    ktriage::report::markdown::write_with(
        &mut md,
        &s.ingest.engine,
        &s.incidents,
        meta.clone(),
        Some(&snap),
        None,
    )
    .unwrap();
    golden("seed-report.md", &String::from_utf8(md).unwrap());
    let facts = Facts::of_engine(&s.ingest.engine, &s.incidents).with_rbac(Some(&snap));
    let v = view::build(&facts, meta, None);
    let mut json = String::new();
    for i in &v.incidents {
        let reviews: Vec<_> = i
            .identities
            .iter()
            .map(|id| ktriage::rbac::review(&snap, &s.ingest.engine, id))
            .collect();
        let obj = ktriage::report::incident_json::incident(&v, i, &reviews).unwrap();
        json.push_str(&serde_json::to_string_pretty(&obj).unwrap());
        json.push('\n');
    }
    golden("seed-report.json", &json);
}

#[test]
fn report_command_selects_incidents_and_writes_markdown_or_json() {
    let log = sample("k8s_exec_secret_exfil.json");
    let log = log.to_str().unwrap();
    let rbac = root().join("tests/fixtures/rbac/cluster.json");
    let rbac = rbac.to_str().unwrap();
    let out = ktriage(&["report", log, "--rbac", rbac, "--format", "json"], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objs = jsonl(&out);
    assert_eq!(objs.last().unwrap()["kind"], "summary");
    let inc = &objs[0];
    assert_eq!(inc["kind"], "incident_report");
    let grants = inc["rbac"][0]["grants"].as_array().unwrap();
    assert!(grants.iter().any(|g| {
        g["path"]
            .as_str()
            .unwrap()
            .contains("ClusterRoleBinding attacker-admin-binding → ClusterRole cluster-admin")
            && g["written_in_log"]["by"] == "ci-deployer"
    }));
    let id = inc["id"].as_str().unwrap().to_string();
    // --incident, --identity, -o FILE.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.md");
    let out = ktriage(
        &[
            "report",
            log,
            "--incident",
            &id,
            "--rbac",
            rbac,
            "-o",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(&file).unwrap();
    assert!(md.contains(&id) && md.contains("RBAC snapshot"), "{md}");
    let out = ktriage(&["report", log, "--identity", "nobody"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&id),
        "names the incidents there are"
    );
    // `scan --format markdown --rbac` writes the same review.
    let out = ktriage(&["scan", "--format", "markdown", "--rbac", rbac, log], None);
    let scan_md = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(scan_md.contains(
        "`attacker-admin get prod/aws-credentials` first at 2026-07-01T14:04:36.882402Z: allowed by RBAC through `ClusterRoleBinding attacker-admin-binding`"
    ), "{scan_md}");
    // Without a snapshot the step says how to take one.
    let out = ktriage(&["report", log], None);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o json")
    );
    // A snapshot that is not one is an error before anything else.
    let ns_only = root().join("tests/fixtures/rbac/namespaced-kinds.yaml");
    let out = ktriage(&["report", log, "--rbac", ns_only.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("holds no ClusterRole and ClusterRoleBinding")
    );
}

#[test]
fn least_privilege_comes_from_access_before_the_incident() {
    use common::{at, ev, get_secret, lines, scan_bytes};
    use serde_json::json;
    // backup-agent reads prod/db-credentials (allowlisted for secret-read)
    // for an hour; then it execs into a pod: the incident starts there.
    let sa = "system:serviceaccount:backup:agent";
    let mut events = vec![
        get_secret(sa, "prod", "db-credentials", 0, 200),
        get_secret(sa, "prod", "db-credentials", 600, 200),
        get_secret(sa, "staging", "s3-key", 900, 200),
    ];
    events.push(ev(json!({
        "verb": "create", "user": {"username": sa},
        "requestURI": "/api/v1/namespaces/prod/pods/web-1/exec?command=sh&stdin=true&tty=true",
        "objectRef": {"resource": "pods", "subresource": "exec", "namespace": "prod", "name": "web-1"},
        "responseStatus": {"code": 101},
        "requestReceivedTimestamp": at(3600), "stageTimestamp": at(3600),
    })));
    let allow = ktriage::allowlist::parse_allowlist(
        &format!("[[allow]]\nkind = \"user\"\nvalue = \"{sa}\"\nrules = [\"secret-read\", \"secret-read-workload-identity\"]\nreason = \"backups\"\n"),
        std::path::Path::new("a.toml"),
        ktriage::detect::RuleId::IDS,
    )
    .unwrap();
    let s = scan_bytes(
        "t.jsonl",
        lines(&events).into_bytes(),
        Config::default(),
        allow,
    );
    let inc = s
        .incidents
        .iter()
        .find(|i| i.identities.iter().any(|x| x == sa))
        .expect("the exec is an incident");
    let facts = Facts::of_engine(&s.ingest.engine, &s.incidents);
    let v = view::build(&facts, Meta::new(0, vec![]), Some(&inc.id));
    let sug = &v.incidents[0].suggested[0].suggestion;
    assert!(!sug.is_none());
    let yaml = ktriage::rbac::suggest::yaml(sug);
    // Only what it used: get on the two named secrets, one Role per namespace;
    // not the exec, which is the incident.
    assert!(
        yaml.contains("namespace: prod") && yaml.contains("namespace: staging"),
        "{yaml}"
    );
    assert!(
        yaml.contains("- db-credentials") && yaml.contains("- s3-key"),
        "{yaml}"
    );
    assert!(!yaml.contains("pods/exec"), "{yaml}");
    assert!(
        yaml.contains("kind: ServiceAccount") && yaml.contains("name: agent"),
        "{yaml}"
    );
    // The YAML parses back as Kubernetes objects.
    let docs: Vec<serde_json::Value> = serde_yaml_ng::Deserializer::from_str(&yaml)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect::<Vec<serde_json::Value>>()
        .into_iter()
        .filter(|v| !v.is_null())
        .collect();
    assert_eq!(docs.len(), 4, "Role + RoleBinding in two namespaces");
}
