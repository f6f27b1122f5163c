//! `nodes-proxy-exec`: the API server's `nodes/proxy` subresource forwards
//! any request to the kubelet's API on that node
//! (`/api/v1/nodes/NAME/proxy/PATH`). Its `exec`, `run`, `attach`,
//! `portForward` run commands in any pod of the node, `pods`, `logs`,
//! `containerLogs` list pods with their environment and read their logs,
//! `configz` and `cri` expose the kubelet's configuration and runtime: all
//! without a `pods/exec` or `pods/log` record. Monitoring agents use the
//! same subresource for `/metrics`, `/stats`, `/healthz` and `/spec`: those
//! first path segments are routine (`routine_paths`, editable); any other
//! path alerts, the ones above with what they give. Source: ktriage
//! (issue 11), after seed 000's companion rule on exec.
//!
//! The path is percent-decoded and a `..` segment anywhere makes it not
//! routine (`/metrics/../exec` is `/exec` to the kubelet). For a path that
//! names a pod (`/exec/NAMESPACE/POD/CONTAINER`), the secrets the pod is
//! known to mount go on the rotation list.

use super::alert::SecretRef;
use super::family::{Env, Family, Findings};
use super::hit::{GroupKey, Hit};
use super::registry::RuleId;
use super::request::Ctx;
use crate::audit::uri::percent_decode;

/// Kubelet paths that give code execution, pod data or runtime access.
const DANGEROUS: &[(&str, &str)] = &[
    ("exec", "runs a command in a container"),
    ("run", "runs a command in a container"),
    ("attach", "attaches to a container's console"),
    ("portForward", "opens a port into a pod"),
    ("pods", "lists the node's pods with their environment"),
    ("logs", "reads the node's log files"),
    ("containerLogs", "reads a container's logs"),
    ("configz", "reads the kubelet's configuration"),
    ("cri", "reaches the container runtime"),
];

pub struct NodesProxy;

/// The kubelet path of a `nodes/proxy` request: what follows
/// `/nodes/NAME/proxy`, without the query, percent-decoded.
pub fn kubelet_path(uri: &str) -> Option<String> {
    let path = uri.split(['?', '#']).next().unwrap_or("");
    let at = path.find("/nodes/")?;
    let rest = &path[at + "/nodes/".len()..];
    let (_node, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("proxy")?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    Some(percent_decode(rest).into_owned())
}

impl Family for NodesProxy {
    fn check(&mut self, ctx: &Ctx<'_, '_>, env: &Env<'_>, out: &mut Findings) {
        if !ctx.new_request || ctx.resource() != "nodes" || ctx.ev.subresource() != "proxy" {
            return;
        }
        let path = kubelet_path(ctx.ev.request_uri()).unwrap_or_default();
        let segments: Vec<&str> = path
            .split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .collect();
        let first = segments.first().copied().unwrap_or("");
        let routine = !segments.contains(&"..")
            && env
                .cfg
                .rules
                .nodes_proxy_exec
                .routine_paths
                .iter()
                .any(|p| p == first);
        if routine || !env.on(ctx, RuleId::NodesProxyExec) {
            return;
        }
        let node = ctx.ev.name();
        let what = DANGEROUS
            .iter()
            .find(|(p, _)| *p == first)
            .map(|(_, w)| *w)
            .unwrap_or("is not a routine kubelet path (metrics, stats, healthz, spec)");
        let shown = if path.is_empty() { "/" } else { path.as_str() };
        let mut hit = Hit::new(RuleId::NodesProxyExec)
            .group(GroupKey::Node {
                node: node.to_string(),
            })
            .detail(format!("{} kubelet {shown} on node {node}", ctx.verb()))
            .note(format!(
                "kubelet `/{first}` {what}, with no pods/exec or pods/log record"
            ));
        // `/exec|run|attach|portForward|containerLogs/NAMESPACE/POD/...`:
        // the secrets that pod is known to mount may have been read.
        if let ("exec" | "run" | "attach" | "portForward" | "containerLogs", Some(ns), Some(pod)) =
            (first, segments.get(1), segments.get(2))
        {
            if let Some(secrets) = env.pods.lookup(ns, pod) {
                hit.exposes = secrets
                    .into_iter()
                    .map(|n| SecretRef {
                        namespace: ns.to_string(),
                        name: Some(n),
                    })
                    .collect();
            }
        }
        out.hits.push(hit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            kubelet_path("/api/v1/nodes/node-a/proxy/metrics/cadvisor").as_deref(),
            Some("/metrics/cadvisor")
        );
        assert_eq!(
            kubelet_path("/api/v1/nodes/node-a:10250/proxy/%65xec/prod/web/web?command=id")
                .as_deref(),
            Some("/exec/prod/web/web")
        );
        assert_eq!(
            kubelet_path("/api/v1/nodes/node-a/proxy").as_deref(),
            Some("")
        );
        assert_eq!(kubelet_path("/api/v1/nodes/node-a/proxyx/a"), None);
    }
}
