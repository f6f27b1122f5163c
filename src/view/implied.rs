//! The response steps seed 001 (`001_288da1a6b2a722f3.txt`) implies but
//! does not write: remove the binding that granted the access, disable or
//! rotate the identities' credentials, and rotate the service-account token
//! of every pod an exec session read it in. Where the log cannot tell
//! (a bare shell, a command not logged), the step is listed and says so.

use super::Line;
use super::facts::Facts;
use super::steps::{Section, Step, exec_line, qualified};
use crate::audit::Outcome;
use crate::detect::Incident;
use crate::detect::evidence::ExecEvidence;
use crate::detect::rbac::BindingRecord;
use std::collections::BTreeMap;

/// Whose credentials an identity is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialKind {
    ServiceAccount { namespace: String, name: String },
    Node(String),
    Anonymous,
    User,
}

impl CredentialKind {
    pub fn of(identity: &str) -> Self {
        if let Some(rest) = identity.strip_prefix("system:serviceaccount:") {
            if let Some((ns, name)) = rest.split_once(':') {
                return CredentialKind::ServiceAccount {
                    namespace: ns.to_string(),
                    name: name.to_string(),
                };
            }
        }
        if let Some(node) = identity.strip_prefix("system:node:") {
            return CredentialKind::Node(node.to_string());
        }
        if identity == "system:anonymous" {
            return CredentialKind::Anonymous;
        }
        CredentialKind::User
    }
}

/// Where a pod's service-account token lives in every container.
const TOKEN_DIRS: &[&str] = &[
    "/var/run/secrets/kubernetes.io/serviceaccount",
    "/run/secrets/kubernetes.io/serviceaccount",
];

/// Programs that, run interactively, can read anything in the container.
const SHELLS: &[&str] = &[
    "sh", "bash", "ash", "dash", "zsh", "ksh", "busybox", "python", "python3", "perl", "ruby",
    "node",
];

/// Did an exec read the pod's service-account token?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenRead {
    /// The command names the token's directory.
    Read,
    /// An interactive shell or interpreter, or the command was not logged.
    CannotTell,
    No,
}

fn token_read(x: &crate::detect::activity::ExecRecord) -> TokenRead {
    if x.outcome == Outcome::Denied {
        return TokenRead::No;
    }
    let Some(cmd) = &x.command else {
        return TokenRead::CannotTell;
    };
    if TOKEN_DIRS.iter().any(|d| cmd.contains(d)) {
        return TokenRead::Read;
    }
    let lower = cmd.to_ascii_lowercase();
    if lower.contains("serviceaccount") || lower.contains("token") {
        // Names it indirectly (a glob, a variable): assume it may have.
        return TokenRead::CannotTell;
    }
    let first = cmd.split_whitespace().next().unwrap_or("");
    let prog = first.trim_matches('\'').rsplit('/').next().unwrap_or("");
    if SHELLS.contains(&prog) && !cmd.split_whitespace().any(|w| w == "-c" || w == "-e") {
        TokenRead::CannotTell
    } else {
        TokenRead::No
    }
}

