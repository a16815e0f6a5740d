//! Members of archives: which to interpret as pickles, which are code,
//! configs or arrays, and which are nested containers to scan again.

use super::formats::{keras, numpy, torchscript};
use super::pickle::{Context, Layout};
use super::rules::{model_scan_limit as tg310, zip_header_mismatch as tg304};
use super::scan::{Hit, Scanner};
use super::sniff::{Format, sniff};
use super::zip::{self, Entry};
use crate::archive::{ArchiveKind, Limits as ArchiveLimits, visit_bytes};

/// Scans a zip: the cross-check of its two directories, then every member
/// (hidden ones too). Returns the zip's refined format.
pub fn zip(sc: &Scanner, data: &[u8], display: &str, depth: u32, hits: &mut Vec<Hit>) -> Format {
    let ar = match zip::read(data, sc.limits.max_entries) {
        Ok(a) => a,
        Err(e) => {
            hits.push(Hit::new(
                &tg304::META,
                display,
                format!("unreadable zip archive: {e}"),
            ));
            return Format::Zip;
        }
    };
    for (off, msg) in &ar.problems {
        hits.push(Hit::new(&tg304::META, display, msg.clone()).at(*off));
    }
    let kind = classify(&ar.entries);
    for e in &ar.entries {
        let path = format!("{display}!/{}", e.name);
        member(sc, data, e, kind, &path, depth, hits);
    }
    // Hidden members are named by where their local header is, since their
    // name may repeat a listed member's.
    for e in &ar.hidden {
        let path = format!(
            "{display}!/{} (hidden, local header at {})",
            e.name, e.local
        );
        member(sc, data, e, kind, &path, depth, hits);
    }
    kind
}

/// What kind of model a zip holds, from its member names.
pub fn classify(entries: &[Entry]) -> Format {
    let names = || entries.iter().map(|e| e.name.as_str());
    let torch = names().any(|n| n == "data.pkl" || n.ends_with("/data.pkl"));
    let script = names().any(|n| n.contains("/code/") || n.ends_with("constants.pkl"));
    if script && (torch || names().any(|n| n.ends_with("constants.pkl"))) {
        return Format::TorchScript;
    }
    if torch {
        return Format::TorchZip;
    }
    if names().any(|n| n == "config.json")
        && names().any(|n| n == "metadata.json" || n == "model.weights.h5")
    {
        return Format::Keras;
    }
    if entries.iter().all(|e| e.name.ends_with(".npy")) && !entries.is_empty() {
        return Format::Npz;
    }
    Format::Zip
}

fn member(
    sc: &Scanner,
    data: &[u8],
    e: &Entry,
    kind: Format,
    path: &str,
    depth: u32,
    hits: &mut Vec<Hit>,
) {
    if e.name.ends_with('/') || e.data == u64::MAX {
        return;
    }
    let torchish = matches!(kind, Format::TorchZip | Format::TorchScript);
    // Raw tensor storages (`archive/data/0`): bytes, never sniffed.
    if torchish && is_storage(&e.name) {
        return;
    }
    if torchish && e.name.ends_with(".pkl") {
        let ctx = if kind == Format::TorchScript {
            Context::TorchScript
        } else {
            Context::Plain
        };
        return pickle_member(sc, data, e, path, ctx, depth, hits);
    }
    if kind == Format::TorchScript && e.name.contains("/code/") && e.name.ends_with(".py") {
        if let Some(text) = whole(sc, data, e, path, hits) {
            torchscript::scan_code(&text, path, hits);
        }
        return;
    }
    if kind == Format::Keras && e.name == "config.json" {
        if let Some(text) = whole(sc, data, e, path, hits) {
            keras::config(&text, path, hits);
        }
        return;
    }
    if kind == Format::Npz && e.name.ends_with(".npy") {
        if let Some(bytes) = whole(sc, data, e, path, hits) {
            numpy::npy(sc, &bytes, path, depth + 1, hits);
        }
        return;
    }
    // Anything else: a model or container only if its content says so
    // (source files of a wheel are not opened).
    let lower = e.name.to_ascii_lowercase();
    if SOURCE_EXTS.iter().any(|x| lower.ends_with(x)) {
        return;
    }
    let head = zip::head(data, e, 4096);
    match sniff(&head, &lower) {
        None => {}
        Some(Format::Pickle) => pickle_member(sc, data, e, path, Context::Plain, depth, hits),
        Some(_) if e.method == 0 => {
            if let Ok(raw) = zip::raw(data, e) {
                sc.scan_bytes(raw, path, &lower, depth + 1, hits);
            }
        }
        Some(_) => match zip::reader(data, e, sc.limits.max_stream) {
            Ok(r) => sc.scan_reader(r, path, &lower, depth, hits),
            Err(err) => hits.push(Hit::new(&tg310::META, path, format!("member {err}"))),
        },
    }
}

