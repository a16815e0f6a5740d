//! TG409: a manifest with dependencies and no lockfile beside it, when the
//! policy requires lockfiles.

use crate::analyze::Output;
use crate::analyze::hygiene::{Ctx, dir_of};
use crate::finding::{Finding, Location, RuleMeta, Severity};
use crate::inventory::InputSummary;
use crate::model::{Ecosystem, InputKind};

pub const RULE: RuleMeta = RuleMeta {
    id: "TG409",
    name: "missing-lockfile",
    severity: Severity::High,
    summary: "The policy requires a lockfile and a manifest has none beside it",
};

fn ecosystem(kind: InputKind) -> Option<Ecosystem> {
    match kind {
        InputKind::Pyproject
        | InputKind::Requirements
        | InputKind::UvLock
        | InputKind::PoetryLock
        | InputKind::PdmLock
        | InputKind::Pylock
        | InputKind::PipfileLock => Some(Ecosystem::Pypi),
        InputKind::PackageJson
        | InputKind::PackageLock
        | InputKind::YarnLock
        | InputKind::PnpmLock
        | InputKind::BunLock => Some(Ecosystem::Npm),
        _ => None,
    }
}

/// A requirements file whose every entry is pinned (pip-compile output) is
/// pip's lockfile; one with a range is a manifest.
fn is_pinned_requirements(cx: &Ctx, input: &InputSummary) -> bool {
    input.kind == InputKind::Requirements
        && !cx
            .scan
            .inventory
            .packages
            .iter()
            .any(|p| p.version.is_none() && p.sources.iter().any(|s| s.path == input.path))
}

pub fn check(cx: &Ctx, out: &mut Output) {
    if !cx.policy.require_lockfile {
        return;
    }
    let inputs = &cx.scan.inventory.inputs;
    let is_lock = |i: &InputSummary| i.kind.is_lockfile() || is_pinned_requirements(cx, i);
    for m in inputs {
        let manifest = matches!(m.kind, InputKind::Pyproject | InputKind::PackageJson)
            || (m.kind == InputKind::Requirements && !is_pinned_requirements(cx, m));
        if !manifest || m.packages == 0 {
            continue;
        }
        let eco = ecosystem(m.kind);
        let has_lock = inputs.iter().any(|l| {
            l.path != m.path
                && is_lock(l)
                && ecosystem(l.kind) == eco
                && dir_of(&l.path) == dir_of(&m.path)
        });
        if has_lock {
            continue;
        }
        out.findings.push(
            Finding::new(
                &RULE,
                format!(
                    "{} declares {} dependencies and no lockfile pins them",
                    m.path, m.packages
                ),
            )
            .location(Location::file(&m.path))
            .remediation(match eco {
                Some(Ecosystem::Npm) => "run `npm install` (or yarn/pnpm) and commit the lockfile",
                _ => "run `uv lock` (or `uv pip compile --generate-hashes`) and commit the result",
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::hygiene::testutil::*;
    use crate::policy::Policy;

    fn policy() -> Policy {
        Policy {
            require_lockfile: true,
            ..Policy::default()
        }
    }

    #[test]
    fn triggers_on_bare_manifest() {
        let mut a = pkg(
            Ecosystem::Npm,
            "lodash",
            None,
            "web/package.json",
            InputKind::PackageJson,
        );
        a.requirement = Some("^4".into());
        let b = pkg(
            Ecosystem::Npm,
            "zod",
            Some("4.0.0"),
            "api/package-lock.json",
            InputKind::PackageLock,
        );
        let out = run(
            &inventory(vec![a, b]),
            &policy(),
            "2026-11-22T00:00:00Z",
            check,
        );
        assert_eq!(out.findings.len(), 1);
        assert_eq!(
            out.findings[0].location.as_ref().unwrap().path,
            "web/package.json"
        );
        let mut r = pkg(
            Ecosystem::Pypi,
            "requests",
            None,
            "requirements.in",
            InputKind::Requirements,
        );
        r.requirement = Some(">=2".into());
        let out = run(
            &inventory(vec![r]),
            &policy(),
            "2026-11-22T00:00:00Z",
            check,
        );
        assert_eq!(out.findings.len(), 1);
    }

    #[test]
    fn benign_locked_or_compiled() {
        let a = pkg(
            Ecosystem::Pypi,
            "httpx",
            None,
            "pyproject.toml",
            InputKind::Pyproject,
        );
        let b = pkg(
            Ecosystem::Pypi,
            "httpx",
            Some("0.28.1"),
            "uv.lock",
            InputKind::UvLock,
        );
        let mut inv = inventory(vec![a.clone(), b]);
        // The merge folds the manifest entry into the pinned one; the input still counts.
        inv.inputs.iter_mut().for_each(|i| i.packages = 1);
        assert!(
            run(&inv, &policy(), "2026-11-22T00:00:00Z", check)
                .findings
                .is_empty()
        );
        let c = pkg(
            Ecosystem::Pypi,
            "httpx",
            Some("0.28.1"),
            "requirements.txt",
            InputKind::Requirements,
        );
        assert!(
            run(
                &inventory(vec![c]),
                &policy(),
                "2026-11-22T00:00:00Z",
                check
            )
            .findings
            .is_empty()
        );
        let inv = inventory(vec![a]);
        assert!(
            run(&inv, &Policy::default(), "2026-11-22T00:00:00Z", check)
                .findings
                .is_empty()
        );
    }
}
