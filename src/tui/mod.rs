//! The triage TUI: `ktriage [PATH...|-]`.
//!
//! Threads: a worker owns the engine, reads and follows the inputs and
//! publishes snapshots (`worker`); the UI thread only reads keys, applies
//! them to `App` and draws the latest snapshot (bottom's model). Panes are
//! pure renderers of `&App` (`panes`, `ui`); all changes go through
//! `actions`. One key table (`keymap`) drives keys, footer and help.
//!
//! The terminal is restored on every exit path: normal return (a guard's
//! Drop), panic (a hook that restores before the message is printed), and
//! SIGTERM/SIGHUP/SIGINT (flags checked by the loop). In raw mode Ctrl-C is
//! a key and quits the same way. Restoring covers raw mode, the alternate
//! screen, mouse capture and bracketed paste; `ratatui::restore` alone
//! would leave the last two on and flood the shell with escape codes.
//!
//! The submodules are public so the rendering tests in `tests/tui_*.rs` can
//! draw panes into a `TestBackend`.

pub mod actions;
pub mod app;
pub mod checklist;
pub mod checkstate;
pub mod demo;
pub mod edits;
pub mod export;
pub mod filter;
pub mod form;
pub mod impact;
pub mod inbox;
pub mod keymap;
pub mod panes;
pub mod prompt;
pub mod snapshot;
pub mod sorting;
pub mod suppressed;
pub mod tail;
pub mod testing;
pub mod text;
pub mod theme;
pub mod ticking;
pub mod timing;
pub mod ui;
pub mod worker;

use crate::allowlist::AllowlistFile;
use crate::detect::{Config, RuleId};
use app::App;
use checklist::ChecklistStore;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    KeyEventKind,
};
use crossterm::terminal::{
    self, BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen,
};
use crossterm::{cursor, execute};
use keymap::Keymap;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use snapshot::Status;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use theme::Theme;
use worker::{Input, WorkerConfig};

/// Standard audit-log locations tried, in order, when no path is given.
pub const STANDARD_LOCATIONS: &[&str] = &[
    "/var/log/kubernetes/audit/audit.log",
    "/var/log/kubernetes/audit.log",
    "/var/log/kube-apiserver/audit.log",
];

/// Everything the binary passes to the TUI.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    /// Files to load in order; the last one is followed when `follow` is
    /// set. Empty (and not `stdin`): the first existing standard location,
    /// else the embedded demo data set.
    pub paths: Vec<PathBuf>,
    /// Keep following the last file after loading (`--no-follow` clears it).
    pub follow: bool,
    /// Poll the file instead of relying on change notifications.
    pub poll: bool,
    /// Read the log from stdin (`-`); keys still come from /dev/tty.
    pub stdin: bool,
    /// The allowlist file to load and edit; a missing file means the
    /// built-in defaults until the first edit creates it.
    pub allowlist_path: PathBuf,
    pub config: Config,
    /// Theme name (built-in or `<config_dir>/themes/NAME.toml`) or path.
    pub theme: Option<String>,
    pub no_color: bool,
    /// With no allowlist file, start from an empty allowlist instead of
    /// the built-in defaults (`--no-default-allowlist`).
    pub no_default_allowlist: bool,
    /// `--since` / `--until`: only events in these bounds are judged.
    pub bounds: crate::pipeline::Bounds,
    /// The cluster's RBAC (`--rbac`), loaded and checked by the caller.
    pub rbac: Option<Arc<crate::rbac::Snapshot>>,
    /// Where checklist state is kept (`$XDG_STATE_HOME/ktriage`).
    pub state_dir: PathBuf,
    /// Where `keys.toml` and `themes/` are looked up (`$XDG_CONFIG_HOME/ktriage`).
    pub config_dir: PathBuf,
}

/// Undo everything the TUI did to the terminal. Safe to call twice.
pub fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = out.flush();
}

struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

