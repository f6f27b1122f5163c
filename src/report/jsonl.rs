//! The jsonl contract: one object per line, alerts then incidents. Field
//! names and meanings are documented in the README; add fields, never
//! rename or drop them.
//!
//! Every line is written by [`write_line`], which escapes what the text
//! outputs make inert (DEL, C1 controls such as CSI `\u009b`, bidi
//! overrides, zero-width characters) as JSON `\uXXXX`: serde_json leaves
//! them raw, and jsonl is read on terminals too (`tail`, `jq -c`). The
//! escapes are valid JSON, so tools still get the exact strings.

use crate::detect::{Alert, GroupKey, Incident, RotateItem, SecretRef, info};
use crate::time::format_micros;
use crate::view::{self, AlertItem, IncidentView, OutcomeCounts, SecretFate, View};
use serde::Serialize;
use std::io::{self, Write};

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
    pub secrets: Vec<Words<'a>>,
    /// Per secret: what became of the requests for it (typed, so that a
    /// consumer never parses an outcome out of a string).
    pub secret_outcomes: Vec<SecretOutcome<'a>>,
    pub source_ips: &'a [String],
    pub user_agents: &'a [String],
    pub audit_ids: &'a [String],
    /// Requests with an audit ID that `audit_ids` leaves out: it lists
    /// the first `detect::alert::MAX_EVIDENCE` only.
    pub audit_ids_omitted: u64,
    /// 1 the first time this alert is written to a stream, then 1 more
    /// with each update (`scan --follow`): consecutive, so a consumer can
    /// tell it missed one. Always 1 in a batch scan.
    pub revision: u64,
    /// In a stream only: the audit IDs of the requests that joined the
    /// alert since its previous line (on revision 1: since it fired),
    /// past the `audit_ids` cap too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_audit_ids: Option<&'a [String]>,
    pub tags: &'static [&'static str],
    pub source: &'static str,
    /// The grouping key in words, for people (its wording may change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The grouping key as typed fields (`by` names the kind): what the
    /// id is derived from.
    #[serde(skip_serializing_if = "GroupKey::is_none")]
    pub group_key: &'a GroupKey,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub linked_identities: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub details: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub notes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub novelty: Option<&'a str>,
}

/// A secret as `ns/name`, `ns/*` or `*/*`, written straight into the line
/// (a burst alert has 100,000: no string is made for each).
pub struct Words<'a>(pub &'a SecretRef);

impl Serialize for Words<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

/// One entry of `secret_outcomes`.
#[derive(Serialize)]
pub struct SecretOutcome<'a> {
    pub secret: Words<'a>,
    /// `served` (some request was, or may have been: rotate it),
    /// `denied`, `not_found` (404) or `failed`.
    pub fate: SecretFate,
    /// Requests for it per outcome.
    pub requests: OutcomeCounts,
}

/// The alert of the view as a line: its `revision` in this output (1 in a
/// batch scan) and, in a stream, the audit IDs that joined it since its
/// previous line. Needs the alert's record (the view of `scan`).
pub fn item_line<'a>(
    a: &'a AlertItem,
    revision: u64,
    new_audit_ids: Option<&'a [String]>,
) -> io::Result<AlertLine<'a>> {
    let Some(rec) = &a.record else {
        return Err(io::Error::other(format!(
            "alert {} has no record in this view: jsonl needs the engine's",
            a.id
        )));
    };
    let r = info(a.rule);
    Ok(AlertLine {
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
        secret_outcomes: rec
            .secrets
            .iter()
            .map(|s| SecretOutcome {
                secret: Words(&s.secret),
                fate: s.fate(),
                requests: s.outcomes.counts(),
            })
            .collect(),
        secrets: rec.secrets.iter().map(|s| Words(&s.secret)).collect(),
        source_ips: &rec.source_ips,
        user_agents: &rec.user_agents,
        audit_ids: &rec.audit_ids,
        audit_ids_omitted: a.audit_ids_omitted,
        revision,
        new_audit_ids,
        tags: r.tags,
        source: r.source,
        group: view::group_label(&rec.group),
        group_key: &rec.group,
        linked_identities: &rec.linked,
        details: &rec.details,
        notes: &rec.notes,
        novelty: rec.novelty.as_deref(),
    })
}

/// One alert as a stream writes it (pass it to [`write_line`]): the
/// view of the alert, its `revision` in this stream, and the audit IDs
/// that joined it since the previous line for it.
pub struct StreamAlert<'a> {
    item: AlertItem,
    revision: u64,
    new_audit_ids: Option<&'a [String]>,
}

impl Serialize for StreamAlert<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        item_line(&self.item, self.revision, self.new_audit_ids)
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

