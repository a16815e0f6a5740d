//! One file: pre-filter, then (only if worth it) a grammar; startup hooks,
//! manifests, executables and RECORD digests are handled here too.

use super::prefilter;
use super::signals::{FileSignals, Kind, Lines, Signal};
use super::walk::FileRef;
use super::{javascript, python};
use sha2::{Digest, Sha256};

/// What the file is, for the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Python,
    JavaScript,
    /// A `.pth` file: only its `import` lines run.
    Pth,
    Shell,
    /// package.json, pyproject.toml, binding.gyp: kept as text.
    Manifest,
    Binary,
}

/// What the analysis keeps of one file.
#[derive(Clone, Debug)]
pub struct FileFacts {
    pub rel: String,
    pub lang: Lang,
    pub signals: FileSignals,
    /// A minified or very large bundle: cheap checks only.
    pub bundle: bool,
    /// Executable format, for binaries.
    pub binary: Option<&'static str>,
    /// Manifest text (package.json …) and `.pth` text.
    pub text: Option<String>,
    /// The digest or size RECORD promised, when the file differs.
    pub record_mismatch: Option<String>,
}

/// Work counters for the report's `tool.data` (files and bytes read, parsed).
pub mod stats {
    use std::sync::atomic::{AtomicU64, Ordering};
    pub static FILES: AtomicU64 = AtomicU64::new(0);
    pub static BYTES: AtomicU64 = AtomicU64::new(0);
    pub static PARSED: AtomicU64 = AtomicU64::new(0);
    pub static PARSED_BYTES: AtomicU64 = AtomicU64::new(0);

    pub fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}

/// Larger JavaScript than this, or minified, is a bundle: never parsed.
const BUNDLE_BYTES: usize = 512 << 10;
/// Python larger than this is generated code: cheap checks only.
const MAX_PARSE_PY: usize = 2 << 20;

/// The language of a file, by name.
pub fn lang_of(rel: &str) -> Option<Lang> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lower = name.to_ascii_lowercase();
    if matches!(name, "package.json" | "pyproject.toml" | "binding.gyp")
        || rel.ends_with(".dist-info/WHEEL")
    {
        Some(Lang::Manifest)
    } else if lower.ends_with(".py") {
        Some(Lang::Python)
    } else if lower.ends_with(".pth") {
        Some(Lang::Pth)
    } else if lower.ends_with(".js") || lower.ends_with(".cjs") || lower.ends_with(".mjs") {
        Some(Lang::JavaScript)
    } else if lower.ends_with(".sh") {
        Some(Lang::Shell)
    } else {
        None
    }
}

/// Analyses one file; `None` when there is nothing to keep.
pub fn analyze(f: &FileRef) -> Option<FileFacts> {
    stats::add(&stats::FILES, 1);
    stats::add(&stats::BYTES, f.bytes.len() as u64);
    let record_mismatch = f
        .record
        .and_then(|(hash, size)| check_record(f.bytes, hash, size));
    let lang = match lang_of(f.rel).or_else(|| shebang_lang(f.bytes)) {
        Some(l) => l,
        None => {
            let binary = executable_format(f.bytes)?;
            return Some(facts(
                f.rel,
                Lang::Binary,
                FileSignals::default(),
                false,
                Some(binary),
                None,
                record_mismatch,
            ));
        }
    };
    let (signals, bundle, text) = match lang {
        Lang::Manifest => (
            FileSignals::default(),
            false,
            Some(String::from_utf8_lossy(f.bytes).into_owned()),
        ),
        Lang::Pth => {
            let text = String::from_utf8_lossy(f.bytes).into_owned();
            let src = pth_code(&text);
            let s = python::analyze(src.as_bytes()).unwrap_or_default();
            (s, false, Some(text))
        }
        Lang::Python | Lang::JavaScript | Lang::Shell => {
            let (s, bundle) = code_signals(f.bytes, lang);
            (s, bundle, None)
        }
        Lang::Binary => (FileSignals::default(), false, None),
    };
    let keep = !signals.signals.is_empty()
        || text.is_some()
        || record_mismatch.is_some()
        || is_startup_name(f.rel)
        || lang == Lang::Python && f.rel.ends_with("setup.py");
    keep.then(|| facts(f.rel, lang, signals, bundle, None, text, record_mismatch))
}

