//! PEP 508 environment markers: the target environment a lockfile or an
//! installed environment is evaluated for.

use pep508_rs::{ExtraName, MarkerEnvironment, MarkerEnvironmentBuilder, MarkerTree};
use std::str::FromStr;

/// The platform and interpreter markers are evaluated against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetEnv {
    /// Full Python version, e.g. `3.11.7`.
    pub python: String,
    /// `sys_platform`: `linux`, `darwin` or `win32`.
    pub platform: String,
    /// `platform_machine`: `x86_64`, `arm64`, `AMD64` …
    pub arch: String,
}

/// A target environment with its markers pre-built.
#[derive(Clone, Debug)]
pub struct Target {
    pub env: TargetEnv,
    pub markers: MarkerEnvironment,
}

impl Target {
    pub fn new(env: TargetEnv) -> Result<Self, String> {
        let markers = env.marker_env()?;
        Ok(Target { env, markers })
    }
}

/// npm's `os` / `cpu` / `libc` fields: allowed values, or `!value` exclusions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlatformReq {
    pub os: Vec<String>,
    pub cpu: Vec<String>,
    pub libc: Vec<String>,
}

impl PlatformReq {
    pub fn is_empty(&self) -> bool {
        self.os.is_empty() && self.cpu.is_empty() && self.libc.is_empty()
    }

    /// Whether npm would install the package on `t`.
    pub fn allows(&self, t: &TargetEnv) -> bool {
        let libc = if t.platform == "linux" { "glibc" } else { "" };
        field_allows(&self.os, &t.platform)
            && field_allows(&self.cpu, &t.npm_cpu())
            && (t.platform != "linux" || field_allows(&self.libc, libc))
    }
}

fn field_allows(list: &[String], value: &str) -> bool {
    if list.is_empty() {
        return true;
    }
    let (neg, pos): (Vec<&String>, Vec<&String>) = list.iter().partition(|v| v.starts_with('!'));
    if neg.iter().any(|n| &n[1..] == value) {
        return false;
    }
    pos.is_empty() || pos.iter().any(|p| p.as_str() == value)
}

impl TargetEnv {
    /// The machine tollgate runs on, with the given Python version.
    pub fn host(python: &str) -> Self {
        let platform = match std::env::consts::OS {
            "macos" => "darwin",
            "windows" => "win32",
            other => other,
        };
        TargetEnv {
            python: python.to_string(),
            platform: platform.to_string(),
            arch: std::env::consts::ARCH.to_string(),
        }
    }

    /// The architecture as Node.js's `process.arch` names it.
    pub fn npm_cpu(&self) -> String {
        match self.arch.as_str() {
            "x86_64" | "AMD64" | "amd64" => "x64".into(),
            "aarch64" | "arm64" => "arm64".into(),
            "i386" | "i686" | "x86" => "ia32".into(),
            other => other.to_string(),
        }
    }

    /// Builds the pep508 environment. Fails on an unparsable Python version.
    pub fn marker_env(&self) -> Result<MarkerEnvironment, String> {
        let full = complete_version(&self.python);
        let short: String = full.split('.').take(2).collect::<Vec<_>>().join(".");
        let (os_name, system) = match self.platform.as_str() {
            "win32" => ("nt", "Windows"),
            "darwin" => ("posix", "Darwin"),
            "linux" => ("posix", "Linux"),
            other => ("posix", other),
        };
        MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: &full,
            os_name,
            platform_machine: &self.arch,
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system: system,
            platform_version: "",
            python_full_version: &full,
            python_version: &short,
            sys_platform: &self.platform,
        })
        .map_err(|e| format!("invalid Python version `{}`: {e}", self.python))
    }
}

/// `3.11` → `3.11.0`; `3` → `3.0.0`.
fn complete_version(v: &str) -> String {
    let parts: Vec<&str> = v.trim().split('.').collect();
    let mut out: Vec<&str> = parts.clone();
    while out.len() < 3 {
        out.push("0");
    }
    out.join(".")
}

/// A parsed marker expression.
#[derive(Clone, Debug)]
pub struct Marker {
    tree: MarkerTree,
}

impl Marker {
    pub fn parse(s: &str) -> Result<Marker, String> {
        // The message only: pep508's full Display can panic on non-ASCII input.
        std::panic::catch_unwind(|| MarkerTree::from_str(s))
            .map_err(|_| "the marker parser failed on this marker".to_string())?
            .map(|tree| Marker { tree })
            .map_err(|e| e.message.to_string())
    }

    pub fn from_tree(tree: MarkerTree) -> Marker {
        Marker { tree }
    }

    /// With an environment: the marker's value there. Without one: whether
    /// *some* environment with these extras would take the requirement.
    pub fn holds(&self, env: Option<&MarkerEnvironment>, extras: &[ExtraName]) -> bool {
        match env {
            Some(env) => self.tree.evaluate(env, extras),
            None => self.tree.evaluate_extras(extras),
        }
    }
}

/// Parses an extra name; invalid names (never activated) return `None`.
pub fn extra_name(s: &str) -> Option<ExtraName> {
    ExtraName::from_str(s.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_for_target() {
        let env = TargetEnv {
            python: "3.11.7".into(),
            platform: "linux".into(),
            arch: "x86_64".into(),
        }
        .marker_env()
        .unwrap();
        let m =
            Marker::parse("python_full_version >= '3.11.5' and sys_platform != 'win32'").unwrap();
        assert!(m.holds(Some(&env), &[]));
        let w = Marker::parse("sys_platform == 'win32'").unwrap();
        assert!(!w.holds(Some(&env), &[]));
        assert!(w.holds(None, &[]));
        let e = Marker::parse("extra == 'proxy'").unwrap();
        assert!(!e.holds(Some(&env), &[]));
        assert!(e.holds(Some(&env), &[extra_name("proxy").unwrap()]));
        assert!(!e.holds(None, &[]));
    }

    #[test]
    fn npm_platform_fields() {
        let t = TargetEnv {
            python: "3.11".into(),
            platform: "linux".into(),
            arch: "x86_64".into(),
        };
        let req = |os: &[&str], cpu: &[&str], libc: &[&str]| PlatformReq {
            os: os.iter().map(|s| s.to_string()).collect(),
            cpu: cpu.iter().map(|s| s.to_string()).collect(),
            libc: libc.iter().map(|s| s.to_string()).collect(),
        };
        assert!(req(&["linux"], &["x64"], &["glibc"]).allows(&t));
        assert!(!req(&["darwin"], &[], &[]).allows(&t));
        assert!(!req(&["linux"], &["arm64"], &[]).allows(&t));
        assert!(!req(&["linux"], &["x64"], &["musl"]).allows(&t));
        assert!(!req(&["!linux"], &[], &[]).allows(&t));
        assert!(req(&["!win32"], &[], &[]).allows(&t));
    }
}
