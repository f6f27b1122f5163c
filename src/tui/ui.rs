//! The whole screen: title bar with the pane tabs (DEMO is said here), the
//! focused pane, a two-line status bar (state, then key hints or the
//! prompt being typed), and the popups on top.

use super::app::{App, Mode, Pane};
use super::form::Form;
use super::panes;
use super::text::clean;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

pub fn draw(f: &mut Frame, app: &App) {
    let [title, main, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(f.area());
    draw_title(f, title, app);
    panes::draw(f, main, app);
    draw_status(f, status, app);
    draw_hints(f, hints, app);
    match &app.mode {
        Mode::Help { scroll } => draw_help(f, app, *scroll),
        Mode::Detail {
            title,
            lines,
            scroll,
        } => draw_detail(f, app, title, lines, *scroll),
        Mode::Form(form) => draw_form(f, app, form),
        Mode::ConfirmDelete(i) => draw_confirm(f, app, *i),
        Mode::Suppressed { entry, token } => draw_suppressed(f, app, *entry, *token),
        Mode::ConfirmQuit(why) => {
            let rows = super::text::width(why).div_ceil(60) as u16;
            let area = popup(f.area(), 64, rows + 5);
            let lines = vec![
                Line::raw(clean(why)),
                Line::raw("Quit anyway and lose it?"),
                Line::styled("y quits · any other key stays", app.theme.dim()),
            ];
            let body = Paragraph::new(lines).wrap(Wrap { trim: true });
            draw_popup(f, app, area, "Quit", body);
        }
        _ => {}
    }
}

/// Hit-test for mouse clicks on the tabs: which pane's label is at column x.
pub fn tab_at(app: &App, x: u16) -> Option<Pane> {
    let mut col = super::text::width(&title_prefix(app)) as u16;
    for p in Pane::ALL {
        let w = super::text::width(&tab_label(p)) as u16;
        if x >= col && x < col + w {
            return Some(p);
        }
        col += w;
    }
    None
}

fn title_prefix(app: &App) -> String {
    if app.live.status.demo {
        " ktriage  DEMO data set ".into()
    } else {
        " ktriage  ".into()
    }
}

fn tab_label(p: Pane) -> String {
    format!(" {} {} ", p.index() + 1, p.title())
}

fn draw_title(f: &mut Frame, area: Rect, app: &App) {
    let mut spans = vec![Span::styled(" ktriage ", app.theme.title())];
    if app.live.status.demo {
        spans.push(Span::raw(" "));
        spans.push(Span::styled("DEMO data set", app.theme.get("demo")));
        spans.push(Span::raw(" "));
    } else {
        spans.push(Span::raw(" "));
    }
    for p in Pane::ALL {
        let st = if p == app.focus {
            app.theme.active_tab()
        } else {
            app.theme.dim()
        };
        spans.push(Span::styled(tab_label(p), st));
    }
    // The source goes in what is left, cut from the left so the file name
    // (the informative end of a path) stays; dropped if only a stub fits.
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let room = (area.width as usize).saturating_sub(used + 2);
    let src = clean(&app.live.status.sources);
    if super::text::width(&src) <= room {
        spans.push(Span::styled(format!("  {src}"), app.theme.dim()));
    } else if room >= 12 {
        let tail = super::text::tail(&src, room - 1);
        spans.push(Span::styled(format!("  …{tail}"), app.theme.dim()));
    }
    f.render_widget(Line::from(spans), area);
}

fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < 3 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn count(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

fn draw_status(f: &mut Frame, area: Rect, app: &App) {
    let st = &app.live.status;
    let th = &app.theme;
    let mut s: Vec<Span> = Vec::new();
    if let Some(fr) = &app.frozen {
        let more = st.events.saturating_sub(fr.status.events);
        s.push(Span::styled(
            format!(" FROZEN +{} ev (= thaws) ", count(more)),
            th.get("warning"),
        ));
    } else if app.follow {
        // FOLLOW while something can still arrive; a finished --no-follow
        // load says so instead of promising updates.
        let live = !st.done;
        let label = if live { " FOLLOW " } else { " loaded " };
        s.push(Span::styled(label, th.get("follow_on")));
    } else {
        let (ev, al) = app.left_follow_at;
        s.push(Span::styled(
            format!(
                " paused +{} ev +{} · F resumes ",
                count(st.events.saturating_sub(ev)),
                super::text::count_of(
                    app.live.alerts.len().saturating_sub(al) as u64,
                    "alert",
                    "alerts"
                )
            ),
            th.get("follow_off"),
        ));
    }
    if st.loading {
        let pct = st
            .bytes_total
            .filter(|t| *t > 0)
            .map(|t| format!(" {}%", st.bytes_read * 100 / t))
            .unwrap_or_default();
        let total = st
            .bytes_total
            .map(|t| format!("/{}", human_bytes(t)))
            .unwrap_or_default();
        s.push(Span::styled(
            format!(" loading{pct} {}{total} ", human_bytes(st.bytes_read)),
            th.get("follow_off"),
        ));
    } else if st.following && st.events == 0 {
        s.push(Span::styled(" waiting for events ", th.get("follow_off")));
    } else if st.following {
        s.push(Span::styled(" loaded · tailing ", th.get("follow_on")));
    }
    if let Some(n) = &st.follow_note {
        s.push(Span::styled(format!(" {} ", clean(n)), th.dim()));
    }
    if st.reevaluating || app.live.generation < app.generation {
        s.push(Span::styled(" re-evaluating… ", th.get("follow_off")));
    }
    if st.malformed > 0 {
        s.push(Span::styled(
            format!(" {} malformed (M) ", count(st.malformed)),
            th.get("medium"),
        ));
    }
    if st.large > 0 {
        s.push(Span::styled(
            format!(" {} large (M) ", count(st.large)),
            th.get("medium"),
        ));
    }
    if st.malformed == 0 && st.large == 0 && st.problems.iter().any(|p| p.starts_with("warning:")) {
        s.push(Span::styled(" input warnings (M) ", th.get("medium")));
    }
    if let Some(e) = &st.error {
        s.push(Span::styled(format!(" {} ", clean(e)), th.get("warning")));
    }
    s.push(Span::raw(format!(
        " {}/s  {} ev  {} rel  {} inc  {}",
        count(st.events_per_sec as u64),
        count(st.events),
        count(st.relevant),
        app.live.incidents.len(),
        super::text::count_of(app.live.alerts.len() as u64, "alert", "alerts")
    )));
    if st.retained_dropped > 0 {
        s.push(Span::styled(
            format!("  re-eval covers newest {} only", count(st.retained as u64)),
            th.dim(),
        ));
    }
    if !app.mouse_captured {
        s.push(Span::styled("  mouse released (F2)", th.dim()));
    }
    f.render_widget(
        Paragraph::new(Line::from(s)).style(th.get("status_bar")),
        area,
    );
}

fn draw_hints(f: &mut Frame, area: Rect, app: &App) {
    let th = &app.theme;
    let line = match &app.mode {
        Mode::Filter(ed) => {
            let mut v = vec![Span::styled("/", th.get("status_key"))];
            v.extend(ed.spans(th.text(), th.selected()));
            v.push(Span::styled(
                "   Enter keep · Esc/Ctrl-c clear · !text inverts",
                th.dim(),
            ));
            Line::from(v)
        }
        Mode::Command(ed) => {
            let mut v = vec![Span::styled(":", th.get("status_key"))];
            v.extend(ed.spans(th.text(), th.selected()));
            // Names that complete what is typed, else every command.
            let word = ed.text.split(' ').next().unwrap_or("");
            let hint = if !word.is_empty() && !ed.text.contains(' ') {
                let m = super::keymap::complete(word);
                if m.is_empty() {
                    "no such command · Tab completes".to_string()
                } else {
                    format!("Tab: {}", m.join(" · "))
                }
            } else if let Some(d) = super::keymap::command(word) {
                let arg = ed.text.split_once(' ').map_or("", |(_, a)| a.trim_start());
                let fits: Vec<String> = super::actions::argument_candidates(app, word)
                    .into_iter()
                    .filter(|c| c.starts_with(arg))
                    .collect();
                if fits.is_empty() {
                    format!("{} {} — {}", d.names[0], d.arg, d.desc)
                } else {
                    format!("Tab: {} — {}", fits.join(" · "), d.desc)
                }
            } else {
                format!("{} · ↑/↓ history", super::keymap::command_summary())
            };
            v.push(Span::styled(format!("   {hint}"), th.dim()));
            Line::from(v)
        }
        _ => {
            if let Some(fl) = &app.flash {
                let st = if fl.error {
                    th.get("warning")
                } else {
                    th.get("follow_on")
                };
                Line::from(Span::styled(format!(" {} ", clean(&fl.text)), st))
            } else if let Some(w) = app.warnings.first() {
                Line::from(Span::styled(format!(" {} ", clean(w)), th.get("warning")))
            } else {
                let mut spans = Vec::new();
                for (k, d) in app.keymap.hints(app.focus.context()) {
                    spans.push(Span::styled(format!(" {k}"), th.get("status_key")));
                    spans.push(Span::styled(format!(" {d} "), th.dim()));
                }
                Line::from(spans)
            }
        }
    };
    f.render_widget(line, area);
}

fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A popup: clear what lies under `area`, then draw `body` in the frame.
fn draw_popup(f: &mut Frame, app: &App, area: Rect, title: &str, body: Paragraph<'_>) {
    f.render_widget(Clear, area);
    f.render_widget(body.block(framed(app, title)), area);
}

fn framed<'a>(app: &App, title: &'a str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(app.theme.border(true))
        .title(Span::styled(format!(" {title} "), app.theme.title()))
}

fn draw_help(f: &mut Frame, app: &App, scroll: u16) {
    let area = popup(f.area(), 84, f.area().height.saturating_sub(4));
    let mut lines = vec![
        Line::styled(
            "Keys (one table: this help, the footer and keys.toml overrides)",
            app.theme.header(),
        ),
        Line::raw(""),
    ];
    let mut ctx = None;
    for (c, keys, desc) in app.keymap.help_rows() {
        if ctx != Some(c) {
            ctx = Some(c);
            lines.push(Line::styled(c.title(), app.theme.header()));
        }
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<18}"), app.theme.get("status_key")),
            Span::raw(desc),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Commands (: then Tab completes, ↑/↓ recall earlier ones)",
        app.theme.header(),
    ));
    for d in super::keymap::COMMANDS {
        let mut name = format!(":{}", d.names.join(", :"));
        if !d.arg.is_empty() {
            name.push(' ');
            name.push_str(d.arg);
        }
        lines.push(Line::from(vec![
            Span::styled(format!("  {name:<26}"), app.theme.get("status_key")),
            Span::raw(d.desc),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Filter: / matches the text shown in the focused pane (substring; ~ fuzzy; !text inverts); Enter keeps it, Esc clears it.",
        app.theme.dim(),
    ));
    lines.push(Line::styled(
        "Prompts (/ and :): Ctrl-c cancels, Ctrl-u clears, Ctrl-w deletes a word, Ctrl-a/Ctrl-e start/end; Ctrl-c also cancels a form.",
        app.theme.dim(),
    ));
    lines.push(Line::styled(
        "Follow: new activity is shown as it arrives; the cursor never moves by itself; moving leaves follow, F resumes.",
        app.theme.dim(),
    ));
    lines.push(Line::styled(
        "Freeze (=): the view holds still while detection keeps running.",
        app.theme.dim(),
    ));
    lines.push(Line::styled(
        "Rebind keys in $XDG_CONFIG_HOME/ktriage/keys.toml: [keys] \"ctrl-q\" = \"quit\".",
        app.theme.dim(),
    ));
    let (scroll, pos) = scroll_position(app, area, lines.len(), scroll);
    let body = Paragraph::new(lines).scroll((scroll, 0));
    draw_popup(f, app, area, &format!("Help — q/Esc closes — {pos}"), body);
}

fn draw_detail(f: &mut Frame, app: &App, title: &str, lines: &[String], scroll: u16) {
    let area = popup(
        f.area(),
        f.area().width.saturating_sub(4),
        f.area().height.saturating_sub(4),
    );
    let w = area.width.saturating_sub(2).max(1) as usize;
    // Rows after wrapping (by display width).
    let rows: usize = lines
        .iter()
        .map(|l| {
            ratatui::text::Line::raw(l.as_str())
                .width()
                .div_ceil(w)
                .max(1)
        })
        .sum();
    let (scroll, pos) = scroll_position(app, area, rows, scroll);
    let body: Vec<Line> = lines
        .iter()
        .map(|l| Line::styled(l.as_str(), app.theme.text()))
        .collect();
    let body = Paragraph::new(body)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0));
    draw_popup(f, app, area, &format!("{title} — {pos}"), body);
}

