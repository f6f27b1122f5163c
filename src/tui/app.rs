//! Application state: the snapshot being shown, which pane has focus, each
//! pane's rows, selection and filter, follow/freeze, and the popups. Only
//! the UI thread touches it. Panes render from `&App` and never mutate;
//! all changes go through `actions.rs` (ratatui's "immutable shared ref").
//!
//! Rows are built once per snapshot, and only for the panes that are shown
//! (the incidents pane, whose selection the others read, and the focused
//! one); the others are rebuilt when focused. A pane whose build is
//! expensive is rebuilt at most once per five times its cost while
//! snapshots stream in, and says "(catching up)" until then. Frames draw
//! only the visible window; counts and titles are computed with the rows.
//! Measured with `KTRIAGE_TUI_TIMING` (`tui::timing`): a 100k-secret burst
//! spent 36% of its load rebuilding a checklist nobody looked at.

use super::checklist::ChecklistStore;
use super::filter::{Filter, Row, RowId, RowKind};
use super::form::Form;
use super::keymap::{Context, Keymap};
use super::panes;
use super::prompt::LineEdit;
use super::snapshot::Snapshot;
use super::theme::Theme;
use super::worker::Command;
use crate::allowlist::AllowlistFile;
use crate::detect::{RuleId, Severity};
use std::cell::Cell;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

/// Steps built for (snapshot data, incident id).
pub type StepsCache = ((u64, String), std::sync::Arc<Vec<crate::view::Step>>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Incidents,
    Identities,
    Allowlist,
    Checklist,
}

impl Pane {
    pub const COUNT: usize = 4;

    pub const ALL: [Pane; Pane::COUNT] = [
        Pane::Incidents,
        Pane::Identities,
        Pane::Allowlist,
        Pane::Checklist,
    ];

    pub fn index(self) -> usize {
        Pane::ALL
            .iter()
            .position(|p| *p == self)
            .expect("pane in ALL")
    }

    pub fn title(self) -> &'static str {
        panes::def(self).title
    }

    pub fn context(self) -> Context {
        panes::def(self).context
    }
}

/// What the keyboard is talking to.
#[derive(Debug)]
pub enum Mode {
    Normal,
    /// Typing in the `/` filter prompt (the text is the pane's filter).
    Filter(LineEdit),
    /// Typing a `:` command.
    Command(LineEdit),
    /// `q` with checklist work not saved: waiting for y/n.
    ConfirmQuit(String),
    /// The allowlist add/edit form, or a note being typed.
    Form(Box<Form>),
    /// `d` on an entry: waiting for y/n.
    ConfirmDelete(usize),
    /// `S` on an entry: what it suppresses, when the worker answers token.
    Suppressed {
        entry: usize,
        token: u64,
    },
    Help {
        scroll: u16,
    },
    /// Raw event JSON (pretty-printed, inert) with its scroll offset.
    Detail {
        title: String,
        lines: Vec<String>,
        scroll: u16,
    },
}

/// One pane's list: rows, the filter, what passes it, and the selection.
#[derive(Debug, Default)]
pub struct ListState {
    pub rows: Vec<Row>,
    pub filter: Filter,
    /// Indices into `rows` that pass the filter.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    /// First row on screen; kept by the draw so scrolling is stable.
    pub offset: Cell<usize>,
    /// Rows expanded with Enter (by id).
    pub expanded: HashSet<RowId>,
    /// Rows on screen at the last draw (for paging).
    pub page: Cell<usize>,
    /// Top-level rows in `rows` and in `visible` (the title's `[n/m]`),
    /// counted when they change, not per frame.
    pub items: (usize, usize),
    /// What the pane's title says beyond the counts, computed with the
    /// rows (the checklist's `n/m done` would otherwise rebuild every step
    /// per frame).
    pub title: String,
}

impl ListState {
    /// Replace the rows, keeping the selection on the same row id if it
    /// still exists (new rows above it never move what is selected).
    pub fn set_rows(&mut self, rows: Vec<Row>) {
        let key = self.selected_row().map(|r| r.key.clone());
        self.rows = rows;
        self.refilter();
        if let Some(k) = key {
            self.select_key(&k);
        }
        self.clamp();
    }

    pub fn refilter(&mut self) {
        self.visible = self.filter.apply(&self.rows);
        let item = |r: &Row| r.kind == RowKind::Item;
        self.items = (
            self.visible
                .iter()
                .filter(|&&i| item(&self.rows[i]))
                .count(),
            self.rows.iter().filter(|r| item(r)).count(),
        );
        self.clamp();
    }

