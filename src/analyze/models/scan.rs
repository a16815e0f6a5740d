//! The per-file driver: recognise the format by content, hand it to its
//! reader, follow nested containers (a zip in a zip, a pickle in a tar, a
//! pickle in a bytes literal) up to a depth limit, and collect hits.

use super::pickle::source::{ReadSource, SliceSource, Source};
use super::pickle::{self, AnomalyKind, Context, Layout, PickleScan, Verdict};
use super::rules::{
    model_scan_limit as tg310, pickle_dangerous_callable as tg301, pickle_malformed as tg303,
    pickle_unknown_import as tg302,
};
use super::sniff::{Format, sniff};
use super::{archive_members, decompress, formats};
use crate::finding::{Confidence, RuleMeta, Severity};
use std::io::Read;
use std::path::Path;

/// One thing a model reader found, before it becomes a `Finding`.
#[derive(Clone, Debug)]
pub struct Hit {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub confidence: Confidence,
    pub message: String,
    pub evidence: Vec<String>,
    /// Display path, with `!/member` for members of archives.
    pub path: String,
    /// Byte offset in that file or member.
    pub offset: Option<u64>,
}

impl Hit {
    pub fn new(rule: &'static RuleMeta, path: &str, message: impl Into<String>) -> Self {
        Hit {
            rule,
            severity: rule.severity,
            confidence: Confidence::High,
            message: message.into(),
            evidence: Vec::new(),
            path: path.to_string(),
            offset: None,
        }
    }

    pub fn at(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    pub fn evidence(mut self, e: impl Into<String>) -> Self {
        self.evidence.push(e.into());
        self
    }

    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
}

/// What scanning one file found.
#[derive(Debug, Default)]
pub struct Report {
    /// The outer file's format, when recognised.
    pub format: Option<Format>,
    pub hits: Vec<Hit>,
}

/// Limits of one file's scan.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Containers within containers.
    pub max_depth: u32,
    /// Largest member inflated into memory (zips nested in zips, configs).
    pub max_inflate: u64,
    /// Largest stream decompressed on the fly (a deflated pickle member).
    pub max_stream: u64,
    pub max_entries: usize,
    pub pickle: pickle::Limits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 4,
            max_inflate: 64 << 20,
            max_stream: 4 << 30,
            max_entries: 100_000,
            pickle: pickle::Limits::default(),
        }
    }
}

/// Scans models; holds the limits.
#[derive(Clone, Debug, Default)]
pub struct Scanner {
    pub limits: Limits,
}

impl Scanner {
    /// Scans a file on disk through a memory map (payload pages are never
    /// touched, so memory stays small whatever the size).
    pub fn scan_path(&self, path: &Path, display: &str) -> std::io::Result<Report> {
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        let mut rep = Report::default();
        if len == 0 {
            return Ok(rep);
        }
        // SAFETY: the map is read-only and private to this scan. A file
        // truncated by another process while mapped would fault (SIGBUS);
        // scanned files are inputs at rest, as for every mmap-based scanner.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        let name = file_name_lower(path);
        rep.format = self.scan_bytes(&map, display, &name, 0, &mut rep.hits);
        Ok(rep)
    }

    /// Scans a package archive (a wheel) for model members, through a map.
    pub fn scan_path_as_zip(
        &self,
        path: &Path,
        display: &str,
        hits: &mut Vec<Hit>,
    ) -> std::io::Result<()> {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.len() == 0 {
            return Ok(());
        }
        // SAFETY: as in `scan_path`.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        archive_members::zip(self, &map, display, 0, hits);
        Ok(())
    }

