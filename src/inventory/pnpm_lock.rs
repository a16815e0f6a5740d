//! `pnpm-lock.yaml`, lockfile versions 9 (pnpm 9, 10), 6 (pnpm 8) and, as
//! far as it shares their shape, 5.
//!
//! v9 splits packages (`packages`: `name@version` → resolution, os/cpu/libc,
//! hasBin) from their dependency edges (`snapshots`: `name@version(peer@x)`
//! → dependencies, one snapshot per peer combination). v6 keeps both in
//! `packages` under `/name@version(peer@x)` keys; v5 under `/name/version_peer`.
//! `importers` holds the project (`.`) and its workspaces; a single-project
//! v6/v5 lockfile has the project's dependencies at top level.

use super::npm_project::{Project, add_root, platform};
use super::package_json::split_name_range;
use super::package_lock::{npm_origin, parse_integrity};
use super::text::read_text;
use super::yaml::{self, entries, scalar, string_list};
use super::{Dep, Extract};
use crate::model::{Ecosystem, InputKind, Origin, Package};
use std::collections::HashMap;
use std::path::Path;
use yaml_rust2::Yaml;

/// Lockfile generations that shape keys differently.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Gen {
    V5,
    V6,
    V9,
}

/// Reads a pnpm-lock.yaml with the workspace manifests its importers name.
pub fn extract(path: &Path, display: &str) -> Extract {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(e) => return Extract::failed(InputKind::PnpmLock, display, None, e),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let importers: Vec<String> = match yaml::load(&text) {
        Ok(doc) => entries(&doc["importers"])
            .into_iter()
            .map(|(k, _)| k)
            .collect(),
        Err(_) => Vec::new(),
    };
    let project = Project::load_dirs(dir, &importers);
    parse_with(&text, display, Some(&project))
}

/// Parses pnpm-lock.yaml text alone.
pub fn parse(text: &str, display: &str) -> Extract {
    parse_with(text, display, None)
}

/// Parses pnpm-lock.yaml text; the project names its workspace packages.
pub fn parse_with(text: &str, display: &str, project: Option<&Project>) -> Extract {
    let mut ex = Extract::new(InputKind::PnpmLock, display);
    let doc = match yaml::load(text) {
        Ok(d) => d,
        Err((line, msg)) => {
            ex.error(line, msg);
            return ex;
        }
    };
    if !matches!(doc, Yaml::Hash(_)) {
        ex.error(
            Some(1),
            "expected a mapping with `lockfileVersion` and `packages`",
        );
        return ex;
    }
    let version = scalar(&doc["lockfileVersion"]).unwrap_or_default();
    let generation = match version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
    {
        Some(m) if m >= 7 => Gen::V9,
        Some(6) => Gen::V6,
        Some(_) => Gen::V5,
        None => {
            ex.error(Some(1), format!("unknown lockfileVersion `{version}`"));
            return ex;
        }
    };
    let lines = yaml::key_lines(text, 2);
    let index = push_packages(&doc, generation, text, &lines, &mut ex);
    // Edges: v9 from snapshots, older from the package entries themselves.
    let edge_source = if generation == Gen::V9 {
        &doc["snapshots"]
    } else {
        &doc["packages"]
    };
    for (key, body) in entries(edge_source) {
        let Some(&from) = index.get(base_key(&key, generation)) else {
            continue;
        };
        let deps = edges(body, generation, &index);
        let node = &mut ex.nodes[from];
        for d in deps {
            if !node.deps.iter().any(|x| x.target == d.target) {
                node.deps.push(d);
            }
        }
    }
    importers(&doc, generation, &index, project, &mut ex);
    ex.graph_known = true;
    ex
}

/// One node per package (peer variants collapse into one), keyed by base key.
fn push_packages(
    doc: &Yaml,
    generation: Gen,
    text: &str,
    lines: &HashMap<String, u32>,
    ex: &mut Extract,
) -> HashMap<String, usize> {
    let mut index = HashMap::new();
    for (key, body) in entries(&doc["packages"]) {
        let base = base_key(&key, generation).to_string();
        if index.contains_key(&base) {
            continue;
        }
        let line = Some(yaml::locate(text, lines, &key));
        let (key_name, key_version) = name_version(&base, generation);
        let name = scalar(&body["name"]).or(key_name);
        let version = scalar(&body["version"]).or(key_version);
        let Some(name) = name else {
            ex.error(line, format!("cannot tell the package name of `{key}`"));
            continue;
        };
        // Directory dependencies (v6 `file:`) may have no version in the lockfile.
        let mut pkg = Package::new(Ecosystem::Npm, &name, version.as_deref());
        fill_resolution(&mut pkg, &body["resolution"], &name);
        if body["requiresBuild"].as_bool() == Some(true) {
            pkg.install_script = Some(true);
        }
        let idx = ex.push(pkg, line);
        ex.nodes[idx].platform = platform(
            &string_list(&body["os"]),
            &string_list(&body["cpu"]),
            &string_list(&body["libc"]),
        );
        index.insert(base, idx);
    }
    index
}

