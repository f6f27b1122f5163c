//! ktriage binary: parse arguments, run the command, map errors to exit 2.

mod cli;
mod report_cmd;

use clap::Parser;

fn run_tui(args: &cli::TuiArgs) -> anyhow::Result<i32> {
    let (config, allowlist_path) = cli::resolve_for_tui(args)?;
    // `cat log | ktriage` reads the pipe, as `scan` does (keys still come
    // from the terminal).
    let piped = args.paths.is_empty() && !std::io::IsTerminal::is_terminal(&std::io::stdin());
    let stdin = piped || args.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && args.paths.len() > 1 {
        anyhow::bail!("`-` (stdin) cannot be combined with file paths");
    }
    let paths = args
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    ktriage::tui::run(ktriage::tui::TuiOptions {
        paths,
        follow: !args.no_follow,
        poll: args.poll,
        stdin,
        allowlist_path,
        config,
        theme: args.theme.clone(),
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        no_default_allowlist: args.common.no_default_allowlist,
        bounds: args.window.bounds(),
        // A snapshot that cannot be trusted stops here, before the TUI.
        rbac: if args.rbac.is_empty() {
            None
        } else {
            Some(std::sync::Arc::new(ktriage::rbac::Snapshot::load(
                &args.rbac,
            )?))
        },
        state_dir: ktriage::paths::state_dir(),
        config_dir: ktriage::paths::config_dir(),
    })?;
    Ok(0)
}

fn main() {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            // `ktriage man | head`: the reader left; nothing to report.
            std::process::exit(0)
        }
        Err(e) => {
            // One line, attacker-controlled text made inert.
            let msg = format!("{e:#}");
            eprintln!("ktriage: {}", ktriage::report::inert(&msg));
            std::process::exit(2);
        }
    }
}
