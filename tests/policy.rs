//! The policy gate through the binary: policy files, fail-on precedence, rule
//! selection, ignores and their expiry, licences, registries, audit log.

mod common;
use common::*;
use std::path::Path;

/// A project directory with the scan fixture lockfile and an optional policy.
fn project(policy: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("policy/scan/package-lock.json"),
        dir.path().join("package-lock.json"),
    )
    .unwrap();
    if let Some(p) = policy {
        std::fs::write(dir.path().join("tollgate.toml"), p).unwrap();
    }
    dir
}

fn scan(home: &Path, dir: &Path, extra: &[&str], now: &str) -> (i32, serde_json::Value, String) {
    let out = tollgate(home)
        .env("TOLLGATE_NOW", now)
        .arg("scan")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), v, stderr)
}

fn rules(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule_id"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            )
        })
        .collect()
}

const NOW: &str = "2026-11-22T12:00:00Z";

#[test]
fn default_gate_fails_on_a_mutable_git_dependency() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(None);
    let (code, v, _) = scan(home.path(), dir.path(), &[], NOW);
    assert_eq!(code, 1);
    assert_eq!(rules(&v), vec!["TG403 high"]);
    assert_eq!(v["summary"]["fail_on"], "high");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`main`")
    );
}

#[test]
fn fail_on_comes_from_the_policy_unless_given() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(Some("fail-on = \"critical\"\n"));
    let (code, v, _) = scan(home.path(), dir.path(), &[], NOW);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["fail_on"], "critical");
    assert_eq!(
        v["tool"]["data"]["policy"]["file"].as_str().unwrap(),
        format!("{}/tollgate.toml", dir.path().display())
    );
    let (code, v, _) = scan(home.path(), dir.path(), &["--fail-on", "high"], NOW);
    assert_eq!(code, 1);
    assert_eq!(v["summary"]["fail_on"], "high");
}

#[test]
fn disable_and_severity_override() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(Some("[rules]\ndisable = [\"TG403\"]\n"));
    let (code, v, _) = scan(home.path(), dir.path(), &[], NOW);
    assert_eq!((code, rules(&v).len()), (0, 0));
    let dir = project(Some("[rules]\nseverity = { TG403 = \"low\" }\n"));
    let (code, v, _) = scan(home.path(), dir.path(), &[], NOW);
    assert_eq!(code, 0);
    assert_eq!(rules(&v), vec!["TG403 low"]);
}

#[test]
fn ignore_works_until_it_expires() {
    let home = tempfile::tempdir().unwrap();
    let policy = "\n[[ignore]]\nrule = \"TG403\"\npackage = \"ms@2.1.3\"\nreason = \"fork pinned while upstream merges the fix\"\nexpires = 2026-12-31\n";
    let dir = project(Some(policy));
    let (code, v, _) = scan(home.path(), dir.path(), &[], "2026-12-31T23:00:00Z");
    assert_eq!(code, 0, "{v}");
    assert!(rules(&v).is_empty());
    let sup = &v["tool"]["data"]["policy"]["suppressed"][0];
    assert_eq!(sup["rule_id"], "TG403");
    assert_eq!(sup["reason"], "fork pinned while upstream merges the fix");

    let (code, v, _) = scan(home.path(), dir.path(), &[], "2027-01-01T00:00:00Z");
    assert_eq!(code, 1);
    assert_eq!(rules(&v), vec!["TG403 high", "TG410 low"]);
    let expired = &v["findings"][1];
    assert_eq!(expired["location"]["line"], 2);
    assert!(
        expired["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("tollgate.toml")
    );
}

#[test]
fn policy_errors_name_the_line_and_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(Some("fail-on = \"high\"\nrequire-hashs = true\n"));
    let (code, _, stderr) = scan(home.path(), dir.path(), &[], NOW);
    assert_eq!(code, 2);
    assert!(stderr.contains("tollgate.toml:2:"), "{stderr}");
    assert!(stderr.contains("require-hashs"), "{stderr}");
    let dir = project(Some("[[ignore]]\nrule = \"TG403\"\nexpires = 2027-01-01\n"));
    let (code, _, stderr) = scan(home.path(), dir.path(), &[], NOW);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("tollgate.toml:1:") && stderr.contains("reason"),
        "{stderr}"
    );
}

