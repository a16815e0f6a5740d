//! npm `package-lock.json` / `npm-shrinkwrap.json`, lockfile versions 1, 2 and 3.
//!
//! v2 and v3 list every installed location under `packages` (keyed by
//! `node_modules/…` path); dependencies resolve the way Node does, from the
//! requiring package's own `node_modules` up to the root. v1 nests
//! `dependencies` objects and resolves `requires` the same way up the tree.

use super::markers::PlatformReq;
use super::package_json::Manifest;
use super::text::{LineIndex, read_text};
use super::{Dep, Extract};
use crate::model::{Ecosystem, Hash, InputKind, Origin, Package};
use base64::Engine;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

#[derive(Deserialize)]
struct Lockfile {
    #[serde(rename = "lockfileVersion")]
    lockfile_version: Option<serde_json::Value>,
    #[serde(default)]
    packages: Option<BTreeMap<String, Entry>>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, V1Entry>>,
}

/// One `packages` entry (v2/v3).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Entry {
    name: Option<String>,
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    license: Option<serde_json::Value>,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    has_install_script: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, String>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, String>,
    #[serde(default)]
    peer_dependencies: BTreeMap<String, String>,
    #[serde(default)]
    os: OneOrMany,
    #[serde(default)]
    cpu: OneOrMany,
    #[serde(default)]
    libc: OneOrMany,
}

/// npm writes `os`/`cpu` as arrays, but a string is accepted too.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

/// One `dependencies` entry (v1).
#[derive(Deserialize, Default)]
struct V1Entry {
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    #[serde(default)]
    requires: BTreeMap<String, String>,
    #[serde(default)]
    dependencies: BTreeMap<String, V1Entry>,
}

/// Reads a package-lock.json.
pub fn extract(path: &Path, display: &str) -> Extract {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(e) => return Extract::failed(InputKind::PackageLock, display, None, e),
    };
    // v1 has no root entry: the sibling package.json names the direct dependencies.
    let dir = path.parent().unwrap_or(Path::new("."));
    let root = super::npm_project::Project::load(dir).root;
    parse_with(&text, display, root.as_ref())
}

/// Parses package-lock text (separate from I/O for tests and fuzzing).
pub fn parse(text: &str, display: &str) -> Extract {
    parse_with(text, display, None)
}

/// Parses package-lock text; for v1, `root` (the project's package.json)
/// gives the direct dependencies.
pub fn parse_with(text: &str, display: &str, root: Option<&Manifest>) -> Extract {
    let mut ex = Extract::new(InputKind::PackageLock, display);
    let Some(lock) = ex.json::<Lockfile>(text) else {
        return ex;
    };
    let lines = LineIndex::new(text);
    if let Some(packages) = lock.packages {
        from_packages(packages, text, &lines, &mut ex);
    } else if let Some(deps) = lock.dependencies {
        from_v1(deps, text, &lines, &mut ex, root);
    } else {
        let v = lock
            .lockfile_version
            .map(|v| v.to_string())
            .unwrap_or_else(|| "missing".into());
        ex.error(
            Some(1),
            format!("no `packages` or `dependencies` object (lockfileVersion {v})"),
        );
    }
    ex
}

/// The package name at a `node_modules/…` key: the part after the last `node_modules/`.
fn name_from_key(key: &str) -> &str {
    match key.rfind("node_modules/") {
        Some(i) => &key[i + "node_modules/".len()..],
        None => key.rsplit('/').next().unwrap_or(key),
    }
}

/// Where Node would find `dep` when required from the package at `from`.
fn resolve_key<'a>(from: &str, dep: &str, index: &'a HashMap<String, usize>) -> Option<&'a usize> {
    let mut base = from.to_string();
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{dep}")
        } else {
            format!("{base}/node_modules/{dep}")
        };
        if let Some(i) = index.get(&candidate) {
            return Some(i);
        }
        if base.is_empty() {
            return None;
        }
        // Up one level: drop the last `node_modules/<name>` (or a workspace dir).
        base = match base.rfind("/node_modules/") {
            Some(i) => base[..i].to_string(),
            None => String::new(),
        };
    }
}

