//! One rule per file; `finding` picks the rule a match belongs to.

pub mod known_malicious_release;
pub mod known_vulnerability;

use crate::finding::{Finding, Location};
use crate::model::Package;
use crate::osv::Match;

/// The finding for one advisory match of one package.
pub fn finding(p: &Package, m: &Match) -> Finding {
    if m.malicious {
        known_malicious_release::finding(p, m)
    } else {
        known_vulnerability::finding(p, m)
    }
}

/// The package's first source: where the user can see the pin.
fn location(p: &Package) -> Option<Location> {
    p.sources.first().map(|s| Location {
        path: s.path.clone(),
        line: s.line,
        column: None,
    })
}

/// `ID (ALIAS, ALIAS…)`.
fn ids(m: &Match) -> String {
    if m.aliases.is_empty() {
        m.id.clone()
    } else {
        format!("{} ({})", m.id, m.aliases.join(", "))
    }
}

/// Evidence lines shared by both rules.
fn evidence(f: Finding, m: &Match) -> Finding {
    let mut f = f.evidence(format!("advisory: {}", ids(m)));
    if !m.summary.is_empty() {
        f = f.evidence(format!("summary: {}", m.summary));
    }
    if let (Some(score), Some(vector)) = (m.score, &m.vector) {
        f = f.evidence(format!("cvss: {score:.1} {vector}"));
    }
    if !m.fixed.is_empty() {
        f = f.evidence(format!("fixed in: {}", m.fixed.join(", ")));
    }
    if !m.last_affected.is_empty() {
        f = f.evidence(format!("last affected: {}", m.last_affected.join(", ")));
    }
    f
}

/// With the finding's location when the package has a source.
fn located(f: Finding, p: &Package) -> Finding {
    match location(p) {
        Some(l) => f.location(l),
        None => f,
    }
}
