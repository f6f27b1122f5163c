//! Every rule: its positive sample fires it, its named near miss does not,
//! plus the behaviours an analyst relies on (grouping, severity by outcome,
//! rotation lists, stage merging).

mod common;

use common::*;
use ktriage::detect::{RotateItem, RotateKind, Severity};
use serde_json::json;

macro_rules! sample_pair {
    ($($fn_pos:ident, $fn_miss:ident => $rule:literal;)*) => {$(
        #[test]
        fn $fn_pos() {
            let s = scan_path(&sample(concat!("rules/", $rule, ".positive.jsonl")), config_for_rule($rule));
            assert!(s.fired($rule), "{} did not fire on its positive sample; fired: {:?}", $rule, s.rules());
            assert_eq!(s.ingest.stats.malformed, 0);
        }
        #[test]
        fn $fn_miss() {
            let s = scan_path(&sample(concat!("rules/", $rule, ".near-miss.jsonl")), config_for_rule($rule));
            assert!(!s.fired($rule), "{} fired on its near miss: {:?}", $rule, s.alert($rule).events.iter().map(|e| e.action()).collect::<Vec<_>>());
            assert_eq!(s.ingest.stats.malformed, 0);
        }
    )*};
}

sample_pair! {
    secret_read_positive, secret_read_near_miss => "secret-read";
    list_cluster_wide_positive, list_cluster_wide_near_miss => "secret-list-cluster-wide";
    rapid_get_positive, rapid_get_near_miss => "secret-rapid-get";
    suspicious_agent_positive, suspicious_agent_near_miss => "secret-read-suspicious-agent";
    new_client_positive, new_client_near_miss => "secret-read-new-client";
    workload_identity_positive, workload_identity_near_miss => "secret-read-workload-identity";
    context_mismatch_positive, context_mismatch_near_miss => "sa-token-context-mismatch";
    impersonated_positive, impersonated_near_miss => "secret-access-impersonated";
    access_denied_positive, access_denied_near_miss => "secret-access-denied";
    untrusted_source_positive, untrusted_source_near_miss => "secret-read-untrusted-source";
    secret_write_positive, secret_write_near_miss => "secret-write";
    pod_exec_positive, pod_exec_near_miss => "pod-exec";
    binding_created_positive, binding_created_near_miss => "rbac-binding-created";
    role_widened_positive, role_widened_near_miss => "rbac-role-widened";
    token_minted_positive, token_minted_near_miss => "sa-token-minted";
    anonymous_positive, anonymous_near_miss => "anonymous-secret-access";
    escalate_then_loot_positive, escalate_then_loot_near_miss => "escalate-then-loot";
    helm_release_read_positive, helm_release_read_near_miss => "helm-release-read";
    nodes_proxy_positive, nodes_proxy_near_miss => "nodes-proxy-exec";
    ephemeral_positive, ephemeral_near_miss => "pod-ephemeral-container";
    mounted_positive, mounted_near_miss => "pod-mounts-secret-then-read";
    csr_positive, csr_near_miss => "csr-privileged-group";
    minted_used_positive, minted_used_near_miss => "minted-token-used";
}

#[test]
fn seed_000_validation_sample_is_one_critical_incident() {
    let s = scan_path(&sample("k8s_exec_secret_exfil.json"), Default::default());
    assert_eq!(
        s.rules(),
        vec![
            "escalate-then-loot",
            "pod-exec",
            "rbac-binding-created",
            "secret-read"
        ]
    );
    assert_eq!(s.incidents.len(), 1);
    let inc = &s.incidents[0];
    assert_eq!(inc.severity, Severity::Critical);
    assert!(
        inc.identities.contains(&"attacker-admin".to_string())
            && inc.identities.contains(&"ci-deployer".to_string())
    );
    assert_eq!(
        inc.secrets_to_rotate,
        vec![
            RotateItem::named("prod", "aws-credentials"),
            RotateItem::named("prod", "db-credentials")
        ]
    );
}

#[test]
fn benign_busy_cluster_is_silent_with_defaults() {
    let s = scan_path(&sample("benign-busy-cluster.jsonl"), Default::default());
    assert!(
        s.alerts().is_empty(),
        "alerts on the benign log: {:?}",
        s.alerts()
            .iter()
            .map(|a| (a.rule, a.identity.clone()))
            .collect::<Vec<_>>()
    );
    assert!(s.ingest.engine.stats.events > 3000);
}

