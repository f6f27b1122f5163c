//! The checklist of a burst incident (one identity reading 1,500 secrets):
//! the pane builds rows for a window, says exactly what it does not show,
//! pages on Enter, finds any secret with `/` and ticks it, and the export
//! still lists every secret. Cost: `scripts/checklist-bench.py`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ktriage::tui::actions;
use ktriage::tui::app::{App, Pane};
use ktriage::tui::filter::RowId;
use ktriage::tui::panes::checklist::WINDOW;
use ktriage::tui::snapshot::Status;
use ktriage::tui::testing::{app_from_log, options, render};

const N: usize = 1500;

fn burst() -> String {
    (0..N)
        .map(|i| {
            serde_json::json!({
                "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
                "auditID": format!("id-{i:05}"), "stage": "ResponseComplete",
                "requestURI": format!("/api/v1/namespaces/prod/secrets/secret-{i:05}"),
                "verb": "get", "user": {"username": "mallory", "groups": ["system:authenticated"]},
                "sourceIPs": ["203.0.113.9"], "userAgent": "curl/8.0",
                "objectRef": {"resource": "secrets", "namespace": "prod", "name": format!("secret-{i:05}"), "apiVersion": "v1"},
                "responseStatus": {"code": 200},
                "requestReceivedTimestamp": format!("2026-07-01T10:{:02}:{:02}.000000Z", i / 60 % 60, i % 60),
                "stageTimestamp": format!("2026-07-01T10:{:02}:{:02}.100000Z", i / 60 % 60, i % 60),
            })
            .to_string()
                + "\n"
        })
        .collect()
}

fn press(app: &mut App, c: KeyCode) {
    actions::key(app, KeyEvent::new(c, KeyModifiers::NONE));
}

fn screen(app: &App, w: u16, h: u16) -> String {
    render(app, w, h).join("\n")
}

fn rotate_rows(app: &App) -> usize {
    (app.list(Pane::Checklist).rows.iter())
        .filter(|r| matches!(&r.key, RowId::Step { item, .. } if item.starts_with("rotate:")))
        .count()
}

#[test]
fn a_burst_checklist_shows_a_window_says_what_is_left_and_finds_any_secret() {
    let d = tempfile::tempdir().unwrap();
    let opts = options(d.path());
    let mut app = app_from_log(&opts, &burst(), Status::default());
    press(&mut app, KeyCode::Char('4'));
    let l = app.list(Pane::Checklist);
    assert!(
        l.rows.len() < 3 * WINDOW + 100,
        "{} rows built",
        l.rows.len()
    );
    assert_eq!(rotate_rows(&app), WINDOW);
    assert!(
        l.title.contains("0/1,5"),
        "exact count over every step: {}",
        l.title
    );
    let all = l
        .rows
        .iter()
        .map(|r| r.cells[1].clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        all.contains("+1,300 more to rotate — Enter: 200 more; / finds any; x exports all (200 of 1,500 shown)"),
        "{all}"
    );
    assert!(
        all.contains("+1,300 more evidence lines — Enter: 200 more; / finds any; x exports all (200 of 1,500 shown)"),
        "{all}"
    );
    assert!(!all.contains("secret-01499"), "not built before asked for");

    // Enter on the rotate section's "+N more" row shows 200 more.
    let more = (l.rows.iter())
        .find(|r| matches!(&r.key, RowId::StepMore { item, .. } if item == "rotate"))
        .unwrap()
        .key
        .clone();
    app.list_mut(Pane::Checklist).select_key(&more);
    press(&mut app, KeyCode::Enter);
    assert_eq!(rotate_rows(&app), 2 * WINDOW);
    let s = screen(&app, 200, 50);
    assert!(s.contains("+1,100 more to rotate"), "{s}");

    // `/` finds a secret far beyond the window; Space ticks exactly it.
    press(&mut app, KeyCode::Char('/'));
    for c in "secret-01499".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    let s = screen(&app, 200, 50);
    assert!(
        s.contains("Rotate every credential in prod/secret-01499"),
        "{s}"
    );
    let step = RowId::Step {
        incident: app.current_incident().unwrap().id.clone(),
        item: "rotate:prod/secret-01499".into(),
    };
    app.list_mut(Pane::Checklist).select_key(&step);
    press(&mut app, KeyCode::Char(' '));
    let s = screen(&app, 200, 50);
    assert!(
        s.contains("[x]   Rotate every credential in prod/secret-01499"),
        "{s}"
    );
    assert!(
        app.list(Pane::Checklist).title.contains("1/1,5"),
        "{}",
        app.list(Pane::Checklist).title
    );

    // The export lists every secret, whatever the pane shows.
    let inc = app.current_incident().unwrap().clone();
    let md = ktriage::tui::export::incident_markdown(
        app.view(),
        &inc,
        &app.checklist,
        ktriage::view::Meta::new(0, vec!["test".into()]),
    )
    .expect("the TUI's view carries its checklist");
    for i in 0..N {
        assert!(
            md.contains(&format!("prod/secret-{i:05}")),
            "secret-{i:05} missing from the export"
        );
    }
    assert!(
        md.contains("[x]") && md.contains("secret-01499"),
        "the tick is in the export"
    );
}
