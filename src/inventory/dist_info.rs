//! Installed Python environments: `*.dist-info` (METADATA, RECORD,
//! INSTALLER, direct_url.json) and `*.egg-info` under a `site-packages`,
//! `dist-packages` or venv root.
//!
//! Sizes and file lists come from RECORD; only entries RECORD leaves without
//! a size (compiled `.pyc`, RECORD itself) are stat-ed. Files in the
//! environment that no RECORD owns are handed on as ownerless content: a
//! `.pth` left behind by an uninstalled package is one of those.

use super::content::{Content, ContentKind, InstalledFile};
use super::markers::{Marker, TargetEnv};
use super::{Dep, Extract, Node};
use crate::discover::python_site_dirs;
use crate::finding::{InputError, PackageRef};
use crate::model::{Ecosystem, Hash, InputKind, Origin, Package};
use base64::Engine;
use rayon::prelude::*;
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Reads an installed environment: a `site-packages` directory, a venv root,
/// or a single `*.dist-info` / `*.egg-info` directory.
pub fn extract_env(path: &Path, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::PythonEnv, display);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let site_dirs: Vec<PathBuf> = if name.ends_with(".dist-info") || name.ends_with(".egg-info") {
        let parent = path.parent().unwrap_or(Path::new("."));
        let parent_display = crate::discover::display_path(parent);
        let (node, _, errors) = read_dist(parent, name, &parent_display);
        ex.errors.extend(errors);
        match node {
            Ok(n) => ex.nodes.push(n),
            Err(e) => ex.error(e.0, e.1),
        }
        ex.graph_known = false;
        return ex;
    } else if name == "site-packages" || name == "dist-packages" {
        vec![path.to_path_buf()]
    } else {
        python_site_dirs(path)
    };
    if site_dirs.is_empty() {
        ex.error(
            None,
            "no site-packages under this environment (expected lib/pythonX.Y/site-packages)",
        );
        return ex;
    }
    ex.env = environment_of(path, &site_dirs[0]);
    ex.graph_known = true;
    for sp in &site_dirs {
        read_site_dir(sp, &mut ex);
    }
    ex
}

/// The marker environment the packages were installed for: the venv's
/// Python version (pyvenv.cfg, else the `pythonX.Y` directory), host platform.
fn environment_of(root: &Path, site: &Path) -> Option<pep508_rs::MarkerEnvironment> {
    let cfg_candidates = [
        root.join("pyvenv.cfg"),
        site.join("../../../pyvenv.cfg"),
        site.join("../../pyvenv.cfg"),
    ];
    let from_cfg = cfg_candidates.iter().find_map(|p| {
        let text = fs::read_to_string(p).ok()?;
        text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            matches!(k.trim(), "version" | "version_info").then(|| v.trim().to_string())
        })
    });
    let from_dir = site
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("python"))
        .map(str::to_string);
    let version = from_cfg.or(from_dir)?;
    TargetEnv::host(&version).marker_env().ok()
}

