//! The one signature every rule family has: it looks at the event in hand
//! (`Ctx`) with what the engine shares (`Env`), and adds what it finds to
//! `Findings`. Each family decides for itself which stages it reads (most
//! only the first stage of a request, RBAC until the resulting object is
//! known, the windowed rules every stage). The engine calls them in the
//! order of `Engine::families`, which is the order alerts are created in.

use super::alert::EvidenceEvent;
use super::config::Config;
use super::hit::Hit;
use super::pods::PodSecrets;
use super::rbac::Escalation;
use super::request::Ctx;
use crate::allowlist::Allowlist;
use std::collections::BTreeSet;

/// What the engine shares with every family for one event.
pub struct Env<'a> {
    pub cfg: &'a Config,
    pub allow: &'a Allowlist,
    /// The event as evidence, built once on first use.
    pub evidence: &'a dyn Fn() -> EvidenceEvent,
    /// Which pods (and workloads) use which secrets, and who created them.
    pub pods: &'a PodSecrets,
    /// Groups bound to cluster-admin by ClusterRoleBindings seen so far.
    pub admin_groups: &'a BTreeSet<String>,
}

impl Env<'_> {
    /// The rule is enabled and the allowlist does not cover this event for it.
    pub fn on(&self, ctx: &Ctx<'_, '_>, rule: super::RuleId) -> bool {
        self.cfg.rules.enabled(rule) && !self.allow.allows(rule.as_str(), &ctx.subject())
    }
}

/// What the families found in one event.
#[derive(Default)]
pub struct Findings {
    pub hits: Vec<Hit>,
    /// Escalations for escalate-then-loot to watch from the next event on.
    pub escalations: Vec<Escalation>,
    /// A windowed rule had to skip the event: it has no time.
    pub untimed_skipped: bool,
    /// The RBAC rules have read this request's objects (later stages skip).
    pub rbac_done: bool,
    /// When a binding changed them: every group bound to cluster-admin.
    pub admin_groups: BTreeSet<String>,
}

pub trait Family {
    fn check(&mut self, ctx: &Ctx<'_, '_>, env: &Env<'_>, out: &mut Findings);
}
