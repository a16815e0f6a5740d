//! Walks the paths given on the command line and decides what each input is.
//!
//! Lockfiles and manifests are recognised by name; archives and model files
//! by their first bytes (extensions lie). Installed environments
//! (`site-packages`, a venv root, a conda env, `node_modules`) are handed to
//! their extractor whole and not walked for project inputs: a
//! `requirements.txt` shipped inside a package is not the user's manifest.

use crate::finding::InputError;
use crate::model::InputKind;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One input the scan will read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    pub kind: InputKind,
    pub path: PathBuf,
}

impl Input {
    /// The path as reports show it.
    pub fn display(&self) -> String {
        display_path(&self.path)
    }
}

/// A path as reports show it: as the user gave it, with `/` separators.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Everything found under the given paths.
#[derive(Debug, Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    /// Files in a walked tree that no extractor reads but content analyses
    /// may (model files found by content are in `inputs` as `ModelFile`).
    pub errors: Vec<InputError>,
    /// Directories of walked trees that are packages in source form (a
    /// `setup.py`, a `pyproject.toml` with `[build-system]`, or a
    /// `package.json`): content analyses read their files. Environments
    /// (`node_modules`, venvs) are never listed here.
    pub source_packages: Vec<PathBuf>,
}

/// Directory names never descended into.
const SKIP_DIRS: &[&str] = &[".git", ".hg", ".svn", "__pycache__"];

/// Discovers inputs under every path. A missing path becomes an error.
pub fn discover(paths: &[PathBuf]) -> Discovered {
    let mut out = Discovered::default();
    for p in paths {
        match fs::metadata(p) {
            Ok(m) if m.is_dir() => walk_dir(p, &mut out),
            Ok(_) => {
                if let Some(kind) = classify_file(p, true) {
                    out.inputs.push(Input {
                        kind,
                        path: p.clone(),
                    });
                } else {
                    out.errors.push(InputError::new(
                        display_path(p),
                        None,
                        "not a recognised input (expected a lockfile, manifest, requirements file, \
                         archive, SBOM or model file)",
                    ));
                }
            }
            Err(e) => out
                .errors
                .push(InputError::new(display_path(p), None, e.to_string())),
        }
    }
    out.inputs.sort();
    out.inputs.dedup();
    out
}

/// What an installed-environment directory is, if it is one.
pub fn classify_dir(dir: &Path) -> Option<InputKind> {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == "site-packages" || name == "dist-packages" {
        return Some(InputKind::PythonEnv);
    }
    if name == "node_modules" {
        return Some(InputKind::NodeModules);
    }
    if dir.join("pyvenv.cfg").is_file() {
        return Some(InputKind::PythonEnv);
    }
    if dir.join("conda-meta").is_dir() {
        return Some(InputKind::CondaEnv);
    }
    None
}

fn walk_dir(dir: &Path, out: &mut Discovered) {
    if let Some(kind) = classify_dir(dir) {
        out.inputs.push(Input {
            kind,
            path: dir.to_path_buf(),
        });
        // A conda env also holds a site-packages with pip-installed packages.
        if kind == InputKind::CondaEnv {
            for sp in python_site_dirs(dir) {
                out.inputs.push(Input {
                    kind: InputKind::PythonEnv,
                    path: sp,
                });
            }
        }
        return;
    }
    if is_source_package(dir) {
        out.source_packages.push(dir.to_path_buf());
    }
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.errors
                .push(InputError::new(display_path(dir), None, e.to_string()));
            return;
        }
    };
    let mut children: Vec<(PathBuf, fs::FileType)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_type().ok().map(|t| (e.path(), t)))
        .collect();
    children.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, ty) in children {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if ty.is_dir() {
            if !SKIP_DIRS.contains(&name) {
                walk_dir(&path, out);
            }
        } else if ty.is_file()
            && let Some(kind) = classify_file(&path, false)
        {
            out.inputs.push(Input { kind, path });
        }
        // Symlinks are not followed: a link can point anywhere, and loops.
    }
}

/// A package in source form: `setup.py`, `package.json`, or a
/// `pyproject.toml` that declares a build system.
pub fn is_source_package(dir: &Path) -> bool {
    dir.join("setup.py").is_file()
        || dir.join("package.json").is_file()
        || fs::read_to_string(dir.join("pyproject.toml"))
            .is_ok_and(|t| t.contains("[build-system]"))
}

