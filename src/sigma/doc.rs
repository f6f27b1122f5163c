//! The Sigma documents as plain data, and their YAML text. Written by hand
//! rather than through serde: the allowlist's reasons and expiries travel as
//! YAML comments next to their filters, which no serializer emits. Every
//! scalar is single-quoted (the one YAML style with no escapes but `''`), so
//! an attacker-shaped or user-written value cannot change the structure;
//! comment text is made inert and kept on one line.

use crate::report::inert;

/// A value in a selection.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(String),
    Int(i64),
    /// The field is absent (Sigma `null`).
    Null,
}

pub fn s(v: &str) -> Val {
    Val::Str(v.to_string())
}

/// One named selection: every item must match (AND), any value of an item
/// may match (OR).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub name: String,
    /// Comment lines written above the selection.
    pub comments: Vec<String>,
    pub items: Vec<(String, Vec<Val>)>,
}

impl Selection {
    pub fn new(name: &str) -> Self {
        Selection {
            name: name.to_string(),
            ..Default::default()
        }
    }

    pub fn item(mut self, key: &str, vals: Vec<Val>) -> Self {
        self.items.push((key.to_string(), vals));
        self
    }

    pub fn one(self, key: &str, v: &str) -> Self {
        self.item(key, vec![s(v)])
    }

    pub fn strs(self, key: &str, vs: &[&str]) -> Self {
        self.item(key, vs.iter().map(|v| s(v)).collect())
    }

    pub fn owned(self, key: &str, vs: &[String]) -> Self {
        self.item(key, vs.iter().map(|v| s(v)).collect())
    }

    pub fn null(self, key: &str) -> Self {
        self.item(key, vec![Val::Null])
    }
}

/// A Sigma detection rule.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    pub title: String,
    pub id: String,
    /// Set on base rules a correlation refers to.
    pub name: Option<String>,
    pub description: String,
    pub references: Vec<String>,
    pub tags: Vec<String>,
    pub level: String,
    pub falsepositives: Vec<String>,
    /// Comment lines written above `detection:` (how exact the export is).
    pub notes: Vec<String>,
    pub selections: Vec<Selection>,
    pub condition: String,
}

/// The Sigma correlation types ktriage uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrelationType {
    EventCount,
    ValueCount,
    TemporalOrdered,
}

impl CorrelationType {
    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationType::EventCount => "event_count",
            CorrelationType::ValueCount => "value_count",
            CorrelationType::TemporalOrdered => "temporal_ordered",
        }
    }
}

/// A Sigma correlation rule over named base rules.
#[derive(Debug, Clone)]
pub struct Correlation {
    pub title: String,
    pub id: String,
    pub description: String,
    pub references: Vec<String>,
    pub tags: Vec<String>,
    pub level: String,
    pub falsepositives: Vec<String>,
    pub notes: Vec<String>,
    pub kind: CorrelationType,
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    /// Sigma timespan (`6m`, `24h`).
    pub timespan: String,
    /// `gte` threshold and, for value_count, the counted field.
    pub gte: Option<usize>,
    pub field: Option<String>,
}

/// Single-quoted YAML scalar.
pub fn quote(v: &str) -> String {
    format!("'{}'", inert(v).replace('\'', "''"))
}

/// One comment line: inert, newlines folded.
pub fn comment(indent: &str, text: &str) -> String {
    let one: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    format!("{indent}# {}\n", inert(&one))
}

fn val(v: &Val) -> String {
    match v {
        Val::Str(x) => quote(x),
        Val::Int(i) => i.to_string(),
        Val::Null => "null".into(),
    }
}

fn list(out: &mut String, key: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("{key}:\n"));
    for i in items {
        out.push_str(&format!("  - {}\n", quote(i)));
    }
}

/// Fields common to rules and correlations, in Sigma's usual order.
struct Head<'a> {
    title: &'a str,
    id: &'a str,
    name: Option<&'a str>,
    description: &'a str,
    references: &'a [String],
    tags: &'a [String],
}

fn head(out: &mut String, h: &Head<'_>) {
    out.push_str(&format!("title: {}\n", quote(h.title)));
    out.push_str(&format!("id: {}\n", h.id));
    if let Some(n) = h.name {
        out.push_str(&format!("name: {}\n", quote(n)));
    }
    out.push_str("status: experimental\n");
    out.push_str(&format!("description: {}\n", quote(h.description)));
    list(out, "references", h.references);
    out.push_str("author: ktriage\n");
    list(out, "tags", h.tags);
}

