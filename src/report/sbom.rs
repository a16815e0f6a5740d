//! What both SBOM writers (`cyclonedx`, `spdx`) render: the scanned subject,
//! one component per package and model file with its digests and normalised
//! licence, the dependency graph, and the advisories that match. Everything
//! is sorted, so the same inputs give the same document byte for byte.

use crate::inventory::{Inventory, ModelArtifact};
use crate::license::{self, License};
use crate::model::{Ecosystem, InputKind, Package};
use crate::osv::Match;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the SBOM describes (CycloneDX `metadata.component`, SPDX's DESCRIBES).
#[derive(Clone, Debug)]
pub struct Subject {
    pub name: String,
    pub version: Option<String>,
}

/// One package.
#[derive(Clone, Debug)]
pub struct Component {
    /// Unique in the document: the purl (with `#2`… on a clash).
    pub bom_ref: String,
    pub package: Package,
    pub license: Option<License>,
    /// For an installed Python distribution, which records no artifact
    /// digest: the SHA-256 of its `RECORD` (which lists every installed
    /// file's SHA-256). Only set when `package.hashes` is empty.
    pub record_sha256: Option<String>,
    /// bom-refs of the components this one depends on.
    pub depends_on: Vec<String>,
}

impl Component {
    /// npm scope (`@types`) and the name without it: CycloneDX `group`/`name`.
    pub fn group_and_name(&self) -> (Option<&str>, &str) {
        let n = self.package.name.as_str();
        match (self.package.ecosystem, n.split_once('/')) {
            (Ecosystem::Npm, Some((scope, rest))) if scope.starts_with('@') && !rest.is_empty() => {
                (Some(scope), rest)
            }
            _ => (None, n),
        }
    }
}

/// One model file.
#[derive(Clone, Debug)]
pub struct Model {
    pub bom_ref: String,
    pub artifact: ModelArtifact,
}

impl Model {
    /// The file name (the display path's last component).
    pub fn file_name(&self) -> &str {
        let p = self.artifact.path.as_str();
        p.rsplit(['/', '\\'])
            .next()
            .filter(|n| !n.is_empty())
            .unwrap_or(p)
    }
}

/// One affected component of an advisory.
#[derive(Clone, Debug)]
pub struct Affected {
    pub bom_ref: String,
    pub name: String,
    pub version: String,
    /// The smallest fixed version above the installed one.
    pub fix: Option<String>,
}

/// One advisory and every component it affects.
#[derive(Clone, Debug)]
pub struct Vulnerability {
    /// The match of the first affected component (ids, summary, rating).
    pub advisory: Match,
    pub affects: Vec<Affected>,
}

/// The whole document's content.
#[derive(Clone, Debug)]
pub struct Bom {
    pub subject: Subject,
    /// Creation time, RFC 3339 UTC to the second.
    pub created: String,
    pub components: Vec<Component>,
    pub models: Vec<Model>,
    /// bom-refs the subject depends on directly (components and models).
    pub roots: Vec<String>,
    pub vulnerabilities: Vec<Vulnerability>,
    /// The advisory data the vulnerabilities come from, when matched.
    pub advisory_data: Option<String>,
}

/// The bom-ref of the subject.
pub const SUBJECT_REF: &str = "subject";

impl Bom {
    /// Assembles the document from an inventory, the `RECORD` digests of
    /// installed distributions ([`record_digests`]) and the advisory
    /// matches per package purl.
    pub fn build(
        inv: Inventory,
        subject: Subject,
        created: String,
        records: &HashMap<String, String>,
        matches: &BTreeMap<String, Vec<Match>>,
    ) -> Bom {
        let mut packages = inv.packages;
        packages.sort_by(|a, b| a.purl.cmp(&b.purl));
        let mut taken = BTreeSet::new();
        let refs: Vec<String> = packages
            .iter()
            .map(|p| unique(&mut taken, &p.purl))
            .collect();
        let by_purl: HashMap<&str, &str> = packages
            .iter()
            .zip(&refs)
            .map(|(p, r)| (p.purl.as_str(), r.as_str()))
            .collect();
        let mut depended = BTreeSet::new();
        let mut components = Vec::with_capacity(packages.len());
        for (p, r) in packages.iter().zip(&refs) {
            let mut depends_on: Vec<String> = p
                .dependencies
                .iter()
                .filter_map(|d| by_purl.get(d.as_str()))
                .filter(|d| **d != r.as_str())
                .map(|d| d.to_string())
                .collect();
            depends_on.sort();
            depends_on.dedup();
            depended.extend(depends_on.iter().cloned());
            components.push(Component {
                bom_ref: r.clone(),
                license: p.license.as_deref().and_then(license::normalize),
                record_sha256: records
                    .get(&p.purl)
                    .filter(|_| p.hashes.is_empty())
                    .cloned(),
                package: p.clone(),
                depends_on,
            });
        }
        let models: Vec<Model> = inv
            .artifacts
            .into_iter()
            .map(|a| Model {
                bom_ref: unique(&mut taken, &format!("model:{}", a.path)),
                artifact: a,
            })
            .collect();
        let mut roots: Vec<String> = components
            .iter()
            .filter(|c| match c.package.direct {
                Some(d) => d,
                // The input does not say: a root if nothing depends on it.
                None => !depended.contains(&c.bom_ref),
            })
            .map(|c| c.bom_ref.clone())
            .chain(models.iter().map(|m| m.bom_ref.clone()))
            .collect();
        roots.sort();
        let vulnerabilities = group_vulnerabilities(&components, matches);
        Bom {
            subject,
            created,
            components,
            models,
            roots,
            vulnerabilities,
            advisory_data: None,
        }
    }

    /// Every named (non-SPDX) licence, sorted, for SPDX `LicenseRef-`s.
    pub fn named_licenses(&self) -> BTreeSet<&str> {
        self.components
            .iter()
            .filter_map(|c| match &c.license {
                Some(License::Named(n)) => Some(n.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// `base`, or `base#2`, `base#3`… when taken.
fn unique(taken: &mut BTreeSet<String>, base: &str) -> String {
    let mut r = base.to_string();
    let mut n = 1;
    while taken.contains(&r) {
        n += 1;
        r = format!("{base}#{n}");
    }
    taken.insert(r.clone());
    r
}

fn group_vulnerabilities(
    components: &[Component],
    matches: &BTreeMap<String, Vec<Match>>,
) -> Vec<Vulnerability> {
    let mut by_id: BTreeMap<String, Vulnerability> = BTreeMap::new();
    for c in components {
        let (Some(found), Some(version)) = (matches.get(&c.package.purl), &c.package.version)
        else {
            continue;
        };
        for m in found {
            let affected = Affected {
                bom_ref: c.bom_ref.clone(),
                name: c.package.name.clone(),
                version: version.clone(),
                fix: m.fix.clone(),
            };
            let v = by_id.entry(m.id.clone()).or_insert_with(|| Vulnerability {
                advisory: m.clone(),
                affects: Vec::new(),
            });
            for a in &m.aliases {
                if !v.advisory.aliases.contains(a) {
                    v.advisory.aliases.push(a.clone());
                }
            }
            v.affects.push(affected);
        }
    }
    let mut out: Vec<Vulnerability> = by_id.into_values().collect();
    for v in &mut out {
        v.advisory.aliases.sort();
        v.affects.sort_by(|a, b| a.bom_ref.cmp(&b.bom_ref));
    }
    out
}

/// SHA-256 of the `RECORD` of every installed Python distribution without
/// an artifact digest, by purl, read in parallel. A missing or unreadable
/// RECORD gives no entry.
pub fn record_digests(packages: &[Package]) -> HashMap<String, String> {
    packages
        .par_iter()
        .filter(|p| p.hashes.is_empty() && p.sources.iter().any(|s| s.kind == InputKind::DistInfo))
        .filter_map(|p| {
            let dir = p.install_path.as_deref()?;
            if !dir.ends_with(".dist-info") {
                return None;
            }
            let bytes = std::fs::read(std::path::Path::new(dir).join("RECORD")).ok()?;
            Some((p.purl.clone(), hex::encode(Sha256::digest(&bytes))))
        })
        .collect()
}

/// A deterministic RFC 9562 UUID (version 8) from a document's bytes, for
/// CycloneDX `serialNumber` and the SPDX `documentNamespace`.
pub fn content_uuid(bytes: &[u8]) -> String {
    let mut d: [u8; 32] = Sha256::digest(bytes).into();
    d[6] = (d[6] & 0x0f) | 0x80;
    d[8] = (d[8] & 0x3f) | 0x80;
    let h = hex::encode(&d[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The creation time: `SOURCE_DATE_EPOCH` (seconds since 1970) when given,
/// else now; RFC 3339 in UTC to the second.
pub fn creation_time(source_date_epoch: Option<&str>) -> Result<String, String> {
    let ts = match source_date_epoch.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            let secs: i64 = s.parse().map_err(|_| {
                format!("SOURCE_DATE_EPOCH `{s}`: expected whole seconds since 1970-01-01")
            })?;
            jiff::Timestamp::from_second(secs)
                .map_err(|e| format!("SOURCE_DATE_EPOCH `{s}`: {e}"))?
        }
        None => jiff::Timestamp::now(),
    };
    Ok(ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(eco: Ecosystem, name: &str, v: &str, deps: &[&str]) -> Package {
        let mut p = Package::new(eco, name, Some(v));
        p.dependencies = deps.iter().map(|s| s.to_string()).collect();
        p
    }

    #[test]
    fn graph_roots_and_refs() {
        let mut inv = Inventory::default();
        let mut app = pkg(
            Ecosystem::Npm,
            "app-lib",
            "1.0.0",
            &["pkg:npm/%40s/dep@2.0.0", "pkg:npm/gone@1"],
        );
        app.direct = Some(true);
        let mut dep = pkg(Ecosystem::Npm, "@s/dep", "2.0.0", &[]);
        dep.direct = Some(false);
        let loose = pkg(Ecosystem::Pypi, "Loose_Pkg", "3", &[]);
        inv.packages = vec![loose, dep, app];
        inv.artifacts.push(ModelArtifact {
            path: "models/m.pt".into(),
            format: "pytorch".into(),
            size: 3,
            sha256: Some("ab".repeat(32)),
        });
        let bom = Bom::build(
            inv,
            Subject {
                name: "s".into(),
                version: None,
            },
            "2024-01-01T00:00:00Z".into(),
            &HashMap::new(),
            &BTreeMap::new(),
        );
        let refs: Vec<&str> = bom.components.iter().map(|c| c.bom_ref.as_str()).collect();
        assert_eq!(
            refs,
            [
                "pkg:npm/%40s/dep@2.0.0",
                "pkg:npm/app-lib@1.0.0",
                "pkg:pypi/loose-pkg@3"
            ]
        );
        // A dependency outside the inventory is dropped.
        assert_eq!(bom.components[1].depends_on, ["pkg:npm/%40s/dep@2.0.0"]);
        assert_eq!(
            bom.roots,
            [
                "model:models/m.pt",
                "pkg:npm/app-lib@1.0.0",
                "pkg:pypi/loose-pkg@3"
            ]
        );
        assert_eq!(bom.components[0].group_and_name(), (Some("@s"), "dep"));
        assert_eq!(bom.models[0].file_name(), "m.pt");
    }

    #[test]
    fn uuids_and_times() {
        let u = content_uuid(b"x");
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "8");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(u, content_uuid(b"x"));
        assert_ne!(u, content_uuid(b"y"));
        assert_eq!(creation_time(Some("0")).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(
            creation_time(Some("1700000000")).unwrap(),
            "2023-11-14T22:13:20Z"
        );
        assert!(creation_time(Some("yesterday")).is_err());
        assert!(creation_time(None).unwrap().ends_with('Z'));
    }

    #[test]
    fn unique_refs() {
        let mut t = BTreeSet::new();
        assert_eq!(unique(&mut t, "a"), "a");
        assert_eq!(unique(&mut t, "a"), "a#2");
        assert_eq!(unique(&mut t, "a"), "a#3");
    }
}