    fn selectable(&self, pos: usize) -> bool {
        self.visible
            .get(pos)
            .is_some_and(|&i| self.rows[i].kind != RowKind::Info)
    }

    /// Keep the selection in range and off headings: the highlighted row is
    /// always one an action can act on.
    pub fn clamp(&mut self) {
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        if self.selectable(self.selected) {
            return;
        }
        let n = self.visible.len();
        if let Some(p) = (self.selected..n).find(|&p| self.selectable(p)) {
            self.selected = p;
        } else if let Some(p) = (0..self.selected).rev().find(|&p| self.selectable(p)) {
            self.selected = p;
        }
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.visible.get(self.selected).map(|&i| &self.rows[i])
    }

    pub fn select_key(&mut self, key: &RowId) {
        if let Some(p) = self.visible.iter().position(|&i| self.rows[i].key == *key) {
            self.selected = p;
        }
    }

    /// Move by `delta` rows, stepping over headings in the direction moved.
    pub fn move_by(&mut self, delta: isize) {
        let n = self.visible.len();
        if n == 0 {
            return;
        }
        let max = n as isize - 1;
        let target = (self.selected as isize + delta).clamp(0, max) as usize;
        let found = if delta >= 0 {
            (target..n)
                .find(|&p| self.selectable(p))
                .or_else(|| (0..target).rev().find(|&p| self.selectable(p)))
        } else {
            (0..=target)
                .rev()
                .find(|&p| self.selectable(p))
                .or_else(|| (target..n).find(|&p| self.selectable(p)))
        };
        self.selected = found.unwrap_or(target);
    }

    /// `n`/`N`: the next (or previous) row that matches the filter itself,
    /// wrapping around; false when none does.
    pub fn next_match(&mut self, forward: bool) -> bool {
        let n = self.visible.len();
        for step in 1..=n {
            let p = if forward {
                (self.selected + step) % n
            } else {
                (self.selected + n * 2 - step) % n
            };
            if self.selectable(p) && self.filter.row_hits(&self.rows[self.visible[p]]) {
                self.selected = p;
                return true;
            }
        }
        false
    }

    /// The first selectable row.
    pub fn select_first(&mut self) {
        self.selected = 0;
        self.clamp();
    }
}

/// A short message in the status line (errors stay until replaced).
#[derive(Debug, Clone)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub at: Instant,
}

pub struct App {
    /// The newest snapshot from the worker.
    pub live: Box<Snapshot>,
    /// Held view while frozen (`=`); detection keeps updating `live`.
    pub frozen: Option<Box<Snapshot>>,
    pub focus: Pane,
    pub mode: Mode,
    pub lists: [ListState; Pane::COUNT],
    /// The view tracks the newest activity; leaving it records the counts
    /// at that moment so the status bar can say what arrived meanwhile.
    pub follow: bool,
    pub left_follow_at: (u64, usize),
    pub min_severity: Option<Severity>,
    pub rule_filter: Option<RuleId>,
    pub hide_allowlisted: bool,
    pub pivot_ip: bool,
    /// Incident the checklist is about (by id).
    pub checklist_incident: Option<String>,
    pub theme: Theme,
    pub keymap: Keymap,
    pub allowlist: Result<AllowlistFile, String>,
    /// Bumped on each allowlist change; snapshots from older generations
    /// are marked as "re-evaluating".
    pub generation: u64,
    pub checklist: ChecklistStore,
    pub source_key: String,
    pub flash: Option<Flash>,
    pub warnings: Vec<String>,
    pub mouse_captured: bool,
    pub config_dir: PathBuf,
    /// What a missing allowlist file starts as (defaults or empty).
    pub allowlist_init: String,
    pub commands: Option<Sender<Command>>,
    /// The last scroll offset of the open popup that still fills it (set
    /// by the draw; scrolling stops there).
    pub popup_max: Cell<u16>,
    pub quit: bool,
    /// Set when something visible changed and a redraw is due.
    pub dirty: bool,
    /// The allowlist file changed on disk and the analyst was told.
    pub allowlist_changed_told: bool,
    /// Text `y` copied, for the loop to send to the terminal (OSC 52).
    pub clipboard: Option<String>,
    /// Last `Command::Preview` token handed out.
    pub preview_token: u64,
    /// Where the allowlist file is, even while it does not parse (Ctrl-r
    /// retries it).
    pub allowlist_path: PathBuf,
    /// Terminal width (0: unknown): the filter matches only the columns
    /// shown at this width.
    pub screen_width: u16,
    /// What detection uses while the file does not parse (the built-in
    /// defaults, or nothing with `--no-default-allowlist`).
    pub allowlist_fallback: crate::allowlist::Allowlist,
    /// Per pane: its rows predate the shown snapshot ([`App::refresh`]).
    pub stale: [bool; Pane::COUNT],
    /// The snapshot data and incident the checklist rows were built for.
    checklist_built: Option<(u64, String)>,
    /// The checklist steps of that snapshot data and incident, built once
    /// (a 1M-secret incident's steps cost seconds; the pane builds rows for
    /// a window of them: [`panes::checklist`]).
    pub checklist_steps: std::cell::RefCell<Option<StepsCache>>,
    /// How many lines of a step (by incident and step key, `rotate` for
    /// the rotate section) the checklist shows beyond the first window.
    pub checklist_more: std::collections::HashMap<(String, String), usize>,
    /// Per pane: how long its last row build took and when it ended.
    built: [(Duration, Instant); Pane::COUNT],
    /// Per pane: the column sort asked for (`o`, `:sort`).
    pub sort: [Option<super::sorting::Sort>; Pane::COUNT],
    /// The row the last `i` jump left (Backspace returns to it).
    pub jump_back: Option<(Pane, RowId)>,
    /// `:` lines run, oldest first (↑/↓ in the prompt recall them), and
    /// the one being recalled.
    pub history: Vec<String>,
    pub history_pos: Option<usize>,
    /// Pane 3 lists every alert the allowlist suppresses (`H`).
    pub show_suppressed: bool,
    /// The token of the last suppressed-alerts request.
    pub suppressed_token: u64,
    /// High/critical incidents already announced (by id and identities).
    pub seen_high: HashSet<String>,
    /// Ring the terminal bell at the next draw.
    pub bell: bool,
}

