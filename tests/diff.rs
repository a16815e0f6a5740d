//! `tollgate diff` and `tollgate approve` through the binary, on two
//! package-lock.json variants (tests/fixtures/policy/diff/README.md).

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// base/ and head/ copies in a temp dir (approvals are written beside the policy).
fn workspace(policy: Option<&str>) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (base, head) = (dir.path().join("base"), dir.path().join("head"));
    for (side, p) in [("base", &base), ("head", &head)] {
        std::fs::create_dir_all(p).unwrap();
        std::fs::copy(
            fixture(&format!("policy/diff/{side}/package-lock.json")),
            p.join("package-lock.json"),
        )
        .unwrap();
    }
    if let Some(pol) = policy {
        std::fs::write(head.join("tollgate.toml"), pol).unwrap();
    }
    (dir, base, head)
}

fn diff_json(home: &Path, base: &Path, head: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = tollgate(home)
        .arg("diff")
        .arg(base)
        .arg(head)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

fn violation_rules(v: &serde_json::Value) -> Vec<String> {
    v["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn changed_artifact_fails_the_gate() {
    let home = tempfile::tempdir().unwrap();
    let (_d, base, head) = workspace(None);
    let (code, v) = diff_json(
        home.path(),
        &base.join("package-lock.json"),
        &head.join("package-lock.json"),
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(violation_rules(&v), vec!["TG411"]);
    assert_eq!(v["violations"][0]["severity"], "critical");
    assert!(
        v["violations"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("zod@4.6.7 changed its artifact")
    );
    let c = &v["counts"];
    assert_eq!(
        (
            c["added"].as_u64(),
            c["removed"].as_u64(),
            c["new_transitive"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    let tel = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "tiny-telemetry")
        .unwrap();
    assert_eq!(tel["introduced_by"][0], "axios@1.22.0");
    assert_eq!(tel["new_capabilities"][0], "install-script");
}

#[test]
fn identical_sides_pass() {
    let home = tempfile::tempdir().unwrap();
    let (_d, base, _head) = workspace(None);
    let (code, v) = diff_json(home.path(), &base, &base, &[]);
    assert_eq!(code, 0);
    assert_eq!(v["changes"].as_array().unwrap().len(), 0);
}

#[test]
fn new_transitive_limit() {
    let home = tempfile::tempdir().unwrap();
    let (_d, base, head) = workspace(Some(
        "max-new-transitive = 0\n[rules]\ndisable = [\"TG411\"]\n",
    ));
    let (code, v) = diff_json(home.path(), &base, &head, &[]);
    assert_eq!(code, 1);
    assert_eq!(violation_rules(&v), vec!["TG412"]);
    assert_eq!(v["violations"][0]["evidence"][0], "tiny-telemetry@2.0.1");
    let (_d, base, head) = workspace(Some(
        "max-new-transitive = 1\n[rules]\ndisable = [\"TG411\"]\n",
    ));
    assert_eq!(diff_json(home.path(), &base, &head, &[]).0, 0);
}

#[test]
fn approvals_must_match_the_hash() {
    let home = tempfile::tempdir().unwrap();
    let policy = "require-approval = true\n[rules]\ndisable = [\"TG411\"]\n";
    let (_d, base, head) = workspace(Some(policy));
    let (code, v) = diff_json(home.path(), &base, &head, &[]);
    assert_eq!(code, 1);
    // axios, dotenv, tiny-telemetry, left-pad and zod (same version, new bytes).
    assert_eq!(violation_rules(&v).len(), 5, "{v}");

    for pkg in [
        "axios@1.22.0",
        "dotenv@17.2.3",
        "tiny-telemetry@2.0.1",
        "left-pad@1.3.0",
        "zod@4.6.7",
    ] {
        tollgate(home.path())
            .args([
                "approve",
                pkg,
                "--reason",
                "reviewed the diff",
                "--by",
                "Reviewer",
                "--path",
            ])
            .arg(&head)
            .assert()
            .code(0);
    }
    let file = std::fs::read_to_string(head.join("tollgate-approvals.toml")).unwrap();
    assert!(file.contains("package = \"left-pad\""), "{file}");
    assert!(file.contains("by = \"Reviewer\""));
    let (code, v) = diff_json(home.path(), &base, &head, &[]);
    assert_eq!(code, 0, "{v}");
    let lp = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "left-pad")
        .unwrap();
    assert_eq!(lp["approval"], "approved by Reviewer");

    // An approval for other bytes of the same version does not count.
    let forged = file.replace(
        "sha512:5c8e4c3f354d029", // the start of left-pad 1.3.0's real sha512
        "sha512:0000000000000000",
    );
    assert_ne!(forged, file, "the approvals file records left-pad's sha512");
    std::fs::write(head.join("tollgate-approvals.toml"), forged).unwrap();
    let (code, v) = diff_json(home.path(), &base, &head, &[]);
    assert_eq!(code, 1);
    assert_eq!(violation_rules(&v), vec!["TG413"]);
    assert!(
        v["violations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not for the artifact now locked")
    );
}

#[test]
fn approve_errors() {
    let home = tempfile::tempdir().unwrap();
    let (_d, _base, head) = workspace(None);
    let run = |args: &[&str]| {
        tollgate(home.path())
            .arg("approve")
            .args(args)
            .arg("--path")
            .arg(&head)
            .output()
            .unwrap()
    };
    assert_eq!(run(&["left-pad", "--reason", "r"]).status.code(), Some(2));
    assert_eq!(
        run(&["nothere@1.0.0", "--reason", "r"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["left-pad@1.3.0", "--reason", " "]).status.code(),
        Some(2)
    );
    let ok = run(&[
        "pkg:npm/nothere@1.0.0",
        "--reason",
        "vendored",
        "--hash",
        "sha256:abcd",
    ]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn markdown_and_human_output() {
    let home = tempfile::tempdir().unwrap();
    let (_d, base, head) = workspace(None);
    let out = tollgate(home.path())
        .arg("diff")
        .arg(&base)
        .arg(&head)
        .args(["--format", "markdown"])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("**Policy violated**"), "{md}");
    assert!(md.contains("### ARTIFACT CHANGED (1)"));
    assert!(md.contains("| npm `tiny-telemetry` | 2.0.1 | new transitive, via axios@1.22.0; gains install script |"), "{md}");
    assert!(
        md.contains("| npm `dotenv` | 18.0.10 → 17.2.3 | major version jump |"),
        "{md}"
    );
    let out = tollgate(home.path())
        .arg("diff")
        .arg(&base)
        .arg(&head)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("DOWNGRADED        npm dotenv 18.0.10 → 17.2.3  (major version jump)"),
        "{text}"
    );
    assert!(text.contains("CRITICAL TG411 artifact-changed"));
}

#[test]
fn unreadable_side_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let (_d, base, _head) = workspace(None);
    let empty = tempfile::tempdir().unwrap();
    let out = tollgate(home.path())
        .arg("diff")
        .arg(&base)
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HEAD"));
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

#[test]
fn git_revisions() {
    let home = tempfile::tempdir().unwrap();
    let repo = tempfile::tempdir().unwrap();
    git(repo.path(), &["init", "-q"]);
    let app = repo.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::copy(
        fixture("policy/diff/base/package-lock.json"),
        app.join("package-lock.json"),
    )
    .unwrap();
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "base"]);
    git(repo.path(), &["tag", "v1"]);
    std::fs::copy(
        fixture("policy/diff/head/package-lock.json"),
        app.join("package-lock.json"),
    )
    .unwrap();
    // Working tree against the tag.
    let (code, v) = {
        let out = tollgate(home.path())
            .args(["diff", "--git", "v1", "--format", "json"])
            .arg(&app)
            .output()
            .unwrap();
        (
            out.status.code(),
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        )
    };
    assert_eq!(code, Some(1));
    assert_eq!(v["counts"]["artifact_changed"], 1);
    // Two revisions, from inside the repository.
    git(repo.path(), &["commit", "-q", "-am", "head"]);
    let out = tollgate(home.path())
        .current_dir(&app)
        .args([
            "diff",
            "--git",
            "v1",
            "--git",
            "HEAD",
            "--format",
            "json",
            "package-lock.json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["counts"]["removed"], 1, "{v}");
    // A revision from before the first lockfile: everything in HEAD is added.
    let fresh = repo.path().join("fresh");
    std::fs::create_dir_all(&fresh).unwrap();
    std::fs::copy(
        fixture("policy/diff/base/package-lock.json"),
        fresh.join("package-lock.json"),
    )
    .unwrap();
    let out = tollgate(home.path())
        .args(["diff", "--git", "v1", "--format", "json"])
        .arg(&fresh)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["counts"]["added"], 35);
    // A bad revision is a clear usage error.
    let out = tollgate(home.path())
        .args(["diff", "--git", "no-such-rev"])
        .arg(&app)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-rev"));
    let out = tollgate(home.path())
        .args(["diff", "--git", "--upload-pack=x"])
        .arg(&app)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn audit_log_records_diff_decisions() {
    let home = tempfile::tempdir().unwrap();
    let (d, base, head) = workspace(None);
    let log = d.path().join("audit.jsonl");
    tollgate(home.path())
        .arg("diff")
        .arg(&base)
        .arg(&head)
        .arg("--audit-log")
        .arg(&log)
        .assert()
        .code(1);
    let line: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&log).unwrap().trim()).unwrap();
    assert_eq!(line["command"], "diff");
    assert_eq!(line["decision"], "fail");
    assert_eq!(line["seq"], 1);
    assert!(line["violations"][0].as_str().unwrap().starts_with("TG411"));
}

#[test]
fn sarif_output_is_valid() {
    let home = tempfile::tempdir().unwrap();
    let (_d, base, head) = workspace(None);
    let out = tollgate(home.path())
        .arg("diff")
        .arg(&base)
        .arg(&head)
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let instance: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The same fix of rtm.5's malformed `run.language` pattern as tests/sarif.rs.
    let text = include_str!("schemas/sarif-2.1.0-rtm.5.json").replace(
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(instance["runs"][0]["results"][0]["ruleId"], "TG411");
}

#[test]
fn gained_capabilities_from_installed_files() {
    let home = tempfile::tempdir().unwrap();
    let (code, v) = diff_json(
        home.path(),
        &fixture("policy/diff-env/base/site-packages"),
        &fixture("policy/diff-env/head/site-packages"),
        &[],
    );
    assert_eq!(code, 0);
    let foo = &v["changes"][0];
    assert_eq!(
        (foo["name"].as_str(), foo["kind"].as_str()),
        (Some("foo"), Some("upgraded"))
    );
    assert_eq!(
        foo["new_capabilities"],
        serde_json::json!(["startup-hook", "native-code"])
    );
    // The reverse direction gains nothing.
    let (_, v) = diff_json(
        home.path(),
        &fixture("policy/diff-env/head/site-packages"),
        &fixture("policy/diff-env/base/site-packages"),
        &[],
    );
    assert!(v["changes"][0].get("new_capabilities").is_none(), "{v}");
}

#[test]
fn approver_defaults_to_git_user_name() {
    let home = tempfile::tempdir().unwrap();
    let (_d, _base, head) = workspace(None);
    git(&head, &["init", "-q"]);
    git(&head, &["config", "user.name", "Config Name"]);
    tollgate(home.path())
        .args(["approve", "left-pad@1.3.0", "--reason", "ok", "--path"])
        .arg(&head)
        .assert()
        .code(0);
    let file = std::fs::read_to_string(head.join("tollgate-approvals.toml")).unwrap();
    assert!(file.contains("by = \"Config Name\""), "{file}");
}

#[test]
fn report_snapshots() {
    let home = tempfile::tempdir().unwrap();
    let (_d, base, head) = workspace(Some("max-new-transitive = 0\nrequire-approval = true\n"));
    for (format, name) in [("markdown", "diff_markdown"), ("human", "diff_human")] {
        let out = tollgate(home.path())
            .arg("diff")
            .arg(&base)
            .arg(&head)
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        insta::assert_snapshot!(name, String::from_utf8_lossy(&out.stdout));
    }
}
