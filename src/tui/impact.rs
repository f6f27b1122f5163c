//! What an allowlist change would hide, before it is saved: the worker
//! replays the retained lines into a second engine with the candidate
//! allowlist (nothing is committed) and compares its alerts and incidents
//! with the engine in force. The form shows the result ("hides 3 alerts in
//! 1 incident; removes prod/aws-credentials from its rotation list"), and
//! the allowlist pane uses the same comparison the other way round (the
//! allowlist without one entry) to show what that entry suppresses.
//!
//! Alerts are compared by their stable id, so an alert that keeps firing
//! with fewer events is "reduced", not hidden. Cost: one replay of the
//! retained lines per request (as a re-evaluation); requests are coalesced.

use crate::detect::{Engine, RotateItem, RuleId, Severity};
use crate::words::count_of;
use std::collections::{HashMap, HashSet};

/// One alert as the comparison names it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertBrief {
    pub rule: RuleId,
    pub severity: Severity,
    pub identity: String,
    pub events: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Impact {
    /// Which request this answers (the UI ignores stale answers).
    pub token: u64,
    /// Alerts in force now that the candidate no longer raises.
    pub hidden: Vec<AlertBrief>,
    /// Alerts that stay but lose events: (alert, events lost).
    pub reduced: Vec<(AlertBrief, u64)>,
    /// Alerts the candidate raises that are not raised now (an entry
    /// removed: what it suppressed).
    pub revealed: Vec<AlertBrief>,
    /// Alerts that stay and gain events with the candidate.
    pub grown: Vec<(AlertBrief, u64)>,
    /// Incidents now in force that lose at least one alert.
    pub incidents: usize,
    /// Secrets on a rotation list now and on none with the candidate.
    pub rotate_removed: Vec<RotateItem>,
    /// Secrets the candidate adds to a rotation list.
    pub rotate_added: Vec<RotateItem>,
    /// Lines dropped by the retention budget: the comparison covers only
    /// the newest part of the log.
    pub partial: bool,
}

fn brief(a: &crate::detect::Alert) -> AlertBrief {
    AlertBrief {
        rule: a.rule,
        severity: a.severity,
        identity: a.identity.clone(),
        events: a.event_count,
    }
}