#[test]
fn explicit_policy_file_and_pyproject_table() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(None);
    let elsewhere = tempfile::tempdir().unwrap();
    let pol = elsewhere.path().join("strict.toml");
    std::fs::write(&pol, "[licenses]\ndeny = [\"GPL-3.0-only\"]\n").unwrap();
    let (code, v, _) = scan(
        home.path(),
        dir.path(),
        &["--policy", pol.to_str().unwrap()],
        NOW,
    );
    assert_eq!(code, 1);
    assert_eq!(rules(&v), vec!["TG403 high", "TG407 high"]);

    let py = elsewhere.path().join("pyproject.toml");
    std::fs::write(
        &py,
        "[project]\nname = \"x\"\n\n[tool.tollgate]\nfail-on = \"never\"\n",
    )
    .unwrap();
    let (code, v, _) = scan(
        home.path(),
        dir.path(),
        &["--policy", py.to_str().unwrap()],
        NOW,
    );
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["fail_on"], "never");
}

#[test]
fn registry_allow_list() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(Some(
        "fail-on = \"never\"\nregistries = [\"https://artifactory.invalid/api/npm/npm-remote/\"]\n",
    ));
    let (_, v, _) = scan(home.path(), dir.path(), &[], NOW);
    let r = rules(&v);
    assert!(r.contains(&"TG406 high".to_string()), "{r:?}");
    let dir = project(Some(
        "fail-on = \"never\"\nregistries = [\"https://registry.npm.invalid\"]\n",
    ));
    let (_, v, _) = scan(home.path(), dir.path(), &[], NOW);
    assert!(!rules(&v).iter().any(|r| r.starts_with("TG406")));
}

#[test]
fn hashes_required_for_the_git_dependency() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(Some("fail-on = \"never\"\nrequire-hashes = true\n"));
    let (_, v, _) = scan(home.path(), dir.path(), &[], NOW);
    let tg402: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "TG402")
        .collect();
    assert_eq!(tg402.len(), 1, "only ms lacks an integrity hash");
    assert_eq!(tg402[0]["package"]["name"], "ms");
}

#[test]
fn audit_log_chain_and_tamper_detection() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(None);
    let log = dir.path().join("audit.jsonl");
    let log_s = log.to_str().unwrap();
    for now in [NOW, "2026-11-23T12:00:00Z"] {
        let (code, _, _) = scan(home.path(), dir.path(), &["--audit-log", log_s], now);
        assert_eq!(code, 1);
    }
    tollgate(home.path())
        .args(["--fail-on", "never", "scan"])
        .arg(dir.path())
        .args(["--audit-log", log_s, "-q"])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["decision"], "fail");
    assert_eq!(lines[0]["failing"][0], "TG403 ms@2.1.3");
    // Decisions used the injected clock; the wall-clock time is kept beside it.
    assert_eq!(lines[0]["clock"], NOW);
    assert_ne!(lines[0]["time"], NOW);
    assert_eq!(lines[2]["decision"], "pass");
    assert_eq!(lines[2]["fail_on"], "never");
    let ok = tollgate(home.path())
        .args(["audit", "verify", log_s])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("3 entries"));

    // Turn the first failure into a pass.
    let tampered = text.replacen("\"decision\":\"fail\"", "\"decision\":\"pass\"", 1);
    std::fs::write(&log, tampered).unwrap();
    let bad = tollgate(home.path())
        .args(["audit", "verify", log_s])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stdout).contains("audit.jsonl:1:"),
        "{}",
        String::from_utf8_lossy(&bad.stdout)
    );

    // Delete the middle line.
    let mut l: Vec<&str> = text.lines().collect();
    l.remove(1);
    std::fs::write(&log, l.join("\n") + "\n").unwrap();
    let bad = tollgate(home.path())
        .args(["audit", "verify", log_s])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("audit.jsonl:2:"));
}

