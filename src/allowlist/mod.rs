//! The allowlist: which identities and requests are normal in this cluster.
//! Model and matching, TOML load/save, and the built-in defaults.

pub mod defaults;
pub mod file;
pub mod model;

pub use defaults::{default_allowlist, default_entries, init_text};
pub use file::{AllowlistError, AllowlistFile, parse_allowlist, write_atomic};
pub use model::{Allowlist, AllowlistEntry, EntryKind, Subject};