/// Compare the engine in force with one judged under a candidate allowlist.
pub fn compare(now: &Engine, candidate: &Engine, token: u64, partial: bool) -> Impact {
    let cand: HashMap<&str, &crate::detect::Alert> = candidate
        .alerts()
        .iter()
        .map(|a| (a.id.as_str(), a))
        .collect();
    let mut out = Impact {
        token,
        partial,
        ..Default::default()
    };
    let mut lost = HashSet::new();
    for (i, a) in now.alerts().iter().enumerate() {
        match cand.get(a.id.as_str()) {
            None => {
                lost.insert(i);
                out.hidden.push(brief(a));
            }
            Some(c) if c.event_count < a.event_count => {
                lost.insert(i);
                out.reduced.push((brief(a), a.event_count - c.event_count));
            }
            Some(c) if c.event_count > a.event_count => {
                out.grown.push((brief(a), c.event_count - a.event_count));
            }
            Some(_) => {}
        }
    }
    let now_ids: HashSet<&str> = now.alerts().iter().map(|a| a.id.as_str()).collect();
    out.revealed = candidate
        .alerts()
        .iter()
        .filter(|a| !now_ids.contains(a.id.as_str()))
        .map(brief)
        .collect();
    let now_inc = now.incidents();
    let cand_inc = candidate.incidents();
    out.incidents = now_inc
        .iter()
        .filter(|i| i.alerts.iter().any(|a| lost.contains(a)))
        .count();
    let rot = |incs: &[crate::detect::Incident]| -> Vec<RotateItem> {
        let mut v: Vec<RotateItem> = incs
            .iter()
            .flat_map(|i| i.secrets_to_rotate.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let (before, after) = (rot(&now_inc), rot(&cand_inc));
    out.rotate_removed = before
        .iter()
        .filter(|r| !after.contains(r))
        .cloned()
        .collect();
    out.rotate_added = after
        .iter()
        .filter(|r| !before.contains(r))
        .cloned()
        .collect();
    out
}

impl Impact {
    /// The headline: "hides 3 alerts in 1 incident; removes prod/x from
    /// its rotation list", or "hides nothing in the events held".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.hidden.is_empty() || !self.reduced.is_empty() {
            let mut s = match (self.hidden.len(), self.reduced.len()) {
                (h, 0) => format!("hides {}", count_of(h, "alert", "alerts")),
                (0, r) => format!("hides events of {}", count_of(r, "alert", "alerts")),
                (h, r) => format!(
                    "hides {} and events of {}",
                    count_of(h, "alert", "alerts"),
                    count_of(r, "other alert", "other alerts")
                ),
            };
            s.push_str(&format!(
                " in {}",
                count_of(self.incidents, "incident", "incidents")
            ));
            parts.push(s);
        }
        if !self.rotate_removed.is_empty() {
            let names: Vec<String> = self.rotate_removed.iter().map(|r| r.to_string()).collect();
            let list = if self.incidents == 1 {
                "its rotation list"
            } else {
                "the rotation lists"
            };
            parts.push(format!("removes {} from {list}", names.join(", ")));
        }
        if !self.revealed.is_empty() {
            parts.push(format!(
                "shows {}",
                count_of(self.revealed.len(), "alert", "alerts")
            ));
        }
        if !self.grown.is_empty() {
            parts.push(format!(
                "adds events to {}",
                count_of(self.grown.len(), "alert", "alerts")
            ));
        }
        if !self.rotate_added.is_empty() {
            let names: Vec<String> = self.rotate_added.iter().map(|r| r.to_string()).collect();
            parts.push(format!("adds {} to a rotation list", names.join(", ")));
        }
        let mut s = if parts.is_empty() {
            "changes no alert in the events held".to_string()
        } else {
            parts.join("; ")
        };
        if self.partial {
            s.push_str(" (older events were dropped by the retention budget: not covered)");
        }
        s
    }

    /// One line per alert named, most severe first, at most `max`.
    pub fn details(&self, max: usize) -> Vec<String> {
        let mut v: Vec<(Severity, String)> = Vec::new();
        for a in &self.hidden {
            v.push((
                a.severity,
                format!("hides {} {} {}", a.severity, a.rule, a.identity),
            ));
        }
        for (a, n) in &self.reduced {
            v.push((
                a.severity,
                format!(
                    "hides {} of {} {} {}",
                    count_of(*n as usize, "event", "events"),
                    a.severity,
                    a.rule,
                    a.identity
                ),
            ));
        }
        for (a, n) in &self.grown {
            v.push((
                a.severity,
                format!(
                    "{} more in {} {} {}",
                    count_of(*n as usize, "event", "events"),
                    a.severity,
                    a.rule,
                    a.identity
                ),
            ));
        }
        for a in &self.revealed {
            v.push((
                a.severity,
                format!("{} {} {}", a.severity, a.rule, a.identity),
            ));
        }
        v.sort_by_key(|x| std::cmp::Reverse(x.0));
        let n = v.len();
        let mut out: Vec<String> = v.into_iter().take(max).map(|(_, s)| s).collect();
        if n > max {
            out.push(format!("… and {} more", n - max));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allowlist::{Allowlist, AllowlistEntry, EntryKind};

    use crate::tui::testing::{judged as judge, secret_get as get};

    #[test]
    fn names_the_rotation_list_secret_a_candidate_would_hide() {
        let lines = [
            get("mallory", "aws-credentials", "a1"),
            get("mallory", "db", "a2"),
        ];
        let now = judge(Allowlist::empty(), &lines);
        let entry = AllowlistEntry::new(EntryKind::SecretName, "prod/aws-credentials").unwrap();
        let cand = judge(
            Allowlist {
                entries: vec![entry],
                ..Default::default()
            },
            &lines,
        );
        let i = compare(&now, &cand, 7, false);
        assert_eq!(i.token, 7);
        assert_eq!(i.rotate_removed.len(), 1);
        assert_eq!(i.rotate_removed[0].to_string(), "prod/aws-credentials");
        assert_eq!(i.incidents, 1);
        let s = i.summary();
        assert!(
            s.contains("removes prod/aws-credentials from its rotation list"),
            "{s}"
        );
        assert!(s.starts_with("hides"), "{s}");
        // The same allowlist on both sides changes nothing, and says so.
        let same = compare(&now, &judge(Allowlist::empty(), &lines), 8, false);
        assert_eq!(same.summary(), "changes no alert in the events held");
        // Reversed (an entry removed): what it suppressed comes back.
        let back = compare(&cand, &now, 9, false);
        assert_eq!(back.rotate_added[0].to_string(), "prod/aws-credentials");
        assert!(!back.grown.is_empty() || !back.revealed.is_empty());
    }
}
