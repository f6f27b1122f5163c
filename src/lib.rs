//! ktriage: triage Kubernetes Secret exfiltration in API-server audit logs.
//!
//! One engine, two front-ends: [`detect`] turns audit events into alerts and
//! incidents as pure functions of events, allowlist and config; `ktriage scan`
//! and the TUI both drive it through [`pipeline`].

pub mod audit;
pub mod net;
pub mod time;
pub mod allowlist;
pub mod glob;
pub mod detect;
pub mod pipeline;
pub mod source;
pub mod tui;
pub mod report;
pub mod paths;
