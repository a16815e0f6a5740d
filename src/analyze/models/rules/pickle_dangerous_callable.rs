//! TG301 pickle-dangerous-callable: A pickle imports or calls something that runs code, imports modules, spawns processes, reaches the network or files, or unpickles again

use crate::finding::{RuleMeta, Severity};

/// A pickle imports or calls something that runs code, imports modules, spawns processes, reaches the network or files, or unpickles again
pub const META: RuleMeta = RuleMeta {
    id: "TG301",
    name: "pickle-dangerous-callable",
    severity: Severity::Critical,
    summary: "A pickle imports or calls something that runs code, imports modules, spawns processes, reaches the network or files, or unpickles again",
};
