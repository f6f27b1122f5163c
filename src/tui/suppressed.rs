//! Every alert the allowlist suppresses, with the entry that matched (`H`
//! in pane 3, `:suppressed`): what the allowlist hides stays one key away.
//!
//! The worker replays the retained lines into an engine with no allowlist
//! and compares it with the engine in force (as the impact preview does):
//! an alert raised only without the allowlist is suppressed whole, one
//! that gains events is suppressed in part. Each such alert's events are
//! matched against the entries in force (`detect::matching_entries`) to
//! name the entry; an alert whose events match no entry for its rule (a
//! correlation of other rules' alerts) says so instead of naming one.
//! Cost: one replay of the retained lines per request, asked for by the
//! analyst (toggling on, or `H` again), never per snapshot.

use super::app::{App, Pane};
use super::filter::{Row, RowId, RowKind};
use super::panes::{Col, col, short_time};
use super::text::{clean, count_of};
use super::worker::Command;
use crate::detect::{Engine, RuleId, Severity, engine::matching_entries};
use ratatui::layout::Constraint;
use std::collections::{BTreeSet, HashMap};

/// Events per suppressed alert matched against the entries.
const EVENTS_MATCHED: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct SuppressedAlert {
    pub rule: RuleId,
    pub severity: Severity,
    pub identity: String,
    pub title: &'static str,
    /// Events the allowlist kept out of this alert.
    pub events_hidden: u64,
    /// The whole alert is suppressed (else it fires with fewer events).
    pub whole: bool,
    /// The entries that matched its events for its rule: (index, text).
    pub entries: Vec<(usize, String)>,
    /// The entries matched its events for another rule, not its own.
    pub by_other: bool,
    pub last: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SuppressedList {
    pub token: u64,
    pub alerts: Vec<SuppressedAlert>,
    /// Events judged when it was computed.
    pub events_at: u64,
    /// Lines dropped by the retention budget: older events not covered.
    pub partial: bool,
}

fn describe(i: usize, e: &crate::allowlist::AllowlistEntry) -> String {
    format!("#{} {} {}", i + 1, e.kind.as_str(), e.value)
}

/// Compare the engine in force with one judged with no allowlist.
pub fn compute(
    now: &Engine,
    open: &Engine,
    token: u64,
    events_at: u64,
    partial: bool,
) -> SuppressedList {
    let in_force: HashMap<&str, u64> = now
        .alerts()
        .iter()
        .map(|a| (a.id.as_str(), a.event_count))
        .collect();
    let mut alerts = Vec::new();
    for a in open.alerts() {
        let (whole, hidden) = match in_force.get(a.id.as_str()) {
            None => (true, a.event_count),
            Some(&n) if n < a.event_count => (false, a.event_count - n),
            Some(_) => continue,
        };
        // Entries for this rule; else entries that match its events for
        // another rule (a rule judged under a related rule's check, as
        // minted-token-used is under sa-token-minted).
        let (mut entries, mut other) = (BTreeSet::new(), BTreeSet::new());
        for e in a.events.iter().rev().take(EVENTS_MATCHED) {
            let Ok(ev) = crate::audit::input::parse_event(&e.raw) else {
                continue;
            };
            for i in matching_entries(&now.allowlist, &ev, &now.cfg) {
                if now.allowlist.entries[i].applies_to_rule(a.rule.as_str()) {
                    entries.insert(i);
                } else {
                    other.insert(i);
                }
            }
        }
        let by_other = entries.is_empty() && !other.is_empty();
        if by_other {
            entries = other;
        }
        alerts.push(SuppressedAlert {
            rule: a.rule,
            severity: a.severity,
            identity: a.identity.clone(),
            title: a.title(),
            events_hidden: hidden,
            whole,
            entries: entries
                .into_iter()
                .map(|i| (i, describe(i, &now.allowlist.entries[i])))
                .collect(),
            by_other,
            last: a.last_seen,
        });
    }
    alerts.sort_by(|a, b| {
        (b.severity, b.last)
            .cmp(&(a.severity, a.last))
            .then_with(|| a.identity.cmp(&b.identity))
    });
    SuppressedList {
        token,
        alerts,
        events_at,
        partial,
    }
}

/// Pane 3's columns while it lists suppressed alerts.
pub const COLS: &[Col] = &[
    col("SEV", Constraint::Length(9), 0),
    col("IDENTITY", Constraint::Fill(3), 0),
    col("RULE", Constraint::Fill(2), 0),
    col("EVENTS", Constraint::Length(14), 0),
    col("MATCHED ENTRY", Constraint::Fill(3), 0),
    col("LAST", Constraint::Length(14), 100),
];

/// `H` on: ask the worker (again) for the list.
pub fn request(app: &mut App) {
    app.suppressed_token += 1;
    app.send(Command::Suppressed {
        token: app.suppressed_token,
    });
    app.rebuild_pane(Pane::Allowlist);
}

/// `H` (or `:suppressed`): pane 3 lists suppressed alerts / its entries.
pub fn toggle(app: &mut App) {
    app.show_suppressed = !app.show_suppressed;
    app.focus = Pane::Allowlist;
    // Other columns: a sort by one of the entries' does not carry over.
    app.sort[Pane::Allowlist.index()] = None;
    if app.show_suppressed {
        request(app);
    } else {
        app.rebuild_pane(Pane::Allowlist);
    }
}

/// The answer to the newest request, if it came.
pub fn current(app: &App) -> Option<&SuppressedList> {
    app.live
        .status
        .suppressed
        .as_deref()
        .filter(|l| l.token == app.suppressed_token)
}

/// What the pane title says: how many, as of when, and what is not covered.
pub fn title(app: &App) -> String {
    let Some(list) = current(app) else {
        return "suppressed alerts: computing… (H: back to the entries)".into();
    };
    let whole = list.alerts.iter().filter(|a| a.whole).count();
    let mut head = format!(
        "suppressed: {} whole, {} in part, as of {}",
        count_of(whole as u64, "alert", "alerts"),
        list.alerts.len() - whole,
        count_of(list.events_at, "event", "events"),
    );
    if list.partial {
        head.push_str(" (older events past the retention budget not covered)");
    }
    if list.events_at < app.live.status.events {
        head.push_str(&format!(
            "; {} more since: H H recomputes",
            app.live.status.events - list.events_at
        ));
    }
    head.push_str(" · H: entries");
    head
}

pub fn rows(app: &App) -> Vec<Row> {
    let info = |n: usize, text: String, style| {
        Row::new(
            RowId::Heading(format!("suppressed-{n}")),
            vec![
                String::new(),
                text,
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
            style,
            RowKind::Info,
        )
    };
    let Some(list) = current(app) else {
        return vec![info(
            0,
            "judging the events held with no allowlist…".into(),
            app.theme.dim(),
        )];
    };
    let mut out = Vec::new();
    for (n, a) in list.alerts.iter().enumerate() {
        let entries = if a.entries.is_empty() {
            "not attributed: no entry matches its events (the rule checks another subject)"
                .to_string()
        } else {
            let mut t = a
                .entries
                .iter()
                .map(|(_, t)| clean(t))
                .collect::<Vec<_>>()
                .join("; ");
            if a.by_other {
                t.push_str(" (under a related rule's check)");
            }
            t
        };
        out.push(
            Row::new(
                RowId::SuppressedAlert {
                    identity: a.identity.clone(),
                    n,
                },
                vec![
                    a.severity.as_str().to_uppercase(),
                    clean(&a.identity),
                    format!("{} — {}", a.rule, a.title),
                    if a.whole {
                        count_of(a.events_hidden, "event", "events")
                    } else {
                        format!("{} of it", count_of(a.events_hidden, "event", "events"))
                    },
                    entries,
                    short_time(a.last),
                ],
                app.theme.severity(a.severity),
                RowKind::Item,
            )
            .severity(a.severity)
            .at(a.last),
        );
    }
    if list.alerts.is_empty() {
        out.push(info(
            1,
            "the allowlist suppresses no alert in the events held".into(),
            app.theme.text(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allowlist::{Allowlist, AllowlistEntry, EntryKind};

    use crate::tui::testing::{judged as judge, secret_get as get};

    #[test]
    fn names_the_entry_that_suppressed_an_alert() {
        let lines = vec![
            get("mallory", "aws-credentials", "a1"),
            get("trudy", "db-credentials", "a2"),
        ];
        let entry = AllowlistEntry::new(EntryKind::User, "mallory").unwrap();
        let allow = Allowlist {
            entries: vec![
                AllowlistEntry::new(EntryKind::User, "nobody").unwrap(),
                entry,
            ],
            ..Default::default()
        };
        let now = judge(allow, &lines);
        let open = judge(Allowlist::empty(), &lines);
        let list = compute(&now, &open, 7, 2, false);
        assert_eq!(list.token, 7);
        assert!(!list.alerts.is_empty(), "mallory's read is suppressed");
        for a in &list.alerts {
            assert_eq!(a.identity, "mallory", "trudy is not suppressed: {a:?}");
            assert!(a.whole);
            assert_eq!(a.entries, vec![(1, "#2 user mallory".to_string())]);
        }
        // Near miss: nothing allowlisted, nothing listed.
        let none = judge(Allowlist::empty(), &lines);
        assert!(compute(&none, &open, 1, 2, false).alerts.is_empty());
    }
}
