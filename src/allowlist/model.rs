//! Allowlist entries and how one is matched against a request.
//!
//! An allowlisted controller is allowlisted for what it does, not for
//! everything: every entry names the rules it silences (default: all), and
//! may be limited to name-scoped requests (a kubelet reading its pods'
//! secrets) or time-boxed with an expiry (seed 000's "documented, time-boxed
//! platform debugging").

use crate::glob::glob_match;
use crate::net::Cidr;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// The effective identity, exactly.
    User,
    /// The effective identity starts with the value (seed 000's filter).
    UserPrefix,
    /// One of the effective identity's groups.
    Group,
    /// The target object's namespace.
    Namespace,
    /// A glob on the target secret's name (for list/watch: the name of a
    /// `fieldSelector=metadata.name=` scope; unscoped lists never match).
    /// `NAMESPACE/GLOB` limits it to one namespace (a secret name cannot
    /// contain `/`): the TUI proposes that form, so allowlisting
    /// `prod/aws-credentials` never hides `staging/aws-credentials`.
    SecretName,
    /// The trusted source IP is in this range.
    SourceCidr,
    /// A glob on the user agent.
    UserAgent,
    /// A service account, only when its bound token names a pod starting
    /// with `pod_name_prefix` (as Elastic does for trivy-operator).
    PodServiceAccount,
}

impl EntryKind {
    pub const ALL: [EntryKind; 8] = [
        EntryKind::User,
        EntryKind::UserPrefix,
        EntryKind::Group,
        EntryKind::Namespace,
        EntryKind::SecretName,
        EntryKind::SourceCidr,
        EntryKind::UserAgent,
        EntryKind::PodServiceAccount,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::User => "user",
            EntryKind::UserPrefix => "user-prefix",
            EntryKind::Group => "group",
            EntryKind::Namespace => "namespace",
            EntryKind::SecretName => "secret-name",
            EntryKind::SourceCidr => "source-cidr",
            EntryKind::UserAgent => "user-agent",
            EntryKind::PodServiceAccount => "pod-service-account",
        }
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntryKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        EntryKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = EntryKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown kind `{s}` (expected one of: {})", names.join(", "))
            })
    }
}

/// One allowlist entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AllowlistEntry {
    pub kind: EntryKind,
    pub value: String,
    /// Only for `pod-service-account`.
    pub pod_name_prefix: Option<String>,
    /// Rule ids this entry silences; empty means every rule.
    pub rules: Vec<String>,
    /// Only requests that name one object: a get/update/... with a name, or a
    /// list/watch scoped by `fieldSelector=metadata.name=`.
    pub named_only: bool,
    pub reason: String,
    /// Stops applying at this instant (microseconds since the epoch).
    pub expires: Option<i64>,
    /// The expiry as written, for display and round-trips.
    pub expires_text: Option<String>,
    /// Line in the file where the entry starts (0 for built-in defaults).
    pub line: usize,
    /// Only requests whose trusted source IP is in one of these ranges (the
    /// API server's loopback client is `system:apiserver` *from* 127.0.0.1);
    /// empty means from anywhere.
    pub source_cidrs: Vec<Cidr>,
    cidr: Option<Cidr>,
}

/// What an entry is matched against: facts of one request, prepared once by
/// the engine.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub identity: &'a str,
    pub groups: &'a [&'a str],
    pub namespace: &'a str,
    /// The one object the request targets, if it targets one.
    pub target_name: Option<&'a str>,
    pub resource: &'a str,
    pub source_ip: Option<IpAddr>,
    pub user_agent: &'a str,
    pub bound_pod: Option<&'a str>,
    /// Event time, to judge expiry; `None` falls back to the wall clock.
    pub time: Option<i64>,
}

