//! The allowlist: which identities and requests are normal in this cluster.
//! Model and matching, TOML load/save, the built-in defaults, how joinable
//! an entry is, and look-alikes of allowlisted identities.

pub mod breadth;
pub mod defaults;
pub mod file;
pub mod lookalike;
pub mod model;
pub mod save;

pub use breadth::{BreadthWarning, breadth_warnings};
pub use defaults::{default_allowlist, default_entries, init_text};
pub use file::{AllowlistError, AllowlistFile, parse_allowlist, write_atomic};
pub use lookalike::{Lookalikes, lookalike_of};
pub use model::{Allowlist, AllowlistEntry, EntryKind, Subject};
