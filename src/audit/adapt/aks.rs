//! AKS through Azure Monitor.
//!
//! - Diagnostic settings (to a storage account or an Event Hub) write one
//!   record per audit event: `category` `kube-audit` or `kube-audit-admin`,
//!   and `properties.log` holding the Event as a JSON string (some
//!   pipelines give it as an object). `{"records":[…]}` wrappers are
//!   expanded in `mod.rs`. `kube-audit-admin` leaves out get and list, so
//!   its records are tagged: a log from it cannot show secret reads.
//! - Log Analytics (`AKSAudit` / `AKSAuditAdmin`, resource-specific tables)
//!   rows exported to JSON have PascalCase columns (`Verb`, `User`,
//!   `ObjectRef`, `SourceIps`, …); `dynamic` columns arrive as objects or as
//!   strings holding JSON, and request/response bodies may be the string
//!   `skipped-too-big-size-object`.

use super::Dialect;
use super::json::{dynamic, int, ips};
use serde_json::{Map, Value, json};

pub enum Diagnostic {
    /// The Event (as JSON) and which category it came from.
    Event(Dialect, Value),
    /// Another AKS log category (kube-apiserver, guard, …): not audit.
    OtherCategory,
    Bad(String),
}

pub fn diagnostic(m: &Map<String, Value>) -> Diagnostic {
    let category = m.get("category").and_then(Value::as_str).unwrap_or("");
    let d = match category.to_ascii_lowercase().as_str() {
        "kube-audit" => Dialect::AksDiagnostics,
        "kube-audit-admin" => Dialect::AksAuditAdmin,
        _ => return Diagnostic::OtherCategory,
    };
    let Some(log) = m
        .get("properties")
        .and_then(Value::as_object)
        .and_then(|p| p.get("log"))
    else {
        return Diagnostic::Bad(format!("AKS {category} record without properties.log"));
    };
    match log {
        Value::Object(_) => Diagnostic::Event(d, log.clone()),
        Value::String(_) => match dynamic(log) {
            Some(v) => Diagnostic::Event(d, v),
            None => Diagnostic::Bad(format!(
                "AKS {category} record whose properties.log is not JSON"
            )),
        },
        _ => Diagnostic::Bad(format!(
            "AKS {category} record with an unreadable properties.log"
        )),
    }
}

/// A Log Analytics row of the AKSAudit tables.
pub fn is_log_analytics_row(m: &Map<String, Value>) -> bool {
    m.contains_key("Verb") && (m.contains_key("AuditId") || m.contains_key("RequestUri"))
}

pub fn log_analytics(m: &Map<String, Value>) -> Result<(Dialect, String), String> {
    let s = |k: &str| m.get(k).and_then(Value::as_str);
    let admin = s("Type")
        .or_else(|| s("$table"))
        .is_some_and(|t| t.eq_ignore_ascii_case("AKSAuditAdmin"));
    let mut ev = Map::new();
    ev.insert("kind".into(), json!("Event"));
    ev.insert("apiVersion".into(), json!("audit.k8s.io/v1"));
    for (col, key) in [
        ("Level", "level"),
        ("AuditId", "auditID"),
        ("Stage", "stage"),
        ("Verb", "verb"),
        ("RequestUri", "requestURI"),
        ("UserAgent", "userAgent"),
        ("RequestReceivedTime", "requestReceivedTimestamp"),
        ("StageReceivedTime", "stageTimestamp"),
    ] {
        if let Some(v) = s(col).filter(|v| !v.is_empty()) {
            ev.insert(key.into(), json!(v));
        }
    }
    if !ev.contains_key("stageTimestamp") {
        if let Some(t) = s("TimeGenerated") {
            ev.insert("stageTimestamp".into(), json!(t));
        }
    }
    for (col, key) in [
        ("User", "user"),
        ("ImpersonatedUser", "impersonatedUser"),
        ("ObjectRef", "objectRef"),
        ("Annotations", "annotations"),
    ] {
        if let Some(v) = m.get(col).and_then(dynamic).filter(Value::is_object) {
            ev.insert(key.into(), v);
        }
    }
    match m.get("ResponseStatus").and_then(dynamic) {
        Some(Value::Object(mut rs)) => {
            if let Some(c) = rs.get("code").and_then(int) {
                rs.insert("code".into(), json!(c));
            }
            ev.insert("responseStatus".into(), Value::Object(rs));
        }
        _ => {
            if let Some(c) = m.get("ResponseStatus").and_then(int) {
                ev.insert("responseStatus".into(), json!({ "code": c }));
            }
        }
    }
    if let Some(v) = m.get("SourceIps") {
        let list = ips(v);
        if !list.is_empty() {
            ev.insert("sourceIPs".into(), Value::Array(list));
        }
    }
    for (col, key) in [
        ("RequestObject", "requestObject"),
        ("ResponseObject", "responseObject"),
    ] {
        // "skipped-too-big-size-object" and empty strings are no body.
        if let Some(v) = m.get(col).and_then(dynamic).filter(Value::is_object) {
            ev.insert(key.into(), v);
        }
    }
    if !ev.contains_key("verb") {
        return Err("AKSAudit row with an empty Verb".into());
    }
    let d = if admin {
        Dialect::AksAuditAdmin
    } else {
        Dialect::AksLogAnalytics
    };
    Ok((d, Value::Object(ev).to_string()))
}
