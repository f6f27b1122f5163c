//! The directory around the followed path: where rotated files are.
//!
//! Polling (or a reader that fell behind) can miss whole rotations: with a
//! rotation every 50 ms and a 250 ms poll, the path names a file three
//! generations on from the one we hold. The files in between are still in
//! the directory under rotated names, so at every rotation the directory is
//! listed and each regular file with a rotator's name for the path
//! (`audit.log.1`, `audit.log-20240101`, kube-apiserver's
//! `audit-2024-01-01T00-00-00.000.log`: see `Dir::rotated_name`), that we
//! do not hold and have not read to its end, is read whole, oldest first.
//! Our own stdout/stderr are never candidates; a file that appears named
//! like the log (its stem first) but not like a rotation is not read and
//! is named once in a gap (`Missed::unlike`). (Any name starting with the
//! stem used to count: `scripts/identity-flood.py`'s `flood-N.follow.out`
//! beside `flood-N.jsonl`, empty when listed at the start, was read at the
//! first end of file as a copytruncate copy: its 100,000 lines malformed
//! "(after rotation 1)", with a false truncation gap.) Files
//! are told apart by device + inode and, since inodes are reused, by their
//! first bytes (1 KiB). What was there when following started, and what
//! we finished reading, is remembered as [`Known`] (offset read to), so it
//! is not read again; past [`MAX_KNOWN`] files the memory is pruned to
//! what the directory holds. (Pruned at every listing, it forgot files a
//! listing racing a logrotate rename chain did not show, and read them
//! again: 50 to 1,300 of 10,000 lines read twice in
//! `scripts/rotation-stress.py --mode rename`.)
//!
//! Compressed names (`.gz` …) are skipped: they are copies of files read
//! before (logrotate `compress`), and a rotated file compressed before we
//! saw it cannot be read here (see the README's guarantees).

use super::generation::{FileId, Generation, Head, file_id, read_head};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// A file we do not hold open: its first bytes and how far it was read.
#[derive(Debug, Clone)]
pub(super) struct Known {
    pub head: Head,
    pub offset: u64,
}

/// A rotated file to read: opened, with the offset to start from.
pub(super) struct Found {
    pub file: File,
    pub id: FileId,
    pub path: PathBuf,
    pub start: u64,
    /// Its size when found.
    pub size: u64,
    born: Option<SystemTime>,
    suffix: Option<u64>,
    /// It starts like the generation being read but does not hold what
    /// we read of it: read whole, and what it repeats cannot be told.
    pub overlap: bool,
}

/// After a truncation: the live file and what we read of the generation
/// truncated (or, at the first end of file, of the one begun since).
pub(super) struct Live<'a> {
    pub file: &'a mut File,
    /// The first bytes of the generation we are reading, as we read them.
    pub ours: &'a Head,
    /// `ours` is still at the path (the first end of file after a
    /// truncation): a rotated file starting like it is its copy being
    /// made, read from our offset when its truncation is seen.
    pub ours_live: bool,
}

/// What [`Dir::missed`] found.
#[derive(Default)]
pub(super) struct Missed {
    pub found: Vec<Found>,
    pub renamed: Vec<(FileId, PathBuf)>,
    pub failed: Vec<(PathBuf, io::Error)>,
    pub raced: bool,
    /// Files that appeared named like the log but not like a rotation of
    /// it: not read, named in a notice (once each).
    pub unlike: Vec<PathBuf>,
}

/// Files remembered as read before the memory is pruned to what a listing
/// shows (up to 1 KiB of head each).
const MAX_KNOWN: usize = 1024;

const COMPRESSED: &[&str] = &["gz", "bz2", "xz", "zst", "lz4", "lzo", "z", "zip", "br"];

pub(super) struct Dir {
    pub dir: PathBuf,
    name: OsString,
    stem: String,
    /// Our own stdout/stderr (files): never read as the log.
    own: Vec<FileId>,
}

