//! Known vulnerabilities and malicious releases through the binary: `query`,
//! `db import|status`, and the `advisories` analysis of `scan` (TG101, TG102).

mod common;
use common::*;
use serde_json::Value;
use std::io::Write;
use std::path::Path;

fn query_json(home: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let out = tollgate(home)
        .arg("query")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), v)
}

fn ids(result: &Value) -> Vec<String> {
    result["advisories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn query_reports_each_purl_with_the_documented_fields() {
    let home = tempfile::tempdir().unwrap();
    let (code, v) = query_json(
        home.path(),
        &[
            "pkg:npm/lodash@4.17.20",
            "pkg:npm/lodash@4.17.21",
            "pkg:pypi/Django@3.2.1",
        ],
    );
    assert_eq!(code, Some(1), "lodash 4.17.20 has a high advisory");
    let r = v["results"].as_array().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["affected"], true);
    assert_eq!(
        ids(&r[0]),
        vec!["GHSA-35jh-r3h4-6jhm", "GHSA-29mw-wpgm-hmr9"],
        "worst first"
    );
    let a = &r[0]["advisories"][0];
    assert_eq!(a["aliases"], serde_json::json!(["CVE-2021-23337"]));
    assert_eq!(a["summary"], "Command Injection in lodash");
    assert_eq!(a["severity"], "high");
    assert_eq!(a["score"], 7.2);
    assert_eq!(a["malicious"], false);
    assert_eq!(a["fixed"], serde_json::json!(["4.17.21"]));
    assert_eq!(a["fix"], "4.17.21");
    assert_eq!(r[1]["affected"], false);
    assert!(r[1]["advisories"].as_array().unwrap().is_empty());
    // PEP 503: `Django` finds the `django` records; PYSEC and GHSA merged.
    let django = &r[2]["advisories"];
    let sqli = django
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "PYSEC-2022-190")
        .unwrap();
    assert_eq!(
        sqli["aliases"],
        serde_json::json!(["GHSA-2gwj-7jmv-h26r", "CVE-2022-28346"])
    );
    assert_eq!(sqli["fix"], "3.2.13", "the smallest fix above 3.2.1");
    assert_eq!(
        sqli["fixed"],
        serde_json::json!(["2.2.28", "3.2.13", "4.0.4"])
    );
    assert_eq!(v["database"]["origin"], "embedded");
}

#[test]
fn query_malicious_release_is_critical() {
    let home = tempfile::tempdir().unwrap();
    let (code, v) = query_json(
        home.path(),
        &["pkg:pypi/litellm@1.82.7", "pkg:pypi/litellm@1.82.6"],
    );
    assert_eq!(code, Some(1));
    let bad = &v["results"][0]["advisories"][0];
    assert_eq!(bad["id"], "MAL-2026-2144");
    assert_eq!(bad["malicious"], true);
    assert_eq!(bad["severity"], "critical");
    assert_eq!(v["results"][1]["affected"], false);
    let (code, _) = query_json(home.path(), &["pkg:pypi/litellm@1.82.6"]);
    assert_eq!(code, Some(0));
}

#[test]
fn fail_on_sets_the_exit_code() {
    let home = tempfile::tempdir().unwrap();
    // Every Django 3.2.1 advisory in the snapshot is medium at most.
    let run = |fail_on: &str| {
        tollgate(home.path())
            .args(["query", "pkg:pypi/django@3.2.1", "--fail-on", fail_on])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run("medium"), Some(1));
    assert_eq!(run("high"), Some(0));
    assert_eq!(run("never"), Some(0));
}

#[test]
fn bad_purls_exit_2_and_are_named() {
    let home = tempfile::tempdir().unwrap();
    let out = tollgate(home.path())
        .args([
            "query",
            "pkg:npm/lodash@4.17.20",
            "npm/lodash@1.0.0",
            "pkg:pypi/django",
            "pkg:gem/rails@7.0.0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`npm/lodash@1.0.0`"), "{err}");
    assert!(
        err.contains("`pkg:pypi/django`") && err.contains("no version"),
        "{err}"
    );
    assert!(err.contains("`pkg:gem/rails@7.0.0`"), "{err}");
    assert!(!err.contains("`pkg:npm/lodash@4.17.20`"), "{err}");
    assert!(out.stdout.is_empty(), "no report on a usage error");
}

