//! One hygiene rule per file. Each has a `RULE` and a `check`.

pub mod artifact_changed;
pub mod disallowed_index;
pub mod expired_ignore;
pub mod license_policy;
pub mod lockfile_out_of_sync;
pub mod missing_hash;
pub mod missing_lockfile;
pub mod mixed_indexes;
pub mod new_dependency_limit;
pub mod non_registry_source;
pub mod release_cooldown;
pub mod unapproved_change;
pub mod unpinned_requirement;

use super::Ctx;
use crate::analyze::Output;
use crate::finding::RuleMeta;

/// Every TG4xx rule. The last three are raised by `tollgate diff`, TG410 by
/// the policy itself; they are listed here so reports and SARIF know them.
pub const ALL: &[RuleMeta] = &[
    unpinned_requirement::RULE,
    missing_hash::RULE,
    non_registry_source::RULE,
    mixed_indexes::RULE,
    lockfile_out_of_sync::RULE,
    disallowed_index::RULE,
    license_policy::RULE,
    release_cooldown::RULE,
    missing_lockfile::RULE,
    expired_ignore::RULE,
    artifact_changed::RULE,
    new_dependency_limit::RULE,
    unapproved_change::RULE,
];

/// Runs every scan-time rule.
pub fn run_all(cx: &Ctx, out: &mut Output) {
    let checks: [fn(&Ctx, &mut Output); 9] = [
        unpinned_requirement::check,
        missing_hash::check,
        non_registry_source::check,
        mixed_indexes::check,
        lockfile_out_of_sync::check,
        disallowed_index::check,
        license_policy::check,
        release_cooldown::check,
        missing_lockfile::check,
    ];
    for check in checks {
        check(cx, out);
    }
}
