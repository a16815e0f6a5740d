//! Which packages to read and how to iterate their files: installed files
//! (RECORD lists), archives (read in memory through `crate::archive`), and
//! package directories (node_modules packages, source trees).
//!
//! Until every extractor hands its contents to the inventory, the
//! behaviour analysis also turns discovered archives, `node_modules`
//! directories and source packages into units itself; a unit already
//! covered by `inventory.contents` is not read twice.

use crate::archive::{self, ArchiveKind, EntryInfo, Limits};
use crate::discover::{Discovered, display_path};
use crate::finding::{InputError, PackageRef};
use crate::inventory::{Content, ContentKind, InstalledFile};
use crate::model::{Ecosystem, Hash, InputKind};
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Where a unit's files are.
#[derive(Clone, Debug)]
pub enum Source {
    Installed {
        base: PathBuf,
        files: Vec<InstalledFile>,
    },
    Archive {
        path: PathBuf,
        kind: ArchiveKind,
    },
    /// A package directory, walked without descending into nested
    /// `node_modules` or environments.
    Dir {
        root: PathBuf,
    },
}

/// One package (or the ownerless files of an environment) to analyse.
#[derive(Clone, Debug)]
pub struct Unit {
    pub package: Option<PackageRef>,
    /// `Some` for the files of an environment that no RECORD owns.
    pub ownerless: bool,
    pub source: Source,
    /// Prefix of every location: `base/`, `archive.whl!/`.
    pub prefix: String,
    /// The unit is an sdist or a source tree: `setup.py` would run on install.
    pub source_tree: bool,
}

/// One file handed to the analysis.
pub struct FileRef<'a> {
    /// Path inside the unit, `/`-separated.
    pub rel: &'a str,
    pub bytes: &'a [u8],
    /// RECORD digest and size, for installed files.
    pub record: Option<(&'a Option<Hash>, Option<u64>)>,
}

/// Largest file read from disk (bigger files are reported, not read).
pub const MAX_FILE: u64 = 64 << 20;

/// Whether a file's name makes it worth reading: code, manifests, startup
/// hooks, and anything that might be an executable.
pub fn wanted(rel: &str) -> bool {
    if is_test_path(rel) {
        return false;
    }
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lower = name.to_ascii_lowercase();
    const EXTS: &[&str] = &[
        ".py", ".pth", ".js", ".cjs", ".mjs", ".sh", ".exe", ".dll", ".dylib", ".bin", ".elf",
    ];
    EXTS.iter().any(|e| lower.ends_with(e))
        || matches!(name, "package.json" | "binding.gyp" | "pyproject.toml")
        || !name.contains('.')
}

/// Test suites shipped inside packages (`tests/`, `test/`, `__tests__/`)
/// run neither on install nor on import: not read, to keep the scan near
/// reading speed (8 % of the corpus's source bytes).
fn is_test_path(rel: &str) -> bool {
    rel.split('/')
        .rev()
        .skip(1)
        .any(|d| matches!(d, "tests" | "test" | "__tests__"))
}

/// Units from the inventory's contents, plus the shims described above.
pub fn units(contents: &[Content], discovered: &Discovered) -> Vec<Unit> {
    let mut out: Vec<Unit> = contents.iter().map(unit_of_content).collect();
    let covered: HashSet<PathBuf> = contents
        .iter()
        .map(|c| match &c.kind {
            ContentKind::Archive { path, .. } => path.clone(),
            ContentKind::Installed { base, .. } => base.clone(),
        })
        .collect();
    let has_node_content = |p: &Path| covered.iter().any(|c| c.starts_with(p));
    for input in &discovered.inputs {
        match input.kind {
            InputKind::Wheel | InputKind::Sdist | InputKind::NpmTarball
                if !covered.contains(&input.path) =>
            {
                if let Some(u) = archive_unit(&input.path, input.kind) {
                    out.push(u);
                }
            }
            InputKind::NodeModules if !has_node_content(&input.path) => {
                node_modules_units(&input.path, &mut out, 0);
            }
            _ => {}
        }
    }
    for root in &discovered.source_packages {
        out.push(dir_unit(root, None, true));
    }
    out
}

