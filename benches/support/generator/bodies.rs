//! Request and response bodies: deployments, configmaps, aggregated ClusterRoles.

use super::*;

pub(super) fn deployment_body(
    rng: &mut Rng,
    ns: &str,
    app: &str,
    sa: &str,
    replicas: usize,
    secrets: &[&str],
    ci: bool,
) -> String {
    let mut env = String::new();
    let n = rng.range(3, 40);
    for i in 0..n {
        if i > 0 {
            env.push(',');
        }
        if i < secrets.len() as i64 {
            env.push_str(&format!(
                r#"{{"name":"{}_PASSWORD","valueFrom":{{"secretKeyRef":{{"key":"password","name":"{}"}}}}}}"#,
                secrets[i as usize].to_ascii_uppercase().replace('-', "_"),
                secrets[i as usize]
            ));
        } else {
            env.push_str(&format!(
                r#"{{"name":"FEATURE_FLAG_{i}","value":"{}"}}"#,
                if rng.chance(500) { "true" } else { "false" }
            ));
        }
    }
    let tag = format!("1.{}.{}", rng.below(60), rng.below(20));
    let labels = if ci {
        format!(r#"{{"app":"{app}","app.kubernetes.io/managed-by":"gitlab-ci"}}"#)
    } else {
        format!(
            r#"{{"app":"{app}","kustomize.toolkit.fluxcd.io/name":"apps","kustomize.toolkit.fluxcd.io/namespace":"flux-system"}}"#
        )
    };
    format!(
        r#"{{"apiVersion":"apps/v1","kind":"Deployment","metadata":{{"labels":{labels},"name":"{app}","namespace":"{ns}"}},"spec":{{"replicas":{replicas},"revisionHistoryLimit":5,"selector":{{"matchLabels":{{"app":"{app}"}}}},"strategy":{{"rollingUpdate":{{"maxSurge":"25%","maxUnavailable":0}},"type":"RollingUpdate"}},"template":{{"metadata":{{"annotations":{{"prometheus.io/port":"9090","prometheus.io/scrape":"true"}},"labels":{{"app":"{app}"}}}},"spec":{{"containers":[{{"env":[{env}],"image":"registry.example.com/{ns}/{app}:{tag}","imagePullPolicy":"IfNotPresent","livenessProbe":{{"httpGet":{{"path":"/healthz","port":8080}},"periodSeconds":10}},"name":"{app}","ports":[{{"containerPort":8080,"name":"http","protocol":"TCP"}}],"readinessProbe":{{"httpGet":{{"path":"/ready","port":8080}},"periodSeconds":5}},"resources":{{"limits":{{"memory":"512Mi"}},"requests":{{"cpu":"250m","memory":"256Mi"}}}},"securityContext":{{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"runAsNonRoot":true}}}}],"serviceAccountName":"{sa}","topologySpreadConstraints":[{{"labelSelector":{{"matchLabels":{{"app":"{app}"}}}},"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"ScheduleAnyway"}}]}}}}}}}}"#
    )
}

pub(super) fn configmap_body(rng: &mut Rng, ns: &str, app: &str) -> String {
    let mut yaml = String::from("log_level: info\nlisten: :8080\n");
    for i in 0..rng.range(4, 60) {
        yaml.push_str(&format!("option_{i}: {}\n", rng.below(10_000)));
    }
    format!(
        r#"{{"apiVersion":"v1","data":{{"config.yaml":{}}},"kind":"ConfigMap","metadata":{{"labels":{{"app":"{app}","kustomize.toolkit.fluxcd.io/name":"apps","kustomize.toolkit.fluxcd.io/namespace":"flux-system"}},"name":"{app}-config","namespace":"{ns}"}}}}"#,
        js(&yaml)
    )
}

/// ClusterRole aggregation of `admin`/`edit`: the rules grant secrets by
/// design (the default allowlist names the aggregation controller).
pub(super) fn aggregate_bodies(role: &str, rv: &str, t: i64) -> (String, String) {
    let view = r#"{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["configmaps","endpoints","persistentvolumeclaims","persistentvolumeclaims/status","pods","replicationcontrollers","replicationcontrollers/scale","serviceaccounts","services","services/status"]},{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["bindings","events","limitranges","namespaces/status","pods/log","pods/status","replicationcontrollers/status","resourcequotas","resourcequotas/status"]},{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["namespaces"]},{"verbs":["get","list","watch"],"apiGroups":["apps"],"resources":["controllerrevisions","daemonsets","daemonsets/status","deployments","deployments/scale","deployments/status","replicasets","replicasets/scale","replicasets/status","statefulsets","statefulsets/scale","statefulsets/status"]},{"verbs":["get","list","watch"],"apiGroups":["batch"],"resources":["cronjobs","cronjobs/status","jobs","jobs/status"]},{"verbs":["get","list","watch"],"apiGroups":["networking.k8s.io"],"resources":["ingresses","ingresses/status","networkpolicies"]}"#;
    let edit = r#"{"verbs":["create","delete","deletecollection","patch","update"],"apiGroups":[""],"resources":["pods","pods/attach","pods/exec","pods/portforward","pods/proxy"]},{"verbs":["create"],"apiGroups":[""],"resources":["pods/eviction"]},{"verbs":["create","delete","deletecollection","patch","update"],"apiGroups":[""],"resources":["configmaps","events","persistentvolumeclaims","replicationcontrollers","replicationcontrollers/scale","secrets","serviceaccounts","services","services/proxy"]},{"verbs":["create"],"apiGroups":[""],"resources":["serviceaccounts/token"]},{"verbs":["create","delete","deletecollection","patch","update"],"apiGroups":["apps"],"resources":["daemonsets","deployments","deployments/rollback","deployments/scale","replicasets","replicasets/scale","statefulsets","statefulsets/scale"]},{"verbs":["create","delete","deletecollection","patch","update"],"apiGroups":["batch"],"resources":["cronjobs","jobs"]},{"verbs":["create","delete","deletecollection","patch","update"],"apiGroups":["networking.k8s.io"],"resources":["ingresses","networkpolicies"]},{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["pods/attach","pods/exec","pods/portforward","pods/proxy","secrets","services/proxy"]},{"verbs":["impersonate"],"apiGroups":[""],"resources":["serviceaccounts"]}"#;
    let eso = r#"{"verbs":["get","list","watch"],"apiGroups":["external-secrets.io"],"resources":["externalsecrets","secretstores","clustersecretstores","pushsecrets"]},{"verbs":["create","delete","deletecollection","patch","update"],"apiGroups":["external-secrets.io"],"resources":["externalsecrets","secretstores","pushsecrets"]}"#;
    let admin_extra = r#"{"verbs":["create"],"apiGroups":["authorization.k8s.io"],"resources":["localsubjectaccessreviews"]},{"verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"apiGroups":["rbac.authorization.k8s.io"],"resources":["rolebindings","roles"]},"#;
    let rules = format!(
        "[{}{edit},{view},{eso}]",
        if role == "admin" { admin_extra } else { "" }
    );
    let req = format!(
        r#"{{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"{role}"}},"rules":{rules}}}"#
    );
    let resp = format!(
        r#"{{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"{role}","uid":"{}","resourceVersion":"{rv}","creationTimestamp":"2026-03-14T09:12:44Z","labels":{{"kubernetes.io/bootstrapping":"rbac-defaults"}},"annotations":{{"rbac.authorization.kubernetes.io/autoupdate":"true"}},"managedFields":[{{"manager":"clusterrole-aggregation-controller","operation":"Apply","apiVersion":"rbac.authorization.k8s.io/v1","time":"{}","fieldsType":"FieldsV1","fieldsV1":{{"f:rules":{{}}}}}},{{"manager":"kube-apiserver","operation":"Update","apiVersion":"rbac.authorization.k8s.io/v1","time":"2026-03-14T09:12:44Z","fieldsType":"FieldsV1","fieldsV1":{{"f:aggregationRule":{{".":{{}},"f:clusterRoleSelectors":{{}}}},"f:metadata":{{"f:annotations":{{".":{{}},"f:rbac.authorization.kubernetes.io/autoupdate":{{}}}},"f:labels":{{".":{{}},"f:kubernetes.io/bootstrapping":{{}}}}}}}}}}]}},"rules":{rules},"aggregationRule":{{"clusterRoleSelectors":[{{"matchLabels":{{"rbac.authorization.k8s.io/aggregate-to-{role}":"true"}}}}]}}}}"#,
        uuid_of(&format!("clusterrole {role}")),
        ts_seconds(t)
    );
    (req, resp)
}
