//! PEP 508 requirements and artifact names, shared by the Python extractors
//! (requirements files, pyproject.toml, lockfiles, wheels and sdists).

use super::Dep;
use super::markers::Marker;
use crate::model::{Ecosystem, Origin, Package, pep503_normalize};
use pep440_rs::{Operator, VersionSpecifiers};
use pep508_rs::{MarkerTree, Pep508Url, Requirement, VersionOrUrl};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// A URL as written after `name @`: kept verbatim, never resolved against
/// the file system (pep508's own URL type wants absolute paths).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawUrl(pub String);

impl fmt::Display for RawUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Pep508Url for RawUrl {
    type Err = std::convert::Infallible;
    fn parse_url(url: &str, _working_dir: Option<&Path>) -> Result<Self, Self::Err> {
        Ok(RawUrl(url.to_string()))
    }
}

/// A parsed PEP 508 requirement.
pub type Req = Requirement<RawUrl>;

/// Parses one PEP 508 requirement string.
pub fn parse_req(s: &str) -> Result<Req, String> {
    let s = s.trim();
    precheck_names(s)?;
    // pep508_rs 0.9.2 panics (an `expect`) where its parser and its name type
    // disagree; `precheck_names` rules out the known cases, and a panic from a
    // case not yet known becomes an error instead of taking the scan down.
    let parsed = std::panic::catch_unwind(|| Req::from_str(s))
        .map_err(|_| "the requirement parser failed on this requirement".to_string())?;
    // Only the message: pep508's full Display underlines the input and
    // slices it at char (not byte) offsets, which panics on non-ASCII input.
    parsed.map_err(|e| e.message.to_string())
}

/// Names and extras must end with a letter or digit (`name.` / `a[x-]` make
/// pep508_rs 0.9.2 panic instead of returning an error; found by fuzzing).
fn precheck_names(s: &str) -> Result<(), String> {
    let ident_end = |t: &str| {
        t.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(t.len())
    };
    let bad_end = |id: &str| id.ends_with(['-', '_', '.']);
    let name = &s[..ident_end(s)];
    if bad_end(name) {
        return Err(format!(
            "package name `{name}` must end with a letter or digit"
        ));
    }
    let rest = s[name.len()..].trim_start();
    if let Some(inner) = rest.strip_prefix('[') {
        let inner = inner.split(']').next().unwrap_or(inner);
        for piece in inner.split(',') {
            let p = piece.trim_start();
            let id = &p[..ident_end(p)];
            if bad_end(id) {
                return Err(format!("extra `{id}` must end with a letter or digit"));
            }
        }
    }
    Ok(())
}

/// The exact version a specifier set pins (`==1.2.3` or `===1.2.3`), if any.
pub fn pinned(specs: &VersionSpecifiers) -> Option<String> {
    let mut out = None;
    for s in specs.iter() {
        match s.operator() {
            Operator::Equal | Operator::ExactEqual => {
                if out.is_some() {
                    return None;
                }
                out = Some(s.version().to_string());
            }
            _ => {}
        }
    }
    out
}

/// The marker as text, `None` when it always holds.
pub fn marker_text(tree: &MarkerTree) -> Option<String> {
    tree.contents().map(|c| c.to_string())
}

/// A requirement turned into a declared package and the edge to it.
pub struct Declared {
    pub package: Package,
    pub dep: Dep,
}

/// Builds the package a requirement declares: pinned version when `==`,
/// else the specifier as `requirement`; URL requirements get an origin (and
/// a version when the URL names an archive of that package). `text` is the
/// requirement as written, for the name's spelling.
pub fn declared(req: &Req, text: &str) -> Declared {
    let name = written_name(text, req);
    let mut version = None;
    let mut requirement = None;
    let mut origin = None;
    match &req.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specs)) => {
            version = pinned(specs);
            if version.is_none() && !specs.is_empty() {
                requirement = Some(specs.to_string());
            }
        }
        Some(VersionOrUrl::Url(url)) => {
            origin = Some(url_origin(&url.0));
            version = archive_version(&url.0, &name);
            requirement = Some(format!("@ {}", url.0));
        }
        None => {}
    }
    let mut package = Package::new(Ecosystem::Pypi, &name, version.as_deref());
    package.requirement = requirement;
    package.origin = origin;
    package.markers = marker_text(&req.marker);
    Declared {
        package,
        dep: dep_of(req),
    }
}

/// The name as the input spells it (pep508 normalises it).
fn written_name(text: &str, req: &Req) -> String {
    let t = text.trim_start();
    let end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(t.len());
    let written = &t[..end];
    if pep503_normalize(written) == req.name.as_ref() {
        written.to_string()
    } else {
        req.name.to_string()
    }
}

/// The edge a requirement declares: name, extras, marker.
pub fn dep_of(req: &Req) -> Dep {
    let mut dep = Dep::named(Ecosystem::Pypi, req.name.as_ref());
    if !req.marker.is_true() {
        dep.marker = Some(Marker::from_tree(req.marker.clone()));
    }
    dep.extras = req.extras.iter().map(|e| e.to_string()).collect();
    dep
}

/// Parses a requirement into an edge; the error names the requirement.
pub fn dep_from_str(s: &str) -> Result<Dep, String> {
    parse_req(s)
        .map(|r| dep_of(&r))
        .map_err(|e| format!("invalid requirement `{}`: {e}", s.trim()))
}

