//! `poetry.lock` (lock-version 1.x and 2.x).
//!
//! Each `[[package]]` is a node; `[package.dependencies]` (a constraint
//! string, a table with `markers` / `optional` / `extras`, or a list of
//! tables for per-marker constraints) are its edges, `optional = true` ones
//! only through the `[package.extras]` that name them. `[[package.files]]`
//! hashes, `[package.source]` (legacy index, git, url, file, directory) as the
//! origin, the package-level `markers` as the node's install condition. The
//! direct dependencies come from the `pyproject.toml` beside the lock (main
//! dependencies and non-optional groups); without one, from the graph.

use super::markers::Marker;
use super::pyreq;
use super::text::read_text;
use super::{Dep, Extract};
use crate::model::{Ecosystem, Hash, InputKind, Origin, Package};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    version: String,
    markers: Option<Markers>,
    #[serde(default)]
    develop: bool,
    #[serde(default)]
    files: Vec<File>,
    #[serde(default)]
    dependencies: BTreeMap<String, DepSpec>,
    #[serde(default)]
    extras: BTreeMap<String, Vec<String>>,
    source: Option<Source>,
}

/// Poetry 2 writes one marker string, or one per group.
#[derive(Deserialize)]
#[serde(untagged)]
enum Markers {
    One(String),
    PerGroup(BTreeMap<String, String>),
}