/// Drops the peer suffix: `a@1.0.0(react@19)` → `a@1.0.0`; v5 `/a/1.0.0_react@19` → `/a/1.0.0`.
fn base_key(key: &str, generation: Gen) -> &str {
    let k = match key.find('(') {
        Some(i) if i > 0 => &key[..i],
        _ => key,
    };
    if generation == Gen::V5
        && k.starts_with('/')
        && let Some(i) = k.rfind('/')
        && let Some(u) = k[i..].find('_')
    {
        return &k[..i + u];
    }
    k
}

/// Name and version from a registry package key, when it is one.
fn name_version(base: &str, generation: Gen) -> (Option<String>, Option<String>) {
    match generation {
        Gen::V9 | Gen::V6 => {
            let k = base.strip_prefix('/').unwrap_or(base);
            let (n, v) = split_name_range(k);
            match v {
                _ if n.is_empty() || n.contains(':') => (None, None),
                Some(v) if !v.contains(':') => (Some(n.to_string()), Some(v.to_string())),
                // `tiny-lib@git+https://…`: the name, but no version in the key.
                Some(_) => (Some(n.to_string()), None),
                None => (None, None),
            }
        }
        Gen::V5 => {
            let Some(k) = base.strip_prefix('/') else {
                return (None, None);
            };
            match k.rsplit_once('/') {
                Some((n, v)) if !n.is_empty() => (Some(n.to_string()), Some(v.to_string())),
                _ => (None, None),
            }
        }
    }
}

/// The package key a dependency reference points at.
fn ref_key(name: &str, reference: &str, generation: Gen) -> Option<String> {
    let r = reference.trim();
    if r.starts_with("link:") || r.is_empty() {
        return None;
    }
    let key = match generation {
        Gen::V9 => {
            let (n, v) = split_name_range(r);
            // `other@1.0.0` is an alias (or a non-registry id); a bare version is ours.
            if v.is_some() && !n.is_empty() && !r.starts_with(|c: char| c.is_ascii_digit()) {
                r.to_string()
            } else {
                format!("{name}@{r}")
            }
        }
        Gen::V6 if r.starts_with('/') || r.contains(':') => r.to_string(),
        Gen::V6 => format!("/{name}@{r}"),
        Gen::V5 if r.starts_with('/') || r.contains(':') => r.to_string(),
        Gen::V5 => format!("/{name}/{r}"),
    };
    Some(base_key(&key, generation).to_string())
}

fn edges(body: &Yaml, generation: Gen, index: &HashMap<String, usize>) -> Vec<Dep> {
    let mut out = Vec::new();
    for field in ["dependencies", "optionalDependencies"] {
        for (name, r) in yaml::string_map(&body[field]) {
            if let Some(&t) = ref_key(&name, &r, generation).and_then(|k| index.get(&k)) {
                out.push(Dep::to(t));
            }
        }
    }
    out
}

/// `{integrity, tarball}`, `{type: git, repo, commit}`, `{type: directory, directory}`.
fn fill_resolution(pkg: &mut Package, res: &Yaml, name: &str) {
    if let Some(i) = scalar(&res["integrity"]) {
        for h in parse_integrity(&i) {
            pkg.add_hash(h);
        }
    }
    let ty = scalar(&res["type"]).unwrap_or_default();
    pkg.origin = Some(if ty == "git" {
        Origin::Vcs {
            url: scalar(&res["repo"]).unwrap_or_default(),
            rev: scalar(&res["commit"]),
        }
    } else if let Some(dir) = scalar(&res["directory"]) {
        Origin::Path {
            path: dir,
            editable: false,
        }
    } else if let Some(t) = scalar(&res["tarball"]) {
        npm_origin(&t, name)
    } else {
        Origin::Registry { url: None }
    });
}

/// Dependencies of an importer (`{specifier, version}` in v6+, a bare version in v5).
fn importer_deps(body: &Yaml) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for field in ["dependencies", "devDependencies", "optionalDependencies"] {
        for (name, v) in entries(&body[field]) {
            let r = match v {
                Yaml::Hash(_) => scalar(&v["version"]),
                other => scalar(other),
            };
            if let Some(r) = r {
                out.push((name, r));
            }
        }
    }
    out
}

