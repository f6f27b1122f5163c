//! The one key table. Key handling, the footer hints and the `?` overlay
//! all read it, so the help can never drift from what keys really do
//! (bottom's hand-aligned help strings did). Defaults follow k9s, lnav and
//! less (see the design notes §9); a `[keys]` table in
//! `$XDG_CONFIG_HOME/ktriage/keys.toml` patches it: `"ctrl-q" = "quit"`
//! adds a binding, `"x" = "none"` removes one.
//!
//! Keys are looked up in the focused pane's context first, then globally,
//! which is how `Space` can tick a checklist item yet page everywhere else.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::path::Path;
use thiserror::Error;

mod commands;
pub use commands::{COMMANDS, Cmd, CommandDef, arguments, command, command_summary, complete};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Context {
    Global,
    Incidents,
    Identities,
    Allowlist,
    Checklist,
}

impl Context {
    /// In the order the help lists them.
    pub const ALL: [Context; 5] = [
        Context::Global,
        Context::Incidents,
        Context::Identities,
        Context::Allowlist,
        Context::Checklist,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Incidents => "Incidents",
            Context::Identities => "Identities",
            Context::Allowlist => "Allowlist",
            Context::Checklist => "Checklist",
        }
    }
}

macro_rules! actions {
    ($($v:ident = $name:literal, $ctx:ident, $hint:literal, $desc:literal;)*) => {
        /// Everything a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Action { $($v),* }
        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$v),*];
            /// The name used in keys.toml.
            pub fn name(self) -> &'static str { match self { $(Action::$v => $name),* } }
            pub fn context(self) -> Context { match self { $(Action::$v => Context::$ctx),* } }
            pub fn describe(self) -> &'static str { match self { $(Action::$v => $desc),* } }
            /// The word the footer shows for it ("" keeps it out of the footer).
            pub fn hint(self) -> &'static str { match self { $(Action::$v => $hint),* } }
        }
    };
}

actions! {
    Quit = "quit", Global, "", "quit now";
    Back = "back", Global, "", "close popup / clear filter / pane 1; never quits";
    Leave = "leave", Global, "quit", "back; quit at the top level (asks if work is unsaved)";
    Help = "help", Global, "help", "this help";
    Filter = "filter", Global, "filter", "live filter of the focused pane (substring; ~ fuzzy; ! inverts)";
    Command = "command", Global, "", "command prompt (commands listed below; Tab completes, ↑/↓ history)";
    Down = "down", Global, "", "move down";
    Up = "up", Global, "", "move up";
    Top = "top", Global, "", "first row";
    Bottom = "bottom", Global, "", "last row";
    PageDown = "page-down", Global, "", "page down";
    PageUp = "page-up", Global, "", "page up";
    HalfDown = "half-down", Global, "", "half page down";
    HalfUp = "half-up", Global, "", "half page up";
    NextPane = "next-pane", Global, "pane", "next pane";
    PrevPane = "prev-pane", Global, "", "previous pane";
    Pane1 = "pane-incidents", Global, "", "Incidents pane";
    Pane2 = "pane-identities", Global, "", "Identities pane";
    Pane3 = "pane-allowlist", Global, "", "Allowlist pane";
    Pane4 = "pane-checklist", Global, "", "Checklist pane";
    Follow = "follow", Global, "follow", "toggle follow (the view tracks new activity)";
    Freeze = "freeze", Global, "freeze", "freeze the view; detection keeps running";
    Open = "open", Global, "open", "open / expand the selected row";
    Severity = "severity-filter", Global, "sev", "quick filter: cycle minimum severity";
    Rule = "rule-filter", Global, "", "quick filter: cycle rule";
    Allow = "allow", Global, "allow", "add allowlist entry from the selection";
    Export = "export", Global, "export", "write the incident report (Markdown)";
    Mouse = "mouse", Global, "", "release / capture the mouse (select text)";
    Reload = "reload", Global, "", "reload the allowlist file from disk";
    Problems = "problems", Global, "", "malformed lines (file:line: why) and warnings";
    Copy = "copy", Global, "", "copy the selected value to the clipboard (OSC 52)";
    NextMatch = "next-match", Global, "", "next row matching the filter";
    PrevMatch = "prev-match", Global, "", "previous row matching the filter";
    Jump = "jump", Global, "", "identity/secret → its incident; incident → its identity";
    JumpBack = "jump-back", Global, "", "back to the row the last jump left";
    Sort = "sort", Global, "", "sort by the next column (panes 1-3; the checklist keeps its order)";
    SortReverse = "sort-reverse", Global, "", "reverse the sort order";
    NextHigh = "next-high", Incidents, "", "next high/critical incident";
    PrevHigh = "prev-high", Incidents, "", "previous high/critical incident";
    HideAllowed = "hide-allowlisted", Identities, "hide", "hide / show allowlisted identities";
    Pivot = "pivot-ip", Identities, "by IP", "pivot: by identity / by source IP";
    Edit = "edit", Allowlist, "edit", "edit the selected entry";
    Delete = "delete", Allowlist, "del", "delete the selected entry";
    Undo = "undo", Allowlist, "undo", "undo the last allowlist change";
    Suppressed = "suppressed", Allowlist, "hides", "what the selected entry suppresses (alerts it hides)";
    ShowSuppressed = "show-suppressed", Allowlist, "suppressed", "toggle: every alert the allowlist suppresses, with the entry that matched";
    Tick = "tick", Checklist, "tick", "tick / untick the item";
    Note = "note", Checklist, "note", "annotate the item";
    CarryOver = "carry-over", Checklist, "", "carry over a similar incident's stored checklist";
}

