//! The exit decision: which findings fail a run.

use crate::finding::{Finding, Severity};

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

/// Whether any finding is at or above the threshold.
pub fn fails(findings: &[Finding], fail_on: FailOn) -> bool {
    fail_on
        .threshold()
        .is_some_and(|t| findings.iter().any(|f| f.severity >= t))
}
