//! Background traffic from add-ons, monitoring and health checks.

use super::*;

impl Gen {
    /// Add-ons and monitoring: health probes, `/metrics` scrapes, discovery,
    /// token and subject access reviews, custom resource status, configmap reads.
    pub(super) fn addon_traffic(&mut self, kind: Bg, t: i64) {
        let c = self.c.clone();
        let ids = &c.ids;
        match kind {
            Bg::Probe => {
                let (who, uri) = match self.rng.below(4) {
                    0 => (ids.lbs[0], "/healthz"),
                    1 => (ids.lbs[1], "/healthz"),
                    2 => (ids.probe, "/livez"),
                    _ => (ids.probe, "/readyz"),
                };
                let lat = self.rng.range(300, 1_500);
                self.call(
                    t,
                    &Req::new(&c.actors[who], "get", uri, None),
                    Mode::Plain { lat },
                );
            }
            Bg::Metrics => {
                let lat = self.rng.ms(20, 90);
                self.call(
                    t,
                    &Req::new(&c.actors[ids.prometheus], "get", "/metrics", None),
                    Mode::Plain { lat },
                );
            }
            Bg::Discovery => {
                let who = if self.rng.chance(500) {
                    *self.rng.pick(&ids.humans)
                } else {
                    *self.rng.pick(&[ids.argo_ctl, ids.hpa, ids.kustomize])
                };
                let uri = *self.rng.pick(&[
                    "/api?timeout=32s",
                    "/apis?timeout=32s",
                    "/apis/metrics.k8s.io/v1beta1?timeout=32s",
                    "/apis/argoproj.io/v1alpha1?timeout=32s",
                    "/openapi/v3?timeout=32s",
                    "/version?timeout=32s",
                ]);
                let lat = self.rng.range(1_000, 6_000);
                self.call(
                    t,
                    &Req::new(&c.actors[who], "get", uri, None).reason(DISCOVERY_REASON),
                    Mode::Plain { lat },
                );
            }
            Bg::AuthReview => {
                let res = if self.rng.chance(500) {
                    "tokenreviews"
                } else {
                    "subjectaccessreviews"
                };
                let who = ids.metrics_server;
                let group = if res == "tokenreviews" {
                    "authentication.k8s.io"
                } else {
                    "authorization.k8s.io"
                };
                let o = Obj::new(res).group(group, "v1");
                let uri = o.path("create");
                self.plain(t, &Req::new(&c.actors[who], "create", &uri, Some(o)));
            }
            Bg::CrdStatus => {
                let (who, res, group, version, ns, name, verb) = *self.rng.pick(&[
                    (
                        ids.certm,
                        "certificates",
                        "cert-manager.io",
                        "v1",
                        "prod",
                        "app-tls",
                        "get",
                    ),
                    (
                        ids.certm,
                        "certificaterequests",
                        "cert-manager.io",
                        "v1",
                        "prod",
                        "",
                        "list",
                    ),
                    (
                        ids.certm,
                        "orders",
                        "acme.cert-manager.io",
                        "v1",
                        "myapp",
                        "",
                        "list",
                    ),
                    (
                        ids.eso,
                        "externalsecrets",
                        "external-secrets.io",
                        "v1beta1",
                        "prod",
                        "db-credentials",
                        "get",
                    ),
                    (
                        ids.eso,
                        "externalsecrets",
                        "external-secrets.io",
                        "v1beta1",
                        "payments",
                        "ledger-db",
                        "update",
                    ),
                    (
                        ids.eso,
                        "secretstores",
                        "external-secrets.io",
                        "v1beta1",
                        "prod",
                        "vault-backend",
                        "get",
                    ),
                    (
                        ids.trivy,
                        "vulnerabilityreports",
                        "aquasecurity.github.io",
                        "v1alpha1",
                        "prod",
                        "",
                        "list",
                    ),
                    (
                        ids.trivy,
                        "configauditreports",
                        "aquasecurity.github.io",
                        "v1alpha1",
                        "staging",
                        "",
                        "list",
                    ),
                ]);
                let mut o = Obj::new(res).ns(ns).name(name).group(group, version);
                if verb == "update" {
                    o = o.sub("status");
                }
                let uri = if verb == "list" {
                    format!("{}?limit=500", o.path(verb))
                } else {
                    o.path(verb)
                };
                self.plain(t, &Req::new(&c.actors[who], verb, &uri, Some(o)));
            }
            Bg::ConfigMap => {
                let (who, ns, name) = *self.rng.pick(&[
                    (ids.ingress, "ingress-nginx", "ingress-nginx-controller"),
                    (ids.argo_server, "argocd", "argocd-cm"),
                    (ids.argo_server, "argocd", "argocd-rbac-cm"),
                    (ids.argo_ctl, "argocd", "argocd-cmd-params-cm"),
                    (
                        ids.certm,
                        "kube-system",
                        "extension-apiserver-authentication",
                    ),
                    (
                        ids.metrics_server,
                        "kube-system",
                        "extension-apiserver-authentication",
                    ),
                    (ids.kcm_root, "kube-system", "kube-proxy"),
                ]);
                let o = Obj::new("configmaps").ns(ns).name(name);
                let uri = o.path("get");
                self.plain(t, &Req::new(&c.actors[who], "get", &uri, Some(o)));
            }
            _ => unreachable!("not addon_traffic: {kind:?}"),
        }
    }
}