fn from_packages(
    packages: BTreeMap<String, Entry>,
    text: &str,
    lines: &LineIndex,
    ex: &mut Extract,
) {
    let mut keys: Vec<String> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut root: Option<Entry> = None;
    for (k, e) in packages {
        if k.is_empty() {
            root = Some(e);
        } else {
            keys.push(k);
            entries.push(e);
        }
    }
    // Links (workspaces, `file:` deps) point at another key; resolve them to it.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut node_of_entry: Vec<Option<usize>> = vec![None; entries.len()];
    let mut cursor = 0;
    for (i, (key, e)) in keys.iter().zip(&entries).enumerate() {
        if e.link {
            continue;
        }
        let name = e
            .name
            .clone()
            .unwrap_or_else(|| name_from_key(key).to_string());
        let Some(version) = e.version.clone() else {
            continue;
        };
        let (line, next) = key_line(text, lines, key, cursor);
        cursor = next;
        let mut pkg = Package::new(Ecosystem::Npm, &name, Some(&version));
        fill_package(&mut pkg, e, &name, key);
        let idx = ex.push(pkg, line);
        let platform = PlatformReq {
            os: e_vec(&e.os),
            cpu: e_vec(&e.cpu),
            libc: e_vec(&e.libc),
        };
        if !platform.is_empty() {
            ex.nodes[idx].platform = Some(platform);
        }
        index.insert(key.clone(), idx);
        node_of_entry[i] = Some(idx);
    }
    for (key, e) in keys.iter().zip(&entries) {
        if let (true, Some(target)) = (e.link, e.resolved.as_deref())
            && let Some(&t) = index.get(target)
        {
            index.insert(key.clone(), t);
        }
    }
    for (i, (key, e)) in keys.iter().zip(&entries).enumerate() {
        let Some(idx) = node_of_entry[i] else {
            continue;
        };
        let deps = edges(key, e, &index, false);
        ex.nodes[idx].deps = deps;
    }
    if let Some(root) = root {
        ex.roots = Some(edges("", &root, &index, true));
        // Workspace packages are part of the project: their dependencies are direct too.
        for (key, e) in keys.iter().zip(&entries) {
            if !e.link
                && !key.contains("node_modules/")
                && let Some(&i) = index.get(key)
            {
                ex.nodes[i].package.direct = Some(true);
                if let Some(roots) = ex.roots.as_mut() {
                    roots.push(Dep::to(i));
                }
            }
        }
    }
    ex.graph_known = true;
}

fn e_vec(v: &OneOrMany) -> Vec<String> {
    match v {
        OneOrMany::None => vec![],
        OneOrMany::One(s) => vec![s.clone()],
        OneOrMany::Many(v) => v.clone(),
    }
}

/// Resolved edges of one entry (dev dependencies only for the root).
fn edges(key: &str, e: &Entry, index: &HashMap<String, usize>, root: bool) -> Vec<Dep> {
    let mut names: Vec<&String> = e
        .dependencies
        .keys()
        .chain(e.optional_dependencies.keys())
        .chain(e.peer_dependencies.keys())
        .collect();
    if root {
        names.extend(e.dev_dependencies.keys());
    }
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|n| resolve_key(key, n, index).map(|&t| Dep::to(t)))
        .collect()
}

fn fill_package(pkg: &mut Package, e: &Entry, name: &str, key: &str) {
    if let Some(integrity) = &e.integrity {
        for h in parse_integrity(integrity) {
            pkg.add_hash(h);
        }
    }
    pkg.license = e.license.as_ref().and_then(license_string);
    if e.has_install_script {
        pkg.install_script = Some(true);
    }
    pkg.origin = e
        .resolved
        .as_deref()
        .map(|r| npm_origin(r, name))
        .or_else(|| {
            (!key.contains("node_modules/")).then(|| Origin::Path {
                path: key.to_string(),
                editable: false,
            })
        });
}

/// `license` is a string, or in old packages `{ "type": "MIT" }`.
pub fn license_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Object(o) => o
            .get("type")
            .and_then(|t| t.as_str())
            .map(|s| s.to_string()),
        _ => None,
    }
}

/// Subresource-integrity strings (`sha512-<base64>`, space-separated) → hex hashes.
pub fn parse_integrity(s: &str) -> Vec<Hash> {
    s.split_whitespace()
        .filter_map(|part| {
            let (alg, b64) = part.split_once('-')?;
            let b64 = b64.split('?').next().unwrap_or(b64);
            let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            Some(Hash::new(alg, &hex::encode(raw)))
        })
        .collect()
}