impl Dir {
    pub fn new(path: &Path) -> Dir {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let name = path.file_name().map(OsString::from).unwrap_or_default();
        let full = name.to_string_lossy().into_owned();
        let stem = match full.split('.').next() {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => full,
        };
        Dir {
            dir: dir.unwrap_or(Path::new(".")).to_path_buf(),
            name,
            stem,
            own: own_outputs(),
        }
    }

    /// Is `n` a rotated name of the followed file? Only the names rotators
    /// give: the name (or the name without its last extension, the
    /// extension kept after the tag) followed by `.`, `-` or `_` and a tag
    /// of digits and date separators: `audit.log.1`, `audit.log-20240101`,
    /// `audit.1.log`, kube-apiserver's `audit-2024-01-01T00-00-00.000.log`.
    /// (A bare prefix of the stem also took `audit.log.out`, an output
    /// written beside the log, as a missed rotation: its lines were read
    /// as the log's, with a false truncation gap.) Compressed names no.
    fn rotated_name(&self, n: &OsStr) -> bool {
        let s = n.to_string_lossy();
        let name = self.name.to_string_lossy();
        if n == self.name.as_os_str() || compressed(&s) {
            return false;
        }
        let tagged = |rest: &str| {
            let mut c = rest.chars();
            matches!(c.next(), Some('.' | '-' | '_')) && rotation_tag(c.as_str())
        };
        if s.strip_prefix(&*name).is_some_and(tagged) {
            return true;
        }
        match name.rsplit_once('.') {
            Some((prefix, ext)) if !prefix.is_empty() => s
                .strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(ext))
                .and_then(|r| r.strip_suffix('.'))
                .is_some_and(tagged),
            _ => false,
        }
    }

    /// Named like the log (its stem first) without a rotated name: not
    /// read, but named once in a notice if it appears while following.
    fn like_name(&self, n: &OsStr) -> bool {
        n != self.name.as_os_str() && n.to_string_lossy().starts_with(&self.stem)
    }

    /// `.N` right after the followed name (logrotate's numbering).
    fn suffix(&self, n: &OsStr) -> Option<u64> {
        let s = n.to_string_lossy();
        let rest = s.strip_prefix(&*self.name.to_string_lossy())?;
        rest.strip_prefix('.')?.parse().ok()
    }

    /// Regular files of the directory other than the followed name and our
    /// own outputs, with their (device, inode). `only_like`: those named
    /// like the log (`like_name`). An unreadable directory lists nothing.
    fn entries(&self, only_like: bool) -> Vec<(PathBuf, FileId, u64)> {
        let Ok(rd) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        rd.filter_map(Result::ok)
            .filter(|e| {
                let n = e.file_name();
                n != self.name.as_os_str() && (!only_like || self.like_name(&n))
            })
            .filter_map(|e| {
                let m = fs::metadata(e.path()).ok().filter(|m| m.is_file())?;
                let id = file_id(&m);
                if self.own.contains(&id) {
                    trace!("{} is our own output: not read", e.path().display());
                    return None;
                }
                Some((e.path(), id, m.len()))
            })
            .collect()
    }

    /// What the directory holds now that looks rotated (or is named like
    /// the log): remembered so that it is not read as a missed generation,
    /// or named as an unlike one, later.
    pub fn snapshot(&self, known: &mut HashMap<FileId, Known>) {
        for (path, id, size) in self.entries(true) {
            if let Ok(mut f) = File::open(&path) {
                if let Ok(head) = read_head(&mut f) {
                    known.insert(id, Known { head, offset: size });
                }
            }
        }
    }

    /// Rotated files we do not hold and have not read to their end, oldest
    /// first. `held`: the generations open now (their new names are
    /// returned in `renamed`). Unopenable ones are returned in `failed`.
    /// `raced`: a name changed file between the listing and the open (a
    /// rotation during the scan), so something may have been missed: the
    /// caller lists again.
    ///
    /// `live` (after a truncation): each file found is a copy copytruncate
    /// made. Copies of what the path holds, or of the generation we read,
    /// are not missed generations (reading them whole would repeat lines):
    ///
    /// * an empty file (no fingerprint yet) is a copy being written: left
    ///   for a later look (the next truncation's, or the first end of file
    ///   after it), when its first bytes tell whose copy it is;
    /// * a file starting like the live file is a copy of the live content
    ///   being made: read at its truncation. The live head is read *after*
    ///   the files' heads, so a copy finished before that read is either
    ///   still at the path or truncated away (then found as missed later);
    /// * a file starting like `ours`: see [`Live::ours_live`]; otherwise
    ///   (the copy [`Dir::copy_of`] did not take) it is read whole and
    ///   flagged `overlap`, so the repeat is reported, not silent.
    pub fn missed(
        &self,
        held: &[FileId],
        known: &mut HashMap<FileId, Known>,
        live: Option<Live<'_>>,
    ) -> Missed {
        let mut m = Missed::default();
        let mut heads = Vec::new();
        let entries = self.entries(true);
        // A listing made while names are renamed can miss a file that is
        // there: forgotten, it would be read again whole. So the memory is
        // pruned to the listing only past a bound.
        if known.len() > MAX_KNOWN {
            known.retain(|id, _| entries.iter().any(|(_, e, _)| e == id));
        }
        let (entries, like): (Vec<_>, Vec<_>) = entries
            .into_iter()
            .partition(|(p, _, _)| self.rotated_name(p.file_name().unwrap_or_default()));
        for (path, id, size) in like {
            if held.contains(&id) {
                m.renamed.push((id, path)); // a file we hold, renamed oddly
                continue;
            }
            // Not a rotation by name (an output written beside the log, a
            // copy under another name): named once, never read.
            if let std::collections::hash_map::Entry::Vacant(v) = known.entry(id) {
                trace!(
                    "{} named like the log, not a rotation: not read",
                    path.display()
                );
                let head = File::open(&path).and_then(|mut f| read_head(&mut f));
                v.insert(Known {
                    head: head.unwrap_or_default(),
                    offset: size,
                });
                m.unlike.push(path);
            }
        }
        for (path, listed, _) in entries {
            if held.contains(&listed) {
                m.renamed.push((listed, path));
                continue;
            }
            if m.found.iter().any(|f| f.id == listed) {
                continue;
            }
            let mut file = match File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => {
                    m.failed.push((path, e));
                    continue;
                }
            };
            let Ok(meta) = file.metadata() else { continue };
            // Renamed between the listing and the open: it is whatever
            // file we opened (the next rotation's scan sees the rest).
            let id = file_id(&meta);
            m.raced |= id != listed;
            if held.contains(&id) || m.found.iter().any(|f| f.id == id) {
                continue;
            }
            let Ok(head) = read_head(&mut file) else {
                continue;
            };
            let start = match known.get(&id) {
                Some(k) if head.compatible(&k.head) => {
                    if meta.len() <= k.offset {
                        continue;
                    }
                    k.offset
                }
                _ => 0, // new, or the inode was reused for new content
            };
            let born = meta.created().or_else(|_| meta.modified()).ok();
            let suffix = self.suffix(path.file_name().unwrap_or_default());
            m.found.push(Found {
                file,
                id,
                path,
                start,
                size: meta.len(),
                born,
                suffix,
                overlap: false,
            });
            heads.push(head);
        }
        if let Some(live) = live {
            // After every candidate's head: see the doc above. Unreadable:
            // nothing can be placed, all is left for the next look.
            let Ok(live_head) = read_head(live.file) else {
                m.found.clear();
                m.raced = true;
                return m;
            };
            let mut heads = heads.into_iter();
            m.found.retain_mut(|f| {
                let head = heads.next().unwrap_or_default();
                let like = |h: &Head| !h.is_empty() && head.compatible(h);
                let copy = like(&live_head) || live.ours_live && like(live.ours);
                let keep = !head.is_empty() && !copy;
                f.overlap = keep && like(live.ours);
                trace!(
                    "candidate {} head at {} len {}: {}",
                    f.path.display(),
                    head.at,
                    head.bytes.len(),
                    if !keep {
                        "left (copy of live or ours, or empty)"
                    } else if f.overlap {
                        "overlap"
                    } else {
                        "missed"
                    }
                );
                keep
            });
        }
        m.found.sort_by(older_first);
        m
    }

    /// The copy copytruncate made of `g` before truncating it: another file
    /// holding everything we read of `g` (same first bytes, same bytes
    /// before our offset). The largest if several do.
    pub fn copy_of(&self, g: &Generation, held: &[FileId]) -> Option<(File, FileId, PathBuf)> {
        let mut best: Option<(File, FileId, PathBuf, u64)> = None;
        for (path, id, size) in self.entries(false) {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let compressed = name
                .rsplit_once('.')
                .is_some_and(|(_, e)| COMPRESSED.contains(&e.to_ascii_lowercase().as_str()));
            if id == g.id || held.contains(&id) || size < g.offset || compressed {
                continue;
            }
            if best.as_ref().is_some_and(|b| b.3 >= size) {
                continue;
            }
            let Ok(mut f) = File::open(&path) else {
                continue;
            };
            if g.same_content(&mut f, size).unwrap_or(false) {
                best = Some((f, id, path, size));
            }
        }
        best.map(|(f, id, p, _)| (f, id, p))
    }
}

