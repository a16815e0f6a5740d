//! TG405: the manifest asks for a package the lockfile beside it lacks, or
//! for a version range the locked version does not satisfy.

use crate::analyze::Output;
use crate::analyze::hygiene::{Ctx, dir_of};
use crate::discover::Input;
use crate::finding::{Finding, Location, RuleMeta, Severity};
use crate::inventory::{Extract, Options, extract};
use crate::model::{Ecosystem, InputKind, Origin, Package};
use std::collections::BTreeMap;
use std::str::FromStr;

pub const RULE: RuleMeta = RuleMeta {
    id: "TG405",
    name: "lockfile-out-of-sync",
    severity: Severity::High,
    summary: "The lockfile does not contain what the manifest beside it asks for",
};

fn locks_for(manifest: InputKind) -> &'static [InputKind] {
    match manifest {
        InputKind::Pyproject => &[
            InputKind::UvLock,
            InputKind::PoetryLock,
            InputKind::PdmLock,
            InputKind::Pylock,
        ],
        InputKind::PackageJson => &[
            InputKind::PackageLock,
            InputKind::YarnLock,
            InputKind::PnpmLock,
            InputKind::BunLock,
        ],
        _ => &[],
    }
}

/// Pairs each manifest with the lockfiles in its directory and compares them.
/// Both are re-read here (they are small) because the merged inventory no
/// longer says which file asked for what.
pub fn check(cx: &Ctx, out: &mut Output) {
    let inputs = &cx.scan.discovered.inputs;
    for m in inputs {
        let kinds = locks_for(m.kind);
        if kinds.is_empty() {
            continue;
        }
        let mdir = dir_of_input(m);
        let locks: Vec<&Input> = inputs
            .iter()
            .filter(|l| kinds.contains(&l.kind) && dir_of_input(l) == mdir)
            .collect();
        if locks.is_empty() {
            continue;
        }
        let manifest = extract(m, &Options::default());
        if manifest.nodes.is_empty() {
            continue;
        }
        for l in locks {
            let lock = extract(l, &Options::default());
            if lock.nodes.is_empty() && !lock.errors.is_empty() {
                continue;
            }
            out.findings.extend(compare(&manifest, &lock));
        }
    }
}

fn dir_of_input(i: &Input) -> String {
    dir_of(&i.display()).to_string()
}

/// A manifest requirement as (ecosystem, name, range text), when it is a range
/// we can evaluate against an index version.
fn requirement(p: &Package) -> Option<(String, String)> {
    if matches!(p.origin, Some(ref o) if !matches!(o, Origin::Registry { .. })) {
        return None;
    }
    let req = p.requirement.as_deref()?.trim();
    match p.ecosystem {
        Ecosystem::Npm => match req.strip_prefix("npm:") {
            Some(alias) => {
                let i = alias.rfind('@').filter(|&i| i > 0)?;
                Some((alias[..i].to_string(), alias[i + 1..].to_string()))
            }
            None => Some((p.name.clone(), req.to_string())),
        },
        Ecosystem::Pypi => {
            if pep440_rs::VersionSpecifiers::from_str(req).is_ok() {
                return Some((p.name.clone(), req.to_string()));
            }
            let r = crate::inventory::pyreq::parse_req(req).ok()?;
            match r.version_or_url {
                Some(pep508_rs::VersionOrUrl::VersionSpecifier(v)) => {
                    Some((r.name.to_string(), v.to_string()))
                }
                None => Some((r.name.to_string(), String::new())),
                Some(_) => None,
            }
        }
        Ecosystem::Cargo | Ecosystem::Conda => None,
    }
}

