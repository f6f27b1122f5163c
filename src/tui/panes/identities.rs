//! Pane 2: identities → secrets. Per identity: every secret it touched
//! (verbs, allowed/denied, count, first/last), its exec sessions with their
//! commands, and the changes it made (bindings, roles, tokens, secret
//! writes). Fully allowlisted identities are dimmed (`h` hides them).
//!
//! `p` pivots the same view by source IP (seed 003: follow one address
//! across identities to its execs, pod creations, role changes and broad
//! lists): each IP row expands into what every identity did from it.

use super::{Col, PaneDef, Prefill, block, col, draw_table, short_time};
use crate::allowlist::EntryKind;
use crate::detect::RuleId;
use crate::detect::activity::IdentityActivity;
use crate::tui::app::{App, Pane};
use crate::tui::edits::identity_rules;
use crate::tui::filter::{Row, RowId, RowKind};
use crate::tui::keymap::{Action, Context};
use crate::tui::text::clean;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use std::collections::BTreeMap;
use std::sync::Arc;

pub(super) const COLS: &[Col] = &[
    col("IDENTITY / ACTIVITY", Constraint::Fill(4), 0),
    col("SECRETS", Constraint::Length(8), 0),
    col("READS", Constraint::Length(12), 0),
    col("EXECS", Constraint::Length(6), 70),
    col("CHANGES", Constraint::Length(8), 100),
    col("SOURCE IPS", Constraint::Fill(2), 120),
    col("LAST", Constraint::Length(14), 0),
];

pub const PANE: PaneDef = PaneDef {
    title: "Identities",
    context: Context::Identities,
    cols: |_| COLS,
    rows: |app| (rows(app), String::new()),
    draw,
    act,
    prefill,
    // An identity or IP expands; a secret, exec or change (nothing under
    // it) opens in full.
    open: |_, row| {
        if row.kind == RowKind::Child {
            super::Open::InFull
        } else {
            super::Open::Expand
        }
    },
    empty: |app| {
        if app.live.status.events == 0 && !app.live.status.done {
            "waiting for events: none read yet"
        } else {
            "no security-relevant activity yet"
        }
    },
};

/// Its keys: `h` hides fully allowlisted identities, `p` pivots by IP.
fn act(app: &mut App, a: Action) -> bool {
    match a {
        Action::HideAllowed => app.hide_allowlisted = !app.hide_allowlisted,
        Action::Pivot => app.pivot_ip = !app.pivot_ip,
        _ => return false,
    }
    app.rebuild_pane(Pane::Identities);
    true
}

/// A secret keeps its namespace (`NAMESPACE/NAME`) and the identity's
/// alerting rules; an IP is that one address; anything else of an
/// identity is that user.
fn prefill(app: &App, key: &RowId) -> Option<Prefill> {
    Some(match key {
        RowId::Secret {
            identity, secret, ..
        } => {
            let name = secret.name.clone().unwrap_or_default();
            let value = if secret.namespace.is_empty() {
                name
            } else {
                format!("{}/{name}", secret.namespace)
            };
            let mut rules = identity_rules(app, identity);
            if rules.is_empty() {
                rules.push(RuleId::SecretRead.as_str().to_string());
            }
            (EntryKind::SecretName, value, rules)
        }
        RowId::Ip(ip) => {
            let cidr = if ip.contains(':') {
                format!("{ip}/128")
            } else {
                format!("{ip}/32")
            };
            (EntryKind::SourceCidr, cidr, Vec::new())
        }
        RowId::Identity(identity)
        | RowId::IpIdentity { identity, .. }
        | RowId::Exec { identity, .. }
        | RowId::Change { identity, .. } => (
            EntryKind::User,
            identity.clone(),
            identity_rules(app, identity),
        ),
        _ => return None,
    })
}

fn join<'a>(it: impl Iterator<Item = &'a String>) -> String {
    clean(&it.map(String::as_str).collect::<Vec<_>>().join(","))
}

/// The detail rows of one identity, limited to one source IP when pivoting.
fn children(app: &App, a: &IdentityActivity, ip: Option<&str>, out: &mut Vec<Row>) {
    let via = ip.map(str::to_string);
    let t = app.theme.text();
    let from = |ips: Option<&str>| ip.is_none() || ips == ip;
    for (s, st) in &a.secrets {
        if ip.is_some_and(|ip| !st.source_ips.contains(ip)) {
            continue;
        }
        let style = if st.denied > 0 && st.allowed == 0 {
            app.theme.outcome(true)
        } else {
            t
        };
        out.push(
            Row::new(
                RowId::Secret {
                    identity: a.identity.clone(),
                    secret: s.clone(),
                    via: via.clone(),
                },
                vec![
                    format!(
                        "    secret {}  {}",
                        clean(&s.to_string()),
                        join(st.verbs.iter())
                    ),
                    st.count().to_string(),
                    // The API's answer (served / refused), not the
                    // allowlist: "allowed" next to "flagged" read as
                    // "allowlisted".
                    match (st.allowed, st.denied) {
                        (a, 0) => format!("{a} served"),
                        (0, d) => format!("{d} refused"),
                        (a, d) => format!("{a} srv {d} ref"),
                    },
                    String::new(),
                    if st.other() > 0 {
                        format!("other {}", st.other())
                    } else {
                        String::new()
                    },
                    join(st.source_ips.iter()),
                    short_time(st.last),
                ],
                style,
                RowKind::Child,
            )
            .at(st.last),
        );
    }
    for (i, x) in a.execs.iter().enumerate() {
        if !from(x.source_ip.as_deref()) {
            continue;
        }
        let cmd = x
            .command
            .as_deref()
            .map(clean)
            .unwrap_or_else(|| "(command not recorded)".into());
        let ctr = x
            .container
            .as_deref()
            .map(|c| format!(" [{}]", clean(c)))
            .unwrap_or_default();
        out.push(Row::new(
            RowId::Exec {
                identity: a.identity.clone(),
                index: i,
                via: via.clone(),
            },
            vec![
                format!(
                    "    {} {}/{}{ctr}: {cmd}",
                    x.subresource,
                    clean(&x.namespace),
                    clean(&x.pod)
                ),
                String::new(),
                format!("{:?}", x.outcome),
                String::new(),
                String::new(),
                clean(x.source_ip.as_deref().unwrap_or("")),
                short_time(x.time),
            ],
            app.theme.severity(crate::detect::Severity::High),
            RowKind::Child,
        ));
    }
    for (i, c) in a.changes.iter().enumerate() {
        if !from(c.source_ip.as_deref()) {
            continue;
        }
        out.push(Row::new(
            RowId::Change {
                identity: a.identity.clone(),
                index: i,
                via: via.clone(),
            },
            vec![
                format!("    {}", clean(&c.what)),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                clean(c.source_ip.as_deref().unwrap_or("")),
                short_time(c.time),
            ],
            app.theme.severity(crate::detect::Severity::Medium),
            RowKind::Child,
        ));
    }
}

