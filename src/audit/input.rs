//! Input formats: JSON lines (what `--audit-log-path` writes), a whole
//! `EventList` document, a bare JSON array of events, or pretty-printed
//! events one after another; gzip-compressed or not. Detected from the first
//! bytes, never from the file name.

use super::event::AuditEvent;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One event per line.
    JsonLines,
    /// `{"kind":"EventList","items":[...]}`, `[...]`, or concatenated
    /// (possibly pretty-printed) objects: read whole, then walked item by item.
    Document,
}

/// Decide the format from the start of the input (after gzip decoding).
pub fn detect_format(head: &[u8]) -> Format {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..];
    match head.first() {
        Some(b'[') => Format::Document,
        Some(b'{') => {
            let first_line = match memchr::memchr(b'\n', head) {
                Some(i) => &head[..i],
                None => head,
            };
            if concatenated(first_line) {
                // `{…}{…}` with no separator: Firehose objects.
                return Format::Document;
            }
            match serde_json::from_slice::<KindOnly>(first_line) {
                Ok(k) if k.kind.as_deref() == Some("EventList") => Format::Document,
                Ok(_) => Format::JsonLines,
                Err(e) if e.is_eof() => {
                    // The first line is an unfinished value: pretty-printed
                    // JSON, or one huge single-line EventList.
                    if looks_like_event_list(first_line)
                        || first_line.trim_ascii() == b"{"
                        || is_pretty(head)
                    {
                        Format::Document
                    } else {
                        Format::JsonLines
                    }
                }
                Err(_) => Format::JsonLines,
            }
        }
        _ => Format::JsonLines,
    }
}

#[derive(serde::Deserialize)]
struct KindOnly {
    kind: Option<String>,
}

/// An unfinished first line that opens a whole-document export: an
/// EventList, or a wrapper whose array holds the records. Only the first
/// object's own keys count: a RequestResponse `list` event carries
/// `"items":[` (or `"kind":"EventList"`) inside its `responseObject`, and is
/// still one line of a JSON-lines log.
fn looks_like_event_list(b: &[u8]) -> bool {
    let b = &b[..b.len().min(4096)];
    top_level(b, |key, rest| {
        (key == b"kind" && rest.starts_with(b"\"EventList\""))
            || (WRAPPERS.iter().any(|w| w.as_bytes() == key)
                && (rest.starts_with(b"[") || (key == b"hits" && rest.starts_with(b"{"))))
    })
}

/// Call `f(key, value_text)` for each key of the outermost object in `b`
/// (raw key bytes, the text after its `:` with leading blanks trimmed)
/// until it returns true.
fn top_level(b: &[u8], mut f: impl FnMut(&[u8], &[u8]) -> bool) -> bool {
    let (mut depth, mut i) = (0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                if j >= b.len() {
                    return false;
                }
                if depth == 1 {
                    let rest = b[j + 1..].trim_ascii_start();
                    if let Some(v) = rest.strip_prefix(b":") {
                        if f(&b[start..j], v.trim_ascii_start()) {
                            return true;
                        }
                    }
                }
                i = j;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// One complete JSON value followed by another on the same line.
fn concatenated(line: &[u8]) -> bool {
    let mut it = serde_json::Deserializer::from_slice(line).into_iter::<IgnoredAny>();
    match it.next() {
        Some(Ok(_)) => line[it.byte_offset()..]
            .trim_ascii_start()
            .starts_with(b"{"),
        _ => false,
    }
}

fn is_pretty(head: &[u8]) -> bool {
    // `{` followed by a line that starts with indentation and a key.
    let mut lines = head.split(|&c| c == b'\n');
    let first = lines.next().unwrap_or_default().trim_ascii();
    let second = lines.next().unwrap_or_default();
    first.ends_with(b"{") && second.first().is_some_and(|c| *c == b' ' || *c == b'\t')
}

/// Why one record was not turned into an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    NotUtf8,
    TooLong(usize),
    Json(String),
    NotAnEvent,
    /// Valid JSON in no format ktriage reads: what it looked like.
    Unknown(String),
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::NotUtf8 => write!(f, "not valid UTF-8"),
            RecordError::TooLong(n) => write!(
                f,
                "line of {n} bytes is not a native audit event (lines over 1 MiB are read in the native Kubernetes format only)"
            ),
            RecordError::Json(e) => write!(f, "malformed JSON: {e}"),
            RecordError::NotAnEvent => write!(f, "JSON value is not an audit event"),
            RecordError::Unknown(shape) => {
                write!(f, "not an audit event in any format ktriage reads: {shape}")
            }
        }
    }
}

