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
    /// Manage the offline OSV advisory database (import, update, status).
    Db(DbArgs),
    /// Show the known advisories affecting packages given as purls.
    Query(QueryArgs),
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

#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, Subcommand, Clone)]
pub enum DbCommand {
    /// Build the database in $TOLLGATE_HOME from OSV zips (one `<ID>.json`
    /// per advisory, as osv.dev serves them) or directories of OSV JSON files.
    /// Replaces the current database only if every input could be read.
    Import {
        /// OSV zips, OSV JSON files or directories of them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Download the PyPI and npm advisories from osv.dev (only what changed)
    /// and swap them in. The only command that uses the network.
    Update {
        /// Base URL of the OSV export (a mirror of osv.dev's bucket):
        /// `<URL>/<ECOSYSTEM>/all.zip` is fetched.
        #[arg(long, env = "TOLLGATE_OSV_URL", value_name = "URL")]
        base_url: Option<String>,
    },
    /// Show which database is used, its sources, counts and age.
    Status,
}

#[derive(Debug, Args, Clone)]
pub struct QueryArgs {
    /// Package URLs with a version (`pkg:pypi/django@3.2.1`, `pkg:npm/lodash@4.17.20`).
    pub purl: Vec<String>,
    /// Read purls from FILE, one per line (`#` starts a comment).
    #[arg(long = "purls", value_name = "FILE")]
    pub purls_file: Option<PathBuf>,
}
