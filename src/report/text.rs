//! The text report: incidents first, most severe first, each with its
//! alerts, their evidence and the secrets to rotate. Fits 80 columns;
//! colour only when asked (a terminal, and no `NO_COLOR`).

use super::inert::{inert, inert_name};
use crate::detect::{Alert, Incident, RuleId, Severity, info};
use crate::time::format_short;
use crate::view::{self, AlertItem, IncidentView, View};
use crate::words::count_of;
use std::io::{self, Write};

/// Evidence lines shown per alert before "… N more".
const EVIDENCE_SHOWN: usize = 6;

pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn sev(&self, s: Severity) -> String {
        let label = format!("{:<8}", s.as_str().to_uppercase());
        let code = match s {
            Severity::Critical => "1;97;41",
            Severity::High => "1;31",
            Severity::Medium => "33",
            Severity::Low => "36",
        };
        self.paint(code, &label)
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
}

fn span(first: Option<i64>, last: Option<i64>) -> String {
    match (first, last) {
        (Some(f), Some(l)) if f == l => format_short(f),
        (Some(f), Some(l)) => {
            let (fs, ls) = (format_short(f), format_short(l));
            // Same day: show the day once.
            if fs[..10] == ls[..10] {
                format!("{fs} → {}", &ls[11..])
            } else {
                format!("{fs} → {ls}")
            }
        }
        _ => "(no timestamps)".into(),
    }
}

/// Wrap `text` so its first line takes `width` columns and continuation
/// lines, indented by `indent`, end at column 80; words longer than a line
/// (service-account names) are broken. Columns are display columns
/// (`unicode-width`): a CJK character takes two, so a CJK identity stays
/// within 80 columns.
pub(crate) fn wrap(text: &str, width: usize, indent: &str) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    fn cols(s: &str) -> usize {
        UnicodeWidthStr::width(s)
    }
    fn break_line(out: &mut String, line: &mut String, indent: &str) {
        out.push_str(line);
        line.clear();
        out.push('\n');
        out.push_str(indent);
    }
    let mut width = width.max(8);
    let rest = 80usize.saturating_sub(cols(indent)).max(8);
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && cols(&line) + 1 + cols(word) > width {
            break_line(&mut out, &mut line, indent);
            width = rest;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if cols(&line) + w > width && !line.is_empty() {
                break_line(&mut out, &mut line, indent);
                width = rest;
            }
            line.push(c);
        }
    }
    out.push_str(&line);
    out
}

fn list(items: &[String], max: usize) -> String {
    let mut s: Vec<String> = items
        .iter()
        .take(max)
        .map(|i| inert_name(i).into_owned())
        .collect();
    if items.len() > max {
        s.push(format!("… {} more", items.len() - max));
    }
    s.join(", ")
}

/// What the alert counted but did not store, stated so that no list reads
/// as complete when it is not (`None`: everything is stored).
pub fn omitted_evidence(a: &AlertItem) -> Option<String> {
    let events = a.event_count.saturating_sub(a.stored);
    if events == 0 && a.audit_ids_omitted == 0 {
        return None;
    }
    Some(format!(
        "evidence kept for the first {} of {}; {events} more counted but not stored \
         ({} not listed); every secret is kept for the rotation list",
        a.stored,
        count_of(a.event_count, "request", "requests"),
        count_of(a.audit_ids_omitted, "audit ID", "audit IDs")
    ))
}

/// One alert of the engine on its own (a stream writes each as it fires).
pub fn write_alert(out: &mut dyn Write, a: &Alert, st: &Style) -> io::Result<()> {
    let item = view::alert_item(&view::AlertFacts::from(a), a.seq as usize);
    render_alert(out, &item, st)
}

