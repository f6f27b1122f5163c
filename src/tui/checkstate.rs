//! What the analyst recorded on a checklist (ticks and notes), saved in
//! `<state_dir>/checklists.json`, keyed by the investigation it belongs to.
//!
//! An investigation is the incident's primary identity plus a fingerprint
//! of its evidence window: the first event's time and the audit IDs of its
//! first [`FINGERPRINT_EVENTS`] events. Keying by log source ("stdin" for
//! every pipe, one path for every rotation) and identity, as version 1 of
//! this file did, showed last month's ticks on today's incident of the same
//! identity: false assurance. Now:
//! - same identity and window: the state is applied;
//! - a stored record whose first events are evidence of this incident (two
//!   incidents merged, or the window's first events moved): carried over.
//!   Ticks naming one thing (`rotate:prod/db`, `creds:…`) carry as they
//!   are; a review step (`secrets`, `rbac`…) stays ticked only if every
//!   part of the merged incident had it ticked;
//! - same identity, another window: shown as found, never applied; `C`
//!   carries it over.
//!
//! Every save locks the file, re-reads it and applies the one change to
//! what is on disk (another instance's ticks are kept), keeps a `.bak`,
//! and never overwrites a file that is not valid UTF-8 or JSON.

use super::snapshot::Snapshot;
use crate::allowlist::save::WriteLock;
use crate::detect::Incident;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Audit IDs of the first events that fingerprint an investigation.
pub const FINGERPRINT_EVENTS: usize = 3;

/// The state file's format version.
const VERSION: u32 = 2;

#[derive(Debug, Error)]
pub enum ChecklistError {
    #[error("cannot save checklist state to {path}: {source}")]
    Save {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("checklist state {path} is unusable ({why}); it is not overwritten: fix or move it")]
    Broken { path: PathBuf, why: String },
    /// The state file was found unusable earlier (the message says why).
    #[error("{0}")]
    Unusable(String),
}

/// What the analyst recorded for one item.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ItemState {
    pub done: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// Which investigation an incident is, and the audit IDs of its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub identity: String,
    pub identities: BTreeSet<String>,
    pub first_event: Option<i64>,
    pub audit_ids: Vec<String>,
    /// Every audit ID in the incident's evidence (to recognise a merge).
    pub evidence: BTreeSet<String>,
}

