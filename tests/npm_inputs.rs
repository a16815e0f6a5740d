//! npm inputs through the binary: fixtures written by the real tools
//! (tests/fixtures/npm/regenerate.sh) and the shared corpus.

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const LINUX: &[&str] = &[
    "--python-version",
    "3.11.7",
    "--platform",
    "linux",
    "--arch",
    "x86_64",
];

fn inventory(path: &Path, extra: &[&str]) -> Value {
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["inventory", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    json_report(home.path(), &args)
}

fn ids(v: &Value) -> BTreeSet<String> {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| match p["version"].as_str() {
            Some(ver) => format!("{}@{ver}", p["name"].as_str().unwrap()),
            None => p["name"].as_str().unwrap().to_string(),
        })
        .collect()
}

fn direct(v: &Value) -> BTreeSet<String> {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["direct"] == true)
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

fn package<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            format!(
                "{}@{}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap_or("")
            ) == id
        })
        .unwrap_or_else(|| panic!("{id} not in the inventory"))
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// What every tool installs for the tiny project on Linux x64 (fsevents is darwin-only).
const TINY: &[&str] = &[
    "@isaacs/string-locale-compare@1.1.0",
    "@tiny/a@0.1.0",
    "@tiny/b@0.1.0",
    "ansi-styles@4.3.0",
    "chalk@4.1.2",
    "color-convert@2.0.1",
    "color-name@1.1.4",
    "has-flag@4.0.0",
    "is-number@6.0.0",
    "is-number@7.0.0",
    "is-odd@3.0.1",
    "ms@2.1.3",
    "supports-color@7.2.0",
    "tiny-lib@1.0.0",
];

const TINY_DIRECT: &[&str] = &[
    "@isaacs/string-locale-compare",
    "@tiny/a",
    "@tiny/b",
    "chalk",
    "is-number",
    "is-odd",
    "ms",
    "tiny-lib",
];

fn tiny_with(changes: &[(&str, Option<&str>)]) -> BTreeSet<String> {
    let mut s = set(TINY);
    for (remove, add) in changes {
        assert!(s.remove(*remove), "{remove}");
        if let Some(a) = add {
            s.insert(a.to_string());
        }
    }
    s
}

#[test]
fn every_tools_lockfile_of_the_tiny_project() {
    let cases: &[(&str, BTreeSet<String>)] = &[
        ("npm/package-lock.json", tiny_with(&[])),
        ("npm-v2/package-lock.json", tiny_with(&[])),
        ("pnpm10/pnpm-lock.yaml", tiny_with(&[])),
        ("berry/yarn.lock", tiny_with(&[])),
        // pnpm 8 locks a file: directory without its version; bun a git dependency likewise.
        (
            "pnpm8/pnpm-lock.yaml",
            tiny_with(&[("tiny-lib@1.0.0", Some("tiny-lib"))]),
        ),
        (
            "bun/bun.lock",
            tiny_with(&[("tiny-lib@1.0.0", Some("tiny-lib"))]),
        ),
        // yarn 1 and npm 6 lockfiles record no os/cpu: fsevents stays.
        ("yarn1/yarn.lock", {
            let mut s = tiny_with(&[]);
            s.insert("fsevents@2.3.3".into());
            s
        }),
        // npm 6 knows no workspaces; its v1 lockfile has the git source, not the version.
        ("npm-v1/package-lock.json", {
            let mut s = tiny_with(&[
                ("@tiny/a@0.1.0", None),
                ("@tiny/b@0.1.0", None),
                ("tiny-lib@1.0.0", Some("tiny-lib")),
            ]);
            s.insert("fsevents@2.3.3".into());
            s
        }),
    ];
    for (rel, want) in cases {
        let v = inventory(&fixture(&format!("npm/{rel}")), LINUX);
        assert_eq!(
            v["errors"].as_array().unwrap().len(),
            0,
            "{rel}: {}",
            v["errors"]
        );
        assert_eq!(&ids(&v), want, "{rel}");
        let mut want_direct = set(TINY_DIRECT);
        if rel.starts_with("npm-v1") || rel.starts_with("yarn1") {
            want_direct.insert("fsevents".into());
        }
        if rel.starts_with("npm-v1") {
            want_direct.remove("@tiny/a");
            want_direct.remove("@tiny/b");
        }
        assert_eq!(direct(&v), want_direct, "{rel}");
        // The nested is-number@6 comes with the alias odd-alias -> is-odd (and @tiny/a).
        let nested = package(&v, "is-number@6.0.0");
        assert_eq!(nested["direct"], false, "{rel}");
        let intro = nested["introduced_by"].as_array().unwrap();
        assert!(
            intro.contains(&Value::from("pkg:npm/is-odd@3.0.1")),
            "{rel}: {intro:?}"
        );
        let chalk = package(&v, "chalk@4.1.2");
        assert_eq!(
            chalk["dependencies"],
            serde_json::json!(["pkg:npm/ansi-styles@4.3.0", "pkg:npm/supports-color@7.2.0"]),
            "{rel}"
        );
        assert_eq!(
            package(&v, "color-name@1.1.4")["introduced_by"],
            serde_json::json!(["pkg:npm/chalk@4.1.2"]),
            "{rel}"
        );
    }
}

