//! TG206: reads credential stores, dumps the environment, runs secret scanners.

use super::FileCtx;
use crate::analyze::behavior::signals::Kind;
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG206",
    name: "credential-harvesting",
    severity: Severity::High,
    summary: "Reads several credential stores (SSH keys, cloud credentials, .npmrc …), dumps the environment or runs a secret scanner",
};

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    let a = ctx.a;
    if !a.credentials() {
        return;
    }
    let s = &ctx.file.signals;
    let sev = if ctx.role.runs_unasked() {
        Severity::Critical
    } else if a.credential_strong {
        Severity::High
    } else if a.stores_read.len() == 1 {
        // One store read where it is used (a cloud SDK reading its own config).
        Severity::Low
    } else {
        // An environment dump alone: the exfiltration rule decides whether it leaves.
        return;
    };
    let mut what: Vec<&str> = a.stores_read.clone();
    what.extend(s.details(&[Kind::SecretScanner, Kind::EnvDump]));
    let msg = format!("reads credentials: {}", what.join(", "));
    out.push(ctx.finding(&META, sev, msg, &a.credential));
}
