//! Allowlist entries as Sigma filter selections. The rule of this file: a
//! filter may be narrower than ktriage's own matching (the SIEM then alerts
//! where ktriage would not, and says why in a comment), never broader.
//!
//! - identity entries (user, user-prefix, group, pod-service-account) match
//!   ktriage's *effective* identity, which under impersonation is
//!   `impersonatedUser`; the filter therefore also requires
//!   `impersonatedUser.username: null`.
//! - source ranges: see [`super::ipset`] (every `sourceIPs` entry in range).
//! - exact values are escaped (`*`, `?` are literal), globs keep their
//!   wildcards, which Sigma spells the same way.
//! - Sigma matches strings case-insensitively; Kubernetes names are
//!   case-sensitive. `Options::cased` adds `|cased` (exact, but not every
//!   backend supports it: Lucene and ES|QL do not); without it every rule
//!   says so in a comment.
//! - an entry that has expired at export time is left out (comment);
//!   a future expiry is written next to the filter and in the description:
//!   Sigma filters do not expire, so re-export after that date.

use super::doc::{Selection, Val, glob, literal, s};
use super::ipset;
use crate::allowlist::{AllowlistEntry, EntryKind};
use crate::net::Cidr;

pub const POD_NAME_FIELD: &str = "user.extra.authentication.kubernetes.io/pod-name";

/// One entry as filter selections and the condition term that uses them.
#[derive(Debug, Clone)]
pub struct Filter {
    /// `filter_<n>` and, for source ranges, `other_ip_<n>`.
    pub selections: Vec<Selection>,
    /// `filter_3`, or `(filter_3 and not other_ip_3)`.
    pub term: String,
    /// The entry's expiry, when it has one.
    pub expires: Option<String>,
}

/// What happened to one entry that applies to a rule.
#[derive(Debug, Clone)]
pub enum Outcome {
    Exported(Filter),
    /// Left out, with the reason (a comment in the rule).
    Skipped(String),
}

fn key(field: &str, modifier: &str, cased: bool) -> String {
    let mut k = field.to_string();
    if !modifier.is_empty() {
        k.push('|');
        k.push_str(modifier);
    }
    if cased {
        k.push_str("|cased");
    }
    k
}

/// Where the entry came from, for comments.
pub fn origin(e: &AllowlistEntry) -> String {
    if e.line == 0 {
        format!("built-in entry {} {}", e.kind, e.value)
    } else {
        format!("allowlist line {}: {} {}", e.line, e.kind, e.value)
    }
}

