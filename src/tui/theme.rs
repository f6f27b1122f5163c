//! Themes: flat TOML files (`themes/*.toml`, built in with `include_str!`),
//! resolved once into semantic styles that panes ask for by meaning
//! (`theme.severity(s)`, `theme.border(focused)`), never by colour.
//!
//! A user theme is a patch over the built-in dark theme, so a file that sets
//! three keys still gets every other one. A theme that cannot be read or
//! parsed never stops the analyst: the dark theme is used and the reason is
//! shown in the status bar. `NO_COLOR` (or `--no-color`) drops every colour
//! but keeps bold/reverse/underline, so focus and selection stay visible.

use crate::detect::Severity;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The built-in themes, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

#[derive(Debug, Error)]
pub enum ThemeError {
    #[error(
        "theme `{0}` not found (built-in: dark, light, high-contrast; or a path to a .toml file)"
    )]
    NotFound(String),
    #[error("cannot read theme {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("theme {name}: {message}")]
    Parse { name: String, message: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    palette: HashMap<String, String>,
    #[serde(default)]
    styles: HashMap<String, StyleSpec>,
}

/// Every style key a theme may set (unknown keys are errors: a typo must
/// not silently do nothing).
const KEYS: &[&str] = &[
    "text",
    "dim",
    "header",
    "border",
    "border_focused",
    "title",
    "selected",
    "match",
    "critical",
    "high",
    "medium",
    "low",
    "allowed",
    "denied",
    "status_bar",
    "status_key",
    "warning",
    "demo",
    "follow_on",
    "follow_off",
    "escaped",
];

/// Resolved styles.
#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    styles: HashMap<&'static str, Style>,
}

