//! Building the cluster: every actor, pod, informer and secret reader.

use super::*;

impl Cluster {
    pub(super) fn build() -> Cluster {
        let mut actors = Vec::new();
        let mut ids = Ids::default();
        let mut add = |a: Actor| {
            actors.push(a);
            actors.len() - 1
        };
        for i in 0..N_NODES {
            ids.nodes.push(add(Actor::node(&node_name(i), &node_ip(i))));
        }
        let cp = "10.0.0.10";
        let kcm_reason = crb_reason(
            "system:kube-controller-manager",
            "system:kube-controller-manager",
            "User \"system:kube-controller-manager\"",
        );
        let kcm_user = |ua: &str| {
            Actor::new(
                "system:kube-controller-manager",
                None,
                &["system:authenticated"],
                cp,
                &format!("{KCM}/{ua}"),
                &kcm_reason,
            )
        };
        ids.kcm_informers = add(kcm_user("shared-informers"));
        ids.kcm_root = add(kcm_user("kube-controller-manager"));
        ids.kcm_tokens = add(kcm_user("tokens-controller"));
        ids.scheduler = add(Actor::new(
            "system:kube-scheduler",
            None,
            &["system:authenticated"],
            cp,
            SCHED,
            &crb_reason(
                "system:kube-scheduler",
                "system:kube-scheduler",
                "User \"system:kube-scheduler\"",
            ),
        ));
        let kcm_sa = |name: &str| {
            Actor::sa_jti(
                "kube-system",
                name,
                cp,
                &format!("{KCM}/system:serviceaccount:kube-system:{name}"),
                &crb_reason(
                    &format!("system:controller:{name}"),
                    &format!("system:controller:{name}"),
                    &sa_subject("kube-system", name),
                ),
            )
        };
        ids.gc = add(kcm_sa("generic-garbage-collector"));
        ids.aggregator = add(kcm_sa("clusterrole-aggregation-controller"));
        ids.deploy_ctl = add(kcm_sa("deployment-controller"));
        ids.rs_ctl = add(kcm_sa("replicaset-controller"));
        ids.eps_ctl = add(kcm_sa("endpointslice-controller"));
        ids.ep_ctl = add(kcm_sa("endpoint-controller"));
        ids.hpa = add(kcm_sa("horizontal-pod-autoscaler"));
        ids.node_ctl = add(kcm_sa("node-controller"));

        // Controllers running in pods, with bound tokens: (ns, sa, pod, node).
        let pod = |ns: &str, sa: &str, pod: &str, node: usize, ua: &str, reason: String| {
            Actor::sa_bound(
                ns,
                sa,
                pod,
                &node_name(node),
                &pod_ip(node, hash(pod)),
                ua,
                &reason,
            )
        };
        for (p, node) in [
            ("coredns-7db6d8ff4d-4kq9x", 0),
            ("coredns-7db6d8ff4d-vx7pl", 1),
        ] {
            ids.coredns.push(add(pod(
                "kube-system",
                "coredns",
                p,
                node,
                "coredns/v0.0.0 (linux/amd64) kubernetes/$Format",
                crb_reason(
                    "system:coredns",
                    "system:coredns",
                    &sa_subject("kube-system", "coredns"),
                ),
            )));
        }
        ids.ksm = add(pod(
            "kube-system",
            "kube-state-metrics",
            "kube-state-metrics-6f8c7d9b5-w2kxq",
            2,
            "kube-state-metrics/v0.0.0 (linux/amd64) kubernetes/$Format",
            crb_reason(
                "kube-state-metrics",
                "kube-state-metrics",
                &sa_subject("kube-system", "kube-state-metrics"),
            ),
        ));
        ids.metrics_server = add(pod(
            "kube-system",
            "metrics-server",
            "metrics-server-5d9f8c7b6d-h8n4s",
            3,
            "metrics-server/v0.7.1 (linux/amd64) kubernetes/$Format",
            crb_reason(
                "system:metrics-server",
                "system:metrics-server",
                &sa_subject("kube-system", "metrics-server"),
            ),
        ));
        // The Secrets Store CSI driver (it reads nodePublishSecretRef
        // secrets; its providers do not): a DaemonSet on host network.
        for node in 0..3 {
            let p = format!("csi-secrets-store-{}", suffix(node as u64 + 77, 5));
            let a = Actor::sa_bound(
                "kube-system",
                "secrets-store-csi-driver",
                &p,
                &node_name(node),
                &node_ip(node),
                "secrets-store-csi/v1.4.3 (linux/amd64) kubernetes/$Format",
                &crb_reason(
                    "secretproviderclasses-rolebinding",
                    "secretproviderclasses-role",
                    &sa_subject("kube-system", "secrets-store-csi-driver"),
                ),
            );
            ids.csi.push(add(a));
        }
        ids.certm = add(pod(
            "cert-manager",
            "cert-manager",
            "cert-manager-7c9f6d8b5-lm2vn",
            4,
            "cert-manager/v1.14.4 (linux/amd64) cert-manager/2a0ef53b06e183356d922cd58af2510d8885bef5",
            crb_reason(
                "cert-manager-controller-certificates",
                "cert-manager-controller-certificates",
                &sa_subject("cert-manager", "cert-manager"),
            ),
        ));
        ids.eso = add(pod(
            "external-secrets",
            "external-secrets",
            "external-secrets-6b8d9c7f4-p9r3t",
            5,
            "external-secrets/v0.9.11 (linux/amd64)",
            crb_reason(
                "external-secrets-controller",
                "external-secrets-controller",
                &sa_subject("external-secrets", "external-secrets"),
            ),
        ));
        let flux = |sa: &str, p: &str, node: usize, binding: &str, role: &str| {
            pod(
                "flux-system",
                sa,
                p,
                node,
                &format!("{sa}/v0.0.0 (linux/amd64) kubernetes/$Format"),
                crb_reason(binding, role, &sa_subject("flux-system", sa)),
            )
        };
        ids.source = add(flux(
            "source-controller",
            "source-controller-6c8f5d9b7-hv4kq",
            6,
            "crd-controller-flux-system",
            "crd-controller-flux-system",
        ));
        ids.kustomize = add(flux(
            "kustomize-controller",
            "kustomize-controller-5f7b8c9d6-d4x8s",
            6,
            "cluster-reconciler-flux-system",
            "cluster-admin",
        ));
        ids.helmctl = add(flux(
            "helm-controller",
            "helm-controller-7d6c5b8f9-nq5wz",
            7,
            "cluster-reconciler-flux-system",
            "cluster-admin",
        ));
        ids.argo_ctl = add(pod(
            "argocd",
            "argocd-application-controller",
            "argocd-application-controller-0",
            8,
            "argocd-application-controller/v2.11.3+3f344d5 (linux/amd64)",
            crb_reason(
                "argocd-application-controller",
                "argocd-application-controller",
                &sa_subject("argocd", "argocd-application-controller"),
            ),
        ));
        ids.argo_server = add(pod(
            "argocd",
            "argocd-server",
            "argocd-server-7f8d9c6b5-wz4nt",
            9,
            "argocd-server/v2.11.3+3f344d5 (linux/amd64)",
            rb_reason(
                "argocd-server",
                "argocd",
                "Role",
                "argocd-server",
                &sa_subject("argocd", "argocd-server"),
            ),
        ));
        ids.trivy = add(pod(
            "security",
            "trivy-operator",
            "trivy-operator-5d9f8c7b6-x2x9k",
            10,
            "trivy-operator/v0.0.0 (linux/amd64) kubernetes/$Format",
            crb_reason(
                "trivy-operator",
                "trivy-operator",
                &sa_subject("security", "trivy-operator"),
            ),
        ));
        ids.prometheus = add(pod(
            "monitoring",
            "prometheus-k8s",
            "prometheus-k8s-0",
            11,
            "Prometheus/2.51.2",
            crb_reason(
                "prometheus-k8s",
                "prometheus-k8s",
                &sa_subject("monitoring", "prometheus-k8s"),
            ),
        ));
        ids.ingress = add(pod(
            "ingress-nginx",
            "ingress-nginx",
            "ingress-nginx-controller-7c5b9f8d6-tq2lx",
            12,
            "nginx-ingress-controller/v1.10.1 (linux/amd64) ingress-nginx/4fb5aac1dd3669daa3a14d9de3e3cdb371b4c518",
            crb_reason(
                "ingress-nginx",
                "ingress-nginx",
                &sa_subject("ingress-nginx", "ingress-nginx"),
            ),
        ));

        let dev = |ns: &str| {
            rb_reason(
                "developers-view",
                ns,
                "ClusterRole",
                "view",
                "Group \"developers\"",
            )
        };
        ids.humans.push(add(Actor::human(
            "priya@example.com",
            &["developers"],
            "10.20.1.34",
            KUBECTL_MAC,
            &dev("prod"),
        )));
        ids.humans.push(add(Actor::human(
            "marco@example.com",
            &["developers"],
            "10.20.2.57",
            KUBECTL,
            &dev("myapp"),
        )));
        ids.humans.push(add(Actor::human(
            "bob@example.com",
            &["developers", "oncall"],
            "10.20.1.90",
            KUBECTL,
            &dev("staging"),
        )));
        let admin = crb_reason("platform-admins", "cluster-admin", "Group \"platform\"");
        ids.alice = add(Actor::human(
            "alice@example.com",
            &["platform"],
            "10.20.3.41",
            KUBECTL_MAC,
            &admin,
        ));
        ids.humans.push(ids.alice);
        ids.alice_helm = add(Actor::human(
            "alice@example.com",
            &["platform"],
            "10.20.3.41",
            HELM,
            &admin,
        ));
        ids.ci = add(Actor::human(
            "ci-deployer",
            &["ci"],
            "198.51.100.23",
            KUBECTL_CI,
            &crb_reason("ci-deployer-admin", "cluster-admin", "User \"ci-deployer\""),
        ));
        for ip in ["10.0.0.4", "10.0.0.5"] {
            ids.lbs.push(add(Actor::new(
                "system:anonymous",
                None,
                &["system:unauthenticated"],
                ip,
                "ELB-HealthChecker/2.0",
                PUBLIC_REASON,
            )));
        }
        ids.probe = add(Actor::new(
            "system:anonymous",
            None,
            &["system:unauthenticated"],
            cp,
            "kube-probe/1.30",
            PUBLIC_REASON,
        ));

        // Pods, spread over the nodes, and the kubelets' informers.
        let mut pods = Vec::new();
        for (ns, app, sa, replicas, secrets, pull) in APPS {
            let rs = suffix(hash(&format!("rs {ns} {app}")), 10);
            for r in 0..*replicas {
                let h = hash(&format!("pod {ns} {app} {r}"));
                pods.push(Pod {
                    ns,
                    name: format!("{app}-{rs}-{}", suffix(h, 5)),
                    app,
                    container: app,
                    node: (h % N_NODES as u64) as usize,
                    sa,
                    secrets,
                    pull,
                });
            }
        }

        let inf = |who: usize,
                   resource: &'static str,
                   group: &'static str,
                   version: &'static str| Informer {
            who,
            resource,
            group,
            version,
            ns: String::new(),
            field: String::new(),
            label: String::new(),
        };
        // In priority order: files too small for all of them keep the first.
        let mut informers = vec![
            inf(ids.kcm_informers, "secrets", "", "v1"),
            Informer {
                label: "controller.cert-manager.io/fao=true".into(),
                ..inf(ids.certm, "secrets", "", "v1")
            },
            Informer {
                ns: "argocd".into(),
                label: "argocd.argoproj.io/secret-type=cluster".into(),
                ..inf(ids.argo_ctl, "secrets", "", "v1")
            },
            inf(ids.ksm, "secrets", "", "v1"),
            inf(ids.gc, "secrets", "", "v1"),
            inf(ids.scheduler, "pods", "", "v1"),
            inf(ids.coredns[0], "endpointslices", "discovery.k8s.io", "v1"),
            inf(ids.coredns[1], "endpointslices", "discovery.k8s.io", "v1"),
            inf(ids.kcm_informers, "pods", "", "v1"),
            inf(ids.kcm_informers, "nodes", "", "v1"),
            inf(ids.scheduler, "nodes", "", "v1"),
            inf(ids.coredns[0], "services", "", "v1"),
            inf(ids.coredns[1], "services", "", "v1"),
            inf(ids.coredns[0], "namespaces", "", "v1"),
            inf(ids.coredns[1], "namespaces", "", "v1"),
            inf(ids.kcm_informers, "serviceaccounts", "", "v1"),
            inf(ids.kcm_informers, "configmaps", "", "v1"),
            inf(ids.kcm_informers, "deployments", "apps", "v1"),
            inf(ids.kcm_informers, "replicasets", "apps", "v1"),
            inf(
                ids.kcm_informers,
                "clusterroles",
                "rbac.authorization.k8s.io",
                "v1",
            ),
            inf(
                ids.argo_ctl,
                "rolebindings",
                "rbac.authorization.k8s.io",
                "v1",
            ),
            inf(ids.argo_ctl, "deployments", "apps", "v1"),
            inf(ids.argo_ctl, "applications", "argoproj.io", "v1alpha1"),
            inf(ids.eso, "externalsecrets", "external-secrets.io", "v1beta1"),
            inf(ids.certm, "certificates", "cert-manager.io", "v1"),
            inf(
                ids.source,
                "gitrepositories",
                "source.toolkit.fluxcd.io",
                "v1",
            ),
            inf(
                ids.kustomize,
                "kustomizations",
                "kustomize.toolkit.fluxcd.io",
                "v1",
            ),
            inf(ids.helmctl, "helmreleases", "helm.toolkit.fluxcd.io", "v2"),
            inf(ids.prometheus, "pods", "", "v1"),
            inf(ids.prometheus, "endpoints", "", "v1"),
            inf(ids.ksm, "pods", "", "v1"),
            inf(ids.ksm, "deployments", "apps", "v1"),
            inf(ids.ingress, "ingresses", "networking.k8s.io", "v1"),
            inf(ids.trivy, "replicasets", "apps", "v1"),
        ];
        for n in 0..N_NODES {
            let who = ids.nodes[n];
            informers.push(Informer {
                field: format!("spec.nodeName={}", node_name(n)),
                ..inf(who, "pods", "", "v1")
            });
            informers.push(Informer {
                field: format!("metadata.name={}", node_name(n)),
                ..inf(who, "nodes", "", "v1")
            });
        }
        let mut seen: Vec<(usize, &str, &str)> = Vec::new();
        for p in &pods {
            for s in p.secrets.iter().chain(std::iter::once(&"kube-root-ca.crt")) {
                if seen.contains(&(p.node, p.ns, s)) {
                    continue;
                }
                seen.push((p.node, p.ns, s));
                let resource = if *s == "kube-root-ca.crt" {
                    "configmaps"
                } else {
                    "secrets"
                };
                informers.push(Informer {
                    ns: p.ns.into(),
                    field: format!("metadata.name={s}"),
                    ..inf(ids.nodes[p.node], resource, "", "v1")
                });
            }
        }

