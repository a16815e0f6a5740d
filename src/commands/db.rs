//! `tollgate db import|update|status`: the offline OSV advisory database.

use super::{EXIT_OK, EXIT_USAGE, Progress, emit, style};
use crate::cli::{DbArgs, DbCommand, GlobalArgs};
use crate::osv::store::{self, ImportError, Imported, SourceSpec};
use crate::osv::update::{self, Fetch};
use crate::report::Format;
use crate::report::human::Style;
use std::fmt::Write;

pub fn run(args: &DbArgs, global: &GlobalArgs) -> anyhow::Result<i32> {
    let home = crate::home::home();
    match &args.command {
        DbCommand::Status => status(&home, global),
        DbCommand::Import { paths } => {
            let specs: Vec<SourceSpec> = paths
                .iter()
                .map(|p| SourceSpec {
                    path: p.clone(),
                    ..SourceSpec::default()
                })
                .collect();
            let progress = Progress::new(global);
            progress.step("reading advisories…");
            let result = store::import(&home, &specs, "import");
            progress.done();
            match result {
                Ok(imported) => report_import(&imported, None, global),
                Err(e) => fail(&e, global),
            }
        }
        DbCommand::Update { base_url } => {
            let base = base_url.as_deref().unwrap_or(update::DEFAULT_BASE_URL);
            let progress = Progress::new(global);
            let updated = update::update(&home, base, &|m| progress.step(m));
            progress.done();
            let updated = updated?;
            let fetched: Vec<String> = updated
                .fetched
                .iter()
                .map(|(eco, f)| match f {
                    Fetch::Downloaded { bytes } => format!("{eco}: downloaded {bytes} bytes"),
                    Fetch::NotModified => format!("{eco}: not modified"),
                })
                .collect();
            match &updated.imported {
                Some(imported) => report_import(imported, Some(&fetched), global),
                None => {
                    if !global.quiet {
                        eprintln!(
                            "tollgate: {}; the database is up to date",
                            fetched.join(", ")
                        );
                    }
                    status(&home, global)
                }
            }
        }
    }
}

fn fail(e: &ImportError, global: &GlobalArgs) -> anyhow::Result<i32> {
    if !global.quiet {
        eprintln!("tollgate: error: {e}");
        eprintln!("tollgate: the current advisory database was not changed");
    }
    Ok(EXIT_USAGE)
}

fn report_import(
    imported: &Imported,
    fetched: Option<&[String]>,
    global: &GlobalArgs,
) -> anyhow::Result<i32> {
    let fresh = store::freshness(&imported.meta, jiff::Timestamp::now());
    let db = crate::osv::Database::open(&imported.path)
        .map_err(|e| anyhow::anyhow!("re-reading {}: {e}", imported.path.display()))?;
    match global.format {
        Format::Json => {
            let mut v = store::status_json(&db, &fresh);
            v["skipped"] = serde_json::to_value(&imported.skipped)?;
            if let Some(f) = fetched {
                v["fetched"] = serde_json::to_value(f)?;
            }
            emit(global, &format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        }
        _ => {
            let mut out = String::new();
            for e in &imported.skipped {
                let _ = writeln!(out, "skipped: {e}");
            }
            if let Some(f) = fetched {
                let _ = writeln!(out, "{}", f.join(", "));
            }
            let _ = writeln!(
                out,
                "imported {} advisories into {}",
                imported.meta.advisories,
                imported.path.display()
            );
            out.push_str(&render_status(&db, &fresh, style(global)));
            emit(global, &out)?;
        }
    }
    Ok(EXIT_OK)
}

fn status(home: &std::path::Path, global: &GlobalArgs) -> anyhow::Result<i32> {
    let loaded = store::load(home).map_err(|e| anyhow::anyhow!(e))?;
    for w in &loaded.warnings {
        eprintln!("tollgate: warning: {w}");
    }
    let fresh = store::freshness(&loaded.db.meta, jiff::Timestamp::now());
    let text = match global.format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&store::status_json(&loaded.db, &fresh))?
        ),
        _ => render_status(&loaded.db, &fresh, style(global)),
    };
    emit(global, &text)?;
    Ok(EXIT_OK)
}

/// The human `db status` text.
pub fn render_status(db: &crate::osv::Database, fresh: &store::Freshness, style: Style) -> String {
    let m = &db.meta;
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", style.bold("database:"), db.location);
    let built = m.built_at.as_deref().unwrap_or("at build time");
    let _ = writeln!(out, "  origin: {} (built {built})", m.origin);
    let _ = writeln!(
        out,
        "  advisories: {} ({} withdrawn excluded, {} duplicates merged, {} unreadable skipped)",
        m.advisories, m.withdrawn, m.duplicates, m.errors
    );
    for (eco, c) in &m.by_ecosystem {
        let _ = writeln!(
            out,
            "    {eco}: {} advisories ({} malicious) over {} packages",
            c.advisories, c.malicious, c.packages
        );
    }
    let age = match (&fresh.newest_modified, fresh.age_days) {
        (Some(n), Some(d)) => format!("newest record modified {n} ({d} days ago)"),
        _ => "no record carries a modification date".to_string(),
    };
    let _ = writeln!(out, "  data: {age}");
    let _ = writeln!(out, "  sources:");
    for s in &m.sources {
        let _ = writeln!(
            out,
            "    {} — {} records ({} withdrawn, {} other ecosystems, {} unreadable){}",
            s.location,
            s.records,
            s.withdrawn,
            s.ignored,
            s.errors,
            s.fetched_at
                .as_deref()
                .map(|t| format!(", read {t}"))
                .unwrap_or_default()
        );
    }
    if let Some(n) = store::stale_notice(db, fresh) {
        let _ = writeln!(out, "{} {n}", style.paint("33", "warning:"));
    }
    out
}
