//! The gate: the policy file (`tollgate.toml` or `[tool.tollgate]`), how it
//! changes findings (rule selection, severity overrides, ignores), the exit
//! decision, approvals and the audit log.

pub mod apply;
pub mod approvals;
pub mod audit;
pub mod duration;
pub mod file;
pub mod license;

use crate::finding::{Finding, InputError, Severity};
use crate::model::{Ecosystem, parse_purl};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `--fail-on`: a severity, or never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    At(Severity),
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::At(s) => Some(s),
            FailOn::Never => None,
        }
    }
}

impl std::str::FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("never") {
            Ok(FailOn::Never)
        } else {
            s.parse::<Severity>()
                .map(FailOn::At)
                .map_err(|_| format!("`{s}`: expected critical, high, medium, low, info or never"))
        }
    }
}

/// The threshold when neither `--fail-on` nor the policy says.
pub const DEFAULT_FAIL_ON: FailOn = FailOn::At(Severity::High);

/// Whether any finding is at or above the threshold.
pub fn fails(findings: &[Finding], fail_on: FailOn) -> bool {
    fail_on
        .threshold()
        .is_some_and(|t| findings.iter().any(|f| f.severity >= t))
}

/// Which rules run and at what severity.
#[derive(Clone, Debug, Default)]
pub struct RuleSelection {
    /// Rule IDs or prefixes to run (empty: all).
    pub enable: Vec<String>,
    /// Rule IDs or prefixes not to run. The longest matching prefix wins;
    /// `disable` wins a tie.
    pub disable: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
}

impl RuleSelection {
    pub fn enabled(&self, rule_id: &str) -> bool {
        let longest = |list: &[String]| {
            list.iter()
                .filter(|p| rule_id.starts_with(p.as_str()))
                .map(|p| p.len())
                .max()
        };
        let on = longest(&self.enable);
        let off = longest(&self.disable);
        match (on, off) {
            (_, None) => self.enable.is_empty() || on.is_some(),
            (None, Some(_)) => false,
            (Some(a), Some(b)) => a > b,
        }
    }
}

/// Licence allow and deny lists (SPDX identifiers, optionally `WITH` an exception).
#[derive(Clone, Debug, Default)]
pub struct Licenses {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
}

/// A package named in a policy: `name`, `name@version`, or a purl.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageSpec {
    pub ecosystem: Option<Ecosystem>,
    pub name: String,
    /// `None`: every version.
    pub version: Option<String>,
}

impl PackageSpec {
    pub fn parse(s: &str) -> Result<PackageSpec, String> {
        let s = s.trim();
        if s.starts_with("pkg:") {
            let p = parse_purl(s)?;
            return Ok(PackageSpec {
                ecosystem: Some(p.ecosystem),
                name: p.name,
                version: p.version,
            });
        }
        // `@scope/name@1.0`: the version separator is the last `@` after the first byte.
        let (name, version) = match s.rfind('@') {
            Some(i) if i > 0 => (&s[..i], Some(s[i + 1..].trim())),
            _ => (s, None),
        };
        if name.trim().is_empty() || version.is_some_and(str::is_empty) {
            return Err(format!("`{s}`: expected NAME, NAME@VERSION or a purl"));
        }
        Ok(PackageSpec {
            ecosystem: None,
            name: name.trim().to_string(),
            version: version.map(str::to_string),
        })
    }

    /// Whether the spec names this package (names compared as the ecosystem does).
    pub fn matches(&self, eco: Ecosystem, name: &str, version: Option<&str>) -> bool {
        if self.ecosystem.is_some_and(|e| e != eco) {
            return false;
        }
        if eco.normalize(&self.name) != eco.normalize(name) {
            return false;
        }
        match (&self.version, version) {
            (None, _) => true,
            (Some(want), Some(have)) => {
                want == have
                    || crate::version::compare(eco, want, have) == Some(std::cmp::Ordering::Equal)
            }
            (Some(_), None) => false,
        }
    }
}

impl std::fmt::Display for PackageSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.version {
            Some(v) => write!(f, "{}@{}", self.name, v),
            None => f.write_str(&self.name),
        }
    }
}

/// One `[[ignore]]` entry.
#[derive(Clone, Debug)]
pub struct Ignore {
    pub rule: Option<String>,
    pub package: Option<PackageSpec>,
    pub reason: String,
    /// The last day the ignore applies.
    pub expires: jiff::civil::Date,
    /// Line of the entry in the policy file.
    pub line: Option<u32>,
}

/// A loaded policy. `Policy::default()` is what runs without a policy file.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// The file it came from.
    pub path: Option<PathBuf>,
    pub display: Option<String>,
    pub fail_on: Option<FailOn>,
    pub rules: RuleSelection,
    pub ignores: Vec<Ignore>,
    pub licenses: Licenses,
    /// Allowed Python package indexes (empty: any).
    pub indexes: Vec<String>,
    /// Allowed npm registries (empty: any).
    pub registries: Vec<String>,
    pub require_lockfile: bool,
    pub require_hashes: bool,
    /// Packages released more recently than this are findings.
    pub min_release_age: Option<Duration>,
    /// `diff`: most new transitive dependencies one change may add.
    pub max_new_transitive: Option<usize>,
    /// `diff`: every added or changed package needs an approval.
    pub require_approval: bool,
    /// Approvals file, relative to the policy file (default `tollgate-approvals.toml`).
    pub approvals: Option<String>,
}

