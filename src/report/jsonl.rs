//! The jsonl contract: one object per line, alerts then incidents. Field
//! names and meanings are documented in the README; add fields, never
//! rename or drop them.

use crate::detect::{Alert, Incident, info};
use crate::time::format_micros;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Serialize)]
pub struct AlertLine<'a> {
    pub kind: &'static str,
    pub id: &'a str,
    pub rule: &'static str,
    pub severity: &'static str,
    pub identity: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticated_user: Option<&'a str>,
    pub title: &'static str,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub event_count: u64,
    pub secrets: Vec<String>,
    pub source_ips: Vec<&'a str>,
    pub user_agents: Vec<&'a str>,
    pub audit_ids: &'a [String],
    /// Requests with an audit ID that `audit_ids` leaves out: it lists
    /// the first `detect::alert::MAX_EVIDENCE` only.
    pub audit_ids_omitted: u64,
    pub tags: &'static [&'static str],
    pub source: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub group: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub linked_identities: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub notes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub novelty: Option<&'a str>,
}

pub fn alert_line(a: &Alert) -> AlertLine<'_> {
    let r = info(a.rule);
    let details: BTreeSet<&str> = a
        .events
        .iter()
        .filter_map(|e| e.detail.as_deref())
        .collect();
    AlertLine {
        kind: "alert",
        id: &a.id,
        rule: a.rule.as_str(),
        severity: a.severity.as_str(),
        identity: &a.identity,
        authenticated_user: a.authenticated_user.as_deref(),
        title: r.title,
        first_seen: a.first_seen.map(format_micros),
        last_seen: a.last_seen.map(format_micros),
        event_count: a.event_count,
        secrets: a.secret_strings(),
        source_ips: a.source_ips.iter().map(String::as_str).collect(),
        user_agents: a.user_agents.iter().map(String::as_str).collect(),
        audit_ids: &a.audit_ids,
        audit_ids_omitted: a.audit_ids_omitted,
        tags: r.tags,
        source: r.source,
        group: &a.group,
        linked_identities: &a.linked,
        details: details.into_iter().collect(),
        notes: &a.notes,
        novelty: a.novelty.as_deref(),
    }
}

#[derive(Serialize)]
pub struct IncidentLine<'a> {
    pub kind: &'static str,
    pub id: &'a str,
    pub identity: &'a str,
    pub identities: &'a [String],
    pub severity: &'static str,
    pub rules: Vec<&'static str>,
    pub alerts: Vec<&'a str>,
    pub secrets_to_rotate: &'a [crate::detect::RotateItem],
    pub denied_secrets: &'a [crate::detect::RotateItem],
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub source_ips: &'a [String],
}

pub fn incident_line<'a>(i: &'a Incident, alerts: &'a [Alert]) -> IncidentLine<'a> {
    IncidentLine {
        kind: "incident",
        id: &i.id,
        identity: &i.primary,
        identities: &i.identities,
        severity: i.severity.as_str(),
        rules: i.rules.iter().map(|r| r.as_str()).collect(),
        alerts: i.alerts.iter().map(|&x| alerts[x].id.as_str()).collect(),
        secrets_to_rotate: &i.secrets_to_rotate,
        denied_secrets: &i.denied_secrets,
        first_seen: i.first_seen.map(format_micros),
        last_seen: i.last_seen.map(format_micros),
        source_ips: &i.source_ips,
    }
}

/// Alerts (in creation order) then incidents (most severe first).
pub fn write(
    out: &mut dyn std::io::Write,
    alerts: &[Alert],
    incidents: &[Incident],
) -> std::io::Result<()> {
    for a in alerts {
        serde_json::to_writer(&mut *out, &alert_line(a))?;
        out.write_all(b"\n")?;
    }
    for i in incidents {
        serde_json::to_writer(&mut *out, &incident_line(i, alerts))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
