//! Time: RFC 3339 parsing on the hot path, durations in config files.

use chrono::{DateTime, SecondsFormat, Utc};

/// Parse an RFC 3339 timestamp to microseconds since the epoch. Audit logs
/// write `2026-07-01T10:00:00.123456Z`; the common shape is parsed by hand
/// (it is on the hot path), anything else goes through chrono.
pub fn parse_rfc3339_micros(s: &str) -> Option<i64> {
    fast_utc(s.as_bytes()).or_else(|| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.timestamp_micros())
    })
}

fn digits(b: &[u8]) -> Option<i64> {
    let mut v = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    Some(v)
}

fn fast_utc(b: &[u8]) -> Option<i64> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    if *b.last()? != b'Z' {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, s) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let frac = &b[19..b.len() - 1];
    let micros = if frac.is_empty() {
        0
    } else {
        if frac[0] != b'.' || frac.len() < 2 {
            return None;
        }
        let f = &frac[1..];
        let take = f.len().min(6);
        digits(f)?; // every fractional char must be a digit
        let mut v = digits(&f[..take])?;
        for _ in take..6 {
            v *= 10;
        }
        v
    };
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + s) * 1_000_000) + micros)
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Format microseconds as RFC 3339 UTC with second precision... or finer when
/// the input had it.
pub fn format_micros(us: i64) -> String {
    match DateTime::<Utc>::from_timestamp_micros(us) {
        Some(t) if us % 1_000_000 == 0 => t.to_rfc3339_opts(SecondsFormat::Secs, true),
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Micros, true),
        None => us.to_string(),
    }
}

/// Short human form for tables: `2026-07-01 10:02:03`.
pub fn format_short(us: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(us)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".into())
}

/// A duration in a config file: `90s`, `6m`, `1h`, `7d`, or combinations
/// like `1h30m`. Returned in microseconds.
pub fn parse_duration_micros(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = 0i64;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num
            .parse()
            .map_err(|_| format!("`{s}`: expected a number before `{c}`"))?;
        num.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(format!("`{s}`: unknown unit `{c}` (use s, m, h, d, w)")),
        };
        total += n * unit * 1_000_000;
    }
    if !num.is_empty() {
        return Err(format!("`{s}`: a number needs a unit (s, m, h, d, w)"));
    }
    Ok(total)
}

/// Render microseconds back as a compact duration (`6m`, `1h`, `7d`).
pub fn format_duration(us: i64) -> String {
    let mut secs = us / 1_000_000;
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, n) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= n {
            out.push_str(&format!("{}{unit}", secs / n));
            secs %= n;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_matches_chrono() {
        for s in [
            "2026-07-01T10:00:00.123456Z",
            "2026-07-01T10:00:00Z",
            "2024-02-29T23:59:59.1Z",
            "1999-12-31T00:00:00.123456789Z",
        ] {
            let want = DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros();
            assert_eq!(fast_utc(s.as_bytes()), Some(want), "{s}");
        }
        assert_eq!(
            parse_rfc3339_micros("2026-07-01T12:00:00+02:00"),
            parse_rfc3339_micros("2026-07-01T10:00:00Z")
        );
        assert_eq!(parse_rfc3339_micros("yesterday"), None);
        assert_eq!(parse_rfc3339_micros("2026-13-01T10:00:00Z"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_micros("6m").unwrap(), 360_000_000);
        assert_eq!(parse_duration_micros("1h30m").unwrap(), 5_400_000_000);
        assert!(parse_duration_micros("6").is_err());
        assert!(parse_duration_micros("6y").is_err());
        assert_eq!(format_duration(parse_duration_micros("7d").unwrap()), "7d");
        assert_eq!(
            format_duration(parse_duration_micros("1h30m").unwrap()),
            "1h30m"
        );
    }
}
