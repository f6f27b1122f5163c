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
//! Evidence of pending entries is [`Packed`] (one allocation, the same
//! event when unpacked) and holds the raw line only for as many entries as
//! an alert keeps raw lines (`RAW_KEPT`, none in `scan`); the others unpack
//! with [`raw_not_kept`](super::alert::raw_not_kept), never an empty line.
//!
//! Bounded: each rule holds at most `max_identities` windows. At the limit,
//! windows whose entries have all left the window are dropped and, if that
//! is not enough, those least recently active (log time) are evicted, a
//! sixteenth of the limit at a time so the walk is O(1) amortised. An
//! evicted window forgets its entries: the rule may miss a burst of that
//! key spread across the eviction. [`WindowState::evicted`] counts them for
//! the summary. Identity flood, 100,000 one-read identities 5 ms apart
//! (`scripts/identity-flood.py`): RSS at the end of the input 399 MiB
//! before, 294 MiB after (README "A flood of distinct identities").

use super::alert::{EvidenceEvent, RAW_KEPT};
use super::config::Config;
use super::hit::{GroupKey, Hit};
use super::packed::Packed;
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
    evidence: Option<Packed>,
}

/// Entries per distinct name. Most windows only ever see one name (one
/// read by one identity), and a one-entry `HashMap` allocates a table for
/// four: `One` holds it inline.
#[derive(Default)]
enum Names {
    #[default]
    Empty,
    One(Arc<str>, u32),
    Many(HashMap<Arc<str>, u32>),
}

impl Names {
    fn len(&self) -> usize {
        match self {
            Names::Empty => 0,
            Names::One(..) => 1,
            Names::Many(m) => m.len(),
        }
    }

    fn key(&self, name: &str) -> Option<&Arc<str>> {
        match self {
            Names::One(k, _) if &**k == name => Some(k),
            Names::Many(m) => m.get_key_value(name).map(|(k, _)| k),
            _ => None,
        }
    }

    fn add(&mut self, name: &Arc<str>) {
        match self {
            Names::Empty => *self = Names::One(name.clone(), 1),
            Names::One(k, n) if *k == *name => *n += 1,
            Names::One(k, n) => {
                let mut m = HashMap::new();
                m.insert(k.clone(), *n);
                m.insert(name.clone(), 1);
                *self = Names::Many(m);
            }
            Names::Many(m) => *m.entry(name.clone()).or_insert(0) += 1,
        }
    }

    fn remove(&mut self, name: &str) {
        match self {
            Names::One(k, n) if &**k == name => {
                *n -= 1;
                if *n == 0 {
                    *self = Names::Empty;
                }
            }
            Names::Many(m) => {
                if let Some(n) = m.get_mut(name) {
                    *n -= 1;
                    if *n == 0 {
                        m.remove(name);
                    }
                }
            }
            _ => {}
        }
    }
}

/// One key's window: entries in arrival order, the trailing `pending` of
/// them not yet part of the alert, and running counts.
#[derive(Default)]
struct Window {
    q: VecDeque<Entry>,
    pending: usize,
    /// Entries per name (rapid GETs): its length is the distinct count.
    names: Names,
    /// Counted entries (denials).
    counted: usize,
    /// Highest count reported in a note, so a note is made only when the
    /// count rises past it (not on every event).
    peak: usize,
}

impl Window {
    fn last(&self) -> i64 {
        self.q.back().map_or(i64::MIN, |e| e.time)
    }

    fn prune(&mut self, from: i64) {
        while self.q.front().is_some_and(|e| e.time < from) {
            let Some(e) = self.q.pop_front() else { break };
            if e.counted {
                self.counted -= 1;
            }
            if !e.name.is_empty() {
                self.names.remove(&e.name);
            }
        }
        self.pending = self.pending.min(self.q.len());
    }

    /// Add the newest entry. `evidence` is `None` when the rule fires on
    /// it: it joins the alert as the hit's own event, not from the window.
    /// The raw line is held for the first `raw_kept` pending entries only
    /// (an alert keeps no more).
    fn push(
        &mut self,
        time: i64,
        name: &str,
        counted: bool,
        evidence: Option<EvidenceEvent>,
        raw_kept: usize,
    ) {
        let name: Arc<str> = match self.names.key(name) {
            Some(k) => k.clone(),
            None => Arc::from(name),
        };
        if !name.is_empty() {
            self.names.add(&name);
        }
        if counted {
            self.counted += 1;
        }
        let evidence = evidence.map(|e| Packed::new(e, self.pending < raw_kept));
        // Grow by half, not double, from one: most windows hold one entry.
        if self.q.len() == self.q.capacity() {
            self.q.reserve_exact(self.q.len() / 2 + 1);
        }
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
            .filter_map(|i| self.q[i].evidence.take().map(Packed::unpack))
            .collect();
        if let Some(last) = self.q.back_mut() {
            last.evidence = None;
        }
        self.pending = 0;
        out
    }
}

