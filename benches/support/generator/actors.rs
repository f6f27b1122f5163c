//! Identities: user agents, RBAC reasons, and the [`Actor`]s that make requests.

use super::*;

pub(super) const KUBECTL: &str = "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350";
pub(super) const KUBECTL_MAC: &str = "kubectl/v1.30.2 (darwin/arm64) kubernetes/3968350";
pub(super) const KUBECTL_CI: &str = "kubectl/v1.29.6 (linux/amd64) kubernetes/062798d";
pub(super) const KUBELET: &str = "kubelet/v1.30.2 (linux/amd64) kubernetes/3968350";
pub(super) const KCM: &str = "kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350";
pub(super) const SCHED: &str = "kube-scheduler/v1.30.2 (linux/amd64) kubernetes/3968350/scheduler";
pub(super) const HELM: &str = "Helm/3.15.2";
pub(super) const TOKEN_PERIOD: i64 = 48 * MIN;

pub(super) fn crb_reason(binding: &str, role: &str, subject: &str) -> String {
    format!(
        "RBAC: allowed by ClusterRoleBinding \"{binding}\" of ClusterRole \"{role}\" to {subject}"
    )
}

pub(super) fn rb_reason(binding: &str, ns: &str, kind: &str, role: &str, subject: &str) -> String {
    format!("RBAC: allowed by RoleBinding \"{binding}/{ns}\" of {kind} \"{role}\" to {subject}")
}

pub(super) fn sa_subject(ns: &str, name: &str) -> String {
    format!("ServiceAccount \"{name}/{ns}\"")
}

pub(super) const DISCOVERY_REASON: &str = "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" to Group \"system:authenticated\"";
pub(super) const PUBLIC_REASON: &str = "RBAC: allowed by ClusterRoleBinding \"system:public-info-viewer\" of ClusterRole \"system:public-info-viewer\" to Group \"system:unauthenticated\"";

/// Who makes a request, pre-rendered.
#[derive(Clone)]
pub struct Actor {
    pub username: String,
    /// `{"username":…,"uid":…,"groups":[…]`: the user object up to `extra`.
    pub(super) head: String,
    /// For tokens with a credential id: `,"extra":{…"JTI=` and the rest.
    pub(super) jti_pre: String,
    pub(super) jti_post: String,
    pub(super) jti_salt: u64,
    /// `["10.0.1.11"]`
    pub(super) ips: String,
    /// The user agent, as a JSON string.
    pub(super) ua: String,
    /// What the authorizer says when it allows (`""` for the Node authorizer).
    pub(super) reason: String,
}

impl Actor {
    pub(super) fn new(
        username: &str,
        uid: Option<&str>,
        groups: &[&str],
        ip: &str,
        ua: &str,
        reason: &str,
    ) -> Self {
        let mut head = format!("{{\"username\":{}", js(username));
        if let Some(uid) = uid {
            head.push_str(&format!(",\"uid\":{}", js(uid)));
        }
        head.push_str(",\"groups\":[");
        for (i, g) in groups.iter().enumerate() {
            if i > 0 {
                head.push(',');
            }
            head.push_str(&js(g));
        }
        head.push(']');
        Actor {
            username: username.to_string(),
            head,
            jti_pre: String::new(),
            jti_post: String::new(),
            jti_salt: 0,
            ips: format!("[{}]", js(ip)),
            ua: js(ua),
            reason: reason.to_string(),
        }
    }

    pub(super) fn human(name: &str, groups: &[&str], ip: &str, ua: &str, reason: &str) -> Self {
        let mut g: Vec<&str> = groups.to_vec();
        g.push("system:authenticated");
        Actor::new(name, None, &g, ip, ua, reason)
    }

    pub(super) fn node(name: &str, ip: &str) -> Self {
        Actor::new(
            &format!("system:node:{name}"),
            None,
            &["system:nodes", "system:authenticated"],
            ip,
            KUBELET,
            "",
        )
    }

    /// A service account with a projected token bound to `pod` on `node`.
    pub(super) fn sa_bound(
        ns: &str,
        name: &str,
        pod: &str,
        node: &str,
        ip: &str,
        ua: &str,
        reason: &str,
    ) -> Self {
        let mut a = Actor::sa(ns, name, ip, ua, reason);
        a.jti_pre = ",\"extra\":{\"authentication.kubernetes.io/credential-id\":[\"JTI=".into();
        a.jti_post = format!(
            "\"],\"authentication.kubernetes.io/node-name\":[{}],\"authentication.kubernetes.io/node-uid\":[{}],\"authentication.kubernetes.io/pod-name\":[{}],\"authentication.kubernetes.io/pod-uid\":[{}]}}",
            js(node),
            js(&uuid_of(&format!("node {node}"))),
            js(pod),
            js(&uuid_of(&format!("pod {ns} {pod}")))
        );
        a.jti_salt = hash(pod);
        a
    }

    /// A service account with a TokenRequest token not bound to a pod (the
    /// controllers kube-controller-manager runs under their own accounts).
    pub(super) fn sa_jti(ns: &str, name: &str, ip: &str, ua: &str, reason: &str) -> Self {
        let mut a = Actor::sa(ns, name, ip, ua, reason);
        a.jti_pre = ",\"extra\":{\"authentication.kubernetes.io/credential-id\":[\"JTI=".into();
        a.jti_post = "\"]}".into();
        a.jti_salt = hash(name);
        a
    }

    /// A service account with a legacy (secret-based) token: no extra.
    pub(super) fn sa(ns: &str, name: &str, ip: &str, ua: &str, reason: &str) -> Self {
        Actor::new(
            &format!("system:serviceaccount:{ns}:{name}"),
            Some(&uuid_of(&format!("sa {ns} {name}"))),
            &[
                "system:serviceaccounts",
                &format!("system:serviceaccounts:{ns}"),
                "system:authenticated",
            ],
            ip,
            ua,
            reason,
        )
    }

    pub(super) fn with_ip_ua(&self, ip: &str, ua: &str) -> Self {
        let mut a = self.clone();
        a.ips = format!("[{}]", js(ip));
        a.ua = js(ua);
        a
    }

    pub(super) fn push_user(&self, buf: &mut Vec<u8>, t: i64) {
        buf.extend_from_slice(self.head.as_bytes());
        if !self.jti_pre.is_empty() {
            buf.extend_from_slice(self.jti_pre.as_bytes());
            // The kubelet refreshes a 1 h projected token at 80 %.
            let phase = (self.jti_salt % TOKEN_PERIOD as u64) as i64;
            let epoch = (t - START + phase).div_euclid(TOKEN_PERIOD) as u64;
            let h = mix64(self.jti_salt ^ epoch.wrapping_mul(0x2545_F491_4F6C_DD1D));
            push_uuid(buf, h, mix64(h));
            buf.extend_from_slice(self.jti_post.as_bytes());
        }
        buf.push(b'}');
    }
}
