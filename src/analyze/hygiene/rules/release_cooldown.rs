//! TG408: a package released more recently than the policy's `min-release-age`.
//!
//! Release times come from lockfiles that record them (uv.lock `upload-time`,
//! pylock.toml) and, only with `--online`, from the index or registry the
//! user configured (cached under `$TOLLGATE_HOME`).

use crate::analyze::Output;
use crate::analyze::hygiene::{Ctx, location};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::model::Package;
use crate::policy::duration::format_duration;
use std::collections::BTreeMap;
use std::time::Duration;

pub const RULE: RuleMeta = RuleMeta {
    id: "TG408",
    name: "release-cooldown",
    severity: Severity::High,
    summary: "A package version is younger than the policy's minimum release age",
};

pub fn check(cx: &Ctx, out: &mut Output) {
    let Some(min_age) = cx.policy.min_release_age else {
        return;
    };
    let mut fetched: BTreeMap<String, jiff::Timestamp> = BTreeMap::new();
    let missing: Vec<&Package> = cx
        .scan
        .inventory
        .packages
        .iter()
        .filter(|p| p.version.is_some() && release_time(p).is_none())
        .collect();
    if cx.online && !missing.is_empty() {
        // A project `.npmrc` or `uv.toml` sits beside the policy that asked for the cooldown.
        let mut env = crate::registry::Env::system();
        if let Some(dir) = cx.policy.path.as_deref().and_then(std::path::Path::parent) {
            env.project = dir.to_path_buf();
        }
        let lookup =
            crate::registry::lookup_release_times(&missing, cx.policy, &cx.scan.home, &env);
        fetched = lookup.times;
        out.notices.extend(lookup.notices);
    }
    let mut unknown = 0usize;
    for p in &cx.scan.inventory.packages {
        if p.version.is_none() {
            continue;
        }
        let t = release_time(p).or_else(|| fetched.get(&p.purl).copied());
        match t {
            Some(t) => {
                if let Some(f) = judge(p, t, cx.now, min_age) {
                    out.findings.push(f);
                }
            }
            None => unknown += 1,
        }
    }
    if unknown > 0 {
        out.notices.push(format!(
            "cooldown: {unknown} package(s) have no known release time and were not checked against min-release-age{}",
            if cx.online { "" } else { " (use --online to ask the configured index or registry)" }
        ));
    }
}

/// The release time the input recorded, if it parses as RFC 3339.
pub fn release_time(p: &Package) -> Option<jiff::Timestamp> {
    p.release_time.as_deref()?.trim().parse().ok()
}

/// A finding when `released` is less than `min_age` before `now`.
pub fn judge(
    p: &Package,
    released: jiff::Timestamp,
    now: jiff::Timestamp,
    min_age: Duration,
) -> Option<Finding> {
    let age = now.duration_since(released);
    let min = jiff::SignedDuration::try_from(min_age).ok()?;
    if age >= min {
        return None;
    }
    let age_text = if age.is_negative() {
        "in the future".to_string()
    } else {
        format!(
            "{} ago",
            format_duration(Duration::from_secs(age.as_secs() as u64))
        )
    };
    let ready = released
        .checked_add(min)
        .map(|t| t.to_string())
        .unwrap_or_default();
    let mut f = Finding::new(
        &RULE,
        format!(
            "{} was released {age_text} ({released}); the policy wants {} before a release is used",
            p.display_id(),
            format_duration(min_age)
        ),
    )
    .package(p)
    .evidence(format!("released {released}, usable from {ready}"))
    .remediation("keep the previous version until the cooldown has passed (malicious releases are usually pulled within hours), or approve it with an ignore that names the version");
    f.location = location(p);
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::hygiene::testutil::*;
    use crate::model::{Ecosystem, InputKind};
    use crate::policy::Policy;

    fn released(name: &str, t: Option<&str>) -> Package {
        let mut p = pkg(
            Ecosystem::Pypi,
            name,
            Some("1.82.7"),
            "uv.lock",
            InputKind::UvLock,
        );
        p.release_time = t.map(str::to_string);
        p
    }

    fn policy(age: &str) -> Policy {
        Policy {
            min_release_age: Some(crate::policy::duration::parse_duration(age).unwrap()),
            ..Policy::default()
        }
    }

    #[test]
    fn triggers_inside_the_window() {
        // Released 40 minutes before "now": the litellm 1.82.7 situation.
        let inv = inventory(vec![released("litellm", Some("2026-03-24T10:20:00Z"))]);
        let out = run(&inv, &policy("7d"), "2026-03-24T11:00:00Z", check);
        assert_eq!(out.findings.len(), 1);
        assert!(
            out.findings[0].message.contains("40m ago"),
            "{}",
            out.findings[0].message
        );
        assert!(out.findings[0].evidence[0].contains("2026-03-31T10:20:00Z"));
        assert!(out.notices.is_empty());
    }

    #[test]
    fn benign_old_enough_or_no_policy() {
        let inv = inventory(vec![released("litellm", Some("2026-03-17T11:00:00Z"))]);
        assert!(
            run(&inv, &policy("7d"), "2026-03-24T11:00:00Z", check)
                .findings
                .is_empty()
        );
        let inv = inventory(vec![released("litellm", Some("2026-03-24T10:20:00Z"))]);
        assert!(
            run(&inv, &Policy::default(), "2026-03-24T11:00:00Z", check)
                .findings
                .is_empty()
        );
        // 36 hours is 36 hours: a day and a half old passes exactly at the boundary.
        let inv = inventory(vec![released("x", Some("2026-03-23T00:00:00Z"))]);
        assert!(
            run(&inv, &policy("36h"), "2026-03-24T12:00:00Z", check)
                .findings
                .is_empty()
        );
        assert_eq!(
            run(&inv, &policy("36h"), "2026-03-24T11:59:59Z", check)
                .findings
                .len(),
            1
        );
    }

    #[test]
    fn unknown_times_are_a_notice() {
        let inv = inventory(vec![released("a", None), released("b", Some("not a time"))]);
        let out = run(&inv, &policy("7d"), "2026-03-24T11:00:00Z", check);
        assert!(out.findings.is_empty());
        assert_eq!(out.notices.len(), 1);
        assert!(out.notices[0].contains("2 package(s)"));
        assert!(out.notices[0].contains("--online"));
    }
}