/// The filter for entry `e` as selection number `n` of a rule, judged at
/// `now` (microseconds) for expiry.
pub fn filter(e: &AllowlistEntry, n: usize, now: i64, cased: bool) -> Outcome {
    if e.is_expired_at(now) {
        return Outcome::Skipped(format!(
            "{} expired {}: not exported",
            origin(e),
            e.expires_text.as_deref().unwrap_or("")
        ));
    }
    let name = format!("filter_{n}");
    let mut sel = Selection::new(&name);
    let mut comments = vec![format!(
        "{}{}",
        origin(e),
        if e.reason.is_empty() {
            String::new()
        } else {
            format!(" — {}", e.reason)
        }
    )];
    if let Some(x) = &e.expires_text {
        comments.push(format!(
            "expires {x}: Sigma filters do not expire, re-export or remove this filter then"
        ));
    }
    let lit = |v: &str| vec![s(&literal(v))];
    let not_impersonated = |sel: Selection| sel.null("impersonatedUser.username");
    let mut ranges: Vec<Cidr> = Vec::new();
    sel = match e.kind {
        EntryKind::User => {
            not_impersonated(sel.item(&key("user.username", "", cased), lit(&e.value)))
        }
        EntryKind::UserPrefix => {
            not_impersonated(sel.item(&key("user.username", "startswith", cased), lit(&e.value)))
        }
        EntryKind::Group => {
            not_impersonated(sel.item(&key("user.groups", "", cased), lit(&e.value)))
        }
        EntryKind::Namespace => sel.item(&key("objectRef.namespace", "", cased), lit(&e.value)),
        EntryKind::SecretName => sel
            .one("objectRef.resource", "secrets")
            .item(&key("objectRef.name", "", cased), vec![s(&glob(&e.value))]),
        EntryKind::SourceCidr => {
            match e.value.parse::<Cidr>() {
                Ok(c) => ranges.push(c),
                Err(err) => return Outcome::Skipped(format!("{}: {err}", origin(e))),
            }
            sel
        }
        EntryKind::UserAgent => sel.item(&key("userAgent", "", cased), vec![s(&glob(&e.value))]),
        EntryKind::PodServiceAccount => {
            comments.push(format!(
                "the pod name is the key `authentication.kubernetes.io/pod-name` of user.extra: \
                 map `{POD_NAME_FIELD}` to it in your SIEM (if it does not exist there, the filter never applies)"
            ));
            let sel = not_impersonated(sel.item(&key("user.username", "", cased), lit(&e.value)));
            match &e.pod_name_prefix {
                Some(p) => sel.item(&key(POD_NAME_FIELD, "startswith", cased), lit(p)),
                None => sel.one(POD_NAME_FIELD, "?*"),
            }
        }
    };
    if e.named_only {
        comments.push(
            "name-scoped requests only: here requests with objectRef.name (ktriage also counts a list \
             scoped by fieldSelector=metadata.name=, which this filter does not silence)"
                .into(),
        );
        sel = sel.one("objectRef.name", "?*");
    }
    ranges.extend(e.source_cidrs.iter().copied());
    let mut selections = Vec::new();
    let term = if ranges.is_empty() {
        name.clone()
    } else {
        let other = format!("other_ip_{n}");
        comments.push(format!(
            "source in {}: every address of sourceIPs must be in range ({other}: the addresses outside), \
             since Sigma cannot pick the one ktriage judges (the last, after trusted proxies)",
            ipset::texts(&ranges).join(", ")
        ));
        sel = sel.item(
            "sourceIPs|cidr",
            ipset::texts(&ranges).iter().map(|t| s(t)).collect(),
        );
        let outside = ipset::complement(&ranges);
        if !outside.is_empty() {
            selections.push(Selection::new(&other).item(
                "sourceIPs|cidr",
                outside.iter().map(|t| Val::Str(t.clone())).collect(),
            ));
            format!("({name} and not {other})")
        } else {
            name.clone()
        }
    };
    sel.comments = comments;
    selections.insert(0, sel);
    Outcome::Exported(Filter {
        selections,
        term,
        expires: e.expires_text.clone(),
    })
}

/// The condition for `core` (an expression over the rule's own
/// selections) with these filters: `core and not 1 of filter_*` when every
/// filter is a single selection, else every term spelt out.
pub fn condition(core: &str, filters: &[Filter]) -> String {
    if filters.is_empty() {
        return core.to_string();
    }
    let core = if core.contains(' ') {
        format!("({core})")
    } else {
        core.to_string()
    };
    if filters.iter().all(|f| f.selections.len() == 1) {
        return format!("{core} and not 1 of filter_*");
    }
    let terms: Vec<&str> = filters.iter().map(|f| f.term.as_str()).collect();
    format!("{core} and not ({})", terms.join(" or "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel_keys(f: &Filter) -> Vec<String> {
        f.selections[0]
            .items
            .iter()
            .map(|(k, _)| k.clone())
            .collect()
    }

    #[test]
    fn user_entry_is_exact_and_not_impersonated() {
        let e = AllowlistEntry::new(EntryKind::User, "ci*bot").unwrap();
        let Outcome::Exported(f) = filter(&e, 1, 0, false) else {
            panic!()
        };
        assert_eq!(sel_keys(&f), ["user.username", "impersonatedUser.username"]);
        assert_eq!(
            f.selections[0].items[0].1,
            vec![s("ci\\*bot")],
            "literal star"
        );
        assert_eq!(f.term, "filter_1");
    }

    #[test]
    fn source_range_needs_every_address_in_range() {
        let e = AllowlistEntry::new(EntryKind::SourceCidr, "10.0.0.0/8").unwrap();
        let Outcome::Exported(f) = filter(&e, 2, 0, true) else {
            panic!()
        };
        assert_eq!(f.selections.len(), 2);
        assert_eq!(f.term, "(filter_2 and not other_ip_2)");
        assert_eq!(
            condition("selection", &[f]),
            "selection and not ((filter_2 and not other_ip_2))"
        );
    }

    #[test]
    fn expired_entries_are_left_out() {
        let mut e = AllowlistEntry::new(EntryKind::User, "alice").unwrap();
        e.set_expiry(Some("1970-01-01")).unwrap();
        assert!(matches!(
            filter(&e, 1, 86_400_000_000, false),
            Outcome::Skipped(_)
        ));
        assert!(matches!(filter(&e, 1, 0, false), Outcome::Exported(_)));
    }
}
