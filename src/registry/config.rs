//! Where the user's packages come from: index and registry URLs read from
//! their own configuration, never hard-coded.
//!
//! Python: `UV_DEFAULT_INDEX`, `UV_INDEX_URL`, `PIP_INDEX_URL`, then uv.toml
//! (project, then `~/.config/uv/uv.toml`), then pip.conf (`PIP_CONFIG_FILE`,
//! else the standard files; later ones override earlier ones as in pip).
//! npm: `NPM_CONFIG_REGISTRY`, then the project's `.npmrc`, then `~/.npmrc`,
//! with `@scope:registry` entries and `//host/path/:_authToken` tokens.
//! The policy's `indexes`/`registries` come last, as a fallback.

use crate::policy::Policy;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The process environment, injectable for tests.
#[derive(Clone, Debug, Default)]
pub struct Env {
    pub vars: BTreeMap<String, String>,
    pub home: Option<PathBuf>,
    /// The project directory (where a project `.npmrc` or `uv.toml` is looked for).
    pub project: PathBuf,
}

impl Env {
    pub fn system() -> Env {
        Env {
            vars: std::env::vars().collect(),
            home: dirs::home_dir(),
            project: PathBuf::from("."),
        }
    }

    fn var(&self, k: &str) -> Option<&str> {
        self.vars
            .get(k)
            .or_else(|| self.vars.get(&k.to_ascii_lowercase()))
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

/// The configured endpoints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoints {
    /// Python simple-index URLs, most preferred first.
    pub pypi: Vec<String>,
    /// The default npm registry.
    pub npm: Option<String>,
    /// `@scope` → registry.
    pub npm_scopes: BTreeMap<String, String>,
    /// Registry URL prefix (`//host/path/`) → bearer token, from `.npmrc`.
    pub npm_tokens: BTreeMap<String, String>,
}

impl Endpoints {
    pub fn discover(policy: &Policy, env: &Env) -> Endpoints {
        let mut e = Endpoints::default();
        for k in ["UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"] {
            if let Some(v) = env.var(k) {
                push_unique(&mut e.pypi, v.split_whitespace().next().unwrap_or(v));
            }
        }
        let mut uv_files = vec![env.project.join("uv.toml")];
        if let Some(h) = &env.home {
            uv_files.push(h.join(".config/uv/uv.toml"));
        }
        for f in uv_files {
            if let Ok(t) = std::fs::read_to_string(&f) {
                for u in uv_toml_indexes(&t) {
                    push_unique(&mut e.pypi, &u);
                }
            }
        }
        for u in pip_conf_index(env) {
            push_unique(&mut e.pypi, &u);
        }
        for u in &policy.indexes {
            push_unique(&mut e.pypi, u);
        }
        e.npm = env.var("NPM_CONFIG_REGISTRY").map(str::to_string);
        let mut npmrcs = vec![env.project.join(".npmrc")];
        if let Some(h) = &env.home {
            npmrcs.push(h.join(".npmrc"));
        }
        for f in npmrcs {
            if let Ok(t) = std::fs::read_to_string(&f) {
                let rc = parse_npmrc(&t, env);
                if e.npm.is_none() {
                    e.npm = rc.registry;
                }
                for (k, v) in rc.scopes {
                    e.npm_scopes.entry(k).or_insert(v);
                }
                for (k, v) in rc.tokens {
                    e.npm_tokens.entry(k).or_insert(v);
                }
            }
        }
        if e.npm.is_none() {
            e.npm = policy.registries.first().cloned();
        }
        e
    }

    /// The registry for an npm package name (`@scope/name` may have its own).
    pub fn npm_for(&self, name: &str) -> Option<&str> {
        name.split_once('/')
            .filter(|(s, _)| s.starts_with('@'))
            .and_then(|(s, _)| self.npm_scopes.get(s))
            .or(self.npm.as_ref())
            .map(String::as_str)
    }

