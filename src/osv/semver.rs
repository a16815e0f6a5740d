//! SemVer 2.0 precedence, as node-semver orders npm versions and as OSV
//! `SEMVER` ranges require. Only ordering is needed (OSV evaluates ranges by
//! comparing versions, not by node-semver range rules), so this is a small
//! parser rather than a range-matching crate.
//!
//! Leniency follows osv.dev's coercion of almost-SemVer bounds found in real
//! data: a leading `v` is dropped, a missing minor/patch is `0` (`"1.0"` →
//! `1.0.0`), leading zeros are ignored, an empty pre-release identifier
//! counts as `-`. Anything else that is not SemVer is `None` (the caller
//! decides how unparseable versions order).

use std::cmp::Ordering;

/// A parsed version. Build metadata is dropped: it never affects precedence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Semver {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Vec<Ident>,
}

/// One pre-release identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ident {
    Num(u64),
    Alpha(String),
}

impl Ord for Ident {
    /// Numeric identifiers compare numerically and sort before alphanumeric
    /// ones, which compare in ASCII order.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Ident::Num(a), Ident::Num(b)) => a.cmp(b),
            (Ident::Num(_), Ident::Alpha(_)) => Ordering::Less,
            (Ident::Alpha(_), Ident::Num(_)) => Ordering::Greater,
            (Ident::Alpha(a), Ident::Alpha(b)) => a.as_bytes().cmp(b.as_bytes()),
        }
    }
}

impl PartialOrd for Ident {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Semver {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                // A pre-release sorts before its release.
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                // Element-wise; a longer list wins when one is a prefix.
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Semver {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn ident_ok(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses a version; `None` when it is not (coercible) SemVer.
pub fn parse(input: &str) -> Option<Semver> {
    let s = input.trim();
    let s = s.strip_prefix('v').unwrap_or(s);
    // Split off build metadata, then the pre-release.
    let (s, build) = match s.split_once('+') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    // osv.dev reads an empty build identifier as `-`, like an empty
    // pre-release one: accepted, and build metadata never counts anyway.
    if build.is_some_and(|b| !b.split('.').all(ident_ok)) {
        return None;
    }
    let (core, pre) = match s.split_once('-') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let mut parts = core.split('.');
    let major = number(parts.next()?)?;
    let minor = parts.next().map_or(Some(0), number)?;
    let patch = parts.next().map_or(Some(0), number)?;
    if parts.next().is_some() {
        return None;
    }
    let pre = match pre {
        None => Vec::new(),
        Some(p) => p
            .split('.')
            .map(|i| match i {
                "" => Some(Ident::Alpha("-".into())),
                i if i.bytes().all(|b| b.is_ascii_digit()) => i.parse().ok().map(Ident::Num),
                i if ident_ok(i) => Some(Ident::Alpha(i.to_string())),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?,
    };
    Some(Semver {
        major,
        minor,
        patch,
        pre,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lt(a: &str, b: &str) {
        let (pa, pb) = (parse(a).unwrap(), parse(b).unwrap());
        assert!(pa < pb, "{a} < {b}");
        assert!(pb > pa, "{b} > {a}");
    }

    #[test]
    fn spec_precedence_chain() {
        // The example chain of SemVer 2.0 §11.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
            "10.0.0",
        ];
        for w in chain.windows(2) {
            lt(w[0], w[1]);
        }
    }

    #[test]
    fn build_metadata_and_coercion() {
        assert_eq!(parse("1.0.0+build.1"), parse("1.0.0"));
        assert_eq!(parse("1.0.0-rc.1+b"), parse("1.0.0-rc.1"));
        assert_eq!(parse("1.0.0+"), parse("1.0.0"));
        assert_eq!(parse("v1.2.3"), parse("1.2.3"));
        assert_eq!(parse("1.0"), parse("1.0.0"));
        assert_eq!(parse("1"), parse("1.0.0"));
        assert_eq!(parse("01.002.0003"), parse("1.2.3"));
        lt("1.0.0-a..1", "1.0.0-a.a");
        lt("1.0.0-Z", "1.0.0-a");
        lt("1.0.0-0", "1.0.0-a");
    }

    #[test]
    fn refuses_what_is_not_semver() {
        for bad in [
            "",
            "latest",
            "1.2.3.4",
            "1.2.x",
            "1.0.0-a_b",
            "1.0.0+a_b",
            "a.b.c",
            "1..2",
            "*",
            "1.0.0 - 2.0.0",
            "99999999999999999999.0.0",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
