//! Format adapters: audit events as managed clusters export them, turned
//! back into the API server's own `audit.k8s.io/v1` Event JSON.
//!
//! Most production clusters are managed, and the analyst holds an export,
//! not the file `--audit-log-path` writes: CloudWatch (EKS), Cloud Logging
//! (GKE), Azure Monitor (AKS), Elastic. Each adapter maps one such record
//! onto a native Event, written as JSON text, so that everything after it —
//! the engine, the TUI's re-evaluation, the raw-JSON view — sees one event
//! model. Only records the native parser rejected come here, so native logs
//! pay nothing (the fast path stays zero-copy).
//!
//! Wrappers are expanded wherever they appear (a whole document, or one
//! line): `{"events":[…]}` (`aws logs filter-log-events`), `{"records":[…]}`
//! (Event Hubs, storage blobs), Firehose's `logEvents`, an Elastic `_search`
//! response's `hits.hits`, a hit's `_source`, and a bare array.
//!
//! What is not an audit record is described, never guessed at: the caller
//! reports "JSON object with keys protoPayload, insertId, …" with the
//! formats ktriage reads, so an unreadable export is an error and never a
//! clean result.

mod aks;
mod cloudwatch;
mod elastic;
mod gke;

use serde_json::{Map, Value};

/// Where a record came from, as far as its shape tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dialect {
    /// The API server's own Event JSON (also minimal, shipper-stripped events).
    Native,
    /// Amazon EKS through CloudWatch Logs: `filter-log-events`/`get-log-events`
    /// JSON, S3 exports (`<time> <event>` lines), Firehose `DATA_MESSAGE`s,
    /// Logs Insights (`@message`).
    CloudWatch,
    /// GKE through Cloud Logging: a `LogEntry` with a `protoPayload` AuditLog.
    Gke,
    /// AKS diagnostic settings, category `kube-audit`.
    AksDiagnostics,
    /// AKS diagnostic settings, category `kube-audit-admin`: get and list are
    /// not logged, so secret reads cannot be seen.
    AksAuditAdmin,
    /// AKS Log Analytics rows (`AKSAudit`, PascalCase columns).
    AksLogAnalytics,
    /// Elastic's Kubernetes integration (`kubernetes.audit.*`).
    Elastic,
}

impl Dialect {
    pub const ALL: [Dialect; 7] = [
        Dialect::Native,
        Dialect::CloudWatch,
        Dialect::Gke,
        Dialect::AksDiagnostics,
        Dialect::AksAuditAdmin,
        Dialect::AksLogAnalytics,
        Dialect::Elastic,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Native => "Kubernetes audit JSON",
            Dialect::CloudWatch => "EKS via CloudWatch Logs",
            Dialect::Gke => "GKE Cloud Logging (LogEntry)",
            Dialect::AksDiagnostics => "AKS diagnostics (kube-audit)",
            Dialect::AksAuditAdmin => "AKS diagnostics (kube-audit-admin)",
            Dialect::AksLogAnalytics => "AKS Log Analytics (AKSAudit rows)",
            Dialect::Elastic => "Elastic (kubernetes.audit)",
        }
    }

    /// The stable id used in jsonl output.
    pub fn id(self) -> &'static str {
        match self {
            Dialect::Native => "native",
            Dialect::CloudWatch => "eks-cloudwatch",
            Dialect::Gke => "gke-logentry",
            Dialect::AksDiagnostics => "aks-kube-audit",
            Dialect::AksAuditAdmin => "aks-kube-audit-admin",
            Dialect::AksLogAnalytics => "aks-log-analytics",
            Dialect::Elastic => "elastic",
        }
    }

    /// What this source cannot show, said wherever its input is summarised.
    pub fn blind_spot(self) -> Option<&'static str> {
        match self {
            Dialect::AksAuditAdmin => Some(
                "kube-audit-admin leaves out get and list requests: secret reads cannot be seen \
                 in this input (export the kube-audit category instead)",
            ),
            Dialect::Gke => Some(
                "GKE audit entries carry no user groups: a binding to a Group cannot be linked \
                 to the identities that use it (escalate-then-loot sees User and ServiceAccount \
                 subjects only)",
            ),
            _ => None,
        }
    }
}

/// One line of the README's format list, for error messages.
pub const SUPPORTED: &str = "Kubernetes audit JSON (lines, EventList, arrays, pretty-printed), \
EKS CloudWatch (filter-log-events JSON, S3 export, Firehose, Logs Insights), \
GKE Cloud Logging (gcloud logging read --format json, sinks), \
AKS (diagnostic settings kube-audit, {\"records\":[…]}, AKSAudit rows), \
Elastic (kubernetes.audit documents, _search responses)";

/// What a foreign record holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adapted {
    /// Audit events, each as native Event JSON text, with where it came from.
    Events(Vec<(Dialect, String)>),
    /// A record that by design carries no audit event (a CloudWatch control
    /// message, a GKE entry of another Google service, an AKS log category
    /// that is not an audit log): counted, not an error.
    Ignored(&'static str),
    /// Not a format ktriage reads: what it looked like.
    Unknown(String),
}

