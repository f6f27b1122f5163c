//! Rotation handling for [`Follower`]: draining retired files in order,
//! queueing the rotated files found in the directory, and truncation
//! (reading copytruncate's copy, reporting the gap, starting over).

use super::gap::{Gap, GapKind};
use super::generation::{FileId, Generation, HEAD, file_id};
use super::scan_dir::{self, Known, Live};
use super::{Follower, MAX_RETIRED, OnLine, RETIRE_QUIET, SCAN_TRIES, source_name};
use std::fs::{File, Metadata};
use std::io::{self, Seek, SeekFrom};
use std::sync::Arc;

impl Follower {
    /// Drain the retired files in order; true if the budget ran out first.
    /// Quiet ones (or the oldest past `MAX_RETIRED`) are finished.
    pub(super) fn read_retired(
        &mut self,
        left: &mut u64,
        on_line: &mut OnLine<'_>,
        lines: &mut usize,
    ) -> bool {
        let mut i = 0;
        while i < self.retired.len() {
            let successor = self.current.is_some() || i + 1 < self.retired.len();
            let g = &mut self.retired[i];
            match g.read(&mut self.buf, *left, on_line, lines, &mut self.gaps) {
                Ok((n, eof)) => {
                    self.bytes_read += n;
                    *left = left.saturating_sub(n);
                    // Grew after it was drained to its end while a newer
                    // file existed: the writer is still on it.
                    if n > 0 && g.drained && successor && !g.written_after_successor {
                        g.written_after_successor = true;
                        self.not_reopened += 1;
                    }
                    if std::mem::take(&mut g.rewritten_under_read) {
                        // A rotated file truncated under us: no copy to
                        // look for; what it held past our offset is lost.
                        self.gaps.push(Gap {
                            source: g.source.clone(),
                            offset: g.offset - g.splitter.pending() as u64,
                            kind: GapKind::Truncated { copy: None },
                        });
                        g.unreadable = true;
                    } else if !eof {
                        return true;
                    } else {
                        g.drained = true;
                    }
                }
                Err(e) => {
                    // NFS: deleted on the server. Not worth failing the
                    // follow for, but what it held further is unread.
                    let path = g.now_at.clone().unwrap_or_else(|| self.path.clone());
                    self.gaps.push(Gap {
                        source: g.source.clone(),
                        offset: g.offset,
                        kind: GapKind::Unreadable {
                            path,
                            error: e.to_string(),
                        },
                    });
                    g.unreadable = true;
                }
            }
            let over = self.retired.len() > MAX_RETIRED && i == 0;
            let g = &self.retired[i];
            if over || g.unreadable || g.last_growth.elapsed() >= RETIRE_QUIET {
                let g = self.retired.remove(i);
                let k = Known {
                    head: g.head.clone(),
                    offset: g.offset,
                };
                self.known.insert(g.id, k);
                g.finish(on_line, lines, &mut self.gaps);
                continue;
            }
            i += 1;
        }
        false
    }

