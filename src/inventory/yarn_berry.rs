//! `yarn.lock` of yarn berry (2+): YAML with a `__metadata` key.
//!
//! Each top-level key lists descriptors (`name@npm:^1.0.0, name@npm:~1.2`);
//! the entry gives `resolution` (the locator: real name and protocol),
//! `version`, `dependencies` (name → descriptor range), `dependenciesMeta`,
//! `conditions` (`os=linux & cpu=x64 & libc=glibc`), `checksum`
//! (`<cacheKey>/<sha512 hex>` of yarn's cache zip, not of the npm tarball),
//! `languageName` and `linkType`. The project itself is the
//! `name@workspace:.` entry; other `workspace:` entries are its workspaces.
//! `patch:` entries (yarn's built-in compat patches) stand for the package
//! they patch.

use super::markers::PlatformReq;
use super::npm_project::{Project, add_root};
use super::package_json::split_name_range;
use super::yaml::{self, scalar, string_map};
use super::{Dep, Extract};
use crate::model::{Ecosystem, Hash, InputKind, Origin, Package};
use std::collections::HashMap;
use yaml_rust2::Yaml;

/// Whether yarn.lock text is a berry lockfile.
pub fn is_berry(text: &str) -> bool {
    text.lines()
        .take(64)
        .any(|l| l.starts_with("__metadata:") || l.starts_with("\"__metadata\":"))
}

struct Entry<'a> {
    descriptors: Vec<String>,
    resolution: String,
    body: &'a Yaml,
    line: Option<u32>,
}

/// Parses berry lockfile text; the project's manifests fill in workspace versions.
pub fn parse_with(text: &str, display: &str, project: Option<&Project>) -> Extract {
    let mut ex = Extract::new(InputKind::YarnLock, display);
    let doc = match yaml::load(text) {
        Ok(d) => d,
        Err((line, msg)) => {
            ex.error(line, msg);
            return ex;
        }
    };
    if !matches!(doc, Yaml::Hash(_)) {
        ex.error(Some(1), "expected a mapping of descriptors to entries");
        return ex;
    }
    let meta = &doc["__metadata"];
    let cache_key = scalar(&meta["cacheKey"]).unwrap_or_default();
    let lines = yaml::key_lines(text, 0);
    let mut entries = Vec::new();
    for (key, body) in yaml::entries(&doc) {
        if key == "__metadata" {
            continue;
        }
        let line = Some(yaml::locate(text, &lines, &key));
        let Some(resolution) = scalar(&body["resolution"]) else {
            ex.error(line, format!("entry `{key}` has no `resolution`"));
            continue;
        };
        let descriptors = key.split(',').map(|d| d.trim().to_string()).collect();
        entries.push(Entry {
            descriptors,
            resolution,
            body,
            line,
        });
    }
    build(&entries, &cache_key, project, &mut ex);
    ex
}

