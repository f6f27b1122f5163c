//! Sort by column (k9s) and jumps between an identity or a secret and its
//! incident (lnav's "jump to the related view and back").
//!
//! Sorting reorders the top-level rows of panes 1-3 after the pane has
//! built them; a row's children stay under it and the selection stays on
//! the same row id (nothing moves under the analyst beyond the reorder
//! asked for). Severity sorts by the typed field, numbers as numbers,
//! times and text as text; empty cells last.

use super::app::{App, Pane};
use super::filter::{Row, RowId, RowKind};
use crate::detect::{Incident, RotateKind};
use std::cmp::Ordering;

/// The sort of one pane: a column, and whether the order asked for is
/// the reverse of the column's natural one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub col: usize,
    pub reversed: bool,
}

pub fn sortable(p: Pane) -> bool {
    matches!(p, Pane::Incidents | Pane::Identities | Pane::Allowlist)
}

#[derive(Debug, PartialEq, PartialOrd)]
enum Key {
    Num(f64),
    Text(String),
    Empty,
}

fn key_of(row: &Row, col: usize) -> Key {
    if col == 0 {
        if let Some(s) = row.severity {
            return Key::Num(s as u8 as f64);
        }
    }
    let cell = row.cells.get(col).map(String::as_str).unwrap_or("");
    let t = cell.trim_start_matches(['▸', '▾', ' ']).trim();
    if t.is_empty() || t == "-" {
        return Key::Empty;
    }
    let digits: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    // A time ("07-01 14:00:03") starts with digits too: numbers only when
    // the digits end the word.
    let rest = &t[digits.len()..];
    if !digits.is_empty() && (rest.is_empty() || rest.starts_with(' ')) {
        if let Ok(n) = digits.parse::<f64>() {
            return Key::Num(n);
        }
    }
    Key::Text(t.to_lowercase())
}

/// Numbers and severities sort high first, times newest first, text A–Z.
fn natural_desc(rows: &[Row], col: usize) -> bool {
    rows.iter()
        .filter(|r| r.kind == RowKind::Item)
        .map(|r| key_of(r, col))
        .find(|k| *k != Key::Empty)
        .is_some_and(|k| match k {
            Key::Num(_) => true,
            Key::Text(t) => t.starts_with(|c: char| c.is_ascii_digit()),
            Key::Empty => false,
        })
}

/// Reorder `rows` (top-level rows with their children) by the pane's sort.
pub fn apply(app: &App, p: Pane, rows: &mut Vec<Row>) {
    let Some(s) = app.sort[p.index()] else {
        return;
    };
    let desc = natural_desc(rows, s.col) != s.reversed;
    // Groups: a top-level row and the rows under it.
    let mut groups: Vec<Vec<Row>> = Vec::new();
    let mut head: Vec<Row> = Vec::new();
    for r in rows.drain(..) {
        if r.kind == RowKind::Item {
            groups.push(vec![r]);
        } else if let Some(g) = groups.last_mut() {
            g.push(r);
        } else {
            head.push(r);
        }
    }
    // Each key computed once (a 100k-row pane sorts per snapshot).
    let mut keyed: Vec<(Key, Vec<Row>)> = groups
        .into_iter()
        .map(|g| (key_of(&g[0], s.col), g))
        .collect();
    keyed.sort_by(|(ka, _), (kb, _)| match (ka, kb) {
        (Key::Empty, Key::Empty) => Ordering::Equal,
        (Key::Empty, _) => Ordering::Greater,
        (_, Key::Empty) => Ordering::Less,
        _ => {
            let o = ka.partial_cmp(kb).unwrap_or(Ordering::Equal);
            if desc { o.reverse() } else { o }
        }
    });
    let groups = keyed.into_iter().map(|(_, g)| g);
    rows.extend(head);
    rows.extend(groups.into_iter().flatten());
}

/// The sort said in the pane title: `sorted by LAST ↓`.
pub fn title(app: &App, p: Pane) -> Option<String> {
    let s = app.sort[p.index()]?;
    let cols = (super::panes::def(p).cols)(app);
    let l = app.list(p);
    let desc = natural_desc(&l.rows, s.col) != s.reversed;
    Some(format!(
        "sorted by {} {}",
        cols.get(s.col).map(|c| c.header).unwrap_or("?"),
        if desc { "↓" } else { "↑" }
    ))
}

/// `o`: the next column shown at this width, then the pane's own order.
pub fn cycle(app: &mut App) {
    let p = app.focus;
    if !sortable(p) {
        return app.flash(
            "sorting is for panes 1-3 (the checklist keeps its order)",
            true,
        );
    }
    let shown = super::panes::shown_cells(app, p, app.screen_width);
    let n = (super::panes::def(p).cols)(app).len();
    let visible = |c: usize| shown.get(c).copied().unwrap_or(true);
    let start = app.sort[p.index()].map_or(0, |s| s.col + 1);
    app.sort[p.index()] = (start..n).find(|&c| visible(c)).map(|col| Sort {
        col,
        reversed: false,
    });
    app.rebuild_pane(p);
    match title(app, p) {
        Some(t) => app.flash(format!("{t} (o: next column, O: reverse)"), false),
        None => app.flash("the pane's own order (most severe, newest first)", false),
    }
}

/// `O`: reverse the current sort.
pub fn reverse(app: &mut App) {
    let p = app.focus;
    match &mut app.sort[p.index()] {
        Some(s) => s.reversed = !s.reversed,
        None => return app.flash("no sort to reverse: o sorts by a column", true),
    }
    app.rebuild_pane(p);
}

