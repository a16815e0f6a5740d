//! Advisory database benchmarks (no criterion: a plain timing harness keeps
//! the build small). Run with `cargo bench --bench osv`.
//!
//! * load: opening the embedded snapshot;
//! * import: `db import` of the bundled PyPI snapshot (2,661 records), and
//!   of all three bundled zips, into a temporary `$TOLLGATE_HOME`;
//! * match: 10,000 packages against the whole database, single-threaded and
//!   in parallel (as `scan` does): the real corpus (lockfiles and the
//!   installed venv of `../shared/corpus`) repeated to 10,000, and a
//!   worst case where every package has advisories (every name in the
//!   database, at versions taken from its own range bounds).

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tollgate::osv::record::Eco;
use tollgate::osv::store::{self, SourceSpec};
use tollgate::osv::{Database, Matcher, find};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time<T>(n: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn report(what: &str, d: Duration) {
    println!("{what:<58} {:>10.3} ms", d.as_secs_f64() * 1000.0);
}

/// The real corpus's packages (pinned ones only).
fn corpus_packages() -> Vec<(Eco, String, String)> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let cache = std::env::var_os("TOLLGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| base.join(".cache"));
    let paths: Vec<PathBuf> = [base.join("lockfiles"), cache.join("venv")]
        .into_iter()
        .filter(|p| p.exists())
        .collect();
    let discovered = tollgate::discover::discover(&paths);
    let inv = tollgate::inventory::build(&discovered, &Default::default());
    inv.packages
        .iter()
        .filter_map(|p| {
            Some((
                tollgate::osv::eco_of(p.ecosystem)?,
                p.name.clone(),
                p.version.clone()?,
            ))
        })
        .collect()
}

/// Every package of the database at versions from its own bounds.
fn all_hit_packages(db: &Database) -> Vec<(Eco, String, String)> {
    let mut out = Vec::new();
    for i in 0..db.package_count() {
        let Ok((Some(eco), name)) = db.package(i) else {
            continue;
        };
        let Ok(p) = db.entries(eco, name) else {
            continue;
        };
        for e in &p.entries {
            for r in &e.ranges {
                for (_, v) in &r.events {
                    if *v != "0" {
                        out.push((eco, name.to_string(), v.to_string()));
                    }
                }
            }
        }
        let listed = db.listed_keys(&p.listed).unwrap_or_default();
        out.extend(
            listed
                .iter()
                .map(|v| (eco, name.to_string(), v.to_string())),
        );
    }
    out
}

fn cycle_to(v: &[(Eco, String, String)], n: usize) -> Vec<(Eco, String, String)> {
    v.iter().cycle().take(n).cloned().collect()
}

/// Cold: every lookup prepares its package from scratch (`osv::find`).
fn match_cold(db: &Database, pkgs: &[(Eco, String, String)]) -> usize {
    pkgs.iter()
        .map(|(e, n, v)| find(db, *e, n, v).map_or(0, |m| m.len()))
        .sum()
}

/// As `scan` does it: one `Matcher` for the run, packages in parallel.
fn match_scan(db: &Database, pkgs: &[(Eco, String, String)]) -> usize {
    let m = Matcher::new(db);
    pkgs.par_iter()
        .map(|(e, n, v)| m.find(*e, n, v).map_or(0, |m| m.len()))
        .sum()
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    report(
        "load embedded snapshot",
        time(200, || Database::embedded().map(|d| d.meta.advisories)),
    );

    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/osv");
    let spec = |z: &str| SourceSpec {
        path: data.join(z),
        ..SourceSpec::default()
    };
    let home = tempfile::tempdir().expect("temp dir");
    let pypi = [spec("PyPI.zip")];
    report(
        "import PyPI.zip (2,661 records)",
        time(7, || {
            store::import(home.path(), &pypi, "import").map(|i| i.meta.advisories)
        }),
    );
    let all = [spec("PyPI.zip"), spec("npm.zip"), spec("MAL.zip")];
    report(
        "import PyPI.zip + npm.zip + MAL.zip (2,775 records)",
        time(7, || {
            store::import(home.path(), &all, "import").map(|i| i.meta.advisories)
        }),
    );

    let db = Database::embedded().expect("embedded database");
    let corpus = corpus_packages();
    if corpus.is_empty() {
        println!("(../shared/corpus missing: corpus benchmark skipped)");
    } else {
        let pkgs = cycle_to(&corpus, 10_000);
        let hits = match_cold(&db, &pkgs);
        let what = format!(
            "corpus packages ({} distinct, {hits} matches)",
            corpus.len()
        );
        report(
            &format!("match 10,000 {what}, cold, 1 thread"),
            time(21, || match_cold(&db, &pkgs)),
        );
        report(
            "match 10,000 corpus packages, as scan does",
            time(21, || match_scan(&db, &pkgs)),
        );
    }
    let worst = all_hit_packages(&db);
    let pkgs = cycle_to(&worst, 10_000);
    let hits = match_cold(&db, &pkgs);
    println!("worst case: every package has advisories ({hits} matches in 10,000 lookups)");
    report(
        "match 10,000 always-affected packages, cold, 1 thread",
        time(7, || match_cold(&db, &pkgs)),
    );
    report(
        "match 10,000 always-affected packages, as scan does",
        time(7, || match_scan(&db, &pkgs)),
    );
}