fn tail(out: &mut String, falsepositives: &[String], level: &str) {
    list(out, "falsepositives", falsepositives);
    out.push_str(&format!("level: {level}\n"));
}

impl Rule {
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        head(
            &mut out,
            &Head {
                title: &self.title,
                id: &self.id,
                name: self.name.as_deref(),
                description: &self.description,
                references: &self.references,
                tags: &self.tags,
            },
        );
        out.push_str("logsource:\n  product: kubernetes\n  service: audit\n");
        for n in &self.notes {
            out.push_str(&comment("", n));
        }
        out.push_str("detection:\n");
        for sel in &self.selections {
            for c in &sel.comments {
                out.push_str(&comment("  ", c));
            }
            out.push_str(&format!("  {}:\n", sel.name));
            for (key, vals) in &sel.items {
                match vals.as_slice() {
                    [one] => out.push_str(&format!("    {}: {}\n", quote(key), val(one))),
                    many => {
                        out.push_str(&format!("    {}:\n", quote(key)));
                        for v in many {
                            out.push_str(&format!("      - {}\n", val(v)));
                        }
                    }
                }
            }
        }
        out.push_str(&format!("  condition: {}\n", self.condition));
        tail(&mut out, &self.falsepositives, &self.level);
        out
    }
}

impl Correlation {
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        head(
            &mut out,
            &Head {
                title: &self.title,
                id: &self.id,
                name: None,
                description: &self.description,
                references: &self.references,
                tags: &self.tags,
            },
        );
        for n in &self.notes {
            out.push_str(&comment("", n));
        }
        out.push_str("correlation:\n");
        out.push_str(&format!("  type: {}\n", self.kind.as_str()));
        out.push_str("  rules:\n");
        for r in &self.rules {
            out.push_str(&format!("    - {}\n", quote(r)));
        }
        if !self.group_by.is_empty() {
            out.push_str("  group-by:\n");
            for g in &self.group_by {
                out.push_str(&format!("    - {}\n", quote(g)));
            }
        }
        out.push_str(&format!("  timespan: {}\n", self.timespan));
        if self.gte.is_some() || self.field.is_some() {
            out.push_str("  condition:\n");
            if let Some(f) = &self.field {
                out.push_str(&format!("    field: {}\n", quote(f)));
            }
            if let Some(n) = self.gte {
                out.push_str(&format!("    gte: {n}\n"));
            }
        }
        tail(&mut out, &self.falsepositives, &self.level);
        out
    }
}

/// Sigma timespan of a duration in microseconds: the largest unit that
/// divides it (`6m`, `24h`, `7d`), seconds otherwise (rounded up, so the
/// window is never shorter than ktriage's).
pub fn timespan(us: i64) -> String {
    let secs = (us.max(1) + 999_999) / 1_000_000;
    for (unit, n) in [("d", 86_400), ("h", 3600), ("m", 60)] {
        if secs % n == 0 {
            return format!("{}{unit}", secs / n);
        }
    }
    format!("{secs}s")
}

/// A glob of ktriage (`*`, `?`, no escapes) as a Sigma wildcard value:
/// the same wildcards, with Sigma's escape character escaped.
pub fn glob(g: &str) -> String {
    g.replace('\\', "\\\\")
}

/// A literal value (no wildcards) in Sigma: `*`, `?` and `\` escaped.
pub fn literal(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_structure() {
        assert_eq!(quote("it's: {x}"), "'it''s: {x}'");
        assert_eq!(comment("  ", "a\nb\u{1b}[2J"), "  # a b\\u{1b}[2J\n");
        assert_eq!(literal("a*b?c\\"), "a\\*b\\?c\\\\");
        assert_eq!(glob("sh.helm.*"), "sh.helm.*");
    }

    #[test]
    fn timespans() {
        assert_eq!(timespan(6 * 60_000_000), "6m");
        assert_eq!(timespan(24 * 3_600_000_000), "1d");
        assert_eq!(timespan(90_000_000), "90s");
        assert_eq!(timespan(1), "1s");
    }
}