/// `:sort COLUMN` (a header, case-insensitive prefix) or `:sort off`.
pub fn sort_command(app: &mut App, arg: &str) {
    let p = if sortable(app.focus) {
        app.focus
    } else {
        Pane::Incidents
    };
    let cols = (super::panes::def(p).cols)(app);
    if arg.is_empty() || arg == "off" {
        app.sort[p.index()] = None;
    } else {
        let want = arg.to_lowercase();
        let Some(col) = cols
            .iter()
            .position(|c| c.header.to_lowercase().starts_with(&want))
        else {
            let names: Vec<&str> = cols.iter().map(|c| c.header).collect();
            return app.flash(
                format!(
                    "no column `{}` in {} (columns: {})",
                    super::text::clean(arg),
                    p.title(),
                    names.join(", ")
                ),
                true,
            );
        };
        app.sort[p.index()] = Some(Sort {
            col,
            reversed: false,
        });
    }
    app.focus = p;
    app.rebuild_pane(p);
}

fn rotates(inc: &Incident, namespace: &str, name: Option<&str>) -> bool {
    inc.secrets_to_rotate.iter().any(|r| match r.kind {
        RotateKind::Named => r.namespace == namespace && Some(r.name.as_str()) == name,
        RotateKind::WholeNamespace => r.namespace == namespace,
        RotateKind::WholeCluster => true,
    })
}

/// Where `i` goes from a row: (pane, row id), or why there is nowhere.
fn target(app: &App, key: &RowId) -> Result<(Pane, RowId), String> {
    let incs = &app.view().incidents;
    let of_identity = |id: &str| incs.iter().find(|i| i.identities.iter().any(|x| x == id));
    let to_inc = |i: &Incident| (Pane::Incidents, RowId::Incident(i.id.clone()));
    let none = |what: &str| {
        format!(
            "no incident involves {} (nothing it did raised an alert outside the allowlist; \
             H in pane 3 lists what the allowlist suppresses)",
            super::text::fit(&super::text::clean(what), 60)
        )
    };
    match key {
        RowId::Identity(id)
        | RowId::IpIdentity { identity: id, .. }
        | RowId::Exec { identity: id, .. }
        | RowId::Change { identity: id, .. } => of_identity(id).map(to_inc).ok_or_else(|| none(id)),
        RowId::Secret {
            identity, secret, ..
        } => {
            let (ns, name) = (secret.namespace.as_str(), secret.name.as_deref());
            incs.iter()
                .find(|i| i.identities.contains(identity) && rotates(i, ns, name))
                .or_else(|| incs.iter().find(|i| rotates(i, ns, name)))
                .or_else(|| of_identity(identity))
                .map(to_inc)
                .ok_or_else(|| none(&format!("{identity} or {secret}")))
        }
        RowId::Ip(ip) => incs
            .iter()
            .find(|i| i.source_ips.contains(ip))
            .map(to_inc)
            .ok_or_else(|| none(ip)),
        RowId::Incident(id) => {
            let inc = incs.iter().find(|i| &i.id == id).ok_or("incident gone")?;
            Ok((Pane::Identities, RowId::Identity(inc.primary.clone())))
        }
        RowId::SuppressedAlert { identity, .. } => {
            Ok((Pane::Identities, RowId::Identity(identity.clone())))
        }
        RowId::Alert { alert, .. } | RowId::Event { alert, .. } => {
            let a = app.view().alerts.get(*alert).ok_or("alert gone")?;
            Ok((Pane::Identities, RowId::Identity(a.identity.clone())))
        }
        RowId::Step { incident, .. }
        | RowId::StepEvidence { incident, .. }
        | RowId::StepMore { incident, .. } => {
            Ok((Pane::Incidents, RowId::Incident(incident.clone())))
        }
        _ => Err("nothing to jump to from this row (i: identity or secret ↔ incident)".into()),
    }
}

/// Select `key` in `p` (opening its parent in pane 2 when needed); false
/// when the row is not on screen (filtered out, hidden).
fn land(app: &mut App, p: Pane, key: &RowId) -> bool {
    app.focus = p;
    if p == Pane::Identities && app.pivot_ip {
        app.pivot_ip = false;
        app.rebuild_pane(p);
    } else if app.stale[p.index()] {
        // A pane not shown since the last snapshot holds older rows: the
        // target may be new, so it is looked for in current ones.
        app.rebuild_pane(p);
    }
    let l = app.list_mut(p);
    l.select_key(key);
    let ok = l.selected_row().is_some_and(|r| r.key == *key);
    if ok && matches!(p, Pane::Incidents | Pane::Identities) {
        app.set_follow(false);
    }
    ok
}

/// `i`: from an identity, secret or IP to its incident; from an incident
/// or alert to its identity. Backspace goes back.
pub fn jump(app: &mut App) {
    let from = app.focus;
    let Some(key) = app.focused().selected_row().map(|r| r.key.clone()) else {
        return app.flash("nothing selected", true);
    };
    match target(app, &key) {
        Err(why) => app.flash(why, true),
        Ok((p, to)) => {
            if land(app, p, &to) {
                app.jump_back = Some((from, key));
                app.flash("jumped (Backspace goes back)", false);
            } else {
                app.focus = from;
                app.flash(
                    format!(
                        "its row is not shown in {}: a filter or `h`/severity hides it (Esc clears the filter)",
                        p.title()
                    ),
                    true,
                );
            }
        }
    }
}

/// Backspace: to the row the last jump left (and again back).
pub fn jump_back(app: &mut App) {
    let Some((p, key)) = app.jump_back.take() else {
        return app.flash("no jump to go back from (i jumps)", true);
    };
    let here = app
        .focused()
        .selected_row()
        .map(|r| (app.focus, r.key.clone()));
    if land(app, p, &key) {
        app.jump_back = here;
    } else {
        app.flash("the row the jump left is no longer shown", true);
    }
}
