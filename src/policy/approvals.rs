//! `tollgate-approvals.toml`: reviewed package versions, committed beside the
//! policy. An approval names the exact artifact (its hash): an approval for a
//! different hash of the same version does not count.

use crate::finding::InputError;
use crate::model::{Ecosystem, Hash, Package};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One reviewed package version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub package: String,
    pub ecosystem: Ecosystem,
    pub version: String,
    /// `alg:hex` of the approved artifact; absent when the input records none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    pub reason: String,
    pub by: String,
    /// RFC 3339 time of the approval.
    pub at: String,
}

#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovalsFile {
    #[serde(default)]
    approval: Vec<Approval>,
}

/// Whether a package version is covered by an approval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status<'a> {
    Approved(&'a Approval),
    /// Approved, but for another artifact: the hash differs.
    HashMismatch(&'a Approval),
    Missing,
}

/// Reads an approvals file; a missing file is an empty list.
pub fn load(path: &Path) -> Result<Vec<Approval>, InputError> {
    let display = crate::discover::display_path(path);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text =
        crate::inventory::text::read_text(path).map_err(|e| InputError::new(&display, None, e))?;
    parse(&text, &display)
}

pub fn parse(text: &str, display: &str) -> Result<Vec<Approval>, InputError> {
    let f: ApprovalsFile = toml::from_str(text).map_err(|e| {
        let (line, msg) = crate::inventory::text::toml_error(text, &e);
        InputError::new(display, line, msg)
    })?;
    Ok(f.approval)
}

/// The hash an approval records for a package: the strongest it has.
pub fn strongest_hash(p: &Package) -> Option<&Hash> {
    let rank = |a: &str| match a {
        "sha512" => 5,
        "sha384" => 4,
        "sha256" => 3,
        "sha1" => 1,
        _ => 0,
    };
    p.hashes.iter().max_by_key(|h| rank(&h.algorithm))
}

/// Whether `approvals` cover `pkg` (same ecosystem, name and version, and the
/// recorded hash is one of the package's hashes).
pub fn status<'a>(approvals: &'a [Approval], pkg: &Package) -> Status<'a> {
    let Some(version) = pkg.version.as_deref() else {
        return Status::Missing;
    };
    let mut mismatch = None;
    for a in approvals.iter().rev() {
        if a.ecosystem != pkg.ecosystem
            || pkg.ecosystem.normalize(&a.package) != pkg.normalized_name
            || a.version != version
        {
            continue;
        }
        let ok = match a.hash.as_deref().and_then(Hash::parse_prefixed) {
            Some(h) => pkg.hashes.contains(&h),
            // Recorded without a hash: it only vouches for a package that has none.
            None => pkg.hashes.is_empty(),
        };
        if ok {
            return Status::Approved(a);
        }
        mismatch.get_or_insert(a);
    }
    mismatch.map_or(Status::Missing, Status::HashMismatch)
}

/// Appends one approval to the file, keeping what is there (comments included).
pub fn append(path: &Path, approval: &Approval) -> std::io::Result<()> {
    let mut text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            "# Reviewed package versions (tollgate approve). Commit this file.\n".to_string()
        }
        Err(e) => return Err(e),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let entry = toml::to_string(&ApprovalsFile {
        approval: vec![approval.clone()],
    })
    .map_err(std::io::Error::other)?;
    text.push('\n');
    text.push_str(&entry);
    std::fs::write(path, text)
}

/// Fuzz entry point.
pub fn fuzz_approvals(data: &[u8]) {
    let _ = parse(&String::from_utf8_lossy(data), "tollgate-approvals.toml");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(hash: Option<&str>) -> Package {
        let mut p = Package::new(Ecosystem::Npm, "left-pad", Some("1.3.0"));
        if let Some(h) = hash {
            p.add_hash(Hash::parse_prefixed(h).unwrap());
        }
        p
    }

    fn approval(hash: Option<&str>) -> Approval {
        Approval {
            package: "left-pad".into(),
            ecosystem: Ecosystem::Npm,
            version: "1.3.0".into(),
            hash: hash.map(str::to_string),
            reason: "reviewed".into(),
            by: "ci".into(),
            at: "2026-11-22T00:00:00Z".into(),
        }
    }

    #[test]
    fn hash_must_match() {
        let a = vec![approval(Some("sha512:aa"))];
        assert!(matches!(
            status(&a, &pkg(Some("sha512:aa"))),
            Status::Approved(_)
        ));
        assert!(matches!(
            status(&a, &pkg(Some("sha512:bb"))),
            Status::HashMismatch(_)
        ));
        assert!(matches!(status(&a, &pkg(None)), Status::HashMismatch(_)));
        let none = vec![approval(None)];
        assert!(matches!(status(&none, &pkg(None)), Status::Approved(_)));
        assert!(matches!(
            status(&none, &pkg(Some("sha512:aa"))),
            Status::HashMismatch(_)
        ));
        let mut other = pkg(Some("sha512:aa"));
        other.version = Some("1.3.1".into());
        assert_eq!(status(&a, &other), Status::Missing);
    }

    #[test]
    fn round_trip_and_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tollgate-approvals.toml");
        append(&path, &approval(Some("sha512:aa"))).unwrap();
        append(&path, &approval(None)).unwrap();
        let got = load(&path).unwrap();
        assert_eq!(got, vec![approval(Some("sha512:aa")), approval(None)]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# Reviewed"));
        let e = parse("[[approval]]\npackage = \"x\"\nextra = 1\n", "a.toml").unwrap_err();
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn strongest() {
        let mut p = pkg(Some("sha1:11"));
        p.add_hash(Hash::new("sha512", "55"));
        assert_eq!(strongest_hash(&p).unwrap().algorithm, "sha512");
    }

    #[test]
    fn fuzz_mutations() {
        let seed = toml::to_string(&ApprovalsFile {
            approval: vec![approval(Some("sha512:aa"))],
        })
        .unwrap();
        let b = seed.as_bytes();
        for i in 0..=b.len() {
            fuzz_approvals(&b[..i]);
        }
    }
}
