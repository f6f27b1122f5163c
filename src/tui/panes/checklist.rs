//! Pane 4: the evidence checklist of the current incident (the one chosen
//! with Enter/`c`… or selected in pane 1). Space ticks, `n` annotates, `x`
//! exports. Evidence lines under each step are filled in from the log.

use super::{Col, PaneDef, block, col, draw_table};
use crate::time::format_micros;
use crate::tui::app::{App, Pane};
use crate::tui::checklist::{Lookup, items, plain, subject};
use crate::tui::filter::{Row, RowId, RowKind, TextMatcher};
use crate::tui::keymap::{Action, Context};
use crate::tui::text::clean;
use crate::tui::ticking;
use crate::view::{Section, Seg, Step};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use std::sync::Arc;

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
    if let RowId::StepMore { incident, item } = &row.key {
        *app.checklist_more
            .entry((incident.clone(), item.clone()))
            .or_default() += WINDOW;
        app.rebuild_checklist();
        return super::Open::Done;
    }
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

/// Lines of one step (evidence, or rotate items) built into rows before a
/// "+N more" row: the pane's cost follows the screen, not the incident (a
/// 1M-secret incident has 2M lines; building them all froze the UI thread
/// 12 s). Enter on the "+N more" row shows this many more.
pub const WINDOW: usize = 200;
/// Matches of the filter among the lines not built, built at most (per
/// step, and for the rotate section); the rest are counted.
pub const MATCHES: usize = 1000;

/// The checklist steps of `inc` for the shown snapshot data, built once
/// per snapshot data and incident (not per tick, keystroke or page).
pub fn steps_of(app: &App, inc: &crate::detect::Incident) -> Arc<Vec<Step>> {
    let key = (app.view().data_seq, inc.id.clone());
    let mut c = app.checklist_steps.borrow_mut();
    match &*c {
        Some((k, s)) if *k == key && key.0 != 0 => s.clone(),
        _ => {
            let start = std::time::Instant::now();
            let s = Arc::new(items(app.view(), inc));
            crate::tui::timing::record("steps-checklist", start.elapsed());
            *c = Some((key, s.clone()));
            s
        }
    }
}

fn more_row(inc: &str, item: &str, text: String, app: &App) -> Row {
    Row::new(
        RowId::StepMore {
            incident: inc.to_string(),
            item: item.to_string(),
        },
        vec![String::new(), text, String::new()],
        app.theme.get("warning"),
        RowKind::Child,
    )
}

/// The "+N more" text: what is not shown, exactly, and how to get at it.
fn more_text(
    indent: &str,
    rest: usize,
    shown: usize,
    total: usize,
    what: &str,
    app: &App,
) -> String {
    let f = app.list(Pane::Checklist).filter.is_active();
    // The keys first: an 80-column screen clips the rest.
    format!(
        "{indent}+{} more {what} — Enter: {} more; {}x exports all ({} of {} shown)",
        thousands(rest),
        WINDOW.min(rest),
        if f { "" } else { "/ finds any; " },
        thousands(shown),
        thousands(total),
    )
}

pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut o = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            o.push(',');
        }
        o.push(c);
    }
    o
}

/// How many lines of `item` are shown unfiltered.
fn window(app: &App, inc: &str, item: &str) -> usize {
    WINDOW
        + app
            .checklist_more
            .get(&(inc.to_string(), item.to_string()))
            .copied()
            .unwrap_or(0)
}

/// The rows, and the title's `INC-… identity — n/m done` (from the same
/// steps: building them per frame cost a 100k-secret incident its
/// keystrokes). Each step shows its first [`WINDOW`] evidence lines and
/// the rotate section its first [`WINDOW`] items, then a "+N more" row;
/// an active filter also builds the lines beyond the window it matches
/// (up to [`MATCHES`], the rest counted), so `/name` finds any secret.
pub fn rows(app: &App) -> (Vec<Row>, String) {
    let Some(inc) = app.current_incident() else {
        return (Vec::new(), String::new());
    };
    let look = app.checklist.lookup(&subject(app.view(), inc));
    let steps = steps_of(app, inc);
    let matcher = app.list(Pane::Checklist).filter.text_matcher();
    let mut out = Vec::with_capacity(4 * WINDOW);
    for (n, t) in notices(app, &look).into_iter().enumerate() {
        out.push(Row::new(
            RowId::Heading(format!("notice:{n}")),
            vec![String::new(), t, String::new()],
            app.theme.get("warning"),
            RowKind::Info,
        ));
    }
    let rotate_total = steps
        .iter()
        .filter(|s| s.section == Section::Rotate)
        .count();
    let rotate_window = window(app, &inc.id, "rotate");
    let (mut rotate_seen, mut rotate_built, mut rotate_matched, mut rotate_unbuilt) = (0, 0, 0, 0);
    let mut section = "";
    for it in steps.iter() {
        let is_rotate = it.section == Section::Rotate;
        if is_rotate {
            rotate_seen += 1;
            if rotate_seen > rotate_window {
                let hit = matcher.as_ref().is_some_and(|m| {
                    rotate_matched < MATCHES
                        && (line_hits(m, &it.title) || it.evidence.iter().any(|e| line_hits(m, e)))
                });
                if !hit {
                    rotate_unbuilt += 1;
                    if rotate_seen == rotate_total {
                        out.push(more_row(
                            &inc.id,
                            "rotate",
                            rotate_more(app, rotate_unbuilt, rotate_built, rotate_total),
                            app,
                        ));
                    }
                    continue;
                }
                rotate_matched += 1;
            }
            rotate_built += 1;
        }
        if it.section.heading() != section {
            section = it.section.heading();
            out.push(Row::new(
                RowId::Heading(section.to_string()),
                vec![String::new(), section.to_string(), String::new()],
                app.theme.header(),
                RowKind::Info,
            ));
        }
        step_rows(app, inc, it, &look, &mut out);
        if is_rotate && rotate_seen == rotate_total && rotate_unbuilt > 0 {
            out.push(more_row(
                &inc.id,
                "rotate",
                rotate_more(app, rotate_unbuilt, rotate_built, rotate_total),
                app,
            ));
        }
    }
    let title = title(inc, &look, &steps, &out);
    (out, title)
}

