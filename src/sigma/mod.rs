//! `ktriage export sigma`: the detection set, with the allowlist and config
//! in force, as Sigma rules, so the SIEM that watches the whole fleet sees
//! the tuning done on the jump host. Pure: rules, config, allowlist and the
//! export time in; YAML texts, the rules that cannot be exported and why,
//! and notes out. The command wiring (files, stdout) is in `cli`.
//!
//! - `doc`: the Sigma documents as data and their YAML (with comments).
//! - `plans`: each rule's logic in Sigma terms, or why it cannot be.
//! - `filters`: allowlist entries as filter selections, never broader than
//!   ktriage's own matching.
//! - `windowed`: the windowed rules as Sigma correlations.
//! - `ipset`: the complement of address ranges (for `sourceIPs`).
//!
//! Rule ids are UUIDv5 of `urn:ktriage:sigma:<rule-id>[:<part>]`, stable
//! across exports and tuning, so the SIEM updates a rule instead of adding
//! one.

pub mod doc;
pub mod filters;
pub mod ipset;
pub mod plans;
pub mod windowed;

use crate::allowlist::Allowlist;
use crate::detect::{Config, RULES, RuleId, RuleInfo};
use doc::{Correlation, Rule};
use filters::{Filter, Outcome};
use plans::{Det, Plan};

/// Export options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Add `|cased` to filter values (exact, but Lucene and ES|QL backends
    /// reject it).
    pub cased: bool,
}

/// One exported rule: its file name and YAML (one or more documents).
#[derive(Debug, Clone)]
pub struct Exported {
    pub rule: RuleId,
    pub file_name: String,
    /// YAML documents of this rule (base rules first, then the correlation).
    pub documents: Vec<String>,
    /// Allowlist filters it carries.
    pub filters: usize,
}

/// Everything the export produced.
#[derive(Debug, Clone, Default)]
pub struct Export {
    pub rules: Vec<Exported>,
    /// Rules that are not exported, with the reason.
    pub not_exported: Vec<(RuleId, String)>,
    /// Sentences for stderr: entries left out, filters that expire.
    pub notes: Vec<String>,
}

pub fn uuid_for(rule: RuleId, part: Option<&str>) -> String {
    let name = match part {
        Some(p) => format!("urn:ktriage:sigma:{}:{p}", rule.as_str()),
        None => format!("urn:ktriage:sigma:{}", rule.as_str()),
    };
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).to_string()
}

/// Catalog tags in Sigma's style; `TA0006`-style ids are dropped (the
/// tactic is already named).
fn tags(info: &RuleInfo) -> Vec<String> {
    info.tags
        .iter()
        .filter(|t| t.starts_with("attack."))
        .map(|t| t.to_ascii_lowercase())
        .collect()
}

/// The catalog source, and ATT&CK pages for the technique tags.
fn references(info: &RuleInfo) -> Vec<String> {
    let mut out = vec![format!("ktriage {}: {}", info.id.as_str(), info.source)];
    for t in info.tags {
        let Some(tech) = t.strip_prefix("attack.t") else {
            continue;
        };
        if !tech.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let path = tech.replace('.', "/");
        out.push(format!(
            "https://attack.mitre.org/techniques/T{}/",
            path.to_ascii_uppercase()
        ));
    }
    out
}

fn falsepositives(id: RuleId) -> Vec<String> {
    let fp: &[&str] = match id {
        RuleId::SecretRead | RuleId::SecretListClusterWide | RuleId::SecretWrite => &[
            "Secret-consuming controllers and operators not yet in the allowlist",
            "Documented, time-boxed platform debugging",
        ],
        RuleId::SecretRapidGet => &["Backup tools and operators fetching many secrets by name"],
        RuleId::PodExec | RuleId::PodEphemeralContainer | RuleId::NodesProxyExec => {
            &["Documented debugging sessions"]
        }
        RuleId::HelmReleaseRead => &["Deploys by people who run Helm"],
        _ => &["Administration not yet in the allowlist"],
    };
    fp.iter().map(|s| s.to_string()).collect()
}

/// Add the rule's allowlist filters to a detection; returns the rule's
/// condition, the filters, and comments for entries left out.
fn with_filters(
    det: &Det,
    id: RuleId,
    allow: &Allowlist,
    now: i64,
    opts: Options,
    notes: &mut Vec<String>,
) -> (Vec<doc::Selection>, String, Vec<Filter>, Vec<String>) {
    let mut sels = det.selections.clone();
    let mut fs = Vec::new();
    let mut skipped = Vec::new();
    for e in allow
        .entries
        .iter()
        .filter(|e| e.applies_to_rule(id.as_str()))
    {
        match filters::filter(e, fs.len() + 1, now, opts.cased) {
            Outcome::Exported(f) => {
                if let Some(x) = &f.expires {
                    notes.push(format!(
                        "{}: filter_{} ({}) expires {x}; Sigma filters do not expire: export again then",
                        id.as_str(),
                        fs.len() + 1,
                        filters::origin(e)
                    ));
                }
                sels.extend(f.selections.iter().cloned());
                fs.push(f);
            }
            Outcome::Skipped(why) => {
                notes.push(format!("{}: {why}", id.as_str()));
                skipped.push(why);
            }
        }
    }
    let cond = filters::condition(&det.core, &fs);
    (sels, cond, fs, skipped)
}

fn description(info: &RuleInfo, fs: &[Filter]) -> String {
    let mut d = info.why.to_string();
    let expiring: Vec<String> = fs
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            f.expires
                .as_ref()
                .map(|x| format!("filter_{} expires {x}", i + 1))
        })
        .collect();
    if !expiring.is_empty() {
        d.push_str(&format!(
            " Allowlist filters with an expiry (remove or re-export then): {}.",
            expiring.join(", ")
        ));
    }
    d
}

