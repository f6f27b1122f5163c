//! The one Markdown report (issue 12): `scan --format markdown` and the
//! TUI's `:export` give the same report of an incident apart from ticks and
//! notes, and the report stays valid CommonMark + GFM with log data inert:
//! no HTML, no links, no broken tables, identities exact in code spans.

mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ktriage::report::inert;
use ktriage::tui::actions;
use ktriage::tui::snapshot::Status;
use ktriage::tui::testing::{app_from_log, options};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde_json::json;
use std::process::Command;

const ATTACK: &str = include_str!("../sample-logs/k8s_exec_secret_exfil.json");

/// Identities built to break a Markdown report.
const HOSTILE: &[&str] = &[
    "`x`",
    "<img src=x onerror=alert(1)>",
    "a|b",
    "[x](http://evil.example/)",
    "line1\nline2",
    "\u{1b}]0;pwned\u{7}",
    "``two``",
    "*bold* _it_ &amp; http://evil.example",
    " lead",
];

fn exec(user: &str, pod: &str, cmd: &str, secs: i64) -> serde_json::Value {
    let q: String = cmd
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    ev(json!({
        "user": {"username": user},
        "verb": "create",
        "requestURI": format!("/api/v1/namespaces/prod/pods/{pod}/exec?command={q}&container=app"),
        "objectRef": {"resource": "pods", "subresource": "exec", "namespace": "prod", "name": pod},
        "responseStatus": {"code": 101},
        "requestReceivedTimestamp": at(secs),
        "stageTimestamp": at(secs),
    }))
}

/// The sample attack plus one incident per hostile identity, each reading
/// a hostile secret name and exec'ing a hostile command.
fn hostile_log() -> String {
    let mut evs = Vec::new();
    for (i, h) in HOSTILE.iter().enumerate() {
        let secs = 100 * i as i64;
        evs.push(get_secret(
            h,
            "prod",
            &format!("s{i}|<b>`{i}`</b>"),
            secs,
            200,
        ));
        evs.push(exec(
            h,
            &format!("web-{i}"),
            "sh -c 'cat /var/run/secrets/kubernetes.io/serviceaccount/token | <i>'",
            secs + 5,
        ));
    }
    format!("{}\n{}", ATTACK.trim_end(), lines(&evs))
}

fn scan_markdown(log: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    std::fs::write(&path, log).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ktriage"))
        .args(["scan", "--format", "markdown"])
        .arg(&path)
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{out:?}"
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Incident sections (from `## ` to the next `## ` or the end), by id line.
fn sections(doc: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in doc.split_inclusive('\n') {
        if l.starts_with("## ") {
            out.push(String::new());
        }
        if let Some(s) = out.last_mut() {
            s.push_str(l);
        }
    }
    out
}

fn key(app: &mut ktriage::tui::app::App, c: KeyCode) {
    actions::key(app, KeyEvent::new(c, KeyModifiers::NONE));
}

/// What `:export PATH` writes for the selected incident.
fn tui_export(app: &mut ktriage::tui::app::App, path: &std::path::Path) -> String {
    key(app, KeyCode::Char(':'));
    for c in format!("export {}", path.display()).chars() {
        key(app, KeyCode::Char(c));
    }
    key(app, KeyCode::Enter);
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("no export at {path:?}: {e}"))
}

fn gfm() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
}

