//! The Markdown incident report, to paste into a ticket: what happened,
//! the evidence, what to rotate, and seed 001's response checklist with the
//! facts filled in from the log.

use super::inert::{inert, inert_name};
use crate::detect::{Alert, Engine, Incident, info};
use crate::time::format_micros;
use std::fmt::Write;

/// Escape text for a Markdown table cell or inline code: inert (so a
/// newline is already spelt `\u{a}`), and no `|` or backtick to break out.
pub(crate) fn md(s: &str) -> String {
    inert(s).replace('|', "\\|").replace('`', "'")
}

/// [`md`] for names (identities, secrets, user agents, actions): also marks
/// every non-ASCII character as `⟨U+XXXX⟩` (see `report::inert_name`).
pub(crate) fn md_name(s: &str) -> String {
    inert_name(s).replace('|', "\\|").replace('`', "'")
}

fn t(x: Option<i64>) -> String {
    x.map(format_micros).unwrap_or_else(|| "-".into())
}

/// One incident as a self-contained Markdown section.
pub fn incident_report(i: &Incident, alerts: &[Alert], engine: &Engine) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## {} incident `{}`: {}",
        i.severity.as_str().to_uppercase(),
        i.id,
        md_name(&i.primary)
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "- **Identities:** {}",
        i.identities
            .iter()
            .map(|x| format!("`{}`", md_name(x)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(s, "- **Window:** {} → {}", t(i.first_seen), t(i.last_seen));
    let _ = writeln!(
        s,
        "- **Rules:** {}",
        i.rules
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "- **Source IPs:** {}",
        i.source_ips
            .iter()
            .map(|x| md(x))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "### Alerts");
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "| severity | rule | identity | first seen | requests | summary |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for &ai in &i.alerts {
        let a = &alerts[ai];
        let summary = a
            .notes
            .first()
            .cloned()
            .or_else(|| a.events.iter().find_map(|e| e.detail.clone()))
            .unwrap_or_else(|| info(a.rule).title.to_string());
        let _ = writeln!(
            s,
            "| {} | `{}` | `{}` | {} | {} | {} |",
            a.severity,
            a.rule,
            md_name(&a.identity),
            t(a.first_seen),
            a.event_count,
            md_name(&summary)
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "### Evidence");
    let _ = writeln!(s);
    for &ai in &i.alerts {
        let a = &alerts[ai];
        let r = info(a.rule);
        let _ = writeln!(
            s,
            "**`{}`** ({}; source: {}; {})  ",
            a.rule,
            a.severity,
            r.source,
            r.tags.join(", ")
        );
        let _ = writeln!(s, "{}", r.why);
        let _ = writeln!(s);
        for e in a.events.iter().take(20) {
            let _ = writeln!(
                s,
                "- {} `{}` {} by `{}` from {}{}",
                t(e.time),
                md_name(&e.action()),
                e.outcome.as_str(),
                md_name(&e.identity),
                md(&e.source_ips.join(", ")),
                e.detail
                    .as_ref()
                    .map(|d| format!(" — {}", md(d)))
                    .unwrap_or_default()
            );
        }
        if a.event_count > 20 {
            let _ = writeln!(s, "- … {} more requests", a.event_count - 20);
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "### Response checklist (seed 001)");
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "1. **List every secret accessed by the suspicious identities, with timestamps.**"
    );
    for id in &i.identities {
        if let Some(act) = engine.activity.by_identity.get(id) {
            for (secret, stat) in &act.secrets {
                let _ = writeln!(
                    s,
                    "   - `{}` by `{}`: {} ({} allowed, {} denied) {} → {}",
                    md_name(&secret.to_string()),
                    md_name(id),
                    stat.verbs.iter().cloned().collect::<Vec<_>>().join("/"),
                    stat.allowed,
                    stat.denied,
                    t(stat.first),
                    t(stat.last)
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "2. **Does the identity's RBAC role require that access?**"
    );
    let mut rbac_lines = 0;
    for b in &engine.rbac.bindings {
        let relevant = i.identities.contains(&b.actor)
            || b.subjects
                .iter()
                .any(|x| i.identities.contains(&x.identity()));
        if relevant {
            rbac_lines += 1;
            let subj: Vec<String> = b.subjects.iter().map(|x| x.to_string()).collect();
            let _ = writeln!(
                s,
                "   - {} {} `{}` by `{}` at {}: {} → {}",
                b.verb,
                b.kind,
                md(&if b.namespace.is_empty() {
                    b.name.clone()
                } else {
                    format!("{}/{}", b.namespace, b.name)
                }),
                md_name(&b.actor),
                t(b.time),
                md(b.role.as_deref().unwrap_or("role not recorded")),
                md_name(&subj.join(", "))
            );
        }
    }
    if rbac_lines == 0 {
        let _ = writeln!(
            s,
            "   - No RBAC data in this log for these identities: review their bindings in the cluster (`kubectl auth can-i --list --as=...`)."
        );
    }
    let _ = writeln!(
        s,
        "3. **Check exec sessions into pods that handle the affected secrets.**"
    );
    let execs = crate::detect::evidence::exec_sessions(i, engine.activity.by_identity.values());
    for e in &execs {
        let x = e.exec;
        let _ = writeln!(
            s,
            "   - {} {} `{}/{}` by `{}`: `{}` ({})",
            t(x.time),
            x.subresource,
            md(&x.namespace),
            md_name(&x.pod),
            md_name(e.identity),
            md(x.command.as_deref().unwrap_or("(no command recorded)")),
            md(&e.link.describe())
        );
    }
    if execs.is_empty() {
        let _ = writeln!(
            s,
            "   - No exec sessions in this log by these identities, into pods using the affected secrets, or in the affected namespaces."
        );
    }
    let _ = writeln!(
        s,
        "4. **Rotate every credential in every secret read during the suspicious window** (assume exposure, not intent)."
    );
    if i.secrets_to_rotate.is_empty() {
        let _ = writeln!(
            s,
            "   - Nothing was served: no rotation needed for this incident."
        );
    }
    for r in &i.secrets_to_rotate {
        let _ = writeln!(s, "   - [ ] `{}`", md_name(r));
    }
    for d in &i.denied_secrets {
        let _ = writeln!(s, "   - (denied, not rotated) `{}`", md_name(d));
    }
    let _ = writeln!(
        s,
        "5. **Tighten RBAC** to namespace-scoped, resource-specific roles instead of broad get/list on secrets cluster-wide."
    );
    let _ = writeln!(s);
    s
}

/// The whole scan as one Markdown document.
pub fn write(
    out: &mut dyn std::io::Write,
    engine: &Engine,
    incidents: &[Incident],
    sources: &[String],
) -> std::io::Result<()> {
    let mut s = String::new();
    let _ = writeln!(s, "# ktriage report");
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "- **Sources:** {}",
        sources
            .iter()
            .map(|x| format!("`{}`", md(x)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "- **Incidents:** {}; **alerts:** {}",
        incidents.len(),
        engine.alerts().len()
    );
    let _ = writeln!(s);
    if incidents.is_empty() {
        let _ = writeln!(s, "No alerts.");
    }
    for i in incidents {
        s.push_str(&incident_report(i, engine.alerts(), engine));
    }
    out.write_all(s.as_bytes())
}
