//! Rules that learn what is normal from the start of the log: new
//! (identity, IP, user agent) combinations reading secrets (seed 004), and
//! service-account tokens used from a context their account did not use
//! during the learning period (seed 001).

use super::config::Config;
use super::hit::{GroupKey, Hit};
use super::registry::RuleId;
use super::request::Ctx;
use super::workload::{ClusterShape, Place};
use crate::allowlist::Allowlist;
use crate::net::Cidr;
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

#[derive(Default)]
struct Profile {
    products: BTreeSet<String>,
    networks: BTreeSet<Cidr>,
    bound_token: BTreeSet<bool>,
}

#[derive(Default)]
pub struct BaselineState {
    /// (identity, IP, user agent), by a keyed 64-bit hash (not a copy of
    /// the three strings: ~370 B an identity in an identity flood) → last
    /// time it read secrets. The key is random per run, so a collision
    /// (which would hide a new combination) cannot be aimed at.
    combos: HashMap<u64, i64>,
    hasher: std::collections::hash_map::RandomState,
    /// (identity, user agent) → the addresses it read secrets from (with
    /// whether the token was pod-bound) and when last: to tell a move
    /// within the pod network or between nodes from a new place.
    /// Keyed by a hash of (identity, user agent), like `combos`.
    clients: HashMap<u64, Vec<(IpAddr, bool, i64)>>,
    profiles: HashMap<String, Profile>,
    /// The pod network, the nodes, the control-plane identities.
    pub shape: ClusterShape,
}

/// Addresses remembered per (identity, user agent).
const MAX_CLIENT_IPS: usize = 64;

/// The product part of a user agent: `curl/8.5.0` → `curl`,
/// `kubectl/v1.30.2 (linux/amd64) kubernetes/3968350` → `kubectl`.
pub fn ua_product(ua: &str) -> &str {
    let end = ua.find(['/', ' ']).unwrap_or(ua.len());
    &ua[..end]
}

fn token_kind(bound: bool) -> &'static str {
    if bound {
        "pod-bound token"
    } else {
        "long-lived token"
    }
}

impl super::family::Family for BaselineState {
    fn check(
        &mut self,
        ctx: &Ctx<'_, '_>,
        env: &super::family::Env<'_>,
        out: &mut super::family::Findings,
    ) {
        self.run(ctx, env.cfg, env.allow, &mut out.hits);
    }
}

impl BaselineState {
    /// Run on the first stage of each request that has a time.
    pub fn run(&mut self, ctx: &Ctx<'_, '_>, cfg: &Config, allow: &Allowlist, out: &mut Vec<Hit>) {
        let Some(t) = ctx.time else { return };
        if !ctx.new_request {
            return;
        }
        self.shape.observe(ctx);
        self.new_client(ctx, t, cfg, allow, out);
        self.context_mismatch(ctx, cfg, allow, out);
    }

    /// seed 004, exactly: get/list on secrets by a user agent that does not
    /// end in `kubernetes/$Format`, from a combination of identity, source IP
    /// and user agent not seen in the preceding 7 days; silent until the
    /// learning period has passed.
    fn new_client(
        &mut self,
        ctx: &Ctx<'_, '_>,
        t: i64,
        cfg: &Config,
        allow: &Allowlist,
        out: &mut Vec<Hit>,
    ) {
        let rc = &cfg.rules.secret_read_new_client;
        let ua = ctx.ev.user_agent();
        if !rc.enabled || !ctx.is_secret_get_or_list() || ua.ends_with(rc.standard_suffix.as_str())
        {
            return;
        }
        let ip = ctx.trusted_ip.map(|i| i.to_string()).unwrap_or_default();
        let key = std::hash::BuildHasher::hash_one(&self.hasher, (ctx.identity, ip.as_str(), ua));
        let last = self.combos.insert(key, t);
        let mut known = last.is_some_and(|l| t - l <= rc.history.0);
        if let Some(ip) = ctx.trusted_ip {
            let bound = super::request::allowlist_bound_pod(ctx.ev).is_some();
            let ckey = std::hash::BuildHasher::hash_one(&self.hasher, (ctx.identity, ua));
            // Not a new place: the pod network of a pod-bound token, or the
            // nodes of a control-plane identity (see `detect::workload`).
            if !known {
                if let Some(place) = self.shape.place(ctx) {
                    known = self.clients.get(&ckey).is_some_and(|seen| {
                        seen.iter().any(|&(ip2, b2, l2)| {
                            t - l2 <= rc.history.0
                                && self.shape.place_of(ctx.identity, ip2, b2).as_ref()
                                    == Some(&place)
                        })
                    });
                }
            }
            if self.clients.contains_key(&ckey) || self.clients.len() < rc.max_tracked {
                let seen = self.clients.entry(ckey).or_default();
                if let Some(e) = seen.iter_mut().find(|e| e.0 == ip && e.1 == bound) {
                    e.2 = t;
                } else if seen.len() < MAX_CLIENT_IPS {
                    if seen.len() == seen.capacity() && seen.len() < 8 {
                        seen.reserve_exact(1);
                    }
                    seen.push((ip, bound, t));
                }
            }
        }
        if !known
            && ctx.after_learning
            && !allow.allows(RuleId::SecretReadNewClient.as_str(), &ctx.subject())
        {
            let what = if last.is_some() {
                "not seen in the history window"
            } else {
                "never seen before in this log"
            };
            out.push(
                Hit::new(RuleId::SecretReadNewClient)
                    .group(GroupKey::Source {
                        ip: ip.to_string(),
                        user_agent: Some(ua.to_string()),
                        via: None,
                    })
                    .note(format!(
                        "identity, source {ip} and user agent `{ua}`: {what}"
                    )),
            );
        }
        if self.combos.len() > rc.max_tracked {
            let horizon = t - rc.history.0;
            self.combos.retain(|_, l| *l >= horizon);
            self.clients.retain(|_, v| {
                v.retain(|e| e.2 >= horizon);
                !v.is_empty()
            });
            // Still (nearly) full of recent combinations: forget the oldest
            // half. Leaving it just under the bound would make every new
            // combination walk the whole map again (O(n) per event); with
            // a quarter free, a walk comes once per max_tracked/4 at least.
            if self.combos.len() > rc.max_tracked / 4 * 3 {
                let mut times: Vec<i64> = self.combos.values().copied().collect();
                times.sort_unstable();
                let cut = times[times.len() / 2];
                self.combos.retain(|_, l| *l > cut);
            }
        }
    }

