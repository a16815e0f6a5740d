//! TG307 safetensors-inconsistent: A safetensors file's header disagrees with its data (bounds, dtype/shape sizes, overlaps, trailing data) or its metadata carries code

use crate::finding::{RuleMeta, Severity};

/// A safetensors file's header disagrees with its data (bounds, dtype/shape sizes, overlaps, trailing data) or its metadata carries code
pub const META: RuleMeta = RuleMeta {
    id: "TG307",
    name: "safetensors-inconsistent",
    severity: Severity::Medium,
    summary: "A safetensors file's header disagrees with its data (bounds, dtype/shape sizes, overlaps, trailing data) or its metadata carries code",
};
