//! `uv.lock` (uv's universal lockfile, `version = 1`).
//!
//! Every `[[package]]` is a node; `dependencies` (with `marker`, `extra` and,
//! for forked packages, `version`) are edges; `optional-dependencies` are the
//! edges of each extra. The workspace's own packages (`source = { virtual
//! = … }`, or editable members) are the root, not packages: their
//! dependencies and the dependency groups uv installs by default (`dev`, or
//! `[tool.uv] default-groups`) are the direct dependencies.

use super::markers::Marker;
use super::pyreq;
use super::text::{read_text, table_array_lines};
use super::{Dep, Extract, Node};
use crate::model::{Ecosystem, Hash, InputKind, Origin, Package};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
struct Lock {
    version: Option<u32>,
    #[serde(default)]
    manifest: Manifest,
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Deserialize, Default)]
struct Manifest {
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    version: Option<String>,
    #[serde(default)]
    source: Source,
    #[serde(default)]
    dependencies: Vec<LockDep>,
    #[serde(rename = "optional-dependencies", default)]
    optional: BTreeMap<String, Vec<LockDep>>,
    #[serde(rename = "dev-dependencies", default)]
    dev: BTreeMap<String, Vec<LockDep>>,
    sdist: Option<Artifact>,
    #[serde(default)]
    wheels: Vec<Artifact>,
}

/// One of `registry`, `git`, `path`, `directory`, `editable`, `virtual`, `url`.
#[derive(Deserialize, Default)]
struct Source {
    registry: Option<String>,
    git: Option<String>,
    path: Option<String>,
    directory: Option<String>,
    editable: Option<String>,
    #[serde(rename = "virtual")]
    virtual_: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct LockDep {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    #[serde(default)]
    extra: Vec<String>,
}

#[derive(Deserialize)]
struct Artifact {
    hash: Option<String>,
    #[serde(rename = "upload-time")]
    upload_time: Option<String>,
}

/// Reads a uv.lock; roots come from the lock itself, the default groups
/// from the sibling pyproject.toml's `[tool.uv] default-groups`.
pub fn extract(path: &Path, display: &str) -> Extract {
    match read_text(path) {
        Ok(t) => parse_with(&t, display, &default_groups(path)),
        Err(e) => Extract::failed(InputKind::UvLock, display, None, e),
    }
}

/// The dependency groups `uv sync` installs without `--group` flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Groups {
    All,
    Named(Vec<String>),
}

impl Default for Groups {
    /// uv's default: the `dev` group.
    fn default() -> Self {
        Groups::Named(vec!["dev".to_string()])
    }
}

impl Groups {
    fn includes(&self, group: &str) -> bool {
        match self {
            Groups::All => true,
            Groups::Named(v) => v.iter().any(|g| {
                crate::model::pep503_normalize(g) == crate::model::pep503_normalize(group)
            }),
        }
    }
}

/// `[tool.uv] default-groups` of the pyproject.toml beside the lock.
fn default_groups(lock: &Path) -> Groups {
    let Some(text) = lock
        .parent()
        .and_then(|d| std::fs::read_to_string(d.join("pyproject.toml")).ok())
    else {
        return Groups::default();
    };
    let Ok(doc) = toml::from_str::<toml::Table>(&text) else {
        return Groups::default();
    };
    let value = doc
        .get("tool")
        .and_then(|t| t.get("uv"))
        .and_then(|u| u.get("default-groups"));
    match value {
        Some(toml::Value::String(s)) if s == "all" => Groups::All,
        Some(toml::Value::Array(a)) => Groups::Named(
            a.iter()
                .filter_map(|g| g.as_str().map(str::to_string))
                .collect(),
        ),
        _ => Groups::default(),
    }
}

/// Fuzz target body: must never panic.
pub fn fuzz(data: &[u8]) {
    super::fuzz_text(data, "uv.lock", parse);
}

/// Parses uv.lock text (default groups: `dev`).
pub fn parse(text: &str, display: &str) -> Extract {
    parse_with(text, display, &Groups::default())
}

/// Parses uv.lock text; `groups` are the dependency groups installed by default.
pub fn parse_with(text: &str, display: &str, groups: &Groups) -> Extract {
    let mut ex = Extract::new(InputKind::UvLock, display);
    let Some(lock) = ex.toml::<Lock>(text) else {
        return ex;
    };
    if lock.version.is_some_and(|v| v != 1) {
        ex.error(
            None,
            format!(
                "uv.lock version {} is not known; read as version 1",
                lock.version.unwrap_or(0)
            ),
        );
    }
    let starts: Vec<u32> = table_array_lines(text, "[[package]]");
    let members: Vec<String> = lock
        .manifest
        .members
        .iter()
        .map(|m| crate::model::pep503_normalize(m))
        .collect();
    let mut roots: Vec<Dep> = Vec::new();
    let mut has_root = false;
    let mut pending: Vec<(usize, LockPackage)> = Vec::new();
    for (i, p) in lock.package.into_iter().enumerate() {
        if is_workspace_root(&p, &members) {
            has_root = true;
            roots.extend(p.dependencies.iter().map(dep));
            roots.extend(
                p.dev
                    .iter()
                    .filter(|(g, _)| groups.includes(g))
                    .flat_map(|(_, deps)| deps.iter().map(dep)),
            );
            continue;
        }
        let line = starts.get(i).copied();
        let pkg = package(&p, &mut ex.indexes);
        let idx = ex.push(pkg, line);
        pending.push((idx, p));
    }
    for (idx, p) in pending {
        let node: &mut Node = &mut ex.nodes[idx];
        node.deps = p.dependencies.iter().map(dep).collect();
        for (extra, deps) in &p.optional {
            node.optional
                .insert(extra.clone(), deps.iter().map(dep).collect());
        }
    }
    if has_root {
        ex.roots = Some(roots);
    }
    ex.graph_known = true;
    ex
}

