//! `tollgate query PURL... | --purls FILE`: the advisories affecting each
//! package, answered from the offline database.

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, emit, style};
use crate::cli::{GlobalArgs, QueryArgs};
use crate::model::{ParsedPurl, parse_purl};
use crate::osv::{self, Match, store};
use crate::report::Format;
use crate::report::human::Style;
use serde::Serialize;
use std::fmt::Write;

/// One queried purl and what affects it.
#[derive(Debug, Serialize)]
pub struct QueryResult {
    pub purl: String,
    pub ecosystem: crate::model::Ecosystem,
    pub name: String,
    pub version: String,
    pub affected: bool,
    pub advisories: Vec<Match>,
}

/// The `--format json` document of `query`.
#[derive(Debug, Serialize)]
pub struct QueryReport {
    pub schema_version: u32,
    pub database: serde_json::Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    pub results: Vec<QueryResult>,
}

/// Reads the purls of the command line and of `--purls FILE`; every bad
/// one is named (with its line in the file).
fn collect(args: &QueryArgs) -> Result<Vec<(String, ParsedPurl)>, Vec<String>> {
    let mut lines: Vec<(String, String)> = args
        .purl
        .iter()
        .map(|p| (format!("`{p}`"), p.clone()))
        .collect();
    if let Some(file) = &args.purls_file {
        let text = crate::inventory::text::read_text(file)
            .map_err(|e| vec![format!("{}: {e}", file.display())])?;
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                lines.push((
                    format!("{}:{}: `{line}`", file.display(), i + 1),
                    line.to_string(),
                ));
            }
        }
    }
    if lines.is_empty() {
        return Err(vec!["no purl given (pass PURLs or --purls FILE)".into()]);
    }
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for (place, text) in lines {
        match parse_purl(&text) {
            Ok(p) if p.version.is_none() => bad.push(format!(
                "bad purl {place}: no version (expected `pkg:TYPE/NAME@VERSION`)"
            )),
            Ok(p) => ok.push((text, p)),
            Err(e) => bad.push(format!("bad purl {place}: {e}")),
        }
    }
    if bad.is_empty() { Ok(ok) } else { Err(bad) }
}

pub fn run(args: &QueryArgs, global: &GlobalArgs) -> anyhow::Result<i32> {
    if global.format == Format::Sarif {
        anyhow::bail!("`query` writes human or json output, not sarif");
    }
    let purls = match collect(args) {
        Ok(p) => p,
        Err(bad) => {
            for b in bad {
                eprintln!("tollgate: error: {b}");
            }
            return Ok(EXIT_USAGE);
        }
    };
    let loaded = store::load(&crate::home::home()).map_err(|e| anyhow::anyhow!(e))?;
    let db = &loaded.db;
    let fresh = store::freshness(&db.meta, jiff::Timestamp::now());
    let mut notices = loaded.warnings.clone();
    notices.extend(store::stale_notice(db, &fresh));
    let mut results = Vec::with_capacity(purls.len());
    let matcher = osv::Matcher::new(db);
    for (text, p) in purls {
        let version = p.version.clone().unwrap_or_default();
        // OSV has no conda ecosystem: nothing can match.
        let advisories = match osv::eco_of(p.ecosystem) {
            Some(eco) => matcher
                .find(eco, &p.name, &version)
                .map_err(|e| anyhow::anyhow!("advisory database {}: {e}", db.location))?,
            None => Vec::new(),
        };
        results.push(QueryResult {
            purl: text,
            ecosystem: p.ecosystem,
            name: p.name,
            version,
            affected: !advisories.is_empty(),
            advisories,
        });
    }
    let fail_on = global.fail_on.unwrap_or(crate::policy::DEFAULT_FAIL_ON);
    let failed = fail_on.threshold().is_some_and(|t| {
        results
            .iter()
            .flat_map(|r| &r.advisories)
            .any(|m| m.severity >= t)
    });
    let report = QueryReport {
        schema_version: 1,
        database: store::status_json(db, &fresh),
        notices,
        results,
    };
    let text = match global.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
        _ => render(&report, style(global), global.quiet),
    };
    emit(global, &text)?;
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

fn render(report: &QueryReport, style: Style, quiet: bool) -> String {
    let mut out = String::new();
    for r in &report.results {
        let n = r.advisories.len();
        let verdict = match n {
            0 => style.dim("no known advisories"),
            1 => "1 advisory".to_string(),
            n => format!("{n} advisories"),
        };
        let _ = writeln!(out, "{}  {verdict}", style.bold(&r.purl));
        for m in &r.advisories {
            let label = if m.malicious {
                style.paint("1;31", "MALICIOUS")
            } else {
                style.severity(m.severity)
            };
            let aliases = if m.aliases.is_empty() {
                String::new()
            } else {
                format!(" ({})", m.aliases.join(", "))
            };
            let _ = writeln!(out, "  {label} {}{aliases}", m.id);
            if !m.summary.is_empty() {
                let _ = writeln!(out, "           {}", m.summary);
            }
            let _ = writeln!(out, "           {}", style.dim(&fix_line(m, &r.version)));
        }
    }
    if !quiet {
        for n in &report.notices {
            let _ = writeln!(out, "note: {n}");
        }
    }
    out
}

/// "fix: upgrade to X" or why there is none.
pub fn fix_line(m: &Match, version: &str) -> String {
    match (&m.fix, m.last_affected.last()) {
        _ if m.malicious => format!("known-malicious release: remove {version}"),
        (Some(f), _) => format!(
            "fix: upgrade to {f} or later (fixed in: {})",
            m.fixed.join(", ")
        ),
        (None, Some(la)) => format!("no fixed release; {la} is the last affected version"),
        (None, None) if !m.fixed.is_empty() => format!(
            "no fixed version above {version} (the advisory lists: {})",
            m.fixed.join(", ")
        ),
        (None, None) => "no fixed version is published".to_string(),
    }
}
