//! The built-in allowlist: the controllers that really read secrets, each by
//! its exact identity and only for what it does (seed 000's
//! `filter_controllers`, narrowed: seed 000 lists namespace *prefixes*,
//! which every account created in those namespaces would match).
//!
//! Matching an entry must need what the real controller has and an attacker
//! does not:
//! - kube-controller-manager's own controllers (`--use-service-account-
//!   credentials`) by exact account name; their tokens come from the
//!   TokenRequest API (no pod), minted by `system:kube-controller-manager`.
//!   Only the controllers whose bootstrap ClusterRole grants secrets
//!   (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): generic-garbage-
//!   collector, namespace-controller, resourcequota-controller, legacy-
//!   service-account-token-cleaner, and the bootstrap-token token-cleaner and
//!   bootstrap-signer (Roles in kube-system). Never `kube-system:default`,
//!   never a whole namespace.
//! - add-ons and products with pod-bound tokens (`pod-service-account`): the
//!   exact account *and* a token bound to a pod whose name starts like the
//!   controller's, so a long-lived or freshly minted token of that account
//!   used outside its pod stays visible, and a squatted namespace needs a
//!   running pod of the right name, not just a namespace and an account.
//! - the API server's loopback client only from 127.0.0.1/::1.
//! - managed control planes by exact name (GKE's `system:l7-lb-controller`
//!   and `system:addon-manager`; AKS's default Azure Files CSI driver).
//!
//! Helm release secrets are not allowlisted: seed 003 excludes them from the
//! rapid-GET rule only (its config), and the Helm client's own reads are
//! `helm-release-read` (low). The README has the table of entries, rules,
//! and what an attacker must already control to match each.

use super::file::render;
use super::model::{Allowlist, AllowlistEntry, EntryKind};

/// The rules a secret-consuming controller is expected to trigger.
const CONTROLLER_SECRET_RULES: &[&str] = &[
    "secret-read",
    "secret-list-cluster-wide",
    "secret-read-workload-identity",
    "secret-rapid-get",
    "secret-write",
];

/// Reads (get/list/watch) of secrets in its own namespace, no writes.
const NAMESPACED_READER_RULES: &[&str] = &[
    "secret-read",
    "secret-read-workload-identity",
    "secret-rapid-get",
];

fn entry(kind: EntryKind, value: &str, rules: &[&str], reason: &str) -> AllowlistEntry {
    AllowlistEntry::new(kind, value)
        .expect("built-in entries are valid")
        .with_rules(rules)
        .with_reason(reason)
}

fn kcm(name: &str, rules: &[&str], reason: &str) -> AllowlistEntry {
    entry(
        EntryKind::User,
        &format!("system:serviceaccount:kube-system:{name}"),
        rules,
        reason,
    )
}

fn pod_sa(account: &str, pod_prefix: &str, rules: &[&str], reason: &str) -> AllowlistEntry {
    entry(EntryKind::PodServiceAccount, account, rules, reason).with_pod_prefix(pod_prefix)
}

