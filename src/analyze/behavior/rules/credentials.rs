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
    let reads = s.any(&[Kind::FileRead, Kind::FileWrite, Kind::Subprocess])
        || s.has(Kind::SecretScanner)
        || s.has(Kind::EnvDump);
    let sev = if ctx.role.runs_unasked() && reads {
        Severity::Critical
    } else if a.credential_strong && (reads || ctx.file.bundle) {
        Severity::High
    } else if reads && s.together(&[&[Kind::CredentialFile], &[Kind::FileRead]]) {
        // One store read where it is used (a cloud SDK reading its own config).
        Severity::Low
    } else {
        return;
    };
    let stores = s.details(&[Kind::CredentialFile, Kind::SecretScanner, Kind::EnvDump]);
    let msg = format!("reads credentials: {}", stores.join(", "));
    out.push(ctx.finding(&META, sev, msg, &a.credential));
}
