//! End-to-end: the real binary in a pseudo-terminal (tmux), driven by keys
//! and read back from the screen. Skipped, with a note, when tmux is not
//! installed outside CI (`.ci/run` installs it). `KTRIAGE_TUI_BIN`
//! overrides the binary under test.
//! Every wait polls the screen for a condition (no fixed sleeps), bounded
//! (20 s: a loaded 2-core machine can take seconds to start a pane), so a
//! passing test takes well under a second per step.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    std::env::var_os("KTRIAGE_TUI_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ktriage")))
}

/// Why the e2e tests cannot run here, if they cannot. Under CI (`CI` set)
/// a missing tmux is a failure, not a skip: `.ci/run` installs it.
fn skip_reason() -> Option<String> {
    if Command::new("tmux").arg("-V").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required for the TUI end-to-end tests under CI"
        );
        return Some("tmux is not installed".into());
    }
    None
}

macro_rules! skip_if_unavailable {
    () => {
        if let Some(why) = skip_reason() {
            eprintln!("note: skipping TUI end-to-end test: {why}");
            return;
        }
    };
}

fn secret_get(user: &str, secret: &str, id: &str) -> String {
    serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": id,
        "stage": "ResponseComplete", "requestURI": format!("/api/v1/namespaces/prod/secrets/{secret}"),
        "verb": "get", "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["203.0.113.9"], "userAgent": "curl/8.0",
        "objectRef": {"resource": "secrets", "namespace": "prod", "name": secret, "apiVersion": "v1"},
        "responseStatus": {"code": 200},
        "requestReceivedTimestamp": "2026-07-01T10:00:00.000000Z", "stageTimestamp": "2026-07-01T10:00:00.100000Z"
    })
    .to_string()
        + "\n"
}

struct Session {
    sock: String,
    dir: tempfile::TempDir,
}

impl Session {
    fn new() -> Session {
        let dir = tempfile::tempdir().unwrap();
        let sock = format!(
            "ktriage-e2e-{}-{}",
            std::process::id(),
            dir.path().file_name().unwrap().to_string_lossy()
        );
        Session { sock, dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.sock)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Start the binary with `args` (a shell fragment) in a 100x30 pane.
    fn start(&self, args: &str) {
        self.start_piped("", args)
    }

    /// Same, with `pipe` (e.g. `cat log |`) in front of the binary.
    fn start_piped(&self, pipe: &str, args: &str) {
        self.start_as("t", pipe, args)
    }

    /// Start the binary in session `target` (several can run at once).
    fn start_as(&self, target: &str, pipe: &str, args: &str) {
        let d = self.dir.path().display();
        let cmd = format!(
            "cd {d} && {pipe} env XDG_STATE_HOME={d}/state XDG_CONFIG_HOME={d}/config {} --allowlist {d}/allow.toml {args}; sleep 30",
            bin().display()
        );
        // Restart in the same pane: killing the last session and creating a
        // new one races with the tmux server exiting (a blank screen).
        let exists = Command::new("tmux")
            .args(["-L", &self.sock, "has-session", "-t", target])
            .output()
            .is_ok_and(|o| o.status.success());
        if exists {
            self.tmux(&["respawn-pane", "-k", "-t", target, &cmd]);
            return;
        }
        self.tmux(&[
            "new-session",
            "-d",
            "-s",
            target,
            "-x",
            "100",
            "-y",
            "30",
            &cmd,
        ]);
    }

    fn screen(&self) -> String {
        self.screen_of("t")
    }

    fn screen_of(&self, target: &str) -> String {
        self.tmux(&["capture-pane", "-p", "-t", target])
    }

    fn keys(&self, keys: &[&str]) {
        self.keys_to("t", keys)
    }

    fn keys_to(&self, target: &str, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", target, k]);
        }
    }

    fn text(&self, s: &str) {
        self.text_to("t", s)
    }

    fn text_to(&self, target: &str, s: &str) {
        self.tmux(&["send-keys", "-t", target, "-l", s]);
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_on("t", what, pred)
    }

