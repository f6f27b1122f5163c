//! Detection: pure functions of events, allowlist and config. One file per
//! rule family, a registry of rule metadata, correlation and incidents.

pub mod activity;
pub mod alert;
pub mod baseline;
pub mod blind;
pub mod catalog;
pub mod config;
pub mod correlate;
pub mod csr;
pub mod csr_der;
pub mod engine;
pub mod ephemeral;
pub mod evidence;
pub mod family;
pub mod helm;
pub mod hit;
pub mod incident;
pub mod minted;
pub mod mounted;
pub mod nodes_proxy;
pub mod packed;
pub mod pods;
pub mod rbac;
pub mod registry;
pub mod relevance;
pub mod request;
pub mod rotate;
pub mod secret_access;
pub mod smallmap;
pub mod windows;
pub mod workload;

pub use alert::{Alert, AlertChange, EvidenceEvent, SecretRef};
pub use config::Config;
pub use engine::{
    BlindSpot, Engine, EngineStats, Evicted, engine_wants, is_relevant, matching_entries,
};
pub use hit::GroupKey;
pub use incident::Incident;
pub use registry::{RULES, RuleId, RuleInfo, Severity, info};
pub use rotate::{RotateItem, RotateKind};
