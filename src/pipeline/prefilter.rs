//! A byte search that decides, without parsing, whether a line can matter
//! to any rule. It may keep lines that do not matter (they are parsed and
//! dropped); it must never drop one that does. Proof obligation, tested
//! against a full parse: every relevant event (see `detect::is_relevant`)
//! contains one of the needles literally, unless a `\u` escape could be
//! hiding one, in which case the line is kept.

use crate::detect::Config;
use memchr::memmem::Finder;

#[derive(Clone)]
pub struct Prefilter {
    needles: Vec<Finder<'static>>,
    escape: Finder<'static>,
    verb: Finder<'static>,
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
        words.extend(
            cfg.rules
                .secret_access_impersonated
                .proxy_users
                .iter()
                .cloned(),
        );
        Prefilter {
            needles: words
                .into_iter()
                .map(|w| Finder::new(w.as_bytes()).into_owned())
                .collect(),
            escape: Finder::new(b"\\u").into_owned(),
            verb: Finder::new(b"\"verb\"").into_owned(),
        }
    }

    /// True when the line must be parsed: it may matter to a rule, or it
    /// does not look like a well-formed event (so that bad input is still
    /// parsed and reported, never skipped silently).
    pub fn keep(&self, line: &[u8]) -> bool {
        self.needles.iter().any(|n| n.find(line).is_some())
            || !self.looks_like_event(line)
            || self.has_disguising_escape(line)
    }

    /// A cheap shape check: one JSON object with a `"verb"` key. Truncated
    /// lines, garbage and JSON that is not an event fail it and get parsed.
    fn looks_like_event(&self, line: &[u8]) -> bool {
        let t = line.trim_ascii();
        t.first() == Some(&b'{') && t.last() == Some(&b'}') && self.verb.find(t).is_some()
    }

    /// A `\uXXXX` escape of a printable ASCII character could spell a needle
    /// without its bytes appearing. Go's encoder only escapes `<`, `>`, `&`,
    /// control characters and U+2028/9, so real audit lines never trip this.
    fn has_disguising_escape(&self, line: &[u8]) -> bool {
        for at in self.escape.find_iter(line) {
            let hex = match line.get(at + 2..at + 6) {
                Some(h) => h,
                None => return true,
            };
            let Ok(s) = std::str::from_utf8(hex) else {
                return true;
            };
            let Ok(v) = u16::from_str_radix(s, 16) else {
                return true;
            };
            if (0x20..0x7f).contains(&v) && !matches!(v, 0x26 | 0x3c | 0x3e) {
                return true;
            }
        }
        false
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
    }
}
