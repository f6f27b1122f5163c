//! The fast path (prefilter + lines classified on several threads, applied
//! in order) gives exactly the results of the plain path (every line parsed,
//! one thread): same alerts and incidents, same counts, same bad lines
//! reported at the same file:line.

mod common;
use common::*;
use ktriage::allowlist;
use ktriage::detect::{Config, Engine};
use ktriage::pipeline::Ingest;
use serde_json::json;

/// Everything a user can see of a scan.
#[derive(Debug, PartialEq)]
struct Outcome {
    jsonl: String,
    events: u64,
    relevant: u64,
    records: u64,
    blank: u64,
    malformed: u64,
    large: u64,
    bad_lines: Vec<String>,
    bytes: u64,
}

fn run(bytes: &[u8], prefilter: bool, threads: usize) -> Outcome {
    let cfg = Config::default();
    let mut ing = Ingest::new(Engine::new(cfg.clone(), allowlist::default_allowlist()));
    if prefilter {
        ing = ing.with_prefilter(&cfg);
    }
    let reader = Box::new(std::io::Cursor::new(bytes.to_vec()));
    ktriage::source::read_all_with("audit.log", reader, &mut ing, threads, &mut |_| {}).unwrap();
    ing.finish();
    let mut out = Vec::new();
    ktriage::report::jsonl::write(&mut out, ing.engine.alerts(), &ing.engine.incidents()).unwrap();
    Outcome {
        jsonl: String::from_utf8(out).unwrap(),
        events: ing.engine.stats.events,
        relevant: ing.engine.stats.relevant,
        records: ing.stats.records,
        blank: ing.stats.blank,
        malformed: ing.stats.malformed,
        large: ing.stats.large,
        bad_lines: ing
            .stats
            .first_malformed
            .iter()
            .map(|m| m.to_string())
            .collect(),
        bytes: ing.stats.bytes,
    }
}

fn assert_all_paths_agree(what: &str, bytes: &[u8]) -> Outcome {
    let plain = run(bytes, false, 1);
    for (prefilter, threads) in [(true, 1), (false, 2), (true, 2), (true, 3)] {
        let fast = run(bytes, prefilter, threads);
        assert_eq!(
            fast, plain,
            "{what}: prefilter={prefilter} threads={threads} differs from the plain path"
        );
    }
    plain
}

