//! TG309 torchscript-code: TorchScript code in a model archive imports or calls something outside torch

use crate::finding::{RuleMeta, Severity};

/// TorchScript code in a model archive imports or calls something outside torch
pub const META: RuleMeta = RuleMeta {
    id: "TG309",
    name: "torchscript-code",
    severity: Severity::High,
    summary: "TorchScript code in a model archive imports or calls something outside torch",
};
