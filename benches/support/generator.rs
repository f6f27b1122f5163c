//! A deterministic generator of realistic kube-apiserver audit traffic, for
//! ktriage's benchmarks and tests.
//!
//! The same seed and size always give the same bytes: a splitmix64 PRNG, no
//! clock, no hash-map iteration. Output is JSON lines, one `audit.k8s.io/v1`
//! `Event` per line, as the API server's log backend writes them (Go struct
//! field order, compact, `&` `<` `>` escaped as `\u0026` `\u003c` `\u003e`),
//! streamed through any [`Write`] in constant memory.
//!
//! # The cluster
//!
//! 24 worker nodes and a control-plane node; application pods in `prod`,
//! `staging`, `payments`, `myapp`, `podinfo`, `monitoring`; and the controllers
//! a busy cluster runs: kubelets (leases, node and pod status, the secrets and
//! configmaps their pods mount, projected service-account tokens),
//! kube-controller-manager and its `kube-system` service accounts (shared
//! informers over secrets and everything else, the tokens controller, garbage
//! collection, ClusterRole aggregation), kube-scheduler, CoreDNS,
//! kube-state-metrics, metrics-server (token and subject access reviews),
//! cert-manager, external-secrets, the secrets-store CSI provider, Flux
//! (source, kustomize, helm controllers, `sh.helm.release.v1.*` release
//! secrets), Argo CD, trivy-operator, Prometheus scraping `/metrics`, load
//! balancer and kube-probe health checks, people running kubectl (pods,
//! deployments, logs, describe, top, port-forward, a few forbidden requests)
//! and `helm get`, and a CI account applying deployments.
//!
//! # Audit policy
//!
//! As `scripts/make-sample-logs.py` documents: RBAC writes at
//! `RequestResponse`; Flux and CI applies of deployments/configmaps at
//! `Request` (a `requestObject` of a few hundred bytes to several KB);
//! everything else at `Metadata`. Secrets, `serviceaccounts/token`,
//! `pods/exec|attach|portforward` and RBAC writes also log `RequestReceived`.
//! Watches log `ResponseStarted`, then `ResponseComplete` when their 5-10
//! minute server-side timeout ends; exec and port-forward streams log
//! `ResponseStarted` (101) only.
//!
//! # Time
//!
//! Log time starts at 2026-07-01T08:00:00Z and advances with the bytes
//! written: the whole file covers [`span_for`] (two hours, or more for files
//! large enough to need more than 1,000 events/s). So an attack placed at a
//! fraction of the file is at the same log time whatever the size, and every
//! attack comes after ktriage's one-hour learning period. Events are written
//! in `stageTimestamp` order. The log opens as the API server restarts: every
//! informer relists and every controller that reads secrets reads one, so the
//! learning hour sees every benign secret-reading client (the baseline rules
//! `secret-read-new-client` and `sa-token-context-mismatch` learn them).
//!
//! # Attacks
//!
//! [`ATTACKS`] are injected at fixed fractions of the target size (the same
//! set for 10M and 4G); [`EXPECTED`] is the exact (rule, identity) set that
//! ktriage with its default allowlist and config must report for a generated
//! file, and nothing else: the benign traffic is silent.

#![allow(dead_code)]

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::io::{self, Write};
use std::rc::Rc;

/// Bump when the bytes for a given seed and size change: `scripts/bench.sh`
/// names its cached files with it (`gen-audit --version` prints it).
pub const VERSION: u32 = 1;

// ------------------------------------------------------------------ sizes

/// The smallest size [`generate`] accepts: below it the restart burst at
/// the start would not fit in the learning hour.
pub const MIN_SIZE: u64 = 1 << 20;

/// Parse a size: `123` (bytes), `512K`, `10M`, `1G`, `4G` (binary units;
/// `KiB`/`MB`/`GiB`… spellings accepted).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().map_err(|_| format!("bad size `{s}`"))?;
    let mult: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(format!("bad size unit in `{s}` (K, M, G, T)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size `{s}` too large"))
}

// ------------------------------------------------------------------ PRNG

/// splitmix64: tiny, fast, and good enough for traffic.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(mix64(seed ^ 0x6b74_7269_6167_6521))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo).max(1) as u64) as i64
    }

    /// A latency or offset in microseconds, uniform in `lo_ms..hi_ms`.
    pub fn ms(&mut self, lo_ms: i64, hi_ms: i64) -> i64 {
        self.range(lo_ms * 1000, hi_ms * 1000)
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// splitmix64's finaliser: a stateless 64-bit mix.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable 64-bit hash of some text (FNV-1a, then mixed).
fn hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    mix64(h)
}

// ------------------------------------------------------------------ time

const US: i64 = 1_000_000;
const SEC: i64 = US;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;

const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = (if z >= 0 { z } else { z - 146_096 }) / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// 2026-07-01T08:00:00Z, microseconds since the epoch: the first event.
pub const START: i64 = days_from_civil(2026, 7, 1) * 86_400 * US + 8 * HOUR;

/// The shortest log time a file covers: ktriage's default learning period
/// (1 h) plus an hour in which the attacks happen.
pub const MIN_SPAN: i64 = 2 * HOUR;

/// Rough mean bytes per event, to cap the event rate at 1,000/s.
const MEAN_EVENT_BYTES: u64 = 1000;

/// Log time a file of `size` bytes covers: two hours, or longer when that
/// would mean more than ~1,000 events per second.
pub fn span_for(size: u64) -> i64 {
    let at_1000_per_s = (size / MEAN_EVENT_BYTES / 1000) as i64 * SEC;
    at_1000_per_s.max(MIN_SPAN)
}

/// `2026-07-01T08:00:00.214392Z`: RFC 3339 with microseconds, as the audit
/// log writes it.
pub fn push_ts(buf: &mut Vec<u8>, us: i64) {
    let secs = us.div_euclid(US);
    let micros = us.rem_euclid(US);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    push_pad(buf, y as u64, 4);
    buf.push(b'-');
    push_pad(buf, m as u64, 2);
    buf.push(b'-');
    push_pad(buf, d as u64, 2);
    buf.push(b'T');
    push_pad(buf, (sod / 3600) as u64, 2);
    buf.push(b':');
    push_pad(buf, (sod / 60 % 60) as u64, 2);
    buf.push(b':');
    push_pad(buf, (sod % 60) as u64, 2);
    buf.push(b'.');
    push_pad(buf, micros as u64, 6);
    buf.push(b'Z');
}

/// RFC 3339 to the second, as object metadata writes it.
fn ts_seconds(us: i64) -> String {
    let mut b = Vec::with_capacity(27);
    push_ts(&mut b, us);
    let mut s = String::from_utf8(b).expect("ascii");
    s.replace_range(19..26, "");
    s
}

pub fn ts_string(us: i64) -> String {
    let mut b = Vec::with_capacity(27);
    push_ts(&mut b, us);
    String::from_utf8(b).expect("ascii")
}

// ------------------------------------------------------------------ JSON text

fn push_pad(buf: &mut Vec<u8>, mut v: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut i = 20;
    while v > 0 || i == 20 {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    for _ in (20 - i)..width {
        buf.push(b'0');
    }
    buf.extend_from_slice(&tmp[i..]);
}

fn push_u64(buf: &mut Vec<u8>, v: u64) {
    push_pad(buf, v, 1);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_hex(buf: &mut Vec<u8>, v: u64, digits: u32) {
    for i in (0..digits).rev() {
        buf.push(HEX[((v >> (i * 4)) & 0xf) as usize]);
    }
}

/// A version-4 layout UUID from 128 random bits.
fn push_uuid(buf: &mut Vec<u8>, a: u64, b: u64) {
    let a = (a & !0xF000) | 0x4000;
    let b = (b & !(0xC000_0000_0000_0000)) | 0x8000_0000_0000_0000;
    push_hex(buf, a >> 32, 8);
    buf.push(b'-');
    push_hex(buf, (a >> 16) & 0xffff, 4);
    buf.push(b'-');
    push_hex(buf, a & 0xffff, 4);
    buf.push(b'-');
    push_hex(buf, b >> 48, 4);
    buf.push(b'-');
    push_hex(buf, b & 0xffff_ffff_ffff, 12);
}

/// A stable UUID derived from some text (object and pod UIDs).
fn uuid_of(s: &str) -> String {
    let h = hash(s);
    let mut b = Vec::with_capacity(36);
    push_uuid(&mut b, h, mix64(h ^ 0x5555));
    String::from_utf8(b).expect("ascii")
}

fn needs_escape(c: u8) -> bool {
    c < 0x20 || matches!(c, b'"' | b'\\' | b'&' | b'<' | b'>')
}

/// A JSON string as Go's encoder writes it: `&`, `<`, `>` as `\u00XX`.
pub fn push_js(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    let bytes = s.as_bytes();
    if !bytes.iter().any(|&c| needs_escape(c)) {
        buf.extend_from_slice(bytes);
    } else {
        for &c in bytes {
            match c {
                b'"' => buf.extend_from_slice(b"\\\""),
                b'\\' => buf.extend_from_slice(b"\\\\"),
                b'\n' => buf.extend_from_slice(b"\\n"),
                b'\t' => buf.extend_from_slice(b"\\t"),
                b'\r' => buf.extend_from_slice(b"\\r"),
                c if needs_escape(c) => {
                    buf.extend_from_slice(b"\\u00");
                    push_hex(buf, c as u64, 2);
                }
                c => buf.push(c),
            }
        }
    }
    buf.push(b'"');
}

fn js(s: &str) -> String {
    let mut b = Vec::with_capacity(s.len() + 2);
    push_js(&mut b, s);
    String::from_utf8(b).expect("utf-8 in, utf-8 out")
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for &c in s.as_bytes() {
        match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(c as char)
            }
            b' ' => out.push('+'),
            c => {
                out.push('%');
                out.push(HEX[(c >> 4) as usize].to_ascii_uppercase() as char);
                out.push(HEX[(c & 15) as usize].to_ascii_uppercase() as char);
            }
        }
    }
    out
}

/// A query string as `url.Values.Encode` writes it: keys sorted.
fn query(pairs: &mut [(&str, String)]) -> String {
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(&query_escape(v));
    }
    out
}

