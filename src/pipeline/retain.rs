//! The raw text of every event the engine took, oldest first, within a
//! byte budget: the TUI replays it into a fresh engine after an allowlist
//! edit. Past the budget the oldest go, and `dropped` says how many, so the
//! status bar can say re-evaluation covers only the newest part.
//!
//! Lines are copied into 1 MiB chunks, not one allocation each: on a 1 GiB
//! log the TUI keeps ~160 MiB of relevant lines, and a `malloc` + `free`
//! per line (plus the allocator's bookkeeping) was a visible part of the
//! TUI's extra cost over `scan` (`scripts/tui-load.py`). Eviction drops
//! whole chunks, oldest first.

use std::collections::VecDeque;

const CHUNK: usize = 1 << 20;

#[derive(Debug)]
struct Chunk {
    text: String,
    lines: usize,
}

#[derive(Debug, Default)]
pub struct Retained {
    chunks: VecDeque<Chunk>,
    /// (chunk, start, len) of every line, oldest first; chunk numbers count
    /// from `first_chunk`.
    spans: VecDeque<(u64, u32, u32)>,
    first_chunk: u64,
    bytes: usize,
    pub dropped: u64,
    budget: usize,
}

impl Retained {
    pub fn new(budget: usize) -> Self {
        Retained {
            budget,
            ..Default::default()
        }
    }

    /// Lines held.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    pub fn push(&mut self, line: &str) {
        let fits = self
            .chunks
            .back()
            .is_some_and(|c| c.text.len() + line.len() <= c.text.capacity());
        if !fits {
            self.chunks.push_back(Chunk {
                text: String::with_capacity(CHUNK.max(line.len())),
                lines: 0,
            });
        }
        let idx = self.first_chunk + self.chunks.len() as u64 - 1;
        let c = self.chunks.back_mut().expect("pushed above");
        let start = c.text.len();
        c.text.push_str(line);
        c.lines += 1;
        self.spans.push_back((idx, start as u32, line.len() as u32));
        self.bytes += line.len();
        while self.bytes > self.budget && self.chunks.len() > 1 {
            let old = self.chunks.pop_front().expect("more than one");
            self.first_chunk += 1;
            self.bytes -= old.text.len();
            self.dropped += old.lines as u64;
            for _ in 0..old.lines {
                self.spans.pop_front();
            }
        }
    }

    /// Every line held, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.spans.iter().map(|&(c, start, len)| {
            let chunk = &self.chunks[(c - self.first_chunk) as usize];
            &chunk.text[start as usize..(start + len) as usize]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_drops_the_oldest_past_the_budget() {
        let mut r = Retained::new(3 * CHUNK);
        let line = "x".repeat(1000);
        let n = 10_000; // ~10 MB through a 3 MiB budget
        for i in 0..n {
            r.push(&format!("{i:08}{line}"));
        }
        assert!(r.len() < n && r.dropped as usize + r.len() == n);
        let first: usize = r.iter().next().unwrap()[..8].parse().unwrap();
        assert_eq!(
            first as u64, r.dropped,
            "the oldest kept follows the dropped"
        );
        let last: usize = r.iter().last().unwrap()[..8].parse().unwrap();
        assert_eq!(last, n - 1);
        let mut small = Retained::new(1 << 30);
        small.push("a");
        small.push("b");
        assert_eq!(small.iter().collect::<Vec<_>>(), vec!["a", "b"]);
    }
}
