//! The README's first command: `scan examples/demo` finds every planted problem.

mod common;
use common::*;
use std::path::Path;

fn demo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo")
}

#[test]
fn the_demo_finds_every_planted_problem_and_fails() {
    let home = tempfile::tempdir().unwrap();
    let out = tollgate(home.path())
        .arg("scan")
        .arg(demo())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "high findings fail the run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["rule_id"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["package"]["name"].as_str().unwrap_or("-")
            )
        })
        .collect();
    got.sort();
    got.dedup();
    for want in [
        "TG102 critical litellm",
        "TG102 critical chalk",
        "TG200 critical litellm",
        "TG301 critical -",
        "TG101 high lodash",
        "TG101 medium requests",
        "TG404 high -",
    ] {
        assert!(
            got.iter().any(|g| g == want),
            "missing `{want}` in {got:#?}"
        );
    }
    assert_eq!(
        v["errors"].as_array().unwrap().len(),
        0,
        "{:#}",
        v["errors"]
    );
}
