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
    /// Output format. `sbom` writes cyclonedx-json (its default) or
    /// spdx-json; the other commands refuse those two.
    #[arg(short = 'f', long, value_enum, default_value = "human", global = true)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity (default: the
    /// policy's `fail-on`, else high).
    #[arg(long, global = true, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
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
    /// Write a software bill of materials of PATHs: CycloneDX 1.6 JSON, or
    /// SPDX 2.3 JSON with `--format spdx-json`.
    Sbom(SbomArgs),
    /// Manage the offline OSV advisory database (import, update, status).
    Db(DbArgs),
    /// Show the known advisories affecting packages given as purls.
    Query(QueryArgs),
    /// List every rule: ID, name, analysis, default severity, documentation.
    Rules,
    /// Compare two dependency sets (lockfiles, directories or git revisions).
    Diff(DiffArgs),
    /// Record a reviewed package version in the approvals file.
    Approve(ApproveArgs),
    /// Audit-log tools.
    Audit(AuditArgs),
}

/// The policy file and audit log, shared by `scan` and `diff`.
#[derive(Debug, Args, Clone, Default)]
pub struct GateArgs {
    /// Policy file (default: tollgate.toml, else [tool.tollgate] in
    /// pyproject.toml, in the scanned directory).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Append this run's gate decision to FILE, a hash-chained JSON-lines log.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// BASE and HEAD: lockfiles or directories. With one --git REV, one PATH
    /// (default .) compared at REV and in the working tree; with two, at both revisions.
    #[arg(value_name = "PATH", num_args = 0..=2)]
    pub paths: Vec<PathBuf>,
    /// A git revision to read the base (and, given twice, the head) from.
    #[arg(long = "git", value_name = "REV", num_args = 1)]
    pub git: Vec<String>,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args, Clone)]
pub struct ApproveArgs {
    /// The reviewed version: NAME@VERSION (npm scopes: @scope/name@1.0.0).
    #[arg(value_name = "PKG@VERSION")]
    pub package: String,
    /// Why it is acceptable (kept in the approvals file).
    #[arg(long)]
    pub reason: String,
    /// Who approves (default: `git config user.name`, else $USER).
    #[arg(long)]
    pub by: Option<String>,
    /// The artifact hash (`alg:hex`) when the project's inputs do not record it.
    #[arg(long, value_name = "ALG:HEX")]
    pub hash: Option<String>,
    /// Where to find the package and the policy (default: .).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub path: PathBuf,
    /// Policy file (the approvals file lives beside it).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand, Clone)]
pub enum AuditCommand {
    /// Check the hash chain of an audit log; name the first bad line.
    Verify {
        /// The audit log (JSON lines).
        file: PathBuf,
    },
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
    #[command(flatten)]
    pub gate: GateArgs,
    /// Allow network look-ups (release times for the cooldown) from the
    /// configured index or registry.
    #[arg(long)]
    pub online: bool,
}

#[derive(Debug, Args, Clone)]
pub struct InventoryArgs {
    /// Files or directories to read.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Show the footprint: what each direct dependency brings (packages, bytes).
    #[arg(long)]
    pub tree: bool,
    /// Group the packages by licence and list those whose licence is unknown
    /// (JSON: a `licenses` object beside the report).
    #[arg(long)]
    pub licenses: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args, Clone)]
pub struct SbomArgs {
    /// Files or directories to describe.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Name of what the SBOM describes (default: the scanned directory's name).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Version of what the SBOM describes (the release it is made for).
    #[arg(long, value_name = "VERSION")]
    pub release: Option<String>,
    /// Leave out `vulnerabilities` (no advisory matching).
    #[arg(long)]
    pub no_advisories: bool,
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
