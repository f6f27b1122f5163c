//! Rate rules over sliding windows of log time: rapid GETs of distinct
//! secrets (seed 003) and repeated denials (RBAC probing). Events without a
//! time cannot be placed in a window and are skipped (and counted).
//!
//! Every step is O(1) amortised, whatever the window holds. A window keeps
//! a running count per name (rapid GETs) or of denials, so the threshold
//! test never walks it; and each entry's evidence is handed to the alert at
//! most once: when the rule fires, only the entries not yet handed over
//! (`pending`) go with the hit, and while the window stays over the
//! threshold each new event joins the alert alone. Before this, every GET
//! rebuilt the window's name set and cloned its whole evidence into the
//! hit: 2,500 distinct-name GETs by one identity (5 ms apart) took 3.5 s to
//! scan, 5,000 took 20.5 s (release build), quadratic, and the re-added
//! evidence past the alert's evidence cap was counted again (5,000 GETs gave
//! `event_count` 4,503,500). After: 8,000 take 0.12 s, 32,000 0.47 s, 1M
//! 21 s (`scripts/burst-bench.py --scale 10000,100000,1000000`; the
//! README's "Speed and the benchmark" has the figures).
//!
//! Evidence of pending entries is kept whole for the oldest
//! [`MAX_EVIDENCE`] of them (those the alert can store); later ones keep
//! everything but the raw line, which the alert would not store anyway.

use super::alert::{EvidenceEvent, MAX_EVIDENCE};
use super::config::Config;
use super::hit::{GroupKey, Hit};
use super::registry::RuleId;
use super::request::Ctx;
use crate::allowlist::Allowlist;
use crate::audit::{NO_USER, Outcome};
use crate::glob::glob_match;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;

struct Entry {
    time: i64,
    /// The secret name (rapid GETs); empty in the denial window.
    name: Arc<str>,
    /// Counted by the denial rule (a 401/403, not a 404 kept as context).
    counted: bool,
    /// Not yet handed to an alert.
    evidence: Option<Box<EvidenceEvent>>,
}

/// One key's window: entries in arrival order, the trailing `pending` of
/// them not yet part of the alert, and running counts.
#[derive(Default)]
struct Window {
    q: VecDeque<Entry>,
    pending: usize,
    /// Entries per name (rapid GETs): its length is the distinct count.
    names: HashMap<Arc<str>, u32>,
    /// Counted entries (denials).
    counted: usize,
    /// Highest count reported in a note, so a note is made only when the
    /// count rises past it (not on every event).
    peak: usize,
}

impl Window {
    fn prune(&mut self, from: i64) {
        while self.q.front().is_some_and(|e| e.time < from) {
            let Some(e) = self.q.pop_front() else { break };
            if e.counted {
                self.counted -= 1;
            }
            if !e.name.is_empty() {
                if let Some(n) = self.names.get_mut(&e.name) {
                    *n -= 1;
                    if *n == 0 {
                        self.names.remove(&e.name);
                    }
                }
            }
        }
        self.pending = self.pending.min(self.q.len());
    }

    /// Add the newest entry. `evidence` is `None` when the rule fires on
    /// it: it joins the alert as the hit's own event, not from the window.
    fn push(&mut self, time: i64, name: &str, counted: bool, evidence: Option<EvidenceEvent>) {
        let name: Arc<str> = match self.names.get_key_value(name) {
            Some((k, _)) => k.clone(),
            None => Arc::from(name),
        };
        if !name.is_empty() {
            *self.names.entry(name.clone()).or_insert(0) += 1;
        }
        if counted {
            self.counted += 1;
        }
        let evidence = evidence.map(|mut e| {
            if self.pending >= MAX_EVIDENCE {
                e.raw = Arc::from("");
            }
            Box::new(e)
        });
        self.q.push_back(Entry {
            time,
            name,
            counted,
            evidence,
        });
        self.pending += 1;
    }

    /// The rule fired on the newest entry: hand over the pending entries
    /// before it (the newest joins the alert as the hit's own event).
    fn take_pending(&mut self) -> Vec<EvidenceEvent> {
        let len = self.q.len();
        let from = len - self.pending.min(len);
        let out = (from..len.saturating_sub(1))
            .filter_map(|i| self.q[i].evidence.take().map(|b| *b))
            .collect();
        if let Some(last) = self.q.back_mut() {
            last.evidence = None;
        }
        self.pending = 0;
        out
    }
}

#[derive(Default)]
pub struct WindowState {
    rapid: HashMap<String, Window>,
    denied: HashMap<String, Window>,
    /// Latest event time seen, to drop idle keys.
    now: i64,
    since_sweep: u32,
}

impl super::family::Family for WindowState {
    fn check(
        &mut self,
        ctx: &Ctx<'_, '_>,
        env: &super::family::Env<'_>,
        out: &mut super::family::Findings,
    ) {
        out.untimed_skipped |= self.run(ctx, env.cfg, env.allow, env.evidence, &mut out.hits);
    }
}

