//! Derived facts about one event that every rule needs: the effective
//! identity, the stage, the outcome, the event time, the trusted source IP.
//! Kept here (parsing side) so that rules read them one way only.

use super::event::AuditEvent;
use crate::net::Cidr;
use std::net::IpAddr;

/// Key for events with no user at all: counted and keyed, never dropped.
pub const NO_USER: &str = "(no user)";

/// Audit stage, ordered as a request moves through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
    Panic,
    Unknown,
}

impl Stage {
    pub fn parse(s: Option<&str>) -> Stage {
        match s {
            Some("RequestReceived") => Stage::RequestReceived,
            Some("ResponseStarted") => Stage::ResponseStarted,
            Some("ResponseComplete") => Stage::ResponseComplete,
            Some("Panic") => Stage::Panic,
            _ => Stage::Unknown,
        }
    }
}

/// What happened to the request, as far as the stages seen so far tell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// No response code and no authorization decision yet.
    #[default]
    Unknown,
    Allowed,
    /// 401 or 403, or an authorizer decision of `forbid`.
    Denied,
    /// 404: the object does not exist (shown, never counted as a denial).
    NotFound,
    /// Any other error code.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Unknown => "unknown",
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::NotFound => "not-found",
            Outcome::Failed => "failed",
        }
    }
}

impl<'a> AuditEvent<'a> {
    pub fn verb(&self) -> &str {
        self.verb.as_deref().unwrap_or("")
    }
    pub fn resource(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.resource.as_deref())
            .unwrap_or("")
    }
    pub fn subresource(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.subresource.as_deref())
            .unwrap_or("")
    }
    pub fn namespace(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.namespace.as_deref())
            .unwrap_or("")
    }
    pub fn name(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.name.as_deref())
            .unwrap_or("")
    }
    pub fn user_agent(&self) -> &str {
        self.user_agent.as_deref().unwrap_or("")
    }
    pub fn request_uri(&self) -> &str {
        self.request_uri.as_deref().unwrap_or("")
    }
    pub fn stage_kind(&self) -> Stage {
        Stage::parse(self.stage.as_deref())
    }

    /// True when the call was made through impersonation.
    pub fn is_impersonated(&self) -> bool {
        self.impersonated_user
            .as_ref()
            .and_then(|u| u.username.as_deref())
            .is_some_and(|u| !u.is_empty())
    }

    /// The account that authenticated (`user.username`), whoever it acted as.
    pub fn authenticated_user(&self) -> &str {
        self.user
            .as_ref()
            .and_then(|u| u.username.as_deref())
            .filter(|u| !u.is_empty())
            .unwrap_or(NO_USER)
    }

    /// The identity the request acted as: the impersonated user when there
    /// is one, else the authenticated user, else `(no user)`.
    pub fn identity(&self) -> &str {
        if self.is_impersonated() {
            self.impersonated_user
                .as_ref()
                .and_then(|u| u.username.as_deref())
                .unwrap_or(NO_USER)
        } else {
            self.authenticated_user()
        }
    }

    /// Groups of the effective identity.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        let u = if self.is_impersonated() {
            self.impersonated_user.as_ref()
        } else {
            self.user.as_ref()
        };
        u.into_iter()
            .flat_map(|u| u.groups.iter().map(|g| g.as_ref()))
    }

    /// `user.extra` pod-name of a bound service-account token, if any.
    pub fn bound_pod(&self) -> Option<&str> {
        let u = if self.is_impersonated() {
            self.impersonated_user.as_ref()
        } else {
            self.user.as_ref()
        };
        u.and_then(|u| u.extra.pod_name.first()).map(|p| p.as_ref())
    }

    pub fn response_code(&self) -> Option<i32> {
        self.response_status.and_then(|r| r.code)
    }

    pub fn decision(&self) -> Option<&str> {
        self.annotations
            .as_ref()
            .and_then(|a| a.decision.as_deref())
    }

    pub fn authz_reason(&self) -> Option<&str> {
        self.annotations.as_ref().and_then(|a| a.reason.as_deref())
    }

    /// Outcome from this stage's response code, else from the authorizer's
    /// decision annotation (present from RequestReceived on).
    pub fn outcome(&self) -> Outcome {
        match self.response_code() {
            Some(401 | 403) => Outcome::Denied,
            Some(404) => Outcome::NotFound,
            Some(c) if (100..400).contains(&c) => Outcome::Allowed,
            Some(_) => Outcome::Failed,
            None => match self.decision() {
                Some("forbid") => Outcome::Denied,
                Some("allow") => Outcome::Allowed,
                _ => Outcome::Unknown,
            },
        }
    }

    /// The time windows use: `requestReceivedTimestamp`, else `stageTimestamp`,
    /// else a legacy top-level `timestamp`; microseconds since the epoch.
    pub fn time_micros(&self) -> Option<i64> {
        [
            &self.request_received_timestamp,
            &self.stage_timestamp,
            &self.timestamp,
        ]
        .into_iter()
        .flatten()
        .find_map(|t| crate::time::parse_rfc3339_micros(t))
    }

    /// When the line was written: `stageTimestamp`, else
    /// `requestReceivedTimestamp`, else `timestamp`. Inputs are merged in
    /// this order (a long watch is written when it ends, not when it began).
    pub fn write_time_micros(&self) -> Option<i64> {
        [
            &self.stage_timestamp,
            &self.request_received_timestamp,
            &self.timestamp,
        ]
        .into_iter()
        .flatten()
        .find_map(|t| crate::time::parse_rfc3339_micros(t))
    }

    /// The source IP trust is decided on: the direct peer (last entry), or,
    /// when the peer is a trusted proxy, one step back per trusted hop.
    /// Entries before it can be set by the client (X-Forwarded-For).
    pub fn trusted_source_ip(&self, trusted_proxies: &[Cidr]) -> Option<IpAddr> {
        let mut ips = self
            .source_ips
            .iter()
            .rev()
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .peekable();
        let mut current = ips.next()?;
        while trusted_proxies.iter().any(|c| c.contains(current)) {
            match ips.next() {
                Some(prev) => current = prev,
                None => break,
            }
        }
        Some(current)
    }

    /// Whether a JSON object that parsed is plausibly an audit event and not
    /// some other document that happens to be JSON.
    pub fn looks_like_audit_event(&self) -> bool {
        if let Some(kind) = self.kind.as_deref() {
            if kind != "Event" {
                return false;
            }
        }
        if let Some(api) = self.api_version.as_deref() {
            if !api.starts_with("audit.k8s.io/") {
                return false;
            }
        }
        // Shippers often strip kind/apiVersion, and hand-written events
        // carry only `kind: "Event"`: then demand a verb besides.
        (self.kind.is_some() && self.api_version.is_some())
            || (self.verb.is_some()
                && (self.kind.is_some() || self.audit_id.is_some() || self.request_uri.is_some()))
    }
}
