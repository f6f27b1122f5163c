//! Background traffic from people: kubectl and helm.

use super::*;

impl Gen {
    /// People outside kubectl's everyday verbs: `helm get`, RBAC listings.
    pub(super) fn people_traffic(&mut self, kind: Bg, t: i64) {
        let c = self.c.clone();
        let ids = &c.ids;
        match kind {
            Bg::HelmHuman => {
                // `helm get values myapp --revision 7`
                self.secret_get(t, ids.alice_helm, "myapp", "sh.helm.release.v1.myapp.v7");
            }
            Bg::RbacRead => {
                let (who, res, ns) = *self.rng.pick(&[
                    (ids.alice, "rolebindings", "prod"),
                    (ids.alice, "clusterrolebindings", ""),
                    (ids.argo_ctl, "roles", "payments"),
                    (ids.argo_ctl, "clusterroles", ""),
                ]);
                let o = Obj::new(res)
                    .ns(ns)
                    .group("rbac.authorization.k8s.io", "v1");
                let uri = format!("{}?limit=500", o.path("list"));
                self.plain(t, &Req::new(&c.actors[who], "list", &uri, Some(o)));
            }
            _ => unreachable!("not people_traffic: {kind:?}"),
        }
    }

    /// People with kubectl: pods, deployments, logs, describe, top,
    /// port-forward, and the odd forbidden request.
    pub(super) fn human(&mut self, t: i64) {
        let c = self.c.clone();
        let ids = &c.ids;
        let who = &c.actors[*self.rng.pick(&ids.humans)];
        let p = self.rng.pick(&c.pods);
        match self.rng.below(8) {
            0 | 1 => {
                let o = Obj::new("pods").ns(p.ns);
                let uri = format!("{}?limit=500", o.path("list"));
                self.plain(t, &Req::new(who, "list", &uri, Some(o)));
            }
            2 => {
                let o = Obj::new("deployments")
                    .ns(p.ns)
                    .name(p.app)
                    .group("apps", "v1");
                let uri = o.path("get");
                self.plain(t, &Req::new(who, "get", &uri, Some(o)));
            }
            3 | 4 => {
                let o = Obj::new("pods").ns(p.ns).name(&p.name).sub("log");
                let uri = format!("{}?container={}&tailLines=100", o.path("get"), p.container);
                let lat = self.rng.ms(20, 120);
                self.call(t, &Req::new(who, "get", &uri, Some(o)), Mode::Plain { lat });
            }
            5 => {
                // kubectl describe deployment
                let o = Obj::new("deployments")
                    .ns(p.ns)
                    .name(p.app)
                    .group("apps", "v1");
                let uri = o.path("get");
                self.plain(t, &Req::new(who, "get", &uri, Some(o)));
                let o = Obj::new("replicasets").ns(p.ns).group("apps", "v1");
                let uri = format!("{}?labelSelector=app%3D{}&limit=500", o.path("list"), p.app);
                let at = t + self.rng.ms(20, 50);
                self.plain(at, &Req::new(who, "list", &uri, Some(o)));
                let o = Obj::new("events").ns(p.ns);
                let sel = format!(
                    "involvedObject.name={},involvedObject.namespace={},involvedObject.kind=Deployment,involvedObject.uid={}",
                    p.app,
                    p.ns,
                    uuid_of(&format!("deploy {} {}", p.ns, p.app))
                );
                let uri = format!(
                    "{}?fieldSelector={}&limit=500",
                    o.path("list"),
                    query_escape(&sel)
                );
                let at = t + self.rng.ms(60, 110);
                self.plain(at, &Req::new(who, "list", &uri, Some(o)));
            }
            6 => {
                if self.rng.chance(150) {
                    // kubectl port-forward: a stream, like exec, but not exec.
                    let o = Obj::new("pods").ns(p.ns).name(&p.name).sub("portforward");
                    let uri = o.path("create");
                    let lat = self.rng.ms(30, 80);
                    self.call(
                        t,
                        &Req::new(who, "create", &uri, Some(o)),
                        Mode::Stream { lat },
                    );
                } else {
                    // kubectl top pods
                    let o = Obj::new("pods").ns(p.ns).group("metrics.k8s.io", "v1beta1");
                    let uri = o.path("list");
                    self.plain(t, &Req::new(who, "list", &uri, Some(o)));
                }
            }
            _ => {
                // A developer tries something their role does not allow.
                let o = Obj::new("nodes");
                let uri = format!("{}?limit=500", o.path("list"));
                let code = if std::ptr::eq(who, &c.actors[ids.alice]) {
                    200
                } else {
                    403
                };
                self.plain(t, &Req::new(who, "list", &uri, Some(o)).code(code));
            }
        }
    }
}
