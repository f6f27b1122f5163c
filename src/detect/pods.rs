//! Which secrets each pod uses, learned from pod creations recorded with
//! their spec (`requestObject`, audit level Request or RequestResponse).
//!
//! Seed 001's checklist asks for "exec sessions into pods that use the
//! affected secrets": an exec into a pod that mounts `db-credentials` can
//! read it without any `get secrets` in the log. Pods created from a
//! template (`generateName`) are named only in the response; when that is
//! not logged the template prefix is kept and matched against the pod name
//! minus its 5-character random suffix, as the API server generates it.

use crate::audit::AuditEvent;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Pods remembered at most; beyond this, new pods are not recorded (their
/// execs then fall back to "affected namespace"), so memory stays bounded
/// by the cluster's size, not by the log's.
const MAX_PODS: usize = 100_000;

/// Length of the random suffix the API server appends to `generateName`.
const GENERATED_SUFFIX: usize = 5;

#[derive(Debug, Default, Clone)]
pub struct PodSecrets {
    /// `namespace/pod` (or `namespace/generateName`) → secret names.
    by_pod: HashMap<String, Vec<String>>,
    /// Pod specs seen (named or templated).
    pub specs_seen: u64,
}

impl PodSecrets {
    /// A pod creation with its spec: what [`PodSecrets::observe`] reads.
    pub fn carries_spec(ev: &AuditEvent<'_>) -> bool {
        ev.resource() == "pods"
            && ev.subresource().is_empty()
            && ev.verb() == "create"
            && ev.request_object.is_some()
    }

    /// Record a pod creation's spec, if the event carries one.
    pub fn observe(&mut self, ev: &AuditEvent<'_>) {
        if !Self::carries_spec(ev) {
            return;
        }
        let Some(req) = ev.request_object.as_ref() else {
            return;
        };
        let Ok(pod) = serde_json::from_str::<Value>(&req.0) else {
            return;
        };
        let meta = &pod["metadata"];
        let response_name = ev
            .response_object
            .as_ref()
            .and_then(|r| serde_json::from_str::<Value>(&r.0).ok())
            .and_then(|v| v["metadata"]["name"].as_str().map(str::to_string));
        let name = [
            Some(ev.name().to_string()).filter(|n| !n.is_empty()),
            meta["name"].as_str().map(str::to_string),
            response_name,
            meta["generateName"].as_str().map(str::to_string),
        ]
        .into_iter()
        .flatten()
        .find(|n| !n.is_empty());
        let namespace = Some(ev.namespace())
            .filter(|n| !n.is_empty())
            .or_else(|| meta["namespace"].as_str())
            .unwrap_or("");
        let Some(name) = name else {
            return;
        };
        // Only pods that use a secret are kept: the prefilter skips pod
        // creations that never mention one, and the fast and the plain path
        // must know the same pods.
        let secrets = secrets_in_spec(&pod["spec"]);
        if secrets.is_empty() {
            return;
        }
        let key = format!("{namespace}/{name}");
        if self.by_pod.len() >= MAX_PODS && !self.by_pod.contains_key(&key) {
            return;
        }
        if !self.by_pod.contains_key(&key) {
            self.specs_seen += 1;
        }
        self.by_pod.insert(key, secrets);
    }

    /// The secrets a pod uses: `Some` when its spec was seen using some.
    pub fn lookup(&self, namespace: &str, pod: &str) -> Option<&[String]> {
        if let Some(v) = self.by_pod.get(&format!("{namespace}/{pod}")) {
            return Some(v);
        }
        let cut = pod.len().checked_sub(GENERATED_SUFFIX)?;
        let template = pod.get(..cut)?;
        self.by_pod
            .get(&format!("{namespace}/{template}"))
            .map(Vec::as_slice)
    }
}

/// Secret names a pod spec refers to: secret and projected volumes, env
/// `secretKeyRef`, `envFrom.secretRef`, in every kind of container. Image
/// pull secrets are left out: they are not readable from inside the pod.
pub fn secrets_in_spec(spec: &Value) -> Vec<String> {
    let mut out = BTreeSet::new();
    let mut add = |v: &Value| {
        if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
            out.insert(s.to_string());
        }
    };
    for vol in spec["volumes"].as_array().into_iter().flatten() {
        add(&vol["secret"]["secretName"]);
        for src in vol["projected"]["sources"].as_array().into_iter().flatten() {
            add(&src["secret"]["name"]);
        }
    }
    for kind in ["containers", "initContainers", "ephemeralContainers"] {
        for c in spec[kind].as_array().into_iter().flatten() {
            for e in c["env"].as_array().into_iter().flatten() {
                add(&e["valueFrom"]["secretKeyRef"]["name"]);
            }
            for e in c["envFrom"].as_array().into_iter().flatten() {
                add(&e["secretRef"]["name"]);
            }
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_kind_of_secret_reference() {
        let spec = serde_json::json!({
            "volumes": [
                {"name": "db", "secret": {"secretName": "db-credentials"}},
                {"name": "p", "projected": {"sources": [{"secret": {"name": "tls"}}, {"serviceAccountToken": {}}]}},
                {"name": "cm", "configMap": {"name": "settings"}}
            ],
            "containers": [{"env": [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "aws-credentials", "key": "k"}}}]}],
            "initContainers": [{"envFrom": [{"secretRef": {"name": "init-env"}}]}],
            "imagePullSecrets": [{"name": "regcred"}]
        });
        assert_eq!(
            secrets_in_spec(&spec),
            ["aws-credentials", "db-credentials", "init-env", "tls"]
        );
    }
}
