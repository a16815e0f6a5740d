//! Reading archives (wheels, sdists, npm tarballs, zips) in memory, never
//! unpacking them to disk, with limits against zip bombs, absurd sizes,
//! path traversal and symlinks.
//!
//! The caller says which entries it wants (by name and size) and gets their
//! bytes; everything else is skipped without being decompressed where the
//! format allows it (zip), or streamed past (tar).

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::path::Path;
use thiserror::Error;

/// Container formats we read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveKind {
    Zip,
    Tar,
    TarGz,
}

/// Recognises an archive by its first bytes (extensions lie).
pub fn sniff(head: &[u8]) -> Option<ArchiveKind> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Some(ArchiveKind::Zip)
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Some(ArchiveKind::TarGz)
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        Some(ArchiveKind::Tar)
    } else {
        None
    }
}

/// Resource limits for one archive.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most entries we look at.
    pub max_entries: usize,
    /// Largest single entry we read into memory.
    pub max_entry_bytes: u64,
    /// Most bytes we decompress from one archive, counting skipped entries of tars.
    pub max_total_bytes: u64,
    /// Largest ratio of uncompressed to compressed size tolerated for a big zip entry.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 100_000,
            max_entry_bytes: 64 << 20,
            max_total_bytes: 4 << 30,
            max_ratio: 1000,
        }
    }
}

/// What kind of entry a member is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryType {
    File,
    Dir,
    Symlink,
    Other,
}

/// Metadata of one archive member.
#[derive(Clone, Debug)]
pub struct EntryInfo {
    /// The member name as stored, `/`-separated.
    pub name: String,
    /// Declared uncompressed size.
    pub size: u64,
    pub kind: EntryType,
    /// Unix mode bits when the archive records them.
    pub mode: Option<u32>,
}

/// A member that was not read because it is unsafe or over a limit; the
/// rest of the archive is still read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryProblem {
    pub name: String,
    pub message: String,
}

/// Why an archive could not be read at all (or stopped being read).
#[derive(Debug, Error)]
pub enum ArchiveError {
    #[error("cannot read archive: {0}")]
    Io(#[from] io::Error),
    #[error("corrupt zip: {0}")]
    Zip(String),
    #[error("corrupt tar: {0}")]
    Tar(String),
    #[error("archive has more than {0} entries; stopped reading")]
    TooManyEntries(usize),
    #[error("archive expands past {0} bytes (zip bomb?); stopped reading")]
    TooLarge(u64),
    #[error(
        "entry `{name}` expands {ratio}x from {compressed} to {size} bytes (zip bomb?); stopped reading"
    )]
    Bomb {
        name: String,
        compressed: u64,
        size: u64,
        ratio: u64,
    },
}

/// Result of visiting an archive: the members that were skipped and why.
#[derive(Debug, Default)]
pub struct Visit {
    pub problems: Vec<EntryProblem>,
    pub entries: usize,
}

/// Checks a member name: no absolute paths, no `..`, no drive letters, no NUL.
pub fn check_member_name(name: &str) -> Result<(), String> {
    if name.contains('\0') {
        return Err("name contains a NUL byte".into());
    }
    let n = name.replace('\\', "/");
    if n.starts_with('/') {
        return Err("absolute path".into());
    }
    if n.len() >= 2 && n.as_bytes()[1] == b':' {
        return Err("drive-letter path".into());
    }
    if n.split('/').any(|c| c == "..") {
        return Err("path escapes the archive with `..`".into());
    }
    Ok(())
}

/// Visits the archive at `path`. `want` decides which files to read; `on_file`
/// receives their bytes. Unsafe members are reported in `Visit::problems`.
pub fn visit_path(
    path: &Path,
    kind: ArchiveKind,
    limits: &Limits,
    want: &mut dyn FnMut(&EntryInfo) -> bool,
    on_file: &mut dyn FnMut(&EntryInfo, &[u8]),
) -> Result<Visit, ArchiveError> {
    let file = File::open(path)?;
    match kind {
        ArchiveKind::Zip => visit_zip(BufReader::new(file), limits, want, on_file),
        ArchiveKind::Tar => visit_tar(BufReader::new(file), limits, want, on_file),
        ArchiveKind::TarGz => visit_tar(
            MultiGzDecoder::new(BufReader::new(file)),
            limits,
            want,
            on_file,
        ),
    }
}