/// Source and text members never sniffed in generic archives.
const SOURCE_EXTS: &[&str] = &[
    ".py", ".pyi", ".md", ".txt", ".rst", ".js", ".ts", ".html", ".css", ".json", ".cfg", ".toml",
    ".c", ".h",
];

/// `…/data/<key>` storages of a PyTorch archive.
fn is_storage(name: &str) -> bool {
    let mut parts = name.rsplit('/');
    let last = parts.next().unwrap_or("");
    parts.next() == Some("data") && !last.is_empty() && !last.contains('.')
}

fn pickle_member(
    sc: &Scanner,
    data: &[u8],
    e: &Entry,
    path: &str,
    ctx: Context,
    depth: u32,
    hits: &mut Vec<Hit>,
) {
    if e.method == 0 && !e.encrypted() {
        match zip::raw(data, e) {
            Ok(raw) => sc.pickle_slice(raw, path, Layout::default(), ctx, depth, hits),
            Err(err) => hits.push(Hit::new(&tg304::META, path, format!("member {err}"))),
        }
        return;
    }
    match zip::reader(data, e, sc.limits.max_stream) {
        Ok(r) => sc.pickle_stream(r, path, ctx, hits),
        Err(err) => hits.push(Hit::new(&tg310::META, path, format!("member {err}"))),
    }
}

/// A member's whole content (configs, code, arrays), bounded; CRC-checked.
fn whole(sc: &Scanner, data: &[u8], e: &Entry, path: &str, hits: &mut Vec<Hit>) -> Option<Vec<u8>> {
    match zip::content(data, e, sc.limits.max_inflate) {
        Ok(c) => {
            if e.flags & 8 == 0 && zip::crc32(&c) != e.crc {
                hits.push(Hit::new(
                    &tg304::META,
                    path,
                    "member's CRC-32 does not match its content (readers that check it and \
                     readers that do not see different archives)",
                ));
            }
            Some(c.into_owned())
        }
        Err(err) => {
            hits.push(Hit::new(&tg310::META, path, format!("member {err}")));
            None
        }
    }
}

/// Scans the members of a tar (legacy `torch.save` tars, archives of models).
pub fn tar(sc: &Scanner, data: &[u8], display: &str, depth: u32, hits: &mut Vec<Hit>) {
    let limits = ArchiveLimits {
        max_entry_bytes: sc.limits.max_inflate,
        ..ArchiveLimits::default()
    };
    let mut found = Vec::new();
    let res = visit_bytes(
        data,
        ArchiveKind::Tar,
        &limits,
        &mut |_| true,
        &mut |info, bytes| {
            let path = format!("{display}!/{}", info.name);
            let lower = info.name.to_ascii_lowercase();
            sc.scan_bytes(bytes, &path, &lower, depth + 1, &mut found);
        },
    );
    hits.append(&mut found);
    match res {
        Ok(v) => {
            for p in v.problems {
                hits.push(Hit::new(
                    &tg310::META,
                    &format!("{display}!/{}", p.name),
                    format!("member not scanned: {}", p.message),
                ));
            }
        }
        Err(e) => hits.push(Hit::new(&tg310::META, display, format!("tar archive: {e}"))),
    }
}
