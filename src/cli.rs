//! Command-line interface: argument parsing and the thin wiring of the
//! headless commands (`scan`, `rules`, `allowlist`). The TUI is the default
//! command. Errors surface here as one line on stderr and exit code 2.

mod stream;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ktriage::allowlist::{self, Allowlist, AllowlistFile};
use ktriage::detect::{Config, Engine, RULES, RuleId, Severity};
use ktriage::pipeline::{Ingest, Malformed};
use ktriage::report;
use ktriage::source;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "ktriage",
    version,
    about = "Triage Kubernetes Secret exfiltration in API-server audit logs"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub tui: TuiArgs,
}

#[derive(Args, Debug, Default)]
pub struct Common {
    /// Allowlist file (default: $XDG_CONFIG_HOME/ktriage/allowlist.toml, else built-in defaults)
    #[arg(long, value_name = "FILE", global = true)]
    pub allowlist: Option<PathBuf>,
    /// Use no allowlist at all when no allowlist file is given (every secret read alerts)
    #[arg(long, global = true)]
    pub no_default_allowlist: bool,
    /// Detection settings (default: $XDG_CONFIG_HOME/ktriage/config.toml if present)
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Identities whose detail is held (config `max_identities`, default 50000);
    /// past it detail is evicted, never an alert or a count, and the summary says so
    #[arg(long, value_name = "N", global = true)]
    pub max_identities: Option<usize>,
}

#[derive(Args, Debug, Default)]
pub struct TuiArgs {
    /// Audit logs to load; the last one is followed. `-` reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Load the files and stop (do not follow the last one)
    #[arg(long)]
    pub no_follow: bool,
    /// Follow by polling instead of inotify (NFS, some containers)
    #[arg(long)]
    pub poll: bool,
    /// Theme name (dark, light, high-contrast, or one in $XDG_CONFIG_HOME/ktriage/themes) or a path
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// RBAC snapshot for the checklist's RBAC review (`kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o json`); repeat for separate files
    #[arg(long, value_name = "FILE")]
    pub rbac: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub window: TimeWindow,
    #[command(flatten)]
    pub common: Common,
}

/// `--since` / `--until`, as in `journalctl` and `kubectl logs`.
#[derive(Args, Debug, Default, Clone)]
pub struct TimeWindow {
    /// Judge only events at or after this time: RFC 3339 (2026-07-01T14:00:00Z) or an age (2h, 30m, 7d)
    #[arg(long, value_name = "TIME", value_parser = parse_when)]
    pub since: Option<i64>,
    /// Judge only events before this time: RFC 3339 or an age (2h = two hours ago)
    #[arg(long, value_name = "TIME", value_parser = parse_when)]
    pub until: Option<i64>,
}

impl TimeWindow {
    pub fn bounds(&self) -> ktriage::pipeline::Bounds {
        ktriage::pipeline::Bounds {
            since: self.since,
            until: self.until,
        }
    }
}