#[test]
fn every_sample_log_gives_the_same_results_on_every_path() {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(sample("rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|f| f.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.push(sample("benign-busy-cluster.jsonl"));
    files.push(sample("k8s_exec_secret_exfil.json"));
    for f in files {
        assert_all_paths_agree(&f.display().to_string(), &std::fs::read(&f).unwrap());
    }
}

/// Lines that straddle the reader's batches, an over-long line, CRLF,
/// blank lines, invalid UTF-8, garbage, and a last line without newline,
/// spread over several megabytes so every batch boundary falls mid-line.
#[test]
fn awkward_input_over_many_batches_gives_the_same_results() {
    let mut text = Vec::new();
    let benign = std::fs::read(sample("benign-busy-cluster.jsonl")).unwrap();
    for round in 0..3 {
        text.extend_from_slice(&benign);
        text.extend_from_slice(b"\r\n   \n\n");
        text.extend_from_slice(
            b"{\"kind\":\"Event\",\"verb\":\"get\",\"objectRef\":{\"resource\":\"pods\"",
        );
        text.extend_from_slice(b"\n\xff\xfe not utf-8\n");
        text.extend_from_slice(b"{\"verb\":\"get\",\"padding\":\"");
        text.extend(std::iter::repeat_n(b'x', (1 << 20) + 10 * round));
        text.extend_from_slice(b"\"}\n");
        let attack = lines(&[get_secret(
            "mallory",
            "prod",
            &format!("db-{round}"),
            9000,
            200,
        )]);
        text.extend_from_slice(attack.trim_end().as_bytes());
        text.extend_from_slice(b"\r\n");
    }
    text.extend_from_slice(b"{\"truncated\":");
    let out = assert_all_paths_agree("awkward input", &text);
    assert!(out.malformed >= 9, "{:?}", out.bad_lines);
    assert!(out.jsonl.contains("mallory"), "the attack lines were found");
    assert!(text.len() > 6 << 20, "spans many 512 KiB batches");
}

/// Lines over the 1 MiB cap (reduced as they stream, whatever the batch
/// boundaries): a padded secret read, a RequestResponse list holding every
/// Secret, a pod spec with a huge env value, a broken one, one not UTF-8,
/// one of blanks, and one last without its newline.
#[test]
fn large_lines_give_the_same_results_on_every_path() {
    let mib = 1usize << 20;
    let mut read = get_secret("mallory", "prod", "db", 10, 200);
    read["userAgent"] = json!("curl/8 ".to_string() + &"u".repeat(2 * mib));
    let items: Vec<serde_json::Value> = (0..3000)
        .map(|i| json!({"metadata": {"name": format!("s{i}")}, "data": {"k": "dmFsdWU=".repeat(200)}}))
        .collect();
    let list = ev(json!({
        "level": "RequestResponse", "verb": "list", "requestURI": "/api/v1/secrets",
        "objectRef": {"resource": "secrets", "namespace": null, "name": null},
        "responseObject": {"kind": "SecretList", "items": items},
        "requestReceivedTimestamp": at(20), "stageTimestamp": at(20),
    }));
    let pod = ev(json!({
        "level": "Request", "verb": "create",
        "requestURI": "/api/v1/namespaces/prod/pods",
        "objectRef": {"resource": "pods", "namespace": "prod", "name": "api-0"},
        "requestObject": {"metadata": {"name": "api-0"}, "spec": {
            "containers": [{"name": "c", "env": [{"name": "BIG", "value": "v".repeat(mib)}]}],
            "volumes": [{"name": "v", "secret": {"secretName": "db"}}]}},
    }));
    let exec = ev(json!({
        "verb": "create", "requestURI": "/api/v1/namespaces/prod/pods/api-0/exec",
        "objectRef": {"resource": "pods", "subresource": "exec", "namespace": "prod", "name": "api-0"},
        "requestReceivedTimestamp": at(30), "stageTimestamp": at(30),
    }));
    let mut text = lines(&[read, list, pod, exec]).into_bytes();
    text.extend_from_slice(b"{\"kind\":\"Event\",\"verb\":\"get\",\"x\":\"");
    text.extend(std::iter::repeat_n(b'x', 2 * mib));
    text.extend_from_slice(b"\",}\n{\"kind\":\"Event\",\"verb\":\"get\",\"x\":\"\xff");
    text.extend(std::iter::repeat_n(b'x', 2 * mib));
    text.extend_from_slice(b"\"}\n");
    text.extend(std::iter::repeat_n(b' ', 2 * mib));
    text.extend_from_slice(b"\r\n");
    let last = lines(&[get_secret("eve", "prod", "db", 40, 200)]);
    let mut last = last.trim_end().to_string();
    last.insert_str(1, &format!(r#""pad":"{}","#, "q".repeat(mib)));
    text.extend_from_slice(last.as_bytes());
    let out = assert_all_paths_agree("large lines", &text);
    assert_eq!((out.large, out.malformed), (4, 2), "{:?}", out.bad_lines);
    assert_eq!(out.blank, 1, "2 MiB of blanks is a blank line");
    assert!(
        out.bad_lines[0].starts_with("audit.log:5: malformed JSON"),
        "{:?}",
        out.bad_lines
    );
    assert!(
        out.bad_lines[1].starts_with("audit.log:6: not valid UTF-8"),
        "{:?}",
        out.bad_lines
    );
    for rule in ["secret-read", "secret-list-cluster-wide", "pod-exec"] {
        assert!(
            out.jsonl.contains(&format!("\"rule\":\"{rule}\"")),
            "{rule}: {}",
            out.jsonl
        );
    }
    assert!(out.jsonl.contains("\"identity\":\"eve\""));
}

#[test]
fn a_pod_spec_skipped_by_neither_path_links_the_same_execs() {
    // The prefilter keeps pod creations that mention a secret; the plain
    // path parses all. Both must learn the same pods.
    let pod = ev(json!({
        "level": "Request", "verb": "create",
        "requestURI": "/api/v1/namespaces/prod/pods",
        "objectRef": {"resource": "pods", "namespace": "prod", "name": "api-0"},
        "requestObject": {"metadata": {"name": "api-0"}, "spec": {"volumes": [{"name": "v", "secret": {"secretName": "db"}}]}},
    }));
    let text = lines(&[pod, get_secret("mallory", "prod", "db", 10, 200)]);
    assert_all_paths_agree("pod spec", text.as_bytes());
}

/// The TUI keeps exactly the lines `Ingest::line` says the engine took, to
/// replay them after an allowlist edit: pod specs must be among them, or
/// a re-evaluation would forget which pods use which secrets.
#[test]
fn ingest_reports_every_line_the_engine_took_pod_specs_included() {
    use ktriage::audit::lines::Line;
    let cfg = Config::default();
    let mut ing =
        Ingest::new(Engine::new(cfg.clone(), allowlist::default_allowlist())).with_prefilter(&cfg);
    let pod = ev(json!({
        "level": "Request", "verb": "create",
        "requestURI": "/api/v1/namespaces/prod/pods",
        "objectRef": {"resource": "pods", "namespace": "prod", "name": "api-0"},
        "requestObject": {"metadata": {"name": "api-0"}, "spec": {"volumes": [{"name": "v", "secret": {"secretName": "db"}}]}},
    }));
    let lease = ev(
        json!({"verb": "update", "objectRef": {"resource": "leases", "namespace": "kube-node-lease", "name": "n1"}}),
    );
    let text = lines(&[pod, get_secret("mallory", "prod", "db", 10, 200), lease]);
    let src: std::sync::Arc<str> = "audit.log".into();
    let took: Vec<bool> = text
        .lines()
        .enumerate()
        .map(|(i, l)| ing.line(&src, i as u64 + 1, Line::Text(l.as_bytes())))
        .collect();
    assert_eq!(took, [true, true, false]);
}
