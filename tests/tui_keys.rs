//! What the analyst sees of the key table's features, drawn into
//! TestBackend: `:` completion and history, sort by column, jumps between an
//! identity and its incident, the flash for a new high/critical incident,
//! the suppressed-alerts list, a step in full, and texts that must not
//! mislead (an empty followed file, long values, "served" not "allowed").

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ktriage::tui::actions;
use ktriage::tui::app::{App, Pane};
use ktriage::tui::keymap::COMMANDS;
use ktriage::tui::snapshot::Status;
use ktriage::tui::testing::{app_from_log, options, render, snapshot_of};

const ATTACK: &str = include_str!("../sample-logs/k8s_exec_secret_exfil.json");

fn get(user: &str, secret: &str, id: &str, code: u16) -> String {
    serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": id,
        "stage": "ResponseComplete", "requestURI": format!("/api/v1/namespaces/prod/secrets/{secret}"),
        "verb": "get", "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["203.0.113.9"], "userAgent": "curl/8.0",
        "objectRef": {"resource": "secrets", "namespace": "prod", "name": secret, "apiVersion": "v1"},
        "responseStatus": {"code": code},
        "requestReceivedTimestamp": "2026-07-01T10:00:00.000000Z", "stageTimestamp": "2026-07-01T10:00:00.100000Z"
    })
    .to_string()
        + "\n"
}

fn press(app: &mut App, c: KeyCode) {
    actions::key(app, KeyEvent::new(c, KeyModifiers::NONE));
}

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn screen(app: &App, w: u16, h: u16) -> String {
    render(app, w, h).join("\n")
}

fn app_of(dir: &std::path::Path, log: &str, status: Status) -> App {
    app_from_log(&options(dir), log, status)
}

#[test]
fn the_command_prompt_completes_from_the_key_table_and_recalls_history() {
    let d = tempfile::tempdir().unwrap();
    let mut app = app_of(d.path(), ATTACK, Status::default());
    press(&mut app, KeyCode::Char(':'));
    typed(&mut app, "fr");
    press(&mut app, KeyCode::Tab);
    let s = screen(&app, 100, 24);
    assert!(s.contains(":freeze "), "Tab completes the one match: {s}");
    assert!(s.contains("freeze  — freeze / thaw the view"), "{s}");
    press(&mut app, KeyCode::Enter);
    assert!(
        screen(&app, 100, 24).contains("FROZEN"),
        "the completed command ran"
    );
    // Two candidates: the hint lists both, Tab keeps what is typed.
    press(&mut app, KeyCode::Char(':'));
    typed(&mut app, "f");
    let s = screen(&app, 100, 24);
    assert!(s.contains("Tab: follow · freeze"), "{s}");
    press(&mut app, KeyCode::Esc);
    // ↑ recalls the last command line.
    press(&mut app, KeyCode::Char(':'));
    press(&mut app, KeyCode::Up);
    assert!(screen(&app, 100, 24).contains(":freeze"));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Esc);
    // Arguments complete too: a severity, a column of the focused pane.
    press(&mut app, KeyCode::Char(':'));
    typed(&mut app, "sev cr");
    press(&mut app, KeyCode::Tab);
    assert!(screen(&app, 100, 24).contains(":sev critical"));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char(':'));
    typed(&mut app, "sort ");
    let s = screen(&app, 160, 24);
    assert!(s.contains("Tab: identity · secrets · reads"), "{s}");
    typed(&mut app, "se");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    assert!(screen(&app, 100, 24).contains("sorted by SECRETS"));
    press(&mut app, KeyCode::Char('1'));
    // An unknown command lists the table's commands.
    actions::run_command(&mut app, "explode");
    let s = screen(&app, 200, 24);
    assert!(s.contains("unknown command `:explode`"), "{s}");
    assert!(
        s.contains("export [PATH]") && s.contains("suppressed"),
        "{s}"
    );
}

#[test]
fn the_help_lists_every_command_of_the_table() {
    let d = tempfile::tempdir().unwrap();
    let mut app = app_of(d.path(), ATTACK, Status::default());
    press(&mut app, KeyCode::Char('?'));
    let mut seen = String::new();
    for _ in 0..20 {
        seen.push_str(&screen(&app, 100, 50));
        press(&mut app, KeyCode::PageDown);
    }
    for d in COMMANDS {
        assert!(
            seen.contains(&format!(":{}", d.names[0])),
            "{} not in help",
            d.names[0]
        );
    }
    assert!(seen.contains("identity/secret → its incident"), "{seen}");
}