fn importers(
    doc: &Yaml,
    generation: Gen,
    index: &HashMap<String, usize>,
    project: Option<&Project>,
    ex: &mut Extract,
) {
    let mut list: Vec<(String, &Yaml)> = entries(&doc["importers"]);
    if list.is_empty() {
        list.push((".".into(), doc));
    }
    // Workspace packages the project names become nodes, linked by path.
    let mut ws_node: HashMap<String, usize> = HashMap::new();
    for (path, _) in &list {
        let manifest = project.and_then(|p| p.workspace(path));
        if path == "." {
            continue;
        }
        if let Some(m) = manifest
            && let Some(name) = &m.name
        {
            let mut pkg = Package::new(Ecosystem::Npm, name, m.version.as_deref());
            pkg.direct = Some(true);
            pkg.license = m.license.clone();
            pkg.origin = Some(Origin::Path {
                path: path.clone(),
                editable: false,
            });
            ws_node.insert(path.clone(), ex.push(pkg, None));
        }
    }
    let mut roots = Vec::new();
    for (path, body) in &list {
        let mut deps = Vec::new();
        for (name, r) in importer_deps(body) {
            if let Some(link) = r.strip_prefix("link:") {
                let target = join_rel(path, link);
                if let Some(&i) = ws_node.get(&target) {
                    deps.push(Dep::to(i));
                }
            } else if let Some(&t) = ref_key(&name, &r, generation).and_then(|k| index.get(&k)) {
                deps.push(Dep::to(t));
            }
        }
        match ws_node.get(path) {
            Some(&i) => {
                ex.nodes[i].deps = deps;
                add_root(&mut roots, Dep::to(i));
            }
            None => {
                for d in deps {
                    add_root(&mut roots, d);
                }
            }
        }
    }
    ex.roots = Some(roots);
}

/// `packages/a` + `../b` → `packages/b`.
fn join_rel(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = base
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_each_generation() {
        assert_eq!(base_key("a@1.0.0(react@19.0.0)", Gen::V9), "a@1.0.0");
        assert_eq!(base_key("/a@1.0.0(b@2(c@3))", Gen::V6), "/a@1.0.0");
        assert_eq!(base_key("/@s/a/1.0.0_react@19", Gen::V5), "/@s/a/1.0.0");
        assert_eq!(
            ref_key("x", "is-odd@3.0.1", Gen::V9).as_deref(),
            Some("is-odd@3.0.1")
        );
        assert_eq!(
            ref_key("@s/x", "1.0.0(z@1)", Gen::V9).as_deref(),
            Some("@s/x@1.0.0")
        );
        assert_eq!(
            ref_key("x", "/is-odd@3.0.1", Gen::V6).as_deref(),
            Some("/is-odd@3.0.1")
        );
        assert_eq!(ref_key("x", "1.0.0", Gen::V5).as_deref(), Some("/x/1.0.0"));
        assert_eq!(ref_key("x", "link:../b", Gen::V9), None);
        assert_eq!(
            name_version("/@s/a/1.0.0", Gen::V5),
            (Some("@s/a".into()), Some("1.0.0".into()))
        );
        assert_eq!(join_rel("packages/a", "../b"), "packages/b");
    }

    #[test]
    fn v9_snapshots_give_edges() {
        let text = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1\n        version: 1.0.0(p@2.0.0)\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-3q2+7w==}\n  p@2.0.0:\n    resolution: {integrity: sha512-3q2+7w==}\n    cpu: [arm64]\nsnapshots:\n  a@1.0.0(p@2.0.0):\n    dependencies:\n      p: 2.0.0\n  p@2.0.0: {}\n";
        let mut ex = parse(text, "pnpm-lock.yaml");
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        super::super::graph::resolve(&mut ex, None);
        assert_eq!(ex.nodes[0].package.dependencies, vec!["pkg:npm/p@2.0.0"]);
        assert_eq!(ex.nodes[0].package.direct, Some(true));
        assert_eq!(ex.nodes[1].package.direct, Some(false));
        assert_eq!(ex.nodes[0].package.sources[0].line, Some(9));
        assert!(ex.nodes[1].platform.is_some());
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(parse("packages: [\n", "p").errors.len(), 1);
        assert!(
            parse("lockfileVersion: x\n", "p").errors[0]
                .message
                .contains("unknown")
        );
    }
}
