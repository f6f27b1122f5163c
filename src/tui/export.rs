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
/// there, not here). Built with its checklist, so the error cannot happen
/// here; it is passed on rather than hidden.
pub fn incident_markdown(
    snap: &Snapshot,
    inc: &Incident,
    store: &ChecklistStore,
    meta: Meta,
) -> Result<String, view::NoChecklist> {
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

/// A path as typed at `:export`: a leading `~` or `~/` is the home
/// directory (not a directory named `~`).
pub fn expand_home(typed: &str, home: Option<&Path>) -> PathBuf {
    match (typed, home) {
        ("~", Some(h)) => h.to_path_buf(),
        (t, Some(h)) if t.starts_with("~/") => h.join(&t[2..]),
        (t, _) => PathBuf::from(t),
    }
}

/// Default report file name for an incident, in the current directory.
pub fn default_path(inc: &Incident) -> PathBuf {
    PathBuf::from(format!("ktriage-{}.md", inc.id))
}

pub fn write_report(path: &Path, text: &str) -> std::io::Result<()> {
    crate::allowlist::write_atomic(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_tilde_is_home() {
        let h = Path::new("/home/ana");
        assert_eq!(expand_home("~/r.md", Some(h)), h.join("r.md"));
        assert_eq!(expand_home("~", Some(h)), h);
        assert_eq!(expand_home("a/~/r.md", Some(h)), PathBuf::from("a/~/r.md"));
        assert_eq!(
            expand_home("~bob/r.md", Some(h)),
            PathBuf::from("~bob/r.md")
        );
    }
}
