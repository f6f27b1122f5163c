//! Splitting a byte stream into lines without a `String` per line.
//!
//! Blocks are scanned in place with `memchr`; only a line that straddles two
//! blocks is copied. A line longer than the cap is never buffered whole: its
//! bytes go, as they arrive, through a [`Reducer`] (`audit::large`) that
//! hands out a bounded text with what the rules read, so one hostile line
//! cannot eat memory and no event goes unjudged for its size. The same
//! splitter serves whole-file scans and followers (where a partial last line
//! waits for its newline).

use super::large::{LargeLine, Reducer};

/// Default cap on one line held whole: the largest sane audit event is a few
/// hundred KiB; longer lines are reduced as they stream.
pub const DEFAULT_MAX_LINE: usize = 1 << 20;

/// What the splitter hands out for each line.
#[derive(Clone, Copy)]
pub enum Line<'a> {
    /// A complete line, without its `\n` (and without a trailing `\r`).
    Text(&'a [u8]),
    /// A line over the cap, read in one pass: its length and its reduced
    /// text (or why it is malformed).
    Large(&'a LargeLine),
}

impl Line<'_> {
    /// True for a line over the cap.
    pub fn is_large(&self) -> bool {
        matches!(self, Line::Large(_))
    }
}

pub struct LineSplitter {
    carry: Vec<u8>,
    /// Number of the next line to be emitted (1-based).
    next_line: u64,
    /// The over-long line being read.
    large: Option<Box<Reducer>>,
    max_line: usize,
}

impl LineSplitter {
    pub fn new(max_line: usize) -> Self {
        LineSplitter {
            carry: Vec::new(),
            next_line: 1,
            large: None,
            max_line,
        }
    }

    /// Start numbering at `line` (used when a follower resumes mid-file).
    pub fn with_start_line(mut self, line: u64) -> Self {
        self.next_line = line;
        self
    }

    /// Bytes held back waiting for a newline.
    pub fn pending(&self) -> usize {
        self.carry.len() + self.large.as_ref().map_or(0, |r| r.bytes())
    }

    pub fn lines_seen(&self) -> u64 {
        self.next_line - 1
    }

    /// Feed one block; `emit(line_number, line)` is called for each complete line.
    pub fn feed(&mut self, mut block: &[u8], emit: &mut dyn FnMut(u64, Line<'_>)) {
        while !block.is_empty() {
            match memchr::memchr(b'\n', block) {
                Some(i) => {
                    let (head, rest) = (&block[..i], &block[i + 1..]);
                    block = rest;
                    let n = self.next_line;
                    self.next_line += 1;
                    if let Some(mut r) = self.large.take() {
                        r.feed(head);
                        emit(n, Line::Large(&r.finish()));
                    } else if self.carry.is_empty() {
                        if head.len() > self.max_line {
                            emit(n, Line::Large(&reduce(&[head])));
                        } else {
                            emit(n, Line::Text(trim_cr(head)));
                        }
                    } else if self.carry.len() + head.len() > self.max_line {
                        let large = reduce(&[&self.carry, head]);
                        self.carry.clear();
                        emit(n, Line::Large(&large));
                    } else {
                        self.carry.extend_from_slice(head);
                        let line = std::mem::take(&mut self.carry);
                        emit(n, Line::Text(trim_cr(&line)));
                        // Keep the allocation for the next straddling line.
                        self.carry = line;
                        self.carry.clear();
                    }
                }
                None => {
                    if let Some(r) = self.large.as_mut() {
                        r.feed(block);
                    } else if self.carry.len() + block.len() > self.max_line {
                        let mut r = Box::new(Reducer::new());
                        r.feed(&self.carry);
                        r.feed(block);
                        self.large = Some(r);
                        // Give the buffer back: it may have grown to the cap.
                        self.carry = Vec::new();
                    } else {
                        self.carry.extend_from_slice(block);
                    }
                    return;
                }
            }
        }
    }

    /// End of input: a last line without a newline is still a line (a file
    /// that was cut mid-write shows up as one malformed line, not silence).
    pub fn finish(&mut self, emit: &mut dyn FnMut(u64, Line<'_>)) {
        let n = self.next_line;
        if let Some(r) = self.large.take() {
            self.next_line += 1;
            emit(n, Line::Large(&r.finish()));
        } else if !self.carry.is_empty() {
            self.next_line += 1;
            let line = std::mem::take(&mut self.carry);
            emit(n, Line::Text(trim_cr(&line)));
        }
    }

    /// Drop a partial line (the file it came from was truncated or replaced).
    pub fn discard_partial(&mut self) -> usize {
        let n = self.pending();
        self.carry.clear();
        self.large = None;
        n
    }
}

fn reduce(parts: &[&[u8]]) -> LargeLine {
    let mut r = Reducer::new();
    for p in parts {
        r.feed(p);
    }
    r.finish()
}

fn trim_cr(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\r").unwrap_or(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(blocks: &[&[u8]], max: usize) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        let mut s = LineSplitter::new(max);
        let mut emit = |n: u64, l: Line<'_>| {
            out.push((
                n,
                match l {
                    Line::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    Line::Large(l) => format!("<large {} {:?}>", l.bytes, l.reduced),
                },
            ))
        };
        for b in blocks {
            s.feed(b, &mut emit);
        }
        s.finish(&mut emit);
        out
    }

    #[test]
    fn lines_straddling_blocks_and_crlf() {
        let got = collect(&[b"ab", b"c\r\nde", b"f\n\ngh"], 100);
        assert_eq!(
            got,
            vec![
                (1, "abc".into()),
                (2, "def".into()),
                (3, "".into()),
                (4, "gh".into())
            ]
        );
    }

    #[test]
    fn over_long_line_is_reduced_and_numbered() {
        let got = collect(
            &[
                b"ok\n",
                br#"{"verb":"get","#,
                br#""x":"0123456789"}"#,
                b"\nnext\n",
            ],
            8,
        );
        assert_eq!(got[0], (1, "ok".into()));
        let note = crate::audit::large::reduced_note(31);
        let want = format!(r#"{{"verb":"get","ktriage:reduced":"{note}"}}"#);
        assert_eq!(got[1], (2, format!("<large 31 {:?}>", Ok::<_, ()>(want))));
        assert_eq!(got[2], (3, "next".into()));
        let got = collect(&[b"0123456789", b"0123456789\nnext\n"], 8);
        assert!(got[0].1.starts_with("<large 20 Err(Json("), "{got:?}");
        assert_eq!(got[1], (2, "next".into()));
    }
}
