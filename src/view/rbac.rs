//! The RBAC review step with the cluster's snapshot (`--rbac`): per
//! identity, the paths that grant the capabilities that matter, and per
//! secret access whether RBAC allowed it at that moment. Lines only; the
//! answers come from `crate::rbac`.

use super::{Facts, Line};
use crate::rbac::{GroupsGap, Snapshot, review_of};

pub(super) fn review_lines(facts: &Facts<'_>, snap: &Snapshot, identities: &[String]) -> Vec<Line> {
    let mut out = vec![
        Line::new()
            .text("RBAC snapshot: ")
            .data_list(&snap.sources)
            .text(", with the bindings this log created applied from the time they were written"),
    ];
    let unknown = snap.unknown_kinds();
    if !unknown.is_empty() {
        out.push(
            Line::new()
                .text("The snapshot holds no ")
                .data_list(&unknown)
                .text(": grants through them are not known"),
        );
    }
    for id in identities {
        let r = review_of(snap, facts.bindings, facts.identity(id), id);
        match r.groups_gap {
            Some(GroupsGap::NotRecorded) => out.push(Line::new().data(id.clone()).text(
                ": groups not recorded: over the identity limit (max_identities, \
                 --max-identities), so grants through its groups are not known and its \
                 secret reads are not checked here; this review may under-report its access",
            )),
            Some(GroupsGap::EarlierEvicted) => out.push(Line::new().data(id.clone()).text(
                ": groups recorded only since its record was re-created under the identity \
                 limit (max_identities): groups of its earlier requests may be missing, and so may \
                 grants through them",
            )),
            None => {}
        }
        if r.grants.is_empty() && r.groups_gap.is_some() {
            out.push(Line::new().data(id.clone()).text(
                ": no binding grants secrets, exec, impersonation, bind, escalate or token \
                 creation to the groups recorded or the user itself; not a verdict (groups \
                 not all recorded)",
            ));
        } else if r.grants.is_empty() {
            out.push(
                Line::new()
                    .data(id.clone())
                    .text(": no binding grants secrets, exec, impersonation, bind, escalate or token creation"),
            );
        }
        // One line per path, with every capability it grants.
        let mut paths: Vec<(String, Vec<&str>, &crate::rbac::Grant)> = Vec::new();
        for g in &r.grants {
            let p = g.path();
            match paths.iter_mut().find(|(x, _, _)| *x == p) {
                Some((_, caps, _)) => caps.push(g.capability.as_str()),
                None => paths.push((p, vec![g.capability.as_str()], g)),
            }
        }
        for (path, caps, g) in paths {
            let mut l = Line::new()
                .data(id.clone())
                .text(format!(" can {}: ", caps.join(", ")))
                .data(path);
            if let Some(o) = &g.from_log {
                l = l
                    .text(" — binding written in the log by ")
                    .data(o.actor.clone())
                    .text(" at ")
                    .time(o.time)
                    .audit(o.audit_id.iter().cloned());
            }
            out.push(l);
        }
        for c in &r.reads {
            let target = match &c.name {
                Some(n) => format!("{}/{n}", c.namespace),
                None if c.namespace.is_empty() => "all secrets (cluster-wide)".into(),
                None => format!("{}/* (all secrets in the namespace)", c.namespace),
            };
            let l = Line::new()
                .data(format!("{} {} {target}", id, c.verb))
                .text(" first at ")
                .time(c.time);
            out.push(match (&c.rbac, c.logged_allowed) {
                (Some(g), _) => l.text(": allowed by RBAC through ").data(g.binding.clone()),
                (None, true) => l.text(
                    ": the log says allowed, yet RBAC as recorded does not allow it: another \
                     authorizer decided (a webhook; the Node authorizer for kubelets), or RBAC \
                     changed outside the snapshot and this log",
                ),
                (None, false) => l.text(": refused, as RBAC says"),
            });
        }
    }
    out
}
