//! The exfiltration paths that never call the Secrets API (issue 11 §2):
//! kubelet access through nodes/proxy, ephemeral containers, pods created
//! to mount a secret, certificates for privileged groups, minted tokens
//! used elsewhere. Each sample pair is in `tests/rules.rs`; these check
//! what an analyst relies on beyond "it fired": rotation lists, one
//! incident per attack, and saying so when the log cannot show a path.

mod common;

use common::*;
use ktriage::detect::{RotateItem, Severity};
use ktriage::pipeline::Health;
use serde_json::json;

fn warnings(s: &Scan) -> Vec<String> {
    s.ingest
        .health()
        .into_iter()
        .filter_map(|h| match h {
            Health::Warning(w) => Some(w),
            _ => None,
        })
        .collect()
}

fn proxy(uri: &str) -> serde_json::Value {
    ev(json!({"requestURI": uri,
        "objectRef": {"resource": "nodes", "namespace": null, "name": "node-b", "subresource": "proxy"}}))
}

#[test]
fn nodes_proxy_alerts_on_every_non_routine_path_however_spelt() {
    let s = scan_path(
        &sample("rules/nodes-proxy-exec.positive.jsonl"),
        Default::default(),
    );
    let a = s.alert("nodes-proxy-exec");
    assert_eq!((a.event_count, a.severity), (3, Severity::High));
    assert!(
        a.notes.iter().any(|n| n.contains("`/exec` runs a command")),
        "{:?}",
        a.notes
    );
    for uri in [
        "/api/v1/nodes/node-b/proxy/%65xec/prod/web/web?command=id",
        "/api/v1/nodes/node-b/proxy/metrics/../exec/prod/web/web",
        "/api/v1/nodes/node-b/proxy//containerLogs/prod/web/web",
        "/api/v1/nodes/node-b/proxy/checkpoint/prod/web/web",
        "/api/v1/nodes/node-b/proxy",
    ] {
        let s = scan_text(&lines(&[proxy(uri)]));
        assert!(s.fired("nodes-proxy-exec"), "{uri}");
    }
    // The pod the kubelet ran a command in: its known secrets are rotated.
    let spec =
        json!({"spec": {"volumes": [{"name": "v", "secret": {"secretName": "db-credentials"}}]}});
    let s = scan_text(&lines(&[
        pod_spec(
            "system:serviceaccount:kube-system:statefulset-controller",
            "pods",
            "api-0",
            spec,
            0,
        ),
        proxy("/api/v1/nodes/node-b/proxy/run/prod/api-0/api?cmd=env"),
    ]));
    let inc = s.incidents.iter().find(|i| i.primary == "mallory").unwrap();
    assert_eq!(
        inc.secrets_to_rotate,
        vec![RotateItem::named("prod", "db-credentials")]
    );
    for uri in [
        "/api/v1/nodes/node-b/proxy/metrics/cadvisor",
        "/api/v1/nodes/node-b/proxy/stats/summary",
    ] {
        assert!(
            scan_text(&lines(&[proxy(uri)])).alerts().is_empty(),
            "{uri}"
        );
    }
}

fn pod_spec(
    user: &str,
    resource: &str,
    name: &str,
    obj: serde_json::Value,
    secs: i64,
) -> serde_json::Value {
    ev(
        json!({"level": "Request", "verb": "create", "user": {"username": user},
        "requestURI": format!("/api/v1/namespaces/prod/{resource}"),
        "objectRef": {"resource": resource, "namespace": "prod", "name": name},
        "responseStatus": {"code": 201}, "requestObject": obj,
        "requestReceivedTimestamp": at(secs), "stageTimestamp": at(secs)}),
    )
}

fn pod_read(user: &str, sub: &str, pod: &str, secs: i64) -> serde_json::Value {
    ev(
        json!({"verb": if sub == "log" { "get" } else { "create" }, "user": {"username": user},
        "requestURI": format!("/api/v1/namespaces/prod/pods/{pod}/{sub}"),
        "objectRef": {"resource": "pods", "namespace": "prod", "name": pod, "subresource": sub},
        "requestReceivedTimestamp": at(secs), "stageTimestamp": at(secs)}),
    )
}

#[test]
fn ephemeral_container_puts_the_pods_secrets_on_the_rotation_list() {
    let spec =
        json!({"spec": {"volumes": [{"name": "v", "secret": {"secretName": "db-credentials"}}]}});
    let debug = ev(
        json!({"verb": "patch", "requestURI": "/api/v1/namespaces/prod/pods/api-0/ephemeralcontainers",
        "objectRef": {"resource": "pods", "namespace": "prod", "name": "api-0", "subresource": "ephemeralcontainers"},
        "requestReceivedTimestamp": at(30), "stageTimestamp": at(30)}),
    );
    let s = scan_text(&lines(&[
        pod_spec(
            "system:serviceaccount:kube-system:statefulset-controller",
            "pods",
            "api-0",
            spec,
            0,
        ),
        debug,
    ]));
    let a = s.alert("pod-ephemeral-container");
    assert_eq!(
        a.events[0].detail.as_deref(),
        Some("ephemeral container added to prod/api-0 (container spec not recorded)")
    );
    let inc = s.incidents.iter().find(|i| i.primary == "mallory").unwrap();
    assert_eq!(
        inc.secrets_to_rotate,
        vec![RotateItem::named("prod", "db-credentials")]
    );
}

