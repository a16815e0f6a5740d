//! The advisory database in `$TOLLGATE_HOME/osv/`: which one a run uses
//! (the imported/updated file first, else the embedded snapshot), how old
//! its data is, and importing OSV zips or directories into a new file that
//! replaces the old one atomically, only once it has been written and
//! re-read whole.

use super::compile::{Compiler, Meta};
use super::db::{self, Database};
use super::record::{self, Parsed};
use crate::archive::{self, ArchiveKind, EntryType, Limits};
use crate::discover::display_path;
use crate::finding::InputError;
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Data older than this many days gets a warning in every report.
pub const STALE_DAYS: i64 = 7;
/// Largest single OSV record we read (the biggest real ones are ~1 MB).
const MAX_RECORD_BYTES: u64 = 16 << 20;
/// Records parsed per parallel batch.
const BATCH: usize = 4096;

/// `$TOLLGATE_HOME/osv`.
pub fn dir(home: &Path) -> PathBuf {
    home.join("osv")
}

/// The imported/updated database file.
pub fn db_path(home: &Path) -> PathBuf {
    dir(home).join("osv.tgdb")
}

/// The database a run uses, and why (for notices).
pub struct Loaded {
    pub db: Database,
    /// Problems worth telling the user (a damaged home database …).
    pub warnings: Vec<String>,
}

/// The database in `$TOLLGATE_HOME` when there is a readable one, else the
/// embedded snapshot. A damaged home file is reported, not fatal.
pub fn load(home: &Path) -> Result<Loaded, String> {
    let path = db_path(home);
    let mut warnings = Vec::new();
    if path.exists() {
        match Database::open(&path) {
            Ok(db) => return Ok(Loaded { db, warnings }),
            Err(e) => warnings.push(format!(
                "advisory database {} is unreadable ({e}); using the embedded snapshot instead \
                 (re-run `tollgate db import` or `tollgate db update`)",
                path.display()
            )),
        }
    }
    let db = Database::embedded().map_err(|e| format!("embedded advisory database: {e}"))?;
    Ok(Loaded { db, warnings })
}

/// How fresh a database's data is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Freshness {
    /// The newest `modified` timestamp of any advisory.
    pub newest_modified: Option<String>,
    /// Whole days since then (0 when in the future).
    pub age_days: Option<i64>,
    /// Older than [`STALE_DAYS`] (or undated).
    pub stale: bool,
}

/// Parses an OSV timestamp (RFC 3339, sometimes with 9 fraction digits).
fn parse_time(s: &str) -> Option<jiff::Timestamp> {
    s.parse::<jiff::Timestamp>().ok().or_else(|| {
        let civil: jiff::civil::DateTime = s.get(..19)?.parse().ok()?;
        civil
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    })
}

pub fn freshness(meta: &Meta, now: jiff::Timestamp) -> Freshness {
    let newest = meta.newest_modified.as_deref().and_then(parse_time);
    let age_days = newest.map(|t| ((now.as_second() - t.as_second()) / 86_400).max(0));
    Freshness {
        newest_modified: meta.newest_modified.clone(),
        age_days,
        stale: age_days.is_none_or(|d| d > STALE_DAYS),
    }
}

/// The warning shown in every report when the data is stale.
pub fn stale_notice(db: &Database, f: &Freshness) -> Option<String> {
    if !f.stale {
        return None;
    }
    let what = match db.location {
        db::Location::Embedded => "the embedded OSV snapshot",
        db::Location::File(_) => "the OSV database",
    };
    Some(match (&f.age_days, &f.newest_modified) {
        (Some(days), Some(newest)) => format!(
            "advisory data is {days} days old ({what}, newest record modified {}); \
             vulnerabilities published since are not reported: run `tollgate db update`",
            newest.get(..10).unwrap_or(newest)
        ),
        _ => format!("the age of {what} is unknown; run `tollgate db update`"),
    })
}

