//! The rule table: one row per rule (id, settings type, severity, title,
//! source, ATT&CK tags, why it matters). Adding a rule is a row here, its
//! settings type in `config`, and its family file; `registry::rules!`
//! generates the id enum, the registry and the settings struct from it.

use super::config::*;
use super::registry::rules;

const CRED_API: &[&str] = &["attack.credential_access", "attack.t1552.007", "TA0006"];

rules! {
    SecretRead = "secret-read", secret_read: Basic {
        severity: High,
        title: "Secret read by an identity outside the allowlist",
        source: "seed 000 (Sigma: Kubernetes Secret Access / Exfiltration)",
        tags: CRED_API,
        why: "get/list/watch on secrets by a user or service account that is not a known secret-consuming controller. \
              Check who this is, whether their role should read secrets at all, and which secrets they got.",
    },
    SecretListClusterWide = "secret-list-cluster-wide", secret_list_cluster_wide: Basic {
        severity: High,
        title: "Every Secret of the cluster listed or watched",
        source: "seed 001 (indicators: cluster-wide rather than namespace-scoped)",
        tags: CRED_API,
        why: "A list/watch on secrets with no namespace returns every Secret in the cluster in one response. \
              Outside a few controllers this is bulk collection: treat every secret as exposed.",
    },
    SecretRapidGet = "secret-rapid-get", secret_rapid_get: RapidGet {
        severity: High,
        title: "Rapid GETs of many distinct secrets from one client",
        source: "seed 003 (Elastic: Kubernetes Rapid Secret GET Activity Against Multiple Objects)",
        tags: CRED_API,
        why: "One identity, source IP and user agent fetched several different secrets within minutes; denied GETs count \
              (RBAC probing). Pivot on the source IP for exec, pod creation, role changes and broad lists.",
    },
    SecretReadSuspiciousAgent = "secret-read-suspicious-agent", secret_read_suspicious_agent: SuspiciousAgent {
        severity: High,
        title: "Secret read with a scripting or attack-tool user agent",
        source: "seed 002 (Elastic: Secret get or list with Suspicious User Agent) + Sigma tool user agents",
        tags: CRED_API,
        why: "curl, python, Go's default client or a Kali build read secrets directly. In-cluster automation presents \
              stable, purpose-specific user agents; this looks like a person or a script with a stolen token.",
    },
    SecretReadNewClient = "secret-read-new-client", secret_read_new_client: NewClient {
        severity: Low,
        title: "Secret read from a new (identity, source IP, user agent) combination",
        source: "seed 004 (Elastic: Kubernetes Secret Access via Unusual User Agent, new terms over 7 days)",
        tags: CRED_API,
        why: "A non-standard client (user agent not ending in kubernetes/$Format) read secrets from a combination of \
              identity, IP and user agent not seen in the previous 7 days of the log. Weak alone; strong next to others.",
    },
    SecretReadWorkloadIdentity = "secret-read-workload-identity", secret_read_workload_identity: Basic {
        severity: Medium,
        title: "Secret read by a node or pod service-account identity",
        source: "seed 002 (Elastic: Secret get or list from Node or Pod Service Account)",
        tags: CRED_API,
        why: "Kubelet and workload identities have narrow, predictable API usage. A stolen pod token or node credential \
              sweeping secrets looks like this; denied attempts still show intent.",
    },
    SaTokenContextMismatch = "sa-token-context-mismatch", sa_token_context_mismatch: ContextMismatch {
        severity: Medium,
        title: "Service-account token used from an unusual context",
        source: "seed 001 (indicator: token used from a context inconsistent with its workload)",
        tags: &[
            "attack.credential_access",
            "attack.t1528",
            "attack.t1552.007",
            "TA0006",
        ],
        why: "The account read secrets or exec'd with a client, network or token kind it did not use during the learning \
              period: the token may have been copied out of its pod. Check where the token could have leaked.",
    },
    SecretAccessImpersonated = "secret-access-impersonated", secret_access_impersonated: Impersonated {
        severity: Medium,
        title: "Secret or ConfigMap accessed through impersonation",
        source: "seed 002 (Elastic: Secret or ConfigMap Access via Azure Arc Proxy)",
        tags: &[
            "attack.credential_access",
            "attack.t1552.007",
            "attack.t1134",
            "TA0006",
        ],
        why: "The caller acted as another identity (Impersonate-User, or the Azure Arc proxy). The audit log's acting \
              user hides the real caller: check the authenticated user and who may impersonate.",
    },
    SecretAccessDenied = "secret-access-denied", secret_access_denied: Denied {
        severity: Medium,
        title: "Repeated denied secret requests (RBAC probing)",
        source: "ktriage (after seed 003: denied requests reveal RBAC boundaries)",
        tags: &[
            "attack.discovery",
            "attack.credential_access",
            "attack.t1552.007",
            "TA0006",
        ],
        why: "Many 401/403 answers on secrets in a short time: someone is testing what a credential can read. \
              404s are shown but not counted.",
    },
    SecretReadUntrustedSource = "secret-read-untrusted-source", secret_read_untrusted_source: Basic {
        severity: Medium,
        title: "Secret read from outside the trusted networks",
        source: "seed 001 (indicator: sourceIPs outside your normal CI/CD or operator ranges)",
        tags: CRED_API,
        why: "The source address the API server saw (after trusted proxies) is outside the configured trusted ranges.",
    },
    SecretWrite = "secret-write", secret_write: Basic {
        severity: Medium,
        title: "Secret created, changed or deleted outside the allowlist",
        source: "seed 002 (create/update/patch/delete-secrets operations)",
        tags: &[
            "attack.persistence",
            "attack.impact",
            "attack.t1552.007",
            "TA0006",
        ],
        why: "Writing a secret can plant credentials (a service-account token secret) or destroy evidence. \
              Check what changed and whether a deployment process explains it.",
    },
    PodExec = "pod-exec", pod_exec: Basic {
        severity: High,
        title: "Interactive exec/attach into a pod",
        source: "seed 000 (companion rule on pods/exec) and seed 001 (exec sessions)",
        tags: &[
            "attack.execution",
            "attack.t1609",
            "attack.credential_access",
            "attack.t1552.007",
        ],
        why: "exec into a pod reads its mounted secrets and service-account token without touching the Secrets API. \
              Check the command and what the pod mounts.",
    },
    RbacBindingCreated = "rbac-binding-created", rbac_binding_created: BindingCreated {
        severity: High,
        title: "ClusterRoleBinding, or a RoleBinding to a powerful role, created or changed",
        source: "seed 000 (escalation: a new clusterrolebinding)",
        tags: &[
            "attack.privilege_escalation",
            "attack.persistence",
            "attack.t1098",
            "TA0004",
        ],
        why: "A new binding is how an attacker grants themselves secrets access. Check the role, the subjects, and who \
              created it. A binding to system:authenticated or system:unauthenticated opens it to everyone.",
    },
    RbacRoleWidened = "rbac-role-widened", rbac_role_widened: Basic {
        severity: High,
        title: "Role or ClusterRole granting secrets, exec, tokens, impersonation or wildcards",
        source: "ktriage (after seed 000 escalation and seed 001 RBAC review)",
        tags: &[
            "attack.privilege_escalation",
            "attack.persistence",
            "attack.t1098",
            "TA0004",
        ],
        why: "The role's rules (as stored, after the change) grant read on secrets, pods/exec, token creation, \
              impersonate/escalate/bind or wildcards. Check who is bound to it.",
    },
    SaTokenMinted = "sa-token-minted", sa_token_minted: Basic {
        severity: Medium,
        title: "Service-account token requested by an unexpected identity",
        source: "ktriage (seed 001: service-account tokens used out of context)",
        tags: &["attack.credential_access", "attack.t1528", "TA0006"],
        why: "serviceaccounts/token create mints a fresh credential for that account. Kubelets do it all day; a person \
              or another workload doing it is taking that account's identity.",
    },
    AnonymousSecretAccess = "anonymous-secret-access", anonymous_secret_access: Basic {
        severity: Critical,
        title: "Secrets requested without authentication",
        source: "ktriage",
        tags: &[
            "attack.initial_access",
            "attack.credential_access",
            "attack.t1552.007",
            "TA0006",
        ],
        why: "system:anonymous or the system:unauthenticated group touched secrets. Allowed means the cluster serves \
              secrets to anyone who can reach it (critical); denied means someone is probing (medium).",
    },
    EscalateThenLoot = "escalate-then-loot", escalate_then_loot: Correlation {
        severity: Critical,
        title: "Privilege escalation followed by secret reads or exec",
        source: "seed 000 (escalate-then-loot correlation)",
        tags: &[
            "attack.privilege_escalation",
            "attack.t1098",
            "attack.credential_access",
            "attack.t1552.007",
            "attack.t1609",
        ],
        why: "A binding or widened role was created, and within the window its creator or a subject it granted read \
              secrets or exec'd into a pod. Treat as an active intrusion: rotate what was read.",
    },
    HelmReleaseRead = "helm-release-read", helm_release_read: Basic {
        severity: Low,
        title: "Helm release state read or written by the Helm client",
        source: "seed 003 (excludes sh.helm.release.* from rapid GETs only; seed 000 does not exclude them) + Helm's secrets storage driver",
        tags: CRED_API,
        why: "The Helm client (user agent Helm/...) read release secrets (a list with labelSelector owner=helm, or \
              sh.helm.release.v1.* by name) or wrote one. Release secrets hold the chart's rendered values, often \
              passwords: expected of people who deploy, still a person reading them. The user agent is set by the \
              client: check this is a deploy you know of. Other clients reading release secrets raise secret-read.",
    },
    NodesProxyExec = "nodes-proxy-exec", nodes_proxy_exec: NodesProxy {
        severity: High,
        title: "Kubelet API reached through the API server (nodes/proxy) beyond metrics",
        source: "ktriage (issue 11: nodes/proxy bypasses pods/exec; after seed 000's companion exec rule)",
        tags: &[
            "attack.execution",
            "attack.t1609",
            "attack.credential_access",
            "attack.t1552.007",
        ],
        why: "A request to /api/v1/nodes/NAME/proxy/... for a kubelet path other than metrics, stats, healthz or spec: \
              exec, run, attach and portForward run commands in any pod on the node, pods, logs and containerLogs read \
              pods' environment and logs, configz and cri the kubelet's configuration and runtime. None of it leaves a \
              pods/exec or pods/log record. Check who holds nodes/proxy and what ran on that node.",
    },
    PodEphemeralContainer = "pod-ephemeral-container", pod_ephemeral_container: Basic {
        severity: High,
        title: "Ephemeral container added to a running pod (kubectl debug)",
        source: "ktriage (issue 11; after seed 000's companion rule on pods/exec)",
        tags: &[
            "attack.execution",
            "attack.t1609",
            "attack.credential_access",
            "attack.t1552.007",
        ],
        why: "create/update/patch on pods/ephemeralcontainers puts a new container, usually a shell, into an existing \
              pod next to its mounted secrets and token, with or without an attach to see. Check the image and \
              command, and rotate what the pod mounts.",
    },
    PodMountsSecretThenRead = "pod-mounts-secret-then-read", pod_mounts_secret_then_read: Basic {
        severity: High,
        title: "Pod created to mount a secret, then its logs read or exec'd into by its creator",
        source: "ktriage (issue 11; seed 001 checklist: exec sessions into pods that handle the affected secrets)",
        tags: &[
            "attack.execution",
            "attack.t1610",
            "attack.credential_access",
            "attack.t1552.007",
            "TA0006",
        ],
        why: "An identity created a pod (or a Deployment, Job, ... recorded with its spec) that mounts a Secret as a \
              volume or env, then read that pod's logs or exec'd into it: the secret was read without any get on \
              secrets. Rotate the mounted secrets. Needs pod specs in the log (audit level Request).",
    },
    CsrPrivilegedGroup = "csr-privileged-group", csr_privileged_group: CsrGroups {
        severity: High,
        title: "Client certificate requested, approved or used for a privileged group (system:masters)",
        source: "ktriage (issue 11: certificates for privileged groups)",
        tags: &[
            "attack.privilege_escalation",
            "attack.persistence",
            "attack.credential_access",
            "attack.t1649",
            "attack.t1098",
            "TA0004",
        ],
        why: "A CertificateSigningRequest whose subject asks for O=system:masters (or another configured group): once \
              approved, the certificate is cluster-admin that RBAC cannot limit or revoke. The approval is critical, \
              and so is any later use of the certificate's identity (its CN), linked into one incident. Needs CSR \
              bodies in the log (audit level Request).",
    },
    MintedTokenUsed = "minted-token-used", minted_token_used: MintedUse {
        severity: High,
        title: "Service-account token minted by another identity, then used from a new IP or user agent",
        source: "ktriage (seed 001 indicator: a token used from a context inconsistent with its workload)",
        tags: &[
            "attack.credential_access",
            "attack.t1528",
            "attack.defense_evasion",
            "attack.t1550.001",
            "TA0006",
        ],
        why: "An identity not allowlisted for minting created a token for service account S (serviceaccounts/token), \
              and S then made a request from a source IP or user agent it had not used before in the log. The minter \
              and the account are one incident: find out what the token was used for, and who the minter is.",
    },
}