impl AllowlistEntry {
    /// Build and validate an entry; errors are user-facing sentences.
    pub fn new(kind: EntryKind, value: &str) -> Result<Self, String> {
        let value = value.trim().to_string();
        if value.is_empty() {
            return Err("value must not be empty".into());
        }
        if value.chars().any(char::is_control) {
            return Err("value must not contain control characters".into());
        }
        let cidr = if kind == EntryKind::SourceCidr {
            Some(value.parse::<Cidr>()?)
        } else {
            None
        };
        Ok(AllowlistEntry {
            kind,
            value,
            pod_name_prefix: None,
            rules: Vec::new(),
            named_only: false,
            reason: String::new(),
            expires: None,
            expires_text: None,
            line: 0,
            source_cidrs: Vec::new(),
            cidr,
        })
    }

    pub fn with_rules(mut self, rules: &[&str]) -> Self {
        self.rules = rules.iter().map(|r| r.to_string()).collect();
        self
    }

    pub fn with_reason(mut self, reason: &str) -> Self {
        self.reason = reason.to_string();
        self
    }

    pub fn named_only(mut self) -> Self {
        self.named_only = true;
        self
    }

    pub fn with_pod_prefix(mut self, prefix: &str) -> Self {
        self.pod_name_prefix = Some(prefix.to_string());
        self
    }

    /// Only from these source ranges (`"127.0.0.1/32"`, ...).
    pub fn from_sources(mut self, cidrs: &[&str]) -> Result<Self, String> {
        for c in cidrs {
            self.source_cidrs.push(c.parse::<Cidr>()?);
        }
        Ok(self)
    }

    /// Set the expiry from `YYYY-MM-DD` (valid through that day, UTC) or an
    /// RFC 3339 instant.
    pub fn set_expiry(&mut self, text: Option<&str>) -> Result<(), String> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => {
                self.expires = None;
                self.expires_text = None;
            }
            Some(t) => {
                self.expires = Some(parse_expiry(t)?);
                self.expires_text = Some(t.to_string());
            }
        }
        Ok(())
    }

    pub fn applies_to_rule(&self, rule: &str) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|r| r == rule)
    }

    pub fn is_expired_at(&self, t: i64) -> bool {
        self.expires.is_some_and(|e| t >= e)
    }

    /// Does this entry silence `rule` for this request?
    pub fn matches(&self, rule: &str, s: &Subject<'_>) -> bool {
        if !self.applies_to_rule(rule) {
            return false;
        }
        // Cut from a line over 1 MiB (`audit::large`): a padded identity or
        // agent is no allowlisted controller, whatever it starts with.
        if crate::audit::large::is_cut(s.identity) || crate::audit::large::is_cut(s.user_agent) {
            return false;
        }
        if let Some(exp) = self.expires {
            let now = s
                .time
                .unwrap_or_else(|| chrono::Utc::now().timestamp_micros());
            if now >= exp {
                return false;
            }
        }
        if self.named_only && s.target_name.is_none() {
            return false;
        }
        if !self.source_cidrs.is_empty()
            && !s
                .source_ip
                .is_some_and(|ip| self.source_cidrs.iter().any(|c| c.contains(ip)))
        {
            return false;
        }
        match self.kind {
            EntryKind::User => s.identity == self.value,
            EntryKind::UserPrefix => s.identity.starts_with(&self.value),
            EntryKind::Group => s.groups.iter().any(|g| *g == self.value),
            EntryKind::Namespace => s.namespace == self.value,
            EntryKind::SecretName => {
                let (ns, name) = self.secret_scope();
                s.resource == "secrets"
                    && ns.is_none_or(|ns| ns == s.namespace)
                    && s.target_name.is_some_and(|n| glob_match(name, n))
            }
            EntryKind::SourceCidr => match (self.cidr, s.source_ip) {
                (Some(c), Some(ip)) => c.contains(ip),
                _ => false,
            },
            EntryKind::UserAgent => glob_match(&self.value, s.user_agent),
            EntryKind::PodServiceAccount => {
                s.identity == self.value
                    && match (&self.pod_name_prefix, s.bound_pod) {
                        (Some(prefix), Some(pod)) => pod.starts_with(prefix.as_str()),
                        (None, Some(_)) => true,
                        _ => false,
                    }
            }
        }
    }

    /// A `secret-name` value split into its namespace (when qualified as
    /// `NAMESPACE/GLOB`) and the name glob.
    pub fn secret_scope(&self) -> (Option<&str>, &str) {
        match self.value.split_once('/') {
            Some((ns, name)) => (Some(ns), name),
            None => (None, self.value.as_str()),
        }
    }

    /// One-line description: `user-prefix system:node: (named only) → secret-read, …`.
    pub fn scope_text(&self) -> String {
        let mut s = if self.rules.is_empty() {
            "all rules".to_string()
        } else {
            self.rules.join(", ")
        };
        if self.named_only {
            s.push_str(" (name-scoped requests only)");
        }
        if let Some(p) = &self.pod_name_prefix {
            s.push_str(&format!(" (pods {p}*)"));
        }
        if !self.source_cidrs.is_empty() {
            let from: Vec<String> = self.source_cidrs.iter().map(|c| c.to_string()).collect();
            s.push_str(&format!(" (from {})", from.join(", ")));
        }
        s
    }
}

