//! Parity with the real tools on the shared corpus: the installed tree
//! against `npm ls --all`, and each lockfile against what its tool installs
//! on Linux x64 glibc (tests/fixtures/parity/README.md says where they differ).

mod common;
use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const LINUX: &[&str] = &[
    "--python-version",
    "3.11.7",
    "--platform",
    "linux",
    "--arch",
    "x86_64",
];

fn inventory_ids(path: &Path, extra: &[&str]) -> BTreeSet<String> {
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["inventory", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let v = json_report(home.path(), &args);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{}", v["errors"]);
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == "npm")
        .map(|p| {
            format!(
                "{}@{}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect()
}

fn oracle(name: &str) -> BTreeSet<String> {
    std::fs::read_to_string(fixture(&format!("parity/{name}")))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn corpus_lockfile(rel: &str) -> Option<PathBuf> {
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

/// `npm ls --all --json` run now in the corpus install: unique name@version,
/// aliases under their real name (from `resolved`).
fn live_npm_ls(project: &Path) -> Option<BTreeSet<String>> {
    let out = Command::new("npm")
        .args(["ls", "--all", "--json"])
        .current_dir(project)
        .output()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let mut set = BTreeSet::new();
    fn walk(deps: &serde_json::Value, set: &mut BTreeSet<String>) {
        let Some(o) = deps.as_object() else { return };
        for (key, node) in o {
            if let Some(ver) = node["version"].as_str() {
                let resolved = node["resolved"].as_str().unwrap_or("");
                let name = match resolved.split_once("/-/") {
                    Some((before, _)) => {
                        let path = before.split_once("://").map_or(before, |x| x.1);
                        path.split_once('/')
                            .map_or(key.as_str(), |x| x.1)
                            .replace("%2f", "/")
                    }
                    None => key.clone(),
                };
                set.insert(format!("{name}@{ver}"));
            }
            walk(&node["dependencies"], set);
        }
    }
    walk(&v["dependencies"], &mut set);
    Some(set)
}

#[test]
fn installed_tree_equals_npm_ls() {
    let Some(nm) = corpus_cache("npm/node_modules") else {
        return;
    };
    let ours = inventory_ids(&nm, &[]);
    assert_eq!(ours, oracle("npm-ls.txt"));
    // A target does not drop anything installed.
    assert_eq!(inventory_ids(&nm, LINUX), ours);
    match nm.parent().and_then(live_npm_ls) {
        Some(live) => assert_eq!(ours, live, "npm ls run now disagrees"),
        None => {
            eprintln!("\n!!! SKIPPING the live `npm ls` comparison: npm is not available !!!\n")
        }
    }
}

#[test]
fn package_lock_and_pnpm_lock_equal_what_npm_installed() {
    for rel in [
        "lockfiles/npm/package-lock.json",
        "lockfiles/npm/pnpm/pnpm-lock.yaml",
    ] {
        let Some(path) = corpus_lockfile(rel) else {
            return;
        };
        assert_eq!(inventory_ids(&path, LINUX), oracle("npm-ls.txt"), "{rel}");
    }
}

#[test]
fn yarn_lockfiles_differ_only_where_yarn_does() {
    let Some(berry) = corpus_lockfile("lockfiles/npm/yarn-berry/yarn.lock") else {
        return;
    };
    let yarn_extra = oracle("yarn-resolution.txt");
    let mut want: BTreeSet<String> = oracle("npm-ls.txt");
    want.extend(yarn_extra.iter().cloned());
    assert_eq!(inventory_ids(&berry, LINUX), want, "yarn berry");
    let Some(v1) = corpus_lockfile("lockfiles/npm/yarn-v1/yarn.lock") else {
        return;
    };
    // yarn 1 records no os/cpu: every platform's optional packages are listed.
    want.extend(oracle("npm-skipped-platform.txt"));
    assert_eq!(inventory_ids(&v1, LINUX), want, "yarn v1");
}

#[test]
fn without_a_target_lockfiles_list_every_platform() {
    let Some(path) = corpus_lockfile("lockfiles/npm/package-lock.json") else {
        return;
    };
    let mut want = oracle("npm-ls.txt");
    want.extend(oracle("npm-skipped-platform.txt"));
    assert_eq!(inventory_ids(&path, &[]), want);
}