#[test]
fn mounted_secrets_of_a_pod_or_job_are_rotated_and_only_its_creator_counts() {
    let s = scan_path(
        &sample("rules/pod-mounts-secret-then-read.positive.jsonl"),
        Default::default(),
    );
    assert_eq!(
        s.alerts()
            .iter()
            .filter(|a| a.rule.as_str() == "pod-mounts-secret-then-read")
            .count(),
        2,
        "one alert per pod or workload created"
    );
    let inc = s.incidents.iter().find(|i| i.primary == "mallory").unwrap();
    for secret in ["aws-credentials", "db-credentials", "stripe-api-key"] {
        assert!(
            inc.secrets_to_rotate
                .contains(&RotateItem::named("prod", secret)),
            "{secret}: {:?}",
            inc.secrets_to_rotate
        );
    }
    assert!(
        warnings(&s)
            .iter()
            .all(|w| !w.contains("pod specs not recorded")),
        "specs were recorded"
    );

    // Exec into the pod by its creator fires too; a read before the create does not.
    let spec = json!({"spec": {"containers": [{"envFrom": [{"secretRef": {"name": "k"}}]}]}});
    let s = scan_text(&lines(&[
        pod_read("mallory", "log", "p", 0),
        pod_spec("mallory", "pods", "p", spec.clone(), 10),
        pod_read("mallory", "exec", "p", 20),
    ]));
    assert_eq!(s.alert("pod-mounts-secret-then-read").event_count, 1);
    // A Deployment's pods carry the ReplicaSet hash; another Deployment's do not match.
    let dep = json!({"spec": {"template": {"spec": spec["spec"].clone()}}});
    let s = scan_text(&lines(&[
        pod_spec("mallory", "deployments", "web", dep, 0),
        pod_read("mallory", "log", "web-7d9f8b6c5-k2m4p", 20),
        pod_read("mallory", "log", "webhook-7d9f8b6c5-k2m4p", 30),
    ]));
    assert_eq!(s.alert("pod-mounts-secret-then-read").event_count, 1);
}

#[test]
fn pod_reads_without_any_recorded_spec_are_said_once() {
    let s = scan_text(&lines(&[
        pod_read("mallory", "log", "p", 0),
        pod_read("bob", "exec", "q", 5),
    ]));
    let w = warnings(&s);
    assert_eq!(
        w.iter()
            .filter(|w| w.contains("pod specs not recorded"))
            .count(),
        1,
        "{w:?}"
    );
    assert!(
        w.iter().any(|w| w.contains("pod-mounts-secret-then-read")
            && w.contains("the pods of 2 execs or log reads mount")),
        "{w:?}"
    );
    // The jsonl summary record says it too.
    let summary = ktriage::report::summary::summary_line(&s.ingest, s.incidents.len());
    assert_eq!(summary.blind_spots.len(), 1, "{:?}", summary.blind_spots);
    // Nothing to judge, nothing to say.
    assert!(
        warnings(&scan_text(&lines(&[get_secret(
            "bob", "prod", "a", 0, 200
        )])))
        .is_empty()
    );
}

#[test]
fn csr_request_approval_and_use_are_one_critical_incident() {
    let s = scan_path(
        &sample("rules/csr-privileged-group.positive.jsonl"),
        Default::default(),
    );
    let csr: Vec<_> = s
        .alerts()
        .iter()
        .filter(|a| a.rule.as_str() == "csr-privileged-group")
        .collect();
    assert_eq!(
        csr.len(),
        3,
        "request (mallory), approval (frank), use (mallory-admin)"
    );
    assert_eq!(
        s.incidents.len(),
        1,
        "{:?}",
        s.incidents
            .iter()
            .map(|i| &i.identities)
            .collect::<Vec<_>>()
    );
    let inc = &s.incidents[0];
    assert_eq!(inc.severity, Severity::Critical);
    for who in ["mallory", "frank", "mallory-admin"] {
        assert!(
            inc.identities.iter().any(|i| i == who),
            "{who}: {:?}",
            inc.identities
        );
    }
    assert!(
        csr.iter()
            .any(|a| a.events.iter().any(|e| e.detail.as_deref()
                == Some("CSR mallory-admin asks for CN=mallory-admin O=system:masters")))
    );
}

