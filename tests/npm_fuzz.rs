//! "Ran it a while": the npm fuzz-target bodies over every prefix and byte
//! flips of files the real tools wrote (the fixtures, and the corpus
//! lockfiles when present). A panic fails the test; so does an error
//! without a line.

mod common;
use common::*;
use tollgate::inventory::npm_fuzz::{self, mutations};

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("yarn_lock", npm_fuzz::yarn_lock),
    ("yarn_berry", npm_fuzz::yarn_berry),
    ("pnpm_lock", npm_fuzz::pnpm_lock),
    ("bun_lock", npm_fuzz::bun_lock),
    ("package_json", npm_fuzz::package_json),
    ("package_lock", npm_fuzz::package_lock),
];

fn target_for(file: &str) -> Target {
    match file {
        f if f.ends_with("yarn.lock") => npm_fuzz::yarn_lock,
        f if f.ends_with("pnpm-lock.yaml") => npm_fuzz::pnpm_lock,
        f if f.ends_with("bun.lock") => npm_fuzz::bun_lock,
        f if f.ends_with("package-lock.json") => npm_fuzz::package_lock,
        _ => npm_fuzz::package_json,
    }
}

#[test]
fn fixtures_every_prefix_and_flips() {
    for rel in [
        "npm/yarn1/yarn.lock",
        "npm/berry/yarn.lock",
        "npm/pnpm10/pnpm-lock.yaml",
        "npm/pnpm8/pnpm-lock.yaml",
        "npm/bun/bun.lock",
        "npm/npm/package.json",
        "npm/npm/package-lock.json",
        "npm/npm-v1/package-lock.json",
    ] {
        let data = std::fs::read(fixture(rel)).unwrap();
        // Small files: every single prefix.
        mutations(&data, data.len(), 2000, target_for(rel));
        // And through every other parser too: wrong formats must not panic either.
        for (_, t) in TARGETS {
            mutations(&data, 200, 200, *t);
        }
    }
}

#[test]
fn corpus_lockfiles_prefixes_and_flips() {
    for rel in [
        "lockfiles/npm/yarn-v1/yarn.lock",
        "lockfiles/npm/yarn-berry/yarn.lock",
        "lockfiles/npm/pnpm/pnpm-lock.yaml",
        "lockfiles/npm/package.json",
    ] {
        let beside = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus")
            .join(rel);
        let path = if beside.exists() {
            beside
        } else {
            match std::env::var_os("TOLLGATE_CORPUS")
                .map(|c| std::path::PathBuf::from(c).join("..").join(rel))
                .filter(|p| p.exists())
            {
                Some(p) => p,
                None => {
                    let _ = shared_corpus(rel);
                    return;
                }
            }
        };
        let data = std::fs::read(path).unwrap();
        mutations(&data, 300, 300, target_for(rel));
    }
}

#[test]
fn known_crashers_stay_fixed() {
    // Inputs that once broke a parser (kept as regressions).
    for (name, t) in TARGETS {
        for input in [
            &b""[..],
            b"\xff\xfe",
            b"{",
            b"__metadata:\n  version: [",
            b"\"a@npm:1\":\n  resolution: \"@\"\n  version: 1\n",
            b"lockfileVersion: '9.0'\npackages:\n  '@':\n    resolution: {}\n",
            b"{\"packages\": {\"x\": [\"@\"]}}",
            b"a@:\n  version \"\"\n  dependencies:\n    \"\" \"\"\n",
        ] {
            t(input);
            let _ = name;
        }
    }
}
