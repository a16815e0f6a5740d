//! TG209: spreads: publishes packages, pushes to repositories, writes
//! workflows, registers runners, creates privileged Kubernetes workloads.

use super::{FileCtx, grade};
use crate::analyze::behavior::signals::Kind;
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG209",
    name: "propagation",
    severity: Severity::High,
    summary: "Publishes packages, pushes to repositories, writes CI workflows, registers runners or creates privileged Kubernetes workloads",
};

pub fn check(ctx: &FileCtx, out: &mut Vec<Finding>) {
    if ctx.a.propagation.is_empty() {
        return;
    }
    let s = &ctx.file.signals;
    let what = s.details(&[Kind::Publish, Kind::RepoWrite, Kind::Kubernetes]);
    let sev = if ctx.a.credentials() {
        Severity::Critical
    } else {
        grade(ctx, &ctx.a.propagation)
    };
    let mut ev = ctx.a.propagation.clone();
    ev.extend(ctx.a.credential.iter().copied());
    out.push(ctx.finding(&META, sev, format!("propagates: {}", what.join(", ")), &ev));
}
