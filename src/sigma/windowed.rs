//! The windowed and correlated rules as Sigma correlations over base
//! rules: `secret-rapid-get` (value_count), `secret-access-denied`
//! (event_count), `escalate-then-loot` (temporal_ordered). Thresholds and
//! windows come from the config.

use super::doc::{CorrelationType, Selection, Val, glob, literal};
use super::ipset;
use super::plans::{Base, Det, Plan, secrets};
use crate::detect::config::Config;
use crate::detect::request::READ_VERBS;

fn escalation() -> Vec<Selection> {
    vec![
        Selection::new("binding")
            .one("objectRef.resource", "clusterrolebindings")
            .strs("verb", &["create", "update", "patch"]),
        Selection::new("role")
            .strs("objectRef.resource", &["roles", "clusterroles"])
            .strs("verb", &["create", "update", "patch"]),
    ]
}

/// seed 003: distinct secret names per identity and user agent (value_count).
pub fn rapid_get(cfg: &Config) -> Plan {
    let r = &cfg.rules;

    let c = &r.secret_rapid_get;
    let mut base = secrets("selection")
        .one("verb", "get")
        .one("objectRef.name", "?*");
    base.comments = vec!["seed 003: GETs of named secrets; allowed and denied both count".into()];
    let mut sels = vec![base];
    let mut excl = Vec::new();
    if !c.exclude_users.is_empty() {
        let lits: Vec<String> = c.exclude_users.iter().map(|u| literal(u)).collect();
        sels.push(Selection::new("excluded_user").owned("user.username", &lits));
        sels.push(
            Selection::new("excluded_impersonated").owned("impersonatedUser.username", &lits),
        );
        excl.push("1 of excluded_*".to_string());
    }
    if !c.exclude_name_globs.is_empty() {
        let globs: Vec<String> = c.exclude_name_globs.iter().map(|g| glob(g)).collect();
        sels.push(Selection::new("excluded_name").owned("objectRef.name", &globs));
        if excl.is_empty() {
            excl.push("excluded_name".into());
        }
    }
    let ips: Vec<crate::net::Cidr> = c
        .exclude_source_ips
        .iter()
        .filter_map(|x| x.parse().ok())
        .collect();
    if !ips.is_empty() {
        sels.push(Selection::new("local_source").owned("sourceIPs|cidr", &ipset::texts(&ips)));
        sels.push(Selection::new("other_source").owned("sourceIPs|cidr", &ipset::complement(&ips)));
        excl.push("(local_source and not other_source)".into());
    }
    // `1 of excluded_*` already covers excluded_name when both exist.
    let core = if excl.is_empty() {
        "selection".to_string()
    } else {
        format!("selection and not ({})", excl.join(" or "))
    };
    Plan::Correlated {
        bases: vec![Base {
            part: "get",
            title: "Secret GET by name (base of secret-rapid-get)".into(),
            det: Det {
                selections: sels,
                core,
                notes: vec![],
            },
            filtered: true,
        }],
        kind: CorrelationType::ValueCount,
        field: Some("objectRef.name"),
        group_by: vec!["user.username", "impersonatedUser.username", "userAgent"],
        window_us: c.window.0,
        gte: Some(c.threshold),
        notes: vec![
            "grouped by identity and user agent; ktriage also groups by the trusted source IP, \
                     which Sigma cannot pick out of sourceIPs (so this is broader)"
                .into(),
        ],
    }
}

/// Repeated 401/403 answers on secrets per identity (event_count).
pub fn denied(cfg: &Config) -> Plan {
    let r = &cfg.rules;

    let c = &r.secret_access_denied;
    Plan::Correlated {
                bases: vec![Base {
                    part: "denied",
                    title: "Secret request denied (base of secret-access-denied)".into(),
                    det: Det {
                        selections: vec![secrets("selection").item(
                            "responseStatus.code",
                            vec![Val::Int(401), Val::Int(403)],
                        )],
                        core: "selection".into(),
                        notes: vec![],
                    },
                    filtered: true,
                }],
                kind: CorrelationType::EventCount,
                field: None,
                group_by: vec!["user.username", "impersonatedUser.username"],
                window_us: c.window.0,
                gte: Some(c.threshold),
                notes: vec![
                    "counts events, not requests: a request logged at ResponseStarted and ResponseComplete \
                     counts twice (broader than ktriage, which counts each auditID once)"
                        .into(),
                ],
            }
}

/// An RBAC change, then a secret read or exec by its author (temporal_ordered).
pub fn escalate_then_loot(cfg: &Config) -> Plan {
    let r = &cfg.rules;

    let c = &r.escalate_then_loot;
    let loot = vec![
        secrets("read").strs("verb", &READ_VERBS),
        Selection::new("exec")
            .one("objectRef.resource", "pods")
            .strs("objectRef.subresource", &["exec", "attach"])
            .strs("verb", &["create", "get"]),
    ];
    Plan::Correlated {
                bases: vec![
                    Base {
                        part: "escalate",
                        title: "ClusterRoleBinding or role created or changed (base of escalate-then-loot)".into(),
                        det: Det {
                            selections: escalation(),
                            core: "binding or role".into(),
                            notes: vec![],
                        },
                        filtered: false,
                    },
                    Base {
                        part: "loot",
                        title: "Secret read or exec (base of escalate-then-loot)".into(),
                        det: Det {
                            selections: loot,
                            core: "read or exec".into(),
                            notes: vec![],
                        },
                        filtered: true,
                    },
                ],
                kind: CorrelationType::TemporalOrdered,
                field: None,
                group_by: vec!["user.username"],
                window_us: c.window.0,
                gte: None,
                notes: vec![
                    "narrower than ktriage: only the escalation's own author looting is exported; ktriage also \
                     links the subjects the new binding granted (Sigma cannot join requestObject.subjects to \
                     a later user.username)"
                        .into(),
                    "broader than ktriage: any ClusterRoleBinding or role change counts as the escalation, \
                     not only those rbac-binding-created or rbac-role-widened report"
                        .into(),
                ],
            }
}
