//! The allowlist file: TOML, loaded with line-accurate errors, edited with
//! `toml_edit` so the user's comments and order survive, written atomically.
//! A file that does not parse is never overwritten.

use super::model::{Allowlist, AllowlistEntry, EntryKind};
use super::save::WriteLock;
use std::fs;
use std::path::{Path, PathBuf};
use thiserror::Error;
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, value};

#[derive(Debug, Error)]
pub enum AllowlistError {
    #[error("cannot read allowlist {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("cannot write allowlist {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Edit(String),
    /// Another process changed the file since it was loaded, in a way this
    /// edit cannot be merged with; the file was reloaded, nothing written.
    #[error(
        "{path} changed on disk since it was loaded (another ktriage?); reloaded it, nothing written: {what}"
    )]
    ChangedOnDisk { path: PathBuf, what: String },
}

/// An allowlist file open for reading and editing.
#[derive(Debug, Clone)]
pub struct AllowlistFile {
    pub path: PathBuf,
    doc: DocumentMut,
    pub allowlist: Allowlist,
    /// The file's text before the last change, for a one-step undo.
    undo: Option<String>,
    /// The file as last read or written (`None`: it did not exist). Every
    /// save compares it with the disk under the lock to see another
    /// instance's change.
    disk: Option<String>,
    /// The last change was merged into a newer file written by someone else.
    pub merged_from_disk: bool,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Parse allowlist TOML text. `known_rules` catches typos in `rules = [...]`
/// (a misspelt rule id would silently silence nothing).
pub fn parse_allowlist(
    text: &str,
    path: &Path,
    known_rules: &[&str],
) -> Result<Allowlist, AllowlistError> {
    let invalid = |line: usize, message: String| AllowlistError::Invalid {
        path: path.to_path_buf(),
        line,
        message,
    };
    let doc = toml_edit::Document::parse(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
        invalid(line, e.message().trim().to_string())
    })?;
    let mut entries = Vec::new();
    for (key, item) in doc.as_table().iter() {
        let line = doc
            .as_table()
            .key(key)
            .and_then(|k| k.span())
            .map(|s| line_of(text, s.start))
            .unwrap_or(1);
        if key != "allow" {
            return Err(invalid(
                line,
                format!("unknown key `{key}` (entries go in [[allow]] tables)"),
            ));
        }
        let Some(tables) = item.as_array_of_tables() else {
            return Err(invalid(
                line,
                "`allow` must be written as [[allow]] tables".into(),
            ));
        };
        for table in tables.iter() {
            let line = table.span().map(|s| line_of(text, s.start)).unwrap_or(line);
            let mut entry = entry_from_table(table, known_rules).map_err(|m| invalid(line, m))?;
            entry.line = line;
            entries.push(entry);
        }
    }
    Ok(Allowlist {
        entries,
        origin: Some(path.to_path_buf()),
        ..Default::default()
    })
}

fn get_str<'t>(t: &'t Table, key: &str) -> Result<Option<&'t str>, String> {
    match t.get(key) {
        None => Ok(None),
        Some(i) => i
            .as_str()
            .map(Some)
            .ok_or_else(|| format!("`{key}` must be a string")),
    }
}

fn entry_from_table(t: &Table, known_rules: &[&str]) -> Result<AllowlistEntry, String> {
    const KEYS: [&str; 8] = [
        "kind",
        "value",
        "rules",
        "named_only",
        "reason",
        "expires",
        "pod_name_prefix",
        "source_cidrs",
    ];
    if let Some((k, _)) = t.iter().find(|(k, _)| !KEYS.contains(k)) {
        return Err(format!("unknown key `{k}` (expected: {})", KEYS.join(", ")));
    }
    let kind: EntryKind = get_str(t, "kind")?.ok_or("entry has no `kind`")?.parse()?;
    let value = get_str(t, "value")?.ok_or("entry has no `value`")?;
    let mut e = AllowlistEntry::new(kind, value)?;
    if let Some(r) = t.get("rules") {
        let arr = r.as_array().ok_or("`rules` must be an array of rule ids")?;
        for v in arr.iter() {
            let id = v.as_str().ok_or("`rules` must be an array of rule ids")?;
            if !known_rules.is_empty() && !known_rules.contains(&id) {
                return Err(format!(
                    "unknown rule `{id}` in `rules` (see `ktriage rules`)"
                ));
            }
            e.rules.push(id.to_string());
        }
    }
    if let Some(n) = t.get("named_only") {
        e.named_only = n.as_bool().ok_or("`named_only` must be true or false")?;
    }
    e.reason = get_str(t, "reason")?.unwrap_or("").to_string();
    match t.get("expires") {
        None => {}
        Some(i) => {
            let text = match (i.as_str(), i.as_datetime()) {
                (Some(s), _) => s.to_string(),
                (None, Some(dt)) => dt.to_string(),
                _ => {
                    return Err(
                        "`expires` must be a date like 2026-12-31 or an RFC 3339 time".into(),
                    );
                }
            };
            e.set_expiry(Some(&text))?;
        }
    }
    if let Some(r) = t.get("source_cidrs") {
        let arr = r
            .as_array()
            .ok_or("`source_cidrs` must be an array of CIDRs")?;
        for v in arr.iter() {
            let c = v
                .as_str()
                .ok_or("`source_cidrs` must be an array of CIDRs")?;
            e.source_cidrs.push(c.parse()?);
        }
    }
    e.pod_name_prefix = get_str(t, "pod_name_prefix")?.map(str::to_string);
    if kind == EntryKind::PodServiceAccount && e.pod_name_prefix.is_none() {
        return Err("a `pod-service-account` entry needs `pod_name_prefix`".into());
    }
    if kind != EntryKind::PodServiceAccount && e.pod_name_prefix.is_some() {
        return Err("`pod_name_prefix` only applies to `pod-service-account` entries".into());
    }
    Ok(e)
}

