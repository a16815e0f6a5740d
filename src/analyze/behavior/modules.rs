//! Data flow across the modules of one package, kept cheap: only when some
//! module has a function that collects data (reads a credential store,
//! dumps the environment, runs a scanner) are its importers looked at.
//! Each importer is parsed again with what its imported functions do
//! ("externals"), so `send(collect())` in `index.js` pairs the collecting
//! in `lib/env.js` with the sending in `lib/net.js`.
//!
//! Importers are the parsed files with relative imports, plus the entry
//! points the pre-filter may have passed over (`__init__.py`, the npm
//! `main` and `index.js`, files that run at install). Resolution is by
//! relative path only; no `sys.path`, no `node_modules` lookups.

use super::collector::{Export, Import};
use super::file::{self, FileFacts, Lang};
use super::package::{Pkg, join_rel};
use super::signals::FileSignals;
use super::{javascript, python, walk};

/// Most importers parsed again per package.
const MAX_IMPORTERS: usize = 64;

/// Re-analyses importers of collecting functions with the package-level
/// flow; replaces their facts when the flow adds something.
pub fn link(pkg: &mut Pkg) {
    // The names of the collecting functions: an importer whose text never
    // names one cannot call it, so it is not parsed again (most packages
    // with a collecting function have dozens of entry points).
    let collectors: Vec<String> = pkg
        .files
        .iter()
        .flat_map(|f| &f.signals.exports)
        .filter(|e| !e.loot.is_empty())
        .map(|e| export_name(&e.name).to_string())
        .collect();
    if collectors.is_empty() {
        return;
    }
    for rel in importers(pkg) {
        let Some(lang) =
            file::lang_of(&rel).filter(|l| matches!(l, Lang::Python | Lang::JavaScript))
        else {
            continue;
        };
        let Some(bytes) = walk::read_one(pkg.unit, &rel) else {
            continue;
        };
        if !collectors
            .iter()
            .any(|n| memchr::memmem::find(&bytes, n.as_bytes()).is_some())
        {
            continue;
        }
        let imports = match pkg.file(&rel).filter(|f| f.signals.parsed) {
            Some(f) => f.signals.imports.clone(),
            None => parse(lang, &bytes, Vec::new())
                .map(|s| s.imports)
                .unwrap_or_default(),
        };
        let targets: Vec<String> = imports
            .iter()
            .flat_map(|i| module_files(pkg, &rel, lang, i))
            .collect();
        for m in targets {
            ensure_parsed(pkg, &m);
        }
        let ext = externals(pkg, &rel, lang, &imports);
        if !ext.iter().any(|e| !e.loot.is_empty() || e.sends_param) {
            continue;
        }
        let (Some(plain), Some(linked)) =
            (parse(lang, &bytes, Vec::new()), parse(lang, &bytes, ext))
        else {
            continue;
        };
        if linked.signals.len() == plain.signals.len() {
            continue;
        }
        match pkg.files.iter_mut().find(|f| f.rel == rel) {
            Some(f) => f.signals = linked,
            None => pkg.files.push(FileFacts {
                rel,
                lang,
                signals: linked,
                bundle: false,
                binary: None,
                text: None,
                record_mismatch: None,
            }),
        }
    }
}

/// Parses an imported module the pre-filter passed over, so its exports
/// are known (a module that only sends what it is given has nothing for
/// the pre-filter to see).
fn ensure_parsed(pkg: &mut Pkg, rel: &str) {
    if pkg.file(rel).is_some_and(|f| f.signals.parsed || f.bundle) {
        return;
    }
    let Some(lang) = file::lang_of(rel).filter(|l| matches!(l, Lang::Python | Lang::JavaScript))
    else {
        return;
    };
    let Some(signals) = walk::read_one(pkg.unit, rel).and_then(|b| parse(lang, &b, Vec::new()))
    else {
        return;
    };
    match pkg.files.iter_mut().find(|f| f.rel == rel) {
        Some(f) => f.signals = signals,
        None => pkg.files.push(FileFacts {
            rel: rel.to_string(),
            lang,
            signals,
            bundle: false,
            binary: None,
            text: None,
            record_mismatch: None,
        }),
    }
}