#[test]
fn o_sorts_identities_by_column_and_children_stay_under_their_row() {
    let d = tempfile::tempdir().unwrap();
    let log = get("aaron", "a", "1", 200)
        + &get("zed", "b", "2", 200)
        + &get("zed", "c", "3", 200)
        + &get("zed", "d", "4", 200);
    let mut app = app_of(d.path(), &log, Status::default());
    press(&mut app, KeyCode::Char('2'));
    let pos = |s: &str, w: &str| s.find(w).unwrap_or(usize::MAX);
    // IDENTITY, A–Z.
    press(&mut app, KeyCode::Char('o'));
    let s = screen(&app, 100, 24);
    assert!(s.contains("sorted by IDENTITY / ACTIVITY ↑"), "{s}");
    assert!(pos(&s, "aaron") < pos(&s, "zed"), "{s}");
    press(&mut app, KeyCode::Char('O'));
    let s = screen(&app, 100, 24);
    assert!(pos(&s, "zed") < pos(&s, "aaron"), "O reverses: {s}");
    // SECRETS: a number, most first; zed's secret rows stay under zed.
    actions::run_command(&mut app, "sort secrets");
    let rows = render(&app, 100, 24);
    let zed = rows
        .iter()
        .position(|l| l.contains("▸ zed"))
        .expect("zed row");
    let aaron = rows
        .iter()
        .position(|l| l.contains("aaron"))
        .expect("aaron row");
    assert!(zed < aaron, "3 secrets before 1: {rows:#?}");
    press(&mut app, KeyCode::Char('g'));
    press(&mut app, KeyCode::Enter);
    let rows = render(&app, 100, 24);
    let zed = rows
        .iter()
        .position(|l| l.contains("▾ zed"))
        .expect("zed open");
    assert!(rows[zed + 1].contains("secret prod/"), "{rows:#?}");
    actions::run_command(&mut app, "sort nosuch");
    assert!(screen(&app, 200, 24).contains("no column `nosuch`"));
}

#[test]
fn i_jumps_from_an_identity_to_its_incident_and_backspace_comes_back() {
    let d = tempfile::tempdir().unwrap();
    let mut app = app_of(d.path(), ATTACK, Status::default());
    press(&mut app, KeyCode::Char('2'));
    actions::run_command(&mut app, "sort identity");
    // attacker-admin's row.
    press(&mut app, KeyCode::Char('/'));
    typed(&mut app, "attacker-admin");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('i'));
    assert_eq!(app.focus, Pane::Incidents);
    let s = screen(&app, 100, 30);
    assert!(
        s.contains("▶ Incidents") && s.contains("Backspace goes back"),
        "{s}"
    );
    let sel = app
        .list(Pane::Incidents)
        .selected_row()
        .unwrap()
        .key
        .clone();
    assert!(
        matches!(sel, ktriage::tui::filter::RowId::Incident(_)),
        "{sel:?}"
    );
    press(&mut app, KeyCode::Backspace);
    assert_eq!(app.focus, Pane::Identities);
    let row = app.list(Pane::Identities).selected_row().unwrap();
    assert!(row.cells[0].contains("attacker-admin"), "{:?}", row.cells);
    // An identity with no incident says why, and does not move.
    // From one of its secrets: the incident whose rotation list has it.
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('j'));
    let row = app.list(Pane::Identities).selected_row().unwrap();
    assert!(row.cells[0].contains("secret prod/"), "{:?}", row.cells);
    press(&mut app, KeyCode::Char('i'));
    assert_eq!(app.focus, Pane::Incidents);
    let s = screen(&app, 100, 30);
    assert!(s.contains("Rotate: prod/aws-credentials"), "{s}");
    press(&mut app, KeyCode::Backspace);
    let row = app.list(Pane::Identities).selected_row().unwrap();
    assert!(
        row.cells[0].contains("secret prod/"),
        "back on the secret: {:?}",
        row.cells
    );
    // An allowlisted identity: activity, no incident.
    let d2 = tempfile::tempdir().unwrap();
    let opts = options(d2.path());
    std::fs::write(
        &opts.allowlist_path,
        "[[allow]]\nkind = \"user\"\nvalue = \"trudy\"\n",
    )
    .unwrap();
    let log = get("mallory", "a", "1", 200) + &get("trudy", "b", "2", 200);
    let mut app = app_from_log(&opts, &log, Status::default());
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('/'));
    typed(&mut app, "trudy");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('i'));
    assert_eq!(app.focus, Pane::Identities);
    let s = screen(&app, 200, 30);
    assert!(s.contains("no incident involves trudy"), "{s}");
}