/// Render one entry as an `[[allow]]` table.
fn entry_to_table(e: &AllowlistEntry) -> Table {
    let mut t = Table::new();
    t["kind"] = value(e.kind.as_str());
    t["value"] = value(e.value.as_str());
    if let Some(p) = &e.pod_name_prefix {
        t["pod_name_prefix"] = value(p.as_str());
    }
    if !e.rules.is_empty() {
        let mut a = Array::new();
        for r in &e.rules {
            a.push(r.as_str());
        }
        t["rules"] = value(a);
    }
    if e.named_only {
        t["named_only"] = value(true);
    }
    if !e.source_cidrs.is_empty() {
        let mut a = Array::new();
        for c in &e.source_cidrs {
            a.push(c.to_string());
        }
        t["source_cidrs"] = value(a);
    }
    t["reason"] = value(e.reason.as_str());
    if let Some(x) = &e.expires_text {
        t["expires"] = value(x.as_str());
    }
    t
}

/// Render a whole allowlist file, each entry preceded by a comment.
pub fn render(entries: &[AllowlistEntry], header: &str) -> String {
    let mut out = String::from(header);
    for e in entries {
        out.push('\n');
        if !e.reason.is_empty() {
            out.push_str(&format!("# {}\n", e.reason));
        }
        let mut doc = DocumentMut::new();
        let mut aot = ArrayOfTables::new();
        aot.push(entry_to_table(e));
        doc["allow"] = Item::ArrayOfTables(aot);
        out.push_str(&doc.to_string());
    }
    out
}

/// Write `text` to `path` atomically (through a symlink); see
/// [`super::save::write_atomic`].
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    super::save::write_atomic(path, text.as_bytes())
}

