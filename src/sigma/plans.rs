//! Each rule's logic in Sigma terms: the selections, the condition over
//! them, and notes where Sigma is broader or narrower than ktriage. A plan
//! is a single-event rule, a correlation over base rules, or "not
//! exportable" with the reason. Pure: config in, plan out.
//!
//! Detections may be broader than ktriage (more SIEM alerts, noted);
//! where one is narrower it is said in the rule's notes.

use super::doc::{CorrelationType, Selection, Val, glob, literal, s};
use super::ipset;
use crate::detect::config::Config;
use crate::detect::request::{READ_VERBS, WRITE_VERBS};
use crate::detect::{RuleId, helm};

/// One Sigma detection: selections and the condition over them (before
/// allowlist filters are added).
#[derive(Debug, Clone, Default)]
pub struct Det {
    pub selections: Vec<Selection>,
    pub core: String,
    pub notes: Vec<String>,
}

/// A base rule of a correlation.
#[derive(Debug, Clone)]
pub struct Base {
    /// Suffix of the base rule's name (`<rule-id>-<part>`).
    pub part: &'static str,
    pub title: String,
    pub det: Det,
    /// The rule's allowlist entries become filters of this base rule
    /// (ktriage checks them against this event).
    pub filtered: bool,
}

#[derive(Debug, Clone)]
pub enum Plan {
    Single(Det),
    Correlated {
        bases: Vec<Base>,
        kind: CorrelationType,
        field: Option<&'static str>,
        group_by: Vec<&'static str>,
        window_us: i64,
        gte: Option<usize>,
        notes: Vec<String>,
    },
    NotExportable(String),
}

pub(super) fn secrets(name: &str) -> Selection {
    Selection::new(name)
        .one("objectRef.resource", "secrets")
        .null("objectRef.subresource")
}

fn single(selections: Vec<Selection>, core: &str, notes: &[&str]) -> Plan {
    Plan::Single(Det {
        selections,
        core: core.into(),
        notes: notes.iter().map(|n| n.to_string()).collect(),
    })
}

const HELM_NOTE: &str = "broader than ktriage: the Helm client on its own release secrets also matches here \
     (ktriage reports those as helm-release-read instead)";
const IDENTITY_NOTE: &str =
    "the identity is the impersonated user when there is one, else user.username, as in ktriage";

/// The effective identity (impersonated user, else user) matched by `f`.
fn identity_selections(
    prefix: &str,
    base: Selection,
    key_mod: &str,
    vals: Vec<Val>,
) -> Vec<Selection> {
    let k = |f: &str| {
        if key_mod.is_empty() {
            f.to_string()
        } else {
            format!("{f}|{key_mod}")
        }
    };
    let mut own = base.clone();
    own.name = format!("{prefix}_user");
    let own = own
        .item(&k("user.username"), vals.clone())
        .null("impersonatedUser.username");
    let mut imp = base;
    imp.name = format!("{prefix}_impersonated");
    let imp = imp.item(&k("impersonatedUser.username"), vals);
    vec![own, imp]
}

