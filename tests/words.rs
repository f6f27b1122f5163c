//! The words an analyst reads (issue 12, "plurals"; checklist step 1):
//! counts agree with their nouns ("1 request", never "1 requests" or
//! "request(s)"), step 1 says what the API answered each request, and a
//! view without its checklist is refused by the reports that print one,
//! never rendered with an empty checklist.

mod common;

use common::*;
use ktriage::report::{incident_json, markdown};
use ktriage::view::{self, Facts, Meta};

/// A get with no response recorded: its outcome is unknown.
fn unanswered(user: &str, ns: &str, name: &str, secs: i64) -> serde_json::Value {
    let mut e = get_secret(user, ns, name, secs, 200);
    let o = e.as_object_mut().unwrap();
    o.remove("responseStatus");
    o.remove("annotations");
    e
}

fn scan(args: &[&str], log: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    std::fs::write(&path, log).unwrap();
    let mut all = args.to_vec();
    all.push(path.to_str().unwrap());
    let out = ktriage(&all, None);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn one_of_each_is_said_in_the_singular() {
    let (text, err) = scan(
        &["scan"],
        &lines(&[get_secret("mallory", "prod", "db", 0, 200)]),
    );
    assert!(text.starts_with("1 incident, 1 alert\n"), "{text}");
    assert!(
        err.contains(
            "ktriage: 1 event read from 1 input (0.0 MB); 1 security-relevant request; \
             0 malformed lines skipped; 0 untimed events (0 skipped by windowed rules); \
             1 alert in 1 incident"
        ),
        "{err}"
    );
    assert!(err.contains(": 1 record, 1 event: "), "{err}");
    for out in [&text, &err] {
        assert!(!out.contains("(s)"), "{out}");
    }
}

#[test]
fn more_than_one_is_said_in_the_plural() {
    // Near miss of the above: seven reads and a malformed line.
    let reads: Vec<_> = (0..7)
        .map(|i| get_secret("mallory", "prod", "db", i, 200))
        .collect();
    let log = format!("{}{{\"truncated\": \n", lines(&reads));
    let (text, err) = scan(&["scan"], &log);
    assert!(text.starts_with("1 incident, 1 alert\n"), "{text}");
    // Six evidence lines are shown, then the one left.
    assert!(text.contains("    … 1 more request\n"), "{text}");
    assert!(
        err.contains("ktriage: 7 events read from 1 input")
            && err.contains("; 7 security-relevant requests; 1 malformed line skipped;"),
        "{err}"
    );
    assert!(err.contains(": 8 records, 7 events: "), "{err}");
    for out in [&text, &err] {
        assert!(!out.contains("(s)"), "{out}");
    }
}

#[test]
fn step_1_says_what_the_api_answered_each_request() {
    // One secret served; another asked for four times and never served:
    // refused, absent (404), a server error, and no response recorded.
    let log = lines(&[
        get_secret("mallory", "prod", "db", 0, 200),
        get_secret("mallory", "prod", "api", 1, 403),
        get_secret("mallory", "prod", "api", 2, 404),
        get_secret("mallory", "prod", "api", 3, 500),
        unanswered("mallory", "prod", "api", 4),
    ]);
    let (md, _) = scan(&["scan", "--format", "markdown"], &log);
    let evidence = |secret: &str| {
        md.lines()
            .find(|l| l.starts_with("  - `mallory` ") && l.contains(secret))
            .unwrap_or_else(|| panic!("no step 1 line for {secret} in\n{md}"))
            .to_string()
    };
    let db = evidence("`prod/db`");
    assert!(db.contains("`get`: 1 served, first "), "{db}");
    let api = evidence("`prod/api`");
    assert!(
        api.contains(
            "`get`: 0 served, 1 refused, 1 not found, 1 failed, 1 outcome unknown, first "
        ),
        "{api}"
    );
    // The allowlist's words are not the API's answer.
    assert!(!md.contains(" allowed, "), "{md}");
    assert!(!md.contains(" other, "), "{md}");
}

#[test]
fn a_refused_secret_says_zero_served_and_nothing_else_that_is_zero() {
    let log = lines(&[
        get_secret("mallory", "prod", "db", 0, 200),
        get_secret("mallory", "prod", "api", 1, 403),
        get_secret("mallory", "prod", "api", 2, 403),
    ]);
    let (md, _) = scan(&["scan", "--format", "markdown"], &log);
    let api = md
        .lines()
        .find(|l| l.starts_with("  - `mallory` `prod/api`"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(api.contains("`get`: 0 served, 2 refused, first "), "{api}");
}

#[test]
fn a_view_without_its_checklist_is_refused_not_reported_empty() {
    let s = scan_text(&lines(&[get_secret("mallory", "prod", "db", 0, 200)]));
    assert_eq!(s.incidents.len(), 1);
    // The view text and jsonl print: no checklist was built.
    let records = view::records(s.alerts(), &s.incidents);
    let err = markdown::render(&records, &markdown::no_ticks).unwrap_err();
    assert!(
        err.to_string().contains("without its response checklist"),
        "{err}"
    );
    assert!(incident_json::incident(&records, &records.incidents[0], &[]).is_err());
    // The view the reports are made from: the same incident, its steps.
    let facts = Facts::of_engine(&s.ingest.engine, &s.incidents);
    let built = view::build(&facts, Meta::new(0, vec![]), None);
    let md = markdown::render(&built, &markdown::no_ticks).unwrap();
    assert!(
        md.contains("- [ ] List every secret accessed by the suspicious identities"),
        "{md}"
    );
    let obj = incident_json::incident(&built, &built.incidents[0], &[]).unwrap();
    assert!(obj["checklist"].as_array().unwrap().len() >= 5, "{obj}");
}