    /// The `.npmrc` token whose `//host/path/` prefix matches `url`.
    pub fn npm_token(&self, url: &str) -> Option<&str> {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        self.npm_tokens
            .iter()
            .filter(|(k, _)| rest.starts_with(k.trim_start_matches('/')))
            .max_by_key(|(k, _)| k.len())
            .map(|(_, v)| v.as_str())
    }
}

fn push_unique(v: &mut Vec<String>, u: &str) {
    let u = u.trim().to_string();
    if !u.is_empty() && !v.contains(&u) {
        v.push(u);
    }
}

/// `index-url = "…"`, and `[[index]]` tables (the `default = true` one first).
pub fn uv_toml_indexes(text: &str) -> Vec<String> {
    let Ok(v) = text.parse::<toml::Table>() else {
        return vec![];
    };
    let mut out = Vec::new();
    if let Some(arr) = v.get("index").and_then(|i| i.as_array()) {
        let mut entries: Vec<(bool, String)> = arr
            .iter()
            .filter_map(|t| {
                let url = t.get("url")?.as_str()?.to_string();
                let default = t.get("default").and_then(|d| d.as_bool()).unwrap_or(false);
                Some((!default, url))
            })
            .collect();
        entries.sort_by_key(|(not_default, _)| *not_default);
        out.extend(entries.into_iter().map(|(_, u)| u));
    }
    if let Some(u) = v.get("index-url").and_then(|u| u.as_str()) {
        out.push(u.to_string());
    }
    out
}

/// pip.conf's `index-url` (`[global]` or `[install]`), pip's file precedence.
fn pip_conf_index(env: &Env) -> Vec<String> {
    let mut files: Vec<PathBuf> = Vec::new();
    if let Some(f) = env.var("PIP_CONFIG_FILE") {
        files.push(PathBuf::from(f));
    } else {
        files.push(PathBuf::from("/etc/pip.conf"));
        if let Some(h) = &env.home {
            files.push(h.join(".pip/pip.conf"));
            files.push(h.join(".config/pip/pip.conf"));
        }
        if let Some(v) = env.var("VIRTUAL_ENV") {
            files.push(Path::new(v).join("pip.conf"));
        }
    }
    // Later files override earlier ones.
    let mut found = None;
    for f in files {
        if let Ok(t) = std::fs::read_to_string(&f)
            && let Some(u) = pip_conf_value(&t, "index-url")
        {
            found = Some(u);
        }
    }
    found.into_iter().collect()
}

/// A key of pip.conf's `[global]` or `[install]` section (INI; `install` wins).
pub fn pip_conf_value(text: &str, key: &str) -> Option<String> {
    let mut section = String::new();
    let mut global = None;
    let mut install = None;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('#') || l.starts_with(';') || l.is_empty() {
            continue;
        }
        if let Some(s) = l.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.trim().to_ascii_lowercase();
            continue;
        }
        let Some((k, v)) = l.split_once(['=', ':']) else {
            continue;
        };
        let k = k.trim().to_ascii_lowercase().replace('_', "-");
        if k != key {
            continue;
        }
        let v = v.trim().to_string();
        match section.as_str() {
            "global" => global = Some(v),
            "install" => install = Some(v),
            _ => {}
        }
    }
    install.or(global)
}

/// What one `.npmrc` says.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Npmrc {
    pub registry: Option<String>,
    pub scopes: BTreeMap<String, String>,
    pub tokens: BTreeMap<String, String>,
}

/// Parses `.npmrc` (INI-like `key=value`, `${VAR}` expanded from `env`).
pub fn parse_npmrc(text: &str, env: &Env) -> Npmrc {
    let mut rc = Npmrc::default();
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('#') || l.starts_with(';') || l.is_empty() {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let (k, v) = (k.trim(), expand(v.trim().trim_matches('"'), env));
        if k == "registry" {
            rc.registry = Some(v);
        } else if let Some(scope) = k.strip_suffix(":registry") {
            rc.scopes.insert(scope.to_string(), v);
        } else if let Some(prefix) = k.strip_suffix(":_authToken") {
            rc.tokens.insert(prefix.to_string(), v);
        }
    }
    rc
}

