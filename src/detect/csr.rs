//! `csr-privileged-group`: a client certificate for a privileged group.
//! A CertificateSigningRequest whose subject asks for `O=system:masters`
//! (or another group in `privileged_groups`, or a group a ClusterRoleBinding
//! seen earlier in the log binds to cluster-admin) is, once approved and signed
//! by `kubernetes.io/kube-apiserver-client`, a credential that RBAC cannot
//! limit or revoke short of rotating the cluster CA. Three steps, one
//! incident:
//!
//! 1. the create, read from `spec.request` (base64 PEM, see `csr_der`);
//! 2. its approval (`certificatesigningrequests/approval`), by whoever
//!    approves it: linked to the requester, critical;
//! 3. the certificate's identity (the CN, carrying the group) in use later:
//!    linked to both, critical, like escalate-then-loot links a binding's
//!    subject (`correlate.rs`).
//!
//! Source: ktriage (issue 11). Needs request bodies (audit level Request
//! for certificatesigningrequests); a create without one is counted and
//! said once (`Engine::blind_spots`). An approval recorded with its body
//! (the whole CSR) is read the same way, so a CSR created before the log
//! starts is still judged when it is approved.

use super::alert::EvidenceEvent;
use super::csr_der::subject_of_request;
use super::family::{Env, Family, Findings};
use super::hit::{GroupKey, Hit};
use super::registry::{RuleId, Severity};
use super::request::Ctx;
use serde_json::Value;
use std::collections::HashMap;

const MAX_CSRS: usize = 10_000;

#[derive(Debug, Clone)]
struct Requested {
    requester: String,
    cn: String,
    groups: Vec<String>,
    approvers: Vec<String>,
    evidence: Option<EvidenceEvent>,
}

#[derive(Default)]
pub struct Csrs {
    /// CSR name → a privileged request.
    by_name: HashMap<String, Requested>,
    /// Certificate CN → CSR names asking for it.
    by_cn: HashMap<String, Vec<String>>,
    /// CSR creates logged without their body.
    pub bodiless: u64,
    /// CSR bodies whose request could not be decoded.
    pub undecodable: u64,
}

fn body(raw: Option<&crate::audit::event::RawJson<'_>>) -> Option<Value> {
    serde_json::from_str(&raw?.0).ok()
}

/// What a CSR object's condition says, if recorded: Some(true) approved.
fn approved(obj: &Value) -> Option<bool> {
    let conds = obj["status"]["conditions"].as_array()?;
    conds.iter().rev().find_map(|c| match c["type"].as_str() {
        Some("Approved") => Some(true),
        Some("Denied") => Some(false),
        _ => None,
    })
}