/// Every built-in entry, in the order they are checked.
pub fn default_entries() -> Vec<AllowlistEntry> {
    use EntryKind::*;
    vec![
        // -- control plane ---------------------------------------------------
        entry(
            User,
            "system:kube-controller-manager",
            &["secret-read", "secret-list-cluster-wide", "secret-write", "sa-token-minted"],
            "kube-controller-manager watches every Secret (shared informers), manages service-account tokens and garbage-collects secrets",
        ),
        entry(
            User,
            "system:apiserver",
            &["secret-read", "secret-list-cluster-wide", "secret-read-new-client"],
            "the API server's own loopback client (service-account token lookups, admission) watches secrets; only from 127.0.0.1/::1",
        )
        .from_sources(&["127.0.0.1/32", "::1/128"])
        .expect("valid CIDRs"),
        // -- kube-controller-manager's controllers (exact names) -------------
        kcm(
            "generic-garbage-collector",
            CONTROLLER_SECRET_RULES,
            "garbage collector: get/list/watch/delete on every resource, secrets included (bootstrap policy)",
        ),
        kcm(
            "namespace-controller",
            &["secret-read", "secret-read-workload-identity", "secret-read-new-client", "secret-write"],
            "namespace controller lists and deletes the secrets of a namespace being deleted (bootstrap policy); it reads only then, so its client is always new",
        ),
        kcm(
            "resourcequota-controller",
            &["secret-read", "secret-list-cluster-wide", "secret-read-workload-identity"],
            "resource quota controller lists/watches every resource to count it, secrets included (bootstrap policy)",
        ),
        kcm(
            "legacy-service-account-token-cleaner",
            &["secret-write"],
            "labels and deletes unused legacy service-account token secrets (bootstrap policy: patch/delete secrets)",
        ),
        kcm(
            "token-cleaner",
            &["secret-read", "secret-read-workload-identity", "secret-rapid-get", "secret-write"],
            "deletes expired bootstrap-token secrets in kube-system (Role system:controller:token-cleaner)",
        ),
        kcm(
            "bootstrap-signer",
            NAMESPACED_READER_RULES,
            "reads bootstrap-token secrets in kube-system to sign cluster-info (Role system:controller:bootstrap-signer)",
        ),
        kcm(
            "clusterrole-aggregation-controller",
            &["rbac-role-widened"],
            "aggregates rules into the admin/edit/view ClusterRoles, which grant secrets access by design",
        ),
        // -- CSI drivers (pod-bound tokens) ----------------------------------
        pod_sa(
            "system:serviceaccount:kube-system:secrets-store-csi-driver",
            "csi-secrets-store-",
            CONTROLLER_SECRET_RULES,
            "Secrets Store CSI driver reads nodePublishSecretRef secrets and syncs mounted secrets into Secrets, only from its own pods",
        ),
        pod_sa(
            "system:serviceaccount:kube-system:csi-azurefile-controller-sa",
            "csi-azurefile-controller-",
            &["secret-read", "secret-read-workload-identity", "secret-rapid-get", "secret-write"],
            "Azure Files CSI controller (AKS default) reads and creates storage-account key secrets, only from its own pods",
        ),
        pod_sa(
            "system:serviceaccount:kube-system:csi-azurefile-node-sa",
            "csi-azurefile-node-",
            &["secret-read", "secret-read-workload-identity"],
            "Azure Files CSI node plugin (AKS default) reads a volume's storage-account key secret by name, only from its own pods",
        )
        .named_only(),
        // -- products (exact account + pod name) -----------------------------
        pod_sa(
            "system:serviceaccount:cert-manager:cert-manager",
            "cert-manager-",
            CONTROLLER_SECRET_RULES,
            "cert-manager's controller watches and writes TLS secrets in every namespace (seed 000 filter_controllers)",
        ),
        pod_sa(
            "system:serviceaccount:cert-manager:cert-manager-cainjector",
            "cert-manager-cainjector-",
            &["secret-read", "secret-list-cluster-wide", "secret-read-workload-identity", "secret-rapid-get"],
            "cert-manager's cainjector watches CA secrets to inject them into webhooks and CRDs",
        ),
        pod_sa(
            "system:serviceaccount:external-secrets:external-secrets",
            "external-secrets-",
            CONTROLLER_SECRET_RULES,
            "external-secrets syncs secrets from external stores (seed 000 filter_controllers)",
        ),
        pod_sa(
            "system:serviceaccount:flux-system:source-controller",
            "source-controller-",
            CONTROLLER_SECRET_RULES,
            "flux source-controller reads git and registry credentials (seed 003 exclusion)",
        ),
        pod_sa(
            "system:serviceaccount:flux-system:kustomize-controller",
            "kustomize-controller-",
            CONTROLLER_SECRET_RULES,
            "flux kustomize-controller reads decryption keys and applies secrets (seed 003 exclusion)",
        ),
        pod_sa(
            "system:serviceaccount:flux-system:helm-controller",
            "helm-controller-",
            CONTROLLER_SECRET_RULES,
            "flux helm-controller reads values secrets and reads/writes helm release secrets (seed 003 exclusion)",
        ),
        pod_sa(
            "system:serviceaccount:argocd:argocd-application-controller",
            "argocd-application-controller-",
            CONTROLLER_SECRET_RULES,
            "Argo CD's application controller watches cluster credentials secrets in its namespace",
        ),
        pod_sa(
            "system:serviceaccount:argocd:argocd-server",
            "argocd-server-",
            CONTROLLER_SECRET_RULES,
            "Argo CD's API server reads and writes argocd-secret and repository/cluster credentials",
        ),
        pod_sa(
            "system:serviceaccount:kube-system:kube-state-metrics",
            "kube-state-metrics-",
            &["secret-read", "secret-list-cluster-wide", "secret-read-workload-identity"],
            "kube-state-metrics lists and watches every Secret for its kube_secret_* metrics (its default ClusterRole), only from its own pods",
        ),
        pod_sa(
            "system:serviceaccount:security:trivy-operator",
            "trivy-operator-",
            &["secret-read", "secret-list-cluster-wide", "secret-read-workload-identity"],
            "trivy-operator reads image pull secrets to scan images, only from its own pods (Elastic's exclusion, seed 003)",
        ),
        // -- kubelets --------------------------------------------------------
        entry(
            UserPrefix,
            "system:node:",
            &["secret-read", "secret-read-workload-identity", "secret-rapid-get", "secret-read-new-client"],
            "kubelets read the secrets their pods mount, by name; new nodes join all the time (a kubelet listing all secrets still alerts)",
        )
        .named_only(),
        entry(UserPrefix, "system:node:", &["sa-token-minted"], "kubelets request projected service-account tokens for their pods")
            .named_only(),
        // -- managed control planes (exact names) ----------------------------
        entry(
            User,
            "system:l7-lb-controller",
            &["secret-read", "secret-rapid-get"],
            "GKE's ingress controller (GLBC) reads the TLS secrets named by Ingresses",
        )
        .named_only(),
        entry(
            User,
            "system:addon-manager",
            &["secret-read", "secret-write"],
            "GKE's addon manager applies and prunes add-on objects in kube-system, secrets among them",
        ),
    ]
}

