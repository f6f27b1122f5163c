//! Attacker-controlled text made inert, and fuzzy-match highlighting.
//!
//! Every field of an audit event comes from whoever sent the request: a user
//! agent can carry `ESC ]` and retitle or rewrite the analyst's terminal, a
//! bidi override can make `evil` read as `live`. Everything drawn from the
//! log goes through [`inert`] first, which spells such characters out as
//! `\u{1b}`; the escaped form is also what the filter matches against, so
//! highlight indices line up with what is on screen.

use ratatui::style::Style;
use ratatui::text::Span;
use std::borrow::Cow;

/// Characters never sent to the terminal: C0/C1 controls (incl. ESC, CSI),
/// zero-width and bidirectional formatting characters, the BOM.
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

/// Owned inert copy, for building rows.
pub fn clean(s: &str) -> String {
    inert(s).into_owned()
}

/// Split already-inert `text` into spans, giving the characters at
/// `indices` (char indices, as `fuzzy_indices` returns them, sorted) the
/// `hit` style. Char indices are mapped to byte offsets here, never used to
/// slice directly.
pub fn highlight<'a>(text: &'a str, indices: &[usize], base: Style, hit: Style) -> Vec<Span<'a>> {
    if indices.is_empty() {
        return vec![Span::styled(text, base)];
    }
    let mut spans = Vec::new();
    let mut want = indices.iter().copied().peekable();
    let mut run_start = 0usize;
    let mut run_hit = false;
    for (ci, (bi, _)) in text.char_indices().enumerate() {
        while want.peek().is_some_and(|&w| w < ci) {
            want.next();
        }
        let is_hit = want.peek() == Some(&ci);
        if is_hit != run_hit {
            if bi > run_start {
                spans.push(Span::styled(&text[run_start..bi], if run_hit { hit } else { base }));
            }
            run_start = bi;
            run_hit = is_hit;
        }
    }
    if run_start < text.len() {
        spans.push(Span::styled(&text[run_start..], if run_hit { hit } else { base }));
    }
    spans
}

/// Cut `s` to at most `width` display columns (approximated as chars, which
/// is right for the ASCII the log mostly holds), ending with `…` if cut.
pub fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_sequences() {
        assert_eq!(inert("curl/8 \u{1b}]0;pwned\u{7}"), "curl/8 \\u{1b}]0;pwned\\u{7}");
        assert_eq!(inert("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(inert("kubectl/v1.30"), "kubectl/v1.30");
    }

    #[test]
    fn highlight_maps_char_indices() {
        let s = "héllo";
        let spans = highlight(s, &[1, 2], Style::default(), Style::default().bold());
        let texts: Vec<&str> = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(texts, vec!["h", "él", "lo"]);
    }

    #[test]
    fn fit_cuts_with_ellipsis() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
    }
}
