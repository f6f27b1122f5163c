//! What could not be judged, said at the top of every report (text,
//! Markdown) as well as in the summary: an input that could not be read
//! (`NOT JUDGED`), and what a readable input cannot show (a source that
//! leaves out get and list, a policy that records no pod specs…). One
//! place, so `scan` and `report` say it the same way.

use crate::pipeline::{Health, Ingest};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Problems {
    pub fn of(ingest: &Ingest) -> Problems {
        let mut p = Problems::default();
        for h in ingest.health() {
            match h {
                Health::Error(e) => p.errors.push(e),
                Health::Warning(w) => p.warnings.push(w),
                Health::Ok => {}
            }
        }
        p
    }

    /// For the text report (inert).
    pub fn text(&self) -> String {
        let mut s = String::new();
        if !self.errors.is_empty() {
            s.push_str(&format!(
                "NOT JUDGED: {}; what follows covers only what could be read:\n",
                crate::words::count_of(self.errors.len(), "input problem", "input problems")
            ));
            for e in &self.errors {
                s.push_str(&format!(
                    "  {}\n",
                    super::text::wrap(&super::inert(e), 78, "    ")
                ));
            }
        }
        for w in &self.warnings {
            let line = format!("WARNING: {}", super::inert(w));
            s.push_str(&format!("{}\n", super::text::wrap(&line, 80, "  ")));
        }
        if !s.is_empty() {
            s.push('\n');
        }
        s
    }

    /// Into the report's metadata (the Markdown report renders them after
    /// its header).
    pub fn into_meta(self, mut meta: crate::view::Meta) -> crate::view::Meta {
        meta.not_judged = self.errors;
        meta.cannot_show = self.warnings;
        meta
    }
}
