//! An [`EvidenceEvent`] packed into one allocation, for the rate windows.
//!
//! Why: a rate window (`windows`) holds the evidence of each pending request
//! for its whole window (6 minutes for `secret-rapid-get`), per identity,
//! source and user agent, though almost no window reaches its threshold. A
//! boxed `EvidenceEvent` is ~430 bytes of struct plus a dozen separate
//! string allocations; with 100,000 distinct alerting identities the
//! windows held ~90 MB of the ~410 MiB peak (`scripts/identity-flood.py`).
//! Packed, the strings are length-prefixed in one exact-size buffer and the
//! raw line is held only when the alert would keep it (see `windows`);
//! unpacking gives back the same event, field for field.

use super::alert::{EvidenceEvent, raw_not_kept};
use crate::audit::Outcome;
use std::sync::Arc;

const HAS_AUDIT_ID: u8 = 1;
const HAS_TRUSTED_IP: u8 = 2;
const HAS_DETAIL: u8 = 4;
/// `authenticated_user` equals `identity` (the usual case): stored once.
const SAME_USER: u8 = 8;

pub struct Packed {
    time: Option<i64>,
    code: Option<i32>,
    outcome: Outcome,
    flags: u8,
    /// Length-prefixed (LEB128) UTF-8 strings, in [`Packed::new`]'s order.
    buf: Box<[u8]>,
    /// The raw line, when kept; `None` unpacks as [`raw_not_kept`].
    raw: Option<Arc<str>>,
}

fn put(buf: &mut Vec<u8>, s: &str) {
    let mut n = s.len();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            buf.push(b);
            break;
        }
        buf.push(b | 0x80);
    }
    buf.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn len(&mut self) -> usize {
        let mut n = 0usize;
        let mut shift = 0;
        while let Some(&b) = self.buf.get(self.at) {
            self.at += 1;
            n |= ((b & 0x7f) as usize) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        n
    }

    fn string(&mut self) -> String {
        let n = self.len();
        let end = (self.at + n).min(self.buf.len());
        let s = String::from_utf8_lossy(&self.buf[self.at..end]).into_owned();
        self.at = end;
        s
    }
}

impl Packed {
    /// Pack `e`; its raw line is kept only when `keep_raw` (and `e` has one).
    pub fn new(e: EvidenceEvent, keep_raw: bool) -> Self {
        let mut flags = 0;
        let mut buf = Vec::with_capacity(
            e.stage.len()
                + e.verb.len()
                + e.resource.len()
                + e.subresource.len()
                + e.namespace.len()
                + e.name.len()
                + e.identity.len()
                + e.user_agent.len()
                + e.request_uri.len()
                + 64,
        );
        if let Some(a) = &e.audit_id {
            flags |= HAS_AUDIT_ID;
            put(&mut buf, a);
        }
        for s in [
            &e.stage,
            &e.verb,
            &e.resource,
            &e.subresource,
            &e.namespace,
            &e.name,
            &e.identity,
        ] {
            put(&mut buf, s);
        }
        if e.authenticated_user == e.identity {
            flags |= SAME_USER;
        } else {
            put(&mut buf, &e.authenticated_user);
        }
        put(&mut buf, &e.source_ips.len().to_string());
        for ip in &e.source_ips {
            put(&mut buf, ip);
        }
        if let Some(ip) = &e.trusted_ip {
            flags |= HAS_TRUSTED_IP;
            put(&mut buf, ip);
        }
        put(&mut buf, &e.user_agent);
        put(&mut buf, &e.request_uri);
        if let Some(d) = &e.detail {
            flags |= HAS_DETAIL;
            put(&mut buf, d);
        }
        let raw = (keep_raw && e.raw_kept()).then_some(e.raw);
        Packed {
            time: e.time,
            code: e.code,
            outcome: e.outcome,
            flags,
            buf: buf.into_boxed_slice(),
            raw,
        }
    }

    /// Stop holding the raw line (it unpacks as [`raw_not_kept`]).
    pub fn drop_raw(&mut self) {
        self.raw = None;
    }

    pub fn unpack(self) -> EvidenceEvent {
        let mut r = Reader {
            buf: &self.buf,
            at: 0,
        };
        let f = self.flags;
        let audit_id = (f & HAS_AUDIT_ID != 0).then(|| r.string());
        let stage = r.string();
        let verb = r.string();
        let resource = r.string();
        let subresource = r.string();
        let namespace = r.string();
        let name = r.string();
        let identity = r.string();
        let authenticated_user = if f & SAME_USER != 0 {
            identity.clone()
        } else {
            r.string()
        };
        let n: usize = r.string().parse().unwrap_or(0);
        let source_ips = (0..n).map(|_| r.string()).collect();
        let trusted_ip = (f & HAS_TRUSTED_IP != 0).then(|| r.string());
        let user_agent = r.string();
        let request_uri = r.string();
        let detail = (f & HAS_DETAIL != 0).then(|| r.string());
        EvidenceEvent {
            audit_id,
            time: self.time,
            stage,
            verb,
            resource,
            subresource,
            namespace,
            name,
            identity,
            authenticated_user,
            source_ips,
            trusted_ip,
            user_agent,
            outcome: self.outcome,
            code: self.code,
            request_uri,
            detail,
            raw: self.raw.unwrap_or_else(raw_not_kept),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> EvidenceEvent {
        EvidenceEvent {
            audit_id: Some("a-1".into()),
            time: Some(1_700_000_000_000),
            stage: "ResponseComplete".into(),
            verb: "get".into(),
            resource: "secrets".into(),
            subresource: String::new(),
            namespace: "prod".into(),
            name: "db-credentials".into(),
            identity: "alice".into(),
            authenticated_user: "system:serviceaccount:ci:deployer".into(),
            source_ips: vec!["10.0.0.1".into(), "192.0.2.7".into()],
            trusted_ip: Some("10.0.0.1".into()),
            user_agent: "x".repeat(300),
            outcome: Outcome::Allowed,
            code: Some(200),
            request_uri: "/api/v1/namespaces/prod/secrets/db-credentials".into(),
            detail: Some("\u{0}odd\u{202e}".into()),
            raw: Arc::from("{\"raw\":1}"),
        }
    }

    fn same(a: &EvidenceEvent, b: &EvidenceEvent) {
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }

    #[test]
    fn unpacks_to_the_same_event() {
        let e = event();
        same(&Packed::new(e.clone(), true).unpack(), &e);
        let mut bare = event();
        bare.audit_id = None;
        bare.trusted_ip = None;
        bare.detail = None;
        bare.source_ips.clear();
        bare.authenticated_user = bare.identity.clone();
        bare.code = None;
        bare.time = None;
        same(&Packed::new(bare.clone(), true).unpack(), &bare);
    }

    #[test]
    fn a_raw_line_not_kept_says_so_not_an_empty_line() {
        let u = Packed::new(event(), false).unpack();
        assert!(!u.raw_kept());
        assert!(u.raw.starts_with("(raw line not kept"));
        let mut p = Packed::new(event(), true);
        p.drop_raw();
        assert!(!p.unpack().raw_kept());
        // An event that never had its line stays "not kept".
        let mut e = event();
        e.raw = raw_not_kept();
        assert!(!Packed::new(e, true).unpack().raw_kept());
    }
}
