//! The embedded demo data set, opened when no path is given and no standard
//! audit-log location exists: an attack (exec, secret theft) hidden in a
//! busy cluster's routine traffic. The two sample logs are merged by time so
//! the attack shows up in context, as it would in a real log.

use crate::audit::input::parse_event;

const ATTACK: &str = include_str!("../../sample-logs/k8s_exec_secret_exfil.json");
const BENIGN: &str = include_str!("../../sample-logs/benign-busy-cluster.jsonl");

/// Size of the demo data, for the progress display.
pub fn total_bytes() -> usize {
    ATTACK.len() + BENIGN.len()
}

/// Both logs' lines, merge-sorted by event time (stable; untimed lines
/// keep their place at the front of their file's run).
pub fn merged_lines() -> String {
    let mut lines: Vec<(i64, usize, &str)> = ATTACK
        .lines()
        .chain(BENIGN.lines())
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            (
                parse_event(l)
                    .ok()
                    .and_then(|e| e.time_micros())
                    .unwrap_or(i64::MIN),
                i,
                l,
            )
        })
        .collect();
    lines.sort_by_key(|&(t, i, _)| (t, i));
    let mut out = String::with_capacity(total_bytes() + lines.len());
    for (_, _, l) in lines {
        out.push_str(l);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn merged_is_time_ordered_and_complete() {
        let m = super::merged_lines();
        let n = super::ATTACK
            .lines()
            .chain(super::BENIGN.lines())
            .filter(|l| !l.trim().is_empty())
            .count();
        assert_eq!(m.lines().count(), n);
    }
}
