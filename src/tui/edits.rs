//! Edits that write files: the allowlist (add/edit/delete/undo/reload,
//! then a re-evaluation request to the worker), checklist notes, and the
//! Markdown export. Split from `actions.rs`, which maps keys to these.

use super::app::{App, Mode, Pane};
use super::export;
use super::form::{Form, FormKind, FormOutcome};
use super::worker::Command;
use crate::allowlist::EntryKind;
use crate::detect::RuleId;
use crossterm::event::{KeyCode, KeyEvent};

/// What `a` proposes, from the typed id of whatever is selected where
/// (never from a key string parsed back: identities contain colons), with
/// the narrowest scope the selection allows: that identity and the rules
/// that alerted on it, a secret with its namespace. A broader entry is
/// typed by the analyst, and the form says how broad it is.
pub(super) fn prefill(app: &App) -> (EntryKind, String, Vec<String>) {
    let key = app.focused().selected_row().map(|r| &r.key);
    key.and_then(|k| (super::panes::def(app.focus).prefill)(app, k))
        .unwrap_or_else(|| incident_prefill(app))
}

/// The rules that alerted on this identity, in rule order.
pub(crate) fn identity_rules(app: &App, identity: &str) -> Vec<String> {
    let mut rules: Vec<RuleId> = (app.view().alerts.iter())
        .filter(|a| a.identity == identity)
        .map(|a| a.rule)
        .collect();
    rules.sort();
    rules.dedup();
    rules.iter().map(|r| r.as_str().to_string()).collect()
}

fn incident_prefill(app: &App) -> (EntryKind, String, Vec<String>) {
    match app.current_incident() {
        Some(inc) => (
            EntryKind::User,
            inc.primary.clone(),
            identity_rules(app, &inc.primary),
        ),
        None => (EntryKind::User, String::new(), Vec::new()),
    }
}

pub(super) fn start_allow(app: &mut App) {
    if let Err(e) = &app.allowlist {
        return app.flash(format!("the allowlist cannot be edited: {e}"), true);
    }
    let pre = prefill(app);
    app.mode = Mode::Form(Box::new(Form::entry(FormKind::AddEntry, None, pre)));
    request_preview(app);
}

/// The allowlist in force with the form's entry added (or put in place of
/// the one edited).
fn candidate_allowlist(app: &App, form: &Form) -> Option<crate::allowlist::Allowlist> {
    let entry = form.candidate()?;
    let file = app.allowlist.as_ref().ok()?;
    let mut a = file.allowlist.clone();
    match form.kind {
        FormKind::EditEntry(i) if i < a.entries.len() => a.entries[i] = entry,
        _ => a.entries.push(entry),
    }
    Some(a)
}

/// Ask the worker what the entry being typed would hide, once per
/// distinct candidate.
pub(crate) fn request_preview(app: &mut App) {
    let Mode::Form(form) = &app.mode else {
        return;
    };
    let Some(entry) = form.candidate() else {
        return;
    };
    if form.previewed.as_ref().is_some_and(|(e, _)| *e == entry) {
        return;
    }
    let Some(allowlist) = candidate_allowlist(app, form) else {
        return;
    };
    app.preview_token += 1;
    let token = app.preview_token;
    app.send(Command::Preview { allowlist, token });
    if let Mode::Form(form) = &mut app.mode {
        form.previewed = Some((entry, token));
    }
}

/// What the entry being typed would hide, when the worker has answered.
pub fn form_impact<'a>(app: &'a App, form: &Form) -> Option<&'a super::impact::Impact> {
    let (entry, token) = form.previewed.as_ref()?;
    if form.candidate().as_ref() != Some(entry) {
        return None;
    }
    app.live
        .status
        .preview
        .as_ref()
        .filter(|p| p.token == *token)
}

/// Ask what entry `i` suppresses: the allowlist without it, compared.
pub(crate) fn request_suppressed(app: &mut App, i: usize) {
    let Ok(file) = app.allowlist.as_ref() else {
        return;
    };
    let mut a = file.allowlist.clone();
    if i >= a.entries.len() {
        return;
    }
    a.entries.remove(i);
    app.preview_token += 1;
    let token = app.preview_token;
    app.send(Command::Preview {
        allowlist: a,
        token,
    });
    app.mode = Mode::Suppressed { entry: i, token };
}

/// Apply an edit to the allowlist file, then ask the worker to re-evaluate.
pub(crate) fn allowlist_edit(
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
            let merged = file.merged_from_disk;
            reevaluate(app);
            let also = if merged {
                " (merged with a change another process saved)"
            } else {
                ""
            };
            app.flash(format!("{done}; saved to {}{also}", file_path(app)), false);
        }
        Err(e) => {
            if matches!(e, crate::allowlist::AllowlistError::ChangedOnDisk { .. }) {
                // The newer file was loaded: detect with what is on disk.
                reevaluate(app);
            }
            app.flash(e.to_string(), true);
        }
    }
}

/// Ask the worker to judge again with the allowlist now in memory.
fn reevaluate(app: &mut App) {
    let Ok(file) = app.allowlist.as_ref() else {
        return;
    };
    app.generation += 1;
    let cmd = Command::Reevaluate {
        allowlist: file.allowlist.clone(),
        generation: app.generation,
    };
    app.send(cmd);
    app.allowlist_changed_told = false;
    if app.show_suppressed {
        super::suppressed::request(app);
    }
    app.rebuild_pane(Pane::Allowlist);
}

