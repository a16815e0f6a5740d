//! `bun.lock`: bun's text lockfile (bun 1.2+), JSON with trailing commas.
//!
//! ```text
//! { "lockfileVersion": 1,
//!   "workspaces": { "": { "name": "app", "dependencies": { "a": "^1" } },
//!                   "packages/w": { "name": "w", … } },
//!   "packages": {
//!     "a":          ["a@1.2.0", "", { "dependencies": { "b": "^2" } }, "sha512-…"],
//!     "a/b":        ["b@2.0.0", "", {}, "sha512-…"],       // node_modules/a/node_modules/b
//!     "w":          ["w@workspace:packages/w"],
//!     "g":          ["g@git+https://…#<sha>", { … }, "<sha>"],
//!   } }
//! ```
//!
//! Package keys are install paths (`a/b` is `b` nested under `a`), so edges
//! resolve the way Node does: from the requiring key's own level upward.
//! The binary `bun.lockb` is not read.

use super::npm_project::{add_root, platform};
use super::package_json::{license_string, split_name_range};
use super::package_lock::{npm_origin, parse_integrity};
use super::text::{LineIndex, find_line, json_error, read_text};
use super::{Dep, Extract};
use crate::model::{Ecosystem, InputKind, Origin, Package};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;

/// The message for a binary lockfile.
pub const BINARY_LOCKB: &str =
    "binary bun.lockb is not supported; run `bun install --save-text-lockfile`";

/// Reads a bun.lock (or reports a bun.lockb as unsupported).
pub fn extract(path: &Path, display: &str) -> Extract {
    if path.extension().is_some_and(|e| e == "lockb") {
        return Extract::failed(InputKind::BunLock, display, None, BINARY_LOCKB);
    }
    match read_text(path) {
        Ok(t) => parse(&t, display),
        Err(e) => Extract::failed(InputKind::BunLock, display, None, e),
    }
}

/// Parses bun.lock text.
pub fn parse(text: &str, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::BunLock, display);
    if text.starts_with("#!/usr/bin/env bun") {
        ex.error(Some(1), BINARY_LOCKB);
        return ex;
    }
    let clean = strip_jsonc(text);
    let doc: Value = match serde_json::from_str(&clean) {
        Ok(v) => v,
        Err(e) => {
            let (line, msg) = json_error(&e);
            ex.error(line, msg);
            return ex;
        }
    };
    let Some(packages) = doc.get("packages").and_then(Value::as_object) else {
        ex.error(Some(1), "no `packages` object");
        return ex;
    };
    let empty = Map::new();
    let workspaces = doc
        .get("workspaces")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let lines = LineIndex::new(text);
    let mut keys: HashMap<&str, usize> = HashMap::new();
    let mut metas: Vec<(usize, &str, Option<&Obj>)> = Vec::new();
    let base = text.find("\"packages\"").unwrap_or(0);
    let mut cursor = base;
    for (key, v) in packages {
        let needle = format!("{}:", Value::String(key.clone()));
        let found = find_line(text, &lines, &needle, cursor)
            .or_else(|| find_line(text, &lines, &needle, base));
        if let Some((_, off)) = found {
            cursor = off;
        }
        let line = found.map(|f| f.0).or(Some(lines.line(base)));
        let Some((pkg, meta, workspace)) = package(v, workspaces) else {
            ex.error(
                line,
                format!("`{key}`: expected [\"name@version\", …] with a name and a resolution"),
            );
            continue;
        };
        let idx = ex.push(pkg, line);
        if let Some(m) = meta {
            let list = |k: &str| -> Vec<String> {
                match m.get(k) {
                    Some(Value::String(s)) => vec![s.clone()],
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                }
            };
            ex.nodes[idx].platform = platform(&list("os"), &list("cpu"), &list("libc"));
        }
        keys.insert(key.as_str(), idx);
        metas.push((idx, key.as_str(), workspace.or(meta)));
    }
    for (idx, key, meta) in &metas {
        if let Some(m) = meta {
            let names = dep_names(m, false);
            ex.nodes[*idx].deps = names
                .iter()
                .filter_map(|n| resolve(key, n, &keys).map(Dep::to))
                .collect();
        }
    }
    let mut roots = Vec::new();
    if let Some(root) = workspaces.get("").and_then(Value::as_object) {
        for n in dep_names(root, true) {
            if let Some(t) = resolve("", &n, &keys) {
                add_root(&mut roots, Dep::to(t));
            }
        }
    }
    for (idx, _, _) in &metas {
        if ex.nodes[*idx].package.direct == Some(true) {
            add_root(&mut roots, Dep::to(*idx));
        }
    }
    ex.roots = Some(roots);
    ex.graph_known = true;
    ex
}

