//! Rendering attacker-controlled text inert: control characters, escape
//! sequences and bidirectional overrides are shown escaped, never sent to
//! the terminal (a user agent can carry `ESC ]` and rewrite the screen).

use std::borrow::Cow;

fn dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// The text with every dangerous character written as `\u{..}`.
pub fn inert(s: &str) -> Cow<'_, str> {
    if !s.chars().any(dangerous) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if dangerous(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn escapes_terminal_sequences() {
        assert_eq!(
            inert("curl/8 \u{1b}]0;pwned\u{7}"),
            "curl/8 \\u{1b}]0;pwned\\u{7}"
        );
        assert_eq!(inert("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(inert("kubectl/v1.30"), "kubectl/v1.30");
        assert_eq!(inert("x\u{9b}31m"), "x\\u{9b}31m");
    }
}
