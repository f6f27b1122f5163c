//! A sorted map that is a `Vec` while small and a `BTreeMap` past
//! [`SPILL`] entries.
//!
//! Why: during a flood of fresh identities every identity has one alert and
//! one activity record, each holding a map of the secrets it touched —
//! almost always one secret. A `BTreeMap` leaf allocates room for 11
//! entries, so one secret cost ~1–2 KiB per map (massif on 5,000 distinct
//! readers: 17 MB of 65 MB in those leaves). A burst by one identity over
//! 10,000 secrets still gets O(log n) inserts from the tree.
//!
//! The `Vec` grows one entry at a time (not to 4 on the first insert), and
//! [`SmallSet`] is the same for sets: an alert's or an identity's source
//! IPs, user agents, groups and verbs are almost always one each, and a
//! one-element `BTreeSet` costs a 280-byte leaf (identity flood, 10,000
//! one-read identities: 11.5 KiB each before; see README "Memory").

use std::borrow::Borrow;
use std::collections::BTreeMap;

/// Entries kept in a sorted `Vec` before moving to a `BTreeMap`.
pub const SPILL: usize = 8;

#[derive(Debug, Clone)]
pub enum SmallMap<K, V> {
    Small(Vec<(K, V)>),
    Large(BTreeMap<K, V>),
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap::Small(Vec::new())
    }
}

impl<K: Ord, V> SmallMap<K, V> {
    pub fn len(&self) -> usize {
        match self {
            SmallMap::Small(v) => v.len(),
            SmallMap::Large(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, k: &K) -> Option<&V> {
        match self {
            SmallMap::Small(v) => v.binary_search_by(|(x, _)| x.cmp(k)).ok().map(|i| &v[i].1),
            SmallMap::Large(m) => m.get(k),
        }
    }

    pub fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        match self {
            SmallMap::Small(v) => match v.binary_search_by(|(x, _)| x.cmp(k)) {
                Ok(i) => Some(&mut v[i].1),
                Err(_) => None,
            },
            SmallMap::Large(m) => m.get_mut(k),
        }
    }

    pub fn contains_key(&self, k: &K) -> bool {
        self.get(k).is_some()
    }

    /// The value for `k`, inserted with `V::default()` when missing.
    pub fn entry_or_default(&mut self, k: K) -> &mut V
    where
        V: Default,
    {
        if let SmallMap::Small(v) = self {
            if v.len() >= SPILL && v.binary_search_by(|(x, _)| x.cmp(&k)).is_err() {
                let m: BTreeMap<K, V> = std::mem::take(v).into_iter().collect();
                *self = SmallMap::Large(m);
            }
        }
        match self {
            SmallMap::Small(v) => {
                let i = match v.binary_search_by(|(x, _)| x.cmp(&k)) {
                    Ok(i) => i,
                    Err(i) => {
                        if v.len() == v.capacity() {
                            v.reserve_exact(1);
                        }
                        v.insert(i, (k, V::default()));
                        i
                    }
                };
                &mut v[i].1
            }
            SmallMap::Large(m) => m.entry(k).or_default(),
        }
    }

    /// In key order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&K, &V)> + '_> {
        match self {
            SmallMap::Small(v) => Box::new(v.iter().map(|(k, v)| (k, v))),
            SmallMap::Large(m) => Box::new(m.iter()),
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }
}

/// A sorted set that is a `Vec` while small and a `BTreeMap` past
/// [`SPILL`] entries; iterates in order like a `BTreeSet`.
#[derive(Debug, Clone)]
pub struct SmallSet<K>(SmallMap<K, ()>);

impl<K> Default for SmallSet<K> {
    fn default() -> Self {
        SmallSet(SmallMap::default())
    }
}

impl<K: Ord> SmallSet<K> {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains<Q: Ord + ?Sized>(&self, q: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        match &self.0 {
            SmallMap::Small(v) => v.binary_search_by(|(x, _)| x.borrow().cmp(q)).is_ok(),
            SmallMap::Large(m) => m.contains_key(q),
        }
    }

    /// Insert `k`; false if it was there.
    pub fn insert(&mut self, k: K) -> bool {
        let n = self.0.len();
        self.0.entry_or_default(k);
        self.0.len() > n
    }

    /// In order.
    pub fn iter(&self) -> impl Iterator<Item = &K> {
        self.0.keys()
    }

    pub fn first(&self) -> Option<&K> {
        self.iter().next()
    }
}

impl<K: Ord> FromIterator<K> for SmallSet<K> {
    fn from_iter<I: IntoIterator<Item = K>>(it: I) -> Self {
        let mut s = SmallSet::default();
        for k in it {
            s.insert(k);
        }
        s
    }
}

impl<'a, K: Ord> IntoIterator for &'a SmallSet<K> {
    type Item = &'a K;
    type IntoIter = Box<dyn Iterator<Item = &'a K> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.0.keys())
    }
}

impl<'a, K: Ord, V> IntoIterator for &'a SmallMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Box<dyn Iterator<Item = (&'a K, &'a V)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_btreemap_across_the_spill() {
        let mut s: SmallMap<u32, u32> = SmallMap::default();
        let mut b: BTreeMap<u32, u32> = BTreeMap::new();
        for (i, k) in [5u32, 3, 9, 3, 1, 7, 2, 8, 6, 4, 0, 11, 5, 10]
            .iter()
            .enumerate()
        {
            *s.entry_or_default(*k) += i as u32;
            *b.entry(*k).or_default() += i as u32;
            assert_eq!(s.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
            assert_eq!(s.len(), b.len());
        }
        assert!(matches!(s, SmallMap::Large(_)));
        assert_eq!(s.get(&9), b.get(&9));
        assert_eq!(s.get(&99), None);
    }

    #[test]
    fn set_is_ordered_and_unique_across_the_spill() {
        let words = ["b", "a", "c", "a", "j", "i", "h", "g", "f", "e", "d", "b"];
        let mut s: SmallSet<String> = SmallSet::default();
        let mut b = std::collections::BTreeSet::new();
        for w in words {
            assert_eq!(s.insert(w.to_string()), b.insert(w.to_string()));
            assert!(s.contains(w));
            assert_eq!(s.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        }
        assert!(!s.contains("z"));
        assert_eq!(s.len(), 10);
    }
}