    fn wait_on(&self, target: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen_of(target);
            if pred(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_text(&self, s: &str) -> String {
        self.wait_for(s, |scr| scr.contains(s))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

fn append(path: &Path, text: &str) {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
}

#[test]
fn follows_a_file_while_lines_are_appended() {
    skip_if_unavailable!();
    let s = Session::new();
    let log = s.path("audit.log");
    append(&log, &secret_get("trudy", "api", "a1"));
    s.start(&log.display().to_string());
    s.wait_text("trudy");
    s.wait_text("tailing");
    // A partial line waits for its newline.
    let line = secret_get("mallory", "db", "a2");
    let (head, tail) = line.split_at(40);
    append(&log, head);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!s.screen().contains("mallory"));
    append(&log, tail);
    s.wait_text("mallory");
    s.keys(&["C-c"]);
}

#[test]
fn typing_a_filter_narrows_the_list() {
    skip_if_unavailable!();
    let s = Session::new();
    let log = s.path("audit.log");
    append(
        &log,
        &(secret_get("trudy", "api", "a1") + &secret_get("mallory", "db", "a2")),
    );
    s.start(&format!("--no-follow {}", log.display()));
    s.wait_for("both identities", |x| {
        x.contains("trudy") && x.contains("mallory")
    });
    s.keys(&["/"]);
    s.text("mall");
    let scr = s.wait_for("filtered list", |x| {
        x.contains("</mall>") && !x.contains("trudy")
    });
    assert!(scr.contains("mallory"));
    s.keys(&["Enter", "q"]);
}

#[test]
fn adds_an_allowlist_entry_saves_it_and_re_evaluates() {
    skip_if_unavailable!();
    let s = Session::new();
    let log = s.path("audit.log");
    append(&log, &secret_get("mallory", "db", "a1"));
    s.start(&format!("--no-follow {}", log.display()));
    s.wait_text("mallory");
    s.keys(&["a"]);
    s.wait_text("Add allowlist entry");
    s.keys(&["Enter"]);
    s.wait_text("reason is required");
    s.text("approved pentest");
    s.keys(&["Enter"]);
    // It hides mallory's alert: saved only on a second Enter.
    s.wait_text("Enter again saves");
    assert!(
        !s.path("allow.toml").exists(),
        "nothing saved before confirming"
    );
    s.keys(&["Enter"]);
    s.wait_text("allowlisted user mallory");
    s.wait_text("no incidents");
    let saved = std::fs::read_to_string(s.path("allow.toml")).unwrap();
    assert!(saved.contains("value = \"mallory\""), "{saved}");
    assert!(saved.contains("reason = \"approved pentest\""), "{saved}");
    // The new entry is the last of the defaults plus one: jump to the end.
    s.keys(&["3"]);
    s.wait_text("▶ Allowlist");
    s.keys(&["G"]);
    s.wait_text("approved pentest");
}

#[test]
fn reads_the_log_from_piped_stdin_with_keys_from_the_terminal() {
    skip_if_unavailable!();
    let s = Session::new();
    let log = s.path("audit.log");
    append(&log, &secret_get("mallory", "db", "a1"));
    s.start_piped(&format!("cat {} |", log.display()), "-");
    s.wait_text("mallory");
    s.keys(&["2"]);
    s.wait_text("▶ Identities");
    s.keys(&["C-c"]);
    // Without `-`, a pipe is read too (not the demo data).
    s.start_piped(&format!("cat {} |", log.display()), "");
    s.wait_text("mallory");
    assert!(!s.screen().contains("DEMO"));
    s.keys(&["C-c"]);
}

#[test]
fn checklist_state_survives_a_restart() {
    skip_if_unavailable!();
    let s = Session::new();
    let log = s.path("audit.log");
    append(&log, &secret_get("mallory", "db", "a1"));
    let args = format!("--no-follow {}", log.display());
    s.start(&args);
    s.wait_text("mallory");
    s.keys(&["4"]);
    s.wait_text("1. Secrets accessed");
    s.keys(&["Space"]);
    s.wait_text("[x]");
    s.keys(&["q", "q"]);
    s.start(&args);
    s.wait_text("mallory");
    s.keys(&["4"]);
    s.wait_text("[x]");
}

#[test]
fn managed_exports_and_gzip_stdin_read_and_an_unreadable_export_says_not_judged() {
    skip_if_unavailable!();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // A GKE export (newest first) through the same reader as `scan`.
    let s = Session::new();
    let gke = root.join("tests/fixtures/formats/seed.gke-gcloud.json");
    s.start(&format!("--no-follow {}", gke.display()));
    s.wait_text("attacker-admin");
    s.wait_text(" loaded ");
    // gzip on stdin (an S3 export piped in).
    let gz = root.join("tests/fixtures/formats/seed.eks-s3-export.log.gz");
    s.start_piped(&format!("cat {} |", gz.display()), "-");
    s.wait_text("attacker-admin");
    // An export in no known format: never a silent empty screen.
    let bad = s.path("export.json");
    append(&bad, &"{\"insertId\":\"1\",\"jsonPayload\":{}}\n".repeat(3));
    s.start(&format!("--no-follow {}", bad.display()));
    s.wait_text("NOT JUDGED");
    s.keys(&["M"]);
    s.wait_text("JSON object with keys insertId, jsonPayload");
    s.keys(&["C-c"]);
}

/// The checkbox lines on screen, top to bottom.
fn boxes(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .filter(|l| l.contains("[x]") || l.contains("[ ]"))
        .collect()
}

#[test]
fn esc_at_the_top_level_keeps_the_tui_open_and_prompts_handle_control_keys() {
    skip_if_unavailable!();
    let s = Session::new();
    let log = s.path("audit.log");
    append(&log, &secret_get("mallory", "db", "a1"));
    s.start(&format!("--no-follow {}", log.display()));
    s.wait_text("mallory");
    s.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    s.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    let scr = s.screen();
    assert!(
        scr.contains("▶ Incidents") && scr.contains("mallory"),
        "Esc quit: {scr}"
    );
    // Ctrl-c in the `/` prompt cancels it; Ctrl-u clears what was typed.
    s.keys(&["/"]);
    s.text("zzz");
    s.wait_text("</zzz>");
    s.keys(&["C-u"]);
    s.wait_for("cleared filter", |x| {
        !x.contains("</zzz>") && x.contains("mallory")
    });
    s.text("zz");
    s.keys(&["C-c"]);
    std::thread::sleep(Duration::from_millis(400));
    let scr = s.screen();
    assert!(
        scr.contains("▶ Incidents") && scr.contains("mallory"),
        "{scr}"
    );
    assert!(!scr.contains("</zz>"), "Ctrl-c cancelled the filter: {scr}");
    // `q` at the top level quits.
    s.keys(&["q"]);
    s.wait_for("the TUI to quit", |x| !x.contains("▶ Incidents"));
}

#[test]
fn space_ticks_the_highlighted_item() {
    skip_if_unavailable!();
    let s = Session::new();
    let log = s.path("audit.log");
    append(&log, &secret_get("mallory", "db", "a1"));
    s.start(&format!("--no-follow {}", log.display()));
    s.wait_text("mallory");
    s.keys(&["4"]);
    s.wait_text("1. Secrets accessed");
    s.keys(&["Space"]);
    let scr = s.wait_text("[x]");
    let b = boxes(&scr);
    assert!(b[0].contains("[x]"), "the first (highlighted) step: {scr}");
    assert_eq!(b.iter().filter(|l| l.contains("[x]")).count(), 1, "{scr}");
    s.keys(&["Space"]);
    s.wait_for("untick", |x| !x.contains("[x]"));
    s.keys(&["C-c"]);
}

#[test]
fn ticks_of_one_log_do_not_appear_on_another_logs_incident_of_the_same_identity() {
    skip_if_unavailable!();
    let s = Session::new();
    // Last month's log, then today's at the same path (a rotation): the
    // same identity, other events.
    let log = s.path("audit.log");
    append(&log, &secret_get("mallory", "db", "june-1"));
    let args = format!("--no-follow {}", log.display());
    s.start(&args);
    s.wait_text("mallory");
    s.keys(&["4"]);
    s.wait_text("1. Secrets accessed");
    s.keys(&["Space"]);
    s.wait_text("[x]");
    s.keys(&["q", "q"]);
    std::fs::write(&log, secret_get("mallory", "db", "july-1")).unwrap();
    s.start(&args);
    s.wait_text("mallory");
    s.keys(&["4"]);
    let scr = s.wait_text("NOT applied");
    assert!(
        !scr.contains("[x]"),
        "last month's tick shown on today's incident:\n{scr}"
    );
    // Offered, not applied: C carries it over.
    s.keys(&["C"]);
    s.wait_text("[x]");
    s.keys(&["C-c"]);
    // The same log as piped stdin is a different investigation too ("stdin").
    std::fs::write(s.path("other.log"), secret_get("mallory", "db", "aug-1")).unwrap();
    s.start_piped(&format!("cat {} |", s.path("other.log").display()), "-");
    s.wait_text("mallory");
    s.keys(&["4"]);
    let scr = s.wait_text("NOT applied");
    assert!(!scr.contains("[x]"), "{scr}");
    s.keys(&["C-c"]);
}

#[test]
fn two_instances_adding_allowlist_entries_keep_both() {
    skip_if_unavailable!();
    let s = Session::new();
    let log = s.path("audit.log");
    append(
        &log,
        &(secret_get("mallory", "db", "a1") + &secret_get("trudy", "api", "a2")),
    );
    let args = format!("--no-follow {}", log.display());
    s.start_as("t", "", &args);
    s.start_as("u", "", &args);
    for t in ["t", "u"] {
        s.wait_on(t, "both", |x| x.contains("mallory") && x.contains("trudy"));
    }
    // Instance one allowlists the first incident, instance two the second.
    s.keys_to("t", &["g", "a"]);
    s.wait_on("t", "form", |x| x.contains("Add allowlist entry"));
    s.text_to("t", "first instance");
    s.keys_to("t", &["Enter"]);
    s.wait_on("t", "confirm", |x| x.contains("Enter again saves"));
    s.keys_to("t", &["Enter"]);
    s.wait_on("t", "saved", |x| x.contains("saved to"));
    s.keys_to("u", &["G", "a"]);
    s.wait_on("u", "form", |x| x.contains("Add allowlist entry"));
    s.text_to("u", "second instance");
    s.keys_to("u", &["Enter"]);
    s.wait_on("u", "confirm", |x| x.contains("Enter again saves"));
    s.keys_to("u", &["Enter"]);
    s.wait_on("u", "saved", |x| x.contains("saved to"));
    let saved = std::fs::read_to_string(s.path("allow.toml")).unwrap();
    assert!(saved.contains("first instance"), "{saved}");
    assert!(saved.contains("second instance"), "{saved}");
    assert!(
        saved.contains("\"mallory\"") && saved.contains("\"trudy\""),
        "{saved}"
    );
    assert!(s.path("allow.toml.bak").exists());
}

#[test]
fn the_impact_preview_names_a_rotation_list_secret_before_it_is_hidden() {
    skip_if_unavailable!();
    let s = Session::new();
    let log = s.path("audit.log");
    append(
        &log,
        &(secret_get("mallory", "aws-credentials", "a1")
            + &secret_get("mallory", "db", "a2")
            + &secret_get("trudy", "aws-credentials", "a3")),
    );
    s.start(&format!("--no-follow {}", log.display()));
    s.wait_text("mallory");
    // Identities pane, mallory expanded, the row of prod/aws-credentials.
    s.keys(&["2"]);
    s.wait_text("▶ Identities");
    s.keys(&["g", "Enter"]);
    s.wait_text("secret prod/aws-credentials");
    s.keys(&["j", "a"]);
    s.wait_text("Add allowlist entry");
    // The narrowest entry: the secret keeps its namespace.
    let scr = s.wait_text("value: prod/aws-credentials");
    assert!(scr.contains("kind: secret-name"), "{scr}");
    let scr = s.wait_text("removes prod/aws-credentials from");
    assert!(scr.contains("impact: hides"), "{scr}");
    s.text("vault sync");
    s.keys(&["Enter"]);
    s.wait_text("Enter again saves");
    assert!(
        !s.path("allow.toml").exists(),
        "nothing saved before confirming"
    );
    s.keys(&["Escape"]);
    s.wait_for("form closed", |x| !x.contains("Add allowlist entry"));
    assert!(!s.path("allow.toml").exists());
    s.keys(&["q"]);
}

#[test]
fn ctrl_r_loads_a_fixed_allowlist() {
    skip_if_unavailable!();
    let s = Session::new();
    let log = s.path("audit.log");
    append(&log, &secret_get("mallory", "db", "a1"));
    let allow = s.path("allow.toml");
    std::fs::write(&allow, "[[allow]]\nkind = \"user\"\nvalue = \"mallory\n").unwrap();
    s.start(&format!("--no-follow {}", log.display()));
    s.wait_text("mallory");
    // While the file is broken the pane says which allowlist is in force.
    s.keys(&["3"]);
    let scr = s.wait_text("built-in entries below are in force");
    assert!(scr.contains("system:kube-controller"), "{scr}");
    std::fs::write(
        &allow,
        "[[allow]]\nkind = \"user\"\nvalue = \"mallory\"\nreason = \"approved pentest\"\n",
    )
    .unwrap();
    s.keys(&["C-r"]);
    s.wait_text("allowlist file loaded");
    s.wait_text("approved pentest");
    s.keys(&["1"]);
    s.wait_text("no incidents");
    s.keys(&["q"]);
}

#[test]
fn a_line_over_1_mib_is_counted_large_in_the_status_bar_and_problems_view() {
    skip_if_unavailable!();
    let s = Session::new();
    let log = s.path("audit.log");
    let padded = secret_get("mallory", "db", "a1")
        .replace("curl/8.0", &format!("curl/8.0 {}", "x".repeat(1_200_000)));
    append(&log, &(padded + &secret_get("trudy", "api", "a2")));
    s.start(&format!("--no-follow {}", log.display()));
    s.wait_text("trudy");
    s.wait_text("1 large (M)");
    s.keys(&["M"]);
    let scr = s.wait_text("1 line over 1 MiB");
    assert!(scr.contains("reduced text"), "{scr}");
    s.keys(&["Escape", "q"]);
}

#[test]
fn h_in_pane_3_lists_the_alerts_the_allowlist_suppresses_with_the_entry() {
    skip_if_unavailable!();
    let s = Session::new();
    std::fs::write(
        s.path("allow.toml"),
        "[[allow]]\nkind = \"user\"\nvalue = \"mallory\"\nreason = \"pentest\"\n",
    )
    .unwrap();
    let log = s.path("audit.log");
    append(
        &log,
        &(secret_get("mallory", "aws-credentials", "a1") + &secret_get("trudy", "db", "a2")),
    );
    s.start(&format!("--no-follow {}", log.display()));
    s.wait_text("trudy");
    s.keys(&["3"]);
    s.wait_text("pentest");
    s.keys(&["H"]);
    // The worker's replay without the allowlist: mallory's alerts, each
    // with the entry that matched; trudy's is in force, not listed.
    let scr = s.wait_text("#1 user mallory");
    assert!(scr.contains("suppressed: 2 alerts whole"), "{scr}");
    assert!(!scr.contains("trudy"), "{scr}");
    // i on one: to mallory's activity in pane 2.
    s.keys(&["i"]);
    s.wait_text("▶ Identities");
    s.keys(&["q", "q"]);
}

#[test]
fn a_new_critical_incident_while_pane_3_is_open_flashes_in_the_status_line() {
    skip_if_unavailable!();
    let s = Session::new();
    let log = s.path("audit.log");
    append(&log, &secret_get("trudy", "api", "a1"));
    s.start(&log.display().to_string());
    s.wait_text("tailing");
    s.keys(&["3"]);
    s.wait_text("▶ Allowlist");
    append(
        &log,
        include_str!("../sample-logs/k8s_exec_secret_exfil.json"),
    );
    let scr = s.wait_text("NEW CRITICAL incident: attacker-admin");
    assert!(scr.contains("▶ Allowlist"), "the pane stays: {scr}");
    s.keys(&["C-c"]);
}
