//! The gate on Python and npm manifests: lockfile drift, cooldown from
//! lockfile upload times, mixed indexes, unpinned requirements, missing lockfile.

mod common;
use common::*;
use std::path::Path;

fn hygiene(home: &Path, args: &[&str], now: &str) -> serde_json::Value {
    let out = tollgate(home)
        .env("TOLLGATE_NOW", now)
        .arg("scan")
        .args(args)
        .args([
            "--only",
            "hygiene",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    })
}

/// `RULE package line` per finding, sorted.
fn found(v: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["rule_id"].as_str().unwrap(),
                f["package"]["name"].as_str().unwrap_or("-"),
                f["location"]["line"]
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn uv_project_drift_and_cooldown_from_upload_times() {
    let home = tempfile::tempdir().unwrap();
    let dir = fixture("policy/python/uv-project");
    let d = dir.to_str().unwrap();
    // anyio 4.16.0 was uploaded 2026-11-01T11:20:05Z: younger than 7 days on the 3rd.
    let v = hygiene(home.path(), &[d], "2026-11-03T00:00:00Z");
    assert_eq!(
        found(&v),
        vec![
            "TG401 rich 8",
            "TG405 idna 7",
            "TG405 rich 8",
            "TG408 anyio 17",
        ]
    );
    let policy = &v["tool"]["data"]["policy"];
    assert!(
        policy["file"]
            .as_str()
            .unwrap()
            .ends_with("uv-project/pyproject.toml")
    );
    let v = hygiene(home.path(), &[d], "2026-11-09T00:00:00Z");
    assert!(!found(&v).iter().any(|f| f.starts_with("TG408")));
    assert!(
        !found(&v).iter().any(|f| f.starts_with("TG409")),
        "uv.lock is beside it"
    );
}

#[test]
fn requirements_mixing_indexes_and_unpinned() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("policy/python/requirements/requirements.txt"),
        dir.path().join("requirements.txt"),
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let now = "2026-11-22T00:00:00Z";
    let v = hygiene(home.path(), &[d], now);
    assert_eq!(found(&v), vec!["TG401 requests 8", "TG404 - null"]);

    std::fs::write(
        dir.path().join("tollgate.toml"),
        "require-hashes = true\nindexes = [\"https://pypi.invalid/simple\"]\n",
    )
    .unwrap();
    let v = hygiene(home.path(), &[d], now);
    let f = found(&v);
    assert!(!f.iter().any(|x| x.starts_with("TG402 idna")), "{f:?}");
    let tg406: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["rule_id"] == "TG406")
        .collect();
    assert_eq!(tg406.len(), 1, "{f:?}");
    assert!(
        tg406[0]["message"]
            .as_str()
            .unwrap()
            .contains("internal.invalid")
    );
}

#[test]
fn require_lockfile_wants_pins_beside_a_requirements_in() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("policy/python/requirements/requirements.in"),
        dir.path().join("requirements.in"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tollgate.toml"),
        "require-lockfile = true\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let now = "2026-11-22T00:00:00Z";
    let v = hygiene(home.path(), &[d], now);
    assert!(
        found(&v).iter().any(|f| f.starts_with("TG409")),
        "{:?}",
        found(&v)
    );

    let pins: String = std::fs::read_to_string(dir.path().join("requirements.in"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| {
            let name: String = l
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
                .collect();
            format!("{name}==1.0\n")
        })
        .collect();
    std::fs::write(dir.path().join("requirements.txt"), pins).unwrap();
    let v = hygiene(home.path(), &[d], now);
    assert!(
        !found(&v).iter().any(|f| f.starts_with("TG409")),
        "{:?}",
        found(&v)
    );
}

#[test]
fn package_json_range_contradicted_by_its_lock() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("package.json"),
        "{\n  \"name\": \"app\",\n  \"dependencies\": {\n    \"left-pad\": \"^2.0.0\",\n    \"ok\": \"^1.0.0\"\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {
            "": {"name": "app", "dependencies": {"left-pad": "^2.0.0", "ok": "^1.0.0"}},
            "node_modules/left-pad": {"version": "1.3.0", "integrity": "sha512-AAAA"},
            "node_modules/ok": {"version": "1.2.0", "integrity": "sha512-AAAA"}}}"#,
    )
    .unwrap();
    let v = hygiene(
        home.path(),
        &[dir.path().to_str().unwrap()],
        "2026-11-22T00:00:00Z",
    );
    let drift: Vec<String> = found(&v)
        .into_iter()
        .filter(|f| f.starts_with("TG405"))
        .collect();
    assert_eq!(drift, vec!["TG405 left-pad 4"]);
}
