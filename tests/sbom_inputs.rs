//! CycloneDX and SPDX SBOMs as inputs: tollgate's own SBOM of a lockfile or
//! an environment reads back as the same packages (versions, digests,
//! licences, graph), an SBOM made elsewhere gets advisory checks, and an
//! SBOM can be either side of `diff`.

mod common;
use common::{corpus_cache, json_report, shared_corpus, tollgate};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Writes `tollgate sbom SRC -f FORMAT` to `dir/NAME`.
fn write_sbom(home: &Path, src: &Path, format: &str, dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    let r = tollgate(home)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["sbom", src.to_str().unwrap(), "-f", format, "-q", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    out
}

/// purl → (direct, dependencies, hashes, licence) as `inventory` reports them.
fn packages(home: &Path, path: &Path) -> BTreeMap<String, Value> {
    let v = json_report(home, &["inventory", path.to_str().unwrap()]);
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["purl"].as_str().unwrap().to_string(),
                serde_json::json!({
                    "direct": p["direct"],
                    "dependencies": p["dependencies"],
                    "hashes": p["hashes"],
                    "license": p["license"].as_str().map(normalized),
                }),
            )
        })
        .collect()
}

fn normalized(l: &str) -> String {
    tollgate::license::normalize(l).map_or(String::new(), |l| l.as_str().to_string())
}

fn round_trip(src: &Path) {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let want = packages(home.path(), src);
    assert!(want.len() > 100, "{}", src.display());
    for (format, name) in [
        ("cyclonedx-json", "bom.cdx.json"),
        ("spdx-json", "bom.spdx.json"),
    ] {
        let sbom = write_sbom(home.path(), src, format, dir.path(), name);
        let got = packages(home.path(), &sbom);
        assert_eq!(got.len(), want.len(), "{format}");
        for (purl, w) in &want {
            assert_eq!(got.get(purl), Some(w), "{format}: {purl}");
        }
    }
}

#[test]
fn a_lockfile_sbom_reads_back_as_the_lockfile() {
    if let Some(lock) = shared_corpus("lockfiles/npm/package-lock.json") {
        round_trip(&lock);
    }
}

#[test]
fn an_environment_sbom_reads_back_as_the_environment() {
    // The RECORD digests tollgate writes for installed distributions are
    // marked, and not read back as artifact digests.
    if let Some(venv) = corpus_cache("venv") {
        round_trip(&venv);
    }
}

#[test]
fn an_sbom_made_elsewhere_gets_advisory_checks() {
    // As GitHub's dependency-graph export writes it: a flat DEPENDS_ON list.
    let dir = tempfile::tempdir().unwrap();
    let spdx = dir.path().join("github.spdx.json");
    std::fs::write(
        &spdx,
        r#"{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
  "name": "com.github.octo/app", "documentNamespace": "https://spdx.invalid/doc",
  "creationInfo": {"creators": ["Tool: protobom-v0.0.0"], "created": "2024-01-01T00:00:00Z"},
  "packages": [
    {"name": "com.github.octo/app", "SPDXID": "SPDXRef-com.github.octo-app", "versionInfo": "",
     "downloadLocation": "git+https://git.invalid/octo/app", "filesAnalyzed": false,
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                       "referenceLocator": "pkg:github/octo/app"}]},
    {"name": "pypi:pip", "SPDXID": "SPDXRef-pypi-pip-23.2.1", "versionInfo": "23.2.1",
     "downloadLocation": "NOASSERTION", "filesAnalyzed": false, "licenseConcluded": "MIT",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                       "referenceLocator": "pkg:pypi/pip@23.2.1"}]}],
  "relationships": [
    {"relationshipType": "DESCRIBES", "spdxElementId": "SPDXRef-DOCUMENT",
     "relatedSpdxElement": "SPDXRef-com.github.octo-app"},
    {"relationshipType": "DEPENDS_ON", "spdxElementId": "SPDXRef-com.github.octo-app",
     "relatedSpdxElement": "SPDXRef-pypi-pip-23.2.1"}]}"#,
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let v = json_report(home.path(), &["scan", spdx.to_str().unwrap()]);
    assert_eq!(v["inputs"][0]["kind"], "spdx");
    let p = &v["packages"][0];
    assert_eq!(p["purl"], "pkg:pypi/pip@23.2.1");
    assert_eq!(p["direct"], true);
    assert_eq!(p["sources"][0]["line"], 9);
    assert_eq!(p["name"], "pip");
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "TG101")
        .filter_map(|f| f["evidence"][0].as_str())
        .collect();
    assert!(ids.iter().any(|e| e.contains("PYSEC-2023-228")), "{ids:?}");
}

fn diff_json(home: &Path, base: &Path, head: &Path) -> Value {
    let out = tollgate(home)
        .args(["diff", base.to_str().unwrap(), head.to_str().unwrap()])
        .args(["-f", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    })
}

