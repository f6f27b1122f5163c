//! The `:` commands, in the key table beside the keys: their names and
//! aliases, argument, description and what they run. The prompt's hint
//! line, Tab completion, the `?` help, the README row (checked by a test)
//! and the "unknown command" message all read [`COMMANDS`], so they cannot
//! disagree.

use super::Action;

/// What a `:` command does: run an action, or one that takes an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Run(Action),
    Export,
    Theme,
    Severity,
    Rule,
    Sort,
}

/// One `:` command: its names (the first is the one shown), its argument,
/// and what it does. The prompt's hint line, Tab completion, the help and
/// the "unknown command" message all read [`COMMANDS`].
#[derive(Debug)]
pub struct CommandDef {
    pub names: &'static [&'static str],
    pub arg: &'static str,
    pub desc: &'static str,
    pub cmd: Cmd,
}

const fn c(
    names: &'static [&'static str],
    arg: &'static str,
    desc: &'static str,
    cmd: Cmd,
) -> CommandDef {
    CommandDef {
        names,
        arg,
        desc,
        cmd,
    }
}

pub const COMMANDS: &[CommandDef] = &[
    c(
        &["export", "w"],
        "[PATH]",
        "write the incident report (Markdown), to PATH if given",
        Cmd::Export,
    ),
    c(&["theme"], "NAME", "switch the colour theme", Cmd::Theme),
    c(
        &["sev", "severity"],
        "LEVEL|all",
        "show incidents of at least this severity",
        Cmd::Severity,
    ),
    c(&["rule"], "ID|all", "show incidents of one rule", Cmd::Rule),
    c(
        &["sort"],
        "COLUMN|off",
        "sort pane 1, 2 or 3 by a column (by header name)",
        Cmd::Sort,
    ),
    c(
        &["suppressed"],
        "",
        "every alert the allowlist suppresses (pane 3)",
        Cmd::Run(Action::ShowSuppressed),
    ),
    c(&["follow"], "", "toggle follow", Cmd::Run(Action::Follow)),
    c(
        &["freeze"],
        "",
        "freeze / thaw the view",
        Cmd::Run(Action::Freeze),
    ),
    c(
        &["allow"],
        "",
        "add an allowlist entry from the selection",
        Cmd::Run(Action::Allow),
    ),
    c(
        &["problems", "malformed"],
        "",
        "malformed lines and warnings",
        Cmd::Run(Action::Problems),
    ),
    c(&["help"], "", "this help", Cmd::Run(Action::Help)),
    c(&["q", "quit"], "", "quit now", Cmd::Run(Action::Quit)),
];

/// The command a name (or alias) stands for.
pub fn command(name: &str) -> Option<&'static CommandDef> {
    COMMANDS.iter().find(|d| d.names.contains(&name))
}

/// Command names (and aliases) that start with `prefix`, in table order.
pub fn complete(prefix: &str) -> Vec<&'static str> {
    COMMANDS
        .iter()
        .flat_map(|d| d.names.iter().copied())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

/// What may follow a command name (Tab completes it): severities, rule
/// ids, built-in themes, or the `columns` given (the focused pane's
/// headers, for `:sort`, by their first word). Empty: a free argument (a
/// path) or none.
pub fn arguments(cmd: Cmd, columns: &[&str]) -> Vec<String> {
    use crate::detect::Severity;
    let mut v: Vec<String> = match cmd {
        Cmd::Severity => [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .iter()
        .map(|s| s.as_str().to_string())
        .collect(),
        Cmd::Rule => crate::detect::RuleId::IDS
            .iter()
            .map(|s| s.to_string())
            .collect(),
        Cmd::Theme => crate::tui::theme::BUILTIN
            .iter()
            .map(|(n, _)| n.to_string())
            .collect(),
        Cmd::Sort => columns
            .iter()
            .filter_map(|c| c.split(' ').next())
            .filter(|c| !c.is_empty())
            .map(str::to_lowercase)
            .collect(),
        Cmd::Export | Cmd::Run(_) => return Vec::new(),
    };
    match cmd {
        Cmd::Sort => v.push("off".into()),
        Cmd::Theme => {}
        _ => v.push("all".into()),
    }
    v
}

/// `export [PATH] · theme NAME · …`: the prompt's hint line.
pub fn command_summary() -> String {
    COMMANDS
        .iter()
        .map(|d| {
            if d.arg.is_empty() {
                d.names[0].to_string()
            } else {
                format!("{} {}", d.names[0], d.arg)
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}
