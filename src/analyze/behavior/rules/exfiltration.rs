//! TG207: collected data (credentials, environment, command output) sent
//! out, or sent to a webhook, paste site or literal IP; host and user names
//! sent out by code that runs unasked or on import (reconnaissance).

use super::FileCtx;
use crate::analyze::behavior::signals::{Kind, Signal};
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
    let unasked = ctx.role.runs_unasked();
    if !a.exfil.is_empty() {
        let stolen = a.credentials();
        let sev = if stolen || unasked {
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
    } else if (a.credential_strong || s.has(Kind::EnvDump))
        && s.together(&[
            &[Kind::CredentialFile, Kind::EnvDump, Kind::SecretScanner],
            &[Kind::Network],
        ])
    {
        let mut ev = a.credential.clone();
        ev.extend(s.of(&[Kind::Network]));
        let sev = if unasked {
            Severity::Critical
        } else {
            Severity::High
        };
        out.push(ctx.finding(
            &META,
            sev,
            "collects credentials or the environment and opens network connections in the same code"
                .into(),
            &ev,
        ));
    } else if !a.recon.is_empty() {
        recon(ctx, out);
    }
}

/// Host, user and directory names sent out when nobody asked: what
/// dependency-confusion probes and stealers send first. Inside a library
/// function (an error reporter naming its server) it is not reported.
fn recon(ctx: &FileCtx, out: &mut Vec<Finding>) {
    let at_load = ctx
        .a
        .recon
        .iter()
        .any(|x| x.top_level && x.kind == Kind::NetworkSend);
    let sev = if ctx.role.runs_unasked() {
        Severity::Critical
    } else if at_load {
        Severity::High
    } else {
        return;
    };
    let ev: Vec<&Signal> = ctx.a.recon.clone();
    out.push(ctx.finding(
        &META,
        sev,
        format!(
            "sends host and user names out at {}",
            if ctx.role.runs_unasked() {
                ctx.role.label()
            } else {
                "import".into()
            }
        ),
        &ev,
    ));
}
