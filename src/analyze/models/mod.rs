//! Model files: recognised by content, scanned without ever being loaded.
//!
//! The `models` analysis scans model files discovery found (`ModelFile`
//! inputs) and model files inside package contents (installed files whose
//! first bytes look like a model, archive members). Pickles are interpreted
//! symbolically ([`pickle`]); containers (PyTorch zips, npz, Keras, tars,
//! gzip) are opened and their members scanned; GGUF, safetensors, ONNX and
//! HDF5 get format checks. See `docs/models.md`.

mod archive_members;
pub mod decompress;
pub mod formats;
pub mod fuzz;
pub mod pickle;
pub mod rules;
pub mod scan;
pub mod sniff;
pub mod zip;

use super::{Analysis, Output, ScanContext};
use crate::archive::ArchiveKind;
use crate::discover::display_path;
use crate::finding::{Finding, InputError, Location, PackageRef, RuleMeta};
use crate::inventory::ContentKind;
use crate::model::InputKind;
use rayon::prelude::*;
use scan::{Hit, Scanner};
use sniff::{Format, sniff};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Extensions model hubs use; a file with one of these is a model candidate
/// even when its first bytes say nothing (ONNX is a bare protobuf).
const MODEL_EXTS: &[&str] = &[
    ".pt",
    ".pth",
    ".bin",
    ".ckpt",
    ".pkl",
    ".pickle",
    ".joblib",
    ".safetensors",
    ".gguf",
    ".onnx",
    ".npy",
    ".npz",
    ".h5",
    ".hdf5",
    ".keras",
    ".pb",
    ".tflite",
    ".mar",
];

/// Whether a file is a model artifact, from its name and first bytes
/// (discovery gives at most 512). Cheap: no more than the head is read.
pub fn looks_like_model(path: &Path, head: &[u8]) -> bool {
    let lower = scan::file_name_lower(path);
    if MODEL_EXTS.iter().any(|e| lower.ends_with(e)) {
        return true;
    }
    model_format(head, &lower).is_some()
}

/// The model format of a head, looking through gzip/zlib compression (the
/// first compressed bytes inflate to the inner head). `None` for plain
/// archives and non-models.
pub fn model_format(head: &[u8], lower_name: &str) -> Option<Format> {
    let f = sniff(head, lower_name)?;
    match f {
        Format::Zip | Format::Tar => None,
        Format::Gzip | Format::Zlib => {
            let mut inner = Vec::new();
            let r: Box<dyn Read> = if f == Format::Gzip {
                Box::new(flate2::read::GzDecoder::new(head))
            } else {
                Box::new(flate2::read::ZlibDecoder::new(head))
            };
            let _ = r.take(512).read_to_end(&mut inner);
            let inner_f = sniff(&inner, "")?;
            (!inner_f.is_wrapper()).then_some(f)
        }
        Format::Bz2 | Format::Xz | Format::Lzma | Format::Lz4 | Format::SevenZip => {
            // bz2 needs a whole block (up to 900 KiB) before it yields a
            // byte, so these are recognised by name, not by a decoded head.
            let model_name = [
                ".pkl",
                ".pickle",
                ".joblib",
                ".pt",
                ".pth",
                ".bin",
                ".ckpt",
                ".safetensors",
            ];
            model_name
                .iter()
                .any(|e| lower_name.contains(e))
                .then_some(f)
        }
        other => Some(other),
    }
}

/// The format name of a model file for the inventory: from its content
/// (zips by their member list), `unknown` when only the name says "model".
pub fn artifact_format(path: &Path) -> std::io::Result<String> {
    let head = head_of(path).unwrap_or_default();
    let lower = scan::file_name_lower(path);
    let Some(f) = sniff(&head, &lower) else {
        return Ok("unknown".into());
    };
    if f != Format::Zip && !matches!(f, Format::TorchZip | Format::Keras | Format::Npz) {
        return Ok(f.as_str().into());
    }
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Ok(f.as_str().into());
    }
    // SAFETY: read-only private map of an input at rest (see Scanner::scan_path).
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok(match zip::read(&map, 100_000) {
        Ok(ar) => archive_members::classify(&ar.entries).as_str().into(),
        Err(_) => f.as_str().into(),
    })
}