/// A rotator's tag: digits with date/time separators (`1`, `20240101`,
/// `2024-01-01T00-00-00.000`, `1733000000.123456-000001`).
fn rotation_tag(t: &str) -> bool {
    t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes().all(|b| {
            b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.' | b':' | b'T' | b'Z' | b'+')
        })
}

fn compressed(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| COMPRESSED.contains(&ext.to_ascii_lowercase().as_str()))
}

/// This process's stdout and stderr when they are regular files: what we
/// write is never the followed log, whatever its name.
fn own_outputs() -> Vec<FileId> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        [
            io::stdout().as_fd().try_clone_to_owned(),
            io::stderr().as_fd().try_clone_to_owned(),
        ]
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|fd| File::from(fd).metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| file_id(&m))
        .collect()
    }
    #[cfg(not(unix))]
    Vec::new()
}

/// Creation (else modification) time; on a tie (coarse timestamps), a
/// larger logrotate number is older, else names sort by date.
fn older_first(a: &Found, b: &Found) -> Ordering {
    a.born
        .cmp(&b.born)
        .then_with(|| match (a.suffix, b.suffix) {
            (Some(x), Some(y)) => y.cmp(&x),
            _ => Ordering::Equal,
        })
        .then_with(|| a.path.cmp(&b.path))
}

