//! Saving a file two ktriage instances may both write (the allowlist, the
//! checklist state): an exclusive lock on a `.lock` file beside it for the
//! whole read-check-write, a `.bak` of what was there, an atomic rename
//! written through a symlink (the link stays a link and the real target is
//! updated), and removal of temporary files a killed save left behind.
//!
//! The lock is `std::fs::File::lock` (flock on Unix): advisory, released
//! when the process dies, so a killed instance never wedges the others.
//! Writers re-read the file under the lock and merge their change into what
//! is on disk, so neither instance drops the other's work.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file a write really goes to: a symlink's target (followed to the
/// end, relative links resolved against the link's directory), else `path`.
pub fn resolve_target(path: &Path) -> PathBuf {
    let mut cur = path.to_path_buf();
    for _ in 0..32 {
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => match fs::read_link(&cur) {
                Ok(t) if t.is_absolute() => cur = t,
                Ok(t) => {
                    cur = cur.parent().map(|p| p.join(&t)).unwrap_or(t);
                }
                Err(_) => return cur,
            },
            _ => return cur,
        }
    }
    cur
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    path.with_file_name(format!("{name}{suffix}"))
}

fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn tmp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    format!(".{name}.tmp.")
}

fn stale_temps(target: &Path) -> Vec<PathBuf> {
    let prefix = tmp_prefix(target);
    let Ok(rd) = fs::read_dir(dir_of(target)) else {
        return Vec::new();
    };
    rd.flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect()
}

/// At startup: remove what a killed save of `path` left, under the lock
/// (taken only when there is something to remove). Returns how many.
pub fn clean_stale_temps(path: &Path) -> usize {
    let target = resolve_target(path);
    let n = stale_temps(&target).len();
    if n == 0 {
        return 0;
    }
    match WriteLock::acquire(path) {
        Ok(_lock) => n,
        Err(_) => 0,
    }
}

/// The longest a save waits for another instance's lock.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// An exclusive lock on `<target>.lock`, held until dropped.
#[derive(Debug)]
pub struct WriteLock {
    file: fs::File,
    target: PathBuf,
}

impl WriteLock {
    /// Lock the file behind `path` (through a symlink). Waits while
    /// another instance saves (saves take milliseconds), at most
    /// [`LOCK_WAIT`]: a save never hangs the UI behind a stuck process.
    pub fn acquire(path: &Path) -> std::io::Result<WriteLock> {
        let target = resolve_target(path);
        fs::create_dir_all(dir_of(&target))?;
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(sibling(&target, ".lock"))?;
        let start = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if start.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::WouldBlock,
                        format!(
                            "another process has held {} for {}s; nothing written",
                            sibling(&target, ".lock").display(),
                            LOCK_WAIT.as_secs()
                        ),
                    ));
                }
                Err(fs::TryLockError::Error(e)) => return Err(e),
            }
        }
        let lock = WriteLock { file, target };
        lock.remove_stale_temps();
        Ok(lock)
    }

    /// The real file being written.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Temporary files of an earlier save that was killed: with the lock
    /// held no other save is in progress, so any left is stale.
    fn remove_stale_temps(&self) {
        for p in stale_temps(&self.target) {
            let _ = fs::remove_file(p);
        }
    }

    /// The file's current bytes (`None` when it does not exist).
    pub fn read(&self) -> std::io::Result<Option<Vec<u8>>> {
        match fs::read(&self.target) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Keep a copy of the current file as `<target>.bak`, then replace it
    /// atomically with `text`.
    pub fn write(&self, text: &str) -> std::io::Result<()> {
        if let Ok(old) = fs::read(&self.target) {
            write_atomic(&sibling(&self.target, ".bak"), &old)?;
        }
        write_atomic(&self.target, text.as_bytes())
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Write `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over the target. A symlink at
/// `path` is written through (its target is replaced, the link kept).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = resolve_target(path);
    let dir = dir_of(&path);
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{}{}", tmp_prefix(&path), std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        if let Ok(meta) = fs::metadata(&path) {
            let _ = f.set_permissions(meta.permissions());
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, &path)?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_through_a_symlink_keeps_a_backup_and_removes_stale_temps() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real.toml");
        fs::write(&real, "old").unwrap();
        let link = d.path().join("link.toml");
        std::os::unix::fs::symlink("real.toml", &link).unwrap();
        let stale = d.path().join(".real.toml.tmp.99999");
        fs::write(&stale, "half").unwrap();
        let lock = WriteLock::acquire(&link).unwrap();
        assert!(!stale.exists(), "a killed save's temp file is removed");
        lock.write("new").unwrap();
        drop(lock);
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(
            fs::read_to_string(d.path().join("real.toml.bak")).unwrap(),
            "old"
        );
    }

    #[test]
    fn startup_removes_what_a_killed_save_left() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("checklists.json");
        assert_eq!(clean_stale_temps(&f), 0);
        assert!(
            !d.path().join("checklists.json.lock").exists(),
            "no lock file for nothing"
        );
        let stale = d.path().join(".checklists.json.tmp.4242");
        fs::write(&stale, "{").unwrap();
        assert_eq!(clean_stale_temps(&f), 1);
        assert!(!stale.exists());
    }
}
