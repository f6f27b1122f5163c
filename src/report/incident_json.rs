//! `ktriage report --format json`: one object per incident, the same view
//! the Markdown report renders (checklist steps as text with the auditIDs
//! they rest on), plus, with an RBAC snapshot, `grants` per identity (the
//! binding → role path) and the RBAC verdict on every secret access.
//! Documented in the README beside the jsonl contract; fields are added,
//! never renamed.

use crate::rbac::{Grant, IdentityReview, Scope};
use crate::time::format_micros;
use crate::view::{IncidentView, Line, NoChecklist, Seg, View};
use serde_json::{Value, json};

/// A view line as plain text (times in RFC 3339 UTC); not escaped for a
/// terminal: JSON string escaping keeps it inert.
pub fn line_text(l: &Line) -> String {
    let mut o = String::new();
    for s in &l.segs {
        match s {
            Seg::Text(t) | Seg::Data(t) => o.push_str(t),
            Seg::Time(t) => o.push_str(
                &t.map(format_micros)
                    .unwrap_or_else(|| "(time not recorded)".into()),
            ),
        }
    }
    o
}

fn line(l: &Line) -> Value {
    json!({ "text": line_text(l), "audit_ids": l.audit_ids })
}

fn grant(g: &Grant) -> Value {
    json!({
        "capability": g.capability,
        "path": g.path(),
        "binding": g.binding,
        "role": g.role.to_string(),
        "aggregated_from": g.aggregated_from,
        "via": g.via.to_string(),
        "scope": match &g.scope { Scope::Cluster => "cluster".to_string(), Scope::Namespace(ns) => ns.clone() },
        "rule": { "verbs": g.rule.verbs, "api_groups": g.rule.api_groups, "resources": g.rule.resources, "resource_names": g.rule.resource_names },
        "written_in_log": g.from_log.as_ref().map(|o| json!({
            "by": o.actor, "at": o.time.map(format_micros), "audit_id": o.audit_id
        })),
    })
}

fn review(r: &IdentityReview) -> Value {
    json!({
        "identity": r.identity,
        "groups": r.groups,
        "grants": r.grants.iter().map(grant).collect::<Vec<_>>(),
        "secret_access": r.reads.iter().map(|c| json!({
            "namespace": c.namespace,
            "name": c.name,
            "verb": c.verb,
            "first_seen": c.time.map(format_micros),
            "logged_allowed": c.logged_allowed,
            "rbac_allows": c.rbac.as_ref().map(|g| g.path()),
            "other_authorizer": c.other_authorizer(),
        })).collect::<Vec<_>>(),
        "unknown_kinds": r.unknown_kinds,
    })
}

/// One incident object (`i` one of `v`'s). `reviews` is empty without a
/// snapshot. A view without its checklist ([`crate::view::records`]) is an
/// error, not an object whose `checklist` is empty.
pub fn incident(
    v: &View,
    i: &IncidentView,
    reviews: &[IdentityReview],
) -> Result<Value, NoChecklist> {
    let v = v.with_checklist()?;
    Ok(json!({
        "kind": "incident_report",
        "ktriage_version": v.meta.version,
        "generated_at": format_micros(v.meta.generated_at),
        "sources": v.meta.sources,
        "id": i.id,
        "severity": i.severity.as_str(),
        "identity": i.primary,
        "identities": i.identities,
        "rules": i.rules.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "first_seen": i.first_seen.map(format_micros),
        "last_seen": i.last_seen.map(format_micros),
        "source_ips": i.source_ips,
        "secrets_to_rotate": i.rotate,
        "denied_secrets": i.denied,
        "alerts": i.alerts.iter().map(|a| json!({
            "id": a.id, "rule": a.rule.as_str(), "severity": a.severity.as_str(),
            "event_count": a.event_count, "audit_ids_not_listed": a.audit_ids_omitted,
            "events": a.events.iter().map(|e| json!({
                "time": e.time.map(format_micros), "audit_id": e.audit_id, "action": e.action,
                "outcome": e.outcome.as_str(), "identity": e.identity, "source_ips": e.source_ips,
                "user_agent": e.user_agent, "detail": e.detail,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "checklist": i.steps.iter().map(|s| json!({
            "key": s.key,
            "title": line_text(&s.title),
            "evidence": s.evidence.iter().map(line).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "rbac": if reviews.is_empty() { Value::Null } else { Value::Array(reviews.iter().map(review).collect()) },
        "suggested_rbac": i.suggested.iter().map(|s| json!({
            "identity": s.suggestion.identity,
            "none": s.suggestion.is_none(),
            "objects": crate::rbac::suggest::objects(&s.suggestion),
            "cluster_wide_access_before": s.suggestion.cluster_wide,
            "granted_now": if s.snapshot { json!(s.now) } else { Value::Null },
        })).collect::<Vec<_>>(),
    }))
}
