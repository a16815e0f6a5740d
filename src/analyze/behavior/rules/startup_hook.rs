//! TG201: Python startup hooks: `.pth` files with executable lines and
//! `sitecustomize.py`/`usercustomize.py` shipped by a package. They run at
//! every interpreter start, with no import, and outlive an uninstall.

use super::FileCtx;
use crate::analyze::behavior::file::{Lang, pth_code};
use crate::analyze::behavior::package::Role;
use crate::analyze::behavior::python;
use crate::analyze::behavior::signals::{Kind, Signal};
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG201",
    name: "startup-hook",
    severity: Severity::High,
    summary: "A .pth file with executable lines, or a sitecustomize/usercustomize module, that runs code at every Python start",
};

/// Signals that make a startup hook a payload rather than a path tweak.
const DANGEROUS: &[Kind] = &[
    Kind::Decode,
    Kind::Exec,
    Kind::ExecDecoded,
    Kind::DynamicBuiltin,
    Kind::HighEntropy,
    Kind::Subprocess,
    Kind::PipeToShell,
    Kind::Network,
    Kind::NetworkSend,
    Kind::ExfilEndpoint,
    Kind::HardcodedIp,
    Kind::CredentialFile,
    Kind::EnvDump,
    Kind::Download,
    Kind::FileWrite,
    Kind::Persistence,
];

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    if *ctx.role != Role::StartupHook {
        return;
    }
    let s = &ctx.file.signals;
    let danger: Vec<&Signal> = s.of(DANGEROUS).collect();
    match ctx.file.lang {
        Lang::Pth => {
            let text = ctx.file.text.as_deref().unwrap_or("");
            let code = pth_code(text);
            if code.trim().is_empty() {
                return;
            }
            if !danger.is_empty() {
                let msg = format!(".pth startup hook {}", describe(&danger));
                out.push(ctx.finding(&META, Severity::Critical, msg, &danger));
            } else if !python::benign_hook_shape(code.as_bytes()) {
                let line = text
                    .lines()
                    .position(crate::analyze::behavior::file::is_pth_exec_line)
                    .unwrap_or(0) as u32
                    + 1;
                let ev = Signal {
                    kind: Kind::Exec,
                    detail: ".pth import line",
                    line,
                    evidence: crate::analyze::behavior::signals::line_text(text.as_bytes(), line),
                    scope: 0,
                    top_level: true,
                };
                out.push(ctx.finding(
                    &META,
                    Severity::Medium,
                    ".pth file runs code of an unusual shape at every Python start".into(),
                    &[&ev],
                ));
            }
        }
        Lang::Python if crate::analyze::behavior::file::is_startup_name(&ctx.file.rel) => {
            if !danger.is_empty() {
                let msg = format!("{} {}", ctx.file.rel, describe(&danger));
                out.push(ctx.finding(&META, Severity::Critical, msg, &danger));
            } else {
                out.push(ctx.finding(&META, Severity::Medium, "package ships a sitecustomize/usercustomize module, which runs at every Python start".into(), &[]));
            }
        }
        Lang::Python => {
            // A module a .pth imports: its module-level code runs at every start.
            let top: Vec<&Signal> = danger.iter().copied().filter(|x| x.top_level).collect();
            if !top.is_empty() {
                let msg = format!(
                    "module imported by a .pth hook {} at every Python start",
                    describe(&top)
                );
                out.push(ctx.finding(&META, Severity::Critical, msg, &top));
            }
        }
        _ => {}
    }
}

fn describe(sigs: &[&Signal]) -> String {
    let mut labels: Vec<&str> = sigs.iter().map(|s| s.kind.label()).collect();
    labels.dedup();
    labels.truncate(4);
    labels.join(", ")
}
