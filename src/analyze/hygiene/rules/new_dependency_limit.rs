//! TG412 (diff): a change adds more new transitive dependencies than the
//! policy's `max-new-transitive` allows.

use crate::finding::{RuleMeta, Severity};

pub const RULE: RuleMeta = RuleMeta {
    id: "TG412",
    name: "new-dependency-limit",
    severity: Severity::High,
    summary: "A change adds more new transitive dependencies than the policy allows",
};
