//! CycloneDX JSON SBOMs made elsewhere (spec 1.2 to 1.7), so their packages
//! get advisory and policy checks and can be a side of `diff`.
//!
//! Every component with a `pypi`, `npm` or `cargo` purl becomes a package
//! (nested components included): version, hashes, declared licences and a
//! VCS or distribution URL. `dependencies` become the edges, and what
//! `metadata.component` depends on are the direct dependencies. Components
//! of other ecosystems, without a purl, or that are not packages (files,
//! models) are skipped; the document is read leniently, field by field, so
//! one odd component does not hide the others.

use super::sbom_input::{self, RECORD_HASH_PROPERTY, RECORD_HASH_VALUE};
use super::text::{LineIndex, find_line, json_error, read_text};
use super::{Dep, Extract};
use crate::model::{Hash, InputKind, Origin};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// Deepest nesting of `components` followed.
const MAX_NESTING: usize = 32;

/// Reads a CycloneDX JSON file.
pub fn extract(path: &Path, display: &str) -> Extract {
    match read_text(path) {
        Ok(t) => parse(&t, display),
        Err(e) => Extract::failed(InputKind::Cyclonedx, display, None, e),
    }
}

/// Parses CycloneDX JSON text (separate from I/O for tests and fuzzing).
pub fn parse(text: &str, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::Cyclonedx, display);
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let (line, msg) = json_error(&e);
            ex.error(line, msg);
            return ex;
        }
    };
    if doc.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        ex.error(
            Some(1),
            "not a CycloneDX document: expected `\"bomFormat\": \"CycloneDX\"`",
        );
        return ex;
    }
    let mut r = Reader {
        text,
        lines: LineIndex::new(text),
        cursor: 0,
        by_ref: HashMap::new(),
    };
    let mut flat = Vec::new();
    flatten(doc.get("components"), 0, &mut flat);
    for c in flat {
        r.component(c, &mut ex);
    }
    let subject = doc
        .pointer("/metadata/component/bom-ref")
        .and_then(Value::as_str);
    r.graph(doc.get("dependencies"), subject, &mut ex);
    ex
}

/// Components depth-first, in document order.
fn flatten<'a>(list: Option<&'a Value>, depth: usize, out: &mut Vec<&'a Value>) {
    if depth > MAX_NESTING {
        return;
    }
    for c in list.and_then(Value::as_array).into_iter().flatten() {
        out.push(c);
        flatten(c.get("components"), depth + 1, out);
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

struct Reader<'a> {
    text: &'a str,
    lines: LineIndex,
    /// Components appear in text order: search for the next from here.
    cursor: usize,
    by_ref: HashMap<String, usize>,
}

impl Reader<'_> {
    /// The line of a string value, searching on from the previous component.
    fn line_of(&mut self, s: &str) -> Option<u32> {
        let needle = serde_json::to_string(s).ok()?;
        let found = find_line(self.text, &self.lines, &needle, self.cursor)
            .or_else(|| find_line(self.text, &self.lines, &needle, 0));
        let (line, at) = found?;
        self.cursor = at;
        Some(line)
    }

    fn component(&mut self, c: &Value, ex: &mut Extract) {
        let kind = str_of(c, "type").unwrap_or("library");
        if matches!(kind, "file" | "machine-learning-model" | "data" | "device") {
            return;
        }
        let purl = str_of(c, "purl");
        let line = purl.and_then(|p| self.line_of(p));
        let name = match (str_of(c, "group"), str_of(c, "name")) {
            (Some(g), Some(n)) if g.starts_with('@') => Some(format!("{g}/{n}")),
            (_, n) => n.map(str::to_string),
        };
        let pkg = match sbom_input::package(purl, name.as_deref(), str_of(c, "version")) {
            Ok(Some(p)) => p,
            Ok(None) => return,
            Err(e) => {
                let what = name.as_deref().unwrap_or("a component");
                ex.error(line, format!("{what}: {e}"));
                return;
            }
        };
        let mut pkg = pkg;
        let record_digest = array(c, "properties").any(|p| {
            str_of(p, "name") == Some(RECORD_HASH_PROPERTY)
                && str_of(p, "value") == Some(RECORD_HASH_VALUE)
        });
        if !record_digest {
            for h in array(c, "hashes") {
                if let (Some(alg), Some(content)) = (str_of(h, "alg"), str_of(h, "content"))
                    && !content.trim().is_empty()
                {
                    pkg.add_hash(Hash::new(alg, content));
                }
            }
        }
        pkg.license = licenses(c);
        pkg.origin = origin(c);
        let idx = ex.push(pkg, line);
        if let Some(r) = str_of(c, "bom-ref") {
            self.by_ref.entry(r.to_string()).or_insert(idx);
        }
    }

    /// `dependencies`: edges between components, and the subject's as roots.
    fn graph(&self, deps: Option<&Value>, subject: Option<&str>, ex: &mut Extract) {
        let Some(deps) = deps.and_then(Value::as_array) else {
            return;
        };
        for d in deps {
            let Some(from) = str_of(d, "ref") else {
                continue;
            };
            let targets: Vec<Dep> = array(d, "dependsOn")
                .filter_map(Value::as_str)
                .filter_map(|t| self.by_ref.get(t))
                .map(|&t| Dep::to(t))
                .collect();
            if Some(from) == subject {
                ex.roots.get_or_insert_with(Vec::new).extend(targets);
            } else if let Some(&i) = self.by_ref.get(from)
                && let Some(node) = ex.nodes.get_mut(i)
            {
                node.deps.extend(targets);
            }
        }
        ex.graph_known = true;
    }
}

