//! Look-alikes: an identity that is not an allowlisted one but prints like
//! it (Cyrillic `о` for `o`, a trailing zero-width space or no-break space,
//! a combining mark, `1` for `l`). Such an identity is never matched (entries
//! compare exactly), but an analyst reading `kube-controller-manager` in a
//! report would think it was; the engine notes it on the alert.
//!
//! Two strings look alike when their folded forms are equal: canonical
//! decomposition, combining marks, default-ignorable code points and
//! whitespace dropped, then the UTS #39 confusable skeleton
//! (`unicode-security`, the Unicode consortium's confusables table).

use super::model::{Allowlist, EntryKind};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_security::confusable_detection::skeleton;

/// Invisible or format characters that render as nothing (Unicode's
/// Default_Ignorable_Code_Point, the ranges that occur in practice).
fn ignorable(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
        | '\u{ffa0}' | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}')
}

fn visible(c: &char) -> bool {
    !is_combining_mark(*c) && !ignorable(*c) && !c.is_whitespace()
}

/// The form two look-alike strings share.
pub fn fold(s: &str) -> String {
    let stripped: String = s.nfd().filter(visible).collect();
    skeleton(&stripped).filter(visible).collect()
}

/// The allowlist's identity entries folded once, and the answer per
/// identity remembered: folding is Unicode normalisation plus a confusables
/// lookup per character, and a flood of fresh identities (one new alert
/// each) spent ~45% of a scan folding the same ~40 entries again for every
/// one (`perf` on 20,000 distinct readers of one secret: `scan` took 3.4 s,
/// 0.83 s with this index). Bounded: past [`CACHE`] identities the
/// memo is cleared (the answer is only recomputed, never wrong).
#[derive(Debug, Clone, Default)]
pub struct Lookalikes {
    entries: Vec<(String, String, bool)>,
    memo: std::collections::HashMap<String, Option<String>>,
}

const CACHE: usize = 100_000;

impl Lookalikes {
    pub fn new(allow: &Allowlist) -> Self {
        let entries = allow
            .entries
            .iter()
            .filter_map(|e| match e.kind {
                EntryKind::User | EntryKind::PodServiceAccount => {
                    Some((e.value.clone(), fold(&e.value), false))
                }
                EntryKind::UserPrefix => Some((e.value.clone(), fold(&e.value), true)),
                _ => None,
            })
            .collect();
        Lookalikes {
            entries,
            memo: Default::default(),
        }
    }

    /// [`lookalike_of`], folding only `identity` (once).
    pub fn of(&mut self, identity: &str) -> Option<String> {
        if let Some(r) = self.memo.get(identity) {
            return r.clone();
        }
        let mut folded: Option<String> = None;
        let mut found = None;
        for (v, fv, prefix) in &self.entries {
            let exact = if *prefix {
                identity.starts_with(v.as_str())
            } else {
                identity == v
            };
            if exact {
                continue;
            }
            let f = folded.get_or_insert_with(|| fold(identity));
            if (*prefix && f.starts_with(fv.as_str())) || (!*prefix && f == fv) {
                found = Some(v.clone());
                break;
            }
        }
        if self.memo.len() >= CACHE {
            self.memo.clear();
        }
        self.memo.insert(identity.to_string(), found.clone());
        found
    }
}

/// The allowlisted identity (or identity prefix) that `identity` looks like
/// without being it, if any. Only identity entries count (`user`,
/// `user-prefix`, `pod-service-account`).
pub fn lookalike_of(identity: &str, allow: &Allowlist) -> Option<String> {
    Lookalikes::new(allow).of(identity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allowlist::AllowlistEntry;

    fn allow() -> Allowlist {
        Allowlist {
            entries: vec![
                AllowlistEntry::new(EntryKind::User, "system:kube-controller-manager").unwrap(),
                AllowlistEntry::new(EntryKind::UserPrefix, "system:node:").unwrap(),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn look_alikes_are_found_and_the_real_names_are_not() {
        let a = allow();
        let real = "system:kube-controller-manager";
        for fake in [
            "system:kube-contr\u{43e}ller-manager",   // Cyrillic о
            "system:kube-controller-manager\u{200b}", // zero-width space
            "system:kube-controller-manager\u{a0}",   // no-break space
            "system:kube-controlle\u{301}r-manager",  // combining acute
            "system:kube-contro1ler-manager",         // digit one
        ] {
            assert_eq!(lookalike_of(fake, &a).as_deref(), Some(real), "{fake:?}");
        }
        assert_eq!(lookalike_of(real, &a), None);
        assert_eq!(lookalike_of("system:kube-scheduler", &a), None);
        assert_eq!(
            lookalike_of("system:n\u{43e}de:worker-1", &a).as_deref(),
            Some("system:node:")
        );
        assert_eq!(lookalike_of("system:node:worker-1", &a), None);
        assert_eq!(lookalike_of("alice@example.com", &a), None);
        // The memo gives the same answer the second time.
        let mut idx = Lookalikes::new(&a);
        let fake = "system:kube-contr\u{43e}ller-manager";
        for _ in 0..2 {
            assert_eq!(idx.of(fake).as_deref(), Some(real));
            assert_eq!(idx.of(real), None);
        }
    }
}
