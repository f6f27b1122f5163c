//! The four panes. Each turns the shown snapshot into [`Row`]s (`rows`)
//! and draws them with the shared table below (`draw_table`), which only
//! computes highlight indices for the rows that are on screen.
//!
//! Each pane module owns what is its own (gitui's components own `event()`
//! and `commands()`): a [`PaneDef`] with its title, key context, columns,
//! rows, drawing, the actions bound in its context (`act`), what `a`
//! prefills from its rows and what an empty pane says. The key table
//! (`keymap.rs`) names the actions, their keys, footer hints and help; a
//! pane's `act` runs the ones of its context. Adding a pane is a module,
//! its `Pane` and `Context` variants (`Pane::COUNT` + 1) and one line in
//! [`PANES`]; keys, footer, help, Enter, `a` and the empty text follow.

pub mod allowlist;
pub mod checklist;
pub mod identities;
pub mod incidents;

use super::app::{App, Pane};
use super::filter::{Row, RowId};
use super::keymap::{Action, Context};
use super::text::highlight;
use crate::allowlist::EntryKind;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Cell, Row as TRow, Table};

/// What `a` proposes for an allowlist entry: kind, value, rules.
pub type Prefill = (EntryKind, String, Vec<String>);

/// One pane, as its module defines it.
pub struct PaneDef {
    pub title: &'static str,
    /// Where its own keys are bound in the key table.
    pub context: Context,
    /// Its columns (the filter matches only those shown at a width).
    pub cols: fn(&App) -> &'static [Col],
    /// Its rows, and what its title says about them beyond the counts
    /// (built together, once per snapshot, never per frame).
    pub rows: fn(&App) -> (Vec<Row>, String),
    pub draw: fn(&mut Frame, Rect, &App),
    /// Run an action of the pane's context; false if it is not one.
    pub act: fn(&mut App, Action) -> bool,
    /// The narrowest allowlist entry for one of its rows (`None`: the
    /// selected incident's identity).
    pub prefill: fn(&App, &RowId) -> Option<Prefill>,
    /// What it says when it has no rows.
    pub empty: fn(&App) -> &'static str,
    /// Enter on one of its rows (headings open in full before this).
    pub open: fn(&mut App, &Row) -> Open,
}

/// What Enter does with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// The pane did it (a popup, a form).
    Done,
    /// Show every cell in full (table cells clip long text).
    InFull,
    /// Expand or collapse it.
    Expand,
}

/// A row's cells in a scrollable popup.
pub fn row_in_full(app: &mut App, row: &Row) {
    let lines: Vec<String> = row
        .cells
        .iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if !lines.is_empty() {
        app.mode = super::app::Mode::Detail {
            title: "row in full (Esc closes)".into(),
            lines,
            scroll: 0,
        };
    }
}

pub fn toggle_expanded(app: &mut App, p: Pane, row: &Row) {
    let l = app.list_mut(p);
    if !l.expanded.remove(&row.key) {
        l.expanded.insert(row.key.clone());
    }
    app.rebuild_pane(p);
}

/// The panes, in `Pane::ALL` order (tabs, 1–4, Tab).
pub const PANES: [&PaneDef; Pane::COUNT] = [
    &incidents::PANE,
    &identities::PANE,
    &allowlist::PANE,
    &checklist::PANE,
];

pub fn def(p: Pane) -> &'static PaneDef {
    PANES[p.index()]
}

/// Actions no pane context owns.
pub fn no_act(_: &mut App, _: Action) -> bool {
    false
}

pub fn rows(app: &App, p: Pane) -> (Vec<Row>, String) {
    (def(p).rows)(app)
}

/// Which cells of a pane's rows are drawn at screen width `w` (0: unknown,
/// all), as `draw_table` decides.
pub fn shown_cells(app: &App, p: Pane, w: u16) -> Vec<bool> {
    if w == 0 {
        return Vec::new();
    }
    (def(p).cols)(app)
        .iter()
        .map(|c| w >= c.min_screen)
        .collect()
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    (def(app.focus).draw)(f, area, app)
}

/// A column: header, width, and the smallest screen width that shows it
/// (narrow terminals drop the least important columns, not the identity).
pub struct Col {
    pub header: &'static str,
    pub width: Constraint,
    pub min_screen: u16,
}

