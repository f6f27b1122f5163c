//! GKE through Cloud Logging: one `LogEntry` per request whose
//! `protoPayload` is a `google.cloud.audit.AuditLog` (serviceName `k8s.io`).
//! GKE logs one entry per request, so there are no stages: each becomes one
//! `ResponseComplete` event.
//!
//! The mapping (Cloud Audit Logs' AuditLog → audit.k8s.io Event):
//! - `methodName` `io.k8s.core.v1.secrets.get` → verb `get`, resource
//!   `secrets`; `io.k8s.core.v1.pods.exec.create` → `create` on `pods` /
//!   `exec`; `io.k8s.authorization.rbac.v1.clusterrolebindings.create` →
//!   `create` on `clusterrolebindings`;
//! - `resourceName` `core/v1/namespaces/NS/secrets/NAME` → namespace, name,
//!   API group (`core` is the empty group);
//! - `authenticationInfo.principalEmail` → `user.username`;
//! - `requestMetadata.callerIp` / `callerSuppliedUserAgent` → `sourceIPs` /
//!   `userAgent`;
//! - `status.code` is a gRPC code: 0 → 200, 7 (permission denied) → 403,
//!   16 (unauthenticated) → 401, 5 (not found) → 404, others to their HTTP
//!   equivalents;
//! - `request` / `response` → `requestObject` / `responseObject` (RBAC
//!   objects; exec options, whose command goes into a synthesised
//!   `requestURI` as the API server would write it);
//! - `labels["authorization.k8s.io/decision"]` and `…/reason` → annotations;
//! - `operation.id` (else `insertId`) → `auditID`; `timestamp` → both times.

use super::json::{int, str_at};
use serde_json::{Map, Value, json};

/// `Ok(None)`: an AuditLog entry of another Google service (not a
/// Kubernetes API request); `Err`: a k8s entry too broken to map.
pub fn convert(entry: &Map<String, Value>) -> Result<Option<String>, String> {
    let Some(p) = entry.get("protoPayload").and_then(Value::as_object) else {
        return Err("Cloud Logging entry whose protoPayload is not an object".into());
    };
    let method = p.get("methodName").and_then(Value::as_str).unwrap_or("");
    let service = p.get("serviceName").and_then(Value::as_str).unwrap_or("");
    let Some(m) = Method::parse(method) else {
        return if service == "k8s.io" {
            Err(format!(
                "GKE entry with an unreadable methodName ({})",
                method.chars().take(80).collect::<String>()
            ))
        } else {
            Ok(None)
        };
    };
    let rn = Resource::parse(p.get("resourceName").and_then(Value::as_str).unwrap_or(""));
    let user = str_at(p, &["authenticationInfo", "principalEmail"]).unwrap_or("");
    let ip = str_at(p, &["requestMetadata", "callerIp"]);
    let agent = str_at(p, &["requestMetadata", "callerSuppliedUserAgent"]);
    let code = p
        .get("status")
        .and_then(|s| s.get("code"))
        .and_then(int)
        .unwrap_or(0);
    let time = entry.get("timestamp").and_then(Value::as_str);
    let audit_id = str_at(entry, &["operation", "id"])
        .or_else(|| entry.get("insertId").and_then(Value::as_str));

    let mut ev = Map::new();
    ev.insert("kind".into(), json!("Event"));
    ev.insert("apiVersion".into(), json!("audit.k8s.io/v1"));
    ev.insert("level".into(), json!(level(p)));
    if let Some(id) = audit_id {
        ev.insert("auditID".into(), json!(id));
    }
    ev.insert("stage".into(), json!("ResponseComplete"));
    ev.insert("verb".into(), json!(m.verb));
    ev.insert(
        "requestURI".into(),
        json!(request_uri(&m, &rn, p.get("request"))),
    );
    ev.insert("user".into(), json!({ "username": user }));
    if let Some(ip) = ip {
        ev.insert("sourceIPs".into(), json!([ip]));
    }
    if let Some(a) = agent {
        ev.insert("userAgent".into(), json!(a));
    }
    let mut obj = Map::new();
    obj.insert("resource".into(), json!(m.resource));
    if let Some(s) = &m.subresource {
        obj.insert("subresource".into(), json!(s));
    }
    if let Some(ns) = &rn.namespace {
        obj.insert("namespace".into(), json!(ns));
    }
    if let Some(n) = &rn.name {
        obj.insert("name".into(), json!(n));
    }
    if !rn.group.is_empty() {
        obj.insert("apiGroup".into(), json!(rn.group));
    }
    if !rn.version.is_empty() {
        obj.insert("apiVersion".into(), json!(rn.version));
    }
    ev.insert("objectRef".into(), Value::Object(obj));
    ev.insert("responseStatus".into(), json!({ "code": http_code(code) }));
    if let Some(r) = p.get("request").filter(|v| v.is_object()) {
        ev.insert("requestObject".into(), r.clone());
    }
    if let Some(r) = p.get("response").filter(|v| v.is_object()) {
        ev.insert("responseObject".into(), r.clone());
    }
    let mut ann = Map::new();
    if let Some(labels) = entry.get("labels").and_then(Value::as_object) {
        for k in [
            "authorization.k8s.io/decision",
            "authorization.k8s.io/reason",
        ] {
            if let Some(v) = labels.get(k).and_then(Value::as_str) {
                ann.insert(k.into(), json!(v));
            }
        }
    }
    if !ann.is_empty() {
        ev.insert("annotations".into(), Value::Object(ann));
    }
    if let Some(t) = time {
        ev.insert("requestReceivedTimestamp".into(), json!(t));
        ev.insert("stageTimestamp".into(), json!(t));
    }
    Ok(Some(Value::Object(ev).to_string()))
}

