//! A deterministic generator of realistic kube-apiserver audit traffic, for
//! ktriage's benchmarks and tests.
//!
//! The same seed and size always give the same bytes: a splitmix64 PRNG, no
//! clock, no hash-map iteration. Output is JSON lines, one `audit.k8s.io/v1`
//! `Event` per line, as the API server's log backend writes them (Go struct
//! field order, compact, `&` `<` `>` escaped as `\u0026` `\u003c` `\u003e`),
//! streamed through any [`Write`] in constant memory.
//!
//! # The cluster
//!
//! 24 worker nodes and a control-plane node; application pods in `prod`,
//! `staging`, `payments`, `myapp`, `podinfo`, `monitoring`; and the controllers
//! a busy cluster runs: kubelets (leases, node and pod status, the secrets and
//! configmaps their pods mount, projected service-account tokens),
//! kube-controller-manager and its `kube-system` service accounts (shared
//! informers over secrets and everything else, the tokens controller, garbage
//! collection, ClusterRole aggregation), kube-scheduler, CoreDNS,
//! kube-state-metrics, metrics-server (token and subject access reviews),
//! cert-manager, external-secrets, the Secrets Store CSI driver, Flux
//! (source, kustomize, helm controllers, `sh.helm.release.v1.*` release
//! secrets), Argo CD, trivy-operator, Prometheus scraping `/metrics`, load
//! balancer and kube-probe health checks, people running kubectl (pods,
//! deployments, logs, describe, top, port-forward, a few forbidden requests)
//! and `helm get`, and a CI account applying deployments.
//!
//! # Audit policy
//!
//! As `scripts/make-sample-logs.py` documents: RBAC writes at
//! `RequestResponse`; Flux and CI applies of deployments/configmaps at
//! `Request` (a `requestObject` of a few hundred bytes to several KB);
//! everything else at `Metadata`. Secrets, `serviceaccounts/token`,
//! `pods/exec|attach|portforward` and RBAC writes also log `RequestReceived`.
//! Watches log `ResponseStarted`, then `ResponseComplete` when their 5-10
//! minute server-side timeout ends; exec and port-forward streams log
//! `ResponseStarted` (101) only.
//!
//! # Time
//!
//! Log time starts at 2026-07-01T08:00:00Z and advances with the bytes
//! written: the whole file covers [`span_for`] (two hours, or more for files
//! large enough to need more than 1,000 events/s). So an attack placed at a
//! fraction of the file is at the same log time whatever the size, and every
//! attack comes after ktriage's one-hour learning period. Events are written
//! in `stageTimestamp` order. The log opens as the API server restarts: every
//! informer relists and every controller that reads secrets reads one, so the
//! learning hour sees every benign secret-reading client (the baseline rules
//! `secret-read-new-client` and `sa-token-context-mismatch` learn them).
//!
//! # Attacks
//!
//! [`ATTACKS`] are injected at fixed fractions of the target size (the same
//! set for 10M and 4G); [`EXPECTED`] is the exact (rule, identity) set that
//! ktriage with its default allowlist and config must report for a generated
//! file, and nothing else: the benign traffic is silent.

#![allow(dead_code)]

mod actors;
mod addons;
mod attacks;
mod background;
mod bodies;
mod build;
mod cluster;
mod control_plane;
mod gitops;
mod informers;
mod json;
mod kubelets;
mod people;
mod request;
mod rng;
mod time;
mod writer;

use std::io::{self, Write};

// The public API beyond the items below; each including crate uses part of it.
pub use self::actors::Actor;
pub use self::json::push_js;
pub use self::rng::{Rng, mix64};
#[allow(unused_imports)]
pub use self::time::{MIN_SPAN, START, push_ts, ts_string};

use self::{actors::*, bodies::*, cluster::*, json::*, request::*, rng::*, time::*, writer::*};

/// Bump when the bytes for a given seed and size change: `scripts/bench.sh`
/// names its cached files with it (`gen-audit --version` prints it).
pub const VERSION: u32 = 1;

// ------------------------------------------------------------------ sizes

/// The smallest size [`generate`] accepts: below it the restart burst at
/// the start would not fit in the learning hour.
pub const MIN_SIZE: u64 = 1 << 20;

/// Parse a size: `123` (bytes), `512K`, `10M`, `1G`, `4G` (binary units;
/// `KiB`/`MB`/`GiB`… spellings accepted).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().map_err(|_| format!("bad size `{s}`"))?;
    let mult: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(format!("bad size unit in `{s}` (K, M, G, T)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size `{s}` too large"))
}