/// What `db status`, `query` and every scan report say about the database.
pub fn status_json(db: &Database, fresh: &Freshness) -> serde_json::Value {
    let m = &db.meta;
    serde_json::json!({
        "location": db.location.to_string(),
        "origin": m.origin,
        "built_at": m.built_at,
        "advisories": m.advisories,
        "by_ecosystem": m.by_ecosystem,
        "withdrawn": m.withdrawn,
        "duplicates": m.duplicates,
        "errors": m.errors,
        "newest_modified": fresh.newest_modified,
        "age_days": fresh.age_days,
        "stale": fresh.stale,
        "sources": m.sources,
    })
}

/// One input of an import, with what the database should record about it.
#[derive(Clone, Debug, Default)]
pub struct SourceSpec {
    pub path: PathBuf,
    /// Shown in `db status` (defaults to the path).
    pub location: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Why an import changed nothing.
#[derive(Debug, Error)]
pub enum ImportError {
    #[error("{0}")]
    Input(InputError),
    #[error(
        "no advisories for PyPI, npm or crates.io were found in the input; the database was not changed"
    )]
    Empty,
    #[error("cannot write the database: {0}")]
    Write(String),
}

/// What an import did.
#[derive(Debug)]
pub struct Imported {
    pub path: PathBuf,
    pub meta: Meta,
    /// Records or members that were skipped.
    pub skipped: Vec<InputError>,
}

/// Reads every input, compiles them into one database and swaps it in.
/// Any input that cannot be read at all aborts the import and leaves the
/// current database untouched; bad records inside an input are skipped
/// and listed.
pub fn import(home: &Path, sources: &[SourceSpec], origin: &str) -> Result<Imported, ImportError> {
    let now = jiff::Timestamp::now().to_string();
    let mut compiler = Compiler::default();
    let mut skipped = Vec::new();
    for spec in sources {
        let display = display_path(&spec.path);
        let name = spec
            .path
            .file_name()
            .map_or_else(|| display.clone(), |n| n.to_string_lossy().into_owned());
        compiler.source(&name, spec.location.as_deref().unwrap_or(&display));
        if let Some(src) = compiler.sources.last_mut() {
            src.etag = spec.etag.clone();
            src.last_modified = spec.last_modified.clone();
            src.fetched_at = Some(now.clone());
        }
        read_source(&spec.path, &display, &mut compiler, &mut skipped)
            .map_err(ImportError::Input)?;
    }
    if compiler.is_empty() {
        return Err(ImportError::Empty);
    }
    let bytes = compiler
        .finish(origin, Some(now))
        .map_err(|e| ImportError::Write(e.to_string()))?;
    let path = write_atomically(home, &bytes)?;
    let meta = Database::open(&path)
        .map(|db| db.meta)
        .map_err(|e| ImportError::Write(e.to_string()))?;
    Ok(Imported {
        path,
        meta,
        skipped,
    })
}

