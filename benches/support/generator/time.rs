//! Log time: microsecond clock units, civil dates, the start of the log and
//! RFC 3339 timestamps.

use super::*;

pub(super) const US: i64 = 1_000_000;
pub(super) const SEC: i64 = US;
pub(super) const MIN: i64 = 60 * SEC;
pub(super) const HOUR: i64 = 60 * MIN;

pub(super) const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(super) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = (if z >= 0 { z } else { z - 146_096 }) / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// 2026-07-01T08:00:00Z, microseconds since the epoch: the first event.
pub const START: i64 = days_from_civil(2026, 7, 1) * 86_400 * US + 8 * HOUR;

/// The shortest log time a file covers: ktriage's default learning period
/// (1 h) plus an hour in which the attacks happen.
pub const MIN_SPAN: i64 = 2 * HOUR;

/// Rough mean bytes per event, to cap the event rate at 1,000/s.
pub(super) const MEAN_EVENT_BYTES: u64 = 1000;

/// `2026-07-01T08:00:00.214392Z`: RFC 3339 with microseconds, as the audit
/// log writes it.
pub fn push_ts(buf: &mut Vec<u8>, us: i64) {
    let secs = us.div_euclid(US);
    let micros = us.rem_euclid(US);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    push_pad(buf, y as u64, 4);
    buf.push(b'-');
    push_pad(buf, m as u64, 2);
    buf.push(b'-');
    push_pad(buf, d as u64, 2);
    buf.push(b'T');
    push_pad(buf, (sod / 3600) as u64, 2);
    buf.push(b':');
    push_pad(buf, (sod / 60 % 60) as u64, 2);
    buf.push(b':');
    push_pad(buf, (sod % 60) as u64, 2);
    buf.push(b'.');
    push_pad(buf, micros as u64, 6);
    buf.push(b'Z');
}

/// RFC 3339 to the second, as object metadata writes it.
pub(super) fn ts_seconds(us: i64) -> String {
    let mut b = Vec::with_capacity(27);
    push_ts(&mut b, us);
    let mut s = String::from_utf8(b).expect("ascii");
    s.replace_range(19..26, "");
    s
}

pub fn ts_string(us: i64) -> String {
    let mut b = Vec::with_capacity(27);
    push_ts(&mut b, us);
    String::from_utf8(b).expect("ascii")
}
