//! TG204: module-level code that reaches the network, runs programs or
//! executes dynamic code as soon as the module is imported.

use super::FileCtx;
use crate::analyze::behavior::package::Role;
use crate::analyze::behavior::signals::Kind;
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG204",
    name: "import-time-side-effect",
    severity: Severity::Medium,
    summary: "Module-level code that opens network connections, runs programs or executes dynamic code on import",
};

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    if *ctx.role != Role::Module
        || ctx.file.bundle
        || !ctx.file.signals.parsed
        || ctx.a.top_level.is_empty()
    {
        return;
    }
    let top = &ctx.a.top_level;
    let has = |k: &[Kind]| top.iter().any(|s| k.contains(&s.kind));
    let (sev, what) = if has(&[Kind::NetworkSend, Kind::ExecDecoded]) {
        (
            Severity::High,
            "sends data or executes decoded code on import",
        )
    } else if has(&[Kind::Network]) {
        (Severity::Medium, "opens network connections on import")
    } else if has(&[Kind::Subprocess]) {
        (Severity::Low, "runs a program on import")
    } else {
        (Severity::Info, "executes dynamic code on import")
    };
    out.push(ctx.finding(&META, sev, what.into(), top));
}