/// Parse one record (a line, or an item of a document) into an event.
pub fn parse_event(text: &str) -> Result<AuditEvent<'_>, RecordError> {
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        // Valid JSON that is not an object (a number, a string, an array)
        // is not an event; anything else is malformed JSON.
        return match serde_json::from_str::<IgnoredAny>(text) {
            Ok(_) => Err(RecordError::NotAnEvent),
            Err(e) => Err(RecordError::Json(short_error(&e))),
        };
    }
    match serde_json::from_str::<AuditEvent<'_>>(text) {
        Ok(ev) if ev.looks_like_audit_event() => Ok(ev),
        Ok(_) => Err(RecordError::NotAnEvent),
        Err(e) if e.is_data() => Err(RecordError::NotAnEvent),
        Err(e) => Err(RecordError::Json(short_error(&e))),
    }
}

fn short_error(e: &serde_json::Error) -> String {
    // Columns matter for a line; serde's line number is always 1 there.
    format!("{} at column {}", classify(e), e.column())
}

fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "truncated (unexpected end of line)",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected value",
        serde_json::error::Category::Io => "read error",
    }
}

/// Walk a whole document, calling `item(raw_json, line)` for each event in
/// order as serde reaches it, so that a document truncated half-way still
/// yields every item before the damage. Returns the error (with line and
/// column) if the document itself is malformed.
pub fn walk_document(text: &str, item: &mut dyn FnMut(&str, u64)) -> Result<(), String> {
    let mut lines = LineCounter {
        base: text.as_ptr() as usize,
        text,
        offset: 0,
        line: 1,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let mut count = 0u64;
    loop {
        // Skip whitespace between concatenated values.
        let seed = TopSeed {
            item,
            lines: &mut lines,
            count: &mut count,
        };
        match seed.deserialize(&mut de) {
            Ok(()) => {}
            Err(e) if e.is_eof() && e.line() > 0 && is_only_ws_left(text, &e) => return Ok(()),
            Err(e) => {
                return Err(format!(
                    "{} at line {} column {} ({} read before it)",
                    classify(&e),
                    e.line(),
                    e.column(),
                    crate::words::count_of(count, "event", "events")
                ));
            }
        }
        if de.end().is_ok() {
            return Ok(());
        }
    }
}

fn is_only_ws_left(text: &str, e: &serde_json::Error) -> bool {
    // serde reports EOF for "nothing but whitespace remains"; accept that.
    let Some(line) = text.lines().nth(e.line().saturating_sub(1)) else {
        return true;
    };
    line.get(e.column().saturating_sub(1)..)
        .is_none_or(|rest| rest.trim().is_empty())
        && text.lines().skip(e.line()).all(|l| l.trim().is_empty())
}

struct LineCounter<'t> {
    base: usize,
    text: &'t str,
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line_of(&mut self, raw: &str) -> u64 {
        let at = (raw.as_ptr() as usize)
            .saturating_sub(self.base)
            .min(self.text.len());
        if at >= self.offset {
            self.line +=
                memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.offset..at]).count() as u64;
            self.offset = at;
        }
        self.line
    }
}

struct TopSeed<'x, 't> {
    item: &'x mut dyn FnMut(&str, u64),
    lines: &'x mut LineCounter<'t>,
    count: &'x mut u64,
}

impl<'de, 'x, 't> DeserializeSeed<'de> for TopSeed<'x, 't> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'x, 't> Visitor<'de> for TopSeed<'x, 't> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an EventList, an array of events, or an event")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            let line = self.lines.line_of(raw.get());
            *self.count += 1;
            (self.item)(raw.get(), line);
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Either an EventList (walk its `items`) or a single pretty-printed
        // event. We cannot rewind a map, so an object that is not an
        // EventList is re-read from its raw text by the caller: capture it.
        let mut saw_items = false;
        let mut fields: Vec<(String, &'de RawValue)> = Vec::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if WRAPPERS.contains(&key.as_ref()) {
                saw_items = true;
                map.next_value_seed(ItemsSeed {
                    item: &mut *self.item,
                    lines: &mut *self.lines,
                    count: &mut *self.count,
                })?;
            } else {
                fields.push((key.into_owned(), map.next_value::<&'de RawValue>()?));
            }
        }
        if !saw_items && !fields.is_empty() {
            // A lone event: rebuild its text from the captured fields.
            let first = fields[0].1.get();
            let line = self.lines.line_of(first);
            let mut text = String::from("{");
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(&serde_json::to_string(k).unwrap_or_default());
                text.push(':');
                text.push_str(v.get());
            }
            text.push('}');
            *self.count += 1;
            (self.item)(&text, line);
        }
        Ok(())
    }
}

/// Keys whose array value holds the records of a whole-document export:
/// `EventList.items`, CloudWatch `events` and Firehose `logEvents`, Azure
/// `records`. They are streamed item by item (a truncated export still
/// yields what came before the damage); `hits.hits` (an Elastic `_search`
/// response) too. Anything else is left to the format adapters.
const WRAPPERS: [&str; 5] = ["items", "events", "records", "logEvents", "hits"];

