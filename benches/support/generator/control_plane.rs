//! Background traffic from the control plane, and controllers writing secrets.

use super::*;

impl Gen {
    /// The control plane: leader leases, events, endpoints, the
    /// kube-controller-manager controllers, the scheduler, ClusterRole aggregation.
    pub(super) fn control_plane_traffic(&mut self, kind: Bg, t: i64) {
        let c = self.c.clone();
        let ids = &c.ids;
        match kind {
            Bg::LeaderLease => {
                let (who, ns, name) = *self.rng.pick(&[
                    (ids.kcm_root, "kube-system", "kube-controller-manager"),
                    (ids.scheduler, "kube-system", "kube-scheduler"),
                    (ids.certm, "kube-system", "cert-manager-controller"),
                    (ids.eso, "external-secrets", "external-secrets-controller"),
                    (
                        ids.source,
                        "flux-system",
                        "source-controller-leader-election",
                    ),
                    (
                        ids.kustomize,
                        "flux-system",
                        "kustomize-controller-leader-election",
                    ),
                    (
                        ids.helmctl,
                        "flux-system",
                        "helm-controller-leader-election",
                    ),
                    (ids.trivy, "security", "trivyoperator-lock"),
                    (ids.ingress, "ingress-nginx", "ingress-nginx-leader"),
                ]);
                let verb = if self.rng.chance(300) {
                    "get"
                } else {
                    "update"
                };
                let uid = uuid_of(&format!("lease {ns} {name}"));
                let rv = self.rv(t - 2 * SEC);
                let mut o = Obj::new("leases")
                    .ns(ns)
                    .name(name)
                    .group("coordination.k8s.io", "v1");
                if verb == "update" {
                    o = o.uid_rv(&uid, &rv);
                }
                let uri = format!("{}?timeout=5s", o.path(verb));
                self.plain(t, &Req::new(&c.actors[who], verb, &uri, Some(o)));
            }
            Bg::Events => {
                let p = self.rng.pick(&c.pods);
                let name = format!("{}.{:016x}", p.name, self.rng.next_u64() >> 4);
                if self.rng.chance(700) {
                    let o = Obj::new("events").ns(p.ns).name(&name);
                    let uri = o.path("create");
                    self.plain(
                        t,
                        &Req::new(&c.actors[ids.nodes[p.node]], "create", &uri, Some(o)),
                    );
                } else {
                    let who = *self
                        .rng
                        .pick(&[ids.deploy_ctl, ids.rs_ctl, ids.hpa, ids.scheduler]);
                    let o = Obj::new("events")
                        .ns(p.ns)
                        .name(&name)
                        .group("events.k8s.io", "v1");
                    let verb = if self.rng.chance(300) {
                        "patch"
                    } else {
                        "create"
                    };
                    let uri = o.path(verb);
                    self.plain(t, &Req::new(&c.actors[who], verb, &uri, Some(o)));
                }
            }
            Bg::Endpoints => {
                let (ns, svc) = *self.rng.pick(SERVICES);
                if self.rng.chance(700) {
                    let name = format!("{svc}-{}", suffix(hash(svc), 5));
                    let uid = uuid_of(&format!("eps {ns} {name}"));
                    let rv = self.rv(t);
                    let o = Obj::new("endpointslices")
                        .ns(ns)
                        .name(&name)
                        .group("discovery.k8s.io", "v1")
                        .uid_rv(&uid, &rv);
                    let uri = o.path("update");
                    self.plain(
                        t,
                        &Req::new(&c.actors[ids.eps_ctl], "update", &uri, Some(o)),
                    );
                } else {
                    let uid = uuid_of(&format!("ep {ns} {svc}"));
                    let rv = self.rv(t);
                    let o = Obj::new("endpoints").ns(ns).name(svc).uid_rv(&uid, &rv);
                    let uri = o.path("update");
                    self.plain(t, &Req::new(&c.actors[ids.ep_ctl], "update", &uri, Some(o)));
                }
            }
            Bg::Controllers => {
                let (ns, app, _, _, _, _) = *self.rng.pick(APPS);
                let rs = format!("{app}-{}", suffix(hash(&format!("rs {ns} {app}")), 10));
                let node = node_name(self.rng.below(N_NODES as u64) as usize);
                let (who, verb, o) = match self.rng.below(5) {
                    0 => (
                        ids.deploy_ctl,
                        "update",
                        Obj::new("deployments")
                            .ns(ns)
                            .name(app)
                            .group("apps", "v1")
                            .sub("status"),
                    ),
                    1 => (
                        ids.rs_ctl,
                        "update",
                        Obj::new("replicasets")
                            .ns(ns)
                            .name(&rs)
                            .group("apps", "v1")
                            .sub("status"),
                    ),
                    2 => (
                        ids.hpa,
                        "get",
                        Obj::new("deployments")
                            .ns(ns)
                            .name(app)
                            .group("apps", "v1")
                            .sub("scale"),
                    ),
                    3 => (
                        ids.hpa,
                        "list",
                        Obj::new("pods").ns(ns).group("metrics.k8s.io", "v1beta1"),
                    ),
                    _ => (ids.node_ctl, "get", Obj::new("nodes").name(&node)),
                };
                let uri = if verb == "list" {
                    format!("{}?labelSelector=app%3D{app}", o.path(verb))
                } else {
                    o.path(verb)
                };
                self.plain(t, &Req::new(&c.actors[who], verb, &uri, Some(o)));
            }
            Bg::Scheduler => {
                let p = self.rng.pick(&c.pods);
                if self.rng.chance(250) {
                    // The ReplicaSet controller replaces a pod (generateName:
                    // the objectRef never gets a name).
                    let o = Obj::new("pods").ns(p.ns);
                    let uri = o.path("create");
                    self.plain(
                        t,
                        &Req::new(&c.actors[ids.rs_ctl], "create", &uri, Some(o)).annotations(
                            ",\"pod-security.kubernetes.io/enforce-policy\":\"baseline:latest\"",
                        ),
                    );
                } else {
                    let o = Obj::new("pods").ns(p.ns).name(&p.name).sub("binding");
                    let uri = o.path("create");
                    self.plain(
                        t,
                        &Req::new(&c.actors[ids.scheduler], "create", &uri, Some(o)),
                    );
                }
            }
            Bg::ControllerSecret => {
                let &(who, ns, name) = self.rng.pick(&c.readers);
                self.secret_get(t, who, ns, name);
            }
            Bg::KcmToken => {
                let name = *self.rng.pick(&[
                    "generic-garbage-collector",
                    "deployment-controller",
                    "replicaset-controller",
                    "endpointslice-controller",
                    "horizontal-pod-autoscaler",
                    "node-controller",
                ]);
                let o = Obj::new("serviceaccounts")
                    .ns("kube-system")
                    .name(name)
                    .sub("token");
                let uri = o.path("create");
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.kcm_root], "create", &uri, Some(o)),
                );
            }
            Bg::Aggregate => {
                let role = if self.rng.chance(500) {
                    "admin"
                } else {
                    "edit"
                };
                let rv = self.rv(t);
                let (req, resp) = aggregate_bodies(role, &rv, t);
                let o = Obj::new("clusterroles")
                    .name(role)
                    .group("rbac.authorization.k8s.io", "v1");
                let uri = format!(
                    "{}?fieldManager=clusterrole-aggregation-controller&force=true",
                    o.path("patch")
                );
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.aggregator], "patch", &uri, Some(o))
                        .level(Level::RequestResponse)
                        .bodies(Some(&req), Some(&resp)),
                );
            }
            _ => unreachable!("not control_plane_traffic: {kind:?}"),
        }
    }

    /// Allowlisted controllers writing secrets: cert-manager renewals,
    /// external-secrets syncs, helm release records, the tokens controller,
    /// garbage collection.
    pub(super) fn secret_write(&mut self, t: i64) {
        let c = self.c.clone();
        let ids = &c.ids;
        match self.rng.below(5) {
            0 => {
                // cert-manager: next private key (generateName), then the signed pair.
                let (ns, name) = *self.rng.pick(&[
                    ("prod", "app-tls"),
                    ("staging", "app-tls"),
                    ("myapp", "myapp-tls"),
                ]);
                let o = Obj::new("secrets").ns(ns);
                let uri = format!(
                    "{}?fieldManager=cert-manager-certificates-key-manager",
                    o.path("create")
                );
                self.plain(t, &Req::new(&c.actors[ids.certm], "create", &uri, Some(o)));
                let uid = uuid_of(&format!("secret {ns} {name}"));
                let rv = self.rv(t);
                let o = Obj::new("secrets").ns(ns).name(name).uid_rv(&uid, &rv);
                let uri = format!(
                    "{}?fieldManager=cert-manager-certificates-issuing",
                    o.path("update")
                );
                let at = t + self.rng.ms(2_000, 40_000);
                self.plain(at, &Req::new(&c.actors[ids.certm], "update", &uri, Some(o)));
            }
            1 => {
                let (ns, name) = *self.rng.pick(&[
                    ("prod", "db-credentials"),
                    ("prod", "stripe-api-key"),
                    ("payments", "ledger-db"),
                ]);
                let uid = uuid_of(&format!("secret {ns} {name}"));
                let rv = self.rv(t);
                let o = Obj::new("secrets").ns(ns).name(name).uid_rv(&uid, &rv);
                let uri = o.path("update");
                self.plain(t, &Req::new(&c.actors[ids.eso], "update", &uri, Some(o)));
            }
            2 => {
                let o = Obj::new("secrets")
                    .ns("podinfo")
                    .name("sh.helm.release.v1.podinfo.v4");
                let uid = uuid_of("secret podinfo v4");
                let rv = self.rv(t);
                let o = o.uid_rv(&uid, &rv);
                let uri = o.path("update");
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.helmctl], "update", &uri, Some(o)),
                );
            }
            3 => {
                let uid = uuid_of("secret ci ci-bot-token");
                let rv = self.rv(t);
                let o = Obj::new("secrets")
                    .ns("ci")
                    .name("ci-bot-token")
                    .uid_rv(&uid, &rv);
                let uri = o.path("update");
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.kcm_tokens], "update", &uri, Some(o)),
                );
            }
            _ => {
                let name = format!("app-tls-{}", suffix(self.rng.next_u64(), 5));
                let o = Obj::new("secrets").ns("prod").name(&name);
                let uri = o.path("delete");
                self.plain(t, &Req::new(&c.actors[ids.gc], "delete", &uri, Some(o)));
            }
        }
    }
}
