//! Supply-chain hygiene (`TG4xx`): pins, hashes, sources, indexes, lockfile
//! drift, licences and release cooldown, judged against the policy.
//! Rules that need a policy setting (`require-hashes`, `min-release-age`,
//! licence lists, allowed indexes) stay silent without it.

pub mod rules;

use super::{Analysis, Output, RunSettings, ScanContext};
use crate::finding::{Location, RuleMeta};
use crate::model::{InputKind, Package};
use crate::policy::Policy;
use std::path::Path;
use std::sync::Arc;

/// The hygiene analysis. Runs with the default (empty) policy until configured.
#[derive(Default)]
pub struct Hygiene {
    settings: Option<RunSettings>,
}

/// What every hygiene rule reads.
pub struct Ctx<'a> {
    pub scan: &'a ScanContext<'a>,
    pub policy: &'a Policy,
    pub now: jiff::Timestamp,
    pub online: bool,
}

impl Analysis for Hygiene {
    fn name(&self) -> &'static str {
        "hygiene"
    }

    fn rules(&self) -> &'static [RuleMeta] {
        rules::ALL
    }

    fn configure(&mut self, settings: &RunSettings) {
        self.settings = Some(settings.clone());
    }

    fn run(&self, scan: &ScanContext) -> Output {
        let default_policy = Arc::new(Policy::default());
        let (policy, now, online) = match &self.settings {
            Some(s) => (s.policy.clone(), s.now, s.online),
            None => (default_policy, jiff::Timestamp::now(), false),
        };
        let cx = Ctx {
            scan,
            policy: &policy,
            now,
            online,
        };
        let mut out = Output::default();
        rules::run_all(&cx, &mut out);
        out
    }
}

/// Where a package was declared: its first manifest, lockfile or requirements
/// source with a line, else its first source.
pub fn location(p: &Package) -> Option<Location> {
    let rank = |k: InputKind| {
        if k.is_installed() {
            2
        } else if k.is_lockfile() {
            1
        } else {
            0
        }
    };
    let s = p
        .sources
        .iter()
        .min_by_key(|s| (rank(s.kind), s.line.is_none()))?;
    Some(match s.line {
        Some(l) => Location::at(&s.path, l, None),
        None => Location::file(&s.path),
    })
}

/// The directory of a display path (`a/b/uv.lock` → `a/b`, `uv.lock` → ``).
pub fn dir_of(path: &str) -> &str {
    Path::new(path)
        .parent()
        .and_then(|p| p.to_str())
        .unwrap_or("")
}

/// A URL without credentials, a trailing slash or case differences in the
/// scheme and host, for comparing and for printing (never print a token).
pub fn normalize_url(url: &str) -> String {
    let u = url.trim();
    let (scheme, rest) = match u.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => return u.trim_end_matches('/').to_string(),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = authority.rsplit('@').next().unwrap_or(authority);
    format!(
        "{scheme}://{}{}",
        host.to_ascii_lowercase(),
        path.trim_end_matches('/')
    )
}

/// Whether `url` is `allowed` or below it (at a path boundary).
pub fn url_allowed(url: &str, allowed: &[String]) -> bool {
    let u = normalize_url(url);
    allowed.iter().any(|a| {
        let a = normalize_url(a);
        u == a || u.strip_prefix(&a).is_some_and(|rest| rest.starts_with('/'))
    })
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Building inventories by hand for rule tests, independent of extractors.
    use crate::analyze::{Output, ScanContext};
    use crate::discover::Discovered;
    use crate::inventory::{InputSummary, Inventory};
    use crate::model::{Ecosystem, InputKind, Package};
    use crate::policy::Policy;

    pub fn pkg(
        eco: Ecosystem,
        name: &str,
        version: Option<&str>,
        src: &str,
        kind: InputKind,
    ) -> Package {
        Package::new(eco, name, version).with_source(src, Some(3), kind)
    }

    pub fn inventory(packages: Vec<Package>) -> Inventory {
        let mut inputs: Vec<InputSummary> = Vec::new();
        for p in &packages {
            for s in &p.sources {
                if !inputs.iter().any(|i| i.path == s.path) {
                    inputs.push(InputSummary {
                        path: s.path.clone(),
                        kind: s.kind,
                        packages: 0,
                        indexes: vec![],
                    });
                }
            }
        }
        for i in inputs.iter_mut() {
            i.packages = packages
                .iter()
                .filter(|p| p.sources.iter().any(|s| s.path == i.path))
                .count();
        }
        Inventory {
            packages,
            inputs,
            ..Inventory::default()
        }
    }

    /// Runs one rule's `check` over an inventory with a policy and a fixed clock.
    pub fn run(
        inv: &Inventory,
        policy: &Policy,
        now: &str,
        check: fn(&super::Ctx, &mut Output),
    ) -> Output {
        let discovered = Discovered::default();
        let scan = ScanContext {
            inventory: inv,
            discovered: &discovered,
            home: std::env::temp_dir().join("tollgate-test-home-unused"),
        };
        let cx = super::Ctx {
            scan: &scan,
            policy,
            now: now.parse().unwrap(),
            online: false,
        };
        let mut out = Output::default();
        check(&cx, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            normalize_url("HTTPS://user:tok@Pypi.Invalid/simple/"),
            "https://pypi.invalid/simple"
        );
        let allowed = vec!["https://art.invalid/api/npm/remote/".to_string()];
        assert!(url_allowed("https://art.invalid/api/npm/remote", &allowed));
        assert!(url_allowed(
            "https://ART.invalid/api/npm/remote/sub",
            &allowed
        ));
        assert!(!url_allowed(
            "https://art.invalid/api/npm/remote-evil",
            &allowed
        ));
        assert!(!url_allowed("https://other.invalid/", &allowed));
        assert_eq!(dir_of("a/b/uv.lock"), "a/b");
        assert_eq!(dir_of("uv.lock"), "");
    }
}
