//! The cargo-fuzz targets' bodies, run on stable over many deterministic
//! random mutations of real inputs (cargo-fuzz itself needs nightly).

mod common;
use common::fixture;

/// xorshift64*: deterministic, so a crash reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Byte flips, insertions of syntax characters, deletions and splices.
fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    const SYNTAX: &[u8] = b"\"'[]{}()=,:;#@^~<>|*.-+ \n\t\\\0\xff";
    let mut m = seed.to_vec();
    for _ in 0..=rng.below(4) {
        if m.is_empty() {
            m.push(b'x');
        }
        let i = rng.below(m.len());
        match rng.below(4) {
            0 => m[i] ^= 1 << rng.below(8),
            1 => m.insert(i, SYNTAX[rng.below(SYNTAX.len())]),
            2 => {
                let end = (i + rng.below(16)).min(m.len());
                m.drain(i..end);
            }
            _ => {
                let j = rng.below(m.len());
                let chunk: Vec<u8> = m[j..(j + rng.below(32)).min(m.len())].to_vec();
                m.splice(i..i, chunk);
            }
        }
    }
    m
}

fn run(seeds: &[Vec<u8>], iterations: usize, target: fn(&[u8])) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for seed in seeds {
        target(seed);
    }
    for _ in 0..iterations {
        let seed = &seeds[rng.below(seeds.len())];
        target(&mutate(&mut rng, seed));
    }
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap()
}

fn repo(rel: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

#[test]
fn policy_files() {
    let doc = String::from_utf8(repo("docs/policy.md")).unwrap();
    let example = doc
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap()
        .as_bytes()
        .to_vec();
    let py = read("policy/python/uv-project/pyproject.toml");
    run(&[example, py], 100_000, tollgate::policy::file::fuzz_policy);
}

#[test]
fn npm_ranges() {
    let seeds: Vec<Vec<u8>> = [
        "^1.2.3 || ~2.0.0-beta.1 >=3 <4.x\n1.2.3",
        "1.2.3 - 2.x\n2.0.0-rc.1",
        ">= 0.0.1-0 <1.0.0-0\n0.5.0",
        "npm:real@^2\n2.0.0",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    run(&seeds, 300_000, tollgate::version::npm::fuzz_range);
}

#[test]
fn spdx_expressions() {
    let seeds: Vec<Vec<u8>> = [
        "(MIT OR Apache-2.0+) AND GPL-2.0-only WITH Classpath-exception-2.0",
        "Apache-2.0 AND LGPL-3.0-or-later AND MIT",
        "MIT License",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    run(&seeds, 300_000, tollgate::policy::license::fuzz_expression);
}

#[test]
fn audit_logs_and_approvals() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.jsonl");
    for i in 0..3 {
        let mut m = serde_json::Map::new();
        m.insert(
            "decision".into(),
            serde_json::json!(if i == 1 { "fail" } else { "pass" }),
        );
        tollgate::policy::audit::append(&log, m).unwrap();
    }
    run(
        &[std::fs::read(&log).unwrap()],
        20_000,
        tollgate::policy::audit::fuzz_verify,
    );
    let approvals = b"[[approval]]\npackage = \"left-pad\"\necosystem = \"npm\"\nversion = \"1.3.0\"\nhash = \"sha512:5c8e\"\nreason = \"r\"\nby = \"b\"\nat = \"2026-11-22T00:00:00Z\"\n".to_vec();
    run(
        &[approvals],
        20_000,
        tollgate::policy::approvals::fuzz_approvals,
    );
}

#[test]
fn registry_configs_and_responses() {
    let conf =
        b"[global]\nindex-url = https://a.invalid/simple\n[install]\nindex_url=${X}\n".to_vec();
    let npmrc = b"registry=https://art.invalid/npm/\n@s:registry=https://s.invalid/\n//art.invalid/npm/:_authToken=${T}\n".to_vec();
    let uv = b"[[index]]\nurl = \"https://u.invalid/simple\"\ndefault = true\n".to_vec();
    run(
        &[conf, npmrc, uv],
        20_000,
        tollgate::registry::config::fuzz_config,
    );
    let seeds = [
        read("policy/online/simple-python-dotenv.json"),
        read("policy/online/packument-left-pad.json"),
        read("policy/online/simple-litellm.json"),
    ];
    run(&seeds, 20_000, tollgate::registry::parse::fuzz_responses);
}

#[test]
fn sbom_documents() {
    // Real npm output, and a tollgate-style document with every field the writers use.
    let ours = br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
  "metadata": {"component": {"type": "application", "bom-ref": "subject", "name": "s"}},
  "components": [{"type": "library", "bom-ref": "pkg:pypi/pip@23.2.1", "name": "pip",
    "version": "23.2.1", "purl": "pkg:pypi/pip@23.2.1",
    "hashes": [{"alg": "SHA-256", "content": "ab"}],
    "licenses": [{"expression": "MIT OR (Apache-2.0 AND BSD-3-Clause)"}],
    "properties": [{"name": "tollgate:hash-of", "value": "installed RECORD file"}],
    "externalReferences": [{"type": "vcs", "url": "https://git.invalid/p.git#v1"}],
    "components": [{"type": "library", "bom-ref": "n", "purl": "pkg:npm/%40s/n@1"}]}],
  "dependencies": [{"ref": "subject", "dependsOn": ["pkg:pypi/pip@23.2.1"]},
    {"ref": "pkg:pypi/pip@23.2.1", "dependsOn": ["n"]}]}"#
        .to_vec();
    run(
        &[read("sbom/npm-sbom.cdx.json"), ours],
        20_000,
        tollgate::inventory::cyclonedx::fuzz,
    );
    run(
        &[read("sbom/npm-sbom.spdx.json")],
        20_000,
        tollgate::inventory::spdx::fuzz,
    );
}

#[test]
fn licence_normalisation() {
    let seeds: Vec<Vec<u8>> = [
        "Apache License, Version 2.0 or MIT License",
        "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
        "(MIT OR Apache-2.0) AND GPL-2.0+ WITH Classpath-exception-2.0",
        "BSD 3-Clause \"New\" or \"Revised\" License",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    run(&seeds, 200_000, tollgate::license::fuzz_normalize);
}
