//! The fuzz targets' bodies (`fuzz/fuzz_targets/*.rs` call the same
//! functions) run over real files cut short at every line, at every byte of
//! their first kilobytes, and with bytes flipped. cargo-fuzz needs nightly,
//! which CI does not have; this is the part of fuzzing every build runs.
//! A crash found here or by cargo-fuzz stays below as a regression case.

mod common;
use common::*;
use std::path::PathBuf;
use tollgate::inventory as inv;

type Target = fn(&[u8]);

/// Deterministic xorshift, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Bytes that matter to the grammars, to flip in.
const INTERESTING: &[u8] = b"[]{}\"'=#\\\n\r ;@:,.-*<>!~^0\xff\xc3";

fn run(name: &str, target: Target, inputs: &[Vec<u8>], full_prefixes: usize, flips: usize) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut cases = 0usize;
    for data in inputs {
        // Every line boundary (all of them for small files, a spread for big ones).
        let ends: Vec<usize> = data
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i + 1)
            .collect();
        let step = (ends.len() / 400).max(1);
        for &end in ends.iter().step_by(step) {
            target(&data[..end]);
            target(&data[..end.saturating_sub(1)]);
            cases += 2;
        }
        // Every byte prefix of the head.
        for end in 0..data.len().min(full_prefixes) {
            target(&data[..end]);
            cases += 1;
        }
        // Flipped bytes, 1 to 4 per case, within the first 32 KiB for speed.
        let window = data.len().min(32 << 10);
        if window == 0 {
            continue;
        }
        let head = &data[..window];
        for _ in 0..flips {
            let mut m = head.to_vec();
            for _ in 0..=(rng.next() % 4) {
                let at = (rng.next() as usize) % m.len();
                m[at] = INTERESTING[(rng.next() as usize) % INTERESTING.len()];
            }
            target(&m);
            cases += 1;
        }
    }
    assert!(cases > 100, "{name}: only {cases} cases");
    eprintln!("{name}: {cases} cases, no panic");
}

fn files(rels: &[&str]) -> Vec<Vec<u8>> {
    rels.iter()
        .map(|r| std::fs::read(fixture(r)).unwrap_or_else(|e| panic!("{r}: {e}")))
        .collect()
}

fn corpus(rels: &[&str]) -> Vec<Vec<u8>> {
    rels.iter()
        .filter_map(|r| shared_corpus(r))
        .map(|p: PathBuf| std::fs::read(p).unwrap())
        .collect()
}

#[test]
fn requirements_files() {
    let mut inputs = files(&["python/requirements/requirements.txt"]);
    inputs.extend(corpus(&[
        "ai-stack/requirements.txt",
        "ai-stack/requirements.in",
    ]));
    inputs.push(
        b"-r base.txt\n-c c.txt\n-e git+https://g.invalid/a.git#egg=a\n-i https://pypi.invalid/simple\n\
          pkg @ https://h.invalid/pkg-1.0.tar.gz ; python_version < '3.12' \\\n  --hash=sha256:aa\n\
          ./dist/x-1.0-py3-none-any.whl\nname[extra]==1.0 # c\n"
            .to_vec(),
    );
    run("requirements", inv::requirements::fuzz, &inputs, 4096, 3000);
}

#[test]
fn pyproject_files() {
    let mut inputs = files(&[
        "python/uv/pyproject.toml",
        "python/poetry/pyproject.toml",
        "python/pdm/pyproject.toml",
    ]);
    inputs.extend(corpus(&["lockfiles/python/poetry/pyproject.toml"]));
    run("pyproject", inv::pyproject::fuzz, &inputs, 2048, 3000);
}

#[test]
fn uv_lock_files() {
    let mut inputs = files(&["python/uv/uv.lock"]);
    inputs.extend(corpus(&["lockfiles/python/uv/uv.lock"]));
    run("uv.lock", inv::uv_lock::fuzz, &inputs, 4096, 800);
}

#[test]
fn poetry_lock_files() {
    let mut inputs = files(&["python/poetry/poetry.lock"]);
    inputs.extend(corpus(&["lockfiles/python/poetry/poetry.lock"]));
    run("poetry.lock", inv::poetry_lock::fuzz, &inputs, 4096, 800);
}

#[test]
fn pdm_lock_files() {
    let mut inputs = files(&["python/pdm/pdm.lock"]);
    inputs.extend(corpus(&["lockfiles/python/pdm/pdm.lock"]));
    run("pdm.lock", inv::pdm_lock::fuzz, &inputs, 4096, 800);
}

#[test]
fn pipfile_lock_files() {
    let mut inputs = files(&["python/pipenv/Pipfile.lock", "python/pipenv/Pipfile"]);
    inputs.extend(corpus(&["lockfiles/python/pipenv/Pipfile.lock"]));
    run("Pipfile.lock", inv::pipfile_lock::fuzz, &inputs, 4096, 800);
}

