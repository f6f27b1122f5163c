//! Checklist actions: Space ticks, `n` annotates, `C` carries over a
//! similar incident's checklist. Each acts on exactly the highlighted step
//! row, whose typed id names its incident and item (split from
//! `actions.rs`).

use super::app::{App, Mode, Pane};
use super::checklist::{Subject, subject};
use super::form::Form;
use super::panes::checklist;

pub(super) fn note(app: &mut App) {
    let Some((inc, item, subj)) = selected_step(app) else {
        return;
    };
    let cur = app.checklist.lookup(&subj).get(&item).note;
    app.mode = Mode::Form(Box::new(Form::note(&inc, &item, &cur)));
}

pub(super) fn carry_over(app: &mut App) {
    let Some(inc) = shown_incident(app) else {
        return;
    };
    let subj = subject(app.view(), inc);
    if app.checklist.lookup(&subj).similar.is_none() {
        return app.flash("no stored checklist of a similar incident", false);
    }
    match app.checklist.carry_over(&subj) {
        Ok(()) => app.flash("checklist of the similar incident carried over", false),
        Err(e) => app.flash(e.to_string(), true),
    }
    app.rebuild_pane(Pane::Checklist);
}

/// The incident the checklist pane shows (its rows carry its id).
fn shown_incident(app: &App) -> Option<&crate::detect::Incident> {
    let l = app.list(Pane::Checklist);
    let id = l.rows.iter().find_map(|r| checklist::step_of(&r.key))?.0;
    app.view().incidents.iter().find(|i| i.id == id)
}

/// The step on the highlighted row: its incident id, item key and the
/// incident's investigation. Headings are never highlighted; an evidence
/// row is not a step, and says so.
fn selected_step(app: &mut App) -> Option<(String, String, Subject)> {
    let key = app.list(Pane::Checklist).selected_row()?.key.clone();
    let Some((inc, item)) = checklist::step_of(&key) else {
        app.flash(
            "this is evidence of the step above it; Space and n act on step rows",
            false,
        );
        return None;
    };
    let Some(i) = app.view().incidents.iter().find(|i| i.id == inc) else {
        app.flash(
            "this incident changed since the checklist was drawn; look again",
            true,
        );
        return None;
    };
    let subj = subject(app.view(), i);
    Some((inc.to_string(), item.to_string(), subj))
}

/// Space: tick or untick exactly the highlighted step.
pub(super) fn tick(app: &mut App) {
    let Some((_, item, subj)) = selected_step(app) else {
        return;
    };
    let now = !app.checklist.lookup(&subj).get(&item).done;
    if let Err(e) = app.checklist.set_done(&subj, &item, now) {
        app.flash(e.to_string(), true);
    }
    app.rebuild_pane(Pane::Checklist);
}
