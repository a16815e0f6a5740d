//! Model artifacts: the model files discovery found, with format, size and
//! SHA-256, for the inventory and the SBOM. The digest is computed by
//! streaming the file through a fixed buffer, never by loading it.

use crate::discover::Discovered;
use crate::finding::InputError;
use crate::model::InputKind;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// One model file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ModelArtifact {
    /// Display path.
    pub path: String,
    /// Format recognised from the content (`pytorch`, `safetensors`,
    /// `pickle`, `gguf` …; `unknown` when only the name says "model").
    pub format: String,
    pub size: u64,
    /// Lowercase hex SHA-256 of the file; `null` from `scan` without `--artifact-hash`.
    pub sha256: Option<String>,
}

/// Artifacts for every `ModelFile` input, in parallel.
pub fn collect(discovered: &Discovered, hash: bool) -> (Vec<ModelArtifact>, Vec<InputError>) {
    use rayon::prelude::*;
    let results: Vec<Result<ModelArtifact, InputError>> = discovered
        .inputs
        .par_iter()
        .filter(|i| i.kind == InputKind::ModelFile)
        .map(|i| {
            let display = i.display();
            describe(&i.path, &display, hash)
                .map_err(|e| InputError::new(display, None, e.to_string()))
        })
        .collect();
    let mut arts = Vec::new();
    let mut errs = Vec::new();
    for r in results {
        match r {
            Ok(a) => arts.push(a),
            Err(e) => errs.push(e),
        }
    }
    arts.sort();
    (arts, errs)
}

fn describe(path: &Path, display: &str, hash: bool) -> std::io::Result<ModelArtifact> {
    let size = std::fs::metadata(path)?.len();
    let format = crate::analyze::models::artifact_format(path)?;
    let sha256 = if hash { Some(sha256_file(path)?) } else { None };
    Ok(ModelArtifact {
        path: display.to_string(),
        format,
        size,
        sha256,
    })
}

/// SHA-256 of a file, streamed through a 1 MiB buffer.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_streamed_and_correct() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.bin");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
