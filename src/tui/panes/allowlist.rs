//! Pane 3: the allowlist file's entries (kind, value, scope, reason,
//! expiry). `a` adds (prefilled from the selection in any pane), `e` edits,
//! `d` deletes after a y/n, `u` undoes the last change, `S` shows what an
//! entry suppresses; HITS counts the rule checks each entry silenced. Edits go through
//! `AllowlistFile`, which keeps comments and writes atomically.

use super::{Col, PaneDef, block, col, draw_table};
use crate::allowlist::EntryKind;
use crate::tui::app::{App, Mode, Pane};
use crate::tui::edits::{allowlist_edit, request_preview, request_suppressed};
use crate::tui::filter::{Row, RowId, RowKind};
use crate::tui::form::{Form, FormKind};
use crate::tui::keymap::{Action, Context};
use crate::tui::text::clean;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

pub(super) const COLS: &[Col] = &[
    col("#", Constraint::Length(3), 0),
    col("KIND", Constraint::Length(12), 0),
    col("VALUE", Constraint::Fill(3), 0),
    col("SCOPE", Constraint::Fill(2), 0),
    col("REASON", Constraint::Fill(3), 90),
    col("EXPIRES", Constraint::Length(11), 0),
    col("HITS", Constraint::Length(7), 0),
];

pub const PANE: PaneDef = PaneDef {
    title: "Allowlist",
    context: Context::Allowlist,
    cols: |app| {
        if app.show_suppressed {
            crate::tui::suppressed::COLS
        } else {
            COLS
        }
    },
    rows: |app| {
        if app.show_suppressed {
            (crate::tui::suppressed::rows(app), String::new())
        } else {
            (rows(app), String::new())
        }
    },
    draw,
    act,
    prefill: |_, _| None,
    empty: |_| "the allowlist is empty",
    // An entry opens its edit form; a suppressed alert opens in full.
    open: |app, _| {
        if app.show_suppressed {
            super::Open::InFull
        } else {
            act(app, Action::Edit);
            super::Open::Done
        }
    },
};

/// Its keys: `e` edits, `d` deletes (after y/n), `u` undoes, `S` shows
/// what the selected entry suppresses.
fn act(app: &mut App, a: Action) -> bool {
    let entry = app
        .focused()
        .selected_row()
        .and_then(|r| entry_index(&r.key));
    match a {
        Action::Edit => {
            let (Some(i), Ok(file)) = (entry, &app.allowlist) else {
                return true;
            };
            let e = file.allowlist.entries.get(i).cloned();
            app.mode = Mode::Form(Box::new(Form::entry(
                FormKind::EditEntry(i),
                e.as_ref(),
                (EntryKind::User, String::new(), Vec::new()),
            )));
            request_preview(app);
        }
        Action::Suppressed => {
            if let Some(i) = entry {
                request_suppressed(app, i);
            }
        }
        Action::Delete => {
            if let Some(i) = entry {
                app.mode = Mode::ConfirmDelete(i);
            }
        }
        Action::ShowSuppressed => crate::tui::suppressed::toggle(app),
        Action::Undo => allowlist_edit(
            app,
            |f, rules| f.undo(rules),
            "last allowlist change undone",
        ),
        _ => return false,
    }
    true
}

pub fn rows(app: &App) -> Vec<Row> {
    let file = match &app.allowlist {
        Ok(f) => f,
        Err(e) => {
            let mut rows = vec![Row::new(
                RowId::AllowlistError,
                vec![
                    String::new(),
                    "error".into(),
                    clean(e),
                    "fix the file, then Ctrl-r; it is never overwritten while it does not parse"
                        .into(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
                app.theme.get("warning"),
                RowKind::Info,
            )];
            rows.push(Row::new(
                RowId::Heading("in-force".into()),
                vec![
                    String::new(),
                    "in force".into(),
                    format!(
                        "{} built-in entr{} (not the file)",
                        app.allowlist_fallback.entries.len(),
                        if app.allowlist_fallback.entries.len() == 1 {
                            "y"
                        } else {
                            "ies"
                        }
                    ),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
                app.theme.header(),
                RowKind::Info,
            ));
            let hits = &app.live.status.allow_hits;
            rows.extend(
                app.allowlist_fallback
                    .entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        Row::new(
                            RowId::Heading(format!("default-{i}")),
                            vec![
                                (i + 1).to_string(),
                                e.kind.as_str().to_string(),
                                clean(&e.value),
                                clean(&e.scope_text()),
                                clean(&e.reason),
                                "-".into(),
                                hits.get(i).map_or("…".into(), |n| n.to_string()),
                            ],
                            app.theme.dim(),
                            RowKind::Info,
                        )
                    }),
            );
            return rows;
        }
    };
    let now = chrono::Utc::now().timestamp_micros();
    // Rule checks each entry silenced, counted by the engine in force; an
    // edit not yet re-evaluated has no counts to show.
    let current = app.live.generation == app.generation && !app.live.status.reevaluating;
    let hits = &app.live.status.allow_hits;
    file.allowlist
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let expired = e.is_expired_at(now);
            let mut value = clean(&e.value);
            if let Some(p) = &e.pod_name_prefix {
                value.push_str(&format!(" (pods {}*)", clean(p)));
            }
            Row::new(
                RowId::Entry(i),
                vec![
                    (i + 1).to_string(),
                    e.kind.as_str().to_string(),
                    value,
                    clean(&e.scope_text()),
                    clean(&e.reason),
                    match (&e.expires_text, expired) {
                        (Some(t), true) => format!("{} (expired)", clean(t)),
                        (Some(t), false) => clean(t),
                        (None, _) => "-".into(),
                    },
                    match hits.get(i) {
                        Some(n) if current => n.to_string(),
                        _ => "…".into(),
                    },
                ],
                if expired {
                    app.theme.dim()
                } else {
                    app.theme.text()
                },
                RowKind::Item,
            )
        })
        .collect()
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    if app.show_suppressed {
        let b = block(app, Pane::Allowlist, &crate::tui::suppressed::title(app));
        let cols = crate::tui::suppressed::COLS;
        return draw_table(f, area, app, Pane::Allowlist, cols, b);
    }
    let extra = match &app.allowlist {
        Ok(file) if file.path.exists() => clean(&file.path.display().to_string()),
        Ok(file) => format!(
            "built-in defaults; {} is created on the first change",
            clean(&file.path.display().to_string())
        ),
        Err(_) => format!(
            "file does not parse: the {} built-in entries below are in force; fix it, then Ctrl-r",
            app.allowlist_fallback.entries.len()
        ),
    };
    let undo = matches!(&app.allowlist, Ok(f) if f.can_undo());
    let extra = if undo {
        format!("{extra}  (u: undo last change)")
    } else {
        extra
    };
    draw_table(
        f,
        area,
        app,
        Pane::Allowlist,
        COLS,
        block(app, Pane::Allowlist, &extra),
    );
}

/// Index of the entry of a row.
pub fn entry_index(key: &RowId) -> Option<usize> {
    match key {
        RowId::Entry(i) => Some(*i),
        _ => None,
    }
}
