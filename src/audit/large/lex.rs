//! The resumable tokenizer behind [`Reducer`]: one byte at a time (a fast
//! path through skipped strings), so a block may end anywhere. What it
//! keeps and writes is decided in `emit.rs`.

use super::*;

#[derive(Clone, Copy)]
pub(super) struct Frame {
    pub(super) mode: Mode,
    pub(super) obj: bool,
    pub(super) emit: bool,
    /// Members or elements written.
    pub(super) count: u32,
    /// Mode of the value after the current key (objects).
    pub(super) next: Mode,
    /// Where this container began in the output (a list's budget), and
    /// elements left out.
    pub(super) start: usize,
    pub(super) left_out: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Lex {
    Value,
    ArrayFirst,
    ObjFirst,
    Key,
    Colon,
    After,
    Str,
    Num(u8),
    Lit(&'static [u8], u8),
    End,
}

// Number states: 0 after '-', 1 zero, 2 int, 3 after '.', 4 frac, 5 after
// 'e', 6 after exponent sign, 7 exponent digits.
pub(super) const NUM_DONE: [bool; 8] = [false, true, true, false, true, false, false, true];

/// The streaming reducer of one over-long line.
pub struct Reducer {
    pub(super) out: Vec<u8>,
    pub(super) frames: Vec<Frame>,
    /// Nesting below the last frame, in skipped values: one bit per level
    /// (1 = object).
    pub(super) skip_bits: Vec<u64>,
    pub(super) skip_depth: usize,
    pub(super) lex: Lex,
    /// In a string: 0 plain, 1 after '\', 2..=5 in a `\u` escape.
    pub(super) esc: u8,
    pub(super) in_key: bool,
    /// The key being read matters (its container is kept).
    pub(super) capture: bool,
    pub(super) key: Vec<u8>,
    pub(super) key_long: bool,
    pub(super) key_escaped: bool,
    /// The current scalar is written out.
    pub(super) emit: bool,
    pub(super) str_len: usize,
    pub(super) str_cap: usize,
    pub(super) str_cut: bool,
    /// Where the number being written began in `out`.
    pub(super) num_at: usize,
    /// Where a request/response object began in `out` (frame depth, output
    /// length before its member, parent's count before it).
    pub(super) obj_mark: Option<(usize, usize, u32)>,
    pub(super) utf8: [u8; 4],
    pub(super) utf8_len: usize,
    pub(super) bytes: usize,
    pub(super) top_object: bool,
    /// The output reached [`TOTAL_CAP`].
    pub(super) overflow: bool,
    /// Request/response objects dropped over their budget.
    pub(super) dropped: u32,
    /// [`OBJ_BUDGET`] (smaller in tests, to drop objects everywhere).
    pub(super) obj_budget: usize,
    pub(super) error: Option<RecordError>,
}

impl Default for Reducer {
    fn default() -> Self {
        Self::new()
    }
}

impl Reducer {
    pub fn new() -> Self {
        Reducer {
            out: Vec::with_capacity(4096),
            frames: Vec::new(),
            skip_bits: Vec::new(),
            skip_depth: 0,
            lex: Lex::Value,
            esc: 0,
            in_key: false,
            capture: false,
            key: Vec::new(),
            num_at: 0,
            key_long: false,
            key_escaped: false,
            emit: false,
            str_len: 0,
            str_cap: 0,
            str_cut: false,
            obj_mark: None,
            utf8: [0; 4],
            utf8_len: 0,
            bytes: 0,
            top_object: false,
            overflow: false,
            dropped: 0,
            obj_budget: OBJ_BUDGET,
            error: None,
        }
    }

    /// Bytes fed so far.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Feed the next bytes of the line (without its newline).
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.error.is_some() {
            self.bytes += chunk.len();
            return;
        }
        if !self.check_utf8(chunk) {
            self.error = Some(RecordError::NotUtf8);
            self.bytes += chunk.len();
            return;
        }
        let mut i = 0;
        while i < chunk.len() {
            if self.lex == Lex::Str
                && self.esc == 0
                && (!self.emit || self.str_cut)
                && !(self.in_key && self.capture)
            {
                // Fast path through a skipped string.
                match chunk[i..]
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                {
                    Some(k) => {
                        self.str_len += k;
                        i += k;
                    }
                    None => {
                        self.str_len += chunk.len() - i;
                        break;
                    }
                }
            }
            let b = chunk[i];
            if let Err(what) = self.byte(b) {
                self.error = Some(RecordError::Json(format!(
                    "{what} at column {}",
                    self.bytes + i + 1
                )));
                break;
            }
            i += 1;
        }
        self.bytes += chunk.len();
    }

    /// End of the line: the reduced text, or why the line is malformed.
    pub fn finish(mut self) -> LargeLine {
        let bytes = self.bytes;
        if self.error.is_none() && self.utf8_len > 0 {
            self.error = Some(RecordError::NotUtf8);
        }
        if self.error.is_none() {
            match self.lex {
                Lex::Num(s) if NUM_DONE[s as usize] && self.frames.is_empty() => {
                    self.lex = Lex::End
                }
                Lex::End => {}
                // Nothing but blanks: an empty text, a blank line.
                Lex::Value if self.frames.is_empty() && self.skip_depth == 0 => {
                    return LargeLine {
                        bytes,
                        reduced: Ok(String::new()),
                        dropped: 0,
                    };
                }
                _ => {
                    self.error = Some(RecordError::Json(format!(
                        "truncated (unexpected end of line) at column {}",
                        bytes + 1
                    )))
                }
            }
        }
        let reduced = match self.error {
            Some(e) => Err(e),
            None if self.overflow => Err(RecordError::TooLong(bytes)),
            None if !self.top_object => Err(RecordError::NotAnEvent),
            None => {
                // Say so in the text itself: it is what the raw-event views
                // show, and it is not the whole event.
                let mut out = self.out;
                if out.pop() == Some(b'}') {
                    if out.len() > 1 {
                        out.push(b',');
                    }
                    out.extend_from_slice(
                        format!("\"{REDUCED_KEY}\":\"{}\"}}", reduced_note(bytes)).as_bytes(),
                    );
                }
                // Only whole UTF-8 characters and escapes are ever written.
                String::from_utf8(out).map_err(|_| RecordError::NotUtf8)
            }
        };
        LargeLine {
            bytes,
            reduced,
            dropped: self.dropped,
        }
    }

    fn check_utf8(&mut self, mut chunk: &[u8]) -> bool {
        while self.utf8_len > 0 {
            let Some((&b, rest)) = chunk.split_first() else {
                return true;
            };
            chunk = rest;
            self.utf8[self.utf8_len] = b;
            self.utf8_len += 1;
            match std::str::from_utf8(&self.utf8[..self.utf8_len]) {
                Ok(_) => self.utf8_len = 0,
                Err(e) if e.error_len().is_some() || self.utf8_len == 4 => return false,
                Err(_) => {}
            }
        }
        match std::str::from_utf8(chunk) {
            Ok(_) => true,
            Err(e) if e.error_len().is_some() => false,
            Err(e) => {
                let tail = &chunk[e.valid_up_to()..];
                self.utf8[..tail.len()].copy_from_slice(tail);
                self.utf8_len = tail.len();
                true
            }
        }
    }

    /// A scalar value starts with `b`.
    fn scalar(&mut self, b: u8) -> Result<(), &'static str> {
        let mode = self.start_value();
        if self.frames.is_empty() && self.skip_depth == 0 && mode == Mode::Event {
            // A top-level scalar: valid JSON perhaps, not an event.
            self.emit = false;
        } else {
            self.emit = mode != Mode::Skip && self.parent_emits();
        }
        self.str_cap = match mode {
            Mode::Field(cap) => cap,
            _ => STR_CAP,
        };
        self.str_len = 0;
        self.str_cut = false;
        self.num_at = self.out.len();
        match b {
            b'"' => {
                self.in_key = false;
                self.esc = 0;
                self.lex = Lex::Str;
                if self.emit {
                    self.put(b"\"");
                }
            }
            b'-' => self.lex = Lex::Num(0),
            b'0' => self.lex = Lex::Num(1),
            b'1'..=b'9' => self.lex = Lex::Num(2),
            b't' => self.lex = Lex::Lit(b"true", 1),
            b'f' => self.lex = Lex::Lit(b"false", 1),
            b'n' => self.lex = Lex::Lit(b"null", 1),
            _ => return Err("syntax error"),
        }
        if b != b'"' && self.emit {
            self.put(&[b]);
        }
        Ok(())
    }