/// Clamp a popup's scroll to its content (remembered for the keys) and
/// say where it is: `lines 21–40 of 57`.
fn scroll_position(app: &App, area: Rect, rows: usize, scroll: u16) -> (u16, String) {
    let inner = area.height.saturating_sub(2).max(1) as usize;
    let max = rows.saturating_sub(inner).min(u16::MAX as usize) as u16;
    app.popup_max.set(max);
    let scroll = scroll.min(max);
    let first = scroll as usize + 1;
    let last = (scroll as usize + inner).min(rows);
    (scroll, format!("lines {first}–{last} of {rows}"))
}

fn draw_form(f: &mut Frame, app: &App, form: &Form) {
    let mut lines = Vec::new();
    for (i, fl) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let label = Span::styled(
            format!("{:>8}: ", fl.label),
            if focused {
                app.theme.header()
            } else {
                app.theme.dim()
            },
        );
        let mut v = vec![label, Span::styled(clean(&fl.value), app.theme.text())];
        if focused {
            v.push(Span::styled("█", app.theme.dim()));
        }
        lines.push(Line::from(v));
        if focused {
            lines.push(Line::styled(
                format!("          {}", fl.hint),
                app.theme.dim(),
            ));
        }
    }
    if form.is_entry() {
        lines.extend(entry_impact_lines(app, form));
    }
    match &form.error {
        Some(e) => lines.push(Line::styled(
            format!(" ✗ {}", clean(e)),
            app.theme.get("warning"),
        )),
        None => lines.push(Line::styled(
            " Tab next field · Enter save · Esc cancel",
            app.theme.dim(),
        )),
    }
    // Wrapped lines take more rows than lines: leave room for them.
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(72).max(1)).sum();
    let area = popup(f.area(), 76, rows as u16 + 2);
    let body = Paragraph::new(lines).wrap(Wrap { trim: false });
    draw_popup(f, app, area, form.title(), body);
}

