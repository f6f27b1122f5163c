//! A byte search that decides, without parsing, whether a line can matter
//! to the engine. It may keep lines that do not matter (they are parsed and
//! dropped); it must never drop one that does. Tested against a full parse
//! on every sample log and on generated traffic (`tests/parallel.rs`,
//! `tests/generator.rs`).
//!
//! Why it is safe: the engine wants an event only for some values of
//! `objectRef.resource` (see `detect::is_relevant` and
//! `detect::engine_wants`). In the line, that value follows a `"resource"`
//! key. So the line is kept when any `"resource"` key in it has a value the
//! engine cares about (other occurrences, in request bodies, only make it
//! keep more), when a `\uXXXX` escape could be disguising a key or value,
//! or when it does not look like an event at all (so bad input is parsed
//! and reported), or when it holds an event as an escaped JSON string
//! (`\"resource\"`: managed-cluster exports wrap events that way, several
//! to a line, where the unescaped keys seen are another event's). For the resources whose relevance depends on more
//! (pods: exec, attach or a spec using a secret; service accounts: token;
//! configmaps: impersonation), the line must also contain the word that
//! makes it relevant.
//!
//! Why not one search for every interesting word: on real traffic words
//! like "token" and "secret" and their 2-byte prefixes are everywhere, and
//! a multi-pattern search spent ~19% of a scan verifying false candidates;
//! the `"resource"` key is one rare needle.

use crate::detect::Config;
use memchr::memmem::Finder;

/// Proxy user names made only of these characters appear in the log as
/// they are; any other character may come escaped by the API server.
fn verbatim_in_json(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b":._@-/".contains(&b))
}

#[derive(Clone)]
pub struct Prefilter {
    resource: Finder<'static>,
    /// `\"resource\"`: an event inside a JSON string (an export wrapper).
    escaped_resource: Finder<'static>,
    verb: Finder<'static>,
    escape: Finder<'static>,
    /// Pods: relevant with one of these (exec, attach, a secret in a spec).
    pod_words: Vec<Finder<'static>>,
    token: Finder<'static>,
    /// Configmaps: relevant when impersonated or sent by a proxy user.
    configmap_words: Vec<Finder<'static>>,
    /// Some proxy name cannot be searched for literally: keep them all.
    all_configmaps: bool,
}

fn finder(w: &str) -> Finder<'static> {
    Finder::new(w.as_bytes()).into_owned()
}

impl Prefilter {
    pub fn new(cfg: &Config) -> Self {
        let proxies = &cfg.rules.secret_access_impersonated.proxy_users;
        let mut configmap_words = vec![finder("impersonatedUser")];
        configmap_words.extend(proxies.iter().map(|p| finder(p)));
        Prefilter {
            resource: finder("\"resource\""),
            escaped_resource: finder("\\\"resource\\\""),
            verb: finder("\"verb\""),
            escape: finder("\\u"),
            // "secret" covers secretName, secretKeyRef and secretRef.
            pod_words: ["exec", "attach", "secret"].map(finder).to_vec(),
            token: finder("token"),
            configmap_words,
            all_configmaps: !proxies.iter().all(|p| verbatim_in_json(p)),
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

    fn wants_resource(&self, value: &[u8], line: &[u8]) -> bool {
        let any = |ws: &[Finder<'static>]| ws.iter().any(|w| w.find(line).is_some());
        match value {
            b"secrets" | b"roles" | b"clusterroles" | b"rolebindings" | b"clusterrolebindings" => {
                true
            }
            b"pods" => any(&self.pod_words),
            b"serviceaccounts" => self.token.find(line).is_some(),
            b"configmaps" => self.all_configmaps || any(&self.configmap_words),
            _ => false,
        }
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

    #[test]
    fn escaped_proxy_names_keep_every_configmap_request() {
        let mut cfg = Config::default();
        cfg.rules.secret_access_impersonated.proxy_users = vec!["proxy<1>".into()];
        let p = Prefilter::new(&cfg);
        let line = br#"{"verb":"get","user":{"username":"proxy\u003c1\u003e"},"objectRef":{"resource":"configmaps"}}"#;
        assert!(p.keep(line));
    }
}