fn go_duration(secs: i64) -> String {
    if secs >= 60 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

/// Kubernetes' random-suffix alphabet (no vowels, no look-alikes).
const ALNUM: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

fn suffix(seed: u64, n: usize) -> String {
    let mut h = seed;
    (0..n)
        .map(|_| {
            h = mix64(h.wrapping_add(0x9E37_79B9_7F4A_7C15));
            ALNUM[(h % ALNUM.len() as u64) as usize] as char
        })
        .collect()
}

// ------------------------------------------------------------------ identities

const KUBECTL: &str = "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350";
const KUBECTL_MAC: &str = "kubectl/v1.30.2 (darwin/arm64) kubernetes/3968350";
const KUBECTL_CI: &str = "kubectl/v1.29.6 (linux/amd64) kubernetes/062798d";
const KUBELET: &str = "kubelet/v1.30.2 (linux/amd64) kubernetes/3968350";
const KCM: &str = "kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350";
const SCHED: &str = "kube-scheduler/v1.30.2 (linux/amd64) kubernetes/3968350/scheduler";
const HELM: &str = "Helm/3.15.2";
const TOKEN_PERIOD: i64 = 48 * MIN;

fn crb_reason(binding: &str, role: &str, subject: &str) -> String {
    format!(
        "RBAC: allowed by ClusterRoleBinding \"{binding}\" of ClusterRole \"{role}\" to {subject}"
    )
}

fn rb_reason(binding: &str, ns: &str, kind: &str, role: &str, subject: &str) -> String {
    format!("RBAC: allowed by RoleBinding \"{binding}/{ns}\" of {kind} \"{role}\" to {subject}")
}

fn sa_subject(ns: &str, name: &str) -> String {
    format!("ServiceAccount \"{name}/{ns}\"")
}

const DISCOVERY_REASON: &str = "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" to Group \"system:authenticated\"";
const PUBLIC_REASON: &str = "RBAC: allowed by ClusterRoleBinding \"system:public-info-viewer\" of ClusterRole \"system:public-info-viewer\" to Group \"system:unauthenticated\"";

/// Who makes a request, pre-rendered.
#[derive(Clone)]
pub struct Actor {
    pub username: String,
    /// `{"username":…,"uid":…,"groups":[…]`: the user object up to `extra`.
    head: String,
    /// For tokens with a credential id: `,"extra":{…"JTI=` and the rest.
    jti_pre: String,
    jti_post: String,
    jti_salt: u64,
    /// `["10.0.1.11"]`
    ips: String,
    /// The user agent, as a JSON string.
    ua: String,
    /// What the authorizer says when it allows (`""` for the Node authorizer).
    reason: String,
}

impl Actor {
    fn new(
        username: &str,
        uid: Option<&str>,
        groups: &[&str],
        ip: &str,
        ua: &str,
        reason: &str,
    ) -> Self {
        let mut head = format!("{{\"username\":{}", js(username));
        if let Some(uid) = uid {
            head.push_str(&format!(",\"uid\":{}", js(uid)));
        }
        head.push_str(",\"groups\":[");
        for (i, g) in groups.iter().enumerate() {
            if i > 0 {
                head.push(',');
            }
            head.push_str(&js(g));
        }
        head.push(']');
        Actor {
            username: username.to_string(),
            head,
            jti_pre: String::new(),
            jti_post: String::new(),
            jti_salt: 0,
            ips: format!("[{}]", js(ip)),
            ua: js(ua),
            reason: reason.to_string(),
        }
    }

    fn human(name: &str, groups: &[&str], ip: &str, ua: &str, reason: &str) -> Self {
        let mut g: Vec<&str> = groups.to_vec();
        g.push("system:authenticated");
        Actor::new(name, None, &g, ip, ua, reason)
    }

    fn node(name: &str, ip: &str) -> Self {
        Actor::new(
            &format!("system:node:{name}"),
            None,
            &["system:nodes", "system:authenticated"],
            ip,
            KUBELET,
            "",
        )
    }

    /// A service account with a projected token bound to `pod` on `node`.
    fn sa_bound(
        ns: &str,
        name: &str,
        pod: &str,
        node: &str,
        ip: &str,
        ua: &str,
        reason: &str,
    ) -> Self {
        let mut a = Actor::sa(ns, name, ip, ua, reason);
        a.jti_pre = ",\"extra\":{\"authentication.kubernetes.io/credential-id\":[\"JTI=".into();
        a.jti_post = format!(
            "\"],\"authentication.kubernetes.io/node-name\":[{}],\"authentication.kubernetes.io/node-uid\":[{}],\"authentication.kubernetes.io/pod-name\":[{}],\"authentication.kubernetes.io/pod-uid\":[{}]}}",
            js(node),
            js(&uuid_of(&format!("node {node}"))),
            js(pod),
            js(&uuid_of(&format!("pod {ns} {pod}")))
        );
        a.jti_salt = hash(pod);
        a
    }

    /// A service account with a TokenRequest token not bound to a pod (the
    /// controllers kube-controller-manager runs under their own accounts).
    fn sa_jti(ns: &str, name: &str, ip: &str, ua: &str, reason: &str) -> Self {
        let mut a = Actor::sa(ns, name, ip, ua, reason);
        a.jti_pre = ",\"extra\":{\"authentication.kubernetes.io/credential-id\":[\"JTI=".into();
        a.jti_post = "\"]}".into();
        a.jti_salt = hash(name);
        a
    }

    /// A service account with a legacy (secret-based) token: no extra.
    fn sa(ns: &str, name: &str, ip: &str, ua: &str, reason: &str) -> Self {
        Actor::new(
            &format!("system:serviceaccount:{ns}:{name}"),
            Some(&uuid_of(&format!("sa {ns} {name}"))),
            &[
                "system:serviceaccounts",
                &format!("system:serviceaccounts:{ns}"),
                "system:authenticated",
            ],
            ip,
            ua,
            reason,
        )
    }

    fn with_ip_ua(&self, ip: &str, ua: &str) -> Self {
        let mut a = self.clone();
        a.ips = format!("[{}]", js(ip));
        a.ua = js(ua);
        a
    }

    fn push_user(&self, buf: &mut Vec<u8>, t: i64) {
        buf.extend_from_slice(self.head.as_bytes());
        if !self.jti_pre.is_empty() {
            buf.extend_from_slice(self.jti_pre.as_bytes());
            // The kubelet refreshes a 1 h projected token at 80 %.
            let phase = (self.jti_salt % TOKEN_PERIOD as u64) as i64;
            let epoch = (t - START + phase).div_euclid(TOKEN_PERIOD) as u64;
            let h = mix64(self.jti_salt ^ epoch.wrapping_mul(0x2545_F491_4F6C_DD1D));
            push_uuid(buf, h, mix64(h));
            buf.extend_from_slice(self.jti_post.as_bytes());
        }
        buf.push(b'}');
    }
}

// ------------------------------------------------------------------ requests

/// `objectRef`; empty strings are absent fields.
#[derive(Clone, Copy, Default)]
struct Obj<'a> {
    resource: &'a str,
    ns: &'a str,
    name: &'a str,
    uid: &'a str,
    group: &'a str,
    version: &'a str,
    rv: &'a str,
    sub: &'a str,
}

impl<'a> Obj<'a> {
    fn new(resource: &'a str) -> Self {
        Obj {
            resource,
            version: "v1",
            ..Default::default()
        }
    }
    fn ns(mut self, ns: &'a str) -> Self {
        self.ns = ns;
        self
    }
    fn name(mut self, name: &'a str) -> Self {
        self.name = name;
        self
    }
    fn group(mut self, group: &'a str, version: &'a str) -> Self {
        self.group = group;
        self.version = version;
        self
    }
    fn sub(mut self, sub: &'a str) -> Self {
        self.sub = sub;
        self
    }
    fn uid_rv(mut self, uid: &'a str, rv: &'a str) -> Self {
        self.uid = uid;
        self.rv = rv;
        self
    }

    /// The request path for `verb` on this object.
    fn path(&self, verb: &str) -> String {
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

    fn is_rbac(&self) -> bool {
        self.group == "rbac.authorization.k8s.io"
            && matches!(
                self.resource,
                "roles" | "clusterroles" | "rolebindings" | "clusterrolebindings"
            )
    }
}

const WRITES: [&str; 5] = ["create", "update", "patch", "delete", "deletecollection"];

/// The policy's stages: these requests also log `RequestReceived`.
fn logs_request_received(obj: Option<&Obj<'_>>, verb: &str) -> bool {
    let Some(o) = obj else { return false };
    (o.resource == "secrets" && o.sub.is_empty())
        || (o.resource == "serviceaccounts" && o.sub == "token")
        || (o.resource == "pods" && matches!(o.sub, "exec" | "attach" | "portforward"))
        || (o.is_rbac() && WRITES.contains(&verb))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
}

/// One request, as the handler saw it.
struct Req<'a> {
    who: &'a Actor,
    verb: &'a str,
    uri: &'a str,
    obj: Option<Obj<'a>>,
    code: u16,
    level: Level,
    req_obj: Option<&'a str>,
    resp_obj: Option<&'a str>,
    /// `impersonatedUser`, raw JSON.
    imp: Option<&'a str>,
    reason: Option<&'a str>,
    /// Extra annotation pairs, raw JSON (`,"k":"v"`).
    annotations: &'a str,
}

impl<'a> Req<'a> {
    fn new(who: &'a Actor, verb: &'a str, uri: &'a str, obj: Option<Obj<'a>>) -> Self {
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
    fn code(mut self, code: u16) -> Self {
        self.code = code;
        self
    }
    fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }
    fn bodies(mut self, req: Option<&'a str>, resp: Option<&'a str>) -> Self {
        self.req_obj = req;
        self.resp_obj = resp;
        self
    }
    fn reason(mut self, r: &'a str) -> Self {
        self.reason = Some(r);
        self
    }
    fn annotations(mut self, a: &'a str) -> Self {
        self.annotations = a;
        self
    }
}

#[derive(Clone, Copy)]
enum Mode {
    /// A plain request: one stage (two when the policy logs RequestReceived).
    Plain { lat: i64 },
    /// A watch: ResponseStarted now, ResponseComplete after `timeout` seconds.
    Watch { lat: i64, timeout: i64 },
    /// An upgraded stream (exec, port-forward): ResponseStarted (101) only.
    Stream { lat: i64 },
}

