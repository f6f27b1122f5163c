//! Background traffic from the kubelets.

use super::*;

impl Gen {
    /// Kubelets: node leases, node and pod status, the objects their pods
    /// need, projected service-account tokens, mounted secrets.
    pub(super) fn kubelet_traffic(&mut self, kind: Bg, t: i64) {
        let c = self.c.clone();
        let ids = &c.ids;
        match kind {
            Bg::NodeLease => {
                let n = self.rng.below(N_NODES as u64) as usize;
                let name = node_name(n);
                let uid = uuid_of(&format!("lease {name}"));
                let rv = self.rv(t - 10 * SEC);
                let o = Obj::new("leases")
                    .ns("kube-node-lease")
                    .name(&name)
                    .group("coordination.k8s.io", "v1")
                    .uid_rv(&uid, &rv);
                let uri = format!("{}?timeout=10s", o.path("update"));
                let lat = self.rng.range(1_500, 7_000);
                self.call(
                    t,
                    &Req::new(&c.actors[ids.nodes[n]], "update", &uri, Some(o)),
                    Mode::Plain { lat },
                );
            }
            Bg::NodeStatus => {
                let n = self.rng.below(N_NODES as u64) as usize;
                let name = node_name(n);
                let o = Obj::new("nodes").name(&name).sub("status");
                let uri = format!("{}?timeout=10s", o.path("patch"));
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.nodes[n]], "patch", &uri, Some(o)),
                );
            }
            Bg::PodStatus => {
                let p = self.rng.pick(&c.pods);
                let o = Obj::new("pods").ns(p.ns).name(&p.name).sub("status");
                let uri = o.path("patch");
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.nodes[p.node]], "patch", &uri, Some(o)),
                );
            }
            Bg::KubeletGet => {
                let p = self.rng.pick(&c.pods);
                let who = &c.actors[ids.nodes[p.node]];
                match self.rng.below(3) {
                    0 => {
                        let o = Obj::new("pods").ns(p.ns).name(&p.name);
                        let uri = o.path("get");
                        self.plain(t, &Req::new(who, "get", &uri, Some(o)));
                    }
                    1 => {
                        let o = Obj::new("configmaps").ns(p.ns).name("kube-root-ca.crt");
                        let uri = o.path("get");
                        self.plain(t, &Req::new(who, "get", &uri, Some(o)));
                    }
                    _ => {
                        let name = node_name(p.node);
                        let o = Obj::new("nodes").name(&name);
                        let uri = format!("{}?resourceVersion=0&timeout=10s", o.path("get"));
                        self.plain(t, &Req::new(who, "get", &uri, Some(o)));
                    }
                }
            }
            Bg::KubeletToken => {
                let p = self.rng.pick(&c.pods);
                let o = Obj::new("serviceaccounts").ns(p.ns).name(p.sa).sub("token");
                let uri = o.path("create");
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.nodes[p.node]], "create", &uri, Some(o)),
                );
            }
            Bg::KubeletSecret => {
                // A container (re)starts: the kubelet fetches its pull secret
                // and mounted secrets by name.
                let p = self.rng.pick(&c.pods);
                let names: Vec<&str> = std::iter::once(p.pull)
                    .chain(p.secrets.iter().copied())
                    .filter(|s| !s.is_empty())
                    .collect();
                if names.is_empty() {
                    return;
                }
                let name = *self.rng.pick(&names);
                let code = if self.rng.chance(8) { 404 } else { 200 };
                let o = Obj::new("secrets").ns(p.ns).name(name);
                let uri = o.path("get");
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.nodes[p.node]], "get", &uri, Some(o)).code(code),
                );
            }
            _ => unreachable!("not kubelet_traffic: {kind:?}"),
        }
    }
}
