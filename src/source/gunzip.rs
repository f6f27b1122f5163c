//! gzip, decided by the magic bytes (never the file name), read the way
//! `gzip -dc` reads it: every member of a concatenated file, trailing zero
//! padding (tape blocks, some copy tools) ignored. Damage is an error that
//! names the compressed byte offset, raised only after every byte before it
//! was delivered, so the reader judges what came first and reports the rest.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::read::BLOCK;

const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Counts the bytes read through it (the compressed offset of damage).
struct Counting<R> {
    inner: R,
    n: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.fetch_add(k as u64, Ordering::Relaxed);
        Ok(k)
    }
}

type Inner = BufReader<Counting<Box<dyn Read + Send>>>;

/// A multi-member gzip stream.
pub struct Gunzip {
    member: Option<flate2::bufread::GzDecoder<Inner>>,
    rest: Option<Inner>,
    consumed: Arc<AtomicU64>,
    members: u64,
    done: bool,
}

impl Gunzip {
    fn new(r: Inner, consumed: Arc<AtomicU64>) -> Self {
        Gunzip {
            member: None,
            rest: Some(r),
            consumed,
            members: 0,
            done: false,
        }
    }

    /// Where in the compressed stream the decoder is (read-ahead included).
    fn offset(&self) -> u64 {
        let buffered = match (&self.member, &self.rest) {
            (Some(m), _) => m.get_ref().buffer().len(),
            (None, Some(r)) => r.buffer().len(),
            _ => 0,
        } as u64;
        self.consumed
            .load(Ordering::Relaxed)
            .saturating_sub(buffered)
    }

    fn damaged(&self, e: &io::Error) -> io::Error {
        let what = if e.kind() == io::ErrorKind::UnexpectedEof {
            "gzip data ends early (truncated file?)".to_string()
        } else {
            format!("gzip data is damaged ({e})")
        };
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{what} at compressed byte {} (member {})",
                self.offset(),
                self.members.max(1)
            ),
        )
    }

    /// Between members: another member, zero padding, or the end.
    fn next_member(&mut self) -> io::Result<bool> {
        let Some(mut r) = self.rest.take() else {
            return Ok(false);
        };
        loop {
            let buf = r.fill_buf()?;
            if buf.is_empty() {
                return Ok(false);
            }
            if buf.starts_with(&MAGIC) || (buf.len() == 1 && buf[0] == MAGIC[0]) {
                self.members += 1;
                self.member = Some(flate2::bufread::GzDecoder::new(r));
                return Ok(true);
            }
            let zeros = buf.iter().take_while(|&&b| b == 0).count();
            if zeros == 0 {
                let at = self.consumed.load(Ordering::Relaxed) - buf.len() as u64;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("data after the gzip stream is not gzip (at compressed byte {at})"),
                ));
            }
            r.consume(zeros);
        }
    }
}

impl Read for Gunzip {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.done {
                return Ok(0);
            }
            if let Some(m) = self.member.as_mut() {
                match m.read(buf) {
                    Ok(0) if !buf.is_empty() => {
                        let m = self.member.take().expect("member");
                        self.rest = Some(m.into_inner());
                    }
                    Ok(n) => return Ok(n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        self.done = true;
                        return Err(self.damaged(&e));
                    }
                }
            } else {
                match self.next_member() {
                    Ok(true) => {}
                    Ok(false) => {
                        self.done = true;
                        return Ok(0);
                    }
                    Err(e) => {
                        self.done = true;
                        return Err(e);
                    }
                }
            }
        }
    }
}

/// Peek at the first bytes: gzip's magic means decompress.
pub fn maybe_gunzip(r: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    let consumed = Arc::new(AtomicU64::new(0));
    let mut br = BufReader::with_capacity(
        BLOCK,
        Counting {
            inner: r,
            n: consumed.clone(),
        },
    );
    let head = br.fill_buf()?;
    if head.starts_with(&MAGIC) {
        Ok(Box::new(Gunzip::new(br, consumed)))
    } else {
        Ok(Box::new(br))
    }
}

/// True when the stream starts with gzip's magic.
pub fn is_gzip_file(path: &std::path::Path) -> bool {
    let mut head = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == MAGIC
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read(bytes: Vec<u8>) -> (Vec<u8>, Option<String>) {
        let mut r = maybe_gunzip(Box::new(io::Cursor::new(bytes))).unwrap();
        let mut out = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return (out, None),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }

    #[test]
    fn members_and_zero_padding_read_fully() {
        let mut b = gz(b"one\n");
        b.extend(gz(b"two\n"));
        b.extend([0u8; 512]);
        assert_eq!(read(b), (b"one\ntwo\n".to_vec(), None));
    }

    #[test]
    fn truncation_keeps_what_came_before_and_says_where() {
        let data: Vec<u8> = (0..20000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut b = gz(&data);
        let cut = b.len() - 40;
        b.truncate(cut);
        let (out, err) = read(b);
        let err = err.expect("an error");
        assert!(err.contains("ends early"), "{err}");
        assert!(err.contains("compressed byte"), "{err}");
        assert!(out.len() > data.len() / 2 && data.starts_with(&out));
        // Garbage after a member is not silently taken as the end.
        let mut b = gz(b"x\n");
        b.extend(b"garbage");
        assert!(read(b).1.unwrap().contains("not gzip"));
    }
}
