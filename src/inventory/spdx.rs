//! SPDX 2.2/2.3 JSON SBOMs made elsewhere (GitHub's dependency graph
//! export, syft, tollgate's own), so their packages get advisory and policy
//! checks and can be a side of `diff`.
//!
//! Every package with a `pypi`, `npm` or `cargo` purl (a PACKAGE-MANAGER
//! external reference) becomes a package: version, checksums, the declared
//! licence (else the concluded one). `DEPENDS_ON`, `HAS_PREREQUISITE` and
//! their reverses (`*DEPENDENCY_OF`, `PREREQUISITE_FOR`) become edges. What
//! the document DESCRIBES is the subject (the project itself, as `npm sbom`
//! writes it, or a repository, as GitHub does), not one of its packages: its
//! dependencies (or what it CONTAINS) are the direct ones, as CycloneDX's
//! `metadata.component`. Packages of other ecosystems or without a purl are
//! skipped; fields are read leniently so one odd package does not hide the
//! others.

use super::sbom_input::{self, RECORD_HASH_COMMENT};
use super::text::{LineIndex, find_line, json_error, read_text};
use super::{Dep, Extract};
use crate::model::{Hash, InputKind, Origin};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Reads an SPDX JSON file.
pub fn extract(path: &Path, display: &str) -> Extract {
    match read_text(path) {
        Ok(t) => parse(&t, display),
        Err(e) => Extract::failed(InputKind::Spdx, display, None, e),
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// Parses SPDX JSON text (separate from I/O for tests and fuzzing).
pub fn parse(text: &str, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::Spdx, display);
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let (line, msg) = json_error(&e);
            ex.error(line, msg);
            return ex;
        }
    };
    match str_of(&doc, "spdxVersion") {
        Some(v) if v.starts_with("SPDX-2.") => {}
        other => {
            let found = other.map_or("no spdxVersion".to_string(), |v| format!("`{v}`"));
            ex.error(
                Some(1),
                format!("not an SPDX 2.x JSON document: expected `\"spdxVersion\": \"SPDX-2.3\"`, found {found}"),
            );
            return ex;
        }
    }
    let lines = LineIndex::new(text);
    let extracted = extracted_names(&doc);
    let (described, edges) = relationships(&doc);
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut cursor = 0;
    for p in array(&doc, "packages") {
        let id = str_of(p, "SPDXID");
        if id.is_some_and(|i| described.contains(i)) {
            continue;
        }
        let line = id
            .and_then(|i| serde_json::to_string(i).ok())
            .and_then(|needle| find_line(text, &lines, &needle, cursor))
            .map(|(line, at)| {
                cursor = at;
                line
            });
        let purl = array(p, "externalRefs")
            .find(|r| {
                matches!(
                    str_of(r, "referenceCategory"),
                    Some("PACKAGE-MANAGER" | "PACKAGE_MANAGER")
                ) && str_of(r, "referenceType") == Some("purl")
            })
            .and_then(|r| str_of(r, "referenceLocator"));
        let name = str_of(p, "name");
        let mut pkg = match sbom_input::package(purl, name, str_of(p, "versionInfo")) {
            Ok(Some(pkg)) => pkg,
            Ok(None) => continue,
            Err(e) => {
                ex.error(line, format!("{}: {e}", name.unwrap_or("a package")));
                continue;
            }
        };
        if str_of(p, "comment") != Some(RECORD_HASH_COMMENT) {
            for c in array(p, "checksums") {
                if let (Some(alg), Some(value)) =
                    (str_of(c, "algorithm"), str_of(c, "checksumValue"))
                    && !value.trim().is_empty()
                {
                    pkg.add_hash(Hash::new(alg, value));
                }
            }
        }
        pkg.license = license(p, &extracted);
        pkg.origin = str_of(p, "downloadLocation").and_then(origin);
        let idx = ex.push(pkg, line);
        if let Some(id) = id {
            by_id.entry(id).or_insert(idx);
        }
    }
    graph(&described, &edges, &by_id, &mut ex);
    ex
}

