//! TG402: a pinned package without an artifact hash, when the policy requires hashes.

use crate::analyze::Output;
use crate::analyze::hygiene::{Ctx, location};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::model::{InputKind, Origin};

pub const RULE: RuleMeta = RuleMeta {
    id: "TG402",
    name: "missing-hash",
    severity: Severity::High,
    summary: "The policy requires hashes and a locked or pinned package has none",
};

/// Only inputs that can carry hashes are judged: lockfiles and requirements
/// files. Installed environments and local path packages have no artifact hash.
pub fn check(cx: &Ctx, out: &mut Output) {
    if !cx.policy.require_hashes {
        return;
    }
    for p in &cx.scan.inventory.packages {
        let declared = p
            .sources
            .iter()
            .any(|s| s.kind.is_lockfile() || s.kind == InputKind::Requirements);
        if p.version.is_none()
            || !declared
            || !p.hashes.is_empty()
            || matches!(p.origin, Some(Origin::Path { .. }))
        {
            continue;
        }
        let mut f = Finding::new(
            &RULE,
            format!(
                "{} is pinned without a hash: the index could serve different bytes for the same version",
                p.display_id()
            ),
        )
        .package(p)
        .remediation("regenerate the lock with hashes (`uv pip compile --generate-hashes`, `pip-compile --generate-hashes`); npm and uv lockfiles record them by default");
        f.location = location(p);
        out.findings.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::hygiene::testutil::*;
    use crate::model::{Ecosystem, Hash};
    use crate::policy::Policy;

    fn policy() -> Policy {
        Policy {
            require_hashes: true,
            ..Policy::default()
        }
    }

    #[test]
    fn triggers_without_hash() {
        let p = pkg(
            Ecosystem::Pypi,
            "idna",
            Some("3.10"),
            "requirements.txt",
            InputKind::Requirements,
        );
        let out = run(
            &inventory(vec![p]),
            &policy(),
            "2026-11-22T00:00:00Z",
            check,
        );
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].rule_id, "TG402");
    }

    #[test]
    fn benign_hashed_installed_path_or_not_required() {
        let mut hashed = pkg(
            Ecosystem::Pypi,
            "idna",
            Some("3.10"),
            "requirements.txt",
            InputKind::Requirements,
        );
        hashed.add_hash(Hash::new("sha256", "ab"));
        let installed = pkg(
            Ecosystem::Pypi,
            "pip",
            Some("23.2.1"),
            "venv",
            InputKind::PythonEnv,
        );
        let mut local = pkg(
            Ecosystem::Npm,
            "app",
            Some("1.0.0"),
            "package-lock.json",
            InputKind::PackageLock,
        );
        local.origin = Some(Origin::Path {
            path: "packages/app".into(),
            editable: false,
        });
        let inv = inventory(vec![hashed, installed, local]);
        assert!(
            run(&inv, &policy(), "2026-11-22T00:00:00Z", check)
                .findings
                .is_empty()
        );
        let bare = pkg(
            Ecosystem::Pypi,
            "idna",
            Some("3.10"),
            "requirements.txt",
            InputKind::Requirements,
        );
        let out = run(
            &inventory(vec![bare]),
            &Policy::default(),
            "2026-11-22T00:00:00Z",
            check,
        );
        assert!(out.findings.is_empty());
    }
}
