//! Requests and their rendering: `objectRef`, audit levels and stages, and
//! the JSON line of each stage of an event.

use super::*;

/// `objectRef`; empty strings are absent fields.
#[derive(Clone, Copy, Default)]
pub(super) struct Obj<'a> {
    pub(super) resource: &'a str,
    pub(super) ns: &'a str,
    pub(super) name: &'a str,
    pub(super) uid: &'a str,
    pub(super) group: &'a str,
    pub(super) version: &'a str,
    pub(super) rv: &'a str,
    pub(super) sub: &'a str,
}

impl<'a> Obj<'a> {
    pub(super) fn new(resource: &'a str) -> Self {
        Obj {
            resource,
            version: "v1",
            ..Default::default()
        }
    }
    pub(super) fn ns(mut self, ns: &'a str) -> Self {
        self.ns = ns;
        self
    }
    pub(super) fn name(mut self, name: &'a str) -> Self {
        self.name = name;
        self
    }
    pub(super) fn group(mut self, group: &'a str, version: &'a str) -> Self {
        self.group = group;
        self.version = version;
        self
    }
    pub(super) fn sub(mut self, sub: &'a str) -> Self {
        self.sub = sub;
        self
    }
    pub(super) fn uid_rv(mut self, uid: &'a str, rv: &'a str) -> Self {
        self.uid = uid;
        self.rv = rv;
        self
    }

    /// The request path for `verb` on this object.
    pub(super) fn path(&self, verb: &str) -> String {
        let mut p = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        if !self.ns.is_empty() {
            p.push_str("/namespaces/");
            p.push_str(self.ns);
        }
        p.push('/');
        p.push_str(self.resource);
        if !self.name.is_empty() && (verb != "create" || !self.sub.is_empty()) {
            p.push('/');
            p.push_str(self.name);
        }
        if !self.sub.is_empty() {
            p.push('/');
            p.push_str(self.sub);
        }
        p
    }

    pub(super) fn is_rbac(&self) -> bool {
        self.group == "rbac.authorization.k8s.io"
            && matches!(
                self.resource,
                "roles" | "clusterroles" | "rolebindings" | "clusterrolebindings"
            )
    }
}

pub(super) const WRITES: [&str; 5] = ["create", "update", "patch", "delete", "deletecollection"];

/// The policy's stages: these requests also log `RequestReceived`.
pub(super) fn logs_request_received(obj: Option<&Obj<'_>>, verb: &str) -> bool {
    let Some(o) = obj else { return false };
    (o.resource == "secrets" && o.sub.is_empty())
        || (o.resource == "serviceaccounts" && o.sub == "token")
        || (o.resource == "pods" && matches!(o.sub, "exec" | "attach" | "portforward"))
        || (o.is_rbac() && WRITES.contains(&verb))
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
}

/// One request, as the handler saw it.
pub(super) struct Req<'a> {
    pub(super) who: &'a Actor,
    pub(super) verb: &'a str,
    pub(super) uri: &'a str,
    pub(super) obj: Option<Obj<'a>>,
    pub(super) code: u16,
    pub(super) level: Level,
    pub(super) req_obj: Option<&'a str>,
    pub(super) resp_obj: Option<&'a str>,
    /// `impersonatedUser`, raw JSON.
    pub(super) imp: Option<&'a str>,
    pub(super) reason: Option<&'a str>,
    /// Extra annotation pairs, raw JSON (`,"k":"v"`).
    pub(super) annotations: &'a str,
}

impl<'a> Req<'a> {
    pub(super) fn new(who: &'a Actor, verb: &'a str, uri: &'a str, obj: Option<Obj<'a>>) -> Self {
        Req {
            who,
            verb,
            uri,
            obj,
            code: if verb == "create" { 201 } else { 200 },
            level: Level::Metadata,
            req_obj: None,
            resp_obj: None,
            imp: None,
            reason: None,
            annotations: "",
        }
    }
    pub(super) fn code(mut self, code: u16) -> Self {
        self.code = code;
        self
    }
    pub(super) fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }
    pub(super) fn bodies(mut self, req: Option<&'a str>, resp: Option<&'a str>) -> Self {
        self.req_obj = req;
        self.resp_obj = resp;
        self
    }
    pub(super) fn reason(mut self, r: &'a str) -> Self {
        self.reason = Some(r);
        self
    }
    pub(super) fn annotations(mut self, a: &'a str) -> Self {
        self.annotations = a;
        self
    }
}

#[derive(Clone, Copy)]
pub(super) enum Mode {
    /// A plain request: one stage (two when the policy logs RequestReceived).
    Plain { lat: i64 },
    /// A watch: ResponseStarted now, ResponseComplete after `timeout` seconds.
    Watch { lat: i64, timeout: i64 },
    /// An upgraded stream (exec, port-forward): ResponseStarted (101) only.
    Stream { lat: i64 },
}

pub(super) fn push_obj(buf: &mut Vec<u8>, o: &Obj<'_>, verb: &str, full: bool) {
    buf.extend_from_slice(b"{\"resource\":");
    push_js(buf, o.resource);
    if !o.ns.is_empty() {
        buf.extend_from_slice(b",\"namespace\":");
        push_js(buf, o.ns);
    }
    // A create's RequestReceived has no name yet (it comes from the body).
    let creating = verb == "create" && o.sub.is_empty();
    if !o.name.is_empty() && (full || !creating) {
        buf.extend_from_slice(b",\"name\":");
        push_js(buf, o.name);
    }
    if full && !o.uid.is_empty() {
        buf.extend_from_slice(b",\"uid\":");
        push_js(buf, o.uid);
    }
    if !o.group.is_empty() {
        buf.extend_from_slice(b",\"apiGroup\":");
        push_js(buf, o.group);
    }
    buf.extend_from_slice(b",\"apiVersion\":");
    push_js(buf, o.version);
    if full && !o.rv.is_empty() {
        buf.extend_from_slice(b",\"resourceVersion\":");
        push_js(buf, o.rv);
    }
    if !o.sub.is_empty() {
        buf.extend_from_slice(b",\"subresource\":");
        push_js(buf, o.sub);
    }
    buf.push(b'}');
}