impl Csrs {
    /// Read a CSR object (a create's or an approval's body): a privileged
    /// request is remembered under `name`, and returned.
    fn learn(
        &mut self,
        ctx: &Ctx<'_, '_>,
        env: &Env<'_>,
        obj: &Value,
        name: &str,
        requester: &str,
    ) -> Option<Requested> {
        let request = obj["spec"]["request"].as_str()?;
        let subject = match subject_of_request(request) {
            Ok(s) => s,
            Err(_) => {
                self.undecodable += 1;
                return None;
            }
        };
        let privileged = &env.cfg.rules.csr_privileged_group.privileged_groups;
        let groups: Vec<String> = subject
            .organizations
            .iter()
            .filter(|o| privileged.contains(o) || env.admin_groups.contains(*o))
            .cloned()
            .collect();
        if groups.is_empty() {
            return None;
        }
        let cn = subject.common_name.unwrap_or_default();
        if let Some(r) = self.by_name.get(name) {
            return Some(r.clone());
        }
        let r = Requested {
            requester: requester.to_string(),
            cn: cn.clone(),
            groups,
            approvers: Vec::new(),
            evidence: Some((env.evidence)()).filter(|_| ctx.verb() == "create"),
        };
        if self.by_name.len() < MAX_CSRS {
            self.by_name.insert(name.to_string(), r.clone());
            let names = self.by_cn.entry(cn).or_default();
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
        Some(r)
    }

    fn create(&mut self, ctx: &Ctx<'_, '_>, env: &Env<'_>, out: &mut Findings) {
        let Some(obj) = body(ctx.ev.request_object.as_ref()) else {
            self.bodiless += 1;
            return;
        };
        let response_name = body(ctx.ev.response_object.as_ref())
            .and_then(|v| v["metadata"]["name"].as_str().map(str::to_string));
        let name = [
            Some(ctx.ev.name().to_string()),
            obj["metadata"]["name"].as_str().map(str::to_string),
            response_name,
            obj["metadata"]["generateName"].as_str().map(str::to_string),
        ]
        .into_iter()
        .flatten()
        .find(|n| !n.is_empty())
        .unwrap_or_default();
        let Some(r) = self.learn(ctx, env, &obj, &name, ctx.identity) else {
            return;
        };
        if env.on(ctx, RuleId::CsrPrivilegedGroup) {
            out.hits.push(
                Hit::new(RuleId::CsrPrivilegedGroup)
                    .group(GroupKey::Csr {
                        name: name.to_string(),
                    })
                    .detail(format!(
                        "CSR {name} asks for CN={} O={}",
                        r.cn,
                        r.groups.join(",")
                    ))
                    .note(format!(
                        "a client certificate for {}: once approved, RBAC cannot limit it",
                        r.groups.join(", ")
                    )),
            );
        }
    }

    fn approval(&mut self, ctx: &Ctx<'_, '_>, env: &Env<'_>, out: &mut Findings) {
        let name = ctx.ev.name().to_string();
        let obj = body(ctx.ev.request_object.as_ref());
        let verdict = obj.as_ref().and_then(approved);
        if verdict == Some(false) {
            return;
        }
        let known = self.by_name.get(&name).cloned();
        let r = match (known, &obj) {
            (Some(r), _) => r,
            // Created before the log, or without a body: the approval's
            // body is the whole CSR.
            (None, Some(o)) => match self.learn(ctx, env, o, &name, "") {
                Some(r) => r,
                None => return,
            },
            (None, None) => return,
        };
        if let Some(rec) = self.by_name.get_mut(&name) {
            if !rec.approvers.iter().any(|a| a == ctx.identity) {
                rec.approvers.push(ctx.identity.to_string());
            }
        }
        if !env.on(ctx, RuleId::CsrPrivilegedGroup) {
            return;
        }
        let how = match verdict {
            Some(_) => "approval",
            None => "approval or denial (body not recorded)",
        };
        let mut hit = Hit::new(RuleId::CsrPrivilegedGroup)
            .group(GroupKey::Csr {
                name: name.to_string(),
            })
            .severity(Severity::Critical)
            .detail(format!(
                "{how} of CSR {name} for CN={} O={}",
                r.cn,
                r.groups.join(",")
            ));
        if !r.requester.is_empty() {
            hit = hit.note(format!("requested by {}", r.requester));
            hit.linked.push(r.requester.clone());
        }
        hit.earlier.extend(r.evidence.clone());
        out.hits.push(hit);
    }

    /// The certificate's identity in use: linked to who asked and approved.
    fn use_of(&mut self, ctx: &Ctx<'_, '_>, env: &Env<'_>, out: &mut Findings) {
        let Some(names) = self.by_cn.get(ctx.identity) else {
            return;
        };
        for name in names {
            let Some(r) = self.by_name.get(name) else {
                continue;
            };
            if !r.groups.iter().any(|g| ctx.groups.contains(&g.as_str())) {
                continue;
            }
            if !env.on(ctx, RuleId::CsrPrivilegedGroup) {
                return;
            }
            let mut hit = Hit::new(RuleId::CsrPrivilegedGroup)
                .group(GroupKey::Csr { name: name.to_string() })
                .severity(Severity::Critical)
                .note(format!(
                    "identity of the certificate asked for in CSR {name} ({}), or of an older certificate with the same subject",
                    r.groups.join(",")
                ))
                .detail(format!("{} as {} ({})", ctx.verb(), r.cn, r.groups.join(",")));
            hit.linked.extend(r.approvers.iter().cloned());
            if !r.requester.is_empty() {
                hit.linked.push(r.requester.clone());
            }
            out.hits.push(hit);
        }
    }
}

impl Family for Csrs {
    fn check(&mut self, ctx: &Ctx<'_, '_>, env: &Env<'_>, out: &mut Findings) {
        if !ctx.new_request || !env.cfg.rules.enabled(RuleId::CsrPrivilegedGroup) {
            return;
        }
        if ctx.resource() == "certificatesigningrequests" {
            match (ctx.ev.subresource(), ctx.verb()) {
                ("", "create") => self.create(ctx, env, out),
                ("approval", "update" | "patch") => self.approval(ctx, env, out),
                _ => {}
            }
            return;
        }
        if !self.by_cn.is_empty() {
            self.use_of(ctx, env, out);
        }
    }
}
