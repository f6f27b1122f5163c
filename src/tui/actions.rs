//! Turning input into state changes: keys through the keymap (or into the
//! prompt/form being typed), mouse, paste, and the `:` commands. Drawing
//! never happens here; the loop redraws when `app.dirty` is set.

use super::app::{App, Mode, Pane};
use super::edits::{allowlist_edit, export_report, form_key, reload_allowlist, start_allow};
use super::filter::{RowId, RowKind};
use super::keymap::Action;
use super::panes::{Open, incidents};
use super::prompt::Edit;
use crate::detect::{RuleId, Severity};
use crossterm::event::{KeyCode, KeyEvent, MouseEvent, MouseEventKind};

mod command;
use command::command_key;
pub use command::{argument_candidates, run_command};

/// One key. Afterwards the pane now focused is brought up to the shown
/// snapshot if its rows were left stale (`App::refresh`).
pub fn key(app: &mut App, k: KeyEvent) {
    key_inner(app, k);
    app.refresh();
}

fn key_inner(app: &mut App, k: KeyEvent) {
    app.dirty = true;
    if !matches!(app.mode, Mode::Form(_) | Mode::Filter(_) | Mode::Command(_)) {
        app.flash = None;
    }
    match &mut app.mode {
        Mode::Filter(_) => return filter_key(app, k),
        Mode::ConfirmQuit(_) => {
            app.mode = Mode::Normal;
            if k.code == KeyCode::Char('y') {
                app.quit = true;
            }
            return;
        }
        Mode::Command(_) => return command_key(app, k),
        Mode::Form(_) => return form_key(app, k),
        Mode::ConfirmDelete(i) => {
            let i = *i;
            app.mode = Mode::Normal;
            if k.code == KeyCode::Char('y') {
                allowlist_edit(
                    app,
                    |f, rules| f.remove(i, rules),
                    "entry deleted (u undoes)",
                );
            }
            return;
        }
        Mode::Suppressed { .. } => {
            app.mode = Mode::Normal;
            return;
        }
        Mode::Help { scroll } | Mode::Detail { scroll, .. } => {
            let action = app.keymap.lookup(app.focus.context(), &k);
            let max = app.popup_max.get();
            match action {
                Some(Action::Down) => *scroll = scroll.saturating_add(1).min(max),
                Some(Action::Up) => *scroll = scroll.saturating_sub(1),
                Some(Action::PageDown | Action::HalfDown) => {
                    *scroll = scroll.saturating_add(10).min(max)
                }
                Some(Action::PageUp | Action::HalfUp) => *scroll = scroll.saturating_sub(10),
                Some(Action::Top) => *scroll = 0,
                Some(Action::Bottom) => *scroll = max,
                Some(Action::Quit) => app.quit = true,
                Some(Action::Allow) if matches!(app.mode, Mode::Detail { .. }) => {
                    app.mode = Mode::Normal;
                    start_allow(app);
                }
                Some(Action::Back | Action::Leave | Action::Help | Action::Open) => {
                    app.mode = Mode::Normal
                }
                _ => {}
            }
            return;
        }
        Mode::Normal => {}
    }
    if let Some(a) = app.keymap.lookup(app.focus.context(), &k) {
        act(app, a);
    }
}

