//! Pane 4: the evidence checklist of the current incident (the one chosen
//! with Enter/`c`… or selected in pane 1). Space ticks, `n` annotates, `x`
//! exports. Evidence lines under each step are filled in from the log.

use super::{Col, PaneDef, block, col, draw_table};
use crate::time::format_micros;
use crate::tui::app::{App, Pane};
use crate::tui::checklist::{Lookup, items, plain, subject};
use crate::tui::filter::{Row, RowId, RowKind};
use crate::tui::keymap::{Action, Context};
use crate::tui::text::clean;
use crate::tui::ticking;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

pub(super) const COLS: &[Col] = &[
    col("", Constraint::Length(5), 0),
    col("STEP / EVIDENCE", Constraint::Fill(5), 0),
    col("NOTE", Constraint::Fill(1), 0),
];

pub const PANE: PaneDef = PaneDef {
    title: "Checklist",
    context: Context::Checklist,
    cols: |_| COLS,
    rows,
    draw,
    act,
    prefill: |_, _| None,
    empty: |_| "select an incident (pane 1) to see its evidence checklist",
    open,
};

/// Enter: a step in full, like a row of pane 2 (Space ticks it); an
/// evidence line in full.
fn open(app: &mut App, row: &Row) -> super::Open {
    match step_in_full(app, &row.key) {
        Some(lines) => {
            app.mode = crate::tui::app::Mode::Detail {
                title: "step in full (Esc closes, Space in the pane ticks)".into(),
                lines,
                scroll: 0,
            };
            super::Open::Done
        }
        None => super::Open::InFull,
    }
}

/// Its keys: Space ticks, `n` annotates, `C` carries over a similar
/// incident's stored state.
fn act(app: &mut App, a: Action) -> bool {
    match a {
        Action::Tick => ticking::tick(app),
        Action::Note => ticking::note(app),
        Action::CarryOver => ticking::carry_over(app),
        _ => return false,
    }
    true
}

/// What the stored state says about this incident beyond the ticks:
/// carried over from incidents that merged, or found for another incident
/// of the same identity and not applied.
fn notices(app: &App, look: &Lookup) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(e) = &app.checklist.load_error {
        out.push(format!("NOT LOADED, NOT SAVED: {}", clean(e)));
    }
    if look.carried > 0 {
        let mut t = format!(
            "ticks and notes carried over from {} earlier checklist{} of this investigation (incidents merged)",
            look.carried,
            if look.carried == 1 { "" } else { "s" }
        );
        if look.unticked > 0 {
            t.push_str(&format!(
                "; {} review step{} unticked: ticked for only part of it",
                look.unticked,
                if look.unticked == 1 { "" } else { "s" }
            ));
        }
        out.push(t);
    }
    if let Some(s) = &look.similar {
        out.push(format!(
            "NOT applied (C carries it over): {} ticked, {} note{} stored for another incident of {} (first event {})",
            s.done,
            s.notes,
            if s.notes == 1 { "" } else { "s" },
            clean(&s.identity),
            s.first_event.map(format_micros).unwrap_or_else(|| "unknown".into()),
        ));
    }
    out
}

