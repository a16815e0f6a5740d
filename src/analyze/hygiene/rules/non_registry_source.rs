//! TG403: a dependency fetched from a URL, a VCS or a path outside the project
//! instead of a package index.

use crate::analyze::Output;
use crate::analyze::hygiene::{Ctx, location, normalize_url};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::model::{Origin, Package};

pub const RULE: RuleMeta = RuleMeta {
    id: "TG403",
    name: "non-registry-source",
    severity: Severity::Medium,
    summary: "A dependency comes from a URL, a VCS checkout or a local path outside the project",
};

pub fn check(cx: &Ctx, out: &mut Output) {
    for p in &cx.scan.inventory.packages {
        if let Some(f) = judge(p) {
            out.findings.push(f);
        }
    }
}

/// A full commit id: the only VCS reference that cannot move.
fn is_commit(rev: &str) -> bool {
    (rev.len() == 40 || rev.len() == 64) && rev.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A path inside the project (a workspace member, the project itself) is not
/// a supply-chain source; one that leaves it, or an archive, is.
fn outside_project(path: &str) -> bool {
    let p = path.trim().replace('\\', "/");
    let archive = [".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2"]
        .iter()
        .any(|e| p.to_ascii_lowercase().ends_with(e));
    archive
        || p.starts_with('/')
        || p.starts_with("~")
        || p.split('/').any(|c| c == "..")
        || p.contains(':')
}

fn judge(p: &Package) -> Option<Finding> {
    let (severity, what, fix) = match p.origin.as_ref()? {
        Origin::Registry { .. } => return None,
        Origin::Vcs { url, rev } => match rev.as_deref() {
            Some(r) if is_commit(r) => (
                Severity::Medium,
                format!("a VCS checkout of {} at commit {r}", normalize_url(url)),
                "publish it to your index, or keep the commit pin and review every bump",
            ),
            other => (
                Severity::High,
                format!(
                    "a VCS checkout of {} at {}, a reference that can move",
                    normalize_url(url),
                    other.map_or("the default branch".to_string(), |r| format!("`{r}`"))
                ),
                "pin a full commit id, or better publish it to your index",
            ),
        },
        Origin::Url { url } => {
            let sev = if p.hashes.is_empty() {
                Severity::High
            } else {
                Severity::Medium
            };
            (
                sev,
                format!("a direct download from {}", normalize_url(url)),
                "install it from your index; if you must keep the URL, record its hash",
            )
        }
        Origin::Path { path, .. } => {
            if !outside_project(path) {
                return None;
            }
            (
                Severity::Medium,
                format!("a local path `{path}` outside the project"),
                "publish it to your index or vendor it inside the project",
            )
        }
    };
    let mut f = Finding::new(
        &RULE,
        format!(
            "{} is {what}: no index, no release history, no advisories",
            p.display_id()
        ),
    )
    .severity(severity)
    .package(p)
    .remediation(fix);
    f.location = location(p);
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::hygiene::testutil::*;
    use crate::model::{Ecosystem, InputKind};
    use crate::policy::Policy;

    fn with(origin: Origin) -> Package {
        let mut p = pkg(
            Ecosystem::Npm,
            "x",
            Some("1.0.0"),
            "package-lock.json",
            InputKind::PackageLock,
        );
        p.origin = Some(origin);
        p
    }

    #[test]
    fn triggers_on_vcs_url_and_outside_path() {
        let inv = inventory(vec![
            with(Origin::Vcs {
                url: "git+ssh://git@git.invalid/a/x.git".into(),
                rev: Some("main".into()),
            }),
            with(Origin::Url {
                url: "https://user:secret@files.invalid/x-1.0.0.tgz".into(),
            }),
            with(Origin::Path {
                path: "../vendor/x-1.0.0.tgz".into(),
                editable: false,
            }),
        ]);
        let out = run(&inv, &Policy::default(), "2026-11-22T00:00:00Z", check);
        assert_eq!(out.findings.len(), 3);
        assert_eq!(out.findings[0].severity, Severity::High);
        assert!(out.findings[0].message.contains("`main`"));
        assert_eq!(out.findings[1].severity, Severity::High);
        assert!(
            !out.findings[1].message.contains("secret"),
            "credentials must not be printed"
        );
    }

    #[test]
    fn commit_pin_is_medium() {
        let rev = "0123456789abcdef0123456789abcdef01234567";
        let inv = inventory(vec![with(Origin::Vcs {
            url: "git+https://git.invalid/x".into(),
            rev: Some(rev.into()),
        })]);
        let out = run(&inv, &Policy::default(), "2026-11-22T00:00:00Z", check);
        assert_eq!(out.findings[0].severity, Severity::Medium);
    }

    #[test]
    fn benign_registry_and_workspace() {
        let inv = inventory(vec![
            with(Origin::Registry {
                url: Some("https://registry.npm.invalid/".into()),
            }),
            with(Origin::Path {
                path: "packages/app".into(),
                editable: false,
            }),
            with(Origin::Path {
                path: ".".into(),
                editable: true,
            }),
        ]);
        assert!(
            run(&inv, &Policy::default(), "2026-11-22T00:00:00Z", check)
                .findings
                .is_empty()
        );
    }
}