/// Run one action in normal mode: the global ones here, a pane's own
/// through its module (`PaneDef::act`).
pub fn act(app: &mut App, a: Action) {
    let p = app.focus;
    let page = app.focused().page.get().max(1) as isize;
    match a {
        Action::Quit => app.quit = true,
        // Esc never quits (k9s, lnav): at the top level it does nothing.
        Action::Back | Action::Leave => {
            if app.focused().filter.is_active() {
                set_filter(app, String::new());
            } else if p != Pane::Incidents {
                app.focus = Pane::Incidents;
            } else if a == Action::Leave {
                leave(app);
            }
        }
        Action::Help => app.mode = Mode::Help { scroll: 0 },
        Action::Filter => {
            app.mode = Mode::Filter(super::prompt::LineEdit::new(&app.focused().filter.query))
        }
        Action::Command => app.mode = Mode::Command(super::prompt::LineEdit::default()),
        Action::Down => move_sel(app, 1),
        Action::Up => move_sel(app, -1),
        Action::PageDown => move_sel(app, page),
        Action::PageUp => move_sel(app, -page),
        Action::HalfDown => move_sel(app, page / 2),
        Action::HalfUp => move_sel(app, -page / 2),
        Action::Top => move_sel(app, isize::MIN / 2),
        Action::Bottom => move_sel(app, isize::MAX / 2),
        Action::NextPane => app.focus = Pane::ALL[(p.index() + 1) % Pane::COUNT],
        Action::PrevPane => app.focus = Pane::ALL[(p.index() + Pane::COUNT - 1) % Pane::COUNT],
        Action::Pane1 => app.focus = Pane::Incidents,
        Action::Pane2 => app.focus = Pane::Identities,
        Action::Pane3 => app.focus = Pane::Allowlist,
        Action::Pane4 => focus_checklist(app),
        Action::Follow => {
            let on = !app.follow;
            app.set_follow(on);
            if on {
                // Asked for: jump once to the newest activity.
                app.follow_newest();
            }
        }
        Action::Freeze => {
            app.frozen = match app.frozen.take() {
                Some(_) => None,
                None => Some(app.live.clone()),
            };
            app.rebuild();
        }
        Action::Open => open(app),
        Action::Severity => {
            app.min_severity = match app.min_severity {
                None => Some(Severity::Medium),
                Some(Severity::Low | Severity::Medium) => Some(Severity::High),
                Some(Severity::High) => Some(Severity::Critical),
                Some(Severity::Critical) => None,
            };
            app.focus = Pane::Incidents;
            app.rebuild_pane(Pane::Incidents);
        }
        Action::Rule => {
            let present: Vec<RuleId> = RuleId::ALL
                .iter()
                .copied()
                .filter(|r| app.view().incidents.iter().any(|i| i.rules.contains(r)))
                .collect();
            app.rule_filter = match app
                .rule_filter
                .and_then(|r| present.iter().position(|x| *x == r))
            {
                None => present.first().copied(),
                Some(i) => present.get(i + 1).copied(),
            };
            app.focus = Pane::Incidents;
            app.rebuild_pane(Pane::Incidents);
        }
        Action::Allow => start_allow(app),
        Action::Export => export_report(app, None),
        Action::Mouse => app.mouse_captured = !app.mouse_captured,
        Action::Reload => reload_allowlist(app),
        Action::Problems => show_problems(app),
        Action::Copy => copy_selected(app),
        Action::NextMatch | Action::PrevMatch => {
            let forward = a == Action::NextMatch;
            let l = app.list_mut(app.focus);
            if !l.filter.is_active() {
                app.flash("no filter: / to type one, then n/N", false);
            } else if !l.next_match(forward) {
                app.flash("no row matches the filter itself", true);
            } else if matches!(app.focus, Pane::Incidents | Pane::Identities) && app.follow {
                app.set_follow(false);
            }
        }
        Action::Jump => super::sorting::jump(app),
        Action::JumpBack => super::sorting::jump_back(app),
        Action::Sort => super::sorting::cycle(app),
        Action::SortReverse => super::sorting::reverse(app),
        // The pane whose context owns the action runs it.
        _ => {
            if let Some(owner) = Pane::ALL.into_iter().find(|p| p.context() == a.context()) {
                (super::panes::def(owner).act)(app, a);
            }
        }
    }
}

fn move_sel(app: &mut App, delta: isize) {
    app.list_mut(app.focus).move_by(delta);
    if matches!(app.focus, Pane::Incidents | Pane::Identities) && app.follow {
        app.set_follow(false);
    }
}