    /// Scans bytes in memory (a mapped file, a stored member, a literal).
    /// Returns the recognised format.
    pub fn scan_bytes(
        &self,
        data: &[u8],
        display: &str,
        name: &str,
        depth: u32,
        hits: &mut Vec<Hit>,
    ) -> Option<Format> {
        let head = &data[..data.len().min(4096)];
        let format = sniff(head, name).or_else(|| by_name(name))?;
        if depth > self.limits.max_depth {
            hits.push(Hit::new(
                &tg310::META,
                display,
                format!(
                    "containers nested more than {} deep; the innermost is not scanned",
                    self.limits.max_depth
                ),
            ));
            return Some(format);
        }
        let refined = match format {
            Format::Pickle => {
                self.pickle_slice(
                    data,
                    display,
                    Layout::default(),
                    Context::Plain,
                    depth,
                    hits,
                );
                format
            }
            Format::TorchLegacy => {
                let layout = Layout {
                    expected_streams: 5,
                    raw_tail: true,
                };
                self.pickle_slice(data, display, layout, Context::Plain, depth, hits);
                format
            }
            Format::Zip | Format::TorchZip | Format::Keras | Format::Npz => {
                archive_members::zip(self, data, display, depth, hits)
            }
            Format::Tar => {
                archive_members::tar(self, data, display, depth, hits);
                format
            }
            Format::Gzip | Format::Zlib | Format::Bz2 | Format::Xz | Format::Lzma => {
                self.scan_compressed(data, display, format, depth, hits);
                format
            }
            Format::Lz4 | Format::SevenZip => {
                hits.push(Hit::new(
                    &tg310::META,
                    display,
                    format!(
                        "compressed with {}; tollgate cannot decompress it, \
                         so the pickle inside is not scanned",
                        format.as_str()
                    ),
                ));
                format
            }
            Format::Npy => {
                formats::numpy::npy(self, data, display, depth, hits);
                format
            }
            Format::Gguf => {
                formats::gguf::scan(data, display, hits);
                format
            }
            Format::Safetensors => {
                formats::safetensors::scan(data, display, hits);
                format
            }
            Format::Onnx => {
                formats::onnx::scan(data, display, hits);
                format
            }
            Format::Hdf5 => {
                formats::keras::hdf5(data, display, hits);
                format
            }
            Format::TorchScript | Format::Tflite => format,
        };
        Some(refined)
    }

    /// Interprets the pickles of a slice, then scans the payloads its
    /// loaders would load (a pickle or archive in a bytes literal).
    pub fn pickle_slice(
        &self,
        data: &[u8],
        display: &str,
        layout: Layout,
        ctx: Context,
        depth: u32,
        hits: &mut Vec<Hit>,
    ) {
        let mut src = SliceSource::new(data);
        let scan = pickle::scan(&mut src, ctx, layout, &self.limits.pickle);
        pickle_hits(&scan, display, hits);
        for n in &scan.nested {
            let Some(bytes) = src.window(n.offset, n.len) else {
                continue;
            };
            let inner = format!("{display}!/@{}", n.offset);
            if self
                .scan_bytes(bytes, &inner, "", depth + 1, hits)
                .is_none()
            {
                hits.push(
                    Hit::new(
                        &tg302::META,
                        display,
                        format!(
                            "{} loads a bytes payload that is not a recognisable pickle or archive",
                            n.loader
                        ),
                    )
                    .at(n.call_offset),
                );
            }
        }
    }

    /// Interprets the pickles of a stream (a deflated member, a gzip file).
    pub fn pickle_stream(
        &self,
        reader: impl Read,
        display: &str,
        ctx: Context,
        hits: &mut Vec<Hit>,
    ) {
        let mut src = ReadSource::new(reader);
        let scan = pickle::scan(&mut src, ctx, Layout::default(), &self.limits.pickle);
        pickle_hits(&scan, display, hits);
        // A decoder that fails (corrupt stream, bomb limit) ends the pickle
        // early; say why, beside the truncation the interpreter reports.
        if let Some((at, e)) = src.error() {
            hits.push(
                Hit::new(
                    &tg310::META,
                    display,
                    format!(
                        "cannot be decompressed past byte {at}: {e}; what came before was scanned"
                    ),
                )
                .at(at),
            );
        }
    }