impl App {
    pub fn new(
        theme: Theme,
        keymap: Keymap,
        allowlist: Result<AllowlistFile, String>,
        checklist: ChecklistStore,
        source_key: String,
    ) -> Self {
        App {
            live: Box::default(),
            frozen: None,
            focus: Pane::Incidents,
            mode: Mode::Normal,
            lists: Default::default(),
            follow: true,
            left_follow_at: (0, 0),
            min_severity: None,
            rule_filter: None,
            hide_allowlisted: false,
            pivot_ip: false,
            checklist_incident: None,
            theme,
            keymap,
            allowlist,
            generation: 0,
            checklist,
            source_key,
            flash: None,
            warnings: Vec::new(),
            mouse_captured: true,
            config_dir: PathBuf::new(),
            allowlist_init: crate::allowlist::init_text(),
            commands: None,
            popup_max: Cell::new(u16::MAX),
            quit: false,
            dirty: true,
            allowlist_changed_told: false,
            preview_token: 0,
            clipboard: None,
            allowlist_path: PathBuf::new(),
            screen_width: 0,
            allowlist_fallback: crate::allowlist::Allowlist::default(),
            stale: [false; Pane::COUNT],
            checklist_built: None,
            checklist_steps: Default::default(),
            checklist_more: Default::default(),
            built: [(Duration::ZERO, Instant::now()); Pane::COUNT],
            sort: [None; Pane::COUNT],
            jump_back: None,
            history: Vec::new(),
            history_pos: None,
            show_suppressed: false,
            suppressed_token: 0,
            seen_high: HashSet::new(),
            bell: false,
        }
    }

    /// Look at the files another ktriage may write: checklist ticks saved
    /// there show here; an allowlist changed there is offered for reload
    /// (applying it silently would change what is hidden under the analyst).
    pub fn check_disk(&mut self) {
        if self.checklist.refresh() {
            self.rebuild_pane(Pane::Checklist);
        }
        let changed = matches!(&self.allowlist, Ok(f) if f.changed_on_disk());
        if changed && !self.allowlist_changed_told {
            self.allowlist_changed_told = true;
            self.flash(
                "the allowlist file changed on disk (another ktriage?): Ctrl-r reloads it",
                true,
            );
        } else if !changed {
            self.allowlist_changed_told = false;
        }
    }

    /// The snapshot the panes show.
    pub fn view(&self) -> &Snapshot {
        self.frozen.as_deref().unwrap_or(&self.live)
    }

    pub fn list(&self, p: Pane) -> &ListState {
        &self.lists[p.index()]
    }

    pub fn list_mut(&mut self, p: Pane) -> &mut ListState {
        &mut self.lists[p.index()]
    }

    pub fn focused(&self) -> &ListState {
        self.list(self.focus)
    }

    pub fn flash(&mut self, text: impl Into<String>, error: bool) {
        self.flash = Some(Flash {
            text: text.into(),
            error,
            at: Instant::now(),
        });
        self.dirty = true;
    }

