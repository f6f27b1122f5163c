//! ktriage binary: parse arguments, run the command, map errors to exit 2.

mod cli;

use clap::Parser;

fn run_tui(args: &cli::TuiArgs) -> anyhow::Result<i32> {
    let _ = cli::resolve_for_tui(args)?;
    anyhow::bail!("the TUI is not built yet: use `ktriage scan`")
}

fn main() {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // One line, attacker-controlled text made inert.
            let msg = format!("{e:#}");
            eprintln!("ktriage: {}", ktriage::report::inert(&msg));
            std::process::exit(2);
        }
    }
}
