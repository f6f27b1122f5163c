//! Per-identity record of security-relevant activity, allowlisted or not:
//! every secret accessed, exec sessions, bindings and roles created. This is
//! what the evidence checklist and the identities pane show; it grows with
//! the cluster's identities and objects, not with the log.
//!
//! Bounded by identities: at most `max_identities` records are held
//! ([`Activity::admit`]). Past it, the record of an identity with no alert
//! is evicted (second-chance order: the least recently active first); an
//! identity with an alert keeps its record for good. When every record is
//! an alerting identity's, a new identity gets none, and the engine creates
//! its alerts with counts only. [`Activity::evicted`] and
//! [`Activity::unrecorded`] count what that cost, for the summary.
//! Sets are [`SmallSet`]s: one IP, one user agent, one group is the usual
//! case, and a one-element `BTreeSet` costs a 280-byte leaf.

use super::alert::SecretRef;
use super::smallmap::SmallSet;
use crate::audit::Outcome;
use std::collections::{BTreeSet, HashMap, VecDeque};

const MAX_LIST: usize = 500;
const MAX_SET: usize = 64;

/// Requests by one identity for one secret, counted by what the API
/// answered (one counter per [`Outcome`], so no two answers share a count).
#[derive(Debug, Clone, Default)]
pub struct AccessStat {
    pub verbs: SmallSet<String>,
    /// Served (2xx).
    pub allowed: u32,
    /// Refused (401, 403, an authorizer's `forbid`).
    pub denied: u32,
    /// 404: no such secret.
    pub not_found: u32,
    /// Any other error code.
    pub failed: u32,
    /// No response recorded: it may have been served.
    pub unknown: u32,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub source_ips: SmallSet<String>,
    /// The first requests' auditIDs (up to [`AUDIT_IDS_KEPT`]), to cite as evidence.
    pub audit_ids: Vec<String>,
}

/// AuditIDs kept per identity and secret.
pub const AUDIT_IDS_KEPT: usize = 5;

impl AccessStat {
    pub fn count(&self) -> u32 {
        self.allowed + self.denied + self.other()
    }
    /// Neither served nor refused: not found, failed or unknown.
    pub fn other(&self) -> u32 {
        self.not_found + self.failed + self.unknown
    }
    /// The content may have been served: served, or its answer is unknown.
    pub fn exposed(&self) -> bool {
        self.allowed + self.unknown > 0
    }
}

