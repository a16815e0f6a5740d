//! npm package tarballs (`.tgz`, what `npm pack` writes and registries
//! serve). Read in memory, never unpacked: the manifest is the top-level
//! `package.json` (`package/package.json` for everything npm packs); the
//! tarball's own sha512 and sha1 are what a lockfile's `integrity` (and yarn
//! 1's `#sha1`) would record for it.

use super::content::{Content, ContentKind};
use super::package_json::Manifest;
use super::{Dep, Extract};
use crate::archive::{self, ArchiveKind, EntryInfo, Limits};
use crate::finding::PackageRef;
use crate::model::{Ecosystem, Hash, InputKind, Package};
use sha1::Sha1;
use sha2::{Digest, Sha512};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Largest tarball read (the registry's own limit is far lower).
const MAX_TARBALL_BYTES: u64 = 1 << 30;

/// Reads an npm tarball.
pub fn extract(path: &Path, display: &str) -> Extract {
    let bytes = match read_capped(path) {
        Ok(b) => b,
        Err(e) => return Extract::failed(InputKind::NpmTarball, display, None, e),
    };
    let mut ex = parse(&bytes, display);
    if let Some(c) = ex.contents.first_mut() {
        c.kind = ContentKind::Archive {
            path: path.to_path_buf(),
            kind: archive_kind(&bytes),
        };
    }
    ex
}

fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    let f = File::open(path).map_err(|e| e.to_string())?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_TARBALL_BYTES {
        return Err(format!(
            "tarball is {len} bytes, over the {MAX_TARBALL_BYTES}-byte limit"
        ));
    }
    let mut buf = Vec::with_capacity(len as usize);
    f.take(MAX_TARBALL_BYTES)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    Ok(buf)
}

fn archive_kind(bytes: &[u8]) -> ArchiveKind {
    archive::sniff(bytes).unwrap_or(ArchiveKind::TarGz)
}

/// Reads a tarball already in memory (tests and fuzzing; the content path
/// is the display path).
pub fn parse(bytes: &[u8], display: &str) -> Extract {
    let mut ex = Extract::new(InputKind::NpmTarball, display);
    let kind = archive_kind(bytes);
    let mut manifest: Option<(String, Vec<u8>)> = None;
    let mut has_gyp = false;
    let mut want = |e: &EntryInfo| {
        // npm takes the single top-level directory, whatever its name.
        let mut parts = e.name.trim_start_matches("./").split('/');
        let (Some(_top), Some(file), None) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        has_gyp |= file == "binding.gyp";
        file == "package.json"
    };
    let mut on_file = |e: &EntryInfo, data: &[u8]| {
        let better = e.name.trim_start_matches("./") == "package/package.json";
        if manifest.is_none() || better {
            manifest = Some((e.name.clone(), data.to_vec()));
        }
    };
    let visit = archive::visit_bytes(bytes, kind, &Limits::default(), &mut want, &mut on_file);
    if let Err(e) = visit {
        ex.error(None, e.to_string());
        return ex;
    }
    let Some((member, data)) = manifest else {
        ex.error(None, "no package/package.json in the tarball");
        return ex;
    };
    let m = match Manifest::parse(&String::from_utf8_lossy(&data)) {
        Ok(m) => m,
        Err((line, msg)) => {
            ex.errors.push(crate::finding::InputError::new(
                format!("{display}!/{member}"),
                line,
                msg,
            ));
            return ex;
        }
    };
    let Some(name) = m.name.clone() else {
        ex.error(None, format!("{member} has no `name`"));
        return ex;
    };
    let mut pkg = Package::new(Ecosystem::Npm, &name, m.version.as_deref());
    pkg.license = m.license.clone();
    if m.install_script || m.gypfile || has_gyp {
        pkg.install_script = Some(true);
    }
    pkg.add_hash(Hash::new("sha512", &hex::encode(Sha512::digest(bytes))));
    pkg.add_hash(Hash::new("sha1", &hex::encode(Sha1::digest(bytes))));
    let idx = ex.push(pkg, None);
    ex.nodes[idx].deps = m
        .runtime_dep_names()
        .into_iter()
        .map(|n| Dep::named(Ecosystem::Npm, n))
        .collect();
    ex.nodes[idx].platform = super::npm_project::platform(&m.os, &m.cpu, &m.libc);
    ex.contents.push(Content {
        package: Some(PackageRef::from(&ex.nodes[idx].package)),
        input: display.to_string(),
        kind: ContentKind::Archive {
            path: display.into(),
            kind,
        },
    });
    ex
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn tgz(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut tar_bytes = Vec::new();
        {
            let mut b = tar::Builder::new(&mut tar_bytes);
            for (name, data) in entries {
                let mut h = tar::Header::new_gnu();
                h.set_size(data.len() as u64);
                h.set_mode(0o644);
                h.set_cksum();
                b.append_data(&mut h, name, data.as_bytes()).unwrap();
            }
            b.finish().unwrap();
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar_bytes).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn manifest_hashes_and_gyp() {
        let t = tgz(&[
            (
                "package/package.json",
                r#"{"name": "@s/x", "version": "1.0.0", "dependencies": {"y": "^1"}}"#,
            ),
            ("package/binding.gyp", "{}"),
            ("package/lib/package.json", r#"{"name": "not-this"}"#),
        ]);
        let ex = parse(&t, "x-1.0.0.tgz");
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        let p = &ex.nodes[0].package;
        assert_eq!(p.display_id(), "@s/x@1.0.0");
        assert_eq!(p.install_script, Some(true));
        let sha512 = p.hashes.iter().find(|h| h.algorithm == "sha512").unwrap();
        assert_eq!(sha512.value, hex::encode(Sha512::digest(&t)));
        assert_eq!(ex.nodes[0].deps[0].name, "y");
        assert_eq!(ex.contents.len(), 1);
    }

    #[test]
    fn bad_tarballs_are_errors() {
        assert_eq!(parse(b"\x1f\x8b\x08garbage", "x.tgz").errors.len(), 1);
        let t = tgz(&[("package/index.js", "1")]);
        assert!(
            parse(&t, "x.tgz").errors[0]
                .message
                .contains("no package/package.json")
        );
        let t = tgz(&[("package/package.json", "{oops")]);
        let ex = parse(&t, "x.tgz");
        assert_eq!(ex.errors[0].path, "x.tgz!/package/package.json");
        assert_eq!(ex.errors[0].line, Some(1));
    }
}
