//! TG302 pickle-unknown-import: A pickle imports a name outside the allowlist of data reconstructors, or calls something it cannot resolve

use crate::finding::{RuleMeta, Severity};

/// A pickle imports a name outside the allowlist of data reconstructors, or calls something it cannot resolve
pub const META: RuleMeta = RuleMeta {
    id: "TG302",
    name: "pickle-unknown-import",
    severity: Severity::High,
    summary: "A pickle imports a name outside the allowlist of data reconstructors, or calls something it cannot resolve",
};
