//! Version ordering for OSV matching, per ecosystem and range type.
//!
//! Every version string becomes a [`Key`]: the special `"0"` of an
//! `introduced` event sorts before everything; a version the ordering cannot
//! parse sorts after everything (osv.dev's rule: an unparseable bound then
//! never ends a range early, so a record like `"fixed": "2019-09-12"` on a
//! PEP 440 package leaves every version affected instead of none, and an
//! unparseable queried version only matches open-ended ranges).

use super::record::{Eco, RangeKind};
use super::semver::{self, Semver};
use pep440_rs::Version;
use std::cmp::Ordering;
use std::str::FromStr;

/// Which total order a comparison uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    Pep440,
    Semver,
}

impl Order {
    /// The order of a range: `SEMVER` ranges always use SemVer precedence;
    /// `ECOSYSTEM` ranges use the ecosystem's own order.
    pub fn of(eco: Eco, kind: RangeKind) -> Order {
        match (eco, kind) {
            (Eco::PyPI, RangeKind::Ecosystem) => Order::Pep440,
            _ => Order::Semver,
        }
    }

    /// The ecosystem's own order.
    pub fn ecosystem(eco: Eco) -> Order {
        Order::of(eco, RangeKind::Ecosystem)
    }
}

/// A parsed version in one order.
#[derive(Clone, Debug)]
pub enum Key {
    /// `"0"`: before every version.
    Zero,
    Pep440(Version),
    Semver(Semver),
    /// Not a version in this order: after every version, equal to each other.
    Invalid,
}

impl Key {
    /// Parses `s` in `order`. `"0"` is [`Key::Zero`] (the OSV special value,
    /// which osv.dev applies to any version string exactly `"0"`).
    pub fn parse(order: Order, s: &str) -> Key {
        let s = s.trim();
        if s == "0" {
            return Key::Zero;
        }
        Key::parse_plain(order, s)
    }

    /// Parses without the special meaning of `"0"` (for `versions` lists).
    pub fn parse_plain(order: Order, s: &str) -> Key {
        match order {
            Order::Pep440 => Version::from_str(s.trim()).map_or(Key::Invalid, Key::Pep440),
            Order::Semver => semver::parse(s).map_or(Key::Invalid, Key::Semver),
        }
    }

    pub fn is_valid(&self) -> bool {
        matches!(self, Key::Pep440(_) | Key::Semver(_))
    }

    fn rank(&self) -> u8 {
        match self {
            Key::Zero => 0,
            Key::Pep440(_) | Key::Semver(_) => 1,
            Key::Invalid => 2,
        }
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Key::Pep440(a), Key::Pep440(b)) => a.cmp(b),
            (Key::Semver(a), Key::Semver(b)) => a.cmp(b),
            // Keys of one comparison always come from one order; a mix can
            // only be an internal slip, ordered deterministically.
            _ => self
                .rank()
                .cmp(&other.rank())
                .then_with(|| matches!(self, Key::Semver(_)).cmp(&matches!(other, Key::Semver(_)))),
        }
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Key {}

/// A string that is the same for equal versions and different for
/// different ones (`None` when the string is not a version in `order`):
/// PEP 440's normal form with trailing zero release numbers dropped
/// (`1.0.0` and `1.0` are equal); SemVer without build metadata.
pub fn canonical(order: Order, s: &str) -> Option<String> {
    use std::fmt::Write;
    let mut out = String::new();
    match Key::parse_plain(order, s) {
        Key::Pep440(v) => {
            if v.epoch() != 0 {
                let _ = write!(out, "{}!", v.epoch());
            }
            let release = v.release();
            let keep = release.iter().rposition(|n| *n != 0).map_or(1, |i| i + 1);
            let parts: Vec<String> = release.iter().take(keep).map(u64::to_string).collect();
            out.push_str(&parts.join("."));
            if parts.is_empty() {
                out.push('0');
            }
            if let Some(p) = v.pre() {
                let _ = write!(out, "{}{}", p.kind, p.number);
            }
            if let Some(p) = v.post() {
                let _ = write!(out, ".post{p}");
            }
            if let Some(d) = v.dev() {
                let _ = write!(out, ".dev{d}");
            }
            if !v.local().is_empty() {
                let local: Vec<String> = v.local().iter().map(ToString::to_string).collect();
                let _ = write!(out, "+{}", local.join("."));
            }
        }
        Key::Semver(v) => {
            let _ = write!(out, "{}.{}.{}", v.major, v.minor, v.patch);
            for (i, id) in v.pre.iter().enumerate() {
                out.push(if i == 0 { '-' } else { '.' });
                match id {
                    semver::Ident::Num(n) => {
                        let _ = write!(out, "{n}");
                    }
                    semver::Ident::Alpha(a) => out.push_str(a),
                }
            }
        }
        Key::Zero | Key::Invalid => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(order: Order, s: &str) -> Key {
        Key::parse(order, s)
    }

    #[test]
    fn zero_and_invalid_bracket_everything() {
        for order in [Order::Pep440, Order::Semver] {
            assert!(k(order, "0") < k(order, "0.0.0"));
            assert!(k(order, "0.0.1") < k(order, "not a version!"));
            assert_eq!(k(order, "garbage!"), k(order, "other garbage!"));
            assert_eq!(k(order, "0"), k(order, " 0 "));
        }
    }

    #[test]
    fn pep440_padding_and_local() {
        let p = |s| k(Order::Pep440, s);
        assert_eq!(p("1.0"), p("1.0.0"));
        assert!(p("1.0") < p("1.0+local"));
        assert!(p("1.0.dev1") < p("1.0a1"));
        assert!(p("1.0") < p("1.0.post1"));
        assert!(p("2.0") < p("1!1.0"));
        assert!(p("2019-09-12") > p("9999"));
    }

    #[test]
    fn canonical_forms() {
        let c = |o, s| canonical(o, s);
        assert_eq!(c(Order::Pep440, "1.0.0"), c(Order::Pep440, "1.0"));
        assert_eq!(c(Order::Pep440, "V1.0-RC1"), Some("1rc1".into()));
        assert_eq!(c(Order::Pep440, "0.0"), Some("0".into()));
        assert_eq!(
            c(Order::Pep440, "1!2.0.post1.dev2+Ab.05"),
            Some("1!2.post1.dev2+ab.5".into())
        );
        assert_ne!(c(Order::Pep440, "1.0+x"), c(Order::Pep440, "1.0"));
        assert_eq!(c(Order::Semver, "1.0.0+b1"), c(Order::Semver, "1.0.0"));
        assert_eq!(c(Order::Semver, "v1.0.0-rc.01"), Some("1.0.0-rc.1".into()));
        assert_eq!(c(Order::Pep440, "weird-1"), None);
        assert_eq!(c(Order::Semver, "0"), Some("0.0.0".into()));
    }
}