#[test]
fn a_new_high_incident_while_another_pane_is_open_flashes_and_rings() {
    let d = tempfile::tempdir().unwrap();
    let opts = options(d.path());
    let first = get("trudy", "x", "1", 404);
    let mut app = app_from_log(&opts, &first, Status::default());
    press(&mut app, KeyCode::Char('3'));
    assert!(!app.bell);
    let (_, allow) = ktriage::tui::build_app(&opts, "test");
    let grown = first + ATTACK;
    app.accept(Box::new(snapshot_of(
        &opts,
        allow,
        &grown,
        Status::default(),
    )));
    let s = screen(&app, 100, 24);
    assert!(s.contains("NEW CRITICAL incident: attacker-admin"), "{s}");
    assert!(app.bell, "the bell rings once");
    // The same incident again: no second flash.
    app.bell = false;
    let (_, allow) = ktriage::tui::build_app(&opts, "test");
    app.flash = None;
    app.accept(Box::new(snapshot_of(
        &opts,
        allow,
        &grown,
        Status::default(),
    )));
    assert!(!app.bell && app.flash.is_none());
}

#[test]
fn pane_3_lists_suppressed_alerts_with_the_entry_that_matched() {
    let d = tempfile::tempdir().unwrap();
    let opts = options(d.path());
    std::fs::write(
        &opts.allowlist_path,
        "[[allow]]\nkind = \"user\"\nvalue = \"mallory\"\nreason = \"pentest\"\n",
    )
    .unwrap();
    let log = get("mallory", "aws-credentials", "m1", 200) + &get("trudy", "db", "t1", 200);
    let mut app = app_from_log(&opts, &log, Status::default());
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('H'));
    let s = screen(&app, 120, 24);
    assert!(s.contains("computing"), "no worker answer yet: {s}");
    // The worker's answer, computed as the worker does.
    let token = app.suppressed_token;
    let list = ktriage::tui::testing::suppressed_of(&opts, &log, token);
    app.live.status.suppressed = Some(std::sync::Arc::new(list));
    app.rebuild();
    let s = screen(&app, 120, 24);
    // secret-read and its suspicious-client variant, both mallory's.
    assert!(s.contains("suppressed: 2 alerts whole, 0 in part"), "{s}");
    assert!(
        s.contains("mallory") && s.contains("#1 user mallory"),
        "{s}"
    );
    assert!(!s.contains("trudy"), "trudy's alert is not suppressed: {s}");
    press(&mut app, KeyCode::Char('H'));
    assert!(
        screen(&app, 120, 24).contains("KIND"),
        "H: back to the entries"
    );
}

#[test]
fn enter_on_a_checklist_step_shows_it_in_full_and_space_ticks() {
    let d = tempfile::tempdir().unwrap();
    let mut app = app_of(d.path(), ATTACK, Status::default());
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Enter);
    let s = screen(&app, 80, 24);
    assert!(s.contains("step in full"), "{s}");
    assert!(
        s.contains("List every secret accessed by the suspicious identities, with"),
        "{s}"
    );
    assert!(s.contains("evidence:"), "{s}");
    press(&mut app, KeyCode::Esc);
    assert!(!screen(&app, 80, 24).contains("[x]"), "Enter does not tick");
    press(&mut app, KeyCode::Char(' '));
    assert!(screen(&app, 80, 24).contains("[x]"));
}

#[test]
fn a_followed_empty_file_is_waiting_not_clean() {
    let d = tempfile::tempdir().unwrap();
    let app = app_of(
        d.path(),
        "",
        Status {
            following: true,
            ..Status::default()
        },
    );
    let s = screen(&app, 80, 24);
    assert!(s.contains("waiting for events"), "{s}");
    assert!(!s.contains("no incidents"), "{s}");
    let done = app_of(
        d.path(),
        &get("trudy", "x", "1", 404),
        Status {
            done: true,
            ..Status::default()
        },
    );
    let s = screen(&done, 80, 24);
    assert!(s.contains(" loaded "), "{s}");
    assert!(!s.contains("re-evaluating"), "{s}");
}

#[test]
fn a_5000_character_username_is_clipped_in_the_preview() {
    let d = tempfile::tempdir().unwrap();
    let long = format!("mallory{}", "x".repeat(5000));
    let log = get(&long, "aws-credentials", "1", 200);
    let app = app_of(d.path(), &log, Status::default());
    let rows = render(&app, 120, 40);
    let at = rows
        .iter()
        .position(|l| l.contains("Selected incident"))
        .expect("preview");
    let preview = &rows[at..];
    let with_name = preview.iter().filter(|l| l.contains("mallory")).count();
    assert_eq!(with_name, 1, "one line of the name: {preview:#?}");
    assert!(
        preview.iter().any(|l| l.contains("Rotate:")),
        "{preview:#?}"
    );
    assert!(
        preview.iter().any(|l| l.contains("x exports")),
        "{preview:#?}"
    );
}

