//! The fuzz target run over mutated and truncated real inputs: every
//! fixture and a sample of corpus files, each prefix (stepped) and byte flips.

use super::fuzz_file;
use std::path::Path;

fn inputs() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/behavior");
    let mut stack = vec![base];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                out.push(b);
            }
        }
    }
    out
}

#[test]
fn fuzz_target_survives_mutations() {
    let inputs = inputs();
    assert!(inputs.len() > 20);
    let mut runs = 0;
    for input in &inputs {
        let step = (input.len() / 12).max(1);
        for end in (0..=input.len()).step_by(step) {
            fuzz_file(&input[..end]);
            runs += 1;
        }
        for i in (0..input.len()).step_by(step.max(5)) {
            let mut m = input.clone();
            m[i] ^= 0xa5;
            fuzz_file(&m);
            // Unbalanced quotes and brackets are the parsers' hard cases.
            m[i] = b'"';
            fuzz_file(&m);
            runs += 2;
        }
    }
    assert!(runs > 500, "{runs}");
}

#[test]
fn fuzz_target_takes_odd_bytes() {
    fuzz_file(b"");
    fuzz_file(b"\xff\xfe\x00import base64; exec(base64.b64decode('\xff'))");
    fuzz_file(&[b'('; 100_000]);
    fuzz_file(&[b'['; 100_000]);
    fuzz_file(b"eval(Buffer.from('////', 'base64'))");
}
