use super::*;
use crate::audit::parse_event;
use serde_json::{Value, json};

fn reduce(line: &str, chunk: usize) -> LargeLine {
    let mut r = Reducer::new();
    for c in line.as_bytes().chunks(chunk.max(1)) {
        r.feed(c);
    }
    r.finish()
}

fn reduced(line: &str) -> String {
    reduce(line, 4096).reduced.unwrap()
}

/// What the rules can see of an event, objects without their bulk.
fn seen(text: &str) -> Value {
    let ev = parse_event(text).unwrap();
    let mut v = serde_json::to_value(&ev).unwrap();
    for k in ["requestObject", "responseObject"] {
        if let Some(o) = v.get_mut(k) {
            strip(o, true);
        }
    }
    v
}

fn strip(v: &mut Value, root: bool) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !(BULK.contains(&k.as_str()) || (root && k == "items")));
            m.values_mut().for_each(|v| strip(v, false));
        }
        Value::Array(a) => a.iter_mut().for_each(|v| strip(v, false)),
        _ => {}
    }
}

#[test]
fn every_sample_event_reads_the_same_reduced_as_whole_in_any_chunking() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
    let mut files: Vec<_> = std::fs::read_dir(root.join("rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.push(root.join("benign-busy-cluster.jsonl"));
    let mut n = 0;
    for f in files {
        for line in std::fs::read_to_string(&f).unwrap().lines() {
            if parse_event(line).is_err() {
                continue;
            }
            let whole = seen(line);
            let chunked = if n % 50 == 0 { 1 } else { 7 + n % 13 };
            let r = reduce(line, chunked).reduced.unwrap();
            assert_eq!(seen(&r), whole, "{}: {line}", f.display());
            n += 1;
        }
    }
    assert!(n > 5000, "{n} events compared");
}

#[test]
fn unknown_keys_and_bulk_are_skipped_known_fields_kept() {
    let line = json!({
        "padding": "x".repeat(10_000),
        "kind": "Event", "verb": "list",
        "user": {"username": "mallory", "uid": "u".repeat(5000), "extra": {"junk": ["y"], "authentication.kubernetes.io/pod-name": ["p"]}},
        "objectRef": {"junk": [1, {"a": [2]}], "resource": "secrets"},
        "responseStatus": {"message": "m", "code": 200},
        "responseObject": {"kind": "SecretList", "metadata": {"resourceVersion": "1"}, "items": [{"data": {"k": "djE="}}]},
        "requestObject": {"kind": "Role", "metadata": {"name": "r", "annotations": {"last-applied": "z"}, "managedFields": []}, "rules": [{"resources": ["secrets"], "verbs": ["get"]}]},
    })
    .to_string();
    let r: Value = serde_json::from_str(&reduced(&line)).unwrap();
    assert_eq!(
        r,
        json!({
            "kind": "Event", "verb": "list",
            "user": {"username": "mallory", "extra": {"authentication.kubernetes.io/pod-name": ["p"]}},
            "objectRef": {"resource": "secrets"},
            "responseStatus": {"code": 200},
            "responseObject": {"kind": "SecretList", "metadata": {"resourceVersion": "1"}},
            "requestObject": {"kind": "Role", "metadata": {"name": "r"}, "rules": [{"resources": ["secrets"], "verbs": ["get"]}]},
            REDUCED_KEY: reduced_note(line.len()),
        })
    );
}

#[test]
fn long_strings_are_cut_with_a_visible_marker_and_never_mid_character() {
    let agent = format!("curl/8 {}", "é".repeat(STR_CAP));
    let line = json!({"kind": "Event", "verb": "get", "userAgent": agent, "user": {"username": format!("admin\\\"{}", "a".repeat(STR_CAP))}}).to_string();
    let text = reduced(&line);
    let ev = parse_event(&text).unwrap();
    let ua = ev.user_agent.as_deref().unwrap();
    let raw = serde_json::to_string(&agent).unwrap().len() - 2;
    assert!(ua.ends_with(&cut_marker(raw)), "{}", &ua[ua.len() - 40..]);
    assert!(ua.starts_with("curl/8 éé"));
    assert!(ua.len() < STR_CAP + 64);
    assert!(is_cut(ua));
    let user = ev.user.unwrap().username.unwrap();
    assert!(user.starts_with("admin\\\"aaa") && is_cut(&user), "{user}");
    // A cut inside an escape would leave broken JSON: try every offset.
    for pad in 0..8 {
        let s = format!(
            "{}{}",
            "b".repeat(STR_CAP - 4 + pad),
            "\\u00e9\\n\\\"".repeat(4)
        );
        let line = format!(r#"{{"kind":"Event","verb":"get","userAgent":"{s}"}}"#);
        let text = reduced(&line);
        let ev = parse_event(&text).unwrap();
        assert!(is_cut(ev.user_agent.as_deref().unwrap()));
    }
    assert!(!is_cut("system:kube-controller-manager"));
    assert!(!is_cut("x...(12 bytes, cut) y"));
}

#[test]
fn string_lists_are_bounded_with_a_marker_element() {
    let groups: Vec<String> = (0..20_000).map(|i| format!("group-{i}")).collect();
    let line = json!({"kind": "Event", "verb": "get", "user": {"username": "u", "groups": groups}})
        .to_string();
    let text = reduced(&line);
    let ev = parse_event(&text).unwrap();
    let g = ev.user.unwrap().groups;
    assert!(g.len() < 10_000 && g.len() > 1000, "{}", g.len());
    assert_eq!(g[0], "group-0");
    assert!(
        g.last().unwrap().contains("more elements, cut"),
        "{:?}",
        g.last()
    );
}

#[test]
fn an_object_over_its_budget_is_dropped_whole_and_the_rest_kept() {
    let rules: Vec<Value> = (0..120_000)
        .map(|i| json!({"resources": [format!("r{i}")], "verbs": ["get"]}))
        .collect();
    let line = json!({"verb": "update", "requestObject": {"kind": "ClusterRole", "rules": rules}, "auditID": "a9", "objectRef": {"resource": "clusterroles"}}).to_string();
    assert!(line.len() > OBJ_BUDGET * 2);
    let r = reduce(&line, 4096);
    assert_eq!(r.dropped, 1);
    let text = r.reduced.unwrap();
    assert!(text.len() < 1024, "{}", text.len());
    let ev = parse_event(&text).unwrap();
    assert!(ev.request_object.is_none());
    assert_eq!(ev.audit_id.as_deref(), Some("a9"));
    assert_eq!(ev.resource(), "clusterroles");
}

#[test]
fn broken_json_anywhere_is_malformed_with_its_column() {
    for (bad, what) in [
        (r#"{"verb":"get","x":[1,2,}"#, "syntax"),
        (r#"{"verb":"get","x":"\q"}"#, "escape"),
        ("{\"verb\":\"get\",\"x\":\"a\u{1}b\"}", "control"),
        (r#"{"verb":"get","x":[1}"#, "mismatched"),
        (r#"{"verb":"get","x":-}"#, "number"),
        (r#"{"verb":"get","x":tru}"#, "literal"),
        (r#"{"verb":"get"} {"verb":"get"}"#, "trailing"),
        (r#"{"verb":"get","x":{"#, "truncated"),
        (r#"{"verb" "get"}"#, "`:`"),
    ] {
        match reduce(bad, 3).reduced {
            Err(RecordError::Json(e)) => {
                assert!(e.contains(what) && e.contains("column"), "{bad}: {e}")
            }
            other => panic!("{bad}: {other:?}"),
        }
        assert!(
            serde_json::from_str::<Value>(bad).is_err(),
            "{bad} is really broken"
        );
    }
    assert!(reduce("{\"verb\":\"\u{e9}\"}", 1).reduced.is_ok());
    let mut r = Reducer::new();
    r.feed(b"{\"verb\":\"\xff\"}");
    assert!(matches!(r.finish().reduced, Err(RecordError::NotUtf8)));
    assert!(matches!(
        reduce("[1,2]", 2).reduced,
        Err(RecordError::NotAnEvent)
    ));
    let deep = format!(
        r#"{{"verb":"get","x":{}{}}}"#,
        "[".repeat(MAX_DEPTH),
        "]".repeat(MAX_DEPTH)
    );
    assert!(matches!(reduce(&deep, 4096).reduced, Err(RecordError::Json(e)) if e.contains("deep")));
    let ok = format!(
        r#"{{"verb":"get","x":{}{}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(
        reduce(&ok, 4096).reduced.is_ok(),
        "deep skipped values are fine"
    );
}

#[test]
fn escaped_keys_are_read_as_serde_reads_them() {
    let line = r#"{"kind":"Event","ver\u0062":"get","objectRef":{"re\u0073ource":"secrets"},"user":{"username":"u"}}"#;
    let text = reduced(line);
    let ev = parse_event(&text).unwrap();
    assert_eq!(ev.verb(), "get");
    assert_eq!(ev.resource(), "secrets");
}

/// A tiny deterministic generator of awkward JSON (no crate needed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn string(&mut self) -> String {
        const BITS: [&str; 10] = [
            "a", "é", "\"", "\\", "\n", "\u{1}", "😀", "/", "secrets", "\u{202e}",
        ];
        let n = self.below(12);
        (0..n).map(|_| BITS[self.below(10) as usize]).collect()
    }
    fn value(&mut self, depth: u32) -> Value {
        match self.below(if depth > 4 { 5 } else { 8 }) {
            0 => Value::Null,
            1 => json!(self.below(2) == 0),
            2 => json!(self.next() as i64 >> self.below(60)),
            3 => json!((self.next() % 10_000) as f64 / 7.0),
            4 => json!(self.string()),
            5 | 6 => {
                let mut m = serde_json::Map::new();
                for _ in 0..self.below(5) {
                    let k = match self.below(4) {
                        0 => [
                            "verb",
                            "user",
                            "username",
                            "objectRef",
                            "resource",
                            "data",
                            "items",
                            "rules",
                        ][self.below(8) as usize]
                            .to_string(),
                        _ => self.string(),
                    };
                    m.insert(k, self.value(depth + 1));
                }
                Value::Object(m)
            }
            _ => Value::Array((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
        }
    }
}

#[test]
fn random_json_reduces_to_valid_json_and_broken_json_is_caught() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut drops = 0;
    for i in 0..3000 {
        let mut ev = json!({"kind": "Event", "verb": "get", "auditID": format!("a{i}")});
        for k in [
            "user",
            "objectRef",
            "requestObject",
            "responseObject",
            "sourceIPs",
            "x",
            "annotations",
            "userAgent",
        ] {
            if rng.below(2) == 0 {
                ev[k] = rng.value(0);
                // A struct written as an array (fields in order) is kept as
                // a list of scalars: same verdict, not the same content.
                if ["user", "objectRef", "annotations"].contains(&k) && ev[k].is_array() {
                    ev[k] = json!({});
                }
            }
        }
        let line = ev.to_string();
        let chunk = 1 + rng.below(40) as usize;
        let r = reduce(&line, chunk)
            .reduced
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        let back: Value = serde_json::from_str(&r).unwrap_or_else(|e| panic!("{line}\n{r}\n{e}"));
        assert!(back.is_object());
        // With a tiny object budget, objects are dropped at every byte
        // offset: the rest still reads the same, and the JSON stays valid.
        let mut small = Reducer::new();
        small.obj_budget = rng.below(64) as usize;
        for c in line.as_bytes().chunks(chunk) {
            small.feed(c);
        }
        let small = small.finish();
        drops += small.dropped;
        let small = small.reduced.unwrap();
        let mut cut: Value =
            serde_json::from_str(&small).unwrap_or_else(|e| panic!("{line}\n{small}\n{e}"));
        let mut full = back.clone();
        for v in [&mut cut, &mut full] {
            let m = v.as_object_mut().unwrap();
            m.remove("requestObject");
            m.remove("responseObject");
        }
        assert_eq!(cut, full, "{line}\n{small}");
        // Whatever serde makes of the whole line, it makes of the reduced one.
        match parse_event(&line) {
            Ok(_) => {
                assert!(parse_event(&r).is_ok(), "{line}\n{r}");
                assert_eq!(seen(&r), seen(&line), "{line}");
            }
            Err(_) => assert!(parse_event(&r).is_err(), "{line}\n{r}"),
        }
        // Break it: drop or change one byte.
        let mut bad = line.clone().into_bytes();
        let at = rng.below(bad.len() as u64) as usize;
        if rng.below(2) == 0 {
            bad.remove(at);
        } else {
            bad[at] = b"{}[],:\"\\x0-"[rng.below(11) as usize];
        }
        let Ok(bad) = String::from_utf8(bad) else {
            continue;
        };
        let whole_ok = serde_json::from_str::<serde::de::IgnoredAny>(&bad).is_ok();
        let got = reduce(&bad, chunk).reduced;
        let reduced_ok = !matches!(got, Err(RecordError::Json(_)));
        assert_eq!(reduced_ok, whole_ok, "{bad}: {got:?}");
    }
    assert!(drops > 300, "{drops} objects dropped");
}

#[test]
fn an_object_dropped_at_any_byte_leaves_valid_json() {
    let line = r#"{"kind":"Event","verb":"get","requestObject":{"aaaa":"bbbb","k":[1,{"x":[true,null]}],"s":"t"},"responseObject":[1,[2]],"auditID":"x"}"#;
    for budget in 0..line.len() {
        let mut r = Reducer::new();
        r.obj_budget = budget;
        r.feed(line.as_bytes());
        let text = r.finish().reduced.unwrap();
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{budget}: {text}: {e}"));
        assert_eq!(v["auditID"], "x", "{text}");
    }
}

#[test]
fn lists_of_anything_and_repeated_fields_stay_bounded() {
    let nums = vec![1; 3_000_000];
    let line = json!({"kind": "Event", "verb": "get", "sourceIPs": nums}).to_string();
    let text = reduced(&line);
    assert!(text.len() < LIST_BUDGET + 1024, "{}", text.len());
    assert!(text.contains("more elements, cut"));
    // Every kept field has its own cap; only repeats could add up, and
    // serde refuses duplicate fields: malformed, never unbounded.
    let mut line = String::from(r#"{"kind":"Event""#);
    for _ in 0..(TOTAL_CAP / 10) {
        line.push_str(r#","verb":"get""#);
    }
    line.push('}');
    assert!(parse_event(&line).is_err());
    let r = reduce(&line, 1 << 16);
    assert!(matches!(r.reduced, Err(RecordError::TooLong(n)) if n == line.len()));
}
