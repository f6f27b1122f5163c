//! The evidence checklist (seed 001's incident-response steps) for one
//! incident, and its saved state.
//!
//! The items are derived from the snapshot each time, so they fill in as
//! the log grows; only what the analyst did (ticks and notes) is stored, in
//! `<state_dir>/checklists.json`, keyed by log source and incident id.
//! Incident ids are stable hashes of the primary identity, so the same log
//! gives the same ids after a restart.

use super::snapshot::Snapshot;
use super::text::clean;
use crate::detect::Incident;
use crate::time::format_short;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
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

/// One checklist step: a tickable line plus the evidence filled in under it.
#[derive(Debug, Clone)]
pub struct Item {
    pub key: String,
    pub section: &'static str,
    pub title: String,
    pub evidence: Vec<String>,
}

fn t(x: Option<i64>) -> String {
    x.map(format_short).unwrap_or_else(|| "-".into())
}

/// Namespace of `ns/name` (empty for cluster-wide `*/…`).
/// The checklist for an incident, from what the snapshot knows.
pub fn items(snap: &Snapshot, inc: &Incident) -> Vec<Item> {
    let ids: BTreeSet<&str> = inc.identities.iter().map(String::as_str).collect();
    let acts: Vec<_> = snap
        .identities
        .iter()
        .filter(|a| ids.contains(a.identity.as_str()))
        .collect();
    let mut out = Vec::new();

    // 1. Every secret the identity accessed, with timestamps.
    let mut ev = Vec::new();
    for a in &acts {
        for (s, st) in &a.secrets {
            ev.push(format!(
                "{}  {}  {}  allowed {} denied {} other {}  first {}  last {}",
                clean(&a.identity),
                clean(&s.to_string()),
                st.verbs
                    .iter()
                    .map(|v| clean(v))
                    .collect::<Vec<_>>()
                    .join(","),
                st.allowed,
                st.denied,
                st.other,
                t(st.first),
                t(st.last)
            ));
        }
    }
    if ev.is_empty() {
        ev.push("no secret access recorded for these identities".into());
    }
    out.push(Item {
        key: "secrets".into(),
        section: "1. Secrets accessed",
        title: "Review every secret accessed, with timestamps".into(),
        evidence: ev,
    });

    // 2. Does the identity's RBAC role require that access?
    let mut ev = Vec::new();
    let mut bound_roles: BTreeSet<String> = BTreeSet::new();
    for b in snap.bindings.iter() {
        let binds = b
            .subjects
            .iter()
            .any(|s| ids.contains(s.identity().as_str()));
        let made = ids.contains(b.actor.as_str());
        if binds || made {
            if let Some(r) = &b.role {
                bound_roles.insert(r.clone());
            }
            let subj: Vec<String> = b.subjects.iter().map(|s| clean(&s.to_string())).collect();
            let role = b
                .role
                .as_deref()
                .map(clean)
                .unwrap_or_else(|| "role not recorded".into());
            let target = if b.namespace.is_empty() {
                clean(&b.name)
            } else {
                clean(&format!("{}/{}", b.namespace, b.name))
            };
            ev.push(format!(
                "{} {} {target} → {role} for {} (by {}, {})",
                b.verb,
                b.kind,
                subj.join(", "),
                clean(&b.actor),
                t(b.time)
            ));
        }
    }
    for r in snap.roles.iter() {
        if ids.contains(r.actor.as_str()) || bound_roles.contains(&format!("{} {}", r.kind, r.name))
        {
            let target = if r.namespace.is_empty() {
                clean(&r.name)
            } else {
                clean(&format!("{}/{}", r.namespace, r.name))
            };
            let grants = if r.grants.is_empty() {
                "nothing sensitive".into()
            } else {
                r.grants
                    .iter()
                    .map(|g| clean(g))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            ev.push(format!(
                "{} {target} grants: {grants} (by {}, {})",
                r.kind,
                clean(&r.actor),
                t(r.time)
            ));
        }
    }
    if ev.is_empty() {
        ev.push("no RBAC data in this log for these identities: review their roles in the cluster (kubectl auth can-i --list --as …)".into());
    }
    out.push(Item {
        key: "rbac".into(),
        section: "2. RBAC review",
        title: "Does the identity's role require this access?".into(),
        evidence: ev,
    });

    // 3. Exec sessions into pods that use the affected secrets (linked by
    // pod specs when the log has them), or by the incident's identities.
    let execs = crate::detect::evidence::exec_sessions(inc, snap.identities.iter().map(|a| &**a));
    let mut ev = vec![if snap.pod_specs_seen == 0 {
        "no pod specs in this log: execs in the affected namespaces are listed, labelled as such"
            .to_string()
    } else {
        format!(
            "{} pod spec(s) in this log link pods to the secrets they use",
            snap.pod_specs_seen
        )
    }];
    for e in &execs {
        let x = e.exec;
        let cmd = x
            .command
            .as_deref()
            .map(clean)
            .unwrap_or_else(|| "(command not recorded)".into());
        ev.push(format!(
            "{}  {} {}/{}{}  {cmd}  {:?}  {}  [{}]",
            t(x.time),
            clean(e.identity),
            clean(&x.namespace),
            clean(&x.pod),
            x.container
                .as_deref()
                .map(|c| format!(" [{}]", clean(c)))
                .unwrap_or_default(),
            x.outcome,
            x.source_ip.as_deref().map(clean).unwrap_or_default(),
            clean(&e.link.describe())
        ));
    }
    if execs.is_empty() {
        ev.push("no exec sessions recorded by these identities or into affected pods".into());
    }
    out.push(Item {
        key: "exec".into(),
        section: "3. Exec sessions",
        title: "Check exec sessions into pods that use the affected secrets".into(),
        evidence: ev,
    });

    // 4. Rotate: one checkbox per secret read during the window.
    for s in &inc.secrets_to_rotate {
        out.push(Item {
            key: format!("rotate:{s}"),
            section: "4. Rotate credentials",
            title: format!("Rotate {}", clean(s)),
            evidence: Vec::new(),
        });
    }
    if inc.secrets_to_rotate.is_empty() {
        out.push(Item {
            key: "rotate:none".into(),
            section: "4. Rotate credentials",
            title: "Nothing was served: no secret to rotate (confirm)".into(),
            evidence: Vec::new(),
        });
    }

    // 5. Tighten RBAC.
    out.push(Item {
        key: "tighten".into(),
        section: "5. Tighten RBAC",
        title: "Replace broad get/list on secrets with namespace-scoped, resource-specific roles"
            .into(),
        evidence: Vec::new(),
    });
    out
}
