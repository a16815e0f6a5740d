//! `package.json`: the project's declared dependencies (as a manifest input),
//! and the lenient manifest reader every npm extractor shares (lockfile
//! roots, installed trees, tarballs).
//!
//! Installed packages' manifests are written by thousands of authors: a field
//! of the wrong type is ignored, never an error.

use super::text::{LineIndex, find_line, json_error, read_text};
use super::{Dep, Extract};
use crate::model::{Ecosystem, InputKind, Origin, Package};
use serde_json::{Map, Value};
use std::path::Path;

/// The fields of a `package.json` tollgate uses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Manifest {
    pub name: Option<String>,
    pub version: Option<String>,
    pub license: Option<String>,
    /// `dependencies`, name → spec (sorted by name).
    pub dependencies: Vec<(String, String)>,
    pub dev_dependencies: Vec<(String, String)>,
    pub optional_dependencies: Vec<(String, String)>,
    pub peer_dependencies: Vec<(String, String)>,
    /// `workspaces` globs (array, or `{ "packages": [...] }`).
    pub workspaces: Vec<String>,
    /// A `preinstall`, `install` or `postinstall` script.
    pub install_script: bool,
    /// `"gypfile": true` (npm runs `node-gyp rebuild` when a binding.gyp exists).
    pub gypfile: bool,
    pub os: Vec<String>,
    pub cpu: Vec<String>,
    pub libc: Vec<String>,
}

impl Manifest {
    /// Parses manifest text. Only invalid JSON or a non-object is an error.
    pub fn parse(text: &str) -> Result<Manifest, (Option<u32>, String)> {
        let v: Value = serde_json::from_str(text).map_err(|e| json_error(&e))?;
        match v {
            Value::Object(o) => Ok(Manifest::from_object(&o)),
            _ => Err((Some(1), "expected a JSON object".into())),
        }
    }

    /// Reads the fields from a parsed object.
    pub fn from_object(o: &Map<String, Value>) -> Manifest {
        let s = |k: &str| {
            o.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let scripts = o.get("scripts").and_then(Value::as_object);
        let install_script = scripts.is_some_and(|sc| {
            ["preinstall", "install", "postinstall"].iter().any(|k| {
                sc.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.trim().is_empty())
            })
        });
        Manifest {
            name: s("name"),
            version: s("version"),
            license: o.get("license").and_then(license_string),
            dependencies: dep_map(o.get("dependencies")),
            dev_dependencies: dep_map(o.get("devDependencies")),
            optional_dependencies: dep_map(o.get("optionalDependencies")),
            peer_dependencies: dep_map(o.get("peerDependencies")),
            workspaces: workspaces(o.get("workspaces")),
            install_script,
            gypfile: o.get("gypfile").and_then(Value::as_bool).unwrap_or(false),
            os: string_list(o.get("os")),
            cpu: string_list(o.get("cpu")),
            libc: string_list(o.get("libc")),
        }
    }

    /// What the package manager installs for the project itself: dependencies,
    /// devDependencies and optionalDependencies (peers are not installed for
    /// the root), one spec per name, optional winning as npm does.
    pub fn install_deps(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for list in [
            &self.optional_dependencies,
            &self.dependencies,
            &self.dev_dependencies,
        ] {
            for (n, s) in list {
                if !out.iter().any(|(o, _)| o == n) {
                    out.push((n.clone(), s.clone()));
                }
            }
        }
        out.sort();
        out
    }

    /// Every declared edge of an installed package (runtime, optional, peer).
    pub fn runtime_dep_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .dependencies
            .iter()
            .chain(&self.optional_dependencies)
            .chain(&self.peer_dependencies)
            .map(|(n, _)| n.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// `license` is a string, or in old packages `{ "type": "MIT" }` / `[{...}]`.
pub fn license_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Object(o) => o.get("type").and_then(Value::as_str).map(str::to_string),
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().filter_map(license_string).collect();
            (!parts.is_empty()).then(|| parts.join(" OR "))
        }
        _ => None,
    }
}

fn dep_map(v: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Object(o)) = v else {
        return Vec::new();
    };
    o.iter()
        .filter(|(k, _)| !k.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").trim().to_string()))
        .collect()
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn workspaces(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Object(o)) => string_list(o.get("packages")),
        other => string_list(other),
    }
}

