//! `Pipfile.lock` (pipenv; JSON, `pipfile-spec` 6).
//!
//! `default` and `develop` map names to `version` (`==x`), `hashes`,
//! `markers` (the node's install condition), `index` (a name in
//! `_meta.sources`, whose URLs are the input's indexes), and for non-index
//! packages `git` / `ref` / `editable` / `path` / `file`. The lock has no
//! dependency graph: packages named in the sibling `Pipfile` are direct,
//! the others transitive (without a Pipfile, directness is unknown).

use super::Extract;
use super::markers::Marker;
use super::pyreq;
use super::text::{LineIndex, read_text};
use crate::model::{Ecosystem, Hash, InputKind, Origin, Package, pep503_normalize};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

#[derive(Deserialize)]
struct Lock {
    #[serde(rename = "_meta", default)]
    meta: Meta,
    #[serde(default)]
    default: BTreeMap<String, Entry>,
    #[serde(default)]
    develop: BTreeMap<String, Entry>,
}

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(default)]
    sources: Vec<SourceEntry>,
}

#[derive(Deserialize)]
struct SourceEntry {
    name: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize, Default)]
struct Entry {
    version: Option<String>,
    #[serde(default)]
    hashes: Vec<String>,
    markers: Option<String>,
    index: Option<String>,
    git: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    #[serde(default)]
    editable: bool,
    path: Option<String>,
    file: Option<String>,
}

/// Reads a Pipfile.lock; the sibling Pipfile says which packages are direct.
pub fn extract(path: &Path, display: &str) -> Extract {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(e) => return Extract::failed(InputKind::PipfileLock, display, None, e),
    };
    let direct = path
        .parent()
        .and_then(|d| std::fs::read_to_string(d.join("Pipfile")).ok())
        .and_then(|t| pipfile_names(&t));
    parse_with(&text, display, direct.as_ref())
}

/// Parses Pipfile.lock text without a Pipfile (directness unknown).
pub fn parse(text: &str, display: &str) -> Extract {
    parse_with(text, display, None)
}

/// Fuzz target body: must never panic.
pub fn fuzz(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut ex = parse(&text, "Pipfile.lock");
    super::graph::resolve(&mut ex, None);
    let _ = pipfile_names(&text);
}

/// Parses Pipfile.lock text; `direct` holds the Pipfile's normalised names.
pub fn parse_with(text: &str, display: &str, direct: Option<&HashSet<String>>) -> Extract {
    let mut ex = Extract::new(InputKind::PipfileLock, display);
    let Some(lock) = ex.json::<Lock>(text) else {
        return ex;
    };
    let sources: BTreeMap<String, String> = lock
        .meta
        .sources
        .iter()
        .filter_map(|s| Some((s.name.clone()?, s.url.clone()?)))
        .collect();
    for s in lock.meta.sources.iter().filter_map(|s| s.url.as_deref()) {
        pyreq::add_index(&mut ex.indexes, s);
    }
    let lines = LineIndex::new(text);
    for (section, entries) in [("default", &lock.default), ("develop", &lock.develop)] {
        let start = text.find(&format!("\"{section}\"")).unwrap_or(0);
        let mut cursor = start;
        for (name, e) in entries {
            // pipenv writes names sorted, so a forward search finds each in one pass.
            let needle = format!("\"{name}\": {{");
            let line = super::text::find_line(text, &lines, &needle, cursor)
                .or_else(|| super::text::find_line(text, &lines, &needle, start))
                .map(|(l, off)| {
                    cursor = off + needle.len();
                    l
                });
            let pkg = package(name, e, &sources, direct);
            let idx = ex.push(pkg, line);
            if let Some(m) = &e.markers {
                match Marker::parse(m) {
                    Ok(mk) => ex.nodes[idx].marker = Some(mk),
                    Err(err) => ex.error(line, format!("{name}: invalid markers: {err}")),
                }
            }
        }
    }
    ex
}

