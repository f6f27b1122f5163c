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

fn find(parent: &mut HashMap<String, String>, x: &str) -> String {
    let mut cur = x.to_string();
    loop {
        let p = parent.get(&cur).cloned().unwrap_or_else(|| cur.clone());
        if p == cur {
            return cur;
        }
        let gp = parent.get(&p).cloned().unwrap_or_else(|| p.clone());
        parent.insert(cur.clone(), gp.clone());
        cur = p;
    }
}

pub fn build_incidents(
    alerts: &[Alert],
    known: &HashMap<String, BTreeSet<String>>,
) -> Vec<Incident> {
    let mut parent: HashMap<String, String> = HashMap::new();
    for a in alerts {
        parent
            .entry(a.identity.clone())
            .or_insert_with(|| a.identity.clone());
        for l in &a.linked {
            parent.entry(l.clone()).or_insert_with(|| l.clone());
            let (ra, rb) = (find(&mut parent, &a.identity), find(&mut parent, l));
            if ra != rb {
                // Deterministic: the smaller name becomes the root.
                let (root, child) = if ra < rb { (ra, rb) } else { (rb, ra) };
                parent.insert(child, root);
            }
        }
    }
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, a) in alerts.iter().enumerate() {
        let root = find(&mut parent, &a.identity);
        groups.entry(root).or_default().push(i);
    }
    // Identities only linked (no alert of their own) still belong.
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for id in parent.keys().cloned().collect::<Vec<_>>() {
        let root = find(&mut parent, &id);
        members.entry(root).or_default().insert(id);
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
            for m in members.get(&root).into_iter().flatten() {
                if m != &primary {
                    identities.push(m.clone());
                }
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
