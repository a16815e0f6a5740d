//! The package model shared by every extractor and analysis.
//!
//! A [`Package`] is "something we depend on and where we saw it": one
//! (ecosystem, name, version) with every source that mentioned it. Extractors
//! produce packages for one input; `inventory` merges them across inputs.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A package ecosystem. Serialised in lowercase (`pypi`, `npm`, `cargo`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    #[default]
    Pypi,
    Npm,
    Cargo,
    /// conda packages (conda-forge, defaults …): not PyPI distributions, even
    /// when they hold the same Python library.
    Conda,
}

impl Ecosystem {
    /// The purl type of this ecosystem.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Pypi => "pypi",
            Ecosystem::Npm => "npm",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Conda => "conda",
        }
    }

    /// The name under which the ecosystem compares package names.
    ///
    /// PyPI: PEP 503 (lowercase, runs of `-`, `_`, `.` become one `-`).
    /// npm: names are case-sensitive on disk but the registry refuses
    /// case-only twins, so lowercase. Cargo: crates.io treats `-` and `_` alike.
    /// conda: names are lowercase by convention; compare lowercased.
    pub fn normalize(self, name: &str) -> String {
        match self {
            Ecosystem::Pypi => pep503_normalize(name),
            Ecosystem::Npm => name.trim().to_ascii_lowercase(),
            Ecosystem::Cargo => name.trim().to_ascii_lowercase().replace('_', "-"),
            Ecosystem::Conda => name.trim().to_ascii_lowercase(),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.purl_type())
    }
}

/// PEP 503 normalisation: lowercase, and every run of `-`, `_` or `.` becomes `-`.
pub fn pep503_normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_sep = false;
        }
    }
    out
}

/// The kind of input a package was seen in. Serialised in kebab-case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    // Python
    /// An installed environment (`site-packages`, `dist-packages`, a venv root).
    PythonEnv,
    DistInfo,
    EggInfo,
    Requirements,
    Pyproject,
    UvLock,
    PoetryLock,
    PipfileLock,
    PdmLock,
    Pylock,
    CondaEnv,
    Wheel,
    Sdist,
    // npm
    PackageJson,
    PackageLock,
    YarnLock,
    PnpmLock,
    BunLock,
    NodeModules,
    NpmTarball,
    // Rust
    CargoLock,
    // Others
    Cyclonedx,
    Spdx,
    ModelFile,
}

impl InputKind {
    /// The kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::PythonEnv => "python-env",
            InputKind::DistInfo => "dist-info",
            InputKind::EggInfo => "egg-info",
            InputKind::Requirements => "requirements",
            InputKind::Pyproject => "pyproject",
            InputKind::UvLock => "uv-lock",
            InputKind::PoetryLock => "poetry-lock",
            InputKind::PipfileLock => "pipfile-lock",
            InputKind::PdmLock => "pdm-lock",
            InputKind::Pylock => "pylock",
            InputKind::CondaEnv => "conda-env",
            InputKind::Wheel => "wheel",
            InputKind::Sdist => "sdist",
            InputKind::PackageJson => "package-json",
            InputKind::PackageLock => "package-lock",
            InputKind::YarnLock => "yarn-lock",
            InputKind::PnpmLock => "pnpm-lock",
            InputKind::BunLock => "bun-lock",
            InputKind::NodeModules => "node-modules",
            InputKind::NpmTarball => "npm-tarball",
            InputKind::CargoLock => "cargo-lock",
            InputKind::Cyclonedx => "cyclonedx",
            InputKind::Spdx => "spdx",
            InputKind::ModelFile => "model-file",
        }
    }

    /// Whether packages from this input are installed on disk (have a footprint).
    pub fn is_installed(self) -> bool {
        matches!(
            self,
            InputKind::PythonEnv
                | InputKind::DistInfo
                | InputKind::EggInfo
                | InputKind::CondaEnv
                | InputKind::NodeModules
        )
    }

    /// Whether this input pins exact versions of a whole resolution (a lockfile).
    pub fn is_lockfile(self) -> bool {
        matches!(
            self,
            InputKind::UvLock
                | InputKind::PoetryLock
                | InputKind::PipfileLock
                | InputKind::PdmLock
                | InputKind::Pylock
                | InputKind::PackageLock
                | InputKind::YarnLock
                | InputKind::PnpmLock
                | InputKind::BunLock
                | InputKind::CargoLock
        )
    }
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One place a package was seen.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceRef {
    /// Display path of the input (inside an archive: `archive.whl!/inner/path`).
    pub path: String,
    /// 1-based line of the entry in that input, when the format has lines.
    pub line: Option<u32>,
    pub kind: InputKind,
}

