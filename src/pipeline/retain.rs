//! The raw text of every event the engine took, oldest first, within a
//! byte budget: the TUI replays it into a fresh engine after an allowlist
//! edit. Past the budget the oldest go, and `dropped` says how many, so the
//! status bar can say re-evaluation covers only the newest part.

use std::collections::VecDeque;
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct Retained {
    pub lines: VecDeque<Arc<str>>,
    pub bytes: usize,
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

    pub fn push(&mut self, line: Arc<str>) {
        self.bytes += line.len();
        self.lines.push_back(line);
        while self.bytes > self.budget {
            let Some(old) = self.lines.pop_front() else {
                break;
            };
            self.bytes -= old.len();
            self.dropped += 1;
        }
    }
}