    /// seed 001: a service account reading secrets or exec-ing with a client,
    /// network or token kind it did not use during the learning period.
    fn context_mismatch(
        &mut self,
        ctx: &Ctx<'_, '_>,
        cfg: &Config,
        allow: &Allowlist,
        out: &mut Vec<Hit>,
    ) {
        let rc = &cfg.rules.sa_token_context_mismatch;
        if !rc.enabled || !ctx.identity.starts_with("system:serviceaccount:") {
            return;
        }
        let product = ua_product(ctx.ev.user_agent());
        let network = ctx.trusted_ip.map(Cidr::baseline_network);
        let bound = ctx.ev.bound_pod().is_some();
        if !ctx.after_learning {
            // Learn from every security-relevant request of the account.
            let p = self.profiles.entry(ctx.identity.to_string()).or_default();
            if p.products.len() < 32 {
                p.products.insert(product.to_string());
            }
            if let Some(n) = network {
                if p.networks.len() < 64 {
                    p.networks.insert(n);
                }
            }
            p.bound_token.insert(bound);
            return;
        }
        if !(ctx.is_secret_read() || ctx.is_exec()) {
            return;
        }
        let profile = self.profiles.get(ctx.identity);
        let mut diffs = Vec::new();
        if rc.check_network {
            if let Some(ip) = ctx.trusted_ip {
                if !cfg.cluster_cidrs.is_empty() {
                    if !cfg.cluster_cidrs.iter().any(|c| c.contains(ip)) {
                        diffs.push(format!("source {ip} is outside the cluster networks"));
                    }
                } else if let (Some(p), Some(n)) = (profile, network) {
                    // A move within the pod network (a rescheduled pod) or
                    // between nodes (leader failover) is the same workload.
                    let same = match self.shape.place(ctx) {
                        Some(Place::PodNetwork(_)) => p.bound_token.contains(&true),
                        Some(Place::ClusterNode) => true,
                        None => false,
                    };
                    if !p.networks.contains(&n) && !same {
                        let known: Vec<String> = p.networks.iter().map(|c| c.to_string()).collect();
                        if !known.is_empty() {
                            diffs.push(format!(
                                "source {ip} (learned networks: {})",
                                known.join(", ")
                            ));
                        }
                    }
                }
            }
        }
        if rc.check_network {
            if let (Some(first), Some(ip)) = (self.shape.moved_pod(ctx), ctx.trusted_ip) {
                diffs.push(format!(
                    "token of pod {} used from {ip}; that pod used {first} (a pod keeps its IP: a copied token)",
                    ctx.ev.bound_pod().unwrap_or("?")
                ));
            }
        }
        if let Some(p) = profile {
            if rc.check_user_agent && !p.products.contains(product) {
                let known: Vec<&str> = p.products.iter().map(String::as_str).collect();
                diffs.push(format!(
                    "client `{product}` (learned: {})",
                    known.join(", ")
                ));
            }
            if rc.check_token_kind && !p.bound_token.contains(&bound) {
                let learned: Vec<&str> = p.bound_token.iter().map(|b| token_kind(*b)).collect();
                diffs.push(format!(
                    "{} (learned: {})",
                    token_kind(bound),
                    learned.join(", ")
                ));
            }
        }
        if !diffs.is_empty()
            && !allow.allows(RuleId::SaTokenContextMismatch.as_str(), &ctx.subject())
        {
            out.push(Hit::new(RuleId::SaTokenContextMismatch).note(diffs.join("; ")));
        }
    }
}