#[test]
fn markdown_scan_report() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(None);
    let out = tollgate(home.path())
        .env("TOLLGATE_NOW", NOW)
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "markdown"])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.starts_with("## tollgate scan\n\n**Failed**"), "{md}");
    assert!(
        md.contains("| high | TG403 non-registry-source | `ms@2.1.3` |"),
        "{md}"
    );
}

#[test]
fn real_npm_lockfile_meets_a_strict_source_policy() {
    let Some(lock) = shared_corpus("lockfiles/npm/package-lock.json") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let pol = home.path().join("strict.toml");
    std::fs::write(
        &pol,
        "require-hashes = true\nregistries = [\"https://registry.npm.invalid/\"]\n[licenses]\ndeny = [\"AGPL-3.0-only\", \"GPL-3.0-only\"]\n",
    )
    .unwrap();
    let (code, v, err) = scan(
        home.path(),
        &lock,
        &["--policy", pol.to_str().unwrap()],
        NOW,
    );
    assert_eq!(code, 0, "{err}");
    // Every one of the 412 packages (416 entries) has an integrity hash and comes from the one registry.
    assert_eq!(v["summary"]["packages"], 412);
    assert!(rules(&v).is_empty(), "{:?}", rules(&v));
    // sharp's libvips binaries are LGPL-3.0-or-later: denying it finds exactly those.
    std::fs::write(&pol, "[licenses]\ndeny = [\"LGPL-3.0-or-later\"]\n").unwrap();
    let (code, v, _) = scan(
        home.path(),
        &lock,
        &["--policy", pol.to_str().unwrap()],
        NOW,
    );
    assert_eq!(code, 1);
    let names: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["package"]["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| n.starts_with("@img/sharp-")),
        "{names:?}"
    );
}

#[test]
fn real_venv_licences_against_an_allow_list() {
    let Some(venv) = corpus_cache("venv") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let pol = home.path().join("allow.toml");
    std::fs::write(&pol, "fail-on = \"never\"\n[licenses]\nallow = [\"MIT\", \"Apache-2.0\", \"BSD-3-Clause\", \"BSD-2-Clause\", \"ISC\", \"PSF-2.0\", \"MPL-2.0\"]\n").unwrap();
    let (_, v, _) = scan(
        home.path(),
        &venv,
        &["--policy", pol.to_str().unwrap()],
        NOW,
    );
    let by_pkg = |name: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["package"]["name"] == name)
            .map(|f| f["severity"].as_str().unwrap().to_string())
    };
    // requests declares Apache-2.0 and pydantic MIT: allowed.
    assert_eq!(by_pkg("requests"), None);
    assert_eq!(by_pkg("pydantic"), None);
    // cffi is MIT-0 (not on the list); scipy only says "BSD License" (cannot be cleared).
    assert_eq!(by_pkg("cffi").as_deref(), Some("medium"));
    assert_eq!(by_pkg("scipy").as_deref(), Some("low"));
}

#[test]
fn pyproject_tool_table_is_found_and_unknown_rules_are_noticed() {
    let home = tempfile::tempdir().unwrap();
    let dir = project(None);
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"app\"\nversion = \"1.0\"\n\n[tool.tollgate]\nfail-on = \"never\"\n[tool.tollgate.rules]\nseverity = { TG499 = \"low\", TG403 = \"medium\" }\n",
    )
    .unwrap();
    let (code, v, _) = scan(home.path(), dir.path(), &[], NOW);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["fail_on"], "never");
    assert_eq!(rules(&v), vec!["TG403 medium"]);
    let notices = v["tool"]["notices"].to_string();
    assert!(
        notices.contains("pyproject.toml: no rule TG499"),
        "{notices}"
    );
    assert!(!notices.contains("TG403"), "{notices}");
}
