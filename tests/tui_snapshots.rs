//! Snapshot tests (insta) of every pane at 80×24, 200×50 and 60×20, drawn
//! from the seed sample through the real engine and panes. A layout change
//! shows up as a diff to review: `cargo insta review`, or
//! `INSTA_UPDATE=always cargo test --test tui_snapshots` and `git diff`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ktriage::tui::actions;
use ktriage::tui::snapshot::Status;
use ktriage::tui::testing::{app_from_log, options, render};

const ATTACK: &str = include_str!("../sample-logs/k8s_exec_secret_exfil.json");

#[test]
fn every_pane_at_three_sizes() {
    for (w, h) in [(80u16, 24u16), (200, 50), (60, 20)] {
        for (key, pane) in [
            ('1', "incidents"),
            ('2', "identities"),
            ('3', "allowlist"),
            ('4', "checklist"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let mut opts = options(dir.path());
            // A fixed, absent allowlist path: the title shows it, and a
            // temporary one would differ per run (the built-in defaults run).
            opts.allowlist_path = "/nonexistent/ktriage/allowlist.toml".into();
            let mut app = app_from_log(
                &opts,
                ATTACK,
                Status {
                    sources: "k8s_exec_secret_exfil.json".into(),
                    ..Status::default()
                },
            );
            actions::key(
                &mut app,
                KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE),
            );
            let screen = render(&app, w, h).join("\n");
            assert!(!screen.contains(&dir.path().display().to_string()));
            insta::assert_snapshot!(format!("{pane}_{w}x{h}"), screen);
        }
    }
}
