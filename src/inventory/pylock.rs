//! `pylock.toml` / `pylock.NAME.toml` (PEP 751, `lock-version = "1.0"`).
//!
//! Each `[[packages]]` entry: `name`, `version`, `marker` (the node's
//! install condition), `index`, one of `vcs` / `directory` / `archive` /
//! `sdist` + `wheels` (hashes, `upload-time`), and optional
//! `dependencies`. The format's install model is "install every entry whose
//! marker holds"; when no entry lists `dependencies` (uv does not write
//! them) there is no graph, and every entry is taken as direct.

use super::markers::Marker;
use super::pyreq;
use super::text::read_text;
use super::{Dep, Extract};
use crate::model::{Ecosystem, Hash, InputKind, Origin, Package};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::value::Datetime;

#[derive(Deserialize)]
struct Lock {
    #[serde(rename = "lock-version")]
    lock_version: Option<String>,
    #[serde(rename = "default-groups", default)]
    default_groups: Vec<String>,
    #[serde(default)]
    packages: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    index: Option<String>,
    dependencies: Option<Vec<DepRef>>,
    vcs: Option<Vcs>,
    directory: Option<Directory>,
    archive: Option<Artifact>,
    sdist: Option<Artifact>,
    #[serde(default)]
    wheels: Vec<Artifact>,
}