/// `LicenseRef-…` → the name (or text) the document gives it.
fn extracted_names(doc: &Value) -> HashMap<&str, &str> {
    array(doc, "hasExtractedLicensingInfos")
        .filter_map(|l| {
            let id = str_of(l, "licenseId")?;
            let name = str_of(l, "name")
                .or_else(|| str_of(l, "extractedText"))
                .filter(|n| !n.trim().is_empty() && n.len() <= 200)?;
            Some((id, name))
        })
        .collect()
}

/// The declared licence, else the concluded one; a lone `LicenseRef-` is
/// replaced by the name the document gives it.
fn license(p: &Value, extracted: &HashMap<&str, &str>) -> Option<String> {
    let pick = |k: &str| {
        str_of(p, k)
            .map(str::trim)
            .filter(|s| !s.is_empty() && !matches!(*s, "NOASSERTION" | "NONE"))
    };
    let l = pick("licenseDeclared").or_else(|| pick("licenseConcluded"))?;
    Some(extracted.get(l).map_or(l, |n| n).to_string())
}

fn origin(loc: &str) -> Option<Origin> {
    let loc = loc.trim();
    if matches!(loc, "" | "NOASSERTION" | "NONE") {
        return None;
    }
    if loc.starts_with("git+") || loc.starts_with("git://") {
        let (url, rev) = match loc.rsplit_once('@') {
            // `git+https://host/repo@rev`, not the `@` of `git+ssh://git@host`.
            Some((u, r)) if !r.contains('/') && u.contains("://") && u.len() > 6 => {
                (u.to_string(), Some(r.to_string()))
            }
            _ => (loc.to_string(), None),
        };
        return Some(Origin::Vcs { url, rev });
    }
    (loc.starts_with("http://") || loc.starts_with("https://")).then(|| Origin::Url {
        url: loc.to_string(),
    })
}

/// An edge: from, to, and whether it is a dependency (else containment).
type Edge<'a> = (&'a str, &'a str, bool);

/// The described elements, and every dependency or containment edge.
fn relationships(doc: &Value) -> (HashSet<&str>, Vec<Edge<'_>>) {
    let mut described: HashSet<&str> = array(doc, "documentDescribes")
        .filter_map(Value::as_str)
        .collect();
    let mut edges: Vec<Edge> = Vec::new();
    for r in array(doc, "relationships") {
        let (Some(a), Some(kind), Some(b)) = (
            str_of(r, "spdxElementId"),
            str_of(r, "relationshipType"),
            str_of(r, "relatedSpdxElement"),
        ) else {
            continue;
        };
        match kind {
            "DESCRIBES" if a == "SPDXRef-DOCUMENT" => {
                described.insert(b);
            }
            "DESCRIBED_BY" if b == "SPDXRef-DOCUMENT" => {
                described.insert(a);
            }
            "DEPENDS_ON" | "HAS_PREREQUISITE" => edges.push((a, b, true)),
            "CONTAINS" => edges.push((a, b, false)),
            "PREREQUISITE_FOR" => edges.push((b, a, true)),
            k if k.ends_with("DEPENDENCY_OF") => edges.push((b, a, true)),
            _ => {}
        }
    }
    (described, edges)
}

/// Edges between packages, and the subject's edges as roots.
fn graph(
    described: &HashSet<&str>,
    edges: &[Edge],
    by_id: &HashMap<&str, usize>,
    ex: &mut Extract,
) {
    let mut roots: Vec<Dep> = Vec::new();
    for &(from, to, dependency) in edges {
        let Some(&t) = by_id.get(to) else {
            continue;
        };
        if described.contains(from) {
            roots.push(Dep::to(t));
        } else if let Some(&f) = by_id.get(from)
            && dependency
            && f != t
            && let Some(node) = ex.nodes.get_mut(f)
        {
            node.deps.push(Dep::to(t));
        }
    }
    if !described.is_empty() {
        ex.roots = Some(roots);
    }
    ex.graph_known = !edges.is_empty();
}

