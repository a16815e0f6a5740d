//! The CLI contract: exit codes, formats, errors as data.

mod common;
use common::*;

#[test]
fn missing_path_is_an_error_entry_and_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let out = tollgate(home.path())
        .args(["scan", "does/not/exist", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["errors"][0]["path"], "does/not/exist");
}

#[test]
fn usage_error_exits_2() {
    let home = tempfile::tempdir().unwrap();
    tollgate(home.path())
        .args(["scan", "--fail-on", "sometimes"])
        .assert()
        .code(2);
    tollgate(home.path())
        .args(["scan", "--only", "nonsense", "."])
        .assert()
        .code(2);
}

#[test]
fn a_bad_file_does_not_stop_the_others() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    let bad = dir.path().join("bad");
    std::fs::create_dir_all(&good).unwrap();
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(
        good.join("package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {"": {"dependencies": {"a": "1.0.0"}},
           "node_modules/a": {"version": "1.0.0"}}}"#,
    )
    .unwrap();
    std::fs::write(
        bad.join("package-lock.json"),
        "{\n  \"packages\": {\n    oops\n",
    )
    .unwrap();
    let v = json_report(home.path(), &["inventory", dir.path().to_str().unwrap()]);
    assert_eq!(v["packages"].as_array().unwrap().len(), 1);
    assert_eq!(v["packages"][0]["purl"], "pkg:npm/a@1.0.0");
    assert_eq!(v["packages"][0]["direct"], true);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("bad/package-lock.json")
    );
    assert_eq!(errors[0]["line"], 3);
}

#[test]
fn output_file_and_sarif() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("package-lock.json");
    std::fs::write(
        &lock,
        r#"{"lockfileVersion": 3, "packages": {"": {}, "node_modules/a": {"version": "1.0.0"}}}"#,
    )
    .unwrap();
    let out = dir.path().join("report.sarif");
    tollgate(home.path())
        .args(["scan", lock.to_str().unwrap(), "-f", "sarif", "-o"])
        .arg(&out)
        .assert()
        .code(0);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"][0]["tool"]["driver"]["name"], "tollgate");
}
