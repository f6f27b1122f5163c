//! Markdown that stays what it says when rendered (CommonMark + GFM):
//! log data only ever inside code spans, our own words with every
//! Markdown-significant character escaped. Nothing from a log can become
//! HTML, a link, emphasis or a table cell boundary.
//!
//! A code span holds the exact text (after [`inert`], which spells control
//! characters as `\u{..}`): backticks in it are handled by a longer fence,
//! not rewritten. In a table cell a `|` is written `\|` (GFM removes the
//! backslash before parsing the cell); a backslash right before a `|` is
//! spelt `\u{5c}` there, because GitHub's cmark-gfm and pulldown-cmark
//! disagree on `\\|`.

use super::inert::{inert, inert_note};

/// Our own text, escaped: characters that mean something anywhere in a
/// line get a backslash, and so do those that mean something at the start
/// of one (a list marker, a heading, a quote) when the text begins with
/// them.
pub fn text(s: &str) -> String {
    let s = inert(s);
    let mut o = String::with_capacity(s.len() + 4);
    let mut chars = s.chars().peekable();
    let mut first = true;
    let mut escape_next = false;
    while let Some(c) = chars.next() {
        let inline = matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '$'
        );
        let lead = first && matches!(c, '#' | '+' | '-' | '=' | '!');
        if inline || lead || escape_next {
            o.push('\\');
        }
        // `1.` or `1)` at the start would open an ordered list.
        escape_next =
            first && c.is_ascii_digit() && chars.peek().is_some_and(|n| matches!(n, '.' | ')'));
        o.push(c);
        first = false;
    }
    o
}

fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        if c == ch {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// A fenced code block (` ``` ` longer than any backtick run inside).
pub fn block(info: &str, content: &str) -> String {
    let ticks = "`".repeat((longest_run(content, '`') + 1).max(3));
    let body = inert(content);
    format!("{ticks}{info}\n{}\n{ticks}\n", body.trim_end())
}

fn fence(content: &str) -> String {
    if content.is_empty() {
        return "(empty value)".into();
    }
    let ticks = "`".repeat(longest_run(content, '`') + 1);
    // CommonMark strips one space from each side when both are spaces;
    // pad when the content starts or ends with a backtick or a space (but
    // a run of spaces only is never stripped).
    let pad = !content.chars().all(|c| c == ' ')
        && (content.starts_with(['`', ' ']) || content.ends_with(['`', ' ']));
    let sp = if pad { " " } else { "" };
    format!("{ticks}{sp}{content}{sp}{ticks}")
}

/// Log data as an inline code span, exactly (inert), with look-alike and
/// invisible characters marked (`⟨U+043E⟩`, see `report::inert_note`).
pub fn code(s: &str) -> String {
    fence(&inert_note(&inert(s)))
}

/// Log data as a code span inside a GFM table cell.
pub fn cell_code(s: &str) -> String {
    let s = inert(s);
    let s = inert_note(&s);
    let mut o = String::with_capacity(s.len() + 4);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => o.push_str("\\u{5c}"),
            '|' => o.push_str("\\|"),
            c => o.push(c),
        }
    }
    fence(&o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_backticks_and_spaces_survive() {
        assert_eq!(code("x"), "`x`");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a``b"), "```a``b```");
        assert_eq!(code(" a "), "`  a  `");
        assert_eq!(code("   "), "`   `");
        assert_eq!(code(""), "(empty value)");
        assert_eq!(code("a\nb"), "`a\\u{a}b`");
    }

    #[test]
    fn text_escapes_markup() {
        assert_eq!(text("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(text("- a-b"), "\\- a-b");
        assert_eq!(text("1. a"), "1\\. a");
        assert_eq!(text("[x](y)"), "\\[x\\](y)");
        assert_eq!(text("a_b*c|d&e"), "a\\_b\\*c\\|d\\&e");
    }

    #[test]
    fn cells_escape_pipes() {
        assert_eq!(cell_code("a|b"), "`a\\|b`");
        assert_eq!(cell_code("a\\|b"), "`a\\u{5c}\\|b`");
    }
}