/// Same as [`visit_path`] for an archive already in memory (nested archives).
pub fn visit_bytes(
    bytes: &[u8],
    kind: ArchiveKind,
    limits: &Limits,
    want: &mut dyn FnMut(&EntryInfo) -> bool,
    on_file: &mut dyn FnMut(&EntryInfo, &[u8]),
) -> Result<Visit, ArchiveError> {
    match kind {
        ArchiveKind::Zip => visit_zip(io::Cursor::new(bytes), limits, want, on_file),
        ArchiveKind::Tar => visit_tar(bytes, limits, want, on_file),
        ArchiveKind::TarGz => visit_tar(MultiGzDecoder::new(bytes), limits, want, on_file),
    }
}

fn visit_zip<R: Read + Seek>(
    reader: R,
    limits: &Limits,
    want: &mut dyn FnMut(&EntryInfo) -> bool,
    on_file: &mut dyn FnMut(&EntryInfo, &[u8]),
) -> Result<Visit, ArchiveError> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| ArchiveError::Zip(e.to_string()))?;
    let mut visit = Visit::default();
    if zip.len() > limits.max_entries {
        return Err(ArchiveError::TooManyEntries(limits.max_entries));
    }
    let mut total: u64 = 0;
    let mut buf = Vec::new();
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                visit.problems.push(EntryProblem {
                    name: format!("#{i}"),
                    message: format!("unreadable entry: {e}"),
                });
                continue;
            }
        };
        visit.entries += 1;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let mode = entry.unix_mode();
        let kind = if entry.is_dir() {
            EntryType::Dir
        } else if entry.is_symlink() {
            EntryType::Symlink
        } else {
            EntryType::File
        };
        let info = EntryInfo {
            name: name.clone(),
            size: entry.size(),
            kind,
            mode,
        };
        if let Err(m) = check_member_name(&name) {
            visit.problems.push(EntryProblem { name, message: m });
            continue;
        }
        if kind == EntryType::Symlink {
            visit.problems.push(EntryProblem {
                name,
                message: "symbolic link; not followed".into(),
            });
            continue;
        }
        if kind != EntryType::File || !want(&info) {
            continue;
        }
        let compressed = entry.compressed_size().max(1);
        if info.size > (1 << 20) && info.size / compressed > limits.max_ratio {
            return Err(ArchiveError::Bomb {
                name,
                compressed,
                size: info.size,
                ratio: info.size / compressed,
            });
        }
        if info.size > limits.max_entry_bytes {
            visit.problems.push(EntryProblem {
                name,
                message: format!(
                    "declares {} bytes, over the {}-byte limit; not read",
                    info.size, limits.max_entry_bytes
                ),
            });
            continue;
        }
        total = total.saturating_add(info.size);
        if total > limits.max_total_bytes {
            return Err(ArchiveError::TooLarge(limits.max_total_bytes));
        }
        buf.clear();
        // Never trust the declared size: read at most one byte past it.
        let read = (&mut entry)
            .take(info.size.saturating_add(1))
            .read_to_end(&mut buf);
        match read {
            Ok(_) if buf.len() as u64 > info.size => {
                visit.problems.push(EntryProblem {
                    name,
                    message: "expands past its declared size; not read".into(),
                });
            }
            Ok(_) => on_file(&info, &buf),
            Err(e) => visit.problems.push(EntryProblem {
                name,
                message: format!("cannot decompress: {e}"),
            }),
        }
    }
    Ok(visit)
}

/// Counts decompressed bytes so a tar.gz cannot expand without bound.
struct Capped<R> {
    inner: R,
    read: u64,
    cap: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.cap {
            return Err(io::Error::other("decompressed size limit exceeded"));
        }
        Ok(n)
    }
}

fn visit_tar<R: Read>(
    reader: R,
    limits: &Limits,
    want: &mut dyn FnMut(&EntryInfo) -> bool,
    on_file: &mut dyn FnMut(&EntryInfo, &[u8]),
) -> Result<Visit, ArchiveError> {
    let capped = Capped {
        inner: reader,
        read: 0,
        cap: limits.max_total_bytes,
    };
    let mut archive = tar::Archive::new(capped);
    let mut visit = Visit::default();
    let entries = archive
        .entries()
        .map_err(|e| ArchiveError::Tar(e.to_string()))?;
    let mut buf = Vec::new();
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => return Err(tar_error(e, limits)),
        };
        visit.entries += 1;
        if visit.entries > limits.max_entries {
            return Err(ArchiveError::TooManyEntries(limits.max_entries));
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let header = entry.header();
        let et = header.entry_type();
        let kind = if et.is_file() || et.is_contiguous() {
            EntryType::File
        } else if et.is_dir() {
            EntryType::Dir
        } else if et.is_symlink() || et.is_hard_link() {
            EntryType::Symlink
        } else {
            EntryType::Other
        };
        let info = EntryInfo {
            name: name.clone(),
            size: entry.size(),
            kind,
            mode: header.mode().ok(),
        };
        if let Err(m) = check_member_name(&name) {
            visit.problems.push(EntryProblem { name, message: m });
            continue;
        }
        if kind == EntryType::Symlink {
            let target = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            visit.problems.push(EntryProblem {
                name,
                message: format!("link to `{target}`; not followed"),
            });
            continue;
        }
        if kind != EntryType::File || !want(&info) {
            continue;
        }
        if info.size > limits.max_entry_bytes {
            visit.problems.push(EntryProblem {
                name,
                message: format!(
                    "declares {} bytes, over the {}-byte limit; not read",
                    info.size, limits.max_entry_bytes
                ),
            });
            continue;
        }
        buf.clear();
        match (&mut entry)
            .take(limits.max_entry_bytes)
            .read_to_end(&mut buf)
        {
            Ok(_) => on_file(&info, &buf),
            Err(e) => return Err(tar_error(e, limits)),
        }
    }
    Ok(visit)
}