/// The plan of one rule under `cfg`.
pub fn plan(id: RuleId, cfg: &Config) -> Plan {
    let r = &cfg.rules;
    if !r.enabled(id) {
        return Plan::NotExportable("disabled in the config (enabled = false)".into());
    }
    match id {
        RuleId::SecretRead => single(
            vec![secrets("selection").strs("verb", &READ_VERBS)],
            "selection",
            &[HELM_NOTE],
        ),
        RuleId::SecretListClusterWide => single(
            vec![
                secrets("selection")
                    .strs("verb", &["list", "watch"])
                    .null("objectRef.namespace"),
            ],
            "selection",
            &[HELM_NOTE],
        ),
        RuleId::SecretReadSuspiciousAgent => single(
            vec![
                secrets("selection")
                    .strs("verb", &["get", "list"])
                    .item(
                        "userAgent",
                        r.secret_read_suspicious_agent
                            .patterns
                            .iter()
                            .map(|p| s(&glob(p)))
                            .collect(),
                    ),
            ],
            "selection",
            &["ktriage's user-agent patterns are case-sensitive; Sigma's match is not (broader)"],
        ),
        RuleId::SecretReadWorkloadIdentity => single(
            identity_selections(
                "selection",
                secrets("").strs("verb", &["get", "list"]),
                "startswith",
                vec![s("system:node:"), s("system:serviceaccount:")],
            ),
            "1 of selection_*",
            &[IDENTITY_NOTE],
        ),
        RuleId::SecretReadUntrustedSource => {
            if cfg.trusted_cidrs.is_empty() {
                return Plan::NotExportable(
                    "inactive: trusted_cidrs is empty in the config (set it, then export again)".into(),
                );
            }
            let outside = ipset::complement(&cfg.trusted_cidrs);
            single(
                vec![
                    secrets("selection")
                        .strs("verb", &READ_VERBS)
                        .item("sourceIPs|cidr", outside.iter().map(|t| s(t)).collect()),
                ],
                "selection",
                &[&format!(
                    "trusted ranges {}: fires when any address of sourceIPs (also a client-supplied \
                     X-Forwarded-For entry) is outside them, broader than ktriage, which judges the \
                     last address after trusted proxies",
                    ipset::texts(&cfg.trusted_cidrs).join(", ")
                )],
            )
        }
        RuleId::SecretWrite => single(
            vec![secrets("selection").strs("verb", &WRITE_VERBS)],
            "selection",
            &[HELM_NOTE],
        ),
        RuleId::PodExec => single(
            vec![
                Selection::new("selection")
                    .one("objectRef.resource", "pods")
                    .strs("objectRef.subresource", &["exec", "attach"])
                    .strs("verb", &["create", "get"]),
            ],
            "selection",
            &[],
        ),
        RuleId::SaTokenMinted => single(
            vec![
                Selection::new("selection")
                    .one("objectRef.resource", "serviceaccounts")
                    .one("objectRef.subresource", "token")
                    .one("verb", "create"),
            ],
            "selection",
            &[],
        ),
        RuleId::PodEphemeralContainer => single(
            vec![
                Selection::new("selection")
                    .one("objectRef.resource", "pods")
                    .one("objectRef.subresource", "ephemeralcontainers")
                    .strs("verb", &["create", "update", "patch"]),
            ],
            "selection",
            &[],
        ),
        RuleId::AnonymousSecretAccess => {
            let mut sel = identity_selections(
                "anonymous",
                Selection::new(""),
                "",
                vec![s("system:anonymous")],
            );
            sel.push(
                Selection::new("unauthenticated_group")
                    .one("user.groups", "system:unauthenticated")
                    .null("impersonatedUser.username"),
            );
            sel.push(
                Selection::new("unauthenticated_impersonated")
                    .one("impersonatedUser.groups", "system:unauthenticated"),
            );
            sel.insert(0, secrets("selection"));
            single(
                sel,
                "selection and (1 of anonymous_* or 1 of unauthenticated_*)",
                &[
                    IDENTITY_NOTE,
                    "level critical; ktriage lowers it to medium when the request was denied (responseStatus.code 401/403)",
                ],
            )
        }
        RuleId::SecretAccessImpersonated => {
            let c = &r.secret_access_impersonated;
            let mut sels = vec![
                Selection::new("selection")
                    .strs("objectRef.resource", &["secrets", "configmaps"])
                    .null("objectRef.subresource"),
                Selection::new("impersonating").one("impersonatedUser.username", "?*"),
            ];
            let mut via = "impersonating".to_string();
            if !c.proxy_users.is_empty() {
                let lits: Vec<String> = c.proxy_users.iter().map(|u| literal(u)).collect();
                sels.push(Selection::new("proxy").owned("user.username", &lits));
                via = "(impersonating or proxy)".into();
            }
            let mut core = format!("selection and {via}");
            if !c.routine_configmap_proxies.is_empty() {
                let globs: Vec<String> =
                    c.routine_configmap_proxies.iter().map(|g| glob(g)).collect();
                sels.push(
                    Selection::new("routine_configmaps")
                        .one("objectRef.resource", "configmaps")
                        .owned("user.username", &globs),
                );
                core = if c.proxy_users.is_empty() {
                    format!("{core} and not routine_configmaps")
                } else {
                    format!("{core} and not (routine_configmaps and not proxy)")
                };
            }
            single(sels, &core, &[])
        }
        RuleId::RbacBindingCreated => {
            let c = &r.rbac_binding_created;
            let mut sels = vec![
                Selection::new("cluster_binding")
                    .one("objectRef.resource", "clusterrolebindings")
                    .strs("verb", &["create", "update", "patch"]),
            ];
            let mut core = "cluster_binding".to_string();
            if !c.privileged_roles.is_empty() {
                let roles: Vec<String> = c.privileged_roles.iter().map(|x| literal(x)).collect();
                for (name, obj) in [("binding_request", "requestObject"), ("binding_response", "responseObject")] {
                    sels.push(
                        Selection::new(name)
                            .one("objectRef.resource", "rolebindings")
                            .strs("verb", &["create", "update", "patch"])
                            .owned(&format!("{obj}.roleRef.name"), &roles),
                    );
                }
                core = "cluster_binding or 1 of binding_*".into();
            }
            single(
                sels,
                &core,
                &["narrower than ktriage: a RoleBinding to a role that this log shows granting secrets \
                   (ktriage remembers roles) is not exported; RoleBindings need requestObject or responseObject \
                   in the log (audit level Request)"],
            )
        }
        RuleId::RbacRoleWidened => {
            let grants = |name: &str, obj: &str| {
                vec![
                    Selection::new(&format!("{name}_resources")).strs(
                        &format!("{obj}.rules.resources"),
                        &["secrets", "\\*", "pods/exec", "pods/attach", "serviceaccounts/token", "nodes/proxy"],
                    ),
                    Selection::new(&format!("{name}_verbs")).strs(
                        &format!("{obj}.rules.verbs"),
                        &["impersonate", "escalate", "bind", "\\*"],
                    ),
                ]
            };
            let mut sels = vec![
                Selection::new("selection")
                    .strs("objectRef.resource", &["roles", "clusterroles"])
                    .strs("verb", &["create", "update", "patch"]),
            ];
            sels.extend(grants("request", "requestObject"));
            sels.extend(grants("response", "responseObject"));
            single(
                sels,
                "selection and (1 of request_* or 1 of response_*)",
                &["approximate: fires on any rule naming these resources or verbs, without pairing each \
                   rule's verbs with its resources as ktriage does (broader); needs the objects in the log \
                   (audit level Request)"],
            )
        }
        RuleId::HelmReleaseRead => single(
            vec![
                secrets("selection").one("userAgent|startswith", "Helm/"),
                Selection::new("named")
                    .one("objectRef.name|startswith", helm::RELEASE_PREFIX)
                    .strs("verb", &["get", "list", "watch", "create", "update", "patch", "delete"]),
                Selection::new("owner_selector")
                    .strs("verb", &["list", "watch"])
                    .strs("requestURI|contains", &["labelSelector=owner%3Dhelm", "labelSelector=owner=helm"]),
            ],
            "selection and (named or owner_selector)",
            &["approximate: ktriage parses the labelSelector (owner=helm required, a single selector); \
               here the request URI only has to contain it"],
        ),
        RuleId::NodesProxyExec => {
            let routine: Vec<String> = r
                .nodes_proxy_exec
                .routine_paths
                .iter()
                .flat_map(|p| {
                    let p = literal(p);
                    [
                        format!("/api/v1/nodes/*/proxy/{p}"),
                        format!("/api/v1/nodes/*/proxy/{p}/*"),
                        format!("/api/v1/nodes/*/proxy/{p}\\?*"),
                    ]
                })
                .collect();
            let mut sels = vec![
                Selection::new("selection")
                    .one("objectRef.resource", "nodes")
                    .one("objectRef.subresource", "proxy"),
                Selection::new("tricky").strs("requestURI", &["*..*", "*%*", "*/proxy/*/proxy/*"]),
            ];
            let core = if routine.is_empty() {
                "selection".to_string()
            } else {
                sels.push(Selection::new("routine").owned("requestURI", &routine));
                "selection and not (routine and not tricky)".to_string()
            };
            single(
                sels,
                &core,
                &["a routine kubelet path (first segment) is silent unless the URI holds `..`, a percent \
                   escape or a second /proxy/ (ktriage decodes the path; here any of these alerts)"],
            )
        }
        RuleId::SecretRapidGet => super::windowed::rapid_get(cfg),
        RuleId::SecretAccessDenied => super::windowed::denied(cfg),
        RuleId::EscalateThenLoot => super::windowed::escalate_then_loot(cfg),
        RuleId::SecretReadNewClient => Plan::NotExportable(
            "new-terms logic: a (identity, source IP, user agent) first seen in the previous 7 days; Sigma \
             correlations (event_count, value_count, temporal) have no first-seen type. Use the SIEM's own \
             new-terms rule (seed 004: Elastic new_terms)"
                .into(),
        ),
        RuleId::SaTokenContextMismatch => Plan::NotExportable(
            "baseline: each service account's user agents, networks and token kinds learned over the \
             learning period; Sigma has no learned state"
                .into(),
        ),
        RuleId::MintedTokenUsed => Plan::NotExportable(
            "joins a token minted for service account S (objectRef.name of serviceaccounts/token) with S's \
             later requests (user.username system:serviceaccount:NS:S) from an IP or user agent new for S: \
             Sigma cannot build the username from two fields nor express new-for-S"
                .into(),
        ),
        RuleId::PodMountsSecretThenRead => Plan::NotExportable(
            "needs the secrets a pod spec mounts (volumes, env, projected; also through Deployments and Jobs) \
             and the link from that pod to a later exec or log read by its creator: Sigma cannot inspect the \
             spec's lists nor join the pod names"
                .into(),
        ),
        RuleId::CsrPrivilegedGroup => Plan::NotExportable(
            "the requested groups are the subject O= inside the base64 DER of spec.request; Sigma cannot \
             decode it, and the later use of the certificate's CN is a join"
                .into(),
        ),
    }
}
