//! TG216: an npm tarball whose bytes contradict the `integrity` the
//! lockfile pinned for the same name and version.

use crate::finding::{Finding, Location, RuleMeta, Severity};
use crate::model::{Ecosystem, Package};
use base64::Engine;
use sha2::{Digest, Sha512};
use std::path::Path;

pub const META: RuleMeta = RuleMeta {
    id: "TG216",
    name: "lockfile-integrity-mismatch",
    severity: Severity::High,
    summary: "An npm tarball at hand whose sha512 differs from the lockfile's integrity for the same name@version",
};

/// Compares `tarball` (an npm package `name@version`) with every lockfile
/// entry of the inventory for that name and version that pins a sha512.
pub fn check(
    tarball: &Path,
    display: &str,
    name: &str,
    version: &str,
    packages: &[Package],
) -> Option<Finding> {
    // Merged packages carry every input's digests, the tarball's own among
    // them: any other sha512 recorded for a package a lockfile pins is one
    // the tarball contradicts (one name@version has one tarball).
    let bytes = std::fs::read(tarball).ok()?;
    let actual = hex::encode(Sha512::digest(&bytes));
    let pinned: Vec<&str> = packages
        .iter()
        .filter(|p| {
            p.ecosystem == Ecosystem::Npm
                && p.name == name
                && p.version.as_deref() == Some(version)
                && p.sources.iter().any(|s| s.kind.is_lockfile())
        })
        .flat_map(|p| p.hashes.iter())
        .filter(|h| h.algorithm == "sha512" && h.value != actual)
        .map(|h| h.value.as_str())
        .collect();
    if pinned.is_empty() {
        return None;
    }
    let sri = |hex_digest: &str| {
        hex::decode(hex_digest)
            .map(|raw| {
                format!(
                    "sha512-{}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                )
            })
            .unwrap_or_else(|_| hex_digest.to_string())
    };
    let mut f = Finding::new(&META, format!("{name}@{version}: tarball does not match the lockfile integrity"))
        .location(Location::file(display))
        .evidence(format!("tarball: {}", sri(&actual)))
        .remediation("Do not install this tarball: fetch the package again from your registry and compare; a mismatch means the file was altered or the lockfile points at other bytes.");
    for p in pinned {
        f = f.evidence(format!("lockfile: {}", sri(p)));
    }
    f.package = Some(crate::finding::PackageRef::new(
        Ecosystem::Npm,
        name,
        Some(version),
    ));
    Some(f)
}
