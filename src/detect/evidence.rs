//! Evidence for seed 001's step "check exec sessions into pods that use the
//! affected secrets", shared by the Markdown report and the TUI checklist
//! so both say the same thing.
//!
//! An exec is listed when it was made by one of the incident's identities,
//! when the pod's recorded spec uses an affected secret, or, when the pod's
//! spec is not in the log, when it ran in a namespace whose secrets were
//! affected. Each is labelled with the reason, so the analyst knows which
//! lines are proven links and which are "same namespace, spec unknown".

use super::Incident;
use super::activity::{ExecRecord, IdentityActivity};
use std::collections::BTreeSet;

/// Why an exec session is on the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecLink {
    /// The pod's spec (in this log) uses these affected secrets.
    UsesSecrets(Vec<String>),
    /// No spec using a secret was logged for the pod (created before the
    /// log starts, or logged at Metadata level); it runs in an affected
    /// namespace.
    SpecNotSeen,
    /// Made by one of the incident's identities.
    ByIncidentIdentity,
}

impl ExecLink {
    pub fn describe(&self) -> String {
        match self {
            ExecLink::UsesSecrets(s) => format!("pod uses {}", s.join(", ")),
            ExecLink::SpecNotSeen => "pod spec not in log; in an affected namespace".into(),
            ExecLink::ByIncidentIdentity => "by the incident's identity".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExecEvidence<'a> {
    pub identity: &'a str,
    pub exec: &'a ExecRecord,
    pub link: ExecLink,
}

/// What an incident's secret lists say was touched. The only place that
/// reads the rotation-list strings (`ns/name`, `ns/* (…)`, `*/* (…)`).
struct Affected<'a> {
    /// Namespaces whose secrets were served or refused (`None`: cluster-wide).
    namespaces: Option<BTreeSet<&'a str>>,
    /// Named secrets served or refused.
    names: BTreeSet<(&'a str, &'a str)>,
    /// Namespaces (or `*`, the cluster) served whole: every secret there
    /// is affected, named or not.
    whole: BTreeSet<&'a str>,
}

impl<'a> Affected<'a> {
    fn of(inc: &'a Incident) -> Self {
        let mut namespaces = BTreeSet::new();
        let mut names = BTreeSet::new();
        let mut cluster_wide = false;
        for s in inc.secrets_to_rotate.iter().chain(&inc.denied_secrets) {
            let Some((ns, rest)) = s.split_once('/') else {
                continue;
            };
            if ns == "*" {
                cluster_wide = true;
                continue;
            }
            namespaces.insert(ns);
            if !rest.starts_with('*') {
                names.insert((ns, rest));
            }
        }
        let whole = (inc.secrets_to_rotate.iter())
            .filter_map(|s| s.split_once("/*").map(|(ns, _)| ns))
            .collect();
        Affected {
            namespaces: (!cluster_wide).then_some(namespaces),
            names,
            whole,
        }
    }

    fn namespace(&self, ns: &str) -> bool {
        self.namespaces.as_ref().is_none_or(|set| set.contains(ns))
    }

    fn secret(&self, ns: &str, name: &str) -> bool {
        self.whole.contains("*") || self.whole.contains(ns) || self.names.contains(&(ns, name))
    }
}

/// The exec sessions to check for an incident, oldest first.
pub fn exec_sessions<'a>(
    inc: &Incident,
    identities: impl IntoIterator<Item = &'a IdentityActivity>,
) -> Vec<ExecEvidence<'a>> {
    let affected = Affected::of(inc);
    let mut out = Vec::new();
    for a in identities {
        let own = inc.identities.iter().any(|i| i == &a.identity);
        for x in &a.execs {
            let link = match &x.pod_secrets {
                Some(used) => {
                    let hit: Vec<String> = (used.iter())
                        .filter(|n| affected.secret(&x.namespace, n))
                        .cloned()
                        .collect();
                    (!hit.is_empty()).then_some(ExecLink::UsesSecrets(hit))
                }
                None => affected
                    .namespace(&x.namespace)
                    .then_some(ExecLink::SpecNotSeen),
            };
            let link = link.or(own.then_some(ExecLink::ByIncidentIdentity));
            if let Some(link) = link {
                out.push(ExecEvidence {
                    identity: &a.identity,
                    exec: x,
                    link,
                });
            }
        }
    }
    out.sort_by_key(|e| e.exec.time);
    out
}
