//! The documentation is executable: the policy example validates against the
//! schema and parses, every TG4xx rule has its page, and the CI examples run.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use yaml_rust2::{Yaml, YamlLoader};

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// TOML → JSON for schema validation (dates become `YYYY-MM-DD` strings).
fn to_json(v: &toml::Value) -> serde_json::Value {
    match v {
        toml::Value::String(s) => s.clone().into(),
        toml::Value::Integer(i) => (*i).into(),
        toml::Value::Float(f) => serde_json::json!(f),
        toml::Value::Boolean(b) => (*b).into(),
        toml::Value::Datetime(d) => d.to_string().into(),
        toml::Value::Array(a) => a.iter().map(to_json).collect(),
        toml::Value::Table(t) => t
            .iter()
            .map(|(k, v)| (k.clone(), to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

/// The documented example: the ```toml block that starts with `# tollgate.toml`.
fn documented_example() -> String {
    let doc = std::fs::read_to_string(repo_file("docs/policy.md")).unwrap();
    doc.split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .find(|b| b.starts_with("# tollgate.toml"))
        .expect("docs/policy.md has a ```toml block starting with `# tollgate.toml`")
        .to_string()
}

fn schema_errors(instance: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_file("docs/policy.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft7::new(&schema).expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn documented_policy_validates_and_parses() {
    let example = documented_example();
    let value: toml::Value = toml::from_str(&example).unwrap();
    assert_eq!(schema_errors(&to_json(&value)), Vec::<String>::new());
    let p = tollgate::policy::file::parse(&example, "docs/policy.md").unwrap();
    assert!(p.require_hashes && p.require_lockfile && p.require_approval);
    assert_eq!(p.ignores.len(), 1);
    assert_eq!(p.max_new_transitive, Some(10));
}

#[test]
fn schema_rejects_what_the_parser_rejects() {
    let bad = [
        "require-hashs = true\n",
        "fail-on = \"sometimes\"\n",
        "min-release-age = \"7 days\"\n",
        "[rules]\ndisable = [\"E501\"]\n",
        "[[ignore]]\nrule = \"TG401\"\nexpires = 2026-01-01\n",
        "[[ignore]]\nreason = \"r\"\nexpires = 2026-01-01\n",
        "max-new-transitive = -1\n",
    ];
    for text in bad {
        let value: toml::Value = toml::from_str(text).unwrap();
        assert!(
            !schema_errors(&to_json(&value)).is_empty(),
            "schema accepts:\n{text}"
        );
        assert!(
            tollgate::policy::file::parse(text, "t").is_err(),
            "parser accepts:\n{text}"
        );
    }
}

#[test]
fn every_hygiene_rule_has_its_page() {
    for rule in tollgate::analyze::hygiene::rules::ALL {
        let path = repo_file(&rule.doc_path());
        let page = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing", path.display()));
        assert!(
            page.starts_with(&format!("# {} {}\n", rule.id, rule.name)),
            "{}",
            rule.id
        );
        for h in [
            "## Why this matters",
            "## A real incident it would have caught",
            "## Triggering example",
            "## Benign look-alike (not reported)",
            "## How to fix",
        ] {
            assert!(page.contains(h), "{} lacks `{h}`", rule.id);
        }
        assert!(
            page.contains(&format!("Default severity: {}", rule.severity)),
            "{}: default severity",
            rule.id
        );
    }
}

/// A directory whose only entry is `tollgate`, the binary under test.
fn bin_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("tollgate");
    std::os::unix::fs::symlink(bin, d.path().join("tollgate")).unwrap();
    d
}

/// Runs a documented shell command with the built tollgate first on PATH.
fn sh(cmd: &str, dir: &Path, bin: &Path, home: &Path) -> (i32, String) {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .env("PATH", path)
        .env("TOLLGATE_HOME", home)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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

/// A repository whose HEAD (and `origin/main`) locks the base fixture, with
/// the head fixture in the working tree.
fn repo_with_change() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    git(repo.path(), &["init", "-q"]);
    std::fs::copy(
        fixture("policy/diff/base/package-lock.json"),
        repo.path().join("package-lock.json"),
    )
    .unwrap();
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "base"]);
    git(
        repo.path(),
        &["update-ref", "refs/remotes/origin/main", "HEAD"],
    );
    std::fs::copy(
        fixture("policy/diff/head/package-lock.json"),
        repo.path().join("package-lock.json"),
    )
    .unwrap();
    repo
}

/// `run:` lines of steps that invoke tollgate, by step id.
fn workflow_commands() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo_file("docs/ci/github-actions.yml")).unwrap();
    let docs = YamlLoader::load_from_str(&text).unwrap();
    let steps = docs[0]["jobs"]["tollgate"]["steps"]
        .as_vec()
        .unwrap()
        .clone();
    steps
        .iter()
        .filter_map(|s| {
            let run = s["run"].as_str()?;
            run.trim_start()
                .starts_with("tollgate ")
                .then(|| (s["id"].as_str().unwrap_or("").to_string(), run.to_string()))
        })
        .collect()
}