/// Extensions of source and text: never sniffed in package contents.
const TEXT_EXTS: &[&str] = &[
    ".py", ".pyi", ".pyc", ".js", ".mjs", ".cjs", ".ts", ".md", ".rst", ".txt", ".html", ".css",
    ".json", ".yml", ".yaml", ".toml", ".cfg", ".ini", ".c", ".h", ".cpp", ".pyx", ".pxd", ".map",
    ".typed", ".csv", ".svg", ".xml",
];

/// The analysis.
pub struct Models;

/// One thing to scan.
enum Target {
    File {
        path: PathBuf,
        display: String,
        package: Option<PackageRef>,
    },
    Archive {
        path: PathBuf,
        kind: ArchiveKind,
        package: Option<PackageRef>,
    },
}

impl Analysis for Models {
    fn name(&self) -> &'static str {
        "models"
    }

    fn rules(&self) -> &'static [RuleMeta] {
        rules::ALL
    }

    fn run(&self, ctx: &ScanContext) -> Output {
        let targets = targets(ctx);
        let scanner = Scanner::default();
        let results: Vec<(Vec<Finding>, Vec<InputError>)> = targets
            .par_iter()
            .map(|t| scan_target(&scanner, t))
            .collect();
        let mut out = Output::default();
        let files = targets.len();
        for (f, e) in results {
            out.findings.extend(f);
            out.errors.extend(e);
        }
        out.data.insert(
            "models".into(),
            serde_json::json!({ "targets_scanned": files }),
        );
        out
    }
}

fn targets(ctx: &ScanContext) -> Vec<Target> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for input in &ctx.discovered.inputs {
        if input.kind == InputKind::ModelFile && seen.insert(input.path.clone()) {
            out.push(Target::File {
                path: input.path.clone(),
                display: input.display(),
                package: None,
            });
        }
    }
    let mut archives = HashSet::new();
    for c in &ctx.inventory.contents {
        match &c.kind {
            ContentKind::Installed { base, files } => {
                for f in files {
                    let path = base.join(&f.rel);
                    if installed_model(&path) && seen.insert(path.clone()) {
                        out.push(Target::File {
                            display: display_path(&path),
                            path,
                            package: c.package.clone(),
                        });
                    }
                }
            }
            ContentKind::Archive { path, kind } => {
                if archives.insert(path.clone()) {
                    out.push(Target::Archive {
                        path: path.clone(),
                        kind: *kind,
                        package: c.package.clone(),
                    });
                }
            }
        }
    }
    // Package archives given directly, until their extractors hand over
    // contents: scan their members for models too.
    for input in &ctx.discovered.inputs {
        let kind = match input.kind {
            InputKind::Wheel => ArchiveKind::Zip,
            InputKind::Sdist | InputKind::NpmTarball => match head_of(&input.path) {
                Some(h) => match crate::archive::sniff(&h) {
                    Some(k) => k,
                    None => continue,
                },
                None => continue,
            },
            _ => continue,
        };
        if archives.insert(input.path.clone()) {
            out.push(Target::Archive {
                path: input.path.clone(),
                kind,
                package: None,
            });
        }
    }
    out
}

fn head_of(path: &Path) -> Option<Vec<u8>> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut head = vec![0u8; 512];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    head.truncate(n);
    Some(head)
}

/// An installed file is sniffed unless its extension says it is source/text.
fn installed_model(path: &Path) -> bool {
    let lower = scan::file_name_lower(path);
    if TEXT_EXTS.iter().any(|e| lower.ends_with(e)) {
        return false;
    }
    match head_of(path) {
        Some(h) => model_format(&h, &lower).is_some(),
        None => false,
    }
}

fn scan_target(scanner: &Scanner, t: &Target) -> (Vec<Finding>, Vec<InputError>) {
    let mut hits = Vec::new();
    let (package, errors) = match t {
        Target::File {
            path,
            display,
            package,
        } => match scanner.scan_path(path, display) {
            Ok(rep) => {
                hits = rep.hits;
                (package, Vec::new())
            }
            Err(e) => (
                package,
                vec![InputError::new(display.clone(), None, e.to_string())],
            ),
        },
        Target::Archive {
            path,
            kind,
            package,
        } => {
            let errs = scan_package_archive(scanner, path, *kind, &mut hits);
            (package, errs)
        }
    };
    let findings = hits.into_iter().map(|h| to_finding(h, package)).collect();
    (findings, errors)
}