/// Compares one manifest's requirements with one lockfile's packages.
pub fn compare(manifest: &Extract, lock: &Extract) -> Vec<Finding> {
    let mut locked: BTreeMap<(Ecosystem, String), Vec<&str>> = BTreeMap::new();
    for n in &lock.nodes {
        if let Some(v) = n.package.version.as_deref() {
            locked
                .entry((n.package.ecosystem, n.package.normalized_name.clone()))
                .or_default()
                .push(v);
        }
    }
    let mut out = Vec::new();
    for node in &manifest.nodes {
        let p = &node.package;
        let Some((name, range)) = requirement(p) else {
            continue;
        };
        let key = (p.ecosystem, p.ecosystem.normalize(&name));
        let line = p.sources.first().and_then(|s| s.line);
        let at = match line {
            Some(l) => Location::at(&manifest.path, l, None),
            None => Location::file(&manifest.path),
        };
        let shown = if range.is_empty() {
            "any version".to_string()
        } else {
            format!("`{range}`")
        };
        let message = match locked.get(&key) {
            None => format!(
                "{} asks for {name} {shown}, but {} does not contain {name}",
                manifest.path, lock.path
            ),
            Some(versions) => {
                let verdicts: Vec<Option<bool>> = versions
                    .iter()
                    .map(|v| crate::version::satisfies(p.ecosystem, &range, v))
                    .collect();
                // Unknown syntax on either side is not evidence of drift.
                if verdicts.iter().any(|v| *v != Some(false)) {
                    continue;
                }
                format!(
                    "{} asks for {name} {shown}, but {} locks {}",
                    manifest.path,
                    lock.path,
                    versions.join(", ")
                )
            }
        };
        out.push(
            Finding::new(&RULE, message)
                .package(p)
                .location(at)
                .evidence(format!("{name} {range}").trim().to_string())
                .remediation("re-lock (`uv lock`, `npm install`, `poetry lock`) and commit the lockfile with the manifest"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(kind: InputKind, eco: Ecosystem, reqs: &[(&str, &str)]) -> Extract {
        let mut ex = Extract::new(kind, "app/manifest");
        for (i, (n, r)) in reqs.iter().enumerate() {
            let mut p = Package::new(eco, n, None);
            p.requirement = Some(r.to_string());
            ex.push(p, Some(i as u32 + 1));
        }
        ex
    }

    fn lock(kind: InputKind, eco: Ecosystem, pkgs: &[(&str, &str)]) -> Extract {
        let mut ex = Extract::new(kind, "app/lock");
        for (n, v) in pkgs {
            ex.push(Package::new(eco, n, Some(v)), None);
        }
        ex
    }

    #[test]
    fn npm_range_contradicted_and_missing() {
        let m = manifest(
            InputKind::PackageJson,
            Ecosystem::Npm,
            &[("lodash", "^4.17.0"), ("zod", "^4.0.0"), ("chalk", "^5")],
        );
        let l = lock(
            InputKind::PackageLock,
            Ecosystem::Npm,
            &[("lodash", "4.17.21"), ("zod", "3.25.76")],
        );
        let f = compare(&m, &l);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0].message.contains("zod") && f[0].message.contains("3.25.76"));
        assert_eq!(f[0].location.as_ref().unwrap().line, Some(2));
        assert!(f[1].message.contains("does not contain chalk"));
    }

    #[test]
    fn pep440_specifiers() {
        let m = manifest(
            InputKind::Pyproject,
            Ecosystem::Pypi,
            &[
                ("httpx", ">=0.27,<1"),
                ("Typing_Extensions", ">=4.12"),
                ("rich", "rich>=14; python_version >= '3.9'"),
            ],
        );
        let l = lock(
            InputKind::UvLock,
            Ecosystem::Pypi,
            &[
                ("httpx", "0.28.1"),
                ("typing-extensions", "4.11.0"),
                ("rich", "13.9.4"),
            ],
        );
        let f = compare(&m, &l);
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(f.len(), 2, "{msgs:?}");
        assert!(msgs[0].contains("Typing_Extensions") && msgs[0].contains("4.11.0"));
        assert!(msgs[1].contains("rich") && msgs[1].contains("13.9.4"));
    }

    #[test]
    fn benign_in_sync_and_unevaluable() {
        let m = manifest(
            InputKind::PackageJson,
            Ecosystem::Npm,
            &[
                ("a", "1.x || >=2.5.0"),
                ("b", "latest"),
                ("c", "npm:real-c@^2"),
                ("d", "workspace:*"),
            ],
        );
        let l = lock(
            InputKind::PackageLock,
            Ecosystem::Npm,
            &[
                ("a", "2.6.0"),
                ("b", "0.0.1"),
                ("real-c", "2.1.0"),
                ("d", "0.1.0"),
            ],
        );
        assert!(compare(&m, &l).is_empty());
        let m = manifest(InputKind::Pyproject, Ecosystem::Pypi, &[("x", "^1.2")]);
        let l = lock(InputKind::PoetryLock, Ecosystem::Pypi, &[("x", "1.9")]);
        assert!(compare(&m, &l).is_empty());
    }
}