/// Resolve the inputs: explicit paths, stdin, a standard location, or DEMO;
/// and whether the last one is a live file to follow (a directory with no
/// live `audit.log` in it has none).
fn inputs(opts: &TuiOptions) -> (Vec<Input>, String, bool, bool) {
    if opts.stdin {
        let mut v: Vec<Input> = opts.paths.iter().cloned().map(Input::File).collect();
        v.push(Input::Stdin);
        return (v, "stdin".into(), false, true);
    }
    if !opts.paths.is_empty() {
        let names: Vec<String> = opts
            .paths
            .iter()
            .map(|p| {
                std::fs::canonicalize(p)
                    .unwrap_or_else(|_| p.clone())
                    .display()
                    .to_string()
            })
            .collect();
        // Directories expand to their audit logs, the live file last (it
        // is the one followed); a path that cannot be resolved is still
        // passed on, so its error shows in the status bar.
        let last_is_dir = opts.paths.last().is_some_and(|p| p.is_dir());
        let mut followable = true;
        let files = match crate::source::resolve(&opts.paths) {
            Ok(set) => {
                followable = !last_is_dir || set.live.is_some();
                let mut files: Vec<PathBuf> = set
                    .inputs
                    .into_iter()
                    .filter_map(|i| match i {
                        crate::source::Input::File(p) => Some(p),
                        crate::source::Input::Stdin => None,
                    })
                    .collect();
                if let Some(live) = set.live {
                    files.retain(|p| *p != live);
                    files.push(live);
                }
                files
            }
            Err(_) => opts.paths.clone(),
        };
        return (
            files.into_iter().map(Input::File).collect(),
            names.join(","),
            false,
            followable,
        );
    }
    match STANDARD_LOCATIONS
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
    {
        Some(p) => (
            vec![Input::File(p.to_path_buf())],
            p.display().to_string(),
            false,
            true,
        ),
        None => (vec![Input::Demo], "demo".into(), true, true),
    }
}

/// Load the allowlist file; a file that does not parse is reported and the
/// built-in defaults are used for detection (the file is left untouched).
fn load_allowlist(
    path: &Path,
    init: &str,
    no_defaults: bool,
) -> (Result<AllowlistFile, String>, crate::allowlist::Allowlist) {
    match AllowlistFile::open(path, init, RuleId::IDS) {
        Ok(f) => {
            let a = f.allowlist.clone();
            (Ok(f), a)
        }
        Err(e) if no_defaults => (Err(e.to_string()), crate::allowlist::Allowlist::default()),
        Err(e) => (Err(e.to_string()), crate::allowlist::default_allowlist()),
    }
}

/// What a missing allowlist file starts as: the commented built-in
/// defaults, or nothing with `--no-default-allowlist`.
pub fn allowlist_init(no_defaults: bool) -> String {
    if no_defaults {
        "# ktriage allowlist (started without the built-in defaults)\n".to_string()
    } else {
        crate::allowlist::init_text()
    }
}

/// Build the app state (without a terminal): theme, keys, allowlist,
/// checklist store. Shared by `run` and the tests.
pub fn build_app(opts: &TuiOptions, source_key: &str) -> (App, crate::allowlist::Allowlist) {
    let (theme, theme_warning) =
        Theme::resolve(opts.theme.as_deref(), &opts.config_dir, opts.no_color);
    let (keymap, keys_warning) = Keymap::load(&opts.config_dir);
    let init = allowlist_init(opts.no_default_allowlist);
    let (file, allowlist) = load_allowlist(&opts.allowlist_path, &init, opts.no_default_allowlist);
    // Temp files of a save killed mid-way (the files themselves are intact:
    // saves rename into place).
    crate::allowlist::save::clean_stale_temps(&opts.allowlist_path);
    crate::allowlist::save::clean_stale_temps(&opts.state_dir.join("checklists.json"));
    let store = ChecklistStore::open(&opts.state_dir);
    let mut warnings: Vec<String> = [theme_warning, keys_warning, store.load_error.clone()]
        .into_iter()
        .flatten()
        .collect();
    if let Err(e) = &file {
        warnings.push(format!("{e}; using the built-in allowlist"));
    }
    let mut app = App::new(theme, keymap, file, store, source_key.to_string());
    app.warnings = warnings;
    app.config_dir = opts.config_dir.clone();
    app.allowlist_init = init;
    app.allowlist_path = opts.allowlist_path.clone();
    if app.allowlist.is_err() {
        app.allowlist_fallback = allowlist.clone();
    }
    (app, allowlist)
}