impl WindowState {
    /// Forget keys whose windows have emptied, so state tracks activity,
    /// not history.
    fn sweep(&mut self, cfg: &Config) {
        self.since_sweep += 1;
        // At most one walk per as many events as there are keys: O(1)
        // amortised however many identities are active.
        if (self.since_sweep as usize) < (self.rapid.len() + self.denied.len()).max(4096) {
            return;
        }
        self.since_sweep = 0;
        let r = self.now - cfg.rules.secret_rapid_get.window.0;
        self.rapid
            .retain(|_, w| w.q.back().is_some_and(|e| e.time >= r));
        let d = self.now - cfg.rules.secret_access_denied.window.0;
        self.denied
            .retain(|_, w| w.q.back().is_some_and(|e| e.time >= d));
    }

    /// Returns true when the event was relevant to a windowed rule but had
    /// no time (the caller counts those).
    pub fn run(
        &mut self,
        ctx: &Ctx<'_, '_>,
        cfg: &Config,
        allow: &Allowlist,
        evidence: &dyn Fn() -> EvidenceEvent,
        out: &mut Vec<Hit>,
    ) -> bool {
        let rapid_relevant = ctx.new_request && ctx.is_secrets() && ctx.verb() == "get";
        let denied_relevant = ctx.is_secrets()
            && (ctx.became_denied || (ctx.new_request && ctx.outcome == Outcome::NotFound));
        let Some(t) = ctx.time else {
            return rapid_relevant || denied_relevant;
        };
        self.now = self.now.max(t);
        if rapid_relevant {
            self.rapid_get(ctx, t, cfg, allow, evidence, out);
        }
        if denied_relevant {
            self.denials(ctx, t, cfg, allow, evidence, out);
        }
        self.sweep(cfg);
        false
    }

    /// seed 003: one (user, source IP, user agent) gets >= 3 distinct secret
    /// names within 6 minutes; allowed and denied GETs both count.
    fn rapid_get(
        &mut self,
        ctx: &Ctx<'_, '_>,
        t: i64,
        cfg: &Config,
        allow: &Allowlist,
        evidence: &dyn Fn() -> EvidenceEvent,
        out: &mut Vec<Hit>,
    ) {
        let rc = &cfg.rules.secret_rapid_get;
        if !rc.enabled || ctx.authenticated == NO_USER {
            return;
        }
        let Some(ip) = ctx.trusted_ip else { return };
        let excluded_ip = rc
            .exclude_source_ips
            .iter()
            .any(|x| x.parse::<IpAddr>().is_ok_and(|x| x == ip));
        let excluded_user = rc
            .exclude_users
            .iter()
            .any(|u| u == ctx.identity || u == ctx.authenticated);
        let name = ctx.ev.name();
        let excluded_name = rc.exclude_name_globs.iter().any(|g| glob_match(g, name));
        if excluded_ip || excluded_user || excluded_name || name.is_empty() {
            return;
        }
        if allow.allows(RuleId::SecretRapidGet.as_str(), &ctx.subject()) {
            return;
        }
        let ua = ctx.ev.user_agent();
        let via = (ctx.authenticated != ctx.identity).then_some(ctx.authenticated);
        let key = format!(
            "{}\u{0}{ip}\u{0}{ua}\u{0}{}",
            ctx.identity,
            via.unwrap_or("")
        );
        let w = self.rapid.entry(key).or_default();
        w.prune(t - rc.window.0);
        let distinct = w.names.len() + usize::from(!w.names.contains_key(name));
        let fires = distinct >= rc.threshold;
        w.push(t, name, false, (!fires).then(evidence));
        if fires {
            let mut hit = Hit::new(RuleId::SecretRapidGet).group(GroupKey::Source {
                ip: ip.to_string(),
                user_agent: Some(ua.to_string()),
                via: via.map(str::to_string),
            });
            if distinct > w.peak {
                w.peak = distinct;
                hit = hit.peak_note(
                    "rapid-get-peak",
                    distinct as u64,
                    format!(
                        "{distinct} distinct secrets requested within {}",
                        crate::time::format_duration(rc.window.0)
                    ),
                );
            }
            hit.earlier = w.take_pending();
            out.push(hit);
        }
    }

    /// ktriage: >= 5 401/403 answers on secrets per identity within 15
    /// minutes. 404s are kept in the window as context, never counted.
    fn denials(
        &mut self,
        ctx: &Ctx<'_, '_>,
        t: i64,
        cfg: &Config,
        allow: &Allowlist,
        evidence: &dyn Fn() -> EvidenceEvent,
        out: &mut Vec<Hit>,
    ) {
        let dc = &cfg.rules.secret_access_denied;
        if !dc.enabled || allow.allows(RuleId::SecretAccessDenied.as_str(), &ctx.subject()) {
            return;
        }
        let w = self.denied.entry(ctx.identity.to_string()).or_default();
        w.prune(t - dc.window.0);
        let denied = ctx.outcome == Outcome::Denied;
        let count = w.counted + usize::from(denied);
        let fires = denied && count >= dc.threshold;
        w.push(t, "", denied, (!fires).then(evidence));
        if fires {
            let mut hit = Hit::new(RuleId::SecretAccessDenied);
            if count > w.peak {
                w.peak = count;
                hit = hit.peak_note(
                    "denied-peak",
                    count as u64,
                    format!(
                        "{count} denied secret requests within {}",
                        crate::time::format_duration(dc.window.0)
                    ),
                );
            }
            hit.earlier = w.take_pending();
            out.push(hit);
        }
    }
}
