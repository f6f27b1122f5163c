//! One step of the background traffic: pick a kind from the mix and run it.

use super::*;

impl Gen {
    pub(super) fn secret_get(&mut self, t: i64, who: usize, ns: &str, name: &str) {
        let c = self.c.clone();
        let o = Obj::new("secrets").ns(ns).name(name);
        let uri = o.path("get");
        self.plain(t, &Req::new(&c.actors[who], "get", &uri, Some(o)));
    }

    pub(super) fn background(&mut self, t: i64) {
        let mut r = self.rng.below(self.mix_total);
        let mut kind = MIX[0].0;
        for &(k, w) in MIX {
            if r < w as u64 {
                kind = k;
                break;
            }
            r -= w as u64;
        }
        match kind {
            Bg::NodeLease
            | Bg::NodeStatus
            | Bg::PodStatus
            | Bg::KubeletGet
            | Bg::KubeletToken
            | Bg::KubeletSecret => self.kubelet_traffic(kind, t),
            Bg::LeaderLease
            | Bg::Events
            | Bg::Endpoints
            | Bg::Controllers
            | Bg::Scheduler
            | Bg::ControllerSecret
            | Bg::KcmToken
            | Bg::Aggregate => self.control_plane_traffic(kind, t),
            Bg::Probe
            | Bg::Metrics
            | Bg::Discovery
            | Bg::AuthReview
            | Bg::CrdStatus
            | Bg::ConfigMap => self.addon_traffic(kind, t),
            Bg::ArgoApp
            | Bg::FluxStatus
            | Bg::FluxApply
            | Bg::CiDeploy
            | Bg::HelmController
            | Bg::ArgoRbac => self.gitops_traffic(kind, t),
            Bg::HelmHuman | Bg::RbacRead => self.people_traffic(kind, t),
            Bg::Human => self.human(t),
            Bg::SecretWrite => self.secret_write(t),
        }
    }
}
