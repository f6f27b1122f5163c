//! Gaps: places where the follower knows lines may be missing, as data, so
//! both front-ends can state them (the TUI status bar, the scan summary)
//! instead of looking complete when they are not.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// At most this many gaps wait for [`super::Follower::take_gaps`]; past it
/// they are only counted (`Gaps::dropped`), so an unread list stays bounded.
pub const MAX_PENDING_GAPS: usize = 1_000;

/// One place where lines may be missing or bytes were skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The file generation it is in, named as its lines are
    /// (`path`, `path (after rotation K)`).
    pub source: Arc<str>,
    /// Byte offset in that generation where the gap starts.
    pub offset: u64,
    pub kind: GapKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GapKind {
    /// The file was truncated (copytruncate, `> file`) while unread data may
    /// have existed: whatever was written after `offset` (after the end of
    /// `copy`, when the copy was found and read up to its end) before the
    /// truncation is lost. A partial last line there is dropped.
    Truncated { copy: Option<PathBuf> },
    /// A run of NUL bytes at a line start (a writer without `O_APPEND`
    /// kept writing at its old offset after a truncation): skipped as one
    /// gap, the line after it is kept.
    NulRun { bytes: u64 },
    /// A rotated file could not be opened or read any more: what it held
    /// past `offset` was not read.
    Unreadable { path: PathBuf, error: String },
    /// A copytruncate copy starts like the generation we were reading but
    /// does not hold what we read of it, so whether its lines were already
    /// read cannot be told: it is read whole, and its lines may repeat ones
    /// read before.
    Overlap { path: PathBuf },
    /// A file appeared beside the log named like it (its stem first) but
    /// not like a rotation of it (`audit.log.out`): not read, since it is
    /// not known to be the log; if the log was renamed to it, its lines are
    /// missing.
    NotRotation { path: PathBuf },
}

impl GapKind {
    /// A word or two for a status bar.
    pub fn label(&self) -> &'static str {
        match self {
            GapKind::Truncated { .. } => "truncated",
            GapKind::NulRun { .. } => "NUL run skipped",
            GapKind::Unreadable { .. } => "unreadable",
            GapKind::Overlap { .. } => "possible repeat",
            GapKind::NotRotation { .. } => "not read",
        }
    }
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (src, at) = (&self.source, self.offset);
        match &self.kind {
            GapKind::Truncated { copy: None } => write!(
                f,
                "possible gap at {src}:{at}: truncated; lines written after byte {at} before the truncation are lost"
            ),
            GapKind::Truncated { copy: Some(c) } => write!(
                f,
                "possible gap at {src}:{at}: truncated after a copy to {} (read to its end); lines written between the copy and the truncation are lost",
                c.display()
            ),
            GapKind::NulRun { bytes } => write!(
                f,
                "gap at {src}:{at}: {bytes} NUL bytes skipped (writer without O_APPEND after a truncation)"
            ),
            GapKind::Overlap { path } => write!(
                f,
                "possible overlap at {src}:{at}: rotated file {} starts like the file read before but does not hold what was read of it; read whole, its lines may repeat ones already read",
                path.display()
            ),
            GapKind::NotRotation { path } => write!(
                f,
                "possible gap: {} appeared beside {src}, named like it but not like a rotation of it: not read; if the log was renamed to that name, its lines are missing",
                path.display()
            ),
            GapKind::Unreadable { path, error } => write!(
                f,
                "gap at {src}:{at}: rotated file {} not read further: {error}",
                path.display()
            ),
        }
    }
}

/// The gaps not yet taken, plus counts that never reset.
#[derive(Debug, Default)]
pub(super) struct Gaps {
    pub pending: Vec<Gap>,
    pub total: u64,
    pub dropped: u64,
}

impl Gaps {
    pub fn push(&mut self, g: Gap) {
        self.total += 1;
        if self.pending.len() < MAX_PENDING_GAPS {
            self.pending.push(g);
        } else {
            self.dropped += 1;
        }
    }
}
