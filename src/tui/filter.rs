//! The live fuzzy filter and the rows it works on.
//!
//! Every pane turns its data into [`Row`]s of already-inert cells. The
//! filter decides on a row's cells joined by two spaces, on every
//! keystroke, exactly as `fuzzy_match(..).is_some()` would (done directly
//! for ASCII rows: 100k rows in ~10 ms, see `benches/filter.rs`), and asks
//! `fuzzy_indices` (costly) only for the rows on screen. Those indices are char indices into
//! the joined text; [`Filter::cell_indices`] maps them back to each cell,
//! again in chars, and `text::highlight` turns chars into byte offsets.
//! A leading `!` inverts the filter (k9s).

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use ratatui::style::Style;

/// What a row is, for styling and for what Enter/`a` do on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKind {
    /// A top-level row (incident, identity, IP, entry, checklist item).
    Item,
    /// A nested row (alert under an incident, secret under an identity…).
    Child,
    /// A nested row one level deeper (an alert's event).
    Grandchild,
    /// A section heading or an information line, not selectable for actions.
    Info,
}

/// What a row is about, typed: actions read the identity, secret, entry or
/// step from here, never from the cell text or a key string parsed back
/// (an identity like `system:serviceaccount:squid:proxy` contains colons).
/// Stable across snapshots, so the selection stays on the same thing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RowId {
    Incident(String),
    Alert {
        incident: String,
        alert: usize,
    },
    Event {
        incident: String,
        alert: usize,
        event: usize,
    },
    Identity(String),
    /// A source IP (pivot view).
    Ip(String),
    /// An identity under a source IP (pivot view).
    IpIdentity {
        ip: String,
        identity: String,
    },
    /// An identity's secret; `via` is the source IP in the pivot view.
    Secret {
        identity: String,
        secret: crate::detect::SecretRef,
        via: Option<String>,
    },
    Exec {
        identity: String,
        index: usize,
        via: Option<String>,
    },
    Change {
        identity: String,
        index: usize,
        via: Option<String>,
    },
    /// An allowlist entry, by index in the file.
    Entry(usize),
    /// The allowlist could not be loaded.
    AllowlistError,
    /// A checklist section heading or notice.
    Heading(String),
    /// A checklist step of an incident.
    Step {
        incident: String,
        item: String,
    },
    StepEvidence {
        incident: String,
        item: String,
        n: usize,
    },
}

/// One table row: a typed id (so the selection survives new snapshots and
/// actions know what they act on), the cells (inert text), its style, and
/// its severity when it has one.
#[derive(Debug, Clone)]
pub struct Row {
    pub key: RowId,
    pub severity: Option<crate::detect::Severity>,
    pub cells: Vec<String>,
    pub style: Style,
    pub kind: RowKind,
    /// When the row last saw activity (for follow).
    pub last: Option<i64>,
    haystack: std::sync::OnceLock<String>,
}

impl Row {
    pub fn new(key: RowId, cells: Vec<String>, style: Style, kind: RowKind) -> Self {
        Row {
            key,
            severity: None,
            cells,
            style,
            kind,
            last: None,
            haystack: std::sync::OnceLock::new(),
        }
    }

    pub fn severity(mut self, s: crate::detect::Severity) -> Self {
        self.severity = Some(s);
        self
    }

    pub fn at(mut self, last: Option<i64>) -> Self {
        self.last = last;
        self
    }

    /// What the filter matches: the cells as shown, joined (built once per
    /// row, not once per keystroke).
    fn haystack(&self) -> &str {
        self.haystack.get_or_init(|| self.cells.join("  ")).as_str()
    }
}

/// `pat` (ASCII) occurs in `hay` in order, ignoring ASCII case. Non-ASCII
/// bytes in `hay` never match an ASCII pattern byte, as in the scorer.
fn subsequence_ascii_ci(pat: &[u8], hay: &[u8]) -> bool {
    let mut want = pat.iter().map(u8::to_ascii_lowercase);
    let mut next = want.next();
    for &h in hay {
        match next {
            None => return true,
            Some(w) if h.to_ascii_lowercase() == w => next = want.next(),
            Some(_) => {}
        }
    }
    next.is_none()
}

pub struct Filter {
    pub query: String,
    matcher: SkimMatcherV2,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            query: String::new(),
            matcher: SkimMatcherV2::default().ignore_case(),
        }
    }
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Filter({:?})", self.query)
    }
}

impl Filter {
    pub fn is_active(&self) -> bool {
        !self.pattern().is_empty()
    }

    fn inverted(&self) -> bool {
        self.query.starts_with('!')
    }