fn identity_row(app: &App, a: &IdentityActivity, key: RowId, open: bool) -> Row {
    let style = if a.fully_allowlisted() {
        app.theme.dim()
    } else {
        app.theme.text()
    };
    Row::new(
        key,
        vec![
            format!("{} {}", if open { "▾" } else { "▸" }, clean(&a.identity)),
            a.secrets.len().to_string(),
            format!("{} flagged", a.reads_flagged),
            a.execs.len().to_string(),
            a.changes.len().to_string(),
            join(a.source_ips.iter()),
            short_time(a.last),
        ],
        style,
        RowKind::Item,
    )
    .at(a.last)
}

pub fn rows(app: &App) -> Vec<Row> {
    let snap = app.view();
    let l = app.list(Pane::Identities);
    let shown = |a: &&Arc<IdentityActivity>| !(app.hide_allowlisted && a.fully_allowlisted());
    let mut out = Vec::new();
    if !app.pivot_ip {
        for a in snap.identities.iter().filter(shown) {
            let key = RowId::Identity(a.identity.clone());
            let open = l.expanded.contains(&key);
            out.push(identity_row(app, a, key, open));
            if open {
                children(app, a, None, &mut out);
            }
        }
        return out;
    }
    // Pivot: source IP → identities seen from it.
    let mut by_ip: BTreeMap<&str, Vec<&Arc<IdentityActivity>>> = BTreeMap::new();
    for a in snap.identities.iter().filter(shown) {
        for ip in &a.source_ips {
            by_ip.entry(ip.as_str()).or_default().push(a);
        }
    }
    let mut ips: Vec<(&str, Vec<&Arc<IdentityActivity>>)> = by_ip.into_iter().collect();
    ips.sort_by_key(|(_, ids)| std::cmp::Reverse(ids.iter().filter_map(|a| a.last).max()));
    for (ip, ids) in ips {
        let key = RowId::Ip(ip.to_string());
        let open = l.expanded.contains(&key);
        let last = ids.iter().filter_map(|a| a.last).max();
        let secrets: usize = ids
            .iter()
            .map(|a| {
                a.secrets
                    .values()
                    .filter(|s| s.source_ips.contains(ip))
                    .count()
            })
            .sum();
        let execs: usize = ids
            .iter()
            .map(|a| {
                a.execs
                    .iter()
                    .filter(|x| x.source_ip.as_deref() == Some(ip))
                    .count()
            })
            .sum();
        let changes: usize = ids
            .iter()
            .map(|a| {
                a.changes
                    .iter()
                    .filter(|x| x.source_ip.as_deref() == Some(ip))
                    .count()
            })
            .sum();
        out.push(
            Row::new(
                key.clone(),
                vec![
                    format!(
                        "{} {}  ({})",
                        if open { "▾" } else { "▸" },
                        clean(ip),
                        crate::tui::text::count_of(ids.len() as u64, "identity", "identities")
                    ),
                    secrets.to_string(),
                    String::new(),
                    execs.to_string(),
                    changes.to_string(),
                    String::new(),
                    short_time(last),
                ],
                Style::default().patch(app.theme.text()),
                RowKind::Item,
            )
            .at(last),
        );
        if open {
            for a in ids {
                let ikey = RowId::IpIdentity {
                    ip: ip.to_string(),
                    identity: a.identity.clone(),
                };
                out.push(Row::new(
                    ikey,
                    vec![
                        format!("  {}", clean(&a.identity)),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        short_time(a.last),
                    ],
                    app.theme.title(),
                    RowKind::Child,
                ));
                children(app, a, Some(ip), &mut out);
            }
        }
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let mut extra = String::from(if app.pivot_ip {
        "by source IP"
    } else {
        "by identity"
    });
    if app.hide_allowlisted {
        extra.push_str(", allowlisted hidden");
    }
    draw_table(
        f,
        area,
        app,
        Pane::Identities,
        COLS,
        block(app, Pane::Identities, &extra),
    );
}
