//! TG211: npm dependencies that point at git repositories: npm clones them
//! and runs their `prepare` script, outside the registry's view.

use super::finding_at;
use crate::analyze::behavior::package::Pkg;
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG211",
    name: "git-dependency",
    severity: Severity::Medium,
    summary: "npm dependencies or optionalDependencies that point at git URLs (their prepare script runs on install)",
};

/// Whether an npm dependency spec names a git repository.
pub fn is_git_spec(spec: &str) -> bool {
    let s = spec.trim();
    if [
        "git+",
        "git://",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
    ]
    .iter()
    .any(|p| s.starts_with(p))
    {
        return true;
    }
    if (s.starts_with("http://") || s.starts_with("https://"))
        && (s.ends_with(".git") || s.contains(".git#"))
    {
        return true;
    }
    // GitHub shorthand `user/repo` or `user/repo#ref` (not a scope, not a path).
    let head = s.split('#').next().unwrap_or("");
    let parts: Vec<&str> = head.split('/').collect();
    parts.len() == 2
        && !s.starts_with('@')
        && !s.starts_with('.')
        && !s.contains(':')
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

pub fn check(pkg: &Pkg, out: &mut Vec<Finding>) {
    let Some(npm) = &pkg.npm else { return };
    let rel = format!("{}package.json", pkg.root);
    for (field, sev) in [
        ("dependencies", Severity::Medium),
        ("optionalDependencies", Severity::High),
    ] {
        let Some(deps) = npm.get(field).and_then(|d| d.as_object()) else {
            continue;
        };
        for (name, spec) in deps {
            let Some(spec) = spec.as_str() else { continue };
            if is_git_spec(spec) {
                let why = if field == "optionalDependencies" {
                    "optional dependency from git: npm clones it and runs its prepare script, and ignores the failure"
                } else {
                    "dependency from git: npm clones it and runs its prepare script on install"
                };
                let f = finding_at(pkg, &META, &rel, sev, format!("{name}: {why}"), &[])
                    .evidence(format!("{field}: \"{name}\": \"{spec}\""));
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_git_spec;

    #[test]
    fn specs() {
        assert!(is_git_spec("github:someone/tool#abc123"));
        assert!(is_git_spec("git+https://git.invalid/x/y.git"));
        assert!(is_git_spec("someone/tool#deadbeef"));
        assert!(!is_git_spec("^1.2.3"));
        assert!(!is_git_spec("npm:@scope/x@1"));
        assert!(!is_git_spec("file:../x"));
        assert!(!is_git_spec(">=1.0.0 <2"));
    }
}