fn build(entries: &[Entry], cache_key: &str, project: Option<&Project>, ex: &mut Extract) {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut root_entry: Option<&Entry> = None;
    let mut nodes: Vec<(usize, &Entry)> = Vec::new();
    // Patches after the packages they patch, so they can point at them.
    let (patches, plain): (Vec<&Entry>, Vec<&Entry>) = entries
        .iter()
        .partition(|e| locator_parts(&e.resolution).1 == "patch");
    for e in plain.into_iter().chain(patches) {
        let (name, proto, rest) = locator_parts(&e.resolution);
        if proto == "workspace" && matches!(rest, "." | "./") {
            root_entry = Some(e);
            continue;
        }
        if proto == "patch"
            && let Some(&orig) = patched(rest).and_then(|d| index.get(d.as_str()))
        {
            for d in &e.descriptors {
                index.insert(d, orig);
            }
            continue;
        }
        let Some(version) = scalar(&e.body["version"]) else {
            ex.error(e.line, format!("entry `{}` has no `version`", e.resolution));
            continue;
        };
        let workspace = (proto == "workspace")
            .then(|| project.and_then(|p| p.workspace(rest)))
            .flatten();
        let version = workspace.and_then(|m| m.version.clone()).unwrap_or(version);
        let mut pkg = Package::new(Ecosystem::Npm, name, Some(&version));
        pkg.origin = origin(proto, rest);
        if proto == "workspace" {
            pkg.direct = Some(true);
            pkg.license = workspace.and_then(|m| m.license.clone());
        }
        if let Some(sum) = scalar(&e.body["checksum"]) {
            pkg.add_hash(checksum_hash(&sum, cache_key));
        }
        let idx = ex.push(pkg, e.line);
        ex.nodes[idx].platform = conditions(scalar(&e.body["conditions"]).as_deref());
        for d in &e.descriptors {
            index.insert(d, idx);
            // `file:` descriptors carry the requiring workspace (`::locator=…`);
            // the dependency map writes them without it.
            if let Some((bare, _)) = d.split_once("::") {
                index.entry(bare).or_insert(idx);
            }
        }
        nodes.push((idx, e));
    }
    let edges = |body: &Yaml| -> Vec<Dep> {
        string_map(&body["dependencies"])
            .into_iter()
            .filter_map(|(n, r)| index.get(format!("{n}@{r}").as_str()).map(|&i| Dep::to(i)))
            .collect()
    };
    // Peers are provided by the parent, so the lockfile does not say which
    // version; when the lockfile has only one package of that name, it is it.
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (idx, _) in &nodes {
        by_name
            .entry(&ex.nodes[*idx].package.name)
            .or_default()
            .push(*idx);
    }
    let peers: Vec<Vec<usize>> = nodes
        .iter()
        .map(|(_, e)| {
            string_map(&e.body["peerDependencies"])
                .iter()
                .filter_map(|(n, _)| match by_name.get(n.as_str()).map(Vec::as_slice) {
                    Some([only]) => Some(*only),
                    _ => None,
                })
                .collect()
        })
        .collect();
    for ((idx, e), peers) in nodes.iter().zip(peers) {
        let mut deps = edges(e.body);
        deps.extend(peers.into_iter().filter(|p| p != idx).map(Dep::to));
        ex.nodes[*idx].deps = deps;
    }
    let mut roots = Vec::new();
    match (root_entry, project.and_then(|p| p.root.as_ref())) {
        (Some(root), _) => roots.extend(edges(root.body)),
        (None, Some(m)) => {
            for (n, r) in m.install_deps() {
                let r = if r.contains(':') {
                    r
                } else {
                    format!("npm:{r}")
                };
                if let Some(&i) = index.get(format!("{n}@{r}").as_str()) {
                    roots.push(Dep::to(i));
                }
            }
        }
        (None, None) => {}
    }
    if root_entry.is_some() || project.is_some_and(|p| p.root.is_some()) {
        for (idx, e) in &nodes {
            if locator_parts(&e.resolution).1 == "workspace" {
                add_root(&mut roots, Dep::to(*idx));
            }
        }
        ex.roots = Some(roots);
    }
    ex.graph_known = true;
}

/// `name@proto:rest` → (name, proto, rest). A bare range has proto `""`.
fn locator_parts(locator: &str) -> (&str, &str, &str) {
    let (name, range) = split_name_range(locator);
    let (proto, rest) = protocol(range.unwrap_or(""));
    (name, proto, rest)
}

/// Splits `proto:rest` of a range (`npm:1.0.0`, `workspace:.`); a bare range has proto `""`.
fn protocol(range: &str) -> (&str, &str) {
    match range.split_once(':') {
        Some((p, rest))
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+') =>
        {
            (p, rest)
        }
        _ => ("", range),
    }
}

/// The descriptor a `patch:` locator patches: `fsevents@npm%3A2.3.3#…` → `fsevents@npm:2.3.3`.
fn patched(rest: &str) -> Option<String> {
    let inner = rest.split('#').next()?;
    let decoded = crate::model::percent_decode(inner);
    Some(decoded)
}

fn origin(proto: &str, rest: &str) -> Option<Origin> {
    let path = |p: &str| Origin::Path {
        path: p.split("::").next().unwrap_or(p).to_string(),
        editable: false,
    };
    Some(match proto {
        "npm" => Origin::Registry { url: None },
        "workspace" | "file" | "portal" | "link" => path(rest),
        "patch" | "exec" => return None,
        "git" | "git+ssh" | "git+https" | "git+file" | "github" => {
            let (url, rev) = split_commit(&format!("{proto}:{rest}"));
            Origin::Vcs { url, rev }
        }
        "http" | "https" => {
            let full = format!("{proto}:{rest}");
            if full.contains(".git#") || full.contains("#commit=") {
                let (url, rev) = split_commit(&full);
                Origin::Vcs { url, rev }
            } else {
                Origin::Url { url: full }
            }
        }
        _ => return None,
    })
}

/// `url#commit=abc` (or `#abc`) → (url, rev).
fn split_commit(s: &str) -> (String, Option<String>) {
    match s.split_once('#') {
        Some((u, frag)) => {
            let rev = frag
                .split('&')
                .find_map(|kv| kv.strip_prefix("commit="))
                .unwrap_or(frag);
            (u.to_string(), Some(rev.to_string()))
        }
        None => (s.to_string(), None),
    }
}

