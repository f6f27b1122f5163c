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

/// The one escaping rule shared with the headless reports.
pub use crate::report::inert;

pub use crate::words::count_of;

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
                spans.push(Span::styled(
                    &text[run_start..bi],
                    if run_hit { hit } else { base },
                ));
            }
            run_start = bi;
            run_hit = is_hit;
        }
    }
    if run_start < text.len() {
        spans.push(Span::styled(
            &text[run_start..],
            if run_hit { hit } else { base },
        ));
    }
    spans
}

/// Display columns of `s` (a CJK character takes two, a combining mark
/// none), as the terminal draws it.
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Cut `s` to at most `width` display columns, ending with `…` if cut.
pub fn fit(s: &str, max: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// The end of `s` that fits in `max` columns.
pub fn tail(s: &str, max: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut used = 0;
    let mut start = s.len();
    for (i, c) in s.char_indices().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > max {
            break;
        }
        used += w;
        start = i;
    }
    s[start..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Columns, not chars: each CJK character takes two.
        assert_eq!(fit("管理者アカウント", 7), "管理者…");
        assert_eq!(width(&fit("管理者アカウント", 8)), 7);
        assert_eq!(tail("/logs/監査.log", 8), "監査.log");
    }
}