fn push_obj(buf: &mut Vec<u8>, o: &Obj<'_>, verb: &str, full: bool) {
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

fn push_status(buf: &mut Vec<u8>, r: &Req<'_>, code: u16, effective: &str) {
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
fn render(
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

// ------------------------------------------------------------------ the cluster

struct Pod {
    ns: &'static str,
    name: String,
    app: &'static str,
    container: &'static str,
    node: usize,
    sa: &'static str,
    secrets: &'static [&'static str],
    pull: &'static str,
}

/// namespace, deployment, service account, replicas, mounted secrets, image pull secret
type App = (
    &'static str,
    &'static str,
    &'static str,
    usize,
    &'static [&'static str],
    &'static str,
);

const APPS: &[App] = &[
    ("prod", "web", "web", 6, &["app-tls"], "regcred"),
    (
        "prod",
        "payments-api",
        "payments",
        4,
        &["db-credentials", "stripe-api-key"],
        "regcred",
    ),
    (
        "prod",
        "checkout",
        "checkout",
        4,
        &["db-credentials", "redis-password"],
        "regcred",
    ),
    (
        "prod",
        "worker",
        "worker",
        3,
        &["rabbitmq-credentials"],
        "regcred",
    ),
    ("staging", "web", "web", 2, &["app-tls"], "regcred"),
    ("staging", "api", "api", 2, &["db-credentials"], "regcred"),
    (
        "payments",
        "ledger",
        "ledger",
        3,
        &["psp-webhook-secret", "ledger-db"],
        "regcred",
    ),
    (
        "myapp",
        "myapp",
        "myapp",
        2,
        &["myapp-config", "myapp-tls"],
        "ghcr-pull",
    ),
    ("podinfo", "podinfo", "default", 2, &[], "ghcr-pull"),
    (
        "monitoring",
        "grafana",
        "grafana",
        1,
        &["grafana-admin"],
        "",
    ),
    (
        "monitoring",
        "alertmanager",
        "alertmanager",
        2,
        &["alertmanager-config"],
        "",
    ),
];

const SERVICES: &[(&str, &str)] = &[
    ("prod", "web"),
    ("prod", "payments-api"),
    ("prod", "checkout"),
    ("staging", "web"),
    ("staging", "api"),
    ("payments", "ledger"),
    ("myapp", "myapp"),
    ("podinfo", "podinfo"),
    ("monitoring", "grafana"),
    ("monitoring", "prometheus-k8s"),
    ("kube-system", "kube-dns"),
    ("ingress-nginx", "ingress-nginx-controller"),
    ("default", "kubernetes"),
];

const N_NODES: usize = 24;

/// A reflector: list (at the restart), then back-to-back watches.
struct Informer {
    who: usize,
    resource: &'static str,
    group: &'static str,
    version: &'static str,
    ns: String,
    field: String,
    label: String,
}

/// Indices into `Cluster::actors` of everyone the traffic mix names.
#[derive(Default)]
struct Ids {
    nodes: Vec<usize>,
    kcm_informers: usize,
    kcm_root: usize,
    kcm_tokens: usize,
    scheduler: usize,
    gc: usize,
    aggregator: usize,
    deploy_ctl: usize,
    rs_ctl: usize,
    eps_ctl: usize,
    ep_ctl: usize,
    hpa: usize,
    node_ctl: usize,
    coredns: Vec<usize>,
    ksm: usize,
    metrics_server: usize,
    csi: Vec<usize>,
    certm: usize,
    eso: usize,
    source: usize,
    kustomize: usize,
    helmctl: usize,
    argo_ctl: usize,
    argo_server: usize,
    trivy: usize,
    prometheus: usize,
    ingress: usize,
    humans: Vec<usize>,
    alice: usize,
    alice_helm: usize,
    ci: usize,
    lbs: Vec<usize>,
    probe: usize,
}

struct Cluster {
    actors: Vec<Actor>,
    ids: Ids,
    pods: Vec<Pod>,
    informers: Vec<Informer>,
    /// Secret reads by allowlisted controllers: (actor, namespace, name).
    readers: Vec<(usize, &'static str, &'static str)>,
}

fn node_name(i: usize) -> String {
    format!("worker-{:02}", i + 1)
}

fn node_ip(i: usize) -> String {
    format!("10.0.{}.{}", 1 + i / 8, 11 + i)
}

/// Pod network: one /24 per node.
fn pod_ip(node: usize, k: u64) -> String {
    format!("10.244.{}.{}", node + 1, 2 + k % 250)
}

impl Cluster {
    fn build() -> Cluster {
        let mut actors = Vec::new();
        let mut ids = Ids::default();
        let mut add = |a: Actor| {
            actors.push(a);
            actors.len() - 1
        };
        for i in 0..N_NODES {
            ids.nodes.push(add(Actor::node(&node_name(i), &node_ip(i))));
        }
        let cp = "10.0.0.10";
        let kcm_reason = crb_reason(
            "system:kube-controller-manager",
            "system:kube-controller-manager",
            "User \"system:kube-controller-manager\"",
        );
        let kcm_user = |ua: &str| {
            Actor::new(
                "system:kube-controller-manager",
                None,
                &["system:authenticated"],
                cp,
                &format!("{KCM}/{ua}"),
                &kcm_reason,
            )
        };
        ids.kcm_informers = add(kcm_user("shared-informers"));
        ids.kcm_root = add(kcm_user("kube-controller-manager"));
        ids.kcm_tokens = add(kcm_user("tokens-controller"));
        ids.scheduler = add(Actor::new(
            "system:kube-scheduler",
            None,
            &["system:authenticated"],
            cp,
            SCHED,
            &crb_reason(
                "system:kube-scheduler",
                "system:kube-scheduler",
                "User \"system:kube-scheduler\"",
            ),
        ));
        let kcm_sa = |name: &str| {
            Actor::sa_jti(
                "kube-system",
                name,
                cp,
                &format!("{KCM}/system:serviceaccount:kube-system:{name}"),
                &crb_reason(
                    &format!("system:controller:{name}"),
                    &format!("system:controller:{name}"),
                    &sa_subject("kube-system", name),
                ),
            )
        };
        ids.gc = add(kcm_sa("generic-garbage-collector"));
        ids.aggregator = add(kcm_sa("clusterrole-aggregation-controller"));
        ids.deploy_ctl = add(kcm_sa("deployment-controller"));
        ids.rs_ctl = add(kcm_sa("replicaset-controller"));
        ids.eps_ctl = add(kcm_sa("endpointslice-controller"));
        ids.ep_ctl = add(kcm_sa("endpoint-controller"));
        ids.hpa = add(kcm_sa("horizontal-pod-autoscaler"));
        ids.node_ctl = add(kcm_sa("node-controller"));

        // Controllers running in pods, with bound tokens: (ns, sa, pod, node).
        let pod = |ns: &str, sa: &str, pod: &str, node: usize, ua: &str, reason: String| {
            Actor::sa_bound(
                ns,
                sa,
                pod,
                &node_name(node),
                &pod_ip(node, hash(pod)),
                ua,
                &reason,
            )
        };
        for (p, node) in [
            ("coredns-7db6d8ff4d-4kq9x", 0),
            ("coredns-7db6d8ff4d-vx7pl", 1),
        ] {
            ids.coredns.push(add(pod(
                "kube-system",
                "coredns",
                p,
                node,
                "coredns/v0.0.0 (linux/amd64) kubernetes/$Format",
                crb_reason(
                    "system:coredns",
                    "system:coredns",
                    &sa_subject("kube-system", "coredns"),
                ),
            )));
        }
        ids.ksm = add(pod(
            "kube-system",
            "kube-state-metrics",
            "kube-state-metrics-6f8c7d9b5-w2kxq",
            2,
            "kube-state-metrics/v0.0.0 (linux/amd64) kubernetes/$Format",
            crb_reason(
                "kube-state-metrics",
                "kube-state-metrics",
                &sa_subject("kube-system", "kube-state-metrics"),
            ),
        ));
        ids.metrics_server = add(pod(
            "kube-system",
            "metrics-server",
            "metrics-server-5d9f8c7b6d-h8n4s",
            3,
            "metrics-server/v0.7.1 (linux/amd64) kubernetes/$Format",
            crb_reason(
                "system:metrics-server",
                "system:metrics-server",
                &sa_subject("kube-system", "metrics-server"),
            ),
        ));
        // The secrets-store CSI driver's provider: a DaemonSet on host network.
        for node in 0..3 {
            let p = format!(
                "csi-secrets-store-provider-aws-{}",
                suffix(node as u64 + 77, 5)
            );
            let a = Actor::sa_bound(
                "kube-system",
                "csi-secrets-store-provider-aws",
                &p,
                &node_name(node),
                &node_ip(node),
                "secrets-store-csi-driver-provider-aws/v1.0.0 (linux/amd64)",
                &crb_reason(
                    "csi-secrets-store-provider-aws-cluster-rolebinding",
                    "csi-secrets-store-provider-aws-cluster-role",
                    &sa_subject("kube-system", "csi-secrets-store-provider-aws"),
                ),
            );
            ids.csi.push(add(a));
        }
        ids.certm = add(pod(
            "cert-manager",
            "cert-manager",
            "cert-manager-7c9f6d8b5-lm2vn",
            4,
            "cert-manager/v1.14.4 (linux/amd64) cert-manager/2a0ef53b06e183356d922cd58af2510d8885bef5",
            crb_reason(
                "cert-manager-controller-certificates",
                "cert-manager-controller-certificates",
                &sa_subject("cert-manager", "cert-manager"),
            ),
        ));
        ids.eso = add(pod(
            "external-secrets",
            "external-secrets",
            "external-secrets-6b8d9c7f4-p9r3t",
            5,
            "external-secrets/v0.9.11 (linux/amd64)",
            crb_reason(
                "external-secrets-controller",
                "external-secrets-controller",
                &sa_subject("external-secrets", "external-secrets"),
            ),
        ));
        let flux = |sa: &str, p: &str, node: usize, binding: &str, role: &str| {
            pod(
                "flux-system",
                sa,
                p,
                node,
                &format!("{sa}/v0.0.0 (linux/amd64) kubernetes/$Format"),
                crb_reason(binding, role, &sa_subject("flux-system", sa)),
            )
        };
        ids.source = add(flux(
            "source-controller",
            "source-controller-6c8f5d9b7-hv4kq",
            6,
            "crd-controller-flux-system",
            "crd-controller-flux-system",
        ));
        ids.kustomize = add(flux(
            "kustomize-controller",
            "kustomize-controller-5f7b8c9d6-d4x8s",
            6,
            "cluster-reconciler-flux-system",
            "cluster-admin",
        ));
        ids.helmctl = add(flux(
            "helm-controller",
            "helm-controller-7d6c5b8f9-nq5wz",
            7,
            "cluster-reconciler-flux-system",
            "cluster-admin",
        ));
        ids.argo_ctl = add(pod(
            "argocd",
            "argocd-application-controller",
            "argocd-application-controller-0",
            8,
            "argocd-application-controller/v2.11.3+3f344d5 (linux/amd64)",
            crb_reason(
                "argocd-application-controller",
                "argocd-application-controller",
                &sa_subject("argocd", "argocd-application-controller"),
            ),
        ));
        ids.argo_server = add(pod(
            "argocd",
            "argocd-server",
            "argocd-server-7f8d9c6b5-wz4nt",
            9,
            "argocd-server/v2.11.3+3f344d5 (linux/amd64)",
            rb_reason(
                "argocd-server",
                "argocd",
                "Role",
                "argocd-server",
                &sa_subject("argocd", "argocd-server"),
            ),
        ));
        ids.trivy = add(pod(
            "security",
            "trivy-operator",
            "trivy-operator-5d9f8c7b6-x2x9k",
            10,
            "trivy-operator/v0.0.0 (linux/amd64) kubernetes/$Format",
            crb_reason(
                "trivy-operator",
                "trivy-operator",
                &sa_subject("security", "trivy-operator"),
            ),
        ));
        ids.prometheus = add(pod(
            "monitoring",
            "prometheus-k8s",
            "prometheus-k8s-0",
            11,
            "Prometheus/2.51.2",
            crb_reason(
                "prometheus-k8s",
                "prometheus-k8s",
                &sa_subject("monitoring", "prometheus-k8s"),
            ),
        ));
        ids.ingress = add(pod(
            "ingress-nginx",
            "ingress-nginx",
            "ingress-nginx-controller-7c5b9f8d6-tq2lx",
            12,
            "nginx-ingress-controller/v1.10.1 (linux/amd64) ingress-nginx/4fb5aac1dd3669daa3a14d9de3e3cdb371b4c518",
            crb_reason(
                "ingress-nginx",
                "ingress-nginx",
                &sa_subject("ingress-nginx", "ingress-nginx"),
            ),
        ));

        let dev = |ns: &str| {
            rb_reason(
                "developers-view",
                ns,
                "ClusterRole",
                "view",
                "Group \"developers\"",
            )
        };
        ids.humans.push(add(Actor::human(
            "priya@example.com",
            &["developers"],
            "10.20.1.34",
            KUBECTL_MAC,
            &dev("prod"),
        )));
        ids.humans.push(add(Actor::human(
            "marco@example.com",
            &["developers"],
            "10.20.2.57",
            KUBECTL,
            &dev("myapp"),
        )));
        ids.humans.push(add(Actor::human(
            "bob@example.com",
            &["developers", "oncall"],
            "10.20.1.90",
            KUBECTL,
            &dev("staging"),
        )));
        let admin = crb_reason("platform-admins", "cluster-admin", "Group \"platform\"");
        ids.alice = add(Actor::human(
            "alice@example.com",
            &["platform"],
            "10.20.3.41",
            KUBECTL_MAC,
            &admin,
        ));
        ids.humans.push(ids.alice);
        ids.alice_helm = add(Actor::human(
            "alice@example.com",
            &["platform"],
            "10.20.3.41",
            HELM,
            &admin,
        ));
        ids.ci = add(Actor::human(
            "ci-deployer",
            &["ci"],
            "198.51.100.23",
            KUBECTL_CI,
            &crb_reason("ci-deployer-admin", "cluster-admin", "User \"ci-deployer\""),
        ));
        for ip in ["10.0.0.4", "10.0.0.5"] {
            ids.lbs.push(add(Actor::new(
                "system:anonymous",
                None,
                &["system:unauthenticated"],
                ip,
                "ELB-HealthChecker/2.0",
                PUBLIC_REASON,
            )));
        }
        ids.probe = add(Actor::new(
            "system:anonymous",
            None,
            &["system:unauthenticated"],
            cp,
            "kube-probe/1.30",
            PUBLIC_REASON,
        ));

        // Pods, spread over the nodes, and the kubelets' informers.
        let mut pods = Vec::new();
        for (ns, app, sa, replicas, secrets, pull) in APPS {
            let rs = suffix(hash(&format!("rs {ns} {app}")), 10);
            for r in 0..*replicas {
                let h = hash(&format!("pod {ns} {app} {r}"));
                pods.push(Pod {
                    ns,
                    name: format!("{app}-{rs}-{}", suffix(h, 5)),
                    app,
                    container: app,
                    node: (h % N_NODES as u64) as usize,
                    sa,
                    secrets,
                    pull,
                });
            }
        }

        let inf = |who: usize,
                   resource: &'static str,
                   group: &'static str,
                   version: &'static str| Informer {
            who,
            resource,
            group,
            version,
            ns: String::new(),
            field: String::new(),
            label: String::new(),
        };
        // In priority order: files too small for all of them keep the first.
        let mut informers = vec![
            inf(ids.kcm_informers, "secrets", "", "v1"),
            Informer {
                label: "controller.cert-manager.io/fao=true".into(),
                ..inf(ids.certm, "secrets", "", "v1")
            },
            Informer {
                ns: "argocd".into(),
                label: "argocd.argoproj.io/secret-type=cluster".into(),
                ..inf(ids.argo_ctl, "secrets", "", "v1")
            },
            inf(ids.ksm, "secrets", "", "v1"),
            inf(ids.gc, "secrets", "", "v1"),
            inf(ids.scheduler, "pods", "", "v1"),
            inf(ids.coredns[0], "endpointslices", "discovery.k8s.io", "v1"),
            inf(ids.coredns[1], "endpointslices", "discovery.k8s.io", "v1"),
            inf(ids.kcm_informers, "pods", "", "v1"),
            inf(ids.kcm_informers, "nodes", "", "v1"),
            inf(ids.scheduler, "nodes", "", "v1"),
            inf(ids.coredns[0], "services", "", "v1"),
            inf(ids.coredns[1], "services", "", "v1"),
            inf(ids.coredns[0], "namespaces", "", "v1"),
            inf(ids.coredns[1], "namespaces", "", "v1"),
            inf(ids.kcm_informers, "serviceaccounts", "", "v1"),
            inf(ids.kcm_informers, "configmaps", "", "v1"),
            inf(ids.kcm_informers, "deployments", "apps", "v1"),
            inf(ids.kcm_informers, "replicasets", "apps", "v1"),
            inf(
                ids.kcm_informers,
                "clusterroles",
                "rbac.authorization.k8s.io",
                "v1",
            ),
            inf(
                ids.argo_ctl,
                "rolebindings",
                "rbac.authorization.k8s.io",
                "v1",
            ),
            inf(ids.argo_ctl, "deployments", "apps", "v1"),
            inf(ids.argo_ctl, "applications", "argoproj.io", "v1alpha1"),
            inf(ids.eso, "externalsecrets", "external-secrets.io", "v1beta1"),
            inf(ids.certm, "certificates", "cert-manager.io", "v1"),
            inf(
                ids.source,
                "gitrepositories",
                "source.toolkit.fluxcd.io",
                "v1",
            ),
            inf(
                ids.kustomize,
                "kustomizations",
                "kustomize.toolkit.fluxcd.io",
                "v1",
            ),
            inf(ids.helmctl, "helmreleases", "helm.toolkit.fluxcd.io", "v2"),
            inf(ids.prometheus, "pods", "", "v1"),
            inf(ids.prometheus, "endpoints", "", "v1"),
            inf(ids.ksm, "pods", "", "v1"),
            inf(ids.ksm, "deployments", "apps", "v1"),
            inf(ids.ingress, "ingresses", "networking.k8s.io", "v1"),
            inf(ids.trivy, "replicasets", "apps", "v1"),
        ];
        for n in 0..N_NODES {
            let who = ids.nodes[n];
            informers.push(Informer {
                field: format!("spec.nodeName={}", node_name(n)),
                ..inf(who, "pods", "", "v1")
            });
            informers.push(Informer {
                field: format!("metadata.name={}", node_name(n)),
                ..inf(who, "nodes", "", "v1")
            });
        }
        let mut seen: Vec<(usize, &str, &str)> = Vec::new();
        for p in &pods {
            for s in p.secrets.iter().chain(std::iter::once(&"kube-root-ca.crt")) {
                if seen.contains(&(p.node, p.ns, s)) {
                    continue;
                }
                seen.push((p.node, p.ns, s));
                let resource = if *s == "kube-root-ca.crt" {
                    "configmaps"
                } else {
                    "secrets"
                };
                informers.push(Informer {
                    ns: p.ns.into(),
                    field: format!("metadata.name={s}"),
                    ..inf(ids.nodes[p.node], resource, "", "v1")
                });
            }
        }

        let mut readers = vec![
            (ids.kcm_tokens, "ci", "ci-bot-token"),
            (ids.certm, "prod", "app-tls"),
            (ids.certm, "staging", "app-tls"),
            (ids.certm, "myapp", "myapp-tls"),
            (ids.certm, "argocd", "argocd-server-tls"),
            (ids.certm, "cert-manager", "letsencrypt-prod-account-key"),
            (ids.eso, "external-secrets", "vault-approle"),
            (ids.eso, "prod", "db-credentials"),
            (ids.eso, "prod", "stripe-api-key"),
            (ids.eso, "payments", "psp-webhook-secret"),
            (ids.eso, "payments", "ledger-db"),
            (ids.eso, "myapp", "myapp-config"),
            (ids.source, "flux-system", "flux-system"),
            (ids.kustomize, "flux-system", "sops-age"),
            (ids.helmctl, "podinfo", "sh.helm.release.v1.podinfo.v4"),
            (ids.argo_server, "argocd", "argocd-secret"),
            (ids.argo_server, "argocd", "repo-creds-github"),
            (ids.trivy, "prod", "regcred"),
            (ids.trivy, "payments", "regcred"),
            (ids.trivy, "myapp", "ghcr-pull"),
            (ids.trivy, "podinfo", "ghcr-pull"),
        ];
        for &c in &ids.csi {
            readers.push((c, "prod", "secrets-store-creds"));
        }
        Cluster {
            actors,
            ids,
            pods,
            informers,
            readers,
        }
    }
}