pub(super) fn push_status(buf: &mut Vec<u8>, r: &Req<'_>, code: u16, effective: &str) {
    if code < 400 {
        buf.extend_from_slice(b"{\"metadata\":{},\"code\":");
        push_u64(buf, code as u64);
        buf.push(b'}');
        return;
    }
    let o = r.obj.unwrap_or_default();
    let target = if o.name.is_empty() {
        o.resource.to_string()
    } else {
        format!("{} \"{}\"", o.resource, o.name)
    };
    let (message, reason) = if code == 404 {
        (format!("{target} not found"), "NotFound")
    } else {
        let resource = if o.sub.is_empty() {
            o.resource.to_string()
        } else {
            format!("{}/{}", o.resource, o.sub)
        };
        let scope = if o.ns.is_empty() {
            "at the cluster scope".to_string()
        } else {
            format!("in the namespace \"{}\"", o.ns)
        };
        (
            format!(
                "{target} is forbidden: User \"{effective}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
                r.verb, o.group
            ),
            "Forbidden",
        )
    };
    buf.extend_from_slice(b"{\"metadata\":{},\"status\":\"Failure\",\"message\":");
    push_js(buf, &message);
    buf.extend_from_slice(b",\"reason\":");
    push_js(buf, reason);
    buf.extend_from_slice(b",\"details\":{");
    if !o.name.is_empty() {
        buf.extend_from_slice(b"\"name\":");
        push_js(buf, o.name);
        buf.push(b',');
    }
    if !o.group.is_empty() {
        buf.extend_from_slice(b"\"group\":");
        push_js(buf, o.group);
        buf.push(b',');
    }
    buf.extend_from_slice(b"\"kind\":");
    push_js(buf, o.resource);
    buf.extend_from_slice(b"},\"code\":");
    push_u64(buf, code as u64);
    buf.push(b'}');
}

/// One stage of one request, as a line (with its newline).
#[allow(clippy::too_many_arguments)]
pub(super) fn render(
    buf: &mut Vec<u8>,
    r: &Req<'_>,
    id: (u64, u64),
    stage: Stage,
    received: i64,
    at: i64,
    code: u16,
) {
    let full = stage != Stage::RequestReceived;
    buf.extend_from_slice(b"{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"");
    buf.extend_from_slice(r.level.as_str().as_bytes());
    buf.extend_from_slice(b"\",\"auditID\":\"");
    push_uuid(buf, id.0, id.1);
    buf.extend_from_slice(b"\",\"stage\":\"");
    buf.extend_from_slice(match stage {
        Stage::RequestReceived => b"RequestReceived".as_slice(),
        Stage::ResponseStarted => b"ResponseStarted".as_slice(),
        Stage::ResponseComplete => b"ResponseComplete".as_slice(),
    });
    buf.extend_from_slice(b"\",\"requestURI\":");
    push_js(buf, r.uri);
    buf.extend_from_slice(b",\"verb\":\"");
    buf.extend_from_slice(r.verb.as_bytes());
    buf.extend_from_slice(b"\",\"user\":");
    r.who.push_user(buf, received);
    let mut effective = r.who.username.as_str();
    if let (true, Some(imp)) = (full, r.imp) {
        buf.extend_from_slice(b",\"impersonatedUser\":");
        buf.extend_from_slice(imp.as_bytes());
        effective = imp.split('"').nth(3).unwrap_or(effective);
    }
    buf.extend_from_slice(b",\"sourceIPs\":");
    buf.extend_from_slice(r.who.ips.as_bytes());
    buf.extend_from_slice(b",\"userAgent\":");
    buf.extend_from_slice(r.who.ua.as_bytes());
    if let Some(o) = &r.obj {
        buf.extend_from_slice(b",\"objectRef\":");
        push_obj(buf, o, r.verb, full);
    }
    if full {
        buf.extend_from_slice(b",\"responseStatus\":");
        push_status(buf, r, code, effective);
        if let (Some(body), true) = (r.req_obj, r.level != Level::Metadata) {
            buf.extend_from_slice(b",\"requestObject\":");
            buf.extend_from_slice(body.as_bytes());
        }
        if let (Some(body), true) = (
            r.resp_obj,
            r.level == Level::RequestResponse && stage == Stage::ResponseComplete,
        ) {
            buf.extend_from_slice(b",\"responseObject\":");
            buf.extend_from_slice(body.as_bytes());
        }
    }
    buf.extend_from_slice(b",\"requestReceivedTimestamp\":\"");
    push_ts(buf, received);
    buf.extend_from_slice(b"\",\"stageTimestamp\":\"");
    push_ts(buf, at);
    buf.push(b'"');
    if full {
        let forbid = matches!(r.code, 401 | 403);
        buf.extend_from_slice(b",\"annotations\":{\"authorization.k8s.io/decision\":\"");
        buf.extend_from_slice(if forbid {
            b"forbid".as_slice()
        } else {
            b"allow".as_slice()
        });
        buf.extend_from_slice(b"\",\"authorization.k8s.io/reason\":");
        push_js(
            buf,
            if forbid {
                ""
            } else {
                r.reason.unwrap_or(&r.who.reason)
            },
        );
        buf.extend_from_slice(r.annotations.as_bytes());
        buf.push(b'}');
    }
    buf.extend_from_slice(b"}\n");
}
