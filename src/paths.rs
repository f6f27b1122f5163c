//! Where ktriage keeps its files, per the XDG base-directory spec.

use std::path::PathBuf;

fn xdg(var: &str, fallback: &str) -> PathBuf {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(v) => PathBuf::from(v),
        None => {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("."));
            home.join(fallback)
        }
    }
}

/// `$XDG_CONFIG_HOME/ktriage` (default `~/.config/ktriage`).
pub fn config_dir() -> PathBuf {
    xdg("XDG_CONFIG_HOME", ".config").join("ktriage")
}

/// `$XDG_STATE_HOME/ktriage` (default `~/.local/state/ktriage`).
pub fn state_dir() -> PathBuf {
    xdg("XDG_STATE_HOME", ".local/state").join("ktriage")
}

pub fn default_allowlist_path() -> PathBuf {
    config_dir().join("allowlist.toml")
}

pub fn default_config_path() -> PathBuf {
    config_dir().join("config.toml")
}
