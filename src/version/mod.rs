//! Version ordering per ecosystem: PEP 440 for PyPI (through `pep440_rs`),
//! semantic versioning for npm and Cargo (our node-semver module, [`npm`]).

pub mod npm;

use crate::model::Ecosystem;
use std::cmp::Ordering;
use std::str::FromStr;

/// Compares two versions of one ecosystem; `None` when either does not parse.
pub fn compare(eco: Ecosystem, a: &str, b: &str) -> Option<Ordering> {
    match eco {
        // conda versions follow PEP 440 closely enough for ordering.
        Ecosystem::Pypi | Ecosystem::Conda => {
            let a = pep440_rs::Version::from_str(a.trim()).ok()?;
            let b = pep440_rs::Version::from_str(b.trim()).ok()?;
            Some(a.cmp(&b))
        }
        Ecosystem::Npm | Ecosystem::Cargo => {
            let a = npm::Version::parse(a).ok()?;
            let b = npm::Version::parse(b).ok()?;
            Some(a.cmp(&b))
        }
    }
}

/// The part of a version whose change signals a breaking release: the major
/// number, or for semver `0.x` the minor (`0.3` → `0.4` breaks, by convention).
pub fn breaking_part(eco: Ecosystem, v: &str) -> Option<(u64, u64)> {
    match eco {
        Ecosystem::Pypi | Ecosystem::Conda => {
            let v = pep440_rs::Version::from_str(v.trim()).ok()?;
            let r = v.release();
            Some((v.epoch(), r.first().copied().unwrap_or(0)))
        }
        Ecosystem::Npm | Ecosystem::Cargo => {
            let v = npm::Version::parse(v).ok()?;
            Some(if v.major == 0 {
                (0, v.minor)
            } else {
                (v.major, u64::MAX)
            })
        }
    }
}

/// Whether `version` satisfies `requirement` in the ecosystem's own syntax:
/// PEP 440 specifiers (`>=1,<2`, `==1.*`, `~=1.4`) or npm ranges. `None`
/// when either side cannot be evaluated (a tag, a URL, Poetry's `^`).
pub fn satisfies(eco: Ecosystem, requirement: &str, version: &str) -> Option<bool> {
    let req = requirement.trim();
    match eco {
        Ecosystem::Pypi | Ecosystem::Conda => {
            let v = pep440_rs::Version::from_str(version.trim()).ok()?;
            if req.is_empty() {
                return Some(true);
            }
            let specs = pep440_rs::VersionSpecifiers::from_str(req).ok()?;
            Some(specs.contains(&v))
        }
        Ecosystem::Npm => {
            let v = npm::Version::parse(version).ok()?;
            let r = npm::Range::parse(req).ok()?;
            Some(r.satisfies(&v))
        }
        Ecosystem::Cargo => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering() {
        assert_eq!(
            compare(Ecosystem::Pypi, "1.10", "1.9"),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare(Ecosystem::Pypi, "2.0rc1", "2.0"),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare(Ecosystem::Pypi, "1.0.post1", "1.0"),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare(Ecosystem::Npm, "1.10.0", "1.9.0"),
            Some(Ordering::Greater)
        );
        assert_eq!(compare(Ecosystem::Npm, "1.0", "1.0.0"), None);
    }

    #[test]
    fn breaking() {
        let b = |e, v| breaking_part(e, v);
        assert_ne!(b(Ecosystem::Pypi, "1.82.6"), b(Ecosystem::Pypi, "2.0.0"));
        assert_eq!(b(Ecosystem::Pypi, "1.2"), b(Ecosystem::Pypi, "1.9.1"));
        assert_ne!(b(Ecosystem::Npm, "0.3.1"), b(Ecosystem::Npm, "0.4.0"));
        assert_eq!(b(Ecosystem::Npm, "4.1.0"), b(Ecosystem::Npm, "4.17.21"));
    }

    #[test]
    fn specifiers() {
        assert_eq!(satisfies(Ecosystem::Pypi, ">=2,<3", "2.31.0"), Some(true));
        assert_eq!(satisfies(Ecosystem::Pypi, "~=1.4", "2.0"), Some(false));
        assert_eq!(satisfies(Ecosystem::Pypi, "==1.*", "1.7"), Some(true));
        assert_eq!(satisfies(Ecosystem::Pypi, "^1.2", "1.7"), None);
        assert_eq!(satisfies(Ecosystem::Npm, "^4.17.0", "4.17.21"), Some(true));
        assert_eq!(satisfies(Ecosystem::Npm, "~4.16", "4.17.21"), Some(false));
        assert_eq!(satisfies(Ecosystem::Npm, "latest", "4.17.21"), None);
    }
}