pub fn stream_alert_line<'a>(
    a: &Alert,
    revision: u64,
    new_audit_ids: Option<&'a [String]>,
) -> StreamAlert<'a> {
    StreamAlert {
        item: view::alert_item(&view::AlertFacts::from(a), a.seq as usize),
        revision,
        new_audit_ids,
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
    pub secrets_to_rotate: &'a [RotateItem],
    pub denied_secrets: &'a [RotateItem],
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub source_ips: &'a [String],
}

pub fn incident_line(i: &IncidentView) -> IncidentLine<'_> {
    IncidentLine {
        kind: "incident",
        id: &i.id,
        identity: &i.primary,
        identities: &i.identities,
        severity: i.severity.as_str(),
        rules: i.rules.iter().map(|r| r.as_str()).collect(),
        alerts: i.alerts.iter().map(|a| a.id.as_str()).collect(),
        secrets_to_rotate: &i.rotate,
        denied_secrets: &i.denied,
        first_seen: i.first_seen.map(format_micros),
        last_seen: i.last_seen.map(format_micros),
        source_ips: &i.source_ips,
    }
}

/// The view: alerts (in creation order) then incidents (most severe first).
pub fn render(out: &mut dyn Write, v: &View) -> io::Result<()> {
    for a in v.alerts() {
        write_line(out, &item_line(a, 1, None)?)?;
    }
    render_incidents(out, v)
}

/// The view's incidents only (a stream has written its alerts already).
pub fn render_incidents(out: &mut dyn Write, v: &View) -> io::Result<()> {
    for i in &v.incidents {
        write_line(out, &incident_line(i))?;
    }
    Ok(())
}

/// [`render`] of the engine's alerts and incidents.
/// Written record by record ([`view::each_record`]): the view of every
/// incident is never held at once.
pub fn write(out: &mut dyn Write, alerts: &[Alert], incidents: &[Incident]) -> io::Result<()> {
    view::each_record(alerts, incidents, true, |r| match r {
        view::Record::Alert(a) => write_line(out, &item_line(a, 1, None)?),
        view::Record::Incident(i) => write_line(out, &incident_line(i)),
    })
}

/// [`render_incidents`] of the engine's alerts and incidents.
pub fn write_incidents(
    out: &mut dyn Write,
    alerts: &[Alert],
    incidents: &[Incident],
) -> io::Result<()> {
    view::each_record(alerts, incidents, false, |r| match r {
        view::Record::Alert(_) => Ok(()),
        view::Record::Incident(i) => write_line(out, &incident_line(i)),
    })
}

/// One record as one line, with terminal-dangerous characters escaped.
pub fn write_line<T: Serialize + ?Sized>(out: &mut dyn Write, v: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, InertFormatter);
    v.serialize(&mut ser).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// serde_json's compact output, plus `\uXXXX` for every character
/// `report::inert` escapes (all in the BMP, so one escape each). serde_json
/// escapes C0 controls itself and hands the rest of a string here.
struct InertFormatter;

impl serde_json::ser::Formatter for InertFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Every dangerous character is DEL or non-ASCII.
        if fragment.bytes().all(|b| b < 0x7f) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if super::inert::dangerous(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                write!(w, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::write_line;

    fn line(s: &str) -> String {
        let mut out = Vec::new();
        write_line(&mut out, &serde_json::json!({ "ua": s })).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_what_a_terminal_would_act_on() {
        let evil = "a\u{9b}31m\u{7f}\u{202e}txt.exe\u{200b}\u{2066}\u{feff}\u{1b}]0;x\u{7}";
        let l = line(evil);
        assert_eq!(
            l,
            "{\"ua\":\"a\\u009b31m\\u007f\\u202etxt.exe\\u200b\\u2066\\ufeff\\u001b]0;x\\u0007\"}\n"
        );
        assert!(l.is_ascii(), "nothing raw reaches the terminal");
        // Consumers still get the exact string.
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert_eq!(v["ua"], evil);
    }

    #[test]
    fn secret_words_are_escaped_like_every_string() {
        let s = crate::detect::SecretRef {
            namespace: "prod".into(),
            name: Some("a\u{9b}31m\u{202e}\"b".into()),
        };
        let mut out = Vec::new();
        write_line(&mut out, &[super::Words(&s)]).unwrap();
        let l = String::from_utf8(out).unwrap();
        assert_eq!(l, "[\"prod/a\\u009b31m\\u202e\\\"b\"]\n");
        let v: Vec<String> = serde_json::from_str(&l).unwrap();
        assert_eq!(v, vec![s.to_string()]);
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        // Legitimate non-ASCII stays readable; quotes keep serde's escapes.
        assert_eq!(
            line("caf\u{e9} \"x\""),
            "{\"ua\":\"caf\u{e9} \\\"x\\\"\"}\n"
        );
    }
}
