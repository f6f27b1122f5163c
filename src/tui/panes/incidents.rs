//! Pane 1: one row per incident (identity, severity, rules, secrets, first
//! and last seen, source IPs), most severe then most recent first. Enter
//! expands an incident into its alerts, an alert into its newest events,
//! and opens an event's raw JSON.

use super::{Col, PaneDef, Prefill, block, col, draw_table, short_time};
use crate::allowlist::EntryKind;
use crate::detect::Severity;
use crate::tui::app::{App, Pane};
use crate::tui::filter::{Row, RowId, RowKind};
use crate::tui::keymap::{Action, Context};
use crate::tui::text::clean;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Events listed under an expanded alert (newest first).
const EVENTS_LISTED: usize = 50;

pub(super) const COLS: &[Col] = &[
    col("SEV", Constraint::Length(12), 0),
    col("IDENTITY", Constraint::Fill(3), 0),
    col("RULES", Constraint::Fill(3), 0),
    col("SECRETS", Constraint::Length(7), 70),
    col("FIRST", Constraint::Length(14), 110),
    col("LAST", Constraint::Length(14), 0),
    col("SOURCE IPS", Constraint::Fill(2), 90),
];

pub const PANE: PaneDef = PaneDef {
    title: "Incidents",
    context: Context::Incidents,
    cols: |_| COLS,
    rows: |app| (rows(app), String::new()),
    draw,
    act,
    prefill,
    empty,
    open,
};

/// Enter: an event's raw JSON; an incident or alert expands (an incident
/// also becomes the checklist's).
fn open(app: &mut App, row: &Row) -> super::Open {
    if let Some(e) = event_for_key(app, &row.key) {
        let title = format!(
            "{} — raw event (Esc closes, a allowlists its user agent)",
            clean(&e.action())
        );
        app.mode = crate::tui::app::Mode::Detail {
            title,
            lines: pretty_lines(&e.raw),
            scroll: 0,
        };
        return super::Open::Done;
    }
    if let RowId::Incident(id) = &row.key {
        app.checklist_incident = Some(id.clone());
        app.rebuild_pane(Pane::Checklist);
    }
    super::Open::Expand
}

fn empty(app: &App) -> &'static str {
    let st = &app.live.status;
    if st.loading {
        "loading… incidents appear here as they are found"
    } else if st.events == 0 && !st.done {
        // Nothing read yet is not "nothing found".
        "waiting for events: none read yet; incidents appear here as they are found"
    } else if st.events == 0 {
        "no events read: nothing was judged (M shows why)"
    } else {
        "no incidents: nothing in this log matched a rule outside the allowlist"
    }
}

/// Its keys: `e`/`E` step to the next/previous high or critical incident.
fn act(app: &mut App, a: Action) -> bool {
    let forward = match a {
        Action::NextHigh => true,
        Action::PrevHigh => false,
        _ => return false,
    };
    let l = app.list_mut(Pane::Incidents);
    let high = |l: &crate::tui::app::ListState, pos: usize| {
        let r = &l.rows[l.visible[pos]];
        r.kind == RowKind::Item && r.severity.is_some_and(|s| s >= Severity::High)
    };
    let n = l.visible.len();
    let found = if forward {
        (l.selected + 1..n).find(|&i| high(l, i))
    } else {
        (0..l.selected).rev().find(|&i| high(l, i))
    };
    if let Some(i) = found {
        l.selected = i;
        app.set_follow(false);
    }
    true
}

/// An alert (or one of its events): that identity, that rule.
fn prefill(app: &App, key: &RowId) -> Option<Prefill> {
    match key {
        RowId::Alert { alert, .. } | RowId::Event { alert, .. } => {
            let a = app.view().alerts.get(*alert)?;
            Some((
                EntryKind::User,
                a.identity.clone(),
                vec![a.rule.as_str().to_string()],
            ))
        }
        _ => None,
    }
}

pub fn rows(app: &App) -> Vec<Row> {
    let snap = app.view();
    let l = app.list(Pane::Incidents);
    let mut out = Vec::new();
    for inc in snap.incidents.iter() {
        if app.min_severity.is_some_and(|m| inc.severity < m) {
            continue;
        }
        if app.rule_filter.is_some_and(|r| !inc.rules.contains(&r)) {
            continue;
        }
        let key = RowId::Incident(inc.id.clone());
        let open = l.expanded.contains(&key);
        let mut ident = clean(&inc.primary);
        if inc.identities.len() > 1 {
            ident.push_str(&format!(" +{}", inc.identities.len() - 1));
        }
        let rules: Vec<&str> = inc.rules.iter().map(|r| r.as_str()).collect();
        out.push(
            Row::new(
                key.clone(),
                vec![
                    format!(
                        "{} {}",
                        if open { "▾" } else { "▸" },
                        inc.severity.as_str().to_uppercase()
                    ),
                    ident,
                    rules.join(","),
                    inc.secrets_to_rotate.len().to_string(),
                    short_time(inc.first_seen),
                    short_time(inc.last_seen),
                    clean(&inc.source_ips.join(",")),
                ],
                app.theme.severity(inc.severity),
                RowKind::Item,
            )
            .severity(inc.severity)
            .at(inc.last_seen),
        );
        if !open {
            continue;
        }
        for &ai in &inc.alerts {
            let Some(a) = snap.alerts.get(ai) else {
                continue;
            };
            let akey = RowId::Alert {
                incident: inc.id.clone(),
                alert: ai,
            };
            let aopen = l.expanded.contains(&akey);
            out.push(
                Row::new(
                    akey.clone(),
                    vec![
                        format!(
                            "  {} {}",
                            if aopen { "▾" } else { "▸" },
                            a.severity.as_str()
                        ),
                        format!("{} ({})", a.rule, clean(&a.identity)),
                        a.title.to_string(),
                        a.event_count.to_string(),
                        short_time(a.first_seen),
                        short_time(a.last_seen),
                        clean(&a.source_ips.join(",")),
                    ],
                    app.theme.severity(a.severity),
                    RowKind::Child,
                )
                .severity(a.severity),
            );
            if !aopen {
                continue;
            }
            for (ei, e) in a.events.iter().enumerate().rev().take(EVENTS_LISTED) {
                let key = RowId::Event {
                    incident: inc.id.clone(),
                    alert: ai,
                    event: ei,
                };
                out.push(event_row(app, e, key));
            }
        }
    }
    out
}

