//! `tollgate rules`: every rule this build can report, with its analysis,
//! default severity and documentation page.

use super::{EXIT_OK, emit};
use crate::analyze;
use crate::cli::GlobalArgs;
use crate::report::Format;
use std::fmt::Write;

pub fn run(global: &GlobalArgs) -> anyhow::Result<i32> {
    let rows: Vec<(&'static str, crate::finding::RuleMeta)> = analyze::all()
        .iter()
        .flat_map(|a| a.rules().iter().map(move |r| (a.name(), *r)))
        .collect::<Vec<_>>();
    let mut rows = rows;
    rows.sort_by_key(|(_, r)| r.id);
    let text = match global.format {
        Format::Json | Format::Sarif => {
            let v: Vec<serde_json::Value> = rows
                .iter()
                .map(|(a, r)| {
                    serde_json::json!({
                        "id": r.id, "name": r.name, "analysis": a,
                        "severity": r.severity, "summary": r.summary, "doc": r.doc_path(),
                    })
                })
                .collect();
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
        Format::Markdown => {
            let mut s = String::from(
                "| ID | name | analysis | default severity | what it detects |\n|---|---|---|---|---|\n",
            );
            for (a, r) in &rows {
                let _ = writeln!(
                    s,
                    "| [{}]({}) | `{}` | {} | {} | {} |",
                    r.id,
                    r.doc_path(),
                    r.name,
                    a,
                    r.severity,
                    r.summary.replace('|', "\\|")
                );
            }
            s
        }
        Format::Human => {
            let mut s = String::new();
            for (a, r) in &rows {
                let _ = writeln!(
                    s,
                    "{:<6} {:<34} {:<11} {:<9} {}",
                    r.id, r.name, a, r.severity, r.summary
                );
            }
            s
        }
        Format::CyclonedxJson | Format::SpdxJson => anyhow::bail!("SBOM formats are for `sbom`"),
    };
    emit(global, &text)?;
    Ok(EXIT_OK)
}
