//! SPDX 2.3 JSON: a package per dependency (purl as a PACKAGE-MANAGER
//! external reference, checksums, declared licence), a package per model file
//! (purpose FILE), the subject as the package the document DESCRIBES, and
//! DEPENDS_ON relationships for the graph. Matched advisories are SECURITY
//! `advisory` references of the packages they affect.
//!
//! `licenseConcluded` is NOASSERTION: tollgate reports what packages
//! declare; concluding a licence is the reviewer's call. The
//! `documentNamespace` is a `urn:uuid:` derived from the rest of the
//! document, so identical inputs give identical bytes.

use super::cyclonedx::advisory_source;
use super::sbom::{Bom, Component, Model};
use crate::inventory::sbom_input::RECORD_HASH_COMMENT;
use crate::license::{self, License};
use crate::model::{Hash, Origin};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

const NOASSERTION: &str = "NOASSERTION";
const SUBJECT_ID: &str = "SPDXRef-Subject";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<Package>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicense>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
    license_list_version: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package_file_name: Option<String>,
    download_location: String,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum>,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_package_purpose: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: &'static str,
    checksum_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicense {
    license_id: String,
    extracted_text: String,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

/// Renders the document, pretty-printed, with a trailing newline.
pub fn render(bom: &Bom) -> String {
    let ids = spdx_ids(bom);
    let refs = license_refs(bom);
    let advisories = advisories_by_component(bom);
    let mut packages = vec![subject(bom)];
    packages.extend(bom.components.iter().map(|c| {
        package(
            c,
            &ids,
            &refs,
            advisories.get(c.bom_ref.as_str()).map(Vec::as_slice),
        )
    }));
    packages.extend(bom.models.iter().map(|m| model(m, &ids)));
    let mut doc = Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: bom.subject.name.clone(),
        document_namespace: String::new(),
        creation_info: CreationInfo {
            created: bom.created.clone(),
            creators: vec![format!("Tool: tollgate-{}", env!("CARGO_PKG_VERSION"))],
            license_list_version: list_version(),
        },
        packages,
        has_extracted_licensing_infos: refs
            .iter()
            .map(|(name, id)| ExtractedLicense {
                license_id: id.clone(),
                extracted_text: name.to_string(),
                name: name.to_string(),
            })
            .collect(),
        relationships: relationships(bom, &ids),
    };
    let body = serde_json::to_vec(&doc).unwrap_or_default();
    doc.document_namespace = format!("urn:uuid:{}", super::sbom::content_uuid(&body));
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// `3.28` of `3.28.0`: SPDX wants major.minor.
fn list_version() -> String {
    license::LIST_VERSION
        .splitn(3, '.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".")
}

/// SPDXIDs by bom-ref: letters, digits, `.` and `-`, unique.
fn spdx_ids(bom: &Bom) -> BTreeMap<&str, String> {
    let mut taken = BTreeSet::new();
    let mut out = BTreeMap::new();
    for c in &bom.components {
        let p = &c.package;
        let base = format!(
            "SPDXRef-Package-{}-{}-{}",
            p.ecosystem,
            p.name,
            p.version.as_deref().unwrap_or("unversioned")
        );
        out.insert(c.bom_ref.as_str(), claim(&mut taken, &sanitize(&base)));
    }
    for m in &bom.models {
        let base = format!("SPDXRef-Model-{}", m.artifact.path);
        out.insert(m.bom_ref.as_str(), claim(&mut taken, &sanitize(&base)));
    }
    out
}

fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn claim(taken: &mut BTreeSet<String>, base: &str) -> String {
    let mut id = base.to_string();
    let mut n = 1;
    while !taken.insert(id.clone()) {
        n += 1;
        id = format!("{base}-{n}");
    }
    id
}

/// A `LicenseRef-` per named licence (distinct names never share one).
fn license_refs(bom: &Bom) -> BTreeMap<&str, String> {
    let mut taken = BTreeSet::new();
    bom.named_licenses()
        .into_iter()
        .map(|name| (name, claim(&mut taken, &license::license_ref(name))))
        .collect()
}

fn advisories_by_component(bom: &Bom) -> BTreeMap<&str, Vec<&str>> {
    let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for v in &bom.vulnerabilities {
        for a in &v.affects {
            out.entry(a.bom_ref.as_str())
                .or_default()
                .push(v.advisory.id.as_str());
        }
    }
    out
}

fn subject(bom: &Bom) -> Package {
    Package {
        spdx_id: SUBJECT_ID.into(),
        name: bom.subject.name.clone(),
        version_info: bom.subject.version.clone(),
        package_file_name: None,
        download_location: NOASSERTION.into(),
        files_analyzed: false,
        checksums: Vec::new(),
        license_concluded: NOASSERTION,
        license_declared: NOASSERTION.into(),
        copyright_text: NOASSERTION,
        external_refs: Vec::new(),
        primary_package_purpose: Some("APPLICATION"),
        comment: None,
    }
}

fn package(
    c: &Component,
    ids: &BTreeMap<&str, String>,
    refs: &BTreeMap<&str, String>,
    advisories: Option<&[&str]>,
) -> Package {
    let p = &c.package;
    let mut checksums: Vec<Checksum> = p.hashes.iter().filter_map(checksum).collect();
    let mut comment = None;
    if let Some(r) = &c.record_sha256 {
        checksums.push(Checksum {
            algorithm: "SHA256",
            checksum_value: r.clone(),
        });
        comment = Some(RECORD_HASH_COMMENT.to_string());
    }
    let mut external_refs = vec![ExternalRef {
        reference_category: "PACKAGE-MANAGER",
        reference_type: "purl",
        reference_locator: p.purl.clone(),
    }];
    external_refs.extend(advisories.unwrap_or_default().iter().map(|id| ExternalRef {
        reference_category: "SECURITY",
        reference_type: "advisory",
        reference_locator: advisory_source(id).1,
    }));
    Package {
        spdx_id: ids.get(c.bom_ref.as_str()).cloned().unwrap_or_default(),
        name: p.name.clone(),
        version_info: p.version.clone(),
        package_file_name: None,
        download_location: download_location(p.origin.as_ref()),
        files_analyzed: false,
        checksums,
        license_concluded: NOASSERTION,
        license_declared: match &c.license {
            Some(License::Spdx(e)) => e.clone(),
            Some(License::Named(n)) => refs.get(n.as_str()).cloned().unwrap_or_default(),
            None => NOASSERTION.into(),
        },
        copyright_text: NOASSERTION,
        external_refs,
        primary_package_purpose: Some("LIBRARY"),
        comment,
    }
}

fn model(m: &Model, ids: &BTreeMap<&str, String>) -> Package {
    let a = &m.artifact;
    Package {
        spdx_id: ids.get(m.bom_ref.as_str()).cloned().unwrap_or_default(),
        name: m.file_name().to_string(),
        version_info: None,
        package_file_name: Some(a.path.clone()),
        download_location: NOASSERTION.into(),
        files_analyzed: false,
        checksums: a
            .sha256
            .iter()
            .map(|h| Checksum {
                algorithm: "SHA256",
                checksum_value: h.clone(),
            })
            .collect(),
        license_concluded: NOASSERTION,
        license_declared: NOASSERTION.into(),
        copyright_text: NOASSERTION,
        external_refs: Vec::new(),
        primary_package_purpose: Some("FILE"),
        comment: Some(format!(
            "Machine-learning model file: format {}, {} bytes.",
            a.format, a.size
        )),
    }
}

/// SPDX's algorithm name, when the digest is well-formed hex of its length.
fn checksum(h: &Hash) -> Option<Checksum> {
    let (algorithm, len) = match h.algorithm.as_str() {
        "md5" => ("MD5", 32),
        "sha1" => ("SHA1", 40),
        "sha224" => ("SHA224", 56),
        "sha256" => ("SHA256", 64),
        "sha384" => ("SHA384", 96),
        "sha512" => ("SHA512", 128),
        "sha3256" | "sha3_256" => ("SHA3-256", 64),
        "sha3384" | "sha3_384" => ("SHA3-384", 96),
        "sha3512" | "sha3_512" => ("SHA3-512", 128),
        "blake2b256" | "blake2b_256" => ("BLAKE2b-256", 64),
        "blake2b384" | "blake2b_384" => ("BLAKE2b-384", 96),
        "blake2b512" | "blake2b_512" => ("BLAKE2b-512", 128),
        _ => return None,
    };
    let ok = h.value.len() == len && h.value.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| Checksum {
        algorithm,
        checksum_value: h.value.clone(),
    })
}

/// Where the artifact came from, when the input names it; else NOASSERTION.
fn download_location(origin: Option<&Origin>) -> String {
    match origin {
        Some(Origin::Url { url }) => url.clone(),
        Some(Origin::Vcs { url, rev }) => {
            let url = if url.starts_with("git+") || url.starts_with("git://") {
                url.clone()
            } else {
                format!("git+{url}")
            };
            match rev {
                Some(r) => format!("{url}@{r}"),
                None => url,
            }
        }
        _ => NOASSERTION.into(),
    }
}

fn relationships(bom: &Bom, ids: &BTreeMap<&str, String>) -> Vec<Relationship> {
    let rel = |from: &str, kind: &'static str, to: &str| Relationship {
        spdx_element_id: from.to_string(),
        relationship_type: kind,
        related_spdx_element: to.to_string(),
    };
    let id = |r: &str| ids.get(r).cloned().unwrap_or_default();
    let mut out = vec![rel("SPDXRef-DOCUMENT", "DESCRIBES", SUBJECT_ID)];
    out.extend(
        bom.roots
            .iter()
            .map(|r| rel(SUBJECT_ID, "DEPENDS_ON", &id(r))),
    );
    for c in &bom.components {
        let from = id(&c.bom_ref);
        out.extend(
            c.depends_on
                .iter()
                .map(|d| rel(&from, "DEPENDS_ON", &id(d))),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sanitized_and_unique() {
        assert_eq!(
            sanitize("SPDXRef-Package-npm-@s/x-1.0.0+b"),
            "SPDXRef-Package-npm-s-x-1.0.0-b"
        );
        let mut t = BTreeSet::new();
        assert_eq!(claim(&mut t, "a"), "a");
        assert_eq!(claim(&mut t, "a"), "a-2");
        assert_eq!(list_version(), "3.28");
    }

    #[test]
    fn download_locations() {
        assert_eq!(download_location(None), "NOASSERTION");
        assert_eq!(
            download_location(Some(&Origin::Vcs {
                url: "https://example.invalid/r.git".into(),
                rev: Some("abc".into())
            })),
            "git+https://example.invalid/r.git@abc"
        );
        assert_eq!(
            download_location(Some(&Origin::Registry { url: None })),
            "NOASSERTION"
        );
    }
}