fn unit_of_content(c: &Content) -> Unit {
    let (prefix, source_tree) = match &c.kind {
        ContentKind::Installed { base, .. } => (format!("{}/", display_path(base)), false),
        ContentKind::Archive { path, kind } => {
            (format!("{}!/", display_path(path)), is_sdist(path, *kind))
        }
    };
    let source = match &c.kind {
        ContentKind::Installed { base, files } => {
            // A directory content with no file list is a package dir (node_modules).
            if files.is_empty() {
                Source::Dir { root: base.clone() }
            } else {
                Source::Installed {
                    base: base.clone(),
                    files: files.clone(),
                }
            }
        }
        ContentKind::Archive { path, kind } => Source::Archive {
            path: path.clone(),
            kind: *kind,
        },
    };
    Unit {
        package: c.package.clone(),
        ownerless: c.package.is_none(),
        source,
        prefix,
        source_tree,
    }
}

/// An sdist runs `setup.py` on install; a wheel or npm tarball does not.
fn is_sdist(path: &Path, kind: ArchiveKind) -> bool {
    let n = path.to_string_lossy().to_ascii_lowercase();
    n.ends_with(".tar.gz")
        || n.ends_with(".zip")
        || (kind == ArchiveKind::Tar && !n.ends_with(".tgz"))
}

fn archive_unit(path: &Path, kind: InputKind) -> Option<Unit> {
    let mut head = [0u8; 512];
    let n = fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .ok()?;
    let ak = archive::sniff(head.get(..n)?).unwrap_or(match kind {
        InputKind::Wheel => ArchiveKind::Zip,
        _ => ArchiveKind::TarGz,
    });
    Some(Unit {
        package: None,
        ownerless: false,
        source: Source::Archive {
            path: path.to_path_buf(),
            kind: ak,
        },
        prefix: format!("{}!/", display_path(path)),
        source_tree: kind == InputKind::Sdist,
    })
}

fn dir_unit(root: &Path, package: Option<PackageRef>, source_tree: bool) -> Unit {
    Unit {
        package,
        ownerless: false,
        source: Source::Dir {
            root: root.to_path_buf(),
        },
        prefix: format!("{}/", display_path(root)),
        source_tree,
    }
}

/// Every package directory of a `node_modules` tree (scoped and nested).
fn node_modules_units(nm: &Path, out: &mut Vec<Unit>, depth: usize) {
    if depth > 16 {
        return;
    }
    let Ok(entries) = fs::read_dir(nm) else {
        return;
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for d in dirs {
        let name = d.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('@') {
            node_modules_units(&d, out, depth + 1);
            continue;
        }
        if name.starts_with('.') || !d.join("package.json").is_file() {
            continue;
        }
        let pkg = npm_package_ref(&d.join("package.json"));
        out.push(dir_unit(&d, pkg, false));
        let nested = d.join("node_modules");
        if nested.is_dir() {
            node_modules_units(&nested, out, depth + 1);
        }
    }
}

fn npm_package_ref(manifest: &Path) -> Option<PackageRef> {
    let text = fs::read(manifest).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&text).ok()?;
    let name = v.get("name")?.as_str()?;
    let version = v.get("version").and_then(|x| x.as_str());
    Some(PackageRef::new(Ecosystem::Npm, name, version))
}

/// A compiled extension module or native library, by name.
pub fn is_native_name(rel: &str) -> bool {
    let l = rel.to_ascii_lowercase();
    [".so", ".pyd", ".node", ".dylib", ".dll"]
        .iter()
        .any(|e| l.ends_with(e))
        || l.contains(".so.")
}

