//! TG102 known-malicious-release: the pinned version is listed by a
//! malicious-package advisory (OSV `MAL-` records, GHSA malware advisories).

use super::{evidence, ids, located};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::model::Package;
use crate::osv::Match;

pub const RULE: RuleMeta = RuleMeta {
    id: "TG102",
    name: "known-malicious-release",
    severity: Severity::Critical,
    summary: "The pinned version is a known-malicious release (OSV malicious-package advisory)",
};

pub fn finding(p: &Package, m: &Match) -> Finding {
    let version = p.version.as_deref().unwrap_or("");
    let remediation = format!(
        "remove {} {version} and treat every machine that installed it as compromised: \
         rotate the credentials it could read (tokens, cloud keys, SSH keys, .env files){}",
        p.name,
        match &m.fix {
            Some(fix) => format!("; {fix} is outside the advisory's affected versions"),
            None => String::new(),
        }
    );
    let f = Finding::new(
        &RULE,
        format!(
            "{} {version} is a known-malicious release: {}: {}",
            p.name,
            ids(m),
            if m.summary.is_empty() {
                "malicious code"
            } else {
                &m.summary
            }
        ),
    )
    .package(p)
    .remediation(remediation);
    located(evidence(f, m), p)
}
