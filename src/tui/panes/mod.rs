//! The four panes. Each turns the shown snapshot into [`Row`]s (`rows`)
//! and draws them with the shared table below (`draw_table`), which only
//! computes highlight indices for the rows that are on screen.

pub mod allowlist;
pub mod checklist;
pub mod identities;
pub mod incidents;

use super::app::{App, Pane};
use super::filter::Row;
use super::text::highlight;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Cell, Row as TRow, Table};

/// A pane's rows, and what its title says about them beyond the counts
/// (built together, once per snapshot, never per frame).
pub fn rows(app: &App, p: Pane) -> (Vec<Row>, String) {
    match p {
        Pane::Incidents => (incidents::rows(app), String::new()),
        Pane::Identities => (identities::rows(app), String::new()),
        Pane::Allowlist => (allowlist::rows(app), String::new()),
        Pane::Checklist => checklist::rows(app),
    }
}

/// Which cells of a pane's rows are drawn at screen width `w` (0: unknown,
/// all), as `draw_table` decides.
pub fn shown_cells(p: Pane, w: u16) -> Vec<bool> {
    let cols = match p {
        Pane::Incidents => incidents::COLS,
        Pane::Identities => identities::COLS,
        Pane::Allowlist => allowlist::COLS,
        Pane::Checklist => checklist::COLS,
    };
    if w == 0 {
        return Vec::new();
    }
    cols.iter().map(|c| w >= c.min_screen).collect()
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    match app.focus {
        Pane::Incidents => incidents::draw(f, area, app),
        Pane::Identities => identities::draw(f, area, app),
        Pane::Allowlist => allowlist::draw(f, area, app),
        Pane::Checklist => checklist::draw(f, area, app),
    }
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
    let loading = app.live.status.loading;
    match pane {
        Pane::Incidents if loading => "loading… incidents appear here as they are found",
        Pane::Incidents => "no incidents: nothing in this log matched a rule outside the allowlist",
        Pane::Identities => "no security-relevant activity yet",
        Pane::Allowlist => "the allowlist is empty",
        Pane::Checklist => "select an incident (pane 1) to see its evidence checklist",
    }
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