#[test]
fn without_a_target_every_platform_is_listed() {
    let v = inventory(&fixture("npm/pnpm10/pnpm-lock.yaml"), &[]);
    assert!(ids(&v).contains("fsevents@2.3.3"));
    let v = inventory(&fixture("npm/berry/yarn.lock"), &[]);
    // yarn adds node-gyp to packages that build natively (fsevents).
    assert!(ids(&v).contains("fsevents@2.3.3"));
    assert_eq!(package(&v, "node-gyp@13.1.0")["direct"], false);
}

#[test]
fn hashes_and_origins_agree_across_tools() {
    let sha512 = "a0a9db845c91217a54b9ecfc881326c846b89db8f820e432ba173fc32f6463bfd654f73020ef5503aebc3eef1190eefed06efa48b44e7b2c3d0a9434eb58b898";
    for rel in [
        "npm/package-lock.json",
        "yarn1/yarn.lock",
        "pnpm10/pnpm-lock.yaml",
        "bun/bun.lock",
    ] {
        let v = inventory(&fixture(&format!("npm/{rel}")), &[]);
        let chalk = package(&v, "chalk@4.1.2");
        let hashes = chalk["hashes"].as_array().unwrap();
        assert!(
            hashes
                .iter()
                .any(|h| h["algorithm"] == "sha512" && h["value"] == sha512),
            "{rel}: {hashes:?}"
        );
    }
    let v = inventory(&fixture("npm/yarn1/yarn.lock"), &[]);
    let chalk = package(&v, "chalk@4.1.2");
    assert!(
        chalk["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["algorithm"] == "sha1"
                && h["value"] == "aac4e2b7734a740867aeb16bf02aad556a1e7a01")
    );
    assert_eq!(chalk["origin"]["url"], "https://registry.yarn.invalid/");
    let lib = package(&v, "tiny-lib@1.0.0");
    assert_eq!(lib["origin"]["type"], "vcs");
    assert_eq!(
        lib["origin"]["rev"],
        "cf5a78fb59de572d629f25fe4ed5f67894f57200"
    );
    // yarn berry's checksum digests its cache zip: kept under its own algorithm name.
    let v = inventory(&fixture("npm/berry/yarn.lock"), &[]);
    let h = &package(&v, "chalk@4.1.2")["hashes"][0];
    assert_eq!(h["algorithm"], "yarn-cache-10c0-sha512");
}

#[test]
fn npm_tarballs_hash_like_the_lockfiles() {
    let v = inventory(&fixture("npm/tarball"), &[]);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{}", v["errors"]);
    let lock = inventory(&fixture("npm/yarn1/yarn.lock"), &[]);
    for id in ["is-odd@3.0.1", "@isaacs/string-locale-compare@1.1.0"] {
        let t = package(&v, id);
        let l = package(&lock, id);
        // The tarball's sha1 and sha512 equal yarn's #sha1 and integrity.
        assert_eq!(t["hashes"], l["hashes"], "{id}");
        assert!(t["sources"][0]["kind"] == "npm-tarball");
    }
}

