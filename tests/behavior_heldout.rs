//! Held-out behaviour re-creations (tests/fixtures/behavior_heldout): attack
//! variants written after the rules, each scanned the way it would arrive
//! (wheel, sdist, npm tarball, directory, site-packages) and checked against
//! the expected rule and severity in that directory's README.md table, and
//! benign look-alikes that must stay below `high`.

mod common;

use common::findings::{has_rule, rank};
use common::pack::{all_files, tarball, wheel};
use common::{fixture, json_report};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One row of the README tables.
#[derive(Debug)]
struct Case {
    name: String,
    pack: String,
    /// Rules any one of which must report at `min` or above (empty: benign).
    rules: Vec<String>,
    /// Malicious: the least severity expected. Benign: the worst accepted.
    min: u8,
}

/// Reads both tables: `## Malicious` rows are `case | pack | rules | min | …`,
/// `## Benign look-alikes` rows are `case | pack | worst accepted | …`.
fn manifest(dir: &Path) -> (Vec<Case>, Vec<Case>) {
    let text = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let (mut bad, mut good) = (Vec::new(), Vec::new());
    let mut benign_section = false;
    for line in text.lines() {
        if line.starts_with("## ") {
            benign_section = line.contains("Benign");
            continue;
        }
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if cells.len() < 4 || cells[0] == "case" || cells[0].starts_with("---") {
            continue;
        }
        let name = cells[0].to_string();
        let pack = cells[1].to_string();
        if benign_section {
            good.push(Case {
                name,
                pack,
                rules: vec![],
                min: rank(cells[2]),
            });
        } else {
            let rules = cells[2].split(',').map(|r| r.trim().to_string()).collect();
            bad.push(Case {
                name,
                pack,
                rules,
                min: rank(cells[3]),
            });
        }
    }
    (bad, good)
}

/// The single subdirectory of `dir` whose name ends with `suffix`.
fn child_ending(dir: &Path, suffix: &str) -> Option<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(suffix))
}

/// What to scan for `case`: the directory packed the way its row says.
fn input(case: &Case, src: &Path, tmp: &Path) -> PathBuf {
    match case.pack.as_str() {
        "wheel" => {
            let info = child_ending(src, ".dist-info").expect("a wheel fixture has a .dist-info");
            let stem = info.trim_end_matches(".dist-info");
            wheel(src, &tmp.join(format!("{stem}-py3-none-any.whl")))
        }
        "sdist" => {
            let top = child_ending(src, "").expect("an sdist fixture has name-version/");
            tarball(src, "", &tmp.join(format!("{top}.tar.gz")))
        }
        "tgz" => {
            let stem = case.name.replace('_', "-");
            tarball(src, "package/", &tmp.join(format!("{stem}-1.0.0.tgz")))
        }
        "env" => src.join("site-packages"),
        "dir" => src.to_path_buf(),
        other => panic!("{}: unknown pack {other:?}", case.name),
    }
}

fn scan(case: &Case) -> Value {
    let home = tempfile::tempdir().unwrap();
    let src = fixture("behavior_heldout").join(&case.name);
    assert!(src.is_dir(), "{} is listed but missing", src.display());
    let path = input(case, &src, home.path());
    let path = path.display().to_string();
    json_report(home.path(), &["scan", "--only", "behavior", &path])
}

fn summary(report: &Value) -> String {
    let fs = report["findings"].as_array().cloned().unwrap_or_default();
    let lines: Vec<String> = fs
        .iter()
        .map(|f| format!("{} {}", f["rule_id"], f["severity"]))
        .collect();
    format!("[{}]", lines.join(", "))
}

fn findings(report: &Value) -> Vec<Value> {
    report["findings"].as_array().cloned().unwrap_or_default()
}

#[test]
fn heldout_techniques_are_detected() {
    let (bad, _) = manifest(&fixture("behavior_heldout"));
    assert!(bad.len() >= 50, "only {} malicious rows read", bad.len());
    let mut missed = Vec::new();
    for case in &bad {
        assert!(case.min >= 4, "{}: expectation below high", case.name);
        let r = scan(case);
        let hit = case.rules.iter().any(|rule| has_rule(&r, rule, case.min));
        if !hit {
            missed.push(format!(
                "{}: want {:?} >= {}, got {}",
                case.name,
                case.rules,
                case.min,
                summary(&r)
            ));
        }
    }
    eprintln!(
        "held-out recall: {}/{}",
        bad.len() - missed.len(),
        bad.len()
    );
    assert!(missed.is_empty(), "missed:\n{}", missed.join("\n"));
}

#[test]
fn heldout_benign_lookalikes_stay_below_high() {
    let (_, good) = manifest(&fixture("behavior_heldout"));
    assert!(good.len() >= 10, "only {} benign rows read", good.len());
    let mut loud = Vec::new();
    for case in &good {
        assert!(case.min <= 3, "{}: accepts high or above", case.name);
        let r = scan(case);
        let worst = findings(&r)
            .iter()
            .map(|f| rank(f["severity"].as_str().unwrap_or("")))
            .max()
            .unwrap_or(0);
        if worst > case.min {
            loud.push(format!("{}: {}", case.name, summary(&r)));
        }
    }
    assert!(loud.is_empty(), "too loud:\n{}", loud.join("\n"));
}

/// Every case directory is in the manifest, and every network target the
/// fixtures name is a reserved host (`.invalid`) or a documentation address.
#[test]
fn heldout_fixtures_are_listed_and_inert() {
    let dir = fixture("behavior_heldout");
    let (bad, good) = manifest(&dir);
    let listed: Vec<&str> = bad.iter().chain(&good).map(|c| c.name.as_str()).collect();
    for base in [dir.clone(), dir.join("benign")] {
        for e in std::fs::read_dir(&base).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if !e.path().is_dir() || name == "benign" {
                continue;
            }
            let rel = if base == dir {
                name
            } else {
                format!("benign/{name}")
            };
            assert!(listed.contains(&rel.as_str()), "{rel} is not in README.md");
        }
    }
    let mut files = Vec::new();
    all_files(&dir, &dir, &mut files);
    for (rel, path) in files {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        for host in url_hosts(&text) {
            assert!(inert_host(&host), "{rel}: network target {host:?}");
        }
    }
}

/// Hosts of `http://` and `https://` URLs in `text`.
fn url_hosts(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for scheme in ["http://", "https://"] {
        for (i, _) in text.match_indices(scheme) {
            let rest = &text[i + scheme.len()..];
            let host: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .collect();
            out.push(host);
        }
    }
    out
}

/// `.invalid`, a TEST-NET address (RFC 5737), loopback, or a template hole
/// (`http://${host}`, `http://' + ip`) that names no host at all.
fn inert_host(host: &str) -> bool {
    host.is_empty()
        || host.ends_with(".invalid")
        || host == "localhost"
        || ["192.0.2.", "198.51.100.", "203.0.113.", "127."]
            .iter()
            .any(|p| host.starts_with(p))
}
