//! Shared helpers for integration tests: the binary, fixtures, and the real
//! corpus built by `../shared/corpus/fetch.sh`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The tollgate binary under test, with a private `$TOLLGATE_HOME`.
pub fn tollgate(home: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("tollgate").expect("binary built");
    cmd.env("TOLLGATE_HOME", home).env("NO_COLOR", "1");
    cmd
}

/// `tests/fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// `../shared/corpus/<rel>`: the committed real lockfiles (always present in CI).
pub fn shared_corpus(rel: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // `$TOLLGATE_SHARED_CORPUS`, else `../shared` (a clone), else `../../shared` (a worktree).
    let base = std::env::var_os("TOLLGATE_SHARED_CORPUS")
        .map(PathBuf::from)
        .or_else(|| {
            ["../shared/corpus", "../../shared/corpus"]
                .iter()
                .map(|b| root.join(b))
                .find(|b| b.is_dir())
        })
        .unwrap_or_else(|| root.join("../shared/corpus"));
    let p = base.join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "\n!!! SKIPPING: {} is missing (clone ../shared beside the repo) !!!\n",
            p.display()
        );
        None
    }
}

/// The fetched corpus trees (`venv`, `npm/node_modules`, `wheels`): from
/// `$TOLLGATE_CORPUS`, else `../shared/corpus/.cache`. `None`, with a loud
/// message, when they were not built (run `../shared/corpus/fetch.sh`).
pub fn corpus_cache(rel: &str) -> Option<PathBuf> {
    let base = std::env::var_os("TOLLGATE_CORPUS")
        .map(PathBuf::from)
        .or_else(|| shared_corpus(".cache"))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/.cache"));
    let p = base.join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "\n!!! SKIPPING: corpus tree {} is missing; build it with ../shared/corpus/fetch.sh \
             (CI does, through .ci/run) !!!\n",
            p.display()
        );
        None
    }
}

/// Runs tollgate with `args` and parses its JSON report.
pub fn json_report(home: &Path, args: &[&str]) -> serde_json::Value {
    let out = tollgate(home)
        .args(args)
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .expect("run tollgate");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); status {:?}\nstdout:\n{stdout}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    })
}
