//! TG303 pickle-malformed: A pickle stream is broken, has data after STOP, or is followed by another pickle

use crate::finding::{RuleMeta, Severity};

/// A pickle stream is broken, has data after STOP, or is followed by another pickle
pub const META: RuleMeta = RuleMeta {
    id: "TG303",
    name: "pickle-malformed",
    severity: Severity::Medium,
    summary: "A pickle stream is broken, has data after STOP, or is followed by another pickle",
};