    /// Take in a new snapshot from the worker. Only the incidents pane
    /// (whose selection the others read) and the focused pane are rebuilt;
    /// the rest are marked stale and rebuilt when focused ([`App::refresh`]).
    /// While snapshots stream in, a pane whose rows are expensive (a
    /// 1M-secret incident's checklist) is rebuilt at most once per five
    /// times its build cost, so the UI thread never takes a core from the
    /// reader; the last snapshot of a finished load is always shown at once.
    pub fn accept(&mut self, snap: Box<Snapshot>) {
        // A progress snapshot (same data, fresh status) leaves the rows as
        // they are; only the allowlist pane shows status (hit counts).
        let same_data = snap.data_seq != 0
            && snap.data_seq == self.live.data_seq
            && snap.generation == self.live.generation;
        self.live = snap;
        self.announce_high();
        self.reevaluated();
        if self.frozen.is_none() {
            if same_data {
                self.stale[Pane::Allowlist.index()] = true;
            } else {
                self.stale = [true; Pane::COUNT];
            }
            let st = &self.live.status;
            let settled = st.done || !st.loading && !st.following;
            self.refresh_panes(settled);
        }
        // The status bar counts change even when a frozen view does not.
        self.dirty = true;
    }

    /// Rebuild the incidents pane and the focused one if their rows are
    /// older than the shown snapshot and a rebuild is due. Called after
    /// every key and message, so switching to a stale pane shows it
    /// current before the next frame.
    pub fn refresh(&mut self) {
        self.refresh_panes(false);
    }

    fn refresh_panes(&mut self, now: bool) {
        for p in [Pane::Incidents, self.focus] {
            let (took, at) = self.built[p.index()];
            if self.stale[p.index()] && (now || at.elapsed() >= took * 4) {
                self.rebuild_pane(p);
            }
        }
    }

    /// A flash that promised "re-evaluating" says when it is done, with
    /// what is in force now (it would otherwise claim work in progress).
    fn reevaluated(&mut self) {
        let done = self.live.generation >= self.generation && !self.live.status.reevaluating;
        let Some(f) = self
            .flash
            .as_mut()
            .filter(|f| done && f.text.contains("re-evaluating"))
        else {
            return;
        };
        let now = format!(
            "re-evaluated: {} in {} in force",
            super::text::count_of(self.live.alerts.len() as u64, "alert", "alerts"),
            super::text::count_of(self.live.incidents.len() as u64, "incident", "incidents")
        );
        f.text = f.text.replace("re-evaluating", &now);
        f.at = Instant::now();
        self.dirty = true;
    }

    /// A high or critical incident not seen before, while the analyst looks
    /// at another pane or a popup: say so in the status line and ring the
    /// bell once (k9s/lnav flash). Incidents are known by their primary
    /// identity and severity, so one that escalates to critical is news.
    fn announce_high(&mut self) {
        let mut new: Vec<(Severity, String)> = Vec::new();
        for inc in self.live.incidents.iter() {
            if inc.severity < Severity::High {
                continue;
            }
            let key = format!("{}\u{0}{}", inc.severity, inc.primary);
            if self.seen_high.insert(key) {
                new.push((inc.severity, inc.primary.clone()));
            }
        }
        let looking_elsewhere = self.focus != Pane::Incidents || !matches!(self.mode, Mode::Normal);
        if new.is_empty() || !looking_elsewhere {
            return;
        }
        new.sort_by_key(|n| std::cmp::Reverse(n.0));
        let (sev, who) = &new[0];
        let more = if new.len() > 1 {
            format!(" and {} more", new.len() - 1)
        } else {
            String::new()
        };
        self.flash(
            format!(
                "NEW {} incident: {}{more} (1 shows the incidents)",
                sev.as_str().to_uppercase(),
                super::text::fit(&super::text::clean(who), 48)
            ),
            true,
        );
        self.bell = true;
    }

    /// The terminal was resized: columns may appear or go, and the filter
    /// matches only what is shown.
    pub fn set_width(&mut self, w: u16) {
        if w != self.screen_width {
            self.screen_width = w;
            self.rebuild();
        }
        self.dirty = true;
    }

    /// Rebuild every pane's rows from the shown snapshot and state: the
    /// incidents pane and the focused one now, the others when focused.
    /// The selection never moves by itself: it stays on the same row id,
    /// and an incident whose id changed (merged, another primary) is found
    /// again by its identity. Before anything was selected it is the first
    /// row: the most severe incident.
    pub fn rebuild(&mut self) {
        self.stale = [true; Pane::COUNT];
        self.checklist_built = None;
        self.refresh_panes(true);
    }

