//! TG215: executables (ELF, PE, Mach-O) inside a package that is otherwise
//! pure Python or JavaScript.

use super::finding_at;
use crate::analyze::behavior::file::Lang;
use crate::analyze::behavior::package::Pkg;
use crate::analyze::behavior::signals::Kind;
use crate::analyze::behavior::walk;
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG215",
    name: "binary-in-pure-package",
    severity: Severity::Medium,
    summary: "An ELF/PE/Mach-O executable inside a package with no native code and no platform tag",
};

/// Whether the package says it is platform-specific: npm `os`/`cpu`, or a
/// wheel whose WHEEL file is not pure.
fn platform_specific(pkg: &Pkg) -> bool {
    if let Some(npm) = &pkg.npm {
        return npm.get("os").is_some() || npm.get("cpu").is_some();
    }
    pkg.files.iter().any(|f| {
        f.rel.ends_with(".dist-info/WHEEL")
            && f.text.as_deref().is_some_and(|t| {
                t.contains("Root-Is-Purelib: false")
                    || t.lines()
                        .any(|l| l.starts_with("Tag:") && !l.ends_with("-any"))
            })
    })
}

pub fn check(pkg: &Pkg, out: &mut Vec<Finding>) {
    if pkg.native || platform_specific(pkg) {
        return;
    }
    for f in pkg.files.iter().filter(|f| f.lang == Lang::Binary) {
        let kind = f.binary.unwrap_or("executable");
        let name = f.rel.rsplit('/').next().unwrap_or(&f.rel);
        let (sev, msg) = if pkg.role(&f.rel).runs_unasked() {
            (
                Severity::High,
                format!("{kind} executable in a package with no native code, run at install"),
            )
        } else if let Some(by) = launched_by(pkg, name) {
            (
                Severity::High,
                format!(
                    "{kind} executable in a package with no native code, started by {by} at install or import"
                ),
            )
        } else {
            (
                Severity::Medium,
                format!("{kind} executable in a package with no native code"),
            )
        };
        out.push(finding_at(pkg, &META, &f.rel, sev, msg, &[]));
    }
}

/// A code file that starts programs without being asked (install script,
/// startup hook, module level) and names the executable `name`.
fn launched_by<'a>(pkg: &'a Pkg, name: &str) -> Option<&'a str> {
    if name.len() < 3 {
        return None;
    }
    pkg.files
        .iter()
        .filter(|f| matches!(f.lang, Lang::Python | Lang::JavaScript | Lang::Shell))
        .filter(|f| {
            let unasked = pkg.role(&f.rel).runs_unasked();
            f.signals
                .signals
                .iter()
                .any(|s| s.kind == Kind::Subprocess && (s.top_level || unasked))
        })
        .find(|f| {
            walk::read_one(pkg.unit, &f.rel)
                .is_some_and(|b| memchr::memmem::find(&b, name.as_bytes()).is_some())
        })
        .map(|f| f.rel.as_str())
}
