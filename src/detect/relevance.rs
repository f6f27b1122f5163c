//! The one table of what the engine looks at, by `objectRef.resource`.
//! The engine's [`is_relevant`] / [`engine_wants`] and the byte prefilter
//! (`pipeline::prefilter`) both read [`INTERESTS`], so they cannot drift
//! apart: a rule that needs a new resource or subresource adds it here and
//! the prefilter keeps those lines from then on.
//!
//! Each condition is written so that the prefilter can check a word that
//! must be in the line whenever the condition holds: a subresource `s`
//! puts the JSON string `"s"` in the line; a recorded body puts the key
//! `"requestObject"`; impersonation puts `"impersonatedUser"` (or the
//! proxy account's name) there.

use super::config::Config;
use crate::audit::AuditEvent;

/// What about one resource the engine wants.
#[derive(Debug, Clone, Copy)]
pub struct Interest {
    pub resource: &'static str,
    /// Every event on the resource, whatever its subresource and verb.
    pub always: bool,
    /// Events with one of these subresources.
    pub subresources: &'static [&'static str],
    /// Creates recorded with their body (`requestObject`): pod and
    /// workload specs, which link pods to the secrets they mount. Wanted,
    /// not relevant: no rule alerts on the spec alone.
    pub spec: bool,
    /// Events made through impersonation or by a configured proxy account
    /// (`secret-access-impersonated`).
    pub impersonated: bool,
}

const fn on(resource: &'static str) -> Interest {
    Interest {
        resource,
        always: false,
        subresources: &[],
        spec: false,
        impersonated: false,
    }
}

const fn always(resource: &'static str) -> Interest {
    Interest {
        always: true,
        ..on(resource)
    }
}

const fn spec(resource: &'static str) -> Interest {
    Interest {
        spec: true,
        ..on(resource)
    }
}

/// Subresources of pods some rule reads: exec/attach (pod-exec), the
/// kubectl-debug ephemeral containers, logs (pod-mounts-secret-then-read).
pub const POD_SUBRESOURCES: &[&str] = &["exec", "attach", "ephemeralcontainers", "log"];

pub static INTERESTS: &[Interest] = &[
    always("secrets"),
    always("roles"),
    always("clusterroles"),
    always("rolebindings"),
    always("clusterrolebindings"),
    // csr-privileged-group: creates, approvals, and the CSR objects.
    always("certificatesigningrequests"),
    Interest {
        subresources: POD_SUBRESOURCES,
        spec: true,
        ..on("pods")
    },
    Interest {
        subresources: &["token"],
        ..on("serviceaccounts")
    },
    // nodes-proxy-exec: the API server's proxy to the kubelet.
    Interest {
        subresources: &["proxy"],
        ..on("nodes")
    },
    Interest {
        impersonated: true,
        ..on("configmaps")
    },
    spec("deployments"),
    spec("replicasets"),
    spec("statefulsets"),
    spec("daemonsets"),
    spec("jobs"),
    spec("cronjobs"),
];

pub fn interest(resource: &str) -> Option<&'static Interest> {
    INTERESTS.iter().find(|i| i.resource == resource)
}

/// A create recorded with its body: what `PodSecrets::observe` and the
/// pod-mounts-secret-then-read rule read.
pub fn carries_spec(ev: &AuditEvent<'_>) -> bool {
    interest(ev.resource()).is_some_and(|i| i.spec)
        && ev.subresource().is_empty()
        && ev.verb() == "create"
        && ev.request_object.is_some()
}

/// Does any rule look at this event? The byte prefilter (see
/// `pipeline::prefilter`) must never drop an event for which this is true.
pub fn is_relevant(ev: &AuditEvent<'_>, cfg: &Config) -> bool {
    let Some(i) = interest(ev.resource()) else {
        return false;
    };
    i.always
        || (!ev.subresource().is_empty() && i.subresources.contains(&ev.subresource()))
        || (i.impersonated
            && (ev.is_impersonated()
                || cfg
                    .rules
                    .secret_access_impersonated
                    .proxy_users
                    .iter()
                    .any(|p| p == ev.authenticated_user())))
}

/// Does the engine do anything with this event: a rule looks at it, or it
/// is a spec that links pods to secrets. Events for which this is false
/// only count (`Engine::count_skipped`), so a caller may skip them.
pub fn engine_wants(ev: &AuditEvent<'_>, cfg: &Config) -> bool {
    is_relevant(ev, cfg) || carries_spec(ev)
}
