//! The one-line editor of the `/` and `:` prompts. Control keys edit, they
//! are never typed into the text (readline's defaults): Ctrl-c cancels,
//! Ctrl-u clears, Ctrl-w deletes the word before the cursor, Ctrl-a/Ctrl-e
//! and Home/End move to the start/end, Ctrl-b/Ctrl-f and the arrows move
//! by one character, Ctrl-h is Backspace, Ctrl-d deletes under the cursor.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui::text::Span;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineEdit {
    pub text: String,
    /// Byte offset of the cursor, always on a char boundary.
    pub cursor: usize,
}

/// What a key did to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// Only the cursor moved, or nothing happened.
    Moved,
    Submit,
    Cancel,
}

impl LineEdit {
    pub fn new(text: &str) -> Self {
        LineEdit {
            text: text.to_string(),
            cursor: text.len(),
        }
    }

    fn prev(&self) -> usize {
        self.text[..self.cursor]
            .char_indices()
            .next_back()
            .map(|(i, _)| i)
            .unwrap_or(0)
    }

    fn next(&self) -> usize {
        self.text[self.cursor..]
            .chars()
            .next()
            .map(|c| self.cursor + c.len_utf8())
            .unwrap_or(self.cursor)
    }

    /// Insert text (a paste): control characters are dropped.
    pub fn insert(&mut self, s: &str) {
        let clean: String = s.chars().filter(|c| !c.is_control()).collect();
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
    }

    pub fn key(&mut self, k: &KeyEvent) -> Edit {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match (k.code, ctrl) {
            (KeyCode::Esc, _) | (KeyCode::Char('c' | 'g'), true) => Edit::Cancel,
            (KeyCode::Enter, _) | (KeyCode::Char('m' | 'j'), true) => Edit::Submit,
            (KeyCode::Char('u'), true) => {
                self.text.replace_range(..self.cursor, "");
                self.cursor = 0;
                Edit::Changed
            }
            (KeyCode::Char('k'), true) => {
                self.text.truncate(self.cursor);
                Edit::Changed
            }
            (KeyCode::Char('w'), true) => {
                let before = &self.text[..self.cursor];
                let trimmed = before.trim_end();
                let start = trimmed
                    .char_indices()
                    .rev()
                    .find(|(_, c)| c.is_whitespace())
                    .map(|(i, c)| i + c.len_utf8())
                    .unwrap_or(0);
                self.text.replace_range(start..self.cursor, "");
                self.cursor = start;
                Edit::Changed
            }
            (KeyCode::Char('a'), true) | (KeyCode::Home, _) => {
                self.cursor = 0;
                Edit::Moved
            }
            (KeyCode::Char('e'), true) | (KeyCode::End, _) => {
                self.cursor = self.text.len();
                Edit::Moved
            }
            (KeyCode::Char('b'), true) | (KeyCode::Left, _) => {
                self.cursor = self.prev();
                Edit::Moved
            }
            (KeyCode::Char('f'), true) | (KeyCode::Right, _) => {
                self.cursor = self.next();
                Edit::Moved
            }
            (KeyCode::Backspace, _) | (KeyCode::Char('h'), true) => {
                if self.cursor == 0 {
                    return Edit::Moved;
                }
                let p = self.prev();
                self.text.replace_range(p..self.cursor, "");
                self.cursor = p;
                Edit::Changed
            }
            (KeyCode::Delete, _) | (KeyCode::Char('d'), true) => {
                let n = self.next();
                self.text.replace_range(self.cursor..n, "");
                Edit::Changed
            }
            (KeyCode::Char(c), false) if !c.is_control() => {
                self.text.insert(self.cursor, c);
                self.cursor += c.len_utf8();
                Edit::Changed
            }
            // Any other control or Alt chord: handled (ignored), never typed.
            _ => Edit::Moved,
        }
    }

    /// The text with a block cursor, as spans.
    pub fn spans(&self, text: Style, cursor: Style) -> Vec<Span<'static>> {
        let clean = |s: &str| super::text::clean(s);
        let (a, rest) = self.text.split_at(self.cursor);
        let mut it = rest.chars();
        let under = it.next();
        vec![
            Span::styled(clean(a), text),
            Span::styled(
                under
                    .map(|c| clean(&c.to_string()))
                    .unwrap_or_else(|| " ".into()),
                cursor,
            ),
            Span::styled(clean(it.as_str()), text),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode, ctrl: bool) -> KeyEvent {
        KeyEvent::new(
            code,
            if ctrl {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            },
        )
    }

    #[test]
    fn control_keys_edit_and_are_never_typed() {
        let mut e = LineEdit::new("export /tmp/r.md");
        assert_eq!(e.key(&k(KeyCode::Char('w'), true)), Edit::Changed);
        assert_eq!(e.text, "export ");
        e.key(&k(KeyCode::Char('a'), true));
        e.key(&k(KeyCode::Char('x'), false));
        assert_eq!((e.text.as_str(), e.cursor), ("xexport ", 1));
        e.key(&k(KeyCode::Char('e'), true));
        e.key(&k(KeyCode::Char('ü'), false));
        e.key(&k(KeyCode::Left, false));
        e.key(&k(KeyCode::Char('r'), true));
        assert_eq!(e.text, "xexport ü", "an unbound chord types nothing");
        e.key(&k(KeyCode::Char('u'), true));
        assert_eq!(e.text, "ü");
        assert_eq!(e.key(&k(KeyCode::Char('c'), true)), Edit::Cancel);
    }
}
