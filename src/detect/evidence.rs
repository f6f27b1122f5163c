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
use super::rotate::{RotateItem, RotateKind};

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

/// What an incident's secret lists say was touched.
struct Affected<'a> {
    /// Served or refused: the namespaces in which an exec may matter.
    touched: Vec<&'a RotateItem>,
    /// Served: every secret these entries cover is affected.
    served: &'a [RotateItem],
}

impl<'a> Affected<'a> {
    fn of(inc: &'a Incident) -> Self {
        Affected {
            touched: inc
                .secrets_to_rotate
                .iter()
                .chain(&inc.denied_secrets)
                .collect(),
            served: &inc.secrets_to_rotate,
        }
    }

    fn namespace(&self, ns: &str) -> bool {
        self.touched
            .iter()
            .any(|r| r.kind == RotateKind::WholeCluster || r.namespace == ns)
    }

    fn secret(&self, ns: &str, name: &str) -> bool {
        (self.touched.iter())
            .filter(|r| r.kind == RotateKind::Named)
            .any(|r| r.covers(ns, name))
            || (self.served.iter())
                .filter(|r| r.kind != RotateKind::Named)
                .any(|r| r.covers(ns, name))
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
    out.sort_by(|a, b| (a.exec.time, a.identity).cmp(&(b.exec.time, b.identity)));
    out
}
