//! TG413 (diff): an added or changed package without an approval for its
//! exact artifact, when the policy requires approvals.

use crate::finding::{RuleMeta, Severity};

pub const RULE: RuleMeta = RuleMeta {
    id: "TG413",
    name: "unapproved-change",
    severity: Severity::High,
    summary: "An added or changed package version has no approval for its hash",
};
