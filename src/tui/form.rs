//! Small modal forms: the allowlist entry (add/edit) and a checklist note.
//! Input is validated on submit with the model's own checks
//! (`AllowlistEntry::new`, `set_expiry`, the file's re-parse), and a
//! failure is shown inside the form; the form stays open, nothing is
//! written, nothing panics.

use crate::allowlist::{AllowlistEntry, EntryKind};
use crate::detect::RuleId;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, PartialEq)]
pub enum FormKind {
    AddEntry,
    EditEntry(usize),
    Note { incident: String, item: String },
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub value: String,
    pub hint: &'static str,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub error: Option<String>,
    /// Kept from the entry being edited (not editable here).
    pub keep: Option<AllowlistEntry>,
    /// The candidate entry whose impact was last asked of the worker, and
    /// the token of that request (`Status::preview` answers it).
    pub previewed: Option<(AllowlistEntry, u64)>,
    /// The candidate the analyst confirmed after seeing what it hides.
    pub confirmed: Option<AllowlistEntry>,
}

/// What a key did to the form.
#[derive(Debug, PartialEq)]
pub enum FormOutcome {
    Continue,
    Cancel,
    Submit,
}

fn field(label: &'static str, value: &str, hint: &'static str) -> Field {
    Field {
        label,
        value: value.to_string(),
        hint,
    }
}

impl Form {
    /// An allowlist entry form, prefilled.
    pub fn entry(
        kind: FormKind,
        e: Option<&AllowlistEntry>,
        prefill: (EntryKind, String, Vec<String>),
    ) -> Form {
        let (k, v, rules, reason, exp) = match e {
            Some(e) => (
                e.kind,
                e.value.clone(),
                e.rules.clone(),
                e.reason.clone(),
                e.expires_text.clone().unwrap_or_default(),
            ),
            None => (
                prefill.0,
                prefill.1,
                prefill.2,
                String::new(),
                String::new(),
            ),
        };
        Form {
            kind,
            fields: vec![
                field(
                    "kind",
                    k.as_str(),
                    "←/→ to change: user, user-prefix, group, namespace, secret-name, source-cidr, user-agent",
                ),
                field("value", &v, "the identity, prefix, glob or CIDR"),
                field(
                    "rules",
                    &rules.join(", "),
                    "rule ids, comma-separated; empty = every rule",
                ),
                field(
                    "reason",
                    &reason,
                    "required: why this is normal in this cluster",
                ),
                field("expires", &exp, "optional: 2026-12-31 or an RFC 3339 time"),
            ],
            focus: 3,
            error: None,
            keep: e.cloned(),
            previewed: None,
            confirmed: None,
        }
    }

    pub fn note(incident: &str, item: &str, current: &str) -> Form {
        Form {
            kind: FormKind::Note {
                incident: incident.to_string(),
                item: item.to_string(),
            },
            fields: vec![field("note", current, "Enter saves, Esc cancels")],
            focus: 0,
            error: None,
            keep: None,
            previewed: None,
            confirmed: None,
        }
    }

    pub fn title(&self) -> &'static str {
        match self.kind {
            FormKind::AddEntry => "Add allowlist entry",
            FormKind::EditEntry(_) => "Edit allowlist entry",
            FormKind::Note { .. } => "Note",
        }
    }

    pub fn insert(&mut self, text: &str) {
        let f = &mut self.fields[self.focus];
        f.value.extend(text.chars().filter(|c| !c.is_control()));
        self.error = None;
    }

    pub fn key(&mut self, k: &KeyEvent) -> FormOutcome {
        let n = self.fields.len();
        match k.code {
            KeyCode::Esc => return FormOutcome::Cancel,
            KeyCode::Enter => return FormOutcome::Submit,
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % n,
            KeyCode::BackTab | KeyCode::Up => self.focus = (self.focus + n - 1) % n,
            KeyCode::Left | KeyCode::Right if self.fields[self.focus].label == "kind" => {
                let cur: Option<usize> = EntryKind::ALL
                    .iter()
                    .position(|k| k.as_str() == self.fields[self.focus].value);
                let len = EntryKind::ALL.len();
                let next = match (cur, k.code) {
                    (Some(i), KeyCode::Right) => (i + 1) % len,
                    (Some(i), _) => (i + len - 1) % len,
                    (None, _) => 0,
                };
                self.fields[self.focus].value = EntryKind::ALL[next].as_str().to_string();
            }
            KeyCode::Backspace => {
                self.fields[self.focus].value.pop();
            }
            KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                self.fields[self.focus].value.clear()
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                self.insert(&c.to_string())
            }
            _ => {}
        }
        FormOutcome::Continue
    }

    fn value(&self, label: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value.trim())
            .unwrap_or("")
    }

    /// Is this an allowlist entry form (not a note)?
    pub fn is_entry(&self) -> bool {
        matches!(self.kind, FormKind::AddEntry | FormKind::EditEntry(_))
    }

    /// The entry as far as matching goes, for the impact preview and the
    /// breadth warnings. The reason does not change what an entry hides, so
    /// it is left out: typing it asks the worker for nothing.
    pub fn candidate(&self) -> Option<AllowlistEntry> {
        if !self.is_entry() {
            return None;
        }
        let mut f = self.clone();
        if let Some(r) = f.fields.iter_mut().find(|x| x.label == "reason") {
            r.value = "(preview)".into();
        }
        f.to_entry().ok()
    }

    /// The entry the form describes, or a sentence saying what is wrong.
    pub fn to_entry(&self) -> Result<AllowlistEntry, String> {
        let kind: EntryKind = self.value("kind").parse()?;
        let mut e = AllowlistEntry::new(kind, self.value("value"))?;
        let rules: Vec<&str> = self
            .value("rules")
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .collect();
        if let Some(bad) = rules.iter().find(|r| !RuleId::IDS.contains(r)) {
            return Err(format!(
                "unknown rule `{bad}` (known: {})",
                RuleId::IDS.join(", ")
            ));
        }
        e = e.with_rules(&rules);
        let reason = self.value("reason");
        if reason.is_empty() {
            return Err("a reason is required: say why this is normal here".into());
        }
        e = e.with_reason(reason);
        e.set_expiry(Some(self.value("expires")))?;
        if let Some(old) = &self.keep {
            e.named_only = old.named_only;
            if kind == EntryKind::PodServiceAccount {
                e.pod_name_prefix = old.pod_name_prefix.clone();
            }
        }
        if kind == EntryKind::PodServiceAccount && e.pod_name_prefix.is_none() {
            return Err(
                "pod-service-account entries need pod_name_prefix: add those in the file itself"
                    .into(),
            );
        }
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_messages_not_panics() {
        let mut f = Form::entry(
            FormKind::AddEntry,
            None,
            (EntryKind::SourceCidr, "10.0.0.0/99".into(), vec![]),
        );
        f.fields[3].value = "ci runners".into();
        assert!(f.to_entry().unwrap_err().contains("10.0.0.0/99") || f.to_entry().is_err());
        f.fields[1].value = "10.0.0.0/8".into();
        f.fields[2].value = "secret-read, nope".into();
        assert!(f.to_entry().unwrap_err().contains("unknown rule `nope`"));
        f.fields[2].value = "secret-read".into();
        f.fields[4].value = "next week".into();
        assert!(f.to_entry().is_err());
        f.fields[4].value = "2030-01-01".into();
        let e = f.to_entry().unwrap();
        assert_eq!(e.rules, vec!["secret-read"]);
        f.fields[3].value.clear();
        assert!(f.to_entry().unwrap_err().contains("reason"));
    }
}