    fn byte(&mut self, b: u8) -> Result<(), &'static str> {
        let ws = matches!(b, b' ' | b'\t' | b'\r' | b'\n');
        match self.lex {
            Lex::Str => return self.string_byte(b),
            Lex::Num(s) => {
                let next = match (s, b) {
                    (0, b'0') => Some(1),
                    (0, b'1'..=b'9') => Some(2),
                    (2, b'0'..=b'9') => Some(2),
                    (1 | 2, b'.') => Some(3),
                    (3 | 4, b'0'..=b'9') => Some(4),
                    (1 | 2 | 4, b'e' | b'E') => Some(5),
                    (5, b'+' | b'-') => Some(6),
                    (5..=7, b'0'..=b'9') => Some(7),
                    _ => None,
                };
                match next {
                    Some(n) => {
                        self.lex = Lex::Num(n);
                        if self.emit {
                            self.str_len += 1;
                            if self.str_len > self.str_cap {
                                // An absurd number: a string in its place
                                // fails a type check as the number would.
                                self.out.truncate(self.num_at);
                                self.put(b"\"(number cut)\"");
                                self.emit = false;
                            } else {
                                self.put(&[b]);
                            }
                        }
                        return Ok(());
                    }
                    None if NUM_DONE[s as usize] => self.value_done(),
                    None => return Err("invalid number"),
                }
            }
            Lex::Lit(word, at) => {
                if word.get(at as usize) != Some(&b) {
                    return Err("invalid literal");
                }
                if self.emit {
                    self.put(&[b]);
                }
                if at as usize + 1 == word.len() {
                    self.value_done();
                } else {
                    self.lex = Lex::Lit(word, at + 1);
                }
                return Ok(());
            }
            _ => {}
        }
        if ws {
            return Ok(());
        }
        match self.lex {
            Lex::Value => self.value_byte(b),
            Lex::ArrayFirst => {
                if b == b']' {
                    self.close(false)
                } else {
                    self.value_byte(b)
                }
            }
            Lex::ObjFirst | Lex::Key => {
                if b == b'}' && self.lex == Lex::ObjFirst {
                    return self.close(true);
                }
                if b != b'"' {
                    return Err("expected a key");
                }
                self.in_key = true;
                self.capture = self.parent_emits();
                self.esc = 0;
                self.key.clear();
                self.key_long = false;
                self.key_escaped = false;
                self.str_len = 0;
                self.lex = Lex::Str;
                Ok(())
            }
            Lex::Colon => {
                if b != b':' {
                    return Err("expected `:`");
                }
                self.lex = Lex::Value;
                Ok(())
            }
            Lex::After => {
                let in_obj = if self.skip_depth > 0 {
                    let d = self.skip_depth - 1;
                    self.skip_bits[d / 64] & (1 << (d % 64)) != 0
                } else {
                    self.frames.last().is_some_and(|f| f.obj)
                };
                match b {
                    b',' => {
                        self.lex = if in_obj { Lex::Key } else { Lex::Value };
                        Ok(())
                    }
                    b'}' => self.close(true),
                    b']' => self.close(false),
                    _ => Err("expected `,` or a closing bracket"),
                }
            }
            Lex::End => Err("trailing characters"),
            Lex::Str | Lex::Num(_) | Lex::Lit(..) => unreachable!(),
        }
    }

    fn value_byte(&mut self, b: u8) -> Result<(), &'static str> {
        match b {
            b'{' => self.open(true),
            b'[' => self.open(false),
            _ => self.scalar(b),
        }
    }

    fn string_byte(&mut self, b: u8) -> Result<(), &'static str> {
        let was = self.esc;
        match was {
            0 => {
                if b == b'"' {
                    return self.end_string();
                }
                if b < 0x20 {
                    return Err("control character in a string");
                }
                if b == b'\\' {
                    self.esc = 1;
                }
            }
            1 => {
                self.esc = match b {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 0,
                    b'u' => 2,
                    _ => return Err("invalid escape"),
                }
            }
            _ => {
                if !b.is_ascii_hexdigit() {
                    return Err("invalid \\u escape");
                }
                self.esc = if was == 5 { 0 } else { was + 1 };
            }
        }
        if self.in_key {
            if self.capture {
                if was == 0 && b == b'\\' {
                    self.key_escaped = true;
                }
                if self.key.len() < KEY_CAP {
                    self.key.push(b);
                } else {
                    self.key_long = true;
                }
            }
        } else if self.emit && !self.str_cut {
            // Cut only before a whole character or escape.
            if was == 0 && (b & 0xC0) != 0x80 && self.str_len >= self.str_cap {
                self.str_cut = true;
            } else {
                self.put(&[b]);
            }
        }
        self.str_len += 1;
        Ok(())
    }

    fn end_string(&mut self) -> Result<(), &'static str> {
        if self.in_key {
            self.in_key = false;
            let parent = self.frames.last().map(|f| f.mode);
            if self.skip_depth == 0 {
                if let Some(p) = parent {
                    let next = self.child_mode(p);
                    let top = self.frames.len() - 1;
                    self.frames[top].next = next;
                }
            }
            self.lex = Lex::Colon;
            return Ok(());
        }
        if self.emit {
            if self.str_cut {
                let m = cut_marker(self.str_len);
                self.put(m.as_bytes());
            }
            if self.emit {
                self.put(b"\"");
            }
        }
        self.value_done();
        Ok(())
    }
}