fn level(p: &Map<String, Value>) -> &'static str {
    if p.contains_key("response") {
        "RequestResponse"
    } else if p.contains_key("request") {
        "Request"
    } else {
        "Metadata"
    }
}

/// gRPC status codes (google.rpc.Code) → the HTTP status the API server sent.
fn http_code(grpc: i64) -> i64 {
    match grpc {
        0 => 200,
        1 => 499,
        3 | 9 | 11 => 400,
        4 => 504,
        5 => 404,
        6 | 10 => 409,
        7 => 403,
        8 => 429,
        12 => 501,
        14 => 503,
        16 => 401,
        _ => 500,
    }
}

/// `io.k8s.<group>.<version>.<resource>[.<subresource>].<verb>`.
struct Method {
    resource: String,
    subresource: Option<String>,
    verb: String,
}

impl Method {
    fn parse(m: &str) -> Option<Method> {
        let rest = m.strip_prefix("io.k8s.")?;
        let parts: Vec<&str> = rest.split('.').collect();
        let vi = parts.iter().position(|p| is_version(p))?;
        let tail = &parts[vi + 1..];
        let (resource, subresource, verb) = match tail {
            [r, v] => (*r, None, *v),
            [r, s, v] => (*r, Some(*s), *v),
            _ => return None,
        };
        (!resource.is_empty() && !verb.is_empty()).then(|| Method {
            resource: resource.to_string(),
            subresource: subresource.map(str::to_string),
            verb: verb.to_string(),
        })
    }
}

fn is_version(p: &str) -> bool {
    let Some(rest) = p.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let tail = &rest[digits..];
    tail.is_empty()
        || ["alpha", "beta"].iter().any(|w| {
            tail.strip_prefix(w)
                .is_some_and(|n| n.bytes().all(|c| c.is_ascii_digit()))
        })
}

/// `core/v1/namespaces/NS/secrets/NAME[/SUB]`, `rbac.authorization.k8s.io/v1/clusterrolebindings/NAME`.
#[derive(Default)]
struct Resource {
    group: String,
    version: String,
    namespace: Option<String>,
    name: Option<String>,
    /// The path after the version, for the synthesised requestURI.
    path: String,
}