    fn pattern(&self) -> &str {
        self.query.strip_prefix('!').unwrap_or(&self.query).trim()
    }

    /// Indices of the rows that pass, in their original order. Children are
    /// kept when their parent matches, so an expanded incident keeps its
    /// alerts under it.
    pub fn apply(&self, rows: &[Row]) -> Vec<usize> {
        if !self.is_active() {
            return (0..rows.len()).collect();
        }
        let pat = self.pattern();
        let inv = self.inverted();
        let mut out = Vec::new();
        let mut parent_ok = false;
        for (i, r) in rows.iter().enumerate() {
            let hit = self.hits(r, pat) != inv;
            match r.kind {
                RowKind::Item | RowKind::Info => {
                    parent_ok = hit;
                    if hit {
                        out.push(i);
                    }
                }
                // Under an inverted filter a child goes with its parent: "hide
                // mallory" hides mallory's alerts too.
                RowKind::Child | RowKind::Grandchild => {
                    if parent_ok || (hit && !inv) {
                        out.push(i);
                    }
                }
            }
        }
        out
    }

    /// Does the row match? `fuzzy_match(..).is_some()` is a
    /// case-insensitive subsequence test; for ASCII text (nearly every row)
    /// it is done directly, without the scorer, whose score the list does
    /// not use (rows keep their order). Scoring 100k rows cost ~60 ms per
    /// keystroke; a test checks that both decide alike. Non-ASCII rows go
    /// to the scorer, which knows Unicode case.
    fn hits(&self, r: &Row, pat: &str) -> bool {
        let hay = r.haystack();
        if pat.is_ascii() && hay.is_ascii() {
            return subsequence_ascii_ci(pat.as_bytes(), hay.as_bytes());
        }
        self.matcher.fuzzy_match(hay, pat).is_some()
    }

    /// Matched char indices per cell of one (visible) row.
    pub fn cell_indices(&self, row: &Row) -> Vec<Vec<usize>> {
        let mut per_cell = vec![Vec::new(); row.cells.len()];
        if !self.is_active() || self.inverted() {
            return per_cell;
        }
        let Some((_, idx)) = self.matcher.fuzzy_indices(row.haystack(), self.pattern()) else {
            return per_cell;
        };
        let mut start = 0usize;
        let mut it = idx.into_iter().peekable();
        for (c, cell) in row.cells.iter().enumerate() {
            let len = cell.chars().count();
            while let Some(&i) = it.peek() {
                if i >= start + len {
                    break;
                }
                if i >= start {
                    per_cell[c].push(i - start);
                }
                it.next();
            }
            start += len + 2;
        }
        per_cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str], kind: RowKind) -> Row {
        Row::new(
            RowId::Entry(0),
            cells.iter().map(|s| s.to_string()).collect(),
            Style::default(),
            kind,
        )
    }

    #[test]
    fn filters_keeps_children_and_maps_indices() {
        let rows = vec![
            row(&["high", "mallory"], RowKind::Item),
            row(&["secret-read"], RowKind::Child),
            row(&["low", "kubelet"], RowKind::Item),
        ];
        let mut f = Filter {
            query: "mal".into(),
            ..Filter::default()
        };
        assert_eq!(f.apply(&rows), vec![0, 1]);
        assert_eq!(f.cell_indices(&rows[0]), vec![vec![], vec![0, 1, 2]]);
        f.query = "!mal".into();
        assert_eq!(f.apply(&rows), vec![2]);
        f.query.clear();
        assert_eq!(f.apply(&rows).len(), 3);
    }
}

#[cfg(test)]
mod membership {
    use super::*;

    /// The ASCII membership test decides exactly as the scorer does.
    #[test]
    fn subsequence_test_agrees_with_fuzzy_match() {
        let m = SkimMatcherV2::default().ignore_case();
        let hays = [
            "system:serviceaccount:prod:worker-12  3  1 flagged  10.244.3.1",
            "Mallory 203.0.113.9",
            "",
            "a b c",
            "HIGH  deploy-bot  secret-read,secret-rapid-get",
        ];
        let pats = [
            "prod",
            "PROD",
            "spw",
            "wps",
            "mal 203",
            "x",
            "abc",
            "a c",
            "ma9",
            "dbt",
            "srg",
            "hgh",
            "h",
            "zz",
            "1",
            "9.1",
            " ",
            "--",
            "high deploy",
        ];
        for h in hays {
            for p in pats {
                assert_eq!(
                    m.fuzzy_match(h, p).is_some(),
                    subsequence_ascii_ci(p.as_bytes(), h.as_bytes()),
                    "{p:?} in {h:?}"
                );
            }
        }
    }
}
