//! Counted nouns in the words an analyst reads: "1 request", "2 requests",
//! never "1 requests" or "request(s)". One helper for every report,
//! summary, pane and problem message, so they all say it the same way; at
//! the top of the crate because the input layers word their problems too.

use std::fmt::Display;

/// `n` and the noun that agrees with it: `count_of(1, "request", "requests")`
/// is `1 request`, `count_of(0, …)` is `0 requests`.
pub fn count_of<N: Copy + Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    format!("{n} {}", if n == N::from(1) { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::count_of;

    #[test]
    fn one_is_singular_everything_else_count_of() {
        assert_eq!(count_of(1u64, "request", "requests"), "1 request");
        assert_eq!(count_of(0usize, "request", "requests"), "0 requests");
        assert_eq!(count_of(2u32, "entry", "entries"), "2 entries");
        assert_eq!(count_of(11usize, "audit ID", "audit IDs"), "11 audit IDs");
    }
}