/// The approvals file's default name, beside the policy.
pub const APPROVALS_FILE: &str = "tollgate-approvals.toml";

impl Policy {
    /// Where approvals are kept: beside the policy file, else in the scanned
    /// directory `scanned` (or the directory of the file `scanned`).
    pub fn approvals_path(&self, scanned: &Path) -> PathBuf {
        let fallback = if scanned.is_file() {
            scanned.parent().unwrap_or(Path::new(".")).to_path_buf()
        } else {
            scanned.to_path_buf()
        };
        let base = self
            .path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or(fallback);
        base.join(self.approvals.as_deref().unwrap_or(APPROVALS_FILE))
    }

    /// `--fail-on` when given, else the policy's, else `high`.
    pub fn effective_fail_on(&self, cli: Option<FailOn>) -> FailOn {
        cli.or(self.fail_on).unwrap_or(DEFAULT_FAIL_ON)
    }
}

/// Finds the policy: `explicit` (`--policy FILE`), else `tollgate.toml`, else
/// `pyproject.toml` with a `[tool.tollgate]` table, in the directory of the
/// first scanned path. `Ok(None)` when there is none.
pub fn locate(explicit: Option<&Path>, scanned: &[PathBuf]) -> Result<Option<Policy>, InputError> {
    if let Some(p) = explicit {
        return file::load(p).map(Some);
    }
    let Some(first) = scanned.first() else {
        return Ok(None);
    };
    let dir = if first.is_dir() {
        first.clone()
    } else {
        first
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    let toml_path = dir.join("tollgate.toml");
    if toml_path.is_file() {
        return file::load(&toml_path).map(Some);
    }
    let py = dir.join("pyproject.toml");
    if py.is_file() {
        let display = crate::discover::display_path(&py);
        let text = crate::inventory::text::read_text(&py)
            .map_err(|e| InputError::new(&display, None, e))?;
        if let Some(mut p) = file::parse_pyproject(&text, &display)? {
            p.path = Some(py);
            return Ok(Some(p));
        }
    }
    Ok(None)
}

/// The clock: `$TOLLGATE_NOW` (RFC 3339) when set, for reproducible runs
/// and tests, else the system time.
pub fn now() -> Result<jiff::Timestamp, String> {
    match std::env::var("TOLLGATE_NOW") {
        Ok(s) if !s.trim().is_empty() => s
            .trim()
            .parse::<jiff::Timestamp>()
            .map_err(|e| format!("TOLLGATE_NOW `{s}`: expected an RFC 3339 time: {e}")),
        _ => Ok(jiff::Timestamp::now()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_selection() {
        let sel = RuleSelection {
            enable: vec!["TG4".into(), "TG101".into()],
            disable: vec!["TG40".into(), "TG1".into()],
            severity: BTreeMap::new(),
        };
        assert!(sel.enabled("TG410"));
        assert!(!sel.enabled("TG401"));
        assert!(sel.enabled("TG101"));
        assert!(!sel.enabled("TG102"));
        assert!(!sel.enabled("TG301"));
        let all = RuleSelection::default();
        assert!(all.enabled("TG301"));
        let off = RuleSelection {
            disable: vec!["TG401".into()],
            ..Default::default()
        };
        assert!(!off.enabled("TG401"));
        assert!(off.enabled("TG402"));
    }

    #[test]
    fn package_specs() {
        let s = PackageSpec::parse("@ai-sdk/openai@2.0.0").unwrap();
        assert_eq!(s.name, "@ai-sdk/openai");
        assert!(s.matches(Ecosystem::Npm, "@ai-sdk/openai", Some("2.0.0")));
        assert!(!s.matches(Ecosystem::Npm, "@ai-sdk/openai", Some("2.0.1")));
        let s = PackageSpec::parse("Typing_Extensions@4.0").unwrap();
        assert!(s.matches(Ecosystem::Pypi, "typing-extensions", Some("4.0.0")));
        let s = PackageSpec::parse("@types/node").unwrap();
        assert_eq!(s.version, None);
        assert!(s.matches(Ecosystem::Npm, "@types/node", Some("1.0.0")));
        assert!(PackageSpec::parse("x@").is_err());
        assert!(PackageSpec::parse("").is_err());
    }

    #[test]
    fn fail_on_precedence() {
        let p = Policy {
            fail_on: Some(FailOn::At(Severity::Low)),
            ..Default::default()
        };
        assert_eq!(p.effective_fail_on(None), FailOn::At(Severity::Low));
        assert_eq!(p.effective_fail_on(Some(FailOn::Never)), FailOn::Never);
        assert_eq!(Policy::default().effective_fail_on(None), DEFAULT_FAIL_ON);
    }
}
