//! Rendering tests: every pane drawn into ratatui's TestBackend from a real
//! sample log, asserting on what the analyst would read.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ktriage::tui::actions;
use ktriage::tui::app::{App, Pane};
use ktriage::tui::snapshot::Status;
use ktriage::tui::testing::{app_from_log, options, render};

const ATTACK: &str = include_str!("../sample-logs/k8s_exec_secret_exfil.json");

fn secret_get(user: &str, ua: &str, secret: &str, id: &str) -> String {
    serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": id,
        "stage": "ResponseComplete", "requestURI": format!("/api/v1/namespaces/prod/secrets/{secret}"),
        "verb": "get", "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["203.0.113.9"], "userAgent": ua,
        "objectRef": {"resource": "secrets", "namespace": "prod", "name": secret, "apiVersion": "v1"},
        "responseStatus": {"code": 200},
        "requestReceivedTimestamp": "2026-07-01T10:00:00.000000Z", "stageTimestamp": "2026-07-01T10:00:00.100000Z"
    })
    .to_string()
}

fn press(app: &mut App, c: KeyCode) {
    actions::key(app, KeyEvent::new(c, KeyModifiers::NONE));
}

fn screen(app: &App) -> String {
    render(app, 80, 24).join("\n")
}

fn attack_app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let app = app_from_log(
        &options(dir.path()),
        ATTACK,
        Status {
            sources: "attack.json".into(),
            ..Status::default()
        },
    );
    (dir, app)
}

#[test]
fn incidents_pane_lists_the_incident_and_marks_focus() {
    let (_d, app) = attack_app();
    let s = screen(&app);
    assert!(s.contains("▶ Incidents"), "{s}");
    assert!(s.contains("attacker-admin"), "{s}");
    assert!(s.contains("CRITICAL"), "{s}");
    assert!(s.contains("IDENTITY"), "{s}");
    // Status bar and key hints fit on an 80x24 screen.
    let lines = render(&app, 80, 24);
    assert_eq!(lines.len(), 24);
    assert!(lines[22].contains("FOLLOW"), "{}", lines[22]);
    assert!(lines[23].contains("help"), "{}", lines[23]);
    assert!(lines.iter().all(|l| l.chars().count() == 80));
    assert!(!s.contains("DEMO"));
}

#[test]
fn enter_expands_alerts_and_events_and_opens_raw_json() {
    let (_d, mut app) = attack_app();
    press(&mut app, KeyCode::Enter);
    let s = screen(&app);
    assert!(s.contains("escalate-then-loot"), "{s}");
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    let s = screen(&app);
    assert!(s.contains("raw event"), "{s}");
    assert!(s.contains("\"auditID\""), "{s}");
    assert!(s.contains("paused +"), "moving leaves follow: {s}");
}

#[test]
fn identities_pane_and_ip_pivot() {
    let (_d, mut app) = attack_app();
    press(&mut app, KeyCode::Char('2'));
    let s = screen(&app);
    assert!(s.contains("▶ Identities"), "{s}");
    assert!(s.contains("attacker-admin"), "{s}");
    assert!(s.contains("by identity"), "{s}");
    press(&mut app, KeyCode::Char('p'));
    let s = screen(&app);
    assert!(s.contains("by source IP"), "{s}");
    assert!(s.contains("203.0.113.77"), "{s}");
}

#[test]
fn allowlist_pane_shows_defaults() {
    let (_d, mut app) = attack_app();
    press(&mut app, KeyCode::Char('3'));
    let s = screen(&app);
    assert!(s.contains("▶ Allowlist"), "{s}");
    assert!(s.contains("system:kube-controller"), "{s}");
    assert!(s.contains("built-in defaults"), "{s}");
}

#[test]
fn no_default_allowlist_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path());
    opts.no_default_allowlist = true;
    let mut app = app_from_log(&opts, ATTACK, Status::default());
    press(&mut app, KeyCode::Char('3'));
    let s = screen(&app);
    assert!(s.contains("▶ Allowlist [0/0]"), "{s}");
    assert!(!s.contains("system:kube-controller"), "{s}");
}

