//! The live filter and the rows it works on.
//!
//! Every pane turns its data into [`Row`]s of already-inert cells. The
//! filter matches what the analyst sees: each cell of a column shown at
//! the current width on its own (a match never spans two cells or lands in
//! a dropped column), as a substring first, Unicode case-insensitive
//! (`/ÜNÏ` finds `ünï`); when no row contains the pattern, or with a `~`
//! prefix, the pattern's letters in order within one cell (fuzzy). A
//! matching child keeps its parent on screen. Cells are lowered once per
//! row, so a keystroke is a substring scan (100k rows: `benches/filter.rs`);
//! highlight indices are computed only for the rows on screen, in each
//! cell's chars, and `text::highlight` turns them into byte offsets. A
//! leading `!` inverts the filter (k9s).

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
    /// An alert the allowlist suppresses (pane 3's `H` list).
    SuppressedAlert {
        identity: String,
        n: usize,
    },
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
    /// "+N more — Enter shows more" under a step's evidence (`item` is the
    /// step key) or under the rotate section (`item` is `rotate`).
    StepMore {
        incident: String,
        item: String,
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
    lowered: std::sync::OnceLock<Vec<Lowered>>,
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
            lowered: std::sync::OnceLock::new(),
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

    /// The cells were changed in place: match them afresh.
    pub fn touch(&mut self) {
        self.lowered = std::sync::OnceLock::new();
    }

    /// What the filter matches: each cell lowered (built once per row,
    /// not once per keystroke).
    fn lowered(&self) -> &[Lowered] {
        self.lowered
            .get_or_init(|| self.cells.iter().map(|c| lower(c)).collect())
    }
}

/// A cell's text lowercased (Unicode: `ÜNÏ` finds `ünï`), with the char
/// index in the original text of every char of the lowered text (one
/// original char can lower to several: `İ` → `i̇`).
#[derive(Debug, Clone)]
struct Lowered {
    text: String,
    origin: Vec<usize>,
}

fn lower(s: &str) -> Lowered {
    if s.is_ascii() {
        return Lowered {
            text: s.to_ascii_lowercase(),
            origin: Vec::new(),
        };
    }
    let mut text = String::with_capacity(s.len());
    let mut origin = Vec::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        for l in c.to_lowercase() {
            text.push(l);
            origin.push(i);
        }
    }
    Lowered { text, origin }
}

impl Lowered {
    /// Original char index of lowered char `i`.
    fn orig(&self, i: usize) -> usize {
        if self.origin.is_empty() {
            i
        } else {
            self.origin.get(i).copied().unwrap_or(i)
        }
    }
}

/// Char indices (in the lowered text) of `pat`'s chars in order, greedily;
/// `None` when `pat` is not a subsequence.
fn subsequence(pat: &str, hay: &str) -> Option<Vec<usize>> {
    let mut want = pat.chars().peekable();
    let mut out = Vec::new();
    for (i, h) in hay.chars().enumerate() {
        match want.peek() {
            None => break,
            Some(&w) if w == h => {
                out.push(i);
                want.next();
            }
            Some(_) => {}
        }
    }
    want.peek().is_none().then_some(out)
}

/// How the pattern is matched against a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMode {
    /// The pattern occurs in one cell as written (case-insensitive).
    Substring,
    /// Its letters occur in order within one cell (`~` prefix, or the
    /// fallback when no row contains the pattern).
    Fuzzy,
}

/// See [`Filter::text_matcher`].
pub struct TextMatcher {
    pat: String,
    fuzzy: bool,
}

impl TextMatcher {
    pub fn hits(&self, text: &str) -> bool {
        if !self.fuzzy && text.is_ascii() && self.pat.is_ascii() {
            // No allocation per line: a million of them per keystroke.
            let (h, p) = (text.as_bytes(), self.pat.as_bytes());
            return p.is_empty()
                || h.len() >= p.len() && h.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p));
        }
        let l = lower(text);
        if self.fuzzy {
            subsequence(&self.pat, &l.text).is_some()
        } else {
            l.text.contains(self.pat.as_str())
        }
    }
}

#[derive(Default)]
pub struct Filter {
    pub query: String,
    /// Which cells the pane shows at the current width (empty: all). A
    /// column the screen drops is not matched: the analyst cannot see why
    /// a row passed.
    pub shown: Vec<bool>,
    /// How the last `apply` matched (substring, or fuzzy by `~` or as a
    /// fallback), for the pane title.
    mode: std::sync::atomic::AtomicU8,
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Filter({:?})", self.query)
    }
}

