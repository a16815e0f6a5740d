//! Release times from index responses: the JSON simple API (PEP 691) with
//! PEP 700's `upload-time`, and the npm packument's `time` map.

use crate::model::pep503_normalize;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Deserialize)]
struct SimpleProject {
    #[serde(default)]
    files: Vec<SimpleFile>,
}

#[derive(Deserialize)]
struct SimpleFile {
    filename: String,
    #[serde(rename = "upload-time")]
    upload_time: Option<String>,
}

/// The version in a distribution filename of project `name`: wheels are
/// `{name}-{version}-…whl`, sdists `{name}-{version}.tar.gz` / `.zip`.
pub fn version_from_filename(filename: &str, name: &str) -> Option<String> {
    let norm = pep503_normalize(name);
    let stem = if let Some(w) = filename.strip_suffix(".whl") {
        let mut parts = w.splitn(3, '-');
        let (n, v) = (parts.next()?, parts.next()?);
        return (pep503_normalize(n) == norm).then(|| v.to_string());
    } else {
        [".tar.gz", ".zip", ".tar.bz2", ".tgz", ".egg"]
            .iter()
            .find_map(|e| filename.strip_suffix(e))?
    };
    // The name itself may contain `-`: split where the prefix normalises to it.
    stem.match_indices('-').find_map(|(i, _)| {
        (pep503_normalize(&stem[..i]) == norm).then(|| stem[i + 1..].to_string())
    })
}

/// PEP 440-normalised version → earliest upload time of any of its files.
pub fn pypi_times(json: &str, name: &str) -> Result<BTreeMap<String, jiff::Timestamp>, String> {
    let p: SimpleProject =
        serde_json::from_str(json).map_err(|e| format!("not a JSON simple-API page: {e}"))?;
    let mut out: BTreeMap<String, jiff::Timestamp> = BTreeMap::new();
    for f in p.files {
        let (Some(v), Some(t)) = (version_from_filename(&f.filename, name), f.upload_time) else {
            continue;
        };
        let (Ok(v), Ok(t)) = (
            pep440_rs::Version::from_str(&v),
            t.parse::<jiff::Timestamp>(),
        ) else {
            continue;
        };
        let e = out.entry(v.to_string()).or_insert(t);
        if t < *e {
            *e = t;
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct Packument {
    #[serde(default)]
    time: BTreeMap<String, serde_json::Value>,
}

/// Version → publish time from a full packument (`created`/`modified` skipped).
pub fn npm_times(json: &str) -> Result<BTreeMap<String, jiff::Timestamp>, String> {
    let p: Packument =
        serde_json::from_str(json).map_err(|e| format!("not an npm packument: {e}"))?;
    Ok(p.time
        .into_iter()
        .filter(|(k, _)| k != "created" && k != "modified")
        .filter_map(|(k, v)| Some((k, v.as_str()?.parse::<jiff::Timestamp>().ok()?)))
        .collect())
}

/// The key `times` uses for a version: PEP 440-normalised for PyPI.
pub fn version_key(eco: crate::model::Ecosystem, v: &str) -> String {
    match eco {
        crate::model::Ecosystem::Pypi => pep440_rs::Version::from_str(v.trim())
            .map(|v| v.to_string())
            .unwrap_or_else(|_| v.trim().to_string()),
        _ => v.trim().to_string(),
    }
}

/// Fuzz entry point for both response parsers.
pub fn fuzz_responses(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let _ = pypi_times(&s, "litellm");
    let _ = npm_times(&s);
    let _ = version_from_filename(&s, "a-b");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-made in the JSON simple-API layout: the litellm 1.82.7 timeline.
    const SIMPLE: &str = include_str!("../../tests/fixtures/policy/online/simple-litellm.json");
    /// Recorded from a real index (trimmed, hosts replaced).
    const DOTENV: &str =
        include_str!("../../tests/fixtures/policy/online/simple-python-dotenv.json");
    /// Recorded from a real registry (trimmed, hosts replaced).
    const PACKUMENT: &str =
        include_str!("../../tests/fixtures/policy/online/packument-left-pad.json");

    #[test]
    fn filenames() {
        assert_eq!(
            version_from_filename("litellm-1.82.6-py3-none-any.whl", "litellm").as_deref(),
            Some("1.82.6")
        );
        assert_eq!(
            version_from_filename("typing_extensions-4.12.2.tar.gz", "typing-extensions")
                .as_deref(),
            Some("4.12.2")
        );
        assert_eq!(
            version_from_filename("zope.interface-7.0.zip", "zope-interface").as_deref(),
            Some("7.0")
        );
        assert_eq!(version_from_filename("other-1.0.tar.gz", "litellm"), None);
        assert_eq!(version_from_filename("README", "x"), None);
    }

    #[test]
    fn simple_api_times() {
        let t = pypi_times(SIMPLE, "litellm").unwrap();
        assert_eq!(t.get("1.82.6").unwrap().to_string(), "2026-03-20T09:00:00Z");
        // The earliest file of a version is its release time.
        assert_eq!(t.get("1.82.7").unwrap().to_string(), "2026-03-24T10:20:00Z");
        assert!(
            !t.contains_key("1.82.8"),
            "a file without upload-time gives no time"
        );
        assert!(pypi_times("5", "x").is_err());
        let d = pypi_times(DOTENV, "python-dotenv").unwrap();
        assert_eq!(d.len(), 3);
        // The wheel was uploaded two seconds before the sdist.
        assert_eq!(
            d.get("1.0.1").unwrap().to_string(),
            "2024-01-23T06:32:58.246675Z"
        );
    }

    #[test]
    fn packument_times() {
        let t = npm_times(PACKUMENT).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(
            t.get("1.3.0").unwrap().to_string(),
            "2024-09-05T00:40:51.026Z"
        );
        assert!(npm_times("{\"time\": 5}").is_err());
    }

    #[test]
    fn fuzz_mutations() {
        for seed in [SIMPLE, DOTENV, PACKUMENT] {
            let b = seed.as_bytes();
            for i in (0..=b.len()).step_by(7) {
                fuzz_responses(&b[..i]);
            }
        }
    }
}