/// Classifies a `resolved` value: registry tarball, git, local path, or other URL.
pub fn npm_origin(resolved: &str, name: &str) -> Origin {
    let r = resolved.trim();
    if r.starts_with("git+") || r.starts_with("git://") || r.starts_with("github:") {
        let (url, rev) = match r.split_once('#') {
            Some((u, rev)) => (u.to_string(), Some(rev.to_string())),
            None => (r.to_string(), None),
        };
        return Origin::Vcs { url, rev };
    }
    if let Some(p) = r.strip_prefix("file:") {
        return Origin::Path {
            path: p.to_string(),
            editable: false,
        };
    }
    if r.starts_with("http://") || r.starts_with("https://") {
        if let Some(base) = registry_base(r, name) {
            return Origin::Registry { url: Some(base) };
        }
        return Origin::Url { url: r.to_string() };
    }
    Origin::Path {
        path: r.to_string(),
        editable: false,
    }
}

/// `https://host/path/@scope/name/-/name-1.0.0.tgz` → `https://host/path/`.
fn registry_base(url: &str, name: &str) -> Option<String> {
    let (before, _) = url.split_once("/-/")?;
    let encoded = name.replace('/', "%2f");
    let encoded_upper = name.replace('/', "%2F");
    for n in [name, encoded.as_str(), encoded_upper.as_str()] {
        if let Some(base) = before.strip_suffix(n) {
            return Some(base.to_string());
        }
    }
    None
}

/// Line of `"key": {` in the text, searching onward from `cursor` (npm writes
/// keys sorted, so one forward pass finds them all), else from the start.
fn key_line(text: &str, lines: &LineIndex, key: &str, cursor: usize) -> (Option<u32>, usize) {
    let needle = format!("\"{}\": {{", key.replace('\\', "\\\\").replace('"', "\\\""));
    let found = text
        .get(cursor..)
        .and_then(|t| t.find(&needle))
        .map(|i| cursor + i)
        .or_else(|| text.find(&needle));
    match found {
        Some(off) => (Some(lines.line(off)), off + needle.len()),
        None => (None, cursor),
    }
}