pub fn default_allowlist() -> Allowlist {
    Allowlist {
        entries: default_entries(),
        ..Default::default()
    }
}

pub const HEADER: &str = "\
# ktriage allowlist: identities and requests that are normal in this cluster.
#
# Every entry names the rules it silences (`rules`, default: all rules), so a
# controller is allowlisted for what it does, not for everything. Kinds:
#   user, user-prefix, group          the effective identity / one of its groups
#   namespace                         the target object's namespace
#   secret-name                       glob on the secret name (name-scoped requests); NAMESPACE/GLOB limits it to one namespace
#   source-cidr                       the trusted source IP
#   user-agent                        glob on the user agent (set by the client!)
#   pod-service-account               a service account, only from pods named pod_name_prefix*
# Optional: named_only = true (only requests naming one object), reason,
# source_cidrs = [\"127.0.0.1/32\"] (only from there),
# expires = \"2026-12-31\" (stops applying after that day, UTC).
# Prefer exact entries: `ktriage allowlist check` warns about entries an
# attacker could join (namespace or name prefixes, user agents, broad ranges,
# entries without `rules`).
# `ktriage rules` lists rule ids. Edits from the TUI keep these comments.
";

/// The defaults as a commented TOML file (`ktriage allowlist init`).
pub fn init_text() -> String {
    render(&default_entries(), HEADER)
}
