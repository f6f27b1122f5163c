//! Edits that write files: the allowlist (add/edit/delete/undo/reload,
//! then a re-evaluation request to the worker), checklist notes, and the
//! Markdown export. Split from `actions.rs`, which maps keys to these.

use super::app::{App, Mode, Pane};
use super::export;
use super::form::{Form, FormKind, FormOutcome};
use super::panes::incidents;
use super::worker::Command;
use crate::allowlist::EntryKind;
use crate::detect::RuleId;
use crossterm::event::{KeyCode, KeyEvent};

/// What `a` proposes, from whatever is selected where.
pub(super) fn prefill(app: &App) -> (EntryKind, String, Vec<String>) {
    let row = app.focused().selected_row();
    let key = row.map(|r| r.key.as_str()).unwrap_or("");
    match app.focus {
        Pane::Incidents => {
            if let Some(e) = incidents::event_for_key(app, key) {
                if matches!(app.mode, Mode::Detail { .. })
                    || !e.user_agent.is_empty() && key.starts_with("e:")
                {
                    return (EntryKind::UserAgent, e.user_agent.clone(), Vec::new());
                }
            }
            match app.current_incident() {
                Some(inc) => (
                    EntryKind::User,
                    inc.primary.clone(),
                    inc.rules.iter().map(|r| r.as_str().to_string()).collect(),
                ),
                None => (EntryKind::User, String::new(), Vec::new()),
            }
        }
        Pane::Identities => {
            if let Some((_, secret)) = key.split_once(":s:") {
                let name = secret.rsplit('/').next().unwrap_or(secret);
                return (EntryKind::SecretName, name.to_string(), Vec::new());
            }
            if let Some(ip) = key.strip_prefix("ip:").filter(|k| !k.contains(":id:")) {
                let cidr = if ip.contains(':') {
                    format!("{ip}/128")
                } else {
                    format!("{ip}/32")
                };
                return (EntryKind::SourceCidr, cidr, Vec::new());
            }
            let id = key.rsplit_once("id:").map(|(_, id)| id).unwrap_or("");
            let id = id.split(":s:").next().unwrap_or(id);
            (
                EntryKind::User,
                id.split(":x:")
                    .next()
                    .unwrap_or(id)
                    .split(":c:")
                    .next()
                    .unwrap_or(id)
                    .to_string(),
                Vec::new(),
            )
        }
        _ => match app.current_incident() {
            Some(inc) => (EntryKind::User, inc.primary.clone(), Vec::new()),
            None => (EntryKind::User, String::new(), Vec::new()),
        },
    }
}

pub(super) fn start_allow(app: &mut App) {
    if let Err(e) = &app.allowlist {
        return app.flash(format!("the allowlist cannot be edited: {e}"), true);
    }
    let pre = prefill(app);
    app.mode = Mode::Form(Box::new(Form::entry(FormKind::AddEntry, None, pre)));
}

/// Apply an edit to the allowlist file, then ask the worker to re-evaluate.
pub(super) fn allowlist_edit(
    app: &mut App,
    f: impl FnOnce(
        &mut crate::allowlist::AllowlistFile,
        &[&str],
    ) -> Result<(), crate::allowlist::AllowlistError>,
    done: &str,
) {
    let Ok(file) = app.allowlist.as_mut() else {
        return;
    };
    match f(file, RuleId::IDS) {
        Ok(()) => {
            app.generation += 1;
            let cmd = Command::Reevaluate {
                allowlist: file.allowlist.clone(),
                generation: app.generation,
            };
            app.send(cmd);
            app.rebuild_pane(Pane::Allowlist);
            app.flash(format!("{done}; saved to {}", file_path(app)), false);
        }
        Err(e) => app.flash(e.to_string(), true),
    }
}

fn file_path(app: &App) -> String {
    app.allowlist
        .as_ref()
        .map(|f| f.path.display().to_string())
        .unwrap_or_default()
}

pub(super) fn reload_allowlist(app: &mut App) {
    let Ok(path) = app.allowlist.as_ref().map(|f| f.path.clone()) else {
        return;
    };
    match crate::allowlist::AllowlistFile::open(&path, &app.allowlist_init, RuleId::IDS) {
        Ok(f) => {
            app.generation += 1;
            app.send(Command::Reevaluate {
                allowlist: f.allowlist.clone(),
                generation: app.generation,
            });
            app.allowlist = Ok(f);
            app.rebuild_pane(Pane::Allowlist);
            app.flash("allowlist reloaded", false);
        }
        Err(e) => app.flash(format!("{e} (keeping the allowlist in memory)"), true),
    }
}

pub(super) fn export_report(app: &mut App, path: Option<&str>) {
    let Some(inc) = app.current_incident() else {
        return app.flash("no incident selected to export", true);
    };
    let path = path
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| export::default_path(inc));
    // The front-end reads the clock; the report only prints it.
    let meta = crate::view::Meta::new(
        chrono::Utc::now().timestamp_micros(),
        vec![app.view().status.sources.clone()],
    );
    let text = export::incident_markdown(app.view(), inc, &app.checklist, meta);
    match export::write_report(&path, &text) {
        Ok(()) => app.flash(format!("report written to {}", path.display()), false),
        Err(e) => app.flash(format!("cannot write {}: {e}", path.display()), true),
    }
}

pub(super) fn form_key(app: &mut App, k: KeyEvent) {
    let Mode::Form(form) = &mut app.mode else {
        return;
    };
    if k.code == KeyCode::Char('c')
        && k.modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL)
    {
        app.quit = true;
        return;
    }
    match form.key(&k) {
        FormOutcome::Continue => {}
        FormOutcome::Cancel => app.mode = Mode::Normal,
        FormOutcome::Submit => submit_form(app),
    }
}

fn submit_form(app: &mut App) {
    let Mode::Form(form) = &mut app.mode else {
        return;
    };
    if let FormKind::Note { incident, item } = &form.kind {
        let (inc, item, note) = (incident.clone(), item.clone(), form.fields[0].value.clone());
        app.mode = Mode::Normal;
        match app.checklist.set_note(&inc, &item, &note) {
            Ok(()) => app.rebuild_pane(Pane::Checklist),
            Err(e) => app.flash(e.to_string(), true),
        }
        return;
    }
    let entry = match form.to_entry() {
        Ok(e) => e,
        Err(msg) => {
            form.error = Some(msg);
            return;
        }
    };
    let kind = form.kind.clone();
    let Ok(file) = app.allowlist.as_mut() else {
        return;
    };
    let result = match kind {
        FormKind::EditEntry(i) => file.replace(i, &entry, RuleId::IDS),
        _ => file.add(&entry, RuleId::IDS),
    };
    match result {
        Err(e) => {
            if let Mode::Form(form) = &mut app.mode {
                form.error = Some(e.to_string());
            }
        }
        Ok(()) => {
            app.mode = Mode::Normal;
            app.generation += 1;
            let cmd = Command::Reevaluate {
                allowlist: file.allowlist.clone(),
                generation: app.generation,
            };
            let path = file.path.display().to_string();
            app.send(cmd);
            app.rebuild_pane(Pane::Allowlist);
            app.flash(
                format!(
                    "allowlisted {} {}; saved to {path}; re-evaluating",
                    entry.kind, entry.value
                ),
                false,
            );
        }
    }
}
