//! SARIF output validates against the official SARIF 2.1.0 schema.

use tollgate::finding::{Finding, Location, PackageRef, RuleMeta, Severity};
use tollgate::inventory::Inventory;
use tollgate::model::{Ecosystem, InputKind, Package};
use tollgate::report::{Report, ToolInfo, sarif};

const RULE: RuleMeta = RuleMeta {
    id: "TG999",
    name: "test-rule",
    severity: Severity::High,
    summary: "A rule used to exercise the SARIF writer.",
};

fn validate(sarif_text: &str) {
    let errors = schema_errors(sarif_text);
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
}

fn schema_errors(sarif_text: &str) -> Vec<String> {
    // rtm.5 ships one malformed regex (`…[a-zA-Z]{2}]?$`, a stray `]`) that
    // strict validators reject as a schema error; use the pattern the final
    // OASIS 2.1.0 schema has for `run.language` instead.
    let text = include_str!("schemas/sarif-2.1.0-rtm.5.json").replace(
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let instance: serde_json::Value = serde_json::from_str(sarif_text).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("schema compiles");
    validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_validator_rejects_invalid_sarif() {
    let bad = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
        "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}"#;
    assert!(!schema_errors(bad).is_empty());
}

#[test]
fn sarif_with_findings_and_errors_is_valid() {
    let mut inv = Inventory::default();
    let pkg = Package::new(Ecosystem::Npm, "@scope/pkg", Some("1.0.0")).with_source(
        "web/package-lock.json",
        Some(12),
        InputKind::PackageLock,
    );
    inv.packages.push(pkg);
    inv.errors.push(tollgate::finding::InputError::new(
        "bad/uv.lock",
        Some(3),
        "invalid TOML",
    ));
    let located = Finding::new(&RULE, "something in a file")
        .location(Location::at(
            "dist/x-1.0-py3-none-any.whl!/x/__init__.py",
            4,
            Some(2),
        ))
        .evidence("exec(base64.b64decode(...))")
        .remediation("remove it");
    let package_only = Finding::new(&RULE, "something about a package")
        .severity(Severity::Critical)
        .package(PackageRef::new(Ecosystem::Npm, "@scope/pkg", Some("1.0.0")));
    let report = Report::new(
        ToolInfo::new(vec!["test"]),
        inv,
        vec![located, package_only],
        vec![],
        Some(Severity::High),
        vec![RULE],
    );
    let text = sarif::render(&report);
    validate(&text);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    // Worst first; the package-only finding points at the lockfile line that declared it.
    assert_eq!(results[0]["level"], "error");
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "web/package-lock.json");
    assert_eq!(loc["region"]["startLine"], 12);
    // A path inside an archive points at the archive.
    let loc = &results[1]["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "dist/x-1.0-py3-none-any.whl"
    );
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"],
        "8.0"
    );
}

#[test]
fn sarif_of_a_real_scan_is_valid() {
    let home = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("tollgate")
        .unwrap()
        .env("TOLLGATE_HOME", home.path())
        .arg("scan")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo"))
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    validate(&text);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() >= 7, "{}", results.len());
    // Every result names a rule the driver describes.
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
}