/// `10c0/<hex>` → a hash named for what it digests: yarn's cache zip for
/// that cache key (it is not the npm tarball's sha512).
fn checksum_hash(sum: &str, cache_key: &str) -> Hash {
    let (key, hex) = match sum.split_once('/') {
        Some((k, h)) => (k, h),
        None => (cache_key, sum),
    };
    let key = if key.is_empty() { "unknown" } else { key };
    Hash {
        algorithm: format!("yarn-cache-{}-sha512", key.to_ascii_lowercase()),
        value: hex.trim().to_ascii_lowercase(),
    }
}

/// `os=linux & cpu=x64 & libc=glibc`, `(os=darwin | os=linux)`, `os!=win32`.
fn conditions(s: Option<&str>) -> Option<PlatformReq> {
    let mut req = PlatformReq::default();
    for term in s?.split('&') {
        for alt in term.split('|') {
            let alt = alt.trim().trim_matches(['(', ')']).trim();
            let (key, value) = match alt.split_once("!=") {
                Some((k, v)) => (k.trim(), format!("!{}", v.trim())),
                None => match alt.split_once('=') {
                    Some((k, v)) => (k.trim(), v.trim().to_string()),
                    None => continue,
                },
            };
            match key {
                "os" => req.os.push(value),
                "cpu" => req.cpu.push(value),
                "libc" => req.libc.push(value),
                _ => {}
            }
        }
    }
    (!req.is_empty()).then_some(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"# yarn
__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    a: "npm:^1.0.0"
    b-alias: "npm:b@2.0.0"
    native: "npm:1.0.0"
  languageName: unknown
  linkType: soft

"a@npm:^1.0.0, a@npm:^1.1":
  version: 1.2.0
  resolution: "a@npm:1.2.0"
  dependencies:
    native: "npm:1.0.0"
  checksum: 10c0/ABCDEF
  languageName: node
  linkType: hard

"b-alias@npm:b@2.0.0":
  version: 2.0.0
  resolution: "b@npm:2.0.0"
  languageName: node
  linkType: hard

"native@npm:1.0.0":
  version: 1.0.0
  resolution: "native@npm:1.0.0"
  conditions: os=darwin & cpu=arm64
  languageName: node
  linkType: hard

"native@patch:native@npm%3A1.0.0#optional!builtin<compat/native>":
  version: 1.0.0
  resolution: "native@patch:native@npm%3A1.0.0#optional!builtin<compat/native>::version=1.0.0&hash=1"
  languageName: node
  linkType: hard
"#;

    #[test]
    fn graph_names_and_conditions() {
        let mut ex = parse_with(LOCK, "yarn.lock", None);
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        assert_eq!(ids, vec!["a@1.2.0", "b@2.0.0", "native@1.0.0"]);
        assert_eq!(ex.nodes[0].package.sources[0].line, Some(16));
        assert_eq!(
            ex.nodes[0].package.hashes,
            vec![Hash {
                algorithm: "yarn-cache-10c0-sha512".into(),
                value: "abcdef".into()
            }]
        );
        assert_eq!(
            ex.nodes[2].platform.as_ref().map(|p| p.os.clone()),
            Some(vec!["darwin".to_string()])
        );
        let target = crate::inventory::markers::Target::new(crate::inventory::markers::TargetEnv {
            python: "3.11".into(),
            platform: "linux".into(),
            arch: "x86_64".into(),
        })
        .unwrap();
        super::super::graph::resolve(&mut ex, Some(&target));
        let ids: Vec<String> = ex.nodes.iter().map(|n| n.package.display_id()).collect();
        assert_eq!(ids, vec!["a@1.2.0", "b@2.0.0"]);
        assert_eq!(ex.nodes[1].package.direct, Some(true));
    }

    #[test]
    fn conditions_grammar() {
        let c = conditions(Some("(os=darwin | os=linux) & cpu!=ia32")).unwrap();
        assert_eq!(c.os, vec!["darwin", "linux"]);
        assert_eq!(c.cpu, vec!["!ia32"]);
        assert!(conditions(Some("")).is_none());
    }

    #[test]
    fn bad_yaml_has_a_line() {
        let ex = parse_with(
            "__metadata:\n  version: 8\n\"a@npm:1\":\n  version: [1\n",
            "y",
            None,
        );
        assert_eq!(ex.errors.len(), 1);
        assert!(ex.errors[0].line.is_some());
    }
}
