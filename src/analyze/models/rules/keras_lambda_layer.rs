//! TG305 keras-lambda-layer: A Keras model config carries code: a Lambda layer (marshalled bytecode) or a layer from a module outside Keras

use crate::finding::{RuleMeta, Severity};

/// A Keras model config carries code: a Lambda layer (marshalled bytecode) or a layer from a module outside Keras
pub const META: RuleMeta = RuleMeta {
    id: "TG305",
    name: "keras-lambda-layer",
    severity: Severity::High,
    summary: "A Keras model config carries code: a Lambda layer (marshalled bytecode) or a layer from a module outside Keras",
};
