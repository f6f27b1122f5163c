//! The injected attacks: the events of each of [`ATTACKS`].

use super::*;

impl Gen {
    pub(super) fn attack(&mut self, k: usize, t: i64) {
        let c = self.c.clone();
        let ids = &c.ids;
        let kubectl_get = |rng: &mut Rng| rng.range(900, 9_000);
        match k {
            0 => {
                // ci-deployer grants cluster-admin to a new user, who loots.
                let ci = &c.actors[ids.ci];
                let subjects = r#"[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"support-contractor"}]"#;
                let role_ref = r#"{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"}"#;
                let req = format!(
                    r#"{{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"support-debug","creationTimestamp":null}},"subjects":{subjects},"roleRef":{role_ref}}}"#
                );
                let rv = self.rv(t);
                let resp = format!(
                    r#"{{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"support-debug","uid":"{}","resourceVersion":"{rv}","creationTimestamp":"{}","managedFields":[{{"manager":"kubectl-create","operation":"Update","apiVersion":"rbac.authorization.k8s.io/v1","time":"{}","fieldsType":"FieldsV1","fieldsV1":{{"f:roleRef":{{}},"f:subjects":{{}}}}}}]}},"subjects":{subjects},"roleRef":{role_ref}}}"#,
                    uuid_of("crb support-debug"),
                    ts_seconds(t),
                    ts_seconds(t)
                );
                let o = Obj::new("clusterrolebindings")
                    .name("support-debug")
                    .group("rbac.authorization.k8s.io", "v1");
                let uri = format!(
                    "{}?fieldManager=kubectl-create&fieldValidation=Strict",
                    o.path("create")
                );
                let lat = self.rng.ms(6, 20);
                self.call(
                    t,
                    &Req::new(ci, "create", &uri, Some(o))
                        .level(Level::RequestResponse)
                        .bodies(Some(&req), Some(&resp)),
                    Mode::Plain { lat },
                );
                let x = Actor::human(
                    "support-contractor",
                    &[],
                    "203.0.113.77",
                    KUBECTL,
                    &crb_reason(
                        "support-debug",
                        "cluster-admin",
                        "User \"support-contractor\"",
                    ),
                );
                let t1 = t + 2 * MIN + 41 * SEC + self.rng.ms(0, 900);
                for (i, uri) in ["/api?timeout=32s", "/apis?timeout=32s"].iter().enumerate() {
                    let lat = self.rng.ms(1, 5);
                    self.call(
                        t1 + i as i64 * 16_000,
                        &Req::new(&x, "get", uri, None).reason(DISCOVERY_REASON),
                        Mode::Plain { lat },
                    );
                }
                for (i, name) in ["db-credentials", "aws-credentials"].iter().enumerate() {
                    let o = Obj::new("secrets").ns("prod").name(name);
                    let uri = o.path("get");
                    let lat = kubectl_get(&mut self.rng);
                    let at = t1 + 7 * SEC + i as i64 * 17 * SEC + self.rng.ms(0, 900);
                    self.call(at, &Req::new(&x, "get", &uri, Some(o)), Mode::Plain { lat });
                }
                let pod = c
                    .pods
                    .iter()
                    .find(|p| p.app == "payments-api")
                    .expect("payments pod");
                let o = Obj::new("pods").ns("prod").name(&pod.name).sub("exec");
                let uri = format!(
                    "{}?command=sh&command=-c&command=cat%20%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken&container=payments-api&stdin=true&stdout=true&tty=true",
                    o.path("create")
                );
                let lat = self.rng.ms(40, 90);
                self.call(
                    t1 + 91 * SEC,
                    &Req::new(&x, "create", &uri, Some(o)),
                    Mode::Stream { lat },
                );
            }
            1 => {
                // A leaked CI token, used from a script.
                let x = Actor::human(
                    "deploy-bot",
                    &["ci"],
                    "198.51.100.77",
                    "python-requests/2.31.0",
                    &crb_reason("deploy-bot-edit", "edit", "User \"deploy-bot\""),
                );
                let o = Obj::new("namespaces");
                let uri = o.path("list");
                let lat = self.rng.ms(3, 20);
                self.call(t, &Req::new(&x, "list", &uri, Some(o)), Mode::Plain { lat });
                let o = Obj::new("secrets").ns("prod");
                let uri = o.path("list");
                let lat = self.rng.ms(5, 40);
                self.call(
                    t + 4 * SEC,
                    &Req::new(&x, "list", &uri, Some(o)),
                    Mode::Plain { lat },
                );
                let targets = [
                    ("prod", "db-credentials", 200),
                    ("prod", "stripe-api-key", 200),
                    ("prod", "redis-password", 200),
                    ("prod", "rabbitmq-credentials", 200),
                    ("prod", "regcred", 200),
                    ("payments", "psp-webhook-secret", 200),
                    ("payments", "ledger-db", 200),
                    ("staging", "db-credentials", 200),
                    ("kube-system", "cloud-provider-credentials", 403),
                    ("myapp", "myapp-config", 200),
                    ("monitoring", "grafana-admin", 403),
                ];
                let mut at = t + 9 * SEC;
                for (ns, name, code) in targets {
                    let o = Obj::new("secrets").ns(ns).name(name);
                    let uri = o.path("get");
                    let lat = self.rng.ms(2, 12);
                    self.call(
                        at,
                        &Req::new(&x, "get", &uri, Some(o)).code(code),
                        Mode::Plain { lat },
                    );
                    at += self.rng.ms(2_500, 7_000);
                }
            }
            2 => {
                // external-secrets' projected token, copied out of its pod.
                let x = c.actors[ids.eso].with_ip_ua("203.0.113.50", "curl/8.5.0");
                for (i, (ns, name)) in [
                    ("prod", "db-credentials"),
                    ("payments", "psp-webhook-secret"),
                ]
                .iter()
                .enumerate()
                {
                    let o = Obj::new("secrets").ns(ns).name(name);
                    let uri = o.path("get");
                    let lat = self.rng.ms(2, 9);
                    self.call(
                        t + i as i64 * 41 * SEC,
                        &Req::new(&x, "get", &uri, Some(o)),
                        Mode::Plain { lat },
                    );
                }
            }
            3 => {
                // Anonymous access, and a legacy binding that lets it read one secret.
                let x = Actor::new(
                    "system:anonymous",
                    None,
                    &["system:unauthenticated"],
                    "203.0.113.200",
                    "curl/7.88.1",
                    PUBLIC_REASON,
                );
                let lat = self.rng.ms(1, 3);
                self.call(
                    t,
                    &Req::new(&x, "get", "/version", None),
                    Mode::Plain { lat },
                );
                let o = Obj::new("secrets").ns("default").name("registry-creds");
                let uri = o.path("get");
                let lat = self.rng.ms(2, 9);
                let reason = crb_reason(
                    "legacy-registry-read",
                    "registry-reader",
                    "Group \"system:unauthenticated\"",
                );
                self.call(
                    t + 6 * SEC,
                    &Req::new(&x, "get", &uri, Some(o)).reason(&reason),
                    Mode::Plain { lat },
                );
                let o = Obj::new("secrets")
                    .ns("kube-system")
                    .name("cloud-provider-credentials");
                let uri = o.path("get");
                let lat = self.rng.ms(2, 9);
                self.call(
                    t + 19 * SEC,
                    &Req::new(&x, "get", &uri, Some(o)).code(403),
                    Mode::Plain { lat },
                );
            }
            4 => {
                // A debug pod running as default/default lists every secret.
                let node = 6;
                let pod = "debug-shell-5b7f9c6d8-q4wzt";
                let x = Actor::sa_bound(
                    "default",
                    "default",
                    pod,
                    &node_name(node),
                    &pod_ip(node, 29),
                    KUBECTL,
                    &crb_reason(
                        "default-sa-admin",
                        "cluster-admin",
                        &sa_subject("default", "default"),
                    ),
                );
                let o = Obj::new("pods").ns("default");
                let uri = format!("{}?limit=500", o.path("list"));
                let lat = self.rng.ms(3, 20);
                self.call(t, &Req::new(&x, "list", &uri, Some(o)), Mode::Plain { lat });
                let o = Obj::new("secrets");
                let uri = format!("{}?limit=500", o.path("list"));
                let lat = self.rng.ms(20, 90);
                self.call(
                    t + 37 * SEC,
                    &Req::new(&x, "list", &uri, Some(o)),
                    Mode::Plain { lat },
                );
            }
            _ => {
                // alice acts as the payments service account.
                let x = &c.actors[ids.alice];
                let imp = r#"{"username":"system:serviceaccount:prod:payments","groups":["system:serviceaccounts","system:serviceaccounts:prod","system:authenticated"]}"#;
                let reason = rb_reason(
                    "payments",
                    "prod",
                    "Role",
                    "payments",
                    &sa_subject("prod", "payments"),
                );
                let o = Obj::new("configmaps").ns("prod").name("payments-config");
                let uri = o.path("get");
                let lat = self.rng.ms(1, 6);
                let mut r = Req::new(x, "get", &uri, Some(o)).reason(&reason);
                r.imp = Some(imp);
                self.call(t, &r, Mode::Plain { lat });
                let o = Obj::new("secrets").ns("prod").name("stripe-api-key");
                let uri = o.path("get");
                let lat = self.rng.ms(1, 6);
                let mut r = Req::new(x, "get", &uri, Some(o)).reason(&reason);
                r.imp = Some(imp);
                self.call(t + 12 * SEC, &r, Mode::Plain { lat });
            }
        }
    }
}