#[test]
fn scan_and_tui_export_write_the_same_report() {
    let log = hostile_log();
    let scan = scan_markdown(&log);
    let scanned = sections(&scan);
    assert_eq!(scanned.len(), HOSTILE.len() + 1, "{scan}");

    let dir = tempfile::tempdir().unwrap();
    let mut app = app_from_log(&options(dir.path()), &log, Status::default());
    let inc_ids: Vec<String> = app.view().incidents.iter().map(|i| i.id.clone()).collect();
    assert_eq!(inc_ids.len(), scanned.len());
    let out = dir.path().join("r.md");
    // The selected incident (the first, most severe), exported untouched,
    // is the scan's section for it, byte for byte.
    let first = tui_export(&mut app, &out);
    let sec = sections(&first);
    assert_eq!(sec.len(), 1, "{first}");
    let id = &inc_ids[0];
    let same = scanned
        .iter()
        .find(|s| s.contains(&format!("`{id}`")))
        .unwrap();
    assert_eq!(&sec[0], same);
    // The header carries the metadata.
    assert!(first.contains(&format!(
        "- ktriage version: `{}`",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(first.contains("- Generated at: 20") && first.contains("- All times are UTC"));

    // Ticks and notes are the only difference.
    let inc = app.view().incidents.iter().find(|i| &i.id == id).unwrap();
    let subj = ktriage::tui::checklist::subject(app.view(), inc);
    app.checklist.set_done(&subj, "secrets", true).unwrap();
    app.checklist
        .set_done(
            &subj,
            "unbind:ClusterRoleBinding:attacker-admin-binding",
            true,
        )
        .unwrap();
    app.checklist
        .set_note(&subj, "rbac", "checked with `kubectl`")
        .unwrap();
    let ticked = sections(&tui_export(&mut app, &out)).remove(0);
    let (a, b): (Vec<&str>, Vec<&str>) = (same.lines().collect(), ticked.lines().collect());
    let notes: Vec<&&str> = b.iter().filter(|l| l.starts_with("  - Note: ")).collect();
    assert_eq!(notes, [&"  - Note: `` checked with `kubectl` ``"]);
    let b: Vec<&str> = b
        .into_iter()
        .filter(|l| !l.starts_with("  - Note: "))
        .collect();
    assert_eq!(a.len(), b.len());
    let changed: Vec<(&str, &str)> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (*x, *y))
        .collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
    for (x, y) in changed {
        assert_eq!(x.replacen("- [ ]", "- [x]", 1), y);
    }
}

/// Cells of every table, as text (code and text concatenated).
type Table = Vec<Vec<String>>;

#[test]
fn report_is_valid_gfm_with_log_data_inert() {
    let doc = scan_markdown(&hostile_log());
    assert!(
        !doc.contains('\u{1b}') && !doc.contains('\u{7}'),
        "raw control characters"
    );

    let mut codes: Vec<String> = Vec::new();
    let mut tables: Vec<Table> = Vec::new();
    let (mut in_cell, mut cell) = (false, String::new());
    for e in Parser::new_ext(&doc, gfm()) {
        match e {
            Event::Html(h) | Event::InlineHtml(h) => panic!("raw HTML in the report: {h}"),
            Event::Start(Tag::Link { dest_url, .. }) => panic!("a link in the report: {dest_url}"),
            Event::Start(Tag::Image { dest_url, .. }) => panic!("an image: {dest_url}"),
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough) => {
                panic!("emphasis from escaped text")
            }
            Event::Start(Tag::Table(_)) => tables.push(Vec::new()),
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                tables.last_mut().unwrap().push(Vec::new())
            }
            Event::Start(Tag::TableCell) => (in_cell, cell) = (true, String::new()),
            Event::End(TagEnd::TableCell) => {
                in_cell = false;
                let row = tables.last_mut().unwrap().last_mut().unwrap();
                row.push(std::mem::take(&mut cell));
            }
            Event::Code(c) => {
                if in_cell {
                    cell.push_str(&c);
                } else {
                    codes.push(c.to_string());
                }
            }
            Event::Text(t) => {
                for bad in ["onerror", "evil.example", "pwned", "<b>", "<i>"] {
                    assert!(!t.contains(bad), "log data as text: {t:?}");
                }
                if in_cell {
                    cell.push_str(&t);
                }
            }
            _ => {}
        }
    }
    // Every block of `|` lines is a table (a blank line before each).
    let blocks = doc
        .split("\n\n")
        .filter(|b| b.lines().next().is_some_and(|l| l.starts_with('|')))
        .count();
    assert_eq!(tables.len(), blocks);
    let ls: Vec<&str> = doc.lines().collect();
    for w in ls.windows(2) {
        if w[1].starts_with('|') {
            assert!(
                w[0].is_empty() || w[0].starts_with('|'),
                "no blank line before a table: {w:?}"
            );
        }
    }
    assert!(blocks >= 2 * (HOSTILE.len() + 1), "{blocks}");
    for t in &tables {
        for row in t {
            assert_eq!(row.len(), t[0].len(), "a cell split: {row:?}");
        }
    }
    // Identities are exact in code spans: in lists and headings, and in the
    // alert tables' identity column.
    let alert_identities: Vec<&String> = (tables.iter())
        .filter(|t| t[0][2] == "identity" && t[0][1] == "rule")
        .flat_map(|t| t[1..].iter().map(|r| &r[2]))
        .collect();
    for h in HOSTILE {
        let exact = inert(h).into_owned();
        assert!(
            codes.contains(&exact),
            "{exact:?} not a code span: {codes:?}"
        );
        assert!(
            alert_identities.contains(&&exact),
            "{exact:?} not in a table: {alert_identities:?}"
        );
    }
    // The hostile secret names and commands too.
    assert!(
        codes.iter().any(|c| c.contains("s1|<b>`1`</b>")),
        "{codes:?}"
    );
}

