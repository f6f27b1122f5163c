//! The Markdown incident report, to paste into a ticket: what happened,
//! the evidence with its auditIDs, what to rotate, and the response
//! checklist. One renderer of [`crate::view`] for `scan --format markdown`
//! and the TUI's `x`/`:export`, so both say the same thing; the TUI adds
//! only the analyst's ticks and notes.
//!
//! Valid CommonMark + GFM by construction (see [`super::md`]): a blank line
//! around every table and list, log data only in code spans, our words
//! escaped, times in UTC.

use super::md::{cell_code, code, text};
use crate::detect::{Engine, Incident, RotateItem, RotateKind, info};
use crate::time::format_micros;
use crate::view::{self, AlertItem, Facts, IncidentView, Line, Meta, NoChecklist, Seg, View};
use crate::words::count_of;
use std::fmt::Write;

/// What the analyst recorded for one checklist step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tick {
    pub done: bool,
    pub note: String,
}

/// Ticks and notes by (incident id, step key); `scan` has none.
pub type Ticks<'a> = &'a dyn Fn(&str, &str) -> Tick;

fn time(t: Option<i64>) -> String {
    t.map(format_micros)
        .unwrap_or_else(|| "(time not recorded)".into())
}

fn line(l: &Line, cell: bool) -> String {
    let mut o = String::new();
    for s in &l.segs {
        match s {
            Seg::Text(t) => o.push_str(&text(t)),
            Seg::Data(d) if cell => o.push_str(&cell_code(d)),
            Seg::Data(d) => o.push_str(&code(d)),
            Seg::Time(t) => o.push_str(&time(*t)),
        }
    }
    if !l.audit_ids.is_empty() {
        let ids: Vec<String> = l.audit_ids.iter().map(|a| code(a)).collect();
        let _ = write!(o, " — audit ID {}", ids.join(", "));
    }
    o
}