/// What a dependency spec (the value in `dependencies`) asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spec {
    /// One exact version (`1.2.3`, `=1.2.3`, `v1.2.3`).
    Exact(String),
    /// A semver range or dist-tag (`^1.2`, `latest`, `*`).
    Range(String),
    /// `npm:real-name@range`: installs `name` under another name.
    Alias {
        name: String,
        range: String,
    },
    Git(String),
    /// `file:`, `link:`, `portal:` or a relative/absolute path.
    Path(String),
    /// A tarball URL.
    Url(String),
    /// `workspace:` (yarn, pnpm, bun): a package of this project.
    Workspace(String),
}

/// Classifies a dependency spec the way npm-package-arg does.
pub fn classify_spec(spec: &str) -> Spec {
    let s = spec.trim();
    if let Some(rest) = s.strip_prefix("npm:") {
        let (name, range) = split_name_range(rest);
        return Spec::Alias {
            name: name.to_string(),
            range: range.unwrap_or("*").to_string(),
        };
    }
    if let Some(w) = s.strip_prefix("workspace:") {
        return Spec::Workspace(w.to_string());
    }
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("git+")
        || lower.starts_with("git://")
        || lower.starts_with("git@")
        || ["github:", "gitlab:", "bitbucket:", "gist:"]
            .iter()
            .any(|p| lower.starts_with(p))
        || is_github_shorthand(s)
    {
        return Spec::Git(s.to_string());
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Spec::Url(s.to_string());
    }
    if ["file:", "link:", "portal:", "./", "../", "/", "~/"]
        .iter()
        .any(|p| lower.starts_with(p))
        || s == "."
        || s == ".."
    {
        return Spec::Path(s.to_string());
    }
    if let Some(v) = exact_version(s) {
        return Spec::Exact(v.to_string());
    }
    Spec::Range(if s.is_empty() { "*".into() } else { s.into() })
}

/// `user/repo` or `user/repo#ref`: a GitHub shorthand.
fn is_github_shorthand(s: &str) -> bool {
    let base = s.split('#').next().unwrap_or(s);
    let mut parts = base.split('/');
    let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let ok = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    ok(a) && ok(b) && !a.starts_with('.') && !s.contains(' ')
}

/// The version when `s` names exactly one semver version.
pub fn exact_version(s: &str) -> Option<&str> {
    let v = s.trim();
    let v = v.strip_prefix('=').unwrap_or(v).trim_start();
    let v = v.strip_prefix('v').unwrap_or(v);
    let core = v.split(['-', '+']).next().unwrap_or(v);
    let nums: Vec<&str> = core.split('.').collect();
    let numeric = nums.len() == 3
        && nums
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    let tail_ok = v[core.len()..]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'));
    (numeric && tail_ok).then_some(v)
}

/// Splits `name@range` (a scoped name keeps its leading `@`).
pub fn split_name_range(s: &str) -> (&str, Option<&str>) {
    let from = usize::from(s.starts_with('@'));
    match s.get(from..).and_then(|r| r.find('@')) {
        Some(i) => (&s[..from + i], Some(&s[from + i + 1..])),
        None => (s, None),
    }
}

/// Reads a package.json manifest.
pub fn extract(path: &Path, display: &str) -> Extract {
    match read_text(path) {
        Ok(t) => parse(&t, display),
        Err(e) => Extract::failed(InputKind::PackageJson, display, None, e),
    }
}

/// The project's declared dependencies: every kind, all direct.
pub fn parse(text: &str, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::PackageJson, display);
    let manifest = match Manifest::parse(text) {
        Ok(m) => m,
        Err((line, msg)) => {
            ex.error(line, msg);
            return ex;
        }
    };
    let lines = LineIndex::new(text);
    let kinds = [
        &manifest.dependencies,
        &manifest.dev_dependencies,
        &manifest.optional_dependencies,
        &manifest.peer_dependencies,
    ];
    let mut seen: Vec<String> = Vec::new();
    let mut roots = Vec::new();
    for list in kinds {
        for (name, spec) in list {
            if seen.contains(name) {
                continue;
            }
            seen.push(name.clone());
            let mut pkg = declared(name, spec);
            pkg.direct = Some(true);
            let line = find_line(text, &lines, &format!("\"{name}\":"), 0)
                .or_else(|| find_line(text, &lines, &format!("\"{name}\""), 0))
                .map(|l| l.0);
            let idx = ex.push(pkg, line);
            roots.push(Dep::to(idx));
        }
    }
    ex.roots = Some(roots);
    ex
}

