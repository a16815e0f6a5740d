//! TG407: a licence the policy denies, or one not on its allow list.

use crate::analyze::Output;
use crate::analyze::hygiene::{Ctx, location};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::policy::license::{Expr, Lists, Verdict};

pub const RULE: RuleMeta = RuleMeta {
    id: "TG407",
    name: "license-policy",
    severity: Severity::High,
    summary: "A package's licence is denied by the policy or missing from its allow list",
};

/// Denied: high. Not on the allow list: medium. No licence, or one that is not
/// an SPDX expression, with an allow list in force: low (it cannot be cleared).
pub fn check(cx: &Ctx, out: &mut Output) {
    let lists = Lists::new(&cx.policy.licenses.allow, &cx.policy.licenses.deny);
    if lists.is_empty() {
        return;
    }
    for p in &cx.scan.inventory.packages {
        if p.version.is_none() {
            continue;
        }
        let (sev, msg) = match p.license.as_deref().map(|l| (l, Expr::from_declared(l))) {
            Some((_, Some(expr))) => match lists.check(&expr) {
                Verdict::Allowed => continue,
                Verdict::Denied(t) => (
                    Severity::High,
                    format!(
                        "is licensed under {}, which the policy denies",
                        t.join(", ")
                    ),
                ),
                Verdict::NotAllowed(t) => (
                    Severity::Medium,
                    format!(
                        "is licensed under {}, which is not on the policy's allow list",
                        t.join(", ")
                    ),
                ),
            },
            Some((text, None)) if !lists.allow.is_empty() => (
                Severity::Low,
                format!(
                    "declares the licence `{text}`, which is not an SPDX expression tollgate can check"
                ),
            ),
            None if !lists.allow.is_empty() => (Severity::Low, "declares no licence".to_string()),
            _ => continue,
        };
        let mut f = Finding::new(&RULE, format!("{} {msg}", p.display_id()))
            .severity(sev)
            .package(p)
            .remediation("replace the package, get legal approval and add the licence to `licenses.allow`, or ignore it with a reason and an expiry date");
        if let Some(l) = &p.license {
            f = f.evidence(format!("license: {l}"));
        }
        f.location = location(p);
        out.findings.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::hygiene::testutil::*;
    use crate::model::{Ecosystem, InputKind, Package};
    use crate::policy::{Licenses, Policy};

    fn with(name: &str, license: Option<&str>) -> Package {
        let mut p = pkg(
            Ecosystem::Npm,
            name,
            Some("1.0.0"),
            "package-lock.json",
            InputKind::PackageLock,
        );
        p.license = license.map(str::to_string);
        p
    }

    fn policy(allow: &[&str], deny: &[&str]) -> Policy {
        Policy {
            licenses: Licenses {
                allow: allow.iter().map(|s| s.to_string()).collect(),
                deny: deny.iter().map(|s| s.to_string()).collect(),
            },
            ..Policy::default()
        }
    }

    #[test]
    fn triggers() {
        let inv = inventory(vec![
            with("a", Some("AGPL-3.0-only")),
            with("b", Some("MIT AND BSD-3-Clause")),
            with("c", Some("BSD License")),
            with("d", None),
        ]);
        let out = run(
            &inv,
            &policy(&["MIT", "Apache-2.0"], &["AGPL-3.0-only"]),
            "2026-11-22T00:00:00Z",
            check,
        );
        let sev: Vec<Severity> = out.findings.iter().map(|f| f.severity).collect();
        assert_eq!(
            sev,
            vec![
                Severity::High,
                Severity::Medium,
                Severity::Low,
                Severity::Low
            ]
        );
        assert!(out.findings[1].message.contains("BSD-3-Clause"));
    }

    #[test]
    fn benign_dual_licence_and_deny_only() {
        let inv = inventory(vec![
            with("a", Some("(MIT OR GPL-3.0-only)")),
            with("b", Some("MIT License")),
            with("c", None),
        ]);
        assert!(
            run(
                &inv,
                &policy(&["MIT"], &["GPL-3.0-only"]),
                "2026-11-22T00:00:00Z",
                check
            )
            .findings
            .len()
                == 1
        );
        let inv = inventory(vec![
            with("a", Some("(MIT OR GPL-3.0-only)")),
            with("c", None),
            with("d", Some("whatever text")),
        ]);
        assert!(
            run(
                &inv,
                &policy(&[], &["GPL-3.0-only"]),
                "2026-11-22T00:00:00Z",
                check
            )
            .findings
            .is_empty()
        );
    }
}