/// Writes to a temporary file beside the target, re-reads and verifies it,
/// then renames it over the old database (atomic on one filesystem).
fn write_atomically(home: &Path, bytes: &[u8]) -> Result<PathBuf, ImportError> {
    let dir = dir(home);
    let werr = |what: &str, e: &dyn std::fmt::Display| {
        ImportError::Write(format!("{what} {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(&dir).map_err(|e| werr("cannot create", &e))?;
    let tmp = dir.join(format!(".osv.tgdb.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(|e| werr("cannot write in", &e))?;
        f.write_all(bytes)
            .map_err(|e| werr("cannot write in", &e))?;
        f.sync_all().map_err(|e| werr("cannot sync in", &e))?;
        let check = Database::open(&tmp).and_then(|db| db::verify(&db));
        check.map_err(|e| werr("the new database did not verify in", &e))?;
        let target = db_path(home);
        std::fs::rename(&tmp, &target).map_err(|e| werr("cannot replace the database in", &e))?;
        Ok(target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Reads one input: an OSV zip, a directory of OSV JSON files, or one file.
fn read_source(
    path: &Path,
    display: &str,
    compiler: &mut Compiler,
    skipped: &mut Vec<InputError>,
) -> Result<(), InputError> {
    let fatal = |msg: String| InputError::new(display, None, msg);
    let meta = std::fs::metadata(path).map_err(|e| fatal(e.to_string()))?;
    if meta.is_dir() {
        let mut files = Vec::new();
        collect_json(path, &mut files).map_err(|e| fatal(e.to_string()))?;
        files.sort();
        for chunk in files.chunks(BATCH) {
            let batch: Vec<(String, Result<Vec<u8>, String>)> = chunk
                .iter()
                .map(|f| (display_path(f), read_record_file(f)))
                .collect();
            add_batch(batch, compiler, skipped);
        }
        return Ok(());
    }
    let mut head = [0u8; 8];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .map_err(|e| fatal(e.to_string()))?;
    if archive::sniff(&head[..n]) == Some(ArchiveKind::Zip) {
        return read_zip(path, display, compiler, skipped);
    }
    if head[..n].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        let batch = vec![(display.to_string(), read_record_file(path))];
        add_batch(batch, compiler, skipped);
        return Ok(());
    }
    Err(fatal(
        "not an OSV zip, an OSV JSON file or a directory of them".into(),
    ))
}

fn read_record_file(path: &Path) -> Result<Vec<u8>, String> {
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > MAX_RECORD_BYTES {
        return Err(format!(
            "{len} bytes, over the {MAX_RECORD_BYTES}-byte limit for one record"
        ));
    }
    std::fs::read(path).map_err(|e| e.to_string())
}

/// `*.json` files under `dir`, recursively; symbolic links are not followed.
fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let p = entry.path();
        if ty.is_dir() {
            collect_json(&p, out)?;
        } else if ty.is_file() && p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
    Ok(())
}

fn read_zip(
    path: &Path,
    display: &str,
    compiler: &mut Compiler,
    skipped: &mut Vec<InputError>,
) -> Result<(), InputError> {
    // osv.dev's npm zip holds hundreds of thousands of small records.
    let limits = Limits {
        max_entries: 5_000_000,
        max_entry_bytes: MAX_RECORD_BYTES,
        max_total_bytes: 32 << 30,
        max_ratio: 1000,
    };
    let mut batch: Vec<(String, Result<Vec<u8>, String>)> = Vec::new();
    let visit = archive::visit_path(
        path,
        ArchiveKind::Zip,
        &limits,
        &mut |e| e.kind == EntryType::File && e.name.ends_with(".json"),
        &mut |e, bytes| {
            batch.push((format!("{display}!/{}", e.name), Ok(bytes.to_vec())));
            if batch.len() >= BATCH {
                add_batch(std::mem::take(&mut batch), compiler, skipped);
            }
        },
    )
    .map_err(|e| InputError::new(display, None, e.to_string()))?;
    add_batch(batch, compiler, skipped);
    for p in visit.problems {
        compiler.error();
        skipped.push(InputError::new(
            format!("{display}!/{}", p.name),
            None,
            p.message,
        ));
    }
    Ok(())
}

/// Parses a batch of records in parallel and adds them in order.
fn add_batch(
    batch: Vec<(String, Result<Vec<u8>, String>)>,
    compiler: &mut Compiler,
    skipped: &mut Vec<InputError>,
) {
    let parsed: Vec<Result<Parsed, InputError>> = batch
        .into_par_iter()
        .map(|(name, bytes)| match bytes {
            Ok(b) => record::parse(&b).map_err(|e| {
                let msg = match e.id {
                    Some(id) => format!("{id}: {}", e.message),
                    None => e.message,
                };
                InputError::new(name, e.line, msg)
            }),
            Err(msg) => Err(InputError::new(name, None, msg)),
        })
        .collect();
    for r in parsed {
        match r {
            Ok(p) => compiler.add(p),
            Err(e) => {
                compiler.error();
                skipped.push(e);
            }
        }
    }
}