/// An alert's event: what was done (with the exec command), the outcome
/// and client under RULES, the time under LAST, the source under SOURCE IPS.
fn event_row(app: &App, e: &crate::detect::EvidenceEvent, key: RowId) -> Row {
    let mut what = clean(&e.action());
    if matches!(e.subresource.as_str(), "exec" | "attach") {
        if let Some(cmd) = crate::audit::uri::exec_command(&e.request_uri) {
            what.push_str(&format!(": {}", clean(&cmd)));
        }
    }
    if let Some(d) = e.detail.as_deref() {
        what.push_str(&format!(" — {}", clean(d)));
    }
    let code = e.code.map(|c| format!(" {c}")).unwrap_or_default();
    Row::new(
        key,
        vec![
            "      ·".into(),
            what,
            format!("{:?}{code} · {}", e.outcome, clean(&e.user_agent)),
            String::new(),
            String::new(),
            short_time(e.time),
            clean(e.trusted_ip.as_deref().unwrap_or("")),
        ],
        app.theme.text(),
        RowKind::Grandchild,
    )
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let mut extra = String::new();
    if let Some(s) = app.min_severity {
        extra.push_str(&format!("severity≥{s} "));
    }
    if let Some(r) = app.rule_filter {
        extra.push_str(&format!("rule={r}"));
    }
    let b = block(app, Pane::Incidents, extra.trim());
    if area.height < 22 {
        return draw_table(f, area, app, Pane::Incidents, COLS, b);
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
    draw_table(f, top, app, Pane::Incidents, COLS, b);
    draw_preview(f, bottom, app);
}

/// The selected incident at a glance: what fired, what to rotate.
fn draw_preview(f: &mut Frame, area: Rect, app: &App) {
    let th = &app.theme;
    let width = area.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(inc) = app.current_incident() {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} ", inc.severity.as_str().to_uppercase()),
                th.severity(inc.severity),
            ),
            // Clipped: a 5,000-character identity must not fill the box
            // (the full text is a row in pane 2, `y` copies it).
            Span::styled(
                crate::tui::text::fit(
                    &clean(&inc.identities.join(", ")),
                    width.saturating_sub(40).max(10),
                ),
                th.title(),
            ),
            Span::styled(
                format!(
                    "  {} → {}",
                    short_time(inc.first_seen),
                    short_time(inc.last_seen)
                ),
                th.dim(),
            ),
        ]));
        for &ai in &inc.alerts {
            if let Some(a) = app.view().alerts.get(ai) {
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("  {:<9}", a.severity.as_str()),
                        th.severity(a.severity),
                    ),
                    Span::raw(format!(
                        "{} — {}",
                        a.title,
                        crate::tui::text::count_of(a.event_count, "request", "requests")
                    )),
                ]));
            }
        }
        // At most two lines of names: a 1M-secret list is cut there, not
        // joined, made inert and wrapped whole every frame.
        let rotate = if inc.secrets_to_rotate.is_empty() {
            "nothing served".to_string()
        } else {
            clipped_list(&inc.secrets_to_rotate, width)
        };
        lines.push(Line::from(vec![
            Span::styled("Rotate: ", th.header()),
            Span::raw(rotate),
        ]));
        if !inc.denied_secrets.is_empty() {
            lines.push(Line::from(vec![
                Span::styled("Refused: ", th.header()),
                Span::raw(clipped_list(&inc.denied_secrets, width)),
            ]));
        }
        lines.push(Line::styled(
            "Enter expands · 4 opens the evidence checklist · a allowlists · x exports",
            th.dim(),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border(false))
        .title(Span::styled(" Selected incident ", th.title()));
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        area,
    );
}

/// Names for the preview: each clipped to the box, and no more than two
/// lines of them; the rest counted (the checklist lists them all). Labels
/// are made only for the names shown (a 1M-secret list costs two lines).
fn clipped_list(items: &[crate::detect::RotateItem], width: usize) -> String {
    let mut out = String::new();
    let budget = width.saturating_mul(2).saturating_sub(30);
    for (i, it) in items.iter().enumerate() {
        let n = crate::tui::text::fit(
            &clean(&crate::view::rotate_label(it)),
            width.saturating_sub(12).max(8),
        );
        if i > 0 && crate::tui::text::width(&out) + crate::tui::text::width(&n) + 2 > budget {
            out.push_str(&format!(", +{} more (4 lists all)", items.len() - i));
            return out;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&n);
    }
    out
}

/// The event of an event row, for the detail view.
pub fn event_for_key<'a>(app: &'a App, key: &RowId) -> Option<&'a crate::detect::EvidenceEvent> {
    let RowId::Event { alert, event, .. } = key else {
        return None;
    };
    app.view().alerts.get(*alert)?.events.get(*event)
}

/// Raw JSON, pretty-printed, each line made inert.
pub fn pretty_lines(raw: &str) -> Vec<String> {
    let pretty = serde_json::from_str::<serde_json::Value>(raw)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| raw.to_string());
    pretty.lines().map(clean).collect()
}
