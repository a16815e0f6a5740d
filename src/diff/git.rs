//! Reading manifests and lockfiles as they were at a git revision, into a
//! private temporary directory. Runs the `git` binary: it is the user's VCS,
//! not scanned code, and only `rev-parse`, `ls-tree` and `show` are used.

use crate::discover::classify_file;
use crate::inventory::text::MAX_INPUT_BYTES;
use crate::model::InputKind;
use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

/// Inputs worth reading from history: manifests and lockfiles, not archives,
/// models or installed trees.
fn wanted(rel: &str) -> bool {
    if rel.split('/').any(|c| {
        matches!(
            c,
            "node_modules" | "site-packages" | "dist-packages" | ".venv"
        )
    }) {
        return false;
    }
    matches!(
        classify_file(Path::new(rel), false),
        Some(k) if !k.is_installed()
            && !matches!(k, InputKind::Wheel | InputKind::Sdist | InputKind::NpmTarball | InputKind::ModelFile)
    )
}

/// Writes the manifests and lockfiles under `path` as of `rev` into `dest`,
/// keeping their layout, and returns the path in `dest` that stands for
/// `path` with the number of files written (0: none existed at `rev`, as
/// before a project's first lockfile).
pub fn snapshot(path: &Path, rev: &str, dest: &Path) -> Result<(PathBuf, usize), String> {
    if rev.starts_with('-') || rev.is_empty() {
        return Err(format!("`{rev}` is not a git revision"));
    }
    let (dir, file) = if path.is_dir() {
        (path.to_path_buf(), None)
    } else {
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        (
            parent.to_path_buf(),
            path.file_name().map(|f| f.to_string_lossy().into_owned()),
        )
    };
    let top = String::from_utf8_lossy(&git(&dir, &["rev-parse", "--show-toplevel"])?)
        .trim()
        .to_string();
    let prefix = String::from_utf8_lossy(&git(&dir, &["rev-parse", "--show-prefix"])?)
        .trim()
        .to_string();
    let top = PathBuf::from(top);
    // Resolve the revision first so a typo is one clear error.
    git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| format!("`{rev}` is not a commit in {}", top.display()))?;
    let scope = match &file {
        Some(f) => format!("{prefix}{f}"),
        None if prefix.is_empty() => ".".to_string(),
        None => prefix.clone(),
    };
    let listing = git(
        &top,
        &["ls-tree", "-r", "-z", "--name-only", rev, "--", &scope],
    )?;
    let mut count = 0;
    for raw in listing.split(|b| *b == 0).filter(|s| !s.is_empty()) {
        let rel_top = String::from_utf8_lossy(raw).into_owned();
        let Some(rel) = rel_top.strip_prefix(&prefix) else {
            continue;
        };
        if !wanted(rel) {
            continue;
        }
        let size = git(&top, &["cat-file", "-s", &format!("{rev}:{rel_top}")])?;
        let size: u64 = String::from_utf8_lossy(&size)
            .trim()
            .parse()
            .unwrap_or(u64::MAX);
        if size > MAX_INPUT_BYTES {
            continue;
        }
        let blob = git(&top, &["cat-file", "blob", &format!("{rev}:{rel_top}")])?;
        crate::archive::check_member_name(rel).map_err(|e| format!("{rel}: {e}"))?;
        let out = dest.join(rel);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&out, blob).map_err(|e| format!("{}: {e}", out.display()))?;
        count += 1;
    }
    let at = match file {
        Some(f) => dest.join(f),
        None => dest.to_path_buf(),
    };
    Ok((at, count))
}