#[test]
fn csr_without_a_body_or_with_garbage_is_said() {
    let create = |obj: Option<serde_json::Value>| {
        let mut e = ev(
            json!({"verb": "create", "requestURI": "/apis/certificates.k8s.io/v1/certificatesigningrequests",
            "objectRef": {"resource": "certificatesigningrequests", "namespace": null, "name": "x", "apiGroup": "certificates.k8s.io"}}),
        );
        if let Some(o) = obj {
            e["level"] = json!("Request");
            e["requestObject"] = o;
        }
        e
    };
    let s = scan_text(&lines(&[create(None)]));
    assert!(
        warnings(&s)
            .iter()
            .any(|w| w.starts_with("CSR bodies not recorded: rule csr-privileged-group")),
        "{:?}",
        warnings(&s)
    );
    let s = scan_text(&lines(&[create(Some(
        json!({"spec": {"request": "bm90IGEgY3Ny"}}),
    ))]));
    assert!(
        warnings(&s)
            .iter()
            .any(|w| w.contains("could not be decoded")),
        "{:?}",
        warnings(&s)
    );
    assert!(s.alerts().is_empty());
}

#[test]
fn minted_token_and_its_use_are_one_incident() {
    let s = scan_path(
        &sample("rules/minted-token-used.positive.jsonl"),
        Default::default(),
    );
    let a = s.alert("minted-token-used");
    assert_eq!(a.identity, "system:serviceaccount:prod:payments");
    assert_eq!(a.linked, vec!["mallory".to_string()]);
    assert!(
        a.events
            .iter()
            .any(|e| e.action() == "create serviceaccounts/token prod/payments"),
        "the minting is the first evidence: {:?}",
        a.events.iter().map(|e| e.action()).collect::<Vec<_>>()
    );
    assert_eq!(
        a.event_count, 3,
        "the minting and both uses from the new context"
    );
    let inc = s
        .incidents
        .iter()
        .find(|i| i.identities.iter().any(|x| x == "mallory"))
        .unwrap();
    assert!(
        inc.identities
            .iter()
            .any(|x| x == "system:serviceaccount:prod:payments")
    );
    assert!(inc.rules.iter().any(|r| r.as_str() == "sa-token-minted"));
}

/// `spec.request` for a CSR with subject O=orgs, CN=cn (no real key).
fn csr_request(cn: &str, orgs: &[&str]) -> String {
    use base64::Engine as _;
    fn tlv(tag: u8, parts: &[Vec<u8>]) -> Vec<u8> {
        let body = parts.concat();
        let mut out = vec![tag];
        if body.len() < 0x80 {
            out.push(body.len() as u8);
        } else {
            out.push(0x82);
            out.extend_from_slice(&(body.len() as u16).to_be_bytes());
        }
        out.extend(body);
        out
    }
    let atv = |oid: u8, v: &str| {
        tlv(
            0x31,
            &[tlv(
                0x30,
                &[
                    tlv(0x06, &[vec![0x55, 0x04, oid]]),
                    tlv(0x0c, &[v.as_bytes().to_vec()]),
                ],
            )],
        )
    };
    let mut names: Vec<Vec<u8>> = orgs.iter().map(|o| atv(0x0a, o)).collect();
    names.push(atv(0x03, cn));
    let info = tlv(
        0x30,
        &[
            tlv(0x02, &[vec![0]]),
            tlv(0x30, &names),
            tlv(0x30, &[]),
            tlv(0xa0, &[]),
        ],
    );
    let der = tlv(0x30, &[info, tlv(0x30, &[]), tlv(0x03, &[vec![0]])]);
    let b64 = base64::engine::general_purpose::STANDARD;
    let pem = format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        b64.encode(der)
    );
    b64.encode(pem)
}

#[test]
fn a_group_bound_to_cluster_admin_in_the_log_is_privileged_too() {
    let csr = ev(json!({"level": "Request", "verb": "create",
        "requestURI": "/apis/certificates.k8s.io/v1/certificatesigningrequests",
        "objectRef": {"resource": "certificatesigningrequests", "namespace": null, "name": "bg", "apiGroup": "certificates.k8s.io"},
        "requestObject": {"metadata": {"name": "bg"}, "spec": {"request": csr_request("eve", &["breakglass"])}},
        "requestReceivedTimestamp": at(60), "stageTimestamp": at(60)}));
    let crb = {
        let obj = json!({"kind": "ClusterRoleBinding", "metadata": {"name": "breakglass-admin"},
            "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "Group", "name": "breakglass"}]});
        ev(
            json!({"level": "RequestResponse", "verb": "create", "user": {"username": "ops-admin"},
            "objectRef": {"resource": "clusterrolebindings", "namespace": null, "name": "breakglass-admin"},
            "responseStatus": {"code": 201}, "requestObject": obj.clone(), "responseObject": obj}),
        )
    };
    assert!(
        !scan_text(&lines(std::slice::from_ref(&csr))).fired("csr-privileged-group"),
        "breakglass is no known group"
    );
    let s = scan_text(&lines(&[crb, csr]));
    assert!(
        s.alert("csr-privileged-group").events[0].detail.as_deref()
            == Some("CSR bg asks for CN=eve O=breakglass"),
        "{:?}",
        s.alert("csr-privileged-group").events
    );
}
