//! Poetry's own dependency tables: `[tool.poetry.dependencies]`, groups
//! and legacy `dev-dependencies`, with Poetry's constraint syntax.

use super::super::Dep;
use super::super::markers::Marker;
use super::super::pyreq::{self, Declared};
use super::{Entry, Group, Lines, Manifest, UrlEntry};
use crate::model::{Ecosystem, Origin, Package};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
pub(super) struct Poetry {
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) dependencies: BTreeMap<String, PoetryDep>,
    #[serde(rename = "dev-dependencies", default)]
    pub(super) dev: BTreeMap<String, PoetryDep>,
    #[serde(default)]
    pub(super) group: BTreeMap<String, PoetryGroup>,
    #[serde(default)]
    pub(super) source: Vec<UrlEntry>,
}

#[derive(Deserialize, Default)]
pub(super) struct PoetryGroup {
    #[serde(default)]
    pub(super) dependencies: BTreeMap<String, PoetryDep>,
    #[serde(default)]
    pub(super) optional: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum PoetryDep {
    Spec(String),
    Table(PoetryTable),
    Multi(Vec<PoetryTable>),
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct PoetryTable {
    version: Option<String>,
    #[serde(default)]
    extras: Vec<String>,
    markers: Option<String>,
    #[serde(default)]
    optional: bool,
    git: Option<String>,
    branch: Option<String>,
    tag: Option<String>,
    rev: Option<String>,
    path: Option<String>,
    url: Option<String>,
    #[serde(default)]
    develop: bool,
}

pub(super) fn poetry_section(
    m: &mut Manifest,
    lines: &mut Lines,
    deps: &BTreeMap<String, PoetryDep>,
    group: Group,
) {
    for (name, spec) in deps {
        if name.eq_ignore_ascii_case("python") {
            continue; // the interpreter constraint, not a package
        }
        let line = [
            format!("\n{name} "),
            format!("\n{name}="),
            format!("\n\"{name}\""),
        ]
        .iter()
        .find_map(|n| lines.find(n))
        .map(|l| l + 1);
        let tables = match spec {
            PoetryDep::Spec(s) => vec![PoetryTable {
                version: Some(s.clone()),
                ..PoetryTable::default()
            }],
            PoetryDep::Table(t) => vec![t.clone()],
            PoetryDep::Multi(v) => v.clone(),
        };
        for t in tables {
            let g = if t.optional {
                Group::Extra(String::new())
            } else {
                group.clone()
            };
            match poetry_declared(name, &t) {
                Ok(declared) => m.entries.push(Entry {
                    declared,
                    group: g,
                    line,
                }),
                Err(e) => m.errors.push((line, e)),
            }
        }
    }
}

/// A Poetry constraint: `1.2.3` and `==1.2.3` pin; `^1.2`, `~1.2`, `>=1,<2`, `*` do not.
pub fn poetry_pin(constraint: &str) -> Option<String> {
    let c = constraint.trim();
    let v = c.strip_prefix("==").unwrap_or(c).trim();
    let plain = !v.is_empty()
        && v.starts_with(|ch: char| ch.is_ascii_digit())
        && !v.contains([',', '*', ' ', '<', '>', '|', '!', '^', '~']);
    plain.then(|| v.to_string())
}

fn poetry_declared(name: &str, t: &PoetryTable) -> Result<Declared, String> {
    let constraint = t.version.as_deref().unwrap_or("*").trim();
    let version = poetry_pin(constraint).or_else(|| {
        t.url
            .as_deref()
            .and_then(|u| pyreq::archive_version(u, name))
    });
    let mut package = Package::new(Ecosystem::Pypi, name, version.as_deref());
    if package.normalized_name.is_empty() {
        return Err(format!("invalid package name `{name}`"));
    }
    if version.is_none() && constraint != "*" && !constraint.is_empty() {
        package.requirement = Some(constraint.to_string());
    }
    package.origin = if let Some(git) = &t.git {
        let url = if git.starts_with("git+") {
            git.clone()
        } else {
            format!("git+{git}")
        };
        Some(Origin::Vcs {
            url,
            rev: t.rev.clone().or(t.tag.clone()).or(t.branch.clone()),
        })
    } else if let Some(p) = &t.path {
        Some(Origin::Path {
            path: p.clone(),
            editable: t.develop,
        })
    } else {
        t.url.as_ref().map(|u| Origin::Url { url: u.clone() })
    };
    let mut dep = Dep::named(Ecosystem::Pypi, name);
    dep.extras = t.extras.clone();
    if let Some(mk) = &t.markers {
        dep.marker =
            Some(Marker::parse(mk).map_err(|e| format!("`{name}`: invalid markers: {e}"))?);
        package.markers = Some(mk.clone());
    }
    Ok(Declared { package, dep })
}