/// How deep wrappers may nest (records → message → …): hostile input cannot
/// recurse without end.
const MAX_DEPTH: usize = 6;

/// Adapt one record the native parser rejected. `None`: not JSON at all
/// (and not a timestamp-prefixed line), so the caller keeps its own error.
pub fn adapt(text: &str) -> Option<Adapted> {
    if let Some(event) = cloudwatch::strip_time_prefix(text) {
        return Some(Adapted::Events(vec![(
            Dialect::CloudWatch,
            event.to_string(),
        )]));
    }
    let value: Value = serde_json::from_str(text).ok()?;
    Some(adapt_value(&value))
}

/// Adapt one parsed JSON value.
pub fn adapt_value(v: &Value) -> Adapted {
    let mut out = Out::default();
    walk(v, 0, None, &mut out);
    out.finish(v)
}

#[derive(Default)]
struct Out {
    events: Vec<(Dialect, String)>,
    ignored: Option<&'static str>,
    unknown: Option<String>,
}

impl Out {
    fn finish(self, v: &Value) -> Adapted {
        if !self.events.is_empty() {
            Adapted::Events(self.events)
        } else if let Some(u) = self.unknown {
            Adapted::Unknown(u)
        } else if let Some(i) = self.ignored {
            Adapted::Ignored(i)
        } else {
            Adapted::Unknown(shape(v))
        }
    }
}

/// Visit one value: an event, a wrapper to expand, or something unknown.
/// `dialect` is the wrapper's, when the inner event text is native JSON.
fn walk(v: &Value, depth: usize, dialect: Option<Dialect>, out: &mut Out) {
    if depth > MAX_DEPTH {
        out.unknown
            .get_or_insert_with(|| "wrappers nested too deeply".into());
        return;
    }
    match v {
        Value::Array(items) => {
            for item in items {
                walk(item, depth + 1, dialect, out);
            }
        }
        Value::Object(m) => walk_object(m, depth, dialect, out),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            // A message holding JSON: the event itself, or another wrapper.
            Ok(inner @ Value::Object(_)) => walk(&inner, depth + 1, dialect, out),
            _ => {
                out.unknown
                    .get_or_insert_with(|| format!("a text message ({})", clip(s, 60)));
            }
        },
        other => {
            out.unknown.get_or_insert_with(|| shape(other));
        }
    }
}

fn walk_object(m: &Map<String, Value>, depth: usize, dialect: Option<Dialect>, out: &mut Out) {
    // Native events (possibly minimal) first: a message or `_source` often
    // holds one as it is.
    if is_native(m) {
        let d = dialect.unwrap_or(Dialect::Native);
        out.events.push((d, native_text(m)));
        return;
    }
    // Wrappers.
    for key in ["events", "records", "items"] {
        if let Some(Value::Array(items)) = m.get(key) {
            let d = if key == "events" {
                Some(Dialect::CloudWatch)
            } else {
                dialect
            };
            for item in items {
                walk(item, depth + 1, d, out);
            }
            return;
        }
    }
    if let Some(Value::Array(items)) = m.get("logEvents") {
        if m.get("messageType").and_then(Value::as_str) == Some("CONTROL_MESSAGE") {
            out.ignored = Some("CloudWatch control message");
            return;
        }
        for item in items {
            walk(item, depth + 1, Some(Dialect::CloudWatch), out);
        }
        return;
    }
    if let Some(Value::Object(h)) = m.get("hits") {
        if let Some(Value::Array(items)) = h.get("hits") {
            for item in items {
                walk(item, depth + 1, Some(Dialect::Elastic), out);
            }
            return;
        }
    }
    if let Some(src @ Value::Object(_)) = m.get("_source") {
        walk(src, depth + 1, Some(Dialect::Elastic), out);
        return;
    }
    // Provider records.
    if m.contains_key("protoPayload") {
        match gke::convert(m) {
            Ok(Some(text)) => out.events.push((Dialect::Gke, text)),
            Ok(None) => out.ignored = Some("Cloud Logging entry of another service"),
            Err(why) => {
                out.unknown.get_or_insert(why);
            }
        }
        return;
    }
    if m.contains_key("category") && m.contains_key("properties") {
        match aks::diagnostic(m) {
            aks::Diagnostic::Event(d, inner) => walk(&inner, depth + 1, Some(d), out),
            aks::Diagnostic::OtherCategory => {
                out.ignored = Some("AKS diagnostic record of a non-audit category")
            }
            aks::Diagnostic::Bad(why) => {
                out.unknown.get_or_insert(why);
            }
        }
        return;
    }
    if elastic::is_elastic(m) {
        match elastic::convert(m) {
            Ok(text) => out.events.push((Dialect::Elastic, text)),
            Err(why) => {
                out.unknown.get_or_insert(why);
            }
        }
        return;
    }
    if aks::is_log_analytics_row(m) {
        match aks::log_analytics(m) {
            Ok((d, text)) => out.events.push((d, text)),
            Err(why) => {
                out.unknown.get_or_insert(why);
            }
        }
        return;
    }
    if let Some(msg) = m.get("@message").or_else(|| m.get("message")) {
        if let Some(s) = msg.as_str() {
            if cloudwatch::is_control_message(s) {
                out.ignored = Some("CloudWatch control message");
                return;
            }
            if let Some(event) = cloudwatch::strip_time_prefix(s) {
                return walk(&Value::String(event.to_string()), depth + 1, dialect, out);
            }
        }
        return walk(msg, depth + 1, Some(Dialect::CloudWatch), out);
    }
    out.unknown
        .get_or_insert_with(|| shape(&Value::Object(m.clone())));
}

