//! One package: read its files, find its manifests, decide which files run
//! without being imported (startup hooks, install scripts, setup.py,
//! in-tree build backends), then hand everything to the rules.

use super::file::{self, FileFacts, Lang};
use super::walk::{self, Unit};
use crate::finding::{Finding, InputError};
use std::collections::HashMap;

/// When a file runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// At every interpreter start (`.pth`, `sitecustomize`, modules a `.pth` imports).
    StartupHook,
    /// On `pip install` of an sdist or source tree.
    SetupScript,
    /// Inside an in-tree build backend (`backend-path`).
    BuildBackend,
    /// From an npm lifecycle script (`postinstall` …).
    InstallScript(String),
    /// An executable the package declares (`bin`): runs when the user calls it.
    Bin,
    /// Ordinary module code: at import.
    Module,
}

impl Role {
    /// Runs without the user importing or calling anything.
    pub fn runs_unasked(&self) -> bool {
        matches!(
            self,
            Role::StartupHook | Role::SetupScript | Role::BuildBackend | Role::InstallScript(_)
        )
    }

    pub fn label(&self) -> String {
        match self {
            Role::StartupHook => "startup hook".into(),
            Role::SetupScript => "setup.py at install".into(),
            Role::BuildBackend => "in-tree build backend".into(),
            Role::InstallScript(s) => format!("npm {s} script"),
            Role::Bin => "package executable".into(),
            Role::Module => "module".into(),
        }
    }
}

/// Everything the rules may read about one package.
pub struct Pkg<'a> {
    pub unit: &'a Unit,
    pub files: Vec<FileFacts>,
    /// Directory of the package root inside the unit (`""`, `package/`, `name-1.0/`).
    pub root: String,
    /// The root `package.json`, parsed.
    pub npm: Option<serde_json::Value>,
    /// The root `pyproject.toml`, parsed.
    pub pyproject: Option<toml::Table>,
    pub native: bool,
    /// Every file read (even those with nothing to keep).
    pub seen: std::collections::HashSet<String>,
    pub roles: HashMap<String, Role>,
}

impl Pkg<'_> {
    pub fn role(&self, rel: &str) -> Role {
        self.roles.get(rel).cloned().unwrap_or(Role::Module)
    }

    pub fn file(&self, rel: &str) -> Option<&FileFacts> {
        self.files.iter().find(|f| f.rel == rel)
    }

    /// Location path of a file.
    pub fn path(&self, rel: &str) -> String {
        format!("{}{rel}", self.unit.prefix)
    }

    pub fn is_npm(&self) -> bool {
        self.npm.is_some()
    }
}

/// What one unit produced; `npm_id` is the root package.json's name and
/// version (for lockfile integrity checks of tarballs).
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub npm_id: Option<(String, String)>,
}

