//! `yarn.lock`, classic (yarn 1, "yarn lockfile v1"). A yarn berry lockfile
//! (same name, YAML with a `__metadata` key) is handed to `yarn_berry`.
//!
//! The v1 format is yarn's own indentation-based line format:
//!
//! ```text
//! "@scope/a@^1.0.0", "@scope/a@~1.2.0":
//!   version "1.2.3"
//!   resolved "https://registry.invalid/@scope/a/-/a-1.2.3.tgz#<sha1>"
//!   integrity sha512-…
//!   dependencies:
//!     b "^2.0.0"
//! ```
//!
//! Every header lists the `name@range` descriptors the entry satisfies;
//! dependencies are resolved by looking their descriptor up in that index.
//! v1 records no `os`/`cpu`, so every platform's optional packages are listed.

use super::npm_project::{Project, add_root, push_workspaces};
use super::package_json::split_name_range;
use super::package_lock::{npm_origin, parse_integrity};
use super::text::read_text;
use super::{Dep, Extract};
use crate::model::{Ecosystem, Hash, InputKind, Package};
use std::collections::HashMap;
use std::path::Path;

/// One lockfile entry.
#[derive(Debug, Default)]
struct Entry {
    descriptors: Vec<String>,
    line: u32,
    fields: Vec<(String, String)>,
    /// `dependencies` and `optionalDependencies`: (name, range).
    deps: Vec<(String, String)>,
}

impl Entry {
    fn field(&self, k: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a yarn.lock (classic or berry) with the project beside it.
pub fn extract(path: &Path, display: &str) -> Extract {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(e) => return Extract::failed(InputKind::YarnLock, display, None, e),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let project = Project::load(dir);
    parse_with(&text, display, Some(&project))
}

/// Parses yarn.lock text alone (roots: what nothing else requires).
pub fn parse(text: &str, display: &str) -> Extract {
    parse_with(text, display, None)
}

/// Parses yarn.lock text; the project's manifests give the direct dependencies.
pub fn parse_with(text: &str, display: &str, project: Option<&Project>) -> Extract {
    if super::yarn_berry::is_berry(text) {
        return super::yarn_berry::parse_with(text, display, project);
    }
    let mut ex = Extract::new(InputKind::YarnLock, display);
    let entries = parse_entries(text, &mut ex);
    build(entries, project, &mut ex);
    ex
}

/// Splits the text into entries, recording syntax errors with their line.
fn parse_entries(text: &str, ex: &mut Extract) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    // Which map the next indented line belongs to: 1 = entry fields, 2 = a dependency map.
    let mut open: usize = 0;
    let mut dep_map = false;
    for (i, raw) in text.lines().enumerate() {
        let lineno = i as u32 + 1;
        let line = raw.trim_end_matches('\r');
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        if indent % 2 != 0 || indent / 2 > open {
            ex.error(
                Some(lineno),
                format!("unexpected indentation of {indent} spaces"),
            );
            continue;
        }
        let level = indent / 2;
        let opens = content.ends_with(':');
        let parsed = if opens {
            split_keys(&content[..content.len() - 1]).map(|k| (k, None))
        } else {
            key_value(content).map(|(k, v)| (vec![k], Some(v)))
        };
        let (keys, value) = match parsed {
            Ok(kv) => kv,
            Err(msg) => {
                ex.error(Some(lineno), msg);
                open = open.min(level);
                continue;
            }
        };
        match (level, value) {
            (0, None) => {
                entries.push(Entry {
                    descriptors: keys,
                    line: lineno,
                    ..Entry::default()
                });
                open = 1;
            }
            (0, Some(_)) => {
                ex.error(
                    Some(lineno),
                    "expected an entry header ending in `:`".to_string(),
                );
                open = 0;
            }
            (1, v) => {
                let Some(e) = entries.last_mut() else {
                    continue;
                };
                let key = keys.into_iter().next().unwrap_or_default();
                match v {
                    Some(v) => {
                        e.fields.push((key, v));
                        open = 1;
                    }
                    None => {
                        // Other maps (none in yarn 1.22) are skipped with their items.
                        dep_map = key == "dependencies" || key == "optionalDependencies";
                        open = 2;
                    }
                }
            }
            (2, Some(v)) => {
                if let (true, Some(e)) = (dep_map, entries.last_mut()) {
                    let key = keys.into_iter().next().unwrap_or_default();
                    e.deps.push((key, v));
                }
            }
            _ => {
                ex.error(Some(lineno), "unexpected nested map".to_string());
            }
        }
    }
    entries
}

/// `"a@^1", a@~1.2` → descriptors.
fn split_keys(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    loop {
        let (tok, after) = token(rest)?;
        out.push(tok);
        let after = after.trim_start();
        if after.is_empty() {
            return Ok(out);
        }
        rest = after
            .strip_prefix(',')
            .ok_or_else(|| format!("expected `,` between descriptors, found `{}`", clip(after)))?
            .trim_start();
    }
}

/// `key "value"` or `key value`.
fn key_value(s: &str) -> Result<(String, String), String> {
    let (k, rest) = token(s)?;
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(format!("`{}` has no value", clip(&k)));
    }
    let (v, tail) = token(rest)?;
    if !tail.trim().is_empty() {
        return Err(format!("unexpected text after value: `{}`", clip(tail)));
    }
    Ok((k, v))
}