/// One rule's windows, at most `limit` of them (see the module docs).
#[derive(Default)]
struct Windows {
    map: HashMap<String, Window>,
    /// Windows evicted (not expired) under the limit.
    evicted: u64,
}

impl Windows {
    /// The window of `key`, making room for it under `limit`. `expired`:
    /// windows whose newest entry is older than this hold nothing.
    fn get(&mut self, key: String, limit: usize, expired: i64) -> &mut Window {
        if !self.map.contains_key(&key) && self.map.len() >= limit.max(1) {
            self.make_room(limit.max(1), expired);
        }
        self.map.entry(key).or_default()
    }

    /// Drop expired windows, then evict the least recently active until a
    /// sixteenth of the limit is free: the next walk is that many new keys
    /// away, so each costs O(1) amortised.
    fn make_room(&mut self, limit: usize, expired: i64) {
        self.map.retain(|_, w| w.last() >= expired);
        let keep = limit - (limit / 16).max(1);
        if self.map.len() <= keep {
            return;
        }
        let evict = self.map.len() - keep;
        let mut lasts: Vec<i64> = self.map.values().map(Window::last).collect();
        let (_, &mut cut, _) = lasts.select_nth_unstable(evict - 1);
        // Every window older than the cut, then of the cut's own time
        // until `evict` have gone.
        let mut gone = 0;
        self.map.retain(|_, w| {
            let out = w.last() < cut;
            gone += usize::from(out);
            !out
        });
        self.map.retain(|_, w| {
            let out = gone < evict && w.last() == cut;
            gone += usize::from(out);
            !out
        });
        self.evicted += gone as u64;
    }

    fn sweep(&mut self, expired: i64) {
        self.map.retain(|_, w| w.last() >= expired);
    }
}

/// Rate windows evicted under the identity limit, per rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowsEvicted {
    /// `secret-rapid-get` windows (one per identity, source IP and user agent).
    pub rapid_get: u64,
    /// `secret-access-denied` windows (one per identity).
    pub denied: u64,
}

pub struct WindowState {
    rapid: Windows,
    denied: Windows,
    /// Latest event time seen, to drop idle keys.
    now: i64,
    since_sweep: u32,
    /// Pending entries per window that hold their raw line.
    raw_kept: usize,
}

impl Default for WindowState {
    fn default() -> Self {
        WindowState {
            rapid: Windows::default(),
            denied: Windows::default(),
            now: 0,
            since_sweep: 0,
            raw_kept: RAW_KEPT,
        }
    }
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
    /// Hold the raw line of at most `n` pending entries per window: as many
    /// as an alert keeps (`Engine::set_raw_per_alert`).
    pub fn set_raw_kept(&mut self, n: usize) {
        self.raw_kept = n;
    }

    /// Drop every window (the input is over), keeping the eviction counts
    /// for the summary.
    pub fn clear(&mut self) {
        self.rapid.map = HashMap::new();
        self.denied.map = HashMap::new();
    }

    /// Windows evicted under the identity limit so far.
    pub fn evicted(&self) -> WindowsEvicted {
        WindowsEvicted {
            rapid_get: self.rapid.evicted,
            denied: self.denied.evicted,
        }
    }

    /// Forget keys whose windows have emptied, so state tracks activity,
    /// not history.
    fn sweep(&mut self, cfg: &Config) {
        self.since_sweep += 1;
        // At most one walk per as many events as there are keys: O(1)
        // amortised however many identities are active.
        if (self.since_sweep as usize) < (self.rapid.map.len() + self.denied.map.len()).max(4096) {
            return;
        }
        self.since_sweep = 0;
        self.rapid
            .sweep(self.now - cfg.rules.secret_rapid_get.window.0);
        self.denied
            .sweep(self.now - cfg.rules.secret_access_denied.window.0);
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
        let from = t - rc.window.0;
        let w = self.rapid.get(key, cfg.max_identities, from);
        w.prune(from);
        let distinct = w.names.len() + usize::from(w.names.key(name).is_none());
        let fires = distinct >= rc.threshold;
        w.push(t, name, false, (!fires).then(evidence), self.raw_kept);
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
        let from = t - dc.window.0;
        let w = (self.denied).get(ctx.identity.to_string(), cfg.max_identities, from);
        w.prune(from);
        let denied = ctx.outcome == Outcome::Denied;
        let count = w.counted + usize::from(denied);
        let fires = denied && count >= dc.threshold;
        w.push(t, "", denied, (!fires).then(evidence), self.raw_kept);
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