impl AllowlistFile {
    /// Open `path`. A missing file starts from `initial` (the defaults) and
    /// is created on the first change; a file that does not parse is an error
    /// and will not be touched.
    pub fn open(path: &Path, initial: &str, known_rules: &[&str]) -> Result<Self, AllowlistError> {
        let disk = match fs::read_to_string(path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(AllowlistError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let text = disk.clone().unwrap_or_else(|| initial.to_string());
        let mut f = Self::from_text(path, &text, known_rules)?;
        f.disk = disk;
        Ok(f)
    }

    fn write_err(&self, source: std::io::Error) -> AllowlistError {
        AllowlistError::Write {
            path: self.path.clone(),
            source,
        }
    }

    /// Lock the file and read what is on disk now.
    fn lock_and_read(&self) -> Result<(WriteLock, Option<String>), AllowlistError> {
        let lock = WriteLock::acquire(&self.path).map_err(|e| self.write_err(e))?;
        let now = match lock.read().map_err(|e| self.write_err(e))? {
            None => None,
            Some(b) => Some(String::from_utf8(b).map_err(|_| AllowlistError::Invalid {
                path: self.path.clone(),
                line: 1,
                message: "the file is not valid UTF-8; it is not overwritten".into(),
            })?),
        };
        Ok((lock, now))
    }

    fn from_text(path: &Path, text: &str, known_rules: &[&str]) -> Result<Self, AllowlistError> {
        let allowlist = parse_allowlist(text, path, known_rules)?;
        let doc: DocumentMut =
            text.parse()
                .map_err(|e: toml_edit::TomlError| AllowlistError::Invalid {
                    path: path.to_path_buf(),
                    line: 1,
                    message: e.message().to_string(),
                })?;
        Ok(AllowlistFile {
            path: path.to_path_buf(),
            doc,
            allowlist,
            undo: None,
            disk: None,
            merged_from_disk: false,
        })
    }

    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    /// Apply an edit, re-validate the result, and save it; on any failure
    /// the document and the file stay as they were. Under the lock the file
    /// is re-read: if another process changed it, the edit is applied to
    /// that newer text (so its entries are kept). `expect` is the entry an
    /// index-based edit is about; if the newer file has another entry there
    /// nothing is written and the newer file is loaded instead.
    fn change(
        &mut self,
        known_rules: &[&str],
        expect: Option<usize>,
        f: impl FnOnce(&mut ArrayOfTables) -> Result<(), String>,
    ) -> Result<(), AllowlistError> {
        let (lock, now) = self.lock_and_read()?;
        let mut merged = false;
        let mut base = self.doc.clone();
        if let Some(text) = now.as_ref().filter(|t| Some(*t) != self.disk.as_ref()) {
            let fresh = Self::from_text(&self.path, text, known_rules)?;
            if let Some(i) = expect {
                let entry = |d: &DocumentMut| {
                    d.get("allow")
                        .and_then(Item::as_array_of_tables)
                        .and_then(|a| a.get(i))
                        .map(|t| t.to_string())
                };
                if entry(&fresh.doc) != entry(&self.doc) {
                    self.doc = fresh.doc;
                    self.allowlist = fresh.allowlist;
                    self.disk = now;
                    self.undo = None;
                    return Err(AllowlistError::ChangedOnDisk {
                        path: self.path.clone(),
                        what: format!(
                            "entry {} is no longer the one shown; check it and retry",
                            i + 1
                        ),
                    });
                }
            }
            base = fresh.doc;
            merged = true;
        }
        let before = base.to_string();
        let mut doc = base;
        if doc
            .get("allow")
            .and_then(Item::as_array_of_tables)
            .is_none()
        {
            doc["allow"] = Item::ArrayOfTables(ArrayOfTables::new());
        }
        let tables = doc["allow"]
            .as_array_of_tables_mut()
            .expect("`allow` was just made an array of tables");
        f(tables).map_err(AllowlistError::Edit)?;
        let text = doc.to_string();
        let allowlist = parse_allowlist(&text, &self.path, known_rules)?;
        lock.write(&text).map_err(|e| self.write_err(e))?;
        drop(lock);
        self.doc = doc;
        self.allowlist = allowlist;
        self.undo = Some(before);
        self.disk = Some(text);
        self.merged_from_disk = merged;
        Ok(())
    }

    pub fn add(
        &mut self,
        entry: &AllowlistEntry,
        known_rules: &[&str],
    ) -> Result<(), AllowlistError> {
        let t = entry_to_table(entry);
        self.change(known_rules, None, |aot| {
            aot.push(t);
            Ok(())
        })
    }

    pub fn replace(
        &mut self,
        index: usize,
        entry: &AllowlistEntry,
        known_rules: &[&str],
    ) -> Result<(), AllowlistError> {
        let new = entry_to_table(entry);
        self.change(known_rules, Some(index), |aot| {
            let t = aot.get_mut(index).ok_or("no such entry")?;
            // Keep the entry's leading comment and position.
            let decor = t.decor().clone();
            *t = new;
            *t.decor_mut() = decor;
            Ok(())
        })
    }

    pub fn remove(&mut self, index: usize, known_rules: &[&str]) -> Result<(), AllowlistError> {
        self.change(known_rules, Some(index), |aot| {
            if index >= aot.len() {
                return Err("no such entry".into());
            }
            aot.remove(index);
            Ok(())
        })
    }

    /// The file on disk is not what was last read or written here
    /// (another process saved it): offer a reload.
    pub fn changed_on_disk(&self) -> bool {
        match fs::read(&self.path) {
            Ok(b) => self.disk.as_deref().map(str::as_bytes) != Some(b.as_slice()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.disk.is_some(),
            Err(_) => false,
        }
    }

    pub fn can_undo(&self) -> bool {
        self.undo.is_some()
    }

    /// Restore the file as it was before the last change.
    pub fn undo(&mut self, known_rules: &[&str]) -> Result<(), AllowlistError> {
        let Some(prev) = self.undo.take() else {
            return Err(AllowlistError::Edit("nothing to undo".into()));
        };
        let restored = Self::from_text(&self.path, &prev, known_rules)?;
        let (lock, now) = self.lock_and_read()?;
        if now != self.disk {
            // Undoing would drop what another process wrote since.
            if let Some(text) = &now {
                let fresh = Self::from_text(&self.path, text, known_rules)?;
                self.doc = fresh.doc;
                self.allowlist = fresh.allowlist;
            }
            self.disk = now;
            return Err(AllowlistError::ChangedOnDisk {
                path: self.path.clone(),
                what: "undo would drop that change".into(),
            });
        }
        lock.write(&prev).map_err(|e| self.write_err(e))?;
        drop(lock);
        self.doc = restored.doc;
        self.allowlist = restored.allowlist;
        self.disk = Some(prev);
        Ok(())
    }
}