struct ItemsSeed<'x, 't> {
    item: &'x mut dyn FnMut(&str, u64),
    lines: &'x mut LineCounter<'t>,
    count: &'x mut u64,
}

impl<'de, 'x, 't> DeserializeSeed<'de> for ItemsSeed<'x, 't> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'x, 't> Visitor<'de> for ItemsSeed<'x, 't> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        TopSeed {
            item: self.item,
            lines: self.lines,
            count: self.count,
        }
        .visit_seq(seq)
    }
    /// `hits: {total, hits: [...]}`: the inner `hits` holds the records.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "hits" {
                map.next_value_seed(ItemsSeed {
                    item: &mut *self.item,
                    lines: &mut *self.lines,
                    count: &mut *self.count,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
    // A wrapper key with a scalar value holds no records.
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EV: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseComplete","verb":"get","requestURI":"/api/v1/namespaces/p/secrets/x?a=1\u0026b=2","objectRef":{"resource":"secrets","namespace":"p","name":"x"}}"#;

    #[test]
    fn detects_formats() {
        assert_eq!(
            detect_format(format!("{EV}\n{EV}\n").as_bytes()),
            Format::JsonLines
        );
        assert_eq!(
            detect_format(format!("  [{EV}]").as_bytes()),
            Format::Document
        );
        assert_eq!(
            detect_format(
                format!(r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{EV}]}}"#)
                    .as_bytes()
            ),
            Format::Document
        );
        assert_eq!(
            detect_format(b"{\n  \"kind\": \"EventList\",\n  \"items\": []\n}"),
            Format::Document
        );
        assert_eq!(
            detect_format(b"{\"kind\":\"Event\", \"verb\": \n"),
            Format::JsonLines
        );
        assert_eq!(detect_format(b"garbage\n"), Format::JsonLines);
    }

    #[test]
    fn escaped_strings_borrow_or_own_correctly() {
        let ev = parse_event(EV).unwrap();
        assert_eq!(ev.request_uri(), "/api/v1/namespaces/p/secrets/x?a=1&b=2");
        assert_eq!(ev.resource(), "secrets");
    }

    #[test]
    fn classifies_bad_records() {
        assert!(matches!(parse_event("42"), Err(RecordError::NotAnEvent)));
        assert!(matches!(
            parse_event(r#"{"hello":"world"}"#),
            Err(RecordError::NotAnEvent)
        ));
        assert!(matches!(
            parse_event(r#"{"kind":"Pod","apiVersion":"v1","verb":"get"}"#),
            Err(RecordError::NotAnEvent)
        ));
        assert!(matches!(
            parse_event(r#"{"verb":"get","auditID":"#),
            Err(RecordError::Json(_))
        ));
        assert!(matches!(parse_event("not json"), Err(RecordError::Json(_))));
        // A wrongly typed field is not an event either, and never a panic.
        assert!(matches!(
            parse_event(r#"{"verb":"get","auditID":"x","objectRef":7}"#),
            Err(RecordError::NotAnEvent)
        ));
    }

    #[test]
    fn walks_event_list_array_and_pretty_stream_with_lines() {
        let doc = format!("{{\"kind\":\"EventList\",\n\"items\":[\n{EV},\n{EV}\n]}}");
        let mut got = Vec::new();
        walk_document(&doc, &mut |t, l| got.push((t.len(), l))).unwrap();
        assert_eq!(got.iter().map(|g| g.1).collect::<Vec<_>>(), vec![3, 4]);

        let arr = format!("[{EV},\n{EV}]");
        let mut n = 0;
        walk_document(&arr, &mut |_, _| n += 1).unwrap();
        assert_eq!(n, 2);

        let pretty = "{\n  \"kind\": \"Event\",\n  \"verb\": \"get\",\n  \"auditID\": \"x\"\n}\n{\n  \"verb\": \"list\",\n  \"auditID\": \"y\"\n}\n";
        let mut verbs = Vec::new();
        walk_document(pretty, &mut |t, l| {
            verbs.push((parse_event(t).unwrap().verb().to_string(), l))
        })
        .unwrap();
        assert_eq!(verbs, vec![("get".into(), 2), ("list".into(), 7)]);
    }

    #[test]
    fn truncated_document_keeps_items_before_the_damage() {
        let doc = format!("{{\"kind\":\"EventList\",\"items\":[\n{EV},\n{EV},\n{{\"verb\":\"ge");
        let mut n = 0;
        let err = walk_document(&doc, &mut |_, _| n += 1).unwrap_err();
        assert_eq!(n, 2);
        assert!(err.contains("line 4"), "{err}");
    }
}