/// Model files among a package archive's members.
fn scan_package_archive(
    scanner: &Scanner,
    path: &Path,
    kind: ArchiveKind,
    hits: &mut Vec<Hit>,
) -> Vec<InputError> {
    let display = display_path(path);
    if kind == ArchiveKind::Zip {
        return match scanner.scan_path_as_zip(path, &display, hits) {
            Ok(()) => Vec::new(),
            Err(e) => vec![InputError::new(display, None, e.to_string())],
        };
    }
    let limits = crate::archive::Limits::default();
    let mut want = |e: &crate::archive::EntryInfo| {
        let lower = e.name.to_ascii_lowercase();
        !TEXT_EXTS.iter().any(|x| lower.ends_with(x))
    };
    let mut on_file = |e: &crate::archive::EntryInfo, bytes: &[u8]| {
        let lower = e.name.to_ascii_lowercase();
        if model_format(&bytes[..bytes.len().min(512)], &lower).is_some() {
            let p = format!("{display}!/{}", e.name);
            scanner.scan_bytes(bytes, &p, &lower, 1, hits);
        }
    };
    match crate::archive::visit_path(path, kind, &limits, &mut want, &mut on_file) {
        Ok(_) => Vec::new(),
        Err(e) => vec![InputError::new(display, None, e.to_string())],
    }
}

fn to_finding(h: Hit, package: &Option<PackageRef>) -> Finding {
    let mut f = Finding::new(h.rule, h.message)
        .severity(h.severity)
        .confidence(h.confidence)
        .location(Location {
            path: h.path,
            line: None,
            column: h.offset.map(|o| u32::try_from(o).unwrap_or(u32::MAX)),
        })
        .remediation(remediation(h.rule.id));
    for e in h.evidence {
        f = f.evidence(e);
    }
    if let Some(p) = package {
        f = f.package(p.clone());
    }
    f
}

fn remediation(rule: &str) -> &'static str {
    match rule {
        "TG301" | "TG302" | "TG303" => {
            "Do not load this file with pickle, torch.load(weights_only=False) or joblib; \
             get the weights as safetensors from a trusted source, or re-export them in a \
             sandbox."
        }
        "TG304" => "Do not load this archive; re-create it with a standard zip writer.",
        "TG305" => "Load with keras safe_mode=True; replace Lambda layers with registered layers.",
        "TG306" => "Replace the chat template with a reviewed one before serving the model.",
        "TG307" => "Re-export the tensors with the safetensors library.",
        "TG308" => "Keep external data files beside the model; reject paths that leave its folder.",
        "TG309" => "Rebuild the TorchScript archive from reviewed code.",
        _ => "Inspect the file in isolation before loading it.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_files_are_models_by_name() {
        let bz = b"BZh91AY&SY";
        assert_eq!(model_format(bz, "m.pkl.bz2"), Some(Format::Bz2));
        assert_eq!(model_format(bz, "m.pickle.bz2"), Some(Format::Bz2));
        assert_eq!(
            model_format(b"\xfd7zXZ\x00\x00", "m.joblib.xz"),
            Some(Format::Xz)
        );
        assert_eq!(model_format(bz, "archive.tar.bz2"), None);
    }

    #[test]
    fn sniffing() {
        let p = Path::new("weights.dat");
        assert!(looks_like_model(p, b"\x80\x04\x95\x00"));
        assert!(looks_like_model(p, b"GGUF\x03\x00"));
        let mut st = 20u64.to_le_bytes().to_vec();
        st.extend_from_slice(b"{\"a\":1}");
        assert!(looks_like_model(p, &st));
        assert!(!looks_like_model(p, b"hello world, plain text"));
        assert!(looks_like_model(Path::new("model.onnx"), b"\x08\x07"));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00N.")
            .unwrap();
        let gz = gz.finish().unwrap();
        assert!(looks_like_model(Path::new("x.pkl.gz"), &gz));
        assert!(!looks_like_model(Path::new("x.tar.gz"), &gz[..2]));
    }
}
