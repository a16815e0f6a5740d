//! The fuzz targets' bodies (`tollgate::analyze::models::fuzz`) over every
//! prefix and byte flips of the model fixtures: no panic, bounded work.
//! (cargo-fuzz needs nightly; this is the stable-toolchain evidence.)

mod common;
use tollgate::analyze::models::fuzz;

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("pickle", fuzz::pickle),
    ("zip", fuzz::zip),
    ("model_file", fuzz::model_file),
    ("decompress", fuzz::decompress),
    ("safetensors", fuzz::safetensors),
    ("gguf", fuzz::gguf),
    ("onnx", fuzz::onnx),
    ("numpy", fuzz::numpy),
    ("keras", fuzz::keras),
    ("torchscript", fuzz::torchscript),
];

/// Small deterministic generator (xorshift) for byte flips.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dir in ["models/bad", "models/good"] {
        for e in std::fs::read_dir(common::fixture(dir)).unwrap() {
            let data = std::fs::read(e.unwrap().path()).unwrap();
            if data.len() <= 64 << 10 {
                out.push(data);
            }
        }
    }
    out
}

#[test]
fn mutated_fixtures_never_panic() {
    let corpus = corpus();
    assert!(corpus.len() > 50);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut runs = 0u64;
    // More with TOLLGATE_FUZZ_ITERS=5000 for a longer session.
    let iters: usize = std::env::var("TOLLGATE_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    for data in &corpus {
        // Every prefix of short files, a sample of prefixes of longer ones.
        let step = (data.len() / 200).max(1);
        let mut cuts: Vec<usize> = (0..data.len()).step_by(step).collect();
        cuts.push(data.len());
        for &cut in &cuts {
            let pick = rng.next() as usize % TARGETS.len();
            (TARGETS[pick].1)(&data[..cut]);
            fuzz::pickle(&data[..cut]);
            runs += 2;
        }
        for _ in 0..iters {
            let mut m = data.clone();
            if m.is_empty() {
                break;
            }
            for _ in 0..1 + rng.next() % 4 {
                let i = rng.next() as usize % m.len();
                m[i] = match rng.next() % 3 {
                    0 => rng.next() as u8,
                    1 => 0xff,
                    _ => 0,
                };
            }
            for (_, t) in TARGETS {
                t(&m);
                runs += 1;
            }
        }
    }
    eprintln!("{runs} fuzz-target runs");
}
