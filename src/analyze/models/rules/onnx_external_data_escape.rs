//! TG308 onnx-external-data-escape: An ONNX model points its external tensor data outside the model's directory

use crate::finding::{RuleMeta, Severity};

/// An ONNX model points its external tensor data outside the model's directory
pub const META: RuleMeta = RuleMeta {
    id: "TG308",
    name: "onnx-external-data-escape",
    severity: Severity::High,
    summary: "An ONNX model points its external tensor data outside the model's directory",
};