fn read_site_dir(sp: &Path, ex: &mut Extract) {
    let display = ex.path.clone();
    let sp_display = crate::discover::display_path(sp);
    let entries = match fs::read_dir(sp) {
        Ok(e) => e,
        Err(e) => {
            ex.errors
                .push(InputError::new(sp_display, None, e.to_string()));
            return;
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    let metas: Vec<&String> = names
        .iter()
        .filter(|n| n.ends_with(".dist-info") || n.ends_with(".egg-info"))
        .collect();
    let results: Vec<_> = metas
        .par_iter()
        .map(|n| read_dist(sp, n, &sp_display))
        .collect();
    let mut owned_top: HashSet<String> = HashSet::new();
    for (res, files, errors) in results {
        ex.errors.extend(errors);
        match res {
            Ok(node) => {
                for f in &files {
                    if let Some(top) = f.rel.split('/').next() {
                        owned_top.insert(top.to_string());
                    }
                }
                let pref = PackageRef::from(&node.package);
                if !files.is_empty() {
                    ex.contents.push(Content {
                        package: Some(pref),
                        input: display.clone(),
                        kind: ContentKind::Installed {
                            base: sp.to_path_buf(),
                            files,
                        },
                    });
                }
                ex.nodes.push(node);
            }
            Err((line, msg)) => ex.error(line, msg),
        }
    }
    let orphans = ownerless_files(sp, &names, &owned_top);
    if !orphans.is_empty() {
        ex.contents.push(Content {
            package: None,
            input: display,
            kind: ContentKind::Installed {
                base: sp.to_path_buf(),
                files: orphans,
            },
        });
    }
}

/// Files of the environment no RECORD claims (top-level, and inside
/// unowned directories), skipping byte-code caches.
fn ownerless_files(sp: &Path, names: &[String], owned: &HashSet<String>) -> Vec<InstalledFile> {
    let mut out = Vec::new();
    for n in names {
        if owned.contains(n)
            || n == "__pycache__"
            || n.ends_with(".dist-info")
            || n.ends_with(".egg-info")
        {
            continue;
        }
        let p = sp.join(n);
        match fs::symlink_metadata(&p) {
            Ok(m) if m.is_file() => out.push(InstalledFile {
                rel: n.clone(),
                size: Some(m.len()),
                hash: None,
            }),
            Ok(m) if m.is_dir() => walk_files(&p, n, &mut out, 0),
            _ => {}
        }
    }
    out
}

fn walk_files(dir: &Path, rel: &str, out: &mut Vec<InstalledFile>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let Ok(name) = e.file_name().into_string() else {
            continue;
        };
        let Ok(ty) = e.file_type() else { continue };
        let child = format!("{rel}/{name}");
        if ty.is_dir() && name != "__pycache__" {
            walk_files(&e.path(), &child, out, depth + 1);
        } else if ty.is_file() {
            let size = e.metadata().ok().map(|m| m.len());
            out.push(InstalledFile {
                rel: child,
                size,
                hash: None,
            });
        }
    }
}

type DistResult = (
    Result<Node, (Option<u32>, String)>,
    Vec<InstalledFile>,
    Vec<InputError>,
);

/// Reads one `*.dist-info` / `*.egg-info` (directory or, for old eggs, file).
fn read_dist(sp: &Path, meta_name: &str, sp_display: &str) -> DistResult {
    let meta_dir = sp.join(meta_name);
    let egg = meta_name.ends_with(".egg-info");
    let meta_display = format!("{sp_display}/{meta_name}");
    let (metadata_path, kind) = if egg {
        if meta_dir.is_dir() {
            (meta_dir.join("PKG-INFO"), InputKind::EggInfo)
        } else {
            (meta_dir.clone(), InputKind::EggInfo)
        }
    } else {
        (meta_dir.join("METADATA"), InputKind::DistInfo)
    };
    let text = match fs::read(&metadata_path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            return (
                Err((
                    None,
                    format!(
                        "{meta_display}: cannot read {}: {e}",
                        file_name(&metadata_path)
                    ),
                )),
                Vec::new(),
                Vec::new(),
            );
        }
    };
    let meta = match parse_metadata(&text) {
        Ok(m) => m,
        Err((line, msg)) => {
            return (
                Err((
                    line,
                    format!("{meta_display}/{}: {msg}", file_name(&metadata_path)),
                )),
                Vec::new(),
                Vec::new(),
            );
        }
    };
    let mut pkg = Package::new(Ecosystem::Pypi, &meta.name, Some(&meta.version));
    pkg.sources.push(crate::model::SourceRef {
        path: meta_display.clone(),
        line: None,
        kind,
    });
    pkg.license = meta.license.clone();
    let mut node = Node::new(pkg);
    let mut errors = Vec::new();
    for (req, line) in &meta.requires {
        // Through pyreq: pep508_rs alone panics on some malformed names.
        match super::pyreq::parse_req(req) {
            Ok(r) => {
                let mut dep = Dep::named(Ecosystem::Pypi, r.name.as_ref());
                if !r.marker.is_true() {
                    dep.marker = Some(Marker::from_tree(r.marker.clone()));
                }
                dep.extras = r.extras.iter().map(|e| e.to_string()).collect();
                node.deps.push(dep);
            }
            // One bad requirement must not hide the package: report it, go on.
            Err(e) => errors.push(InputError::new(
                format!("{meta_display}/{}", file_name(&metadata_path)),
                Some(*line),
                format!("invalid Requires-Dist `{req}`: {e}"),
            )),
        }
    }
    if egg && meta_dir.is_dir() {
        add_egg_requires(&meta_dir, &mut node);
    }
    let files = if egg {
        egg_files(&meta_dir)
    } else {
        record_files(&meta_dir)
    };
    finish_installed(&mut node.package, sp, &meta_dir, &files, egg);
    (Ok(node), files, errors)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The fields of a core-metadata (RFC 822-style) document we use.
#[derive(Debug, Default, PartialEq)]
pub struct Metadata {
    pub name: String,
    pub version: String,
    pub license: Option<String>,
    /// `Requires-Dist` values with their 1-based line.
    pub requires: Vec<(String, u32)>,
}

/// Parses the header block of METADATA / PKG-INFO. Continuation lines
/// (leading whitespace) belong to the previous header; the body after the
/// first blank line is the description and is ignored.
pub fn parse_metadata(text: &str) -> Result<Metadata, (Option<u32>, String)> {
    let mut m = Metadata::default();
    let mut license_expr = None;
    let mut license = None;
    let mut classifiers = Vec::new();
    let mut last_key = String::new();
    for (i, line) in text.lines().enumerate() {
        let lineno = i as u32 + 1;
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if last_key == "license" {
                // A multi-line License field is the licence text, not an identifier.
                license = None;
            }
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err((
                Some(lineno),
                format!("expected `Header: value`, found `{}`", truncate(line, 60)),
            ));
        };
        let key = k.trim().to_ascii_lowercase();
        let v = v.trim();
        match key.as_str() {
            "name" => m.name = v.to_string(),
            "version" => m.version = v.to_string(),
            "license-expression" => license_expr = Some(v.to_string()),
            "license" if !v.is_empty() && v.len() <= 100 && !v.eq_ignore_ascii_case("unknown") => {
                license = Some(v.to_string())
            }
            "classifier" if v.starts_with("License ::") => classifiers.push(v.to_string()),
            "requires-dist" => m.requires.push((v.to_string(), lineno)),
            _ => {}
        }
        last_key = key;
    }
    if m.name.is_empty() {
        return Err((None, "no `Name:` header".into()));
    }
    if m.version.is_empty() {
        return Err((None, "no `Version:` header".into()));
    }
    m.license =
        crate::license::python_declared(license_expr.as_deref(), license.as_deref(), &classifiers);
    Ok(m)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// `requires.txt` of an egg: plain requirements, then `[extra]` or `[:marker]` sections.
fn add_egg_requires(egg_dir: &Path, node: &mut Node) {
    let Ok(text) = fs::read_to_string(egg_dir.join("requires.txt")) else {
        return;
    };
    let mut section: Option<String> = None;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(s.to_string());
            continue;
        }
        let Ok(r) = super::pyreq::parse_req(line) else {
            continue;
        };
        let mut dep = Dep::named(Ecosystem::Pypi, r.name.as_ref());
        dep.extras = r.extras.iter().map(|e| e.to_string()).collect();
        match section.as_deref() {
            None => node.deps.push(dep),
            Some(s) => {
                let (extra, marker) = s.split_once(':').unwrap_or((s, ""));
                if !marker.trim().is_empty() {
                    dep.marker = Marker::parse(marker).ok();
                }
                if extra.trim().is_empty() {
                    node.deps.push(dep);
                } else {
                    node.optional
                        .entry(extra.trim().to_string())
                        .or_default()
                        .push(dep);
                }
            }
        }
    }
}