/// The package files an import may name (a module, or the module a name
/// is imported from).
fn module_files(pkg: &Pkg, rel: &str, lang: Lang, imp: &Import) -> Vec<String> {
    let mut v = Vec::new();
    if let (Some(n), Lang::Python) = (&imp.name, lang) {
        v.extend(resolve(
            pkg,
            rel,
            lang,
            &format!("{}{n}", python_join(&imp.module)),
        ));
    }
    v.extend(resolve(pkg, rel, lang, &imp.module));
    v
}

fn parse(lang: Lang, bytes: &[u8], ext: Vec<Export>) -> Option<FileSignals> {
    match lang {
        Lang::Python => python::analyze_with(bytes, ext),
        _ => javascript::analyze_with(bytes, ext),
    }
}

/// Files worth looking at for imports.
fn importers(pkg: &Pkg) -> Vec<String> {
    let mut out: Vec<String> = pkg
        .files
        .iter()
        .filter(|f| f.signals.parsed && !f.signals.imports.is_empty())
        .map(|f| f.rel.clone())
        .collect();
    let main = pkg
        .npm
        .as_ref()
        .and_then(|n| n.get("main"))
        .and_then(|m| m.as_str())
        .map(|m| join_rel(&pkg.root, m));
    let mut entries: Vec<&String> = pkg
        .seen
        .iter()
        .filter(|r| {
            let name = r.rsplit('/').next().unwrap_or(r);
            name == "__init__.py"
                || (pkg.is_npm() && (name == "index.js" || Some(*r) == main.as_ref()))
                || pkg.role(r).runs_unasked()
        })
        .collect();
    entries.sort();
    for r in entries {
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    out.truncate(MAX_IMPORTERS);
    out
}

/// What the importer's imported names do, keyed by the callee text it uses.
fn externals(pkg: &Pkg, rel: &str, lang: Lang, imports: &[Import]) -> Vec<Export> {
    let mut out = Vec::new();
    for imp in imports {
        let module_file = |m: &str| resolve(pkg, rel, lang, m);
        // `from . import m` / `require("./m")`: the name is a module.
        let as_module = match (&imp.name, lang) {
            (None, _) => module_file(&imp.module),
            (Some(n), Lang::Python) => module_file(&format!("{}{n}", python_join(&imp.module))),
            _ => None,
        };
        if let Some(m) = as_module.and_then(|m| pkg.file(&m)) {
            for e in &m.signals.exports {
                out.push(Export {
                    name: format!("{}.{}", imp.local, export_name(&e.name)),
                    ..e.clone()
                });
            }
            continue;
        }
        let (Some(name), Some(m)) = (
            &imp.name,
            module_file(&imp.module).and_then(|m| pkg.file(&m)),
        ) else {
            continue;
        };
        if let Some(e) = m
            .signals
            .exports
            .iter()
            .find(|e| export_name(&e.name) == name)
        {
            out.push(Export {
                name: imp.local.clone(),
                ..e.clone()
            });
        }
    }
    out
}

/// `exports.collect` / `module.exports.collect` → `collect`.
fn export_name(n: &str) -> &str {
    n.rsplit('.').next().unwrap_or(n)
}

/// `.` → `.`, `.m` → `.m.` (a submodule name follows).
fn python_join(module: &str) -> String {
    if module.ends_with('.') {
        module.to_string()
    } else {
        format!("{module}.")
    }
}

/// The package file a relative module names, if it was read.
fn resolve(pkg: &Pkg, rel: &str, lang: Lang, module: &str) -> Option<String> {
    let dir = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let cands: Vec<String> = match lang {
        Lang::Python => {
            let dots = module.chars().take_while(|c| *c == '.').count();
            let rest = module[dots..].trim_end_matches('.').replace('.', "/");
            let mut base = dir.to_string();
            for _ in 1..dots {
                base = base
                    .rsplit_once('/')
                    .map(|(d, _)| d.to_string())
                    .unwrap_or_default();
            }
            let target = join_rel(&base, &rest);
            vec![format!("{target}.py"), format!("{target}/__init__.py")]
        }
        _ => {
            let target = join_rel(dir, module);
            ["", ".js", ".cjs", ".mjs", "/index.js"]
                .iter()
                .map(|ext| format!("{target}{ext}"))
                .collect()
        }
    };
    cands.into_iter().find(|c| pkg.seen.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(export_name("module.exports.collect"), "collect");
        assert_eq!(python_join("."), ".");
        assert_eq!(python_join("..m"), "..m.");
    }
}