pub(super) fn sort_older_first(found: &mut [Found]) {
    found.sort_by(older_first);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rotators_names_are_rotated_names() {
        let d = Dir::new(Path::new("/var/log/audit.log"));
        for n in [
            "audit.log.1",
            "audit.log.12",
            "audit.log-20240101",
            "audit.log-2024010112",
            "audit.log.2024-01-01",
            "audit.log_1",
            "audit.1.log",
            "audit-2024-01-01T00-00-00.000.log",
            "audit-1733000000.123456-000001.log",
        ] {
            assert!(d.rotated_name(OsStr::new(n)), "{n}");
        }
        for n in [
            "audit.log",
            "audit.log.1.gz",
            "audit.log-20240101.zst",
            "audit.log.out",
            "audit.log.follow.out",
            "audit.log.tmp",
            "audit.log.old",
            "audit.log.1.out",
            "audit.out",
            "audit.log.",
            "audit..log",
            "auditor.log.1",
            "audit-backup.log",
        ] {
            assert!(!d.rotated_name(OsStr::new(n)), "{n}");
        }
        let d = Dir::new(Path::new("identity-flood-3000.jsonl"));
        for n in [
            "identity-flood-3000.out",
            "identity-flood-3000.follow.out",
            "identity-flood-3000.follow.out.err",
            "identity-flood-3000.jsonl.tmp",
        ] {
            assert!(!d.rotated_name(OsStr::new(n)), "{n}");
            assert!(d.like_name(OsStr::new(n)), "{n}: named in a notice if new");
        }
    }
}
