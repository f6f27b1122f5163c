//! Address ranges for `sourceIPs`. ktriage judges one address: the last
//! entry of `sourceIPs` after trusted proxies; the entries before it come
//! from the client's `X-Forwarded-For` and are attacker-chosen. Sigma has no
//! "last element": `sourceIPs|cidr: R` holds when *any* entry is in R. So a
//! filter "source in R" is exported as "some entry in R and no entry outside
//! R" (the complement computed here), which is never broader than ktriage:
//! the address ktriage judges is one of the entries.

use crate::net::Cidr;
use std::net::IpAddr;

/// A network as (family is v4, bits as u128, prefix length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Net {
    v4: bool,
    bits: u128,
    len: u8,
}

impl Net {
    fn width(v4: bool) -> u8 {
        if v4 { 32 } else { 128 }
    }

    fn of(c: &Cidr) -> Option<Net> {
        let text = c.to_string();
        let (addr, len) = match text.split_once('/') {
            Some((a, l)) => (a.parse::<IpAddr>().ok()?, l.parse::<u8>().ok()?),
            None => {
                let a = text.parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let (v4, bits) = match addr {
            IpAddr::V4(a) => (true, u32::from(a) as u128),
            IpAddr::V6(a) => (false, u128::from(a)),
        };
        let w = Net::width(v4);
        let mask = if len == 0 {
            0
        } else {
            (u128::MAX >> (128 - w as u32)) & !((1u128 << (w - len.min(w))) - 1)
        };
        Some(Net {
            v4,
            bits: bits & mask,
            len: len.min(w),
        })
    }

    /// Does `self` contain all of `other`?
    fn covers(&self, other: &Net) -> bool {
        self.v4 == other.v4 && self.len <= other.len && self.prefix_of(other.bits)
    }

    fn prefix_of(&self, bits: u128) -> bool {
        let w = Net::width(self.v4);
        if self.len == 0 {
            return true;
        }
        let shift = (w - self.len) as u32;
        (self.bits >> shift) == (bits >> shift)
    }

    fn overlaps(&self, other: &Net) -> bool {
        self.v4 == other.v4 && (self.covers(other) || other.covers(self))
    }

    fn text(&self) -> String {
        let addr: IpAddr = if self.v4 {
            IpAddr::V4((self.bits as u32).into())
        } else {
            IpAddr::V6(self.bits.into())
        };
        format!("{addr}/{}", self.len)
    }
}

/// The networks (`a.b.c.d/n` text) covering every address, of both
/// families, that is in none of `ranges`. Empty when `ranges` covers all.
/// At most (prefix bits) networks per range and family.
pub fn complement(ranges: &[Cidr]) -> Vec<String> {
    let nets: Vec<Net> = ranges.iter().filter_map(Net::of).collect();
    let mut out = Vec::new();
    for v4 in [true, false] {
        split(
            Net {
                v4,
                bits: 0,
                len: 0,
            },
            &nets,
            &mut out,
        );
    }
    out
}

fn split(n: Net, ranges: &[Net], out: &mut Vec<String>) {
    if ranges.iter().any(|r| r.covers(&n)) {
        return;
    }
    if !ranges.iter().any(|r| r.overlaps(&n)) {
        out.push(n.text());
        return;
    }
    let w = Net::width(n.v4);
    // Some range lies strictly inside n, so n.len < w.
    let bit = 1u128 << (w - n.len - 1);
    let len = n.len + 1;
    split(Net { len, ..n }, ranges, out);
    split(
        Net {
            len,
            bits: n.bits | bit,
            ..n
        },
        ranges,
        out,
    );
}

/// The ranges as Sigma `cidr` values.
pub fn texts(ranges: &[Cidr]) -> Vec<String> {
    ranges
        .iter()
        .filter_map(Net::of)
        .map(|n| n.text())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn complement_of_a_v4_range_excludes_it_and_covers_the_rest() {
        let out = complement(&[c("10.0.0.0/8")]);
        assert!(out.contains(&"0.0.0.0/5".to_string()), "{out:?}");
        assert!(out.contains(&"11.0.0.0/8".to_string()), "{out:?}");
        assert!(
            out.contains(&"::/0".to_string()),
            "every IPv6 address is outside"
        );
        assert_eq!(out.len(), 8 + 1);
        let nets: Vec<Cidr> = out.iter().map(|s| c(s)).collect();
        for ip in ["10.1.2.3", "10.255.255.255"] {
            assert!(
                !nets.iter().any(|n| n.contains(ip.parse().unwrap())),
                "{ip}"
            );
        }
        for ip in ["9.255.255.255", "11.0.0.0", "192.168.1.1", "2001:db8::1"] {
            assert!(nets.iter().any(|n| n.contains(ip.parse().unwrap())), "{ip}");
        }
    }

    #[test]
    fn single_addresses_and_both_families() {
        let out = complement(&[c("127.0.0.1"), c("::1")]);
        assert_eq!(out.len(), 32 + 128);
        let nets: Vec<Cidr> = out.iter().map(|s| c(s)).collect();
        assert!(
            !nets
                .iter()
                .any(|n| n.contains("127.0.0.1".parse().unwrap()))
        );
        assert!(!nets.iter().any(|n| n.contains("::1".parse().unwrap())));
        assert!(
            nets.iter()
                .any(|n| n.contains("127.0.0.2".parse().unwrap()))
        );
        assert!(complement(&[c("0.0.0.0/0"), c("::/0")]).is_empty());
        assert_eq!(texts(&[c("10.1.2.3/8")]), vec!["10.0.0.0/8"]);
    }
}
