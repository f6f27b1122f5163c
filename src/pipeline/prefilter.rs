//! A byte search that decides, without parsing, whether a line can matter
//! to the engine. It may keep lines that do not matter (they are parsed and
//! dropped); it must never drop one that does. Tested against a full parse
//! on every sample log and on generated traffic (`tests/parallel.rs`,
//! `tests/generator.rs`).
//!
//! Why it is safe: the engine wants an event only for some values of
//! `objectRef.resource`, listed with their conditions in one table,
//! `detect::relevance::INTERESTS`, which `detect::is_relevant` and
//! `detect::engine_wants` read too. In the line, that value follows a
//! `"resource"` key. So the line is kept when any `"resource"` key in it
//! has a value the table names (other occurrences, in request bodies, only
//! make it keep more), when a `\uXXXX` escape could be disguising a key or
//! value, or when it does not look like an event at all (so bad input is
//! parsed and reported), or when it holds an event as an escaped JSON
//! string (`\"resource\"`: managed-cluster exports wrap events that way,
//! several to a line, where the unescaped keys seen are another event's).
//! For a resource whose relevance depends on more, the line must also
//! contain a word every relevant event of it has: for a subresource `s`,
//! the JSON string `"s"` (its value, which cannot be spelt otherwise
//! without a backslash, and backslashes are caught above); for a recorded
//! spec, the key `"requestObject"`; for impersonation, `"impersonatedUser"`
//! or the proxy account's name (verbatim, or every such line is kept).
//!
//! Why not one search for every interesting word: on real traffic words
//! like "token" and "secret" and their 2-byte prefixes are everywhere, and
//! a multi-pattern search spent ~19% of a scan verifying false candidates;
//! the `"resource"` key is one rare needle.

use crate::detect::Config;
use crate::detect::relevance::INTERESTS;
use memchr::memmem::Finder;

/// Proxy user names made only of these characters appear in the log as
/// they are; any other character may come escaped by the API server.
fn verbatim_in_json(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b":._@-/".contains(&b))
}

/// One row of `INTERESTS`, as byte searches.
#[derive(Clone)]
struct Wanted {
    resource: &'static [u8],
    always: bool,
    /// Any of these in the line: a subresource's value, `"requestObject"`.
    words: Vec<Finder<'static>>,
    impersonated: bool,
}

#[derive(Clone)]
pub struct Prefilter {
    resource: Finder<'static>,
    /// `\"resource\"`: an event inside a JSON string (an export wrapper).
    escaped_resource: Finder<'static>,
    verb: Finder<'static>,
    escape: Finder<'static>,
    /// The engine's table of interests, as byte searches.
    wanted: Vec<Wanted>,
    /// Impersonated, or sent by a proxy user.
    impersonation_words: Vec<Finder<'static>>,
    /// Some proxy name cannot be searched for literally: keep them all.
    all_impersonated: bool,
}

fn finder(w: &str) -> Finder<'static> {
    Finder::new(w.as_bytes()).into_owned()
}

impl Prefilter {
    pub fn new(cfg: &Config) -> Self {
        let proxies = &cfg.rules.secret_access_impersonated.proxy_users;
        let mut impersonation_words = vec![finder("impersonatedUser")];
        impersonation_words.extend(proxies.iter().map(|p| finder(p)));
        let wanted = INTERESTS
            .iter()
            .map(|i| {
                let mut words: Vec<Finder<'static>> = i
                    .subresources
                    .iter()
                    .map(|s| finder(&format!("\"{s}\"")))
                    .collect();
                if i.spec {
                    words.push(finder("\"requestObject\""));
                }
                Wanted {
                    resource: i.resource.as_bytes(),
                    always: i.always,
                    words,
                    impersonated: i.impersonated,
                }
            })
            .collect();
        Prefilter {
            resource: finder("\"resource\""),
            escaped_resource: finder("\\\"resource\\\""),
            verb: finder("\"verb\""),
            escape: finder("\\u"),
            wanted,
            impersonation_words,
            all_impersonated: !proxies.iter().all(|p| verbatim_in_json(p)),
        }
    }

