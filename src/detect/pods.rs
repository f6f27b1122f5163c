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

/// Who created a pod (or the workload it comes from) and what it mounts.
#[derive(Debug, Clone)]
pub struct SpecRecord {
    /// The effective identity of the create.
    pub creator: String,
    pub time: Option<i64>,
    /// `pod`, `deployment`, `job`, ... and its name.
    pub what: String,
    /// The same, typed: what an alert about it is keyed by.
    pub object: super::hit::GroupKey,
    pub secrets: Vec<String>,
    pub audit_id: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct PodSecrets {
    /// `namespace/pod` (or `namespace/generateName`) → the spec's record.
    by_pod: HashMap<String, SpecRecord>,
    /// `namespace` → workloads (resource, name) whose template uses secrets.
    by_workload: HashMap<String, Vec<(&'static str, String, SpecRecord)>>,
    workloads: usize,
    /// Pod and workload specs seen that use a secret (named or templated).
    pub specs_seen: u64,
    /// Creates recorded with their body at all (whether or not they use a
    /// secret): zero means specs are not logged (audit level Metadata).
    pub bodies_seen: u64,
}

/// The pod template of a workload's spec, by resource.
fn pod_spec<'v>(resource: &str, obj: &'v Value) -> Option<&'v Value> {
    match resource {
        "pods" => Some(&obj["spec"]),
        "cronjobs" => Some(&obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]),
        "deployments" | "replicasets" | "statefulsets" | "daemonsets" | "jobs" => {
            Some(&obj["spec"]["template"]["spec"])
        }
        _ => None,
    }
}

fn kind(resource: &'static str) -> &'static str {
    match resource {
        "deployments" => "deployment",
        "replicasets" => "replicaset",
        "statefulsets" => "statefulset",
        "daemonsets" => "daemonset",
        "jobs" => "job",
        "cronjobs" => "cronjob",
        _ => "pod",
    }
}

fn lower_alnum(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Could `pod` be a pod of workload `name`, by the names the controllers
/// give: `NAME-HASH-XXXXX` (Deployment), `NAME-XXXXX` (ReplicaSet,
/// DaemonSet, Job), `NAME-N` (StatefulSet), `NAME-TIME-XXXXX` (CronJob).
pub fn pod_of_workload(resource: &str, name: &str, pod: &str) -> bool {
    let Some(rest) = pod.strip_prefix(name).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    if !parts.iter().all(|p| lower_alnum(p)) {
        return false;
    }
    match resource {
        "deployments" | "cronjobs" => parts.len() == 2,
        "statefulsets" => parts.len() == 1 && parts[0].bytes().all(|b| b.is_ascii_digit()),
        _ => parts.len() == 1,
    }
}

fn resource_static(r: &str) -> Option<&'static str> {
    [
        "pods",
        "deployments",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "jobs",
        "cronjobs",
    ]
    .into_iter()
    .find(|x| *x == r)
}

impl PodSecrets {
    /// Record a pod or workload creation's spec, if the event carries one.
    pub fn observe(&mut self, ev: &AuditEvent<'_>) {
        if !super::relevance::carries_spec(ev) {
            return;
        }
        let Some(resource) = resource_static(ev.resource()) else {
            return;
        };
        let Some(req) = ev.request_object.as_ref() else {
            return;
        };
        let Ok(obj) = serde_json::from_str::<Value>(&req.0) else {
            return;
        };
        self.bodies_seen += 1;
        let meta = &obj["metadata"];
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
        // Only specs that use a secret are kept.
        let secrets = pod_spec(resource, &obj)
            .map(secrets_in_spec)
            .unwrap_or_default();
        if secrets.is_empty() {
            return;
        }
        let rec = SpecRecord {
            creator: ev.identity().to_string(),
            time: ev.time_micros(),
            what: format!("{} {namespace}/{name}", kind(resource)),
            object: super::hit::GroupKey::Workload {
                kind: kind(resource),
                namespace: namespace.to_string(),
                name: name.to_string(),
            },
            secrets,
            audit_id: ev.audit_id.as_deref().map(str::to_string),
        };
        if resource != "pods" {
            if self.workloads >= MAX_PODS {
                return;
            }
            let list = self.by_workload.entry(namespace.to_string()).or_default();
            list.retain(|(r, n, _)| !(*r == resource && *n == name));
            list.push((resource, name, rec));
            self.workloads += 1;
            self.specs_seen += 1;
            return;
        }
        let key = format!("{namespace}/{name}");
        if self.by_pod.len() >= MAX_PODS && !self.by_pod.contains_key(&key) {
            return;
        }
        if !self.by_pod.contains_key(&key) {
            self.specs_seen += 1;
        }
        self.by_pod.insert(key, rec);
    }

    fn pod_record(&self, namespace: &str, pod: &str) -> Option<&SpecRecord> {
        if let Some(v) = self.by_pod.get(&format!("{namespace}/{pod}")) {
            return Some(v);
        }
        let cut = pod.len().checked_sub(GENERATED_SUFFIX)?;
        let template = pod.get(..cut)?;
        self.by_pod.get(&format!("{namespace}/{template}"))
    }

    /// Every recorded spec this pod comes from: its own, and the
    /// workloads whose pods are named like it.
    pub fn origins(&self, namespace: &str, pod: &str) -> Vec<&SpecRecord> {
        let mut out: Vec<&SpecRecord> = self.pod_record(namespace, pod).into_iter().collect();
        for (r, name, rec) in self.by_workload.get(namespace).into_iter().flatten() {
            if pod_of_workload(r, name, pod) {
                out.push(rec);
            }
        }
        out
    }

    /// The secrets a pod uses: `Some` when its spec (or its workload's) was
    /// seen using some.
    pub fn lookup(&self, namespace: &str, pod: &str) -> Option<Vec<String>> {
        let o = self.origins(namespace, pod);
        if o.is_empty() {
            return None;
        }
        let set: BTreeSet<&String> = o.iter().flat_map(|r| r.secrets.iter()).collect();
        Some(set.into_iter().cloned().collect())
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
    fn workload_pod_names() {
        assert!(pod_of_workload("deployments", "web", "web-7d9f8b6c5-k2m4p"));
        assert!(!pod_of_workload("deployments", "web", "web-k2m4p"));
        assert!(pod_of_workload("jobs", "dump", "dump-x7q2w"));
        assert!(pod_of_workload("statefulsets", "db", "db-0"));
        assert!(!pod_of_workload("statefulsets", "db", "db-x"));
        assert!(!pod_of_workload("jobs", "dump", "dumpster-x7q2w"));
        assert!(!pod_of_workload("jobs", "dump", "dump-X7Q2W"));
    }

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
