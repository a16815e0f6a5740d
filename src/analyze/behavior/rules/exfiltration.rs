//! TG207: collected data (credentials, environment, command output) sent
//! out, or sent to a webhook, paste site or literal IP.

use super::FileCtx;
use crate::analyze::behavior::signals::Kind;
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG207",
    name: "exfiltration",
    severity: Severity::Critical,
    summary: "Sends credentials or other collected data over HTTP, DNS or sockets, or to webhooks and paste sites",
};

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    let a = ctx.a;
    let s = &ctx.file.signals;
    if !a.exfil.is_empty() {
        let stolen = a.credentials();
        let sev = if stolen || ctx.role.runs_unasked() {
            Severity::Critical
        } else {
            Severity::High
        };
        let msg = if stolen {
            "reads credentials and sends data out in the same code".to_string()
        } else {
            "sends collected data to a webhook or paste endpoint".to_string()
        };
        out.push(ctx.finding(&META, sev, msg, &a.exfil));
    } else if a.credential_strong
        && s.together(&[
            &[Kind::CredentialFile, Kind::EnvDump, Kind::SecretScanner],
            &[Kind::Network],
        ])
    {
        let mut ev = a.credential.clone();
        ev.extend(s.of(&[Kind::Network]));
        let sev = if ctx.role.runs_unasked() {
            Severity::Critical
        } else {
            Severity::High
        };
        out.push(ctx.finding(
            &META,
            sev,
            "reads several credential stores and opens network connections in the same code".into(),
            &ev,
        ));
    }
}