/// `y`: the selected row's value (typed, from its id; else its first
/// cell), without control characters (pasted into a shell, log text must
/// not run anything), handed to the loop to send as OSC 52.
fn copy_selected(app: &mut App) {
    let Some(row) = app.focused().selected_row() else {
        return app.flash("nothing selected to copy", true);
    };
    let typed = match &row.key {
        RowId::Incident(_) => app.current_incident().map(|i| i.primary.clone()),
        RowId::Alert { alert, .. } => app.view().alerts.get(*alert).map(|a| a.identity.clone()),
        RowId::Event { .. } => incidents::event_for_key(app, &row.key)
            .map(|e| e.audit_id.clone().unwrap_or_else(|| e.raw.to_string())),
        RowId::Identity(id) | RowId::IpIdentity { identity: id, .. } => Some(id.clone()),
        RowId::Ip(ip) => Some(ip.clone()),
        RowId::Secret { secret, .. } => Some(match &secret.name {
            Some(n) => format!("{}/{n}", secret.namespace),
            None => format!("{}/*", secret.namespace),
        }),
        RowId::Entry(i) => app
            .allowlist
            .as_ref()
            .ok()
            .and_then(|f| f.allowlist.entries.get(*i))
            .map(|e| e.value.clone()),
        _ => None,
    };
    let value = typed.unwrap_or_else(|| {
        row.cells
            .iter()
            .map(|c| c.trim())
            .find(|c| !c.is_empty())
            .unwrap_or("")
            .to_string()
    });
    let clean: String = value.chars().filter(|c| !c.is_control()).collect();
    if clean.is_empty() {
        return app.flash("nothing to copy on this row", true);
    }
    let shown = super::text::fit(&super::text::clean(&clean), 40);
    let cut = if clean.len() != value.len() {
        " (control characters removed)"
    } else {
        ""
    };
    app.flash(
        format!("copied `{shown}`{cut} via OSC 52 (the terminal must allow clipboard access)"),
        false,
    );
    app.clipboard = Some(clean);
}

/// The OSC 52 sequence that sets the clipboard to `text` (base64: nothing
/// in it can end the sequence early).
pub fn osc52(text: &str) -> String {
    use base64::Engine as _;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
    )
}

fn focus_checklist(app: &mut App) {
    let before = app.checklist_incident.clone();
    if app.focus == Pane::Incidents || app.checklist_incident.is_none() {
        app.checklist_incident = app.current_incident().map(|i| i.id.clone());
    }
    app.focus = Pane::Checklist;
    app.rebuild_pane(Pane::Checklist);
    if before != app.checklist_incident {
        // Another incident: start on its first step, not a heading.
        app.list_mut(Pane::Checklist).select_first();
    }
}

/// Malformed input and startup warnings, in full: the status bar only has
/// room for a count.
fn show_problems(app: &mut App) {
    let st = &app.live.status;
    let mut lines = Vec::new();
    if st.malformed == 0 {
        lines.push("no malformed lines".to_string());
    } else {
        lines.push(format!(
            "{}; the first {} (file:line: why):",
            super::text::count_of(st.malformed, "malformed line", "malformed lines"),
            st.malformed_list.len()
        ));
        lines.extend(st.malformed_list.iter().map(|m| super::text::clean(m)));
    }
    if st.large > 0 {
        lines.push(String::new());
        lines.push(format!(
            "{} over 1 MiB: judged from their reduced text (long strings cut, marked `...(N bytes, cut)`; \
             a cut identity is never allowlisted); per input below",
            super::text::count_of(st.large, "line", "lines")
        ));
    }
    // Input problems are listed below; other errors (a file that could not
    // be opened or followed) only here.
    if let Some(e) = st.error.as_ref().filter(|e| !e.starts_with("NOT JUDGED: ")) {
        lines.push(String::new());
        lines.push(format!("input error: {}", super::text::clean(e)));
    }
    if !st.problems.is_empty() {
        lines.push(String::new());
        lines.extend(st.problems.iter().map(|p| super::text::clean(p)));
    }
    if !st.inputs.is_empty() {
        lines.push(String::new());
        lines.push("inputs and the formats detected:".into());
        lines.extend(
            st.inputs
                .iter()
                .map(|i| format!("  {}", super::text::clean(i))),
        );
    }
    if !app.warnings.is_empty() {
        lines.push(String::new());
        lines.push("warnings:".into());
        lines.extend(app.warnings.iter().map(|w| super::text::clean(w)));
    }
    app.mode = Mode::Detail {
        title: "problems (Esc closes)".into(),
        lines,
        scroll: 0,
    };
}

