//! TG200: the strongest combination in one file, fused into one finding:
//! "startup hook → decodes base64 → executes it → reads ~/.aws → POSTs".

use super::FileCtx;
use crate::analyze::behavior::signals::Signal;
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG200",
    name: "malicious-behavior-chain",
    severity: Severity::Critical,
    summary: "Several malicious behaviours meet in one file (e.g. startup hook → decode → exec → credential read → network send)",
};

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    let cats = ctx.a.categories();
    let context = ctx.role.runs_unasked().then(|| ctx.role.label());
    let n = cats.len() + usize::from(context.is_some());
    if n < 2 || cats.is_empty() {
        return;
    }
    let stealing = !ctx.a.exfil.is_empty();
    let sev = if context.is_some() || stealing || cats.len() >= 3 {
        Severity::Critical
    } else {
        Severity::High
    };
    let mut ev: Vec<&Signal> = cats.iter().flat_map(|c| c.1.iter().copied()).collect();
    ev.sort_by_key(|s| (s.line, s.kind));
    ev.dedup_by_key(|s| (s.line, s.kind));
    let mut steps: Vec<String> = context.into_iter().collect();
    let mut seen = Vec::new();
    for s in &ev {
        if !seen.contains(&s.kind) {
            seen.push(s.kind);
            steps.push(format!("{} ({})", s.kind.label(), s.detail));
        }
    }
    let names: Vec<&str> = cats.iter().map(|c| c.0).collect();
    let msg = format!("{}: {}", names.join(" + "), steps.join(" → "));
    out.push(ctx.finding(&META, sev, msg, &ev));
}