#[test]
fn checklist_pane_has_the_response_steps() {
    let (_d, mut app) = attack_app();
    press(&mut app, KeyCode::Char('4'));
    let lines = render(&app, 100, 40).join("\n");
    assert!(lines.contains("▶ Checklist"), "{lines}");
    assert!(lines.contains("1. Secrets accessed"), "{lines}");
    assert!(
        lines.contains("Rotate every credential in prod/db-credentials") && lines.contains("[ ]"),
        "{lines}"
    );
    assert!(lines.contains("2. RBAC review"), "{lines}");
    // Right after `4` the highlighted row is the first step, and Space
    // ticks that one: the first box on screen.
    press(&mut app, KeyCode::Char(' '));
    let boxes = |app: &App| -> Vec<String> {
        render(app, 100, 40)
            .into_iter()
            .filter(|l| l.contains("[x]") || l.contains("[ ]"))
            .collect()
    };
    let b = boxes(&app);
    assert!(b[0].contains("[x]"), "{b:?}");
    assert!(b[1..].iter().all(|l| l.contains("[ ]")), "{b:?}");
    // Moving skips headings; Space on an evidence row ticks nothing else.
    let sel = app.list(Pane::Checklist).selected;
    press(&mut app, KeyCode::Char('j'));
    assert_ne!(app.list(Pane::Checklist).selected, sel);
    for _ in 0..40 {
        let row = app.list(Pane::Checklist).selected_row().unwrap().clone();
        assert_ne!(
            row.kind,
            ktriage::tui::filter::RowKind::Info,
            "a heading is never highlighted"
        );
        if row.kind == ktriage::tui::filter::RowKind::Item {
            break;
        }
        press(&mut app, KeyCode::Char(' '));
        assert_eq!(boxes(&app), b, "Space on evidence changed a tick");
        press(&mut app, KeyCode::Char('j'));
    }
    press(&mut app, KeyCode::Char(' '));
    let b2 = boxes(&app);
    assert!(b2[0].contains("[x]") && b2[1].contains("[x]"), "{b2:?}");
}

#[test]
fn rbac_review_says_plainly_when_the_log_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let log = secret_get("mallory", "curl/8.0", "db", "a1");
    let mut app = app_from_log(&options(dir.path()), &log, Status::default());
    press(&mut app, KeyCode::Char('4'));
    let s = render(&app, 120, 30).join("\n");
    assert!(s.contains("No RBAC data in this log"), "{s}");
}

#[test]
fn control_sequences_are_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let log = secret_get("mallory\u{202e}", "curl/8 \u{1b}]0;pwned\u{7}", "db", "a1");
    let mut app = app_from_log(&options(dir.path()), &log, Status::default());
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    let s = render(&app, 140, 30).join("\n");
    assert!(s.contains("mallory\\u{202e}"), "{s}");
    assert!(s.contains("curl/8 \\u{1b}]"), "{s}");
    assert!(!s.contains('\u{1b}') && !s.contains('\u{202e}') && !s.contains('\u{7}'));
}

#[test]
fn demo_label_in_title_bar() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_from_log(
        &options(dir.path()),
        ATTACK,
        Status {
            demo: true,
            ..Status::default()
        },
    );
    assert!(render(&app, 80, 24)[0].contains("DEMO"));
}

#[test]
fn filter_narrows_and_highlights() {
    let dir = tempfile::tempdir().unwrap();
    let log = [
        secret_get("mallory", "curl/8.0", "db", "a1"),
        secret_get("trudy", "curl/8.0", "api", "a2"),
    ]
    .join("\n");
    let mut app = app_from_log(&options(dir.path()), &log, Status::default());
    assert!(screen(&app).contains("trudy"));
    press(&mut app, KeyCode::Char('/'));
    for c in "mall".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    let s = screen(&app);
    assert!(s.contains("mallory") && !s.contains("trudy"), "{s}");
    assert!(s.contains("</mall>"), "{s}");
    press(&mut app, KeyCode::Esc);
    assert!(screen(&app).contains("trudy"), "Esc clears");
}

#[test]
fn help_overlay_and_allowlist_form_validation() {
    let (_d, mut app) = attack_app();
    press(&mut app, KeyCode::Char('?'));
    let s = render(&app, 90, 40).join("\n");
    assert!(s.contains("Help"), "{s}");
    assert!(s.contains("live filter"), "{s}");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('a'));
    let s = screen(&app);
    assert!(s.contains("Add allowlist entry"), "{s}");
    assert!(s.contains("attacker-admin"), "prefilled: {s}");
    press(&mut app, KeyCode::Enter);
    assert!(screen(&app).contains("reason is required"), "inline error");
    assert!(matches!(app.focus, Pane::Incidents));
}

#[test]
fn light_and_high_contrast_and_no_color_render() {
    for theme in ["light", "high-contrast"] {
        let dir = tempfile::tempdir().unwrap();
        let mut o = options(dir.path());
        o.theme = Some(theme.into());
        o.no_color = theme == "light";
        let app = app_from_log(&o, ATTACK, Status::default());
        assert!(app.warnings.is_empty(), "{:?}", app.warnings);
        assert!(screen(&app).contains("attacker-admin"));
    }
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(dir.path());
    o.theme = Some("nope".into());
    let app = app_from_log(&o, ATTACK, Status::default());
    assert!(screen(&app).contains("theme `nope` not found"));
}

