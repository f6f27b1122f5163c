//! The cluster's static shape: applications, services, nodes, informers,
//! and the indices of the actors the traffic mix names.

use super::*;

pub(super) struct Pod {
    pub(super) ns: &'static str,
    pub(super) name: String,
    pub(super) app: &'static str,
    pub(super) container: &'static str,
    pub(super) node: usize,
    pub(super) sa: &'static str,
    pub(super) secrets: &'static [&'static str],
    pub(super) pull: &'static str,
}

/// namespace, deployment, service account, replicas, mounted secrets, image pull secret
pub(super) type App = (
    &'static str,
    &'static str,
    &'static str,
    usize,
    &'static [&'static str],
    &'static str,
);

pub(super) const APPS: &[App] = &[
    ("prod", "web", "web", 6, &["app-tls"], "regcred"),
    (
        "prod",
        "payments-api",
        "payments",
        4,
        &["db-credentials", "stripe-api-key"],
        "regcred",
    ),
    (
        "prod",
        "checkout",
        "checkout",
        4,
        &["db-credentials", "redis-password"],
        "regcred",
    ),
    (
        "prod",
        "worker",
        "worker",
        3,
        &["rabbitmq-credentials"],
        "regcred",
    ),
    ("staging", "web", "web", 2, &["app-tls"], "regcred"),
    ("staging", "api", "api", 2, &["db-credentials"], "regcred"),
    (
        "payments",
        "ledger",
        "ledger",
        3,
        &["psp-webhook-secret", "ledger-db"],
        "regcred",
    ),
    (
        "myapp",
        "myapp",
        "myapp",
        2,
        &["myapp-config", "myapp-tls"],
        "ghcr-pull",
    ),
    ("podinfo", "podinfo", "default", 2, &[], "ghcr-pull"),
    (
        "monitoring",
        "grafana",
        "grafana",
        1,
        &["grafana-admin"],
        "",
    ),
    (
        "monitoring",
        "alertmanager",
        "alertmanager",
        2,
        &["alertmanager-config"],
        "",
    ),
];

pub(super) const SERVICES: &[(&str, &str)] = &[
    ("prod", "web"),
    ("prod", "payments-api"),
    ("prod", "checkout"),
    ("staging", "web"),
    ("staging", "api"),
    ("payments", "ledger"),
    ("myapp", "myapp"),
    ("podinfo", "podinfo"),
    ("monitoring", "grafana"),
    ("monitoring", "prometheus-k8s"),
    ("kube-system", "kube-dns"),
    ("ingress-nginx", "ingress-nginx-controller"),
    ("default", "kubernetes"),
];

pub(super) const N_NODES: usize = 24;

/// A reflector: list (at the restart), then back-to-back watches.
pub(super) struct Informer {
    pub(super) who: usize,
    pub(super) resource: &'static str,
    pub(super) group: &'static str,
    pub(super) version: &'static str,
    pub(super) ns: String,
    pub(super) field: String,
    pub(super) label: String,
}

/// Indices into `Cluster::actors` of everyone the traffic mix names.
#[derive(Default)]
pub(super) struct Ids {
    pub(super) nodes: Vec<usize>,
    pub(super) kcm_informers: usize,
    pub(super) kcm_root: usize,
    pub(super) kcm_tokens: usize,
    pub(super) scheduler: usize,
    pub(super) gc: usize,
    pub(super) aggregator: usize,
    pub(super) deploy_ctl: usize,
    pub(super) rs_ctl: usize,
    pub(super) eps_ctl: usize,
    pub(super) ep_ctl: usize,
    pub(super) hpa: usize,
    pub(super) node_ctl: usize,
    pub(super) coredns: Vec<usize>,
    pub(super) ksm: usize,
    pub(super) metrics_server: usize,
    pub(super) csi: Vec<usize>,
    pub(super) certm: usize,
    pub(super) eso: usize,
    pub(super) source: usize,
    pub(super) kustomize: usize,
    pub(super) helmctl: usize,
    pub(super) argo_ctl: usize,
    pub(super) argo_server: usize,
    pub(super) trivy: usize,
    pub(super) prometheus: usize,
    pub(super) ingress: usize,
    pub(super) humans: Vec<usize>,
    pub(super) alice: usize,
    pub(super) alice_helm: usize,
    pub(super) ci: usize,
    pub(super) lbs: Vec<usize>,
    pub(super) probe: usize,
}

pub(super) struct Cluster {
    pub(super) actors: Vec<Actor>,
    pub(super) ids: Ids,
    pub(super) pods: Vec<Pod>,
    pub(super) informers: Vec<Informer>,
    /// Secret reads by allowlisted controllers: (actor, namespace, name).
    pub(super) readers: Vec<(usize, &'static str, &'static str)>,
}

pub(super) fn node_name(i: usize) -> String {
    format!("worker-{:02}", i + 1)
}

pub(super) fn node_ip(i: usize) -> String {
    format!("10.0.{}.{}", 1 + i / 8, 11 + i)
}

/// Pod network: one /24 per node.
pub(super) fn pod_ip(node: usize, k: u64) -> String {
    format!("10.244.{}.{}", node + 1, 2 + k % 250)
}