/// Reads and analyses one unit.
pub fn analyze(unit: &Unit) -> Outcome {
    let mut errors = Vec::new();
    let (read, native) = walk::map_files(unit, &mut errors, &|f| file::analyze(&f));
    let mut seen = std::collections::HashSet::with_capacity(read.len());
    let mut files = Vec::new();
    for (rel, facts) in read {
        files.extend(facts);
        seen.insert(rel);
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    let mut pkg = Pkg {
        unit,
        files,
        root: String::new(),
        npm: None,
        pyproject: None,
        native,
        seen,
        roles: HashMap::new(),
    };
    read_manifests(&mut pkg, &mut errors);
    assign_roles(&mut pkg);
    reparse_unasked(&mut pkg);
    let mut findings = Vec::new();
    super::rules::check(&pkg, &mut findings);
    for f in &mut findings {
        if f.package.is_none() {
            f.package = unit.package.clone();
        }
    }
    let npm_id = pkg.npm.as_ref().and_then(|v| {
        let name = v.get("name")?.as_str()?;
        let version = v.get("version")?.as_str()?;
        Some((name.to_string(), version.to_string()))
    });
    Outcome {
        findings,
        errors,
        npm_id,
    }
}

/// Files that run unasked get a grammar even when the pre-filter passed
/// them over: an install script that only downloads is still worth rating.
fn reparse_unasked(pkg: &mut Pkg) {
    let todo: Vec<String> = pkg
        .roles
        .iter()
        .filter(|(rel, role)| {
            role.runs_unasked()
                && pkg.seen.contains(*rel)
                && pkg
                    .file(rel)
                    .is_none_or(|f| !f.signals.parsed && f.lang != Lang::Pth)
        })
        .map(|(rel, _)| rel.clone())
        .collect();
    for rel in todo {
        let Some(bytes) = walk::read_one(pkg.unit, &rel) else {
            continue;
        };
        if let Some(mut facts) = file::analyze_forced(&rel, &bytes) {
            if let Some(old) = pkg.files.iter_mut().find(|f| f.rel == rel) {
                facts.record_mismatch = old.record_mismatch.take();
                *old = facts;
            } else {
                pkg.files.push(facts);
            }
        }
    }
}

/// The package root: the directory of the shallowest manifest.
fn read_manifests(pkg: &mut Pkg, errors: &mut Vec<InputError>) {
    let depth = |r: &str| r.matches('/').count();
    let mut best: Option<(usize, String)> = None;
    for f in &pkg.files {
        let name = f.rel.rsplit('/').next().unwrap_or("");
        if matches!(name, "package.json" | "setup.py" | "pyproject.toml")
            && best.as_ref().is_none_or(|(d, _)| depth(&f.rel) < *d)
        {
            let dir = f.rel.strip_suffix(name).unwrap_or("").to_string();
            best = Some((depth(&f.rel), dir));
        }
    }
    pkg.root = best.map(|b| b.1).unwrap_or_default();
    let pj = format!("{}package.json", pkg.root);
    if let Some(text) = pkg.file(&pj).and_then(|f| f.text.clone()) {
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => pkg.npm = Some(v),
            Err(e) => errors.push(InputError::new(
                pkg.path(&pj),
                Some(e.line() as u32),
                format!("invalid package.json: {e}"),
            )),
        }
    }
    let pp = format!("{}pyproject.toml", pkg.root);
    if let Some(text) = pkg.file(&pp).and_then(|f| f.text.clone()) {
        match text.parse::<toml::Table>() {
            Ok(t) => pkg.pyproject = Some(t),
            Err(e) => errors.push(InputError::new(
                pkg.path(&pp),
                None,
                format!("invalid pyproject.toml: {e}"),
            )),
        }
    }
}

fn assign_roles(pkg: &mut Pkg) {
    let mut roles = HashMap::new();
    for f in &pkg.files {
        if f.lang == Lang::Pth || file::is_startup_name(&f.rel) {
            roles.insert(f.rel.clone(), Role::StartupHook);
        }
        if f.lang == Lang::Pth {
            let dir = f
                .rel
                .rsplit_once('/')
                .map(|(d, _)| format!("{d}/"))
                .unwrap_or_default();
            for m in pth_imports(f.text.as_deref().unwrap_or("")) {
                let path = m.replace('.', "/");
                for cand in [
                    format!("{dir}{path}.py"),
                    format!("{dir}{path}/__init__.py"),
                ] {
                    roles.insert(cand, Role::StartupHook);
                }
            }
        }
    }
    if pkg.unit.source_tree {
        roles.insert(format!("{}setup.py", pkg.root), Role::SetupScript);
        for dir in backend_paths(pkg) {
            for f in &pkg.files {
                if f.rel.starts_with(&format!("{}{dir}/", pkg.root)) {
                    roles.insert(f.rel.clone(), Role::BuildBackend);
                }
            }
        }
    }
    if let Some(npm) = &pkg.npm {
        if let Some(bins) = npm.get("bin") {
            let targets: Vec<&str> = match bins {
                serde_json::Value::String(s) => vec![s.as_str()],
                serde_json::Value::Object(m) => m.values().filter_map(|v| v.as_str()).collect(),
                _ => vec![],
            };
            for t in targets {
                roles.insert(join_rel(&pkg.root, t), Role::Bin);
            }
        }
        for (script, cmd) in lifecycle_scripts(npm) {
            for t in node_targets(&cmd) {
                let rel = join_rel(&pkg.root, &t);
                let rel = if pkg.file(&rel).is_none() && pkg.file(&format!("{rel}.js")).is_some() {
                    format!("{rel}.js")
                } else {
                    rel
                };
                roles.insert(rel, Role::InstallScript(script.to_string()));
            }
        }
    }
    // Only roles of files that exist matter; unknown names stay harmless.
    pkg.roles = roles;
}