    /// True when the line must be parsed: it may matter to the engine, or
    /// it does not look like a well-formed event (so that bad input is
    /// still parsed and reported, never skipped silently).
    pub fn keep(&self, line: &[u8]) -> bool {
        for at in self.resource.find_iter(line) {
            match resource_value(&line[at + b"\"resource\"".len()..]) {
                Value::NotAKey => {}
                Value::Escaped => return true,
                Value::Is(v) => {
                    if self.wants_resource(v, line) {
                        return true;
                    }
                }
            }
        }
        !self.looks_like_event(line)
            || self.has_disguising_escape(line)
            || self.escaped_resource.find(line).is_some()
    }

    /// Could an event on resource `value`, in this line, be one the
    /// engine wants? Reads the same table as `detect::engine_wants`.
    fn wants_resource(&self, value: &[u8], line: &[u8]) -> bool {
        let Some(w) = self.wanted.iter().find(|w| w.resource == value) else {
            return false;
        };
        let any = |ws: &[Finder<'static>]| ws.iter().any(|f| f.find(line).is_some());
        w.always
            || any(&w.words)
            || (w.impersonated && (self.all_impersonated || any(&self.impersonation_words)))
    }

    /// A cheap shape check: one JSON object with a `"verb"` key. Truncated
    /// lines, garbage and JSON that is not an event fail it and get parsed.
    fn looks_like_event(&self, line: &[u8]) -> bool {
        let t = line.trim_ascii();
        t.first() == Some(&b'{') && t.last() == Some(&b'}') && self.verb.find(t).is_some()
    }

    /// A `\uXXXX` escape of a printable ASCII character could spell a key
    /// or value without its bytes appearing. Go's encoder only escapes `<`,
    /// `>`, `&`, control characters and U+2028/9, so real audit lines never
    /// trip this. An escape cut short is suspect too.
    fn has_disguising_escape(&self, line: &[u8]) -> bool {
        self.escape.find_iter(line).any(|at| {
            let Some(hex) = line.get(at + 2..at + 6) else {
                return true;
            };
            let Ok(s) = std::str::from_utf8(hex) else {
                return true;
            };
            let Ok(v) = u16::from_str_radix(s, 16) else {
                return true;
            };
            (0x20..0x7f).contains(&v) && !matches!(v, 0x26 | 0x3c | 0x3e)
        })
    }
}

/// What follows one `"resource"` in a line.
enum Value<'a> {
    /// Not followed by `:` and a string: a value, or some other key's shape.
    NotAKey,
    /// A string value holding a backslash: cannot be compared as bytes.
    Escaped,
    Is(&'a [u8]),
}

/// Read `: "value"` (JSON allows whitespace around the colon).
fn resource_value(rest: &[u8]) -> Value<'_> {
    let skip_ws = |b: &[u8]| {
        b.iter()
            .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
            .count()
    };
    let mut i = skip_ws(rest);
    if rest.get(i) != Some(&b':') {
        return Value::NotAKey;
    }
    i += 1;
    i += skip_ws(&rest[i..]);
    if rest.get(i) != Some(&b'"') {
        return Value::NotAKey;
    }
    let body = &rest[i + 1..];
    match memchr::memchr2(b'"', b'\\', body) {
        Some(end) if body[end] == b'"' => Value::Is(&body[..end]),
        _ => Value::Escaped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_relevant_and_escaped_lines() {
        let p = Prefilter::new(&Config::default());
        assert!(p.keep(br#"{"objectRef":{"resource":"secrets"}}"#));
        assert!(p.keep(br#"{"objectRef":{"resource":"pods","subresource":"exec"}}"#));
        assert!(p.keep(br#"{"objectRef":{"resource":"clusterrolebindings"}}"#));
        assert!(!p.keep(br#"{"verb":"get","objectRef":{"resource":"pods"},"requestURI":"/api/v1/pods?a=1\u0026b=2"}"#));
        // Bad input is parsed (and so reported), never skipped.
        assert!(p.keep(b"not json at all"));
        assert!(p.keep(br#"{"verb":"get","objectRef":{"resource":"pods""#));
        assert!(p.keep(br#"{"hello":"world"}"#));
        // "secrets" spelt with an escaped letter must still be parsed.
        assert!(p.keep(br#"{"objectRef":{"resource":"s\u0065crets"}}"#));
        assert!(p.keep(br#"{"objectRef":{"resource":"x"},"a":"\u00"#));
        // Only the resource decides, wherever the word appears.
        assert!(
            !p.keep(br#"{"verb":"get","objectRef":{"resource":"leases","name":"secret-token"}}"#)
        );
        assert!(p.keep(br#"{"verb":"get","objectRef":{"resource" : "secrets"}}"#));
        assert!(
            p.keep(br#"{"verb":"create","objectRef":{"resource":"pods","subresource":"exec"}}"#)
        );
        assert!(
            !p.keep(br#"{"verb":"patch","objectRef":{"resource":"pods","subresource":"status"}}"#)
        );
        assert!(p.keep(br#"{"verb":"create","objectRef":{"resource":"serviceaccounts","subresource":"token"}}"#));
        assert!(!p.keep(br#"{"verb":"get","objectRef":{"resource":"configmaps"}}"#));
        assert!(p.keep(
            br#"{"verb":"get","impersonatedUser":{},"objectRef":{"resource":"configmaps"}}"#
        ));
        // A nested "resource" never hides the objectRef one.
        assert!(p.keep(br#"{"verb":"create","requestObject":{"resource":"x"},"objectRef":{"resource":"secrets"}}"#));
        assert!(!p.keep(br#"{"verb":"get","a":"resource","objectRef":{"resource":"nodes"}}"#));
        // An event held in a string (an export wrapper) is parsed, even
        // beside an unescaped event about another resource.
        assert!(p.keep(br#"{"records":[{"properties":{"log":{"verb":"get","objectRef":{"resource":"leases"}}}},{"properties":{"log":"{\"verb\":\"get\",\"objectRef\":{\"resource\":\"secrets\"}}"}}]}"#));
        // An escaped value is parsed.
        assert!(p.keep(br#"{"verb":"get","objectRef":{"resource":"s\\ecrets"}}"#));
    }

    /// Every row of the engine's table: a line the engine wants is kept,
    /// and a line on the same resource it does not want is dropped.
    #[test]
    fn reads_the_engines_table() {
        use crate::detect::engine_wants;
        use serde_json::json;
        let cfg = Config::default();
        let p = Prefilter::new(&cfg);
        let check = |mut v: serde_json::Value, wanted: bool| {
            v["kind"] = json!("Event");
            let text = v.to_string();
            let ev = crate::audit::parse_event(&text).unwrap();
            assert_eq!(engine_wants(&ev, &cfg), wanted, "{text}");
            if wanted {
                assert!(p.keep(text.as_bytes()), "dropped: {text}");
            } else {
                assert!(!p.keep(text.as_bytes()), "kept: {text}");
            }
        };
        for i in INTERESTS {
            let r = i.resource;
            check(
                json!({"verb": "get", "objectRef": {"resource": r, "subresource": "zzz"}}),
                i.always,
            );
            for s in i.subresources {
                check(
                    json!({"verb": "create", "objectRef": {"resource": r, "subresource": s}}),
                    true,
                );
            }
            if i.spec {
                check(
                    json!({"verb": "create", "objectRef": {"resource": r}, "requestObject": {"spec": {}}}),
                    true,
                );
            }
            if i.impersonated {
                check(
                    json!({"verb": "get", "impersonatedUser": {"username": "x"}, "objectRef": {"resource": r}}),
                    true,
                );
            }
        }
    }

    #[test]
    fn escaped_proxy_names_keep_every_configmap_request() {
        let mut cfg = Config::default();
        cfg.rules.secret_access_impersonated.proxy_users = vec!["proxy<1>".into()];
        let p = Prefilter::new(&cfg);
        let line = br#"{"verb":"get","user":{"username":"proxy\u003c1\u003e"},"objectRef":{"resource":"configmaps"}}"#;
        assert!(p.keep(line));
    }
}