/// Files listed in RECORD (path, `sha256=` urlsafe-base64 digest, size).
fn record_files(dist: &Path) -> Vec<InstalledFile> {
    let Ok(bytes) = fs::read(dist.join("RECORD")) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    text.lines()
        .filter_map(|l| {
            let fields = split_csv(l.trim_end_matches('\r'));
            let rel = fields.first()?.clone();
            if rel.is_empty() {
                return None;
            }
            let hash = fields.get(1).and_then(|h| record_hash(h));
            let size = fields.get(2).and_then(|s| s.trim().parse().ok());
            Some(InstalledFile {
                rel: rel.replace('\\', "/"),
                size,
                hash,
            })
        })
        .collect()
}

/// `sha256=<urlsafe base64, no padding>` → hex.
pub fn record_hash(field: &str) -> Option<Hash> {
    let (alg, b64) = field.split_once('=')?;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64.trim_end_matches('='))
        .ok()?;
    Some(Hash::new(alg, &hex::encode(raw)))
}

/// Splits one CSV line (RECORD quotes paths that contain commas).
pub fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Files of an egg: `installed-files.txt` (relative to the egg-info dir).
fn egg_files(egg: &Path) -> Vec<InstalledFile> {
    let Ok(text) = fs::read_to_string(egg.join("installed-files.txt")) else {
        return Vec::new();
    };
    let egg_name = file_name(egg);
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let rel = normalize_rel(&format!("{egg_name}/{l}"));
            InstalledFile {
                rel,
                size: None,
                hash: None,
            }
        })
        .collect()
}

