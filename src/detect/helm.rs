//! Helm release state: the Helm client stores each release revision as a
//! Secret named `sh.helm.release.v1.NAME.vN`, labelled `owner=helm`, holding
//! the chart's rendered values (often passwords). It reads them by a list
//! with `labelSelector=owner=helm[,name=NAME,...]` and by name (get values,
//! history, rollback) and writes one per install/upgrade.
//!
//! Seed 003 excludes `sh.helm.release.*` from the rapid-GET rule only (see
//! `Config::rules.secret_rapid_get`); seed 000 does not exclude them. So the
//! Helm client on its own release secrets is reported by `helm-release-read`
//! at low severity instead of secret-read, list-cluster-wide or secret-write
//! (expected of people who deploy, still a person reading rendered values),
//! and any other client (kubectl, curl, a script) reading a release secret
//! raises secret-read like any other secret.
//!
//! What this trusts: the user agent is set by the client, so a caller can
//! claim to be Helm. It then gets a low alert, not silence, and only for
//! what Helm's storage touches: release-named secrets, or a list the API
//! server itself restricts to secrets labelled `owner=helm` (labelling
//! another secret so needs a write, which secret-write reports). A list
//! whose `labelSelector` is given twice, or that only excludes
//! (`owner!=helm`), is not Helm's and stays a secret read.

use super::request::Ctx;
use crate::audit::uri::query_params;

pub const RELEASE_PREFIX: &str = "sh.helm.release.v1.";

/// How a request touched Helm's release storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseAccess {
    /// get (or a name-scoped list) of a release secret.
    NamedRead,
    /// list/watch restricted by `labelSelector` to `owner=helm`.
    SelectorList,
    /// create/update/patch/delete of a release secret.
    Write,
}

impl ReleaseAccess {
    pub fn note(self) -> &'static str {
        match self {
            ReleaseAccess::NamedRead => {
                "Helm release state (the chart's rendered values) read by name by the Helm client"
            }
            ReleaseAccess::SelectorList => {
                "Helm release state (the chart's rendered values) listed by the Helm client (labelSelector owner=helm)"
            }
            ReleaseAccess::Write => "Helm release state written by the Helm client",
        }
    }
}

/// `Helm/3.14.2` (Helm 3's user agent), or the older client-go default
/// `helm/v0.0.0 (linux/amd64) kubernetes/$Format`.
pub fn is_helm_client(user_agent: &str) -> bool {
    user_agent
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("helm/"))
}

/// Does the label selector require `owner=helm`? Requirements are ANDed
/// and separated by commas outside `in (...)` sets.
fn requires_owner_helm(selector: &str) -> bool {
    let mut depth = 0u32;
    let mut start = 0;
    let mut reqs = Vec::new();
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                reqs.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    reqs.push(&selector[start..]);
    reqs.iter().any(|r| {
        let r: String = r.chars().filter(|c| !c.is_whitespace()).collect();
        r == "owner=helm" || r == "owner==helm"
    })
}

/// Is this request the Helm client on its own release storage?
pub fn release_access(ctx: &Ctx<'_, '_>) -> Option<ReleaseAccess> {
    if !ctx.is_secrets() || !is_helm_client(ctx.ev.user_agent()) {
        return None;
    }
    let named = ctx
        .target_name
        .as_deref()
        .is_some_and(|n| n.starts_with(RELEASE_PREFIX));
    match ctx.verb() {
        "get" if named => Some(ReleaseAccess::NamedRead),
        "list" | "watch" if named => Some(ReleaseAccess::NamedRead),
        "list" | "watch" => {
            let mut selectors =
                query_params(ctx.ev.request_uri()).filter(|(k, _)| k == "labelSelector");
            let first = selectors.next()?;
            if selectors.next().is_some() {
                return None;
            }
            requires_owner_helm(&first.1).then_some(ReleaseAccess::SelectorList)
        }
        "create" | "update" | "patch" | "delete" if named => Some(ReleaseAccess::Write),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_helm_selectors() {
        assert!(requires_owner_helm("owner=helm"));
        assert!(requires_owner_helm(
            "name=podinfo,owner=helm,status=deployed"
        ));
        assert!(requires_owner_helm("name in (a,b), owner == helm"));
        assert!(!requires_owner_helm("owner!=helm"));
        assert!(!requires_owner_helm("owner in (helm,other)"));
        assert!(!requires_owner_helm("!owner"));
        assert!(!requires_owner_helm(""));
        assert!(!requires_owner_helm("owner=helmfile"));
    }

    #[test]
    fn helm_user_agents() {
        assert!(is_helm_client("Helm/3.14.2"));
        assert!(is_helm_client(
            "helm/v0.0.0 (linux/amd64) kubernetes/$Format"
        ));
        assert!(!is_helm_client(
            "helm-controller/v0.0.0 (linux/amd64) kubernetes/$Format"
        ));
        assert!(!is_helm_client("kubectl/v1.30.2"));
        assert!(!is_helm_client("Hel"));
    }
}
