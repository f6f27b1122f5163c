//! The incident report in Markdown, written by `x` or `:export [PATH]`:
//! the same report as `scan --format markdown` ([`crate::report::markdown`]
//! over [`crate::view`]) for the one incident, with the analyst's ticks and
//! notes, so the report is also the hand-over.

use super::checklist::{ChecklistStore, facts, subject};
use super::snapshot::Snapshot;
use crate::detect::Incident;
use crate::report::markdown::{Tick, render};
use crate::view::{self, Meta};
use std::path::{Path, PathBuf};

/// The report of `inc`. `meta` comes from the caller (the clock is read
/// there, not here).
pub fn incident_markdown(
    snap: &Snapshot,
    inc: &Incident,
    store: &ChecklistStore,
    meta: Meta,
) -> String {
    let v = view::build(&facts(snap), meta, Some(&inc.id));
    let look = store.lookup(&subject(snap, inc));
    render(&v, &|_incident, key| {
        let st = look.get(key);
        Tick {
            done: st.done,
            note: st.note,
        }
    })
}

/// Default report file name for an incident, in the current directory.
pub fn default_path(inc: &Incident) -> PathBuf {
    PathBuf::from(format!("ktriage-{}.md", inc.id))
}

pub fn write_report(path: &Path, text: &str) -> std::io::Result<()> {
    crate::allowlist::write_atomic(path, text)
}