fn at(line: String, time: &str) -> String {
    line.replace("2026-07-01T10:00:00", time)
}

#[test]
fn the_cursor_starts_on_the_most_severe_incident_and_never_moves_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let opts = options(dir.path());
    // A HIGH incident newer than the CRITICAL one.
    let later = at(
        secret_get("mallory", "curl/8.0", "db", "m1"),
        "2026-07-01T15:00:00",
    );
    let log = format!("{ATTACK}\n{later}\n");
    let mut app = app_from_log(&opts, &log, Status::default());
    let first = app.current_incident().unwrap().clone();
    assert_eq!(first.severity, ktriage::detect::Severity::Critical);
    assert_eq!(first.primary, "attacker-admin");
    // The analyst selects mallory's incident; new events arrive while
    // following: a newer incident (trudy), more of mallory's.
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.current_incident().unwrap().primary, "mallory");
    app.set_follow(true);
    let more = format!(
        "{log}{}\n{}\n",
        at(
            secret_get("trudy", "curl/8.0", "api", "t1"),
            "2026-07-01T16:00:00"
        ),
        at(
            secret_get("mallory", "curl/8.0", "db2", "m2"),
            "2026-07-01T16:30:00"
        ),
    );
    let allow = ktriage::allowlist::default_allowlist();
    let snap = ktriage::tui::testing::snapshot_of(&opts, allow, &more, Status::default());
    app.accept(Box::new(snap));
    assert_eq!(app.view().incidents.len(), 3);
    assert_eq!(app.current_incident().unwrap().primary, "mallory");
    // `4` opens the checklist of that same incident.
    press(&mut app, KeyCode::Char('4'));
    let s = render(&app, 100, 30).join("\n");
    assert!(s.contains("mallory — 0/"), "{s}");
}

#[test]
fn allowlisting_an_identity_with_colons_prefills_all_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = secret_get("system:serviceaccount:squid:proxy", "curl/8.0", "db", "p1");
    let mut app = app_from_log(&options(dir.path()), &log, Status::default());
    for pane in ['1', '2'] {
        press(&mut app, KeyCode::Char(pane));
        press(&mut app, KeyCode::Char('a'));
        let ktriage::tui::app::Mode::Form(f) = &app.mode else {
            panic!("no form in pane {pane}");
        };
        assert_eq!(f.fields[1].value, "system:serviceaccount:squid:proxy");
        press(&mut app, KeyCode::Esc);
    }
    // Expanded, on its secret: a secret-name entry for that secret, in
    // its namespace only, for the rules that alerted (never every rule).
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('a'));
    let ktriage::tui::app::Mode::Form(f) = &app.mode else {
        panic!("no form");
    };
    assert_eq!(
        (f.fields[0].value.as_str(), f.fields[1].value.as_str()),
        ("secret-name", "prod/db")
    );
    assert!(
        f.fields[2].value.contains("secret-read"),
        "{}",
        f.fields[2].value
    );
}

#[test]
fn g_goes_to_the_last_row_and_popups_stop_at_their_end() {
    let (_d, mut app) = attack_app();
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('G'));
    let l = app.list(Pane::Allowlist);
    assert_eq!(l.selected, l.visible.len() - 1);
    press(&mut app, KeyCode::Char('?'));
    let _ = render(&app, 80, 24);
    for _ in 0..500 {
        press(&mut app, KeyCode::Char('j'));
    }
    let s = render(&app, 80, 24).join("\n");
    let ktriage::tui::app::Mode::Help { scroll } = app.mode else {
        panic!("help closed");
    };
    assert_eq!(scroll, app.popup_max.get(), "stops at the end");
    assert!(scroll < 200, "{scroll}");
    assert!(s.contains(" of "), "scroll position shown: {s}");
}

#[test]
fn esc_never_quits_and_q_asks_when_checklist_work_is_unsaved() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("checklists.json"), b"{\"investigations\": [\xff").unwrap();
    let mut app = app_from_log(&options(dir.path()), ATTACK, Status::default());
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert!(!app.quit, "Esc at the top level quits nothing");
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char(' '));
    let s = render(&app, 80, 24).join("\n");
    assert!(s.contains("UNSAVED") && s.contains("NOT SAVED"), "{s}");
    press(&mut app, KeyCode::Char('q'));
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.quit);
    let s = render(&app, 80, 24).join("\n");
    assert!(s.contains("Quit anyway"), "{s}");
    press(&mut app, KeyCode::Char('n'));
    assert!(!app.quit);
    press(&mut app, KeyCode::Char('q'));
    press(&mut app, KeyCode::Char('y'));
    assert!(app.quit);
    // The broken file was never overwritten.
    assert_eq!(
        std::fs::read(state.join("checklists.json")).unwrap(),
        b"{\"investigations\": [\xff"
    );
}