fn parse_expiry(t: &str) -> Result<i64, String> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let next = d.succ_opt().ok_or("date out of range")?;
        return Ok(next
            .and_hms_opt(0, 0, 0)
            .ok_or("date out of range")?
            .and_utc()
            .timestamp_micros());
    }
    crate::time::parse_rfc3339_micros(t)
        .ok_or_else(|| format!("expiry `{t}` is neither a date (2026-12-31) nor an RFC 3339 time"))
}

/// The allowlist in force: the entries, and where they came from.
#[derive(Debug, Default)]
pub struct Allowlist {
    pub entries: Vec<AllowlistEntry>,
    /// Path of the file, or `None` for the built-in defaults.
    pub origin: Option<std::path::PathBuf>,
    /// Rule checks each entry silenced (by index), counted by [`Allowlist::find`]
    /// so what the allowlist hides stays visible (the TUI's allowlist pane).
    /// Interior counters: the engine holds the allowlist by shared reference.
    pub hits: HitCounts,
}

#[derive(Debug, Default)]
pub struct HitCounts(std::sync::Mutex<Vec<u64>>);

/// A copy counts from zero: the counts belong to the engine that used it.
impl Clone for Allowlist {
    fn clone(&self) -> Self {
        Allowlist {
            entries: self.entries.clone(),
            origin: self.origin.clone(),
            hits: HitCounts::default(),
        }
    }
}

impl Allowlist {
    pub fn empty() -> Self {
        Allowlist::default()
    }

    /// The first entry that silences `rule` for this request.
    pub fn find(&self, rule: &str, s: &Subject<'_>) -> Option<usize> {
        let i = self.entries.iter().position(|e| e.matches(rule, s))?;
        // Only on a match: the common case (no entry matches) stays free.
        if let Ok(mut h) = self.hits.0.lock() {
            if h.len() < self.entries.len() {
                h.resize(self.entries.len(), 0);
            }
            h[i] += 1;
        }
        Some(i)
    }

    /// Rule checks each entry silenced so far, by entry index.
    pub fn hits(&self) -> Vec<u64> {
        let mut h = self.hits.0.lock().map(|h| h.clone()).unwrap_or_default();
        h.resize(self.entries.len(), 0);
        h
    }