#[test]
fn package_json_declares_direct_dependencies() {
    let v = inventory(&fixture("npm/npm/package.json"), &[]);
    let pkgs = v["packages"].as_array().unwrap();
    assert!(pkgs.iter().all(|p| p["direct"] == true));
    let alias = package(&v, "is-odd@3.0.1");
    assert_eq!(alias["requirement"], "npm:is-odd@3.0.1");
    let git = pkgs.iter().find(|p| p["name"] == "tiny-lib").unwrap();
    assert_eq!(git["version"], Value::Null);
    assert_eq!(git["origin"]["type"], "vcs");
    assert_eq!(git["origin"]["rev"], "v1.0.0");
    let ms = package(&v, "ms@2.1.3");
    assert_eq!(ms["sources"][0]["line"], 18);
    let v = inventory(&fixture("npm/npm/packages/a/package.json"), &[]);
    let range = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "is-number")
        .unwrap();
    assert_eq!(range["version"], Value::Null);
    assert_eq!(range["requirement"], "^6.0.0");
}

#[test]
fn installed_trees_npm_and_pnpm_layouts() {
    for rel in [
        "node_modules-npm/node_modules",
        "node_modules-pnpm/node_modules",
    ] {
        let v = inventory(&fixture(&format!("npm/{rel}")), LINUX);
        assert_eq!(
            v["errors"].as_array().unwrap().len(),
            0,
            "{rel}: {}",
            v["errors"]
        );
        let chalk = package(&v, "chalk@4.1.2");
        assert_eq!(chalk["direct"], true, "{rel}");
        assert_eq!(chalk["license"], "MIT");
        assert_eq!(chalk["file_count"], 7, "{rel}");
        assert!(chalk["installed_size"].as_u64().unwrap() > 10_000, "{rel}");
        // The alias directory odd-alias holds is-odd.
        let odd = package(&v, "is-odd@3.0.1");
        assert_eq!(
            odd["dependencies"],
            serde_json::json!(["pkg:npm/is-number@6.0.0"]),
            "{rel}"
        );
        let ws = package(&v, "@tiny/b@0.1.0");
        assert_eq!(ws["origin"]["path"], "packages/b", "{rel}");
        assert_eq!(
            ws["dependencies"],
            serde_json::json!(["pkg:npm/ms@2.1.3"]),
            "{rel}"
        );
    }
    // pnpm: @tiny/a's is-number is the store's 6.0.0, reached through packages/a/node_modules.
    let v = inventory(&fixture("npm/node_modules-pnpm/node_modules"), &[]);
    assert_eq!(
        package(&v, "@tiny/a@0.1.0")["dependencies"],
        serde_json::json!(["pkg:npm/%40tiny/b@0.1.0", "pkg:npm/is-number@6.0.0"])
    );
    assert_eq!(ids(&v), tiny_with(&[]));
}

#[test]
fn bun_lockb_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let lockb = dir.path().join("bun.lockb");
    std::fs::write(
        &lockb,
        b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n\x00\x01",
    )
    .unwrap();
    let v = inventory(&lockb, &[]);
    let e = &v["errors"][0];
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("bun install --save-text-lockfile"),
        "{e}"
    );
}

