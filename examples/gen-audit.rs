//! Write a deterministic, realistic kube-apiserver audit log (JSON lines)
//! with a fixed set of injected attacks, and the alerts ktriage must report.
//!
//! ```sh
//! cargo run --release --example gen-audit -- --size 1G --seed 1 \
//!     --out target/bench/audit-1G.jsonl --manifest target/bench/expected.json
//! ```
//!
//! The same seed and size give the same bytes. See
//! `benches/support/generator/` for the traffic and the attacks.

#[path = "../benches/support/generator/mod.rs"]
mod generator;

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: gen-audit --size SIZE [--seed N] [--out FILE] [--manifest FILE]

  --size SIZE       about how many bytes to write: 10M, 1G, 4G (binary units)
  --seed N          PRNG seed (default 1); same seed and size, same bytes
  --out FILE        where to write the log (default: stdout)
  --manifest FILE   also write the expected alerts, a JSON list of {rule, identity}
  --version         print the generator version (it changes when the output does)
";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-audit: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut size = None;
    let mut seed = 1u64;
    let mut out: Option<String> = None;
    let mut manifest: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--size" => size = Some(generator::parse_size(&value("--size")?)?),
            "--seed" => {
                seed = value("--seed")?
                    .parse()
                    .map_err(|_| "--seed: not a number".to_string())?
            }
            "--out" => out = Some(value("--out")?),
            "--manifest" => manifest = Some(value("--manifest")?),
            "--version" => {
                println!("{}", generator::VERSION);
                return Ok(());
            }
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let size = size.ok_or_else(|| format!("--size is required\n{USAGE}"))?;

    let started = Instant::now();
    let summary = match &out {
        Some(path) => {
            let f =
                std::fs::File::create(path).map_err(|e| format!("cannot create {path}: {e}"))?;
            generator::generate(seed, size, f)
        }
        None => generator::generate(seed, size, std::io::stdout().lock()),
    }
    .map_err(|e| format!("writing: {e}"))?;
    let secs = started.elapsed().as_secs_f64();

    if let Some(path) = &manifest {
        std::fs::write(path, generator::manifest_json())
            .map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "gen-audit: {} events, {:.1} MiB in {:.2}s ({:.0} MB/s); log time {} → {}; {} attacks at lines {:?}",
        summary.events,
        summary.bytes as f64 / (1 << 20) as f64,
        secs,
        summary.bytes as f64 / 1e6 / secs.max(1e-9),
        generator::ts_string(summary.first_time),
        generator::ts_string(summary.last_time),
        generator::ATTACKS.len(),
        summary.attack_lines,
    );
    Ok(())
}