// ------------------------------------------------------------------ attacks

/// The attacks every generated file carries, each at a fixed fraction of
/// the target size (so at the same log time, whatever the size).
pub const ATTACKS: &[(&str, f64)] = &[
    (
        "escalate-then-loot: ci-deployer binds cluster-admin to support-contractor, who reads secrets and execs",
        0.55,
    ),
    (
        "python-requests burst of GETs over many secrets by deploy-bot",
        0.62,
    ),
    (
        "external-secrets' token used with curl from outside the cluster",
        0.69,
    ),
    ("anonymous secret access with curl", 0.76),
    (
        "cluster-wide secret list by default/default from a debug pod",
        0.83,
    ),
    (
        "alice@example.com impersonates prod/payments to read a secret",
        0.90,
    ),
];

/// What ktriage (default allowlist and config) reports for a generated
/// file: (rule, identity), sorted, deduplicated. Exactly these.
pub const EXPECTED: &[(&str, &str)] = &[
    ("anonymous-secret-access", "system:anonymous"),
    ("escalate-then-loot", "support-contractor"),
    ("pod-exec", "support-contractor"),
    ("rbac-binding-created", "ci-deployer"),
    (
        "sa-token-context-mismatch",
        "system:serviceaccount:external-secrets:external-secrets",
    ),
    (
        "secret-access-impersonated",
        "system:serviceaccount:prod:payments",
    ),
    (
        "secret-list-cluster-wide",
        "system:serviceaccount:default:default",
    ),
    ("secret-rapid-get", "deploy-bot"),
    ("secret-read", "deploy-bot"),
    ("secret-read", "support-contractor"),
    ("secret-read", "system:anonymous"),
    ("secret-read", "system:serviceaccount:default:default"),
    ("secret-read", "system:serviceaccount:prod:payments"),
    ("secret-read-new-client", "deploy-bot"),
    ("secret-read-new-client", "support-contractor"),
    ("secret-read-new-client", "system:anonymous"),
    (
        "secret-read-new-client",
        "system:serviceaccount:default:default",
    ),
    (
        "secret-read-new-client",
        "system:serviceaccount:external-secrets:external-secrets",
    ),
    (
        "secret-read-new-client",
        "system:serviceaccount:prod:payments",
    ),
    ("secret-read-suspicious-agent", "deploy-bot"),
    ("secret-read-suspicious-agent", "system:anonymous"),
    (
        "secret-read-suspicious-agent",
        "system:serviceaccount:external-secrets:external-secrets",
    ),
    (
        "secret-read-workload-identity",
        "system:serviceaccount:default:default",
    ),
    (
        "secret-read-workload-identity",
        "system:serviceaccount:prod:payments",
    ),
];

/// The manifest file: a JSON list of `{"rule": …, "identity": …}`.
pub fn manifest_json() -> String {
    let list: Vec<serde_json::Value> = EXPECTED
        .iter()
        .map(|(rule, identity)| serde_json::json!({"rule": rule, "identity": identity}))
        .collect();
    let mut s = serde_json::to_string_pretty(&list).expect("serialisable");
    s.push('\n');
    s
}

// ------------------------------------------------------------------ the generator

enum Item {
    /// A rendered event; `keep`: written even past the end (attack events).
    Line { buf: Vec<u8>, keep: bool },
    /// An informer's watch ended: start the next one.
    Restart(u32),
}

struct Pending {
    t: i64,
    seq: u64,
    item: Item,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.t, self.seq) == (o.t, o.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    // Reversed: BinaryHeap is a max-heap, we want the earliest first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.t, o.seq).cmp(&(self.t, self.seq))
    }
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub bytes: u64,
    pub events: u64,
    pub first_time: i64,
    pub last_time: i64,
    /// Line number (1-based) of the first event of each attack.
    pub attack_lines: Vec<u64>,
}

/// The background traffic mix: what one step of the generator does, with
/// its weight.
#[derive(Clone, Copy, Debug)]
enum Bg {
    NodeLease,
    LeaderLease,
    NodeStatus,
    PodStatus,
    KubeletGet,
    Events,
    Endpoints,
    Controllers,
    Scheduler,
    Probe,
    Metrics,
    Discovery,
    Human,
    ArgoApp,
    FluxStatus,
    FluxApply,
    AuthReview,
    CrdStatus,
    ConfigMap,
    CiDeploy,
    KubeletToken,
    KubeletSecret,
    ControllerSecret,
    SecretWrite,
    HelmController,
    KcmToken,
    HelmHuman,
    RbacRead,
    Aggregate,
    ArgoRbac,
}

const MIX: &[(Bg, u32)] = &[
    (Bg::NodeLease, 2200),
    (Bg::LeaderLease, 900),
    (Bg::NodeStatus, 250),
    (Bg::PodStatus, 400),
    (Bg::KubeletGet, 500),
    (Bg::Events, 700),
    (Bg::Endpoints, 450),
    (Bg::Controllers, 450),
    (Bg::Scheduler, 120),
    (Bg::Probe, 500),
    (Bg::Metrics, 250),
    (Bg::Discovery, 200),
    (Bg::Human, 250),
    (Bg::ArgoApp, 250),
    (Bg::FluxStatus, 200),
    (Bg::FluxApply, 60),
    (Bg::AuthReview, 300),
    (Bg::CrdStatus, 250),
    (Bg::ConfigMap, 200),
    (Bg::CiDeploy, 40),
    (Bg::KubeletToken, 250),
    (Bg::KubeletSecret, 120),
    (Bg::ControllerSecret, 260),
    (Bg::SecretWrite, 15),
    (Bg::HelmController, 30),
    (Bg::KcmToken, 10),
    (Bg::HelmHuman, 5),
    (Bg::RbacRead, 40),
    (Bg::Aggregate, 3),
    (Bg::ArgoRbac, 8),
];

enum Warm {
    Informer(usize),
    Reader(usize),
}

struct Gen {
    rng: Rng,
    c: Rc<Cluster>,
    size: u64,
    span: i64,
    /// Bytes rendered so far (written or pending): drives the clock.
    generated: u64,
    heap: BinaryHeap<Pending>,
    seq: u64,
    pool: Vec<Vec<u8>>,
    warm: std::collections::VecDeque<Warm>,
    next_attack: usize,
    /// Attack being rendered (its lines are kept past the end).
    in_attack: bool,
    attack_first_seq: Vec<u64>,
    mix_total: u64,
    summary: Summary,
}

/// Write about `size` bytes of audit log for `seed` to `out`.
pub fn generate<W: Write>(seed: u64, size: u64, out: W) -> io::Result<Summary> {
    if size < MIN_SIZE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("size must be at least {MIN_SIZE} bytes"),
        ));
    }
    Gen::new(seed, size).run(out)
}

/// [`generate`] into memory.
pub fn generate_vec(seed: u64, size: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(size as usize + (64 << 10));
    generate(seed, size, &mut v).expect("writing to memory");
    v
}

impl Gen {
    fn new(seed: u64, size: u64) -> Gen {
        let c = Rc::new(Cluster::build());
        let span = span_for(size);
        // Informers restart every ~7.5 minutes whatever the size: keep their
        // traffic to about a fifth of a small file.
        let bytes_per_s = size as f64 / (span / SEC) as f64;
        let n_informers = ((bytes_per_s * 0.2 / 5.0) as usize).clamp(8, c.informers.len());
        let mut warm = std::collections::VecDeque::new();
        for i in 0..n_informers {
            warm.push_back(Warm::Informer(i));
        }
        // One read by every controller that reads secrets (each
        // identity/IP/user agent once).
        let mut seen = Vec::new();
        for (i, r) in c.readers.iter().enumerate() {
            if !seen.contains(&r.0) {
                seen.push(r.0);
                warm.push_back(Warm::Reader(i));
            }
        }
        Gen {
            rng: Rng::new(seed),
            c,
            size,
            span,
            generated: 0,
            heap: BinaryHeap::new(),
            seq: 0,
            pool: Vec::new(),
            warm,
            next_attack: 0,
            in_attack: false,
            attack_first_seq: Vec::new(),
            mix_total: MIX.iter().map(|m| m.1 as u64).sum(),
            summary: Summary::default(),
        }
    }

    fn clock(&self) -> i64 {
        START + (self.generated as u128 * self.span as u128 / self.size as u128) as i64
    }

    fn id(&mut self) -> (u64, u64) {
        (self.rng.next_u64(), self.rng.next_u64())
    }

    fn buf(&mut self) -> Vec<u8> {
        self.pool.pop().unwrap_or_else(|| Vec::with_capacity(2048))
    }

    fn push(&mut self, t: i64, buf: Vec<u8>) {
        self.generated += buf.len() as u64;
        self.seq += 1;
        self.heap.push(Pending {
            t,
            seq: self.seq,
            item: Item::Line {
                buf,
                keep: self.in_attack,
            },
        });
    }

    fn rv(&mut self, t: i64) -> String {
        (48_113_000 + (t - START) / SEC * 7 + self.rng.below(6) as i64).to_string()
    }

    /// Render and queue the stages of one request starting at `t`.
    fn call(&mut self, t: i64, r: &Req<'_>, mode: Mode) {
        let id = self.id();
        let rr = logs_request_received(r.obj.as_ref(), r.verb);
        match mode {
            Mode::Plain { lat } => {
                if rr {
                    let mut b = self.buf();
                    render(&mut b, r, id, Stage::RequestReceived, t, t, 0);
                    self.push(t, b);
                    let mut b = self.buf();
                    render(&mut b, r, id, Stage::ResponseComplete, t, t + lat, r.code);
                    self.push(t + lat, b);
                } else {
                    // Written when it completes, at t.
                    let mut b = self.buf();
                    render(&mut b, r, id, Stage::ResponseComplete, t - lat, t, r.code);
                    self.push(t, b);
                }
            }
            Mode::Watch { lat, timeout } => {
                if rr {
                    let mut b = self.buf();
                    render(&mut b, r, id, Stage::RequestReceived, t, t, 0);
                    self.push(t, b);
                }
                let mut b = self.buf();
                render(&mut b, r, id, Stage::ResponseStarted, t, t + lat, r.code);
                self.push(t + lat, b);
                let end = t + timeout * SEC + self.rng.ms(0, 3);
                let mut b = self.buf();
                render(&mut b, r, id, Stage::ResponseComplete, t, end, r.code);
                self.push(end, b);
            }
            Mode::Stream { lat } => {
                let mut b = self.buf();
                render(&mut b, r, id, Stage::RequestReceived, t, t, 0);
                self.push(t, b);
                let mut b = self.buf();
                render(&mut b, r, id, Stage::ResponseStarted, t, t + lat, 101);
                self.push(t + lat, b);
            }
        }
    }

    /// A plain request with a typical latency for its verb.
    fn plain(&mut self, t: i64, r: &Req<'_>) {
        let lat = match r.verb {
            "get" => self.rng.range(900, 9_000),
            "list" => self.rng.range(3_000, 40_000),
            _ => self.rng.range(4_000, 25_000),
        };
        self.call(t, r, Mode::Plain { lat });
    }

