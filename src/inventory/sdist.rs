//! Source distributions (`*.tar.gz`, `*.zip`): `PKG-INFO` at the top of the
//! archive; without one, `pyproject.toml` (`[project]`) or `setup.cfg`
//! (`[metadata]`, `[options] install_requires`). Read in memory, never
//! unpacked and never built (no `setup.py` is run). Like wheels: the
//! archive's sha256, a file-name cross-check, and the archive as content.
//! An npm tarball (`package/package.json`, no PKG-INFO) is not an sdist.

use super::pyreq;
use super::text::toml_error;
use super::wheel::{MAX_META_BYTES, add_metadata, archive_problems, finish};
use super::{Extract, Node};
use crate::archive::{self, ArchiveKind, Limits};
use crate::model::{Ecosystem, InputKind, Package};
use std::collections::BTreeMap;
use std::path::Path;

/// The metadata files of an sdist we look at (top-level only).
#[derive(Default)]
struct Found {
    pkg_info: Option<(String, Vec<u8>)>,
    pyproject: Option<(String, Vec<u8>)>,
    setup_cfg: Option<(String, Vec<u8>)>,
    npm_manifest: bool,
}

/// Reads an sdist.
pub fn extract(path: &Path, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::Sdist, display);
    let kind = match sniff(path) {
        Some(k) => k,
        None => {
            ex.error(None, "not a tar, tar.gz or zip archive");
            return ex;
        }
    };
    let limits = Limits {
        max_entry_bytes: MAX_META_BYTES,
        ..Limits::default()
    };
    let mut found = Found::default();
    let visit = archive::visit_path(
        path,
        kind,
        &limits,
        &mut |e| top_level_file(&e.name).is_some(),
        &mut |e, bytes| {
            let slot = match top_level_file(&e.name) {
                Some("PKG-INFO") => &mut found.pkg_info,
                Some("pyproject.toml") => &mut found.pyproject,
                Some("setup.cfg") => &mut found.setup_cfg,
                Some("package.json") if e.name.starts_with("package/") => {
                    found.npm_manifest = true;
                    return;
                }
                _ => return,
            };
            if slot.is_none() {
                *slot = Some((e.name.clone(), bytes.to_vec()));
            }
        },
    );
    match visit {
        Ok(v) => archive_problems(&mut ex, display, &v.problems),
        Err(e) => {
            ex.error(None, e.to_string());
            return ex;
        }
    }
    let ok = if let Some((name, bytes)) = &found.pkg_info {
        add_metadata(
            &mut ex,
            &String::from_utf8_lossy(bytes),
            &format!("{display}!/{name}"),
        )
    } else if let Some((name, bytes)) = &found.pyproject {
        from_pyproject(
            &mut ex,
            &String::from_utf8_lossy(bytes),
            &format!("{display}!/{name}"),
            path,
        )
    } else if let Some((name, bytes)) = &found.setup_cfg {
        from_setup_cfg(
            &mut ex,
            &String::from_utf8_lossy(bytes),
            &format!("{display}!/{name}"),
            path,
        )
    } else if found.npm_manifest {
        ex.error(
            None,
            "this is an npm package tarball (package/package.json, no PKG-INFO), not a Python sdist; \
             give it a .tgz name to have it read as one",
        );
        false
    } else {
        ex.error(
            None,
            "no PKG-INFO, pyproject.toml or setup.cfg at the top of the archive",
        );
        false
    };
    if ok {
        finish(&mut ex, path, display, kind);
    }
    ex
}

/// Parses PKG-INFO text (tests and fuzzing).
pub fn parse(text: &str, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::Sdist, display);
    add_metadata(&mut ex, text, display);
    ex
}

/// Fuzz target body (PKG-INFO and setup.cfg readers): must never panic.
pub fn fuzz(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut ex = parse(&text, "x.tar.gz!/x/PKG-INFO");
    super::graph::resolve(&mut ex, None);
    let mut ex = Extract::new(InputKind::Sdist, "x.tar.gz");
    from_setup_cfg(
        &mut ex,
        &text,
        "x.tar.gz!/x/setup.cfg",
        Path::new("x-1.0.tar.gz"),
    );
}

fn sniff(path: &Path) -> Option<ArchiveKind> {
    use std::io::Read;
    let mut head = [0u8; 512];
    let mut f = std::fs::File::open(path).ok()?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    archive::sniff(&head[..n])
}

/// `top/FILE` → `FILE` (one directory deep, as sdists are laid out).
fn top_level_file(name: &str) -> Option<&str> {
    let mut parts = name.trim_start_matches("./").split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(top), Some(file), None) if !top.is_empty() => Some(file),
        _ => None,
    }
}