#[test]
fn rapid_get_counts_denials_and_lists_names_namespaces_outcomes() {
    let s = scan_text(&lines(&[
        get_secret("mallory", "prod", "a", 0, 200),
        get_secret("mallory", "prod", "b", 60, 403),
        get_secret("mallory", "stage", "c", 120, 200),
    ]));
    let a = s.alert("secret-rapid-get");
    assert_eq!(
        a.event_count, 3,
        "the window's earlier GETs belong to the alert"
    );
    assert_eq!(a.secret_strings(), vec!["prod/a", "prod/b", "stage/c"]);
    assert!(a.secrets.values().any(|u| u.denied()), "denied GET shown");
    assert_eq!(
        a.group,
        ktriage::detect::GroupKey::Source {
            ip: "203.0.113.9".into(),
            user_agent: Some("kubectl/v1.30.2 (linux/amd64) kubernetes/3968350".into()),
            via: None,
        },
        "grouped by the typed source, not a sentence"
    );
    // Two distinct names, one of them twice: no alert.
    let s = scan_text(&lines(&[
        get_secret("bob", "prod", "a", 0, 200),
        get_secret("bob", "prod", "a", 30, 200),
        get_secret("bob", "prod", "b", 60, 200),
    ]));
    assert!(!s.fired("secret-rapid-get"));
    // Three names over 7 minutes: the sliding 6-minute window never holds 3.
    let s = scan_text(&lines(&[
        get_secret("carol", "prod", "a", 0, 200),
        get_secret("carol", "prod", "b", 210, 200),
        get_secret("carol", "prod", "c", 420, 200),
    ]));
    assert!(!s.fired("secret-rapid-get"));
}

#[test]
fn suspicious_agent_one_case_per_pattern() {
    let cases = [
        ("curl*", "curl/8.5.0"),
        ("python*", "python-requests/2.31.0"),
        ("Python*", "Python-urllib/3.11"),
        ("wget*", "wget/1.21"),
        ("Go-http*", "Go-http-client/1.1"),
        ("perl*", "perl/5.36 LWP"),
        ("java*", "java/17.0.2"),
        ("node*", "node-fetch/1.0"),
        ("php*", "php-curl/8.2"),
        ("*distrib#kali*", "kubectl/v1.29 distrib#kali 2024.1"),
        ("*kali-amd64", "Go-client linux kali-amd64"),
        ("*kali-arm64*", "client kali-arm64 build"),
        ("*access_matrix*", "access_matrix/0.3"),
        ("*trufflehog*", "trufflehog/3.63"),
        ("*azurehound*", "azurehound/v2.1"),
        ("*micro-scanner*", "aqua micro-scanner"),
    ];
    let defaults = ktriage::detect::Config::default();
    assert_eq!(
        defaults.rules.secret_read_suspicious_agent.patterns.len(),
        cases.len(),
        "a case for every default pattern"
    );
    for (pattern, ua) in cases {
        let s = scan_text(&lines(&[ev(json!({"userAgent": ua}))]));
        let a = s.alert("secret-read-suspicious-agent");
        assert!(
            a.notes.iter().any(|n| n.contains(&format!("`{pattern}`"))),
            "{ua} should match {pattern}: {:?}",
            a.notes
        );
    }
    // Case-sensitive, and watch is not get/list.
    assert!(
        !scan_text(&lines(&[ev(json!({"userAgent": "Curl/8"}))]))
            .fired("secret-read-suspicious-agent")
    );
    assert!(
        !scan_text(&lines(&[ev(
            json!({"userAgent": "curl/8", "verb": "watch"})
        )]))
        .fired("secret-read-suspicious-agent")
    );
}

#[test]
fn new_client_is_exactly_seed_004() {
    let ua_kubectl = "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350";
    let ua_format = "manager/v0.0.0 (linux/amd64) kubernetes/$Format";
    let read = |user: &str, ip: &str, ua: &str, secs: i64| {
        ev(
            json!({"user": {"username": user}, "sourceIPs": [ip], "userAgent": ua, "requestReceivedTimestamp": at(secs), "stageTimestamp": at(secs)}),
        )
    };
    let s = scan_text(&lines(&[
        read("svc", "10.0.0.5", ua_kubectl, 0),
        read("svc", "10.0.0.9", ua_kubectl, 600), // new, but inside the learning hour: silent
        read("svc", "10.0.0.5", ua_kubectl, 5400), // known combination
        read("ctrl", "10.0.0.7", ua_format, 5400), // $Format user agents are standard
        read("svc", "198.51.100.1", ua_kubectl, 5500), // new after learning: fires
    ]));
    let a = s.alert("secret-read-new-client");
    assert_eq!(a.event_count, 1);
    assert!(
        matches!(&a.group, ktriage::detect::GroupKey::Source { ip, via: None, .. } if ip == "198.51.100.1")
    );
    assert_eq!(
        s.alerts()
            .iter()
            .filter(|a| a.rule.as_str() == "secret-read-new-client")
            .count(),
        1
    );
    // Seen 8 days earlier is outside the 7-day history: new again.
    let s = scan_text(&lines(&[
        read("svc", "10.0.0.5", ua_kubectl, 0),
        read("svc", "10.0.0.5", ua_kubectl, 8 * 86_400),
    ]));
    assert!(s.fired("secret-read-new-client"));
}

