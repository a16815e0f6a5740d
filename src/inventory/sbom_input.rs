//! What the CycloneDX and SPDX extractors share: a package from a purl,
//! declared licences joined into one expression, and the marker tollgate's
//! own SBOMs put on a digest that is not the artifact's.

use crate::model::{Ecosystem, Package, parse_purl};

/// CycloneDX property tollgate writes on a component whose SHA-256 is of
/// its installed `RECORD` file, not of an archive.
pub const RECORD_HASH_PROPERTY: &str = "tollgate:hash-of";
/// Its value.
pub const RECORD_HASH_VALUE: &str = "installed RECORD file";
/// The SPDX package comment saying the same.
pub const RECORD_HASH_COMMENT: &str = "The SHA256 checksum is of the installed RECORD file \
     (an installed environment does not record the archive's digest).";

/// The package a component describes: its purl decides the ecosystem, name
/// and version; the declared name keeps its spelling when it is the same
/// package. `Ok(None)` for a purl of an ecosystem tollgate does not check
/// (`pkg:maven/…`) or no purl at all.
pub fn package(
    purl: Option<&str>,
    name: Option<&str>,
    version: Option<&str>,
) -> Result<Option<Package>, String> {
    let Some(purl) = purl.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let ty = purl
        .strip_prefix("pkg:")
        .and_then(|r| r.split('/').next())
        .map(str::to_ascii_lowercase);
    if !matches!(ty.as_deref(), Some("pypi" | "npm" | "cargo")) {
        return if purl.starts_with("pkg:") {
            Ok(None)
        } else {
            Err(format!(
                "`{purl}` is not a purl (expected `pkg:TYPE/NAME@VERSION`)"
            ))
        };
    }
    let p = parse_purl(purl)?;
    let eco = p.ecosystem;
    let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if eco.normalize(n) == eco.normalize(&p.name) => n.to_string(),
        _ => p.name.clone(),
    };
    let version = p
        .version
        .as_deref()
        .or(version.map(str::trim).filter(|v| !v.is_empty()));
    if eco == Ecosystem::Npm && name.starts_with('@') && !name.contains('/') {
        return Err(format!("`{purl}`: a scope without a package name"));
    }
    Ok(Some(Package::new(eco, &name, version)))
}

/// Several declared licences: all apply (`AND`); compound ones parenthesised.
pub fn join_licenses(parts: &[String]) -> Option<String> {
    let parts: Vec<&str> = parts
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty() && !matches!(*s, "NOASSERTION" | "NONE"))
        .collect();
    match parts.as_slice() {
        [] => None,
        [one] => Some(one.to_string()),
        many => Some(
            many.iter()
                .map(|p| {
                    if p.contains(' ') {
                        format!("({p})")
                    } else {
                        p.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" AND "),
        ),
    }
}

/// Fuzz check shared by both SBOM parsers: resolving the extract must not
/// panic, and every package must have a well-formed purl.
pub fn check(mut ex: super::Extract) {
    super::graph::resolve(&mut ex, None);
    for n in &ex.nodes {
        assert!(n.package.purl.starts_with("pkg:"), "{:?}", n.package.purl);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_from_purls() {
        let p = package(Some("pkg:pypi/jinja2@3.1.6"), Some("Jinja2"), None)
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("Jinja2", Some("3.1.6"))
        );
        let p = package(Some("pkg:npm/%40types/node"), Some("node"), Some("20.1.0"))
            .unwrap()
            .unwrap();
        assert_eq!(p.name, "@types/node");
        assert_eq!(p.version.as_deref(), Some("20.1.0"));
        assert_eq!(p.purl, "pkg:npm/%40types/node@20.1.0");
        assert!(
            package(Some("pkg:maven/org.x/y@1"), None, None)
                .unwrap()
                .is_none()
        );
        assert!(package(None, Some("x"), Some("1")).unwrap().is_none());
        assert!(package(Some("npm/lodash@1"), None, None).is_err());
        assert!(package(Some("pkg:npm/%40scope@1"), None, None).is_err());
    }

    #[test]
    fn licences_join() {
        let j = |v: &[&str]| join_licenses(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(j(&[]), None);
        assert_eq!(j(&["NOASSERTION"]), None);
        assert_eq!(j(&["MIT"]).as_deref(), Some("MIT"));
        assert_eq!(
            j(&["MIT", "Apache-2.0 OR ISC"]).as_deref(),
            Some("MIT AND (Apache-2.0 OR ISC)")
        );
    }
}
