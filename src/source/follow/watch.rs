//! The inotify side: a watch on the directory holding the path, which sees
//! writes to the file as well as its creation, renaming and deletion. (If the
//! path is a symlink into another directory, appends are seen at the re-check.)

use super::generation::{FileId, file_id};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};

pub(super) struct Watch {
    watcher: RecommendedWatcher,
    pub rx: Receiver<notify::Result<notify::Event>>,
    dir: PathBuf,
    /// The directory's identity when watched (`None`: missing or not
    /// watchable yet, retried at each re-check).
    dir_id: Option<FileId>,
    name: Option<OsString>,
}

impl Watch {
    pub fn new(path: &Path) -> notify::Result<Watch> {
        let (tx, rx) = mpsc::channel();
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let mut w = Watch {
            watcher: notify::recommended_watcher(tx)?,
            rx,
            dir: dir.unwrap_or(Path::new(".")).to_path_buf(),
            dir_id: None,
            name: path.file_name().map(OsString::from),
        };
        w.rewatch();
        Ok(w)
    }

    /// (Re-)watch the directory if it was missing or has been replaced.
    pub fn rewatch(&mut self) {
        let now = fs::metadata(&self.dir).ok().map(|m| file_id(&m));
        if now.is_some() && now != self.dir_id {
            let ok = self
                .watcher
                .watch(&self.dir, RecursiveMode::NonRecursive)
                .is_ok();
            self.dir_id = if ok { now } else { None };
        }
    }

    /// Could this event mean there is something to read? Opens and closes
    /// (ours included) do not; while a retired file is being drained, any
    /// write in the directory may be to it under its new name.
    pub fn relevant(&self, ev: &notify::Result<notify::Event>, any_name: bool) -> bool {
        let Ok(ev) = ev else { return true };
        let ours = || {
            ev.paths
                .iter()
                .any(|p| p.file_name() == self.name.as_deref())
        };
        ev.need_rescan() || (!matches!(ev.kind, EventKind::Access(_)) && (any_name || ours()))
    }
}
