//! The response checklist as data: seed 001's five steps
//! (`001_288da1a6b2a722f3.txt`, "Detection / evidence checklist") with the
//! facts of the log filled in, and the three steps it implies but does not
//! spell out: remove the binding that granted the access, disable or rotate
//! the identity's credentials, and rotate the service-account token of
//! every pod whose token an exec session read.
//!
//! Each step has a stable key (ticks and notes are stored under it) and
//! evidence lines that cite the auditIDs they rest on. Where the log cannot
//! settle a step, the step says so instead of reading as "nothing to do".
//! Steps 6–8 are in [`super::implied`].

use super::Line;
use super::facts::Facts;
use crate::detect::activity::AccessStat;
use crate::detect::evidence::{ExecEvidence, ExecLink, exec_sessions};
use crate::detect::{Incident, RotateItem, RotateKind};

/// The checklist's sections, in the order they are worked through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    Secrets,
    Rbac,
    Exec,
    Rotate,
    Tighten,
    RemoveBinding,
    Credentials,
    PodTokens,
}

impl Section {
    pub fn heading(self) -> &'static str {
        match self {
            Section::Secrets => "1. Secrets accessed",
            Section::Rbac => "2. RBAC review",
            Section::Exec => "3. Exec sessions",
            Section::Rotate => "4. Rotate credentials",
            Section::Tighten => "5. Tighten RBAC",
            Section::RemoveBinding => "6. Remove the binding that granted the access",
            Section::Credentials => "7. Disable or rotate the identities' credentials",
            Section::PodTokens => "8. Rotate service-account tokens read in exec sessions",
        }
    }

    /// Steps 6–8 are implied by seed 001, not written in it.
    pub fn implied(self) -> bool {
        self >= Section::RemoveBinding
    }
}

/// One tickable step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Stable key of the step within its incident (`secrets`,
    /// `rotate:prod/db`, `creds:<identity>`…).
    pub key: String,
    pub section: Section,
    pub title: Line,
    pub evidence: Vec<Line>,
}

pub(super) fn exec_line(e: &ExecEvidence<'_>) -> Line {
    let x = e.exec;
    let mut pod = format!("{}/{}", x.namespace, x.pod);
    if let Some(c) = &x.container {
        pod.push_str(&format!(" [{c}]"));
    }
    let mut l = Line::new()
        .time(x.time)
        .text(" ")
        .text(x.subresource.clone())
        .text(" into ")
        .data(pod)
        .text(" by ")
        .data(e.identity);
    l = match &x.command {
        Some(c) => l.text(", command ").data(c.clone()),
        None => l.text(", command not recorded"),
    };
    l = l.text(format!(", {}", x.outcome.as_str()));
    if let Some(ip) = &x.source_ip {
        l = l.text(" from ").data(ip.clone());
    }
    l = match &e.link {
        ExecLink::UsesSecrets(s) => l.text(" (pod uses ").data_list(s).text(")"),
        other => l.text(format!(" ({})", other.describe())),
    };
    l.audit(x.audit_id.iter().cloned())
}

/// What the API answered an identity's requests for one secret, in the
/// words of the identities pane: `2 served, 1 refused, 1 not found`. A
/// zero is left out, except served: "0 served" must be read, not guessed
/// from a missing word. "allowed" would read like an allowlist verdict.
pub(super) fn answers(st: &AccessStat) -> String {
    let mut parts = vec![format!("{} served", st.allowed)];
    for (n, w) in [
        (st.denied, "refused"),
        (st.not_found, "not found"),
        (st.failed, "failed"),
        (st.unknown, "outcome unknown"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {w}"));
        }
    }
    parts.join(", ")
}

fn rotate_title(r: &RotateItem) -> Line {
    match r.kind {
        RotateKind::Named => Line::new()
            .text("Rotate every credential in ")
            .data(r.to_string()),
        RotateKind::WholeNamespace => Line::new()
            .text("Rotate every secret in namespace ")
            .data(r.namespace.clone())
            .text(" (a list or watch served them all; names not all known)"),
        RotateKind::WholeCluster => Line::new().text(
            "Rotate every secret in the cluster (a cluster-wide list or watch served them all; names not all known)",
        ),
    }
}