#[test]
fn sboms_are_diff_sides() {
    let Some(lock) = shared_corpus("lockfiles/npm/package-lock.json") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = write_sbom(
        home.path(),
        &lock,
        "cyclonedx-json",
        dir.path(),
        "base.cdx.json",
    );
    // The lockfile against its own SBOM: nothing changed, digests included.
    let d = diff_json(home.path(), &lock, &base);
    assert_eq!(
        d["changes"].as_array().unwrap().len(),
        0,
        "{}",
        d["changes"]
    );
    // HEAD: one package upgraded, one removed, one artifact swapped.
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    let comps = doc["components"].as_array_mut().unwrap();
    let axios = comps.iter_mut().find(|c| c["name"] == "axios").unwrap();
    let old = axios["version"].as_str().unwrap().to_string();
    axios["version"] = "99.0.0".into();
    axios["purl"] = "pkg:npm/axios@99.0.0".into();
    let ms = comps.iter_mut().find(|c| c["name"] == "ms").unwrap();
    ms["hashes"][0]["content"] = "0".repeat(128).into();
    comps.retain(|c| c["name"] != "dotenv");
    let head = dir.path().join("head.cdx.json");
    std::fs::write(&head, serde_json::to_string(&doc).unwrap()).unwrap();
    let d = diff_json(home.path(), &base, &head);
    let kinds: BTreeMap<&str, &str> = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        BTreeMap::from([
            ("axios", "upgraded"),
            ("dotenv", "removed"),
            ("ms", "artifact-changed")
        ]),
        "from axios {old}"
    );
    // An SPDX side works the same.
    let spdx = write_sbom(
        home.path(),
        &lock,
        "spdx-json",
        dir.path(),
        "base.spdx.json",
    );
    let d = diff_json(home.path(), &spdx, &head);
    assert_eq!(d["changes"].as_array().unwrap().len(), 3);
}

/// purl → (dependencies, hashes, licence), and the direct purls.
fn graph_of(home: &Path, path: &Path) -> (BTreeMap<String, Value>, Vec<String>) {
    let all = packages(home, path);
    let direct = all
        .iter()
        .filter(|(_, v)| v["direct"] == true)
        .map(|(k, _)| k.clone())
        .collect();
    let all = all
        .into_iter()
        .map(|(k, mut v)| {
            v.as_object_mut().unwrap().remove("direct");
            (k, v)
        })
        .collect();
    (all, direct)
}

/// `npm sbom` (npm 11.19.1) of a real project, both formats, read back as
/// that project's package-lock.json: the same packages, edges, integrity
/// and licences. npm counts the workspaces' own dependencies as theirs,
/// tollgate's lockfile reader as the project's: direct is a subset.
#[test]
fn npm_sbom_output_reads_as_its_lockfile() {
    let home = tempfile::tempdir().unwrap();
    let (want, want_direct) = graph_of(home.path(), &common::fixture("npm/npm"));
    for f in ["sbom/npm-sbom.cdx.json", "sbom/npm-sbom.spdx.json"] {
        let (got, direct) = graph_of(home.path(), &common::fixture(f));
        assert_eq!(got, want, "{f}");
        assert!(
            !direct.is_empty() && direct.iter().all(|d| want_direct.contains(d)),
            "{f}"
        );
    }
}

/// cyclonedx-py's SBOM of the corpus venv (tests/fixtures/sbom): its
/// components and graph read as tollgate reads the venv itself.
#[test]
fn cyclonedx_py_output_reads_as_the_environment() {
    let home = tempfile::tempdir().unwrap();
    let sbom = common::fixture("sbom/cyclonedx-py-venv.cdx.json");
    let v = json_report(home.path(), &["inventory", sbom.to_str().unwrap()]);
    let mut got: Vec<String> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}=={}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect();
    got.sort();
    let expected = std::fs::read_to_string(common::fixture("sbom/cyclonedx-py-venv.txt")).unwrap();
    assert_eq!(got, expected.lines().collect::<Vec<_>>());
    let Some(venv) = corpus_cache("venv") else {
        return;
    };
    let (theirs, _) = graph_of(home.path(), &sbom);
    let (ours, _) = graph_of(home.path(), &venv);
    assert_eq!(
        theirs.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>()
    );
    // Every edge tollgate finds, cyclonedx-py finds too. It ignores
    // environment markers and extras (aiohttp → async-timeout, which is
    // only for Python < 3.11; this venv is 3.11), so it lists more.
    let mut same = 0;
    for (purl, o) in &ours {
        let t = &theirs[purl]["dependencies"];
        let (o, t) = (o["dependencies"].as_array().unwrap(), t.as_array().unwrap());
        assert!(
            o.iter().all(|d| t.contains(d)),
            "{purl}: {o:?} not in {t:?}"
        );
        same += usize::from(o.len() == t.len());
    }
    assert!(same > 100, "{same}");
}
