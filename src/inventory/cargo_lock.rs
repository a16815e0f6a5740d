//! Rust `Cargo.lock` (versions 1 to 4), so tollgate can scan itself.
//!
//! Packages without a `source` are the workspace's own crates: they are not
//! dependencies, but their dependencies are the direct ones.

use super::text::{LineIndex, find_line, read_text};
use super::{Dep, Extract};
use crate::model::{Ecosystem, Hash, InputKind, Origin, Package};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

pub fn extract(path: &Path, display: &str) -> Extract {
    match read_text(path) {
        Ok(t) => parse(&t, display),
        Err(e) => Extract::failed(InputKind::CargoLock, display, None, e),
    }
}

pub fn parse(text: &str, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::CargoLock, display);
    let Some(lock) = ex.toml::<Lock>(text) else {
        return ex;
    };
    let lines = LineIndex::new(text);
    let mut cursor = 0;
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    let mut members = Vec::new();
    let mut node_of = vec![None; lock.package.len()];
    for (i, e) in lock.package.iter().enumerate() {
        let needle = format!("name = \"{}\"", e.name);
        let line = find_line(text, &lines, &needle, cursor).map(|(l, off)| {
            cursor = off + needle.len();
            l
        });
        let Some(source) = &e.source else {
            members.push(i);
            continue;
        };
        let mut pkg = Package::new(Ecosystem::Cargo, &e.name, Some(&e.version));
        if let Some(c) = &e.checksum {
            pkg.add_hash(Hash::new("sha256", c));
        }
        pkg.origin = Some(cargo_origin(source));
        let idx = ex.push(pkg, line);
        node_of[i] = Some(idx);
        index.insert((e.name.clone(), e.version.clone()), idx);
        by_name.entry(e.name.clone()).or_default().push(idx);
    }
    let resolve = |spec: &str| -> Option<usize> {
        // "name", "name version" or "name version (source)".
        let mut parts = spec.split_whitespace();
        let name = parts.next()?;
        match parts.next() {
            Some(v) => index.get(&(name.to_string(), v.to_string())).copied(),
            None => by_name.get(name).and_then(|v| v.first().copied()),
        }
    };
    for (i, e) in lock.package.iter().enumerate() {
        let deps: Vec<Dep> = e
            .dependencies
            .iter()
            .filter_map(|d| resolve(d))
            .map(Dep::to)
            .collect();
        match node_of[i] {
            Some(idx) => ex.nodes[idx].deps = deps,
            None => ex.roots.get_or_insert_with(Vec::new).extend(deps),
        }
    }
    if members.is_empty() {
        ex.roots = None;
    }
    ex.graph_known = true;
    ex
}

fn cargo_origin(source: &str) -> Origin {
    if let Some(url) = source.strip_prefix("git+") {
        let (url, rev) = match url.split_once('#') {
            Some((u, r)) => (u.to_string(), Some(r.to_string())),
            None => (url.to_string(), None),
        };
        return Origin::Vcs {
            url: format!("git+{url}"),
            rev,
        };
    }
    let url = source
        .strip_prefix("registry+")
        .or_else(|| source.strip_prefix("sparse+"))
        .unwrap_or(source);
    Origin::Registry {
        url: Some(url.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_members_are_roots() {
        let text = r#"version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["serde", "memchr 2.0.0"]

[[package]]
name = "memchr"
version = "2.0.0"
source = "registry+https://index.invalid/"
checksum = "ab"

[[package]]
name = "serde"
version = "1.0.0"
source = "registry+https://index.invalid/"
dependencies = ["memchr"]
"#;
        let mut ex = parse(text, "Cargo.lock");
        super::super::graph::resolve(&mut ex, None);
        assert_eq!(ex.nodes.len(), 2);
        assert_eq!(ex.nodes[0].package.name, "memchr");
        assert_eq!(ex.nodes[0].package.direct, Some(true));
        assert_eq!(ex.nodes[0].package.sources[0].line, Some(9));
        assert_eq!(
            ex.nodes[1].package.dependencies,
            vec!["pkg:cargo/memchr@2.0.0"]
        );
        let bad = parse("[[package]\nname=1", "Cargo.lock");
        assert_eq!(bad.errors[0].line, Some(1));
    }
}
