//! Recognising model formats by their first bytes (extensions lie).

use serde::Serialize;

/// A model (or model-carrying container) format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A bare pickle (`.pkl`, `.joblib`, `pytorch_model.bin` of old).
    Pickle,
    /// `torch.save` before PyTorch 1.6: a magic-number pickle, then more.
    TorchLegacy,
    /// A zip archive; refined to the formats below once its members are known.
    Zip,
    TorchZip,
    TorchScript,
    Npz,
    Keras,
    Npy,
    Hdf5,
    Gguf,
    Safetensors,
    Onnx,
    Tflite,
    Tar,
    Gzip,
    Zlib,
    /// joblib's other compressions: bz2, xz and LZMA-alone are decoded
    /// (`decompress.rs`); lz4 is not (reported as TG310).
    Bz2,
    Xz,
    Lzma,
    Lz4,
    /// 7-Zip: not a format any model loader reads, but used to wrap models
    /// so scanners give up (the 2025 "nullifAI" models).
    SevenZip,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pickle => "pickle",
            Format::TorchLegacy => "pytorch-legacy",
            Format::Zip => "zip",
            Format::TorchZip => "pytorch",
            Format::TorchScript => "torchscript",
            Format::Npz => "numpy-npz",
            Format::Keras => "keras",
            Format::Npy => "numpy-npy",
            Format::Hdf5 => "hdf5",
            Format::Gguf => "gguf",
            Format::Safetensors => "safetensors",
            Format::Onnx => "onnx",
            Format::Tflite => "tflite",
            Format::Tar => "tar",
            Format::Gzip => "gzip",
            Format::Zlib => "zlib",
            Format::Bz2 => "bz2",
            Format::Xz => "xz",
            Format::Lzma => "lzma",
            Format::Lz4 => "lz4",
            Format::SevenZip => "7z",
        }
    }

    /// Containers that hold models rather than being one.
    pub fn is_wrapper(self) -> bool {
        matches!(
            self,
            Format::Zip
                | Format::Tar
                | Format::Gzip
                | Format::Zlib
                | Format::Bz2
                | Format::Xz
                | Format::Lzma
                | Format::Lz4
                | Format::SevenZip
        )
    }
}

/// The legacy `torch.save` magic number, as its first pickle writes it
/// (PROTO 2, LONG1 of 10 bytes).
const TORCH_LEGACY_MAGIC: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";

/// The format of a file from its first bytes; `name` (lowercase file name)
/// only decides for formats without a magic number (ONNX).
pub fn sniff(head: &[u8], name: &str) -> Option<Format> {
    if head.starts_with(TORCH_LEGACY_MAGIC) {
        return Some(Format::TorchLegacy);
    }
    if head.len() >= 3 && head[0] == 0x80 && (2..=5).contains(&head[1]) {
        return Some(Format::Pickle);
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Some(zip_kind(head));
    }
    let magic: &[(&[u8], Format)] = &[
        (b"\x93NUMPY", Format::Npy),
        (b"GGUF", Format::Gguf),
        (b"\x89HDF\r\n\x1a\n", Format::Hdf5),
        (b"\x1f\x8b\x08", Format::Gzip),
        (b"\xfd7zXZ\x00", Format::Xz),
        (b"\x04\x22\x4d\x18", Format::Lz4),
        (b"7z\xbc\xaf\x27\x1c", Format::SevenZip),
    ];
    if let Some((_, f)) = magic.iter().find(|(m, _)| head.starts_with(m)) {
        return Some(*f);
    }
    if head.len() >= 8 && &head[4..8] == b"TFL3" {
        return Some(Format::Tflite);
    }
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return Some(Format::Tar);
    }
    if head.starts_with(b"BZh") && head.get(3).is_some_and(|c| (b'1'..=b'9').contains(c)) {
        return Some(Format::Bz2);
    }
    if is_lzma_alone(head) {
        return Some(Format::Lzma);
    }
    if is_safetensors(head) {
        return Some(Format::Safetensors);
    }
    if is_zlib(head) {
        return Some(Format::Zlib);
    }
    if is_text_pickle(head) {
        return Some(Format::Pickle);
    }
    if name.ends_with(".onnx") && head.first() == Some(&0x08) {
        return Some(Format::Onnx);
    }
    None
}

/// A zip's kind from the first member name (the head holds it at offset 30).
fn zip_kind(head: &[u8]) -> Format {
    let Some(n) = head
        .get(26..28)
        .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
    else {
        return Format::Zip;
    };
    let name = head
        .get(30..30 + n)
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let last = name.rsplit('/').next().unwrap_or("");
    if name.contains('/')
        && matches!(
            last,
            "data.pkl" | "version" | ".format_version" | "byteorder" | "constants.pkl"
        )
    {
        return Format::TorchZip;
    }
    if matches!(
        name.as_ref(),
        "metadata.json" | "config.json" | "model.weights.h5"
    ) {
        return Format::Keras;
    }
    if name.ends_with(".npy") {
        return Format::Npz;
    }
    Format::Zip
}