#[test]
fn truncated_lockfiles_are_errors_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    for (rel, name, cut) in [
        (
            "yarn1/yarn.lock",
            "yarn.lock",
            "  resolved \"https://registry.yarn.invalid/chalk",
        ),
        (
            "berry/yarn.lock",
            "yarn.lock",
            "  resolution: \"chalk@npm:4.1.2",
        ),
        (
            "pnpm10/pnpm-lock.yaml",
            "pnpm-lock.yaml",
            "    resolution: {integrity: sha512-oKn",
        ),
        (
            "bun/bun.lock",
            "bun.lock",
            "    \"chalk\": [\"chalk@4.1.2\", \"\", { \"dep",
        ),
        (
            "npm/package.json",
            "package.json",
            "    \"is-number\": \"7.0",
        ),
    ] {
        let text = std::fs::read_to_string(fixture(&format!("npm/{rel}"))).unwrap();
        let at = text.find(cut).unwrap_or_else(|| panic!("{rel}: {cut}")) + cut.len();
        let sub = dir.path().join(rel.replace('/', "_"));
        std::fs::create_dir_all(&sub).unwrap();
        let file = sub.join(name);
        std::fs::write(&file, &text[..at]).unwrap();
        let v = inventory(&file, &[]);
        let errors = v["errors"].as_array().unwrap();
        assert!(!errors.is_empty(), "{rel}: no error");
        let line = text[..at].lines().count() as u64;
        assert_eq!(errors[0]["path"], file.to_str().unwrap(), "{rel}");
        assert!(
            errors[0]["line"]
                .as_u64()
                .is_some_and(|l| l + 1 >= line && l <= line + 1),
            "{rel}: line {line}, got {}",
            errors[0]
        );
    }
}

/// The committed real lockfiles of the shared corpus: beside the repository,
/// else next to `$TOLLGATE_CORPUS` (its `.cache`).
pub fn corpus_lockfile(rel: &str) -> Option<PathBuf> {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(rel);
    if beside.exists() {
        return Some(beside);
    }
    let via_env =
        std::env::var_os("TOLLGATE_CORPUS").map(|c| PathBuf::from(c).join("..").join(rel));
    match via_env.filter(|p| p.exists()) {
        Some(p) => Some(p),
        None => shared_corpus(rel),
    }
}

#[test]
fn corpus_direct_and_introduced_by() {
    let paths = [
        "lockfiles/npm/package-lock.json",
        "lockfiles/npm/yarn-v1/yarn.lock",
        "lockfiles/npm/yarn-berry/yarn.lock",
        "lockfiles/npm/pnpm/pnpm-lock.yaml",
    ];
    for rel in paths {
        let Some(path) = corpus_lockfile(rel) else {
            return;
        };
        let v = inventory(&path, LINUX);
        assert_eq!(direct(&v).len(), 31, "{rel}");
        assert!(direct(&v).contains("@anthropic-ai/sdk"), "{rel}");
        // @ai-sdk/provider comes with both provider SDKs and with ai (through @ai-sdk/gateway).
        let p = package(&v, "@ai-sdk/provider@3.0.19");
        assert_eq!(p["direct"], false, "{rel}");
        assert_eq!(
            p["introduced_by"],
            serde_json::json!([
                "pkg:npm/%40ai-sdk/anthropic@3.0.138",
                "pkg:npm/%40ai-sdk/openai@3.0.141",
                "pkg:npm/ai@6.0.326"
            ]),
            "{rel}"
        );
        // sharp's Linux x64 binary: brought by sharp and by next (its optional sharp).
        let bin = package(&v, "@img/sharp-linux-x64@0.35.5");
        assert_eq!(
            bin["introduced_by"],
            serde_json::json!(["pkg:npm/next@16.4.5", "pkg:npm/sharp@0.35.5"]),
            "{rel}"
        );
        assert_eq!(package(&v, "zod@4.6.7")["direct"], true, "{rel}");
        // vite takes esbuild as a peer: npm, pnpm and yarn berry record that edge;
        // a yarn 1 lockfile has no peer dependencies.
        let esbuild_bin = package(&v, "@esbuild/linux-x64@0.28.2");
        let want = if rel.contains("yarn-v1") {
            serde_json::json!(["pkg:npm/esbuild@0.28.2"])
        } else {
            serde_json::json!(["pkg:npm/esbuild@0.28.2", "pkg:npm/vite@8.3.8"])
        };
        assert_eq!(esbuild_bin["introduced_by"], want, "{rel}");
    }
}