impl Resource {
    fn parse(rn: &str) -> Resource {
        let segs: Vec<&str> = rn.split('/').filter(|s| !s.is_empty()).collect();
        if segs.len() < 3 {
            return Resource::default();
        }
        let group = if segs[0] == "core" { "" } else { segs[0] };
        let rest = &segs[2..];
        // namespaces/NS/<resource>/… ; a bare namespaces/NS is the namespace itself.
        let (namespace, after) = match rest {
            ["namespaces", ns, more @ ..] if !more.is_empty() => (Some(*ns), more),
            _ => (None, rest),
        };
        Resource {
            group: group.to_string(),
            version: segs[1].to_string(),
            namespace: namespace.map(str::to_string),
            name: after.get(1).map(|s| s.to_string()),
            path: rest.join("/"),
        }
    }
}

/// The URI the API server would have logged, with exec options as query
/// parameters (the engine reads the exec command from there).
fn request_uri(m: &Method, rn: &Resource, request: Option<&Value>) -> String {
    let prefix = if rn.group.is_empty() {
        format!("/api/{}", rn.version)
    } else {
        format!("/apis/{}/{}", rn.group, rn.version)
    };
    let mut uri = if rn.path.is_empty() {
        format!("/api/v1/{}", m.resource)
    } else {
        format!("{prefix}/{}", rn.path)
    };
    if let Some(opts) = request.and_then(Value::as_object) {
        let mut q = Vec::new();
        if let Some(cmd) = opts.get("command").and_then(Value::as_array) {
            for c in cmd.iter().filter_map(Value::as_str) {
                q.push(format!("command={}", encode(c)));
            }
        }
        if let Some(c) = opts.get("container").and_then(Value::as_str) {
            q.push(format!("container={}", encode(c)));
        }
        for k in ["stdin", "stdout", "stderr", "tty"] {
            if let Some(b) = opts.get(k).and_then(Value::as_bool) {
                q.push(format!("{k}={b}"));
            }
        }
        if !q.is_empty() {
            uri.push('?');
            uri.push_str(&q.join("&"));
        }
    }
    uri
}

/// Percent-encode a query value (everything but unreserved characters).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_and_resource_names() {
        let m = Method::parse("io.k8s.core.v1.pods.exec.create").unwrap();
        assert_eq!((m.resource.as_str(), m.verb.as_str()), ("pods", "create"));
        assert_eq!(m.subresource.as_deref(), Some("exec"));
        let m = Method::parse("io.k8s.authorization.rbac.v1.clusterrolebindings.create").unwrap();
        assert_eq!(m.resource, "clusterrolebindings");
        assert!(Method::parse("io.k8s.apps.v1beta2.deployments.list").is_some());
        assert!(Method::parse("google.container.v1.ClusterManager.GetCluster").is_none());

        let r = Resource::parse("core/v1/namespaces/prod/secrets/db");
        assert_eq!(r.namespace.as_deref(), Some("prod"));
        assert_eq!(r.name.as_deref(), Some("db"));
        let r = Resource::parse("core/v1/namespaces/prod/secrets");
        assert_eq!((r.namespace.as_deref(), r.name), (Some("prod"), None));
        let r = Resource::parse("rbac.authorization.k8s.io/v1/clusterrolebindings/x");
        assert_eq!(
            (r.group.as_str(), r.name.as_deref()),
            ("rbac.authorization.k8s.io", Some("x"))
        );
        let r = Resource::parse("core/v1/namespaces/prod");
        assert_eq!((r.namespace, r.name.as_deref()), (None, Some("prod")));
    }

    #[test]
    fn grpc_codes() {
        assert_eq!(http_code(7), 403);
        assert_eq!(http_code(16), 401);
        assert_eq!(http_code(5), 404);
        assert_eq!(http_code(0), 200);
    }
}