/// `import a, b.c; a.f()` → `a`, `b.c`.
pub fn pth_imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| file::is_pth_exec_line(l)) {
        for stmt in line.split(';') {
            let Some(rest) = stmt.trim().strip_prefix("import") else {
                continue;
            };
            for m in rest.split(',') {
                let m = m.split_whitespace().next().unwrap_or("");
                if !m.is_empty()
                    && m.chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    out.push(m.to_string());
                }
            }
        }
    }
    out
}

/// `[build-system] backend-path = ["_build"]`.
pub fn backend_paths(pkg: &Pkg) -> Vec<String> {
    pkg.pyproject
        .as_ref()
        .and_then(|t| t.get("build-system"))
        .and_then(|b| b.get("backend-path"))
        .and_then(|p| p.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(|s| s.trim_start_matches("./").trim_end_matches('/').to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The scripts npm runs on install (and `prepare`, on git/local installs).
pub const LIFECYCLE: &[&str] = &["preinstall", "install", "postinstall", "prepare"];

pub fn lifecycle_scripts(npm: &serde_json::Value) -> Vec<(&'static str, String)> {
    let Some(scripts) = npm.get("scripts").and_then(|s| s.as_object()) else {
        return Vec::new();
    };
    LIFECYCLE
        .iter()
        .filter_map(|name| {
            scripts
                .get(*name)
                .and_then(|v| v.as_str())
                .map(|c| (*name, c.to_string()))
        })
        .collect()
}

/// Files a script line runs with node: `node ./x.js && node y` → `x.js`, `y`.
pub fn node_targets(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in cmd.split(['&', '|', ';']) {
        let mut words = part.split_whitespace();
        while let Some(w) = words.next() {
            if w == "node" || w.ends_with("/node") || w == "bun" {
                for arg in words.by_ref() {
                    if arg == "-e" || arg == "--eval" {
                        break;
                    }
                    if !arg.starts_with('-') {
                        out.push(arg.trim_matches(['"', '\'']).to_string());
                        break;
                    }
                }
            } else if (w == "sh" || w == "bash")
                && let Some(arg) = words.next().filter(|a| !a.starts_with('-'))
            {
                out.push(arg.to_string());
            }
        }
    }
    out
}

/// `root` + a path as a package.json writes it (`./x`, `x`).
pub fn join_rel(root: &str, p: &str) -> String {
    let p = p.trim_start_matches("./");
    let mut parts: Vec<&str> = root.split('/').filter(|s| !s.is_empty()).collect();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_targets() {
        assert_eq!(
            node_targets("node ./install.js && node-gyp rebuild"),
            vec!["./install.js"]
        );
        assert_eq!(
            node_targets("node --no-warnings bundle.js"),
            vec!["bundle.js"]
        );
        assert!(node_targets("node -e \"1\"").is_empty());
        assert_eq!(node_targets("sh setup.sh"), vec!["setup.sh"]);
        assert_eq!(join_rel("package/", "./lib/x.js"), "package/lib/x.js");
    }

    #[test]
    fn pth_import_names() {
        assert_eq!(
            pth_imports("import _virtualenv\n/x/y\n"),
            vec!["_virtualenv"]
        );
        assert_eq!(pth_imports("import os, sys; os.f()"), vec!["os", "sys"]);
    }
}