/// The subject of an incident as the snapshot shows it.
pub fn subject(snap: &Snapshot, inc: &Incident) -> Subject {
    let mut evs: Vec<(i64, &str)> = Vec::new();
    for a in inc.alerts.iter().filter_map(|&ai| snap.alerts.get(ai)) {
        for e in a.head.iter().chain(&a.events) {
            if let Some(id) = e.audit_id.as_deref().filter(|s| !s.is_empty()) {
                evs.push((e.time.unwrap_or(i64::MAX), id));
            }
        }
    }
    evs.sort();
    let evidence: BTreeSet<String> = evs.iter().map(|(_, id)| id.to_string()).collect();
    let mut audit_ids: Vec<String> = Vec::new();
    for (_, id) in evs {
        if audit_ids.len() == FINGERPRINT_EVENTS {
            break;
        }
        if !audit_ids.iter().any(|a| a == id) {
            audit_ids.push(id.to_string());
        }
    }
    Subject {
        identity: inc.primary.clone(),
        identities: inc.identities.iter().cloned().collect(),
        first_event: inc.first_seen,
        audit_ids,
        evidence,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    identity: String,
    #[serde(default)]
    identities: BTreeSet<String>,
    #[serde(default)]
    first_event: Option<i64>,
    #[serde(default)]
    audit_ids: Vec<String>,
    #[serde(default)]
    items: BTreeMap<String, ItemState>,
}

impl Record {
    fn exact(&self, s: &Subject) -> bool {
        self.identity == s.identity
            && self.first_event == s.first_event
            && self.audit_ids == s.audit_ids
    }

    /// This record's first events are evidence of `s`: the same
    /// investigation, grown or merged with another.
    fn continued_by(&self, s: &Subject) -> bool {
        !self.audit_ids.is_empty()
            && s.identities.contains(&self.identity)
            && self.audit_ids.iter().all(|a| s.evidence.contains(a))
    }

    fn has_work(&self) -> bool {
        self.items.values().any(|i| i.done || !i.note.is_empty())
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StoreFile {
    #[serde(default)]
    version: u32,
    #[serde(default)]
    investigations: Vec<Record>,
    /// Version-1 state (log source → identity hash → items). It cannot
    /// tell one investigation from the next, so it is kept, never applied.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    sources: BTreeMap<String, serde_json::Value>,
}

/// A stored checklist of another incident of the same identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    pub identity: String,
    pub first_event: Option<i64>,
    pub done: usize,
    pub notes: usize,
}

/// What is recorded for one incident.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub items: BTreeMap<String, ItemState>,
    /// Records of earlier incidents (or windows) carried into this one.
    pub carried: usize,
    /// Review steps ticked in only some parts of a merged incident, unticked.
    pub unticked: usize,
    /// Found for the same identity in another window; not applied.
    pub similar: Option<Similar>,
}

impl Lookup {
    pub fn get(&self, item: &str) -> ItemState {
        self.items.get(item).cloned().unwrap_or_default()
    }
}

/// A step about one named thing (a secret rotated, a binding removed)
/// rather than a review of the whole incident.
fn names_one_thing(key: &str) -> bool {
    key.contains(':') && !key.ends_with(":none") && !key.ends_with(":unknown")
}

fn matched(file: &StoreFile, s: &Subject) -> Vec<usize> {
    (file.investigations.iter().enumerate())
        .filter(|(_, r)| r.exact(s) || r.continued_by(s))
        .map(|(i, _)| i)
        .collect()
}

fn lookup_in(file: &StoreFile, s: &Subject) -> Lookup {
    let m = matched(file, s);
    let recs: Vec<&Record> = m.iter().map(|&i| &file.investigations[i]).collect();
    let similar = (file.investigations.iter().enumerate())
        .filter(|(i, r)| !m.contains(i) && r.has_work() && s.identities.contains(&r.identity))
        .max_by_key(|(_, r)| r.first_event)
        .map(|(_, r)| Similar {
            identity: r.identity.clone(),
            first_event: r.first_event,
            done: r.items.values().filter(|i| i.done).count(),
            notes: r.items.values().filter(|i| !i.note.is_empty()).count(),
        });
    let mut out = Lookup {
        similar,
        ..Lookup::default()
    };
    match recs.as_slice() {
        [] => {}
        // Exactly this investigation, and nobody joined it since.
        [r] if r.exact(s)
            && (s.identities.iter()).all(|i| *i == r.identity || r.identities.contains(i)) =>
        {
            out.items = r.items.clone()
        }
        _ => {
            out.carried = recs.len();
            // Every identity of the incident was covered when ticked.
            let covered: BTreeSet<&String> = recs
                .iter()
                .flat_map(|r| r.identities.iter().chain([&r.identity]))
                .collect();
            let whole = s.identities.iter().all(|i| covered.contains(i));
            let keys: BTreeSet<&String> = recs.iter().flat_map(|r| r.items.keys()).collect();
            for k in keys {
                let states: Vec<ItemState> = recs
                    .iter()
                    .map(|r| r.items.get(k).cloned().unwrap_or_default())
                    .collect();
                let any = states.iter().any(|x| x.done);
                let done = if names_one_thing(k) {
                    any
                } else {
                    whole && states.iter().all(|x| x.done)
                };
                if any && !done {
                    out.unticked += 1;
                }
                let mut notes: Vec<&str> = Vec::new();
                for n in states.iter().map(|x| x.note.as_str()) {
                    if !n.is_empty() && !notes.contains(&n) {
                        notes.push(n);
                    }
                }
                let note = notes.join(" · ");
                out.items.insert(k.clone(), ItemState { done, note });
            }
        }
    }
    out
}

/// One change the analyst made.
#[derive(Debug, Clone)]
enum Op {
    Done(String, bool),
    Note(String, String),
    CarryOver,
}

fn apply(file: &mut StoreFile, s: &Subject, op: &Op) {
    let mut items = lookup_in(file, s).items;
    match op {
        Op::Done(k, d) => items.entry(k.clone()).or_default().done = *d,
        Op::Note(k, n) => items.entry(k.clone()).or_default().note = n.trim().to_string(),
        Op::CarryOver => {
            let m = matched(file, s);
            let src = (file.investigations.iter().enumerate())
                .filter(|(i, r)| {
                    !m.contains(i) && r.has_work() && s.identities.contains(&r.identity)
                })
                .max_by_key(|(_, r)| r.first_event)
                .map(|(_, r)| r.items.clone());
            for (k, v) in src.into_iter().flatten() {
                items.entry(k).or_insert(v);
            }
        }
    }
    // The records carried in are replaced by this investigation's one.
    let mut m = matched(file, s);
    m.sort_unstable();
    for i in m.into_iter().rev() {
        file.investigations.remove(i);
    }
    file.investigations.push(Record {
        identity: s.identity.clone(),
        identities: s.identities.clone(),
        first_event: s.first_event,
        audit_ids: s.audit_ids.clone(),
        items,
    });
    file.version = VERSION;
}

fn parse(bytes: &[u8]) -> Result<StoreFile, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not valid UTF-8: {e}"))?;
    let f: StoreFile = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    if f.version > VERSION {
        return Err(format!(
            "written by a newer ktriage (version {})",
            f.version
        ));
    }
    Ok(f)
}

