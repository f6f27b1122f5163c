//! Where the TUI's time goes, for profiling: with `KTRIAGE_TUI_TIMING=FILE`
//! every snapshot build (worker), pane row build and frame (UI thread)
//! appends one line `<ms since start> <what> <ms taken>` to FILE, and every
//! publication `<ms since start> events <events read>` (how far behind a
//! flood the reader is: `scripts/tui-flood.sh`).
//! `scripts/tui-load.py --timing` sums them per kind. Off (one relaxed
//! atomic load per call) when the variable is unset.
//!
//! Why it exists: `perf` showed the 100k-event burst load spending 36% of
//! its samples rebuilding the checklist's 200k rows per snapshot on the UI
//! thread and 19% building snapshots on the worker; these lines put a number
//! on each without a profiler.

use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

struct Sink {
    start: Instant,
    file: Mutex<std::fs::File>,
}

fn sink() -> Option<&'static Sink> {
    static SINK: OnceLock<Option<Sink>> = OnceLock::new();
    SINK.get_or_init(|| {
        let path = std::env::var_os("KTRIAGE_TUI_TIMING")?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        Some(Sink {
            start: Instant::now(),
            file: Mutex::new(file),
        })
    })
    .as_ref()
}

/// Record that `what` took `took` (no-op unless `KTRIAGE_TUI_TIMING` is set).
pub fn record(what: &str, took: Duration) {
    if let Some(s) = sink() {
        let at = s.start.elapsed().as_secs_f64() * 1e3;
        if let Ok(mut f) = s.file.lock() {
            let _ = writeln!(f, "{at:.1} {what} {:.3}", took.as_secs_f64() * 1e3);
        }
    }
}

/// Record a count (no-op unless `KTRIAGE_TUI_TIMING` is set).
pub fn count(what: &str, n: u64) {
    if let Some(s) = sink() {
        let at = s.start.elapsed().as_secs_f64() * 1e3;
        if let Ok(mut f) = s.file.lock() {
            let _ = writeln!(f, "{at:.1} {what} {n}");
        }
    }
}
