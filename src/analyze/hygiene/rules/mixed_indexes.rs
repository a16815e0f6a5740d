//! TG404: one Python input that draws from several indexes (`--index-url`
//! plus `--extra-index-url`, or several Pipfile sources): dependency confusion.

use crate::analyze::Output;
use crate::analyze::hygiene::{Ctx, normalize_url};
use crate::finding::{Finding, Location, RuleMeta, Severity};
use crate::inventory::InputSummary;
use crate::model::InputKind;

pub const RULE: RuleMeta = RuleMeta {
    id: "TG404",
    name: "mixed-indexes",
    severity: Severity::High,
    summary: "pip merges candidates from several indexes: a public name can shadow a private one",
};

/// pip (and Pipenv without per-package `index`) takes the highest version of a
/// name from any configured index, so anyone who can publish that name on any
/// of them wins. uv's default "first index" strategy and explicit indexes do
/// not mix, so lockfiles that record one index per package are not judged.
pub fn check(cx: &Ctx, out: &mut Output) {
    for input in &cx.scan.inventory.inputs {
        if let Some(f) = judge(input) {
            out.findings.push(f);
        }
    }
}

fn judge(input: &InputSummary) -> Option<Finding> {
    if !matches!(input.kind, InputKind::Requirements | InputKind::PipfileLock) {
        return None;
    }
    let mut urls: Vec<String> = input.indexes.iter().map(|u| normalize_url(u)).collect();
    urls.sort();
    urls.dedup();
    if urls.len() < 2 {
        return None;
    }
    let mut f = Finding::new(
        &RULE,
        format!(
            "{} installs from {} indexes at once; a package name published on any of them can replace yours",
            input.path,
            urls.len()
        ),
    )
    .location(Location::file(&input.path))
    .remediation("use one index (a mirror that proxies the others), or uv with explicit per-package indexes");
    for u in urls {
        f = f.evidence(u);
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: InputKind, indexes: &[&str]) -> InputSummary {
        InputSummary {
            path: "requirements.txt".into(),
            kind,
            packages: 3,
            indexes: indexes.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn triggers_on_extra_index() {
        let f = judge(&input(
            InputKind::Requirements,
            &[
                "https://pypi.invalid/simple",
                "https://internal.invalid/simple/",
            ],
        ))
        .unwrap();
        assert_eq!(f.rule_id, "TG404");
        assert_eq!(f.evidence.len(), 2);
    }

    #[test]
    fn benign_single_mirror() {
        assert!(
            judge(&input(
                InputKind::Requirements,
                &["https://mirror.invalid/simple"]
            ))
            .is_none()
        );
        assert!(
            judge(&input(
                InputKind::Requirements,
                &[
                    "https://mirror.invalid/simple",
                    "https://MIRROR.invalid/simple/"
                ]
            ))
            .is_none()
        );
        assert!(
            judge(&input(
                InputKind::UvLock,
                &["https://a.invalid/simple", "https://b.invalid/simple"]
            ))
            .is_none()
        );
    }
}