        let mut readers = vec![
            (ids.kcm_tokens, "ci", "ci-bot-token"),
            (ids.certm, "prod", "app-tls"),
            (ids.certm, "staging", "app-tls"),
            (ids.certm, "myapp", "myapp-tls"),
            (ids.certm, "argocd", "argocd-server-tls"),
            (ids.certm, "cert-manager", "letsencrypt-prod-account-key"),
            (ids.eso, "external-secrets", "vault-approle"),
            (ids.eso, "prod", "db-credentials"),
            (ids.eso, "prod", "stripe-api-key"),
            (ids.eso, "payments", "psp-webhook-secret"),
            (ids.eso, "payments", "ledger-db"),
            (ids.eso, "myapp", "myapp-config"),
            (ids.source, "flux-system", "flux-system"),
            (ids.kustomize, "flux-system", "sops-age"),
            (ids.helmctl, "podinfo", "sh.helm.release.v1.podinfo.v4"),
            (ids.argo_server, "argocd", "argocd-secret"),
            (ids.argo_server, "argocd", "repo-creds-github"),
            (ids.trivy, "prod", "regcred"),
            (ids.trivy, "payments", "regcred"),
            (ids.trivy, "myapp", "ghcr-pull"),
            (ids.trivy, "podinfo", "ghcr-pull"),
        ];
        for &c in &ids.csi {
            readers.push((c, "prod", "secrets-store-creds"));
        }
        Cluster {
            actors,
            ids,
            pods,
            informers,
            readers,
        }
    }
}
