//! Following the live file: a thin seam over the project's
//! `crate::source::follow::Follower` (rotation by rename or copytruncate,
//! partial last lines, deleted files, inotify or polling), so the worker
//! only sees "hand me what is new" and a short state for the status bar:
//! rotation, polling, gaps where lines may be missing (truncation,
//! copytruncate, NUL holes) and a writer that did not reopen the path.

use crate::audit::lines::Line;
use crate::source::SourceError;
use crate::source::follow::{FollowOptions, FollowState, Follower, Gap};
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
    /// The latest gap, for the status bar (all are counted by the follower).
    last_gap: Option<Gap>,
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
            last_gap: None,
        })
    }

    /// Hand complete lines to `on_line`, at most a few MiB per call. Returns
    /// 0 once caught up with the file.
    pub fn read_available(
        &mut self,
        on_line: &mut dyn FnMut(&Arc<str>, u64, Line<'_>),
    ) -> Result<usize, SourceError> {
        let (lines, more) = self.follower.read_some(MAX_PER_CALL, on_line)?;
        if let Some(g) = self.follower.take_gaps().pop() {
            self.last_gap = Some(g);
        }
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

    /// Rotation and waiting states, gaps and a writer that did not reopen,
    /// for the status bar.
    pub fn note(&self) -> Option<String> {
        let f = &self.follower;
        let mut extra = String::new();
        if f.rotations() > 0 {
            extra.push_str(&format!(", rotated {}×", f.rotations()));
        }
        if f.polling() {
            extra.push_str(", polling");
        }
        if let Some(g) = &self.last_gap {
            extra.push_str(&format!(
                ", {} (last {}:{} {})",
                crate::words::count_of(f.gaps_total(), "possible gap", "possible gaps"),
                g.source,
                g.offset,
                g.kind.label()
            ));
        }
        if let Some(p) = f.not_reopened() {
            extra.push_str(&format!(
                ", writer did not reopen: still writing {}",
                p.display()
            ));
        }
        match f.state() {
            FollowState::Following if extra.is_empty() => None,
            FollowState::Following => Some(extra.trim_start_matches(", ").to_string()),
            FollowState::Rotated => Some(format!("file rotated away: finishing it{extra}")),
            FollowState::WaitingForFile => Some(format!("waiting for the file to reappear{extra}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::{self, OpenOptions};
    use std::io::Write;

    /// The status bar says where lines may be missing, and that a writer
    /// is still writing the rotated file.
    #[test]
    fn note_shows_gaps_and_a_writer_that_did_not_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let mut w = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        w.write_all(b"{\"auditID\":\"1\"}\n").unwrap();
        let mut live = Live::open(&path, true).unwrap();
        let mut n = 0;
        let mut count = |_: &Arc<str>, _: u64, _: Line<'_>| n += 1;
        live.read_available(&mut count).unwrap();
        assert_eq!(live.note().as_deref(), Some("polling"));

        // Truncated and regrown: one possible gap, where we were.
        w.set_len(0).unwrap();
        w.write_all(b"{\"auditID\":\"2\"}\n").unwrap();
        live.read_available(&mut count).unwrap();
        let p = path.display().to_string();
        assert_eq!(
            live.note().unwrap(),
            format!("rotated 1×, polling, 1 possible gap (last {p}:16 truncated)")
        );

        // Renamed, a new file created, and the old writer keeps writing.
        let rotated = dir.path().join("audit.log.1");
        fs::rename(&path, &rotated).unwrap();
        fs::write(&path, b"{\"auditID\":\"3\"}\n").unwrap();
        live.read_available(&mut count).unwrap();
        w.write_all(b"{\"auditID\":\"4\"}\n").unwrap();
        live.read_available(&mut count).unwrap();
        let note = live.note().unwrap();
        assert!(
            note.ends_with(&format!(
                ", writer did not reopen: still writing {}",
                rotated.display()
            )),
            "{note}"
        );
        assert_eq!(n, 4);
    }
}
