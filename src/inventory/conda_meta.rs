//! conda environments: one `conda-meta/<name>-<version>-<build>.json` per
//! installed package (name, version, build, channel, `depends`, `license`,
//! `md5` / `sha256` of the package archive, `files` / `paths_data`).
//!
//! conda packages are not PyPI distributions (a conda `numpy` is a build of
//! its own, often with a different file set), so they get the `conda`
//! ecosystem. What pip installed into the environment's site-packages is
//! read separately by the dist-info extractor (discovery emits both).
//! Direct dependencies are the specs the user asked for: records with a
//! `requested_spec`, and the `# update specs:` lines of `conda-meta/history`;
//! without either, the top of the `depends` graph.

use super::content::{Content, ContentKind, InstalledFile};
use super::pyreq;
use super::text::{json_error, read_text};
use super::{Dep, Extract, Node};
use crate::finding::{InputError, PackageRef};
use crate::model::{Ecosystem, Hash, InputKind, Origin, Package, SourceRef};
use serde::Deserialize;
use std::path::Path;

/// One conda-meta record (fields conda writes; everything else is ignored).
#[derive(Deserialize)]
struct Record {
    name: String,
    version: String,
    channel: Option<String>,
    url: Option<String>,
    #[serde(default)]
    depends: Vec<String>,
    license: Option<String>,
    md5: Option<String>,
    sha256: Option<String>,
    #[serde(default)]
    files: Vec<String>,
    paths_data: Option<PathsData>,
    requested_spec: Option<String>,
}

#[derive(Deserialize)]
struct PathsData {
    #[serde(default)]
    paths: Vec<PathEntry>,
}

#[derive(Deserialize)]
struct PathEntry {
    #[serde(rename = "_path")]
    path: String,
    sha256: Option<String>,
    size_in_bytes: Option<u64>,
}

/// Most records read from one environment.
const MAX_RECORDS: usize = 100_000;

/// Reads a conda environment (its root, or its `conda-meta` directory).
pub fn extract(path: &Path, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::CondaEnv, display);
    let (root, meta) = if path.file_name().is_some_and(|n| n == "conda-meta") {
        (
            path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            path.to_path_buf(),
        )
    } else {
        (path.to_path_buf(), path.join("conda-meta"))
    };
    let mut names: Vec<String> = match std::fs::read_dir(&meta) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".json"))
            .take(MAX_RECORDS)
            .collect(),
        Err(e) => {
            ex.error(None, format!("cannot read conda-meta: {e}"));
            return ex;
        }
    };
    names.sort();
    let meta_display = format!("{}/conda-meta", display.trim_end_matches('/'));
    let mut requested: Vec<String> = Vec::new();
    for n in names {
        let file_display = format!("{meta_display}/{n}");
        let text = match read_text(&meta.join(&n)) {
            Ok(t) => t,
            Err(e) => {
                ex.errors.push(InputError::new(file_display, None, e));
                continue;
            }
        };
        match record(&text) {
            Ok(r) => {
                if r.requested_spec
                    .as_deref()
                    .is_some_and(|s| !s.trim().is_empty())
                {
                    requested.push(r.name.clone());
                }
                add_record(&mut ex, r, &file_display, &root);
            }
            Err((line, msg)) => ex.errors.push(InputError::new(file_display, line, msg)),
        }
    }
    if let Ok(history) = std::fs::read_to_string(meta.join("history")) {
        for name in history_specs(&history) {
            if !requested.iter().any(|r| r.eq_ignore_ascii_case(&name)) {
                requested.push(name);
            }
        }
    }
    if !requested.is_empty() {
        ex.roots = Some(
            requested
                .iter()
                .map(|n| Dep::named(Ecosystem::Conda, n))
                .collect(),
        );
    }
    ex.graph_known = true;
    ex
}

/// Parses one conda-meta record into a one-package extract (tests, fuzzing).
pub fn parse(text: &str, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::CondaEnv, display);
    match record(text) {
        Ok(r) => add_record(&mut ex, r, display, Path::new(".")),
        Err((line, msg)) => ex.error(line, msg),
    }
    ex
}

/// Fuzz target body: must never panic.
pub fn fuzz(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut ex = parse(&text, "conda-meta/x.json");
    super::graph::resolve(&mut ex, None);
    let _ = history_specs(&text);
}

fn record(text: &str) -> Result<Record, (Option<u32>, String)> {
    serde_json::from_str(text).map_err(|e| json_error(&e))
}

