//! Every Python input through the binary: lockfiles and manifests the real
//! tools wrote (tests/fixtures/python, regenerate.sh), a conda environment,
//! wheels and sdists, the real corpus graphs, and bad input.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

const TARGET: &[&str] = &[
    "--python-version",
    "3.11.7",
    "--platform",
    "linux",
    "--arch",
    "x86_64",
];

fn inventory(path: &Path, target: bool) -> Value {
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["inventory", path.to_str().unwrap()];
    if target {
        args.extend_from_slice(TARGET);
    }
    json_report(home.path(), &args)
}

fn pkg<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["normalized_name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from {}", v["packages"]))
}

fn ids(v: &Value) -> Vec<String> {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}=={}",
                p["normalized_name"].as_str().unwrap(),
                p["version"].as_str().unwrap_or("*")
            )
        })
        .collect()
}

/// What the fixture project installs on Linux / 3.11.7 (no colorama, no tomli).
const FIXTURE_SET: &[&str] = &[
    "certifi==2026.10.18",
    "charset-normalizer==3.5.2",
    "idna==3.10",
    "iniconfig==2.3.1",
    "pysocks==1.7.1",
    "requests==2.34.2",
    "six==1.17.0",
    "urllib3==2.8.0",
];

#[test]
fn lockfiles_with_a_graph_give_direct_and_introduced_by() {
    for rel in ["uv/uv.lock", "poetry/poetry.lock", "pdm/pdm.lock"] {
        let v = inventory(&fixture(&format!("python/{rel}")), true);
        assert_eq!(v["errors"], serde_json::json!([]), "{rel}");
        assert_eq!(ids(&v), FIXTURE_SET, "{rel}");
        for direct in ["requests", "idna", "six", "iniconfig"] {
            assert_eq!(pkg(&v, direct)["direct"], true, "{rel} {direct}");
        }
        // pysocks only through requests[socks]; urllib3 through requests.
        for transitive in ["pysocks", "urllib3", "certifi"] {
            let p = pkg(&v, transitive);
            assert_eq!(p["direct"], false, "{rel} {transitive}");
            assert_eq!(
                p["introduced_by"],
                serde_json::json!(["pkg:pypi/requests@2.34.2"]),
                "{rel}"
            );
        }
        assert_eq!(pkg(&v, "six")["origin"]["type"], "url", "{rel}");
        assert!(
            pkg(&v, "requests")["hashes"].as_array().unwrap().len() >= 2,
            "{rel}"
        );
        // Without a target every environment's packages stay: colorama (Windows) too.
        let all = inventory(&fixture(&format!("python/{rel}")), false);
        assert!(ids(&all).contains(&"colorama==0.4.6".to_string()), "{rel}");
    }
    let uv = inventory(&fixture("python/uv/uv.lock"), true);
    assert_eq!(
        uv["inputs"][0]["indexes"],
        serde_json::json!(["https://pypi.invalid/simple"])
    );
    assert!(
        pkg(&uv, "requests")["release_time"]
            .as_str()
            .unwrap()
            .starts_with("20")
    );
}

#[test]
fn a_lock_without_its_pyproject_takes_the_top_of_the_graph() {
    // No manifest beside it: direct = what nothing else in the lock requires. idna, which the
    // project pins but requests also requires, then reads as transitive (the lock alone
    // cannot tell); with the pyproject.toml it is direct (test above).
    let dir = tempfile::tempdir().unwrap();
    for (sub, file) in [("poetry", "poetry.lock"), ("pdm", "pdm.lock")] {
        std::fs::copy(
            fixture(&format!("python/{sub}/{file}")),
            dir.path().join(file),
        )
        .unwrap();
        let v = inventory(&dir.path().join(file), true);
        assert_eq!(ids(&v), FIXTURE_SET, "{file}");
        for (name, direct) in [
            ("requests", true),
            ("six", true),
            ("iniconfig", true),
            ("urllib3", false),
            ("idna", false),
        ] {
            assert_eq!(pkg(&v, name)["direct"], direct, "{file} {name}");
        }
    }
}

