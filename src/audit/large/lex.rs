//! The resumable tokenizer behind [`Reducer`]: one byte at a time (a fast
//! path through skipped strings), a frame per kept container, one bit per
//! skipped level.

use super::*;

#[derive(Clone, Copy)]
struct Frame {
    mode: Mode,
    obj: bool,
    emit: bool,
    /// Members or elements written.
    count: u32,
    /// Mode of the value after the current key (objects).
    next: Mode,
    /// List bytes written, and elements left out.
    used: usize,
    left_out: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lex {
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
const NUM_DONE: [bool; 8] = [false, true, true, false, true, false, false, true];

/// The streaming reducer of one over-long line.
pub struct Reducer {
    out: Vec<u8>,
    frames: Vec<Frame>,
    /// Nesting below the last frame, in skipped values: one bit per level
    /// (1 = object).
    skip_bits: Vec<u64>,
    skip_depth: usize,
    lex: Lex,
    /// In a string: 0 plain, 1 after '\', 2..=5 in a `\u` escape.
    esc: u8,
    in_key: bool,
    /// The key being read matters (its container is kept).
    capture: bool,
    key: Vec<u8>,
    key_long: bool,
    key_escaped: bool,
    /// The current scalar is written out.
    emit: bool,
    str_len: usize,
    str_cap: usize,
    str_cut: bool,
    /// Where the number being written began in `out`.
    num_at: usize,
    /// Where a request/response object began in `out` (frame depth, output
    /// length before its member, parent's count before it).
    obj_mark: Option<(usize, usize, u32)>,
    utf8: [u8; 4],
    utf8_len: usize,
    bytes: usize,
    top_object: bool,
    error: Option<RecordError>,
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
            None if !self.top_object => Err(RecordError::NotAnEvent),
            // Only whole UTF-8 characters and escapes are ever written.
            None => String::from_utf8(self.out).map_err(|_| RecordError::NotUtf8),
        };
        LargeLine { bytes, reduced }
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

    fn put(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
        if let Some((depth, at, count)) = self.obj_mark {
            if self.out.len() - at > OBJ_BUDGET {
                self.drop_object(depth, at, count);
            }
        }
    }

    /// A request/response object over its budget: take it out again.
    fn drop_object(&mut self, depth: usize, at: usize, count: u32) {
        self.out.truncate(at);
        if depth > 0 {
            self.frames[depth - 1].count = count;
        }
        for f in &mut self.frames[depth..] {
            f.emit = false;
            f.mode = Mode::Skip;
        }
        self.emit = false;
        self.obj_mark = None;
    }

    fn parent_emits(&self) -> bool {
        self.skip_depth == 0 && self.frames.last().is_none_or(|f| f.emit)
    }

    /// A value starts: decide its mode, write the separator and key.
    fn start_value(&mut self) -> Mode {
        if self.skip_depth > 0 {
            return Mode::Skip;
        }
        let Some(f) = self.frames.last().copied() else {
            return Mode::Event;
        };
        if !f.emit {
            return Mode::Skip;
        }
        let mode = if f.obj {
            f.next
        } else {
            match f.mode {
                Mode::List => {
                    if f.used >= LIST_BUDGET {
                        let top = self.frames.len() - 1;
                        self.frames[top].left_out += 1;
                        return Mode::Skip;
                    }
                    Mode::Field(STR_CAP)
                }
                Mode::Obj(_) => Mode::Obj(false),
                _ => Mode::Skip,
            }
        };
        if mode == Mode::Skip {
            return mode;
        }
        let top = self.frames.len() - 1;
        let at = self.out.len();
        let before = self.frames[top].count;
        if before > 0 {
            self.put(b",");
        }
        if f.obj {
            let mut k = Vec::with_capacity(self.key.len() + 3);
            k.push(b'"');
            k.extend_from_slice(&self.key);
            k.extend_from_slice(b"\":");
            self.put(&k);
        }
        if let Some(f) = self.frames.get_mut(top) {
            f.count += 1;
        }
        if matches!(mode, Mode::Obj(true)) && self.obj_mark.is_none() {
            self.obj_mark = Some((self.frames.len(), at, before));
        }
        mode
    }

    /// The mode of the value after `key` in an object of mode `parent`.
    fn child_mode(&self, parent: Mode) -> Mode {
        if self.key_long {
            return Mode::Skip;
        }
        let key = if self.key_escaped {
            let mut q = Vec::with_capacity(self.key.len() + 2);
            q.push(b'"');
            q.extend_from_slice(&self.key);
            q.push(b'"');
            match serde_json::from_slice::<String>(&q) {
                Ok(k) => std::borrow::Cow::Owned(k),
                Err(_) => return Mode::Skip,
            }
        } else {
            String::from_utf8_lossy(&self.key)
        };
        mode_of(parent, key.as_ref())
    }

    fn open(&mut self, obj: bool) -> Result<(), &'static str> {
        let mode = self.start_value();
        if self.frames.len() + self.skip_depth >= MAX_DEPTH {
            return Err("nested too deep");
        }
        if mode == Mode::Skip {
            self.push_skip(obj);
        } else {
            if self.frames.is_empty() {
                if !obj {
                    // A top-level array: valid JSON, not an event.
                    self.push_skip(obj);
                    self.lex = Lex::ArrayFirst;
                    return Ok(());
                }
                self.top_object = true;
            }
            let mode = match mode {
                Mode::Field(_) => Mode::Shell,
                Mode::Event
                | Mode::User
                | Mode::Extra
                | Mode::ObjectRef
                | Mode::Status
                | Mode::Annotations
                    if !obj =>
                {
                    Mode::Shell
                }
                Mode::List if obj => Mode::Shell,
                m => m,
            };
            if self.frames.len() >= KEPT_DEPTH {
                if let Some((depth, at, count)) = self.obj_mark {
                    self.drop_object(depth, at, count);
                    self.push_skip(obj);
                    self.lex = if obj { Lex::ObjFirst } else { Lex::ArrayFirst };
                    return Ok(());
                }
            }
            self.put(if obj { b"{" } else { b"[" });
            let emit = self.parent_emits();
            self.frames.push(Frame {
                mode,
                obj,
                emit,
                count: 0,
                next: Mode::Skip,
                used: 0,
                left_out: 0,
            });
        }
        self.lex = if obj { Lex::ObjFirst } else { Lex::ArrayFirst };
        Ok(())
    }