/// The rows, and the title's `INC-… identity — n/m done` (from the same
/// steps: building them per frame cost a 100k-secret incident its
/// keystrokes).
pub fn rows(app: &App) -> (Vec<Row>, String) {
    let Some(inc) = app.current_incident() else {
        return (Vec::new(), String::new());
    };
    let look = app.checklist.lookup(&subject(app.view(), inc));
    let steps = items(app.view(), inc);
    let done = (steps.iter()).filter(|i| look.get(&i.key).done).count();
    let title = format!(
        "{} {} — {done}/{} done",
        inc.id,
        clean(&inc.primary),
        steps.len()
    );
    // Sized once: growing a 300k-row Vec copied it a dozen times.
    let n: usize = steps.iter().map(|s| 2 + s.evidence.len()).sum();
    let mut out = Vec::with_capacity(n + 4);
    for (n, t) in notices(app, &look).into_iter().enumerate() {
        out.push(Row::new(
            RowId::Heading(format!("notice:{n}")),
            vec![String::new(), t, String::new()],
            app.theme.get("warning"),
            RowKind::Info,
        ));
    }
    let mut section = "";
    for it in steps {
        if it.section.heading() != section {
            section = it.section.heading();
            out.push(Row::new(
                RowId::Heading(section.to_string()),
                vec![String::new(), section.to_string(), String::new()],
                app.theme.header(),
                RowKind::Info,
            ));
        }
        let st = look.get(&it.key);
        out.push(Row::new(
            RowId::Step {
                incident: inc.id.clone(),
                item: it.key.clone(),
            },
            vec![
                if st.done { "[x]" } else { "[ ]" }.into(),
                plain(&it.title),
                clean(&st.note),
            ],
            if st.done {
                app.theme.outcome(false)
            } else {
                app.theme.text()
            },
            RowKind::Item,
        ));
        for (n, e) in it.evidence.iter().enumerate() {
            out.push(Row::new(
                RowId::StepEvidence {
                    incident: inc.id.clone(),
                    item: it.key.clone(),
                    n,
                },
                vec![String::new(), format!("  {}", plain(e)), String::new()],
                app.theme.dim(),
                RowKind::Child,
            ));
        }
    }
    (out, title)
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let l = app.list(Pane::Checklist);
    let mut extra = l.title.clone();
    if !extra.is_empty() && app.checklist.unsaved {
        extra.push_str(" — UNSAVED");
    }
    draw_table(
        f,
        area,
        app,
        Pane::Checklist,
        COLS,
        block(app, Pane::Checklist, &extra),
    );
}

/// What the checklist's rows were built from: the snapshot data and the
/// incident. While it is the same, a tick, a note or coming back to the
/// pane only re-reads the ticks ([`patch`]) instead of rebuilding every
/// step (2 s for a 100k-secret incident).
pub fn built_from(app: &App) -> Option<(u64, String)> {
    let inc = app.current_incident()?;
    Some((app.view().data_seq, inc.id.clone()))
}

/// Bring rows built for the same snapshot data and incident up to the
/// stored ticks and notes, in place, and return the title; `None` (rows
/// untouched) when the notices above the steps differ and a full rebuild
/// is needed.
pub fn patch(app: &App, rows: &mut [Row]) -> Option<String> {
    let inc = app.current_incident()?;
    let look = app.checklist.lookup(&subject(app.view(), inc));
    let wanted = notices(app, &look);
    let shown: Vec<&str> = rows
        .iter()
        .take_while(|r| matches!(&r.key, RowId::Heading(h) if h.starts_with("notice:")))
        .map(|r| r.cells[1].as_str())
        .collect();
    if shown != wanted.iter().map(String::as_str).collect::<Vec<_>>() {
        return None;
    }
    let (mut done, mut steps) = (0, 0);
    for r in rows.iter_mut() {
        let RowId::Step { item, .. } = &r.key else {
            continue;
        };
        let st = look.get(item);
        steps += 1;
        done += usize::from(st.done);
        let tick = if st.done { "[x]" } else { "[ ]" };
        let note = clean(&st.note);
        if r.cells[0] != tick || r.cells[2] != note {
            r.cells[0] = tick.into();
            r.cells[2] = note;
            r.style = if st.done {
                app.theme.outcome(false)
            } else {
                app.theme.text()
            };
            r.touch();
        }
    }
    Some(format!(
        "{} {} — {done}/{steps} done",
        inc.id,
        clean(&inc.primary)
    ))
}

/// The incident and item of a step row.
pub fn step_of(key: &RowId) -> Option<(&str, &str)> {
    match key {
        RowId::Step { incident, item } => Some((incident, item)),
        _ => None,
    }
}

/// A step in full (Enter; Space ticks): its whole text, state, note and
/// every evidence line, which the table clips to its width.
pub fn step_in_full(app: &App, key: &RowId) -> Option<Vec<String>> {
    let (_, item) = step_of(key)?;
    let inc = app.current_incident()?;
    let it = items(app.view(), inc).into_iter().find(|i| i.key == item)?;
    let look = app.checklist.lookup(&subject(app.view(), inc));
    let st = look.get(&it.key);
    let mut lines = vec![
        format!(
            "{} {}",
            if st.done { "[x]" } else { "[ ]" },
            plain(&it.title)
        ),
        format!("section: {}", it.section.heading()),
    ];
    if !st.note.is_empty() {
        lines.push(format!("note: {}", clean(&st.note)));
    }
    if !it.evidence.is_empty() {
        lines.push(String::new());
        lines.push("evidence:".into());
        lines.extend(it.evidence.iter().map(|e| format!("  {}", plain(e))));
    }
    Some(lines)
}
