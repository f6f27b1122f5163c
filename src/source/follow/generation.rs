//! One file generation: an open descriptor, where we are in it, and what
//! identifies its content (device + inode, the first bytes, the bytes just
//! before our offset) so a truncate-and-regrow is told from an append.

use super::OnLine;
use super::gap::{Gap, GapKind, Gaps};
use crate::audit::lines::{DEFAULT_MAX_LINE, Line, LineSplitter};
use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// How many bytes before our offset are compared to detect a rewritten file.
const TAIL: usize = 32;
/// How many first bytes identify a file's content: enough to hold the start
/// of the first event (its `auditID`, timestamps and URI), which differs
/// from one file generation to the next even when line lengths are equal.
pub(super) const HEAD: usize = 1024;

/// (device, inode): what "the same file" means across renames.
pub(super) type FileId = (u64, u64);

#[cfg(unix)]
pub(super) fn file_id(m: &Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

/// Without inodes only copytruncate-style rotation is detected.
#[cfg(not(unix))]
pub(super) fn file_id(_: &Metadata) -> FileId {
    (0, 0)
}

/// A leading run of NUL bytes longer than this leaves the head unknown.
const MAX_HOLE: u64 = 64 << 20;

/// What identifies a file's content: its first `HEAD` bytes after any
/// leading NUL run (a writer without `O_APPEND` leaves a hole at the start
/// of every generation; the hole's length is part of the fingerprint).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Head {
    /// Offset of the first non-NUL byte.
    pub at: u64,
    pub bytes: Vec<u8>,
}

impl Head {
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Could both be the start of the same content (one read while the
    /// file was shorter)? An empty head matches any at the same offset.
    pub fn compatible(&self, other: &Head) -> bool {
        self.at == other.at
            && (self.bytes.starts_with(&other.bytes) || other.bytes.starts_with(&self.bytes))
    }
}

/// Read the head of a file, leaving the position wherever it ends: callers
/// seek afterwards.
pub(super) fn read_head(file: &mut File) -> io::Result<Head> {
    file.seek(SeekFrom::Start(0))?;
    let mut buf = [0u8; 8 << 10];
    let mut pos = 0u64;
    while pos < MAX_HOLE {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if let Some(i) = buf[..n].iter().position(|&b| b != 0) {
            let at = pos + i as u64;
            file.seek(SeekFrom::Start(at))?;
            let mut bytes = Vec::with_capacity(HEAD);
            file.take(HEAD as u64).read_to_end(&mut bytes)?;
            return Ok(Head { at, bytes });
        }
        pos += n as u64;
    }
    Ok(Head::default())
}

pub(super) struct Generation {
    pub file: File,
    pub id: FileId,
    pub offset: u64,
    pub splitter: LineSplitter,
    pub source: Arc<str>,
    /// The last bytes read (those just before `offset`).
    tail: Vec<u8>,
    /// The file's first bytes as read (up to `HEAD`, after a NUL hole).
    pub head: Head,
    /// Bytes from 0 read so far that were all NUL (while `head` is empty);
    /// `u64::MAX` once the head cannot be learnt from the reads.
    nul_prefix: u64,
    pub last_growth: Instant,
    /// A NUL run being skipped: (offset where it started, length so far).
    nul_run: Option<(u64, u64)>,
    /// It grew after its successor appeared at the path: the writer did
    /// not reopen.
    pub written_after_successor: bool,
    /// Read to its end at least once (as the current file, or whole).
    pub drained: bool,
    /// Opened first or after a truncation, not read to its end since: see
    /// `Follower::after_first_eof`.
    pub fresh: bool,
    /// A read failed (NFS: deleted on the server): finished at once.
    pub unreadable: bool,
    /// Where it is now, if found by inode after it was renamed.
    pub now_at: Option<PathBuf>,
    /// The last read stopped at a block that did not follow what was read
    /// before (truncated and regrown during the read): it was not used.
    pub rewritten_under_read: bool,
}

impl Generation {
    pub fn new(file: File, id: FileId, source: Arc<str>) -> Self {
        Generation {
            file,
            id,
            offset: 0,
            splitter: LineSplitter::new(DEFAULT_MAX_LINE),
            source,
            tail: Vec::with_capacity(TAIL),
            head: Head::default(),
            nul_prefix: 0,
            last_growth: Instant::now(),
            nul_run: None,
            written_after_successor: false,
            drained: false,
            fresh: false,
            unreadable: false,
            now_at: None,
            rewritten_under_read: false,
        }
    }

    /// Start at `offset` (not 0): the head is read now, since the reads
    /// will not pass through it.
    pub fn start_at(&mut self, offset: u64) -> io::Result<()> {
        self.head = read_head(&mut self.file)?;
        if self.head.is_empty() {
            self.nul_prefix = u64::MAX;
        }
        if offset > 0 {
            let k = offset.min(TAIL as u64);
            self.file.seek(SeekFrom::Start(offset - k))?;
            self.tail.resize(k as usize, 0);
            self.file.read_exact(&mut self.tail)?;
        }
        self.offset = offset;
        self.file.seek(SeekFrom::Start(offset))?;
        Ok(())
    }