fn facts(
    rel: &str,
    lang: Lang,
    signals: FileSignals,
    bundle: bool,
    binary: Option<&'static str>,
    text: Option<String>,
    record_mismatch: Option<String>,
) -> FileFacts {
    FileFacts {
        rel: rel.to_string(),
        lang,
        signals,
        bundle,
        binary,
        text,
        record_mismatch,
    }
}

/// An extension-less script, by its `#!` line (npm `bin` files, shell scripts).
pub fn shebang_lang(head: &[u8]) -> Option<Lang> {
    let rest = head.strip_prefix(b"#!")?;
    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len()).min(120);
    let line = String::from_utf8_lossy(&rest[..end]);
    if line.contains("node") {
        Some(Lang::JavaScript)
    } else if line.contains("python") {
        Some(Lang::Python)
    } else if line.contains("sh") {
        Some(Lang::Shell)
    } else {
        None
    }
}

/// `sitecustomize.py` / `usercustomize.py` at any depth.
pub fn is_startup_name(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    matches!(name, "sitecustomize.py" | "usercustomize.py")
}

/// Analyses a file that runs unasked (install script, startup hook): always
/// parsed unless it is a bundle, whatever the pre-filter says.
pub fn analyze_forced(rel: &str, bytes: &[u8]) -> Option<FileFacts> {
    let lang = lang_of(rel)?;
    if !matches!(lang, Lang::Python | Lang::JavaScript) {
        return None;
    }
    if lang == Lang::JavaScript && is_bundle(bytes) {
        let (signals, _) = coarse_or_parsed(bytes, lang, true);
        return Some(facts(rel, lang, signals, true, None, None, None));
    }
    let signals = match lang {
        Lang::Python => python::analyze(bytes),
        _ => javascript::analyze(bytes),
    }?;
    Some(facts(rel, lang, signals, false, None, None, None))
}

/// Signals of a code file: pre-filter, then a grammar when worth it; a
/// bundle (or a file the grammar cannot take) keeps the coarse hits.
pub fn code_signals(bytes: &[u8], lang: Lang) -> (FileSignals, bool) {
    let bundle = lang == Lang::JavaScript && is_bundle(bytes);
    if bundle && !prefilter::bundle_markers(bytes) {
        // A vendored bundle with none of the worm markers: nothing to see,
        // and not worth a full pass (install-script bundles get one later).
        return (FileSignals::default(), true);
    }
    coarse_or_parsed(bytes, lang, bundle)
}

/// The full pre-filter pass, then a grammar or coarse signals.
fn coarse_or_parsed(bytes: &[u8], lang: Lang, bundle: bool) -> (FileSignals, bool) {
    let too_big = lang == Lang::Python && bytes.len() > MAX_PARSE_PY;
    let hits = prefilter::scan_with(bytes, bundle || too_big);
    let mut out = FileSignals::default();
    if hits.hex_idents >= 8 {
        out.push(Signal {
            kind: Kind::ObfuscatorStyle,
            detail: "_0x hex identifiers",
            line: 1,
            evidence: format!("{} `_0x…` identifiers", hits.hex_idents),
            scope: 0,
            top_level: false,
        });
    }
    if !hits.any() {
        return (out, bundle);
    }

    if !bundle && !too_big && lang != Lang::Shell && hits.worth_parsing() {
        stats::add(&stats::PARSED, 1);
        stats::add(&stats::PARSED_BYTES, bytes.len() as u64);
        let parsed = match lang {
            Lang::Python => python::analyze(bytes),
            _ => javascript::analyze(bytes),
        };
        if let Some(mut p) = parsed {
            p.signals.extend(out.signals);
            return (p, bundle);
        }
    }
    if lang == Lang::Shell {
        return (shell_signals(bytes), false);
    }
    if bundle || too_big {
        // Coarse: every hit is a whole-file signal; evidence from its line.
        let lines = Lines::new(bytes);
        for mut s in hits.coarse {
            s.evidence = lines.text(s.line, 0);
            out.push(s);
        }
    }
    (out, bundle)
}

