//! TG215: executables (ELF, PE, Mach-O) inside a package that is otherwise
//! pure Python or JavaScript.

use super::finding_at;
use crate::analyze::behavior::file::Lang;
use crate::analyze::behavior::package::Pkg;
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
        let run = pkg.role(&f.rel).runs_unasked();
        let sev = if run {
            Severity::High
        } else {
            Severity::Medium
        };
        out.push(finding_at(
            pkg,
            &META,
            &f.rel,
            sev,
            format!("{kind} executable in a package with no native code"),
            &[],
        ));
    }
}