fn package(
    name: &str,
    e: &Entry,
    sources: &BTreeMap<String, String>,
    direct: Option<&HashSet<String>>,
) -> Package {
    // `==1.0` is a pin; pipenv writes `*` for a package whose markers do not
    // hold where it locked (it resolves for the locking machine only).
    let pinned = e.version.as_deref().and_then(|v| {
        let v = v.trim();
        v.strip_prefix("===")
            .or_else(|| v.strip_prefix("=="))
            .map(str::trim)
    });
    let from_file = e
        .file
        .as_deref()
        .and_then(|f| pyreq::archive_version(f, name));
    let mut pkg = Package::new(Ecosystem::Pypi, name, pinned.or(from_file.as_deref()));
    if pkg.version.is_none() {
        pkg.requirement = e.version.clone().filter(|v| v.trim() != "*");
    }
    for h in &e.hashes {
        if let Some(h) = Hash::parse_prefixed(h) {
            pkg.add_hash(h);
        }
    }
    pkg.markers = e.markers.clone();
    pkg.direct = direct.map(|d| d.contains(&pkg.normalized_name));
    pkg.origin = if let Some(git) = &e.git {
        let url = if git.starts_with("git+") {
            git.clone()
        } else {
            format!("git+{git}")
        };
        Some(Origin::Vcs {
            url,
            rev: e.reference.clone(),
        })
    } else if let Some(p) = &e.path {
        Some(Origin::Path {
            path: p.clone(),
            editable: e.editable,
        })
    } else if let Some(f) = &e.file {
        Some(pyreq::url_origin(f))
    } else {
        Some(Origin::Registry {
            url: e.index.as_ref().and_then(|i| sources.get(i)).cloned(),
        })
    };
    pkg
}

/// Normalised names in a Pipfile's `[packages]` and `[dev-packages]`
/// (`None` when it is not valid TOML).
pub fn pipfile_names(text: &str) -> Option<HashSet<String>> {
    let v: toml::Table = toml::from_str(text).ok()?;
    let mut out = HashSet::new();
    for section in ["packages", "dev-packages"] {
        if let Some(t) = v.get(section).and_then(|s| s.as_table()) {
            out.extend(t.keys().map(|k| pep503_normalize(k)));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
    "_meta": {"sources": [{"name": "pypi", "url": "https://pypi.invalid/simple", "verify_ssl": true}]},
    "default": {
        "requests": {"hashes": ["sha256:AA", "sha256:bb"], "index": "pypi", "version": "==2.32.0"},
        "pywin32": {"markers": "sys_platform == 'win32'", "version": "==306"},
        "idna": {"version": "==3.10", "markers": "python_version >= '3.6'"},
        "tool": {"git": "https://git.invalid/o/tool.git", "ref": "abc", "editable": true}
    },
    "develop": {
        "pytest": {"version": "==8.0.0"}
    }
}"#;

    #[test]
    fn sections_markers_and_pipfile_roots() {
        let pipfile =
            "[packages]\nrequests = \"*\"\ntool = {git = \"x\"}\n[dev-packages]\nPyTest = \"*\"\n";
        let names = pipfile_names(pipfile).unwrap();
        let mut ex = parse_with(LOCK, "Pipfile.lock", Some(&names));
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        assert_eq!(ex.indexes, vec!["https://pypi.invalid/simple"]);
        let idna = ex.nodes.iter().find(|n| n.package.name == "idna").unwrap();
        assert_eq!(idna.package.sources[0].line, Some(6));
        assert_eq!(idna.package.direct, Some(false));
        let target = super::super::markers::Target::new(super::super::markers::TargetEnv {
            python: "3.11.7".into(),
            platform: "linux".into(),
            arch: "x86_64".into(),
        })
        .unwrap();
        super::super::graph::resolve(&mut ex, Some(&target));
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        assert_eq!(
            ids,
            vec!["idna@3.10", "requests@2.32.0", "tool", "pytest@8.0.0"]
        );
        let req = &ex.nodes[1].package;
        assert_eq!(req.direct, Some(true));
        assert_eq!(req.hashes.len(), 2);
        assert_eq!(
            req.origin,
            Some(Origin::Registry {
                url: Some("https://pypi.invalid/simple".into())
            })
        );
        assert!(matches!(
            ex.nodes[2].package.origin,
            Some(Origin::Vcs { .. })
        ));
        assert_eq!(ex.nodes[3].package.direct, Some(true));
    }

    #[test]
    fn bad_json_has_a_line() {
        let ex = parse(
            "{\n \"default\": {\n  \"a\": {\"version\": 3}\n}}",
            "Pipfile.lock",
        );
        assert_eq!(ex.errors.len(), 1);
        assert_eq!(ex.errors[0].line, Some(3));
        assert_eq!(parse(LOCK, "x").nodes[0].package.direct, None);
    }
}