#[test]
fn response_steps_seed_001_implies() {
    let doc = scan_markdown(ATTACK);
    let step = |needle: &str| {
        doc.lines()
            .find(|l| l.starts_with("- [ ] ") && l.contains(needle))
            .unwrap_or_else(|| panic!("no step {needle:?} in\n{doc}"))
            .to_string()
    };
    step("Remove ClusterRoleBinding `attacker-admin-binding`");
    step("Disable or rotate the credentials of `attacker-admin`");
    let tok = step("Rotate the service-account token of pod `prod/payments-api-6f7c9d-abcde`");
    assert!(tok.contains("an exec session read it"), "{tok}");
    // Evidence lines cite their auditIDs.
    assert!(doc.contains(
        "`prod/aws-credentials` `get`: 1 served, first 2026-07-01T14:04:36.882402Z, last 2026-07-01T14:04:36.882402Z — audit ID `9d2c8b99-bdf4-44b8-acd9-879de48e7fe3`"
    ), "{doc}");
}

#[test]
fn a_token_step_needs_a_read_or_a_shell() {
    // Near miss: an exec that runs `env` does not read the token file, so
    // no token step; a bare shell by the incident's identity might have.
    let log = lines(&[
        get_secret("mallory", "prod", "db", 0, 200),
        exec("mallory", "web-0", "env", 10),
        exec("mallory", "web-1", "/bin/bash", 20),
    ]);
    let doc = scan_markdown(&log);
    assert!(!doc.contains("pod `prod/web-0`"), "{doc}");
    assert!(!doc.contains("No listed exec session named"), "{doc}");
    assert!(
        doc.contains("pod `prod/web-1`: an interactive session"),
        "{doc}"
    );
}

#[test]
fn no_token_step_says_so_instead_of_staying_silent() {
    let log = lines(&[
        get_secret("mallory", "prod", "db", 0, 200),
        exec("mallory", "web-0", "env", 10),
    ]);
    let doc = scan_markdown(&log);
    assert!(
        doc.contains("- [ ] No listed exec session named the service-account token in its command: confirm that none read it"),
        "{doc}"
    );
}

#[test]
fn the_tui_export_states_what_could_not_be_judged_as_scan_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_from_log(
        &options(dir.path()),
        &hostile_log(),
        Status {
            problems: vec![
                "ERROR: export.json: no audit events in 3 records".into(),
                "warning: a.jsonl: kube-audit-admin leaves out get and list requests".into(),
            ],
            ..Status::default()
        },
    );
    let out = dir.path().join("r.md");
    let md = tui_export(&mut app, &out);
    assert!(md.contains("NOT JUDGED: 1 input problem;"), "{md}");
    assert!(
        md.contains("`export.json: no audit events in 3 records`"),
        "{md}"
    );
    assert!(md.contains("What the inputs cannot show:"), "{md}");
    assert!(
        md.contains("kube-audit-admin leaves out get and list requests"),
        "{md}"
    );
}
