//! Parse time of each real Python lockfile of the shared corpus, and of the
//! corpus venv (a plain timing loop: no benchmark framework needed).
//!
//!     cargo bench --bench python_inputs
//!
//! Prints the median of N runs per input. Inputs that are absent are skipped.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tollgate::inventory::{self as inv, Extract};

type Extractor = fn(&Path, &str) -> Extract;

fn corpus() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::var_os("TOLLGATE_SHARED_CORPUS")
        .map(PathBuf::from)
        .or_else(|| {
            ["../shared/corpus", "../../shared/corpus"]
                .iter()
                .map(|b| root.join(b))
                .find(|b| b.is_dir())
        })
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(label: &str, n: usize, mut f: impl FnMut() -> Extract) {
    let mut runs = Vec::with_capacity(n);
    let mut packages = 0;
    for _ in 0..n {
        let t = Instant::now();
        let mut ex = f();
        inv::graph::resolve(&mut ex, None);
        runs.push(t.elapsed());
        packages = ex.nodes.len();
    }
    println!(
        "{label:<40} {packages:>5} packages  median {:>9.3} ms  ({n} runs)",
        median(runs).as_secs_f64() * 1e3
    );
}

fn main() {
    let Some(c) = corpus() else {
        eprintln!("shared corpus not found; nothing to measure");
        return;
    };
    let py = c.join("lockfiles/python");
    let inputs: [(&str, Extractor, PathBuf); 7] = [
        ("uv.lock", inv::uv_lock::extract, py.join("uv/uv.lock")),
        (
            "poetry.lock",
            inv::poetry_lock::extract,
            py.join("poetry/poetry.lock"),
        ),
        ("pdm.lock", inv::pdm_lock::extract, py.join("pdm/pdm.lock")),
        (
            "Pipfile.lock",
            inv::pipfile_lock::extract,
            py.join("pipenv/Pipfile.lock"),
        ),
        (
            "pylock.toml",
            inv::pylock::extract,
            py.join("pylock/pylock.toml"),
        ),
        (
            "requirements.txt (168, hashes)",
            inv::requirements::extract,
            c.join("ai-stack/requirements.txt"),
        ),
        (
            "pyproject.toml",
            inv::pyproject::extract,
            py.join("uv/pyproject.toml"),
        ),
    ];
    for (label, f, path) in inputs {
        if path.exists() {
            time(label, 50, || f(&path, "x"));
        }
    }
    let venv = c.join(".cache/venv");
    if venv.exists() {
        time("venv (dist-info, RECORD)", 10, || {
            inv::dist_info::extract_env(&venv, "venv")
        });
    }
    let wheels = c.join(".cache/wheels");
    if let Ok(entries) = std::fs::read_dir(&wheels) {
        let files: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        let t = Instant::now();
        let n: usize = files
            .iter()
            .map(|w| inv::wheel::extract(w, "w").nodes.len())
            .sum();
        println!(
            "{:<40} {n:>5} packages  total  {:>9.3} ms  (1 run, sha256 of 290 MB included)",
            "wheels/*.whl",
            t.elapsed().as_secs_f64() * 1e3
        );
    }
}
