//! TG205: code that executes decoded or deliberately obscured data.

use super::FileCtx;
use crate::analyze::behavior::signals::Kind;
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG205",
    name: "obfuscated-code",
    severity: Severity::High,
    summary: "Executes decoded, encoded or deliberately obscured code (exec of base64, _0x obfuscator output, builtins by name)",
};

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    let s = &ctx.file.signals;
    if !ctx.a.obfuscated() {
        let style: Vec<_> = s.of(&[Kind::ObfuscatorStyle]).collect();
        if !style.is_empty() && ctx.role.runs_unasked() {
            let msg = format!("obfuscator-style code run by the {}", ctx.role.label());
            out.push(ctx.finding(&META, Severity::Critical, msg, &style));
        }
        return;
    }
    let reaches = ctx.a.credentials()
        || !ctx.a.exfil.is_empty()
        || s.any(&[Kind::Subprocess, Kind::Network, Kind::NetworkSend]);
    let sev = if reaches || ctx.role.runs_unasked() {
        Severity::Critical
    } else {
        Severity::High
    };
    let mut ev = ctx.a.obfuscation.clone();
    ev.extend(s.of(&[Kind::Subprocess, Kind::NetworkSend, Kind::CredentialFile]));
    let what = if reaches {
        "executes obfuscated code that also runs programs, reaches the network or reads credentials"
    } else {
        "executes decoded or obfuscated code"
    };
    out.push(ctx.finding(&META, sev, what.to_string(), &ev));
}
