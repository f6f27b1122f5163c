//! Shared helpers: build audit events, scan text or files through the real
//! pipeline (prefilter included), and read what fired.
#![allow(dead_code)]

use ktriage::allowlist::{self, Allowlist};
use ktriage::detect::{Alert, Config, Engine, Incident};
use ktriage::pipeline::Ingest;
use ktriage::source;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample(rel: &str) -> PathBuf {
    root().join("sample-logs").join(rel)
}

pub struct Scan {
    pub ingest: Ingest,
    pub incidents: Vec<Incident>,
}

impl Scan {
    pub fn alerts(&self) -> &[Alert] {
        self.ingest.engine.alerts()
    }
    pub fn rules(&self) -> Vec<&'static str> {
        let mut r: Vec<&str> = self.alerts().iter().map(|a| a.rule.as_str()).collect();
        r.sort();
        r.dedup();
        r
    }
    pub fn fired(&self, rule: &str) -> bool {
        self.alerts().iter().any(|a| a.rule.as_str() == rule)
    }
    pub fn alert(&self, rule: &str) -> &Alert {
        self.alerts()
            .iter()
            .find(|a| a.rule.as_str() == rule)
            .unwrap_or_else(|| panic!("{rule} did not fire: {:?}", self.rules()))
    }
}

pub fn scan_bytes(name: &str, bytes: Vec<u8>, cfg: Config, allow: Allowlist) -> Scan {
    let mut ingest = Ingest::new(Engine::new(cfg.clone(), allow)).with_prefilter(&cfg);
    let reader = source::read::maybe_gunzip(Box::new(std::io::Cursor::new(bytes))).unwrap();
    source::read_all(name, reader, &mut ingest, &mut |_| {}).unwrap();
    ingest.finish();
    let incidents = ingest.engine.incidents();
    Scan { ingest, incidents }
}

pub fn scan_text(text: &str) -> Scan {
    scan_bytes(
        "test.jsonl",
        text.as_bytes().to_vec(),
        Config::default(),
        allowlist::default_allowlist(),
    )
}

pub fn scan_text_with(text: &str, cfg: Config) -> Scan {
    scan_bytes(
        "test.jsonl",
        text.as_bytes().to_vec(),
        cfg,
        allowlist::default_allowlist(),
    )
}

pub fn scan_path(p: &Path, cfg: Config) -> Scan {
    scan_bytes(
        &p.display().to_string(),
        std::fs::read(p).unwrap(),
        cfg,
        allowlist::default_allowlist(),
    )
}

/// Sample files may come with a config beside them (`<rule>.toml`).
pub fn config_for_rule(rule: &str) -> Config {
    let p = sample(&format!("rules/{rule}.toml"));
    if p.exists() {
        Config::load(&p).unwrap()
    } else {
        Config::default()
    }
}

static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// `10:MM:SS` on 2026-07-01 plus `secs`.
pub fn at(secs: i64) -> String {
    let base = 10 * 3600;
    let t = base + secs;
    let (d, t) = (1 + t / 86_400, t % 86_400);
    format!(
        "2026-07-{d:02}T{:02}:{:02}:{:02}.000000Z",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// A ResponseComplete event; `over` is merged into the defaults.
pub fn ev(over: Value) -> Value {
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut base = json!({
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Metadata",
        "auditID": format!("00000000-0000-4000-8000-{n:012}"),
        "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/prod/secrets/db",
        "verb": "get",
        "user": {"username": "mallory", "groups": ["system:authenticated"]},
        "sourceIPs": ["203.0.113.9"],
        "userAgent": "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350",
        "objectRef": {"resource": "secrets", "namespace": "prod", "name": "db", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 200},
        "requestReceivedTimestamp": at(0),
        "stageTimestamp": at(0),
        "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}
    });
    merge(&mut base, over);
    base
}

fn merge(a: &mut Value, b: Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                if v.is_null() {
                    a.remove(&k);
                } else {
                    merge(a.entry(k).or_insert(Value::Null), v);
                }
            }
        }
        (a, b) => *a = b,
    }
}

/// Events as JSON lines, the way the API server writes them (`&` as `\u0026`).
pub fn lines(events: &[Value]) -> String {
    let mut s = String::new();
    for e in events {
        s.push_str(&serde_json::to_string(e).unwrap().replace('&', "\\u0026"));
        s.push('\n');
    }
    s
}

/// A get of `ns/name` by `user` at `secs`, with outcome `code`.
pub fn get_secret(user: &str, ns: &str, name: &str, secs: i64, code: i64) -> Value {
    let decision = if code == 403 { "forbid" } else { "allow" };
    ev(json!({
        "user": {"username": user},
        "requestURI": format!("/api/v1/namespaces/{ns}/secrets/{name}"),
        "objectRef": {"namespace": ns, "name": name},
        "responseStatus": {"code": code},
        "requestReceivedTimestamp": at(secs),
        "stageTimestamp": at(secs),
        "annotations": {"authorization.k8s.io/decision": decision},
    }))
}

/// Run the real binary with no user config leaking in (a fresh
/// `XDG_CONFIG_HOME` and `XDG_STATE_HOME`), optionally feeding stdin.
pub fn ktriage(args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ktriage"));
    cmd.args(args)
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_STATE_HOME", home.path())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(data) = stdin {
        child.stdin.take().unwrap().write_all(data).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Every stdout line as JSON.
pub fn jsonl(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect()
}
