//! Archives built from fixture directories, so tests scan wheels, sdists and
//! npm tarballs without committing binary files.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Every file under `dir`, sorted, with its `/`-separated path relative to `base`.
pub fn all_files(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            all_files(&p, base, out);
        } else {
            let rel = p
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, p));
        }
    }
}

/// Builds a wheel (zip) of a fixture directory.
pub fn wheel(src: &Path, out: &Path) -> PathBuf {
    let mut files = Vec::new();
    all_files(src, src, &mut files);
    let f = std::fs::File::create(out).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default();
    for (rel, p) in files {
        z.start_file(rel, opts).unwrap();
        z.write_all(&std::fs::read(p).unwrap()).unwrap();
    }
    z.finish().unwrap();
    out.to_path_buf()
}

/// Builds a gzip tar of a fixture directory, every member under `prefix`.
pub fn tarball(src: &Path, prefix: &str, out: &Path) -> PathBuf {
    let mut files = Vec::new();
    all_files(src, src, &mut files);
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(out).unwrap(),
        flate2::Compression::fast(),
    );
    let mut b = tar::Builder::new(gz);
    for (rel, p) in files {
        let data = std::fs::read(p).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, format!("{prefix}{rel}"), &data[..])
            .unwrap();
    }
    b.into_inner().unwrap().finish().unwrap();
    out.to_path_buf()
}
