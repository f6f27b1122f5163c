//! Background traffic from GitOps (Argo CD, Flux) and CI.

use super::*;

impl Gen {
    /// GitOps and CI: Argo CD, Flux (source, kustomize, helm controllers) and
    /// the CI account applying deployments.
    pub(super) fn gitops_traffic(&mut self, kind: Bg, t: i64) {
        let c = self.c.clone();
        let ids = &c.ids;
        match kind {
            Bg::ArgoApp => {
                let app = *self.rng.pick(&[
                    "guestbook",
                    "platform-addons",
                    "payments",
                    "monitoring-stack",
                    "ingress",
                ]);
                let o = Obj::new("applications")
                    .ns("argocd")
                    .name(app)
                    .group("argoproj.io", "v1alpha1");
                let verb = if self.rng.chance(600) { "patch" } else { "get" };
                let uri = o.path(verb);
                self.plain(t, &Req::new(&c.actors[ids.argo_ctl], verb, &uri, Some(o)));
            }
            Bg::FluxStatus => {
                let (who, res, group, name) = *self.rng.pick(&[
                    (
                        ids.source,
                        "gitrepositories",
                        "source.toolkit.fluxcd.io",
                        "flux-system",
                    ),
                    (
                        ids.source,
                        "helmrepositories",
                        "source.toolkit.fluxcd.io",
                        "podinfo",
                    ),
                    (
                        ids.kustomize,
                        "kustomizations",
                        "kustomize.toolkit.fluxcd.io",
                        "apps",
                    ),
                    (
                        ids.kustomize,
                        "kustomizations",
                        "kustomize.toolkit.fluxcd.io",
                        "infrastructure",
                    ),
                    (
                        ids.helmctl,
                        "helmreleases",
                        "helm.toolkit.fluxcd.io",
                        "podinfo",
                    ),
                ]);
                let version = if group.starts_with("helm") {
                    "v2"
                } else {
                    "v1"
                };
                let o = Obj::new(res)
                    .ns("flux-system")
                    .name(name)
                    .group(group, version)
                    .sub("status");
                let uri = format!(
                    "{}?fieldManager=gotk-{}",
                    o.path("patch"),
                    res.trim_end_matches('s')
                );
                self.plain(t, &Req::new(&c.actors[who], "patch", &uri, Some(o)));
            }
            Bg::FluxApply | Bg::CiDeploy => {
                let (ns, app, sa, replicas, secrets, _) = *self.rng.pick(APPS);
                let ci = matches!(kind, Bg::CiDeploy);
                let who = if ci { ids.ci } else { ids.kustomize };
                if self.rng.chance(300) && !ci {
                    let body = configmap_body(&mut self.rng, ns, app);
                    let name = format!("{app}-config");
                    let o = Obj::new("configmaps").ns(ns).name(&name);
                    let uri = format!(
                        "{}?fieldManager=kustomize-controller&force=true",
                        o.path("patch")
                    );
                    self.plain(
                        t,
                        &Req::new(&c.actors[who], "patch", &uri, Some(o))
                            .level(Level::Request)
                            .bodies(Some(&body), None),
                    );
                } else {
                    let body = deployment_body(&mut self.rng, ns, app, sa, replicas, secrets, ci);
                    let o = Obj::new("deployments").ns(ns).name(app).group("apps", "v1");
                    let q = if ci {
                        "fieldManager=kubectl-client-side-apply&fieldValidation=Strict"
                    } else {
                        "fieldManager=kustomize-controller&force=true"
                    };
                    let uri = format!("{}?{q}", o.path("patch"));
                    self.plain(
                        t,
                        &Req::new(&c.actors[who], "patch", &uri, Some(o))
                            .level(Level::Request)
                            .bodies(Some(&body), None),
                    );
                    if ci {
                        // kubectl rollout status: a short watch on the deployment.
                        let uri = format!(
                            "{}?fieldSelector=metadata.name%3D{app}&watch=true",
                            Obj::new("deployments")
                                .ns(ns)
                                .group("apps", "v1")
                                .path("list")
                        );
                        let o = Obj::new("deployments").ns(ns).group("apps", "v1");
                        let at = t + self.rng.ms(200, 900);
                        let lat = self.rng.range(1_000, 4_000);
                        let timeout = self.rng.range(20, 90);
                        self.call(
                            at,
                            &Req::new(&c.actors[who], "watch", &uri, Some(o)),
                            Mode::Watch { lat, timeout },
                        );
                    }
                }
            }
            Bg::HelmController => {
                let o = Obj::new("secrets").ns("podinfo");
                let uri = format!(
                    "{}?labelSelector=name%3Dpodinfo%2Cowner%3Dhelm",
                    o.path("list")
                );
                self.plain(t, &Req::new(&c.actors[ids.helmctl], "list", &uri, Some(o)));
                let at = t + self.rng.ms(20, 60);
                self.secret_get(at, ids.helmctl, "podinfo", "sh.helm.release.v1.podinfo.v4");
            }
            Bg::ArgoRbac => {
                let (ns, app) = *self.rng.pick(&[
                    ("payments", "ledger"),
                    ("prod", "checkout"),
                    ("monitoring", "grafana"),
                ]);
                let name = format!("{app}-config-reader");
                let rv = self.rv(t);
                let role = self.rng.chance(500);
                let (req, resp, res) = if role {
                    let rules = r#"[{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["configmaps"]}]"#;
                    let req = format!(
                        r#"{{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{{"labels":{{"app.kubernetes.io/instance":"{app}"}},"name":"{name}","namespace":"{ns}"}},"rules":{rules}}}"#
                    );
                    let resp = format!(
                        r#"{{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"{name}","namespace":"{ns}","uid":"{}","resourceVersion":"{rv}","creationTimestamp":"2026-05-11T09:14:02Z","labels":{{"app.kubernetes.io/instance":"{app}"}},"managedFields":[{{"manager":"argocd-controller","operation":"Apply","apiVersion":"rbac.authorization.k8s.io/v1","time":"{}","fieldsType":"FieldsV1","fieldsV1":{{"f:metadata":{{"f:labels":{{"f:app.kubernetes.io/instance":{{}}}}}},"f:rules":{{}}}}}}]}},"rules":{rules}}}"#,
                        uuid_of(&format!("role {ns} {name}")),
                        ts_seconds(t)
                    );
                    (req, resp, "roles")
                } else {
                    let body = format!(
                        r#""subjects":[{{"kind":"ServiceAccount","name":"{app}","namespace":"{ns}"}}],"roleRef":{{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"{name}"}}"#
                    );
                    let req = format!(
                        r#"{{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{{"labels":{{"app.kubernetes.io/instance":"{app}"}},"name":"{name}","namespace":"{ns}"}},{body}}}"#
                    );
                    let resp = format!(
                        r#"{{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"{name}","namespace":"{ns}","uid":"{}","resourceVersion":"{rv}","creationTimestamp":"2026-05-11T09:14:02Z","labels":{{"app.kubernetes.io/instance":"{app}"}},"managedFields":[{{"manager":"argocd-controller","operation":"Apply","apiVersion":"rbac.authorization.k8s.io/v1","time":"{}","fieldsType":"FieldsV1","fieldsV1":{{"f:metadata":{{"f:labels":{{"f:app.kubernetes.io/instance":{{}}}}}},"f:roleRef":{{}},"f:subjects":{{}}}}}}]}},{body}}}"#,
                        uuid_of(&format!("rb {ns} {name}")),
                        ts_seconds(t)
                    );
                    (req, resp, "rolebindings")
                };
                let o = Obj::new(res)
                    .ns(ns)
                    .name(&name)
                    .group("rbac.authorization.k8s.io", "v1");
                let uri = format!(
                    "{}?fieldManager=argocd-controller&force=true",
                    o.path("patch")
                );
                self.plain(
                    t,
                    &Req::new(&c.actors[ids.argo_ctl], "patch", &uri, Some(o))
                        .level(Level::RequestResponse)
                        .bodies(Some(&req), Some(&resp)),
                );
            }
            _ => unreachable!("not gitops_traffic: {kind:?}"),
        }
    }
}