/// One alert of the view. Needs its record (the view of `scan`).
pub fn render_alert(out: &mut dyn Write, a: &AlertItem, st: &Style) -> io::Result<()> {
    let Some(rec) = &a.record else {
        return Err(io::Error::other(format!(
            "alert {} has no record in this view: the text report needs the engine's",
            a.id
        )));
    };
    let r = info(a.rule);
    writeln!(
        out,
        "  ▸ {} {}  {}",
        st.sev(a.severity),
        st.bold(a.rule.as_str()),
        st.dim(&span(a.first_seen, a.last_seen))
    )?;
    writeln!(out, "    {}", wrap(r.title, 74, "    "))?;
    if let Some(key) = view::group_label(&rec.group) {
        if !rec.notes.iter().any(|n| n.contains(&key)) {
            writeln!(
                out,
                "    {}",
                wrap(&format!("key: {}", inert_name(&key)), 74, "    ")
            )?;
        }
    }
    if let Some(u) = &a.authenticated_user {
        writeln!(
            out,
            "    {}",
            wrap(
                &format!("via (authenticated as): {}", inert_name(u)),
                74,
                "      "
            )
        )?;
    }
    for n in &rec.notes {
        writeln!(
            out,
            "    {}",
            wrap(&format!("• {}", super::inert::inert_note(n)), 74, "      ")
        )?;
    }
    if let Some(n) = &rec.novelty {
        writeln!(out, "    • {n}")?;
    }
    if rule_counts_absent(a.rule) {
        if let Some(l) = view::fates_line(&rec.secrets) {
            writeln!(out, "    {}", wrap(&l, 74, "      "))?;
        }
    }
    for e in a.events.iter().take(EVIDENCE_SHOWN) {
        let time = e
            .time
            .map(format_short)
            .unwrap_or_else(|| "(no time)".into());
        let ip = e.trusted_ip.clone().unwrap_or_else(|| "-".into());
        let line = format!(
            "{} {} [{}] {} from {}",
            &time[time.len().saturating_sub(8)..],
            inert_name(&e.action),
            e.outcome.as_str(),
            inert_name(&e.identity),
            ip
        );
        writeln!(out, "    {}", wrap(&line, 74, "        "))?;
        if let Some(d) = &e.detail {
            writeln!(
                out,
                "        {}",
                wrap(&super::inert::inert_note(d), 70, "        ")
            )?;
        }
    }
    let shown = a.events.len().min(EVIDENCE_SHOWN) as u64;
    if a.event_count > shown {
        writeln!(
            out,
            "    {}",
            st.dim(&format!(
                "… {}",
                count_of(a.event_count - shown, "more request", "more requests")
            ))
        )?;
    }
    if let Some(cap) = omitted_evidence(a) {
        writeln!(out, "    {}", wrap(&cap, 74, "      "))?;
    }
    if !rec.user_agents.is_empty() {
        writeln!(
            out,
            "    {}",
            wrap(
                &format!("user agents: {}", list(&rec.user_agents, 3)),
                74,
                "      "
            )
        )?;
    }
    Ok(())
}

/// Rules whose count includes requests that were not served (rapid GETs
/// count refused and absent names too): their alert says what became of
/// each secret, so "N distinct secrets" never reads as N secrets served.
fn rule_counts_absent(rule: RuleId) -> bool {
    matches!(rule, RuleId::SecretRapidGet)
}

/// One incident of the engine (see [`render_incident`]).
pub fn write_incident(
    out: &mut dyn Write,
    i: &Incident,
    alerts: &[Alert],
    st: &Style,
) -> io::Result<()> {
    let v = view::records(alerts, std::slice::from_ref(i));
    render_incident(out, &v.incidents[0], st)
}