    fn run<W: Write>(mut self, out: W) -> io::Result<Summary> {
        let mut w = io::BufWriter::with_capacity(1 << 20, out);
        self.summary.first_time = START;
        while self.generated < self.size {
            let t = self.clock();
            while self.next_attack < ATTACKS.len()
                && self.generated as f64 >= ATTACKS[self.next_attack].1 * self.size as f64
            {
                let k = self.next_attack;
                self.next_attack += 1;
                self.attack_first_seq.push(self.seq + 1);
                self.in_attack = true;
                self.attack(k, t);
                self.in_attack = false;
            }
            self.flush(&mut w, t)?;
            match self.warm.pop_front() {
                Some(Warm::Informer(i)) => self.informer_start(i, t),
                Some(Warm::Reader(i)) => {
                    let (who, ns, name) = self.c.readers[i];
                    self.secret_get(t, who, ns, name);
                }
                None => self.background(t),
            }
        }
        // The end: what completes within seconds is written; watches still
        // open stay open (only their ResponseStarted is in the file).
        let end = self.clock() + 10 * SEC;
        while let Some(p) = self.heap.pop() {
            if let Item::Line { buf, keep } = p.item
                && (keep || p.t <= end)
            {
                self.write(&mut w, p.t, p.seq, buf)?;
            }
        }
        w.flush()?;
        Ok(self.summary)
    }

    fn write<W: Write>(&mut self, w: &mut W, t: i64, seq: u64, mut buf: Vec<u8>) -> io::Result<()> {
        w.write_all(&buf)?;
        self.summary.bytes += buf.len() as u64;
        self.summary.events += 1;
        self.summary.last_time = t;
        if let Some(k) = self.attack_first_seq.iter().position(|&s| s == seq) {
            while self.summary.attack_lines.len() <= k {
                self.summary.attack_lines.push(0);
            }
            self.summary.attack_lines[k] = self.summary.events;
        }
        buf.clear();
        if self.pool.len() < 4096 {
            self.pool.push(buf);
        }
        Ok(())
    }

    /// Write every queued event up to `t`, restarting informers on the way.
    fn flush<W: Write>(&mut self, w: &mut W, t: i64) -> io::Result<()> {
        while self.heap.peek().is_some_and(|p| p.t <= t) {
            let p = self.heap.pop().expect("peeked");
            match p.item {
                Item::Line { buf, .. } => self.write(w, p.t, p.seq, buf)?,
                Item::Restart(i) => {
                    let at = p.t + self.rng.ms(2, 12);
                    self.informer_watch(i as usize, at);
                }
            }
        }
        Ok(())
    }

    // -------------------------------------------------------------- informers

    fn informer_uri(&mut self, i: usize, t: i64, watch: Option<i64>) -> String {
        let c = self.c.clone();
        let inf = &c.informers[i];
        let o = Obj::new(inf.resource)
            .ns(&inf.ns)
            .group(inf.group, inf.version);
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !inf.field.is_empty() {
            pairs.push(("fieldSelector", inf.field.clone()));
        }
        if !inf.label.is_empty() {
            pairs.push(("labelSelector", inf.label.clone()));
        }
        match watch {
            Some(timeout) => {
                pairs.push(("allowWatchBookmarks", "true".into()));
                pairs.push(("resourceVersion", self.rv(t - 2 * SEC)));
                pairs.push(("timeout", go_duration(timeout)));
                pairs.push(("timeoutSeconds", timeout.to_string()));
                pairs.push(("watch", "true".into()));
            }
            None => {
                pairs.push(("limit", "500".into()));
                pairs.push(("resourceVersion", "0".into()));
            }
        }
        format!("{}?{}", o.path("list"), query(&mut pairs))
    }

    /// At the restart: list, then watch.
    fn informer_start(&mut self, i: usize, t: i64) {
        let c = self.c.clone();
        let inf = &c.informers[i];
        let uri = self.informer_uri(i, t, None);
        let o = Obj::new(inf.resource)
            .ns(&inf.ns)
            .group(inf.group, inf.version);
        self.plain(t, &Req::new(&c.actors[inf.who], "list", &uri, Some(o)));
        let at = t + self.rng.ms(20, 90);
        self.informer_watch(i, at);
    }

    fn informer_watch(&mut self, i: usize, t: i64) {
        let c = self.c.clone();
        let inf = &c.informers[i];
        // client-go: minWatchTimeout (5 min) * [1, 2).
        let timeout = self.rng.range(300, 600);
        // Now and then a watch ends with "too old resource version": relist.
        let t = if self.rng.chance(15) {
            let uri = self.informer_uri(i, t, None);
            let o = Obj::new(inf.resource)
                .ns(&inf.ns)
                .group(inf.group, inf.version);
            self.plain(t, &Req::new(&c.actors[inf.who], "list", &uri, Some(o)));
            t + self.rng.ms(20, 90)
        } else {
            t
        };
        let uri = self.informer_uri(i, t, Some(timeout));
        let o = Obj::new(inf.resource)
            .ns(&inf.ns)
            .group(inf.group, inf.version);
        let lat = self.rng.range(1_000, 4_000);
        self.call(
            t,
            &Req::new(&c.actors[inf.who], "watch", &uri, Some(o)),
            Mode::Watch { lat, timeout },
        );
        let end = t + timeout * SEC + 3_000;
        self.seq += 1;
        self.heap.push(Pending {
            t: end,
            seq: self.seq,
            item: Item::Restart(i as u32),
        });
    }

    // -------------------------------------------------------------- background

    fn secret_get(&mut self, t: i64, who: usize, ns: &str, name: &str) {
        let c = self.c.clone();
        let o = Obj::new("secrets").ns(ns).name(name);
        let uri = o.path("get");
        self.plain(t, &Req::new(&c.actors[who], "get", &uri, Some(o)));
    }

