//! Analyses: one module per capability. Each reads the inventory (and the
//! package contents it found) and returns findings; none formats output.

pub mod advisories;
pub mod behavior;
pub mod hygiene;
pub mod models;

use crate::discover::Discovered;
use crate::finding::{Finding, InputError, RuleMeta};
use crate::inventory::Inventory;
use std::path::PathBuf;

/// Everything an analysis may read.
pub struct ScanContext<'a> {
    pub inventory: &'a Inventory,
    pub discovered: &'a Discovered,
    /// `$TOLLGATE_HOME`: databases and caches.
    pub home: PathBuf,
}

/// What an analysis returns.
#[derive(Debug, Default)]
pub struct Output {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    /// Warnings about the run (stale data …), shown in every report.
    pub notices: Vec<String>,
    /// Facts for the report's `tool.data` (e.g. `advisory_db`).
    pub data: std::collections::BTreeMap<String, serde_json::Value>,
}

/// Settings of one run that some analyses take: the policy, the clock, and
/// whether the network may be used (`--online`).
#[derive(Clone, Debug)]
pub struct RunSettings {
    pub policy: std::sync::Arc<crate::policy::Policy>,
    /// "Now", injected so that time-dependent rules are testable.
    pub now: jiff::Timestamp,
    pub online: bool,
}

/// A capability: a name users select with `--only`, its rules, and the work.
pub trait Analysis: Sync {
    /// Short name (`advisories`, `behavior`, `models`, `hygiene`).
    fn name(&self) -> &'static str;
    /// Every rule the analysis can report.
    fn rules(&self) -> &'static [RuleMeta];
    fn run(&self, ctx: &ScanContext) -> Output;
    /// Receives the run's settings before `run`. Most analyses need none.
    fn configure(&mut self, _settings: &RunSettings) {}
}

/// Every analysis this build has, in report order.
pub fn all() -> Vec<Box<dyn Analysis>> {
    vec![
        Box::new(advisories::Advisories),
        Box::new(behavior::Behavior),
        Box::new(models::Models),
        Box::new(hygiene::Hygiene::default()),
    ]
}

/// Every rule of every analysis, sorted by ID.
pub fn all_rules() -> Vec<RuleMeta> {
    let mut rules: Vec<RuleMeta> = all()
        .iter()
        .flat_map(|a| a.rules().iter().copied())
        .collect();
    rules.sort_by_key(|r| r.id);
    rules
}
