//! Amazon EKS through CloudWatch Logs. The audit Event itself is always
//! there as text: the `message` of `aws logs filter-log-events` /
//! `get-log-events` output and of Firehose `logEvents`, the `@message` of
//! a Logs Insights export, or the rest of an S3-export line after its
//! `<ISO time> ` prefix. The wrappers are expanded in `mod.rs`; this file
//! knows the two CloudWatch-specific shapes.

/// An S3-export line is `2024-05-01T12:00:00.000Z {"kind":"Event",…}`:
/// the ingestion time, one space, the message. Returns the message.
pub fn strip_time_prefix(text: &str) -> Option<&str> {
    let t = text.trim_start();
    let b = t.as_bytes();
    // YYYY-MM-DDT
    let dated = b.len() > 11
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && b[10] == b'T';
    if !dated {
        return None;
    }
    let (stamp, rest) = t.split_once(' ')?;
    let rest = rest.trim_start();
    (crate::time::parse_rfc3339_micros(stamp).is_some() && rest.starts_with('{')).then_some(rest)
}

/// CloudWatch's subscription health checks carry no event.
pub fn is_control_message(message: &str) -> bool {
    message.starts_with("CWL CONTROL MESSAGE")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_export_prefix() {
        assert_eq!(
            strip_time_prefix("2024-05-01T12:00:00.000Z {\"verb\":\"get\"}"),
            Some("{\"verb\":\"get\"}")
        );
        assert_eq!(strip_time_prefix("2024-05-01 {\"verb\":\"get\"}"), None);
        assert_eq!(strip_time_prefix("2024-05-01T12:00:00.000Z hello"), None);
        assert_eq!(strip_time_prefix("{\"verb\":\"get\"}"), None);
    }
}
