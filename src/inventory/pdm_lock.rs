//! `pdm.lock` (PDM, `lock_version` 4.x).
//!
//! Each `[[package]]` is a node with PEP 508 `dependencies`, `files` hashes,
//! a `marker` (the node's install condition) and `groups`. PDM writes a
//! package requested with extras as a second entry with `extras = […]`
//! whose dependencies are the base package plus the extras' requirements;
//! those become the base node's per-extra edges. The direct dependencies
//! come from the sibling `pyproject.toml`; without one, from the graph.

use super::markers::Marker;
use super::pyreq;
use super::text::read_text;
use super::{Dep, Extract};
use crate::model::{Ecosystem, Hash, InputKind, Origin, Package};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    version: Option<String>,
    #[serde(default)]
    extras: Vec<String>,
    marker: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    files: Vec<File>,
    git: Option<String>,
    revision: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    path: Option<String>,
    url: Option<String>,
    #[serde(default)]
    editable: bool,
}

#[derive(Deserialize)]
struct File {
    hash: Option<String>,
}

/// Reads a pdm.lock, with roots from the sibling pyproject.toml.
pub fn extract(path: &Path, display: &str) -> Extract {
    let mut ex = match read_text(path) {
        Ok(t) => parse(&t, display),
        Err(e) => return Extract::failed(InputKind::PdmLock, display, None, e),
    };
    if !ex.nodes.is_empty() {
        ex.roots = super::pyproject::roots(path);
    }
    ex
}

/// Fuzz target body: must never panic.
pub fn fuzz(data: &[u8]) {
    super::fuzz_text(data, "pdm.lock", parse);
}

/// Parses pdm.lock text (roots left to the caller).
pub fn parse(text: &str, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::PdmLock, display);
    let Some(lock) = ex.toml::<Lock>(text) else {
        return ex;
    };
    let lines = super::text::table_array_lines(text, "[[package]]");
    // Base entries first, so extras entries can attach to them.
    let mut base: HashMap<(String, Option<String>), usize> = HashMap::new();
    for (i, p) in lock
        .package
        .iter()
        .enumerate()
        .filter(|(_, p)| p.extras.is_empty())
    {
        let line = lines.get(i).copied();
        let pkg = package(p);
        let idx = ex.push(pkg, line);
        base.insert(
            (
                ex.nodes[idx].package.normalized_name.clone(),
                p.version.clone(),
            ),
            idx,
        );
        if let Some(m) = &p.marker {
            match Marker::parse(m) {
                Ok(mk) => ex.nodes[idx].marker = Some(mk),
                Err(e) => ex.error(line, format!("{}: invalid marker: {e}", p.name)),
            }
            ex.nodes[idx].package.markers = Some(m.clone());
        }
        ex.nodes[idx].deps = deps(&p.dependencies, &mut ex, line);
    }
    for (i, p) in lock
        .package
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.extras.is_empty())
    {
        let line = lines.get(i).copied();
        let key = (crate::model::pep503_normalize(&p.name), p.version.clone());
        let idx = match base.get(&key) {
            Some(&idx) => idx,
            None => {
                let idx = ex.push(package(p), line);
                base.insert(key, idx);
                idx
            }
        };
        let own = ex.nodes[idx].package.normalized_name.clone();
        let extra_deps: Vec<Dep> = deps(&p.dependencies, &mut ex, line)
            .into_iter()
            .filter(|d| d.name != own)
            .collect();
        for extra in &p.extras {
            ex.nodes[idx]
                .optional
                .entry(extra.clone())
                .or_default()
                .extend(extra_deps.iter().cloned());
        }
    }
    ex.graph_known = true;
    ex
}

fn deps(reqs: &[String], ex: &mut Extract, line: Option<u32>) -> Vec<Dep> {
    let mut out = Vec::new();
    for r in reqs {
        match pyreq::dep_from_str(r) {
            Ok(d) => out.push(d),
            Err(e) => ex.error(line, e),
        }
    }
    out
}

fn package(p: &LockPackage) -> Package {
    let mut pkg = Package::new(Ecosystem::Pypi, &p.name, p.version.as_deref());
    for h in p.files.iter().filter_map(|f| f.hash.as_deref()) {
        if let Some(h) = Hash::parse_prefixed(h) {
            pkg.add_hash(h);
        }
    }
    pkg.origin = Some(if let Some(git) = &p.git {
        Origin::Vcs {
            url: if git.starts_with("git+") {
                git.clone()
            } else {
                format!("git+{git}")
            },
            rev: p.revision.clone().or(p.reference.clone()),
        }
    } else if let Some(path) = &p.path {
        Origin::Path {
            path: path.clone(),
            editable: p.editable,
        }
    } else if let Some(url) = &p.url {
        pyreq::url_origin(url)
    } else {
        Origin::Registry { url: None }
    });
    pkg
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"# This file is @generated by PDM.
[metadata]
groups = ["default"]
lock_version = "4.5.1"

[[package]]
name = "httpx"
version = "0.28.1"
groups = ["default"]
dependencies = ["anyio", "idna; python_version < \"3.12\""]
files = [{file = "httpx-0.28.1-py3-none-any.whl", hash = "sha256:AA"}]

[[package]]
name = "httpx"
version = "0.28.1"
extras = ["http2"]
groups = ["default"]
dependencies = ["h2<5,>=3", "httpx==0.28.1"]

[[package]]
name = "h2"
version = "4.1"

[[package]]
name = "anyio"
version = "4.0"
marker = "sys_platform != \"emscripten\""

[[package]]
name = "idna"
version = "3.10"
"#;

    #[test]
    fn extras_entries_fold_into_the_base_node() {
        let mut ex = parse(LOCK, "pdm.lock");
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        assert_eq!(ex.nodes.len(), 4);
        assert_eq!(ex.nodes[0].optional["http2"].len(), 1);
        assert_eq!(ex.nodes[0].package.sources[0].line, Some(7));
        assert_eq!(ex.nodes[0].package.hashes[0].value, "aa");
        let mut root = Dep::named(Ecosystem::Pypi, "httpx");
        root.extras = vec!["http2".into()];
        ex.roots = Some(vec![root]);
        let target = super::super::markers::Target::new(super::super::markers::TargetEnv {
            python: "3.12.1".into(),
            platform: "emscripten".into(),
            arch: "wasm32".into(),
        })
        .unwrap();
        super::super::graph::resolve(&mut ex, Some(&target));
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        assert_eq!(ids, vec!["httpx@0.28.1", "h2@4.1"]);
    }

    #[test]
    fn bad_requirement_is_reported() {
        let ex = parse(
            "[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [\"b >>> 1\"]\n",
            "pdm.lock",
        );
        assert_eq!(ex.errors.len(), 1);
        assert_eq!(ex.errors[0].line, Some(2));
        assert_eq!(ex.nodes.len(), 1);
    }
}