type Obj = Map<String, Value>;

type Parsed<'a> = (
    Package,
    Option<&'a Map<String, Value>>,
    Option<&'a Map<String, Value>>,
);

/// One `packages` entry → the package, its metadata object, and for a
/// workspace package its `workspaces` entry.
fn package<'a>(v: &'a Value, workspaces: &'a Map<String, Value>) -> Option<Parsed<'a>> {
    let arr = v.as_array()?;
    let id = arr.first()?.as_str()?;
    let (name, res) = split_name_range(id);
    let res = res?;
    if name.is_empty() {
        return None;
    }
    let meta = arr.iter().skip(1).find_map(Value::as_object);
    let strings: Vec<&str> = arr.iter().skip(1).filter_map(Value::as_str).collect();
    if let Some(path) = res.strip_prefix("workspace:") {
        let ws = workspaces.get(path).and_then(Value::as_object);
        let version = ws.and_then(|w| w.get("version")).and_then(Value::as_str);
        let mut pkg = Package::new(Ecosystem::Npm, name, version);
        pkg.direct = Some(true);
        pkg.license = ws.and_then(|w| w.get("license")).and_then(license_string);
        pkg.origin = Some(Origin::Path {
            path: path.to_string(),
            editable: false,
        });
        return Some((pkg, meta, ws));
    }
    let is_version = res.starts_with(|c: char| c.is_ascii_digit());
    let mut pkg = Package::new(Ecosystem::Npm, name, is_version.then_some(res));
    for s in &strings {
        if s.starts_with("sha") && s.contains('-') {
            for h in parse_integrity(s) {
                pkg.add_hash(h);
            }
        }
    }
    pkg.origin = Some(if is_version {
        // arr[1] is the registry when it is not the default one.
        let registry = strings.first().filter(|r| !r.is_empty());
        Origin::Registry {
            url: registry.map(|r| r.to_string()),
        }
    } else if let Some(p) = res
        .strip_prefix("file:")
        .or_else(|| res.strip_prefix("link:"))
    {
        Origin::Path {
            path: p.to_string(),
            editable: false,
        }
    } else {
        let o = npm_origin(res, name);
        match (o, strings.last()) {
            // github:user/repo#ref: bun records the resolved commit last.
            (Origin::Vcs { url, .. }, Some(commit)) if !commit.starts_with("sha") => Origin::Vcs {
                url,
                rev: Some(commit.to_string()),
            },
            (o, _) => o,
        }
    });
    Some((pkg, meta, None))
}

fn dep_names(m: &Map<String, Value>, root: bool) -> Vec<String> {
    let mut fields = vec!["dependencies", "optionalDependencies", "peerDependencies"];
    if root {
        fields = vec!["dependencies", "devDependencies", "optionalDependencies"];
    }
    let mut out: Vec<String> = fields
        .iter()
        .filter_map(|f| m.get(*f).and_then(Value::as_object))
        .flat_map(|o| o.keys().cloned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Splits an install-path key into package names (`@s/a/b` → [`@s/a`, `b`]).
fn segments(key: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = key;
    while !rest.is_empty() {
        let take = if rest.starts_with('@') {
            match rest.find('/') {
                Some(i) => rest[i + 1..].find('/').map(|j| i + 1 + j),
                None => None,
            }
        } else {
            rest.find('/')
        };
        match take {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + 1..];
            }
            None => {
                out.push(rest);
                rest = "";
            }
        }
    }
    out
}

