//! A byte search that decides, without parsing, whether a line can matter
//! to any rule. It may keep lines that do not matter (they are parsed and
//! dropped); it must never drop one that does. Proof obligation, tested
//! against a full parse (`tests/parallel.rs`, `tests/generator.rs`): every
//! event the engine wants (see `detect::engine_wants`) contains one of the
//! needles literally, unless a `\u` escape could be hiding one, in which
//! case the line is kept.

use crate::detect::Config;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// Pattern ids of the two helpers; the needles follow them.
const ESCAPE: usize = 0;
const VERB: usize = 1;

/// Proxy user names made only of these characters appear in the log as
/// they are; any other character may come escaped by the API server.
fn verbatim_in_json(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b":._@-/".contains(&b))
}

#[derive(Clone)]
pub struct Prefilter {
    /// One automaton for `\u`, `"verb"` and every needle, so each line is
    /// scanned once (one memmem pass per needle cost ~9% of a scan).
    searcher: AhoCorasick,
}

impl Prefilter {
    pub fn new(cfg: &Config) -> Self {
        // Resource and subresource values the rules look at ("roles" also
        // covers "clusterroles"; "rolebindings" covers "clusterrolebindings"),
        // and what makes a configmap request relevant (impersonation).
        // "secret" rather than "secrets": it also keeps pod specs that use a
        // secret (secretName, secretKeyRef, secretRef), which link execs to
        // the secrets they can read.
        let mut words: Vec<String> = [
            "\\u",
            "\"verb\"",
            "secret",
            "exec",
            "attach",
            "token",
            "roles",
            "rolebindings",
            "impersonatedUser",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let proxies = &cfg.rules.secret_access_impersonated.proxy_users;
        words.extend(proxies.iter().cloned());
        // A proxy name that could be escaped in the log cannot be searched
        // for as it is, and one starting with `u` could begin inside a `\u`
        // match: keep every configmap request instead.
        if !proxies
            .iter()
            .all(|p| verbatim_in_json(p) && !p.starts_with('u'))
        {
            words.push("configmaps".into());
        }
        let searcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)
            .expect("a handful of literal patterns always builds");
        Prefilter { searcher }
    }

    /// True when the line must be parsed: it may matter to a rule, or it
    /// does not look like a well-formed event (so that bad input is still
    /// parsed and reported, never skipped silently).
    ///
    /// Matches do not overlap, and none needs to: no needle can start
    /// inside `"verb"` (needles hold no `"`) or inside `\u` (none starts
    /// with `u`; see `new`). That lets the search use its SIMD prefilter,
    /// which an overlapping search cannot (3× fewer instructions).
    pub fn keep(&self, line: &[u8]) -> bool {
        let mut verb = false;
        for m in self.searcher.find_iter(line) {
            match m.pattern().as_usize() {
                ESCAPE if disguising_escape(line, m.start()) => return true,
                ESCAPE => {}
                VERB => verb = true,
                _ => return true,
            }
        }
        !looks_like_event(line, verb)
    }
}

/// A cheap shape check: one JSON object with a `"verb"` key. Truncated
/// lines, garbage and JSON that is not an event fail it and get parsed.
fn looks_like_event(line: &[u8], has_verb: bool) -> bool {
    let t = line.trim_ascii();
    has_verb && t.first() == Some(&b'{') && t.last() == Some(&b'}')
}

/// The `\u` at `at`: a `\uXXXX` escape of a printable ASCII character
/// could spell a needle without its bytes appearing. Go's encoder only
/// escapes `<`, `>`, `&`, control characters and U+2028/9, so real audit
/// lines never trip this. An escape cut short is suspect too.
fn disguising_escape(line: &[u8], at: usize) -> bool {
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
        // A needle overlapping another pattern is still seen.
        assert!(p.keep(br#"{"verb":"get","x":"\u0026secret"}"#));
        assert!(!p.keep(br#"{"verb":"get","x":"\u0026"}"#));
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