fn expand(v: &str, env: &Env) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        match rest[i + 2..].find('}') {
            Some(j) => {
                let name = &rest[i + 2..i + 2 + j];
                out.push_str(env.var(name).unwrap_or(""));
                rest = &rest[i + 3 + j..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Fuzz entry point for the two INI-like parsers.
pub fn fuzz_config(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let _ = pip_conf_value(&s, "index-url");
    let _ = parse_npmrc(&s, &Env::default());
    let _ = uv_toml_indexes(&s);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(dir: &Path, vars: &[(&str, &str)]) -> Env {
        Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: Some(dir.join("home")),
            project: dir.join("proj"),
        }
    }

    #[test]
    fn pip_conf_sections() {
        let t = "[global]\nindex-url = https://a.invalid/simple\n[install]\nindex_url=https://b.invalid/simple\n";
        assert_eq!(
            pip_conf_value(t, "index-url").as_deref(),
            Some("https://b.invalid/simple")
        );
        assert_eq!(
            pip_conf_value(
                "[global]\n# c\nindex-url: https://a.invalid/simple\n",
                "index-url"
            )
            .as_deref(),
            Some("https://a.invalid/simple")
        );
        assert_eq!(
            pip_conf_value("[other]\nindex-url = x\n", "index-url"),
            None
        );
    }

    #[test]
    fn npmrc_scopes_tokens_and_vars() {
        let e = Env {
            vars: [("TOKEN".to_string(), "s3cret".to_string())].into(),
            ..Env::default()
        };
        let rc = parse_npmrc(
            "registry=https://art.invalid/api/npm/npm/\n@corp:registry=https://corp.invalid/npm/\n//art.invalid/api/npm/npm/:_authToken=${TOKEN}\n; comment\n",
            &e,
        );
        assert_eq!(
            rc.registry.as_deref(),
            Some("https://art.invalid/api/npm/npm/")
        );
        assert_eq!(
            rc.scopes.get("@corp").map(String::as_str),
            Some("https://corp.invalid/npm/")
        );
        assert_eq!(
            rc.tokens
                .get("//art.invalid/api/npm/npm/")
                .map(String::as_str),
            Some("s3cret")
        );
    }

    #[test]
    fn discovery_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home/.config/pip")).unwrap();
        std::fs::create_dir_all(dir.path().join("proj")).unwrap();
        std::fs::write(
            dir.path().join("home/.config/pip/pip.conf"),
            "[global]\nindex-url = https://pipconf.invalid/simple\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("proj/uv.toml"), "[[index]]\nurl = \"https://extra.invalid/simple\"\n[[index]]\nurl = \"https://uvdefault.invalid/simple\"\ndefault = true\n").unwrap();
        std::fs::write(
            dir.path().join("proj/.npmrc"),
            "@corp:registry=https://corp.invalid/\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("home/.npmrc"),
            "registry=https://user.invalid/\n",
        )
        .unwrap();
        let policy = Policy {
            indexes: vec!["https://policy.invalid/simple".into()],
            ..Policy::default()
        };
        let e = Endpoints::discover(
            &policy,
            &env(
                dir.path(),
                &[("PIP_INDEX_URL", "https://env.invalid/simple")],
            ),
        );
        assert_eq!(
            e.pypi,
            vec![
                "https://env.invalid/simple",
                "https://uvdefault.invalid/simple",
                "https://extra.invalid/simple",
                "https://pipconf.invalid/simple",
                "https://policy.invalid/simple"
            ]
        );
        assert_eq!(e.npm_for("@corp/x"), Some("https://corp.invalid/"));
        assert_eq!(e.npm_for("lodash"), Some("https://user.invalid/"));
        let e = Endpoints::discover(
            &Policy::default(),
            &env(
                dir.path(),
                &[("NPM_CONFIG_REGISTRY", "https://envnpm.invalid/")],
            ),
        );
        assert_eq!(e.npm_for("lodash"), Some("https://envnpm.invalid/"));
        let empty = tempfile::tempdir().unwrap();
        let e = Endpoints::discover(
            &Policy::default(),
            &Env {
                project: empty.path().into(),
                ..Env::default()
            },
        );
        assert!(
            e.npm.is_none(),
            "no registry is assumed when none is configured"
        );
    }

    #[test]
    fn fuzz_mutations() {
        let seed =
            b"[global]\nindex-url = https://a.invalid/simple\nregistry=${X}\n@s:registry=${\n";
        for i in 0..=seed.len() {
            fuzz_config(&seed[..i]);
        }
    }
}
