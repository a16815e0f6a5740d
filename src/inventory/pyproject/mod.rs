//! `pyproject.toml`: the project's declared dependencies.
//!
//! PEP 621 `[project] dependencies` and `optional-dependencies`, PEP 735
//! `[dependency-groups]` (with `{include-group = …}`), Poetry's
//! `[tool.poetry.dependencies]`, groups and legacy `dev-dependencies`, uv's
//! and PDM's dev dependencies, and the indexes the tools are told to use.
//! Every declared package is direct; unpinned ones carry the requirement.
//! Lockfile extractors call [`roots`] to learn which lock entries are direct.

mod poetry;

use super::pyreq::{self, Declared};
use super::text::{LineIndex, read_text, toml_error};
use super::{Dep, Extract};
use crate::model::{InputKind, Origin};
pub use poetry::poetry_pin;
use poetry::{Poetry, poetry_section};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize, Default)]
struct Pyproject {
    project: Option<Project>,
    #[serde(rename = "dependency-groups", default)]
    dependency_groups: BTreeMap<String, Vec<GroupItem>>,
    tool: Option<Tool>,
}

#[derive(Deserialize, Default)]
struct Project {
    name: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(rename = "optional-dependencies", default)]
    optional: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum GroupItem {
    Req(String),
    Include {
        #[serde(rename = "include-group")]
        include_group: String,
    },
}

#[derive(Deserialize, Default)]
struct Tool {
    poetry: Option<Poetry>,
    uv: Option<Uv>,
    pdm: Option<Pdm>,
}

#[derive(Deserialize, Default)]
struct Uv {
    #[serde(rename = "dev-dependencies", default)]
    dev: Vec<String>,
    #[serde(default)]
    index: Vec<UrlEntry>,
    #[serde(rename = "index-url")]
    index_url: Option<String>,
    #[serde(rename = "extra-index-url", default)]
    extra_index_url: Vec<String>,
    #[serde(default)]
    sources: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize, Default)]
struct Pdm {
    #[serde(rename = "dev-dependencies", default)]
    dev: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    source: Vec<UrlEntry>,
}

#[derive(Deserialize, Default)]
struct UrlEntry {
    url: Option<String>,
}

/// Which part of the project declares a dependency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Group {
    /// `[project] dependencies` / `[tool.poetry.dependencies]`.
    Main,
    /// An extra (`optional-dependencies`, Poetry `optional = true`): installed on request.
    Extra(String),
    /// A dependency group; `optional` ones (Poetry) are not installed by default.
    Group { name: String, optional: bool },
}

impl Group {
    /// Whether the tools install it by default (`uv sync`, `poetry install`, `pdm install`).
    pub fn default_install(&self) -> bool {
        match self {
            Group::Main => true,
            Group::Extra(_) => false,
            Group::Group { optional, .. } => !optional,
        }
    }
}

/// One declared dependency.
pub struct Entry {
    pub declared: Declared,
    pub group: Group,
    pub line: Option<u32>,
}

/// What a pyproject.toml declares.
#[derive(Default)]
pub struct Manifest {
    pub name: Option<String>,
    pub entries: Vec<Entry>,
    pub indexes: Vec<String>,
    pub errors: Vec<(Option<u32>, String)>,
}

/// Reads a pyproject.toml.
pub fn extract(path: &Path, display: &str) -> Extract {
    match read_text(path) {
        Ok(t) => parse(&t, display),
        Err(e) => Extract::failed(InputKind::Pyproject, display, None, e),
    }
}

/// Parses pyproject.toml text: one direct package per declaration.
pub fn parse(text: &str, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::Pyproject, display);
    let m = manifest(text);
    for (line, msg) in m.errors {
        ex.error(line, msg);
    }
    ex.indexes = m.indexes;
    let project = m.name.as_deref().map(crate::model::pep503_normalize);
    for e in m.entries {
        if Some(&e.declared.package.normalized_name) == project.as_ref() {
            continue; // `proj[extra]` in a group refers to the project itself
        }
        let mut package = e.declared.package;
        package.direct = Some(true);
        let idx = ex.push(package, e.line);
        ex.nodes[idx].marker = e.declared.dep.marker;
    }
    ex
}

/// Fuzz target body: must never panic.
pub fn fuzz(data: &[u8]) {
    super::fuzz_text(data, "pyproject.toml", parse);
}