/// One quoted (JSON escapes) or bare token, and the rest of the line.
fn token(s: &str) -> Result<(String, &str), String> {
    if let Some(body) = s.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let quoted = &s[..i + 2];
                    let v: String = serde_json::from_str(quoted)
                        .map_err(|e| format!("bad string {}: {e}", clip(quoted)))?;
                    return Ok((v, &s[i + 2..]));
                }
                _ => escaped = false,
            }
        }
        return Err(format!("unterminated string `{}`", clip(s)));
    }
    let end = s.find([' ', '\t', ',']).unwrap_or(s.len());
    if end == 0 {
        return Err(format!("expected a key, found `{}`", clip(s)));
    }
    Ok((s[..end].to_string(), &s[end..]))
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

/// The installed name of a descriptor: its name, or the target of an `npm:` alias.
fn real_name(descriptor: &str) -> (String, String) {
    let (name, range) = split_name_range(descriptor);
    let range = range.unwrap_or("");
    if let Some(alias) = range.strip_prefix("npm:") {
        let (real, _) = split_name_range(alias);
        if !real.is_empty()
            && !real.starts_with(|c: char| c.is_ascii_digit() || c == '^' || c == '~')
        {
            return (real.to_string(), name.to_string());
        }
    }
    (name.to_string(), name.to_string())
}

fn build(entries: Vec<Entry>, project: Option<&Project>, ex: &mut Extract) {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    let mut node_deps: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    for e in entries {
        let Some(first) = e.descriptors.first() else {
            continue;
        };
        let Some(version) = e.field("version") else {
            ex.error(Some(e.line), format!("entry `{first}` has no `version`"));
            continue;
        };
        let (name, alias) = real_name(first);
        let mut pkg = Package::new(Ecosystem::Npm, &name, Some(version));
        if let Some(i) = e.field("integrity") {
            for h in parse_integrity(i) {
                pkg.add_hash(h);
            }
        }
        if let Some(r) = e.field("resolved") {
            fill_resolved(&mut pkg, r, &name);
        }
        let idx = ex.push(pkg, Some(e.line));
        for d in &e.descriptors {
            index.insert(d.clone(), idx);
        }
        by_name.entry(alias).or_default().push(idx);
        node_deps.push((idx, e.deps));
    }
    let ws = project.map(|p| push_workspaces(ex, p)).unwrap_or_default();
    let ws_by_name: HashMap<String, usize> = ws
        .iter()
        .filter_map(|(_, i)| Some((ex.nodes.get(*i)?.package.name.clone(), *i)))
        .collect();
    let lookup = |name: &str, range: &str| -> Option<Dep> {
        if let Some(&i) = ws_by_name.get(name) {
            return Some(Dep::to(i));
        }
        if let Some(&i) = index.get(&format!("{name}@{range}")) {
            return Some(Dep::to(i));
        }
        match by_name.get(name).map(Vec::as_slice) {
            Some([only]) => Some(Dep::to(*only)),
            Some([_, ..]) => Some(Dep::named(Ecosystem::Npm, name)),
            _ => None,
        }
    };
    for (idx, deps) in node_deps {
        let edges: Vec<Dep> = deps.iter().filter_map(|(n, r)| lookup(n, r)).collect();
        ex.nodes[idx].deps = edges;
    }
    if let Some(project) = project {
        for (rel, i) in &ws {
            if let Some(m) = project.workspace(rel) {
                let edges = m
                    .dependencies
                    .iter()
                    .chain(&m.optional_dependencies)
                    .filter_map(|(n, r)| lookup(n, r))
                    .collect();
                ex.nodes[*i].deps = edges;
            }
        }
        if let Some(root) = &project.root {
            let mut roots = Vec::new();
            for (n, r) in root.install_deps() {
                if let Some(d) = lookup(&n, &r) {
                    add_root(&mut roots, d);
                }
            }
            for (_, i) in &ws {
                add_root(&mut roots, Dep::to(*i));
            }
            ex.roots = Some(roots);
        }
    }
    ex.graph_known = true;
}

