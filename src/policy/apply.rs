//! Applying a policy to the findings of every analysis, generically: rule
//! selection, severity overrides, then ignores. An expired ignore stops
//! working and becomes a finding of its own.

use super::{Ignore, Policy};
use crate::analyze::hygiene::rules::expired_ignore;
use crate::finding::{Finding, Location};
use serde::Serialize;

/// A finding an ignore entry hid, for the report's `tool.data.policy`.
#[derive(Clone, Debug, Serialize)]
pub struct Suppressed {
    pub rule_id: String,
    pub package: Option<String>,
    pub message: String,
    pub reason: String,
    pub expires: String,
}

/// The findings after the policy, and what it hid or noticed.
#[derive(Debug, Default)]
pub struct Applied {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    pub notices: Vec<String>,
}

fn ignore_matches(ig: &Ignore, f: &Finding) -> bool {
    if ig.rule.as_deref().is_some_and(|r| r != f.rule_id) {
        return false;
    }
    match (&ig.package, &f.package) {
        (None, _) => true,
        (Some(spec), Some(p)) => spec.matches(p.ecosystem, &p.name, p.version.as_deref()),
        (Some(_), None) => false,
    }
}

fn describe(ig: &Ignore) -> String {
    match (&ig.rule, &ig.package) {
        (Some(r), Some(p)) => format!("{r} for {p}"),
        (Some(r), None) => r.clone(),
        (None, Some(p)) => p.to_string(),
        (None, None) => "everything".into(),
    }
}

/// Applies `policy` to `findings` as of `today` (the injected clock).
pub fn apply(policy: &Policy, findings: Vec<Finding>, today: jiff::civil::Date) -> Applied {
    let mut out = Applied::default();
    let (live, expired): (Vec<&Ignore>, Vec<&Ignore>) =
        policy.ignores.iter().partition(|ig| today <= ig.expires);
    let mut used = vec![false; live.len()];
    let policy_path = policy
        .display
        .clone()
        .unwrap_or_else(|| "tollgate.toml".into());
    let mut all = findings;
    for ig in &expired {
        let mut f = Finding::new(
            &expired_ignore::RULE,
            format!(
                "the ignore of {} expired on {}; its findings are reported again",
                describe(ig),
                ig.expires
            ),
        )
        .evidence(format!("reason given: {}", ig.reason))
        .remediation(
            "fix the underlying finding, or renew the ignore with a new `expires` date and a current reason",
        );
        f.location = Some(match ig.line {
            Some(l) => Location::at(&policy_path, l, None),
            None => Location::file(&policy_path),
        });
        all.push(f);
    }
    for mut f in all {
        if !policy.rules.enabled(&f.rule_id) {
            continue;
        }
        if let Some(&s) = policy.rules.severity.get(&f.rule_id) {
            f.severity = s;
        }
        if let Some(i) = live.iter().position(|ig| ignore_matches(ig, &f)) {
            used[i] = true;
            let ig = live[i];
            out.suppressed.push(Suppressed {
                rule_id: f.rule_id.clone(),
                package: f.package.as_ref().map(|p| match &p.version {
                    Some(v) => format!("{}@{}", p.name, v),
                    None => p.name.clone(),
                }),
                message: f.message.clone(),
                reason: ig.reason.clone(),
                expires: ig.expires.to_string(),
            });
            continue;
        }
        out.findings.push(f);
    }
    for (ig, used) in live.iter().zip(used) {
        if !used {
            let at = ig.line.map(|l| format!(":{l}")).unwrap_or_default();
            out.notices.push(format!(
                "{policy_path}{at}: the ignore of {} matched no finding; remove it if it is no longer needed",
                describe(ig)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{RuleMeta, Severity};
    use crate::model::{Ecosystem, Package};
    use crate::policy::file::parse;

    const R1: RuleMeta = RuleMeta {
        id: "TG401",
        name: "unpinned-requirement",
        severity: Severity::Medium,
        summary: "",
    };
    const R2: RuleMeta = RuleMeta {
        id: "TG403",
        name: "non-registry-source",
        severity: Severity::High,
        summary: "",
    };

    fn findings() -> Vec<Finding> {
        let a = Package::new(Ecosystem::Npm, "left-pad", Some("1.3.0"));
        let b = Package::new(Ecosystem::Npm, "lodash", Some("4.17.21"));
        vec![
            Finding::new(&R1, "a").package(&a),
            Finding::new(&R2, "b").package(&b),
            Finding::new(&R2, "c").package(&a),
        ]
    }

    fn day(s: &str) -> jiff::civil::Date {
        s.parse().unwrap()
    }

    #[test]
    fn disable_and_override() {
        let p = parse(
            "[rules]\ndisable = [\"TG401\"]\nseverity = { TG403 = \"critical\" }\n",
            "t",
        )
        .unwrap();
        let a = apply(&p, findings(), day("2026-01-01"));
        assert_eq!(a.findings.len(), 2);
        assert!(a.findings.iter().all(|f| f.rule_id == "TG403"));
        assert!(a.findings.iter().all(|f| f.severity == Severity::Critical));
    }

    #[test]
    fn ignore_until_expiry_then_finding() {
        let text = "[[ignore]]\nrule = \"TG403\"\npackage = \"lodash@4.17.21\"\nreason = \"vendored fork\"\nexpires = 2026-06-30\n";
        let p = parse(text, "tollgate.toml").unwrap();
        let before = apply(&p, findings(), day("2026-06-30"));
        assert_eq!(before.findings.len(), 2);
        assert_eq!(before.suppressed.len(), 1);
        assert_eq!(
            before.suppressed[0].package.as_deref(),
            Some("lodash@4.17.21")
        );
        assert!(before.notices.is_empty());

        let after = apply(&p, findings(), day("2026-07-01"));
        assert_eq!(after.suppressed.len(), 0);
        assert_eq!(after.findings.len(), 4);
        let exp = after
            .findings
            .iter()
            .find(|f| f.rule_id == expired_ignore::RULE.id)
            .unwrap();
        assert_eq!(exp.location.as_ref().unwrap().line, Some(1));
        assert!(exp.message.contains("2026-06-30"));
        assert!(after.findings.iter().any(|f| f.message == "b"));
    }

    #[test]
    fn unused_ignore_is_a_notice() {
        let text = "[[ignore]]\npackage = \"nothing-here\"\nreason = \"r\"\nexpires = 2030-01-01\n";
        let p = parse(text, "tollgate.toml").unwrap();
        let a = apply(&p, findings(), day("2026-01-01"));
        assert_eq!(a.findings.len(), 3);
        assert_eq!(a.notices.len(), 1);
        assert!(a.notices[0].contains("tollgate.toml:1"));
    }

    #[test]
    fn package_only_ignore_covers_all_its_rules() {
        let text = "[[ignore]]\npackage = \"left-pad\"\nreason = \"r\"\nexpires = 2030-01-01\n";
        let p = parse(text, "t").unwrap();
        let a = apply(&p, findings(), day("2026-01-01"));
        assert_eq!(a.findings.len(), 1);
        assert_eq!(a.suppressed.len(), 2);
    }
}
