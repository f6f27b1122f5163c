//! What "the same workload" and "the same identity" mean, learned from the
//! log instead of "the same /24" (issue 11 §3), for the baseline rules
//! (`sa-token-context-mismatch`, `secret-read-new-client`):
//!
//! - **Pod network.** The source IPs pod-bound tokens use (a token whose
//!   `user.extra` names its pod, not under impersonation) during the
//!   learning period, taken as /16 (IPv4) or /48 (IPv6) networks: the
//!   cluster-wide pod CIDR kubeadm and most CNIs give out is a /16 split
//!   into a /24 per node, so a pod rescheduled to another node moves to
//!   another /24 of the same /16. A pod-bound token used from another IP of
//!   the pod network is the same workload, with one exception: a token
//!   names its pod, and a pod keeps its IP for its life, so the same
//!   pod-name from a second IP is a copied token, not a reschedule.
//!   `cluster_cidrs`, when set, replaces all of this (as before).
//! - **Control-plane identities** (`system:kube-controller-manager`,
//!   `system:kube-scheduler`, and the service accounts whose tokens
//!   kube-controller-manager itself mints: its controllers under
//!   `--use-service-account-credentials`) move with the leader on failover.
//!   Moving to the IP of a cluster node (an IP a `system:node:*` kubelet
//!   used during the learning period) is the same identity.
//!
//! Learned during the learning period only: what is learned later could be
//! the attacker's. Memory is bounded (64 networks, 1,024 node IPs, 100,000
//! pods).

use super::request::Ctx;
use crate::net::Cidr;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

const MAX_NETWORKS: usize = 64;
const MAX_NODES: usize = 1024;
const MAX_PODS: usize = 100_000;

pub const CONTROL_PLANE_USERS: &[&str] =
    &["system:kube-controller-manager", "system:kube-scheduler"];

/// Where a request came from, as the baseline rules compare it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// The pod network (a pod-bound token, another pod of the workload).
    PodNetwork(Cidr),
    /// One of the cluster's nodes (a control-plane identity).
    ClusterNode,
}

#[derive(Default)]
pub struct ClusterShape {
    pod_networks: BTreeSet<Cidr>,
    node_ips: HashSet<IpAddr>,
    /// `identity\0pod-name` → the IP that pod's token was first used from.
    pod_ips: HashMap<String, IpAddr>,
    /// Service accounts kube-controller-manager minted tokens for.
    kcm_accounts: HashSet<String>,
}

fn pod_network(ip: IpAddr) -> Cidr {
    Cidr::around(ip, if ip.is_ipv4() { 16 } else { 48 })
}

fn bound_pod<'e>(ctx: &Ctx<'e, '_>) -> Option<&'e str> {
    super::request::allowlist_bound_pod(ctx.ev)
}

impl ClusterShape {
    /// Learn from one request (every request the engine sees).
    pub fn observe(&mut self, ctx: &Ctx<'_, '_>) {
        let Some(ip) = ctx.trusted_ip else { return };
        if ctx.resource() == "serviceaccounts"
            && ctx.ev.subresource() == "token"
            && ctx.verb() == "create"
            && ctx.identity == "system:kube-controller-manager"
            && self.kcm_accounts.len() < MAX_PODS
        {
            self.kcm_accounts.insert(format!(
                "system:serviceaccount:{}:{}",
                ctx.ev.namespace(),
                ctx.ev.name()
            ));
        }
        if let Some(pod) = bound_pod(ctx) {
            if self.pod_ips.len() < MAX_PODS {
                self.pod_ips
                    .entry(format!("{}\u{0}{pod}", ctx.identity))
                    .or_insert(ip);
            }
        }
        if !ctx.after_learning {
            if bound_pod(ctx).is_some() && self.pod_networks.len() < MAX_NETWORKS {
                self.pod_networks.insert(pod_network(ip));
            }
            if ctx.identity.starts_with("system:node:")
                && !ctx.ev.is_impersonated()
                && self.node_ips.len() < MAX_NODES
            {
                self.node_ips.insert(ip);
            }
        }
    }

    pub fn is_control_plane(&self, identity: &str) -> bool {
        CONTROL_PLANE_USERS.contains(&identity) || self.kcm_accounts.contains(identity)
    }

    /// A pod-bound token of a pod that was first seen at another IP.
    pub fn moved_pod(&self, ctx: &Ctx<'_, '_>) -> Option<IpAddr> {
        let (pod, ip) = (bound_pod(ctx)?, ctx.trusted_ip?);
        let first = *self.pod_ips.get(&format!("{}\u{0}{pod}", ctx.identity))?;
        (first != ip).then_some(first)
    }

    /// Where this request came from, when that is a place the identity
    /// may move within; `None`: compare the address itself.
    pub fn place(&self, ctx: &Ctx<'_, '_>) -> Option<Place> {
        let ip = ctx.trusted_ip?;
        if bound_pod(ctx).is_some() && self.moved_pod(ctx).is_none() {
            let net = pod_network(ip);
            if self.pod_networks.contains(&net) {
                return Some(Place::PodNetwork(net));
            }
        }
        if self.is_control_plane(ctx.identity) && self.node_ips.contains(&ip) {
            return Some(Place::ClusterNode);
        }
        None
    }

    /// The place of an address seen earlier for the same identity.
    pub fn place_of(&self, identity: &str, ip: IpAddr, bound: bool) -> Option<Place> {
        if bound && self.pod_networks.contains(&pod_network(ip)) {
            return Some(Place::PodNetwork(pod_network(ip)));
        }
        if self.is_control_plane(identity) && self.node_ips.contains(&ip) {
            return Some(Place::ClusterNode);
        }
        None
    }
}
