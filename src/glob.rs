//! Case-sensitive globs (`*` any run, `?` one char), as Elastic's user-agent
//! lists and allowlist name patterns use them. No regex: patterns come from
//! config files and must not be able to blow up.

/// Match `text` against `pattern`; linear-time backtracking over `*`.
///
/// Called for every secret request against each suspicious-agent pattern
/// and name glob, so the usual all-ASCII case works on the bytes in place
/// (collecting chars into vectors here was 20% of a scan).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        return matches(pattern.as_bytes(), text.as_bytes(), b'*', b'?');
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches(&p, &t, '*', '?')
}

fn matches<T: Copy + PartialEq>(p: &[T], t: &[T], star_sym: T, any: T) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == any || p[pi] == t[ti]) && p[pi] != star_sym {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_sym {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star_sym {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("curl*", "curl/8.5.0"));
        assert!(!glob_match("curl*", "Curl/8.5.0"));
        assert!(glob_match(
            "*kali-amd64",
            "Python-urllib distrib#kali-amd64"
        ));
        assert!(!glob_match("*kali-amd64", "x kali-amd64 y"));
        assert!(glob_match("*distrib#kali*", "Go distrib#kali 2024"));
        assert!(glob_match(
            "sh.helm.release.v1.*",
            "sh.helm.release.v1.app.v3"
        ));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("", "x"));
        // A literal `*` in the text is matched by the wildcard, not as itself.
        assert!(glob_match("a*c", "a*c"));
        assert!(glob_match("*élan*", "un élan vital"));
        assert!(glob_match("?lan", "élan"));
        assert!(!glob_match("?lan", "éélan"));
    }
}
