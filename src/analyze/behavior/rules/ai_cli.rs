//! TG212: runs a local AI agent CLI with its permission checks disabled.

use super::{FileCtx, grade};
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG212",
    name: "ai-agent-cli-abuse",
    severity: Severity::High,
    summary: "Runs a local AI agent CLI (claude, gemini, q, copilot …) with permission-bypass flags such as --dangerously-skip-permissions or --yolo",
};

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    if ctx.a.ai_abuse.is_empty() {
        return;
    }
    let sev = if ctx.a.credentials() {
        Severity::Critical
    } else {
        grade(ctx, &ctx.a.ai_abuse)
    };
    let mut ev = ctx.a.ai_abuse.clone();
    ev.extend(ctx.a.credential.iter().copied());
    out.push(ctx.finding(
        &META,
        sev,
        "runs an AI agent CLI with its permission checks turned off".into(),
        &ev,
    ));
}