#[derive(Deserialize)]
struct File {
    hash: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DepSpec {
    Constraint(#[allow(dead_code)] String),
    Table(DepTable),
    Multi(Vec<DepTable>),
}

#[derive(Deserialize, Default)]
struct DepTable {
    markers: Option<String>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    extras: Vec<String>,
}

#[derive(Deserialize)]
struct Source {
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    reference: Option<String>,
    resolved_reference: Option<String>,
}

/// Reads a poetry.lock, with roots from the sibling pyproject.toml.
pub fn extract(path: &Path, display: &str) -> Extract {
    let mut ex = match read_text(path) {
        Ok(t) => parse(&t, display),
        Err(e) => return Extract::failed(InputKind::PoetryLock, display, None, e),
    };
    if !ex.nodes.is_empty() {
        ex.roots = super::pyproject::roots(path);
    }
    ex
}

/// Fuzz target body: must never panic.
pub fn fuzz(data: &[u8]) {
    super::fuzz_text(data, "poetry.lock", parse);
}

/// Parses poetry.lock text (roots left to the caller).
pub fn parse(text: &str, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::PoetryLock, display);
    let Some(lock) = ex.toml::<Lock>(text) else {
        return ex;
    };
    let lines = super::text::table_array_lines(text, "[[package]]");
    for (i, p) in lock.package.iter().enumerate() {
        let pkg = package(p, &mut ex.indexes);
        let idx = ex.push(pkg, lines.get(i).copied());
        let marker = match &p.markers {
            Some(Markers::One(m)) => Some(m.clone()),
            Some(Markers::PerGroup(g)) if !g.is_empty() => Some(
                g.values()
                    .map(|m| format!("({m})"))
                    .collect::<Vec<_>>()
                    .join(" or "),
            ),
            _ => None,
        };
        if let Some(m) = marker {
            match Marker::parse(&m) {
                Ok(parsed) => ex.nodes[idx].marker = Some(parsed),
                Err(e) => ex.error(
                    lines.get(i).copied(),
                    format!("{}: invalid markers: {e}", p.name),
                ),
            }
            ex.nodes[idx].package.markers = Some(m);
        }
        edges(p, &mut ex, idx);
    }
    ex.graph_known = true;
    ex
}

fn package(p: &LockPackage, indexes: &mut Vec<String>) -> Package {
    let mut pkg = Package::new(Ecosystem::Pypi, &p.name, Some(&p.version));
    for h in p.files.iter().filter_map(|f| f.hash.as_deref()) {
        if let Some(h) = Hash::parse_prefixed(h) {
            pkg.add_hash(h);
        }
    }
    pkg.origin = Some(match &p.source {
        None => Origin::Registry { url: None },
        Some(s) => {
            let url = s.url.clone().unwrap_or_default();
            match s.kind.as_str() {
                "git" => Origin::Vcs {
                    url: if url.starts_with("git+") {
                        url
                    } else {
                        format!("git+{url}")
                    },
                    rev: s.resolved_reference.clone().or(s.reference.clone()),
                },
                "url" => Origin::Url { url },
                "file" | "directory" => Origin::Path {
                    path: url,
                    editable: p.develop,
                },
                _ => {
                    pyreq::add_index(indexes, &url);
                    Origin::Registry { url: Some(url) }
                }
            }
        }
    });
    pkg
}

/// Regular edges, and optional ones under each extra that names them.
fn edges(p: &LockPackage, ex: &mut Extract, idx: usize) {
    let mut optional: BTreeMap<String, Vec<Dep>> = BTreeMap::new();
    let mut deps = Vec::new();
    for (name, spec) in &p.dependencies {
        let tables: Vec<DepTable> = match spec {
            DepSpec::Constraint(_) => vec![DepTable::default()],
            DepSpec::Table(t) => vec![DepTable {
                markers: t.markers.clone(),
                optional: t.optional,
                extras: t.extras.clone(),
            }],
            DepSpec::Multi(v) => v
                .iter()
                .map(|t| DepTable {
                    markers: t.markers.clone(),
                    optional: t.optional,
                    extras: t.extras.clone(),
                })
                .collect(),
        };
        for t in tables {
            let mut d = Dep::named(Ecosystem::Pypi, name);
            d.extras = t.extras;
            if let Some(m) = &t.markers {
                match Marker::parse(m) {
                    Ok(mk) => d.marker = Some(mk),
                    Err(e) => ex.error(None, format!("{} → {name}: invalid markers: {e}", p.name)),
                }
            }
            if !t.optional {
                deps.push(d);
                continue;
            }
            // An optional dependency is installed through the extras that list it.
            for (extra, reqs) in &p.extras {
                if reqs.iter().any(|r| extra_names(r, &d.name)) {
                    optional.entry(extra.clone()).or_default().push(d.clone());
                }
            }
        }
    }
    ex.nodes[idx].deps = deps;
    ex.nodes[idx].optional = optional;
}

/// Whether an extras entry (`"Brotli (>=1.2) ; marker"`) names `norm`.
fn extra_names(req: &str, norm: &str) -> bool {
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(req.len());
    crate::model::pep503_normalize(&req[..end]) == norm
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"# This file is automatically @generated by Poetry 2.5.1
[[package]]
name = "google-auth"
version = "2.0"
optional = false
python-versions = ">=3.8"
groups = ["main"]
files = [
    {file = "google_auth-2.0-py3-none-any.whl", hash = "sha256:AA"},
]

[package.dependencies]
cachetools = ">=2"
requests = {version = ">=2.30.0,<3.0.0", optional = true, markers = "extra == \"requests\""}
numpy = [
    {version = ">=1", markers = "python_version < \"3.12\""},
    {version = ">=2", markers = "python_version >= \"3.12\""},
]

[package.extras]
requests = ["requests (>=2.30.0,<3.0.0)"]

[[package]]
name = "cachetools"
version = "5.0"
optional = false
python-versions = "*"
groups = ["main"]
markers = "python_full_version < \"3.11.3\""
files = []

[package.source]
type = "legacy"
url = "https://pypi.invalid/simple"
reference = "pypi-simple"

[[package]]
name = "requests"
version = "2.32"
optional = false
python-versions = "*"
groups = ["main"]
files = []

[[package]]
name = "numpy"
version = "1.26"
optional = false
python-versions = "*"
groups = ["main"]
files = []

[package.source]
type = "git"
url = "https://git.invalid/numpy/numpy.git"
reference = "main"
resolved_reference = "deadbeef"

[metadata]
lock-version = "2.1"
"#;

    #[test]
    fn graph_extras_markers_sources() {
        let mut ex = parse(LOCK, "poetry.lock");
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        assert_eq!(ex.nodes[1].package.sources[0].line, Some(24));
        assert_eq!(ex.nodes[0].deps.len(), 3);
        assert_eq!(ex.nodes[0].optional["requests"].len(), 1);
        assert_eq!(ex.indexes, vec!["https://pypi.invalid/simple"]);
        let mut root = Dep::named(Ecosystem::Pypi, "google-auth");
        root.extras = vec!["requests".into()];
        ex.roots = Some(vec![root]);
        let target = super::super::markers::Target::new(super::super::markers::TargetEnv {
            python: "3.11.7".into(),
            platform: "linux".into(),
            arch: "x86_64".into(),
        })
        .unwrap();
        super::super::graph::resolve(&mut ex, Some(&target));
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        // cachetools' own marker excludes 3.11.7; requests comes through the extra.
        assert_eq!(ids, vec!["google-auth@2.0", "requests@2.32", "numpy@1.26"]);
        assert_eq!(
            ex.nodes[2].package.origin,
            Some(Origin::Vcs {
                url: "git+https://git.invalid/numpy/numpy.git".into(),
                rev: Some("deadbeef".into())
            })
        );
        assert_eq!(
            ex.nodes[1].package.introduced_by,
            vec!["pkg:pypi/google-auth@2.0"]
        );
    }

    #[test]
    fn truncated_is_an_error_with_a_line() {
        let cut = &LOCK[..LOCK.find("[package.extras]").unwrap() + 10];
        let ex = parse(cut, "poetry.lock");
        assert_eq!(ex.errors.len(), 1);
        assert!(ex.errors[0].line.is_some());
    }
}
