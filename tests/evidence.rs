//! Seed 001's checklist step "check exec sessions into pods that use the
//! affected secrets", as the incident report (and the TUI) shows it.

mod common;
use common::*;
use serde_json::json;

fn pod_create(
    ns: &str,
    generate_name: &str,
    full_name: &str,
    secret: &str,
    secs: i64,
) -> serde_json::Value {
    ev(json!({
        "level": "RequestResponse",
        "user": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
        "userAgent": "kube-controller-manager/v1.30.2",
        "sourceIPs": ["10.0.0.10"],
        "verb": "create",
        "requestURI": format!("/api/v1/namespaces/{ns}/pods"),
        "objectRef": {"resource": "pods", "namespace": ns, "name": null},
        "responseStatus": {"code": 201},
        "requestObject": {"kind": "Pod", "apiVersion": "v1",
            "metadata": {"generateName": generate_name, "namespace": ns},
            "spec": {"containers": [{"name": "app", "image": "app:1",
                "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}}]}]}},
        "responseObject": {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": full_name, "namespace": ns}},
        "requestReceivedTimestamp": at(secs),
        "stageTimestamp": at(secs),
    }))
}

fn exec(user: &str, ns: &str, pod: &str, secs: i64) -> serde_json::Value {
    ev(json!({
        "user": {"username": user},
        "userAgent": "kubectl/v1.30.2",
        "verb": "create",
        "stage": "ResponseStarted",
        "requestURI": format!("/api/v1/namespaces/{ns}/pods/{pod}/exec?command=env&container=app&stdout=true"),
        "objectRef": {"resource": "pods", "subresource": "exec", "namespace": ns, "name": pod},
        "responseStatus": {"code": 101},
        "requestReceivedTimestamp": at(secs),
        "stageTimestamp": at(secs),
    }))
}

fn report(events: &[serde_json::Value]) -> String {
    let s = scan_text(&lines(events));
    let inc = (s.incidents.iter())
        .find(|i| i.primary == "mallory")
        .unwrap_or_else(|| panic!("no incident for mallory: {:?}", s.rules()));
    let facts = ktriage::view::Facts::of_engine(&s.ingest.engine, &s.incidents);
    let view = ktriage::view::build(&facts, ktriage::view::Meta::new(0, vec![]), Some(&inc.id));
    ktriage::report::markdown::render(&view, &ktriage::report::markdown::no_ticks).unwrap()
}

#[test]
fn exec_into_a_pod_whose_spec_uses_the_stolen_secret_is_linked() {
    let md = report(&[
        pod_create(
            "prod",
            "payments-api-6f7c9d-",
            "payments-api-6f7c9d-x7k2q",
            "db-credentials",
            0,
        ),
        pod_create("prod", "web-5d8f-", "web-5d8f-abcde", "web-tls", 1),
        get_secret("mallory", "prod", "db-credentials", 100, 200),
        // Another identity's exec into the pod that uses the stolen secret.
        exec("bob@example.com", "prod", "payments-api-6f7c9d-x7k2q", 200),
        // Same namespace, but the pod's spec shows it does not use it.
        exec("bob@example.com", "prod", "web-5d8f-abcde", 210),
        // Same namespace, spec never logged: listed, labelled as such.
        exec("carol@example.com", "prod", "legacy-0", 220),
        // Another namespace entirely: not listed.
        exec("bob@example.com", "staging", "tools-0", 230),
    ]);
    // Checklist lines (not the alert table, which names the execs too).
    let line = |needle: &str| {
        (md.lines())
            .find(|l| l.starts_with("  - ") && l.contains(needle))
            .map(str::to_string)
    };
    let linked = line("payments-api-6f7c9d-x7k2q").expect("exec into the pod using the secret");
    assert!(linked.contains("pod uses `db-credentials`"), "{linked}");
    assert!(linked.contains("`bob@example.com`"), "{linked}");
    assert!(line("web-5d8f-abcde").is_none(), "{md}");
    let unknown = line("legacy-0").expect("exec into a pod whose spec is not logged");
    assert!(unknown.contains("pod spec not in log"), "{unknown}");
    assert!(line("tools-0").is_none(), "{md}");
}

#[test]
fn the_incident_identitys_own_execs_are_always_listed() {
    let md = report(&[
        get_secret("mallory", "prod", "db-credentials", 0, 200),
        exec("mallory", "staging", "tools-0", 30),
    ]);
    let l = (md.lines())
        .find(|l| l.starts_with("  - ") && l.contains("tools-0"))
        .expect(&md);
    assert!(l.contains("by the incident's identity"), "{l}");
}
