//! Blind spots: what a rule could not see in this log because the audit
//! policy did not record it (request bodies at level Metadata). Said once,
//! in the summary (`Ingest::health`, a warning), never silently quiet: a
//! rule that cannot see is not a rule that found nothing.

use super::config::Config;
use super::csr::Csrs;
use super::mounted::Mounted;
use super::pods::PodSecrets;
use super::registry::RuleId;
use crate::words::count_of;

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
                 mount, nor who created them (no pod or workload create logged with its \
                 requestObject: log pods and workloads at level Request)",
                count_of(mounted.unjudged, "exec or log read", "execs or log reads")
            ),
        });
    }
    if csrs.bodiless > 0 {
        out.push(BlindSpot {
            rule: RuleId::CsrPrivilegedGroup,
            text: format!(
                "CSR bodies not recorded: rule csr-privileged-group cannot see the groups {} asked for \
                 (log certificatesigningrequests at level Request)",
                count_of(
                    csrs.bodiless,
                    "certificate signing request create",
                    "certificate signing request creates"
                )
            ),
        });
    }
    if csrs.undecodable > 0 {
        out.push(BlindSpot {
            rule: RuleId::CsrPrivilegedGroup,
            text: format!(
                "{} could not be decoded (spec.request is not a PEM \
                 CERTIFICATE REQUEST): rule csr-privileged-group cannot judge {}",
                count_of(
                    csrs.undecodable,
                    "certificate signing request",
                    "certificate signing requests"
                ),
                if csrs.undecodable == 1 { "it" } else { "them" }
            ),
        });
    }
    out.retain(|b| cfg.rules.enabled(b.rule));
    out
}