pub fn render_incident(out: &mut dyn Write, i: &IncidentView, st: &Style) -> io::Result<()> {
    let others = if i.identities.len() > 1 {
        format!(
            " (+ {})",
            i.identities[1..]
                .iter()
                .map(|x| inert_name(x).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        String::new()
    };
    // Severity (8) + space + id (16) + 2 spaces = 27 columns before the name.
    let who = format!("{}{}", inert_name(&i.primary), inert(&others));
    if unicode_width::UnicodeWidthStr::width(who.as_str()) <= 53 {
        writeln!(
            out,
            "{} {}  {}",
            st.sev(i.severity),
            st.dim(&i.id),
            st.bold(&who)
        )?;
    } else {
        writeln!(out, "{} {}", st.sev(i.severity), st.dim(&i.id))?;
        writeln!(out, "  {}", st.bold(&wrap(&who, 78, "  ")))?;
    }
    writeln!(out, "  {}", span(i.first_seen, i.last_seen))?;
    if !i.source_ips.is_empty() {
        writeln!(
            out,
            "  {}",
            wrap(&format!("sources: {}", list(&i.source_ips, 6)), 76, "    ")
        )?;
    }
    let rules: Vec<&str> = i.rules.iter().map(|r| r.as_str()).collect();
    writeln!(
        out,
        "  {}",
        wrap(&format!("rules: {}", rules.join(", ")), 76, "    ")
    )?;
    for a in &i.alerts {
        render_alert(out, a, st)?;
    }
    if i.rotate.is_empty() {
        writeln!(out, "  Rotate: nothing (no secret content was served)")?;
    } else {
        writeln!(out, "  {} ({}):", st.bold("Rotate now"), i.rotate.len())?;
        for s in i.rotate.iter().take(30) {
            writeln!(out, "    [ ] {}", inert_name(&view::rotate_label(s)))?;
        }
        if i.rotate.len() > 30 {
            writeln!(
                out,
                "    … {} more (see --format jsonl)",
                i.rotate.len() - 30
            )?;
        }
    }
    if !i.denied.is_empty() {
        writeln!(
            out,
            "  {}",
            wrap(
                &format!(
                    "Denied (not rotated): {}",
                    list(&view::rotate_labels(&i.denied), 10)
                ),
                76,
                "    "
            )
        )?;
    }
    writeln!(out)
}

/// The text report of the view.
pub fn render(out: &mut dyn Write, v: &View, st: &Style) -> io::Result<()> {
    if v.incidents.is_empty() {
        writeln!(out, "No alerts.")?;
        return Ok(());
    }
    let n_alerts: usize = v.incidents.iter().map(|i| i.alerts.len()).sum();
    writeln!(
        out,
        "{}, {}\n",
        count_of(v.incidents.len(), "incident", "incidents"),
        count_of(n_alerts, "alert", "alerts")
    )?;
    for i in &v.incidents {
        render_incident(out, i, st)?;
    }
    Ok(())
}

/// [`render`] of the engine's alerts and incidents, written incident by
/// incident ([`view::each_record`]): the view of every incident is never
/// held at once (an identity flood's 100,000 incidents built together were
/// ~340 MiB above the rest of `scan`'s peak; `scripts/identity-flood.py`).
pub fn write(
    out: &mut dyn Write,
    alerts: &[Alert],
    incidents: &[Incident],
    st: &Style,
) -> io::Result<()> {
    if incidents.is_empty() {
        writeln!(out, "No alerts.")?;
        return Ok(());
    }
    let n_alerts: usize = incidents
        .iter()
        .map(|i| i.alerts.iter().filter(|&&a| a < alerts.len()).count())
        .sum();
    writeln!(
        out,
        "{}, {}\n",
        count_of(incidents.len(), "incident", "incidents"),
        count_of(n_alerts, "alert", "alerts")
    )?;
    view::each_record(alerts, incidents, false, |r| match r {
        view::Record::Alert(_) => Ok(()),
        view::Record::Incident(i) => render_incident(out, i, st),
    })
}

#[cfg(test)]
mod width_tests {
    use super::wrap;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn wraps_by_display_columns_not_chars() {
        // 60 CJK characters are 120 columns: wrapped by chars they would
        // make one line of 120 columns.
        let who = "管理者".repeat(20);
        let text = format!("system:serviceaccount:prod:{who} and others");
        let out = wrap(&text, 78, "  ");
        for (i, line) in out.lines().enumerate() {
            let max = if i == 0 { 78 } else { 80 };
            assert!(
                line.width() <= max,
                "line {i} is {} columns: {line}",
                line.width()
            );
        }
        let squeeze = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(squeeze(&out), squeeze(&text), "nothing lost");
        // ASCII is unchanged: words stay whole when they fit.
        assert_eq!(wrap("alpha beta gamma", 10, "  "), "alpha beta\n  gamma");
    }
}