/// Collapses `a/../b` segments of a relative path.
fn normalize_rel(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Installed size and file count, INSTALLER, direct_url.json origin.
fn finish_installed(
    pkg: &mut Package,
    sp: &Path,
    meta_dir: &Path,
    files: &[InstalledFile],
    egg: bool,
) {
    let mut size = 0u64;
    for f in files {
        size += match f.size {
            Some(s) => s,
            None => fs::metadata(sp.join(&f.rel)).map(|m| m.len()).unwrap_or(0),
        };
    }
    if !files.is_empty() {
        pkg.installed_size = Some(size);
        pkg.file_count = Some(files.len() as u64);
    }
    pkg.install_path = Some(crate::discover::display_path(meta_dir));
    if egg {
        return;
    }
    if let Ok(text) = fs::read_to_string(meta_dir.join("direct_url.json")) {
        pkg.origin = parse_direct_url(&text);
    }
}

/// PEP 610 `direct_url.json` → origin.
pub fn parse_direct_url(text: &str) -> Option<Origin> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let url = v.get("url")?.as_str()?.to_string();
    if let Some(vcs) = v.get("vcs_info") {
        let rev = vcs
            .get("commit_id")
            .or_else(|| vcs.get("requested_revision"))
            .and_then(|r| r.as_str())
            .map(str::to_string);
        let tool = vcs.get("vcs").and_then(|t| t.as_str()).unwrap_or("git");
        return Some(Origin::Vcs {
            url: format!("{tool}+{url}"),
            rev,
        });
    }
    if let Some(dir) = v.get("dir_info") {
        let editable = dir
            .get("editable")
            .and_then(|e| e.as_bool())
            .unwrap_or(false);
        let path = url.strip_prefix("file://").unwrap_or(&url).to_string();
        return Some(Origin::Path { path, editable });
    }
    if url.starts_with("file://") {
        return Some(Origin::Path {
            path: url.trim_start_matches("file://").to_string(),
            editable: false,
        });
    }
    Some(Origin::Url { url })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_headers() {
        let text = "Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.0\nLicense: MIT\n\
                    Classifier: License :: OSI Approved :: BSD License\n\
                    Requires-Dist: idna (>=2) ; extra == 'x'\n\nBody: not a header\n";
        let m = parse_metadata(text).unwrap();
        assert_eq!(m.name, "Foo_Bar");
        assert_eq!(m.license.as_deref(), Some("MIT"));
        assert_eq!(
            m.requires,
            vec![("idna (>=2) ; extra == 'x'".to_string(), 6)]
        );
        let m = parse_metadata("Name: a\nVersion: 1\nLicense: Long text\n  more text\n").unwrap();
        assert_eq!(m.license, None);
        // Free text that names nothing: the licence classifiers decide.
        let m = parse_metadata(
            "Name: a\nVersion: 1\nLicense: Dual License\n\
             Classifier: License :: OSI Approved :: Apache Software License\n\
             Classifier: License :: OSI Approved :: MIT License\n",
        )
        .unwrap();
        assert_eq!(m.license.as_deref(), Some("Apache-2.0 AND MIT"));
        let m =
            parse_metadata("Name: a\nVersion: 1\nLicense: Apache License, Version 2.0\n").unwrap();
        assert_eq!(m.license.as_deref(), Some("Apache-2.0"));
        let err = parse_metadata("Name: a\ngarbage line\n").unwrap_err();
        assert_eq!(err.0, Some(2));
        assert!(parse_metadata("Version: 1\n").is_err());
    }

    #[test]
    fn record_lines() {
        assert_eq!(
            split_csv("\"a,b.py\",sha256=x,3"),
            vec!["a,b.py", "sha256=x", "3"]
        );
        let h = record_hash("sha256=zuuue4knoyJ-UwPPXg8fezS7VCrXJQrAP7zeNuwvFQg").unwrap();
        assert_eq!(h.algorithm, "sha256");
        assert_eq!(h.value.len(), 64);
        assert_eq!(
            normalize_rel("foo.egg-info/../foo/__init__.py"),
            "foo/__init__.py"
        );
    }

    #[test]
    fn direct_url_origins() {
        let vcs = parse_direct_url(
            r#"{"url": "https://git.invalid/x.git", "vcs_info": {"vcs": "git", "commit_id": "abc"}}"#,
        );
        assert_eq!(
            vcs,
            Some(Origin::Vcs {
                url: "git+https://git.invalid/x.git".into(),
                rev: Some("abc".into())
            })
        );
        let ed = parse_direct_url(r#"{"url": "file:///src/x", "dir_info": {"editable": true}}"#);
        assert_eq!(
            ed,
            Some(Origin::Path {
                path: "/src/x".into(),
                editable: true
            })
        );
    }
}