    fn background(&mut self, t: i64) {
        let mut r = self.rng.below(self.mix_total);
        let mut kind = MIX[0].0;
        for &(k, w) in MIX {
            if r < w as u64 {
                kind = k;
                break;
            }
            r -= w as u64;
        }
        let c = self.c.clone();
        let ids = &c.ids;
        match kind {
            Bg::NodeLease => {
                let n = self.rng.below(N_NODES as u64) as usize;
                let name = node_name(n);
                let uid = uuid_of(&format!("lease {name}"));
                let rv = self.rv(t - 10 * SEC);
                let o = Obj::new("leases")
                    .ns("kube-node-lease")
                    .name(&name)
                    .group("coordination.k8s.io", "v1")
                    .uid_rv(&uid, &rv);
                let uri = format!("{}?timeout=10s", o.path("update"));
                let lat = self.rng.range(1_500, 7_000);
                self.call(
                    t,
                    &Req::new(&c.actors[ids.nodes[n]], "update", &uri, Some(o)),
                    Mode::Plain { lat },
                );
            }
            Bg::LeaderLease => {
                let (who, ns, name) = *self.rng.pick(&[
                    (ids.kcm_root, "kube-system", "kube-controller-manager"),
                    (ids.scheduler, "kube-system", "kube-scheduler"),
                    (ids.certm, "kube-system", "cert-manager-controller"),
                    (ids.eso, "external-secrets", "external-secrets-controller"),
                    (
                        ids.source,
                        "flux-system",
                        "source-controller-leader-election",
                    ),
                    (
                        ids.kustomize,
                        "flux-system",
                        "kustomize-controller-leader-election",
                    ),
                    (
                        ids.helmctl,
                        "flux-system",
                        "helm-controller-leader-election",
                    ),
                    (ids.trivy, "security", "trivyoperator-lock"),
                    (ids.ingress, "ingress-nginx", "ingress-nginx-leader"),
                ]);
                let verb = if self.rng.chance(300) {
                    "get"
                } else {
                    "update"
                };
                let uid = uuid_of(&format!("lease {ns} {name}"));
                let rv = self.rv(t - 2 * SEC);
                let mut o = Obj::new("leases")
                    .ns(ns)
                    .name(name)
                    .group("coordination.k8s.io", "v1");
                if verb == "update" {
                    o = o.uid_rv(&uid, &rv);
                }
                let uri = format!("{}?timeout=5s", o.path(verb));
                self.plain(t, &Req::new(&c.actors[who], verb, &uri, Some(o)));
            }
            Bg::NodeStatus => {
                let n = self.rng.below(N_NODES as u64) as usize;
                let name = node_name(n);
                let o = Obj::new("nodes").name(&name).sub("status");
                let uri = format!("{}?timeout=10s", o.path("patch"));
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.nodes[n]], "patch", &uri, Some(o)),
                );
            }
            Bg::PodStatus => {
                let p = self.rng.pick(&c.pods);
                let o = Obj::new("pods").ns(p.ns).name(&p.name).sub("status");
                let uri = o.path("patch");
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.nodes[p.node]], "patch", &uri, Some(o)),
                );
            }
            Bg::KubeletGet => {
                let p = self.rng.pick(&c.pods);
                let who = &c.actors[ids.nodes[p.node]];
                match self.rng.below(3) {
                    0 => {
                        let o = Obj::new("pods").ns(p.ns).name(&p.name);
                        let uri = o.path("get");
                        self.plain(t, &Req::new(who, "get", &uri, Some(o)));
                    }
                    1 => {
                        let o = Obj::new("configmaps").ns(p.ns).name("kube-root-ca.crt");
                        let uri = o.path("get");
                        self.plain(t, &Req::new(who, "get", &uri, Some(o)));
                    }
                    _ => {
                        let name = node_name(p.node);
                        let o = Obj::new("nodes").name(&name);
                        let uri = format!("{}?resourceVersion=0&timeout=10s", o.path("get"));
                        self.plain(t, &Req::new(who, "get", &uri, Some(o)));
                    }
                }
            }
            Bg::Events => {
                let p = self.rng.pick(&c.pods);
                let name = format!("{}.{:016x}", p.name, self.rng.next_u64() >> 4);
                if self.rng.chance(700) {
                    let o = Obj::new("events").ns(p.ns).name(&name);
                    let uri = o.path("create");
                    self.plain(
                        t,
                        &Req::new(&c.actors[ids.nodes[p.node]], "create", &uri, Some(o)),
                    );
                } else {
                    let who = *self
                        .rng
                        .pick(&[ids.deploy_ctl, ids.rs_ctl, ids.hpa, ids.scheduler]);
                    let o = Obj::new("events")
                        .ns(p.ns)
                        .name(&name)
                        .group("events.k8s.io", "v1");
                    let verb = if self.rng.chance(300) {
                        "patch"
                    } else {
                        "create"
                    };
                    let uri = o.path(verb);
                    self.plain(t, &Req::new(&c.actors[who], verb, &uri, Some(o)));
                }
            }
            Bg::Endpoints => {
                let (ns, svc) = *self.rng.pick(SERVICES);
                if self.rng.chance(700) {
                    let name = format!("{svc}-{}", suffix(hash(svc), 5));
                    let uid = uuid_of(&format!("eps {ns} {name}"));
                    let rv = self.rv(t);
                    let o = Obj::new("endpointslices")
                        .ns(ns)
                        .name(&name)
                        .group("discovery.k8s.io", "v1")
                        .uid_rv(&uid, &rv);
                    let uri = o.path("update");
                    self.plain(
                        t,
                        &Req::new(&c.actors[ids.eps_ctl], "update", &uri, Some(o)),
                    );
                } else {
                    let uid = uuid_of(&format!("ep {ns} {svc}"));
                    let rv = self.rv(t);
                    let o = Obj::new("endpoints").ns(ns).name(svc).uid_rv(&uid, &rv);
                    let uri = o.path("update");
                    self.plain(t, &Req::new(&c.actors[ids.ep_ctl], "update", &uri, Some(o)));
                }
            }
            Bg::Controllers => {
                let (ns, app, _, _, _, _) = *self.rng.pick(APPS);
                let rs = format!("{app}-{}", suffix(hash(&format!("rs {ns} {app}")), 10));
                let node = node_name(self.rng.below(N_NODES as u64) as usize);
                let (who, verb, o) = match self.rng.below(5) {
                    0 => (
                        ids.deploy_ctl,
                        "update",
                        Obj::new("deployments")
                            .ns(ns)
                            .name(app)
                            .group("apps", "v1")
                            .sub("status"),
                    ),
                    1 => (
                        ids.rs_ctl,
                        "update",
                        Obj::new("replicasets")
                            .ns(ns)
                            .name(&rs)
                            .group("apps", "v1")
                            .sub("status"),
                    ),
                    2 => (
                        ids.hpa,
                        "get",
                        Obj::new("deployments")
                            .ns(ns)
                            .name(app)
                            .group("apps", "v1")
                            .sub("scale"),
                    ),
                    3 => (
                        ids.hpa,
                        "list",
                        Obj::new("pods").ns(ns).group("metrics.k8s.io", "v1beta1"),
                    ),
                    _ => (ids.node_ctl, "get", Obj::new("nodes").name(&node)),
                };
                let uri = if verb == "list" {
                    format!("{}?labelSelector=app%3D{app}", o.path(verb))
                } else {
                    o.path(verb)
                };
                self.plain(t, &Req::new(&c.actors[who], verb, &uri, Some(o)));
            }
            Bg::Scheduler => {
                let p = self.rng.pick(&c.pods);
                if self.rng.chance(250) {
                    // The ReplicaSet controller replaces a pod (generateName:
                    // the objectRef never gets a name).
                    let o = Obj::new("pods").ns(p.ns);
                    let uri = o.path("create");
                    self.plain(
                        t,
                        &Req::new(&c.actors[ids.rs_ctl], "create", &uri, Some(o)).annotations(
                            ",\"pod-security.kubernetes.io/enforce-policy\":\"baseline:latest\"",
                        ),
                    );
                } else {
                    let o = Obj::new("pods").ns(p.ns).name(&p.name).sub("binding");
                    let uri = o.path("create");
                    self.plain(
                        t,
                        &Req::new(&c.actors[ids.scheduler], "create", &uri, Some(o)),
                    );
                }
            }
            Bg::Probe => {
                let (who, uri) = match self.rng.below(4) {
                    0 => (ids.lbs[0], "/healthz"),
                    1 => (ids.lbs[1], "/healthz"),
                    2 => (ids.probe, "/livez"),
                    _ => (ids.probe, "/readyz"),
                };
                let lat = self.rng.range(300, 1_500);
                self.call(
                    t,
                    &Req::new(&c.actors[who], "get", uri, None),
                    Mode::Plain { lat },
                );
            }
            Bg::Metrics => {
                let lat = self.rng.ms(20, 90);
                self.call(
                    t,
                    &Req::new(&c.actors[ids.prometheus], "get", "/metrics", None),
                    Mode::Plain { lat },
                );
            }
            Bg::Discovery => {
                let who = if self.rng.chance(500) {
                    *self.rng.pick(&ids.humans)
                } else {
                    *self.rng.pick(&[ids.argo_ctl, ids.hpa, ids.kustomize])
                };
                let uri = *self.rng.pick(&[
                    "/api?timeout=32s",
                    "/apis?timeout=32s",
                    "/apis/metrics.k8s.io/v1beta1?timeout=32s",
                    "/apis/argoproj.io/v1alpha1?timeout=32s",
                    "/openapi/v3?timeout=32s",
                    "/version?timeout=32s",
                ]);
                let lat = self.rng.range(1_000, 6_000);
                self.call(
                    t,
                    &Req::new(&c.actors[who], "get", uri, None).reason(DISCOVERY_REASON),
                    Mode::Plain { lat },
                );
            }
            Bg::Human => self.human(t),
            Bg::ArgoApp => {
                let app = *self.rng.pick(&[
                    "guestbook",
                    "platform-addons",
                    "payments",
                    "monitoring-stack",
                    "ingress",
                ]);
                let o = Obj::new("applications")
                    .ns("argocd")
                    .name(app)
                    .group("argoproj.io", "v1alpha1");
                let verb = if self.rng.chance(600) { "patch" } else { "get" };
                let uri = o.path(verb);
                self.plain(t, &Req::new(&c.actors[ids.argo_ctl], verb, &uri, Some(o)));
            }
            Bg::FluxStatus => {
                let (who, res, group, name) = *self.rng.pick(&[
                    (
                        ids.source,
                        "gitrepositories",
                        "source.toolkit.fluxcd.io",
                        "flux-system",
                    ),
                    (
                        ids.source,
                        "helmrepositories",
                        "source.toolkit.fluxcd.io",
                        "podinfo",
                    ),
                    (
                        ids.kustomize,
                        "kustomizations",
                        "kustomize.toolkit.fluxcd.io",
                        "apps",
                    ),
                    (
                        ids.kustomize,
                        "kustomizations",
                        "kustomize.toolkit.fluxcd.io",
                        "infrastructure",
                    ),
                    (
                        ids.helmctl,
                        "helmreleases",
                        "helm.toolkit.fluxcd.io",
                        "podinfo",
                    ),
                ]);
                let version = if group.starts_with("helm") {
                    "v2"
                } else {
                    "v1"
                };
                let o = Obj::new(res)
                    .ns("flux-system")
                    .name(name)
                    .group(group, version)
                    .sub("status");
                let uri = format!(
                    "{}?fieldManager=gotk-{}",
                    o.path("patch"),
                    res.trim_end_matches('s')
                );
                self.plain(t, &Req::new(&c.actors[who], "patch", &uri, Some(o)));
            }
            Bg::FluxApply | Bg::CiDeploy => {
                let (ns, app, sa, replicas, secrets, _) = *self.rng.pick(APPS);
                let ci = matches!(kind, Bg::CiDeploy);
                let who = if ci { ids.ci } else { ids.kustomize };
                if self.rng.chance(300) && !ci {
                    let body = configmap_body(&mut self.rng, ns, app);
                    let name = format!("{app}-config");
                    let o = Obj::new("configmaps").ns(ns).name(&name);
                    let uri = format!(
                        "{}?fieldManager=kustomize-controller&force=true",
                        o.path("patch")
                    );
                    self.plain(
                        t,
                        &Req::new(&c.actors[who], "patch", &uri, Some(o))
                            .level(Level::Request)
                            .bodies(Some(&body), None),
                    );
                } else {
                    let body = deployment_body(&mut self.rng, ns, app, sa, replicas, secrets, ci);
                    let o = Obj::new("deployments").ns(ns).name(app).group("apps", "v1");
                    let q = if ci {
                        "fieldManager=kubectl-client-side-apply&fieldValidation=Strict"
                    } else {
                        "fieldManager=kustomize-controller&force=true"
                    };
                    let uri = format!("{}?{q}", o.path("patch"));
                    self.plain(
                        t,
                        &Req::new(&c.actors[who], "patch", &uri, Some(o))
                            .level(Level::Request)
                            .bodies(Some(&body), None),
                    );
                    if ci {
                        // kubectl rollout status: a short watch on the deployment.
                        let uri = format!(
                            "{}?fieldSelector=metadata.name%3D{app}&watch=true",
                            Obj::new("deployments")
                                .ns(ns)
                                .group("apps", "v1")
                                .path("list")
                        );
                        let o = Obj::new("deployments").ns(ns).group("apps", "v1");
                        let at = t + self.rng.ms(200, 900);
                        let lat = self.rng.range(1_000, 4_000);
                        let timeout = self.rng.range(20, 90);
                        self.call(
                            at,
                            &Req::new(&c.actors[who], "watch", &uri, Some(o)),
                            Mode::Watch { lat, timeout },
                        );
                    }
                }
            }
            Bg::AuthReview => {
                let res = if self.rng.chance(500) {
                    "tokenreviews"
                } else {
                    "subjectaccessreviews"
                };
                let who = ids.metrics_server;
                let group = if res == "tokenreviews" {
                    "authentication.k8s.io"
                } else {
                    "authorization.k8s.io"
                };
                let o = Obj::new(res).group(group, "v1");
                let uri = o.path("create");
                self.plain(t, &Req::new(&c.actors[who], "create", &uri, Some(o)));
            }
            Bg::CrdStatus => {
                let (who, res, group, version, ns, name, verb) = *self.rng.pick(&[
                    (
                        ids.certm,
                        "certificates",
                        "cert-manager.io",
                        "v1",
                        "prod",
                        "app-tls",
                        "get",
                    ),
                    (
                        ids.certm,
                        "certificaterequests",
                        "cert-manager.io",
                        "v1",
                        "prod",
                        "",
                        "list",
                    ),
                    (
                        ids.certm,
                        "orders",
                        "acme.cert-manager.io",
                        "v1",
                        "myapp",
                        "",
                        "list",
                    ),
                    (
                        ids.eso,
                        "externalsecrets",
                        "external-secrets.io",
                        "v1beta1",
                        "prod",
                        "db-credentials",
                        "get",
                    ),
                    (
                        ids.eso,
                        "externalsecrets",
                        "external-secrets.io",
                        "v1beta1",
                        "payments",
                        "ledger-db",
                        "update",
                    ),
                    (
                        ids.eso,
                        "secretstores",
                        "external-secrets.io",
                        "v1beta1",
                        "prod",
                        "vault-backend",
                        "get",
                    ),
                    (
                        ids.trivy,
                        "vulnerabilityreports",
                        "aquasecurity.github.io",
                        "v1alpha1",
                        "prod",
                        "",
                        "list",
                    ),
                    (
                        ids.trivy,
                        "configauditreports",
                        "aquasecurity.github.io",
                        "v1alpha1",
                        "staging",
                        "",
                        "list",
                    ),
                ]);
                let mut o = Obj::new(res).ns(ns).name(name).group(group, version);
                if verb == "update" {
                    o = o.sub("status");
                }
                let uri = if verb == "list" {
                    format!("{}?limit=500", o.path(verb))
                } else {
                    o.path(verb)
                };
                self.plain(t, &Req::new(&c.actors[who], verb, &uri, Some(o)));
            }
            Bg::ConfigMap => {
                let (who, ns, name) = *self.rng.pick(&[
                    (ids.ingress, "ingress-nginx", "ingress-nginx-controller"),
                    (ids.argo_server, "argocd", "argocd-cm"),
                    (ids.argo_server, "argocd", "argocd-rbac-cm"),
                    (ids.argo_ctl, "argocd", "argocd-cmd-params-cm"),
                    (
                        ids.certm,
                        "kube-system",
                        "extension-apiserver-authentication",
                    ),
                    (
                        ids.metrics_server,
                        "kube-system",
                        "extension-apiserver-authentication",
                    ),
                    (ids.kcm_root, "kube-system", "kube-proxy"),
                ]);
                let o = Obj::new("configmaps").ns(ns).name(name);
                let uri = o.path("get");
                self.plain(t, &Req::new(&c.actors[who], "get", &uri, Some(o)));
            }
            Bg::KubeletToken => {
                let p = self.rng.pick(&c.pods);
                let o = Obj::new("serviceaccounts").ns(p.ns).name(p.sa).sub("token");
                let uri = o.path("create");
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.nodes[p.node]], "create", &uri, Some(o)),
                );
            }
            Bg::KubeletSecret => {
                // A container (re)starts: the kubelet fetches its pull secret
                // and mounted secrets by name.
                let p = self.rng.pick(&c.pods);
                let names: Vec<&str> = std::iter::once(p.pull)
                    .chain(p.secrets.iter().copied())
                    .filter(|s| !s.is_empty())
                    .collect();
                if names.is_empty() {
                    return;
                }
                let name = *self.rng.pick(&names);
                let code = if self.rng.chance(8) { 404 } else { 200 };
                let o = Obj::new("secrets").ns(p.ns).name(name);
                let uri = o.path("get");
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.nodes[p.node]], "get", &uri, Some(o)).code(code),
                );
            }
            Bg::ControllerSecret => {
                let &(who, ns, name) = self.rng.pick(&c.readers);
                self.secret_get(t, who, ns, name);
            }
            Bg::SecretWrite => self.secret_write(t),
            Bg::HelmController => {
                let o = Obj::new("secrets").ns("podinfo");
                let uri = format!(
                    "{}?labelSelector=name%3Dpodinfo%2Cowner%3Dhelm",
                    o.path("list")
                );
                self.plain(t, &Req::new(&c.actors[ids.helmctl], "list", &uri, Some(o)));
                let at = t + self.rng.ms(20, 60);
                self.secret_get(at, ids.helmctl, "podinfo", "sh.helm.release.v1.podinfo.v4");
            }
            Bg::KcmToken => {
                let name = *self.rng.pick(&[
                    "generic-garbage-collector",
                    "deployment-controller",
                    "replicaset-controller",
                    "endpointslice-controller",
                    "horizontal-pod-autoscaler",
                    "node-controller",
                ]);
                let o = Obj::new("serviceaccounts")
                    .ns("kube-system")
                    .name(name)
                    .sub("token");
                let uri = o.path("create");
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.kcm_root], "create", &uri, Some(o)),
                );
            }
            Bg::HelmHuman => {
                // `helm get values myapp --revision 7`
                self.secret_get(t, ids.alice_helm, "myapp", "sh.helm.release.v1.myapp.v7");
            }
            Bg::RbacRead => {
                let (who, res, ns) = *self.rng.pick(&[
                    (ids.alice, "rolebindings", "prod"),
                    (ids.alice, "clusterrolebindings", ""),
                    (ids.argo_ctl, "roles", "payments"),
                    (ids.argo_ctl, "clusterroles", ""),
                ]);
                let o = Obj::new(res)
                    .ns(ns)
                    .group("rbac.authorization.k8s.io", "v1");
                let uri = format!("{}?limit=500", o.path("list"));
                self.plain(t, &Req::new(&c.actors[who], "list", &uri, Some(o)));
            }
            Bg::Aggregate => {
                let role = if self.rng.chance(500) {
                    "admin"
                } else {
                    "edit"
                };
                let rv = self.rv(t);
                let (req, resp) = aggregate_bodies(role, &rv, t);
                let o = Obj::new("clusterroles")
                    .name(role)
                    .group("rbac.authorization.k8s.io", "v1");
                let uri = format!(
                    "{}?fieldManager=clusterrole-aggregation-controller&force=true",
                    o.path("patch")
                );
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.aggregator], "patch", &uri, Some(o))
                        .level(Level::RequestResponse)
                        .bodies(Some(&req), Some(&resp)),
                );
            }
            Bg::ArgoRbac => {
                let (ns, app) = *self.rng.pick(&[
                    ("payments", "ledger"),
                    ("prod", "checkout"),
                    ("monitoring", "grafana"),
                ]);
                let name = format!("{app}-config-reader");
                let rv = self.rv(t);
                let role = self.rng.chance(500);
                let (req, resp, res) = if role {
                    let rules = r#"[{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["configmaps"]}]"#;
                    let req = format!(
                        r#"{{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{{"labels":{{"app.kubernetes.io/instance":"{app}"}},"name":"{name}","namespace":"{ns}"}},"rules":{rules}}}"#
                    );
                    let resp = format!(
                        r#"{{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"{name}","namespace":"{ns}","uid":"{}","resourceVersion":"{rv}","creationTimestamp":"2026-05-11T09:14:02Z","labels":{{"app.kubernetes.io/instance":"{app}"}},"managedFields":[{{"manager":"argocd-controller","operation":"Apply","apiVersion":"rbac.authorization.k8s.io/v1","time":"{}","fieldsType":"FieldsV1","fieldsV1":{{"f:metadata":{{"f:labels":{{"f:app.kubernetes.io/instance":{{}}}}}},"f:rules":{{}}}}}}]}},"rules":{rules}}}"#,
                        uuid_of(&format!("role {ns} {name}")),
                        ts_seconds(t)
                    );
                    (req, resp, "roles")
                } else {
                    let body = format!(
                        r#""subjects":[{{"kind":"ServiceAccount","name":"{app}","namespace":"{ns}"}}],"roleRef":{{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"{name}"}}"#
                    );
                    let req = format!(
                        r#"{{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{{"labels":{{"app.kubernetes.io/instance":"{app}"}},"name":"{name}","namespace":"{ns}"}},{body}}}"#
                    );
                    let resp = format!(
                        r#"{{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"{name}","namespace":"{ns}","uid":"{}","resourceVersion":"{rv}","creationTimestamp":"2026-05-11T09:14:02Z","labels":{{"app.kubernetes.io/instance":"{app}"}},"managedFields":[{{"manager":"argocd-controller","operation":"Apply","apiVersion":"rbac.authorization.k8s.io/v1","time":"{}","fieldsType":"FieldsV1","fieldsV1":{{"f:metadata":{{"f:labels":{{"f:app.kubernetes.io/instance":{{}}}}}},"f:roleRef":{{}},"f:subjects":{{}}}}}}]}},{body}}}"#,
                        uuid_of(&format!("rb {ns} {name}")),
                        ts_seconds(t)
                    );
                    (req, resp, "rolebindings")
                };
                let o = Obj::new(res)
                    .ns(ns)
                    .name(&name)
                    .group("rbac.authorization.k8s.io", "v1");
                let uri = format!(
                    "{}?fieldManager=argocd-controller&force=true",
                    o.path("patch")
                );
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.argo_ctl], "patch", &uri, Some(o))
                        .level(Level::RequestResponse)
                        .bodies(Some(&req), Some(&resp)),
                );
            }
        }
    }

    /// Allowlisted controllers writing secrets: cert-manager renewals,
    /// external-secrets syncs, helm release records, the tokens controller,
    /// garbage collection.
    fn secret_write(&mut self, t: i64) {
        let c = self.c.clone();
        let ids = &c.ids;
        match self.rng.below(5) {
            0 => {
                // cert-manager: next private key (generateName), then the signed pair.
                let (ns, name) = *self.rng.pick(&[
                    ("prod", "app-tls"),
                    ("staging", "app-tls"),
                    ("myapp", "myapp-tls"),
                ]);
                let o = Obj::new("secrets").ns(ns);
                let uri = format!(
                    "{}?fieldManager=cert-manager-certificates-key-manager",
                    o.path("create")
                );
                self.plain(t, &Req::new(&c.actors[ids.certm], "create", &uri, Some(o)));
                let uid = uuid_of(&format!("secret {ns} {name}"));
                let rv = self.rv(t);
                let o = Obj::new("secrets").ns(ns).name(name).uid_rv(&uid, &rv);
                let uri = format!(
                    "{}?fieldManager=cert-manager-certificates-issuing",
                    o.path("update")
                );
                let at = t + self.rng.ms(2_000, 40_000);
                self.plain(at, &Req::new(&c.actors[ids.certm], "update", &uri, Some(o)));
            }
            1 => {
                let (ns, name) = *self.rng.pick(&[
                    ("prod", "db-credentials"),
                    ("prod", "stripe-api-key"),
                    ("payments", "ledger-db"),
                ]);
                let uid = uuid_of(&format!("secret {ns} {name}"));
                let rv = self.rv(t);
                let o = Obj::new("secrets").ns(ns).name(name).uid_rv(&uid, &rv);
                let uri = o.path("update");
                self.plain(t, &Req::new(&c.actors[ids.eso], "update", &uri, Some(o)));
            }
            2 => {
                let o = Obj::new("secrets")
                    .ns("podinfo")
                    .name("sh.helm.release.v1.podinfo.v4");
                let uid = uuid_of("secret podinfo v4");
                let rv = self.rv(t);
                let o = o.uid_rv(&uid, &rv);
                let uri = o.path("update");
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.helmctl], "update", &uri, Some(o)),
                );
            }
            3 => {
                let uid = uuid_of("secret ci ci-bot-token");
                let rv = self.rv(t);
                let o = Obj::new("secrets")
                    .ns("ci")
                    .name("ci-bot-token")
                    .uid_rv(&uid, &rv);
                let uri = o.path("update");
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.kcm_tokens], "update", &uri, Some(o)),
                );
            }
            _ => {
                let name = format!("app-tls-{}", suffix(self.rng.next_u64(), 5));
                let o = Obj::new("secrets").ns("prod").name(&name);
                let uri = o.path("delete");
                self.plain(t, &Req::new(&c.actors[ids.gc], "delete", &uri, Some(o)));
            }
        }
    }

    /// People with kubectl: pods, deployments, logs, describe, top,
    /// port-forward, and the odd forbidden request.
    fn human(&mut self, t: i64) {
        let c = self.c.clone();
        let ids = &c.ids;
        let who = &c.actors[*self.rng.pick(&ids.humans)];
        let p = self.rng.pick(&c.pods);
        match self.rng.below(8) {
            0 | 1 => {
                let o = Obj::new("pods").ns(p.ns);
                let uri = format!("{}?limit=500", o.path("list"));
                self.plain(t, &Req::new(who, "list", &uri, Some(o)));
            }
            2 => {
                let o = Obj::new("deployments")
                    .ns(p.ns)
                    .name(p.app)
                    .group("apps", "v1");
                let uri = o.path("get");
                self.plain(t, &Req::new(who, "get", &uri, Some(o)));
            }
            3 | 4 => {
                let o = Obj::new("pods").ns(p.ns).name(&p.name).sub("log");
                let uri = format!("{}?container={}&tailLines=100", o.path("get"), p.container);
                let lat = self.rng.ms(20, 120);
                self.call(t, &Req::new(who, "get", &uri, Some(o)), Mode::Plain { lat });
            }
            5 => {
                // kubectl describe deployment
                let o = Obj::new("deployments")
                    .ns(p.ns)
                    .name(p.app)
                    .group("apps", "v1");
                let uri = o.path("get");
                self.plain(t, &Req::new(who, "get", &uri, Some(o)));
                let o = Obj::new("replicasets").ns(p.ns).group("apps", "v1");
                let uri = format!("{}?labelSelector=app%3D{}&limit=500", o.path("list"), p.app);
                let at = t + self.rng.ms(20, 50);
                self.plain(at, &Req::new(who, "list", &uri, Some(o)));
                let o = Obj::new("events").ns(p.ns);
                let sel = format!(
                    "involvedObject.name={},involvedObject.namespace={},involvedObject.kind=Deployment,involvedObject.uid={}",
                    p.app,
                    p.ns,
                    uuid_of(&format!("deploy {} {}", p.ns, p.app))
                );
                let uri = format!(
                    "{}?fieldSelector={}&limit=500",
                    o.path("list"),
                    query_escape(&sel)
                );
                let at = t + self.rng.ms(60, 110);
                self.plain(at, &Req::new(who, "list", &uri, Some(o)));
            }
            6 => {
                if self.rng.chance(150) {
                    // kubectl port-forward: a stream, like exec, but not exec.
                    let o = Obj::new("pods").ns(p.ns).name(&p.name).sub("portforward");
                    let uri = o.path("create");
                    let lat = self.rng.ms(30, 80);
                    self.call(
                        t,
                        &Req::new(who, "create", &uri, Some(o)),
                        Mode::Stream { lat },
                    );
                } else {
                    // kubectl top pods
                    let o = Obj::new("pods").ns(p.ns).group("metrics.k8s.io", "v1beta1");
                    let uri = o.path("list");
                    self.plain(t, &Req::new(who, "list", &uri, Some(o)));
                }
            }
            _ => {
                // A developer tries something their role does not allow.
                let o = Obj::new("nodes");
                let uri = format!("{}?limit=500", o.path("list"));
                let code = if std::ptr::eq(who, &c.actors[ids.alice]) {
                    200
                } else {
                    403
                };
                self.plain(t, &Req::new(who, "list", &uri, Some(o)).code(code));
            }
        }
    }

    // -------------------------------------------------------------- attacks

    fn attack(&mut self, k: usize, t: i64) {
        let c = self.c.clone();
        let ids = &c.ids;
        let kubectl_get = |rng: &mut Rng| rng.range(900, 9_000);
        match k {
            0 => {
                // ci-deployer grants cluster-admin to a new user, who loots.
                let ci = &c.actors[ids.ci];
                let subjects = r#"[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"support-contractor"}]"#;
                let role_ref = r#"{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"}"#;
                let req = format!(
                    r#"{{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"support-debug","creationTimestamp":null}},"subjects":{subjects},"roleRef":{role_ref}}}"#
                );
                let rv = self.rv(t);
                let resp = format!(
                    r#"{{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"support-debug","uid":"{}","resourceVersion":"{rv}","creationTimestamp":"{}","managedFields":[{{"manager":"kubectl-create","operation":"Update","apiVersion":"rbac.authorization.k8s.io/v1","time":"{}","fieldsType":"FieldsV1","fieldsV1":{{"f:roleRef":{{}},"f:subjects":{{}}}}}}]}},"subjects":{subjects},"roleRef":{role_ref}}}"#,
                    uuid_of("crb support-debug"),
                    ts_seconds(t),
                    ts_seconds(t)
                );
                let o = Obj::new("clusterrolebindings")
                    .name("support-debug")
                    .group("rbac.authorization.k8s.io", "v1");
                let uri = format!(
                    "{}?fieldManager=kubectl-create&fieldValidation=Strict",
                    o.path("create")
                );
                let lat = self.rng.ms(6, 20);
                self.call(
                    t,
                    &Req::new(ci, "create", &uri, Some(o))
                        .level(Level::RequestResponse)
                        .bodies(Some(&req), Some(&resp)),
                    Mode::Plain { lat },
                );
                let x = Actor::human(
                    "support-contractor",
                    &[],
                    "203.0.113.77",
                    KUBECTL,
                    &crb_reason(
                        "support-debug",
                        "cluster-admin",
                        "User \"support-contractor\"",
                    ),
                );
                let t1 = t + 2 * MIN + 41 * SEC + self.rng.ms(0, 900);
                for (i, uri) in ["/api?timeout=32s", "/apis?timeout=32s"].iter().enumerate() {
                    let lat = self.rng.ms(1, 5);
                    self.call(
                        t1 + i as i64 * 16_000,
                        &Req::new(&x, "get", uri, None).reason(DISCOVERY_REASON),
                        Mode::Plain { lat },
                    );
                }
                for (i, name) in ["db-credentials", "aws-credentials"].iter().enumerate() {
                    let o = Obj::new("secrets").ns("prod").name(name);
                    let uri = o.path("get");
                    let lat = kubectl_get(&mut self.rng);
                    let at = t1 + 7 * SEC + i as i64 * 17 * SEC + self.rng.ms(0, 900);
                    self.call(at, &Req::new(&x, "get", &uri, Some(o)), Mode::Plain { lat });
                }
                let pod = c
                    .pods
                    .iter()
                    .find(|p| p.app == "payments-api")
                    .expect("payments pod");
                let o = Obj::new("pods").ns("prod").name(&pod.name).sub("exec");
                let uri = format!(
                    "{}?command=sh&command=-c&command=cat%20%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken&container=payments-api&stdin=true&stdout=true&tty=true",
                    o.path("create")
                );
                let lat = self.rng.ms(40, 90);
                self.call(
                    t1 + 91 * SEC,
                    &Req::new(&x, "create", &uri, Some(o)),
                    Mode::Stream { lat },
                );
            }
            1 => {
                // A leaked CI token, used from a script.
                let x = Actor::human(
                    "deploy-bot",
                    &["ci"],
                    "198.51.100.77",
                    "python-requests/2.31.0",
                    &crb_reason("deploy-bot-edit", "edit", "User \"deploy-bot\""),
                );
                let o = Obj::new("namespaces");
                let uri = o.path("list");
                let lat = self.rng.ms(3, 20);
                self.call(t, &Req::new(&x, "list", &uri, Some(o)), Mode::Plain { lat });
                let o = Obj::new("secrets").ns("prod");
                let uri = o.path("list");
                let lat = self.rng.ms(5, 40);
                self.call(
                    t + 4 * SEC,
                    &Req::new(&x, "list", &uri, Some(o)),
                    Mode::Plain { lat },
                );
                let targets = [
                    ("prod", "db-credentials", 200),
                    ("prod", "stripe-api-key", 200),
                    ("prod", "redis-password", 200),
                    ("prod", "rabbitmq-credentials", 200),
                    ("prod", "regcred", 200),
                    ("payments", "psp-webhook-secret", 200),
                    ("payments", "ledger-db", 200),
                    ("staging", "db-credentials", 200),
                    ("kube-system", "cloud-provider-credentials", 403),
                    ("myapp", "myapp-config", 200),
                    ("monitoring", "grafana-admin", 403),
                ];
                let mut at = t + 9 * SEC;
                for (ns, name, code) in targets {
                    let o = Obj::new("secrets").ns(ns).name(name);
                    let uri = o.path("get");
                    let lat = self.rng.ms(2, 12);
                    self.call(
                        at,
                        &Req::new(&x, "get", &uri, Some(o)).code(code),
                        Mode::Plain { lat },
                    );
                    at += self.rng.ms(2_500, 7_000);
                }
            }
            2 => {
                // external-secrets' projected token, copied out of its pod.
                let x = c.actors[ids.eso].with_ip_ua("203.0.113.50", "curl/8.5.0");
                for (i, (ns, name)) in [
                    ("prod", "db-credentials"),
                    ("payments", "psp-webhook-secret"),
                ]
                .iter()
                .enumerate()
                {
                    let o = Obj::new("secrets").ns(ns).name(name);
                    let uri = o.path("get");
                    let lat = self.rng.ms(2, 9);
                    self.call(
                        t + i as i64 * 41 * SEC,
                        &Req::new(&x, "get", &uri, Some(o)),
                        Mode::Plain { lat },
                    );
                }
            }
            3 => {
                // Anonymous access, and a legacy binding that lets it read one secret.
                let x = Actor::new(
                    "system:anonymous",
                    None,
                    &["system:unauthenticated"],
                    "203.0.113.200",
                    "curl/7.88.1",
                    PUBLIC_REASON,
                );
                let lat = self.rng.ms(1, 3);
                self.call(
                    t,
                    &Req::new(&x, "get", "/version", None),
                    Mode::Plain { lat },
                );
                let o = Obj::new("secrets").ns("default").name("registry-creds");
                let uri = o.path("get");
                let lat = self.rng.ms(2, 9);
                let reason = crb_reason(
                    "legacy-registry-read",
                    "registry-reader",
                    "Group \"system:unauthenticated\"",
                );
                self.call(
                    t + 6 * SEC,
                    &Req::new(&x, "get", &uri, Some(o)).reason(&reason),
                    Mode::Plain { lat },
                );
                let o = Obj::new("secrets")
                    .ns("kube-system")
                    .name("cloud-provider-credentials");
                let uri = o.path("get");
                let lat = self.rng.ms(2, 9);
                self.call(
                    t + 19 * SEC,
                    &Req::new(&x, "get", &uri, Some(o)).code(403),
                    Mode::Plain { lat },
                );
            }
            4 => {
                // A debug pod running as default/default lists every secret.
                let node = 6;
                let pod = "debug-shell-5b7f9c6d8-q4wzt";
                let x = Actor::sa_bound(
                    "default",
                    "default",
                    pod,
                    &node_name(node),
                    &pod_ip(node, 29),
                    KUBECTL,
                    &crb_reason(
                        "default-sa-admin",
                        "cluster-admin",
                        &sa_subject("default", "default"),
                    ),
                );
                let o = Obj::new("pods").ns("default");
                let uri = format!("{}?limit=500", o.path("list"));
                let lat = self.rng.ms(3, 20);
                self.call(t, &Req::new(&x, "list", &uri, Some(o)), Mode::Plain { lat });
                let o = Obj::new("secrets");
                let uri = format!("{}?limit=500", o.path("list"));
                let lat = self.rng.ms(20, 90);
                self.call(
                    t + 37 * SEC,
                    &Req::new(&x, "list", &uri, Some(o)),
                    Mode::Plain { lat },
                );
            }
            _ => {
                // alice acts as the payments service account.
                let x = &c.actors[ids.alice];
                let imp = r#"{"username":"system:serviceaccount:prod:payments","groups":["system:serviceaccounts","system:serviceaccounts:prod","system:authenticated"]}"#;
                let reason = rb_reason(
                    "payments",
                    "prod",
                    "Role",
                    "payments",
                    &sa_subject("prod", "payments"),
                );
                let o = Obj::new("configmaps").ns("prod").name("payments-config");
                let uri = o.path("get");
                let lat = self.rng.ms(1, 6);
                let mut r = Req::new(x, "get", &uri, Some(o)).reason(&reason);
                r.imp = Some(imp);
                self.call(t, &r, Mode::Plain { lat });
                let o = Obj::new("secrets").ns("prod").name("stripe-api-key");
                let uri = o.path("get");
                let lat = self.rng.ms(1, 6);
                let mut r = Req::new(x, "get", &uri, Some(o)).reason(&reason);
                r.imp = Some(imp);
                self.call(t + 12 * SEC, &r, Mode::Plain { lat });
            }
        }
    }
}

