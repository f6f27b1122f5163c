//! The audit event model: what one line of a kube-apiserver audit log says.
//!
//! Every field borrows from the input buffer when it can (`Cow` with
//! `#[serde(borrow)]`): audit lines are full of escaped strings (`\u0026` in
//! every query string), and a bare `&str` would fail on those. `requestObject`
//! and `responseObject` are kept as raw JSON text and parsed only by the few
//! rules that read RBAC objects.
//!
//! Every field is attacker-controlled: nothing here trusts a value, and the
//! front-ends escape control characters before printing.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// One audit `Event` (`audit.k8s.io/v1` or `v1beta1`), as written by the
/// API server, one per stage of a request.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent<'a> {
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        rename = "auditID",
        skip_serializing_if = "Option::is_none"
    )]
    pub audit_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub verb: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        rename = "requestURI",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_uri: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub impersonated_user: Option<UserInfo<'a>>,
    #[serde(
        borrow,
        default,
        rename = "sourceIPs",
        deserialize_with = "string_or_seq",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub source_ips: Vec<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub object_ref: Option<ObjectRef<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<ResponseStatus>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub request_received_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub stage_timestamp: Option<Cow<'a, str>>,
    /// `audit.k8s.io/v1alpha1`/legacy logs carried a single top-level time.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub request_object: Option<RawJson<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub response_object: Option<RawJson<'a>>,
}

/// `user` / `impersonatedUser`: who made (or was impersonated by) the call.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct UserInfo<'a> {
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub username: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "UserExtra::is_empty")]
    pub extra: UserExtra<'a>,
}

/// The `user.extra` keys that bound service-account tokens carry; other keys
/// are ignored.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct UserExtra<'a> {
    #[serde(
        borrow,
        default,
        rename = "authentication.kubernetes.io/pod-name",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub pod_name: Vec<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        rename = "authentication.kubernetes.io/node-name",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub node_name: Vec<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        rename = "authentication.kubernetes.io/credential-id",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub credential_id: Vec<Cow<'a, str>>,
}

impl UserExtra<'_> {
    pub fn is_empty(&self) -> bool {
        self.pod_name.is_empty() && self.node_name.is_empty() && self.credential_id.is_empty()
    }
}

/// `objectRef`: the target of the request. A subresource is its own field
/// (`pods` + `exec`), never a `pods/exec` string.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef<'a> {
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub subresource: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub api_group: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize)]
pub struct ResponseStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
}

/// Only the two authorization annotations matter to the rules.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Annotations<'a> {
    #[serde(
        borrow,
        default,
        rename = "authorization.k8s.io/decision",
        skip_serializing_if = "Option::is_none"
    )]
    pub decision: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        rename = "authorization.k8s.io/reason",
        skip_serializing_if = "Option::is_none"
    )]
    pub reason: Option<Cow<'a, str>>,
}

/// A JSON value kept as its raw text, parsed only when a rule needs it.
#[derive(Debug, Clone, Default)]
pub struct RawJson<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw: &'de RawValue = Deserialize::deserialize(d)?;
        Ok(RawJson(Cow::Borrowed(raw.get())))
    }
}

impl Serialize for RawJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match RawValue::from_string(self.0.to_string()) {
            Ok(raw) => raw.serialize(s),
            Err(_) => s.serialize_none(),
        }
    }
}

/// `sourceIPs` is an array; some pipelines flatten it to a string. A
/// hand-written visitor rather than `#[serde(untagged)]`: untagged enums
/// buffer the value (losing the borrow, so every IP was copied) and build
/// an error string for each variant that does not fit; this was 6% of a
/// scan.
fn string_or_seq<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Vec<Cow<'a, str>>, D::Error> {
    struct Ips<'a>(std::marker::PhantomData<&'a ()>);

    #[derive(Deserialize)]
    struct Elem<'a>(#[serde(borrow)] Cow<'a, str>);

    fn split<'a>(s: &str, own: bool, borrowed: Option<&'a str>) -> Vec<Cow<'a, str>> {
        match borrowed {
            Some(b) if !own => b
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(Cow::Borrowed)
                .collect(),
            _ => s
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Cow::Owned(p.to_string()))
                .collect(),
        }
    }

    impl<'de: 'a, 'a> serde::de::Visitor<'de> for Ips<'a> {
        type Value = Vec<Cow<'a, str>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of IP addresses, or one comma-separated string")
        }

        fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
            Ok(split(s, false, Some(s)))
        }

        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(split(s, true, None))
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(2).min(16));
            while let Some(Elem(ip)) = seq.next_element()? {
                out.push(ip);
            }
            Ok(out)
        }
    }

    d.deserialize_any(Ips(std::marker::PhantomData))
}

fn own(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
    c.map(|c| Cow::Owned(c.into_owned()))
}

fn own_vec(v: Vec<Cow<'_, str>>) -> Vec<Cow<'static, str>> {
    v.into_iter().map(|c| Cow::Owned(c.into_owned())).collect()
}

impl UserInfo<'_> {
    pub fn into_owned(self) -> UserInfo<'static> {
        UserInfo {
            username: own(self.username),
            groups: own_vec(self.groups),
            extra: UserExtra {
                pod_name: own_vec(self.extra.pod_name),
                node_name: own_vec(self.extra.node_name),
                credential_id: own_vec(self.extra.credential_id),
            },
        }
    }
}

impl AuditEvent<'_> {
    /// Detach from the input buffer, for events kept as alert evidence or for
    /// re-evaluation after an allowlist edit.
    pub fn into_owned(self) -> AuditEvent<'static> {
        AuditEvent {
            kind: own(self.kind),
            api_version: own(self.api_version),
            audit_id: own(self.audit_id),
            stage: own(self.stage),
            verb: own(self.verb),
            request_uri: own(self.request_uri),
            user: self.user.map(UserInfo::into_owned),
            impersonated_user: self.impersonated_user.map(UserInfo::into_owned),
            source_ips: own_vec(self.source_ips),
            user_agent: own(self.user_agent),
            object_ref: self.object_ref.map(|o| ObjectRef {
                resource: own(o.resource),
                subresource: own(o.subresource),
                namespace: own(o.namespace),
                name: own(o.name),
                api_group: own(o.api_group),
            }),
            response_status: self.response_status,
            annotations: self.annotations.map(|a| Annotations {
                decision: own(a.decision),
                reason: own(a.reason),
            }),
            request_received_timestamp: own(self.request_received_timestamp),
            stage_timestamp: own(self.stage_timestamp),
            timestamp: own(self.timestamp),
            request_object: self
                .request_object
                .map(|r| RawJson(Cow::Owned(r.0.into_owned()))),
            response_object: self
                .response_object
                .map(|r| RawJson(Cow::Owned(r.0.into_owned()))),
        }
    }
}
