//! TG410: an `[[ignore]]` whose expiry date has passed. Raised by the policy
//! (`policy::apply`), not by the scan: the ignore stops hiding its findings.

use crate::finding::{RuleMeta, Severity};

pub const RULE: RuleMeta = RuleMeta {
    id: "TG410",
    name: "expired-ignore",
    severity: Severity::Low,
    summary: "A policy ignore has expired; the findings it hid are reported again",
};