    fn remember(&mut self, start: u64, data: &[u8]) {
        let h = &mut self.head;
        if h.bytes.is_empty() && self.nul_prefix == start {
            match data.iter().position(|&b| b != 0) {
                Some(i) => {
                    h.at = start + i as u64;
                    h.bytes
                        .extend_from_slice(&data[i..data.len().min(i + HEAD)]);
                }
                None => self.nul_prefix += data.len() as u64,
            }
        } else if !h.bytes.is_empty()
            && h.bytes.len() < HEAD
            && h.at + h.bytes.len() as u64 == start
        {
            let k = (HEAD - h.bytes.len()).min(data.len());
            h.bytes.extend_from_slice(&data[..k]);
        }
        let data = &data[data.len().saturating_sub(TAIL)..];
        let excess = (self.tail.len() + data.len()).saturating_sub(TAIL);
        self.tail.drain(..excess);
        self.tail.extend_from_slice(data);
    }

    /// Does `file` (of `size` bytes) hold what we read of this generation,
    /// up to `offset`: the same first bytes, the same bytes just before the
    /// offset? Leaves the position of `file` undefined.
    pub fn same_content(&self, file: &mut File, size: u64) -> io::Result<bool> {
        same_content(file, size, self.offset, &self.head, &self.tail)
    }

    /// Does the file still start with our head and hold our tail before
    /// `start`? Leaves the position after the `n` bytes just read there.
    fn still_ours(&mut self, start: u64, n: usize) -> io::Result<bool> {
        let end = start + n as u64;
        let same = same_content(&mut self.file, start, start, &self.head, &self.tail)?;
        self.file.seek(SeekFrom::Start(end))?;
        Ok(same)
    }

    /// Was the file truncated (and maybe rewritten) under us? Shrinking below
    /// the offset is the common sign; if it already regrew past it, its first
    /// bytes or those before the offset are no longer the ones we read.
    pub fn rewritten(&mut self) -> io::Result<bool> {
        if self.offset == 0 {
            return Ok(false);
        }
        let size = self.file.metadata()?.len();
        let same = same_content(&mut self.file, size, self.offset, &self.head, &self.tail)?;
        self.file.seek(SeekFrom::Start(self.offset))?;
        Ok(!same)
    }

    /// Skip existing content: start after the last newline, so a line being
    /// written is still delivered whole. With no newline in the last block
    /// (as long as the splitter's cap), the last line is reported too long.
    pub fn skip_to_tail(&mut self, buf: &mut [u8], len: u64) -> io::Result<()> {
        let from = len.saturating_sub(buf.len() as u64);
        self.file.seek(SeekFrom::Start(from))?;
        let block = &mut buf[..(len - from) as usize];
        self.file.read_exact(block)?;
        let keep = memchr::memrchr(b'\n', block).map_or(0, |i| i + 1);
        self.start_at(from + keep as u64)
    }

    /// Start over at offset 0 as a new generation (copytruncate).
    pub fn restart(&mut self, source: Arc<str>, gaps: &mut Gaps) -> io::Result<()> {
        self.close_nul_run(gaps);
        self.file.seek(SeekFrom::Start(0))?;
        self.offset = 0;
        // A fresh splitter drops the partial line held from the old content.
        self.splitter = LineSplitter::new(DEFAULT_MAX_LINE);
        self.source = source;
        self.tail.clear();
        self.head = Head::default();
        self.nul_prefix = 0;
        Ok(())
    }

    /// Read up to EOF or about `budget` bytes; returns (bytes, reached EOF).
    ///
    /// A truncate-and-regrow can fall between two reads of one loop (or
    /// between `rewritten` and the read): the block read at our offset then
    /// holds the middle of the new generation, and a fingerprint learnt from
    /// both would match neither file. So each block read past 0 is used only
    /// if, *after* it was read, the file still starts with our head and holds
    /// our tail before it; otherwise it is dropped, the read stops as at EOF
    /// with `rewritten_under_read` set, and the caller treats the truncation.
    /// (One pread of up to 1 KiB per block; blocks are up to 1 MiB.)
    pub fn read(
        &mut self,
        buf: &mut [u8],
        budget: u64,
        on_line: &mut OnLine<'_>,
        lines: &mut usize,
        gaps: &mut Gaps,
    ) -> io::Result<(u64, bool)> {
        let mut total = 0u64;
        while total < budget {
            let n = match self.file.read(buf) {
                Ok(0) => return Ok((total, true)),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let start = self.offset;
            if start > 0 && !self.head.is_empty() && !self.still_ours(start, n)? {
                self.file.seek(SeekFrom::Start(start))?;
                self.rewritten_under_read = true;
                return Ok((total, true));
            }
            total += n as u64;
            self.offset += n as u64;
            self.last_growth = Instant::now();
            self.remember(start, &buf[..n]);
            self.feed(start, &buf[..n], on_line, lines, gaps);
        }
        Ok((total, false))
    }

    /// Hand a block to the splitter, skipping NUL runs that start a line
    /// (NUL never occurs in a JSON text; a run at a line start is the hole
    /// a writer without `O_APPEND` leaves after a truncation). One NUL inside
    /// a line is left there: that line is malformed and counted as such.
    fn feed(
        &mut self,
        mut pos: u64,
        mut rest: &[u8],
        on_line: &mut OnLine<'_>,
        lines: &mut usize,
        gaps: &mut Gaps,
    ) {
        let source = &self.source;
        let mut emit = |no: u64, line: Line<'_>| {
            *lines += 1;
            on_line(source, no, line);
        };
        loop {
            if let Some((_, len)) = self.nul_run.as_mut() {
                let k = rest.iter().take_while(|&&b| b == 0).count();
                *len += k as u64;
                (pos, rest) = (pos + k as u64, &rest[k..]);
                if rest.is_empty() {
                    return;
                }
                if let Some((at, bytes)) = self.nul_run.take() {
                    gaps.push(nul_gap(source, at, bytes));
                }
            }
            let Some(i) = memchr::memchr(0, rest) else {
                self.splitter.feed(rest, &mut emit);
                return;
            };
            let line_start = if i == 0 {
                self.splitter.pending() == 0
            } else {
                rest[i - 1] == b'\n'
            };
            let upto = if line_start { i } else { i + 1 };
            self.splitter.feed(&rest[..upto], &mut emit);
            if line_start {
                self.nul_run = Some((pos + i as u64, 0));
            }
            (pos, rest) = (pos + upto as u64, &rest[upto..]);
        }
    }

