//! What a package can do beyond being imported: run code at install, at
//! interpreter start-up, ship native code, reach the network or credentials.
//! `diff` reports the ones a change adds.
//!
//! From metadata and file lists this module knows install scripts, `.pth`
//! start-up hooks and native binaries. Network and credential access need
//! the behaviour analysis: [`from_findings`] is the extension point that
//! turns its findings into capabilities, and `diff` feeds it the findings of
//! any analysis named `behavior` that this build registers.

use crate::finding::Finding;
use crate::inventory::{ContentKind, Inventory};
use crate::model::purl;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Runs a script when installed (npm `preinstall`/`install`/`postinstall`).
    InstallScript,
    /// Ships a `.pth` file: code that runs at every Python start-up.
    StartupHook,
    /// Ships compiled code (`.so`, `.pyd`, `.dll`, `.dylib`, `.node`).
    NativeCode,
    Network,
    Credentials,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::InstallScript => "install script",
            Capability::StartupHook => "start-up hook (.pth)",
            Capability::NativeCode => "native code",
            Capability::Network => "network access",
            Capability::Credentials => "credential access",
        }
    }
}

/// Whether an installed file is compiled code.
pub fn is_native(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    [".so", ".pyd", ".dll", ".dylib", ".node"]
        .iter()
        .any(|e| name.ends_with(e))
        || name.contains(".so.")
}

/// Whether an installed file is a start-up hook: a `.pth` at the top of site-packages.
pub fn is_startup_hook(rel: &str) -> bool {
    !rel.contains('/') && rel.to_ascii_lowercase().ends_with(".pth")
}

/// Capabilities per package purl, from package metadata and installed files.
pub fn collect(inv: &Inventory) -> BTreeMap<String, BTreeSet<Capability>> {
    let mut out: BTreeMap<String, BTreeSet<Capability>> = BTreeMap::new();
    for p in &inv.packages {
        if p.install_script == Some(true) {
            out.entry(p.purl.clone())
                .or_default()
                .insert(Capability::InstallScript);
        }
    }
    for c in &inv.contents {
        let (Some(pkg), ContentKind::Installed { files, .. }) = (&c.package, &c.kind) else {
            continue;
        };
        let key = purl(pkg.ecosystem, &pkg.name, pkg.version.as_deref());
        for f in files {
            if is_startup_hook(&f.rel) {
                out.entry(key.clone())
                    .or_default()
                    .insert(Capability::StartupHook);
            }
            if is_native(&f.rel) {
                out.entry(key.clone())
                    .or_default()
                    .insert(Capability::NativeCode);
            }
        }
    }
    out
}

/// Extension point: capabilities the behaviour analysis found, read from its
/// findings' rule names until it exposes capabilities as data.
pub fn from_findings(findings: &[Finding], into: &mut BTreeMap<String, BTreeSet<Capability>>) {
    for f in findings {
        let Some(p) = &f.package else { continue };
        let rule = f.rule.to_ascii_lowercase();
        let cap = if rule.contains("network") || rule.contains("exfil") || rule.contains("download")
        {
            Capability::Network
        } else if rule.contains("credential") || rule.contains("secret") || rule.contains("token") {
            Capability::Credentials
        } else if rule.contains("pth") {
            Capability::StartupHook
        } else if rule.contains("install-script") || rule.contains("install-hook") {
            Capability::InstallScript
        } else {
            continue;
        };
        into.entry(purl(p.ecosystem, &p.name, p.version.as_deref()))
            .or_default()
            .insert(cap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds() {
        assert!(is_native(
            "numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so"
        ));
        assert!(is_native("scipy.libs/libopenblas.so.0"));
        assert!(is_native("sharp/build/Release/sharp-linux-x64.node"));
        assert!(!is_native("numpy/core/__init__.py"));
        assert!(!is_native("docs/something.sources"));
        assert!(is_startup_hook("distutils-precedence.pth"));
        assert!(!is_startup_hook("pkg/data/x.pth"));
    }
}
