//! Static detection of malicious behaviour inside Python and npm packages:
//! startup hooks, install-time and import-time execution, obfuscation,
//! credential theft, exfiltration, persistence, propagation, droppers, AI
//! agent abuse, and the integrity of installed environments.
//!
//! Pipeline per package: [`walk`] yields files → [`prefilter`] (one
//! Aho–Corasick pass) rejects most → [`python`] / [`javascript`]
//! (tree-sitter) turn the rest into typed [`signals`] → [`rules`] decide
//! severity from combinations in one file or function. Nothing is executed.

pub mod file;
pub mod javascript;
pub mod package;
pub mod patterns;
pub mod prefilter;
pub mod python;
pub mod rules;
pub mod signals;
pub mod walk;

#[cfg(test)]
mod fuzz_tests;

use super::{Analysis, Output, ScanContext};
use crate::finding::RuleMeta;
use rayon::prelude::*;

/// Fuzz entry point: one input as every kind of file the analysis reads
/// (Python, JavaScript, `.pth`, shell, manifests), then the rules. Must
/// never panic. Reached from `fuzz/fuzz_targets/behavior_file.rs` and tests.
pub fn fuzz_file(data: &[u8]) {
    for rel in [
        "m.py",
        "m.js",
        "x.pth",
        "s.sh",
        "package.json",
        "setup.py",
        "bin",
    ] {
        let f = walk::FileRef {
            rel,
            bytes: data,
            record: None,
        };
        let _ = file::analyze(&f);
        let _ = file::analyze_forced(rel, data);
    }
    let _ = python::benign_hook_shape(data);
    let _ = signals::decode_base64_literal(&String::from_utf8_lossy(data));
}

/// The `behavior` analysis.
pub struct Behavior;

impl Analysis for Behavior {
    fn name(&self) -> &'static str {
        "behavior"
    }

    fn rules(&self) -> &'static [RuleMeta] {
        rules::RULES
    }

    fn run(&self, ctx: &ScanContext) -> Output {
        let units = walk::units(&ctx.inventory.contents, ctx.discovered);
        let results: Vec<_> = units.par_iter().map(package::analyze).collect();
        let mut out = Output::default();
        for (unit, r) in units.iter().zip(results) {
            out.findings.extend(r.findings);
            out.errors.extend(r.errors);
            if let (walk::Source::Archive { path, .. }, Some((name, version))) =
                (&unit.source, &r.npm_id)
            {
                let display = crate::discover::display_path(path);
                out.findings.extend(rules::lock_integrity::check(
                    path,
                    &display,
                    name,
                    version,
                    &ctx.inventory.packages,
                ));
            }
        }
        out.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        use file::stats;
        out.data.insert(
            "behavior".into(),
            serde_json::json!({
                "packages": units.len(),
                "files_read": stats::get(&stats::FILES),
                "bytes_read": stats::get(&stats::BYTES),
                "files_parsed": stats::get(&stats::PARSED),
                "bytes_parsed": stats::get(&stats::PARSED_BYTES),
            }),
        );
        out
    }
}