fn add_record(ex: &mut Extract, r: Record, file_display: &str, root: &Path) {
    let mut pkg = Package::new(Ecosystem::Conda, &r.name, Some(&r.version));
    pkg.sources.push(SourceRef {
        path: file_display.to_string(),
        line: None,
        kind: InputKind::CondaEnv,
    });
    pkg.license = r.license.clone().filter(|l| !l.trim().is_empty());
    for (alg, v) in [("md5", &r.md5), ("sha256", &r.sha256)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            pkg.add_hash(Hash::new(alg, v));
        }
    }
    if let Some(ch) = r.channel.as_deref().filter(|c| !c.is_empty()) {
        pyreq::add_index(&mut ex.indexes, ch);
        pkg.origin = Some(Origin::Registry {
            url: Some(ch.to_string()),
        });
    } else if let Some(u) = &r.url {
        pkg.origin = Some(Origin::Url { url: u.clone() });
    }
    let files = installed_files(&r);
    if !files.is_empty() {
        let with_size: Vec<u64> = files.iter().filter_map(|f| f.size).collect();
        if with_size.len() == files.len() {
            pkg.installed_size = Some(with_size.iter().sum());
        }
        pkg.file_count = Some(files.len() as u64);
    }
    pkg.install_path = Some(file_display.to_string());
    let pref = PackageRef::from(&pkg);
    let mut node = Node::new(pkg);
    node.deps = r
        .depends
        .iter()
        .filter_map(|d| d.split_whitespace().next())
        .map(|n| Dep::named(Ecosystem::Conda, n))
        .collect();
    ex.nodes.push(node);
    if !files.is_empty() {
        ex.contents.push(Content {
            package: Some(pref),
            input: ex.path.clone(),
            kind: ContentKind::Installed {
                base: root.to_path_buf(),
                files,
            },
        });
    }
}

/// The package's files with conda's recorded size and digest when present.
fn installed_files(r: &Record) -> Vec<InstalledFile> {
    match &r.paths_data {
        Some(pd) if !pd.paths.is_empty() => pd
            .paths
            .iter()
            .filter(|p| crate::archive::check_member_name(&p.path).is_ok())
            .map(|p| InstalledFile {
                rel: p.path.clone(),
                size: p.size_in_bytes,
                hash: p.sha256.as_deref().map(|h| Hash::new("sha256", h)),
            })
            .collect(),
        _ => r
            .files
            .iter()
            .filter(|f| crate::archive::check_member_name(f).is_ok())
            .map(|f| InstalledFile {
                rel: f.clone(),
                size: None,
                hash: None,
            })
            .collect(),
    }
}

/// Package names from `# update specs: ['numpy', 'python=3.11']` lines of
/// `conda-meta/history`, minus those later removed (`# remove specs:`).
pub fn history_specs(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let (add, list) = if let Some(l) = line.strip_prefix("# update specs:") {
            (true, l)
        } else if let Some(l) = line.strip_prefix("# remove specs:") {
            (false, l)
        } else {
            continue;
        };
        for spec in list
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
        {
            let spec = spec.trim().trim_matches(|c| c == '\'' || c == '"');
            // `conda-forge::numpy=1.26` → `numpy`
            let spec = spec.rsplit("::").next().unwrap_or(spec);
            let name: String = spec
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect::<String>()
                .to_ascii_lowercase();
            if name.is_empty() {
                continue;
            }
            out.retain(|n| *n != name);
            if add {
                out.push(name);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_fields() {
        let text = r#"{"name": "numpy", "version": "1.26.4", "build": "py311h_0",
            "channel": "https://conda.invalid/conda-forge/linux-64",
            "depends": ["libblas >=3.9.0,<4.0a0", "python >=3.11,<3.12.0a0"],
            "license": "BSD-3-Clause", "md5": "AB", "sha256": "cd", "size": 10,
            "files": ["lib/a.so", "../escape"],
            "paths_data": {"paths": [{"_path": "lib/a.so", "sha256": "ee", "size_in_bytes": 7}], "paths_version": 1}}"#;
        let ex = parse(text, "env/conda-meta/numpy-1.26.4-py311h_0.json");
        assert!(ex.errors.is_empty());
        let p = &ex.nodes[0].package;
        assert_eq!(p.purl, "pkg:conda/numpy@1.26.4");
        assert_eq!(p.hashes.len(), 2);
        assert_eq!((p.installed_size, p.file_count), (Some(7), Some(1)));
        assert_eq!(ex.nodes[0].deps[1].name, "python");
        assert_eq!(
            ex.indexes,
            vec!["https://conda.invalid/conda-forge/linux-64"]
        );
        assert_eq!(ex.contents.len(), 1);
    }

    #[test]
    fn history_and_errors() {
        let h = "==> 2024 <==\n# cmd: conda create\n# update specs: ['python=3.11', 'conda-forge::NumPy']\n\
                 # update specs: [\"requests\"]\n# remove specs: ['requests']\n";
        assert_eq!(history_specs(h), vec!["python", "numpy"]);
        let ex = parse("{\n\"name\": \"x\"\n}", "x.json");
        assert_eq!(ex.errors.len(), 1);
        assert!(ex.errors[0].message.contains("version"));
    }
}
