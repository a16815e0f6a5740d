//! Model files: recognised by content, scanned without ever being loaded.

pub mod pickle;

use std::path::Path;

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

/// Whether a file is a model artifact, from its name and first bytes.
pub fn looks_like_model(path: &Path, head: &[u8]) -> bool {
    let lower = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if MODEL_EXTS.iter().any(|e| lower.ends_with(e)) {
        return true;
    }
    is_pickle_head(head)
        || head.starts_with(b"GGUF")
        || head.starts_with(b"\x93NUMPY")
        || head.starts_with(b"\x89HDF\r\n\x1a\n")
        || is_safetensors_head(head)
}

/// A binary pickle starts with PROTO (0x80) and a protocol number 2–5.
fn is_pickle_head(head: &[u8]) -> bool {
    head.len() >= 3 && head[0] == 0x80 && (2..=5).contains(&head[1])
}

/// safetensors: an 8-byte little-endian header length, then a JSON object.
fn is_safetensors_head(head: &[u8]) -> bool {
    if head.len() < 10 {
        return false;
    }
    let len = u64::from_le_bytes(head[..8].try_into().unwrap_or([0; 8]));
    len > 1 && len < (100 << 20) && head[8] == b'{' && matches!(head[9], b'"' | b'}' | b' ' | b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
