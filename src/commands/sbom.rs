//! `tollgate sbom`: discover → inventory (with model digests) → advisory
//! matching → a CycloneDX 1.6 or SPDX 2.3 JSON document.

use super::{EXIT_OK, EXIT_USAGE, Progress, emit, target};
use crate::cli::{GlobalArgs, SbomArgs};
use crate::inventory::{self, Inventory};
use crate::osv::{self, Match, Matcher, store};
use crate::report::sbom::{self, Bom, Subject};
use crate::report::{Format, cyclonedx, spdx};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn run(args: &SbomArgs, global: &GlobalArgs) -> anyhow::Result<i32> {
    let write: fn(&Bom) -> String = match global.format {
        // `human` is the global default: an SBOM has no human form.
        Format::CyclonedxJson | Format::Human => cyclonedx::render,
        Format::SpdxJson => spdx::render,
        other => anyhow::bail!(
            "`sbom` writes cyclonedx-json (the default) or spdx-json, not {}",
            clap::ValueEnum::to_possible_value(&other)
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        ),
    };
    let created = sbom::creation_time(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref())
        .map_err(|e| anyhow::anyhow!(e))?;
    let progress = Progress::new(global);
    progress.step("discovering inputs…");
    let mut discovered = crate::discover::discover(&args.paths);
    if let Some(out) = &global.output {
        // A previous run's output in the scanned tree is not an input of this one.
        let out = std::fs::canonicalize(out).unwrap_or_else(|_| out.clone());
        discovered
            .inputs
            .retain(|i| std::fs::canonicalize(&i.path).unwrap_or_else(|_| i.path.clone()) != out);
    }
    progress.step(&format!("reading {} inputs…", discovered.inputs.len()));
    let options = inventory::Options {
        target: target(&args.target)?,
        skip_artifact_hashes: false,
    };
    let inv = inventory::build(&discovered, &options);
    let nothing_read = discovered.inputs.is_empty()
        || inv
            .inputs
            .iter()
            .all(|i| i.packages == 0 && inv.errors.iter().any(|e| e.path == i.path));
    progress.step(&format!("describing {} packages…", inv.packages.len()));
    let (matches, advisory_data) = if args.no_advisories {
        (BTreeMap::new(), None)
    } else {
        advisories(&inv, global.quiet)
    };
    let records = sbom::record_digests(&inv.packages);
    let errors = inv.errors.clone();
    let subject = Subject {
        name: args
            .name
            .clone()
            .unwrap_or_else(|| default_name(&args.paths)),
        version: args.release.clone(),
    };
    let mut bom = Bom::build(inv, subject, created, &records, &matches);
    bom.advisory_data = advisory_data;
    progress.done();
    emit(global, &write(&bom))?;
    if !global.quiet {
        for e in &errors {
            eprintln!("tollgate: warning: {e}");
        }
    }
    if nothing_read {
        if !global.quiet {
            eprintln!("tollgate: no input could be read");
        }
        return Ok(EXIT_USAGE);
    }
    Ok(EXIT_OK)
}

/// The subject's default name: the scanned directory's name (a file's
/// directory), several joined with ` + `.
fn default_name(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths
        .iter()
        .map(|p| {
            let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
            let dir = if abs.is_file() {
                abs.parent().map(Path::to_path_buf).unwrap_or(abs)
            } else {
                abs
            };
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string())
        })
        .collect();
    names.join(" + ")
}

/// Advisory matches by package purl, and a line saying which data they
/// come from. Problems with the database are warnings: the SBOM is still
/// written, without vulnerabilities.
fn advisories(inv: &Inventory, quiet: bool) -> (BTreeMap<String, Vec<Match>>, Option<String>) {
    let warn = |m: &str| {
        if !quiet {
            eprintln!("tollgate: warning: {m}");
        }
    };
    let loaded = match store::load(&crate::home::home()) {
        Ok(l) => l,
        Err(e) => {
            warn(&format!("{e}; the SBOM has no vulnerabilities"));
            return (BTreeMap::new(), None);
        }
    };
    for w in &loaded.warnings {
        warn(w);
    }
    let db = &loaded.db;
    let fresh = store::freshness(&db.meta, jiff::Timestamp::now());
    if let Some(n) = store::stale_notice(db, &fresh) {
        warn(&n);
    }
    let matcher = Matcher::new(db);
    let found: Vec<(String, Result<Vec<Match>, String>)> = inv
        .packages
        .par_iter()
        .filter_map(|p| {
            let v = p.version.as_deref()?;
            // Ecosystems OSV does not cover (conda) have no advisories to match.
            let eco = osv::eco_of(p.ecosystem)?;
            let r = matcher
                .find(eco, &p.name, v)
                .map_err(|e| format!("advisory lookup for {} failed: {e}", p.display_id()));
            Some((p.purl.clone(), r))
        })
        .collect();
    let mut out = BTreeMap::new();
    for (purl, r) in found {
        match r {
            Ok(m) if !m.is_empty() => {
                out.insert(purl, m);
            }
            Ok(_) => {}
            Err(e) => warn(&e),
        }
    }
    let data = format!(
        "OSV, {}: {} advisories, newest modified {}",
        db.location,
        db.meta.advisories,
        fresh.newest_modified.as_deref().unwrap_or("unknown")
    );
    (out, Some(data))
}