    /// The current file was truncated: read what its copy (copytruncate)
    /// holds past our offset, report the possible gap, start over at 0.
    pub(super) fn truncated(
        &mut self,
        on_line: &mut OnLine<'_>,
        lines: &mut usize,
    ) -> io::Result<()> {
        let held: Vec<FileId> = self.retired.iter().map(|g| g.id).collect();
        let Some(cur) = self.current.as_mut() else {
            return Ok(());
        };
        let mut copy_path = None;
        if let Some((file, id, path)) = self.dir.copy_of(cur, &held) {
            // Same splitter: the copy's lines keep their numbers.
            let own = std::mem::replace(&mut cur.file, file);
            let read = cur
                .file
                .seek(SeekFrom::Start(cur.offset))
                .and_then(|_| cur.read(&mut self.buf, u64::MAX, on_line, lines, &mut self.gaps));
            cur.file = own;
            // The copy changed under the read: the gap below says the rest.
            cur.rewritten_under_read = false;
            trace!(
                "truncated {} at {}: copy {} read {:?}",
                cur.source,
                cur.offset,
                path.display(),
                read.as_ref().map(|r| r.0).map_err(|e| e.to_string())
            );
            if let Ok((n, _)) = read {
                self.bytes_read += n;
                let k = Known {
                    head: cur.head.clone(),
                    offset: cur.offset,
                };
                self.known.insert(id, k);
                copy_path = Some(path);
            }
        }
        let found_copy = copy_path.is_some();
        self.gaps.push(Gap {
            source: cur.source.clone(),
            offset: cur.offset - cur.splitter.pending() as u64,
            kind: GapKind::Truncated { copy: copy_path },
        });
        trace!(
            "truncated {} at {}: copy found {}",
            cur.source, cur.offset, found_copy
        );
        // Several copytruncates since the last look: the generations in
        // between are only in their copies, read before the live file.
        let id = cur.id;
        self.scan_missed(Some(id), Some(false));
        self.rotations += 1;
        let source = source_name(&self.path, self.rotations, 0);
        let cur = self.current.as_mut().expect("checked above");
        cur.restart(source, &mut self.gaps)?;
        cur.fresh = true;
        Ok(())
    }

    /// The live file just reached its end for the first time since it was
    /// opened or truncated: copytruncates between the listing in
    /// `truncated` and our first read left copies nobody read. Any rotated
    /// file not read yet that is not a copy of the live content is one.
    /// True if some were queued (to be read before going on).
    pub(super) fn after_first_eof(&mut self) -> io::Result<bool> {
        let Some(cur) = self.current.as_mut() else {
            return Ok(false);
        };
        if !cur.fresh {
            return Ok(false);
        }
        // Renamed away (a poll interval can hold several rename rotations):
        // the files found are rename rotations, listed when the successor
        // is opened, not copies with a gap.
        match std::fs::metadata(&self.path) {
            Ok(m) if file_id(&m) == cur.id => {}
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => return Ok(false),
        }
        // Until a whole first line is read there is no fingerprint that
        // tells our generation from the others: look again at each end of
        // file.
        cur.fresh = cur.head.bytes.len() < HEAD && !cur.head.bytes.contains(&b'\n');
        trace!(
            "first eof of {} at {}: head len {} {:?}",
            cur.source,
            cur.offset,
            cur.head.bytes.len(),
            String::from_utf8_lossy(&cur.head.bytes[..cur.head.bytes.len().min(24)])
        );
        let (id, before) = (cur.id, self.retired.len());
        self.scan_missed(Some(id), Some(true));
        let cur = self.current.as_mut().expect("checked above");
        cur.file.seek(SeekFrom::Start(cur.offset))?;
        Ok(self.retired.len() > before)
    }

    /// Open whatever the path names now, if anything, after looking for
    /// rotated files missed since the last look; true if opened (or a
    /// retired file resumed: renamed away and back).
    pub(super) fn open_current(&mut self) -> io::Result<bool> {
        // The path first, then the directory: a rotation in between leaves
        // the file we hold under a rotated name, where the listing skips it.
        let opened = match File::open(&self.path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            r => {
                let file = r?;
                let meta = file.metadata()?;
                if meta.is_dir() {
                    return Err(io::Error::other("is a directory"));
                }
                Some((file, meta))
            }
        };
        if let Some((_, meta)) = &opened {
            let id = file_id(meta);
            if let Some(i) = self.retired.iter().position(|g| g.id == id) {
                // Renamed away and back: resume it rather than read it again.
                self.current = Some(self.retired.remove(i));
                return Ok(true);
            }
        }
        if opened.is_some() && self.opened_any || self.need_scan {
            self.scan_missed(opened.as_ref().map(|(_, m)| file_id(m)), None);
        }
        let Some((file, meta)) = opened else {
            return Ok(false);
        };
        self.start_current(file, &meta)?;
        Ok(true)
    }

