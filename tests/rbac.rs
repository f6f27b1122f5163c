//! RBAC review from a hand-written snapshot (tests/fixtures/rbac/): the
//! paths that grant access, aggregated ClusterRoles, wildcards,
//! resourceNames, group and system:authenticated bindings, service-account
//! subjects, a binding created in the log after the snapshot, YAML and
//! split files; and a snapshot that cannot be trusted is an error.

mod common;

use common::{root, sample, scan_path};
use ktriage::detect::Config;
use ktriage::rbac::{Capability, GroupsGap, Scope, Snapshot, Who, grants, review};

fn snap() -> Snapshot {
    Snapshot::load(&[root().join("tests/fixtures/rbac/cluster.json")]).unwrap()
}

fn caps(s: &Snapshot, identity: &str, groups: &[&str]) -> Vec<(Capability, String)> {
    let who = Who::new(identity, groups.iter().map(|g| g.to_string()));
    let mut v: Vec<(Capability, String)> = grants::grants(s, &[], &who, None)
        .into_iter()
        .map(|g| (g.capability, g.path()))
        .collect();
    v.sort();
    v
}

#[test]
fn paths_through_bindings_roles_and_rules() {
    let s = snap();
    // ci-deployer can bind cluster-admin (a narrow rule, named) and nothing else here.
    let ci = caps(&s, "ci-deployer", &[]);
    assert_eq!(ci.len(), 1, "{ci:?}");
    assert_eq!(ci[0].0, Capability::Bind);
    assert!(
        ci[0]
            .1
            .contains("ClusterRoleBinding ci-deployer-rbac → ClusterRole ci-rbac-manager")
            && ci[0].1.contains("named cluster-admin")
            && ci[0].1.contains("via User ci-deployer"),
        "{}",
        ci[0].1
    );
    // A Group member reads secrets through an aggregated ClusterRole.
    let sre = caps(&s, "alice", &["sre"]);
    assert!(
        sre.iter().any(|(c, p)| *c == Capability::ReadSecrets
            && p.contains("aggregated from ClusterRole monitoring-secrets")
            && p.contains("via Group sre")
            && p.contains("cluster-wide")),
        "{sre:?}"
    );
    // Not a member: no grant at all (system:authenticated only gives configmaps).
    assert!(caps(&s, "bob", &[]).is_empty());
    // `pods/*` grants exec, only in the RoleBinding's namespace.
    let oncall = caps(&s, "carol", &["oncall"]);
    assert!(
        oncall
            .iter()
            .any(|(c, p)| *c == Capability::Exec && p.contains("in namespace prod")),
        "{oncall:?}"
    );
    // cluster-admin's `*` on `*` grants every capability.
    let mut with_admin = s.clone();
    with_admin.bindings.push(ktriage::rbac::snapshot::Binding {
        cluster: true,
        namespace: String::new(),
        name: "x".into(),
        role: ktriage::rbac::snapshot::RoleId {
            cluster: true,
            namespace: String::new(),
            name: "cluster-admin".into(),
        },
        subjects: vec![ktriage::rbac::snapshot::Subject {
            kind: "Group".into(),
            name: "system:authenticated".into(),
            namespace: None,
        }],
        from_log: None,
    });
    let all: std::collections::BTreeSet<Capability> = caps(&with_admin, "bob", &[])
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(all.len(), Capability::ALL.len(), "{all:?}");
}

#[test]
fn resource_names_and_service_account_subjects_decide_single_reads() {
    let s = snap();
    let sa = Who::new("system:serviceaccount:prod:payments", []);
    let ok = grants::authorize(
        &s,
        &[],
        &sa,
        "get",
        "",
        "secrets",
        "prod",
        "db-credentials",
        None,
    );
    let g = ok.expect("its Role names db-credentials");
    assert_eq!(g.scope, Scope::Namespace("prod".into()));
    assert!(
        g.path()
            .contains("RoleBinding prod/payments-db → Role prod/payments-db")
    );
    // Another secret, another namespace, or a list: not allowed.
    for (verb, ns, name) in [
        ("get", "prod", "aws-credentials"),
        ("get", "staging", "db-credentials"),
        ("list", "prod", ""),
    ] {
        assert!(
            grants::authorize(&s, &[], &sa, verb, "", "secrets", ns, name, None).is_none(),
            "{verb} {ns}/{name}"
        );
    }
    // The same account name in another namespace is another subject.
    let other = Who::new("system:serviceaccount:staging:payments", []);
    assert!(
        grants::authorize(
            &s,
            &[],
            &other,
            "get",
            "",
            "secrets",
            "prod",
            "db-credentials",
            None
        )
        .is_none()
    );
}