// ------------------------------------------------------------------ bodies

fn deployment_body(
    rng: &mut Rng,
    ns: &str,
    app: &str,
    sa: &str,
    replicas: usize,
    secrets: &[&str],
    ci: bool,
) -> String {
    let mut env = String::new();
    let n = rng.range(3, 40);
    for i in 0..n {
        if i > 0 {
            env.push(',');
        }
        if i < secrets.len() as i64 {
            env.push_str(&format!(
                r#"{{"name":"{}_PASSWORD","valueFrom":{{"secretKeyRef":{{"key":"password","name":"{}"}}}}}}"#,
                secrets[i as usize].to_ascii_uppercase().replace('-', "_"),
                secrets[i as usize]
            ));
        } else {
            env.push_str(&format!(
                r#"{{"name":"FEATURE_FLAG_{i}","value":"{}"}}"#,
                if rng.chance(500) { "true" } else { "false" }
            ));
        }
    }
    let tag = format!("1.{}.{}", rng.below(60), rng.below(20));
    let labels = if ci {
        format!(r#"{{"app":"{app}","app.kubernetes.io/managed-by":"gitlab-ci"}}"#)
    } else {
        format!(
            r#"{{"app":"{app}","kustomize.toolkit.fluxcd.io/name":"apps","kustomize.toolkit.fluxcd.io/namespace":"flux-system"}}"#
        )
    };
    format!(
        r#"{{"apiVersion":"apps/v1","kind":"Deployment","metadata":{{"labels":{labels},"name":"{app}","namespace":"{ns}"}},"spec":{{"replicas":{replicas},"revisionHistoryLimit":5,"selector":{{"matchLabels":{{"app":"{app}"}}}},"strategy":{{"rollingUpdate":{{"maxSurge":"25%","maxUnavailable":0}},"type":"RollingUpdate"}},"template":{{"metadata":{{"annotations":{{"prometheus.io/port":"9090","prometheus.io/scrape":"true"}},"labels":{{"app":"{app}"}}}},"spec":{{"containers":[{{"env":[{env}],"image":"registry.example.com/{ns}/{app}:{tag}","imagePullPolicy":"IfNotPresent","livenessProbe":{{"httpGet":{{"path":"/healthz","port":8080}},"periodSeconds":10}},"name":"{app}","ports":[{{"containerPort":8080,"name":"http","protocol":"TCP"}}],"readinessProbe":{{"httpGet":{{"path":"/ready","port":8080}},"periodSeconds":5}},"resources":{{"limits":{{"memory":"512Mi"}},"requests":{{"cpu":"250m","memory":"256Mi"}}}},"securityContext":{{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"runAsNonRoot":true}}}}],"serviceAccountName":"{sa}","topologySpreadConstraints":[{{"labelSelector":{{"matchLabels":{{"app":"{app}"}}}},"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"ScheduleAnyway"}}]}}}}}}}}"#
    )
}

fn configmap_body(rng: &mut Rng, ns: &str, app: &str) -> String {
    let mut yaml = String::from("log_level: info\nlisten: :8080\n");
    for i in 0..rng.range(4, 60) {
        yaml.push_str(&format!("option_{i}: {}\n", rng.below(10_000)));
    }
    format!(
        r#"{{"apiVersion":"v1","data":{{"config.yaml":{}}},"kind":"ConfigMap","metadata":{{"labels":{{"app":"{app}","kustomize.toolkit.fluxcd.io/name":"apps","kustomize.toolkit.fluxcd.io/namespace":"flux-system"}},"name":"{app}-config","namespace":"{ns}"}}}}"#,
        js(&yaml)
    )
}

/// ClusterRole aggregation of `admin`/`edit`: the rules grant secrets by
/// design (the default allowlist names the aggregation controller).
fn aggregate_bodies(role: &str, rv: &str, t: i64) -> (String, String) {
    let view = r#"{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["configmaps","endpoints","persistentvolumeclaims","persistentvolumeclaims/status","pods","replicationcontrollers","replicationcontrollers/scale","serviceaccounts","services","services/status"]},{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["bindings","events","limitranges","namespaces/status","pods/log","pods/status","replicationcontrollers/status","resourcequotas","resourcequotas/status"]},{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["namespaces"]},{"verbs":["get","list","watch"],"apiGroups":["apps"],"resources":["controllerrevisions","daemonsets","daemonsets/status","deployments","deployments/scale","deployments/status","replicasets","replicasets/scale","replicasets/status","statefulsets","statefulsets/scale","statefulsets/status"]},{"verbs":["get","list","watch"],"apiGroups":["batch"],"resources":["cronjobs","cronjobs/status","jobs","jobs/status"]},{"verbs":["get","list","watch"],"apiGroups":["networking.k8s.io"],"resources":["ingresses","ingresses/status","networkpolicies"]}"#;
    let edit = r#"{"verbs":["create","delete","deletecollection","patch","update"],"apiGroups":[""],"resources":["pods","pods/attach","pods/exec","pods/portforward","pods/proxy"]},{"verbs":["create"],"apiGroups":[""],"resources":["pods/eviction"]},{"verbs":["create","delete","deletecollection","patch","update"],"apiGroups":[""],"resources":["configmaps","events","persistentvolumeclaims","replicationcontrollers","replicationcontrollers/scale","secrets","serviceaccounts","services","services/proxy"]},{"verbs":["create"],"apiGroups":[""],"resources":["serviceaccounts/token"]},{"verbs":["create","delete","deletecollection","patch","update"],"apiGroups":["apps"],"resources":["daemonsets","deployments","deployments/rollback","deployments/scale","replicasets","replicasets/scale","statefulsets","statefulsets/scale"]},{"verbs":["create","delete","deletecollection","patch","update"],"apiGroups":["batch"],"resources":["cronjobs","jobs"]},{"verbs":["create","delete","deletecollection","patch","update"],"apiGroups":["networking.k8s.io"],"resources":["ingresses","networkpolicies"]},{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["pods/attach","pods/exec","pods/portforward","pods/proxy","secrets","services/proxy"]},{"verbs":["impersonate"],"apiGroups":[""],"resources":["serviceaccounts"]}"#;
    let eso = r#"{"verbs":["get","list","watch"],"apiGroups":["external-secrets.io"],"resources":["externalsecrets","secretstores","clustersecretstores","pushsecrets"]},{"verbs":["create","delete","deletecollection","patch","update"],"apiGroups":["external-secrets.io"],"resources":["externalsecrets","secretstores","pushsecrets"]}"#;
    let admin_extra = r#"{"verbs":["create"],"apiGroups":["authorization.k8s.io"],"resources":["localsubjectaccessreviews"]},{"verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"apiGroups":["rbac.authorization.k8s.io"],"resources":["rolebindings","roles"]},"#;
    let rules = format!(
        "[{}{edit},{view},{eso}]",
        if role == "admin" { admin_extra } else { "" }
    );
    let req = format!(
        r#"{{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"{role}"}},"rules":{rules}}}"#
    );
    let resp = format!(
        r#"{{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"{role}","uid":"{}","resourceVersion":"{rv}","creationTimestamp":"2026-03-14T09:12:44Z","labels":{{"kubernetes.io/bootstrapping":"rbac-defaults"}},"annotations":{{"rbac.authorization.kubernetes.io/autoupdate":"true"}},"managedFields":[{{"manager":"clusterrole-aggregation-controller","operation":"Apply","apiVersion":"rbac.authorization.k8s.io/v1","time":"{}","fieldsType":"FieldsV1","fieldsV1":{{"f:rules":{{}}}}}},{{"manager":"kube-apiserver","operation":"Update","apiVersion":"rbac.authorization.k8s.io/v1","time":"2026-03-14T09:12:44Z","fieldsType":"FieldsV1","fieldsV1":{{"f:aggregationRule":{{".":{{}},"f:clusterRoleSelectors":{{}}}},"f:metadata":{{"f:annotations":{{".":{{}},"f:rbac.authorization.kubernetes.io/autoupdate":{{}}}},"f:labels":{{".":{{}},"f:kubernetes.io/bootstrapping":{{}}}}}}}}}}]}},"rules":{rules},"aggregationRule":{{"clusterRoleSelectors":[{{"matchLabels":{{"rbac.authorization.k8s.io/aggregate-to-{role}":"true"}}}}]}}}}"#,
        uuid_of(&format!("clusterrole {role}")),
        ts_seconds(t)
    );
    (req, resp)
}