/// A key as written in the table: code plus ctrl/alt (shift is part of the
/// character for printable keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

#[derive(Debug, Error, PartialEq)]
pub enum KeymapError {
    #[error("unknown key `{0}` (examples: q, G, ctrl-r, alt-c, f2, tab, shift-tab, pgdn, space)")]
    Key(String),
    #[error("unknown action `{0}` (see the ? help for names, or \"none\")")]
    Action(String),
    #[error("keys file {path}: {message}")]
    File { path: String, message: String },
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Key {
        // Shift is ignored: terminals disagree on whether it comes with 'G',
        // and the character already carries it.
        Key {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    pub fn parse(s: &str) -> Result<Key, KeymapError> {
        let bad = || KeymapError::Key(s.to_string());
        let (mut ctrl, mut alt, mut rest) = (false, false, s);
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1 && lower.starts_with("ctrl-") {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.len() > 1 && lower.starts_with("alt-") {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "shift-tab" | "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().map_err(|_| bad())?)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
                    _ => return Err(bad()),
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }

    /// How the key is written in hints and help.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".into(),
        };
        match (self.ctrl, self.alt) {
            (true, _) => format!("C-{base}"),
            (_, true) => format!("M-{base}"),
            _ => base,
        }
    }
}

fn action_by_name(name: &str) -> Option<Action> {
    Action::ALL.iter().copied().find(|a| a.name() == name)
}

/// Default bindings, in the order the help lists them.
const DEFAULTS: &[(&str, &str)] = &[
    ("q", "leave"),
    ("esc", "back"),
    ("ctrl-c", "quit"),
    ("?", "help"),
    ("f1", "help"),
    ("/", "filter"),
    (":", "command"),
    ("j", "down"),
    ("down", "down"),
    ("k", "up"),
    ("up", "up"),
    ("g", "top"),
    ("home", "top"),
    ("G", "bottom"),
    ("end", "bottom"),
    ("pgdn", "page-down"),
    ("space", "page-down"),
    ("pgup", "page-up"),
    ("b", "page-up"),
    ("ctrl-d", "half-down"),
    ("ctrl-u", "half-up"),
    ("tab", "next-pane"),
    ("shift-tab", "prev-pane"),
    ("1", "pane-incidents"),
    ("2", "pane-identities"),
    ("3", "pane-allowlist"),
    ("4", "pane-checklist"),
    ("F", "follow"),
    ("s", "follow"),
    ("=", "freeze"),
    ("enter", "open"),
    ("v", "severity-filter"),
    ("r", "rule-filter"),
    ("a", "allow"),
    ("x", "export"),
    ("f2", "mouse"),
    ("ctrl-r", "reload"),
    ("M", "problems"),
    ("y", "copy"),
    ("n", "next-match"),
    ("N", "prev-match"),
    ("i", "jump"),
    ("backspace", "jump-back"),
    ("o", "sort"),
    ("O", "sort-reverse"),
    ("e", "next-high"),
    ("E", "prev-high"),
    ("h", "hide-allowlisted"),
    ("p", "pivot-ip"),
    ("e", "edit"),
    ("d", "delete"),
    ("u", "undo"),
    ("S", "suppressed"),
    ("H", "show-suppressed"),
    ("space", "tick"),
    ("n", "note"),
    ("C", "carry-over"),
];

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Key, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULTS
            .iter()
            .map(|(k, a)| {
                (
                    Key::parse(k).expect("default key parses"),
                    action_by_name(a).expect("default action"),
                )
            })
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// Apply `key = action` overrides; "none" unbinds the key everywhere.
    pub fn patch(&mut self, overrides: &BTreeMap<String, String>) -> Result<(), KeymapError> {
        for (k, a) in overrides {
            let key = Key::parse(k)?;
            if a == "none" {
                self.bindings.retain(|(bk, _)| *bk != key);
                continue;
            }
            let action = action_by_name(a).ok_or_else(|| KeymapError::Action(a.clone()))?;
            // The key now means this action in the action's context.
            self.bindings
                .retain(|(bk, ba)| !(*bk == key && ba.context() == action.context()));
            self.bindings.push((key, action));
        }
        Ok(())
    }

    /// Defaults patched by `<config_dir>/keys.toml` if present. A bad file
    /// gives the defaults plus the error to show.
    pub fn load(config_dir: &Path) -> (Keymap, Option<String>) {
        let mut map = Keymap::default();
        let path = config_dir.join("keys.toml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return (map, None);
        };
        #[derive(serde::Deserialize)]
        struct File {
            #[serde(default)]
            keys: BTreeMap<String, String>,
        }
        let file_err = |message: String| KeymapError::File {
            path: path.display().to_string(),
            message,
        };
        let result = toml::from_str::<File>(&text)
            .map_err(|e| file_err(e.message().to_string()))
            .and_then(|f| {
                let mut patched = map.clone();
                patched
                    .patch(&f.keys)
                    .map_err(|e| file_err(e.to_string()))?;
                Ok(patched)
            });
        match result {
            Ok(m) => {
                map = m;
                (map, None)
            }
            Err(e) => (map, Some(format!("{e}; using default keys"))),
        }
    }

    /// The action for a key in a context (the pane's own table first).
    pub fn lookup(&self, ctx: Context, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev);
        let find = |c: Context| {
            self.bindings
                .iter()
                .find(|(k, a)| *k == key && a.context() == c)
                .map(|(_, a)| *a)
        };
        find(ctx).or_else(|| find(Context::Global))
    }

