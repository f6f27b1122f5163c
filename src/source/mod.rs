//! Where events come from: whole files, directories and stdin (`read`),
//! several inputs merged by event time (`merge`), gzip by magic bytes
//! (`gunzip`), and live files that grow and rotate (`follow`).

pub mod follow;
pub mod gunzip;
pub mod merge;
pub mod read;
pub mod set;

pub use read::{SourceError, open, read_all, read_all_with, read_input};
pub use set::{Input, InputSet, resolve};