/// Does the filter find a line not built into a row? Each text part,
/// name and audit ID on its own (not formatted times, not across parts):
/// no line is formatted to be searched, so a keystroke over 2M lines stays
/// a scan of their names.
fn line_hits(m: &TextMatcher, l: &crate::view::Line) -> bool {
    l.segs.iter().any(|s| match s {
        Seg::Text(t) => m.hits(t),
        Seg::Data(d) => m.hits(d),
        Seg::Time(_) => false,
    }) || l.audit_ids.iter().any(|a| m.hits(a))
}

fn rotate_more(app: &App, rest: usize, shown: usize, total: usize) -> String {
    more_text("", rest, shown, total, "to rotate", app)
}

/// The title: the exact count of steps done, over every step (shown or not).
/// The `[n/m]` counts only the steps built into rows: say how many there
/// are when that is not all of them.
fn title(inc: &crate::detect::Incident, look: &Lookup, steps: &[Step], rows: &[Row]) -> String {
    let done = (steps.iter())
        .filter(|i| look.items.get(&i.key).is_some_and(|s| s.done))
        .count();
    let built = (rows.iter())
        .filter(|r| matches!(r.key, RowId::Step { .. }))
        .count();
    let mut t = format!(
        "{} {} — {done}/{} done",
        inc.id,
        clean(&inc.primary),
        thousands(steps.len())
    );
    if built < steps.len() {
        t.push_str(&format!(", {} shown", thousands(built)));
    }
    t
}

/// One step's row, its first evidence lines (and the filter's matches
/// beyond them), and the "+N more" row.
fn step_rows(
    app: &App,
    inc: &crate::detect::Incident,
    it: &Step,
    look: &Lookup,
    out: &mut Vec<Row>,
) {
    let matcher = app.list(Pane::Checklist).filter.text_matcher();
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
    let win = window(app, &inc.id, &it.key);
    let (mut built, mut matched, mut rest) = (0, 0, 0);
    for (n, e) in it.evidence.iter().enumerate() {
        let text = if n < win {
            plain(e)
        } else if matched < MATCHES && matcher.as_ref().is_some_and(|m| line_hits(m, e)) {
            matched += 1;
            plain(e)
        } else {
            rest += 1;
            continue;
        };
        built += 1;
        out.push(Row::new(
            RowId::StepEvidence {
                incident: inc.id.clone(),
                item: it.key.clone(),
                n,
            },
            vec![String::new(), format!("  {text}"), String::new()],
            app.theme.dim(),
            RowKind::Child,
        ));
    }
    if rest > 0 {
        let t = more_text("  ", rest, built, it.evidence.len(), "evidence lines", app);
        out.push(more_row(&inc.id, &it.key, t, app));
    }
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
    for r in rows.iter_mut() {
        let RowId::Step { item, .. } = &r.key else {
            continue;
        };
        let st = look.get(item);
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
    // Counted over every step, shown or not (the rows are a window).
    Some(title(inc, &look, &steps_of(app, inc), rows))
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
    let steps = steps_of(app, inc);
    let it = steps.iter().find(|i| i.key == item)?;
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
        // A popup of 1M lines would freeze as the pane did: the first
        // ones, the exact count of the rest, and where they all are.
        let cap = 10 * WINDOW;
        lines.extend(
            it.evidence
                .iter()
                .take(cap)
                .map(|e| format!("  {}", plain(e))),
        );
        if it.evidence.len() > cap {
            lines.push(format!(
                "  +{} more evidence lines ({} of {} shown): / in the pane searches all, x exports all",
                thousands(it.evidence.len() - cap),
                thousands(cap),
                thousands(it.evidence.len())
            ));
        }
    }
    Some(lines)
}
