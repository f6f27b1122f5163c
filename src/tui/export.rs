//! The incident report in Markdown, written by `x` or `:export [PATH]`:
//! the incident, its alerts and evidence, and the checklist with the
//! analyst's ticks and notes, so the report is also the hand-over.

use super::checklist::{ChecklistStore, items};
use super::snapshot::Snapshot;
use crate::detect::Incident;
use crate::report::markdown::md;
use crate::time::format_short;
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn t(x: Option<i64>) -> String {
    x.map(format_short).unwrap_or_else(|| "-".into())
}

pub fn incident_markdown(
    snap: &Snapshot,
    inc: &Incident,
    store: &ChecklistStore,
    source: &str,
) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Incident {} — {}\n", inc.id, md(&inc.primary));
    let _ = writeln!(o, "- Log source: `{}`", md(source));
    let _ = writeln!(o, "- Severity: **{}**", inc.severity);
    let _ = writeln!(
        o,
        "- Identities: {}",
        inc.identities
            .iter()
            .map(|i| format!("`{}`", md(i)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        o,
        "- Rules: {}",
        inc.rules
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(o, "- Window: {} → {}", t(inc.first_seen), t(inc.last_seen));
    let _ = writeln!(
        o,
        "- Source IPs: {}\n",
        inc.source_ips
            .iter()
            .map(|i| md(i))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let _ = writeln!(o, "## Secrets to rotate\n");
    if inc.secrets_to_rotate.is_empty() {
        let _ = writeln!(o, "None were served.");
    }
    for s in &inc.secrets_to_rotate {
        let _ = writeln!(o, "- `{}`", md(s));
    }
    if !inc.denied_secrets.is_empty() {
        let _ = writeln!(
            o,
            "\nRefused (not rotated): {}",
            inc.denied_secrets
                .iter()
                .map(|s| format!("`{}`", md(s)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }

    let _ = writeln!(o, "\n## Alerts\n");
    for &i in &inc.alerts {
        let Some(a) = snap.alerts.get(i) else {
            continue;
        };
        let _ = writeln!(o, "### [{}] {} — {}\n", a.severity, a.rule, a.title);
        let _ = writeln!(
            o,
            "Identity `{}`, {} requests, {} → {}\n",
            md(&a.identity),
            a.event_count,
            t(a.first_seen),
            t(a.last_seen)
        );
        for n in a.novelty.iter().chain(&a.notes) {
            let _ = writeln!(o, "> {}", md(n));
        }
        let _ = writeln!(
            o,
            "| time | action | outcome | source IP | user agent |\n|---|---|---|---|---|"
        );
        for e in a.events.iter().rev().take(50) {
            let _ = writeln!(
                o,
                "| {} | {} | {:?} | {} | {} |",
                t(e.time),
                md(&e.action()),
                e.outcome,
                md(e.trusted_ip.as_deref().unwrap_or("")),
                md(&e.user_agent)
            );
        }
        if a.events.len() > 50 {
            let _ = writeln!(o, "\n({} more events not listed)", a.events.len() - 50);
        }
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "## Evidence checklist\n");
    let mut section = "";
    for it in items(snap, inc) {
        if it.section != section {
            section = it.section;
            let _ = writeln!(o, "\n### {section}\n");
        }
        let st = store.get(&inc.id, &it.key);
        let _ = writeln!(
            o,
            "- [{}] {}",
            if st.done { "x" } else { " " },
            md(&it.title)
        );
        if !st.note.is_empty() {
            let _ = writeln!(o, "  - Note: {}", md(&st.note));
        }
        for e in &it.evidence {
            let _ = writeln!(o, "  - {}", md(e));
        }
    }
    o
}

/// Default report file name for an incident, in the current directory.
pub fn default_path(inc: &Incident) -> PathBuf {
    PathBuf::from(format!("ktriage-{}.md", inc.id))
}

pub fn write_report(path: &Path, text: &str) -> std::io::Result<()> {
    crate::allowlist::write_atomic(path, text)
}