/// The direct dependencies a tool installs by default from the
/// pyproject.toml beside a lockfile: main dependencies and non-optional
/// groups (extras the project requests of itself are expanded). `None` when
/// there is no readable pyproject.toml there, or it declares no dependency.
pub fn roots(lockfile: &Path) -> Option<Vec<Dep>> {
    let path = lockfile.parent()?.join("pyproject.toml");
    let text = std::fs::read_to_string(path).ok()?;
    let m = manifest(&text);
    if m.errors.iter().any(|(_, e)| e.starts_with("invalid TOML")) {
        return None;
    }
    let project = m.name.as_deref().map(crate::model::pep503_normalize);
    let mut out = Vec::new();
    for e in m.entries.iter().filter(|e| e.group.default_install()) {
        let dep = &e.declared.dep;
        if Some(&dep.name) == project.as_ref() {
            // `proj[extra]`: the project's own extra.
            for x in &dep.extras {
                out.extend(
                    m.entries
                        .iter()
                        .filter(|o| o.group == Group::Extra(x.clone()))
                        .map(|o| o.declared.dep.clone()),
                );
            }
        } else {
            out.push(dep.clone());
        }
    }
    // A pyproject.toml that declares nothing (only tool settings) says
    // nothing about the lock: let the graph decide.
    (!out.is_empty()).then_some(out)
}

/// Parses the declarations of a pyproject.toml.
pub fn manifest(text: &str) -> Manifest {
    let mut m = Manifest::default();
    let doc: Pyproject = match toml::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            m.errors.push(toml_error(text, &e));
            return m;
        }
    };
    let mut lines = Lines::new(text);
    let tool = doc.tool.unwrap_or_default();
    if let Some(p) = doc.project {
        m.name = p.name;
        for r in &p.dependencies {
            pep508(&mut m, &mut lines, r, Group::Main);
        }
        for (extra, reqs) in &p.optional {
            for r in reqs {
                pep508(&mut m, &mut lines, r, Group::Extra(extra.clone()));
            }
        }
    }
    for name in doc.dependency_groups.keys() {
        let mut seen = Vec::new();
        let reqs = expand_group(&doc.dependency_groups, name, &mut seen, &mut m.errors);
        for r in reqs {
            pep508(&mut m, &mut lines, &r, group(name, false));
        }
    }
    if let Some(uv) = tool.uv {
        for r in &uv.dev {
            pep508(&mut m, &mut lines, r, group("dev", false));
        }
        for u in uv.index.iter().filter_map(|i| i.url.as_deref()) {
            pyreq::add_index(&mut m.indexes, u);
        }
        for u in uv.index_url.iter().chain(&uv.extra_index_url) {
            pyreq::add_index(&mut m.indexes, u);
        }
        apply_uv_sources(&mut m, &uv.sources);
    }
    if let Some(pdm) = tool.pdm {
        for (g, reqs) in &pdm.dev {
            for r in reqs {
                pep508(&mut m, &mut lines, r, group(g, false));
            }
        }
        for u in pdm.source.iter().filter_map(|s| s.url.as_deref()) {
            pyreq::add_index(&mut m.indexes, u);
        }
    }
    if let Some(poetry) = tool.poetry {
        if m.name.is_none() {
            m.name = poetry.name.clone();
        }
        poetry_section(&mut m, &mut lines, &poetry.dependencies, Group::Main);
        poetry_section(&mut m, &mut lines, &poetry.dev, group("dev", false));
        for (g, body) in &poetry.group {
            poetry_section(
                &mut m,
                &mut lines,
                &body.dependencies,
                group(g, body.optional),
            );
        }
        for u in poetry.source.iter().filter_map(|s| s.url.as_deref()) {
            pyreq::add_index(&mut m.indexes, u);
        }
    }
    m
}

fn group(name: &str, optional: bool) -> Group {
    Group::Group {
        name: name.to_string(),
        optional,
    }
}

/// Finds declaration lines searching forward, so repeated strings get distinct lines.
struct Lines<'a> {
    text: &'a str,
    index: LineIndex,
    cursor: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            text,
            index: LineIndex::new(text),
            cursor: 0,
        }
    }

    fn find(&mut self, needle: &str) -> Option<u32> {
        let found = super::text::find_line(self.text, &self.index, needle, self.cursor)
            .or_else(|| super::text::find_line(self.text, &self.index, needle, 0));
        found.map(|(line, off)| {
            self.cursor = off + needle.len();
            line
        })
    }
}

fn pep508(m: &mut Manifest, lines: &mut Lines, req: &str, group: Group) {
    let line = lines.find(req);
    match pyreq::parse_req(req) {
        Ok(r) => m.entries.push(Entry {
            declared: pyreq::declared(&r, req),
            group,
            line,
        }),
        Err(e) => m
            .errors
            .push((line, format!("invalid requirement `{req}`: {e}"))),
    }
}

/// PEP 735: a group's requirements with `{include-group = …}` expanded.
fn expand_group(
    groups: &BTreeMap<String, Vec<GroupItem>>,
    name: &str,
    seen: &mut Vec<String>,
    errors: &mut Vec<(Option<u32>, String)>,
) -> Vec<String> {
    let norm = crate::model::pep503_normalize(name);
    if seen.contains(&norm) {
        errors.push((None, format!("dependency group `{name}` includes itself")));
        return Vec::new();
    }
    let Some((_, items)) = groups
        .iter()
        .find(|(k, _)| crate::model::pep503_normalize(k) == norm)
    else {
        errors.push((
            None,
            format!("included dependency group `{name}` does not exist"),
        ));
        return Vec::new();
    };
    seen.push(norm);
    let mut out = Vec::new();
    for item in items {
        match item {
            GroupItem::Req(r) => out.push(r.clone()),
            GroupItem::Include { include_group } => {
                out.extend(expand_group(groups, include_group, seen, errors))
            }
        }
    }
    seen.pop();
    out
}

