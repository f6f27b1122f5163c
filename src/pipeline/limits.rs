//! What the engine's identity limit (`max_identities`) evicted, said in
//! words for the summary, the text report, the TUI's problems view and
//! stderr. Detail goes, never an alert or a count: these lines say which
//! detail, how much, and which setting raises the limit.

use crate::detect::Evicted;
use crate::detect::alert::TRIMMED_AUDIT_IDS;

fn n(x: u64) -> String {
    let s = x.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One line per kind of detail evicted; empty when the limit was never hit.
pub fn eviction_notes(e: &Evicted) -> Vec<String> {
    let limit = format!(
        "limit {} identities (max_identities, --max-identities)",
        n(e.limit as u64)
    );
    let mut out = Vec::new();
    if e.trimmed_alerts > 0 {
        out.push(format!(
            "evidence of {} alerts trimmed to counts: {limit}; every request counted, \
             every secret listed, the first {TRIMMED_AUDIT_IDS} audit IDs of each kept, \
             no raw lines or per-request evidence",
            n(e.trimmed_alerts)
        ));
    }
    if e.identities > 0 {
        out.push(format!(
            "activity history of {} identities with no alert evicted: {limit}",
            n(e.identities)
        ));
    }
    if e.unrecorded_requests > 0 {
        out.push(format!(
            "activity of {} requests by identities over the limit not recorded \
             (identities pane, checklist): {limit}",
            n(e.unrecorded_requests)
        ));
    }
    let w = e.windows;
    if w.rapid_get > 0 {
        out.push(format!(
            "rate windows of {} identities (per source IP and user agent) evicted: \
             secret-rapid-get may miss bursts of those identities spread across the \
             eviction: {limit}",
            n(w.rapid_get)
        ));
    }
    if w.denied > 0 {
        out.push(format!(
            "rate windows of {} identities evicted: secret-access-denied may miss \
             bursts of those identities spread across the eviction: {limit}",
            n(w.denied)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_nothing_under_the_limit_and_names_each_eviction() {
        assert!(eviction_notes(&Evicted::default()).is_empty());
        let e = Evicted {
            limit: 50_000,
            trimmed_alerts: 12_345,
            identities: 7,
            unrecorded_requests: 0,
            windows: Default::default(),
        };
        let notes = eviction_notes(&e);
        assert_eq!(notes.len(), 2);
        assert!(
            notes[0].starts_with(
                "evidence of 12,345 alerts trimmed to counts: limit 50,000 identities \
                 (max_identities, --max-identities)"
            ),
            "{}",
            notes[0]
        );
        assert!(notes[1].contains("7 identities with no alert evicted"));
        let w = Evicted {
            limit: 10,
            windows: crate::detect::windows::WindowsEvicted {
                rapid_get: 1_200,
                denied: 3,
            },
            ..Evicted::default()
        };
        assert!(w.any());
        let notes = eviction_notes(&w);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].starts_with("rate windows of 1,200 identities"));
        assert!(notes[0].contains("secret-rapid-get may miss bursts"));
        assert!(notes[1].starts_with("rate windows of 3 identities evicted: secret-access-denied"));
    }
}
