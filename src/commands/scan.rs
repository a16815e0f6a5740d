//! `tollgate scan`: discover → inventory → every analysis → report.

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Progress, emit, style, target};
use crate::analyze::{self, Output, ScanContext};
use crate::cli::{GlobalArgs, ScanArgs};
use crate::inventory;
use crate::report::{Format, Report, ToolInfo, human, sarif};
use rayon::prelude::*;

pub fn run(args: &ScanArgs, global: &GlobalArgs) -> anyhow::Result<i32> {
    let analyses = analyze::all();
    for name in &args.only {
        if !analyses.iter().any(|a| a.name() == name) {
            let known: Vec<&str> = analyses.iter().map(|a| a.name()).collect();
            anyhow::bail!(
                "--only `{name}`: unknown analysis (this build has: {})",
                known.join(", ")
            );
        }
    }
    let selected: Vec<_> = analyses
        .into_iter()
        .filter(|a| args.only.is_empty() || args.only.iter().any(|o| o == a.name()))
        .collect();
    let progress = Progress::new(global);
    progress.step("discovering inputs…");
    let discovered = crate::discover::discover(&args.paths);
    progress.step(&format!("reading {} inputs…", discovered.inputs.len()));
    let options = inventory::Options {
        target: target(&args.target)?,
    };
    let inv = inventory::build(&discovered, &options);
    progress.step(&format!("analysing {} packages…", inv.packages.len()));
    let ctx = ScanContext {
        inventory: &inv,
        discovered: &discovered,
        home: crate::home::home(),
    };
    let outputs: Vec<Output> = selected.par_iter().map(|a| a.run(&ctx)).collect();
    progress.done();
    // Content analyses can read what no extractor does yet (source trees,
    // archives): their findings mean the input was read.
    let analysed =
        !discovered.source_packages.is_empty() || outputs.iter().any(|o| !o.findings.is_empty());
    let nothing_read = !analysed
        && (discovered.inputs.is_empty()
            || inv
                .inputs
                .iter()
                .all(|i| i.packages == 0 && inv.errors.iter().any(|e| e.path == i.path)));
    let mut tool = ToolInfo::new(selected.iter().map(|a| a.name()).collect());
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for o in outputs {
        findings.extend(o.findings);
        errors.extend(o.errors);
        tool.notices.extend(o.notices);
        tool.data.extend(o.data);
    }
    let mut rules: Vec<_> = selected
        .iter()
        .flat_map(|a| a.rules().iter().copied())
        .collect();
    rules.sort_by_key(|r| r.id);
    let threshold = global.fail_on.threshold();
    let report = Report::new(tool, inv, findings, errors, threshold, rules);
    let text = match global.format {
        Format::Human => {
            let mut t = human::render_scan(&report, style(global));
            if global.quiet {
                t = t
                    .lines()
                    .filter(|l| !l.contains("tollgate:") && !l.starts_with("note:"))
                    .map(|l| format!("{l}\n"))
                    .collect();
            }
            t
        }
        Format::Json => report.to_json(),
        Format::Sarif => sarif::render(&report),
    };
    emit(global, &text)?;
    if nothing_read {
        if !global.quiet {
            eprintln!("tollgate: no input could be read");
        }
        return Ok(EXIT_USAGE);
    }
    Ok(if report.summary.failed {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