/// Node's lookup over install-path keys: `key/dep`, then each ancestor's level.
fn resolve(key: &str, dep: &str, keys: &HashMap<&str, usize>) -> Option<usize> {
    let segs = segments(key);
    for n in (0..=segs.len()).rev() {
        let mut candidate = segs[..n].join("/");
        if !candidate.is_empty() {
            candidate.push('/');
        }
        candidate.push_str(dep);
        if let Some(&i) = keys.get(candidate.as_str()) {
            return Some(i);
        }
    }
    None
}

/// Blanks `//` and `/* */` comments and trailing commas outside strings,
/// keeping every byte offset (and so every line number) where it was.
pub fn strip_jsonc(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let mut in_str = false;
    // Position of a comma that may turn out to be trailing.
    let mut pending_comma: Option<usize> = None;
    while i < b.len() {
        let c = b[i];
        if in_str {
            match c {
                b'\\' => i += 1,
                b'"' => in_str = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_str = true;
                pending_comma = None;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                let end = (i + 2).min(b.len());
                for (j, o) in out.iter_mut().enumerate().take(end).skip(start) {
                    if b[j] != b'\n' {
                        *o = b' ';
                    }
                }
                i = end;
                continue;
            }
            b',' => pending_comma = Some(i),
            b'}' | b']' => {
                if let Some(p) = pending_comma.take() {
                    out[p] = b' ';
                }
            }
            c if c.is_ascii_whitespace() => {}
            _ => pending_comma = None,
        }
        i += 1;
    }
    // Only ASCII bytes were replaced by ASCII spaces, outside strings: still UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc() {
        let t = "{\"a\": [1, 2,], // c\n \"b\": \"x,]\", /* y */ }";
        let s = strip_jsonc(t);
        assert_eq!(s.len(), t.len());
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["b"], "x,]");
    }

    #[test]
    fn install_path_keys() {
        assert_eq!(segments("@s/a/b/@t/c"), vec!["@s/a", "b", "@t/c"]);
        let mut keys = HashMap::new();
        keys.insert("b", 0);
        keys.insert("a/b", 1);
        keys.insert("@s/a", 2);
        assert_eq!(resolve("a", "b", &keys), Some(1));
        assert_eq!(resolve("a/c", "b", &keys), Some(1));
        assert_eq!(resolve("c", "b", &keys), Some(0));
        assert_eq!(resolve("", "@s/a", &keys), Some(2));
        assert_eq!(resolve("", "zz", &keys), None);
    }

    #[test]
    fn entries_and_errors() {
        let t = "{\n  \"lockfileVersion\": 1,\n  \"workspaces\": { \"\": { \"dependencies\": { \"a\": \"^1\" } } },\n  \"packages\": {\n    \"a\": [\"a@1.0.0\", \"\", { \"dependencies\": { \"b\": \"*\" } }, \"sha512-3q2+7w==\"],\n    \"b\": [\"b@2.0.0\", \"\", { \"os\": \"darwin\" }, \"sha512-3q2+7w==\"],\n    \"bad\": [42],\n  },\n}\n";
        let mut ex = parse(t, "bun.lock");
        assert_eq!(ex.errors.len(), 1);
        assert_eq!(ex.errors[0].line, Some(7));
        super::super::graph::resolve(&mut ex, None);
        assert_eq!(ex.nodes[0].package.dependencies, vec!["pkg:npm/b@2.0.0"]);
        assert_eq!(ex.nodes[0].package.sources[0].line, Some(5));
        assert_eq!(ex.nodes[0].package.direct, Some(true));
        assert!(ex.nodes[1].platform.is_some());
        assert!(
            parse("{\"packages\": {\n", "bun.lock").errors[0]
                .line
                .is_some()
        );
    }
}