/// `[tool.uv.sources]`: git, path, URL origins for the named packages.
fn apply_uv_sources(m: &mut Manifest, sources: &BTreeMap<String, toml::Value>) {
    for (name, v) in sources {
        let table = match v {
            toml::Value::Table(t) => Some(t),
            toml::Value::Array(a) => a.iter().find_map(|x| x.as_table()),
            _ => None,
        };
        let Some(t) = table else { continue };
        let s = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let origin = if let Some(git) = s("git") {
            Some(Origin::Vcs {
                url: format!("git+{git}"),
                rev: s("rev").or(s("tag")).or(s("branch")),
            })
        } else if let Some(p) = s("path") {
            let editable = t.get("editable").and_then(|e| e.as_bool()).unwrap_or(false);
            Some(Origin::Path { path: p, editable })
        } else {
            s("url").map(|url| Origin::Url { url })
        };
        let norm = crate::model::pep503_normalize(name);
        for e in m
            .entries
            .iter_mut()
            .filter(|e| e.declared.package.normalized_name == norm)
        {
            if e.declared.package.origin.is_none() {
                e.declared.package.origin = origin.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
[project]
name = "demo"
dependencies = ["requests==2.31.0", "numpy>=1.26 ; python_version >= '3.10'"]
[project.optional-dependencies]
fast = ["orjson"]

[dependency-groups]
test = ["pytest>=8", {include-group = "lint"}]
lint = ["ruff==0.5.0"]
all = ["demo[fast]"]

[tool.uv.sources]
requests = { git = "https://git.invalid/psf/requests", tag = "v2.31.0" }

[[tool.uv.index]]
url = "https://pypi.invalid/simple"

[tool.poetry.dependencies]
python = "^3.11"
flask = "^3.0"
attrs = "23.2.0"
mylib = { path = "../mylib", develop = true }
gitdep = { git = "https://git.invalid/o/gitdep.git", rev = "abc123" }

[tool.poetry.group.docs]
optional = true
[tool.poetry.group.docs.dependencies]
sphinx = "~7.2"
"#;

    #[test]
    fn declared_packages() {
        let ex = parse(TEXT, "pyproject.toml");
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        assert_eq!(
            ids,
            vec![
                "requests@2.31.0",
                "numpy",
                "orjson",
                "ruff@0.5.0",
                "pytest",
                "ruff@0.5.0",
                "attrs@23.2.0",
                "flask",
                "gitdep",
                "mylib",
                "sphinx"
            ]
        );
        assert!(ex.nodes.iter().all(|n| n.package.direct == Some(true)));
        let flask = &ex.nodes[7].package;
        assert_eq!(flask.requirement.as_deref(), Some("^3.0"));
        assert_eq!(flask.sources[0].line, Some(21));
        assert_eq!(
            ex.nodes[0].package.origin,
            Some(Origin::Vcs {
                url: "git+https://git.invalid/psf/requests".into(),
                rev: Some("v2.31.0".into())
            })
        );
        assert_eq!(
            ex.nodes[9].package.origin,
            Some(Origin::Path {
                path: "../mylib".into(),
                editable: true
            })
        );
        assert_eq!(ex.indexes, vec!["https://pypi.invalid/simple"]);
    }

    #[test]
    fn roots_are_default_install_set() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), TEXT).unwrap();
        let roots = roots(&dir.path().join("uv.lock")).unwrap();
        let names: Vec<&str> = roots.iter().map(|d| d.name.as_str()).collect();
        // Extras only through `demo[fast]`; the optional Poetry group is left out.
        assert_eq!(
            names,
            vec![
                "requests", "numpy", "orjson", "ruff", "pytest", "ruff", "attrs", "flask",
                "gitdep", "mylib"
            ]
        );
    }

    #[test]
    fn bad_input() {
        let ex = parse(
            "[project]\ndependencies = [\"ok\", \"bad!!\"]\n",
            "pyproject.toml",
        );
        assert_eq!(ex.nodes.len(), 1);
        assert_eq!(ex.errors[0].line, Some(2));
        let ex = parse("[project\nname = 1\n", "pyproject.toml");
        assert_eq!(ex.errors[0].line, Some(1));
        let ex = parse(
            "[dependency-groups]\na = [{include-group = \"a\"}]\n",
            "pyproject.toml",
        );
        assert!(ex.errors[0].message.contains("includes itself"));
        assert_eq!(poetry_pin("==1.2"), Some("1.2".into()));
        assert_eq!(poetry_pin("^1.2"), None);
    }
}