/// Run the TUI until the analyst quits.
pub fn run(opts: TuiOptions) -> anyhow::Result<()> {
    if !std::io::stdout().is_terminal() {
        anyhow::bail!("the TUI needs a terminal on stdout; use `ktriage scan` for headless output");
    }
    let (inputs, source_key, demo, followable) = inputs(&opts);
    let (mut app, allowlist) = build_app(&opts, &source_key);

    let (ui_tx, ui_rx) = inbox::channel();
    let (snap_tx, in_flight) = inbox::SnapshotSender::new(ui_tx.clone());
    let (cmd_tx, cmd_rx) = std::sync::mpsc::channel();
    app.commands = Some(cmd_tx);
    let status = Status {
        sources: if demo {
            "embedded samples (no audit log in the standard paths)".into()
        } else {
            source_key.clone()
        },
        demo,
        ..Status::default()
    };
    app.live.status = status.clone();
    worker::spawn(
        WorkerConfig {
            inputs,
            follow_last: opts.follow && followable,
            poll: opts.poll,
            config: opts.config.clone(),
            allowlist,
            bounds: opts.bounds,
            rbac: opts.rbac.clone(),
        },
        snap_tx,
        cmd_rx,
        status,
    );

    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(sig, stop.clone())?;
    }
    install_panic_hook();
    terminal::enable_raw_mode()?;
    let _guard = TerminalGuard;
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    terminal.clear()?;
    inbox::spawn_input_reader(ui_tx);
    event_loop(&mut terminal, &mut app, &ui_rx, &in_flight, &stop)
}

/// How often the loop wakes with nothing received: signals and expiring
/// messages are looked at this often (5 wake-ups a second when idle).
const IDLE_WAKE: Duration = Duration::from_millis(200);

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    app: &mut App,
    inbox: &std::sync::mpsc::Receiver<inbox::UiMsg>,
    in_flight: &AtomicBool,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    use inbox::UiMsg;
    let mut mouse_on = true;
    let mut disk_checked = std::time::Instant::now();
    if let Ok(size) = terminal.size() {
        app.set_width(size.width);
    }
    loop {
        if disk_checked.elapsed() > Duration::from_secs(2) {
            disk_checked = std::time::Instant::now();
            app.check_disk();
        }
        if app
            .flash
            .as_ref()
            .is_some_and(|f| !f.error && f.at.elapsed() > Duration::from_secs(6))
        {
            app.flash = None;
            app.dirty = true;
        }
        if mouse_on != app.mouse_captured {
            mouse_on = app.mouse_captured;
            if mouse_on {
                execute!(std::io::stdout(), EnableMouseCapture)?;
            } else {
                execute!(std::io::stdout(), DisableMouseCapture)?;
            }
        }
        if std::mem::take(&mut app.bell) {
            use std::io::Write as _;
            let mut out = std::io::stdout();
            out.write_all(b"\x07")?;
            out.flush()?;
        }
        if let Some(text) = app.clipboard.take() {
            use std::io::Write as _;
            let mut out = std::io::stdout();
            out.write_all(actions::osc52(&text).as_bytes())?;
            out.flush()?;
        }
        // A pane left stale by a throttled rebuild catches up when due.
        app.refresh();
        if app.dirty {
            let start = std::time::Instant::now();
            execute!(std::io::stdout(), BeginSynchronizedUpdate)?;
            terminal.draw(|f| ui::draw(f, app))?;
            execute!(std::io::stdout(), EndSynchronizedUpdate)?;
            timing::record("frame", start.elapsed());
            app.dirty = false;
        }
        if app.quit || stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        let first = match inbox.recv_timeout(IDLE_WAKE) {
            Ok(m) => m,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        };
        // Handle everything already queued before the next draw.
        let mut next = Some(first);
        while let Some(msg) = next {
            match msg {
                UiMsg::Snapshot(s) => {
                    in_flight.store(false, Ordering::Release);
                    app.accept(s);
                }
                UiMsg::Input(Event::Key(k)) if k.kind != KeyEventKind::Release => {
                    actions::key(app, k)
                }
                UiMsg::Input(Event::Mouse(m)) => actions::mouse(app, m),
                UiMsg::Input(Event::Paste(t)) => actions::paste(app, &t),
                UiMsg::Input(Event::Resize(w, _)) => app.set_width(w),
                UiMsg::Input(_) => {}
                UiMsg::InputError(e) => anyhow::bail!("reading the terminal: {e}"),
            }
            if app.quit {
                break;
            }
            next = inbox.try_recv().ok();
        }
    }
}
