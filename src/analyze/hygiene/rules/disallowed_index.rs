//! TG406: an index or registry the policy does not allow.

use crate::analyze::Output;
use crate::analyze::hygiene::{Ctx, location, normalize_url, url_allowed};
use crate::finding::{Finding, Location, RuleMeta, Severity};
use crate::model::{Ecosystem, InputKind, Origin};
use std::collections::BTreeMap;

pub const RULE: RuleMeta = RuleMeta {
    id: "TG406",
    name: "disallowed-index",
    severity: Severity::High,
    summary: "A package index or registry is not on the policy's allowed list",
};

fn ecosystem_of(kind: InputKind) -> Option<Ecosystem> {
    match kind {
        InputKind::PackageJson
        | InputKind::PackageLock
        | InputKind::YarnLock
        | InputKind::PnpmLock
        | InputKind::BunLock
        | InputKind::NodeModules
        | InputKind::NpmTarball => Some(Ecosystem::Npm),
        InputKind::CargoLock => None,
        _ => Some(Ecosystem::Pypi),
    }
}

/// Checks the indexes inputs name and the registry each package came from.
/// Packages are grouped per registry so one bad mirror is one finding.
static NO_LIST: Vec<String> = Vec::new();

pub fn check(cx: &Ctx, out: &mut Output) {
    let allowed = |eco: Ecosystem| match eco {
        Ecosystem::Pypi => &cx.policy.indexes,
        Ecosystem::Npm => &cx.policy.registries,
        Ecosystem::Cargo => &cx.policy.registries,
        // Conda channels are not pip indexes; the policy has no list for them.
        Ecosystem::Conda => &NO_LIST,
    };
    for input in &cx.scan.inventory.inputs {
        let Some(eco) = ecosystem_of(input.kind) else {
            continue;
        };
        let list = allowed(eco);
        if list.is_empty() {
            continue;
        }
        for url in &input.indexes {
            if !url_allowed(url, list) {
                out.findings.push(
                    Finding::new(
                        &RULE,
                        format!(
                            "{} names the index {}, which the policy does not allow",
                            input.path,
                            normalize_url(url)
                        ),
                    )
                    .location(Location::file(&input.path))
                    .evidence(normalize_url(url))
                    .remediation(remedy(eco)),
                );
            }
        }
    }
    let mut by_url: BTreeMap<(Ecosystem, String), Vec<&crate::model::Package>> = BTreeMap::new();
    for p in &cx.scan.inventory.packages {
        if p.ecosystem == Ecosystem::Cargo {
            continue;
        }
        if let Some(Origin::Registry { url: Some(u) }) = &p.origin {
            let list = allowed(p.ecosystem);
            if !list.is_empty() && !url_allowed(u, list) {
                by_url
                    .entry((p.ecosystem, normalize_url(u)))
                    .or_default()
                    .push(p);
            }
        }
    }
    for ((eco, url), pkgs) in by_url {
        let names: Vec<String> = pkgs.iter().take(10).map(|p| p.display_id()).collect();
        let more = pkgs.len().saturating_sub(10);
        let mut f = Finding::new(
            &RULE,
            format!(
                "{} {} package(s) come from {url}, which the policy does not allow: {}{}",
                pkgs.len(),
                eco,
                names.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
        )
        .evidence(url.clone())
        .remediation(remedy(eco));
        f.location = pkgs.first().and_then(|p| location(p));
        out.findings.push(f);
    }
}

fn remedy(eco: Ecosystem) -> &'static str {
    match eco {
        Ecosystem::Npm => {
            "resolve through an allowed registry (.npmrc `registry=`), or add it to `registries` in the policy"
        }
        _ => {
            "resolve through an allowed index (pip.conf / uv `index-url`), or add it to `indexes` in the policy"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::hygiene::testutil::*;
    use crate::policy::Policy;

    fn policy() -> Policy {
        Policy {
            indexes: vec!["https://pypi.invalid/simple".into()],
            registries: vec!["https://registry.npm.invalid/".into()],
            ..Policy::default()
        }
    }

    fn npm(name: &str, reg: &str) -> crate::model::Package {
        let mut p = pkg(
            Ecosystem::Npm,
            name,
            Some("1.0.0"),
            "package-lock.json",
            InputKind::PackageLock,
        );
        p.origin = Some(Origin::Registry {
            url: Some(reg.into()),
        });
        p
    }

    #[test]
    fn triggers_on_other_registry_and_index() {
        let mut inv = inventory(vec![
            npm("a", "https://evil.invalid/"),
            npm("b", "https://evil.invalid/"),
            npm("c", "https://registry.npm.invalid/"),
        ]);
        inv.inputs.push(crate::inventory::InputSummary {
            path: "requirements.txt".into(),
            kind: InputKind::Requirements,
            packages: 1,
            indexes: vec![
                "https://pypi.invalid/simple/".into(),
                "https://other.invalid/simple".into(),
            ],
        });
        let out = run(&inv, &policy(), "2026-11-22T00:00:00Z", check);
        assert_eq!(out.findings.len(), 2, "{:#?}", out.findings);
        assert!(out.findings[0].message.contains("other.invalid"));
        assert!(out.findings[1].message.starts_with("2 npm package(s)"));
    }

    #[test]
    fn benign_allowed_or_no_list() {
        let inv = inventory(vec![npm("c", "https://REGISTRY.npm.invalid")]);
        assert!(
            run(&inv, &policy(), "2026-11-22T00:00:00Z", check)
                .findings
                .is_empty()
        );
        let inv = inventory(vec![npm("a", "https://evil.invalid/")]);
        assert!(
            run(&inv, &Policy::default(), "2026-11-22T00:00:00Z", check)
                .findings
                .is_empty()
        );
    }
}
