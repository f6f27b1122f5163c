//! The evidence checklist (seed 001's incident-response steps) for one
//! incident, and its saved state.
//!
//! The items are the view's steps ([`crate::view::steps`]), derived from the snapshot each time, so they fill in as
//! the log grows; only what the analyst did (ticks and notes) is stored, in
//! `<state_dir>/checklists.json`, keyed by log source and incident id.
//! Incident ids are stable hashes of the primary identity, so the same log
//! gives the same ids after a restart.

use super::snapshot::Snapshot;
use super::text::clean;
use crate::detect::Incident;
use crate::time::format_micros;
use crate::view::{self, Facts, Line, Seg, Step};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ChecklistError {
    #[error("cannot save checklist state to {path}: {source}")]
    Save {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What the analyst recorded for one item.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ItemState {
    pub done: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

type PerIncident = BTreeMap<String, BTreeMap<String, ItemState>>;

#[derive(Debug, Default, Serialize, Deserialize)]
struct StoreFile {
    /// log source → incident id → item key → state.
    #[serde(default)]
    sources: BTreeMap<String, PerIncident>,
}

/// Ticks and notes for the current log source.
#[derive(Debug)]
pub struct ChecklistStore {
    path: PathBuf,
    source: String,
    file: StoreFile,
    /// Why the saved state could not be read (shown; the file is then
    /// not overwritten until the analyst changes something).
    pub load_error: Option<String>,
}

impl ChecklistStore {
    pub fn open(state_dir: &Path, source: &str) -> Self {
        let path = state_dir.join("checklists.json");
        let (file, load_error) = match std::fs::read_to_string(&path) {
            Ok(t) => match serde_json::from_str(&t) {
                Ok(f) => (f, None),
                Err(e) => (
                    StoreFile::default(),
                    Some(format!("{}: {e}", path.display())),
                ),
            },
            Err(_) => (StoreFile::default(), None),
        };
        ChecklistStore {
            path,
            source: source.to_string(),
            file,
            load_error,
        }
    }

    pub fn get(&self, incident: &str, item: &str) -> ItemState {
        self.file
            .sources
            .get(&self.source)
            .and_then(|m| m.get(incident))
            .and_then(|m| m.get(item))
            .cloned()
            .unwrap_or_default()
    }

    fn update(
        &mut self,
        incident: &str,
        item: &str,
        f: impl FnOnce(&mut ItemState),
    ) -> Result<(), ChecklistError> {
        let st = self
            .file
            .sources
            .entry(self.source.clone())
            .or_default()
            .entry(incident.to_string())
            .or_default()
            .entry(item.to_string())
            .or_default();
        f(st);
        let text = serde_json::to_string_pretty(&self.file).expect("checklist state serialises");
        crate::allowlist::write_atomic(&self.path, &text).map_err(|source| ChecklistError::Save {
            path: self.path.clone(),
            source,
        })
    }

    pub fn toggle(&mut self, incident: &str, item: &str) -> Result<bool, ChecklistError> {
        let mut now = false;
        self.update(incident, item, |s| {
            s.done = !s.done;
            now = s.done;
        })?;
        Ok(now)
    }

    pub fn set_note(
        &mut self,
        incident: &str,
        item: &str,
        note: &str,
    ) -> Result<(), ChecklistError> {
        self.update(incident, item, |s| s.note = note.trim().to_string())
    }
}

/// The facts of a snapshot, for [`crate::view`].
pub fn facts(snap: &Snapshot) -> Facts<'_> {
    Facts {
        incidents: &snap.incidents,
        alerts: snap.alerts.iter().map(|a| a.facts()).collect(),
        activity: snap.identities.iter().map(|a| &**a).collect(),
        bindings: &snap.bindings,
        roles: &snap.roles,
        pod_specs_seen: snap.pod_specs_seen,
        rbac: None,
    }
}

/// The checklist of an incident: the view's steps, the same the report
/// writes.
pub fn items(snap: &Snapshot, inc: &Incident) -> Vec<Step> {
    view::steps(&facts(snap), inc)
}

/// A view line as inert terminal text.
pub fn plain(l: &Line) -> String {
    let mut o = String::new();
    for s in &l.segs {
        match s {
            Seg::Text(t) => o.push_str(&clean(t)),
            Seg::Data(d) => o.push_str(&clean(d)),
            Seg::Time(t) => o.push_str(
                &t.map(format_micros)
                    .unwrap_or_else(|| "(time not recorded)".into()),
            ),
        }
    }
    if !l.audit_ids.is_empty() {
        let ids: Vec<String> = l.audit_ids.iter().map(|a| clean(a)).collect();
        o.push_str(&format!("  [audit {}]", ids.join(", ")));
    }
    o
}