#[test]
fn github_actions_example_runs() {
    let cmds = workflow_commands();
    assert_eq!(
        cmds.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
        vec!["scan", "diff"]
    );
    let (bin, home, repo) = (bin_dir(), tempfile::tempdir().unwrap(), repo_with_change());
    let (code, err) = sh(&cmds[0].1, repo.path(), bin.path(), home.path());
    assert_eq!(code, 0, "{err}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("tollgate.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");

    let diff = cmds[1].1.replace("${{ github.base_ref }}", "main");
    let (code, err) = sh(&diff, repo.path(), bin.path(), home.path());
    assert_eq!(code, 1, "the fixture changes zod's bytes: {err}");
    let md = std::fs::read_to_string(repo.path().join("tollgate-diff.md")).unwrap();
    assert!(
        md.contains("**Policy violated**") && md.contains("TG411"),
        "{md}"
    );
    let log = std::fs::read_to_string(repo.path().join("tollgate-audit.jsonl")).unwrap();
    let v = tollgate::policy::audit::verify(&log).unwrap();
    assert_eq!(v.entries, 2);
    for line in log.lines() {
        let e: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(e["git_commit"].as_str().map(str::len), Some(40), "{e}");
    }
}

fn hook_entry(id: &str) -> String {
    let text = std::fs::read_to_string(repo_file("docs/ci/pre-commit-hooks.yaml")).unwrap();
    let docs = YamlLoader::load_from_str(&text).unwrap();
    let hooks: &Vec<Yaml> = docs[0].as_vec().unwrap();
    let hook = hooks.iter().find(|h| h["id"].as_str() == Some(id)).unwrap();
    assert_eq!(hook["language"].as_str(), Some("system"));
    assert_eq!(hook["pass_filenames"].as_bool(), Some(false));
    hook["entry"].as_str().unwrap().to_string()
}

#[test]
fn pre_commit_hooks_run() {
    let (bin, home) = (bin_dir(), tempfile::tempdir().unwrap());
    let scan = hook_entry("tollgate-scan");
    let project = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("policy/scan/package-lock.json"),
        project.path().join("package-lock.json"),
    )
    .unwrap();
    assert_eq!(
        sh(&scan, project.path(), bin.path(), home.path()).0,
        1,
        "a mutable git dependency fails"
    );
    std::fs::write(
        project.path().join("tollgate.toml"),
        "[rules]\nseverity = { TG403 = \"low\" }\n",
    )
    .unwrap();
    assert_eq!(sh(&scan, project.path(), bin.path(), home.path()).0, 0);

    let diff = hook_entry("tollgate-diff");
    let repo = repo_with_change();
    assert_eq!(sh(&diff, repo.path(), bin.path(), home.path()).0, 1);
    git(repo.path(), &["checkout", "-q", "--", "package-lock.json"]);
    assert_eq!(sh(&diff, repo.path(), bin.path(), home.path()).0, 0);
}

#[test]
fn every_rule_has_its_page() {
    let rules = tollgate::analyze::all_rules();
    assert!(rules.len() >= 40, "{} rules", rules.len());
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), rules.len(), "rule IDs are unique");
    for rule in &rules {
        let path = repo_file(&rule.doc_path());
        let page = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing", path.display()));
        assert!(
            page.starts_with(&format!("# {} {}\n", rule.id, rule.name)),
            "{}: title",
            rule.id
        );
        for h in [
            "## Why this matters",
            "## A real incident it would have caught",
            "## Triggering example",
            "## Benign look-alike",
            "## How to fix",
        ] {
            assert!(page.contains(h), "{} lacks `{h}`", rule.id);
        }
        assert!(
            page.to_lowercase().contains(rule.severity.as_str()),
            "{}: the page names its default severity",
            rule.id
        );
    }
}

#[test]
fn the_rules_command_lists_every_rule() {
    let home = tempfile::tempdir().unwrap();
    let out = tollgate(home.path())
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let all: Vec<&str> = tollgate::analyze::all_rules()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, all);
    assert_eq!(v[0]["doc"], format!("docs/rules/{}.md", all[0]));
}