/// `lib/pythonX.Y/site-packages` (and `lib64`, `Lib`) under an environment root.
pub fn python_site_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for lib in ["lib", "lib64"] {
        if let Ok(entries) = fs::read_dir(root.join(lib)) {
            let mut names: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("python"))
                })
                .collect();
            names.sort();
            for p in names {
                let sp = p.join("site-packages");
                if sp.is_dir() && !out.iter().any(|o: &PathBuf| same_dir(o, &sp)) {
                    out.push(sp);
                }
            }
        }
    }
    let win = root.join("Lib").join("site-packages");
    if win.is_dir() {
        out.push(win);
    }
    out
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Decides what a file is. `explicit` is true when the user named the file,
/// which allows looser matches (any `*.txt` given by path is a requirements file).
pub fn classify_file(path: &Path, explicit: bool) -> Option<InputKind> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    let by_name = match name {
        "uv.lock" => Some(InputKind::UvLock),
        "poetry.lock" => Some(InputKind::PoetryLock),
        "Pipfile.lock" => Some(InputKind::PipfileLock),
        "pdm.lock" => Some(InputKind::PdmLock),
        "pyproject.toml" => Some(InputKind::Pyproject),
        "package-lock.json" | "npm-shrinkwrap.json" => Some(InputKind::PackageLock),
        "yarn.lock" => Some(InputKind::YarnLock),
        "pnpm-lock.yaml" => Some(InputKind::PnpmLock),
        // bun.lockb is binary: its extractor reports it as unsupported.
        "bun.lock" | "bun.lockb" => Some(InputKind::BunLock),
        "package.json" => Some(InputKind::PackageJson),
        "Cargo.lock" => Some(InputKind::CargoLock),
        _ => None,
    };
    if by_name.is_some() {
        return by_name;
    }
    if lower == "pylock.toml" || (lower.starts_with("pylock.") && lower.ends_with(".toml")) {
        return Some(InputKind::Pylock);
    }
    if is_requirements_name(&lower, path) || (explicit && lower.ends_with(".txt")) {
        return Some(InputKind::Requirements);
    }
    if lower.ends_with(".whl") {
        return Some(InputKind::Wheel);
    }
    if lower.ends_with(".cdx.json") || lower == "bom.json" {
        return Some(InputKind::Cyclonedx);
    }
    if lower.ends_with(".spdx.json") {
        return Some(InputKind::Spdx);
    }
    sniff_file(path, &lower, explicit)
}

/// `requirements.txt`, `requirements-dev.txt`, `dev-requirements.txt`,
/// `requirements/*.txt`, `constraints.txt`, pip-compile's `requirements.in`.
fn is_requirements_name(lower: &str, path: &Path) -> bool {
    let stem_ok = |ext: &str| {
        lower.ends_with(ext) && (lower.contains("requirements") || lower.contains("constraints"))
    };
    if stem_ok(".txt") || stem_ok(".in") {
        return true;
    }
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("");
    parent == "requirements" && (lower.ends_with(".txt") || lower.ends_with(".in"))
}

/// Extensions of text source and docs: never archives or model files, so not sniffed.
const TEXT_EXTS: &[&str] = &[
    ".py", ".pyi", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".md", ".rst", ".txt", ".html",
    ".css", ".yml", ".yaml", ".toml", ".cfg", ".ini", ".rs", ".c", ".h", ".cpp", ".map", ".lock",
    ".svg", ".xml", ".sh",
];

/// Looks at the first bytes of files whose name says nothing.
fn sniff_file(path: &Path, lower: &str, explicit: bool) -> Option<InputKind> {
    if TEXT_EXTS.iter().any(|e| lower.ends_with(e)) {
        return None;
    }
    let mut head = [0u8; 512];
    let n = fs::File::open(path).and_then(|mut f| read_up_to(&mut f, &mut head));
    let n = n.ok()?;
    let head = &head[..n];
    if lower.ends_with(".json") {
        return sniff_sbom(head);
    }
    if let Some(kind) = crate::archive::sniff(head) {
        let tgz_name = lower.ends_with(".tgz") || lower.ends_with(".tar.gz");
        return match kind {
            crate::archive::ArchiveKind::TarGz | crate::archive::ArchiveKind::Tar
                if lower.ends_with(".tgz") =>
            {
                Some(InputKind::NpmTarball)
            }
            crate::archive::ArchiveKind::TarGz | crate::archive::ArchiveKind::Tar if tgz_name => {
                Some(InputKind::Sdist)
            }
            crate::archive::ArchiveKind::Zip if lower.ends_with(".zip") => {
                // A zip can be an sdist or a model (PyTorch archives are zips).
                if crate::analyze::models::looks_like_model(path, head) {
                    Some(InputKind::ModelFile)
                } else {
                    Some(InputKind::Sdist)
                }
            }
            _ if crate::analyze::models::looks_like_model(path, head) => Some(InputKind::ModelFile),
            _ if explicit => Some(InputKind::Sdist),
            _ => None,
        };
    }
    if crate::analyze::models::looks_like_model(path, head) {
        return Some(InputKind::ModelFile);
    }
    None
}

fn sniff_sbom(head: &[u8]) -> Option<InputKind> {
    let s = String::from_utf8_lossy(head);
    if s.contains("\"bomFormat\"") && s.contains("CycloneDX") {
        Some(InputKind::Cyclonedx)
    } else if s.contains("\"spdxVersion\"") {
        Some(InputKind::Spdx)
    } else {
        None
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let c = |p: &str| classify_file(Path::new(p), false);
        assert_eq!(c("x/uv.lock"), Some(InputKind::UvLock));
        assert_eq!(c("x/requirements-dev.txt"), Some(InputKind::Requirements));
        assert_eq!(c("x/requirements/base.txt"), Some(InputKind::Requirements));
        assert_eq!(c("x/requirements.in"), Some(InputKind::Requirements));
        assert_eq!(c("x/pylock.dev.toml"), Some(InputKind::Pylock));
        assert_eq!(c("x/notes.txt"), None);
        assert_eq!(
            classify_file(Path::new("x/notes.txt"), true),
            Some(InputKind::Requirements)
        );
    }
}
