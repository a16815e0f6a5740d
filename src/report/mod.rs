//! Reports: the one place findings and packages are formatted.
//!
//! [`Report`] is the versioned JSON document (`docs/json-report.md`); the
//! human and SARIF writers render the same data.

pub mod cyclonedx;
pub mod human;
pub mod licenses;
pub mod markdown;
pub mod sarif;
pub mod sbom;
pub mod spdx;

use crate::finding::{Finding, InputError, RuleMeta, Severity};
use crate::inventory::{InputSummary, Inventory, ModelArtifact};
use crate::model::Package;
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the JSON report layout. Bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The tool that wrote the report, and the data it used.
#[derive(Clone, Debug, Serialize)]
pub struct ToolInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// The analyses that ran.
    pub analyses: Vec<&'static str>,
    /// Facts about the data behind the analyses (advisory database age …).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, serde_json::Value>,
    /// Warnings about the run itself (stale data, skipped analyses).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

impl ToolInfo {
    pub fn new(analyses: Vec<&'static str>) -> Self {
        ToolInfo {
            name: "tollgate",
            version: env!("CARGO_PKG_VERSION"),
            analyses,
            data: BTreeMap::new(),
            notices: Vec::new(),
        }
    }
}

/// Counts for scripts that only read the summary.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub inputs: usize,
    pub packages: usize,
    pub direct: usize,
    pub findings: usize,
    pub by_severity: BTreeMap<&'static str, usize>,
    pub errors: usize,
    /// The `--fail-on` threshold, or `never`.
    pub fail_on: String,
    /// Whether a finding reached the threshold (exit code 1).
    pub failed: bool,
}

/// The whole report (JSON schema version 1).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub inputs: Vec<InputSummary>,
    pub packages: Vec<Package>,
    /// Model files: path, format, size, SHA-256 (`docs/json-report.md`).
    pub artifacts: Vec<ModelArtifact>,
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub summary: Summary,
    /// Rules that may appear in `findings` (for SARIF; not serialised).
    #[serde(skip)]
    pub rules: Vec<RuleMeta>,
}

impl Report {
    /// Assembles a report; sorts findings and errors so output is deterministic.
    pub fn new(
        tool: ToolInfo,
        inventory: Inventory,
        mut findings: Vec<Finding>,
        mut errors: Vec<InputError>,
        fail_on: Option<Severity>,
        rules: Vec<RuleMeta>,
    ) -> Self {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings.dedup();
        errors.extend(inventory.errors.iter().cloned());
        errors.sort();
        errors.dedup();
        let mut by_severity = BTreeMap::new();
        for s in Severity::ALL {
            by_severity.insert(
                s.as_str(),
                findings.iter().filter(|f| f.severity == s).count(),
            );
        }
        let failed = fail_on.is_some_and(|t| findings.iter().any(|f| f.severity >= t));
        let summary = Summary {
            inputs: inventory.inputs.len(),
            packages: inventory.packages.len(),
            direct: inventory
                .packages
                .iter()
                .filter(|p| p.direct == Some(true))
                .count(),
            findings: findings.len(),
            by_severity,
            errors: errors.len(),
            fail_on: fail_on.map_or("never".to_string(), |s| s.to_string()),
            failed,
        };
        Report {
            schema_version: SCHEMA_VERSION,
            tool,
            inputs: inventory.inputs,
            packages: inventory.packages,
            artifacts: inventory.artifacts,
            findings,
            errors,
            summary,
            rules,
        }
    }

    /// The JSON document, pretty-printed.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| {
            format!("{{\"schema_version\": {SCHEMA_VERSION}, \"error\": \"{e}\"}}")
        });
        s.push('\n');
        s
    }
}

/// Output formats of `scan` and `inventory`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    /// For pull-request comments (`scan` and `diff`).
    Markdown,
    /// CycloneDX 1.6 JSON (`sbom` only).
    CyclonedxJson,
    /// SPDX 2.3 JSON (`sbom` only).
    SpdxJson,
}

impl Format {
    /// The SBOM formats, which only `sbom` writes.
    pub fn is_sbom(self) -> bool {
        matches!(self, Format::CyclonedxJson | Format::SpdxJson)
    }
}