#[test]
fn anonymous_severity_follows_outcome_across_stages() {
    let anon = |code: Option<i64>, stage: &str, id: &str| {
        let mut e = ev(
            json!({"auditID": id, "stage": stage, "user": {"username": "system:anonymous", "groups": ["system:unauthenticated"]}}),
        );
        match code {
            Some(c) => e["responseStatus"]["code"] = json!(c),
            None => {
                e.as_object_mut().unwrap().remove("responseStatus");
                e["annotations"] = json!({});
            }
        }
        e
    };
    let s = scan_text(&lines(&[anon(Some(200), "ResponseComplete", "a1")]));
    assert_eq!(
        s.alert("anonymous-secret-access").severity,
        Severity::Critical
    );
    let s = scan_text(&lines(&[
        anon(None, "RequestReceived", "d1"),
        anon(Some(403), "ResponseComplete", "d1"),
    ]));
    let a = s.alert("anonymous-secret-access");
    assert_eq!(
        a.severity,
        Severity::Medium,
        "denied anonymous access is medium once the 403 is seen"
    );
    assert_eq!(a.event_count, 1, "two stages, one request");
}

#[test]
fn stages_forty_minutes_apart_are_one_request() {
    // A watch opened at 10:00 and completed at 10:40, with 5000 other
    // requests in between: counted once, outcome from the latest stage.
    let mut evs = vec![ev(
        json!({"auditID": "w1", "stage": "ResponseStarted", "verb": "watch", "objectRef": {"name": null}, "requestURI": "/api/v1/namespaces/prod/secrets?watch=true"}),
    )];
    for i in 0..5000 {
        evs.push(ev(json!({"user": {"username": "system:serviceaccount:cert-manager:cert-manager"}, "objectRef": {"name": format!("s{i}")}, "requestReceivedTimestamp": at(1 + i / 3), "stageTimestamp": at(1 + i / 3)})));
    }
    let mut done = ev(
        json!({"auditID": "w1", "stage": "ResponseComplete", "verb": "watch", "objectRef": {"name": null}, "requestURI": "/api/v1/namespaces/prod/secrets?watch=true", "stageTimestamp": at(2400)}),
    );
    done["requestReceivedTimestamp"] = json!(at(0));
    evs.push(done);
    let s = scan_text(&lines(&evs));
    let a = s.alert("secret-read");
    assert_eq!(
        a.event_count, 1,
        "the two stages of the watch are one request"
    );
    assert_eq!(s.ingest.engine.stats.requests, 5001);
    assert_eq!(
        a.events[0].stage, "ResponseComplete",
        "evidence shows the latest stage"
    );
}

#[test]
fn exec_alerts_at_response_started() {
    let s = scan_text(&lines(&[ev(json!({
        "stage": "ResponseStarted", "verb": "create",
        "requestURI": "/api/v1/namespaces/prod/pods/web/exec?command=sh&command=-c&command=env&container=web&stdin=true",
        "objectRef": {"resource": "pods", "subresource": "exec", "name": "web"},
        "responseStatus": {"code": 101}
    }))]));
    let a = s.alert("pod-exec");
    assert_eq!(
        a.events[0].detail.as_deref(),
        Some("exec into prod/web (container web): sh -c env")
    );
}

