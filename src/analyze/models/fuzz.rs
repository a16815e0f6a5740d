//! Fuzz-target bodies: each takes arbitrary bytes and must return without
//! panicking, with bounded memory. Called by the cargo-fuzz targets under
//! `fuzz/` and by the regular mutation tests (`tests/models_fuzz.rs`).

use super::formats::{gguf, keras, numpy, onnx, safetensors, torchscript};
use super::pickle::source::{ReadSource, SliceSource};
use super::pickle::{self, Context, Layout};
use super::scan::Scanner;

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
