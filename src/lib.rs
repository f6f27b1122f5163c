//! ktriage: triage Kubernetes Secret exfiltration in API-server audit logs.
//!
//! One engine, two front-ends: [`detect`] turns audit events into alerts and
//! incidents as pure functions of events, allowlist and config; `ktriage scan`
//! and the TUI both drive it through [`pipeline`].

// Nested `if let` + condition often reads clearer than a let-chain here,
// and keeps the "why" comment next to the condition it explains.
#![allow(clippy::collapsible_if)]

pub mod allowlist;

pub mod audit;
pub mod detect;
pub mod glob;
pub mod net;
pub mod paths;
pub mod pipeline;
pub mod rbac;
pub mod report;
pub mod sigma;
pub mod source;
pub mod time;
pub mod tui;
pub mod view;
pub mod words;
