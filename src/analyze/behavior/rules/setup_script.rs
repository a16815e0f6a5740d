//! TG203: `setup.py` (and in-tree build backends) that do more than
//! describe the package: they run on `pip install` of an sdist.

use super::{FileCtx, finding_at};
use crate::analyze::behavior::package::{Pkg, Role, backend_paths};
use crate::analyze::behavior::signals::Kind;
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG203",
    name: "setup-script-execution",
    severity: Severity::High,
    summary: "setup.py or an in-tree build backend that runs programs, reaches the network or executes code at install time",
};

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    if !matches!(ctx.role, Role::SetupScript | Role::BuildBackend) {
        return;
    }
    let s = &ctx.file.signals;
    let cats = ctx.a.categories();
    let (sev, msg) = if !cats.is_empty() {
        let names: Vec<&str> = cats.iter().map(|c| c.0).collect();
        (
            Severity::Critical,
            format!("{} at install time: {}", ctx.role.label(), names.join(", ")),
        )
    } else if s.any(&[
        Kind::Network,
        Kind::NetworkSend,
        Kind::Download,
        Kind::ExecDecoded,
    ]) {
        (
            Severity::High,
            format!("{} reaches the network at install time", ctx.role.label()),
        )
    } else if s.any(&[Kind::Subprocess, Kind::Exec]) {
        (
            Severity::Low,
            format!(
                "{} runs programs or dynamic code at install time",
                ctx.role.label()
            ),
        )
    } else {
        return;
    };
    let ev: Vec<_> = s
        .of(&[
            Kind::Network,
            Kind::NetworkSend,
            Kind::Download,
            Kind::Subprocess,
            Kind::Exec,
            Kind::ExecDecoded,
            Kind::CredentialFile,
            Kind::Persistence,
        ])
        .collect();
    out.push(ctx.finding(&META, sev, msg, &ev));
}

/// An in-tree build backend is itself worth knowing about (info).
pub fn check_backend(pkg: &Pkg, out: &mut Vec<Finding>) {
    if !pkg.unit.source_tree {
        return;
    }
    for dir in backend_paths(pkg) {
        let rel = format!("{}pyproject.toml", pkg.root);
        out.push(finding_at(
            pkg,
            &META,
            &rel,
            Severity::Info,
            format!("in-tree build backend (backend-path = {dir}) runs package code at install"),
            &[],
        ));
    }
}
