//! `pod-mounts-secret-then-read`: an identity creates a pod (or a
//! Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob recorded
//! with its spec) that mounts a Secret as a volume or through `env` /
//! `envFrom`, and later reads that pod's logs (`pods/log`) or execs into it.
//! The secret never passes through the Secrets API: the kubelet hands it to
//! the pod, and the pod prints it. Source: ktriage (issue 11), after seed
//! 001's checklist ("exec sessions into pods that handle the affected
//! secrets").
//!
//! "Its creator" is the effective identity of the recorded create, so the
//! ReplicaSet or Job controller creating the pods of a human's Deployment
//! does not count, the human does (matched by the names controllers give,
//! see `pods::pod_of_workload`). A controller never reads a pod's logs, so
//! a pod created by one and read by a person is left to `pod-exec`.
//!
//! Needs pod or workload specs (`requestObject`, audit level Request):
//! without them the engine says so once (`Engine::blind_spots`) when it saw
//! exec or log reads it could not judge.

use super::alert::SecretRef;
use super::family::{Env, Family, Findings};
use super::hit::Hit;
use super::registry::RuleId;
use super::request::Ctx;

#[derive(Default)]
pub struct Mounted {
    /// Exec or log reads into pods whose spec was not seen.
    pub unjudged: u64,
}

impl Family for Mounted {
    fn check(&mut self, ctx: &Ctx<'_, '_>, env: &Env<'_>, out: &mut Findings) {
        let log = ctx.resource() == "pods" && ctx.ev.subresource() == "log" && ctx.verb() == "get";
        if !ctx.new_request || !(log || ctx.is_exec()) {
            return;
        }
        let (ns, pod) = (ctx.ev.namespace(), ctx.ev.name());
        let origins = env.pods.origins(ns, pod);
        if origins.is_empty() {
            self.unjudged += 1;
            return;
        }
        let Some(rec) = origins.iter().find(|r| {
            r.creator == ctx.identity && r.time.zip(ctx.time).is_none_or(|(c, t)| c <= t)
        }) else {
            return;
        };
        if !env.on(ctx, RuleId::PodMountsSecretThenRead) {
            return;
        }
        let action = if log {
            "read the logs of"
        } else {
            "exec'd into"
        };
        out.hits.push(Hit {
            exposes: rec
                .secrets
                .iter()
                .map(|n| SecretRef {
                    namespace: ns.to_string(),
                    name: Some(n.clone()),
                })
                .collect(),
            ..Hit::new(RuleId::PodMountsSecretThenRead)
                .group(rec.object.clone())
                .detail(format!("{action} {ns}/{pod}"))
                .note(format!(
                    "created {} mounting {}, then {action} its pod",
                    rec.what,
                    rec.secrets.join(", ")
                ))
        });
    }
}
