//! TG401: a requirement that no input pins to one version.

use crate::analyze::Output;
use crate::analyze::hygiene::{Ctx, location};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::model::{Origin, Package};

pub const RULE: RuleMeta = RuleMeta {
    id: "TG401",
    name: "unpinned-requirement",
    severity: Severity::Medium,
    summary: "A dependency is declared with a range and no lockfile or pin fixes its version",
};

/// The inventory folds a declared range into the pinned versions of the same
/// package when any input pins it, so what is still unpinned here is unpinned
/// everywhere. Non-registry origins are TG403's business.
pub fn check(cx: &Ctx, out: &mut Output) {
    for p in &cx.scan.inventory.packages {
        if p.version.is_some()
            || matches!(p.origin, Some(ref o) if !matches!(o, Origin::Registry { .. }))
        {
            continue;
        }
        out.findings.push(finding(p));
    }
}

fn finding(p: &Package) -> Finding {
    let req = p.requirement.as_deref().unwrap_or("any version");
    let mut f = Finding::new(
        &RULE,
        format!(
            "{} is declared as `{}` and nothing pins it: each install may get a different, newer release",
            p.name, req
        ),
    )
    .package(p)
    .evidence(format!("{} {}", p.name, req))
    .remediation("pin it with a lockfile (uv lock, npm install) or an exact `==`/exact version with hashes");
    f.location = location(p);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::hygiene::testutil::*;
    use crate::model::{Ecosystem, InputKind};
    use crate::policy::Policy;

    #[test]
    fn triggers_on_a_range_without_a_pin() {
        let mut p = pkg(
            Ecosystem::Pypi,
            "requests",
            None,
            "requirements.txt",
            InputKind::Requirements,
        );
        p.requirement = Some(">=2".into());
        let out = run(
            &inventory(vec![p]),
            &Policy::default(),
            "2026-11-22T00:00:00Z",
            check,
        );
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].rule_id, "TG401");
        assert_eq!(out.findings[0].location.as_ref().unwrap().line, Some(3));
        assert!(out.findings[0].message.contains(">=2"));
    }

    #[test]
    fn benign_pinned_or_vcs() {
        let pinned = pkg(
            Ecosystem::Pypi,
            "requests",
            Some("2.32.3"),
            "requirements.txt",
            InputKind::Requirements,
        );
        let mut vcs = pkg(
            Ecosystem::Pypi,
            "tool",
            None,
            "requirements.txt",
            InputKind::Requirements,
        );
        vcs.origin = Some(Origin::Vcs {
            url: "git+https://git.invalid/tool".into(),
            rev: None,
        });
        let out = run(
            &inventory(vec![pinned, vcs]),
            &Policy::default(),
            "2026-11-22T00:00:00Z",
            check,
        );
        assert!(out.findings.is_empty());
    }
}
