//! The output side of [`Reducer`]: which values are kept (the schema in
//! `mode_of`), the separators and keys written, the budgets, and the
//! frames and skip bits that track nesting.

use super::lex::{Frame, Lex, Reducer};
use super::*;

impl Reducer {
    /// Write `b`; past a request/response object's budget the object is
    /// taken out again, and every frame inside it stops writing (callers
    /// check `emit`/`parent_emits` before writing more of a value).
    pub(super) fn put(&mut self, b: &[u8]) {
        if self.out.len() + b.len() > TOTAL_CAP {
            // Only fields repeated over and over get here (every kept value
            // has its own cap): serde would refuse the duplicates anyway.
            self.overflow = true;
            return;
        }
        self.out.extend_from_slice(b);
        if let Some((depth, at, count)) = self.obj_mark {
            if self.out.len() - at > self.obj_budget {
                self.drop_object(depth, at, count);
            }
        }
    }

    /// A request/response object over its budget: take it out again.
    pub(super) fn drop_object(&mut self, depth: usize, at: usize, count: u32) {
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
        self.dropped += 1;
    }

    pub(super) fn parent_emits(&self) -> bool {
        self.skip_depth == 0 && self.frames.last().is_none_or(|f| f.emit)
    }

    /// A value starts: decide its mode, write the separator and key.
    pub(super) fn start_value(&mut self) -> Mode {
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
                    if self.out.len().saturating_sub(f.start) >= LIST_BUDGET {
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
        let mut sep = Vec::with_capacity(self.key.len() + 4);
        if before > 0 {
            sep.push(b',');
        }
        if f.obj {
            sep.push(b'"');
            sep.extend_from_slice(&self.key);
            sep.extend_from_slice(b"\":");
        }
        // One write: over the budget, the object is dropped at once and
        // nothing of this value may follow.
        self.put(&sep);
        if !self.parent_emits() {
            return Mode::Skip;
        }
        self.frames[top].count += 1;
        if matches!(mode, Mode::Obj(true)) && self.obj_mark.is_none() {
            self.obj_mark = Some((self.frames.len(), at, before));
        }
        mode
    }

    /// The mode of the value after `key` in an object of mode `parent`.
    pub(super) fn child_mode(&self, parent: Mode) -> Mode {
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

    pub(super) fn open(&mut self, obj: bool) -> Result<(), &'static str> {
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
                    // A struct read from an array, fields in order: kept
                    // as a list of scalars, which fails or passes as the
                    // whole array would in all but absurd shapes.
                    Mode::List
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
            let marked = self.obj_mark.is_some();
            self.put(if obj { b"{" } else { b"[" });
            if marked && self.obj_mark.is_none() {
                // This very bracket took the object over its budget: it is
                // gone, and so is everything inside.
                self.push_skip(obj);
                self.lex = if obj { Lex::ObjFirst } else { Lex::ArrayFirst };
                return Ok(());
            }
            let emit = self.parent_emits();
            self.frames.push(Frame {
                mode,
                obj,
                emit,
                count: 0,
                next: Mode::Skip,
                start: self.out.len(),
                left_out: 0,
            });
        }
        self.lex = if obj { Lex::ObjFirst } else { Lex::ArrayFirst };
        Ok(())
    }

    pub(super) fn push_skip(&mut self, obj: bool) {
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

    pub(super) fn close(&mut self, obj: bool) -> Result<(), &'static str> {
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
                    let m = format!(",\"...({} more elements, cut)\"", f.left_out);
                    self.put(m.as_bytes());
                }
                self.put(if obj { b"}" } else { b"]" });
            }
        }
        self.value_done();
        Ok(())
    }

    pub(super) fn value_done(&mut self) {
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
}
