//! Where events come from: whole files and stdin (`read`), and live files
//! that grow and rotate (`follow`).

pub mod follow;
pub mod read;

pub use read::{SourceError, open, read_all, read_all_with};
