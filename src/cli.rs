//! Command-line definitions (clap). `main.rs` parses these and calls `commands`.

use crate::policy::FailOn;
use crate::report::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "tollgate",
    version,
    about = "Inventory, known-bad and behaves-bad checks for Python and npm dependencies and model files. Offline.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Options every command accepts.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value = "human", global = true)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, default_value = "high", global = true, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// Print only the report: no progress, notes or summary line.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Disable colours (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Worker threads (default: one per CPU).
    #[arg(short, long, global = true, value_name = "N")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Discover inputs under PATHs, run every analysis, report findings.
    Scan(ScanArgs),
    /// List the packages found under PATHs.
    Inventory(InventoryArgs),
}

/// The target environment lockfile markers are evaluated for.
#[derive(Debug, Args, Clone, Default)]
pub struct TargetArgs {
    /// Evaluate lockfile markers for this Python version (e.g. 3.11.7) and
    /// list only what would be installed there.
    #[arg(long, value_name = "VERSION")]
    pub python_version: Option<String>,
    /// Platform for marker and npm os/cpu evaluation: linux, darwin or win32
    /// (default: this machine's, when --python-version is given).
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    /// Machine architecture (x86_64, aarch64 …; default: this machine's).
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Run only these analyses (comma-separated: advisories, behavior, models, hygiene).
    #[arg(long, value_delimiter = ',', value_name = "ANALYSIS")]
    pub only: Vec<String>,
    /// Also compute the SHA-256 of each model artifact, as `inventory` does
    /// (off by default: the scan skips tensor bytes, hashing reads them all).
    #[arg(long)]
    pub artifact_hash: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args, Clone)]
pub struct InventoryArgs {
    /// Files or directories to read.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Show the footprint: what each direct dependency brings (packages, bytes).
    #[arg(long)]
    pub tree: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}
