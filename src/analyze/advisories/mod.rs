//! Known vulnerabilities and known-malicious releases: every pinned package
//! of the inventory matched against the offline OSV database (the one in
//! `$TOLLGATE_HOME`, else the snapshot built into the binary).

pub mod rules;

use super::{Analysis, Output, ScanContext};
use crate::finding::{InputError, RuleMeta};
use crate::model::Package;
use crate::osv::{self, Match, Matcher, store};
use rayon::prelude::*;

/// The `advisories` analysis.
pub struct Advisories;

static RULES: [RuleMeta; 2] = [
    rules::known_vulnerability::RULE,
    rules::known_malicious_release::RULE,
];

impl Analysis for Advisories {
    fn name(&self) -> &'static str {
        "advisories"
    }

    fn rules(&self) -> &'static [RuleMeta] {
        &RULES
    }

    fn run(&self, ctx: &ScanContext) -> Output {
        let mut out = Output::default();
        let loaded = match store::load(&ctx.home) {
            Ok(l) => l,
            Err(e) => {
                out.errors
                    .push(InputError::new("advisory database", None, e));
                return out;
            }
        };
        let db = &loaded.db;
        out.notices.extend(loaded.warnings);
        let fresh = store::freshness(&db.meta, jiff::Timestamp::now());
        out.notices.extend(store::stale_notice(db, &fresh));
        let mut status = store::status_json(db, &fresh);
        let pinned = ctx
            .inventory
            .packages
            .iter()
            .filter(|p| p.version.is_some())
            .count();
        // Requirements without a pin cannot be matched: say how many.
        status["packages_checked"] = pinned.into();
        status["packages_unpinned"] = (ctx.inventory.packages.len() - pinned).into();
        out.data.insert("advisory_db".into(), status);
        // One matcher for the run: versions of the same package share its
        // prepared entries.
        let matcher = Matcher::new(db);
        let results: Vec<(&Package, Result<Vec<Match>, String>)> = ctx
            .inventory
            .packages
            .par_iter()
            .filter_map(|p| {
                let version = p.version.as_deref()?;
                let eco = osv::eco_of(p.ecosystem)?;
                let found = matcher
                    .find(eco, &p.name, version)
                    .map_err(|e| e.to_string());
                Some((p, found))
            })
            .collect();
        for (p, found) in results {
            match found {
                Ok(matches) => out
                    .findings
                    .extend(matches.iter().map(|m| rules::finding(p, m))),
                Err(e) => out.errors.push(InputError::new(
                    db.location.to_string(),
                    None,
                    format!("advisory lookup for {} failed: {e}", p.display_id()),
                )),
            }
        }
        out
    }
}