fn file_path(app: &App) -> String {
    app.allowlist
        .as_ref()
        .map(|f| f.path.display().to_string())
        .unwrap_or_default()
}

/// Ctrl-r: read the file again, also when it did not parse before (fixed
/// on disk since): detection then uses it instead of the fallback.
pub(super) fn reload_allowlist(app: &mut App) {
    let path = match app.allowlist.as_ref() {
        Ok(f) => f.path.clone(),
        Err(_) => app.allowlist_path.clone(),
    };
    if path.as_os_str().is_empty() {
        return;
    }
    let was_broken = app.allowlist.is_err();
    match crate::allowlist::AllowlistFile::open(&path, &app.allowlist_init, RuleId::IDS) {
        Ok(f) => {
            app.generation += 1;
            app.send(Command::Reevaluate {
                allowlist: f.allowlist.clone(),
                generation: app.generation,
            });
            app.allowlist = Ok(f);
            app.allowlist_changed_told = false;
            app.rebuild_pane(Pane::Allowlist);
            app.warnings
                .retain(|w| !w.ends_with("using the built-in allowlist"));
            app.flash(
                if was_broken {
                    "allowlist file loaded: detection now uses it (re-evaluating)"
                } else {
                    "allowlist reloaded"
                },
                false,
            );
        }
        Err(e) if was_broken => {
            app.allowlist = Err(e.to_string());
            app.rebuild_pane(Pane::Allowlist);
            app.flash(
                format!("{e} (still using the built-in allowlist; Ctrl-r retries)"),
                true,
            );
        }
        Err(e) => app.flash(format!("{e} (keeping the allowlist in memory)"), true),
    }
}

pub(super) fn export_report(app: &mut App, path: Option<&str>) {
    let Some(inc) = app.current_incident() else {
        return app.flash("no incident selected to export", true);
    };
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let path = path
        .map(|p| export::expand_home(p, home.as_deref()))
        .unwrap_or_else(|| export::default_path(inc));
    // The front-end reads the clock; the report only prints it.
    let mut meta = crate::view::Meta::new(
        chrono::Utc::now().timestamp_micros(),
        vec![app.view().status.sources.clone()],
    );
    // What could not be judged goes into the report too, as in `scan`.
    for p in &app.view().status.problems {
        if let Some(e) = p.strip_prefix("ERROR: ") {
            meta.not_judged.push(e.to_string());
        } else if let Some(w) = p.strip_prefix("warning: ") {
            meta.cannot_show.push(w.to_string());
        }
    }
    let text = match export::incident_markdown(app.view(), inc, &app.checklist, meta) {
        Ok(t) => t,
        Err(e) => return app.flash(format!("report not written: {e}"), true),
    };
    match export::write_report(&path, &text) {
        Ok(()) => app.flash(format!("report written to {}", path.display()), false),
        Err(e) => app.flash(format!("cannot write {}: {e}", path.display()), true),
    }
}

pub(super) fn form_key(app: &mut App, k: KeyEvent) {
    let Mode::Form(form) = &mut app.mode else {
        return;
    };
    // Ctrl-c cancels the form as in the prompts: quitting here would drop
    // the edit being typed.
    if k.code == KeyCode::Char('c')
        && k.modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL)
    {
        app.mode = Mode::Normal;
        app.flash("edit cancelled", false);
        return;
    }
    match form.key(&k) {
        FormOutcome::Continue => request_preview(app),
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
        let Some(i) = app.view().incidents.iter().find(|i| i.id == inc) else {
            return app.flash(
                "this incident changed while the note was typed; note not saved",
                true,
            );
        };
        let subj = super::checklist::subject(app.view(), i);
        if let Err(e) = app.checklist.set_note(&subj, &item, &note) {
            app.flash(e.to_string(), true);
        }
        app.rebuild_pane(Pane::Checklist);
        return;
    }
    let entry = match form.to_entry() {
        Ok(e) => e,
        Err(msg) => {
            form.error = Some(msg);
            return;
        }
    };
    // Nothing is hidden by surprise: an entry that hides alerts, is broad,
    // or whose impact is not known yet is saved on a second Enter.
    let Mode::Form(form) = &app.mode else {
        return;
    };
    let candidate = form.candidate();
    let impact = form_impact(app, form);
    let hides = impact.is_none_or(|i| !i.hidden.is_empty() || !i.reduced.is_empty());
    let broad = !crate::allowlist::breadth_warnings(&entry).is_empty();
    if (hides || broad) && form.confirmed != candidate {
        let why = match impact {
            None => "has an impact not computed yet".to_string(),
            Some(i) if hides => i.summary(),
            Some(_) => "is broad (see the warnings)".to_string(),
        };
        let msg = format!("this entry {why}: Enter again saves it, Esc cancels");
        if let Mode::Form(form) = &mut app.mode {
            form.confirmed = candidate;
            form.error = Some(msg);
        }
        return;
    }
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
            if matches!(e, crate::allowlist::AllowlistError::ChangedOnDisk { .. }) {
                reevaluate(app);
            }
            if let Mode::Form(form) = &mut app.mode {
                form.error = Some(e.to_string());
            }
        }
        Ok(()) => {
            let merged = file.merged_from_disk;
            let path = file.path.display().to_string();
            app.mode = Mode::Normal;
            reevaluate(app);
            let also = if merged {
                " (merged with a change another process saved)"
            } else {
                ""
            };
            app.flash(
                format!(
                    "allowlisted {} {}; saved to {path}{also}; re-evaluating",
                    entry.kind, entry.value
                ),
                false,
            );
        }
    }
}
