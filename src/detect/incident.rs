//! Incidents: every alert of one effective identity, with identities linked
//! by escalate-then-loot merged into one (seed 000: "into one incident").
//! The incident's rotation list is what must be rotated now.

use super::alert::{Alert, stable_id};
use super::registry::{RuleId, Severity};
use super::rotate::{RotateItem, RotateKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone)]
pub struct Incident {
    pub id: String,
    /// The identity that matters most: of the most severe alert, earliest first.
    pub primary: String,
    pub identities: Vec<String>,
    pub severity: Severity,
    pub rules: Vec<RuleId>,
    /// Indices into the engine's alerts, most severe first.
    pub alerts: Vec<usize>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// Secrets whose content was (or may have been) served: rotate them.
    pub secrets_to_rotate: Vec<RotateItem>,
    /// Secrets only ever refused: shown, not rotated.
    pub denied_secrets: Vec<RotateItem>,
    pub source_ips: Vec<String>,
}

fn find(parent: &mut [usize], x: usize) -> usize {
    let mut cur = x;
    while parent[cur] != cur {
        let gp = parent[parent[cur]];
        parent[cur] = gp;
        cur = gp;
    }
    cur
}

/// Union-find over the identities by index, borrowing their names from
/// the alerts: a flood of 100,000 one-alert identities built two `String`
/// maps and a one-element `BTreeSet` per identity here (~500 B each, at
/// the end of a scan when memory peaks).
pub fn build_incidents(
    alerts: &[Alert],
    known: &HashMap<String, BTreeSet<String>>,
) -> Vec<Incident> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut names: Vec<&str> = Vec::new();
    let mut parent: Vec<usize> = Vec::new();
    fn intern<'a>(
        name: &'a str,
        index: &mut HashMap<&'a str, usize>,
        names: &mut Vec<&'a str>,
        parent: &mut Vec<usize>,
    ) -> usize {
        *index.entry(name).or_insert_with(|| {
            names.push(name);
            parent.push(parent.len());
            parent.len() - 1
        })
    }
    let mut alert_root_of: Vec<usize> = Vec::with_capacity(alerts.len());
    for a in alerts {
        let x = intern(&a.identity, &mut index, &mut names, &mut parent);
        alert_root_of.push(x);
        for l in &a.linked {
            let y = intern(l, &mut index, &mut names, &mut parent);
            let (ra, rb) = (find(&mut parent, x), find(&mut parent, y));
            if ra != rb {
                // Deterministic: the smaller name becomes the root.
                let (root, child) = if names[ra] < names[rb] {
                    (ra, rb)
                } else {
                    (rb, ra)
                };
                parent[child] = root;
            }
        }
    }
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, &x) in alert_root_of.iter().enumerate() {
        let root = find(&mut parent, x);
        groups.entry(names[root]).or_default().push(i);
    }
    // Identities only linked (no alert of their own) still belong; only
    // sets of more than one identity are listed.
    let mut members: HashMap<&str, Vec<&str>> = HashMap::new();
    for x in 0..names.len() {
        let root = find(&mut parent, x);
        if root != x {
            members.entry(names[root]).or_default().push(names[x]);
        }
    }

    let mut out: Vec<Incident> = groups
        .into_iter()
        .map(|(root, mut idx)| {
            idx.sort_by(|&x, &y| {
                let (a, b) = (&alerts[x], &alerts[y]);
                b.severity
                    .cmp(&a.severity)
                    .then(a.first_seen.cmp(&b.first_seen))
                    .then(a.seq.cmp(&b.seq))
            });
            let top = &alerts[idx[0]];
            let primary = top.identity.clone();
            let mut identities: Vec<String> = vec![primary.clone()];
            if let Some(m) = members.get(root) {
                let mut all: Vec<&str> = m.iter().copied().chain([root]).collect();
                all.sort_unstable();
                all.dedup();
                identities.extend(
                    all.into_iter()
                        .filter(|m| *m != primary)
                        .map(str::to_string),
                );
            }
            let rules: BTreeSet<RuleId> = idx.iter().map(|&i| alerts[i].rule).collect();
            let first_seen = idx.iter().filter_map(|&i| alerts[i].first_seen).min();
            let last_seen = idx.iter().filter_map(|&i| alerts[i].last_seen).max();
            let mut rotate = BTreeSet::new();
            let mut denied = BTreeSet::new();
            let mut ips = BTreeSet::new();
            for &i in &idx {
                ips.extend(alerts[i].source_ips.iter().cloned());
                for (secret, usage) in &alerts[i].secrets {
                    let item = RotateItem::of(secret);
                    if !usage.exposed() {
                        if usage.denied() {
                            denied.insert(item);
                        }
                        continue;
                    }
                    // A whole namespace (or the cluster): every name we know, and the rest.
                    match item.kind {
                        RotateKind::Named => {}
                        RotateKind::WholeCluster => {
                            for (ns, names) in known {
                                rotate.extend(names.iter().map(|n| RotateItem::named(ns, n)));
                            }
                        }
                        RotateKind::WholeNamespace => {
                            for n in known.get(&item.namespace).into_iter().flatten() {
                                rotate.insert(RotateItem::named(&item.namespace, n));
                            }
                        }
                    }
                    rotate.insert(item);
                }
            }
            let denied: Vec<RotateItem> =
                denied.into_iter().filter(|d| !rotate.contains(d)).collect();
            Incident {
                id: stable_id("inc", &[&primary]),
                severity: top.severity,
                primary,
                identities,
                rules: rules.into_iter().collect(),
                alerts: idx,
                first_seen,
                last_seen,
                secrets_to_rotate: rotate.into_iter().collect(),
                denied_secrets: denied,
                source_ips: ips.into_iter().collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.last_seen.cmp(&a.last_seen))
            .then(a.primary.cmp(&b.primary))
            .then(a.id.cmp(&b.id))
    });
    out
}
