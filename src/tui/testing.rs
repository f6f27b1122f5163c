//! Helpers for the rendering tests: build an `App` over a log text without
//! a terminal or a worker thread, and draw it into a `TestBackend`.

use super::app::App;
use super::snapshot::{SnapshotCache, Status};
use super::{TuiOptions, build_app, ui};
use crate::audit::lines::Line;
use crate::detect::{Config, Engine};
use crate::pipeline::Ingest;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;
use std::sync::Arc;

/// Options with every file under `dir` (allowlist, state, config).
pub fn options(dir: &Path) -> TuiOptions {
    TuiOptions {
        paths: Vec::new(),
        follow: false,
        poll: false,
        stdin: false,
        allowlist_path: dir.join("allowlist.toml"),
        config: Config::default(),
        theme: None,
        no_color: false,
        no_default_allowlist: false,
        bounds: Default::default(),
        rbac: None,
        state_dir: dir.join("state"),
        config_dir: dir.join("config"),
    }
}

/// An app showing `log` (JSON lines), as the worker would publish it.
pub fn app_from_log(opts: &TuiOptions, log: &str, status: Status) -> App {
    let (mut app, allowlist) = build_app(opts, "test");
    app.accept(Box::new(snapshot_of(opts, allowlist, log, status)));
    app
}

/// The snapshot the worker would publish after reading `log` (use it to
/// feed an app a grown log, as following does).
pub fn snapshot_of(
    opts: &TuiOptions,
    allowlist: crate::allowlist::Allowlist,
    log: &str,
    status: Status,
) -> super::snapshot::Snapshot {
    let mut ingest = Ingest::new(Engine::new(opts.config.clone(), allowlist));
    let src: Arc<str> = Arc::from("test");
    for (i, l) in log.lines().enumerate() {
        ingest.line(&src, i as u64 + 1, Line::Text(l.as_bytes()));
    }
    let mut status = status;
    status.events = ingest.engine.stats.events;
    status.relevant = ingest.engine.stats.relevant;
    status.malformed = ingest.stats.malformed;
    SnapshotCache::default().build(&ingest.engine, 1, 0, status)
}

/// What the worker answers to `Command::Suppressed` for `log`: the
/// engine under the file's allowlist compared with one under none.
pub fn suppressed_of(
    opts: &TuiOptions,
    log: &str,
    token: u64,
) -> super::suppressed::SuppressedList {
    let judge = |allow: crate::allowlist::Allowlist| {
        let mut e = Engine::new(opts.config.clone(), allow);
        for l in log.lines() {
            if let Ok(ev) = crate::audit::input::parse_event(l) {
                e.process(&ev, l);
            }
        }
        e
    };
    let (_, allowlist) = build_app(opts, "test");
    let now = judge(allowlist);
    let open = judge(crate::allowlist::Allowlist::empty());
    super::suppressed::compute(&now, &open, token, now.stats.events, false)
}

/// Draw the whole screen at `w`×`h` and return it as lines of text.
pub fn render(app: &App, w: u16, h: u16) -> Vec<String> {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    term.draw(|f| ui::draw(f, app)).expect("draw");
    let buf = term.backend().buffer();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

/// A `get secrets prod/SECRET` by USER, served, as one audit line.
pub fn secret_get(user: &str, secret: &str, id: &str) -> String {
    serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": id,
        "stage": "ResponseComplete", "requestURI": format!("/api/v1/namespaces/prod/secrets/{secret}"),
        "verb": "get", "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["203.0.113.9"], "userAgent": "curl/8.0",
        "objectRef": {"resource": "secrets", "namespace": "prod", "name": secret, "apiVersion": "v1"},
        "responseStatus": {"code": 200},
        "requestReceivedTimestamp": "2026-07-01T10:00:00.000000Z",
        "stageTimestamp": "2026-07-01T10:00:00.100000Z"
    })
    .to_string()
}

/// An engine that judged `lines` under `allow`.
pub fn judged(allow: crate::allowlist::Allowlist, lines: &[String]) -> Engine {
    let mut e = Engine::new(Config::default(), allow);
    for l in lines {
        let ev = crate::audit::input::parse_event(l).unwrap();
        e.process(&ev, l);
    }
    e
}
