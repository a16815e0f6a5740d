//! Listing an installed package's files fast: `read_dir` file types (no
//! stat for directories), one `statx` per file relative to its directory,
//! directories in parallel (rayon). Symbolic links are not followed or listed.

use super::content::InstalledFile;
use rayon::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

/// A package's files (without its own `node_modules`), whether it has a
/// nested `node_modules`, and whether it ships a `binding.gyp`.
pub fn package_files(dir: &Path, max_depth: usize) -> (Vec<InstalledFile>, bool, bool) {
    let Ok(entries) = fs::read_dir(dir) else {
        return (Vec::new(), false, false);
    };
    let mut files = Vec::new();
    let mut subdirs = Vec::new();
    let mut nested = false;
    let mut gyp = false;
    for e in entries.filter_map(Result::ok) {
        let (Ok(name), Ok(ty)) = (e.file_name().into_string(), e.file_type()) else {
            continue;
        };
        if ty.is_dir() {
            if name == "node_modules" {
                nested = true;
            } else {
                subdirs.push((e.path(), name));
            }
        } else if ty.is_file() {
            gyp |= name == "binding.gyp";
            files.push(InstalledFile {
                size: e.metadata().ok().map(|m| m.len()),
                rel: name,
                hash: None,
            });
        }
    }
    files.extend(walk_dirs(subdirs, 1, max_depth));
    (files, nested, gyp)
}

/// Files under the given directories, in parallel.
fn walk_dirs(dirs: Vec<(PathBuf, String)>, depth: usize, max_depth: usize) -> Vec<InstalledFile> {
    if depth > max_depth {
        return Vec::new();
    }
    dirs.into_par_iter()
        .map(|(dir, rel)| {
            let Ok(entries) = fs::read_dir(&dir) else {
                return Vec::new();
            };
            let mut files = Vec::new();
            let mut subdirs = Vec::new();
            for e in entries.filter_map(Result::ok) {
                let (Ok(name), Ok(ty)) = (e.file_name().into_string(), e.file_type()) else {
                    continue;
                };
                if ty.is_dir() {
                    subdirs.push((e.path(), format!("{rel}/{name}")));
                } else if ty.is_file() {
                    files.push(InstalledFile {
                        size: e.metadata().ok().map(|m| m.len()),
                        rel: format!("{rel}/{name}"),
                        hash: None,
                    });
                }
            }
            if !subdirs.is_empty() {
                files.extend(walk_dirs(subdirs, depth + 1, max_depth));
            }
            files
        })
        .reduce(Vec::new, |mut a, b| {
            a.extend(b);
            a
        })
}
