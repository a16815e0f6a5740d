//! tollgate's OSV matching checked against an independent reference:
//! expectations generated offline by `tests/fixtures/osv/gen/` from
//! `packaging` (PEP 440), node-semver and python-semver with osv.dev's
//! coercion (SemVer), Red Hat's `cvss` (CVSS scores) and a Python
//! implementation of the OSV schema's evaluation algorithm.

use serde_json::Value;
use std::borrow::Cow;
use std::path::Path;
use tollgate::osv::compile::Compiler;
use tollgate::osv::db::{Database, Location};
use tollgate::osv::record::{self, Eco, ScoreKind};
use tollgate::osv::severity;
use tollgate::osv::version::{Key, Order, canonical};
use tollgate::osv::{Match, find};

fn expected(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/osv/expected")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Known, documented differences (docs/advisories.md): release numbers
/// beyond 64 bits, which Python's integers hold and `pep440_rs` refuses
/// (such a version is then unparseable: it sorts after every other).
const KNOWN_DIFFERENCES: &[&str] = &["12345678901234567890123"];

/// Every string of `classes` parses; classes ascend strictly and their
/// members are equal; every `invalid` string is refused.
fn check_order(order: Order, fixture: &Value, check_invalid: bool) -> usize {
    let classes: Vec<Vec<String>> = fixture["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            strings(c)
                .into_iter()
                .filter(|s| !KNOWN_DIFFERENCES.contains(&s.as_str()))
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty())
        .collect();
    let mut bad = Vec::new();
    let keys: Vec<Vec<Key>> = classes
        .iter()
        .map(|c| c.iter().map(|s| Key::parse_plain(order, s)).collect())
        .collect();
    for (class, ks) in classes.iter().zip(&keys) {
        for (s, k) in class.iter().zip(ks) {
            if !k.is_valid() {
                bad.push(format!("{s:?} should parse"));
            } else if *k != ks[0] {
                bad.push(format!("{s:?} should equal {:?}", class[0]));
            }
        }
    }
    for (w, cw) in keys.windows(2).zip(classes.windows(2)) {
        if w[0][0] >= w[1][0] {
            bad.push(format!("{:?} should sort before {:?}", cw[0][0], cw[1][0]));
        }
    }
    // Canonical forms: one per class, different across classes (the
    // versions index relies on it).
    let mut seen = std::collections::HashMap::new();
    for class in &classes {
        let forms: std::collections::BTreeSet<_> =
            class.iter().map(|s| canonical(order, s)).collect();
        if forms.len() != 1 {
            bad.push(format!(
                "{class:?} have different canonical forms {forms:?}"
            ));
        }
        if let Some(Some(f)) = forms.into_iter().next()
            && let Some(other) = seen.insert(f.clone(), class[0].clone())
        {
            bad.push(format!(
                "{other:?} and {:?} share the canonical form {f:?}",
                class[0]
            ));
        }
    }
    if check_invalid {
        for s in strings(&fixture["invalid"]) {
            if Key::parse_plain(order, &s).is_valid() {
                bad.push(format!("{s:?} should be refused"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
    classes.iter().map(Vec::len).sum()
}

#[test]
fn known_differences_are_still_differences() {
    for s in KNOWN_DIFFERENCES {
        assert!(
            !Key::parse_plain(Order::Pep440, s).is_valid(),
            "{s}: update the docs"
        );
    }
}

#[test]
fn pep440_order_agrees_with_packaging() {
    let n = check_order(Order::Pep440, &expected("pep440_order.json"), true);
    assert!(
        n > 3000,
        "the fixture covers the bundled PyPI data ({n} versions)"
    );
}

#[test]
fn semver_order_agrees_with_node_semver() {
    let n = check_order(Order::Semver, &expected("semver_node_order.json"), false);
    assert!(n > 150, "{n}");
}

#[test]
fn semver_coercion_agrees_with_osv_dev() {
    check_order(Order::Semver, &expected("semver_coerced_order.json"), true);
}

#[test]
fn cvss_base_scores_agree_with_reference() {
    let mut bad = Vec::new();
    let cases = expected("cvss.json");
    for c in cases.as_array().unwrap() {
        let kind = match c["type"].as_str().unwrap() {
            "CVSS_V2" => ScoreKind::CvssV2,
            "CVSS_V3" => ScoreKind::CvssV3,
            "CVSS_V4" => ScoreKind::CvssV4,
            other => panic!("{other}"),
        };
        let vector = c["vector"].as_str().unwrap();
        let got = severity::base_score(kind, vector);
        if got != c["score"].as_f64() {
            bad.push(format!("{vector}: {got:?}, reference {}", c["score"]));
        }
    }
    assert!(cases.as_array().unwrap().len() > 900);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

fn edge_db() -> Database {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv/edge");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut c = Compiler::default();
    c.source("edge", "tests/fixtures/osv/edge");
    for f in files {
        c.add(record::parse(&std::fs::read(f).unwrap()).unwrap());
    }
    let bytes = c.finish("import", None).unwrap();
    Database::from_bytes(Cow::Owned(bytes), Location::Embedded).unwrap()
}

fn eco(s: &str) -> Eco {
    Eco::from_osv(s).unwrap()
}

fn group_json(m: &Match) -> Value {
    serde_json::json!({
        "id": m.id,
        "aliases": m.aliases,
        "records": m.records,
        "severity": m.severity.as_str(),
        "malicious": m.malicious,
        "fix": m.fix,
        "fixed": m.fixed,
        "last_affected": m.last_affected,
    })
}

#[test]
fn edge_cases_agree_with_reference() {
    let db = edge_db();
    let cases = expected("edge_matches.json");
    let mut bad = Vec::new();
    for c in cases.as_array().unwrap() {
        let (e, name, v) = (
            c["ecosystem"].as_str().unwrap(),
            c["name"].as_str().unwrap(),
            c["version"].as_str().unwrap(),
        );
        let mut got: Vec<Value> = find(&db, eco(e), name, v)
            .unwrap()
            .iter()
            .map(group_json)
            .collect();
        got.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        let want = c["groups"].clone();
        if Value::Array(got.clone()) != want {
            bad.push(format!(
                "{e} {name} {v}:\n  got  {}\n  want {want}",
                Value::Array(got)
            ));
        }
    }
    assert!(cases.as_array().unwrap().len() > 100);
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// The bundled snapshot, queried around every bound of every package.
#[test]
fn snapshot_matches_agree_with_reference() {
    let db = Database::embedded().unwrap();
    let rows = expected("snapshot_matches.json");
    let table = strings(&rows[" groups"]);
    let mut bad = Vec::new();
    let mut n = 0;
    for (key, versions) in rows.as_object().unwrap() {
        let Some((e, name)) = key.split_once('|') else {
            continue;
        };
        for (v, want) in versions.as_object().unwrap() {
            n += 1;
            let mut want: Vec<&str> = want
                .as_array()
                .unwrap()
                .iter()
                .map(|i| table[i.as_u64().unwrap() as usize].as_str())
                .collect();
            want.sort();
            let mut got: Vec<String> = find(&db, eco(e), name, v)
                .unwrap()
                .iter()
                .map(|m| {
                    format!(
                        "{}|{}|{}|{}",
                        m.records.join(","),
                        m.severity.as_str(),
                        m.fix.as_deref().unwrap_or("-"),
                        if m.malicious { "M" } else { "-" }
                    )
                })
                .collect();
            got.sort();
            if got != want {
                bad.push(format!("{e} {name} {v}: got {got:?}, want {want:?}"));
            }
        }
    }
    assert!(n > 10_000, "{n} queries");
    let shown: Vec<_> = bad.iter().take(40).collect();
    assert!(bad.is_empty(), "{} of {n} disagree:\n{shown:#?}", bad.len());
}