/// The package a declared dependency stands for: pinned when the spec is
/// one exact version, else unpinned with the spec as its requirement.
pub fn declared(name: &str, spec: &str) -> Package {
    let (real, version, origin) = match classify_spec(spec) {
        Spec::Exact(v) => (name.to_string(), Some(v), None),
        Spec::Range(_) => (name.to_string(), None, None),
        Spec::Alias { name: real, range } => {
            let v = exact_version(&range).map(str::to_string);
            (real, v, Some(Origin::Registry { url: None }))
        }
        Spec::Git(url) => {
            let (u, rev) = match url.split_once('#') {
                Some((u, r)) => (u.to_string(), Some(r.to_string())),
                None => (url, None),
            };
            (name.to_string(), None, Some(Origin::Vcs { url: u, rev }))
        }
        Spec::Path(p) | Spec::Workspace(p) => (
            name.to_string(),
            None,
            Some(Origin::Path {
                path: p,
                editable: false,
            }),
        ),
        Spec::Url(url) => (name.to_string(), None, Some(Origin::Url { url })),
    };
    let mut pkg = Package::new(Ecosystem::Npm, &real, version.as_deref());
    pkg.requirement = Some(spec.to_string()).filter(|s| !s.is_empty());
    pkg.origin = origin;
    pkg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(classify_spec("1.2.3"), Spec::Exact("1.2.3".into()));
        assert_eq!(
            classify_spec("=1.2.3-rc.1"),
            Spec::Exact("1.2.3-rc.1".into())
        );
        assert_eq!(classify_spec("^1.2.3"), Spec::Range("^1.2.3".into()));
        assert_eq!(classify_spec("1.2"), Spec::Range("1.2".into()));
        assert_eq!(classify_spec("latest"), Spec::Range("latest".into()));
        assert_eq!(
            classify_spec("npm:@a/b@^2"),
            Spec::Alias {
                name: "@a/b".into(),
                range: "^2".into()
            }
        );
        assert!(matches!(classify_spec("user/repo#v1"), Spec::Git(_)));
        assert!(matches!(classify_spec("github:u/r"), Spec::Git(_)));
        assert!(matches!(
            classify_spec("git+ssh://git@h.invalid/r.git"),
            Spec::Git(_)
        ));
        assert!(matches!(classify_spec("file:../x"), Spec::Path(_)));
        assert!(matches!(classify_spec("./x.tgz"), Spec::Path(_)));
        assert!(matches!(
            classify_spec("https://h.invalid/x.tgz"),
            Spec::Url(_)
        ));
        assert!(matches!(classify_spec("workspace:*"), Spec::Workspace(_)));
        assert_eq!(classify_spec(">=1 <2"), Spec::Range(">=1 <2".into()));
    }

    #[test]
    fn name_range() {
        assert_eq!(split_name_range("@a/b@^1"), ("@a/b", Some("^1")));
        assert_eq!(split_name_range("a@npm:b@1"), ("a", Some("npm:b@1")));
        assert_eq!(split_name_range("@a/b"), ("@a/b", None));
        assert_eq!(split_name_range("@"), ("@", None));
    }

    #[test]
    fn manifest_is_lenient() {
        let m = Manifest::parse(
            r#"{"name": "x", "version": 3, "license": [{"type": "MIT"}],
                "dependencies": ["not", "a", "map"], "optionalDependencies": {"a": "1.0.0"},
                "devDependencies": {"a": "2", "b": "^1"}, "scripts": {"postinstall": "node x"},
                "workspaces": {"packages": ["p/*"]}}"#,
        )
        .unwrap();
        assert_eq!(m.version, None);
        assert_eq!(m.license.as_deref(), Some("MIT"));
        assert!(m.dependencies.is_empty());
        assert!(m.install_script);
        assert_eq!(m.workspaces, vec!["p/*"]);
        assert_eq!(
            m.install_deps(),
            vec![("a".into(), "1.0.0".into()), ("b".into(), "^1".into())]
        );
        assert!(Manifest::parse("[1]").is_err());
    }

    #[test]
    fn declared_dependencies() {
        let ex = parse(
            r#"{"dependencies": {"a": "1.0.0", "b": "^2", "c": "npm:real@3.0.0",
                "d": "git+https://g.invalid/d.git#abc"}, "devDependencies": {"e": "file:../e"}}"#,
            "package.json",
        );
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        assert_eq!(ids, vec!["a@1.0.0", "b", "real@3.0.0", "d", "e"]);
        assert!(ex.nodes.iter().all(|n| n.package.direct == Some(true)));
        assert_eq!(ex.nodes[1].package.requirement.as_deref(), Some("^2"));
        assert!(matches!(
            ex.nodes[3].package.origin,
            Some(Origin::Vcs { rev: Some(_), .. })
        ));
        assert_eq!(ex.nodes[0].package.sources[0].line, Some(1));
    }
}
