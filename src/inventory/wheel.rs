//! Wheels (`*.whl`): the `*.dist-info/METADATA` of the archive, read in
//! memory through `archive` (never unpacked), the archive's own sha256, and
//! the file name's name and version as a cross-check. The archive is handed
//! on as content so behaviour and model analyses can scan it.

use super::Extract;
use super::content::{Content, ContentKind};
use super::dist_info::parse_metadata;
use super::pyreq;
use crate::archive::{self, ArchiveKind, Limits};
use crate::finding::PackageRef;
use crate::model::{Ecosystem, Hash, InputKind, Package};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Largest METADATA / PKG-INFO / manifest read from an archive.
pub(super) const MAX_META_BYTES: u64 = 8 << 20;

/// Reads a wheel.
pub fn extract(path: &Path, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::Wheel, display);
    let limits = Limits {
        max_entry_bytes: MAX_META_BYTES,
        ..Limits::default()
    };
    let mut found: Vec<(String, Vec<u8>)> = Vec::new();
    let visit = archive::visit_path(
        path,
        ArchiveKind::Zip,
        &limits,
        &mut |e| is_top_dist_info_metadata(&e.name),
        &mut |e, bytes| found.push((e.name.clone(), bytes.to_vec())),
    );
    match visit {
        Ok(v) => archive_problems(&mut ex, display, &v.problems),
        Err(e) => {
            ex.error(None, e.to_string());
            return ex;
        }
    }
    let Some((inner, bytes)) = found.into_iter().next() else {
        ex.error(None, "no `*.dist-info/METADATA` in the wheel");
        return ex;
    };
    let meta_display = format!("{display}!/{inner}");
    if add_metadata(&mut ex, &String::from_utf8_lossy(&bytes), &meta_display) {
        finish(&mut ex, path, display, ArchiveKind::Zip);
    }
    ex
}

/// Parses METADATA text as a wheel's (tests and fuzzing).
pub fn parse(text: &str, display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::Wheel, display);
    add_metadata(&mut ex, text, display);
    ex
}

/// Fuzz target body: must never panic.
pub fn fuzz(data: &[u8]) {
    super::fuzz_text(data, "x.whl!/x.dist-info/METADATA", parse);
}

/// `name-1.0.dist-info/METADATA` at the top of the archive.
fn is_top_dist_info_metadata(name: &str) -> bool {
    let mut parts = name.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(dir), Some("METADATA"), None) if dir.ends_with(".dist-info")
    )
}

/// Adds the package a core-metadata document describes; `false` on error.
pub(super) fn add_metadata(ex: &mut Extract, text: &str, meta_display: &str) -> bool {
    let meta = match parse_metadata(text) {
        Ok(m) => m,
        Err((line, msg)) => {
            ex.errors.push(crate::finding::InputError::new(
                meta_display.to_string(),
                line,
                msg,
            ));
            return false;
        }
    };
    let mut pkg = Package::new(Ecosystem::Pypi, &meta.name, Some(&meta.version));
    pkg.license = meta.license.clone();
    let idx = ex.push(pkg, None);
    for (req, line) in &meta.requires {
        match pyreq::dep_from_str(req) {
            Ok(d) => ex.nodes[idx].deps.push(d),
            Err(e) => ex.errors.push(crate::finding::InputError::new(
                meta_display.to_string(),
                Some(*line),
                e,
            )),
        }
    }
    true
}

/// The archive's digest, the file-name cross-check, and the content hand-off.
pub(super) fn finish(ex: &mut Extract, path: &Path, display: &str, kind: ArchiveKind) {
    let Some(node) = ex.nodes.first_mut() else {
        return;
    };
    match sha256_file(path) {
        Ok(h) => node.package.add_hash(Hash::new("sha256", &h)),
        Err(e) => ex.errors.push(crate::finding::InputError::new(
            display.to_string(),
            None,
            format!("cannot hash the archive: {e}"),
        )),
    }
    let Some(node) = ex.nodes.first() else {
        return;
    };
    let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if let Some(msg) = name_mismatch(file, &node.package) {
        ex.error(None, msg);
    }
    let pref = PackageRef::from(&ex.nodes[0].package);
    ex.contents.push(Content {
        package: Some(pref),
        input: display.to_string(),
        kind: ContentKind::Archive {
            path: path.to_path_buf(),
            kind,
        },
    });
}

/// An error when the file name's name or version disagrees with the metadata
/// (a renamed or tampered archive).
pub(super) fn name_mismatch(file: &str, pkg: &Package) -> Option<String> {
    let (name, version) = pyreq::archive_name_version(file)?;
    let version_ok = pkg
        .version
        .as_deref()
        .is_some_and(|v| pyreq::same_version(v, &version));
    if crate::model::pep503_normalize(&name) != pkg.normalized_name || !version_ok {
        return Some(format!(
            "file name says {name} {version} but the metadata says {} {}",
            pkg.name,
            pkg.version.as_deref().unwrap_or("(no version)")
        ));
    }
    None
}

pub(super) fn archive_problems(
    ex: &mut Extract,
    display: &str,
    problems: &[archive::EntryProblem],
) {
    for p in problems {
        ex.errors.push(crate::finding::InputError::new(
            format!("{display}!/{}", p.name),
            None,
            p.message.clone(),
        ));
    }
}

/// Streams the file through sha256.
pub(super) fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_location() {
        assert!(is_top_dist_info_metadata("six-1.17.0.dist-info/METADATA"));
        assert!(!is_top_dist_info_metadata("vendor/x-1.dist-info/METADATA"));
        assert!(!is_top_dist_info_metadata("six-1.17.0.dist-info/RECORD"));
    }

    #[test]
    fn cross_check() {
        let p = Package::new(Ecosystem::Pypi, "Foo_Bar", Some("1.0"));
        assert_eq!(name_mismatch("foo_bar-1.0.0-py3-none-any.whl", &p), None);
        assert!(name_mismatch("foo_bar-1.1-py3-none-any.whl", &p).is_some());
        assert!(name_mismatch("other-1.0.tar.gz", &p).is_some());
    }

    #[test]
    fn bad_metadata() {
        let ex = parse("Name: x\nVersion 1\n", "x.whl!/x.dist-info/METADATA");
        assert_eq!(ex.errors[0].line, Some(2));
        let ex = parse(
            "Name: x\nVersion: 1\nRequires-Dist: ok\nRequires-Dist: bad!!\n",
            "m",
        );
        assert_eq!(ex.nodes[0].deps.len(), 1);
        assert_eq!(ex.errors[0].line, Some(4));
    }
}
