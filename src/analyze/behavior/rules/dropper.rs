//! TG210: downloads, makes executable and runs; pipes downloads into a
//! shell; fetches a second runtime to run a payload.

use super::{FileCtx, grade};
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG210",
    name: "dropper",
    severity: Severity::High,
    summary: "Downloads and runs code: download + chmod + execute, curl | sh, or a second runtime (bun, deno) fetched to run a payload",
};

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    if ctx.a.dropper.is_empty() {
        return;
    }
    let details: Vec<&str> = {
        let mut d: Vec<&str> = ctx.a.dropper.iter().map(|s| s.detail).collect();
        d.sort_unstable();
        d.dedup();
        d
    };
    let msg = format!("downloads and executes code ({})", details.join(", "));
    out.push(ctx.finding(&META, grade(ctx, &ctx.a.dropper), msg, &ctx.a.dropper));
}