#[test]
fn the_seed_attack_is_explained_and_a_log_binding_applies_from_its_time() {
    let s = snap();
    let scan = scan_path(&sample("k8s_exec_secret_exfil.json"), Config::default());
    let engine = &scan.ingest.engine;
    // attacker-admin has nothing in the snapshot: cluster-admin comes from
    // the binding ci-deployer created in the log at 14:02:31.
    let r = review(&s, engine, "attacker-admin");
    let read = r
        .reads
        .iter()
        .find(|c| c.name.as_deref() == Some("aws-credentials"))
        .expect("the read is reviewed");
    let g = read
        .rbac
        .as_ref()
        .expect("allowed through the log's binding");
    assert!(
        g.path()
            .contains("ClusterRoleBinding attacker-admin-binding → ClusterRole cluster-admin")
    );
    let origin = g.from_log.as_ref().expect("created in the log");
    assert_eq!(origin.actor, "ci-deployer");
    assert!(!read.other_authorizer());
    // Before the binding existed, the same read is not allowed by RBAC.
    let who = Who::new("attacker-admin", []);
    let before = ktriage::time::parse_rfc3339_micros("2026-07-01T14:00:00Z");
    assert!(
        grants::authorize(
            &s,
            &engine.rbac.bindings,
            &who,
            "get",
            "",
            "secrets",
            "prod",
            "aws-credentials",
            before
        )
        .is_none()
    );
    // And ci-deployer could create that binding: bind on cluster-admin.
    let ci = review(&s, engine, "ci-deployer");
    assert!(ci.grants.iter().any(|g| g.capability == Capability::Bind));
}

#[test]
fn a_read_rbac_cannot_explain_points_to_another_authorizer() {
    // Without the log's binding (an empty log), attacker-admin's reads
    // that the log says were allowed are not RBAC's doing.
    let s = snap();
    let mut scan = scan_path(&sample("k8s_exec_secret_exfil.json"), Config::default());
    scan.ingest.engine.rbac.bindings.clear();
    let r = review(&s, &scan.ingest.engine, "attacker-admin");
    assert!(!r.reads.is_empty());
    assert!(
        r.reads.iter().all(|c| c.other_authorizer()),
        "{:?}",
        r.reads
    );
}

#[test]
fn yaml_and_split_files_read_the_same_and_bad_snapshots_say_why() {
    let dir = root().join("tests/fixtures/rbac");
    let y = Snapshot::load(&[
        dir.join("cluster-kinds.yaml"),
        dir.join("namespaced-kinds.yaml"),
    ])
    .unwrap();
    let j = snap();
    assert_eq!(y.roles.len(), j.roles.len());
    assert_eq!(y.bindings.len(), j.bindings.len());
    assert!(y.unknown_kinds().is_empty());
    // The cluster kinds alone: Roles and RoleBindings are unknown, said.
    let c = Snapshot::load(&[dir.join("cluster-kinds.yaml")]).unwrap();
    assert_eq!(c.unknown_kinds(), vec!["Role", "RoleBinding"]);
    // The namespaced kinds alone: not a snapshot of the cluster.
    let e = Snapshot::load(&[dir.join("namespaced-kinds.yaml")]).unwrap_err();
    assert!(
        e.to_string().contains("ClusterRole and ClusterRoleBinding"),
        "{e}"
    );
    let t = tempfile::tempdir().unwrap();
    let bad = t.path().join("bad.json");
    std::fs::write(&bad, "{\"kind\": \"List\", \"items\": [").unwrap();
    let e = Snapshot::load(&[bad]).unwrap_err();
    assert!(e.to_string().contains("does not parse"), "{e}");
}

/// Five alerting identities, then alice (Group `sre`, which reads secrets
/// cluster-wide through an aggregated ClusterRole) reads one secret.
fn alice_after_five() -> String {
    let mut evs: Vec<_> = (0..5)
        .map(|i| common::get_secret(&format!("user-{i}"), "prod", "db", i, 200))
        .collect();
    let mut a = common::get_secret("alice", "prod", "db", 10, 200);
    a["user"]["groups"] = serde_json::json!(["sre"]);
    evs.push(a);
    common::lines(&evs)
}

#[test]
fn an_identity_over_the_limit_is_reviewed_as_groups_not_recorded_not_as_no_access() {
    let s = snap();
    let within = common::scan_text_with(&alice_after_five(), Config::default());
    let r = review(&s, &within.ingest.engine, "alice");
    assert_eq!(r.groups_gap, None);
    assert!(
        r.grants
            .iter()
            .any(|g| g.capability == Capability::ReadSecrets)
    );
    // Near miss: over the limit, alice has no record, so no groups; the
    // review must not read as "no binding grants her anything".
    let cfg = Config {
        max_identities: 5,
        ..Config::default()
    };
    let over = common::scan_text_with(&alice_after_five(), cfg);
    let r = review(&s, &over.ingest.engine, "alice");
    assert_eq!(r.groups_gap, Some(GroupsGap::NotRecorded));
    assert!(r.reads.is_empty());
    assert!(
        !r.grants
            .iter()
            .any(|g| g.capability == Capability::ReadSecrets),
        "{:?}",
        r.grants.iter().map(|g| g.path()).collect::<Vec<_>>()
    );

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    std::fs::write(&log, alice_after_five()).unwrap();
    let (log, rbac) = (
        log.to_str().unwrap(),
        root().join("tests/fixtures/rbac/cluster.json"),
    );
    let rbac = rbac.to_str().unwrap();
    let md = |extra: &[&str]| {
        let mut args = vec!["scan", "--format", "markdown", "--rbac", rbac];
        args.extend_from_slice(extra);
        args.push(log);
        String::from_utf8_lossy(&common::ktriage(&args, None).stdout).to_string()
    };
    let over = md(&["--max-identities", "5"]);
    assert!(
        over.contains("groups not recorded: over the identity limit"),
        "{over}"
    );
    assert!(over.contains("not a verdict"), "{over}");
    let within = md(&[]);
    assert!(!within.contains("groups not recorded"), "{within}");
    assert!(!within.contains("not a verdict"), "{within}");
}