fn from_v1(
    deps: BTreeMap<String, V1Entry>,
    text: &str,
    lines: &LineIndex,
    ex: &mut Extract,
    root: Option<&Manifest>,
) {
    // Flatten the tree: each node knows its parent, to resolve `requires` upward.
    struct Flat {
        parent: Option<usize>,
        children: HashMap<String, usize>,
        requires: Vec<String>,
    }
    let mut flat: Vec<Flat> = Vec::new();
    let mut top: HashMap<String, usize> = HashMap::new();
    let mut cursor = 0;
    let mut stack: Vec<(Option<usize>, String, V1Entry)> =
        deps.into_iter().rev().map(|(n, e)| (None, n, e)).collect();
    while let Some((parent, name, e)) = stack.pop() {
        let (line, next) = key_line(text, lines, &name, cursor);
        cursor = next;
        let version = e.version.clone().unwrap_or_default();
        // `npm:real@1.0.0` aliases and git/file versions.
        let (real_name, version) = match version.strip_prefix("npm:") {
            Some(alias) => match alias.rfind('@') {
                Some(i) if i > 0 => (alias[..i].to_string(), alias[i + 1..].to_string()),
                _ => (name.clone(), alias.to_string()),
            },
            None => (name.clone(), version),
        };
        // A git/file/URL dependency's `version` is its source; v1 does not
        // record the package's own version for it.
        let pinned = (!version.contains(':')).then_some(version.as_str());
        let mut pkg = Package::new(Ecosystem::Npm, &real_name, pinned);
        if let Some(i) = &e.integrity {
            for h in parse_integrity(i) {
                pkg.add_hash(h);
            }
        }
        if let Some(r) = e
            .resolved
            .as_deref()
            .or(Some(version.as_str()))
            .filter(|r| r.contains(':'))
        {
            pkg.origin = Some(npm_origin(r, &real_name));
        }
        let idx = ex.push(pkg, line);
        flat.push(Flat {
            parent,
            children: HashMap::new(),
            requires: e.requires.keys().cloned().collect(),
        });
        match parent {
            Some(p) => {
                flat[p].children.insert(name.clone(), idx);
            }
            None => {
                top.insert(name.clone(), idx);
            }
        }
        for (n, child) in e.dependencies.into_iter().rev() {
            stack.push((Some(idx), n, child));
        }
    }
    for i in 0..flat.len() {
        let mut deps = Vec::new();
        for req in &flat[i].requires {
            let mut at = Some(i);
            let mut found = None;
            while let Some(a) = at {
                if let Some(&c) = flat[a].children.get(req) {
                    found = Some(c);
                    break;
                }
                at = flat[a].parent;
            }
            if let Some(t) = found.or_else(|| top.get(req).copied()) {
                deps.push(Dep::to(t));
            }
        }
        ex.nodes[i].deps = deps;
    }
    // v1 has no root entry: the project's dependencies come from its
    // package.json when we have it, else they are the top-level packages
    // nothing else requires (the graph resolver's default).
    ex.roots = root.map(|m| {
        m.install_deps()
            .iter()
            .filter_map(|(name, _)| top.get(name).map(|&t| Dep::to(t)))
            .collect()
    });
    ex.graph_known = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrity_to_hex() {
        let h = parse_integrity("sha1-AAAA sha512-3q2+7w==");
        assert_eq!(h.len(), 2);
        assert_eq!(h[1].algorithm, "sha512");
        assert_eq!(h[1].value, "deadbeef");
    }

    #[test]
    fn origins() {
        assert_eq!(
            npm_origin("https://r.invalid/npm/@a/b/-/b-1.0.0.tgz", "@a/b"),
            Origin::Registry {
                url: Some("https://r.invalid/npm/".into())
            }
        );
        assert!(matches!(
            npm_origin("git+ssh://git@host.invalid/a/b.git#abc", "b"),
            Origin::Vcs { rev: Some(_), .. }
        ));
        assert!(matches!(
            npm_origin("https://host.invalid/b.tgz", "b"),
            Origin::Url { .. }
        ));
    }

    #[test]
    fn node_resolution_walks_up() {
        let mut index = HashMap::new();
        index.insert("node_modules/a".to_string(), 0);
        index.insert("node_modules/b".to_string(), 1);
        index.insert("node_modules/a/node_modules/b".to_string(), 2);
        assert_eq!(resolve_key("node_modules/a", "b", &index), Some(&2));
        assert_eq!(resolve_key("node_modules/c", "b", &index), Some(&1));
        assert_eq!(
            resolve_key("node_modules/a/node_modules/b", "a", &index),
            Some(&0)
        );
        assert_eq!(resolve_key("", "zzz", &index), None);
    }

    #[test]
    fn v1_nested() {
        let text = r#"{"lockfileVersion": 1, "dependencies": {
            "a": {"version": "1.0.0", "requires": {"b": "^2"},
                  "dependencies": {"b": {"version": "2.0.0"}}},
            "b": {"version": "1.0.0"}}}"#;
        let mut ex = parse(text, "package-lock.json");
        super::super::graph::resolve(&mut ex, None);
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        assert_eq!(ids, vec!["a@1.0.0", "b@2.0.0", "b@1.0.0"]);
        assert_eq!(ex.nodes[0].package.dependencies, vec!["pkg:npm/b@2.0.0"]);
        assert_eq!(ex.nodes[0].package.direct, Some(true));
        assert_eq!(ex.nodes[1].package.direct, Some(false));
    }

    #[test]
    fn v1_roots_from_package_json_and_git_versions() {
        let text = r#"{"lockfileVersion": 1, "dependencies": {
            "a": {"version": "1.0.0", "requires": {"g": "x"}},
            "g": {"version": "git+https://g.invalid/g.git#abc", "requires": {"a": "1"}}}}"#;
        let root = Manifest::parse(r#"{"dependencies": {"g": "g.invalid/g"}}"#).unwrap();
        let mut ex = parse_with(text, "package-lock.json", Some(&root));
        super::super::graph::resolve(&mut ex, None);
        let g = &ex.nodes[1].package;
        assert_eq!((g.name.as_str(), g.version.as_deref()), ("g", None));
        assert!(matches!(&g.origin, Some(Origin::Vcs { rev: Some(r), .. }) if r == "abc"));
        assert_eq!(g.direct, Some(true));
        assert_eq!(ex.nodes[0].package.direct, Some(false));
    }

    #[test]
    fn malformed_json_has_a_line() {
        let ex = parse("{\n  \"packages\": {\n    \"x\": \n", "package-lock.json");
        assert_eq!(ex.errors.len(), 1);
        assert!(ex.errors[0].line.is_some());
    }
}
