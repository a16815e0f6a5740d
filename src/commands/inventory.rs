//! `tollgate inventory`: the packages only.

use super::{EXIT_OK, EXIT_USAGE, Progress, emit, style, target};
use crate::cli::{GlobalArgs, InventoryArgs};
use crate::inventory::{self, footprint};
use crate::report::{Format, Report, ToolInfo, human, licenses, sarif};

pub fn run(args: &InventoryArgs, global: &GlobalArgs) -> anyhow::Result<i32> {
    let progress = Progress::new(global);
    progress.step("discovering inputs…");
    let discovered = crate::discover::discover(&args.paths);
    progress.step(&format!("reading {} inputs…", discovered.inputs.len()));
    let options = inventory::Options {
        target: target(&args.target)?,
        ..Default::default()
    };
    let inv = inventory::build(&discovered, &options);
    progress.done();
    let nothing_read = inv.inputs.is_empty()
        || inv
            .inputs
            .iter()
            .all(|i| inv.errors.iter().any(|e| e.path == i.path) && i.packages == 0);
    let fp = args.tree.then(|| footprint::compute(&inv.packages));
    let lic = args.licenses.then(|| licenses::summarize(&inv.packages));
    let report = Report::new(ToolInfo::new(vec![]), inv, vec![], vec![], None, vec![]);
    let text = match global.format {
        Format::Human => match &lic {
            Some(l) => licenses::render_human(l, style(global)),
            None => human::render_inventory(&report, fp.as_ref(), style(global)),
        },
        Format::Json if fp.is_none() && lic.is_none() => report.to_json(),
        Format::Json => {
            let mut v = serde_json::to_value(&report)?;
            if let Some(fp) = fp {
                v["footprint"] = serde_json::to_value(fp)?;
            }
            if let Some(l) = lic {
                v["licenses"] = serde_json::to_value(l)?;
            }
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
        Format::Sarif => sarif::render(&report),
        Format::Markdown => anyhow::bail!("--format markdown is for `scan` and `diff`"),
        Format::CyclonedxJson | Format::SpdxJson => anyhow::bail!("SBOM formats are for `sbom`"),
    };
    emit(global, &text)?;
    if nothing_read {
        if !global.quiet {
            eprintln!("tollgate: no input could be read");
        }
        return Ok(EXIT_USAGE);
    }
    Ok(EXIT_OK)
}
