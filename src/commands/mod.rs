//! The commands behind the CLI. Each returns an exit code: 0 clean,
//! 1 findings at or above `--fail-on` (or a policy violation), 2 usage error
//! or nothing could be read.

pub mod approve;
pub mod audit;
pub mod db;
pub mod diff;
pub mod gate;
pub mod inventory;
pub mod query;
pub mod rules;
pub mod sbom;
pub mod scan;

use crate::cli::{Cli, Command, GlobalArgs, TargetArgs};
use crate::inventory::markers::{Target, TargetEnv};
use crate::report::human::Style;
use std::io::{IsTerminal, Write};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> i32 {
    if let Some(n) = cli.global.jobs {
        // Ignore the error of a pool already built (tests call run twice).
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    if cli.global.format.is_sbom() && !matches!(cli.command, Command::Sbom(_)) {
        eprintln!("tollgate: error: --format cyclonedx-json and spdx-json are for `tollgate sbom`");
        return EXIT_USAGE;
    }
    let result = match &cli.command {
        Command::Scan(args) => scan::run(args, &cli.global),
        Command::Inventory(args) => inventory::run(args, &cli.global),
        Command::Sbom(args) => sbom::run(args, &cli.global),
        Command::Rules => rules::run(&cli.global),
        Command::Diff(args) => diff::run(args, &cli.global),
        Command::Approve(args) => approve::run(args, &cli.global),
        Command::Audit(args) => audit::run(args, &cli.global),
        Command::Db(args) => db::run(args, &cli.global),
        Command::Query(args) => query::run(args, &cli.global),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tollgate: error: {e:#}");
            EXIT_USAGE
        }
    }
}

/// Colour on stdout: only to a terminal, never with `--no-color`, `NO_COLOR`
/// or `--output`.
pub fn style(global: &GlobalArgs) -> Style {
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    Style {
        color: !global.no_color
            && !no_color_env
            && global.output.is_none()
            && std::io::stdout().is_terminal(),
    }
}

/// Writes the rendered report to `--output` or standard output.
pub fn emit(global: &GlobalArgs, text: &str) -> anyhow::Result<()> {
    match &global.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(Into::into),
            }
        }
    }
}

/// Builds the target environment from `--python-version/--platform/--arch`.
pub fn target(args: &TargetArgs) -> anyhow::Result<Option<Target>> {
    if args.python_version.is_none() && args.platform.is_none() && args.arch.is_none() {
        return Ok(None);
    }
    let mut env = TargetEnv::host(args.python_version.as_deref().unwrap_or("3.12"));
    if let Some(p) = &args.platform {
        env.platform = match p.as_str() {
            "linux" => "linux".into(),
            "darwin" | "macos" => "darwin".into(),
            "win32" | "windows" => "win32".into(),
            other => anyhow::bail!("--platform `{other}`: expected linux, darwin or win32"),
        };
    }
    if let Some(a) = &args.arch {
        env.arch = a.clone();
    }
    Target::new(env).map(Some).map_err(|e| anyhow::anyhow!(e))
}

/// A one-line progress indicator on stderr, only when stderr is a terminal.
pub struct Progress {
    on: bool,
}

impl Progress {
    pub fn new(global: &GlobalArgs) -> Self {
        Progress {
            on: !global.quiet && std::io::stderr().is_terminal(),
        }
    }

    pub fn step(&self, msg: &str) {
        if self.on {
            eprint!("\r\x1b[2K{msg}");
        }
    }

    pub fn done(&self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}