    /// Rebuild the checklist's rows from its steps (not only its ticks):
    /// its window or its filter changed.
    pub fn rebuild_checklist(&mut self) {
        self.checklist_built = None;
        self.rebuild_pane(Pane::Checklist);
    }

    pub fn rebuild_pane(&mut self, p: Pane) {
        let start = Instant::now();
        let before = (p == Pane::Incidents)
            .then(|| self.list(p).selected_row().map(|r| r.key.clone()))
            .flatten();
        let primary = before
            .as_ref()
            .and_then(|k| self.incident_of(k))
            .map(|i| i.primary.clone());
        let from = (p == Pane::Checklist)
            .then(|| panes::checklist::built_from(self))
            .flatten();
        let patched = (from.is_some() && from == self.checklist_built)
            .then(|| {
                let key = self.list(p).selected_row().map(|r| r.key.clone());
                let mut rows = std::mem::take(&mut self.list_mut(p).rows);
                let title = panes::checklist::patch(self, &mut rows);
                self.list_mut(p).rows = rows;
                title.map(|t| (t, key))
            })
            .flatten();
        let shown = panes::shown_cells(self, p, self.screen_width);
        match patched {
            Some((title, key)) => {
                let l = self.list_mut(p);
                l.filter.shown = shown;
                l.title = title;
                l.refilter();
                if let Some(k) = key {
                    l.select_key(&k);
                }
                l.clamp();
            }
            None => {
                let (mut rows, title) = panes::rows(self, p);
                super::sorting::apply(self, p, &mut rows);
                let l = self.list_mut(p);
                l.filter.shown = shown;
                l.title = title;
                l.set_rows(rows);
                if p == Pane::Checklist {
                    self.checklist_built = from;
                }
            }
        }
        if let (Some(old), Some(primary)) = (before, primary) {
            let l = self.list(p);
            if l.selected_row().map(|r| &r.key) != Some(&old) {
                let found = (self.view().incidents.iter())
                    .find(|i| i.identities.contains(&primary))
                    .map(|i| RowId::Incident(i.id.clone()));
                if let Some(k) = found {
                    self.list_mut(p).select_key(&k);
                }
            }
        }
        self.stale[p.index()] = false;
        let took = start.elapsed();
        self.built[p.index()] = (took, Instant::now());
        super::timing::record(pane_timing(p), took);
        self.dirty = true;
    }

    /// The incident a row of pane 1 is about (the shown snapshot's).
    fn incident_of(&self, key: &RowId) -> Option<&crate::detect::Incident> {
        let id = match key {
            RowId::Incident(id) => id,
            RowId::Alert { incident, .. } | RowId::Event { incident, .. } => incident,
            _ => return None,
        };
        self.view().incidents.iter().find(|i| &i.id == id)
    }

    /// Put the selection on the row with the newest activity (only when
    /// the analyst asks for it: `F`).
    pub fn follow_newest(&mut self) {
        for p in [Pane::Incidents, Pane::Identities] {
            let l = self.list_mut(p);
            let newest = l
                .visible
                .iter()
                .enumerate()
                .filter(|(_, i)| l.rows[**i].kind == super::filter::RowKind::Item)
                .max_by_key(|(pos, i)| (l.rows[**i].last, std::cmp::Reverse(*pos)))
                .map(|(pos, _)| pos);
            if let Some(pos) = newest {
                l.selected = pos;
            }
        }
    }

    pub fn set_follow(&mut self, on: bool) {
        if self.follow && !on {
            self.left_follow_at = (self.live.status.events, self.live.alerts.len());
        }
        self.follow = on;
        self.dirty = true;
    }

    /// The incident the checklist (and export) is about: the chosen one, or
    /// the one selected in the Incidents pane.
    pub fn current_incident(&self) -> Option<&crate::detect::Incident> {
        let incs = &self.view().incidents;
        if let Some(id) = &self.checklist_incident {
            if let Some(i) = incs.iter().find(|i| &i.id == id) {
                return Some(i);
            }
        }
        let key = &self.list(Pane::Incidents).selected_row()?.key;
        self.incident_of(key)
    }

    pub fn send(&self, cmd: Command) {
        if let Some(tx) = &self.commands {
            let _ = tx.send(cmd);
        }
    }
}

fn pane_timing(p: Pane) -> &'static str {
    match p {
        Pane::Incidents => "rows-incidents",
        Pane::Identities => "rows-identities",
        Pane::Allowlist => "rows-allowlist",
        Pane::Checklist => "rows-checklist",
    }
}
