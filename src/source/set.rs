//! The set of inputs a command was given: files, `-` for stdin, and
//! directories of rotated logs, opened in one place for `scan` and the TUI.

use super::read::{SourceError, open};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

impl Input {
    pub fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stdin => "(stdin)".into(),
        }
    }

    /// Open it, un-gzipping by magic bytes.
    pub fn open(&self) -> Result<Box<dyn Read + Send>, SourceError> {
        match self {
            Input::File(p) => open(p),
            Input::Stdin => super::gunzip::maybe_gunzip(Box::new(io::stdin())).map_err(|cause| {
                SourceError::Read {
                    path: "(stdin)".into(),
                    cause,
                }
            }),
        }
    }
}

/// What the paths expand to.
#[derive(Debug, Default)]
pub struct InputSet {
    pub inputs: Vec<Input>,
    /// Files in a given directory that are not audit logs (said, not read).
    pub skipped: Vec<PathBuf>,
    /// The file to follow after loading: the live file of a directory, else
    /// the last path given.
    pub live: Option<PathBuf>,
}

/// Expand paths: `-` is stdin, a directory is every audit log in it.
/// Missing files are errors here, before anything is read.
pub fn resolve(paths: &[PathBuf]) -> Result<InputSet, SourceError> {
    let mut set = InputSet::default();
    for p in paths {
        if p.as_os_str() == "-" {
            set.inputs.push(Input::Stdin);
            set.live = None;
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|cause| SourceError::Open {
            path: p.display().to_string(),
            cause,
        })?;
        if meta.is_dir() {
            let l = list_dir(p).map_err(|cause| SourceError::Open {
                path: p.display().to_string(),
                cause,
            })?;
            if l.logs.is_empty() {
                return Err(SourceError::Open {
                    path: p.display().to_string(),
                    cause: io::Error::other(
                        "directory holds no audit log (*.log, *.json, *.jsonl, rotated or gzip)",
                    ),
                });
            }
            set.inputs.extend(l.logs.into_iter().map(Input::File));
            set.skipped.extend(l.skipped);
            set.live = l.live;
        } else {
            set.inputs.push(Input::File(p.clone()));
            set.live = Some(p.clone());
        }
    }
    Ok(set)
}

/// What a directory given as an input holds: the audit logs in it, oldest
/// name first, and the files left out (said in the summary).
#[derive(Debug, Default)]
pub struct DirListing {
    pub logs: Vec<PathBuf>,
    pub skipped: Vec<PathBuf>,
    /// The live file (a name with no rotation suffix), for following.
    pub live: Option<PathBuf>,
}

/// Rotated backups (`audit-2026-07-01T14-02-31.000.log[.gz]`, logrotate's
/// `audit.log.1.gz`), the live `audit.log`, and exports (`*.json`,
/// `*.jsonl`) are taken; anything else is listed as skipped. Order does not
/// matter for results (inputs are merged by event time).
pub fn list_dir(dir: &Path) -> io::Result<DirListing> {
    let mut out = DirListing::default();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            out.skipped.push(p);
            continue;
        };
        if name.starts_with('.') || !p.is_file() {
            out.skipped.push(p);
            continue;
        }
        let base = name.strip_suffix(".gz").unwrap_or(name);
        let base = base.trim_end_matches(|c: char| c.is_ascii_digit());
        let base = base.strip_suffix('.').unwrap_or(base);
        let is_log = [".log", ".json", ".jsonl", ".ndjson"]
            .iter()
            .any(|ext| base.ends_with(ext));
        if !is_log {
            out.skipped.push(p);
            continue;
        }
        let rotated = name.ends_with(".gz") || base != name || name.matches('-').count() >= 2;
        if !rotated && name.ends_with(".log") {
            // The newest plain `.log` without a date is the live file.
            out.live = Some(p.clone());
        }
        out.logs.push(p);
    }
    Ok(out)
}
