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

#[derive(Debug, Clone)]
pub struct Hit {
    pub rule: RuleId,
    /// The rule's own grouping key beyond the identity ("" for none).
    pub group: String,
    /// Raise the alert above the rule's default severity.
    pub severity: Option<Severity>,
    /// Shown with this event (exec command, binding subjects, ...).
    pub detail: Option<String>,
    /// Shown once on the alert.
    pub note: Option<String>,
    /// Shown once on the alert, replacing the note of the same slot when
    /// its value is higher ("40 distinct secrets fetched" replaces "39 …").
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
            group: String::new(),
            severity: None,
            detail: None,
            note: None,
            peak_note: None,
            linked: Vec::new(),
            earlier: Vec::new(),
            exposes: Vec::new(),
        }
    }
    pub fn group(mut self, g: impl Into<String>) -> Self {
        self.group = g.into();
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