fn parse_color(s: &str, palette: &HashMap<String, String>, depth: u8) -> Result<Color, String> {
    if let Some(p) = palette.get(s) {
        if depth > 4 {
            return Err(format!("palette colour `{s}` refers to itself"));
        }
        return parse_color(p, palette, depth + 1);
    }
    let named = match s.to_ascii_lowercase().as_str() {
        "reset" | "default" => Some(Color::Reset),
        "black" => Some(Color::Black),
        "red" => Some(Color::Red),
        "green" => Some(Color::Green),
        "yellow" => Some(Color::Yellow),
        "blue" => Some(Color::Blue),
        "magenta" => Some(Color::Magenta),
        "cyan" => Some(Color::Cyan),
        "gray" | "grey" => Some(Color::Gray),
        "darkgray" | "darkgrey" => Some(Color::DarkGray),
        "lightred" => Some(Color::LightRed),
        "lightgreen" => Some(Color::LightGreen),
        "lightyellow" => Some(Color::LightYellow),
        "lightblue" => Some(Color::LightBlue),
        "lightmagenta" => Some(Color::LightMagenta),
        "lightcyan" => Some(Color::LightCyan),
        "white" => Some(Color::White),
        _ => None,
    };
    if let Some(c) = named {
        return Ok(c);
    }
    if let Some(hex) = s.strip_prefix('#').filter(|h| h.len() == 6) {
        if let Ok(v) = u32::from_str_radix(hex, 16) {
            return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
    }
    Err(format!(
        "unknown colour `{s}` (an ANSI name like lightred, \"reset\", #rrggbb, or a [palette] name)"
    ))
}

fn resolve(spec: &StyleSpec, palette: &HashMap<String, String>) -> Result<Style, String> {
    let mut st = Style::default();
    if let Some(fg) = &spec.fg {
        st = st.fg(parse_color(fg, palette, 0)?);
    }
    if let Some(bg) = &spec.bg {
        st = st.bg(parse_color(bg, palette, 0)?);
    }
    let flags = [
        (spec.bold, Modifier::BOLD),
        (spec.dim, Modifier::DIM),
        (spec.italic, Modifier::ITALIC),
        (spec.underline, Modifier::UNDERLINED),
        (spec.reversed, Modifier::REVERSED),
    ];
    for (on, m) in flags {
        if on {
            st = st.add_modifier(m);
        }
    }
    Ok(st)
}

impl Theme {
    /// Parse theme text as a patch over `base` (or from scratch).
    pub fn parse(name: &str, text: &str, base: Option<&Theme>) -> Result<Theme, ThemeError> {
        let err = |message: String| ThemeError::Parse {
            name: name.to_string(),
            message,
        };
        let file: ThemeFile = toml::from_str(text).map_err(|e| err(e.message().to_string()))?;
        let mut styles = base.map(|b| b.styles.clone()).unwrap_or_default();
        for (key, spec) in &file.styles {
            let Some(k) = KEYS.iter().find(|k| **k == key.as_str()) else {
                return Err(err(format!(
                    "unknown style `{key}` (known: {})",
                    KEYS.join(", ")
                )));
            };
            styles.insert(
                k,
                resolve(spec, &file.palette).map_err(|m| err(format!("[styles] {key}: {m}")))?,
            );
        }
        Ok(Theme {
            name: name.to_string(),
            styles,
        })
    }

    /// The built-in dark theme (always valid: tested).
    pub fn dark() -> Theme {
        Theme::parse("dark", BUILTIN[0].1, None).expect("built-in dark theme parses")
    }

    /// Find and load a theme: a path (contains `/` or ends in `.toml`), else
    /// `<config_dir>/themes/NAME.toml`, else a built-in.
    pub fn load(name: &str, config_dir: &Path) -> Result<Theme, ThemeError> {
        let dark = Theme::dark();
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| ThemeError::Read {
                path: path.to_path_buf(),
                source,
            })
        };
        if name.contains('/') || name.ends_with(".toml") {
            let path = Path::new(name);
            return Theme::parse(name, &read(path)?, Some(&dark));
        }
        let user = config_dir.join("themes").join(format!("{name}.toml"));
        if user.is_file() {
            return Theme::parse(name, &read(&user)?, Some(&dark));
        }
        match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Theme::parse(name, text, Some(&dark)),
            None => Err(ThemeError::NotFound(name.to_string())),
        }
    }

    /// Load `name` (default "dark"), falling back to dark with a warning to
    /// show; then strip colour if asked.
    pub fn resolve(
        name: Option<&str>,
        config_dir: &Path,
        no_color: bool,
    ) -> (Theme, Option<String>) {
        let (theme, warning) = match Theme::load(name.unwrap_or("dark"), config_dir) {
            Ok(t) => (t, None),
            Err(e) => (Theme::dark(), Some(format!("{e}; using the dark theme"))),
        };
        let no_color = no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        (if no_color { theme.monochrome() } else { theme }, warning)
    }

    /// Same modifiers, no colours (NO_COLOR).
    pub fn monochrome(mut self) -> Theme {
        for st in self.styles.values_mut() {
            st.fg = None;
            st.bg = None;
        }
        // Without colour, severity needs another cue: critical/high bold.
        self.styles
            .entry("critical")
            .and_modify(|s| *s = s.add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
        self.styles
            .entry("high")
            .and_modify(|s| *s = s.add_modifier(Modifier::BOLD));
        self.name.push_str(" (no colour)");
        self
    }

    pub fn get(&self, key: &str) -> Style {
        self.styles.get(key).copied().unwrap_or_default()
    }

    pub fn text(&self) -> Style {
        self.get("text")
    }
    pub fn dim(&self) -> Style {
        self.get("dim")
    }
    pub fn header(&self) -> Style {
        self.get("header")
    }
    pub fn title(&self) -> Style {
        self.get("title")
    }
    pub fn selected(&self) -> Style {
        self.get("selected")
    }
    /// The focused pane's tab: the selection colours with the title's
    /// emphasis (patching the title's colour over them made high-contrast's
    /// tab white on white).
    pub fn active_tab(&self) -> Style {
        self.selected().add_modifier(self.title().add_modifier)
    }
    pub fn matched(&self) -> Style {
        self.get("match")
    }
    pub fn border(&self, focused: bool) -> Style {
        self.get(if focused { "border_focused" } else { "border" })
    }
    pub fn severity(&self, s: Severity) -> Style {
        self.get(s.as_str())
    }
    pub fn outcome(&self, denied: bool) -> Style {
        self.get(if denied { "denied" } else { "allowed" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_active_tab_is_readable_in_every_builtin_theme() {
        for (name, text) in BUILTIN {
            let s = Theme::parse(name, text, None).unwrap().active_tab();
            let reversed = s.add_modifier.contains(Modifier::REVERSED);
            let ok = match (s.fg, s.bg) {
                (None, None) => reversed,
                (fg, bg) => fg != bg,
            };
            assert!(ok, "{name}: {s:?}");
        }
    }

    #[test]
    fn builtins_parse_and_cover_every_key() {
        for (name, text) in BUILTIN {
            let t = Theme::parse(name, text, None).unwrap();
            for k in KEYS {
                assert!(t.styles.contains_key(k), "{name} lacks {k}");
            }
        }
    }

    #[test]
    fn bad_theme_falls_back_with_warning() {
        let dir = std::env::temp_dir();
        let (t, w) = Theme::resolve(Some("no-such-theme"), &dir, false);
        assert_eq!(t.name, "dark");
        assert!(w.unwrap().contains("not found"));
        let e = Theme::parse("x", "[styles]\ntext = { fg = \"chartreuse\" }", None).unwrap_err();
        assert!(e.to_string().contains("unknown colour"));
        assert!(Theme::parse("x", "[styles]\ntxt = {}", None).is_err());
    }

    #[test]
    fn no_color_keeps_modifiers() {
        let t = Theme::dark().monochrome();
        assert_eq!(t.selected().fg, None);
        assert!(t.selected().add_modifier.contains(Modifier::REVERSED));
    }
}