    /// Queue the rotated files not read yet (oldest first) behind the
    /// retired ones; `at_path`: the file just opened at the path.
    /// `truncated`: after a truncation (`Some(ours_live)`, see
    /// [`Live::ours_live`]); each file found is then a missed copytruncate
    /// copy, and what was written between that copy and its truncation is
    /// a possible gap.
    pub(super) fn scan_missed(&mut self, at_path: Option<FileId>, truncated: Option<bool>) {
        let mut held: Vec<FileId> = self.retired.iter().map(|g| g.id).collect();
        held.extend(at_path);
        // Rotations during the listing: list again (found files are held by
        // then); still racing after a few tries, again at the next read.
        let mut found = Vec::new();
        let (mut renamed, mut failed, mut unlike) = (Vec::new(), Vec::new(), Vec::new());
        let mut raced = true;
        for _ in 0..SCAN_TRIES {
            let live = match (truncated, self.current.as_mut()) {
                (Some(ours_live), Some(cur)) => Some(Live {
                    file: &mut cur.file,
                    ours: &cur.head,
                    ours_live,
                }),
                _ => None,
            };
            let mut m = self.dir.missed(&held, &mut self.known, live);
            held.extend(m.found.iter().map(|f| f.id));
            found.append(&mut m.found);
            renamed.append(&mut m.renamed);
            failed.append(&mut m.failed);
            unlike.append(&mut m.unlike);
            raced = m.raced;
            if !raced {
                break;
            }
        }
        self.need_scan = raced;
        self.scan_after_truncation = raced && truncated.is_some();
        scan_dir::sort_older_first(&mut found);
        for (id, to) in renamed {
            if let Some(g) = self.retired.iter_mut().find(|g| g.id == id) {
                g.now_at = Some(to);
            }
        }
        for (path, e) in failed {
            self.gaps.push(Gap {
                source: Arc::from(path.display().to_string()),
                offset: 0,
                kind: GapKind::Unreadable {
                    path,
                    error: e.to_string(),
                },
            });
        }
        for path in unlike {
            self.gaps.push(Gap {
                source: Arc::from(self.path.display().to_string()),
                offset: 0,
                kind: GapKind::NotRotation { path },
            });
        }
        for f in found {
            self.rotations += 1;
            let mut g = Generation::new(f.file, f.id, source_name(&self.path, self.rotations, 0));
            if g.start_at(f.start).is_err() {
                continue;
            }
            trace!(
                "missed {} from {} size {} as {} (after truncation: {})",
                f.path.display(),
                f.start,
                f.size,
                g.source,
                truncated.is_some()
            );
            if truncated.is_some() {
                self.gaps.push(Gap {
                    source: g.source.clone(),
                    offset: f.size,
                    kind: GapKind::Truncated {
                        copy: Some(f.path.clone()),
                    },
                });
            }
            if f.overlap {
                self.gaps.push(Gap {
                    source: g.source.clone(),
                    offset: 0,
                    kind: GapKind::Overlap {
                        path: f.path.clone(),
                    },
                });
            }
            g.now_at = Some(f.path);
            self.retired.push(g);
        }
    }

    /// Make the file just opened at the path the current generation.
    fn start_current(&mut self, file: File, meta: &Metadata) -> io::Result<()> {
        let first = !self.opened_any;
        self.rotations += u64::from(!first);
        self.opened_any = true;
        let source = source_name(&self.path, self.rotations, 0);
        let mut g = Generation::new(file, file_id(meta), source);
        if first && !self.opts.from_start && meta.len() > 0 {
            g.skip_to_tail(&mut self.buf, meta.len())?;
            g.source = source_name(&self.path, 0, g.offset);
        }
        // Copytruncate before the first read of the first file is looked
        // for at its first end (renames are seen by inode instead).
        g.fresh = first;
        self.current = Some(g);
        Ok(())
    }
}
