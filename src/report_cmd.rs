//! `ktriage report`: the incident report headlessly, as the TUI exports it
//! (Markdown) or as JSON, for every incident or one (`--incident`,
//! `--identity`), with the RBAC review from `--rbac` snapshots.

use crate::cli::{Common, TimeWindow, inputs, load_allowlist, load_config, summary};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use ktriage::detect::Engine;
use ktriage::pipeline::Ingest;
use ktriage::rbac::Snapshot;
use ktriage::report;
use ktriage::view::{self, Facts, Meta};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    Markdown,
    Json,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Audit logs or directories (every format `scan` reads). `-` reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Only this incident (`inc-…`, as `scan` prints it)
    #[arg(long, value_name = "ID", conflicts_with = "identity")]
    pub incident: Option<String>,
    /// Only the incidents this identity is part of
    #[arg(long, value_name = "NAME")]
    pub identity: Option<String>,
    /// RBAC snapshot: the JSON or YAML of `kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o json` (repeat for separate files)
    #[arg(long, value_name = "FILE")]
    pub rbac: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: ReportFormat,
    /// Write to FILE (atomically) instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the suggested least-privilege Role + RoleBinding of each identity as DIR/<identity>.yaml
    #[arg(long, value_name = "DIR")]
    pub suggest_rbac: Option<PathBuf>,
    #[command(flatten)]
    pub window: TimeWindow,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: &ReportArgs) -> Result<i32> {
    // A snapshot that cannot be trusted is an error before any work.
    let rbac = if args.rbac.is_empty() {
        None
    } else {
        Some(Snapshot::load(&args.rbac)?)
    };
    let cfg = load_config(&args.common)?;
    let allow = load_allowlist(&args.common)?;
    let mut ingest = Ingest::new(Engine::new(cfg.clone(), allow))
        .with_prefilter(&cfg)
        .with_bounds(args.window.bounds());
    let set = inputs(&args.paths)?;
    ktriage::source::read::read_set(
        &set.inputs,
        &mut ingest,
        ktriage::pipeline::parallel::default_threads(),
        &mut |_, _| std::ops::ControlFlow::Continue(()),
    )?;
    ingest.finish();
    let incidents = ingest.engine.incidents();
    let chosen: Vec<_> = incidents
        .iter()
        .filter(|i| args.incident.as_ref().is_none_or(|id| &i.id == id))
        .filter(|i| {
            args.identity
                .as_ref()
                .is_none_or(|n| i.identities.iter().any(|x| x == n))
        })
        .cloned()
        .collect();
    if chosen.is_empty() && (args.incident.is_some() || args.identity.is_some()) {
        let ids: Vec<&str> = incidents.iter().map(|i| i.id.as_str()).collect();
        bail!(
            "no incident matches {}; incidents in this log: {}",
            report::inert(
                args.incident
                    .as_deref()
                    .or(args.identity.as_deref())
                    .unwrap_or("")
            ),
            if ids.is_empty() {
                "none".into()
            } else {
                ids.join(", ")
            }
        );
    }
    let meta = Meta::new(
        chrono::Utc::now().timestamp_micros(),
        set.inputs.iter().map(|i| i.name()).collect(),
    );
    let mut text = Vec::new();
    let meta = report::problems::Problems::of(&ingest).into_meta(meta);
    match args.format {
        ReportFormat::Markdown => {
            report::markdown::write_with(
                &mut text,
                &ingest.engine,
                &chosen,
                meta,
                rbac.as_ref(),
                None,
            )?;
        }
        ReportFormat::Json => {
            let facts = Facts::of_engine(&ingest.engine, &chosen).with_rbac(rbac.as_ref());
            let v = view::build(&facts, meta, None);
            for i in &v.incidents {
                let reviews: Vec<_> = rbac
                    .as_ref()
                    .map(|s| {
                        i.identities
                            .iter()
                            .map(|id| ktriage::rbac::review(s, &ingest.engine, id))
                            .collect()
                    })
                    .unwrap_or_default();
                serde_json::to_writer(
                    &mut text,
                    &report::incident_json::incident(&v, i, &reviews)?,
                )?;
                text.push(b'\n');
            }
            serde_json::to_writer(
                &mut text,
                &report::summary::summary_line(&ingest, incidents.len()),
            )?;
            text.push(b'\n');
        }
    }
    if let Some(dir) = &args.suggest_rbac {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let facts = Facts::of_engine(&ingest.engine, &chosen).with_rbac(rbac.as_ref());
        let v = view::build(&facts, Meta::new(0, Vec::new()), None);
        let mut written = std::collections::BTreeSet::new();
        for s in v.incidents.iter().flat_map(|i| &i.suggested) {
            let file = dir.join(format!("{}.yaml", file_name(&s.suggestion.identity)));
            if written.insert(file.clone()) {
                ktriage::allowlist::write_atomic(
                    &file,
                    &ktriage::rbac::suggest::yaml(&s.suggestion),
                )
                .with_context(|| format!("cannot write {}", file.display()))?;
            }
        }
        eprintln!(
            "ktriage: wrote {} to {}",
            ktriage::words::count_of(written.len(), "suggested role file", "suggested role files"),
            dir.display()
        );
    }
    match &args.output {
        Some(p) => {
            let s = String::from_utf8(text).context("report is UTF-8")?;
            ktriage::allowlist::write_atomic(p, &s)
                .with_context(|| format!("cannot write {}", p.display()))?;
            eprintln!("ktriage: wrote {}", p.display());
        }
        None => std::io::stdout().lock().write_all(&text)?,
    }
    let unreadable = summary(&ingest, &set, incidents.len(), false);
    Ok(if unreadable { 2 } else { 0 })
}

/// A file name from an identity (which the log controls): no path
/// separators, no dots at the start, bounded.
fn file_name(identity: &str) -> String {
    let mut n: String = identity
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    n.truncate(100);
    if n.is_empty() {
        n.push_str("identity");
    }
    n
}
