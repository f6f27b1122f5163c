//! The `:` prompt: typing with history (↑/↓) and Tab completion of
//! command names and arguments, then running a line through the key
//! table's [`COMMANDS`](crate::tui::keymap::COMMANDS).

use super::act;
use crate::detect::{RuleId, Severity};
use crate::tui::app::{App, Mode, Pane};
use crate::tui::edits::export_report;
use crate::tui::keymap::Cmd;
use crate::tui::prompt::Edit;
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent};

pub(super) fn command_key(app: &mut App, k: KeyEvent) {
    let Mode::Command(ed) = &mut app.mode else {
        return;
    };
    match k.code {
        // History (readline): ↑ older, ↓ newer, past the newest an empty line.
        KeyCode::Up | KeyCode::Down => {
            let n = app.history.len();
            let pos = match (k.code, app.history_pos) {
                (_, _) if n == 0 => return,
                (KeyCode::Up, None) => Some(n - 1),
                (KeyCode::Up, Some(p)) => Some(p.saturating_sub(1)),
                (_, Some(p)) if p + 1 < n => Some(p + 1),
                _ => None,
            };
            app.history_pos = pos;
            *ed = crate::tui::prompt::LineEdit::new(pos.map_or("", |p| app.history[p].as_str()));
            return;
        }
        // Completion of an argument (severity, rule, theme, column).
        KeyCode::Tab if ed.text.contains(' ') => {
            let (name, arg) = ed.text.split_once(' ').unwrap_or_default();
            let (name, arg) = (name.to_string(), arg.trim_start().to_string());
            let found: Vec<String> = argument_candidates(app, &name)
                .into_iter()
                .filter(|c| c.starts_with(&arg))
                .collect();
            let Mode::Command(ed) = &mut app.mode else {
                return;
            };
            match found.as_slice() {
                [] => {}
                [one] => *ed = crate::tui::prompt::LineEdit::new(&format!("{name} {one}")),
                many => {
                    let words: Vec<&str> = many.iter().map(String::as_str).collect();
                    let common = common_prefix(&words);
                    if common.len() > arg.len() {
                        *ed = crate::tui::prompt::LineEdit::new(&format!("{name} {common}"));
                    }
                }
            }
            return;
        }
        // Completion of the command name from the key table.
        KeyCode::Tab if !ed.text.contains(' ') => {
            let found = crate::tui::keymap::complete(&ed.text);
            match found.as_slice() {
                // The hint line says so.
                [] => {}
                [one] => *ed = crate::tui::prompt::LineEdit::new(&format!("{one} ")),
                many => {
                    let common = common_prefix(many);
                    if common.len() > ed.text.len() {
                        *ed = crate::tui::prompt::LineEdit::new(&common);
                    }
                }
            }
            return;
        }
        _ => {}
    }
    match ed.key(&k) {
        Edit::Cancel => {
            app.mode = Mode::Normal;
            app.history_pos = None;
        }
        Edit::Submit => {
            let line = std::mem::take(&mut ed.text);
            app.mode = Mode::Normal;
            app.history_pos = None;
            let line = line.trim();
            if !line.is_empty() && app.history.last().map(String::as_str) != Some(line) {
                app.history.push(line.to_string());
                if app.history.len() > 100 {
                    app.history.remove(0);
                }
            }
            run_command(app, line);
        }
        Edit::Changed | Edit::Moved => {}
    }
}

/// What may follow `:name` (the focused pane's columns for `:sort`).
pub fn argument_candidates(app: &App, name: &str) -> Vec<String> {
    let Some(def) = crate::tui::keymap::command(name) else {
        return Vec::new();
    };
    let p = if crate::tui::sorting::sortable(app.focus) {
        app.focus
    } else {
        Pane::Incidents
    };
    let cols: Vec<&str> = (crate::tui::panes::def(p).cols)(app)
        .iter()
        .map(|c| c.header)
        .collect();
    crate::tui::keymap::arguments(def.cmd, &cols)
}

fn common_prefix(words: &[&str]) -> String {
    let first = words[0];
    let mut end = first.len();
    for w in &words[1..] {
        end = first
            .char_indices()
            .zip(w.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(end);
    }
    first[..end].to_string()
}

/// `:` commands, as the key table lists them (`keymap::COMMANDS`).
/// Unknown ones say so; none can crash the app.
pub fn run_command(app: &mut App, line: &str) {
    let (name, arg) = line
        .split_once(' ')
        .map(|(c, a)| (c, a.trim()))
        .unwrap_or((line, ""));
    if name.is_empty() {
        return;
    }
    let Some(def) = crate::tui::keymap::command(name) else {
        return app.flash(
            format!(
                "unknown command `:{}` ({})",
                crate::tui::text::clean(name),
                crate::tui::keymap::command_summary()
            ),
            true,
        );
    };
    match def.cmd {
        Cmd::Run(a) => act(app, a),
        Cmd::Export => export_report(app, (!arg.is_empty()).then_some(arg)),
        Cmd::Theme => match Theme::load(arg, &app.config_dir) {
            Ok(t) => {
                app.theme = t;
                app.rebuild();
            }
            Err(e) => app.flash(e.to_string(), true),
        },
        Cmd::Severity => match arg {
            "" | "all" => {
                app.min_severity = None;
                app.rebuild_pane(Pane::Incidents);
            }
            s => match s.parse::<Severity>() {
                Ok(s) => {
                    app.min_severity = Some(s);
                    app.rebuild_pane(Pane::Incidents);
                }
                Err(e) => app.flash(e, true),
            },
        },
        Cmd::Rule => match arg {
            "" | "all" => {
                app.rule_filter = None;
                app.rebuild_pane(Pane::Incidents);
            }
            r => match r.parse::<RuleId>() {
                Ok(r) => {
                    app.rule_filter = Some(r);
                    app.rebuild_pane(Pane::Incidents);
                }
                Err(e) => app.flash(e, true),
            },
        },
        Cmd::Sort => crate::tui::sorting::sort_command(app, arg),
    }
}