/// The declared licences: ids, expressions and names, all applying.
fn licenses(c: &Value) -> Option<String> {
    let parts: Vec<String> = array(c, "licenses")
        .filter_map(|l| {
            str_of(l, "expression").map(str::to_string).or_else(|| {
                let lic = l.get("license")?;
                str_of(lic, "id")
                    .or_else(|| str_of(lic, "name"))
                    .map(str::to_string)
            })
        })
        .collect();
    sbom_input::join_licenses(&parts)
}

fn origin(c: &Value) -> Option<Origin> {
    array(c, "externalReferences").find_map(|r| {
        let url = str_of(r, "url")?.to_string();
        match str_of(r, "type")? {
            "vcs" => Some(match url.split_once('#') {
                Some((u, rev)) => Origin::Vcs {
                    url: u.to_string(),
                    rev: Some(rev.to_string()),
                },
                None => Origin::Vcs { url, rev: None },
            }),
            "distribution" => Some(Origin::Url { url }),
            _ => None,
        }
    })
}

/// Fuzz entry point: any bytes give an extract, never a panic.
pub fn fuzz(data: &[u8]) {
    sbom_input::check(parse(&String::from_utf8_lossy(data), "bom.json"));
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "metadata": {"component": {"type": "application", "bom-ref": "app", "name": "app"}},
  "components": [
    {"type": "library", "bom-ref": "r1", "name": "Requests", "version": "2.31.0",
     "purl": "pkg:pypi/requests@2.31.0",
     "hashes": [{"alg": "SHA-256", "content": "ABCD"}],
     "licenses": [{"license": {"id": "Apache-2.0"}}]},
    {"type": "library", "bom-ref": "u1", "name": "urllib3", "purl": "pkg:pypi/urllib3@2.0.7",
     "licenses": [{"expression": "MIT OR Apache-2.0"}, {"license": {"name": "Custom"}}]},
    {"type": "library", "bom-ref": "n1", "group": "@types", "name": "node", "version": "20.1.0",
     "purl": "pkg:npm/%40types/node@20.1.0",
     "components": [{"type": "library", "bom-ref": "inner", "name": "left-pad",
       "purl": "pkg:npm/left-pad@1.3.0",
       "externalReferences": [{"type": "vcs", "url": "https://git.invalid/lp.git#abc"}]}]},
    {"type": "library", "bom-ref": "j1", "name": "guava", "purl": "pkg:maven/com.google/guava@32"},
    {"type": "machine-learning-model", "bom-ref": "m1", "name": "model.pt"},
    {"type": "library", "bom-ref": "bad", "name": "broken", "purl": "npm/broken@1"},
    {"type": "library", "bom-ref": "rec", "name": "pip", "purl": "pkg:pypi/pip@23.2.1",
     "hashes": [{"alg": "SHA-256", "content": "ffff"}],
     "properties": [{"name": "tollgate:hash-of", "value": "installed RECORD file"}]}
  ],
  "dependencies": [
    {"ref": "app", "dependsOn": ["r1", "n1"]},
    {"ref": "r1", "dependsOn": ["u1", "missing"]},
    {"ref": "n1", "dependsOn": ["inner"]}
  ]
}"#;

    #[test]
    fn components_graph_and_errors() {
        let mut ex = parse(DOC, "bom.json");
        super::super::graph::resolve(&mut ex, None);
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        assert_eq!(
            ids,
            [
                "Requests@2.31.0",
                "urllib3@2.0.7",
                "@types/node@20.1.0",
                "left-pad@1.3.0",
                "pip@23.2.1"
            ]
        );
        let req = &ex.nodes[0].package;
        assert_eq!(req.hashes, vec![Hash::new("sha256", "abcd")]);
        assert_eq!(req.license.as_deref(), Some("Apache-2.0"));
        assert_eq!(req.direct, Some(true));
        assert_eq!(req.dependencies, vec!["pkg:pypi/urllib3@2.0.7"]);
        assert_eq!(req.sources[0].line, Some(7));
        let u = &ex.nodes[1].package;
        assert_eq!(u.license.as_deref(), Some("(MIT OR Apache-2.0) AND Custom"));
        assert_eq!(u.direct, Some(false));
        assert_eq!(u.introduced_by, vec!["pkg:pypi/requests@2.31.0"]);
        assert!(
            matches!(&ex.nodes[3].package.origin, Some(Origin::Vcs { rev: Some(r), .. }) if r == "abc")
        );
        // tollgate's own RECORD digest is not an artifact digest.
        assert!(ex.nodes[4].package.hashes.is_empty());
        assert_eq!(ex.errors.len(), 1);
        assert_eq!(ex.errors[0].line, Some(19));
        assert!(ex.errors[0].message.contains("broken"));
    }

    #[test]
    fn malformed_documents() {
        let ex = parse(
            "{\"bomFormat\": \"CycloneDX\",\n \"components\": [",
            "bom.json",
        );
        assert_eq!(ex.errors[0].line, Some(2));
        let ex = parse("{\"spdxVersion\": \"SPDX-2.3\"}", "bom.json");
        assert!(ex.errors[0].message.contains("not a CycloneDX document"));
        // Wrong types are skipped, not fatal.
        let ex = parse(
            r#"{"bomFormat": "CycloneDX", "components": [{"purl": 7}, "x",
                {"purl": "pkg:npm/a@1", "hashes": "no", "licenses": [1]}], "dependencies": {}}"#,
            "bom.json",
        );
        assert!(ex.errors.is_empty());
        assert_eq!(ex.nodes.len(), 1);
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
