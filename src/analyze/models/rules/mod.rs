//! The model-file rules: one file each, `TG3xx`.

pub mod gguf_template_injection;
pub mod keras_lambda_layer;
pub mod model_scan_limit;
pub mod onnx_external_data_escape;
pub mod pickle_dangerous_callable;
pub mod pickle_malformed;
pub mod pickle_unknown_import;
pub mod safetensors_inconsistent;
pub mod torchscript_code;
pub mod zip_header_mismatch;

use crate::finding::RuleMeta;

/// Every model rule, by ID.
pub const ALL: &[RuleMeta] = &[
    pickle_dangerous_callable::META,
    pickle_unknown_import::META,
    pickle_malformed::META,
    zip_header_mismatch::META,
    keras_lambda_layer::META,
    gguf_template_injection::META,
    safetensors_inconsistent::META,
    onnx_external_data_escape::META,
    torchscript_code::META,
    model_scan_limit::META,
];