/// The workspace's own packages: virtual sources, and members (or `.`) that are editable.
fn is_workspace_root(p: &LockPackage, members: &[String]) -> bool {
    if p.source.virtual_.is_some() {
        return true;
    }
    match &p.source.editable {
        Some(e) => e == "." || members.contains(&crate::model::pep503_normalize(&p.name)),
        None => false,
    }
}

fn dep(d: &LockDep) -> Dep {
    let mut out = Dep::named(Ecosystem::Pypi, &d.name);
    out.version = d.version.clone();
    out.marker = d.marker.as_deref().and_then(|m| Marker::parse(m).ok());
    out.extras = d.extra.clone();
    out
}

fn package(p: &LockPackage, indexes: &mut Vec<String>) -> Package {
    let mut pkg = Package::new(Ecosystem::Pypi, &p.name, p.version.as_deref());
    for a in p.sdist.iter().chain(&p.wheels) {
        if let Some(h) = a.hash.as_deref().and_then(Hash::parse_prefixed) {
            pkg.add_hash(h);
        }
    }
    // The sdist is the first upload of a release; else the earliest wheel.
    pkg.release_time = p
        .sdist
        .as_ref()
        .and_then(|s| s.upload_time.clone())
        .or_else(|| p.wheels.iter().filter_map(|w| w.upload_time.clone()).min());
    let s = &p.source;
    pkg.origin = if let Some(r) = &s.registry {
        if r.contains("://") {
            pyreq::add_index(indexes, r);
        }
        Some(Origin::Registry {
            url: Some(r.clone()),
        })
    } else if let Some(g) = &s.git {
        Some(git_origin(g))
    } else if let Some(u) = &s.url {
        Some(Origin::Url { url: u.clone() })
    } else if let Some(e) = &s.editable {
        Some(Origin::Path {
            path: e.clone(),
            editable: true,
        })
    } else {
        s.path
            .as_ref()
            .or(s.directory.as_ref())
            .map(|p| Origin::Path {
                path: p.clone(),
                editable: false,
            })
    };
    pkg
}

/// `https://host/org/repo?rev=main#<commit>` → VCS origin at the locked commit.
fn git_origin(g: &str) -> Origin {
    let (base, commit) = match g.split_once('#') {
        Some((b, c)) => (b, Some(c.to_string())),
        None => (g, None),
    };
    let (url, query) = base.split_once('?').unwrap_or((base, ""));
    let requested = query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        matches!(k, "rev" | "tag" | "branch").then(|| v.to_string())
    });
    Origin::Vcs {
        url: format!("git+{url}"),
        rev: commit.or(requested),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "bs4" },
    { name = "httpx", extra = ["http2"] },
]

[package.dev-dependencies]
dev = [{ name = "pytest" }]
docs = [{ name = "sphinx" }]

[[package]]
name = "bs4"
version = "4.0"
source = { registry = "https://pypi.invalid/simple" }
dependencies = [
    { name = "soupsieve", version = "2.10", source = { registry = "https://pypi.invalid/simple" }, marker = "python_full_version < '3.11.5'" },
    { name = "soupsieve", version = "4.1.2", source = { registry = "https://pypi.invalid/simple" }, marker = "python_full_version >= '3.11.5'" },
]
sdist = { url = "https://files.pypi.invalid/bs4-4.0.tar.gz", hash = "sha256:AA", size = 1, upload-time = "2026-01-02T00:00:00Z" }
wheels = [{ url = "https://files.pypi.invalid/bs4-4.0-py3-none-any.whl", hash = "sha256:bb", size = 1, upload-time = "2026-01-01T00:00:00Z" }]

[[package]]
name = "soupsieve"
version = "2.10"
source = { registry = "https://pypi.invalid/simple" }

[[package]]
name = "soupsieve"
version = "4.1.2"
source = { registry = "https://pypi.invalid/simple" }

[[package]]
name = "httpx"
version = "0.28.1"
source = { git = "https://git.invalid/encode/httpx?tag=0.28.1#abc123" }

[package.optional-dependencies]
http2 = [{ name = "h2" }]

