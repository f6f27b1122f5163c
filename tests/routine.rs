//! Quiet on routine operations (issue 11 §3), without going blind: a pod
//! rescheduled within the pod network and a controller moving with its
//! leader to another control-plane node are the same workload; a copied
//! pod token, a controller token used off the nodes, and secrets through
//! Rancher's impersonation still alert. The benign busy sample carries
//! that traffic and stays at 0 alerts (`tests/rules.rs`).

mod common;

use common::*;
use serde_json::{Value, json};

const UA: &str = "app-sync/1.2.0 (linux/amd64)";

/// A secret read by `user` from `ip`, with a token bound to `pod` if any.
fn read(user: &str, pod: Option<&str>, ip: &str, secs: i64) -> Value {
    let mut u =
        json!({"username": user, "groups": ["system:serviceaccounts", "system:authenticated"]});
    if let Some(p) = pod {
        u["extra"] = json!({"authentication.kubernetes.io/pod-name": [p]});
    }
    ev(
        json!({"user": u, "sourceIPs": [ip], "userAgent": UA, "verb": "get",
        "requestReceivedTimestamp": at(secs), "stageTimestamp": at(secs)}),
    )
}

fn token_create(user: &str, ip: &str, ns: &str, sa: &str, secs: i64) -> Value {
    ev(
        json!({"verb": "create", "user": {"username": user, "groups": ["system:nodes", "system:authenticated"]},
        "sourceIPs": [ip], "requestURI": format!("/api/v1/namespaces/{ns}/serviceaccounts/{sa}/token"),
        "objectRef": {"resource": "serviceaccounts", "namespace": ns, "name": sa, "subresource": "token"},
        "responseStatus": {"code": 201},
        "requestReceivedTimestamp": at(secs), "stageTimestamp": at(secs)}),
    )
}

fn fired_for(s: &Scan, rule: &str) -> Vec<String> {
    s.alerts()
        .iter()
        .filter(|a| a.rule.as_str() == rule)
        .flat_map(|a| a.events.iter().map(|e| e.source_ips.join(",")))
        .collect()
}

#[test]
fn rescheduled_pod_is_the_same_workload_a_copied_token_is_not() {
    let sa = "system:serviceaccount:prod:app-sync";
    let s = scan_text(&lines(&[
        // learning hour: the workload's pod on node-c, another pod elsewhere
        read(sa, Some("app-sync-6b8d9c7f4-p9r3t"), "10.244.3.22", 0),
        read(
            "system:serviceaccount:prod:web",
            Some("web-1"),
            "10.244.1.7",
            60,
        ),
        read(sa, Some("app-sync-6b8d9c7f4-p9r3t"), "10.244.3.22", 1800),
        // rescheduled: new pod, new IP in another /24 of the pod network
        read(sa, Some("app-sync-6b8d9c7f4-w5j7c"), "10.244.1.35", 4000),
        // the old pod's token from another IP: copied
        read(sa, Some("app-sync-6b8d9c7f4-p9r3t"), "10.244.2.99", 4100),
        // a bound token from outside the pod network
        read(sa, Some("app-sync-6b8d9c7f4-z8k2q"), "203.0.113.5", 4200),
    ]));
    let mismatch = fired_for(&s, "sa-token-context-mismatch");
    assert_eq!(mismatch, ["10.244.2.99", "203.0.113.5"], "{:?}", s.rules());
    let a = s.alert("sa-token-context-mismatch");
    assert!(
        a.notes.iter().any(|n| n.contains("a copied token")),
        "{:?}",
        a.notes
    );
    assert_eq!(
        fired_for(&s, "secret-read-new-client"),
        ["10.244.2.99", "203.0.113.5"]
    );
}

#[test]
fn controller_moving_with_its_leader_to_a_node_is_the_same_identity() {
    let quota = "system:serviceaccount:kube-system:resourcequota-controller";
    let kcm = "system:kube-controller-manager";
    let s = scan_text(&lines(&[
        token_create(
            kcm,
            "10.0.0.10",
            "kube-system",
            "resourcequota-controller",
            0,
        ),
        token_create(
            "system:node:cp-1",
            "10.0.0.10",
            "kube-system",
            "kube-proxy",
            5,
        ),
        token_create(
            "system:node:cp-2",
            "10.0.16.10",
            "kube-system",
            "kube-proxy",
            10,
        ),
        read(quota, None, "10.0.0.10", 20),
        // failover to cp-2 (another subnet): routine
        read(quota, None, "10.0.16.10", 5000),
        // the same token from a host that is no node: not routine
        read(quota, None, "10.0.99.10", 5100),
    ]));
    assert_eq!(
        fired_for(&s, "sa-token-context-mismatch"),
        ["10.0.99.10"],
        "{:?}",
        s.rules()
    );
    assert_eq!(fired_for(&s, "secret-read-new-client"), ["10.0.99.10"]);
    // An account kube-controller-manager never minted for is no
    // control-plane identity: moving to a node is a new place for it.
    let s = scan_text(&lines(&[
        token_create(
            "system:node:cp-2",
            "10.0.16.10",
            "kube-system",
            "kube-proxy",
            10,
        ),
        read("system:serviceaccount:prod:reporter", None, "10.0.0.10", 20),
        read(
            "system:serviceaccount:prod:reporter",
            None,
            "10.0.16.10",
            5000,
        ),
    ]));
    assert_eq!(fired_for(&s, "sa-token-context-mismatch"), ["10.0.16.10"]);
}

#[test]
fn configmaps_through_rancher_impersonation_are_routine_secrets_are_not() {
    let via = |proxy: &str, resource: &str| {
        ev(json!({"verb": "list", "user": {"username": proxy},
            "impersonatedUser": {"username": "u-7x2kq", "groups": ["system:authenticated"]},
            "requestURI": format!("/api/v1/namespaces/prod/{resource}?limit=500"),
            "objectRef": {"resource": resource, "namespace": "prod", "name": null}}))
    };
    let rancher = "system:serviceaccount:cattle-impersonation-system:cattle-impersonation-u-7x2kq";
    assert!(
        scan_text(&lines(&[via(rancher, "configmaps")]))
            .alerts()
            .is_empty()
    );
    assert!(scan_text(&lines(&[via(rancher, "secrets")])).fired("secret-access-impersonated"));
    assert!(
        scan_text(&lines(&[via(
            "system:serviceaccount:default:proxy",
            "configmaps"
        )]))
        .fired("secret-access-impersonated")
    );
    // Seed 002's Azure Arc proxy: configmaps alert.
    let arc = ev(
        json!({"verb": "get", "user": {"username": "system:serviceaccount:azure-arc:azure-arc-kube-aad-proxy-sa"},
        "requestURI": "/api/v1/namespaces/prod/configmaps/app", "objectRef": {"resource": "configmaps", "namespace": "prod", "name": "app"}}),
    );
    assert!(scan_text(&lines(&[arc])).fired("secret-access-impersonated"));
}
