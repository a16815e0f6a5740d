//! TG214: startup hooks in site-packages that no installed package owns,
//! such as a `.pth` left behind after its package was uninstalled.

use super::FileCtx;
use crate::analyze::behavior::file::{Lang, is_startup_name, pth_code};
use crate::analyze::behavior::signals::Kind;
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG214",
    name: "unowned-startup-file",
    severity: Severity::High,
    summary: "A .pth or sitecustomize.py in site-packages that no installed package's RECORD owns",
};

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    if !ctx.pkg.unit.ownerless {
        return;
    }
    let f = ctx.file;
    let executable = match f.lang {
        Lang::Pth => !pth_code(f.text.as_deref().unwrap_or("")).trim().is_empty(),
        Lang::Python if is_startup_name(&f.rel) => true,
        _ => return,
    };
    let payload = f.signals.any(&[
        Kind::Decode,
        Kind::ExecDecoded,
        Kind::Exec,
        Kind::Subprocess,
        Kind::Network,
        Kind::NetworkSend,
        Kind::CredentialFile,
    ]);
    let (sev, msg) = match (executable, payload) {
        (true, true) => (
            Severity::Critical,
            "startup hook owned by no installed package runs a payload at every Python start",
        ),
        (true, false) => (
            Severity::High,
            "startup hook owned by no installed package runs code at every Python start (left behind by an uninstall?)",
        ),
        (false, _) => (
            Severity::Low,
            ".pth file owned by no installed package adds import paths",
        ),
    };
    let ev: Vec<_> = f.signals.signals.iter().collect();
    out.push(ctx.finding(&META, sev, msg.into(), &ev));
}