impl Filter {
    /// How the last `apply` matched (`None`: no filter).
    pub fn mode(&self) -> Option<MatchMode> {
        match self.mode.load(std::sync::atomic::Ordering::Relaxed) {
            1 => Some(MatchMode::Substring),
            2 => Some(MatchMode::Fuzzy),
            _ => None,
        }
    }

    fn set_mode(&self, m: Option<MatchMode>) {
        let v = match m {
            None => 0,
            Some(MatchMode::Substring) => 1,
            Some(MatchMode::Fuzzy) => 2,
        };
        self.mode.store(v, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn is_active(&self) -> bool {
        !self.pattern().is_empty()
    }

    fn inverted(&self) -> bool {
        self.query.starts_with('!')
    }

    fn forced_fuzzy(&self) -> bool {
        self.query
            .strip_prefix('!')
            .unwrap_or(&self.query)
            .starts_with('~')
    }

    fn pattern(&self) -> &str {
        let q = self.query.strip_prefix('!').unwrap_or(&self.query);
        q.strip_prefix('~').unwrap_or(q).trim()
    }

    fn shows(&self, c: usize) -> bool {
        self.shown.get(c).copied().unwrap_or(true)
    }

    /// Indices of the rows that pass, in their original order. A matching
    /// child brings its parent (and a grandchild its child), so nothing
    /// shows out of context; a matching parent keeps its children.
    pub fn apply(&self, rows: &[Row]) -> Vec<usize> {
        if !self.is_active() {
            self.set_mode(None);
            return (0..rows.len()).collect();
        }
        let pat = lower(self.pattern()).text;
        let inv = self.inverted();
        let mut mode = if self.forced_fuzzy() {
            MatchMode::Fuzzy
        } else {
            MatchMode::Substring
        };
        let mut hits: Vec<bool> = rows.iter().map(|r| self.hits(r, &pat, mode)).collect();
        if mode == MatchMode::Substring && !inv && !hits.iter().any(|h| *h) {
            mode = MatchMode::Fuzzy;
            hits = rows.iter().map(|r| self.hits(r, &pat, mode)).collect();
        }
        self.set_mode(Some(mode));
        let mut keep = vec![false; rows.len()];
        let (mut parent, mut child): (Option<usize>, Option<usize>) = (None, None);
        let mut parent_ok = false;
        let mut child_ok = false;
        for (i, r) in rows.iter().enumerate() {
            let hit = hits[i] != inv;
            match r.kind {
                RowKind::Item | RowKind::Info => {
                    parent = Some(i);
                    child = None;
                    parent_ok = hit;
                    child_ok = false;
                    keep[i] = hit;
                }
                // Under an inverted filter a child goes with its parent:
                // "hide mallory" hides mallory's alerts too.
                RowKind::Child | RowKind::Grandchild => {
                    if r.kind == RowKind::Child {
                        child = Some(i);
                        child_ok = hits[i] && !inv;
                    }
                    if parent_ok || child_ok || (hits[i] && !inv) {
                        keep[i] = true;
                    }
                    if hits[i] && !inv {
                        for p in [parent, child].into_iter().flatten() {
                            if p < i {
                                keep[p] = true;
                            }
                        }
                    }
                }
            }
        }
        (0..rows.len()).filter(|&i| keep[i]).collect()
    }

    /// Does the row itself match (not only kept for a matching child or
    /// parent)? For `n`/`N`.
    pub fn row_hits(&self, r: &Row) -> bool {
        if !self.is_active() || self.inverted() {
            return false;
        }
        let pat = lower(self.pattern()).text;
        self.hits(r, &pat, self.mode().unwrap_or(MatchMode::Substring))
    }

    /// A matcher for text not built into a row (the checklist's lines
    /// beyond the first hundreds): substring (or `~` fuzzy), Unicode
    /// case-insensitive, as for rows; `None` when inactive or inverted (an
    /// inverted filter shows none of the rows left unbuilt).
    pub fn text_matcher(&self) -> Option<TextMatcher> {
        if !self.is_active() || self.inverted() {
            return None;
        }
        Some(TextMatcher {
            pat: lower(self.pattern()).text,
            fuzzy: self.forced_fuzzy(),
        })
    }

    /// Does one shown cell match?
    fn hits(&self, r: &Row, pat: &str, mode: MatchMode) -> bool {
        r.lowered().iter().enumerate().any(|(c, l)| {
            self.shows(c)
                && match mode {
                    MatchMode::Substring => l.text.contains(pat),
                    MatchMode::Fuzzy => subsequence(pat, &l.text).is_some(),
                }
        })
    }

    /// Matched char indices per cell of one (visible) row, in the cell's
    /// own chars.
    pub fn cell_indices(&self, row: &Row) -> Vec<Vec<usize>> {
        let mut per_cell = vec![Vec::new(); row.cells.len()];
        if !self.is_active() || self.inverted() {
            return per_cell;
        }
        let pat = lower(self.pattern()).text;
        let fuzzy = self.mode() == Some(MatchMode::Fuzzy);
        for (c, l) in row.lowered().iter().enumerate() {
            if !self.shows(c) {
                continue;
            }
            let found: Vec<usize> = if fuzzy {
                subsequence(&pat, &l.text).unwrap_or_default()
            } else {
                match l.text.find(pat.as_str()) {
                    Some(b) => {
                        let start = l.text[..b].chars().count();
                        (start..start + pat.chars().count()).collect()
                    }
                    None => Vec::new(),
                }
            };
            let mut v: Vec<usize> = found.into_iter().map(|i| l.orig(i)).collect();
            v.dedup();
            per_cell[c] = v;
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

    #[test]
    fn substring_first_within_one_cell_fuzzy_only_as_fallback() {
        let rows = vec![
            // Letters a, w, s in order across the row: no longer a match.
            row(&["alice", "kube-system", "secrets"], RowKind::Item),
            row(&["mallory", "prod/aws-credentials"], RowKind::Item),
        ];
        let f = Filter {
            query: "aws".into(),
            ..Filter::default()
        };
        assert_eq!(f.apply(&rows), vec![1]);
        assert_eq!(f.mode(), Some(MatchMode::Substring));
        assert_eq!(f.cell_indices(&rows[1])[1], vec![5, 6, 7]);
        // No row contains "mlry": fuzzy within one cell, and said so.
        let f = Filter {
            query: "mlry".into(),
            ..Filter::default()
        };
        assert_eq!(f.apply(&rows), vec![1]);
        assert_eq!(f.mode(), Some(MatchMode::Fuzzy));
        assert_eq!(f.cell_indices(&rows[1])[0], vec![0, 2, 5, 6]);
        // `~` asks for fuzzy even when a row contains the pattern.
        let f = Filter {
            query: "~mo".into(),
            ..Filter::default()
        };
        assert_eq!(f.apply(&rows), vec![1]);
        assert_eq!(f.mode(), Some(MatchMode::Fuzzy));
    }

    #[test]
    fn unicode_case_insensitive() {
        let rows = vec![
            row(&["ünïcode-user"], RowKind::Item),
            row(&["unicode-user"], RowKind::Item),
        ];
        let f = Filter {
            query: "ÜNÏ".into(),
            ..Filter::default()
        };
        assert_eq!(f.apply(&rows), vec![0]);
        assert_eq!(f.cell_indices(&rows[0])[0], vec![0, 1, 2]);
        // A char that lowers to two maps back to one highlighted char.
        let rows = vec![row(&["xİstanbul"], RowKind::Item)];
        let f = Filter {
            query: "i̇st".into(),
            ..Filter::default()
        };
        assert_eq!(f.apply(&rows), vec![0]);
        assert_eq!(f.cell_indices(&rows[0])[0], vec![1, 2, 3]);
    }

    #[test]
    fn a_matching_child_keeps_its_parent_and_hidden_cells_never_match() {
        let rows = vec![
            row(&["high", "mallory"], RowKind::Item),
            row(&["secret-read"], RowKind::Child),
            row(&["get prod/db"], RowKind::Grandchild),
            row(&["low", "kubelet", "reason: aws sync"], RowKind::Item),
        ];
        let mut f = Filter {
            query: "prod/db".into(),
            ..Filter::default()
        };
        assert_eq!(f.apply(&rows), vec![0, 1, 2], "grandchild with its chain");
        f.query = "aws".into();
        assert_eq!(f.apply(&rows), vec![3]);
        f.shown = vec![true, true, false];
        assert_eq!(
            f.apply(&rows),
            Vec::<usize>::new(),
            "third column not on screen"
        );
        assert!(f.cell_indices(&rows[3])[2].is_empty());
    }
}
