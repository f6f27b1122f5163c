//! The built-in allowlist: the secret-consuming controllers of seed 000
//! (kube-system, cert-manager, external-secrets, CSI drivers) plus the ones
//! every busy cluster has (flux, argo, helm release records, kubelets,
//! trivy-operator as Elastic allowlists it). Each is scoped to what that
//! controller does: reading and writing secrets, never exec, RBAC or tokens,
//! except where named. The README has the table of entries × rules.

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

fn entry(kind: EntryKind, value: &str, rules: &[&str], reason: &str) -> AllowlistEntry {
    AllowlistEntry::new(kind, value)
        .expect("built-in entries are valid")
        .with_rules(rules)
        .with_reason(reason)
}

/// Every built-in entry, in the order they are checked.
pub fn default_entries() -> Vec<AllowlistEntry> {
    use EntryKind::*;
    vec![
        entry(
            User,
            "system:kube-controller-manager",
            &["secret-read", "secret-list-cluster-wide", "secret-write", "sa-token-minted"],
            "kube-controller-manager watches every Secret (shared informers), manages service-account tokens and garbage-collects secrets",
        ),
        entry(
            UserPrefix,
            "system:serviceaccount:kube-system:",
            CONTROLLER_SECRET_RULES,
            "core controllers and CSI drivers in kube-system read and write secrets (seed 000 filter_controllers)",
        ),
        entry(
            User,
            "system:serviceaccount:kube-system:clusterrole-aggregation-controller",
            &["rbac-role-widened"],
            "aggregates rules into the admin/edit/view ClusterRoles, which grant secrets access by design",
        ),
        entry(
            UserPrefix,
            "system:serviceaccount:cert-manager:",
            CONTROLLER_SECRET_RULES,
            "cert-manager watches and writes TLS secrets in every namespace (seed 000 filter_controllers)",
        ),
        entry(
            UserPrefix,
            "system:serviceaccount:external-secrets:",
            CONTROLLER_SECRET_RULES,
            "external-secrets syncs secrets from external stores (seed 000 filter_controllers)",
        ),
        entry(
            UserPrefix,
            "system:serviceaccount:flux-system:",
            CONTROLLER_SECRET_RULES,
            "flux source/kustomize/helm controllers read git credentials and decryption keys and write helm release secrets (seed 003 exclusions)",
        ),
        entry(
            UserPrefix,
            "system:serviceaccount:argocd:",
            CONTROLLER_SECRET_RULES,
            "argo CD keeps cluster and repository credentials as secrets in its namespace",
        ),
        entry(
            UserPrefix,
            "system:node:",
            &["secret-read", "secret-read-workload-identity", "secret-rapid-get", "secret-read-new-client"],
            "kubelets read the secrets their pods mount, by name; new nodes join all the time (a kubelet listing all secrets still alerts)",
        )
        .named_only(),
        entry(UserPrefix, "system:node:", &["sa-token-minted"], "kubelets request projected service-account tokens for their pods"),
        entry(
            SecretName,
            "sh.helm.release.v1.*",
            &["secret-read", "secret-read-workload-identity", "secret-rapid-get", "secret-write", "secret-read-new-client"],
            "helm stores release records as secrets named sh.helm.release.v1.* (seed 003 exclusion); named reads and writes only",
        ),
        entry(
            PodServiceAccount,
            "system:serviceaccount:security:trivy-operator",
            &["secret-read", "secret-list-cluster-wide", "secret-read-workload-identity"],
            "trivy-operator reads image pull secrets to scan images, only from its own pods (Elastic's exclusion, seed 003)",
        )
        .with_pod_prefix("trivy-operator-"),
    ]
}

pub fn default_allowlist() -> Allowlist {
    Allowlist {
        entries: default_entries(),
        origin: None,
    }
}

pub const HEADER: &str = "\
# ktriage allowlist: identities and requests that are normal in this cluster.
#
# Every entry names the rules it silences (`rules`, default: all rules), so a
# controller is allowlisted for what it does, not for everything. Kinds:
#   user, user-prefix, group          the effective identity / one of its groups
#   namespace                         the target object's namespace
#   secret-name                       glob on the secret name (name-scoped requests)
#   source-cidr                       the trusted source IP
#   user-agent                        glob on the user agent
#   pod-service-account               a service account, only from pods named pod_name_prefix*
# Optional: named_only = true (only requests naming one object), reason,
# expires = \"2026-12-31\" (stops applying after that day, UTC).
# `ktriage rules` lists rule ids. Edits from the TUI keep these comments.
";

/// The defaults as a commented TOML file (`ktriage allowlist init`).
pub fn init_text() -> String {
    render(&default_entries(), HEADER)
}