    /// Every key bound to an action, as labels ("j/↓").
    pub fn keys_for(&self, action: Action) -> String {
        let labels: Vec<String> = self
            .bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| k.label())
            .collect();
        labels.join("/")
    }

    /// (keys, description) rows for the help overlay, grouped by context.
    pub fn help_rows(&self) -> Vec<(Context, String, &'static str)> {
        let mut rows = Vec::new();
        for ctx in Context::ALL {
            for a in Action::ALL.iter().filter(|a| a.context() == ctx) {
                let keys = self.keys_for(*a);
                if !keys.is_empty() {
                    rows.push((ctx, keys, a.describe()));
                }
            }
        }
        rows
    }

    /// Short footer hints for a pane: its own actions, then the essentials
    /// (each action's hint word comes from the table).
    pub fn hints(&self, ctx: Context) -> Vec<(String, &'static str)> {
        let mut wanted: Vec<Action> = Action::ALL
            .iter()
            .copied()
            .filter(|a| a.context() == ctx && ctx != Context::Global)
            .collect();
        wanted.extend([
            Action::Open,
            Action::Filter,
            Action::Allow,
            Action::Follow,
            Action::Freeze,
            Action::NextPane,
            Action::Help,
            Action::Leave,
        ]);
        wanted
            .into_iter()
            .filter(|a| !a.hint().is_empty())
            .filter_map(|a| {
                let first = self
                    .bindings
                    .iter()
                    .find(|(_, b)| *b == a)
                    .map(|(k, _)| k.label())?;
                Some((first, a.hint()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn context_first_then_global() {
        let k = Keymap::default();
        let space = ev(KeyCode::Char(' '), KeyModifiers::NONE);
        assert_eq!(k.lookup(Context::Checklist, &space), Some(Action::Tick));
        assert_eq!(k.lookup(Context::Incidents, &space), Some(Action::PageDown));
        let e = ev(KeyCode::Char('e'), KeyModifiers::NONE);
        assert_eq!(k.lookup(Context::Allowlist, &e), Some(Action::Edit));
        assert_eq!(k.lookup(Context::Incidents, &e), Some(Action::NextHigh));
        assert_eq!(
            k.lookup(
                Context::Incidents,
                &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            k.lookup(
                Context::Incidents,
                &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)
            ),
            Some(Action::Bottom)
        );
    }

    #[test]
    fn patch_and_errors() {
        let mut k = Keymap::default();
        let mut o = BTreeMap::new();
        o.insert("ctrl-q".to_string(), "quit".to_string());
        o.insert("x".to_string(), "none".to_string());
        k.patch(&o).unwrap();
        assert_eq!(
            k.lookup(
                Context::Global,
                &ev(KeyCode::Char('q'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            k.lookup(Context::Global, &ev(KeyCode::Char('x'), KeyModifiers::NONE)),
            None
        );
        let mut bad = BTreeMap::new();
        bad.insert("q".to_string(), "explode".to_string());
        assert_eq!(k.patch(&bad), Err(KeymapError::Action("explode".into())));
        assert!(Key::parse("ctrl-").is_err());
        assert!(Key::parse("hyper-x").is_err());
        assert_eq!(Key::parse("f2").unwrap().code, KeyCode::F(2));
    }

    #[test]
    fn commands_resolve_and_complete_from_one_table() {
        assert_eq!(command("w").map(|d| d.cmd), Some(Cmd::Export));
        assert_eq!(command("quit").map(|d| d.cmd), Some(Cmd::Run(Action::Quit)));
        assert!(command("explode").is_none());
        assert_eq!(complete("fo"), vec!["follow"]);
        assert_eq!(complete("f"), vec!["follow", "freeze"]);
        let sum = command_summary();
        for d in COMMANDS {
            assert!(
                sum.contains(d.names[0]),
                "{} missing from the hint",
                d.names[0]
            );
        }
        // No name means two commands.
        let mut names: Vec<&str> = COMMANDS
            .iter()
            .flat_map(|d| d.names.iter().copied())
            .collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
    }

    #[test]
    fn footer_hints_come_from_the_table() {
        let k = Keymap::default();
        let h = k.hints(Context::Allowlist);
        assert!(h.iter().any(|(k, w)| k == "e" && *w == Action::Edit.hint()));
        assert!(h.iter().any(|(k, w)| k == "H" && *w == "suppressed"));
        assert!(
            !k.hints(Context::Incidents)
                .iter()
                .any(|(_, w)| *w == "tick")
        );
    }

    #[test]
    fn help_lists_every_bound_action() {
        let k = Keymap::default();
        let rows = k.help_rows();
        assert!(
            rows.iter()
                .any(|(_, keys, d)| keys.contains('?') && d.contains("help"))
        );
        assert!(rows.iter().any(|(c, _, _)| *c == Context::Checklist));
    }
}