/// Classifies a requirement URL: VCS (`git+…@rev`), local file or path, or
/// a plain archive URL.
pub fn url_origin(url: &str) -> Origin {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        let (base, rev) = split_vcs_rev(strip_fragment(url));
        return Origin::Vcs {
            url: base.to_string(),
            rev: rev.map(str::to_string),
        };
    }
    if let Some(p) = url
        .strip_prefix("file://")
        .or_else(|| url.strip_prefix("file:"))
    {
        return Origin::Path {
            path: strip_fragment(p).to_string(),
            editable: false,
        };
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Origin::Url {
            url: url.to_string(),
        };
    }
    Origin::Path {
        path: strip_fragment(url).to_string(),
        editable: false,
    }
}

fn strip_fragment(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

/// `git+https://host/a/b.git@v1.0` → (`git+https://host/a/b.git`, `v1.0`). An
/// `@` before the path (`git+ssh://git@host/…`) is a user, not a revision.
pub fn split_vcs_rev(url: &str) -> (&str, Option<&str>) {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = url[after_scheme..]
        .find('/')
        .map(|i| after_scheme + i)
        .unwrap_or(url.len());
    match url.rfind('@') {
        Some(at) if at > path_start && at + 1 < url.len() => (&url[..at], Some(&url[at + 1..])),
        _ => (url, None),
    }
}

/// The `#egg=name` fragment of a pip URL.
pub fn egg_name(url: &str) -> Option<String> {
    let frag = url.split_once('#')?.1;
    frag.split('&')
        .find_map(|kv| kv.strip_prefix("egg="))
        .map(|n| n.split('[').next().unwrap_or(n).trim().to_string())
        .filter(|n| !n.is_empty())
}

/// The last path segment of a URL or path, without query or fragment.
pub fn file_name_of(url: &str) -> &str {
    let s = strip_fragment(url);
    let s = s.split('?').next().unwrap_or(s);
    s.rsplit(['/', '\\']).next().unwrap_or(s)
}

/// `(name, version)` from a wheel or sdist file name.
pub fn archive_name_version(file: &str) -> Option<(String, String)> {
    if let Some(stem) = file.strip_suffix(".whl") {
        let parts: Vec<&str> = stem.split('-').collect();
        if parts.len() == 5 || parts.len() == 6 {
            return Some((parts[0].to_string(), parts[1].to_string()));
        }
        return None;
    }
    let stem = [".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar"]
        .iter()
        .find_map(|ext| {
            file.len()
                .checked_sub(ext.len())
                .filter(|&i| file.is_char_boundary(i) && file[i..].eq_ignore_ascii_case(ext))
                .map(|i| &file[..i])
        })?;
    let (name, version) = stem.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || !version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((name.to_string(), version.to_string()))
}

/// The version an archive URL names, when its file name is of `name`.
pub fn archive_version(url: &str, name: &str) -> Option<String> {
    let (n, v) = archive_name_version(file_name_of(url))?;
    (pep503_normalize(&n) == pep503_normalize(name)).then_some(v)
}

/// Whether two PEP 440 versions are equal (`1.0` == `1.0.0`); unparsable
/// versions compare as text.
pub fn same_version(a: &str, b: &str) -> bool {
    match (
        pep440_rs::Version::from_str(a.trim()),
        pep440_rs::Version::from_str(b.trim()),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

/// Appends `url` to `indexes` unless it is already there.
pub fn add_index(indexes: &mut Vec<String>, url: &str) {
    let url = url.trim();
    if !url.is_empty() && !indexes.iter().any(|i| i == url) {
        indexes.push(url.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_to_packages() {
        let text = "Requests[socks]==2.31.0 ; python_version < '3.12'";
        let d = declared(&parse_req(text).unwrap(), text);
        assert_eq!(d.package.name, "Requests");
        assert_eq!(d.package.version.as_deref(), Some("2.31.0"));
        assert_eq!(
            d.package.markers.as_deref(),
            Some("python_full_version < '3.12'")
        );
        assert_eq!(d.dep.extras, vec!["socks"]);
        let d = declared(&parse_req("numpy>=1.26,<2").unwrap(), "");
        assert_eq!(d.package.version, None);
        assert_eq!(d.package.requirement.as_deref(), Some(">=1.26, <2"));
        let d = declared(
            &parse_req("pkg @ https://h.invalid/pkg-1.2.tar.gz").unwrap(),
            "",
        );
        assert_eq!(d.package.version.as_deref(), Some("1.2"));
        assert!(matches!(d.package.origin, Some(Origin::Url { .. })));
        assert!(parse_req("not a requirement!!").is_err());
        // Found by fuzzing: these made pep508_rs panic.
        assert!(parse_req("charset-normalizer.==1").is_err());
        assert!(parse_req("a[x-] ; python_version > '3'").is_err());
        assert!(parse_req("a[x, y_]").is_err());
        assert!(parse_req("a[x,y]>=1").is_ok());
    }

    #[test]
    fn urls() {
        assert_eq!(
            url_origin("git+https://g.invalid/a/b.git@v1.0#egg=b"),
            Origin::Vcs {
                url: "git+https://g.invalid/a/b.git".into(),
                rev: Some("v1.0".into())
            }
        );
        assert_eq!(
            split_vcs_rev("git+ssh://git@g.invalid/a/b.git"),
            ("git+ssh://git@g.invalid/a/b.git", None)
        );
        assert_eq!(
            egg_name("git+https://x/y#egg=Foo[bar]&subdirectory=z"),
            Some("Foo".into())
        );
        assert_eq!(
            archive_name_version("numpy-2.4.6-cp311-cp311-manylinux_2_28_x86_64.whl"),
            Some(("numpy".into(), "2.4.6".into()))
        );
        assert_eq!(
            archive_name_version("python-dateutil-2.8.2.tar.gz"),
            Some(("python-dateutil".into(), "2.8.2".into()))
        );
        assert_eq!(archive_name_version("src.tar.gz"), None);
        assert!(same_version("1.0", "1.0.0"));
        assert!(!same_version("1.0", "1.1"));
    }
}
