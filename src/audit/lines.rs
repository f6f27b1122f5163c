//! Splitting a byte stream into lines without a `String` per line.
//!
//! Blocks are scanned in place with `memchr`; only a line that straddles two
//! blocks is copied. Lines longer than the cap are skipped (and reported)
//! without buffering them whole, so one hostile line cannot eat memory. The
//! same splitter serves whole-file scans and followers (where a partial last
//! line waits for its newline).

/// Default cap on one line: the largest sane audit event is a few hundred KiB.
pub const DEFAULT_MAX_LINE: usize = 1 << 20;

/// What the splitter hands out for each line.
pub enum Line<'a> {
    /// A complete line, without its `\n` (and without a trailing `\r`).
    Text(&'a [u8]),
    /// A line over the cap, skipped; the value is its length in bytes.
    TooLong(usize),
}

pub struct LineSplitter {
    carry: Vec<u8>,
    /// Number of the next line to be emitted (1-based).
    next_line: u64,
    /// Length so far of an over-long line being skipped.
    skipping: Option<usize>,
    max_line: usize,
}

impl LineSplitter {
    pub fn new(max_line: usize) -> Self {
        LineSplitter {
            carry: Vec::new(),
            next_line: 1,
            skipping: None,
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
        self.carry.len() + self.skipping.unwrap_or(0)
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
                    if let Some(len) = self.skipping.take() {
                        emit(n, Line::TooLong(len + head.len()));
                    } else if self.carry.is_empty() {
                        if head.len() > self.max_line {
                            emit(n, Line::TooLong(head.len()));
                        } else {
                            emit(n, Line::Text(trim_cr(head)));
                        }
                    } else {
                        self.carry.extend_from_slice(head);
                        let line = std::mem::take(&mut self.carry);
                        if line.len() > self.max_line {
                            emit(n, Line::TooLong(line.len()));
                        } else {
                            emit(n, Line::Text(trim_cr(&line)));
                        }
                        // Keep the allocation for the next straddling line.
                        self.carry = line;
                        self.carry.clear();
                    }
                }
                None => {
                    if let Some(len) = self.skipping.as_mut() {
                        *len += block.len();
                    } else if self.carry.len() + block.len() > self.max_line {
                        self.skipping = Some(self.carry.len() + block.len());
                        self.carry.clear();
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
        if let Some(len) = self.skipping.take() {
            self.next_line += 1;
            emit(n, Line::TooLong(len));
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
        self.skipping = None;
        n
    }
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
                    Line::TooLong(len) => format!("<too long {len}>"),
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
    fn over_long_line_is_skipped_and_numbered() {
        let got = collect(&[b"ok\n", b"0123456789", b"0123456789\nnext\n"], 8);
        assert_eq!(
            got,
            vec![
                (1, "ok".into()),
                (2, "<too long 20>".into()),
                (3, "next".into())
            ]
        );
    }
}
