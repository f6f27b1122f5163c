//! Blind spots: what a rule could not see in this log because the audit
//! policy did not record it (request bodies at level Metadata). Said once,
//! in the summary (`Ingest::health`, a warning), never silently quiet: a
//! rule that cannot see is not a rule that found nothing.

use super::config::Config;
use super::csr::Csrs;
use super::mounted::Mounted;
use super::pods::PodSecrets;
use super::registry::RuleId;

/// Something a rule cannot see in this log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlindSpot {
    pub rule: RuleId,
    pub text: String,
}

/// Every blind spot of an engine's state, for enabled rules only.
pub fn spots(cfg: &Config, pods: &PodSecrets, mounted: &Mounted, csrs: &Csrs) -> Vec<BlindSpot> {
    let mut out = Vec::new();
    if pods.bodies_seen == 0 && mounted.unjudged > 0 {
        out.push(BlindSpot {
            rule: RuleId::PodMountsSecretThenRead,
            text: format!(
                "pod specs not recorded: rule pod-mounts-secret-then-read cannot see which secrets the pods of {} \
                 exec or log read(s) mount, nor who created them (no pod or workload create logged with its \
                 requestObject: log pods and workloads at level Request)",
                mounted.unjudged
            ),
        });
    }
    if csrs.bodiless > 0 {
        out.push(BlindSpot {
            rule: RuleId::CsrPrivilegedGroup,
            text: format!(
                "CSR bodies not recorded: rule csr-privileged-group cannot see the groups {} certificate signing \
                 request create(s) asked for (log certificatesigningrequests at level Request)",
                csrs.bodiless
            ),
        });
    }
    if csrs.undecodable > 0 {
        out.push(BlindSpot {
            rule: RuleId::CsrPrivilegedGroup,
            text: format!(
                "{} certificate signing request(s) could not be decoded (spec.request is not a PEM \
                 CERTIFICATE REQUEST): rule csr-privileged-group cannot judge them",
                csrs.undecodable
            ),
        });
    }
    out.retain(|b| cfg.rules.enabled(b.rule));
    out
}