    pub fn allows(&self, rule: &str, s: &Subject<'_>) -> bool {
        self.find(rule, s).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject<'a>(identity: &'a str, target: Option<&'a str>) -> Subject<'a> {
        Subject {
            identity,
            groups: &[],
            namespace: "prod",
            target_name: target,
            resource: "secrets",
            source_ip: "10.1.2.3".parse().ok(),
            user_agent: "kubelet/v1.30.2",
            bound_pod: None,
            time: Some(0),
        }
    }

    #[test]
    fn rules_scope_named_only_and_expiry() {
        let e = AllowlistEntry::new(EntryKind::UserPrefix, "system:node:")
            .unwrap()
            .with_rules(&["secret-read"])
            .named_only();
        assert!(e.matches("secret-read", &subject("system:node:a", Some("tls"))));
        assert!(
            !e.matches("secret-read", &subject("system:node:a", None)),
            "unscoped list"
        );
        assert!(
            !e.matches("pod-exec", &subject("system:node:a", Some("tls"))),
            "other rule"
        );

        let mut d = AllowlistEntry::new(EntryKind::User, "alice").unwrap();
        d.set_expiry(Some("1970-01-01")).unwrap();
        assert!(
            d.matches("x", &subject("alice", None)),
            "valid through the day"
        );
        let mut late = subject("alice", None);
        late.time = Some(86_400_000_000);
        assert!(!d.matches("x", &late), "expired the next day");
        assert!(d.set_expiry(Some("next tuesday")).is_err());
    }

    #[test]
    fn hits_are_counted_per_entry_and_not_copied() {
        let a = Allowlist {
            entries: vec![
                AllowlistEntry::new(EntryKind::User, "bob").unwrap(),
                AllowlistEntry::new(EntryKind::User, "alice").unwrap(),
            ],
            ..Default::default()
        };
        assert_eq!(a.find("x", &subject("alice", None)), Some(1));
        assert_eq!(a.find("x", &subject("alice", None)), Some(1));
        assert_eq!(a.find("x", &subject("carol", None)), None);
        assert_eq!(a.hits(), vec![0, 2]);
        assert_eq!(
            a.clone().hits(),
            vec![0, 0],
            "a copy counts for its own engine"
        );
    }

    #[test]
    fn kinds() {
        let s = subject(
            "system:serviceaccount:security:trivy-operator",
            Some("sh.helm.release.v1.a.v1"),
        );
        assert!(
            AllowlistEntry::new(EntryKind::SecretName, "sh.helm.release.v1.*")
                .unwrap()
                .matches("r", &s)
        );
        let qualified =
            AllowlistEntry::new(EntryKind::SecretName, "prod/sh.helm.release.v1.*").unwrap();
        assert!(qualified.matches("r", &s), "namespace and name both match");
        let mut other_ns = s;
        other_ns.namespace = "staging";
        assert!(
            !qualified.matches("r", &other_ns),
            "same name, other namespace"
        );
        assert!(
            AllowlistEntry::new(EntryKind::SourceCidr, "10.0.0.0/8")
                .unwrap()
                .matches("r", &s)
        );
        assert!(
            AllowlistEntry::new(EntryKind::UserAgent, "kubelet/*")
                .unwrap()
                .matches("r", &s)
        );
        assert!(
            AllowlistEntry::new(EntryKind::Namespace, "prod")
                .unwrap()
                .matches("r", &s)
        );
        let pod = AllowlistEntry::new(EntryKind::PodServiceAccount, s.identity)
            .unwrap()
            .with_pod_prefix("trivy-operator-");
        assert!(!pod.matches("r", &s), "no bound pod: long-lived token");
        let mut bound = s;
        bound.bound_pod = Some("trivy-operator-5d9f8c7b6-x2x9k");
        assert!(pod.matches("r", &bound));
        bound.bound_pod = Some("evil-pod");
        assert!(!pod.matches("r", &bound));
        assert!(AllowlistEntry::new(EntryKind::SourceCidr, "10.0.0.0/99").is_err());
        let loopback = AllowlistEntry::new(EntryKind::User, s.identity)
            .unwrap()
            .from_sources(&["127.0.0.1/32", "::1/128"])
            .unwrap();
        assert!(!loopback.matches("r", &s), "10.1.2.3 is not loopback");
        let mut local = s;
        local.source_ip = "::1".parse().ok();
        assert!(loopback.matches("r", &local));
        local.source_ip = None;
        assert!(!loopback.matches("r", &local), "no source: no match");
        assert!(AllowlistEntry::new(EntryKind::User, "  ").is_err());
    }
}