/// The LZMA "alone" header joblib writes (`.pkl.lzma`).
fn is_lzma_alone(h: &[u8]) -> bool {
    let (Some(dict), Some(size)) = (h.get(1..5), h.get(5..13)) else {
        return false;
    };
    let dict = u32::from_le_bytes([dict[0], dict[1], dict[2], dict[3]]);
    let size = u64::from_le_bytes([
        size[0], size[1], size[2], size[3], size[4], size[5], size[6], size[7],
    ]);
    // The properties every encoder writes by default (lc=3 lp=0 pb=2), a
    // dictionary of 2^n or 2^n + 2^(n-1) bytes (what liblzma accepts), and
    // an unknown size (Python's lzma module) or a plausible known one (old
    // joblib versions wrote it).
    h[0] == 0x5d
        && (dict.is_power_of_two() || (dict % 3 == 0 && (dict / 3).is_power_of_two()))
        && (size == u64::MAX || size < 1 << 40)
}

fn is_zlib(h: &[u8]) -> bool {
    h.len() >= 2
        && h[0] == 0x78
        && matches!(h[1], 0x01 | 0x5e | 0x9c | 0xda)
        && (u16::from(h[0]) * 256 + u16::from(h[1])) % 31 == 0
}

/// safetensors: an 8-byte little-endian header length, then a JSON object.
pub fn is_safetensors(h: &[u8]) -> bool {
    if h.len() < 10 {
        return false;
    }
    let len = u64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
    len > 1
        && len < (100 << 20)
        && h[8] == b'{'
        && matches!(h[9], b'"' | b'}' | b' ' | b'\n' | b'\r' | b'\t')
}

/// Protocol 0/1 pickles have no header; recognise the ways they start:
/// a GLOBAL (`cmodule\nname\n`), a MARK then INST or GLOBAL, or the empty
/// container + memo-put openings every pickler writes (`(dp0`, `(lp0`, `}q\0`).
fn is_text_pickle(h: &[u8]) -> bool {
    let global_at = |i: usize| -> bool {
        let rest = h.get(i..).unwrap_or(&[]);
        let mut lines = rest.splitn(3, |&b| b == b'\n');
        let (Some(m), Some(n), Some(_)) = (lines.next(), lines.next(), lines.next()) else {
            return false;
        };
        let ident = |s: &[u8]| {
            !s.is_empty()
                && s.len() < 256
                && s.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        };
        ident(m) && ident(n)
    };
    match h {
        [b'c', ..] => global_at(1),
        [b'(', b'c' | b'i', ..] => global_at(2),
        [b'(', b'd' | b'l', b'p', d, ..] if d.is_ascii_digit() => true,
        [b'(', b'd' | b'l', b'(', ..] => true,
        // A MARK, then a protocol-0 string or number argument list.
        [b'(', b'S', b'\'' | b'"', ..] | [b'(', b'V' | b'I' | b'F', ..] if h.contains(&b'\n') => {
            true
        }
        [
            b'}' | b']',
            b'q',
            0,
            b'(' | b'X' | b'U' | b'K' | b'J' | b'c' | b'h',
            ..,
        ] => true,
        [b'}' | b']', b'q', 0, b'.', ..] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(sniff(b"\x80\x04\x95\x10", "x"), Some(Format::Pickle));
        assert_eq!(sniff(TORCH_LEGACY_MAGIC, "x"), Some(Format::TorchLegacy));
        assert_eq!(sniff(b"cos\nsystem\n(S'x'\ntR.", "x"), Some(Format::Pickle));
        assert_eq!(sniff(b"(dp0\nS'a'\n", "x"), Some(Format::Pickle));
        assert_eq!(sniff(b"\x93NUMPY\x01\x00", "x"), Some(Format::Npy));
        assert_eq!(sniff(b"GGUF\x03\x00\x00\x00", "x"), Some(Format::Gguf));
        assert_eq!(sniff(b"x\x9c\x01\x02", "x"), Some(Format::Zlib));
        assert_eq!(sniff(b"\x08\x07\x12", "m.onnx"), Some(Format::Onnx));
        assert_eq!(sniff(b"\x08\x07\x12", "m.bin"), None);
        assert_eq!(sniff(b"cat and dog", "x"), None);
        assert_eq!(sniff(b"hello world", "x"), None);
        // LZMA-alone: unknown size (Python's lzma), known size (joblib 0.10).
        let lz = |dict: u32, size: u64| {
            let mut h = vec![0x5d];
            h.extend(dict.to_le_bytes());
            h.extend(size.to_le_bytes());
            sniff(&h, "x")
        };
        assert_eq!(lz(1 << 23, u64::MAX), Some(Format::Lzma));
        assert_eq!(lz(1 << 23, 986), Some(Format::Lzma));
        assert_eq!(lz(3 << 22, 986), Some(Format::Lzma));
        assert_eq!(lz(1_000_001, 986), None);
        assert_eq!(lz(1 << 23, 1 << 50), None);
        let mut z = b"PK\x03\x04".to_vec();
        z.extend([0u8; 22]);
        z.extend(16u16.to_le_bytes());
        z.extend([0u8; 2]);
        z.extend(b"archive/data.pkl");
        assert_eq!(sniff(&z, "x"), Some(Format::TorchZip));
    }
}
