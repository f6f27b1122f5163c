//! `minted-token-used`: an identity that is not allowlisted for minting
//! (`sa-token-minted`: kubelets and kube-controller-manager are) creates a
//! token for service account S (`serviceaccounts/token`), and within
//! `window` S is used from a source IP or with a user agent S never used
//! before in the log. The minting and the use become one incident (the use
//! is linked to the minter, the minting request is its first evidence).
//! Source: ktriage (issue 11), after seed 001's indicator "a service
//! account token being used from a context inconsistent with the workload
//! it was issued to".
//!
//! What "used" covers: every request of S the engine sees, which is every
//! request on a resource some rule reads (`relevance::INTERESTS`: secrets,
//! exec, RBAC, tokens, ...). A use that touches only other resources
//! (listing pods) is not seen; the first use that matters is.
//! What S "used before" is learned from the same requests, from the start
//! of the log, and a context that fired is remembered as the minted
//! token's: its later requests join the same alert.

use super::alert::EvidenceEvent;
use super::family::{Env, Family, Findings};
use super::hit::{GroupKey, Hit};
use super::registry::RuleId;
use super::request::Ctx;
use std::collections::{BTreeSet, HashMap};

const MAX_ACCOUNTS: usize = 100_000;
const MAX_CONTEXTS: usize = 64;

#[derive(Default)]
struct Seen {
    ips: BTreeSet<String>,
    agents: BTreeSet<String>,
}

#[derive(Clone)]
struct Mint {
    minter: String,
    time: i64,
    evidence: EvidenceEvent,
    /// Contexts this token was seen used from: (ip, user agent).
    contexts: Vec<(String, String)>,
}

#[derive(Default)]
pub struct Minted {
    seen: HashMap<String, Seen>,
    mints: HashMap<String, Vec<Mint>>,
}

impl Minted {
    fn mint(&mut self, ctx: &Ctx<'_, '_>, env: &Env<'_>, t: i64) {
        if ctx.verb() != "create"
            || env
                .allow
                .allows(RuleId::SaTokenMinted.as_str(), &ctx.subject())
        {
            return;
        }
        let account = format!(
            "system:serviceaccount:{}:{}",
            ctx.ev.namespace(),
            ctx.ev.name()
        );
        if account == ctx.identity || self.mints.len() >= MAX_ACCOUNTS {
            return;
        }
        let list = self.mints.entry(account).or_default();
        if list.len() < 16 {
            list.push(Mint {
                minter: ctx.identity.to_string(),
                time: t,
                evidence: (env.evidence)(),
                contexts: Vec::new(),
            });
        }
    }

    fn learn(&mut self, identity: &str, ip: &str, ua: &str) {
        if !self.seen.contains_key(identity) {
            if self.seen.len() >= MAX_ACCOUNTS {
                return;
            }
            self.seen.insert(identity.to_string(), Seen::default());
        }
        let s = self.seen.get_mut(identity).expect("just inserted");
        if s.ips.len() < MAX_CONTEXTS && !s.ips.contains(ip) {
            s.ips.insert(ip.to_string());
        }
        if s.agents.len() < MAX_CONTEXTS && !s.agents.contains(ua) {
            s.agents.insert(ua.to_string());
        }
    }
}

impl Family for Minted {
    fn check(&mut self, ctx: &Ctx<'_, '_>, env: &Env<'_>, out: &mut Findings) {
        let rc = &env.cfg.rules.minted_token_used;
        let Some(t) = ctx.time else { return };
        if !ctx.new_request || !rc.enabled {
            return;
        }
        if ctx.resource() == "serviceaccounts" && ctx.ev.subresource() == "token" {
            self.mint(ctx, env, t);
        }
        if !ctx.identity.starts_with("system:serviceaccount:") {
            return;
        }
        let ip = ctx.trusted_ip.map(|i| i.to_string()).unwrap_or_default();
        let ua = ctx.ev.user_agent();
        if !self.mints.contains_key(ctx.identity) {
            self.learn(ctx.identity, &ip, ua);
            return;
        }
        let ua = ua.to_string();
        let seen = self.seen.get(ctx.identity);
        let new_ip = seen.is_none_or(|s| !s.ips.contains(&ip));
        let new_ua = seen.is_none_or(|s| !s.agents.contains(&ua));
        let mut fired = Vec::new();
        if let Some(mints) = self.mints.get_mut(ctx.identity) {
            mints.retain(|m| t <= m.time + rc.window.0 || t < m.time);
            for m in mints.iter_mut().filter(|m| t >= m.time) {
                let ctx_key = (ip.clone(), ua.clone());
                let known_as_token = m.contexts.contains(&ctx_key);
                if !(new_ip || new_ua || known_as_token) {
                    continue;
                }
                if !known_as_token && m.contexts.len() < MAX_CONTEXTS {
                    m.contexts.push(ctx_key);
                }
                fired.push(m.clone());
            }
        }
        for m in fired {
            if !env.on(ctx, RuleId::MintedTokenUsed) {
                break;
            }
            let mut what = Vec::new();
            if new_ip {
                what.push(format!("source {ip}"));
            }
            if new_ua {
                what.push(format!("user agent `{ua}`"));
            }
            let what = if what.is_empty() {
                "the context it was first used from".to_string()
            } else {
                format!("{}, new for this account", what.join(" and "))
            };
            let mut hit = Hit::new(RuleId::MintedTokenUsed)
                .group(GroupKey::Minter {
                    minter: m.minter.to_string(),
                })
                .note(format!(
                    "a token for this account was minted by {}",
                    m.minter
                ))
                .detail(format!(
                    "{}s after the minting, from {what}",
                    (t - m.time) / 1_000_000
                ));
            hit.linked.push(m.minter.clone());
            hit.earlier.push(m.evidence.clone());
            out.hits.push(hit);
        }
        self.learn(ctx.identity, &ip, &ua);
    }
}
