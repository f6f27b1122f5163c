//! Pane 4: the evidence checklist of the current incident (the one chosen
//! with Enter/`c`… or selected in pane 1). Space ticks, `n` annotates, `x`
//! exports. Evidence lines under each step are filled in from the log.

use super::{Col, block, col, draw_table};
use crate::tui::app::{App, Pane};
use crate::tui::checklist::{items, plain};
use crate::tui::filter::{Row, RowKind};
use crate::tui::text::clean;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

const COLS: &[Col] = &[
    col("", Constraint::Length(5), 0),
    col("STEP / EVIDENCE", Constraint::Fill(5), 0),
    col("NOTE", Constraint::Fill(1), 0),
];

pub fn rows(app: &App) -> Vec<Row> {
    let Some(inc) = app.current_incident() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut section = "";
    for it in items(app.view(), inc) {
        if it.section.heading() != section {
            section = it.section.heading();
            out.push(Row::new(
                format!("h:{section}"),
                vec![String::new(), section.to_string(), String::new()],
                app.theme.header(),
                RowKind::Info,
            ));
        }
        let st = app.checklist.get(&inc.id, &it.key);
        out.push(Row::new(
            format!("c:{}", it.key),
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
                format!("ce:{}:{n}", it.key),
                vec![String::new(), format!("  {}", plain(e)), String::new()],
                app.theme.dim(),
                RowKind::Child,
            ));
        }
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let extra = match app.current_incident() {
        Some(inc) => {
            let steps = items(app.view(), inc);
            let done = (steps.iter())
                .filter(|i| app.checklist.get(&inc.id, &i.key).done)
                .count();
            format!(
                "{} {} — {done}/{} done",
                inc.id,
                clean(&inc.primary),
                steps.len()
            )
        }
        None => String::new(),
    };
    draw_table(
        f,
        area,
        app,
        Pane::Checklist,
        COLS,
        block(app, Pane::Checklist, &extra),
    );
}

/// The item key under a row key (`c:<item>`).
pub fn item_key(key: &str) -> Option<&str> {
    key.strip_prefix("c:")
}