fn case_note(opts: Options, filters: usize) -> Option<String> {
    (!opts.cased && filters > 0).then(|| {
        "filters match case-insensitively (Sigma's default) while ktriage's allowlist is case-sensitive; \
         `ktriage export sigma --cased` makes them exact for backends that support |cased"
            .to_string()
    })
}

/// Export every rule of the catalog.
pub fn export(cfg: &Config, allow: &Allowlist, now: i64, opts: Options) -> Export {
    let mut out = Export::default();
    for info in RULES {
        let id = info.id;
        let level = info.severity.as_str().to_string();
        match plans::plan(id, cfg) {
            Plan::NotExportable(why) => out.not_exported.push((id, why)),
            Plan::Single(det) => {
                let (selections, condition, fs, skipped) =
                    with_filters(&det, id, allow, now, opts, &mut out.notes);
                let mut notes = det.notes.clone();
                notes.extend(case_note(opts, fs.len()));
                notes.extend(skipped);
                let rule = Rule {
                    title: format!("{} (ktriage {})", info.title, id.as_str()),
                    id: uuid_for(id, None),
                    name: None,
                    description: description(info, &fs),
                    references: references(info),
                    tags: tags(info),
                    level,
                    falsepositives: falsepositives(id),
                    notes,
                    selections,
                    condition,
                };
                out.rules.push(Exported {
                    rule: id,
                    file_name: format!("{}.yml", id.as_str()),
                    documents: vec![rule.to_yaml()],
                    filters: fs.len(),
                });
            }
            Plan::Correlated {
                bases,
                kind,
                field,
                group_by,
                window_us,
                gte,
                notes,
            } => {
                let mut documents = Vec::new();
                let mut names = Vec::new();
                let mut all_filters = Vec::new();
                for b in &bases {
                    let (selections, condition, fs, skipped) = if b.filtered {
                        with_filters(&b.det, id, allow, now, opts, &mut out.notes)
                    } else {
                        (
                            b.det.selections.clone(),
                            b.det.core.clone(),
                            Vec::new(),
                            Vec::new(),
                        )
                    };
                    let name = format!("ktriage_{}_{}", id.as_str().replace('-', "_"), b.part);
                    let mut bnotes = b.det.notes.clone();
                    bnotes.extend(case_note(opts, fs.len()));
                    bnotes.extend(skipped);
                    let rule = Rule {
                        title: b.title.clone(),
                        id: uuid_for(id, Some(b.part)),
                        name: Some(name.clone()),
                        description: description(info, &fs),
                        references: references(info),
                        tags: tags(info),
                        level: "informational".into(),
                        falsepositives: falsepositives(id),
                        notes: bnotes,
                        selections,
                        condition,
                    };
                    documents.push(rule.to_yaml());
                    names.push(name);
                    all_filters.extend(fs);
                }
                let corr = Correlation {
                    title: format!("{} (ktriage {})", info.title, id.as_str()),
                    id: uuid_for(id, None),
                    description: description(info, &all_filters),
                    references: references(info),
                    tags: tags(info),
                    level,
                    falsepositives: falsepositives(id),
                    notes,
                    kind,
                    rules: names,
                    group_by: group_by.iter().map(|g| g.to_string()).collect(),
                    timespan: doc::timespan(window_us),
                    gte,
                    field: field.map(str::to_string),
                };
                documents.push(corr.to_yaml());
                out.rules.push(Exported {
                    rule: id,
                    file_name: format!("{}.yml", id.as_str()),
                    documents,
                    filters: all_filters.len(),
                });
            }
        }
    }
    out
}

/// The export as one YAML stream (`---` between documents), with the
/// rules that are not exported as a comment block at the end.
pub fn stream(e: &Export) -> String {
    let docs: Vec<&str> = e
        .rules
        .iter()
        .flat_map(|r| r.documents.iter().map(String::as_str))
        .collect();
    let mut out = docs.join("---\n");
    out.push_str(&not_exported_block(e));
    out
}

/// Comment lines naming each rule that is not exported and why.
pub fn not_exported_block(e: &Export) -> String {
    let mut out = String::new();
    if e.not_exported.is_empty() {
        return out;
    }
    out.push_str("# Not exported (ktriage still runs these on the jump host):\n");
    for (id, why) in &e.not_exported {
        out.push_str(&doc::comment("", &format!("{}: {why}", id.as_str())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = uuid_for(RuleId::SecretRead, None);
        assert_eq!(a, uuid_for(RuleId::SecretRead, None));
        assert_ne!(a, uuid_for(RuleId::SecretRapidGet, None));
        assert_ne!(
            uuid_for(RuleId::SecretRapidGet, None),
            uuid_for(RuleId::SecretRapidGet, Some("get"))
        );
        assert_eq!(a.len(), 36);
    }

    #[test]
    fn every_rule_is_exported_or_listed_once() {
        let e = export(
            &Config::default(),
            &Allowlist::empty(),
            0,
            Options::default(),
        );
        let mut seen: Vec<RuleId> = e.rules.iter().map(|r| r.rule).collect();
        seen.extend(e.not_exported.iter().map(|(id, _)| *id));
        seen.sort();
        assert_eq!(seen, RuleId::ALL, "each rule exactly once");
        assert!(
            e.not_exported
                .iter()
                .any(|(id, w)| *id == RuleId::SecretReadUntrustedSource
                    && w.contains("trusted_cidrs"))
        );
    }
}