#[test]
fn purls_file_with_comments_and_line_numbers() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("purls.txt");
    std::fs::write(
        &list,
        "# pinned in production\npkg:npm/lodash@4.17.20\n\npkg:npm/debug@4.4.2  # chalk/debug compromise\n",
    )
    .unwrap();
    let (code, v) = query_json(home.path(), &["--purls", list.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    let r = v["results"].as_array().unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(ids(&r[1]), vec!["MAL-2025-46974"]);
    std::fs::write(&list, "pkg:npm/lodash@4.17.20\nnot-a-purl\n").unwrap();
    let out = tollgate(home.path())
        .args(["query", "--purls", list.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("purls.txt:2: `not-a-purl`"), "{err}");
}

fn edge_dir() -> std::path::PathBuf {
    fixture("osv/edge")
}

fn status(home: &Path) -> Value {
    let out = tollgate(home)
        .args(["db", "status", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn import_replaces_the_embedded_database_and_status_describes_it() {
    let home = tempfile::tempdir().unwrap();
    assert_eq!(status(home.path())["origin"], "embedded");
    tollgate(home.path())
        .args(["db", "import"])
        .arg(edge_dir())
        .assert()
        .code(0);
    let s = status(home.path());
    assert_eq!(s["origin"], "import");
    assert_eq!(s["advisories"], 22, "23 records, one withdrawn");
    assert_eq!(s["withdrawn"], 1);
    assert_eq!(s["by_ecosystem"]["PyPI"]["advisories"], 16);
    assert_eq!(s["by_ecosystem"]["npm"]["advisories"], 5);
    assert_eq!(s["by_ecosystem"]["npm"]["malicious"], 2);
    assert_eq!(s["newest_modified"], "2025-02-02T00:00:00Z");
    assert_eq!(s["stale"], true);
    assert!(s["age_days"].as_i64().unwrap() > 7);
    // The imported database answers; the embedded one no longer does.
    let (_, v) = query_json(
        home.path(),
        &["pkg:npm/edge-npm@9.9.9", "pkg:npm/lodash@4.17.20"],
    );
    let mal = &v["results"][0]["advisories"][0];
    assert_eq!(mal["id"], "MAL-TEST-2");
    assert_eq!(mal["aliases"], serde_json::json!(["GHSA-test-0005"]));
    assert_eq!(mal["malicious"], true);
    assert_eq!(v["results"][1]["affected"], false);
}

/// A zip in osv.dev's layout, built in the test.
fn write_zip(path: &Path, members: &[(&str, &str)]) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    for (name, body) in members {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.finish().unwrap();
}

const GOOD: &str = r#"{"id": "GHSA-good-0001", "modified": "2025-01-01T00:00:00Z",
 "affected": [{"package": {"ecosystem": "npm", "name": "good-pkg"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]}]}"#;

#[test]
fn malformed_records_are_reported_and_skipped() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("all.zip");
    write_zip(
        &zip,
        &[
            ("GHSA-good-0001.json", GOOD),
            (
                "BAD-1.json",
                "{\n  \"id\": \"BAD-1\",\n  \"affected\": \"nope\"\n}",
            ),
            ("BAD-2.json", "{\n  \"id\": \"BAD-2\",\n  \"affected\": [\n"),
        ],
    );
    let out = tollgate(home.path())
        .args(["db", "import", "--format", "json"])
        .arg(&zip)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["advisories"], 1);
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 2);
    let bad1 = skipped
        .iter()
        .find(|s| s["path"].as_str().unwrap().ends_with("all.zip!/BAD-1.json"))
        .unwrap();
    assert_eq!(bad1["line"], 3);
    assert!(bad1["message"].as_str().unwrap().starts_with("BAD-1: "));
    let bad2 = skipped
        .iter()
        .find(|s| s["path"].as_str().unwrap().ends_with("all.zip!/BAD-2.json"))
        .unwrap();
    assert!(bad2["message"].as_str().unwrap().contains("EOF"), "{bad2}");
    let (_, q) = query_json(home.path(), &["pkg:npm/good-pkg@0.9.0"]);
    assert_eq!(ids(&q["results"][0]), vec!["GHSA-good-0001"]);
}

#[test]
fn a_corrupt_zip_aborts_the_import_and_keeps_the_old_database() {
    let home = tempfile::tempdir().unwrap();
    tollgate(home.path())
        .args(["db", "import"])
        .arg(edge_dir())
        .assert()
        .code(0);
    let before = std::fs::read(home.path().join("osv/osv.tgdb")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.zip");
    write_zip(&good, &[("GHSA-good-0001.json", GOOD)]);
    let mut bytes = std::fs::read(&good).unwrap();
    let corrupt = dir.path().join("corrupt.zip");
    bytes.truncate(bytes.len() - 30);
    std::fs::write(&corrupt, &bytes).unwrap();
    let out = tollgate(home.path())
        .args(["db", "import"])
        .arg(&good)
        .arg(&corrupt)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("corrupt.zip") && err.contains("not changed"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(home.path().join("osv/osv.tgdb")).unwrap(),
        before
    );
    assert_eq!(status(home.path())["origin"], "import");
    // Nothing usable at all is refused too.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    tollgate(home.path())
        .args(["db", "import"])
        .arg(&empty)
        .assert()
        .code(2);
    assert_eq!(
        std::fs::read(home.path().join("osv/osv.tgdb")).unwrap(),
        before
    );
}

#[test]
fn the_bundled_zips_import_like_the_embedded_snapshot() {
    let home = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/osv");
    tollgate(home.path())
        .args(["db", "import"])
        .args(["PyPI.zip", "npm.zip", "MAL.zip"].map(|z| data.join(z)))
        .assert()
        .code(0);
    let imported = status(home.path());
    let embedded = status(tempfile::tempdir().unwrap().path());
    for k in ["advisories", "by_ecosystem", "withdrawn", "newest_modified"] {
        assert_eq!(imported[k], embedded[k], "{k}");
    }
    assert_eq!(imported["advisories"], 2761);
}

fn scan(home: &Path, rel: &str) -> Value {
    json_report(home, &["scan", fixture(rel).to_str().unwrap()])
}

fn findings<'a>(v: &'a Value, rule: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

#[test]
fn tg101_known_vulnerability_in_a_lockfile() {
    let home = tempfile::tempdir().unwrap();
    let v = scan(home.path(), "advisories/npm");
    let f = findings(&v, "TG101");
    assert_eq!(f.len(), 2, "{f:#?}");
    let high = f.iter().find(|f| f["severity"] == "high").unwrap();
    assert_eq!(high["package"]["name"], "lodash");
    assert!(
        high["message"]
            .as_str()
            .unwrap()
            .contains("GHSA-35jh-r3h4-6jhm (CVE-2021-23337)")
    );
    assert!(
        high["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("advisories/npm/package-lock.json")
    );
    assert_eq!(high["location"]["line"], 22);
    assert_eq!(high["remediation"], "upgrade lodash to 4.17.21 or later");
    assert!(
        high["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().starts_with("cvss: 7.2 CVSS:3.1/"))
    );
}

#[test]
fn tg101_benign_look_alikes_are_not_flagged() {
    // lodash 4.17.21 (fixed), debug 4.4.1 and chalk 5.6.0 (the releases
    // before the compromised ones), and npm packages named like vulnerable
    // or malicious PyPI projects (django, litellm).
    let home = tempfile::tempdir().unwrap();
    let v = scan(home.path(), "advisories/npm-benign");
    assert_eq!(v["summary"]["packages"], 5);
    assert!(
        v["findings"].as_array().unwrap().is_empty(),
        "{:#}",
        v["findings"]
    );
    let v = scan(home.path(), "advisories/py-benign");
    assert!(v["findings"].as_array().unwrap().is_empty());
}

#[test]
fn tg101_pypi_environment() {
    let home = tempfile::tempdir().unwrap();
    let v = scan(home.path(), "advisories/py-vulnerable");
    let f = findings(&v, "TG101");
    assert!(f.len() >= 20, "{}", f.len());
    assert!(f.iter().all(|f| f["package"]["name"] == "Django"));
    assert!(
        f.iter()
            .any(|f| f["remediation"] == "upgrade Django to 3.2.13 or later")
    );
}

#[test]
fn tg102_known_malicious_release() {
    let home = tempfile::tempdir().unwrap();
    let v = scan(home.path(), "advisories/npm");
    let f = findings(&v, "TG102");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["severity"], "critical");
    assert_eq!(f[0]["package"]["name"], "debug");
    assert_eq!(f[0]["location"]["line"], 15);
    assert!(f[0]["message"].as_str().unwrap().contains("MAL-2025-46974"));
    let v = scan(home.path(), "advisories/py-malicious");
    let f = findings(&v, "TG102");
    assert_eq!(f.len(), 1);
    assert!(
        f[0]["message"].as_str().unwrap().starts_with(
            "litellm 1.82.7 is a known-malicious release: MAL-2026-2144 (PYSEC-2026-2)"
        )
    );
    assert!(f[0]["remediation"].as_str().unwrap().contains("rotate"));
}

#[test]
fn reports_say_how_old_the_data_is() {
    let home = tempfile::tempdir().unwrap();
    let v = scan(home.path(), "advisories/npm");
    let db = &v["tool"]["data"]["advisory_db"];
    assert_eq!(db["origin"], "embedded");
    assert!(db["age_days"].as_i64().is_some());
    let notices: Vec<&str> = v["tool"]["notices"]
        .as_array()
        .map(|n| n.iter().map(|s| s.as_str().unwrap()).collect())
        .unwrap_or_default();
    let warned = notices.iter().any(|n| n.contains("advisory data is"));
    assert_eq!(warned, db["stale"] == true, "{notices:?}");
}

#[test]
fn a_damaged_home_database_falls_back_to_the_embedded_one() {
    let home = tempfile::tempdir().unwrap();
    tollgate(home.path())
        .args(["db", "import"])
        .arg(edge_dir())
        .assert()
        .code(0);
    std::fs::write(home.path().join("osv/osv.tgdb"), b"TGOSVDB\0garbage").unwrap();
    let v = scan(home.path(), "advisories/npm");
    assert_eq!(v["tool"]["data"]["advisory_db"]["origin"], "embedded");
    assert!(
        v["tool"]["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("is unreadable"))
    );
    assert_eq!(findings(&v, "TG102").len(), 1);
}