fn tar_error(e: io::Error, limits: &Limits) -> ArchiveError {
    if e.to_string().contains("decompressed size limit") {
        ArchiveError::TooLarge(limits.max_total_bytes)
    } else {
        ArchiveError::Tar(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (name, data) in entries {
                w.start_file(*name, opts).unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap();
        }
        out.into_inner()
    }

    fn read_all(bytes: &[u8], kind: ArchiveKind, limits: &Limits) -> (Vec<String>, Visit) {
        let mut names = Vec::new();
        let visit = visit_bytes(bytes, kind, limits, &mut |_| true, &mut |e, _| {
            names.push(e.name.clone())
        })
        .unwrap();
        (names, visit)
    }

    #[test]
    fn zip_reads_and_rejects_traversal() {
        let z = zip_with(&[("ok/a.py", b"print(1)"), ("../evil.py", b"x")]);
        assert_eq!(sniff(&z), Some(ArchiveKind::Zip));
        let (names, visit) = read_all(&z, ArchiveKind::Zip, &Limits::default());
        assert_eq!(names, vec!["ok/a.py"]);
        assert_eq!(visit.problems.len(), 1);
        assert!(visit.problems[0].message.contains(".."));
    }

    #[test]
    fn zip_bomb_is_an_error() {
        let zeros = vec![0u8; 20 << 20];
        let z = zip_with(&[("bomb.bin", &zeros)]);
        let err = visit_bytes(
            &z,
            ArchiveKind::Zip,
            &Limits::default(),
            &mut |_| true,
            &mut |_, _| {},
        )
        .unwrap_err();
        assert!(matches!(err, ArchiveError::Bomb { .. }), "{err}");
    }

    #[test]
    fn tar_gz_limits_and_symlinks() {
        let mut tar_bytes = Vec::new();
        {
            let mut b = tar::Builder::new(&mut tar_bytes);
            let mut h = tar::Header::new_gnu();
            h.set_size(5);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, "package/index.js", &b"hello"[..])
                .unwrap();
            let mut l = tar::Header::new_gnu();
            l.set_entry_type(tar::EntryType::Symlink);
            l.set_size(0);
            l.set_cksum();
            b.append_link(&mut l, "package/link", "/etc/passwd")
                .unwrap();
            b.finish().unwrap();
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar_bytes).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(sniff(&gz), Some(ArchiveKind::TarGz));
        let (names, visit) = read_all(&gz, ArchiveKind::TarGz, &Limits::default());
        assert_eq!(names, vec!["package/index.js"]);
        assert!(visit.problems[0].message.contains("/etc/passwd"));

        let small = Limits {
            max_total_bytes: 100,
            ..Limits::default()
        };
        let err = visit_bytes(
            &gz,
            ArchiveKind::TarGz,
            &small,
            &mut |_| true,
            &mut |_, _| {},
        )
        .unwrap_err();
        assert!(matches!(err, ArchiveError::TooLarge(100)), "{err}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let junk = b"PK\x03\x04garbage garbage";
        assert!(
            visit_bytes(
                junk,
                ArchiveKind::Zip,
                &Limits::default(),
                &mut |_| true,
                &mut |_, _| {}
            )
            .is_err()
        );
        let gz = [0x1f, 0x8b, 8, 0, 0, 0];
        assert!(
            visit_bytes(
                &gz,
                ArchiveKind::TarGz,
                &Limits::default(),
                &mut |_| true,
                &mut |_, _| {}
            )
            .is_err()
        );
    }
}