#[test]
fn ticks_made_before_two_incidents_merge_are_carried_into_the_merged_one() {
    let dir = tempfile::tempdir().unwrap();
    let opts = options(dir.path());
    // Up to the ClusterRoleBinding only: ci-deployer's incident alone.
    let before: String = ATTACK.lines().take(10).map(|l| format!("{l}\n")).collect();
    let mut app = app_from_log(&opts, &before, Status::default());
    assert_eq!(app.view().incidents.len(), 1);
    assert_eq!(app.view().incidents[0].primary, "ci-deployer");
    press(&mut app, KeyCode::Char('4'));
    let steps: Vec<_> = (app.list(Pane::Checklist).rows.iter())
        .filter(|r| matches!(r.key, ktriage::tui::filter::RowId::Step { .. }))
        .map(|r| r.key.clone())
        .collect();
    for k in &steps {
        app.list_mut(Pane::Checklist).select_key(k);
        press(&mut app, KeyCode::Char(' '));
    }
    let s = render(&app, 160, 50).join("\n");
    assert!(!s.contains("[ ]"), "{s}");
    // The secret reads arrive: escalate-then-loot merges ci-deployer's
    // incident into attacker-admin's.
    let allow = ktriage::allowlist::default_allowlist();
    let snap = ktriage::tui::testing::snapshot_of(&opts, allow, ATTACK, Status::default());
    app.accept(Box::new(snap));
    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Char('4'));
    let s = render(&app, 160, 50).join("\n");
    assert!(s.contains("attacker-admin — "), "{s}");
    assert!(s.contains("carried over from 1 earlier checklist"), "{s}");
    // The binding's removal was ticked and names one thing: carried.
    let unbind = s
        .lines()
        .find(|l| l.contains("Remove ClusterRoleBinding"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(unbind.contains("[x]"), "{s}");
    // "Secrets accessed" was reviewed for ci-deployer only: not ticked for
    // the merged incident, and the pane says why.
    assert!(s.contains("review step"), "{s}");
    let secrets = s
        .lines()
        .find(|l| l.contains("List every secret accessed"))
        .unwrap();
    assert!(secrets.contains("[ ]"), "{s}");
}

#[test]
fn ctrl_c_in_a_form_or_prompt_cancels_it_and_keeps_the_tui_open() {
    let (_d, mut app) = attack_app();
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    press(&mut app, KeyCode::Char('a'));
    assert!(matches!(app.mode, ktriage::tui::app::Mode::Form(_)));
    actions::key(&mut app, ctrl_c);
    assert!(!app.quit && matches!(app.mode, ktriage::tui::app::Mode::Normal));
    press(&mut app, KeyCode::Char(':'));
    for c in "export x".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    actions::key(
        &mut app,
        KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL),
    );
    let s = screen(&app);
    assert!(s.contains(":export ") && !s.contains(":export x"), "{s}");
    actions::key(&mut app, ctrl_c);
    assert!(!app.quit && matches!(app.mode, ktriage::tui::app::Mode::Normal));
}

#[test]
fn filter_matches_the_visible_text_and_unicode_case() {
    let dir = tempfile::tempdir().unwrap();
    let log = [
        secret_get("mallory", "curl/8.0", "aws-credentials", "a1"),
        secret_get("walrus-bot", "kubectl/v1.30", "api", "a2"),
        secret_get("ünïcode-user", "curl/8.0", "db", "a3"),
    ]
    .join("\n");
    let mut app = app_from_log(&options(dir.path()), &log, Status::default());
    app.set_width(80);
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('/'));
    // "alr" is in walrus-bot; in mallory only as letters in order.
    for c in "alr".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    let s = screen(&app);
    assert!(s.contains("walrus-bot"), "{s}");
    assert!(
        !s.contains("mallory"),
        "letters in order no longer match: {s}"
    );
    assert!(!s.contains("(fuzzy"), "{s}");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    for c in "ÜNÏ".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    let s = screen(&app);
    assert!(s.contains("ünïcode-user") && !s.contains("mallory"), "{s}");
}

