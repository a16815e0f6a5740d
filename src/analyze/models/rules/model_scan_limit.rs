//! TG310 model-scan-limit: A model file could not be scanned completely: a resource limit, an encrypted or unsupported member, or nesting too deep

use crate::finding::{RuleMeta, Severity};

/// A model file could not be scanned completely: a resource limit, an encrypted or unsupported member, or nesting too deep
pub const META: RuleMeta = RuleMeta {
    id: "TG310",
    name: "model-scan-limit",
    severity: Severity::Medium,
    summary: "A model file could not be scanned completely: a resource limit, an encrypted or unsupported member, or nesting too deep",
};