pub const fn col(header: &'static str, width: Constraint, min_screen: u16) -> Col {
    Col {
        header,
        width,
        min_screen,
    }
}

/// The pane's frame: the focused marker, counts and the active filter in
/// the title (k9s style: `Incidents [3/12] </mallory>`).
pub fn block<'a>(app: &'a App, pane: Pane, extra: &str) -> Block<'a> {
    let l = app.list(pane);
    let focused = app.focus == pane;
    let mut title = vec![
        Span::styled(if focused { "▶ " } else { "  " }, app.theme.border(focused)),
        Span::styled(format!("{} ", pane.title()), app.theme.title()),
        Span::styled(format!("[{}/{}]", l.items.0, l.items.1), app.theme.dim()),
    ];
    if !extra.is_empty() {
        title.push(Span::styled(format!(" {extra}"), app.theme.dim()));
    }
    if app.stale[pane.index()] {
        // Rows from an earlier snapshot (rebuilding them is throttled
        // while a big incident streams in): never shown as current.
        title.push(Span::styled(" (catching up)", app.theme.get("warning")));
    }
    if let Some(t) = super::sorting::title(app, pane) {
        title.push(Span::styled(format!(" {t}"), app.theme.header()));
    }
    if l.filter.is_active() {
        title.push(Span::styled(
            format!(
                " </{}>{}",
                l.filter.query,
                if l.filter.mode() == Some(super::filter::MatchMode::Fuzzy) {
                    " (fuzzy: letters in order)"
                } else {
                    ""
                }
            ),
            app.theme.matched(),
        ));
    }
    title.push(Span::raw(" "));
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(app.theme.border(focused))
        .title(Line::from(title))
}

/// Draw a pane's rows as a table, scrolled so the selection is visible.
pub fn draw_table(
    f: &mut Frame,
    area: Rect,
    app: &App,
    pane: Pane,
    cols: &[Col],
    block: Block<'_>,
) {
    let l = app.list(pane);
    let shown: Vec<usize> = (0..cols.len())
        .filter(|&c| f.area().width >= cols[c].min_screen)
        .collect();
    let inner_h = area.height.saturating_sub(3) as usize; // borders + header
    let page = inner_h.max(1);
    l.page.set(page);
    let mut offset = l.offset.get();
    if l.selected < offset {
        offset = l.selected;
    } else if l.selected >= offset + page {
        offset = l.selected + 1 - page;
    }
    offset = offset.min(l.visible.len().saturating_sub(page));
    l.offset.set(offset);

    let hit = app.theme.matched();
    let body: Vec<TRow> = l
        .visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(page)
        .map(|(pos, &i)| {
            let row = &l.rows[i];
            let idx = l.filter.cell_indices(row);
            let cells: Vec<Cell> = shown
                .iter()
                .map(|&c| {
                    let text = row.cells.get(c).map(String::as_str).unwrap_or("");
                    let ind = idx.get(c).map(Vec::as_slice).unwrap_or(&[]);
                    Cell::from(Line::from(highlight(text, ind, row.style, hit)))
                })
                .collect();
            let mut r = TRow::new(cells);
            if pos == l.selected && app.focus == pane {
                r = r.style(app.theme.selected());
            }
            r
        })
        .collect();
    let header =
        TRow::new(shown.iter().map(|&c| Cell::from(cols[c].header))).style(app.theme.header());
    let widths: Vec<Constraint> = shown.iter().map(|&c| cols[c].width).collect();
    let table = Table::new(body, widths)
        .header(header)
        .block(block)
        .column_spacing(1);
    f.render_widget(table, area);
    if l.visible.is_empty() {
        let msg = if l.filter.is_active() {
            "no rows match the filter (Esc clears it)"
        } else {
            empty_text(pane, app)
        };
        let r = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 1,
        };
        if r.height > 0 && area.height > 3 {
            f.render_widget(Line::styled(msg, app.theme.dim()), r);
        }
    }
}

fn empty_text(pane: Pane, app: &App) -> &'static str {
    (def(pane).empty)(app)
}

/// `07-01 14:00:03`: short enough for an 80-column table.
pub fn short_time(t: Option<i64>) -> String {
    match t {
        Some(t) => crate::time::format_short(t)
            .get(5..)
            .unwrap_or("-")
            .to_string(),
        None => "-".into(),
    }
}