/// Steps 6–8 for `inc`: `relevant` are the bindings to or by its
/// identities, `execs` the exec sessions step 3 lists.
pub(super) fn push(
    facts: &Facts<'_>,
    inc: &Incident,
    relevant: &[&BindingRecord],
    execs: &[ExecEvidence<'_>],
    out: &mut Vec<Step>,
) {
    let ids = &inc.identities;
    let is_ours = |s: &str| ids.iter().any(|i| i == s);
    let step = |key: String, section, title, evidence| Step {
        key,
        section,
        title,
        evidence,
    };

    // 6. Remove the binding that granted the access.
    let grants: Vec<_> = (relevant.iter())
        .filter(|b| matches!(b.verb.as_str(), "create" | "update" | "patch"))
        .collect();
    for b in &grants {
        let subj: Vec<String> = b.subjects.iter().map(|s| s.to_string()).collect();
        out.push(step(
            format!("unbind:{}:{}", b.kind, qualified(&b.namespace, &b.name)),
            Section::RemoveBinding,
            Line::new()
                .text(format!("Remove {} ", b.kind))
                .data(qualified(&b.namespace, &b.name)),
            vec![
                Line::new()
                    .text(format!("{} by ", b.verb))
                    .data(b.actor.clone())
                    .text(" at ")
                    .time(b.time)
                    .text(": ")
                    .data(b.role.clone().unwrap_or_else(|| "role not recorded".into()))
                    .text(" to ")
                    .data_list(&subj)
                    .audit(b.audit_id.iter().cloned()),
            ],
        ));
    }
    if grants.is_empty() {
        out.push(step(
            "unbind:unknown".into(),
            Section::RemoveBinding,
            Line::new().text("Find and remove the binding that gave these identities their access"),
            vec![
                Line::new()
                    .text("No binding to or by these identities was written in this log (it may predate the log): find it with ")
                    .data("kubectl get rolebindings,clusterrolebindings -A -o wide"),
            ],
        ));
    }

    // 7. Disable or rotate the credentials: the identities, and the
    // accounts that impersonated them (theirs are the keys that were used).
    let mut creds: BTreeMap<&str, Vec<Line>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for i in ids {
        order.push(i);
        creds.entry(i).or_default();
    }
    for a in inc.alerts.iter().filter_map(|&i| facts.alerts.get(i)) {
        if let Some(u) = a.authenticated_user {
            if !creds.contains_key(u) {
                order.push(u);
            }
            let ev = creds.entry(u).or_default();
            let l = Line::new()
                .text("acted as ")
                .data(a.identity)
                .text(" by impersonation");
            if !ev.contains(&l) {
                ev.push(l);
            }
        }
    }
    for who in order {
        let mut ev = creds.remove(who).unwrap_or_default();
        if let Some(a) = facts.identity(who) {
            let ips: Vec<&String> = a.source_ips.iter().collect();
            let uas: Vec<&String> = a.user_agents.iter().collect();
            ev.push(
                Line::new()
                    .text("seen from ")
                    .data_list(&ips)
                    .text(", user agents ")
                    .data_list(&uas),
            );
        }
        let title = match CredentialKind::of(who) {
            CredentialKind::ServiceAccount { namespace, name } => Line::new()
                .text("Rotate the tokens of service account ")
                .data(name)
                .text(" in namespace ")
                .data(namespace)
                .text(": delete its token secrets, or delete and recreate the account (bound tokens stay valid until they expire)"),
            CredentialKind::Node(n) => Line::new()
                .text("Rotate the kubelet credentials of node ")
                .data(n)
                .text(" (its client certificate), and check the node itself"),
            CredentialKind::Anonymous => Line::new().text(
                "Disable anonymous access (--anonymous-auth=false) or remove every binding that grants system:anonymous anything",
            ),
            CredentialKind::User => Line::new()
                .text("Disable or rotate the credentials of ")
                .data(who)
                .text(" (token, identity-provider account or client certificate; a client certificate cannot be revoked, only its bindings removed)"),
        };
        out.push(step(
            format!("creds:{who}"),
            Section::Credentials,
            title,
            ev,
        ));
    }

    // 8. The service-account token of every pod an exec session read it in.
    let mut pods: BTreeMap<(String, String), (bool, Vec<Line>)> = BTreeMap::new();
    for e in execs {
        let read = token_read(e.exec);
        let own = is_ours(e.identity);
        if read == TokenRead::Read || (read == TokenRead::CannotTell && own) {
            let p = pods
                .entry((e.exec.namespace.clone(), e.exec.pod.clone()))
                .or_default();
            p.0 |= read == TokenRead::Read;
            p.1.push(exec_line(e));
        }
    }
    for ((ns, pod), (read, ev)) in pods {
        let l = Line::new()
            .text("Rotate the service-account token of pod ")
            .data(qualified(&ns, &pod))
            .text(if read {
                ": an exec session read it"
            } else {
                ": an interactive session (or one whose command was not logged) could have read it"
            })
            .text(" (find its account with ")
            .data(format!(
                "kubectl -n {} get pod {} -o jsonpath={{.spec.serviceAccountName}}",
                shell_word(&ns),
                shell_word(&pod)
            ))
            .text(")");
        out.push(step(
            format!("podtoken:{ns}/{pod}"),
            Section::PodTokens,
            l,
            ev,
        ));
    }
    if !out.iter().any(|s| s.section == Section::PodTokens) {
        let title = if execs.is_empty() {
            "No exec sessions listed: no pod's service-account token to rotate (confirm with step 3)"
        } else {
            "No listed exec session named the service-account token in its command: confirm that none read it"
        };
        out.push(step(
            "podtoken:none".into(),
            Section::PodTokens,
            Line::new().text(title),
            Vec::new(),
        ));
    }
}

/// A name from the log as it may appear in a command the analyst pastes:
/// as is when it is a valid Kubernetes name, a placeholder otherwise.
fn shell_word(s: &str) -> &str {
    let ok = !s.is_empty()
        && s.len() <= 253
        && (s.bytes())
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if ok { s } else { "<NAME>" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(cmd: Option<&str>, outcome: Outcome) -> crate::detect::activity::ExecRecord {
        crate::detect::activity::ExecRecord {
            time: None,
            subresource: "exec".into(),
            namespace: "prod".into(),
            pod: "web".into(),
            container: None,
            command: cmd.map(str::to_string),
            outcome,
            source_ip: None,
            audit_id: None,
            pod_secrets: None,
        }
    }

    #[test]
    fn token_read_by_path_shell_or_not_at_all() {
        let t = |c, o| token_read(&exec(c, o));
        assert_eq!(
            t(
                Some("cat /var/run/secrets/kubernetes.io/serviceaccount/token"),
                Outcome::Allowed
            ),
            TokenRead::Read
        );
        assert_eq!(t(Some("/bin/sh"), Outcome::Allowed), TokenRead::CannotTell);
        assert_eq!(t(Some("bash -i"), Outcome::Allowed), TokenRead::CannotTell);
        assert_eq!(
            t(Some("sh -c 'cat $SA_DIR/token'"), Outcome::Allowed),
            TokenRead::CannotTell
        );
        assert_eq!(t(None, Outcome::Unknown), TokenRead::CannotTell);
        // Near misses: a one-shot command that does not name the token,
        // and a refused exec.
        assert_eq!(t(Some("env"), Outcome::Allowed), TokenRead::No);
        assert_eq!(t(Some("sh -c id"), Outcome::Allowed), TokenRead::No);
        assert_eq!(
            t(
                Some("cat /var/run/secrets/kubernetes.io/serviceaccount/token"),
                Outcome::Denied
            ),
            TokenRead::No
        );
    }

    #[test]
    fn only_kubernetes_names_go_into_a_suggested_command() {
        assert_eq!(
            shell_word("payments-api-6f7c9d-abcde"),
            "payments-api-6f7c9d-abcde"
        );
        assert_eq!(shell_word("web;rm -rf ~"), "<NAME>");
        assert_eq!(shell_word("$(id)"), "<NAME>");
        assert_eq!(shell_word(""), "<NAME>");
    }

    #[test]
    fn credential_kinds() {
        assert_eq!(
            CredentialKind::of("system:serviceaccount:squid:proxy"),
            CredentialKind::ServiceAccount {
                namespace: "squid".into(),
                name: "proxy".into()
            }
        );
        assert_eq!(
            CredentialKind::of("system:node:n1"),
            CredentialKind::Node("n1".into())
        );
        assert_eq!(
            CredentialKind::of("system:anonymous"),
            CredentialKind::Anonymous
        );
        assert_eq!(CredentialKind::of("alice"), CredentialKind::User);
    }
}