/// Under an entry form: how broad the entry is, and what it would hide in
/// the events held (computed by the worker, nothing saved yet).
fn entry_impact_lines(app: &App, form: &Form) -> Vec<Line<'static>> {
    let warn = app.theme.get("warning");
    let mut out = Vec::new();
    let Some(entry) = form.candidate() else {
        out.push(Line::styled(
            " impact: complete kind and value to see what this entry hides",
            app.theme.dim(),
        ));
        return out;
    };
    for w in crate::allowlist::breadth_warnings(&entry) {
        out.push(Line::styled(
            format!(" ⚠ broad: {}", clean(&w.to_string())),
            warn,
        ));
    }
    match super::edits::form_impact(app, form) {
        None => out.push(Line::styled(
            " impact: computing what this entry hides…",
            app.theme.dim(),
        )),
        Some(i) => {
            let hides =
                !i.hidden.is_empty() || !i.reduced.is_empty() || !i.rotate_removed.is_empty();
            out.push(Line::styled(
                format!(" impact: {}", clean(&i.summary())),
                if hides { warn } else { app.theme.text() },
            ));
            for d in i.details(3) {
                out.push(Line::styled(format!("   {}", clean(&d)), app.theme.dim()));
            }
        }
    }
    out
}

/// `S` on an allowlist entry: the alerts it suppresses.
fn draw_suppressed(f: &mut Frame, app: &App, entry: usize, token: u64) {
    let what = match &app.allowlist {
        Ok(file) => file
            .allowlist
            .entries
            .get(entry)
            .map(|e| format!("{} {}", e.kind, clean(&e.value)))
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let mut lines = vec![Line::raw(format!("Entry {}: {what}", entry + 1))];
    match app
        .live
        .status
        .preview
        .as_ref()
        .filter(|p| p.token == token)
    {
        None => lines.push(Line::styled(
            "judging the events held without this entry…",
            app.theme.dim(),
        )),
        Some(i) if i.revealed.is_empty() && i.grown.is_empty() && i.rotate_added.is_empty() => {
            lines.push(Line::raw(
                "suppresses no alert in the events held (it may still silence single rule checks)",
            ))
        }
        Some(i) => {
            let mut head = format!(
                "suppresses {} and events of {} more",
                super::text::count_of(i.revealed.len() as u64, "alert", "alerts"),
                i.grown.len()
            );
            if !i.rotate_added.is_empty() {
                let names: Vec<String> = i
                    .rotate_added
                    .iter()
                    .map(|r| clean(&r.to_string()))
                    .collect();
                head.push_str(&format!(
                    "; without it {} would be on a rotation list",
                    names.join(", ")
                ));
            }
            if i.partial {
                head.push_str(" (older events dropped by the retention budget: not covered)");
            }
            lines.push(Line::styled(head, app.theme.get("warning")));
            for d in i.details(12) {
                lines.push(Line::raw(format!("  {}", clean(&d))));
            }
        }
    }
    lines.push(Line::styled("any key closes", app.theme.dim()));
    let area = popup(f.area(), 90, lines.len() as u16 + 4);
    let body = Paragraph::new(lines).wrap(Wrap { trim: false });
    draw_popup(f, app, area, "What this entry suppresses", body);
}

fn draw_confirm(f: &mut Frame, app: &App, i: usize) {
    let what = match &app.allowlist {
        Ok(file) => file
            .allowlist
            .entries
            .get(i)
            .map(|e| format!("{} {}", e.kind, clean(&e.value)))
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let area = popup(f.area(), 60, 5);
    let lines = vec![
        Line::raw(format!("Delete entry {}: {what}?", i + 1)),
        Line::styled(
            "y deletes (u undoes) · any other key keeps it",
            app.theme.dim(),
        ),
    ];
    let body = Paragraph::new(lines).wrap(Wrap { trim: true });
    draw_popup(f, app, area, "Delete", body);
}
