//! Detection settings: networks, the learning period, and every rule's
//! thresholds and windows under `[rules.<id>]`. Loaded from TOML; unknown
//! keys are errors (a misspelt threshold must not silently fall back).

use super::registry::RuleId;
use crate::net::Cidr;
use crate::time::{format_duration, parse_duration_micros};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::path::Path;

/// A duration written as `6m`, `1h`, `7d` in TOML; microseconds inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub i64);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_duration_micros(&s)
            .map(Dur)
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for Dur {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(self.0))
    }
}

fn de_cidrs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Cidr>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| s.parse().map_err(serde::de::Error::custom))
        .collect()
}

fn ser_cidrs<S: Serializer>(v: &[Cidr], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|c| c.to_string()))
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Load balancers or proxies in front of the API server: when the direct
    /// peer is one of these, trust steps back one `sourceIPs` entry.
    #[serde(deserialize_with = "de_cidrs", serialize_with = "ser_cidrs")]
    pub trusted_proxies: Vec<Cidr>,
    /// Where secret reads are expected from (CI/CD, operators, nodes). Empty
    /// disables `secret-read-untrusted-source`.
    #[serde(deserialize_with = "de_cidrs", serialize_with = "ser_cidrs")]
    pub trusted_cidrs: Vec<Cidr>,
    /// Pod and node networks. When set, `sa-token-context-mismatch` flags a
    /// service account used from outside them.
    #[serde(deserialize_with = "de_cidrs", serialize_with = "ser_cidrs")]
    pub cluster_cidrs: Vec<Cidr>,
    /// Log time at the start during which baselines are learned and the
    /// baseline rules stay silent.
    pub learning_period: Dur,
    /// How many in-flight requests (by auditID) are remembered to merge their
    /// stages. Bounded by count, not time: a watch or exec can span an hour.
    pub dedup_capacity: usize,
    /// Identities whose detail is held (activity records, stored evidence
    /// of their alerts). Past it, identities with no alert are evicted
    /// first; alerts of identities over it keep exact counts and every
    /// secret but no stored evidence; the summary says what was evicted.
    /// `--max-identities` overrides it.
    pub max_identities: usize,
    pub rules: RuleSettings,
}

/// Default `max_identities`: a large cluster has a few thousand nodes and
/// service accounts; 100,000 one-read identities over it stay near 150 MB.
pub const DEFAULT_MAX_IDENTITIES: usize = 50_000;

impl Default for Config {
    fn default() -> Self {
        Config {
            trusted_proxies: Vec::new(),
            trusted_cidrs: Vec::new(),
            cluster_cidrs: Vec::new(),
            learning_period: Dur(3_600_000_000),
            dedup_capacity: 500_000,
            max_identities: DEFAULT_MAX_IDENTITIES,
            rules: RuleSettings::default(),
        }
    }
}

/// `enabled = false` turns any rule off.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Basic {
    pub enabled: bool,
}