/// Ticks and notes of every investigation.
#[derive(Debug)]
pub struct ChecklistStore {
    path: PathBuf,
    file: StoreFile,
    /// Why the saved state cannot be used (shown; the file is then never
    /// overwritten).
    pub load_error: Option<String>,
    /// A change is shown but not saved (the last save failed).
    pub unsaved: bool,
    /// The file's bytes as last read or written (`None`: absent).
    disk: Option<Vec<u8>>,
}

impl ChecklistStore {
    pub fn open(state_dir: &Path) -> Self {
        let path = state_dir.join("checklists.json");
        let disk = std::fs::read(&path).ok();
        let (file, load_error) = match &disk {
            Some(b) => match parse(b) {
                Ok(f) => (f, None),
                Err(e) => (StoreFile::default(), Some(e)),
            },
            None => (StoreFile::default(), None),
        };
        ChecklistStore {
            load_error: load_error.map(|e| {
                ChecklistError::Broken {
                    path: path.clone(),
                    why: e,
                }
                .to_string()
            }),
            path,
            file,
            unsaved: false,
            disk,
        }
    }

    /// Take in what another instance saved since (its ticks show here
    /// too). True when something changed. Unsaved work here is kept: it is
    /// merged into the file on the next save.
    pub fn refresh(&mut self) -> bool {
        let now = std::fs::read(&self.path).ok();
        if now == self.disk || self.unsaved {
            return false;
        }
        match now.as_deref().map(parse) {
            Some(Ok(f)) => {
                self.file = f;
                self.load_error = None;
            }
            Some(Err(e)) => {
                self.load_error = Some(
                    ChecklistError::Broken {
                        path: self.path.clone(),
                        why: e,
                    }
                    .to_string(),
                )
            }
            None => {}
        }
        self.disk = now;
        true
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What is recorded for `s` (as last read or written).
    pub fn lookup(&self, s: &Subject) -> Lookup {
        lookup_in(&self.file, s)
    }

    pub fn set_done(&mut self, s: &Subject, item: &str, done: bool) -> Result<(), ChecklistError> {
        self.save(s, Op::Done(item.to_string(), done))
    }

    pub fn set_note(&mut self, s: &Subject, item: &str, note: &str) -> Result<(), ChecklistError> {
        self.save(s, Op::Note(item.to_string(), note.to_string()))
    }

    /// Copy the checklist of the similar incident into this one (items this
    /// one already has are kept).
    pub fn carry_over(&mut self, s: &Subject) -> Result<(), ChecklistError> {
        self.save(s, Op::CarryOver)
    }

    /// Apply `op` to the file as it is on disk now (under the lock), then
    /// write it. On failure the change is kept on screen and marked unsaved.
    fn save(&mut self, s: &Subject, op: Op) -> Result<(), ChecklistError> {
        let broken = |why: String| ChecklistError::Broken {
            path: self.path.clone(),
            why,
        };
        let io = |source| ChecklistError::Save {
            path: self.path.clone(),
            source,
        };
        if let Some(e) = &self.load_error {
            apply(&mut self.file, s, &op);
            self.unsaved = true;
            return Err(ChecklistError::Unusable(e.clone()));
        }
        let result = (|| {
            let lock = WriteLock::acquire(&self.path).map_err(io)?;
            let fresh = match lock.read().map_err(io)? {
                None => StoreFile::default(),
                Some(b) => parse(&b).map_err(broken)?,
            };
            let mut fresh = fresh;
            apply(&mut fresh, s, &op);
            let text = serde_json::to_string_pretty(&fresh).expect("checklist state serialises");
            lock.write(&text).map_err(io)?;
            Ok((fresh, text))
        })();
        match result {
            Ok((f, text)) => {
                self.file = f;
                self.disk = Some(text.into_bytes());
                self.unsaved = false;
                Ok(())
            }
            Err(e) => {
                if let ChecklistError::Broken { .. } = &e {
                    self.load_error = Some(e.to_string());
                }
                apply(&mut self.file, s, &op);
                self.unsaved = true;
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subj(id: &str, t: i64, ids: &[&str], idents: &[&str]) -> Subject {
        Subject {
            identity: id.into(),
            identities: idents.iter().map(|s| s.to_string()).collect(),
            first_event: Some(t),
            audit_ids: ids
                .iter()
                .take(FINGERPRINT_EVENTS)
                .map(|s| s.to_string())
                .collect(),
            evidence: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn another_window_of_the_same_identity_is_offered_not_applied() {
        let d = tempfile::tempdir().unwrap();
        let mut st = ChecklistStore::open(d.path());
        let june = subj("admin", 1, &["a1", "a2"], &["admin"]);
        st.set_done(&june, "secrets", true).unwrap();
        let july = subj("admin", 2, &["b1"], &["admin"]);
        let st = ChecklistStore::open(d.path());
        let l = st.lookup(&july);
        assert!(!l.get("secrets").done, "last month's tick is not today's");
        assert_eq!(l.similar.as_ref().map(|s| s.done), Some(1));
        assert!(st.lookup(&june).get("secrets").done);
        let mut st = st;
        st.carry_over(&july).unwrap();
        assert!(st.lookup(&july).get("secrets").done);
    }

    #[test]
    fn a_merge_carries_named_ticks_and_notes_but_not_partial_reviews() {
        let d = tempfile::tempdir().unwrap();
        let mut st = ChecklistStore::open(d.path());
        let a = subj("alice", 1, &["a1"], &["alice"]);
        st.set_done(&a, "rotate:prod/db", true).unwrap();
        st.set_done(&a, "secrets", true).unwrap();
        st.set_note(&a, "secrets", "checked db").unwrap();
        let merged = subj("alice", 0, &["b1", "a1"], &["alice", "bob"]);
        let l = st.lookup(&merged);
        assert_eq!(l.carried, 1);
        assert!(l.get("rotate:prod/db").done);
        assert!(!l.get("secrets").done, "bob's part was never reviewed");
        assert_eq!(l.get("secrets").note, "checked db");
        assert_eq!(l.unticked, 1);
    }

    #[test]
    fn a_broken_state_file_is_reported_and_never_overwritten() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("checklists.json");
        std::fs::write(&p, b"{\"investigations\": [\xff").unwrap();
        let mut st = ChecklistStore::open(d.path());
        assert!(st.load_error.as_deref().unwrap().contains("UTF-8"));
        let s = subj("x", 1, &["a"], &["x"]);
        assert!(st.set_done(&s, "secrets", true).is_err());
        assert!(st.unsaved);
        assert!(st.lookup(&s).get("secrets").done, "shown, marked unsaved");
        assert_eq!(std::fs::read(&p).unwrap(), b"{\"investigations\": [\xff");
    }

    #[test]
    fn two_stores_keep_each_others_ticks() {
        let d = tempfile::tempdir().unwrap();
        let mut one = ChecklistStore::open(d.path());
        let mut two = ChecklistStore::open(d.path());
        let s = subj("x", 1, &["a"], &["x"]);
        one.set_done(&s, "secrets", true).unwrap();
        two.set_done(&s, "rbac", true).unwrap();
        let l = ChecklistStore::open(d.path()).lookup(&s);
        assert!(l.get("secrets").done && l.get("rbac").done);
        assert!(d.path().join("checklists.json.bak").exists());
    }
}