#[test]
fn lockfiles_without_a_graph() {
    // pylock.toml (uv export) and requirements.txt: everything listed is direct.
    for rel in ["pylock/pylock.toml", "requirements/requirements.txt"] {
        let v = inventory(&fixture(&format!("python/{rel}")), true);
        assert_eq!(v["errors"], serde_json::json!([]), "{rel}");
        assert_eq!(ids(&v), FIXTURE_SET, "{rel}");
        assert!(
            v["packages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["direct"] == true),
            "{rel}"
        );
    }
    let req = inventory(&fixture("python/requirements/requirements.txt"), false);
    assert_eq!(pkg(&req, "certifi")["hashes"].as_array().unwrap().len(), 2);
    assert_eq!(pkg(&req, "colorama")["markers"], "sys_platform == 'win32'");
    // Pipfile.lock: no graph, the Pipfile says what is direct; pipenv locked only for
    // the machine it ran on, so the Windows-only colorama has no version (`*`).
    let v = inventory(&fixture("python/pipenv/Pipfile.lock"), true);
    assert_eq!(ids(&v), FIXTURE_SET);
    assert_eq!(pkg(&v, "requests")["direct"], true);
    assert_eq!(pkg(&v, "urllib3")["direct"], false);
    assert_eq!(pkg(&v, "iniconfig")["direct"], true);
    let all = inventory(&fixture("python/pipenv/Pipfile.lock"), false);
    assert_eq!(pkg(&all, "colorama")["version"], Value::Null);
}

#[test]
fn pyproject_declarations() {
    let v = inventory(&fixture("python/uv/pyproject.toml"), false);
    assert_eq!(
        ids(&v),
        [
            "colorama==*",
            "idna==3.10",
            "iniconfig==*",
            "requests==*",
            "six==1.17.0",
            "tomli==*"
        ]
    );
    assert_eq!(pkg(&v, "requests")["requirement"], ">=2.31");
    let poetry = inventory(&fixture("python/poetry/pyproject.toml"), false);
    assert_eq!(pkg(&poetry, "requests")["requirement"], "^2.31");
    assert_eq!(pkg(&poetry, "idna")["version"], "3.10");
    assert!(
        poetry["packages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["direct"] == true)
    );
}

#[test]
fn a_project_directory_merges_manifest_and_lock() {
    let v = inventory(&fixture("python/uv"), true);
    let req = pkg(&v, "requests");
    assert_eq!(req["version"], "2.34.2");
    assert_eq!(req["requirement"], ">=2.31");
    let kinds: Vec<&str> = req["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["pyproject", "uv-lock"]);
}

#[test]
fn conda_environment() {
    let v = inventory(&fixture("python/conda/env"), false);
    assert_eq!(v["errors"], serde_json::json!([]));
    let conda: Vec<&Value> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == "conda")
        .collect();
    assert_eq!(conda.len(), 5);
    let numpy = conda.iter().find(|p| p["name"] == "numpy").unwrap();
    assert_eq!(numpy["purl"], "pkg:conda/numpy@1.26.4");
    assert_eq!(numpy["direct"], true);
    assert_eq!(numpy["license"], "BSD-3-Clause");
    assert_eq!(numpy["file_count"], 4);
    let zlib = conda.iter().find(|p| p["name"] == "libzlib").unwrap();
    assert_eq!(zlib["direct"], false);
    assert_eq!(
        zlib["introduced_by"],
        serde_json::json!([
            "pkg:conda/numpy@1.26.4",
            "pkg:conda/pip@24.3.1",
            "pkg:conda/python@3.11.7"
        ])
    );
    // pip-installed packages in the env's site-packages are PyPI packages.
    assert_eq!(pkg(&v, "requests")["purl"], "pkg:pypi/requests@2.32.3");
}

#[test]
fn wheels_and_sdists_are_read_in_memory() {
    use sha2::Digest;
    let whl = fixture("python/archives/tinypkg-0.2.0-py3-none-any.whl");
    let v = inventory(&whl, false);
    assert_eq!(v["errors"], serde_json::json!([]));
    let p = pkg(&v, "tinypkg");
    assert_eq!(p["version"], "0.2.0");
    assert_eq!(p["license"], "MIT");
    let digest = hex::encode(sha2::Sha256::digest(std::fs::read(&whl).unwrap()));
    assert_eq!(
        p["hashes"],
        serde_json::json!([{"algorithm": "sha256", "value": digest}])
    );

    let sdist = inventory(&fixture("python/archives/tinypkg-0.2.0.tar.gz"), false);
    assert_eq!(pkg(&sdist, "tinypkg")["sources"][0]["kind"], "sdist");
    let cfg = inventory(&fixture("python/archives/legacy_cfg-0.3.tar.gz"), false);
    assert_eq!(ids(&cfg), ["legacy-cfg==0.3"]);

    let renamed = inventory(
        &fixture("python/archives/renamed-9.9-py3-none-any.whl"),
        false,
    );
    assert!(
        renamed["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("file name says renamed 9.9")
    );
    let npm = inventory(&fixture("python/archives/npmlike-1.0.0.tar.gz"), false);
    assert!(
        npm["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("npm package tarball")
    );
}

#[test]
fn corpus_graphs_direct_and_introduced_by() {
    let Some(dir) = shared_corpus("lockfiles/python") else {
        return;
    };
    for rel in ["uv/uv.lock", "poetry/poetry.lock", "pdm/pdm.lock"] {
        let v = inventory(&dir.join(rel), true);
        let direct = v["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["direct"] == true)
            .count();
        assert_eq!(direct, 44, "{rel}: the 44 pins of the project");
        // h2 comes only with httpx[http2], which qdrant-client asks for.
        assert_eq!(
            pkg(&v, "h2")["introduced_by"],
            serde_json::json!(["pkg:pypi/qdrant-client@1.20.0"]),
            "{rel}"
        );
        // greenlet comes with sqlalchemy[asyncio], which only llama-index-core asks for.
        assert_eq!(
            pkg(&v, "greenlet")["introduced_by"],
            serde_json::json!(["pkg:pypi/llama-index-core@0.14.25"]),
            "{rel}"
        );
        assert_eq!(
            pkg(&v, "cryptography")["introduced_by"],
            serde_json::json!(["pkg:pypi/google-genai@3.4.0", "pkg:pypi/mcp@2.3.0"]),
            "{rel}"
        );
        assert!(
            pkg(&v, "soupsieve")["introduced_by"]
                == serde_json::json!(["pkg:pypi/beautifulsoup4@4.15.0"])
        );
    }
    // uv.lock without a target keeps both soupsieve forks, each with its marker edge.
    let v = inventory(&dir.join("uv/uv.lock"), false);
    let bs4 = pkg(&v, "beautifulsoup4");
    assert!(
        bs4["dependencies"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("pkg:pypi/soupsieve@2.10"))
    );
    assert!(
        bs4["dependencies"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("pkg:pypi/soupsieve@4.1.2"))
    );
    assert_eq!(pkg(&v, "soupsieve")["purl"], "pkg:pypi/soupsieve@2.10");
}

#[test]
fn truncated_lockfiles_are_errors_with_lines_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("uv", "uv.lock"),
        ("poetry", "poetry.lock"),
        ("pdm", "pdm.lock"),
        ("pipenv", "Pipfile.lock"),
        ("pylock", "pylock.toml"),
    ];
    for (sub, file) in cases {
        let text = std::fs::read_to_string(fixture(&format!("python/{sub}/{file}"))).unwrap();
        let cut = &text[..text.len() * 2 / 3];
        let d = dir.path().join(sub);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(file), cut).unwrap();
    }
    std::fs::write(
        dir.path().join("requirements.txt"),
        "requests==2.0\nnot valid!!\nidna\n",
    )
    .unwrap();
    let v = inventory(dir.path(), false);
    let errors = v["errors"].as_array().unwrap();
    for (sub, file) in cases {
        let e = errors
            .iter()
            .find(|e| {
                e["path"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("{sub}/{file}"))
            })
            .unwrap_or_else(|| panic!("no error for {sub}/{file}: {errors:?}"));
        assert!(e["line"].as_u64().is_some(), "{sub}: {e}");
    }
    let req = errors
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with("requirements.txt"))
        .unwrap();
    assert_eq!(req["line"], 2);
    assert_eq!(ids(&v), ["idna==*", "requests==2.0"]);
}