#[test]
fn pylock_files() {
    let mut inputs = files(&["python/pylock/pylock.toml"]);
    inputs.extend(corpus(&["lockfiles/python/pylock/pylock.toml"]));
    run("pylock.toml", inv::pylock::fuzz, &inputs, 4096, 800);
}

#[test]
fn conda_records() {
    let inputs = files(&[
        "python/conda/env/conda-meta/numpy-1.26.4-py311h64a7726_0.json",
        "python/conda/env/conda-meta/libzlib-1.3.1-hb9d3cd8_2.json",
        "python/conda/env/conda-meta/history",
    ]);
    run("conda-meta", inv::conda_meta::fuzz, &inputs, 4096, 3000);
}

#[test]
fn core_metadata_and_setup_cfg() {
    let mut inputs = files(&[
        "python/conda/env/lib/python3.11/site-packages/requests-2.32.3.dist-info/METADATA",
    ]);
    if let Some(venv) = corpus_cache("venv") {
        let sp = venv.join("lib/python3.11/site-packages");
        for d in [
            "requests-2.34.2.dist-info",
            "litellm-1.82.6.dist-info",
            "transformers-5.23.0.dist-info",
        ] {
            if let Ok(b) = std::fs::read(sp.join(d).join("METADATA")) {
                inputs.push(b);
            }
        }
    }
    inputs.push(
        b"[metadata]\nname = a\nversion = attr: a.__version__\n[options]\ninstall_requires =\n    six>=1\n    b ; python_version<'3'\n"
            .to_vec(),
    );
    run("METADATA", inv::wheel::fuzz, &inputs, 4096, 2000);
    run("PKG-INFO/setup.cfg", inv::sdist::fuzz, &inputs, 4096, 2000);
}

#[test]
fn regressions() {
    // Inputs that once misbehaved, or that probe edges of the grammars.
    let cases: &[(&str, Target, &[u8])] = &[
        // pep508_rs 0.9.2 panicked on these (name / extra ending in `.`, `-`, `_`).
        ("requirements", inv::requirements::fuzz, b"charset-normalizer.==3.5.2"),
        ("requirements", inv::requirements::fuzz, b"a[x-]==1"),
        ("pyproject", inv::pyproject::fuzz, b"[project]\ndependencies = [\"a_ ; python_version > '3'\"]"),
        ("METADATA", inv::wheel::fuzz, b"Name: a\nVersion: 1\nRequires-Dist: b[c.] (>=1)\n"),
        ("requirements", inv::requirements::fuzz, b"-"),
        ("requirements", inv::requirements::fuzz, b"--hash"),
        ("requirements", inv::requirements::fuzz, b"-e"),
        ("requirements", inv::requirements::fuzz, b"\xc3\\\n#"),
        ("requirements", inv::requirements::fuzz, b"x @ "),
        ("requirements", inv::requirements::fuzz, b"./[]"),
        ("requirements", inv::requirements::fuzz, b"git+ssh://@"),
        ("uv.lock", inv::uv_lock::fuzz, b"[[package]]\nname=\"a\"\n[[package]]\nname=\"a\"\nsource={virtual=\".\"}\ndependencies=[{name=\"a\"}]"),
        ("pdm.lock", inv::pdm_lock::fuzz, b"[[package]]\nname=\"a\"\nextras=[\"x\"]\ndependencies=[\"a[x]\"]"),
        ("pylock", inv::pylock::fuzz, b"lock-version=\"1.0\"\n[[packages]]\nname=\"a\"\ndependencies=[{}]"),
        ("conda", inv::conda_meta::fuzz, b"# update specs: [,,'::',\"\"]"),
        ("pylock", inv::pylock::fuzz, b"lock-version=\"1.0\"\n[[packages]]\nname=\"a\"\nmarker=\"'x' in\""),
        ("pylock", inv::pylock::fuzz, b"lock-version=\"1.0\"\n[[packages]]\nname=\"a\"\nmarker=\"'\\u00e9' not in extras and '\""),
        // cargo-fuzz: pep508's error Display sliced non-ASCII input mid-character.
        ("METADATA", inv::wheel::fuzz, b"requires-dist:requir[s-die1\x0d\xef\xbf\xbd:r:e1ddddddddddd,ddddddddddddddhdddddddEEEE:\xff\x0dd:6\x0aName: f[o\x0aVersion: *\x00!:co\xff\x0dd\xf3\xf3\xf3s\xf3\xf3r\xf3ion: ersion:"),
    ];
    for (name, target, data) in cases {
        eprintln!("{name}: {:?}", String::from_utf8_lossy(data));
        target(data);
    }
}