/// A shell script, line by line, with the shared text classifier.
pub fn shell_signals(bytes: &[u8]) -> FileSignals {
    let mut out = FileSignals::default();
    for (i, line) in String::from_utf8_lossy(bytes).lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut found = Vec::new();
        super::signals::classify_text(line, &mut found);
        for (kind, detail) in found {
            out.push(Signal {
                kind,
                detail,
                line: i as u32 + 1,
                evidence: super::signals::snippet(line),
                scope: 0,
                top_level: true,
            });
        }
    }
    out
}

/// Minified or huge JavaScript.
fn is_bundle(bytes: &[u8]) -> bool {
    if bytes.len() > BUNDLE_BYTES {
        return true;
    }
    if bytes.len() < 20_000 {
        return false;
    }
    // Minified: long lines on average, or one huge line anywhere.
    let mut lines = 1;
    let mut prev = 0;
    for i in memchr::memchr_iter(b'\n', bytes) {
        if i - prev > 20_000 {
            return true;
        }
        prev = i;
        lines += 1;
    }
    bytes.len() - prev > 20_000 || bytes.len() / lines > 500
}

/// The executable lines of a `.pth` file as Python, other lines blanked so
/// line numbers stay right. Python runs a line that starts with `import`
/// followed by a space or tab.
pub fn pth_code(text: &str) -> String {
    text.lines()
        .map(|l| if is_pth_exec_line(l) { l } else { "" })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn is_pth_exec_line(l: &str) -> bool {
    l.starts_with("import ") || l.starts_with("import\t")
}

/// ELF, PE or Mach-O by magic number.
pub fn executable_format(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x7fELF") {
        Some("ELF")
    } else if head.starts_with(b"MZ") && head.len() > 64 {
        Some("PE")
    } else if [
        &[0xfe, 0xed, 0xfa, 0xce][..],
        &[0xfe, 0xed, 0xfa, 0xcf],
        &[0xce, 0xfa, 0xed, 0xfe],
        &[0xcf, 0xfa, 0xed, 0xfe],
        &[0xca, 0xfe, 0xba, 0xbe],
    ]
    .iter()
    .any(|m| head.starts_with(m))
    {
        Some("Mach-O")
    } else {
        None
    }
}

/// Compares a file with its RECORD line; `Some(description)` when they differ.
fn check_record(
    bytes: &[u8],
    hash: &Option<crate::model::Hash>,
    size: Option<u64>,
) -> Option<String> {
    if let Some(sz) = size
        && sz != bytes.len() as u64
    {
        return Some(format!("RECORD says {sz} bytes, file has {}", bytes.len()));
    }
    let h = hash.as_ref()?;
    if h.algorithm != "sha256" {
        return None;
    }
    let actual = hex::encode(Sha256::digest(bytes));
    (actual != h.value).then(|| format!("RECORD sha256 {} , file sha256 {actual}", h.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pth_lines() {
        let src = pth_code("/some/path\nimport os; os.system('x')\n# comment\n");
        assert_eq!(src.lines().nth(1), Some("import os; os.system('x')"));
        assert_eq!(src.lines().next(), Some(""));
    }

    #[test]
    fn executables() {
        assert_eq!(executable_format(b"\x7fELF\x02\x01"), Some("ELF"));
        assert_eq!(executable_format(b"#!/bin/sh"), None);
    }
}
