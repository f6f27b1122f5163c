//! Text encoding: numbers, UUIDs, JSON strings as Go escapes them, URI
//! query strings, Go durations, name suffixes.

use super::*;

pub(super) fn push_pad(buf: &mut Vec<u8>, mut v: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut i = 20;
    while v > 0 || i == 20 {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    for _ in (20 - i)..width {
        buf.push(b'0');
    }
    buf.extend_from_slice(&tmp[i..]);
}

pub(super) fn push_u64(buf: &mut Vec<u8>, v: u64) {
    push_pad(buf, v, 1);
}

pub(super) const HEX: &[u8; 16] = b"0123456789abcdef";

pub(super) fn push_hex(buf: &mut Vec<u8>, v: u64, digits: u32) {
    for i in (0..digits).rev() {
        buf.push(HEX[((v >> (i * 4)) & 0xf) as usize]);
    }
}

/// A version-4 layout UUID from 128 random bits.
pub(super) fn push_uuid(buf: &mut Vec<u8>, a: u64, b: u64) {
    let a = (a & !0xF000) | 0x4000;
    let b = (b & !(0xC000_0000_0000_0000)) | 0x8000_0000_0000_0000;
    push_hex(buf, a >> 32, 8);
    buf.push(b'-');
    push_hex(buf, (a >> 16) & 0xffff, 4);
    buf.push(b'-');
    push_hex(buf, a & 0xffff, 4);
    buf.push(b'-');
    push_hex(buf, b >> 48, 4);
    buf.push(b'-');
    push_hex(buf, b & 0xffff_ffff_ffff, 12);
}

/// A stable UUID derived from some text (object and pod UIDs).
pub(super) fn uuid_of(s: &str) -> String {
    let h = hash(s);
    let mut b = Vec::with_capacity(36);
    push_uuid(&mut b, h, mix64(h ^ 0x5555));
    String::from_utf8(b).expect("ascii")
}

pub(super) fn needs_escape(c: u8) -> bool {
    c < 0x20 || matches!(c, b'"' | b'\\' | b'&' | b'<' | b'>')
}

/// A JSON string as Go's encoder writes it: `&`, `<`, `>` as `\u00XX`.
pub fn push_js(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    let bytes = s.as_bytes();
    if !bytes.iter().any(|&c| needs_escape(c)) {
        buf.extend_from_slice(bytes);
    } else {
        for &c in bytes {
            match c {
                b'"' => buf.extend_from_slice(b"\\\""),
                b'\\' => buf.extend_from_slice(b"\\\\"),
                b'\n' => buf.extend_from_slice(b"\\n"),
                b'\t' => buf.extend_from_slice(b"\\t"),
                b'\r' => buf.extend_from_slice(b"\\r"),
                c if needs_escape(c) => {
                    buf.extend_from_slice(b"\\u00");
                    push_hex(buf, c as u64, 2);
                }
                c => buf.push(c),
            }
        }
    }
    buf.push(b'"');
}

pub(super) fn js(s: &str) -> String {
    let mut b = Vec::with_capacity(s.len() + 2);
    push_js(&mut b, s);
    String::from_utf8(b).expect("utf-8 in, utf-8 out")
}

/// Go's `url.QueryEscape`.
pub(super) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for &c in s.as_bytes() {
        match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(c as char)
            }
            b' ' => out.push('+'),
            c => {
                out.push('%');
                out.push(HEX[(c >> 4) as usize].to_ascii_uppercase() as char);
                out.push(HEX[(c & 15) as usize].to_ascii_uppercase() as char);
            }
        }
    }
    out
}

/// A query string as `url.Values.Encode` writes it: keys sorted.
pub(super) fn query(pairs: &mut [(&str, String)]) -> String {
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(&query_escape(v));
    }
    out
}

pub(super) fn go_duration(secs: i64) -> String {
    if secs >= 60 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

/// Kubernetes' random-suffix alphabet (no vowels, no look-alikes).
pub(super) const ALNUM: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

pub(super) fn suffix(seed: u64, n: usize) -> String {
    let mut h = seed;
    (0..n)
        .map(|_| {
            h = mix64(h.wrapping_add(0x9E37_79B9_7F4A_7C15));
            ALNUM[(h % ALNUM.len() as u64) as usize] as char
        })
        .collect()
}