/// `resolved`: the origin, and a `#<sha1>` fragment as the tarball's sha1.
fn fill_resolved(pkg: &mut Package, resolved: &str, name: &str) {
    let is_http = resolved.starts_with("http://") || resolved.starts_with("https://");
    if is_http {
        let (url, frag) = resolved.split_once('#').unwrap_or((resolved, ""));
        if frag.len() == 40 && frag.bytes().all(|b| b.is_ascii_hexdigit()) {
            pkg.add_hash(Hash::new("sha1", frag));
        }
        pkg.origin = Some(npm_origin(url, name));
    } else {
        pkg.origin = Some(npm_origin(resolved, name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;

    const LOCK: &str = r#"# yarn lockfile v1


"@a/b@^1.0.0", "@a/b@~1.2.0":
  version "1.2.3"
  resolved "https://registry.yarn.invalid/@a/b/-/b-1.2.3.tgz#0123456789abcdef0123456789abcdef01234567"
  integrity sha512-3q2+7w==
  dependencies:
    c "^2"
  optionalDependencies:
    "@o/p" "1.0.0"

c@^2, c@^2.1:
  version "2.1.0"

"alias@npm:c@^2":
  version "2.1.0"

"@o/p@1.0.0":
  version "1.0.0"
"#;

    #[test]
    fn entries_edges_and_hashes() {
        let mut ex = parse(LOCK, "yarn.lock");
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        super::super::graph::resolve(&mut ex, None);
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        assert_eq!(ids, vec!["@a/b@1.2.3", "c@2.1.0", "c@2.1.0", "@o/p@1.0.0"]);
        let ab = &ex.nodes[0].package;
        assert_eq!(ab.sources[0].line, Some(4));
        assert_eq!(
            ab.dependencies,
            vec!["pkg:npm/c@2.1.0", "pkg:npm/%40o/p@1.0.0"]
        );
        assert!(ab.hashes.iter().any(|h| h.algorithm == "sha1"));
        assert!(ab.hashes.iter().any(|h| h.algorithm == "sha512"));
        assert_eq!(
            ab.origin,
            Some(Origin::Registry {
                url: Some("https://registry.yarn.invalid/".into())
            })
        );
        assert_eq!(ab.direct, Some(true));
        assert_eq!(ex.nodes[1].package.direct, Some(false));
    }

    #[test]
    fn syntax_errors_have_lines() {
        let ex = parse("a@^1:\n  version \"1.0.0\n", "yarn.lock");
        assert_eq!(ex.errors[0].line, Some(2));
        assert!(
            ex.errors[0].message.contains("unterminated"),
            "{:?}",
            ex.errors
        );
        let ex = parse("a@^1:\n      version \"1\"\n", "yarn.lock");
        assert_eq!(ex.errors[0].line, Some(2));
        let ex = parse("a@^1:\n  resolved \"x\"\n", "yarn.lock");
        assert!(ex.errors[0].message.contains("no `version`"));
        assert_eq!(ex.errors[0].line, Some(1));
    }
}