/// A native Event, full or minimal: `kind: "Event"` with a verb (no
/// apiVersion, auditID or requestURI needed), or the API server's own
/// shape (an audit apiVersion, or a verb with an auditID or requestURI).
fn is_native(m: &Map<String, Value>) -> bool {
    let s = |k: &str| m.get(k).and_then(Value::as_str);
    match (s("kind"), s("apiVersion")) {
        (Some(k), _) if k != "Event" => return false,
        (_, Some(a)) if !a.starts_with("audit.k8s.io/") => return false,
        (Some(_), Some(_)) => return true,
        _ => {}
    }
    s("verb").is_some()
        && (s("kind").is_some() || m.contains_key("auditID") || m.contains_key("requestURI"))
}

fn native_text(m: &Map<String, Value>) -> String {
    serde_json::to_string(m).unwrap_or_default()
}

/// "JSON object with keys a, b, c, …" (a few keys, in order of the text).
pub fn shape(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&str> = m.keys().map(String::as_str).take(6).collect();
            if m.len() > 6 {
                keys.push("…");
            }
            if keys.is_empty() {
                "an empty JSON object".into()
            } else {
                format!("JSON object with keys {}", keys.join(", "))
            }
        }
        Value::Array(a) => format!(
            "JSON array of {}",
            crate::words::count_of(a.len(), "item", "items")
        ),
        Value::String(_) => "a JSON string".into(),
        Value::Number(_) => "a JSON number".into(),
        Value::Bool(_) => "a JSON boolean".into(),
        Value::Null => "JSON null".into(),
    }
}

fn clip(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().nth(n).is_some() {
        out.push('…');
    }
    out
}

/// Helpers shared by the adapters.
pub(crate) mod json {
    use serde_json::{Map, Value};

    pub fn str_at<'v>(m: &'v Map<String, Value>, path: &[&str]) -> Option<&'v str> {
        at(m, path).and_then(Value::as_str)
    }

    pub fn at<'v>(m: &'v Map<String, Value>, path: &[&str]) -> Option<&'v Value> {
        let (first, rest) = path.split_first()?;
        let mut v = m.get(*first)?;
        for k in rest {
            v = v.as_object()?.get(*k)?;
        }
        Some(v)
    }

    /// A value that exporters give either as JSON or as a string holding
    /// JSON (Log Analytics `dynamic` columns, AKS `properties.log`).
    pub fn dynamic(v: &Value) -> Option<Value> {
        match v {
            Value::String(s) => {
                let t = s.trim();
                if t.starts_with('{') || t.starts_with('[') {
                    serde_json::from_str(t).ok()
                } else {
                    None
                }
            }
            Value::Null => None,
            other => Some(other.clone()),
        }
    }

    /// An integer given as a number or as a string ("7").
    pub fn int(v: &Value) -> Option<i64> {
        match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// Source IPs as an array, one string, or a comma-separated string.
    pub fn ips(v: &Value) -> Vec<Value> {
        match v {
            Value::Array(a) => a.iter().filter(|x| x.is_string()).cloned().collect(),
            Value::String(s) => match dynamic(v) {
                Some(Value::Array(a)) => a.into_iter().filter(|x| x.is_string()).collect(),
                _ => s
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| Value::String(p.to_string()))
                    .collect(),
            },
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_and_minimal_events_pass_through() {
        let a = adapt(r#"{"kind":"Event","verb":"get","objectRef":{"resource":"secrets"}}"#);
        assert!(matches!(a, Some(Adapted::Events(ref e)) if e[0].0 == Dialect::Native));
        // A core/v1 Event (a Kubernetes event object) is not an audit event.
        let a = adapt(r#"{"kind":"Event","apiVersion":"v1","reason":"Pulled"}"#).unwrap();
        assert!(matches!(a, Adapted::Unknown(_)), "{a:?}");
    }

    #[test]
    fn unknown_shapes_are_described() {
        let a = adapt(r#"{"insertId":"x","jsonPayload":{"a":1}}"#).unwrap();
        assert_eq!(
            a,
            Adapted::Unknown("JSON object with keys insertId, jsonPayload".into())
        );
        assert_eq!(adapt("not json"), None);
    }

    #[test]
    fn wrappers_nest_but_not_forever() {
        let mut v = r#"{"kind":"Event","verb":"get"}"#.to_string();
        for _ in 0..20 {
            v = format!("{{\"records\":[{v}]}}");
        }
        assert!(matches!(adapt(&v), Some(Adapted::Unknown(_))));
    }
}
