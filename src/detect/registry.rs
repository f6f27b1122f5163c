//! The rule registry: every rule's stable id, severity, source, ATT&CK tags,
//! title and "why it matters / what to check". The rule logic lives in one
//! file per family; this table is what `ktriage rules`, the reports and the
//! TUI show.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!(
                "unknown severity `{s}` (low, medium, high, critical)"
            )),
        }
    }
}

/// The one declaration of every rule (see `detect::catalog`): from one row
/// per rule it generates the `RuleId` enum and its string ids, the
/// [`RULES`] registry `ktriage rules` and the reports print, the
/// `[rules.<id>]` settings struct with its TOML names, and
/// `RuleSettings::enabled`. Every settings type has `enabled: bool`.
macro_rules! rules {
    ($(
        $variant:ident = $id:literal, $field:ident: $cfg:ty {
            severity: $sev:ident,
            title: $title:expr,
            source: $source:expr,
            tags: $tags:expr,
            why: $why:expr $(,)?
        }
    ),* $(,)?) => {
        /// Stable rule identifiers; the string form is the public contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId { $($variant),* }
        impl RuleId {
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),*];
            pub const IDS: &'static [&'static str] = &[$($id),*];
            pub fn as_str(self) -> &'static str {
                match self { $(RuleId::$variant => $id),* }
            }
        }

        pub static RULES: &[$crate::detect::registry::RuleInfo] = &[$(
            $crate::detect::registry::RuleInfo {
                id: RuleId::$variant,
                severity: $crate::detect::registry::Severity::$sev,
                title: $title,
                source: $source,
                tags: $tags,
                why: $why,
            }
        ),*];

        /// Every rule's settings, `[rules.<id>]` in the config file.
        #[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct RuleSettings {
            $(
                #[serde(rename = $id)]
                pub $field: $cfg,
            )*
        }

        impl RuleSettings {
            pub fn enabled(&self, id: RuleId) -> bool {
                match id { $(RuleId::$variant => self.$field.enabled),* }
            }
        }
    };
}

pub use super::catalog::{RULES, RuleId};
pub(crate) use rules;

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RuleId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RuleId::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown rule `{s}`"))
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What a rule is, for people.
#[derive(Debug)]
pub struct RuleInfo {
    pub id: RuleId,
    pub severity: Severity,
    pub title: &'static str,
    /// The seed document or published rule it follows, or "ktriage".
    pub source: &'static str,
    pub tags: &'static [&'static str],
    pub why: &'static str,
}

pub fn info(id: RuleId) -> &'static RuleInfo {
    RULES
        .iter()
        .find(|r| r.id == id)
        .expect("every rule id has registry info")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_info_once() {
        for id in RuleId::ALL {
            assert_eq!(RULES.iter().filter(|r| r.id == *id).count(), 1, "{id}");
        }
        assert_eq!(RULES.len(), RuleId::ALL.len());
    }
}