#[test]
fn identities_say_served_and_refused_not_allowed() {
    let d = tempfile::tempdir().unwrap();
    let log = get("mallory", "a", "1", 200) + &get("mallory", "b", "2", 403);
    let mut app = app_of(d.path(), &log, Status::default());
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Enter);
    let s = screen(&app, 100, 24);
    assert!(s.contains("1 served") && s.contains("1 refused"), "{s}");
    assert!(!s.contains("allowed"), "{s}");
}

#[test]
fn re_evaluating_in_the_status_line_clears_when_the_worker_is_done() {
    let d = tempfile::tempdir().unwrap();
    let opts = options(d.path());
    let log = get("mallory", "a", "1", 200);
    let mut app = app_from_log(&opts, &log, Status::default());
    // As an allowlist save leaves it: a new generation asked for.
    app.generation += 1;
    app.flash("allowlisted user x; saved to a.toml; re-evaluating", false);
    let (_, allow) = ktriage::tui::build_app(&opts, "test");
    // The worker's first answer: still at work.
    let mut busy = snapshot_of(
        &opts,
        allow,
        &log,
        Status {
            reevaluating: true,
            ..Status::default()
        },
    );
    busy.generation = app.generation - 1;
    app.accept(Box::new(busy));
    let s = screen(&app, 120, 24);
    assert!(s.contains("re-evaluating"), "{s}");
    // Done under the new allowlist.
    let (_, allow) = ktriage::tui::build_app(&opts, "test");
    let mut done = snapshot_of(&opts, allow, &log, Status::default());
    done.generation = app.generation;
    app.accept(Box::new(done));
    let s = screen(&app, 120, 24);
    assert!(!s.contains("re-evaluating"), "{s}");
    assert!(
        s.contains("re-evaluated: 2 alerts in 1 incident in force"),
        "{s}"
    );
}

#[test]
fn every_pane_runs_the_actions_of_its_own_context() {
    use ktriage::tui::keymap::{Action, Context};
    use ktriage::tui::panes;
    let d = tempfile::tempdir().unwrap();
    for a in Action::ALL
        .iter()
        .filter(|a| a.context() != Context::Global)
    {
        let mut app = app_of(d.path(), ATTACK, Status::default());
        let owner = Pane::ALL
            .into_iter()
            .find(|p| p.context() == a.context())
            .expect("a pane for every context");
        app.focus = owner;
        assert!(
            (panes::def(owner).act)(&mut app, *a),
            "{a:?} not run by {owner:?}"
        );
        for other in Pane::ALL.into_iter().filter(|p| *p != owner) {
            let mut app = app_of(d.path(), ATTACK, Status::default());
            assert!(
                !(panes::def(other).act)(&mut app, *a),
                "{a:?} run by {other:?}"
            );
        }
    }
}

#[test]
fn the_readme_key_table_names_every_command_of_the_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let row = readme
        .lines()
        .find(|l| l.contains("| `:` | commands:"))
        .expect("README key table row for :");
    for d in COMMANDS {
        assert!(
            row.contains(&format!("`{}", d.names[0])),
            "README's : row lacks {}",
            d.names[0]
        );
    }
}

#[test]
fn the_allowlist_sorts_by_hits_and_keeps_each_entrys_number() {
    let d = tempfile::tempdir().unwrap();
    let opts = options(d.path());
    std::fs::write(
        &opts.allowlist_path,
        "[[allow]]\nkind = \"user\"\nvalue = \"nobody\"\n\n[[allow]]\nkind = \"user\"\nvalue = \"mallory\"\n",
    )
    .unwrap();
    let log = get("mallory", "a", "1", 200) + &get("mallory", "b", "2", 200);
    let mut app = app_from_log(&opts, &log, Status::default());
    press(&mut app, KeyCode::Char('3'));
    // HITS from the engine, as the worker publishes them.
    app.live.status.allow_hits = vec![0, 4];
    app.rebuild();
    actions::run_command(&mut app, "sort hits");
    let rows = render(&app, 120, 24);
    let s = rows.join("\n");
    assert!(s.contains("sorted by HITS ↓"), "{s}");
    let mallory = rows.iter().position(|l| l.contains("mallory")).unwrap();
    let nobody = rows.iter().position(|l| l.contains("nobody")).unwrap();
    assert!(mallory < nobody, "{s}");
    assert!(
        rows[mallory].contains("┃2 "),
        "the entry keeps its number: {s}"
    );
}