/// The checklist of one incident.
pub fn steps(facts: &Facts<'_>, inc: &Incident) -> Vec<Step> {
    let ids = &inc.identities;
    let is_ours = |s: &str| ids.iter().any(|i| i == s);
    let acts: Vec<_> = ids.iter().filter_map(|i| facts.identity(i)).collect();
    let mut out = Vec::new();
    let step = |key: String, section, title, evidence| Step {
        key,
        section,
        title,
        evidence,
    };

    // 1. Every secret the identities accessed, with timestamps.
    let mut ev = Vec::new();
    for a in &acts {
        for (s, st) in &a.secrets {
            let verbs: Vec<&str> = st.verbs.iter().map(String::as_str).collect();
            ev.push(
                Line::new()
                    .data(a.identity.clone())
                    .text(" ")
                    .data(s.to_string())
                    .text(" ")
                    .data(verbs.join("/"))
                    .text(format!(": {}, first ", answers(st)))
                    .time(st.first)
                    .text(", last ")
                    .time(st.last)
                    .audit(st.audit_ids.iter().cloned()),
            );
        }
    }
    if ev.is_empty() {
        ev.push(Line::new().text("No secret access by these identities in this log."));
    }
    if !inc.denied_secrets.is_empty() {
        let d: Vec<String> = inc.denied_secrets.iter().map(|r| r.to_string()).collect();
        ev.push(Line::new().text("Refused, not rotated: ").data_list(&d));
    }
    out.push(step(
        "secrets".into(),
        Section::Secrets,
        Line::new()
            .text("List every secret accessed by the suspicious identities, with timestamps"),
        ev,
    ));

    // 2. Does the identity's role require that access? Bindings to or by
    // the identities, and the roles they bind or wrote.
    let mut ev = Vec::new();
    let mut bound = Vec::new();
    let relevant: Vec<_> = (facts.bindings.iter())
        .filter(|b| is_ours(&b.actor) || b.subjects.iter().any(|s| is_ours(&s.identity())))
        .collect();
    for b in &relevant {
        if let Some(r) = &b.role {
            bound.push(r.clone());
        }
        let subj: Vec<String> = b.subjects.iter().map(|s| s.to_string()).collect();
        ev.push(
            Line::new()
                .text(format!("{} {} ", b.verb, b.kind))
                .data(qualified(&b.namespace, &b.name))
                .text(": ")
                .data(b.role.clone().unwrap_or_else(|| "role not recorded".into()))
                .text(" to ")
                .data_list(&subj)
                .text(" by ")
                .data(b.actor.clone())
                .text(" at ")
                .time(b.time)
                .audit(b.audit_id.iter().cloned()),
        );
    }
    for r in facts.roles.iter() {
        if is_ours(&r.actor) || bound.contains(&format!("{} {}", r.kind, r.name)) {
            let l = Line::new()
                .text(format!("{} ", r.kind))
                .data(qualified(&r.namespace, &r.name))
                .text(" grants ");
            let l = if r.grants.is_empty() {
                l.text("nothing sensitive")
            } else {
                l.data_list(&r.grants)
            };
            ev.push(
                l.text(" (written by ")
                    .data(r.actor.clone())
                    .text(" at ")
                    .time(r.time)
                    .text(")")
                    .audit(r.audit_id.iter().cloned()),
            );
        }
    }
    match facts.rbac {
        Some(snap) => ev.extend(super::rbac::review_lines(facts, snap, &inc.identities)),
        None => {
            if ev.is_empty() {
                ev.push(
                    Line::new()
                        .text("No RBAC data in this log for these identities: review their roles in the cluster with ")
                        .data("kubectl auth can-i --list --as=<identity>"),
                );
            }
            ev.push(
                Line::new()
                    .text("No RBAC snapshot loaded: what grants these identities their access is not known beyond the log. Take one with ")
                    .data(crate::rbac::SNAPSHOT_COMMAND)
                    .text(" and run again with ")
                    .data("--rbac rbac.json"),
            );
        }
    }
    out.push(step(
        "rbac".into(),
        Section::Rbac,
        Line::new()
            .text("Determine whether the identities' RBAC roles actually require that access"),
        ev,
    ));

    // 3. Exec sessions into pods that use the affected secrets.
    let execs = exec_sessions(inc, facts.activity.iter().copied());
    let mut ev = vec![if facts.pod_specs_seen == 0 {
        Line::new().text(
            "No pod specs in this log: execs in the affected namespaces are listed, labelled as such",
        )
    } else {
        Line::new().text(format!(
            "{} in this log {} pods to the secrets they use",
            crate::words::count_of(facts.pod_specs_seen, "pod spec", "pod specs"),
            if facts.pod_specs_seen == 1 {
                "links"
            } else {
                "link"
            }
        ))
    }];
    ev.extend(execs.iter().map(exec_line));
    if execs.is_empty() {
        ev.push(Line::new().text(
            "No exec sessions by these identities, into pods using the affected secrets, or in the affected namespaces",
        ));
    }
    out.push(step(
        "exec".into(),
        Section::Exec,
        Line::new().text("Check for exec sessions into pods that handle the affected secrets"),
        ev,
    ));

    // 4. Rotate: one step per secret (or namespace) served. The accesses
    // are indexed by rotation item once: a burst over 10,000 secrets made
    // this a 10,000 × 10,000 scan on every TUI frame (4 s to load).
    let mut served: std::collections::HashMap<RotateItem, Vec<Line>> = Default::default();
    for a in &acts {
        for (s, st) in &a.secrets {
            if st.exposed() {
                served.entry(RotateItem::of(s)).or_default().push(
                    Line::new()
                        .text("read by ")
                        .data(a.identity.clone())
                        .text(", first ")
                        .time(st.first)
                        .text(", last ")
                        .time(st.last)
                        .audit(st.audit_ids.iter().cloned()),
                );
            }
        }
    }
    for r in &inc.secrets_to_rotate {
        let ev = served.remove(r).unwrap_or_default();
        out.push(step(
            format!("rotate:{r}"),
            Section::Rotate,
            rotate_title(r),
            ev,
        ));
    }
    if inc.secrets_to_rotate.is_empty() {
        out.push(step(
            "rotate:none".into(),
            Section::Rotate,
            Line::new()
                .text("No secret content was served in this incident: confirm, nothing to rotate"),
            Vec::new(),
        ));
    }

    // 5. Tighten RBAC.
    out.push(step(
        "tighten".into(),
        Section::Tighten,
        Line::new().text(
            "Tighten RBAC to namespace-scoped, resource-specific roles instead of broad get/list on secrets cluster-wide",
        ),
        Vec::new(),
    ));

    super::implied::push(facts, inc, &relevant, &execs, &mut out);
    out
}

pub(super) fn qualified(ns: &str, name: &str) -> String {
    if ns.is_empty() {
        name.to_string()
    } else {
        format!("{ns}/{name}")
    }
}
