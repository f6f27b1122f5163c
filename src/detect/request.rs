//! One request, many stages: merging RequestReceived / ResponseStarted /
//! ResponseComplete / Panic of the same auditID, and the per-event context
//! the rules read.

use super::alert::SecretRef;
use crate::allowlist::Subject;
use crate::audit::{AuditEvent, Outcome};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;

/// What the tracker remembers of a request between its stages.
#[derive(Debug, Clone, Default)]
pub struct RequestState {
    pub outcome: Outcome,
    /// Alerts (by index) that hold this request as evidence.
    pub alerts: Vec<u32>,
    /// The RBAC rules have read this request's objects already.
    pub rbac_done: bool,
    /// The denial of this request has been counted.
    pub denial_counted: bool,
    /// What the request is (verb, object, user), hashed: a later line with
    /// this auditID that names another request is not one of its stages.
    pub what: u64,
    /// The response code of its final stage (ResponseComplete / Panic).
    pub final_code: Option<i32>,
}

/// Remembers in-flight requests by auditID, bounded by entry count (not by
/// time: a watch runs for minutes, an exec for as long as the shell stays
/// open). Two generations: when the young one fills up, the old one is
/// dropped; a request seen again is promoted. Keys are hashed with a
/// per-process random key, so crafted auditIDs cannot be made to collide.
pub struct RequestTracker {
    young: HashMap<u64, RequestState>,
    old: HashMap<u64, RequestState>,
    half: usize,
    hasher: RandomState,
}

impl RequestTracker {
    pub fn new(capacity: usize) -> Self {
        RequestTracker {
            young: HashMap::new(),
            old: HashMap::new(),
            half: (capacity / 2).max(1),
            hasher: RandomState::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Look up (or start) the request; returns whether it is new and its
    /// state, recording `what` the request is ([`RequestTracker::what_of`])
    /// and the code of its final stage for [`RequestTracker::conflict`],
    /// which the caller asks first: a line naming another request than the
    /// one seen under its auditID is not one of its stages.
    pub fn touch(
        &mut self,
        audit_id: &str,
        what: u64,
        final_code: Option<i32>,
    ) -> (bool, &mut RequestState) {
        let key = self.hasher.hash_one(audit_id);
        let mut new = false;
        if !self.young.contains_key(&key) {
            let st = self.old.remove(&key).unwrap_or_else(|| {
                new = true;
                RequestState::default()
            });
            self.insert(key, st);
        }
        let st = self.young.get_mut(&key).expect("just inserted");
        st.what = what;
        if final_code.is_some() {
            st.final_code = final_code;
        }
        (new, st)
    }

    /// Whether a line with this auditID names another request than the one
    /// already seen under it: `Some(tag)` tells the other request apart
    /// (its `what`, and its answer when only that differs).
    pub fn conflict(&self, audit_id: &str, what: u64, final_code: Option<i32>) -> Option<u64> {
        let key = self.hasher.hash_one(audit_id);
        let st = self.young.get(&key).or_else(|| self.old.get(&key))?;
        if st.what == 0 {
            return None;
        }
        if st.what != what {
            return Some(what);
        }
        match (st.final_code, final_code) {
            (Some(a), Some(b)) if a != b => Some(self.hasher.hash_one((what, b))),
            _ => None,
        }
    }

    /// Look up a request without starting one.
    pub fn get_mut(&mut self, audit_id: &str) -> Option<&mut RequestState> {
        let key = self.hasher.hash_one(audit_id);
        if self.young.contains_key(&key) {
            return self.young.get_mut(&key);
        }
        self.old.get_mut(&key)
    }

    fn insert(&mut self, key: u64, st: RequestState) {
        if self.young.len() >= self.half {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(key, st);
    }
}

impl RequestTracker {
    /// What identifies a request across its stages: verb, object and user
    /// (never 0, so a fresh state is told apart).
    pub fn what_of(&self, ev: &AuditEvent<'_>) -> u64 {
        self.hasher
            .hash_one((
                ev.verb(),
                ev.resource(),
                ev.subresource(),
                ev.namespace(),
                ev.name(),
                ev.authenticated_user(),
                ev.identity(),
            ))
            .max(1)
    }
}

/// The pod a bound token names, for allowlist matching. Under impersonation
/// the pod-name is an `Impersonate-Extra-` header the caller chose, not a
/// token the API server issued to that pod: it never satisfies a
/// `pod-service-account` entry.
pub fn allowlist_bound_pod<'e>(ev: &'e AuditEvent<'_>) -> Option<&'e str> {
    if ev.is_impersonated() {
        None
    } else {
        ev.bound_pod()
    }
}

/// Everything a rule needs to know about the event in hand, computed once.
pub struct Ctx<'e, 'a> {
    pub ev: &'e AuditEvent<'a>,
    pub raw: &'e str,
    pub time: Option<i64>,
    pub identity: &'e str,
    pub authenticated: &'e str,
    pub groups: Vec<&'e str>,
    pub trusted_ip: Option<IpAddr>,
    /// The one object the request targets: its name, or the name a
    /// list/watch is scoped to by `fieldSelector=metadata.name=`.
    pub target_name: Option<String>,
    /// Outcome merged over the stages seen so far.
    pub outcome: Outcome,
    /// First stage seen of this request.
    pub new_request: bool,
    /// This stage is the one that showed the request was denied.
    pub became_denied: bool,
    /// The event lies after the learning period (false when untimed).
    pub after_learning: bool,
    /// The RBAC rules have already read this request's objects.
    pub rbac_done: bool,
}

pub const READ_VERBS: [&str; 3] = ["get", "list", "watch"];
pub const WRITE_VERBS: [&str; 5] = ["create", "update", "patch", "delete", "deletecollection"];

impl Ctx<'_, '_> {
    pub fn verb(&self) -> &str {
        self.ev.verb()
    }
    pub fn resource(&self) -> &str {
        self.ev.resource()
    }
    pub fn is_secrets(&self) -> bool {
        self.ev.resource() == "secrets" && self.ev.subresource().is_empty()
    }
    /// get/list/watch on secrets.
    pub fn is_secret_read(&self) -> bool {
        self.is_secrets() && READ_VERBS.contains(&self.verb())
    }
    /// get/list on secrets (the Elastic rules leave watch out).
    pub fn is_secret_get_or_list(&self) -> bool {
        self.is_secrets() && matches!(self.verb(), "get" | "list")
    }
    pub fn is_exec(&self) -> bool {
        self.ev.resource() == "pods"
            && matches!(self.ev.subresource(), "exec" | "attach")
            && matches!(self.verb(), "create" | "get")
    }

    pub fn subject(&self) -> Subject<'_> {
        Subject {
            identity: self.identity,
            groups: &self.groups,
            namespace: self.ev.namespace(),
            target_name: self.target_name.as_deref(),
            resource: self.ev.resource(),
            source_ip: self.trusted_ip,
            user_agent: self.ev.user_agent(),
            bound_pod: allowlist_bound_pod(self.ev),
            time: self.time,
        }
    }

    /// The secret(s) a secrets request touches, as a rotation-list key.
    pub fn secret_ref(&self) -> Option<SecretRef> {
        if !self.is_secrets() {
            return None;
        }
        let ns = self.ev.namespace().to_string();
        Some(SecretRef {
            namespace: ns,
            name: self.target_name.clone(),
        })
    }
}
