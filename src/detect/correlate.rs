//! seed 000's escalate-then-loot: a binding or widened role created by X,
//! granting subject Y, followed within the window by secret reads or exec by
//! X or Y. Both identities end up in one incident.

use super::config::Config;
use super::hit::Hit;
use super::rbac::Escalation;
use super::registry::RuleId;
use super::request::Ctx;
use crate::allowlist::Allowlist;
use std::collections::VecDeque;

const MAX_OPEN: usize = 10_000;

#[derive(Default)]
pub struct CorrelationState {
    open: VecDeque<Escalation>,
}

impl super::family::Family for CorrelationState {
    fn check(
        &mut self,
        ctx: &Ctx<'_, '_>,
        env: &super::family::Env<'_>,
        out: &mut super::family::Findings,
    ) {
        self.run(ctx, env.cfg, env.allow, &mut out.hits);
    }
}

impl CorrelationState {
    pub fn escalation(&mut self, e: Escalation) {
        if self.open.len() >= MAX_OPEN {
            self.open.pop_front();
        }
        self.open.push_back(e);
    }

    pub fn run(&mut self, ctx: &Ctx<'_, '_>, cfg: &Config, allow: &Allowlist, out: &mut Vec<Hit>) {
        let rc = &cfg.rules.escalate_then_loot;
        let Some(t) = ctx.time else { return };
        if !rc.enabled || !ctx.new_request || !(ctx.is_secret_read() || ctx.is_exec()) {
            return;
        }
        // Escalations are appended in log order; drop the ones too old for
        // any later event (allowing for modest disorder).
        while self
            .open
            .front()
            .is_some_and(|e| e.time + 2 * rc.window.0 < t)
        {
            self.open.pop_front();
        }
        let mut allowed: Option<bool> = None;
        for e in &self.open {
            if t < e.time || t > e.time + rc.window.0 {
                continue;
            }
            let via_subject = e
                .subjects
                .iter()
                .find(|s| s.covers(ctx.identity, &ctx.groups));
            if ctx.identity != e.actor && via_subject.is_none() {
                continue;
            }
            if *allowed.get_or_insert_with(|| {
                allow.allows(RuleId::EscalateThenLoot.as_str(), &ctx.subject())
            }) {
                return;
            }
            let how = match via_subject {
                Some(s) => format!("granted to {s} by {}", e.actor),
                None => format!("made by {} itself", e.actor),
            };
            let action = if ctx.is_exec() {
                "exec into a pod"
            } else {
                "secret read"
            };
            let mut hit = Hit::new(RuleId::EscalateThenLoot)
                .group(e.object.clone())
                .note(format!("{} ({how})", e.what))
                .detail(format!(
                    "{action} {} after the escalation",
                    after(t - e.time)
                ));
            if e.actor != ctx.identity {
                hit.linked.push(e.actor.clone());
            }
            hit.earlier.push(e.evidence.clone());
            out.push(hit);
        }
    }
}

fn after(us: i64) -> String {
    let s = us / 1_000_000;
    if s < 60 {
        format!("{s}s")
    } else {
        format!("{}m{}s", s / 60, s % 60)
    }
}