#[derive(Debug, Clone)]
pub struct ExecRecord {
    pub time: Option<i64>,
    pub subresource: String,
    pub namespace: String,
    pub pod: String,
    pub container: Option<String>,
    pub command: Option<String>,
    pub outcome: Outcome,
    pub source_ip: Option<String>,
    pub audit_id: Option<String>,
    /// Secrets the pod uses, from its spec when the log recorded its
    /// creation (`None`: spec not seen).
    pub pod_secrets: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct ChangeRecord {
    pub time: Option<i64>,
    pub what: String,
    pub source_ip: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct IdentityActivity {
    pub identity: String,
    pub secrets: super::smallmap::SmallMap<SecretRef, AccessStat>,
    pub execs: Vec<ExecRecord>,
    /// RBAC writes, token requests and secret writes, in order.
    pub changes: Vec<ChangeRecord>,
    pub source_ips: SmallSet<String>,
    pub user_agents: SmallSet<String>,
    /// Groups the identity's requests carried (RBAC subjects it matches).
    pub groups: SmallSet<String>,
    /// Secret reads the allowlist covered for `secret-read` vs not.
    pub reads_allowlisted: u64,
    pub reads_flagged: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// Its activity before `first` may be missing: created after records
    /// were evicted under the identity limit (maybe its own).
    pub evicted_before: bool,
    /// Has an alert (or is linked to one): never evicted.
    pinned: bool,
    /// Active since the eviction clock last passed it.
    referenced: bool,
}

impl IdentityActivity {
    /// Every secret read this identity made was allowlisted.
    pub fn fully_allowlisted(&self) -> bool {
        self.reads_flagged == 0 && self.reads_allowlisted > 0
    }
}

fn widen(first: &mut Option<i64>, last: &mut Option<i64>, t: Option<i64>) {
    if let Some(t) = t {
        *first = Some(first.map_or(t, |f| f.min(t)));
        *last = Some(last.map_or(t, |l| l.max(t)));
    }
}

fn count(stat: &mut AccessStat, o: Outcome, delta: i32) {
    let slot = match o {
        Outcome::Allowed => &mut stat.allowed,
        Outcome::Denied => &mut stat.denied,
        Outcome::NotFound => &mut stat.not_found,
        Outcome::Failed => &mut stat.failed,
        Outcome::Unknown => &mut stat.unknown,
    };
    *slot = (*slot as i64 + delta as i64).max(0) as u32;
}

#[derive(Debug, Default, Clone)]
pub struct Activity {
    /// At most the limit given to [`Activity::admit`].
    pub by_identity: HashMap<String, IdentityActivity>,
    /// Secret names seen per namespace, to expand list/watch on rotation lists.
    pub known_secrets: HashMap<String, BTreeSet<String>>,
    /// Secrets each pod uses, from pod specs in the log.
    pub pods: super::pods::PodSecrets,
    /// Unpinned records in admission order, for the eviction clock.
    clock: VecDeque<String>,
    /// Records of identities with no alert evicted to stay in the limit.
    pub evicted: u64,
    /// Requests whose activity was not recorded: their identity had no
    /// record and none could be evicted (every record has an alert).
    pub unrecorded: u64,
}

impl Activity {
    fn entry(&mut self, identity: &str) -> &mut IdentityActivity {
        self.by_identity
            .entry(identity.to_string())
            .or_insert_with(|| IdentityActivity {
                identity: identity.to_string(),
                ..Default::default()
            })
    }

    /// Make sure `identity` has a record, holding at most `limit`: true if
    /// it has one (its activity is recorded), false if the limit is full
    /// of alerting identities (counted in [`Activity::unrecorded`]).
    pub fn admit(&mut self, identity: &str, limit: usize) -> bool {
        if let Some(a) = self.by_identity.get_mut(identity) {
            a.referenced = true;
            return true;
        }
        while self.by_identity.len() >= limit.max(1) {
            if !self.evict_one() {
                self.unrecorded += 1;
                return false;
            }
        }
        // Which identities were evicted is not kept (it would grow without
        // bound): after any eviction, every new record may be partial.
        let before = self.evicted > 0;
        let a = self.entry(identity);
        a.evicted_before = before;
        self.clock.push_back(identity.to_string());
        true
    }

    /// Second chance: skip (and clear) records active since the last pass,
    /// drop pinned ones from the clock for good, evict the first other.
    /// Amortised O(1): each pass clears what it skips.
    fn evict_one(&mut self) -> bool {
        while let Some(id) = self.clock.pop_front() {
            match self.by_identity.get_mut(&id) {
                None => {}
                Some(a) if a.pinned => {}
                Some(a) if a.referenced => {
                    a.referenced = false;
                    self.clock.push_back(id);
                }
                Some(_) => {
                    self.by_identity.remove(&id);
                    self.evicted += 1;
                    return true;
                }
            }
        }
        false
    }

    /// `identity` has an alert or is linked to one: keep its record.
    pub fn pin(&mut self, identity: &str) {
        if let Some(a) = self.by_identity.get_mut(identity) {
            a.pinned = true;
        }
    }

    /// Whether `identity` has a record.
    pub fn has(&self, identity: &str) -> bool {
        self.by_identity.contains_key(identity)
    }

    pub fn touch(&mut self, identity: &str, time: Option<i64>, ip: Option<&str>, ua: &str) {
        let a = self.entry(identity);
        widen(&mut a.first, &mut a.last, time);
        if let Some(ip) = ip {
            if a.source_ips.len() < MAX_SET && !a.source_ips.contains(ip) {
                a.source_ips.insert(ip.to_string());
            }
        }
        if !ua.is_empty() && a.user_agents.len() < MAX_SET && !a.user_agents.contains(ua) {
            a.user_agents.insert(ua.to_string());
        }
    }

    pub fn touch_groups<'g>(&mut self, identity: &str, groups: impl Iterator<Item = &'g str>) {
        let a = self.entry(identity);
        for g in groups {
            if a.groups.len() < MAX_SET && !a.groups.contains(g) {
                a.groups.insert(g.to_string());
            }
        }
    }

    pub fn learn_secret_name(&mut self, namespace: &str, name: &str) {
        if name.is_empty() || namespace.is_empty() {
            return;
        }
        let set = self.known_secrets.entry(namespace.to_string()).or_default();
        if set.len() < 10_000 {
            set.insert(name.to_string());
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn secret_access(
        &mut self,
        identity: &str,
        secret: SecretRef,
        verb: &str,
        outcome: Outcome,
        time: Option<i64>,
        ip: Option<&str>,
        audit_id: Option<&str>,
        allowlisted: Option<bool>,
    ) {
        let a = self.entry(identity);
        match allowlisted {
            Some(true) => a.reads_allowlisted += 1,
            Some(false) => a.reads_flagged += 1,
            None => {}
        }
        let s = a.secrets.entry_or_default(secret);
        if !s.verbs.contains(verb) {
            s.verbs.insert(verb.to_string());
        }
        count(s, outcome, 1);
        widen(&mut s.first, &mut s.last, time);
        if let Some(aid) = audit_id {
            if s.audit_ids.len() < AUDIT_IDS_KEPT && !s.audit_ids.iter().any(|x| x == aid) {
                if s.audit_ids.len() == s.audit_ids.capacity() {
                    s.audit_ids.reserve_exact(1);
                }
                s.audit_ids.push(aid.to_string());
            }
        }
        if let Some(ip) = ip {
            if s.source_ips.len() < 16 && !s.source_ips.contains(ip) {
                s.source_ips.insert(ip.to_string());
            }
        }
    }

    /// A later stage changed a request's outcome.
    pub fn secret_outcome(
        &mut self,
        identity: &str,
        secret: &SecretRef,
        old: Outcome,
        new: Outcome,
    ) {
        if let Some(s) = self
            .by_identity
            .get_mut(identity)
            .and_then(|a| a.secrets.get_mut(secret))
        {
            count(s, old, -1);
            count(s, new, 1);
        }
    }

    pub fn exec(&mut self, identity: &str, rec: ExecRecord) {
        let a = self.entry(identity);
        if a.execs.len() < MAX_LIST {
            a.execs.push(rec);
        }
    }

    pub fn change(&mut self, identity: &str, rec: ChangeRecord) {
        let a = self.entry(identity);
        if a.changes.len() < MAX_LIST {
            a.changes.push(rec);
        }
    }
}