    /// A stream whose content is sniffed first: pickles are interpreted as
    /// they stream by; anything else is inflated (bounded) and rescanned.
    pub fn scan_reader(
        &self,
        mut reader: impl Read,
        display: &str,
        name: &str,
        depth: u32,
        hits: &mut Vec<Hit>,
    ) {
        let mut head = vec![0u8; 4096];
        let mut got = 0;
        let mut failed = false;
        while got < head.len() {
            match reader.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) => {
                    // Python's decoders hand over what precedes a corrupt or
                    // truncated spot in 8 KiB steps, and the unpickler acts
                    // on it: so whatever decoded is scanned.
                    let msg = match got {
                        0 => format!("cannot be decompressed: {e}"),
                        n => format!(
                            "cannot be decompressed past byte {n}: {e}; what came before was scanned"
                        ),
                    };
                    hits.push(Hit::new(&tg310::META, display, msg));
                    failed = true;
                    break;
                }
            }
        }
        head.truncate(got);
        if head.is_empty() {
            return;
        }
        let rest = reader.take(if failed { 0 } else { u64::MAX });
        let chained = std::io::Cursor::new(head.clone()).chain(rest);
        match sniff(&head, name) {
            Some(Format::Pickle) => self.pickle_stream(chained, display, Context::Plain, hits),
            Some(_) => {
                let mut buf = Vec::new();
                let cap = self.limits.max_inflate;
                match chained.take(cap + 1).read_to_end(&mut buf) {
                    Ok(_) if buf.len() as u64 > cap => hits.push(Hit::new(
                        &tg310::META,
                        display,
                        format!("expands past {cap} bytes; not scanned (decompression bomb?)"),
                    )),
                    Ok(_) => {
                        self.scan_bytes(&buf, display, name, depth + 1, hits);
                    }
                    Err(e) => hits.push(Hit::new(
                        &tg310::META,
                        display,
                        format!("cannot be decompressed: {e}"),
                    )),
                }
            }
            None => {}
        }
    }

    fn scan_compressed(
        &self,
        data: &[u8],
        display: &str,
        format: Format,
        depth: u32,
        hits: &mut Vec<Hit>,
    ) {
        let inner = format!("{display}!/{}", format.as_str());
        let lower = display.to_ascii_lowercase();
        let name = [".gz", ".z", ".bz2", ".xz", ".lzma"]
            .iter()
            .find_map(|x| lower.strip_suffix(x))
            .unwrap_or(&lower);
        match decompress::reader(format, data, self.limits.max_stream) {
            Ok(r) => self.scan_reader(r, &inner, name, depth, hits),
            Err(e) => hits.push(Hit::new(
                &tg310::META,
                display,
                format!("cannot be decompressed: {e}"),
            )),
        }
    }
}

/// A format for content without a recognisable head, from the file name:
/// protocol-0 pickles can start with almost any opcode, and a broken
/// header must still be reported rather than skipped.
fn by_name(name: &str) -> Option<Format> {
    let pickle_exts = [
        ".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt", ".joblib", ".mar",
    ];
    if pickle_exts.iter().any(|e| name.ends_with(e)) {
        return Some(Format::Pickle);
    }
    [
        (".safetensors", Format::Safetensors),
        (".npy", Format::Npy),
        (".gguf", Format::Gguf),
        (".h5", Format::Hdf5),
        (".keras", Format::Zip),
        (".npz", Format::Zip),
    ]
    .iter()
    .find(|(e, _)| name.ends_with(e))
    .map(|(_, f)| *f)
}

pub fn file_name_lower(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Turns one interpretation into hits: one per distinct non-allowlisted
/// import (with its calls as evidence), one per anomaly.
pub fn pickle_hits(scan: &PickleScan, display: &str, hits: &mut Vec<Hit>) {
    for imp in &scan.imports {
        let (rule, what) = match imp.verdict {
            Verdict::Safe => continue,
            Verdict::Dangerous(family) => (&tg301::META, format!("({family})")),
            Verdict::Unknown => (&tg302::META, "(not on the allowlist)".to_string()),
        };
        let called = if imp.calls.is_empty() {
            "imports"
        } else {
            "imports and calls"
        };
        let mut h = Hit::new(
            rule,
            display,
            format!("pickle {called} `{}` {what}", imp.path()),
        )
        .at(imp.offset)
        .evidence(format!(
            "offset {}: {} {} {}{}",
            imp.offset,
            imp.op,
            imp.module,
            imp.name,
            if imp.count > 1 {
                format!(" ({} times)", imp.count)
            } else {
                String::new()
            }
        ));
        for c in &imp.calls {
            h = h.evidence(c.clone());
        }
        hits.push(h);
    }
    for a in &scan.anomalies {
        let rule = match a.kind {
            AnomalyKind::Malformed | AnomalyKind::TrailingData | AnomalyKind::ExtraPickle => {
                &tg303::META
            }
            AnomalyKind::Limit => &tg310::META,
            AnomalyKind::DynamicImport | AnomalyKind::Rebind if a.dangerous => &tg301::META,
            _ if a.dangerous => &tg301::META,
            _ => &tg302::META,
        };
        let mut h = Hit::new(rule, display, format!("pickle: {}", a.message)).at(a.offset);
        h = h.evidence(match &a.evidence {
            Some(e) => e.clone(),
            None => format!("offset {}", a.offset),
        });
        hits.push(h);
    }
}