    fn close_nul_run(&mut self, gaps: &mut Gaps) {
        if let Some((at, bytes)) = self.nul_run.take() {
            gaps.push(nul_gap(&self.source, at, bytes));
        }
    }

    /// The file is done: a last line without a newline is still a line.
    pub fn finish(mut self, on_line: &mut OnLine<'_>, lines: &mut usize, gaps: &mut Gaps) {
        self.close_nul_run(gaps);
        let source = &self.source;
        self.splitter.finish(&mut |no, line| {
            *lines += 1;
            on_line(source, no, line);
        });
    }
}

fn same_content(
    file: &mut File,
    size: u64,
    offset: u64,
    head: &Head,
    tail: &[u8],
) -> io::Result<bool> {
    if size < offset {
        return Ok(false);
    }
    let mut got = [0u8; HEAD + 1]; // head (and the NUL before it) and tail fit
    if !head.is_empty() {
        // The last byte of the hole, if any, must still be a NUL.
        let from = head.at.saturating_sub(1);
        let k = (head.at - from) as usize + head.bytes.len();
        file.seek(SeekFrom::Start(from))?;
        if file.read_exact(&mut got[..k]).is_err()
            || got[k - head.bytes.len()..k] != head.bytes[..]
            || (head.at > 0 && got[0] != 0)
        {
            return Ok(false);
        }
    }
    file.seek(SeekFrom::Start(offset - tail.len() as u64))?;
    Ok(file.read_exact(&mut got[..tail.len()]).is_ok() && got[..tail.len()] == *tail)
}

fn nul_gap(source: &Arc<str>, offset: u64, bytes: u64) -> Gap {
    Gap {
        source: source.clone(),
        offset,
        kind: GapKind::NulRun { bytes },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn line(n: u64) -> String {
        format!("{{\"auditID\":\"{n:08}\",\"pad\":\"same-tail-same-tail\"}}\n")
    }

    /// A truncate-and-regrow between two reads of one `read` loop (here:
    /// between two calls with a one-line buffer): the block at our offset
    /// belongs to the new generation and must not be delivered as ours.
    #[test]
    fn a_block_read_after_a_regrow_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let mut w = File::create(&path).unwrap();
        w.write_all((1..=3).map(line).collect::<String>().as_bytes())
            .unwrap();
        let file = File::open(&path).unwrap();
        let meta = file.metadata().unwrap();
        let mut g = Generation::new(file, file_id(&meta), Arc::from("audit.log"));
        let mut buf = vec![0u8; line(1).len()];
        let (mut got, mut lines, mut gaps) = (Vec::new(), 0, Gaps::default());
        let mut on_line = |_: &Arc<str>, _: u64, l: Line<'_>| {
            if let Line::Text(t) = l {
                got.push(String::from_utf8_lossy(&t[12..20]).into_owned());
            }
        };
        let (_, eof) = g
            .read(&mut buf, 1, &mut on_line, &mut lines, &mut gaps)
            .unwrap();
        assert!(!eof);
        // Truncated and regrown with lines of the same length.
        w.set_len(0).unwrap();
        let mut w = File::options().append(true).open(&path).unwrap();
        w.write_all((51..=53).map(line).collect::<String>().as_bytes())
            .unwrap();
        let (n, eof) = g
            .read(&mut buf, u64::MAX, &mut on_line, &mut lines, &mut gaps)
            .unwrap();
        assert_eq!((n, eof, g.rewritten_under_read), (0, true, true));
        assert_eq!(got, ["00000001"]);
        assert!(
            g.rewritten().unwrap(),
            "the caller then sees the truncation"
        );
    }
}