/// Log time a file of `size` bytes covers: two hours, or longer when that
/// would mean more than ~1,000 events per second.
pub fn span_for(size: u64) -> i64 {
    let at_1000_per_s = (size / MEAN_EVENT_BYTES / 1000) as i64 * SEC;
    at_1000_per_s.max(MIN_SPAN)
}

// ------------------------------------------------------------------ attacks

/// The attacks every generated file carries, each at a fixed fraction of
/// the target size (so at the same log time, whatever the size).
pub const ATTACKS: &[(&str, f64)] = &[
    (
        "escalate-then-loot: ci-deployer binds cluster-admin to support-contractor, who reads secrets and execs",
        0.55,
    ),
    (
        "python-requests burst of GETs over many secrets by deploy-bot",
        0.62,
    ),
    (
        "external-secrets' token used with curl from outside the cluster",
        0.69,
    ),
    ("anonymous secret access with curl", 0.76),
    (
        "cluster-wide secret list by default/default from a debug pod",
        0.83,
    ),
    (
        "alice@example.com impersonates prod/payments to read a secret",
        0.90,
    ),
];

/// What ktriage (default allowlist and config) reports for a generated
/// file: (rule, identity), sorted, deduplicated. Exactly these.
pub const EXPECTED: &[(&str, &str)] = &[
    ("anonymous-secret-access", "system:anonymous"),
    ("escalate-then-loot", "support-contractor"),
    // Not an attack: alice's `helm get values` (background traffic). The
    // Helm client reading release state is reported at low severity by design.
    ("helm-release-read", "alice@example.com"),
    ("pod-exec", "support-contractor"),
    ("rbac-binding-created", "ci-deployer"),
    (
        "sa-token-context-mismatch",
        "system:serviceaccount:external-secrets:external-secrets",
    ),
    (
        "secret-access-impersonated",
        "system:serviceaccount:prod:payments",
    ),
    (
        "secret-list-cluster-wide",
        "system:serviceaccount:default:default",
    ),
    ("secret-rapid-get", "deploy-bot"),
    ("secret-read", "deploy-bot"),
    ("secret-read", "support-contractor"),
    ("secret-read", "system:anonymous"),
    ("secret-read", "system:serviceaccount:default:default"),
    ("secret-read", "system:serviceaccount:prod:payments"),
    ("secret-read-new-client", "deploy-bot"),
    ("secret-read-new-client", "support-contractor"),
    ("secret-read-new-client", "system:anonymous"),
    (
        "secret-read-new-client",
        "system:serviceaccount:default:default",
    ),
    (
        "secret-read-new-client",
        "system:serviceaccount:external-secrets:external-secrets",
    ),
    (
        "secret-read-new-client",
        "system:serviceaccount:prod:payments",
    ),
    ("secret-read-suspicious-agent", "deploy-bot"),
    ("secret-read-suspicious-agent", "system:anonymous"),
    (
        "secret-read-suspicious-agent",
        "system:serviceaccount:external-secrets:external-secrets",
    ),
    (
        "secret-read-workload-identity",
        "system:serviceaccount:default:default",
    ),
    (
        "secret-read-workload-identity",
        "system:serviceaccount:prod:payments",
    ),
];

/// The manifest file: a JSON list of `{"rule": …, "identity": …}`.
pub fn manifest_json() -> String {
    let list: Vec<serde_json::Value> = EXPECTED
        .iter()
        .map(|(rule, identity)| serde_json::json!({"rule": rule, "identity": identity}))
        .collect();
    let mut s = serde_json::to_string_pretty(&list).expect("serialisable");
    s.push('\n');
    s
}

// ------------------------------------------------------------------ the generator
// ------------------------------------------------------------------ the writer

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub bytes: u64,
    pub events: u64,
    pub first_time: i64,
    pub last_time: i64,
    /// Line number (1-based) of the first event of each attack.
    pub attack_lines: Vec<u64>,
}

/// Write about `size` bytes of audit log for `seed` to `out`.
pub fn generate<W: Write>(seed: u64, size: u64, out: W) -> io::Result<Summary> {
    if size < MIN_SIZE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("size must be at least {MIN_SIZE} bytes"),
        ));
    }
    Gen::new(seed, size).run(out)
}

/// [`generate`] into memory.
pub fn generate_vec(seed: u64, size: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(size as usize + (64 << 10));
    generate(seed, size, &mut v).expect("writing to memory");
    v
}