fn codes<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    items
        .iter()
        .map(|s| code(s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a rotation-list entry reads.
pub fn rotate_entry(r: &RotateItem) -> String {
    match r.kind {
        RotateKind::Named => code(&r.to_string()),
        RotateKind::WholeNamespace => format!(
            "every secret in namespace {} (names not all known)",
            code(&r.namespace)
        ),
        RotateKind::WholeCluster => "every secret in the cluster (names not all known)".into(),
    }
}

fn alert_table(s: &mut String, alerts: &[AlertItem]) {
    let _ = writeln!(
        s,
        "| severity | rule | identity | first seen | last seen | requests | summary |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for a in alerts {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            a.severity.as_str(),
            cell_code(a.rule.as_str()),
            cell_code(&a.identity),
            time(a.first_seen),
            time(a.last_seen),
            a.event_count,
            line(&a.summary, true)
        );
    }
    let _ = writeln!(s);
}

fn alert_evidence(s: &mut String, a: &AlertItem) {
    let r = info(a.rule);
    let _ = writeln!(
        s,
        "#### {} {} — {}\n",
        a.severity.as_str().to_uppercase(),
        code(a.rule.as_str()),
        text(r.title)
    );
    let _ = writeln!(s, "- Alert: {}", code(&a.id));
    let _ = writeln!(s, "- Identity: {}", code(&a.identity));
    if let Some(u) = &a.authenticated_user {
        let _ = writeln!(s, "- Authenticated as: {}", code(u));
    }
    let _ = writeln!(
        s,
        "- Requests: {}, {} → {}",
        a.event_count,
        time(a.first_seen),
        time(a.last_seen)
    );
    let _ = writeln!(s, "- Rule source: {}", text(r.source));
    let _ = writeln!(s, "- Tags: {}", codes(r.tags));
    for n in &a.notes {
        let _ = writeln!(s, "- Note: {}", code(n));
    }
    // The text report's sentence, word for word.
    if let Some(cap) = super::text::omitted_evidence(a) {
        let _ = writeln!(s, "- **Not stored:** {}", text(&cap));
    }
    let _ = writeln!(s, "\n{}\n", text(r.why));
    if a.events.is_empty() {
        let _ = writeln!(s, "No evidence events kept for this alert.\n");
        return;
    }
    let _ = writeln!(
        s,
        "| time (UTC) | audit ID | request | outcome | identity | source IPs | user agent | detail |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
    for e in &a.events {
        let outcome = match e.code {
            Some(c) => format!("{} ({c})", e.outcome.as_str()),
            None => e.outcome.as_str().to_string(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            time(e.time),
            e.audit_id.as_deref().map(cell_code).unwrap_or_default(),
            cell_code(&e.action),
            text(&outcome),
            cell_code(&e.identity),
            if e.source_ips.is_empty() {
                String::new()
            } else {
                cell_code(&e.source_ips.join(", "))
            },
            if e.user_agent.is_empty() {
                String::new()
            } else {
                cell_code(&e.user_agent)
            },
            e.detail.as_deref().map(cell_code).unwrap_or_default()
        );
    }
    let _ = writeln!(s);
    let listed = a.events.len() as u64;
    if a.event_count > listed {
        let _ = writeln!(
            s,
            "The first {listed} of {} are listed.\n",
            count_of(a.event_count, "request", "requests")
        );
    }
}

/// One incident as a self-contained Markdown section (level-2 heading).
/// Only reached through [`render`], which refuses a view without its
/// checklist: an `IncidentView` of [`view::records`] has no steps.
fn incident_section(inc: &IncidentView, ticks: Ticks<'_>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## {} incident {}: {}\n",
        inc.severity.as_str().to_uppercase(),
        code(&inc.id),
        code(&inc.primary)
    );
    let _ = writeln!(s, "- Identities: {}", codes(&inc.identities));
    let _ = writeln!(
        s,
        "- Window: {} → {}",
        time(inc.first_seen),
        time(inc.last_seen)
    );
    let rules: Vec<&str> = inc.rules.iter().map(|r| r.as_str()).collect();
    let _ = writeln!(s, "- Rules: {}", codes(&rules));
    let _ = writeln!(s, "- Source IPs: {}\n", codes(&inc.source_ips));

    let _ = writeln!(s, "### Secrets to rotate\n");
    if inc.rotate.is_empty() {
        let _ = writeln!(s, "No secret content was served in this incident.\n");
    } else {
        for r in &inc.rotate {
            let _ = writeln!(s, "- {}", rotate_entry(r));
        }
        let _ = writeln!(s);
    }
    if !inc.denied.is_empty() {
        let d: Vec<String> = inc.denied.iter().map(rotate_entry).collect();
        let _ = writeln!(s, "Refused, not rotated: {}\n", d.join(", "));
    }

    let _ = writeln!(s, "### Alerts\n");
    alert_table(&mut s, &inc.alerts);

    let _ = writeln!(s, "### Evidence\n");
    for a in &inc.alerts {
        alert_evidence(&mut s, a);
    }

    let _ = writeln!(s, "### Response checklist\n");
    let _ = writeln!(
        s,
        "Steps 1–5 are seed 001's evidence checklist; steps 6–8 are implied by it.\n"
    );
    let mut section = None;
    for st in &inc.steps {
        if section != Some(st.section) {
            if section.is_some() {
                let _ = writeln!(s);
            }
            section = Some(st.section);
            let _ = writeln!(s, "#### {}\n", text(st.section.heading()));
        }
        let t = ticks(&inc.id, &st.key);
        let _ = writeln!(
            s,
            "- [{}] {}",
            if t.done { "x" } else { " " },
            line(&st.title, false)
        );
        if !t.note.is_empty() {
            let _ = writeln!(s, "  - Note: {}", code(t.note.trim()));
        }
        for e in &st.evidence {
            let _ = writeln!(s, "  - {}", line(e, false));
        }
    }
    let _ = writeln!(s);
    suggested(&mut s, &inc.suggested);
    s
}

/// Least-privilege RBAC per identity, beside what it is granted now.
fn suggested(s: &mut String, items: &[view::SuggestedRbac]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "### Least-privilege RBAC
"
    );
    let _ = writeln!(
        s,
        "From each identity's access before the incident (secrets and exec: what ktriage records; run audit2rbac over the whole log for other resources).\n"
    );
    for it in items {
        let sug = &it.suggestion;
        let _ = writeln!(s, "#### {}\n", code(&sug.identity));
        if it.snapshot {
            if it.now.is_empty() {
                let _ = writeln!(
                    s,
                    "- Granted now: nothing that matters here (RBAC snapshot)"
                );
            }
            for p in &it.now {
                let _ = writeln!(s, "- Granted now: {}", code(p));
            }
        } else {
            let _ = writeln!(
                s,
                "- Granted now: unknown without an RBAC snapshot (`--rbac`)"
            );
        }
        if sug.is_none() {
            let _ = writeln!(
                s,
                "- Suggested: no secret or exec access — none was seen before the incident; remove the grants that allow it (other access is not recorded by ktriage: check it with audit2rbac before removing a whole binding)\n"
            );
            continue;
        }
        let _ = writeln!(s, "- Suggested:\n");
        let _ = writeln!(
            s,
            "{}",
            super::md::block("yaml", &crate::rbac::suggest::yaml(sug))
        );
    }
}

/// The document: metadata, then every incident of the view. A view made
/// without its checklist ([`view::records`]) is an error, not a report
/// whose checklist is empty.
pub fn render(v: &View, ticks: Ticks<'_>) -> Result<String, NoChecklist> {
    let v = v.with_checklist()?;
    let mut s = String::new();
    let _ = writeln!(s, "# ktriage incident report\n");
    let _ = writeln!(s, "- ktriage version: {}", code(&v.meta.version));
    let _ = writeln!(s, "- Generated at: {}", time(Some(v.meta.generated_at)));
    let _ = writeln!(s, "- Log sources: {}", codes(&v.meta.sources));
    let _ = writeln!(
        s,
        "- Incidents: {} of {} in the log; alerts in the log: {}",
        v.incidents.len(),
        v.incident_total,
        v.alert_total
    );
    let _ = writeln!(s, "- All times are UTC (RFC 3339).\n");
    if !v.meta.not_judged.is_empty() {
        let _ = writeln!(
            s,
            "NOT JUDGED: {}; this report covers only what could be read.\n",
            count_of(v.meta.not_judged.len(), "input problem", "input problems")
        );
        for e in &v.meta.not_judged {
            let _ = writeln!(s, "- {}", code(e));
        }
        let _ = writeln!(s);
    }
    if !v.meta.cannot_show.is_empty() {
        let _ = writeln!(s, "What the inputs cannot show:\n");
        for w in &v.meta.cannot_show {
            let _ = writeln!(s, "- {}", code(w));
        }
        let _ = writeln!(s);
    }
    if v.incident_total == 0 {
        let _ = writeln!(
            s,
            "{}",
            if v.meta.not_judged.is_empty() {
                "No alerts."
            } else {
                "No alerts in what could be read."
            }
        );
    }
    for i in &v.incidents {
        s.push_str(&incident_section(i, ticks));
    }
    Ok(s)
}

/// No ticks or notes (the headless report).
pub fn no_ticks(_: &str, _: &str) -> Tick {
    Tick::default()
}

/// The whole scan as one Markdown document.
pub fn write(
    out: &mut dyn std::io::Write,
    engine: &Engine,
    incidents: &[Incident],
    meta: Meta,
) -> std::io::Result<()> {
    write_with(out, engine, incidents, meta, None, None)
}

/// [`write`] with the cluster's RBAC snapshot for the review step, and
/// optionally only one incident.
pub fn write_with(
    out: &mut dyn std::io::Write,
    engine: &Engine,
    incidents: &[Incident],
    meta: Meta,
    rbac: Option<&crate::rbac::Snapshot>,
    only: Option<&str>,
) -> std::io::Result<()> {
    let facts = Facts::of_engine(engine, incidents).with_rbac(rbac);
    let v = view::build(&facts, meta, only);
    let text = render(&v, &no_ticks).map_err(std::io::Error::other)?;
    out.write_all(text.as_bytes())
}