[[package]]
name = "h2"
version = "4.0"
source = { registry = "https://pypi.invalid/simple" }
wheels = [{ url = "u", hash = "sha256:cc", upload-time = "2025-05-05T00:00:00Z" }, { url = "v", hash = "sha256:dd", upload-time = "2025-01-01T00:00:00Z" }]

[[package]]
name = "pytest"
version = "8.0"
source = { registry = "https://pypi.invalid/simple" }

[[package]]
name = "sphinx"
version = "7.0"
source = { registry = "https://pypi.invalid/simple" }

[[package]]
name = "unused"
version = "1.0"
source = { path = "vendor/unused-1.0.tar.gz" }
"#;

    fn target() -> super::super::markers::Target {
        super::super::markers::Target::new(super::super::markers::TargetEnv {
            python: "3.11.7".into(),
            platform: "linux".into(),
            arch: "x86_64".into(),
        })
        .unwrap()
    }

    #[test]
    fn graph_roots_forks_and_metadata() {
        let mut ex = parse(LOCK, "uv.lock");
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        assert_eq!(ex.nodes.len(), 8);
        assert_eq!(ex.nodes[0].package.sources[0].line, Some(19));
        super::super::graph::resolve(&mut ex, Some(&target()));
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        assert_eq!(
            ids,
            vec![
                "bs4@4.0",
                "soupsieve@4.1.2",
                "httpx@0.28.1",
                "h2@4.0",
                "pytest@8.0"
            ]
        );
        let bs4 = &ex.nodes[0].package;
        assert_eq!(bs4.direct, Some(true));
        assert_eq!(bs4.dependencies, vec!["pkg:pypi/soupsieve@4.1.2"]);
        assert_eq!(bs4.release_time.as_deref(), Some("2026-01-02T00:00:00Z"));
        assert_eq!(bs4.hashes.len(), 2);
        assert_eq!(ex.nodes[1].package.introduced_by, vec!["pkg:pypi/bs4@4.0"]);
        assert_eq!(
            ex.nodes[3].package.introduced_by,
            vec!["pkg:pypi/httpx@0.28.1"]
        );
        assert_eq!(
            ex.nodes[3].package.release_time.as_deref(),
            Some("2025-01-01T00:00:00Z")
        );
        assert_eq!(
            ex.nodes[2].package.origin,
            Some(Origin::Vcs {
                url: "git+https://git.invalid/encode/httpx".into(),
                rev: Some("abc123".into())
            })
        );
        assert_eq!(ex.indexes, vec!["https://pypi.invalid/simple"]);
    }

    #[test]
    fn default_groups() {
        let mut ex = parse_with(LOCK, "uv.lock", &Groups::All);
        super::super::graph::resolve(&mut ex, Some(&target()));
        assert!(ex.nodes.iter().any(|n| n.package.name == "sphinx"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[tool.uv]\ndefault-groups = [\"docs\"]\n",
        )
        .unwrap();
        assert_eq!(
            super::default_groups(&dir.path().join("uv.lock")),
            Groups::Named(vec!["docs".into()])
        );
    }

    #[test]
    fn without_target_both_forks_are_kept() {
        let mut ex = parse(LOCK, "uv.lock");
        super::super::graph::resolve(&mut ex, None);
        let bs4 = &ex.nodes[0].package;
        assert_eq!(bs4.dependencies.len(), 2);
        let unused = ex
            .nodes
            .iter()
            .find(|n| n.package.name == "unused")
            .unwrap();
        assert_eq!(unused.package.direct, None);
    }

    #[test]
    fn workspace_members_are_the_root() {
        let text = r#"version = 1
[manifest]
members = ["app", "lib"]

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "lib" }]

[[package]]
name = "lib"
version = "0.2.0"
source = { editable = "packages/lib" }
dependencies = [{ name = "six" }]

[[package]]
name = "vendored"
version = "1.0"
source = { editable = "vendor/vendored" }

[[package]]
name = "six"
version = "1.17.0"
source = { registry = "https://pypi.invalid/simple" }
"#;
        let mut ex = parse(text, "uv.lock");
        let names: Vec<&str> = ex.nodes.iter().map(|n| n.package.name.as_str()).collect();
        // Members are the root; an editable path dependency that is no member is a package.
        assert_eq!(names, vec!["vendored", "six"]);
        super::super::graph::resolve(&mut ex, None);
        assert_eq!(ex.nodes[1].package.direct, Some(true));
        assert_eq!(
            ex.nodes[0].package.origin,
            Some(Origin::Path {
                path: "vendor/vendored".into(),
                editable: true
            })
        );
    }

    #[test]
    fn malformed() {
        let ex = parse(
            "version = 1\n[[package]]\nname = \"a\"\nversion = 1.0.0\n",
            "uv.lock",
        );
        assert_eq!(ex.errors.len(), 1);
        assert_eq!(ex.errors[0].line, Some(4));
        let ex = parse("[[package]]\nversion = \"1\"\n", "uv.lock");
        assert!(
            ex.errors[0].message.contains("name"),
            "{}",
            ex.errors[0].message
        );
    }
}
