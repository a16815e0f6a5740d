//! TG411 (diff): the same version of a package now has a different hash or
//! source: the bytes behind a version you already reviewed changed.

use crate::finding::{RuleMeta, Severity};

pub const RULE: RuleMeta = RuleMeta {
    id: "TG411",
    name: "artifact-changed",
    severity: Severity::Critical,
    summary: "A package version kept its number but changed its hash or source",
};
