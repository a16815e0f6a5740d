//! TG208: installs itself to run again (systemd, cron, shell rc, launch
//! agents, Python startup hooks, AI-agent and editor configs).

use super::{FileCtx, grade};
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG208",
    name: "persistence",
    severity: Severity::High,
    summary: "Writes systemd units, cron entries, shell rc files, launch agents, .pth/sitecustomize hooks or AI-agent/editor configs",
};

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    if ctx.a.persistence.is_empty() {
        return;
    }
    let s = &ctx.file.signals;
    let targets = s.details(&[
        crate::analyze::behavior::signals::Kind::Persistence,
        crate::analyze::behavior::signals::Kind::StartupWrite,
        crate::analyze::behavior::signals::Kind::AgentConfig,
    ]);
    let msg = format!("writes a persistence location: {}", targets.join(", "));
    out.push(ctx.finding(
        &META,
        grade(ctx, &ctx.a.persistence),
        msg,
        &ctx.a.persistence,
    ));
}
