//! TG306 gguf-template-injection: A GGUF chat template reaches Python internals (template injection)

use crate::finding::{RuleMeta, Severity};

/// A GGUF chat template reaches Python internals (template injection)
pub const META: RuleMeta = RuleMeta {
    id: "TG306",
    name: "gguf-template-injection",
    severity: Severity::Critical,
    summary: "A GGUF chat template reaches Python internals (template injection)",
};
