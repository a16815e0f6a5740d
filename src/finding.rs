//! `Finding`: the one currency of every analysis, and the `InputError` that
//! bad input turns into. Formatting happens only in `report/`.

use crate::model::{Ecosystem, Package};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" | "moderate" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}` (expected critical, high, medium, low or info)"
            )),
        }
    }
}

/// How sure the analysis is that the finding is real.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// The package a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PackageRef {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: Option<String>,
}

impl PackageRef {
    pub fn new(ecosystem: Ecosystem, name: &str, version: Option<&str>) -> Self {
        PackageRef {
            ecosystem,
            name: name.to_string(),
            version: version.map(str::to_string),
        }
    }
}

impl From<&Package> for PackageRef {
    fn from(p: &Package) -> Self {
        PackageRef {
            ecosystem: p.ecosystem,
            name: p.name.clone(),
            version: p.version.clone(),
        }
    }
}

/// Where a finding is. A path inside an archive is written `archive.whl!/inner/path`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    /// 1-based line.
    pub line: Option<u32>,
    /// 1-based column (or, for binary files, the byte offset when `line` is `None`).
    pub column: Option<u32>,
}

impl Location {
    pub fn file(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            line: None,
            column: None,
        }
    }

    pub fn at(path: impl Into<String>, line: u32, column: Option<u32>) -> Self {
        Location {
            path: path.into(),
            line: Some(line),
            column,
        }
    }
}

/// Static description of a rule: what the SARIF `rules` array and the docs show.
#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    /// Stable identifier, `TG` + capability digit + two digits (`TG101`).
    pub id: &'static str,
    /// kebab-case name.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line saying what the rule detects.
    pub summary: &'static str,
}

impl RuleMeta {
    /// Relative path of the rule's documentation page.
    pub fn doc_path(&self) -> String {
        format!("docs/rules/{}.md", self.id)
    }
}

/// One thing an analysis found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    /// The rule's kebab-case name.
    pub rule: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub message: String,
    pub package: Option<PackageRef>,
    pub location: Option<Location>,
    /// The snippet or facts that triggered the rule, one per line.
    pub evidence: Vec<String>,
    pub remediation: Option<String>,
}

impl Finding {
    /// A finding with the rule's default severity and high confidence.
    pub fn new(rule: &RuleMeta, message: impl Into<String>) -> Self {
        Finding {
            rule_id: rule.id.to_string(),
            rule: rule.name.to_string(),
            severity: rule.severity,
            confidence: Confidence::High,
            message: message.into(),
            package: None,
            location: None,
            evidence: Vec::new(),
            remediation: None,
        }
    }

    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }

    pub fn confidence(mut self, c: Confidence) -> Self {
        self.confidence = c;
        self
    }

    pub fn package(mut self, p: impl Into<PackageRef>) -> Self {
        self.package = Some(p.into());
        self
    }

    pub fn location(mut self, l: Location) -> Self {
        self.location = Some(l);
        self
    }

    pub fn evidence(mut self, e: impl Into<String>) -> Self {
        self.evidence.push(e.into());
        self
    }

    pub fn remediation(mut self, r: impl Into<String>) -> Self {
        self.remediation = Some(r.into());
        self
    }

    /// Sort key that makes reports deterministic: worst first, then by place.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.severity),
            self.location.as_ref().map(|l| (&l.path, l.line, l.column)),
            &self.rule_id,
            &self.message,
        )
    }
}

/// Bad input: a file that could not be read or parsed. Becomes an `errors`
/// entry in the report; the scan goes on with the other inputs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InputError {
    pub path: String,
    /// 1-based line, when the error can be placed.
    pub line: Option<u32>,
    pub message: String,
}

impl InputError {
    pub fn new(path: impl Into<String>, line: Option<u32>, message: impl Into<String>) -> Self {
        InputError {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.path, l, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// 1-based line number of byte `offset` in `text`.
pub fn line_of_offset(text: &[u8], offset: usize) -> u32 {
    let end = offset.min(text.len());
    (memchr::memchr_iter(b'\n', &text[..end]).count() + 1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_order_and_parse() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        assert_eq!("Moderate".parse::<Severity>().unwrap(), Severity::Medium);
        assert!("urgent".parse::<Severity>().is_err());
    }

    #[test]
    fn line_numbers() {
        assert_eq!(line_of_offset(b"a\nb\nc", 0), 1);
        assert_eq!(line_of_offset(b"a\nb\nc", 2), 2);
        assert_eq!(line_of_offset(b"a\nb\nc", 99), 3);
    }
}