impl Default for Basic {
    fn default() -> Self {
        Basic { enabled: true }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RapidGet {
    pub enabled: bool,
    pub threshold: usize,
    pub window: Dur,
    pub exclude_source_ips: Vec<String>,
    /// Matched against the effective and the authenticated user.
    pub exclude_users: Vec<String>,
    pub exclude_name_globs: Vec<String>,
}

impl Default for RapidGet {
    fn default() -> Self {
        // Exactly seed 003's thresholds and exclusions.
        RapidGet {
            enabled: true,
            threshold: 3,
            window: Dur(6 * 60_000_000),
            exclude_source_ips: strings(&["127.0.0.1", "::1"]),
            exclude_users: strings(&[
                "system:kube-controller-manager",
                "system:kube-scheduler",
                "system:serviceaccount:flux-system:kustomize-controller",
                "system:serviceaccount:flux-system:helm-controller",
                "system:serviceaccount:flux-system:source-controller",
                "system:serviceaccount:security:trivy-operator",
            ]),
            exclude_name_globs: strings(&["sh.helm.release.*"]),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuspiciousAgent {
    pub enabled: bool,
    /// Case-sensitive globs on the user agent.
    pub patterns: Vec<String>,
}

impl Default for SuspiciousAgent {
    fn default() -> Self {
        SuspiciousAgent {
            enabled: true,
            patterns: strings(&[
                // Elastic's list (seed 002).
                "curl*",
                "python*",
                "Python*",
                "wget*",
                "Go-http*",
                "perl*",
                "java*",
                "node*",
                "php*",
                "*distrib#kali*",
                "*kali-amd64",
                "*kali-arm64*",
                // Sigma's offensive-tool user agents.
                "*access_matrix*",
                "*trufflehog*",
                "*azurehound*",
                "*micro-scanner*",
            ]),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NewClient {
    pub enabled: bool,
    /// How far back a combination counts as known (seed 004: 7 days).
    pub history: Dur,
    /// User agents ending with this are standard and ignored (seed 004).
    pub standard_suffix: String,
    /// Combinations remembered at most; the oldest are forgotten first.
    pub max_tracked: usize,
}

impl Default for NewClient {
    fn default() -> Self {
        NewClient {
            enabled: true,
            history: Dur(7 * 86_400_000_000),
            standard_suffix: "kubernetes/$Format".into(),
            max_tracked: 100_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContextMismatch {
    pub enabled: bool,
    pub check_user_agent: bool,
    pub check_network: bool,
    pub check_token_kind: bool,
}

impl Default for ContextMismatch {
    fn default() -> Self {
        ContextMismatch {
            enabled: true,
            check_user_agent: true,
            check_network: true,
            check_token_kind: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Impersonated {
    pub enabled: bool,
    /// Accounts that always act for someone else (the Azure Arc proxy).
    pub proxy_users: Vec<String>,
    /// Impersonating proxies (globs on the authenticated user) for which
    /// configmap access is routine: Rancher's per-user impersonation
    /// accounts, `cattle-impersonation-system:cattle-impersonation-<user>`,
    /// each allowed to impersonate only its own user. Secrets through them
    /// still alert; seed 002's Azure Arc proxy alerts on configmaps too.
    pub routine_configmap_proxies: Vec<String>,
}

impl Default for Impersonated {
    fn default() -> Self {
        Impersonated {
            enabled: true,
            proxy_users: strings(&["system:serviceaccount:azure-arc:azure-arc-kube-aad-proxy-sa"]),
            routine_configmap_proxies: strings(&[
                "system:serviceaccount:cattle-impersonation-system:cattle-impersonation-*",
            ]),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Denied {
    pub enabled: bool,
    pub threshold: usize,
    pub window: Dur,
}

impl Default for Denied {
    fn default() -> Self {
        Denied {
            enabled: true,
            threshold: 5,
            window: Dur(15 * 60_000_000),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BindingCreated {
    pub enabled: bool,
    /// A RoleBinding to one of these (or to any role seen granting secrets) alerts.
    pub privileged_roles: Vec<String>,
    /// Binding any of these subjects makes the alert critical.
    pub everyone_subjects: Vec<String>,
}

impl Default for BindingCreated {
    fn default() -> Self {
        BindingCreated {
            enabled: true,
            privileged_roles: strings(&["cluster-admin", "admin", "edit"]),
            everyone_subjects: strings(&[
                "system:authenticated",
                "system:unauthenticated",
                "system:anonymous",
            ]),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NodesProxy {
    pub enabled: bool,
    /// First segments of kubelet paths that monitoring agents read.
    pub routine_paths: Vec<String>,
}

impl Default for NodesProxy {
    fn default() -> Self {
        NodesProxy {
            enabled: true,
            routine_paths: strings(&["metrics", "stats", "healthz", "spec"]),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CsrGroups {
    pub enabled: bool,
    /// Groups (the subject's O) a client certificate must not ask for.
    pub privileged_groups: Vec<String>,
}

impl Default for CsrGroups {
    fn default() -> Self {
        CsrGroups {
            enabled: true,
            privileged_groups: strings(&["system:masters"]),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MintedUse {
    pub enabled: bool,
    /// How long after the minting a use is linked to it (ktriage's
    /// choice: TokenRequest tokens usually live 1 h, at most a day here).
    pub window: Dur,
}

impl Default for MintedUse {
    fn default() -> Self {
        MintedUse {
            enabled: true,
            window: Dur(24 * 3_600_000_000),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Correlation {
    pub enabled: bool,
    /// ktriage's choice: Elastic's nearest rule uses 5 minutes for role →
    /// workload; people take longer to loot by hand.
    pub window: Dur,
}

impl Default for Correlation {
    fn default() -> Self {
        Correlation {
            enabled: true,
            window: Dur(30 * 60_000_000),
        }
    }
}

pub use super::catalog::RuleSettings;

impl RuleSettings {
    /// The effective settings of one rule, as the TOML a user would write.
    pub fn toml_for(&self, id: RuleId) -> String {
        let all = toml::Table::try_from(self).unwrap_or_default();
        match all.get(id.as_str()) {
            Some(toml::Value::Table(t)) => toml::to_string(t).unwrap_or_default(),
            _ => String::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid {
        path: std::path::PathBuf,
        message: String,
    },
}

impl Config {
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            ConfigError::Invalid {
                path: path.to_path_buf(),
                message: match line {
                    Some(l) => format!("line {l}: {}", e.message()),
                    None => e.message().to_string(),
                },
            }
        })
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml(&text, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides_and_rejects_typos() {
        let c = Config::from_toml(
            "trusted_cidrs = [\"10.0.0.0/8\"]\nlearning_period = \"30m\"\n[rules.secret-rapid-get]\nthreshold = 5\nwindow = \"10m\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.rules.secret_rapid_get.threshold, 5);
        assert_eq!(c.rules.secret_rapid_get.window, Dur(600_000_000));
        assert_eq!(c.learning_period, Dur(1_800_000_000));
        assert_eq!(
            c.rules.secret_rapid_get.exclude_source_ips,
            vec!["127.0.0.1", "::1"],
            "defaults kept"
        );
        let err = Config::from_toml(
            "[rules.secret-rapid-get]\nthreshhold = 5\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(Config::from_toml("trusted_cidrs = [\"10.0.0.0/99\"]", Path::new("c")).is_err());
    }

    #[test]
    fn toml_for_prints_effective_settings() {
        let s = RuleSettings::default().toml_for(RuleId::SecretRapidGet);
        assert!(
            s.contains("threshold = 3") && s.contains("window = \"6m\""),
            "{s}"
        );
    }
}
