//! What a rule returns: a hit for the event in hand.

use super::alert::{EvidenceEvent, SecretRef};
use super::registry::{RuleId, Severity};

/// A note that states a running maximum: one per slot and alert.
#[derive(Debug, Clone)]
pub struct PeakNote {
    pub slot: &'static str,
    pub value: u64,
    pub text: String,
}

/// A rule's own grouping key beyond the identity: which requests of one
/// identity make one alert. Typed, so that the alert id (a hash of these
/// fields, [`GroupKey::id_parts`]) never depends on how a message is
/// worded; front-ends word it (`view::group_label`). Every field is from
/// the log except the RBAC and workload kinds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum GroupKey {
    /// The identity alone.
    #[default]
    None,
    /// The binding or role whose creation escalated (escalate-then-loot).
    /// `namespace` is empty for cluster-scoped kinds.
    RbacObject {
        kind: &'static str,
        namespace: String,
        name: String,
    },
    /// A pod or workload that mounts secrets (`pod`, `deployment`, …).
    Workload {
        kind: &'static str,
        namespace: String,
        name: String,
    },
    /// Where the requests came from: the trusted source IP, the user agent
    /// when the rule keys on it, and the authenticated account when it
    /// acted through impersonation.
    Source {
        ip: String,
        user_agent: Option<String>,
        via: Option<String>,
    },
    /// The user agent alone.
    UserAgent { user_agent: String },
    /// The account that made the call (impersonation, a proxy).
    Account { account: String },
    /// Who minted the token being used.
    Minter { minter: String },
    /// The node whose kubelet was reached.
    Node { node: String },
    /// The certificate signing request.
    Csr { name: String },
}

impl GroupKey {
    pub fn is_none(&self) -> bool {
        matches!(self, GroupKey::None)
    }

    /// What the alert id is a hash of, after the rule and the identity:
    /// nothing but "" for [`GroupKey::None`] (the id an ungrouped alert
    /// always had); else the variant's tag and each field with a presence
    /// mark and its length, so no attacker-chosen value (a user agent with
    /// a NUL or a `|`) can make two keys hash alike.
    pub fn id_parts(&self) -> Vec<String> {
        fn f(s: &str) -> String {
            format!("{}:{s}", s.len())
        }
        fn o(s: &Option<String>) -> String {
            s.as_deref()
                .map_or_else(|| "-".to_string(), |s| format!("+{}", f(s)))
        }
        match self {
            GroupKey::None => vec![String::new()],
            GroupKey::RbacObject {
                kind,
                namespace,
                name,
            } => vec!["rbac".into(), f(kind), f(namespace), f(name)],
            GroupKey::Workload {
                kind,
                namespace,
                name,
            } => vec!["workload".into(), f(kind), f(namespace), f(name)],
            GroupKey::Source {
                ip,
                user_agent,
                via,
            } => vec!["source".into(), f(ip), o(user_agent), o(via)],
            GroupKey::UserAgent { user_agent } => vec!["ua".into(), f(user_agent)],
            GroupKey::Account { account } => vec!["account".into(), f(account)],
            GroupKey::Minter { minter } => vec!["minter".into(), f(minter)],
            GroupKey::Node { node } => vec!["node".into(), f(node)],
            GroupKey::Csr { name } => vec!["csr".into(), f(name)],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub rule: RuleId,
    /// The rule's own grouping key beyond the identity.
    pub group: GroupKey,
    /// Raise the alert above the rule's default severity.
    pub severity: Option<Severity>,
    /// Shown with this event (exec command, binding subjects, ...).
    pub detail: Option<String>,
    /// Shown once on the alert.
    pub note: Option<String>,
    /// Shown once on the alert, replacing the note of the same slot when
    /// its value is higher ("40 distinct secrets requested" replaces "39 …").
    pub peak_note: Option<PeakNote>,
    /// Identities to merge into the same incident.
    pub linked: Vec<String>,
    /// Earlier events that belong to the alert (a rate window, an escalation).
    pub earlier: Vec<EvidenceEvent>,
    /// Secrets the request exposed without naming them (a pod's mounted
    /// secrets): on the rotation list like a read, by the request's outcome.
    pub exposes: Vec<SecretRef>,
}

impl Hit {
    pub fn new(rule: RuleId) -> Self {
        Hit {
            rule,
            group: GroupKey::None,
            severity: None,
            detail: None,
            note: None,
            peak_note: None,
            linked: Vec::new(),
            earlier: Vec::new(),
            exposes: Vec::new(),
        }
    }
    pub fn group(mut self, g: GroupKey) -> Self {
        self.group = g;
        self
    }
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = Some(s);
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }
    pub fn peak_note(mut self, slot: &'static str, value: u64, text: String) -> Self {
        self.peak_note = Some(PeakNote { slot, value, text });
        self
    }
    pub fn note(mut self, n: impl Into<String>) -> Self {
        self.note = Some(n.into());
        self
    }
}
