//! Output formats of `ktriage scan`: text for people, jsonl for machines,
//! Markdown for tickets. Every attacker-controlled string goes through
//! [`inert`] before it reaches a terminal; names (identities, secrets, user
//! agents) through [`inert_name`], which also marks look-alike characters.

pub mod incident_json;
pub mod inert;
pub mod jsonl;
pub mod markdown;
pub mod md;
pub mod problems;
pub mod summary;
pub mod text;

pub use inert::{inert, inert_name};