#[test]
fn rotation_list_expands_lists_and_keeps_denied_reads_off() {
    let s = scan_text(&lines(&[
        // cert-manager reveals the names that exist in prod.
        ev(
            json!({"user": {"username": "system:serviceaccount:cert-manager:cert-manager"}, "objectRef": {"name": "tls-a"}}),
        ),
        ev(
            json!({"user": {"username": "system:serviceaccount:cert-manager:cert-manager"}, "objectRef": {"name": "tls-b"}}),
        ),
        ev(
            json!({"verb": "list", "objectRef": {"name": null}, "requestURI": "/api/v1/namespaces/prod/secrets", "requestReceivedTimestamp": at(10), "stageTimestamp": at(10)}),
        ),
        get_secret("mallory", "stage", "refused", 20, 403),
    ]));
    let inc = s.incidents.iter().find(|i| i.primary == "mallory").unwrap();
    assert_eq!(
        inc.secrets_to_rotate,
        vec![
            RotateItem {
                namespace: "prod".into(),
                name: String::new(),
                kind: RotateKind::WholeNamespace
            },
            RotateItem::named("prod", "tls-a"),
            RotateItem::named("prod", "tls-b"),
        ]
    );
    assert_eq!(
        inc.denied_secrets,
        vec![RotateItem::named("stage", "refused")]
    );
}

#[test]
fn kubelet_name_scoped_watch_is_normal_but_listing_all_is_not() {
    let node = |uri: &str, ns: Option<&str>| {
        let mut e = ev(
            json!({"verb": "watch", "user": {"username": "system:node:node-a", "groups": ["system:nodes", "system:authenticated"]}, "requestURI": uri, "objectRef": {"name": null}}),
        );
        if ns.is_none() {
            e["objectRef"].as_object_mut().unwrap().remove("namespace");
        }
        e
    };
    let s = scan_text(&lines(&[node(
        "/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3Dapp-tls&watch=true",
        Some("prod"),
    )]));
    assert!(s.alerts().is_empty(), "{:?}", s.rules());
    let s = scan_text(&lines(&[node("/api/v1/secrets?watch=true", None)]));
    assert!(s.fired("secret-read") && s.fired("secret-list-cluster-wide"));
}

#[test]
fn allowlisted_controller_is_allowlisted_for_what_it_does_only() {
    let cm = json!({"username": "system:serviceaccount:cert-manager:cert-manager",
        "extra": {"authentication.kubernetes.io/pod-name": ["cert-manager-7c9f6d8b5-lm2vn"]}});
    let s = scan_text(&lines(&[
        ev(json!({"user": cm.clone()})),
        ev(
            json!({"user": cm, "verb": "create", "requestURI": "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            "objectRef": {"resource": "clusterrolebindings", "namespace": null, "name": "x", "apiGroup": "rbac.authorization.k8s.io"},
            "responseStatus": {"code": 201}}),
        ),
    ]));
    assert_eq!(s.rules(), vec!["rbac-binding-created"]);
}