/// A digest of the package's artifact, as recorded by the input.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Hash {
    /// Lowercase algorithm name: `sha256`, `sha512`, `sha1`, `md5` …
    pub algorithm: String,
    /// Lowercase hexadecimal digest.
    pub value: String,
}

impl Hash {
    pub fn new(algorithm: &str, value: &str) -> Self {
        Hash {
            algorithm: algorithm.trim().to_ascii_lowercase().replace('-', ""),
            value: value.trim().to_ascii_lowercase(),
        }
    }

    /// Parses `alg:hex` or `alg=hex` (pip `--hash`, uv, poetry, RECORD-style).
    pub fn parse_prefixed(s: &str) -> Option<Self> {
        let (alg, val) = s.split_once([':', '='])?;
        if alg.is_empty() || val.is_empty() {
            return None;
        }
        Some(Hash::new(alg, val))
    }
}

/// Where a package's artifact comes from. Serialised as `{"type": …, …}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Origin {
    /// A package index or registry; `url` when the input names it.
    Registry { url: Option<String> },
    /// A direct URL to an archive.
    Url { url: String },
    /// A version-control checkout.
    Vcs { url: String, rev: Option<String> },
    /// A local path (directory or archive).
    Path { path: String, editable: bool },
}

/// A package we depend on, merged over every input that mentions it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Package {
    pub ecosystem: Ecosystem,
    /// The name as published (as the input spells it).
    pub name: String,
    pub normalized_name: String,
    /// The exact version; `None` for a declared requirement without a pin.
    pub version: Option<String>,
    pub purl: String,
    /// `true`: a direct dependency of the project; `false`: transitive;
    /// `None`: the input does not say.
    pub direct: Option<bool>,
    pub sources: Vec<SourceRef>,
    pub hashes: Vec<Hash>,
    pub license: Option<String>,
    /// Purls of the packages this one depends on (as resolved in its input).
    pub dependencies: Vec<String>,
    /// For a transitive package: purls of the direct dependencies that pull it in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub introduced_by: Vec<String>,
    /// The declared requirement (specifier, range) when the input gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    /// The environment marker under which a lockfile installs this package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markers: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// Upload / publish time recorded by the input (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_time: Option<String>,
    /// The input says the package runs scripts at install time (npm `hasInstallScript`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_script: Option<bool>,
    /// Where the installed files live (installed environments only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_path: Option<String>,
    pub installed_size: Option<u64>,
    pub file_count: Option<u64>,
}

impl Package {
    /// A package with its name normalised and purl computed.
    pub fn new(ecosystem: Ecosystem, name: &str, version: Option<&str>) -> Self {
        let name = name.trim();
        let normalized_name = ecosystem.normalize(name);
        let version = version
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        let purl = purl(ecosystem, name, version.as_deref());
        Package {
            ecosystem,
            name: name.to_string(),
            normalized_name,
            version,
            purl,
            ..Package::default()
        }
    }

    /// `name@version`, or `name` when unpinned.
    pub fn display_id(&self) -> String {
        match &self.version {
            Some(v) => format!("{}@{}", self.name, v),
            None => self.name.clone(),
        }
    }

    /// Adds a source and returns `self` (builder style for extractors).
    pub fn with_source(mut self, path: &str, line: Option<u32>, kind: InputKind) -> Self {
        self.sources.push(SourceRef {
            path: path.to_string(),
            line,
            kind,
        });
        self
    }

    /// Adds a hash if it is not there yet.
    pub fn add_hash(&mut self, hash: Hash) {
        if !self.hashes.contains(&hash) {
            self.hashes.push(hash);
        }
    }
}