#[test]
fn a_cjk_identity_keeps_the_layout_in_columns() {
    let dir = tempfile::tempdir().unwrap();
    let who = format!(
        "system:serviceaccount:prod:{}",
        "管理者アカウント".repeat(6)
    );
    let log = secret_get(&who, "curl/8.0", "db", "a1");
    let mut app = app_from_log(&options(dir.path()), &log, Status::default());
    for (w, h) in [(80u16, 24u16), (200, 50)] {
        app.set_width(w);
        for pane in ['1', '2', '4'] {
            press(&mut app, KeyCode::Char(pane));
            // One string char per terminal cell (a wide char's second
            // cell is a placeholder), so char offsets are columns.
            let lines = render(&app, w, h);
            let at = |l: &str, pat: &str| l.find(pat).map(|b| l[..b].chars().count());
            if pane == '2' {
                let head = lines.iter().find(|l| l.contains("READS")).unwrap();
                let row = lines.iter().find(|l| l.contains("flagged")).unwrap();
                assert_eq!(
                    at(row, "1 flagged"),
                    at(head, "READS"),
                    "a wide identity pushed the next column:\n{head}\n{row}"
                );
            }
            // The frame's right border is intact on every body row.
            for l in lines
                .iter()
                .filter(|l| l.starts_with('┃') || l.starts_with('│'))
            {
                assert!(l.ends_with('┃') || l.ends_with('│'), "pane {pane}: {l}");
            }
        }
    }
}

#[test]
fn n_and_shift_n_step_through_matches_and_y_copies_the_typed_value() {
    let dir = tempfile::tempdir().unwrap();
    let log = [
        secret_get("svc-alpha", "curl/8.0", "db", "a1"),
        secret_get("mallory", "curl/8.0", "api", "a2"),
        secret_get("svc-beta", "curl/8.0", "db", "a3"),
    ]
    .join("\n");
    let mut app = app_from_log(&options(dir.path()), &log, Status::default());
    app.set_width(100);
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('n'));
    assert!(screen(&app).contains("no filter"), "{}", screen(&app));
    press(&mut app, KeyCode::Char('/'));
    for c in "svc-".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    let selected = |app: &App| {
        let Some(ktriage::tui::filter::RowId::Identity(id)) = app
            .list(Pane::Identities)
            .selected_row()
            .map(|r| r.key.clone())
        else {
            panic!("no identity selected");
        };
        id
    };
    let first = selected(&app);
    press(&mut app, KeyCode::Char('n'));
    let second = selected(&app);
    assert_ne!(first, second);
    assert!(second.starts_with("svc-"));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(selected(&app), first, "wraps around");
    press(&mut app, KeyCode::Char('N'));
    assert_eq!(selected(&app), second);
    // y: the identity itself (not the row text with its counts), confirmed.
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.clipboard.as_deref(), Some(second.as_str()));
    assert!(screen(&app).contains("copied"), "{}", screen(&app));
    assert_eq!(
        ktriage::tui::actions::osc52("svc-beta"),
        "\u{1b}]52;c;c3ZjLWJldGE=\u{7}"
    );
}

/// Panes not on screen are rebuilt when shown, not on every snapshot (a
/// 100k-secret checklist took the UI a core during a burst): whatever is
/// switched to after a snapshot arrived shows that snapshot, never the
/// one before it.
#[test]
fn a_pane_switched_to_after_a_snapshot_shows_that_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let opts = options(dir.path());
    let first = secret_get("alice", "curl/8", "db", "a1");
    let mut app = app_from_log(&opts, &first, Status::default());
    assert!(screen(&app).contains("alice"));
    let grown = format!(
        "{first}\n{}\n",
        secret_get("mallory", "curl/8", "api-key", "m1")
    );
    let allow = ktriage::allowlist::default_allowlist();
    let snap = ktriage::tui::testing::snapshot_of(&opts, allow, &grown, Status::default());
    app.accept(Box::new(snap));
    press(&mut app, KeyCode::Char('2'));
    let s = screen(&app);
    assert!(s.contains("mallory") && s.contains("alice"), "{s}");
    assert!(!s.contains("catching up"), "{s}");
    // The checklist of the new incident, and a tick on it, show at once.
    press(&mut app, KeyCode::Char('1'));
    let pos = (app.list(Pane::Incidents).visible.iter())
        .position(|&i| app.list(Pane::Incidents).rows[i].cells[1].contains("mallory"))
        .unwrap();
    app.list_mut(Pane::Incidents).selected = pos;
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char(' '));
    let s = render(&app, 160, 40).join("\n");
    assert!(s.contains("mallory — 1/"), "{s}");
    assert!(s.contains("[x]"), "{s}");
}
