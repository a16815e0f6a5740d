//! The npm project around a lockfile: the sibling `package.json` (whose
//! dependencies are the direct ones) and its workspace packages. Lockfile
//! parsers take it as an argument so they stay pure for tests and fuzzing.

use super::markers::PlatformReq;
use super::package_json::Manifest;
use super::{Dep, Extract};
use crate::model::{Ecosystem, Origin, Package};
use std::fs;
use std::path::Path;

/// The project's own manifests.
#[derive(Clone, Debug, Default)]
pub struct Project {
    /// `package.json` beside the lockfile.
    pub root: Option<Manifest>,
    /// Workspace packages: directory relative to the project root (`/`-separated) and manifest.
    pub workspaces: Vec<(String, Manifest)>,
}

/// Deepest directory level a `**` workspace glob descends.
const MAX_GLOB_DEPTH: usize = 6;

impl Project {
    /// Reads `dir/package.json` and the manifests its `workspaces` globs name.
    /// Missing or unreadable manifests are simply absent.
    pub fn load(dir: &Path) -> Project {
        let root = read_manifest(&dir.join("package.json"));
        let mut workspaces = Vec::new();
        if let Some(m) = &root {
            let (neg, pos): (Vec<&String>, Vec<&String>) =
                m.workspaces.iter().partition(|g| g.starts_with('!'));
            let mut dirs = Vec::new();
            for g in pos {
                let segs: Vec<&str> = g
                    .trim_start_matches("./")
                    .split('/')
                    .filter(|s| !s.is_empty() && *s != ".")
                    .collect();
                expand(dir, "", &segs, 0, &mut dirs);
            }
            dirs.sort();
            dirs.dedup();
            for rel in dirs {
                let excluded = neg
                    .iter()
                    .any(|n| glob_match(n.trim_start_matches('!').trim_start_matches("./"), &rel));
                if excluded {
                    continue;
                }
                if let Some(wm) = read_manifest(&dir.join(&rel).join("package.json")) {
                    workspaces.push((rel, wm));
                }
            }
        }
        Project { root, workspaces }
    }

    /// Reads the manifests of the given workspace directories (pnpm and bun
    /// lockfiles name them; no glob needed).
    pub fn load_dirs(dir: &Path, rels: &[String]) -> Project {
        let root = read_manifest(&dir.join("package.json"));
        let workspaces = rels
            .iter()
            .filter(|r| !r.is_empty() && *r != "." && !r.split('/').any(|s| s == ".."))
            .filter_map(|r| {
                read_manifest(&dir.join(r).join("package.json")).map(|m| (r.clone(), m))
            })
            .collect();
        Project { root, workspaces }
    }

    /// The workspace at `rel`, if known.
    pub fn workspace(&self, rel: &str) -> Option<&Manifest> {
        let rel = rel.trim_start_matches("./").trim_end_matches('/');
        self.workspaces
            .iter()
            .find(|(r, _)| r == rel)
            .map(|(_, m)| m)
    }
}

fn read_manifest(path: &Path) -> Option<Manifest> {
    let text = super::text::read_text(path).ok()?;
    Manifest::parse(&text).ok()
}

/// Expands glob segments (`*`, `**`, literal) into existing directories.
fn expand(base: &Path, rel: &str, segs: &[&str], depth: usize, out: &mut Vec<String>) {
    let Some((first, rest)) = segs.split_first() else {
        if !rel.is_empty() {
            out.push(rel.to_string());
        }
        return;
    };
    if depth > MAX_GLOB_DEPTH || *first == ".." {
        return;
    }
    let join = |name: &str| {
        if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        }
    };
    if !first.contains('*') {
        if base.join(join(first)).is_dir() {
            expand(base, &join(first), rest, depth + 1, out);
        }
        return;
    }
    let Ok(entries) = fs::read_dir(if rel.is_empty() {
        base.to_path_buf()
    } else {
        base.join(rel)
    }) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n != "node_modules" && !n.starts_with('.'))
        .collect();
    names.sort();
    for n in names {
        if *first == "**" {
            // `**` matches zero or more levels.
            expand(base, &join(&n), segs, depth + 1, out);
            expand(base, &join(&n), rest, depth + 1, out);
        } else if wildcard(first, &n) {
            expand(base, &join(&n), rest, depth + 1, out);
        }
    }
    if *first == "**" {
        expand(base, rel, rest, depth + 1, out);
    }
}

/// Whole-path glob match (for `!excluded/*` patterns).
fn glob_match(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let s: Vec<&str> = path.split('/').collect();
    p.len() == s.len() && p.iter().zip(&s).all(|(a, b)| wildcard(a, b))
}

/// `*` matches any run of characters within one path segment.
fn wildcard(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// Adds one node per workspace package (the project's own code: direct,
/// origin its directory), returning their indexes by workspace directory.
pub fn push_workspaces(ex: &mut Extract, project: &Project) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (rel, m) in &project.workspaces {
        let Some(name) = &m.name else { continue };
        let mut pkg = Package::new(Ecosystem::Npm, name, m.version.as_deref());
        pkg.direct = Some(true);
        pkg.license = m.license.clone();
        pkg.origin = Some(Origin::Path {
            path: rel.clone(),
            editable: false,
        });
        let idx = ex.push(pkg, None);
        out.push((rel.clone(), idx));
    }
    out
}

/// npm `os`/`cpu`/`libc` lists as a platform requirement (`None` when empty).
pub fn platform(os: &[String], cpu: &[String], libc: &[String]) -> Option<PlatformReq> {
    let p = PlatformReq {
        os: os.to_vec(),
        cpu: cpu.to_vec(),
        libc: libc.to_vec(),
    };
    (!p.is_empty()).then_some(p)
}

/// Adds `dep` to roots unless an edge to the same target is already there.
pub fn add_root(roots: &mut Vec<Dep>, dep: Dep) {
    let dup = roots.iter().any(|r| {
        (r.target.is_some() && r.target == dep.target)
            || (r.target.is_none() && dep.target.is_none() && r.name == dep.name)
    });
    if !dup {
        roots.push(dep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("*", "abc"));
        assert!(wildcard("pkg-*", "pkg-a"));
        assert!(!wildcard("pkg-*", "lib-a"));
        assert!(wildcard("a*c*e", "abcde"));
        assert!(!wildcard("a*c*e", "abde"));
        assert!(glob_match("packages/*", "packages/x"));
        assert!(!glob_match("packages/*", "packages/x/y"));
    }

    #[test]
    fn loads_workspaces_with_globs() {
        let d = tempfile::tempdir().unwrap();
        let w = |p: &str, t: &str| {
            let f = d.path().join(p);
            fs::create_dir_all(f.parent().unwrap()).unwrap();
            fs::write(f, t).unwrap();
        };
        w(
            "package.json",
            r#"{"name": "root", "workspaces": ["packages/*", "tools/**", "!packages/skip"]}"#,
        );
        w(
            "packages/a/package.json",
            r#"{"name": "a", "version": "1.0.0"}"#,
        );
        w("packages/skip/package.json", r#"{"name": "skip"}"#);
        w("packages/empty/README", "");
        w("tools/x/y/package.json", r#"{"name": "y"}"#);
        let p = Project::load(d.path());
        let names: Vec<&str> = p.workspaces.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(names, vec!["packages/a", "tools/x/y"]);
        assert_eq!(
            p.workspace("./packages/a").unwrap().name.as_deref(),
            Some("a")
        );
    }
}
