//! Following the live file: a thin seam over the project's
//! `crate::source::follow::Follower` (rotation by rename or copytruncate,
//! partial last lines, deleted files, inotify or polling), so the worker
//! only sees "hand me what is new" and a short state for the status bar.

use crate::audit::lines::Line;
use crate::source::SourceError;
use crate::source::follow::{FollowOptions, FollowState, Follower};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Most bytes read per call, so the worker can publish progress and answer
/// commands between calls during a long initial read or a flood.
const MAX_PER_CALL: u64 = 4 << 20;

/// Longest the worker sleeps when the file is quiet before it looks at UI
/// commands again (an inotify event wakes it earlier, so appended lines do
/// not wait for this).
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// A followed file.
pub struct Live {
    follower: Follower,
}

impl Live {
    /// Follow `path` from its start (the whole file is the initial load).
    pub fn open(path: &Path, poll: bool) -> Result<Live, SourceError> {
        let opts = FollowOptions {
            poll,
            poll_interval: Duration::from_millis(250),
            from_start: true,
        };
        Ok(Live {
            follower: Follower::open(path, opts)?,
        })
    }

    /// Hand complete lines to `on_line`, at most a few MiB per call. Returns
    /// 0 once caught up with the file.
    pub fn read_available(
        &mut self,
        on_line: &mut dyn FnMut(&Arc<str>, u64, Line<'_>),
    ) -> Result<usize, SourceError> {
        let (lines, more) = self.follower.read_some(MAX_PER_CALL, on_line)?;
        Ok(if more { lines.max(1) } else { lines })
    }

    /// Sleep until the file may have changed (an inotify event wakes it at
    /// once; with polling, the poll interval) or `timeout` passes.
    pub fn wait(&mut self, timeout: Duration) {
        self.follower.wait(timeout);
    }

    pub fn bytes_read(&self) -> u64 {
        self.follower.bytes_read()
    }

    /// Rotation and waiting states, for the status bar.
    pub fn note(&self) -> Option<String> {
        let rot = match self.follower.rotations() {
            0 => String::new(),
            n => format!(", rotated {n}×"),
        };
        let poll = if self.follower.polling() {
            ", polling"
        } else {
            ""
        };
        match self.follower.state() {
            FollowState::Following if rot.is_empty() && poll.is_empty() => None,
            FollowState::Following => {
                Some(format!("{rot}{poll}").trim_start_matches(", ").to_string())
            }
            FollowState::Rotated => Some(format!("file rotated away: finishing it{rot}{poll}")),
            FollowState::WaitingForFile => {
                Some(format!("waiting for the file to reappear{rot}{poll}"))
            }
        }
    }
}