#[test]
fn binding_to_everyone_is_critical_and_untimed_events_still_count() {
    let crb = |subject: &str| {
        let obj = json!({"kind": "ClusterRoleBinding", "metadata": {"name": "oops"}, "roleRef": {"kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "Group", "name": subject}]});
        ev(
            json!({"verb": "create", "objectRef": {"resource": "clusterrolebindings", "namespace": null, "name": "oops"},
            "responseStatus": {"code": 201}, "requestObject": obj.clone(), "responseObject": obj}),
        )
    };
    assert_eq!(
        scan_text(&lines(&[crb("system:authenticated")]))
            .alert("rbac-binding-created")
            .severity,
        Severity::Critical
    );
    assert_eq!(
        scan_text(&lines(&[crb("ops")]))
            .alert("rbac-binding-created")
            .severity,
        Severity::High
    );

    let mut untimed = get_secret("mallory", "prod", "a", 0, 200);
    for k in ["requestReceivedTimestamp", "stageTimestamp"] {
        untimed.as_object_mut().unwrap().remove(k);
    }
    let s = scan_text(&lines(&[untimed]));
    assert!(
        s.fired("secret-read"),
        "non-windowed rules still see untimed events"
    );
    assert_eq!(s.ingest.engine.stats.untimed, 1);
    assert_eq!(
        s.ingest.engine.stats.untimed_skipped, 1,
        "the rapid-GET window had to skip it"
    );
}

#[test]
fn role_widened_reads_the_response_of_a_patch() {
    let patch =
        json!({"rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]});
    let result = json!({"kind": "Role", "metadata": {"name": "dev-role", "namespace": "dev"},
        "rules": [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]});
    let e = ev(
        json!({"verb": "patch", "objectRef": {"resource": "roles", "namespace": "dev", "name": "dev-role"},
        "requestObject": patch, "responseObject": result}),
    );
    let s = scan_text(&lines(&[e]));
    assert!(
        s.alert("rbac-role-widened").events[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("pods/exec")
    );
}

#[test]
fn impersonation_names_both_accounts() {
    let s = scan_text(&lines(&[ev(json!({
        "user": {"username": "admin"},
        "impersonatedUser": {"username": "system:serviceaccount:prod:payments"}
    }))]));
    let a = s.alert("secret-access-impersonated");
    assert_eq!(a.identity, "system:serviceaccount:prod:payments");
    assert_eq!(a.authenticated_user.as_deref(), Some("admin"));
}

#[test]
fn request_received_waits_for_the_stage_that_knows_the_impersonation() {
    // kube-apiserver writes RequestReceived before impersonation and
    // authorization run: no impersonatedUser, no decision yet.
    let mut rr =
        ev(json!({"auditID": "imp1", "stage": "RequestReceived", "user": {"username": "admin"}}));
    rr.as_object_mut().unwrap().remove("responseStatus");
    rr.as_object_mut().unwrap().remove("annotations");
    let rc = ev(
        json!({"auditID": "imp1", "user": {"username": "admin"}, "impersonatedUser": {"username": "system:serviceaccount:prod:payments"}}),
    );
    let s = scan_text(&lines(&[rr.clone(), rc]));
    assert!(
        s.alerts()
            .iter()
            .all(|a| a.identity == "system:serviceaccount:prod:payments"),
        "{:?}",
        s.alerts().iter().map(|a| &a.identity).collect::<Vec<_>>()
    );
    assert!(s.fired("secret-access-impersonated"));
    assert_eq!(
        s.alert("secret-read").events[0].outcome,
        ktriage::audit::Outcome::Allowed
    );
    // A RequestReceived whose later stages never come is still evaluated at the end.
    let s = scan_text(&lines(&[rr]));
    assert_eq!(s.alert("secret-read").identity, "admin");
}

#[test]
fn helm_client_reads_are_low_and_labelled_other_clients_are_secret_reads() {
    let s = scan_path(
        &sample("rules/helm-release-read.positive.jsonl"),
        Default::default(),
    );
    assert_eq!(s.rules(), vec!["helm-release-read"], "only the helm rule");
    let a = s.alert("helm-release-read");
    assert_eq!(a.severity, Severity::Low);
    assert_eq!(a.event_count, 3);
    assert!(
        a.notes.iter().any(|n| n.contains("Helm release state")),
        "{:?}",
        a.notes
    );
    // Not silenced: the release secret is on the rotation list.
    assert!(
        s.incidents[0]
            .secrets_to_rotate
            .contains(&ktriage::detect::RotateItem::named(
                "myapp",
                "sh.helm.release.v1.myapp.v7"
            )),
        "{:?}",
        s.incidents[0].secrets_to_rotate
    );
    // kubectl reading a release secret by name, and Helm-UA lists without
    // Helm's own selector: high secret reads.
    let s = scan_path(
        &sample("rules/helm-release-read.near-miss.jsonl"),
        Default::default(),
    );
    let r = s.alert("secret-read");
    assert_eq!(r.severity, Severity::High);
    assert_eq!(
        r.event_count,
        4,
        "{:?}",
        r.events.iter().map(|e| e.action()).collect::<Vec<_>>()
    );
    assert!(
        r.secret_strings()
            .contains(&"myapp/sh.helm.release.v1.myapp.v7".to_string())
    );
}

#[test]
fn helm_release_writes_by_other_clients_are_secret_writes() {
    let write = |ua: &str| {
        ev(json!({"verb": "update", "userAgent": ua,
            "requestURI": "/api/v1/namespaces/myapp/secrets/sh.helm.release.v1.myapp.v8",
            "objectRef": {"name": "sh.helm.release.v1.myapp.v8", "namespace": "myapp"}}))
    };
    let s = scan_text(&lines(&[write("Helm/3.15.2")]));
    assert_eq!(s.rules(), vec!["helm-release-read"]);
    let s = scan_text(&lines(&[write("curl/8.5.0")]));
    assert!(s.fired("secret-write") && !s.fired("helm-release-read"));
}

#[test]
fn readme_lists_every_rule_with_severity_and_source() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for r in ktriage::detect::RULES {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", r.id)))
            .unwrap_or_else(|| panic!("README has no row for {}", r.id));
        let cells: Vec<&str> = row.split(" | ").collect();
        assert_eq!(cells.len(), 4, "{row}");
        assert_eq!(cells[2], r.severity.as_str(), "{row}");
        assert!(!cells[3].trim_end_matches(" |").is_empty(), "{row}");
    }
}
