//! TG213: an installed file whose contents differ from its RECORD line.

use super::FileCtx;
use crate::analyze::behavior::file::Lang;
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG213",
    name: "record-mismatch",
    severity: Severity::High,
    summary: "An installed file's sha256 or size differs from what the installer wrote in RECORD",
};

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    let Some(why) = &ctx.file.record_mismatch else {
        return;
    };
    let risky =
        ctx.file.lang == Lang::Pth || !ctx.a.categories().is_empty() || !ctx.a.top_level.is_empty();
    let sev = if risky {
        Severity::Critical
    } else {
        Severity::High
    };
    let f = ctx
        .finding(&META, sev, "installed file was changed after installation".into(), &[])
        .evidence(why.clone())
        .remediation("Reinstall the package from a trusted index (pip install --force-reinstall --no-cache-dir) and find out what modified it.");
    out.push(f);
}
