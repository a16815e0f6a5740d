//! `tollgate scan`: discover → inventory → every analysis → report.

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Progress, emit, style, target};
use crate::analyze::{self, Output, ScanContext};
use crate::cli::{GlobalArgs, ScanArgs};
use crate::inventory;
use crate::policy;
use crate::report::{Format, Report, ToolInfo, human, sarif};
use rayon::prelude::*;

pub fn run(args: &ScanArgs, global: &GlobalArgs) -> anyhow::Result<i32> {
    let settings = super::gate::settings(args.gate.policy.as_deref(), &args.paths, args.online)?;
    let fail_on = settings.policy.effective_fail_on(global.fail_on);
    let mut analyses = analyze::all();
    for a in analyses.iter_mut() {
        a.configure(&settings);
    }
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
        skip_artifact_hashes: !args.artifact_hash,
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
    // Source trees are read by the content analyses, not by an extractor.
    let analysed = !discovered.source_packages.is_empty();
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
    // The policy applies to every analysis's findings alike.
    let applied = policy::apply::apply(&settings.policy, findings, super::gate::today(&settings));
    tool.notices.extend(applied.notices);
    tool.data.insert(
        "policy".into(),
        super::gate::policy_data(&settings.policy, fail_on, &applied.suppressed),
    );
    let mut rules: Vec<_> = selected
        .iter()
        .flat_map(|a| a.rules().iter().copied())
        .collect();
    super::gate::add_policy_rules(&mut rules);
    tool.notices
        .extend(super::gate::unknown_rule_notices(&settings.policy, &rules));
    let threshold = fail_on.threshold();
    let report = Report::new(tool, inv, applied.findings, errors, threshold, rules);
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
        Format::Markdown => crate::report::markdown::render_scan(&report),
        Format::CyclonedxJson | Format::SpdxJson => anyhow::bail!("SBOM formats are for `sbom`"),
    };
    emit(global, &text)?;
    if let Some(log) = &args.gate.audit_log {
        let record = super::gate::scan_record(
            &settings,
            fail_on,
            &args.paths,
            &report,
            applied.suppressed.len(),
        );
        super::gate::audit(log, record, global)?;
    }
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
