//! Fuzz-target bodies: each takes arbitrary bytes and must return without
//! panicking, with bounded memory. Called by the cargo-fuzz targets under
//! `fuzz/` and by the regular mutation tests (`tests/models_fuzz.rs`).

use super::formats::{gguf, keras, numpy, onnx, safetensors, torchscript};
use super::pickle::source::{ReadSource, SliceSource};
use super::pickle::{self, Context, Layout};
use super::scan::Scanner;
use std::io::Read;

fn scanner() -> Scanner {
    let mut s = Scanner::default();
    s.limits.max_inflate = 8 << 20;
    s.limits.max_stream = 64 << 20;
    s
}

/// The pickle interpreter, over a slice and over a stream.
pub fn pickle(data: &[u8]) {
    let limits = pickle::Limits::default();
    let _ = pickle::scan(
        &mut SliceSource::new(data),
        Context::Plain,
        Layout::default(),
        &limits,
    );
    let _ = pickle::scan(
        &mut ReadSource::new(data),
        Context::TorchScript,
        Layout::default(),
        &limits,
    );
}

/// The zip reader and archive walk (PyTorch, npz, Keras, nested).
pub fn zip(data: &[u8]) {
    let _ = super::zip::read(data, 10_000);
    let mut hits = Vec::new();
    super::archive_members::zip(&scanner(), data, "f", 0, &mut hits);
}

/// The stream decoders (gzip, zlib, bz2, xz, LZMA-alone) and the zip LZMA
/// member header, read to their end under a small cap.
pub fn decompress(data: &[u8]) {
    use super::sniff::Format;
    for f in [
        Format::Gzip,
        Format::Zlib,
        Format::Bz2,
        Format::Xz,
        Format::Lzma,
    ] {
        if let Ok(mut r) = super::decompress::reader(f, data, 8 << 20) {
            let _ = std::io::copy(&mut r, &mut std::io::sink());
        }
    }
    for flags in [0, 2] {
        if let Ok(r) = super::decompress::zip_lzma(data, flags, 1 << 20) {
            let _ = std::io::copy(&mut r.take(8 << 20), &mut std::io::sink());
        }
    }
    let _ = std::io::copy(
        &mut super::decompress::zip_bzip2(data).take(8 << 20),
        &mut std::io::sink(),
    );
}

/// Whatever the content sniffs as (the full dispatcher).
pub fn model_file(data: &[u8]) {
    let mut hits = Vec::new();
    scanner().scan_bytes(data, "f", "f.onnx", 0, &mut hits);
}

pub fn safetensors(data: &[u8]) {
    let _ = safetensors::problems(data);
}

pub fn gguf(data: &[u8]) {
    let mut hits = Vec::new();
    gguf::scan(data, "f", &mut hits);
    let _ = gguf::template_problems(&String::from_utf8_lossy(data));
}

pub fn onnx(data: &[u8]) {
    let mut hits = Vec::new();
    onnx::scan(data, "f", &mut hits);
}

pub fn numpy(data: &[u8]) {
    let mut hits = Vec::new();
    numpy::npy(&scanner(), data, "f", 0, &mut hits);
}

pub fn keras(data: &[u8]) {
    let mut hits = Vec::new();
    keras::config(data, "f", &mut hits);
    keras::hdf5(data, "f", &mut hits);
}

pub fn torchscript(data: &[u8]) {
    let mut hits = Vec::new();
    torchscript::scan_code(data, "f", &mut hits);
}