/// The archive file name's version, when the metadata leaves it dynamic.
fn file_version(path: &Path) -> Option<String> {
    let file = path.file_name()?.to_str()?;
    pyreq::archive_name_version(file).map(|(_, v)| v)
}

fn push_declared(
    ex: &mut Extract,
    name: &str,
    version: Option<String>,
    requires: &[String],
    meta_display: &str,
) {
    let pkg = Package::new(Ecosystem::Pypi, name, version.as_deref());
    let mut node = Node::new(pkg.with_source(&ex.path, None, InputKind::Sdist));
    for r in requires {
        match pyreq::dep_from_str(r) {
            Ok(d) => node.deps.push(d),
            Err(e) => ex.errors.push(crate::finding::InputError::new(
                meta_display.to_string(),
                None,
                e,
            )),
        }
    }
    ex.nodes.push(node);
}

fn from_pyproject(ex: &mut Extract, text: &str, meta_display: &str, path: &Path) -> bool {
    let doc: toml::Table = match toml::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let (line, msg) = toml_error(text, &e);
            ex.errors.push(crate::finding::InputError::new(
                meta_display.to_string(),
                line,
                msg,
            ));
            return false;
        }
    };
    let project = doc.get("project").and_then(|p| p.as_table());
    let Some(name) = project.and_then(|p| p.get("name")).and_then(|n| n.as_str()) else {
        ex.errors.push(crate::finding::InputError::new(
            meta_display.to_string(),
            None,
            "no PKG-INFO and no `[project] name`: the name is only known by building, which tollgate never does",
        ));
        return false;
    };
    let version = project
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .or_else(|| file_version(path));
    let requires: Vec<String> = project
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    push_declared(ex, name, version, &requires, meta_display);
    true
}

fn from_setup_cfg(ex: &mut Extract, text: &str, meta_display: &str, path: &Path) -> bool {
    let ini = parse_ini(text);
    let meta = ini.get("metadata");
    let Some(name) = meta.and_then(|m| m.get("name")).filter(|n| !n.is_empty()) else {
        ex.errors.push(crate::finding::InputError::new(
            meta_display.to_string(),
            None,
            "no PKG-INFO and no `[metadata] name` in setup.cfg",
        ));
        return false;
    };
    // `version = attr: pkg.__version__` needs running code: use the file name's.
    let version = meta
        .and_then(|m| m.get("version"))
        .filter(|v| !v.contains(':') && !v.is_empty())
        .cloned()
        .or_else(|| file_version(path));
    let requires: Vec<String> = ini
        .get("options")
        .and_then(|o| o.get("install_requires"))
        .map(|r| {
            r.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    push_declared(ex, &name.clone(), version, &requires, meta_display);
    true
}

/// A small INI reader (setuptools' setup.cfg): `[section]`, `key = value` or
/// `key: value`, indented continuation lines, `#`/`;` comments.
fn parse_ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut section = String::new();
    let mut key: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if line.starts_with([' ', '\t']) && !trimmed.is_empty() {
            if let Some(k) = &key
                && let Some(v) = out.get_mut(&section).and_then(|s| s.get_mut(k))
            {
                v.push('\n');
                v.push_str(trimmed);
            }
            continue;
        }
        if let Some(s) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = s.trim().to_string();
            key = None;
            continue;
        }
        if let Some(i) = trimmed.find(['=', ':']) {
            let k = trimmed[..i].trim().to_ascii_lowercase().replace('-', "_");
            let v = trimmed[i + 1..].trim().to_string();
            out.entry(section.clone()).or_default().insert(k.clone(), v);
            key = Some(k);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_cfg() {
        let text = "[metadata]\nname = legacy-pkg\nversion = attr: legacy.__version__\n\n\
                    [options]\ninstall_requires =\n    requests>=2\n    # comment\n    six\n";
        let mut ex = Extract::new(InputKind::Sdist, "legacy-pkg-0.3.tar.gz");
        assert!(from_setup_cfg(
            &mut ex,
            text,
            "m",
            Path::new("legacy-pkg-0.3.tar.gz")
        ));
        assert_eq!(ex.nodes[0].package.display_id(), "legacy-pkg@0.3");
        assert_eq!(ex.nodes[0].deps.len(), 2);
    }

    #[test]
    fn layout() {
        assert_eq!(top_level_file("pkg-1.0/PKG-INFO"), Some("PKG-INFO"));
        assert_eq!(top_level_file("pkg-1.0/src/PKG-INFO"), None);
        assert_eq!(top_level_file("PKG-INFO"), None);
    }
}