/// Fuzz entry point: any bytes give an extract, never a panic.
pub fn fuzz(data: &[u8]) {
    sbom_input::check(parse(&String::from_utf8_lossy(data), "bom.spdx.json"));
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
  "spdxVersion": "SPDX-2.3",
  "SPDXID": "SPDXRef-DOCUMENT",
  "packages": [
    {"SPDXID": "SPDXRef-repo", "name": "octo/app", "downloadLocation": "NOASSERTION",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
       "referenceLocator": "pkg:github/octo/app"}]},
    {"SPDXID": "SPDXRef-npm-express-4.18.2", "name": "express", "versionInfo": "4.18.2",
     "downloadLocation": "NOASSERTION", "licenseConcluded": "MIT",
     "checksums": [{"algorithm": "SHA1", "checksumValue": "AB12"}],
     "externalRefs": [{"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl",
       "referenceLocator": "pkg:npm/express@4.18.2"}]},
    {"SPDXID": "SPDXRef-pypi-six", "name": "six", "versionInfo": "1.16.0",
     "downloadLocation": "git+https://git.invalid/six.git@abc", "licenseDeclared": "LicenseRef-Custom",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
       "referenceLocator": "pkg:pypi/six"}]},
    {"SPDXID": "SPDXRef-bad", "name": "bad",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
       "referenceLocator": "npm:bad"}]}
  ],
  "hasExtractedLicensingInfos": [{"licenseId": "LicenseRef-Custom", "extractedText": "...", "name": "Custom Licence"}],
  "relationships": [
    {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-repo"},
    {"spdxElementId": "SPDXRef-repo", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-npm-express-4.18.2"},
    {"spdxElementId": "SPDXRef-pypi-six", "relationshipType": "DEV_DEPENDENCY_OF", "relatedSpdxElement": "SPDXRef-npm-express-4.18.2"}
  ]
}"#;

    #[test]
    fn packages_relationships_and_errors() {
        let mut ex = parse(DOC, "sbom.spdx.json");
        super::super::graph::resolve(&mut ex, None);
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        assert_eq!(ids, ["express@4.18.2", "six@1.16.0"]);
        let express = &ex.nodes[0].package;
        assert_eq!(express.direct, Some(true));
        assert_eq!(express.license.as_deref(), Some("MIT"));
        assert_eq!(express.hashes, vec![Hash::new("sha1", "ab12")]);
        assert_eq!(express.dependencies, vec!["pkg:pypi/six@1.16.0"]);
        assert_eq!(express.sources[0].line, Some(8));
        let six = &ex.nodes[1].package;
        assert_eq!(six.direct, Some(false));
        assert_eq!(six.license.as_deref(), Some("Custom Licence"));
        assert!(matches!(&six.origin, Some(Origin::Vcs { rev: Some(r), .. }) if r == "abc"));
        assert_eq!(ex.errors.len(), 1);
        assert_eq!(ex.errors[0].line, Some(17));
    }

    #[test]
    fn malformed_documents() {
        let ex = parse(
            "{\"spdxVersion\": \"SPDX-2.3\",\n \"packages\": [}",
            "x.spdx.json",
        );
        assert_eq!(ex.errors[0].line, Some(2));
        let ex = parse("{\"spdxVersion\": \"SPDX-3.0\"}", "x.spdx.json");
        assert!(ex.errors[0].message.contains("SPDX-3.0"));
        let ex = parse(
            r#"{"spdxVersion": "SPDX-2.3", "packages": [7, {"externalRefs": "x"},
                {"name": "a", "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER",
                 "referenceType": "purl", "referenceLocator": "pkg:npm/a@1"}], "checksums": [1]}],
                "relationships": {}}"#,
            "x.spdx.json",
        );
        assert!(ex.errors.is_empty());
        assert_eq!(ex.nodes.len(), 1);
        assert_eq!(
            origin("git+ssh://git@host.invalid/r.git"),
            Some(Origin::Vcs {
                url: "git+ssh://git@host.invalid/r.git".into(),
                rev: None
            })
        );
    }

    #[test]
    fn fuzz_mutations() {
        let b = DOC.as_bytes();
        for i in (0..b.len()).step_by(3) {
            fuzz(&b[..i]);
            let mut m = b.to_vec();
            m[i] ^= 0x01;
            fuzz(&m);
        }
    }
}