#[derive(Deserialize)]
struct DepRef {
    name: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
struct Vcs {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: Option<String>,
    path: Option<String>,
    #[serde(rename = "requested-revision")]
    requested_revision: Option<String>,
    #[serde(rename = "commit-id")]
    commit_id: Option<String>,
}

#[derive(Deserialize)]
struct Directory {
    path: String,
    #[serde(default)]
    editable: bool,
}

#[derive(Deserialize)]
struct Artifact {
    url: Option<String>,
    path: Option<String>,
    #[serde(rename = "upload-time")]
    upload_time: Option<Datetime>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

/// Reads a pylock.toml.
pub fn extract(path: &Path, display: &str) -> Extract {
    match read_text(path) {
        Ok(t) => parse(&t, display),
        Err(e) => Extract::failed(InputKind::Pylock, display, None, e),
    }
}

/// Fuzz target body: must never panic.
pub fn fuzz(data: &[u8]) {
    super::fuzz_text(data, "pylock.toml", parse);
}

/// Parses pylock.toml text.
pub fn parse(text: &str, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::Pylock, display);
    let Some(lock) = ex.toml::<Lock>(text) else {
        return ex;
    };
    match lock.lock_version.as_deref() {
        Some(v) if v.starts_with("1.") || v == "1" => {}
        Some(v) => ex.error(None, format!("lock-version {v} is not known; read as 1.0")),
        None => ex.error(None, "no `lock-version` (required by PEP 751)"),
    }
    let lines = super::text::table_array_lines(text, "[[packages]]");
    let graph = lock.packages.iter().any(|p| p.dependencies.is_some());
    for (i, p) in lock.packages.iter().enumerate() {
        let line = lines.get(i).copied();
        let pkg = package(p, &mut ex.indexes, graph);
        let idx = ex.push(pkg, line);
        if let Some(m) = &p.marker {
            match Marker::parse(&pep751_marker(m, &lock.default_groups)) {
                Ok(mk) => ex.nodes[idx].marker = Some(mk),
                Err(e) => ex.error(line, format!("{}: invalid marker: {e}", p.name)),
            }
        }
        if let Some(deps) = &p.dependencies {
            ex.nodes[idx].deps = deps
                .iter()
                .filter_map(|d| {
                    let mut dep = Dep::named(Ecosystem::Pypi, d.name.as_deref()?);
                    dep.version = d.version.clone();
                    Some(dep)
                })
                .collect();
        }
    }
    ex.graph_known = graph;
    ex
}

fn package(p: &LockPackage, indexes: &mut Vec<String>, graph: bool) -> Package {
    let mut pkg = Package::new(Ecosystem::Pypi, &p.name, p.version.as_deref());
    pkg.markers = p.marker.clone();
    if !graph {
        pkg.direct = Some(true);
    }
    let artifacts: Vec<&Artifact> = p.archive.iter().chain(&p.sdist).chain(&p.wheels).collect();
    for a in &artifacts {
        for (alg, value) in &a.hashes {
            pkg.add_hash(Hash::new(alg, value));
        }
    }
    pkg.release_time = p
        .archive
        .iter()
        .chain(&p.sdist)
        .find_map(|a| a.upload_time.map(|t| t.to_string()))
        .or_else(|| {
            p.wheels
                .iter()
                .filter_map(|w| w.upload_time.map(|t| t.to_string()))
                .min()
        });
    pkg.origin = if let Some(v) = &p.vcs {
        let url = v.url.clone().or(v.path.clone()).unwrap_or_default();
        let kind = v.kind.as_deref().unwrap_or("git");
        Some(Origin::Vcs {
            url: format!("{kind}+{url}"),
            rev: v.commit_id.clone().or(v.requested_revision.clone()),
        })
    } else if let Some(d) = &p.directory {
        Some(Origin::Path {
            path: d.path.clone(),
            editable: d.editable,
        })
    } else if let Some(a) = &p.archive {
        a.url
            .as_ref()
            .map(|u| Origin::Url { url: u.clone() })
            .or(a.path.as_ref().map(|path| Origin::Path {
                path: path.clone(),
                editable: false,
            }))
    } else if let Some(i) = &p.index {
        pyreq::add_index(indexes, i);
        Some(Origin::Registry {
            url: Some(i.clone()),
        })
    } else {
        artifacts
            .iter()
            .find_map(|a| a.path.clone())
            .map(|path| Origin::Path {
                path,
                editable: false,
            })
    };
    pkg
}

/// PEP 751 adds `'name' in extras` and `'name' in dependency_groups` to the
/// marker language, which PEP 508 parsers do not know. For a default install
/// no extra is requested and the lock's `default-groups` are: each such test
/// becomes a constant (written as a PEP 508 comparison that always holds, or
/// never does) before parsing.
fn pep751_marker(marker: &str, default_groups: &[String]) -> String {
    const TRUE: &str = "python_full_version >= '0'";
    const FALSE: &str = "python_full_version < '0'";
    let mut out = String::with_capacity(marker.len());
    let mut rest = marker;
    while let Some(q) = rest.find(['\'', '"']) {
        let quote = rest.as_bytes()[q] as char;
        let Some(close) = rest[q + 1..].find(quote).map(|c| q + 1 + c) else {
            break;
        };
        let name = &rest[q + 1..close];
        let after = rest[close + 1..].trim_start();
        let (negated, after_in) = if let Some(a) = after.strip_prefix("not in") {
            (true, a)
        } else if let Some(a) = after.strip_prefix("in") {
            (false, a)
        } else {
            out.push_str(&rest[..=close]);
            rest = &rest[close + 1..];
            continue;
        };
        let after_in = after_in.trim_start();
        let (holds, tail) = if let Some(t) = after_in.strip_prefix("dependency_groups") {
            let norm = crate::model::pep503_normalize(name);
            (
                default_groups
                    .iter()
                    .any(|g| crate::model::pep503_normalize(g) == norm),
                t,
            )
        } else if let Some(t) = after_in.strip_prefix("extras") {
            (false, t)
        } else {
            out.push_str(&rest[..=close]);
            rest = &rest[close + 1..];
            continue;
        };
        out.push_str(&rest[..q]);
        out.push_str(if holds != negated { TRUE } else { FALSE });
        rest = tail;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.11"

[[packages]]
name = "soupsieve"
version = "2.10"
marker = "python_full_version < '3.11.5'"
index = "https://pypi.invalid/simple"
sdist = { url = "https://files.pypi.invalid/soupsieve-2.10.tar.gz", upload-time = 2026-09-24T02:36:35Z, size = 1, hashes = { sha256 = "AA" } }

[[packages]]
name = "soupsieve"
version = "4.1.2"
marker = "python_full_version >= '3.11.5'"
index = "https://pypi.invalid/simple"
wheels = [{ url = "https://files.pypi.invalid/soupsieve-4.1.2-py3-none-any.whl", upload-time = 2026-11-18T17:21:02Z, hashes = { sha256 = "bb" } }]

[[packages]]
name = "tool"
vcs = { type = "git", url = "https://git.invalid/o/tool.git", commit-id = "abc" }
"#;

    #[test]
    fn markers_select_the_fork() {
        let mut ex = parse(LOCK, "pylock.toml");
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        assert_eq!(ex.nodes[1].package.sources[0].line, Some(13));
        assert_eq!(
            ex.nodes[0].package.release_time.as_deref(),
            Some("2026-09-24T02:36:35Z")
        );
        let target = super::super::markers::Target::new(super::super::markers::TargetEnv {
            python: "3.11.7".into(),
            platform: "linux".into(),
            arch: "x86_64".into(),
        })
        .unwrap();
        super::super::graph::resolve(&mut ex, Some(&target));
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        assert_eq!(ids, vec!["soupsieve@4.1.2", "tool"]);
        assert!(ex.nodes.iter().all(|n| n.package.direct == Some(true)));
        assert_eq!(
            ex.nodes[1].package.origin,
            Some(Origin::Vcs {
                url: "git+https://git.invalid/o/tool.git".into(),
                rev: Some("abc".into())
            })
        );
    }

    #[test]
    fn dependencies_make_a_graph() {
        let text = "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\nversion = \"1\"\ndependencies = [{name = \"b\"}]\n\
                    [[packages]]\nname = \"b\"\nversion = \"2\"\n";
        let mut ex = parse(text, "pylock.toml");
        super::super::graph::resolve(&mut ex, None);
        assert_eq!(ex.nodes[0].package.direct, Some(true));
        assert_eq!(ex.nodes[1].package.direct, Some(false));
        assert_eq!(ex.nodes[1].package.introduced_by, vec!["pkg:pypi/a@1"]);
    }

    #[test]
    fn pep751_group_and_extra_markers() {
        let groups = vec!["dev".to_string()];
        let m = pep751_marker(
            "'dev' in dependency_groups and sys_platform == 'linux'",
            &groups,
        );
        assert_eq!(m, "python_full_version >= '0' and sys_platform == 'linux'");
        let m = pep751_marker(
            "\"docs\" in dependency_groups or 'x' not in extras",
            &groups,
        );
        assert_eq!(m, "python_full_version < '0' or python_full_version >= '0'");
        assert_eq!(
            pep751_marker("python_version < '3.12'", &groups),
            "python_version < '3.12'"
        );
        let text = "lock-version = \"1.0\"\ndefault-groups = [\"dev\"]\n\
                    [[packages]]\nname = \"pytest\"\nversion = \"8\"\nmarker = \"'dev' in dependency_groups\"\n\
                    [[packages]]\nname = \"sphinx\"\nversion = \"7\"\nmarker = \"'docs' in dependency_groups\"\n";
        let mut ex = parse(text, "pylock.toml");
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        let target = super::super::markers::Target::new(super::super::markers::TargetEnv {
            python: "3.11.7".into(),
            platform: "linux".into(),
            arch: "x86_64".into(),
        })
        .unwrap();
        super::super::graph::resolve(&mut ex, Some(&target));
        let names: Vec<&str> = ex.nodes.iter().map(|n| n.package.name.as_str()).collect();
        assert_eq!(names, vec!["pytest"]);
    }

    #[test]
    fn missing_version_field_is_reported() {
        let ex = parse("[[packages]]\nname = \"a\"\n", "pylock.toml");
        assert!(ex.errors[0].message.contains("lock-version"));
    }
}
