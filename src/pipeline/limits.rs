//! What the engine's identity limit (`max_identities`) evicted, said in
//! words for the summary, the text report, the TUI's problems view and
//! stderr. Detail goes, never an alert or a count: these lines say which
//! detail, how much, and which setting raises the limit.

use crate::detect::Evicted;
use crate::detect::alert::TRIMMED_AUDIT_IDS;

use crate::words::count_of;

/// A count written with thousands separators (`12,345`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Grouped(u64);

impl From<u8> for Grouped {
    fn from(x: u8) -> Self {
        Grouped(x.into())
    }
}

impl std::fmt::Display for Grouped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0.to_string();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                f.write_str(",")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

fn n(x: u64, one: &str, many: &str) -> String {
    count_of(Grouped(x), one, many)
}

/// One line per kind of detail evicted; empty when the limit was never hit.
pub fn eviction_notes(e: &Evicted) -> Vec<String> {
    let limit = format!(
        "limit {} (max_identities, --max-identities)",
        n(e.limit as u64, "identity", "identities")
    );
    let mut out = Vec::new();
    if e.trimmed_alerts > 0 {
        out.push(format!(
            "evidence of {} trimmed to counts: {limit}; every request counted, \
             every secret listed, the first {TRIMMED_AUDIT_IDS} audit IDs of each kept, \
             no raw lines or per-request evidence",
            n(e.trimmed_alerts, "alert", "alerts")
        ));
    }
    if e.identities > 0 {
        out.push(format!(
            "activity history of {} with no alert evicted: {limit}",
            n(e.identities, "identity", "identities")
        ));
    }
    if e.unrecorded_requests > 0 {
        out.push(format!(
            "activity of {} by identities over the limit not recorded \
             (identities pane, checklist): {limit}",
            n(e.unrecorded_requests, "request", "requests")
        ));
    }
    let w = e.windows;
    if w.rapid_get > 0 {
        out.push(format!(
            "rate windows of {} (per source IP and user agent) evicted: \
             secret-rapid-get may miss bursts of those identities spread across the \
             eviction: {limit}",
            n(w.rapid_get, "identity", "identities")
        ));
    }
    if w.denied > 0 {
        out.push(format!(
            "rate windows of {} evicted: secret-access-denied may miss \
             bursts of those identities spread across the eviction: {limit}",
            n(w.denied, "identity", "identities")
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
        let one = Evicted {
            limit: 1,
            trimmed_alerts: 1,
            identities: 1,
            unrecorded_requests: 1_000,
            ..Evicted::default()
        };
        let notes = eviction_notes(&one);
        assert!(
            notes[0].starts_with("evidence of 1 alert trimmed to counts: limit 1 identity "),
            "{}",
            notes[0]
        );
        assert!(
            notes[1].contains("of 1 identity with no alert"),
            "{}",
            notes[1]
        );
        assert!(notes[2].contains("of 1,000 requests by"), "{}", notes[2]);
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
