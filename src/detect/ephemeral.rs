//! `pod-ephemeral-container`: create/update/patch on
//! `pods/ephemeralcontainers`, which is what `kubectl debug` does. The new
//! container runs in an existing pod, next to its mounted secrets and
//! service-account token (and, with `--target`, in its process namespace),
//! with or without `-it` (without it there is no attach to see). Source:
//! ktriage (issue 11), after seed 000's companion rule on pods/exec.
//!
//! The secrets the pod is known to mount (from its spec, when logged) go on
//! the incident's rotation list.

use super::alert::SecretRef;
use super::family::{Env, Family, Findings};
use super::hit::Hit;
use super::registry::RuleId;
use super::request::Ctx;
use serde_json::Value;

pub struct Ephemeral;

/// Image and command of the last ephemeral container in a recorded body.
fn described(ctx: &Ctx<'_, '_>) -> Option<String> {
    let body = ctx.ev.request_object.as_ref()?;
    let v: Value = serde_json::from_str(&body.0).ok()?;
    let c = v["spec"]["ephemeralContainers"].as_array()?.last()?;
    let mut s = format!("image {}", c["image"].as_str().unwrap_or("?"));
    if let Some(t) = c["targetContainerName"].as_str() {
        s.push_str(&format!(", target {t}"));
    }
    let cmd: Vec<&str> = ["command", "args"]
        .iter()
        .flat_map(|k| c[*k].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    if !cmd.is_empty() {
        s.push_str(&format!(": {}", cmd.join(" ")));
    }
    Some(s)
}

impl Family for Ephemeral {
    fn check(&mut self, ctx: &Ctx<'_, '_>, env: &Env<'_>, out: &mut Findings) {
        if !ctx.new_request
            || ctx.resource() != "pods"
            || ctx.ev.subresource() != "ephemeralcontainers"
            || !matches!(ctx.verb(), "create" | "update" | "patch")
            || !env.on(ctx, RuleId::PodEphemeralContainer)
        {
            return;
        }
        let (ns, pod) = (ctx.ev.namespace(), ctx.ev.name());
        let mut detail = format!("ephemeral container added to {ns}/{pod}");
        match described(ctx) {
            Some(d) => detail.push_str(&format!(" ({d})")),
            None => detail.push_str(" (container spec not recorded)"),
        }
        let mut hit = Hit::new(RuleId::PodEphemeralContainer).detail(detail);
        match env.pods.lookup(ns, pod) {
            Some(secrets) => {
                hit = hit.note(format!(
                    "the pod mounts {}: assume they were read",
                    secrets.join(", ")
                ));
                hit.exposes = secrets
                    .into_iter()
                    .map(|n| SecretRef {
                        namespace: ns.to_string(),
                        name: Some(n),
                    })
                    .collect();
            }
            None => {
                hit = hit.note("the pod's spec was not seen: which secrets it mounts is unknown");
            }
        }
        out.hits.push(hit);
    }
}
