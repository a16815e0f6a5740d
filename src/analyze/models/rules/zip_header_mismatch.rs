//! TG304 zip-header-mismatch: A model archive's central directory and local headers disagree (names, sizes, counts, hidden or overlapping members)

use crate::finding::{RuleMeta, Severity};

/// A model archive's central directory and local headers disagree (names, sizes, counts, hidden or overlapping members)
pub const META: RuleMeta = RuleMeta {
    id: "TG304",
    name: "zip-header-mismatch",
    severity: Severity::High,
    summary: "A model archive's central directory and local headers disagree (names, sizes, counts, hidden or overlapping members)",
};