/// Enter: a heading or notice opens in full; any other row is the
/// pane's to open (`PaneDef::open`): expand it, show it in full, edit it.
fn open(app: &mut App) {
    let p = app.focus;
    let Some(row) = app.focused().selected_row().cloned() else {
        return;
    };
    let how = if row.kind == RowKind::Info {
        Open::InFull
    } else {
        (super::panes::def(p).open)(app, &row)
    };
    match how {
        Open::Done => {}
        Open::InFull => super::panes::row_in_full(app, &row),
        Open::Expand => super::panes::toggle_expanded(app, p, &row),
    }
}

fn set_filter(app: &mut App, q: String) {
    let shown = super::panes::shown_cells(app, app.focus, app.screen_width);
    let checklist = app.focus == Pane::Checklist;
    let l = app.list_mut(app.focus);
    l.filter.query = q;
    l.filter.shown = shown;
    if checklist {
        // The checklist builds rows for a window of a big incident's
        // lines; the filter searches every line and its matches are built.
        app.rebuild_checklist();
    } else {
        l.refilter();
    }
    app.dirty = true;
}

/// `q` at the top level: quit, unless checklist work would be lost.
fn leave(app: &mut App) {
    if app.checklist.unsaved {
        let why = app.checklist.load_error.clone().unwrap_or_else(|| {
            format!("the last save to {} failed", app.checklist.path().display())
        });
        app.mode = Mode::ConfirmQuit(format!("Checklist work is not saved ({why})."));
    } else {
        app.quit = true;
    }
}

fn filter_key(app: &mut App, k: KeyEvent) {
    let Mode::Filter(ed) = &mut app.mode else {
        return;
    };
    match ed.key(&k) {
        Edit::Cancel => {
            app.mode = Mode::Normal;
            set_filter(app, String::new());
        }
        Edit::Submit => app.mode = Mode::Normal,
        Edit::Changed => {
            let q = ed.text.clone();
            set_filter(app, q);
        }
        Edit::Moved => {}
    }
}

pub fn paste(app: &mut App, text: &str) {
    match &mut app.mode {
        Mode::Form(f) => f.insert(text),
        Mode::Filter(ed) => {
            ed.insert(text);
            let q = ed.text.clone();
            set_filter(app, q);
        }
        Mode::Command(ed) => ed.insert(text),
        _ => {}
    }
    app.dirty = true;
}

/// One mouse event, then `App::refresh` (a click may focus a stale pane).
pub fn mouse(app: &mut App, m: MouseEvent) {
    mouse_inner(app, m);
    app.refresh();
}

fn mouse_inner(app: &mut App, m: MouseEvent) {
    match m.kind {
        MouseEventKind::ScrollDown => match &mut app.mode {
            Mode::Help { scroll } | Mode::Detail { scroll, .. } => {
                *scroll = scroll.saturating_add(3).min(app.popup_max.get())
            }
            _ => move_sel(app, 3),
        },
        MouseEventKind::ScrollUp => match &mut app.mode {
            Mode::Help { scroll } | Mode::Detail { scroll, .. } => {
                *scroll = scroll.saturating_sub(3)
            }
            _ => move_sel(app, -3),
        },
        MouseEventKind::Down(_) if matches!(app.mode, Mode::Normal) => {
            if m.row == 0 {
                if let Some(p) = super::ui::tab_at(app, m.column) {
                    if p == Pane::Checklist {
                        focus_checklist(app)
                    } else {
                        app.focus = p
                    };
                }
            } else if m.row >= 3 {
                // Body rows start under the title bar, border and header.
                let l = app.list_mut(app.focus);
                let pos = l.offset.get() + (m.row - 3) as usize;
                if pos < l.visible.len() {
                    l.selected = pos;
                    // A click on a heading selects the step under it.
                    l.clamp();
                    if matches!(app.focus, Pane::Incidents | Pane::Identities) {
                        app.set_follow(false);
                    }
                }
            }
        }
        _ => return,
    }
    app.dirty = true;
}
