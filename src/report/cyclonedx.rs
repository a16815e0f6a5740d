//! CycloneDX 1.6 JSON: the subject as `metadata.component`, a `library`
//! component per package (purl, digests, declared licence), a
//! `machine-learning-model` component per model file, the dependency graph
//! and the matched advisories as `vulnerabilities`.
//!
//! The `serialNumber` is a UUID derived from the rest of the document, so
//! identical inputs (and `SOURCE_DATE_EPOCH`) give identical bytes.

use super::sbom::{Bom, Component as BomComponent, Model, SUBJECT_REF, Vulnerability as BomVuln};
use crate::finding::Severity;
use crate::inventory::sbom_input::{RECORD_HASH_PROPERTY, RECORD_HASH_VALUE};
use crate::license::License;
use crate::model::{Hash, Origin};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    bom_format: &'static str,
    spec_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    serial_number: Option<String>,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "String::is_empty")]
    bom_ref: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<HashOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct HashOut {
    alg: &'static str,
    content: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    License {
        license: LicenseOut,
    },
    Expression {
        expression: String,
        acknowledgement: &'static str,
    },
}

#[derive(Serialize)]
struct LicenseOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    acknowledgement: &'static str,
}

#[derive(Serialize)]
struct ExternalRef {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Property {
    name: &'static str,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

#[derive(Serialize)]
struct Vulnerability {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    id: String,
    source: Source,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<Reference>,
    ratings: Vec<Rating>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cwes: Vec<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recommendation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    affects: Vec<Affect>,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Reference {
    id: String,
    source: Source,
}

#[derive(Serialize)]
struct Rating {
    source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vector: Option<String>,
}

#[derive(Serialize)]
struct Affect {
    #[serde(rename = "ref")]
    reference: String,
    versions: Vec<AffectedVersion>,
}

#[derive(Serialize)]
struct AffectedVersion {
    version: String,
    status: &'static str,
}

/// Renders the document, pretty-printed, with a trailing newline.
pub fn render(bom: &Bom) -> String {
    let mut doc = Document {
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: None,
        version: 1,
        metadata: metadata(bom),
        components: bom
            .components
            .iter()
            .map(component)
            .chain(bom.models.iter().map(model))
            .collect(),
        dependencies: dependencies(bom),
        vulnerabilities: bom.vulnerabilities.iter().map(vulnerability).collect(),
    };
    let body = serde_json::to_vec(&doc).unwrap_or_default();
    doc.serial_number = Some(format!("urn:uuid:{}", super::sbom::content_uuid(&body)));
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn metadata(bom: &Bom) -> Metadata {
    let tool = Component {
        kind: "application",
        name: "tollgate".into(),
        version: Some(env!("CARGO_PKG_VERSION").into()),
        ..Component::default()
    };
    let subject = Component {
        kind: "application",
        bom_ref: SUBJECT_REF.into(),
        name: bom.subject.name.clone(),
        version: bom.subject.version.clone(),
        ..Component::default()
    };
    let mut properties = Vec::new();
    if let Some(a) = &bom.advisory_data {
        properties.push(Property {
            name: "tollgate:advisory-data",
            value: a.clone(),
        });
    }
    Metadata {
        timestamp: bom.created.clone(),
        tools: Tools {
            components: vec![tool],
        },
        component: subject,
        properties,
    }
}

fn component(c: &BomComponent) -> Component {
    let p = &c.package;
    let (group, name) = c.group_and_name();
    let mut hashes: Vec<HashOut> = p.hashes.iter().filter_map(hash).collect();
    let mut properties = Vec::new();
    if let Some(r) = &c.record_sha256 {
        hashes.push(HashOut {
            alg: "SHA-256",
            content: r.clone(),
        });
        properties.push(Property {
            name: RECORD_HASH_PROPERTY,
            value: RECORD_HASH_VALUE.into(),
        });
    }
    let mut sources: Vec<&str> = p.sources.iter().map(|s| s.path.as_str()).collect();
    sources.dedup();
    properties.extend(sources.into_iter().map(|s| Property {
        name: "tollgate:source",
        value: s.to_string(),
    }));
    Component {
        kind: "library",
        bom_ref: c.bom_ref.clone(),
        group: group.map(str::to_string),
        name: name.to_string(),
        version: p.version.clone(),
        hashes,
        licenses: license(c.license.as_ref()),
        purl: Some(p.purl.clone()),
        external_references: external_refs(p.origin.as_ref()),
        properties,
        ..Component::default()
    }
}

fn model(m: &Model) -> Component {
    let a = &m.artifact;
    Component {
        kind: "machine-learning-model",
        bom_ref: m.bom_ref.clone(),
        name: m.file_name().to_string(),
        description: Some(format!("{} model file", a.format)),
        hashes: a
            .sha256
            .iter()
            .map(|h| HashOut {
                alg: "SHA-256",
                content: h.clone(),
            })
            .collect(),
        properties: vec![
            Property {
                name: "tollgate:model-format",
                value: a.format.clone(),
            },
            Property {
                name: "tollgate:path",
                value: a.path.clone(),
            },
            Property {
                name: "tollgate:size",
                value: a.size.to_string(),
            },
        ],
        ..Component::default()
    }
}

/// CycloneDX's algorithm name, when the digest is well-formed hex of its length.
fn hash(h: &Hash) -> Option<HashOut> {
    let (alg, len) = match h.algorithm.as_str() {
        "md5" => ("MD5", 32),
        "sha1" => ("SHA-1", 40),
        "sha256" => ("SHA-256", 64),
        "sha384" => ("SHA-384", 96),
        "sha512" => ("SHA-512", 128),
        "sha3256" | "sha3_256" => ("SHA3-256", 64),
        "sha3384" | "sha3_384" => ("SHA3-384", 96),
        "sha3512" | "sha3_512" => ("SHA3-512", 128),
        "blake2b256" | "blake2b_256" => ("BLAKE2b-256", 64),
        "blake2b512" | "blake2b_512" => ("BLAKE2b-512", 128),
        _ => return None,
    };
    let ok = h.value.len() == len && h.value.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| HashOut {
        alg,
        content: h.value.clone(),
    })
}

fn license(l: Option<&License>) -> Vec<LicenseChoice> {
    let Some(l) = l else {
        return Vec::new();
    };
    let choice = match (l, l.single_id()) {
        (_, Some(id)) => LicenseChoice::License {
            license: LicenseOut {
                id: Some(id.to_string()),
                name: None,
                acknowledgement: "declared",
            },
        },
        (License::Spdx(e), None) => LicenseChoice::Expression {
            expression: e.clone(),
            acknowledgement: "declared",
        },
        (License::Named(n), None) => LicenseChoice::License {
            license: LicenseOut {
                id: None,
                name: Some(n.clone()),
                acknowledgement: "declared",
            },
        },
    };
    vec![choice]
}

fn external_refs(origin: Option<&Origin>) -> Vec<ExternalRef> {
    match origin {
        Some(Origin::Vcs { url, rev }) => vec![ExternalRef {
            kind: "vcs",
            url: match rev {
                Some(r) => format!("{url}#{r}"),
                None => url.clone(),
            },
        }],
        Some(Origin::Url { url }) => vec![ExternalRef {
            kind: "distribution",
            url: url.clone(),
        }],
        _ => Vec::new(),
    }
}

fn dependencies(bom: &Bom) -> Vec<Dependency> {
    let mut out = vec![Dependency {
        reference: SUBJECT_REF.into(),
        depends_on: bom.roots.clone(),
    }];
    out.extend(bom.components.iter().map(|c| Dependency {
        reference: c.bom_ref.clone(),
        depends_on: c.depends_on.clone(),
    }));
    out.extend(bom.models.iter().map(|m| Dependency {
        reference: m.bom_ref.clone(),
        depends_on: Vec::new(),
    }));
    out
}

/// The advisory page of an id: GHSA and CVE at their home, others at OSV.
pub fn advisory_source(id: &str) -> (&'static str, String) {
    if id.starts_with("GHSA-") {
        (
            "GitHub Advisory Database",
            format!("https://github.com/advisories/{id}"),
        )
    } else if id.starts_with("CVE-") {
        ("NVD", format!("https://nvd.nist.gov/vuln/detail/{id}"))
    } else {
        ("OSV", format!("https://osv.dev/vulnerability/{id}"))
    }
}

fn source(id: &str) -> Source {
    let (name, url) = advisory_source(id);
    Source { name, url }
}

fn vulnerability(v: &BomVuln) -> Vulnerability {
    let m = &v.advisory;
    let method = m.vector.as_deref().and_then(|vec| {
        Some(match vec {
            v if v.starts_with("CVSS:4.0/") => "CVSSv4",
            v if v.starts_with("CVSS:3.1/") => "CVSSv31",
            v if v.starts_with("CVSS:3.0/") => "CVSSv3",
            v if v.starts_with("AV:") => "CVSSv2",
            _ => return None,
        })
    });
    let rating = Rating {
        source: Source {
            name: "OSV",
            url: format!("https://osv.dev/vulnerability/{}", m.id),
        },
        score: m.score.filter(|s| s.is_finite()),
        severity: severity(m.severity),
        method: method.or(m.score.map(|_| "other")),
        vector: m.vector.clone().filter(|_| method.is_some()),
    };
    Vulnerability {
        bom_ref: format!("vuln:{}", m.id),
        id: m.id.clone(),
        source: source(&m.id),
        references: m
            .aliases
            .iter()
            .filter(|a| **a != m.id)
            .map(|a| Reference {
                id: a.clone(),
                source: source(a),
            })
            .collect(),
        ratings: vec![rating],
        // CWE-506: Embedded Malicious Code.
        cwes: if m.malicious { vec![506] } else { Vec::new() },
        description: Some(m.summary.clone()).filter(|s| !s.is_empty()),
        recommendation: recommendation(v),
        updated: Some(m.modified.clone()).filter(|s| !s.is_empty()),
        affects: v
            .affects
            .iter()
            .map(|a| {
                let mut versions = vec![AffectedVersion {
                    version: a.version.clone(),
                    status: "affected",
                }];
                if let Some(f) = &a.fix {
                    versions.push(AffectedVersion {
                        version: f.clone(),
                        status: "unaffected",
                    });
                }
                Affect {
                    reference: a.bom_ref.clone(),
                    versions,
                }
            })
            .collect(),
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
    }
}

/// What to do, per affected package: the fixed version, or removal for a
/// malicious release.
pub fn recommendation(v: &BomVuln) -> Option<String> {
    let parts: Vec<String> = v
        .affects
        .iter()
        .map(|a| match (&a.fix, v.advisory.malicious) {
            (_, true) => format!(
                "remove {}@{} (a known-malicious release) and rotate the credentials it could reach",
                a.name, a.version
            ),
            (Some(f), false) => format!("upgrade {} from {} to {f} or later", a.name, a.version),
            (None, false) => format!("no fixed version of {} is known", a.name),
        })
        .collect();
    let mut parts = parts;
    parts.dedup();
    (!parts.is_empty()).then(|| {
        let mut s = parts.join("; ");
        if let Some(first) = s.get(..1) {
            s = format!("{}{}", first.to_uppercase(), s.get(1..).unwrap_or(""));
        }
        s
    })
}
