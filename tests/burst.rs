//! An exfiltration burst: one identity GETs thousands of distinct secrets.
//! The alert's stored evidence is capped (`MAX_EVIDENCE`), its counts stay
//! exact, every output says what was left out, and the rotation list stays
//! complete. (Speed is measured by `scripts/burst-bench.py`, not here.)

mod common;

use common::*;
use ktriage::detect::alert::MAX_EVIDENCE;
use ktriage::report;
use serde_json::{Value, json};

/// `n` GETs of distinct names by mallory, ten per second of log time (all
/// within the 6-minute window up to 3,600).
fn burst(n: usize) -> String {
    let evs: Vec<Value> = (0..n)
        .map(|i| {
            get_secret(
                "mallory",
                "prod",
                &format!("s-{i:05}"),
                (i / 10) as i64,
                200,
            )
        })
        .collect();
    lines(&evs)
}

fn outputs(s: &Scan) -> (Vec<Value>, String, String) {
    let mut j = Vec::new();
    report::jsonl::write(&mut j, s.alerts(), &s.incidents).unwrap();
    let jsonl = String::from_utf8(j)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut t = Vec::new();
    let style = report::text::Style { color: false };
    report::text::write(&mut t, s.alerts(), &s.incidents, &style).unwrap();
    let mut m = Vec::new();
    report::markdown::write(
        &mut m,
        &s.ingest.engine,
        &s.incidents,
        ktriage::view::Meta::new(0, vec!["burst".into()]),
    )
    .unwrap();
    (
        jsonl,
        String::from_utf8(t).unwrap(),
        String::from_utf8(m).unwrap(),
    )
}

#[test]
fn burst_past_the_cap_counts_exactly_says_what_is_omitted_and_rotates_every_name() {
    let n = 3_000;
    let s = scan_text(&burst(n));
    let omitted = (n - MAX_EVIDENCE) as u64;
    for rule in ["secret-read", "secret-rapid-get"] {
        let a = s.alert(rule);
        assert_eq!(a.event_count, n as u64, "{rule}: each request counted once");
        assert_eq!(
            a.events.len(),
            MAX_EVIDENCE,
            "{rule}: stored evidence capped"
        );
        assert_eq!(a.audit_ids.len(), MAX_EVIDENCE, "{rule}: audit IDs capped");
        assert_eq!(a.audit_ids_omitted, omitted, "{rule}: omitted count exact");
        assert_eq!(a.events_omitted(), omitted);
        assert_eq!(a.secrets.len(), n, "{rule}: every distinct secret kept");
    }
    let rapid = s.alert("secret-rapid-get");
    let counts: Vec<&String> = (rapid.notes.iter())
        .filter(|n| n.contains("distinct secrets requested"))
        .collect();
    assert_eq!(
        counts,
        vec!["3000 distinct secrets requested within 6m"],
        "one note with the peak, not one per count"
    );

    let [inc] = s.incidents.as_slice() else {
        panic!("one incident: {:?}", s.incidents.len())
    };
    assert_eq!(inc.secrets_to_rotate.len(), n, "rotation list complete");
    use ktriage::detect::RotateItem;
    assert_eq!(
        inc.secrets_to_rotate[0],
        RotateItem::named("prod", "s-00000")
    );
    assert_eq!(
        inc.secrets_to_rotate[n - 1],
        RotateItem::named("prod", &format!("s-{:05}", n - 1))
    );

    let (jsonl, text, md) = outputs(&s);
    for line in jsonl.iter().filter(|l| l["kind"] == "alert") {
        assert_eq!(line["audit_ids"].as_array().unwrap().len(), MAX_EVIDENCE);
        assert_eq!(line["audit_ids_omitted"], json!(omitted));
        assert_eq!(line["event_count"], json!(n));
        assert_eq!(line["secrets"].as_array().unwrap().len(), n);
    }
    let incident = jsonl.iter().find(|l| l["kind"] == "incident").unwrap();
    assert_eq!(incident["secrets_to_rotate"].as_array().unwrap().len(), n);
    let stated = format!(
        "evidence kept for the first {MAX_EVIDENCE} of {n} requests; {omitted} more counted but \
         not stored ({omitted} audit IDs not listed)"
    );
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        flat(&text).matches(&stated).count(),
        2,
        "text states the omission for both alerts:\n{text}"
    );
    assert!(md.contains(&format!("**Not stored:** {stated}")), "{md}");
}

#[test]
fn near_miss_at_the_cap_states_no_omission() {
    let s = scan_text(&burst(MAX_EVIDENCE));
    let a = s.alert("secret-rapid-get");
    assert_eq!(a.audit_ids.len(), MAX_EVIDENCE);
    assert_eq!(a.audit_ids_omitted, 0);
    assert_eq!(a.events_omitted(), 0);
    let (jsonl, text, md) = outputs(&s);
    assert!(
        (jsonl.iter().filter(|l| l["kind"] == "alert")).all(|l| l["audit_ids_omitted"] == json!(0))
    );
    assert!(!text.contains("counted but"), "{text}");
    assert!(!md.contains("Not stored"));
}

/// Two stages per request, the first without an outcome, the second a 403:
/// past the cap too, the second stage updates the request instead of
/// counting it again, and its secret moves off the rotation list.
#[test]
fn later_stage_past_the_cap_updates_the_outcome_without_recounting() {
    let n = MAX_EVIDENCE + 100;
    let mut evs = Vec::new();
    for i in 0..n {
        let name = format!("s-{i:05}");
        let id = format!("burst-{i:06}");
        let secs = (i / 10) as i64;
        evs.push(ev(json!({
            "auditID": id,
            "stage": "ResponseStarted",
            "requestURI": format!("/api/v1/namespaces/prod/secrets/{name}"),
            "objectRef": {"namespace": "prod", "name": name},
            "responseStatus": null,
            "annotations": null,
            "requestReceivedTimestamp": at(secs),
            "stageTimestamp": at(secs),
        })));
        evs.push(get_secret("mallory", "prod", &name, secs, 403));
        let last = evs.last_mut().unwrap();
        last["auditID"] = json!(id);
    }
    let s = scan_text(&lines(&evs));
    let a = s.alert("secret-read");
    assert_eq!(a.event_count, n as u64, "two stages, one request");
    assert_eq!(a.audit_ids_omitted, 100);
    assert!(
        a.secrets.values().all(|u| u.denied() && !u.exposed()),
        "every request's 403 reached its secret, past the cap too"
    );
    let d = s.alert("secret-access-denied");
    assert_eq!(d.event_count, n as u64, "each denial counted once");
    let notes: Vec<&String> = (d.notes.iter())
        .filter(|x| x.contains("denied secret requests"))
        .collect();
    assert_eq!(
        notes,
        vec![&format!("{n} denied secret requests within 15m")]
    );
    let inc = &s.incidents[0];
    assert!(
        inc.secrets_to_rotate.is_empty(),
        "{:?}",
        &inc.secrets_to_rotate[..3.min(inc.secrets_to_rotate.len())]
    );
    assert_eq!(inc.denied_secrets.len(), n);
}
