//! Rendering attacker-controlled text inert: control characters, escape
//! sequences and bidirectional overrides are shown escaped, never sent to
//! the terminal (a user agent can carry `ESC ]` and rewrite the screen).
//!
//! Names (identities, secret and object names, user agents) go further
//! ([`inert_name`]): every character outside printable ASCII is written as
//! `⟨U+043E⟩`, so `kube-contrоller-manager` with a Cyrillic `о`, a trailing
//! zero-width space or a combining mark no longer prints exactly like the
//! real name. Legitimate non-ASCII in a name is marked too; that is the
//! price of never showing two different identities the same way.

use std::borrow::Cow;

/// A character a terminal may act on or that hides text: controls (C0,
/// DEL, C1), zero-width and bidirectional formatting characters. The jsonl
/// writer escapes the same set.
pub fn dangerous(c: char) -> bool {
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

/// A name with every character outside printable ASCII (and space) written
/// as `⟨U+XXXX⟩`: look-alike and invisible characters become visible, and
/// control sequences stay inert. The marker's own brackets are non-ASCII,
/// so a name that spells `⟨U+043E⟩` literally is marked as well.
pub fn inert_name(s: &str) -> Cow<'_, str> {
    mark(s, |c| c == ' ' || c.is_ascii_graphic())
}

/// ktriage's own sentences that quote names (alert notes, binding
/// details): names marked as in [`inert_name`], but the few typographic
/// characters ktriage itself writes (`→ — … ×`) left as they are, so
/// "ClusterRole cluster-admin → User x" stays readable. None of them looks
/// like a letter, so no identity can hide behind them.
pub fn inert_note(s: &str) -> Cow<'_, str> {
    mark(s, |c| {
        c == ' ' || c.is_ascii_graphic() || "→—…×".contains(c)
    })
}

fn mark(s: &str, plain: impl Fn(char) -> bool) -> Cow<'_, str> {
    if s.chars().all(&plain) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if plain(c) {
            out.push(c);
        } else {
            out.push_str(&format!("⟨U+{:04X}⟩", c as u32));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{inert, inert_name};

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

    #[test]
    fn names_show_look_alike_and_invisible_characters() {
        assert_eq!(
            inert_name("system:kube-contr\u{43e}ller-manager"),
            "system:kube-contr⟨U+043E⟩ller-manager"
        );
        assert_eq!(inert_name("admin\u{200b}"), "admin⟨U+200B⟩");
        assert_eq!(
            super::inert_note("ClusterRole x → User adm\u{456}n"),
            "ClusterRole x → User adm⟨U+0456⟩n"
        );
        assert_eq!(inert_name("admin\u{a0}"), "admin⟨U+00A0⟩");
        assert_eq!(inert_name("cafe\u{301}"), "cafe⟨U+0301⟩");
        assert_eq!(inert_name("ua \u{1b}]0;x\u{7}"), "ua ⟨U+001B⟩]0;x⟨U+0007⟩");
        assert_eq!(inert_name("⟨U+043E⟩"), "⟨U+27E8⟩U+043E⟨U+27E9⟩");
        assert_eq!(
            inert_name("kubectl/v1.30.2 (linux/amd64) kubernetes/3968350"),
            "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350"
        );
    }
}