/// Every wanted file of a unit, read and handed to `f`; returns each file
/// read with what `f` made of it, and whether the unit holds native code
/// (extension modules, shared libraries) by file name. Installed units and
/// directories are read in parallel file by file; archives are streamed.
pub fn map_files<T: Send>(
    unit: &Unit,
    errors: &mut Vec<InputError>,
    f: &(dyn Fn(FileRef) -> Option<T> + Sync),
) -> (Vec<(String, Option<T>)>, bool) {
    use rayon::prelude::*;
    let read =
        |rel: &str, path: PathBuf, record: Option<(&Option<Hash>, Option<u64>)>| match read_wanted(
            &path, rel,
        ) {
            Ok((bytes, whole)) => Ok((
                rel.to_string(),
                f(FileRef {
                    rel,
                    bytes: &bytes,
                    record: record.filter(|_| whole),
                }),
            )),
            Err(e) => Err(InputError::new(format!("{}{}", unit.prefix, rel), None, e)),
        };
    type Read<T> = Result<(String, Option<T>), InputError>;
    let (results, native): (Vec<Read<T>>, bool) = match &unit.source {
        Source::Installed { base, files } => (
            files
                .par_iter()
                .filter(|file| wanted(&file.rel))
                .map(|file| {
                    read(
                        &file.rel,
                        base.join(&file.rel),
                        Some((&file.hash, file.size)),
                    )
                })
                .collect(),
            files.iter().any(|x| is_native_name(&x.rel)),
        ),
        Source::Dir { root } => {
            let mut files = Vec::new();
            list_dir(root, "", &mut files, 0);
            (
                files
                    .par_iter()
                    .filter(|rel| wanted(rel))
                    .map(|rel| read(rel, root.join(rel), None))
                    .collect(),
                files.iter().any(|x| is_native_name(x)),
            )
        }
        Source::Archive { path, kind } => {
            let display = display_path(path);
            let mut native = false;
            let mut out = Vec::new();
            let result = archive::visit_path(
                path,
                *kind,
                &Limits::default(),
                &mut |e: &EntryInfo| {
                    native |= is_native_name(&e.name);
                    wanted(&e.name)
                },
                &mut |e: &EntryInfo, bytes: &[u8]| {
                    let r = f(FileRef {
                        rel: &e.name,
                        bytes,
                        record: None,
                    });
                    out.push(Ok((e.name.clone(), r)));
                },
            );
            match result {
                Ok(visit) => {
                    for p in visit.problems {
                        errors.push(InputError::new(
                            format!("{display}!/{}", p.name),
                            None,
                            p.message,
                        ));
                    }
                }
                Err(e) => errors.push(InputError::new(display, None, e.to_string())),
            }
            (out, native)
        }
    };
    let mut files = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(x) => files.push(x),
            Err(e) => errors.push(e),
        }
    }
    (files, native)
}

/// Reads one file of a unit again (a file that turned out to run at
/// install or startup after the manifests were read).
pub fn read_one(unit: &Unit, rel: &str) -> Option<Vec<u8>> {
    match &unit.source {
        Source::Installed { base, .. } => read_small(&base.join(rel)).ok(),
        Source::Dir { root } => read_small(&root.join(rel)).ok(),
        Source::Archive { path, kind } => {
            let mut found = None;
            archive::visit_path(
                path,
                *kind,
                &Limits::default(),
                &mut |e: &EntryInfo| e.name == rel,
                &mut |_, b: &[u8]| found = Some(b.to_vec()),
            )
            .ok()?;
            found
        }
    }
}

/// Code and manifests are read whole; other files only as far as needed to
/// recognise an executable or a `#!` script (then whole). `true` = whole.
fn read_wanted(path: &Path, rel: &str) -> Result<(Vec<u8>, bool), String> {
    if super::file::lang_of(rel).is_some() {
        return read_small(path).map(|b| (b, true));
    }
    let mut head = [0u8; 256];
    let n = fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .map_err(|e| e.to_string())?;
    let head = &head[..n];
    if head.starts_with(b"#!") {
        return read_small(path).map(|b| (b, true));
    }
    Ok((head.to_vec(), false))
}

fn read_small(path: &Path) -> Result<Vec<u8>, String> {
    let meta = fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if meta.file_type().is_symlink() {
        return Err("symbolic link; not followed".into());
    }
    if meta.len() > MAX_FILE {
        return Err(format!(
            "{} bytes, over the {MAX_FILE}-byte limit; not read",
            meta.len()
        ));
    }
    fs::read(path).map_err(|e| e.to_string())
}

/// Files of a package directory, skipping VCS dirs, caches, nested
/// `node_modules` and environments (those are units of their own).
fn list_dir(dir: &Path, rel: &str, out: &mut Vec<String>, depth: usize) {
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
        let child = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if ty.is_dir() {
            let p = e.path();
            let skip = matches!(
                name.as_str(),
                "node_modules" | ".git" | ".hg" | ".svn" | "__pycache__" | ".tox" | ".venv"
            ) || crate::discover::classify_dir(&p).is_some();
            if !skip {
                list_dir(&p, &child, out, depth + 1);
            }
        } else if ty.is_file() {
            out.push(child);
        }
    }
}