    fn push_skip(&mut self, obj: bool) {
        let (w, bit) = (self.skip_depth / 64, self.skip_depth % 64);
        if w == self.skip_bits.len() {
            self.skip_bits.push(0);
        }
        if obj {
            self.skip_bits[w] |= 1 << bit;
        } else {
            self.skip_bits[w] &= !(1 << bit);
        }
        self.skip_depth += 1;
    }

    fn close(&mut self, obj: bool) -> Result<(), &'static str> {
        if self.skip_depth > 0 {
            let d = self.skip_depth - 1;
            let is_obj = self.skip_bits[d / 64] & (1 << (d % 64)) != 0;
            if is_obj != obj {
                return Err("mismatched bracket");
            }
            self.skip_depth = d;
        } else {
            let Some(f) = self.frames.pop() else {
                return Err("unexpected closing bracket");
            };
            if f.obj != obj {
                return Err("mismatched bracket");
            }
            if f.emit {
                if f.left_out > 0 {
                    let m = format!(",\"…({} more elements, cut)\"", f.left_out);
                    self.put(m.as_bytes());
                }
                self.put(if obj { b"}" } else { b"]" });
            }
        }
        self.value_done();
        Ok(())
    }

    fn value_done(&mut self) {
        self.emit = false;
        // The request/response object (or its scalar) is complete.
        if self
            .obj_mark
            .is_some_and(|(depth, _, _)| depth == self.frames.len() && self.skip_depth == 0)
        {
            self.obj_mark = None;
        }
        self.lex = if self.frames.is_empty() && self.skip_depth == 0 {
            Lex::End
        } else {
            Lex::After
        };
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
            self.put(b"\"");
            if let Some(f) = self.frames.last_mut() {
                if f.mode == Mode::List {
                    f.used += self.str_len.min(self.str_cap) + 3;
                }
            }
        }
        self.value_done();
        Ok(())
    }
}