/// Builds a package URL (purl spec): `pkg:pypi/name@version`, `pkg:npm/%40scope/name@version`.
pub fn purl(ecosystem: Ecosystem, name: &str, version: Option<&str>) -> String {
    let mut out = String::from("pkg:");
    out.push_str(ecosystem.purl_type());
    out.push('/');
    match ecosystem {
        Ecosystem::Pypi => out.push_str(&purl_escape(&pep503_normalize(name))),
        Ecosystem::Npm => {
            if let Some((scope, rest)) = name.split_once('/') {
                out.push_str(&purl_escape(scope));
                out.push('/');
                out.push_str(&purl_escape(rest));
            } else {
                out.push_str(&purl_escape(name));
            }
        }
        Ecosystem::Cargo => out.push_str(&purl_escape(name)),
        Ecosystem::Conda => out.push_str(&purl_escape(&name.to_ascii_lowercase())),
    }
    if let Some(v) = version {
        out.push('@');
        out.push_str(&purl_escape(v));
    }
    out
}

/// Percent-encodes everything outside the purl-safe set (`@` in a scope included).
fn purl_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A parsed purl: ecosystem, name (npm scope re-joined), version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedPurl {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: Option<String>,
}

/// Parses `pkg:TYPE/[NAMESPACE/]NAME[@VERSION][?QUALIFIERS][#SUBPATH]`.
pub fn parse_purl(s: &str) -> Result<ParsedPurl, String> {
    let rest = s
        .trim()
        .strip_prefix("pkg:")
        .ok_or_else(|| format!("`{s}` is not a purl: expected it to start with `pkg:`"))?;
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (ty, path) = rest
        .split_once('/')
        .ok_or_else(|| format!("`{s}`: expected `pkg:TYPE/NAME`"))?;
    let ecosystem = match ty.to_ascii_lowercase().as_str() {
        "pypi" => Ecosystem::Pypi,
        "npm" => Ecosystem::Npm,
        "cargo" => Ecosystem::Cargo,
        "conda" => Ecosystem::Conda,
        other => return Err(format!("`{s}`: unsupported purl type `{other}`")),
    };
    let (name_part, version) = match path.rfind('@') {
        Some(i) if i > 0 => (&path[..i], Some(percent_decode(&path[i + 1..]))),
        _ => (path, None),
    };
    let name = name_part
        .split('/')
        .filter(|p| !p.is_empty())
        .map(percent_decode)
        .collect::<Vec<_>>()
        .join("/");
    if name.is_empty() {
        return Err(format!("`{s}`: the name is empty"));
    }
    Ok(ParsedPurl {
        ecosystem,
        name,
        version: version.filter(|v| !v.is_empty()),
    })
}

/// Decodes `%XX` escapes; malformed escapes are kept as written.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|c| (*c as char).to_digit(16)),
                bytes.get(i + 2).and_then(|c| (*c as char).to_digit(16)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503() {
        assert_eq!(pep503_normalize("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(pep503_normalize("typing_extensions"), "typing-extensions");
        assert_eq!(pep503_normalize("PyYAML"), "pyyaml");
    }

    #[test]
    fn purls() {
        assert_eq!(
            purl(Ecosystem::Pypi, "Typing_Extensions", Some("4.0.0")),
            "pkg:pypi/typing-extensions@4.0.0"
        );
        assert_eq!(
            purl(Ecosystem::Npm, "@ai-sdk/openai", Some("2.0.0")),
            "pkg:npm/%40ai-sdk/openai@2.0.0"
        );
        assert_eq!(
            purl(Ecosystem::Pypi, "torch", Some("2.1.0+cpu")),
            "pkg:pypi/torch@2.1.0%2Bcpu"
        );
    }

    #[test]
    fn purl_round_trip() {
        let p = parse_purl("pkg:npm/%40ai-sdk/openai@2.0.0").unwrap();
        assert_eq!(p.ecosystem, Ecosystem::Npm);
        assert_eq!(p.name, "@ai-sdk/openai");
        assert_eq!(p.version.as_deref(), Some("2.0.0"));
        let p = parse_purl("pkg:pypi/django@3.2.1?repository_url=x").unwrap();
        assert_eq!(p.name, "django");
        assert_eq!(p.version.as_deref(), Some("3.2.1"));
        let p = parse_purl("pkg:npm/@types/node@1.0.0").unwrap();
        assert_eq!(p.name, "@types/node");
        assert!(parse_purl("npm/lodash").is_err());
        assert!(parse_purl("pkg:gem/rails@1").is_err());
        let c = parse_purl(&purl(Ecosystem::Conda, "LibZlib", Some("1.3.1"))).unwrap();
        assert_eq!(
            (c.ecosystem, c.name.as_str()),
            (Ecosystem::Conda, "libzlib")
        );
        assert_eq!(percent_decode("a%2Bb%zz%4"), "a+b%zz%4");
    }
}