/// RFC 3339, or a duration meaning "that long ago" (the clock is read here,
/// at the edge; the engine never reads it).
fn parse_when(s: &str) -> Result<i64, String> {
    if let Some(t) = ktriage::time::parse_rfc3339_micros(s) {
        return Ok(t);
    }
    match ktriage::time::parse_duration_micros(s) {
        Ok(d) => Ok(chrono::Utc::now().timestamp_micros() - d),
        Err(e) => Err(format!("not an RFC 3339 time or an age like 2h: {e}")),
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan audit logs headlessly and report alerts and incidents
    Scan(ScanArgs),
    /// List every rule with its severity, source, tags and effective settings
    Rules {
        /// `text` for people, `jsonl` (one object per rule) for scripts
        #[arg(long, value_enum, default_value = "text")]
        format: RulesFormat,
        #[command(flatten)]
        common: Common,
    },
    /// Print a shell completion script (e.g. `ktriage completions bash > /etc/bash_completion.d/ktriage`)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `ktriage man | man -l -`
    Man,
    /// Write the incident report headlessly (the one the TUI exports), with an RBAC review from a snapshot
    Report(crate::report_cmd::ReportArgs),
    /// Manage the allowlist file
    #[command(subcommand)]
    Allowlist(AllowlistCmd),
    /// Export the detection set, tuned by the allowlist and config, for a SIEM
    #[command(subcommand)]
    Export(ExportCmd),
}

#[derive(Subcommand, Debug)]
pub enum ExportCmd {
    /// Sigma rules (stdout, `---` between documents, or one file per rule with -o DIR)
    Sigma {
        /// Write one `<rule-id>.yml` per rule into DIR (atomically) instead of stdout
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        output: Option<PathBuf>,
        /// Filters match case-sensitively (`|cased`); not every backend supports it (Lucene, ES|QL do not)
        #[arg(long)]
        cased: bool,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand, Debug)]
pub enum AllowlistCmd {
    /// Write the built-in defaults, commented, to the allowlist file
    Init {
        /// Overwrite an existing file
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Check the allowlist file and print its entries
    Check {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Jsonl,
    Markdown,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum RulesFormat {
    Text,
    Jsonl,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Audit logs or directories of them: native, EKS, GKE, AKS or Elastic exports; gzip ok. `-` or none with a pipe reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format [default: text; jsonl with --follow]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Exit 1 when an alert at or above this severity fired
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Print every malformed line as it is found (not just the first few)
    #[arg(long, short)]
    pub verbose: bool,
    /// Follow PATH (or `-`, stdin) as it grows and rotates: each alert as it fires and again as it
    /// grows (jsonl unless --format text); on SIGINT/SIGTERM/SIGHUP the incidents and a summary
    #[arg(long)]
    pub follow: bool,
    /// With --follow: poll instead of inotify
    #[arg(long)]
    pub poll: bool,
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Threads that parse JSON lines (default: the number of cores; 1 = one thread).
    /// Detection itself always runs in input order on one thread.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: Option<u16>,
    /// RBAC snapshot for the Markdown report's RBAC review (`kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o json`); repeat for separate files
    #[arg(long, value_name = "FILE")]
    pub rbac: Vec<PathBuf>,
    #[command(flatten)]
    pub window: TimeWindow,
    #[command(flatten)]
    pub common: Common,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// The config in force: `--config`, else the user's file if present, else defaults.
pub fn load_config(common: &Common) -> Result<Config> {
    let mut cfg = if let Some(p) = &common.config {
        Config::load(p)?
    } else {
        let p = ktriage::paths::default_config_path();
        if p.exists() {
            Config::load(&p)?
        } else {
            Config::default()
        }
    };
    if let Some(n) = common.max_identities {
        cfg.max_identities = n;
    }
    Ok(cfg)
}

/// The allowlist file path in force (may not exist).
pub fn allowlist_path(common: &Common) -> PathBuf {
    common
        .allowlist
        .clone()
        .unwrap_or_else(ktriage::paths::default_allowlist_path)
}

/// The allowlist in force: an explicit file must exist and parse; the
/// default file is used when present; else the built-in defaults (or none).
pub fn load_allowlist(common: &Common) -> Result<Allowlist> {
    let path = allowlist_path(common);
    if common.allowlist.is_some() || path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read allowlist {}", path.display()))?;
        return Ok(allowlist::parse_allowlist(&text, &path, RuleId::IDS)?);
    }
    Ok(if common.no_default_allowlist {
        Allowlist::empty()
    } else {
        allowlist::default_allowlist()
    })
}

fn print_rules(common: &Common, format: RulesFormat) -> Result<()> {
    let cfg = load_config(common)?;
    let mut out = std::io::stdout().lock();
    if format == RulesFormat::Jsonl {
        for r in RULES {
            let line = serde_json::json!({
                "kind": "rule",
                "id": r.id.as_str(),
                "severity": r.severity.as_str(),
                "title": r.title,
                "source": r.source,
                "tags": r.tags,
                "why": r.why.split_whitespace().collect::<Vec<_>>().join(" "),
                "enabled": cfg.rules.enabled(r.id),
                "settings": cfg.rules.toml_for(r.id),
            });
            serde_json::to_writer(&mut out, &line)?;
            writeln!(out)?;
        }
        return Ok(());
    }
    for r in RULES {
        let state = if cfg.rules.enabled(r.id) {
            ""
        } else {
            "  (disabled)"
        };
        writeln!(out, "{}  [{}]{}", r.id, r.severity, state)?;
        writeln!(out, "  {}", r.title)?;
        writeln!(out, "  source: {}", r.source)?;
        writeln!(out, "  tags: {}", r.tags.join(", "))?;
        writeln!(
            out,
            "  why: {}",
            r.why.split_whitespace().collect::<Vec<_>>().join(" ")
        )?;
        let settings = cfg.rules.toml_for(r.id);
        writeln!(out, "  [rules.{}]", r.id)?;
        for line in settings.lines().filter(|l| !l.trim().is_empty()) {
            writeln!(out, "    {line}")?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "learning_period = \"{}\"",
        ktriage::time::format_duration(cfg.learning_period.0)
    )?;
    let show = |v: &[ktriage::net::Cidr]| {
        v.iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(out, "trusted_proxies = [{}]", show(&cfg.trusted_proxies))?;
    writeln!(out, "trusted_cidrs = [{}]", show(&cfg.trusted_cidrs))?;
    writeln!(out, "cluster_cidrs = [{}]", show(&cfg.cluster_cidrs))?;
    writeln!(out, "max_identities = {}", cfg.max_identities)?;
    Ok(())
}

fn allowlist_cmd(cmd: &AllowlistCmd) -> Result<()> {
    match cmd {
        AllowlistCmd::Init { force, common } => {
            let path = allowlist_path(common);
            if path.exists() && !force {
                bail!(
                    "{} already exists (use --force to overwrite it)",
                    path.display()
                );
            }
            allowlist::write_atomic(&path, &allowlist::init_text())
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("ktriage: wrote the default allowlist to {}", path.display());
            Ok(())
        }
        AllowlistCmd::Check { common } => {
            let path = allowlist_path(common);
            let f = AllowlistFile::open(&path, &allowlist::init_text(), RuleId::IDS)?;
            let origin = if path.exists() {
                path.display().to_string()
            } else {
                "built-in defaults (no file)".into()
            };
            println!(
                "{} from {origin}",
                ktriage::words::count_of(f.allowlist.entries.len(), "entry", "entries")
            );
            let joinable = f
                .allowlist
                .entries
                .iter()
                .filter(|e| !allowlist::breadth_warnings(e).is_empty())
                .count();
            if joinable > 0 {
                println!(
                    "warning: {} broad enough for an attacker to join (see below)",
                    ktriage::words::count_of(joinable, "entry is", "entries are")
                );
            }
            for e in &f.allowlist.entries {
                let exp = e
                    .expires_text
                    .as_deref()
                    .map(|x| format!("  expires {x}"))
                    .unwrap_or_default();
                println!(
                    "  {:<20} {}  → {}{exp}",
                    e.kind.as_str(),
                    report::inert_name(&e.value),
                    e.scope_text()
                );
                for w in allowlist::breadth_warnings(e) {
                    let at = if e.line > 0 {
                        format!("line {}: ", e.line)
                    } else {
                        String::new()
                    };
                    println!("      warning: {at}{}", report::inert_name(&w.to_string()));
                }
            }
            Ok(())
        }
    }
}

/// Inputs of a scan: each path (a directory is its audit logs), or stdin.
/// Fails before anything is read if an input cannot be opened.
pub(crate) fn inputs(paths: &[PathBuf]) -> Result<source::InputSet> {
    if paths.is_empty() {
        if std::io::stdin().is_terminal() {
            bail!("no input: give an audit log path, or pipe one in (ktriage scan - < audit.log)");
        }
        return Ok(source::resolve(&[PathBuf::from("-")])?);
    }
    let set = source::resolve(paths)?;
    for i in &set.inputs {
        if let source::Input::File(p) = i {
            std::fs::File::open(p).map_err(|cause| source::SourceError::Open {
                path: p.display().to_string(),
                cause,
            })?;
        }
    }
    Ok(set)
}

/// The summary on stderr: totals, then one line per input with the formats
/// detected, then every problem. Returns true when an input could not be
/// judged (exit code 2).
pub(crate) fn summary(
    ingest: &Ingest,
    set: &source::InputSet,
    incidents: usize,
    verbose: bool,
) -> bool {
    let s = &ingest.stats;
    let e = &ingest.engine.stats;
    let mut extra = String::new();
    if s.outside_bounds > 0 {
        extra.push_str(&format!(
            "; {} outside --since/--until (not judged)",
            s.outside_bounds
        ));
    }
    if s.large > 0 {
        extra.push_str(&format!(
            "; {} over 1 MiB judged (big values skipped, long strings cut)",
            ktriage::words::count_of(s.large, "large line", "large lines")
        ));
    }
    if s.late > 0 {
        extra.push_str(&format!(
            "; {} (more than 60 s out of order, judged where they arrived)",
            ktriage::words::count_of(s.late, "late event", "late events")
        ));
    }
    eprintln!(
        "ktriage: {} read from {} ({:.1} MB); {}; {} skipped; {} ({} skipped by windowed rules){extra}; {} in {}",
        ktriage::words::count_of(e.events, "event", "events"),
        ktriage::words::count_of(s.inputs.len(), "input", "inputs"),
        s.bytes as f64 / 1e6,
        ktriage::words::count_of(
            e.requests,
            "security-relevant request",
            "security-relevant requests"
        ),
        ktriage::words::count_of(s.malformed, "malformed line", "malformed lines"),
        ktriage::words::count_of(e.untimed, "untimed event", "untimed events"),
        e.untimed_skipped,
        ktriage::words::count_of(ingest.engine.alerts().len(), "alert", "alerts"),
        ktriage::words::count_of(incidents, "incident", "incidents")
    );
    for i in &s.inputs {
        let large = if i.large > 0 {
            format!(" ({} large)", i.large)
        } else {
            String::new()
        };
        eprintln!(
            "  {}: {}, {}{large}: {}",
            report::inert(&i.name),
            ktriage::words::count_of(i.records, "record", "records"),
            ktriage::words::count_of(i.events, "event", "events"),
            report::inert(&i.format_names())
        );
    }
    if !set.skipped.is_empty() {
        let names: Vec<String> = set
            .skipped
            .iter()
            .map(|p| report::inert(&p.display().to_string()).into_owned())
            .collect();
        eprintln!("  not read (not audit logs by name): {}", names.join(", "));
    }
    if !verbose && s.malformed > 0 {
        for m in s.first_malformed.iter().take(5) {
            eprintln!("  {}", report::inert(&m.to_string()));
        }
        if s.malformed > 5 {
            eprintln!("  … {} more (use --verbose to list all)", s.malformed - 5);
        }
    }
    for g in &s.gaps {
        eprintln!("ktriage: WARNING: possible gap: {}", report::inert(g));
    }
    let mut failed = false;
    for h in ingest.health() {
        match h {
            ktriage::pipeline::Health::Ok => {}
            ktriage::pipeline::Health::Warning(w) => {
                eprintln!("ktriage: WARNING: {}", report::inert(&w))
            }
            ktriage::pipeline::Health::Error(w) => {
                failed = true;
                eprintln!("ktriage: ERROR: {}", report::inert(&w))
            }
        }
    }
    failed
}

fn want_color(c: ColorChoice) -> bool {
    match c {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn scan(args: &ScanArgs) -> Result<i32> {
    let cfg = load_config(&args.common)?;
    let allow = load_allowlist(&args.common)?;
    let mut engine = Engine::new(cfg.clone(), allow);
    // No output of `scan` shows raw lines: keep none.
    engine.set_raw_per_alert(0);
    let mut ingest = Ingest::new(engine)
        .with_prefilter(&cfg)
        .with_bounds(args.window.bounds());
    if args.verbose {
        ingest = ingest
            .on_malformed(|m: &Malformed| eprintln!("ktriage: {}", report::inert(&m.to_string())));
    }
    if args.follow {
        // A followed file may not exist yet: the follower waits for it.
        return stream::follow(args, ingest);
    }
    // A snapshot that cannot be trusted is an error before any work.
    let rbac = if args.rbac.is_empty() {
        None
    } else {
        Some(ktriage::rbac::Snapshot::load(&args.rbac)?)
    };
    let set = inputs(&args.paths)?;
    if matches!(set.inputs.as_slice(), [source::Input::Stdin])
        && args.format != Some(Format::Markdown)
        && stream::stdin_streams()
    {
        // A pipe may never end: stream like --follow once it proves live.
        return stream::stdin(args, ingest);
    }
    let threads = args
        .threads
        .map_or_else(ktriage::pipeline::parallel::default_threads, usize::from);
    source::read::read_set(&set.inputs, &mut ingest, threads, &mut |_, _| {
        std::ops::ControlFlow::Continue(())
    })?;
    ingest.finish();
    // Nothing more comes: free the rules' running state before the
    // incidents are built.
    ingest.engine.end_input();
    let incidents = ingest.engine.incidents();
    let alerts = ingest.engine.alerts();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let problems = report::problems::Problems::of(&ingest);
    let style = report::text::Style {
        color: want_color(args.color),
    };
    match args.format.unwrap_or(Format::Text) {
        Format::Text => {
            // Never a bare "No alerts." when part of the input was not read.
            out.write_all(problems.text().as_bytes())?;
            if incidents.is_empty() && !problems.errors.is_empty() {
                writeln!(out, "No alerts in what could be read.")?;
            } else {
                report::text::write(&mut out, alerts, &incidents, &style)?
            }
        }
        Format::Jsonl => {
            report::jsonl::write(&mut out, alerts, &incidents)?;
            report::jsonl::write_line(
                &mut out,
                &report::summary::summary_line(&ingest, incidents.len()),
            )?;
        }
        Format::Markdown => {
            let names: Vec<String> = set.inputs.iter().map(|i| i.name()).collect();
            // The front-end reads the clock; the report only prints it.
            let meta = problems.clone().into_meta(ktriage::view::Meta::new(
                chrono::Utc::now().timestamp_micros(),
                names,
            ));
            report::markdown::write_with(
                &mut out,
                &ingest.engine,
                &incidents,
                meta,
                rbac.as_ref(),
                None,
            )?;
        }
    }
    out.flush()?;
    let unreadable = summary(&ingest, &set, incidents.len(), args.verbose);
    if unreadable {
        // An input that could not be judged is never a clean result,
        // whatever the others held.
        return Ok(2);
    }
    Ok(fail_code(&ingest.engine, args.fail_on))
}

/// The inputs that could not be judged at all.
fn input_errors(ingest: &Ingest) -> Vec<String> {
    report::problems::Problems::of(ingest).errors
}

fn fail_code(engine: &Engine, fail_on: Option<Severity>) -> i32 {
    match (fail_on, engine.max_severity()) {
        (Some(f), Some(m)) if m >= f => 1,
        _ => 0,
    }
}

/// Run the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match &cli.command {
        Some(Command::Scan(a)) => scan(a),
        Some(Command::Rules { common, format }) => print_rules(common, *format).map(|_| 0),
        Some(Command::Allowlist(c)) => allowlist_cmd(c).map(|_| 0),
        Some(Command::Export(ExportCmd::Sigma {
            output,
            cased,
            common,
        })) => export_sigma(output.as_deref(), *cased, common).map(|_| 0),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "ktriage", &mut std::io::stdout());
            Ok(0)
        }
        Some(Command::Report(a)) => crate::report_cmd::run(a),
        Some(Command::Man) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
            Ok(0)
        }
        None => {
            mistyped_command(&cli.tui.paths)?;
            crate::run_tui(&cli.tui)
        }
    }
}

const SUBCOMMANDS: [&str; 7] = [
    "scan",
    "report",
    "rules",
    "allowlist",
    "export",
    "completions",
    "man",
];

/// `ktriage export sigma`: the one place the export touches files and the clock.
fn export_sigma(output: Option<&std::path::Path>, cased: bool, common: &Common) -> Result<()> {
    use ktriage::sigma;
    let cfg = load_config(common)?;
    let allow = load_allowlist(common)?;
    let now = chrono::Utc::now().timestamp_micros();
    let e = sigma::export(&cfg, &allow, now, sigma::Options { cased });
    for n in &e.notes {
        eprintln!("ktriage: {}", report::inert(n));
    }
    for (id, why) in &e.not_exported {
        eprintln!("ktriage: not exported: {}: {why}", id.as_str());
    }
    match output {
        None => std::io::stdout().write_all(sigma::stream(&e).as_bytes())?,
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for r in &e.rules {
                let path = dir.join(&r.file_name);
                allowlist::write_atomic(&path, &r.documents.join("---\n"))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            // A file left from an earlier export would keep an old rule (and
            // its old filters) loaded in the SIEM.
            for (id, _) in &e.not_exported {
                let stale = dir.join(format!("{}.yml", id.as_str()));
                if stale.exists() {
                    std::fs::remove_file(&stale)
                        .with_context(|| format!("cannot remove {}", stale.display()))?;
                    eprintln!("ktriage: removed {} (no longer exported)", stale.display());
                }
            }
            allowlist::write_atomic(
                &dir.join("NOT-EXPORTED.txt"),
                &sigma::not_exported_block(&e),
            )
            .with_context(|| format!("cannot write {}/NOT-EXPORTED.txt", dir.display()))?;
            eprintln!(
                "ktriage: wrote {} to {} ({} not exportable, listed in NOT-EXPORTED.txt)",
                ktriage::words::count_of(e.rules.len(), "Sigma rule", "Sigma rules"),
                dir.display(),
                e.not_exported.len()
            );
        }
    }
    Ok(())
}

/// `ktriage scna log` must not open the TUI waiting for a file named `scna`:
/// a first argument that is not a file, has no `/` or `.`, is a mistyped
/// command. (A missing path like `./audit.log` is still followed: the
/// file may appear.)
fn mistyped_command(paths: &[PathBuf]) -> Result<()> {
    let Some(first) = paths.first().and_then(|p| p.to_str()) else {
        return Ok(());
    };
    if first == "-" || first.contains(['/', '.']) || std::path::Path::new(first).exists() {
        return Ok(());
    }
    let best = SUBCOMMANDS
        .iter()
        .map(|c| (edit_distance(first, c), *c))
        .min()
        .filter(|(d, _)| *d <= 2);
    match best {
        Some((_, c)) => bail!("`{first}` is neither a file nor a command; did you mean `{c}`?"),
        None => bail!(
            "`{first}` is neither a file nor a command (commands: {})",
            SUBCOMMANDS.join(", ")
        ),
    }
}

/// Levenshtein distance (a few short words: no crate needed).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Shared with the TUI wiring in main.rs.
pub fn resolve_for_tui(args: &TuiArgs) -> Result<(Config, PathBuf)> {
    let cfg = load_config(&args.common)?;
    // A bad allowlist file is not fatal here: the TUI shows the error with
    // its line number, runs on the built-in defaults and refuses to save
    // over the file, so the analyst can still triage at once.
    Ok((cfg, allowlist_path(&args.common)))
}
