//! TG202: npm lifecycle scripts (`preinstall`, `install`, `postinstall`,
//! `prepare`) and `binding.gyp`, with severity by what actually runs: a
//! compiler is info, `curl | sh` or node on an obfuscated or stealing file
//! is critical.

use super::{assess, finding_at};
use crate::analyze::behavior::file::{self, Lang};
use crate::analyze::behavior::javascript;
use crate::analyze::behavior::package::{Pkg, join_rel, lifecycle_scripts, node_targets};
use crate::analyze::behavior::signals::{self, FileSignals, Kind, Signal};
use crate::finding::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "TG202",
    name: "install-script",
    severity: Severity::Medium,
    summary: "npm install-time scripts and binding.gyp, rated by what they run (compiler: info; download-and-run or obfuscated payload: critical)",
};

/// Commands that only build native code.
const BUILDERS: &[&str] = &[
    "node-gyp",
    "prebuild-install",
    "node-pre-gyp",
    "cmake-js",
    "node-gyp-build",
    "napi",
    "prebuild",
    "tsc",
    "husky",
    "patch-package",
    "npm run build",
    "ngcc",
    "opencollective",
];

pub fn check(pkg: &Pkg, out: &mut Vec<Finding>) {
    let Some(npm) = &pkg.npm else { return };
    let rel = format!("{}package.json", pkg.root);
    let scripts = lifecycle_scripts(npm);
    for (name, cmd) in &scripts {
        let (sev, why, ev) = rate(pkg, cmd);
        // `prepare` runs only for git and local installs.
        let sev = if *name == "prepare" && sev < Severity::High {
            Severity::Info
        } else {
            sev
        };
        let mut f = finding_at(pkg, &META, &rel, sev, format!("{name} script {why}"), &ev)
            .evidence(format!("\"{name}\": \"{cmd}\""));
        f.evidence.rotate_right(1);
        out.push(f);
    }
    let gyp = format!("{}binding.gyp", pkg.root);
    if let Some(g) = pkg.file(&gyp) {
        let text = g.text.as_deref().unwrap_or("");
        let mut found = Vec::new();
        signals::classify_text(text, &mut found);
        let fetches = text.contains("<!")
            && found
                .iter()
                .any(|(k, _)| matches!(k, Kind::Download | Kind::PipeToShell | Kind::HardcodedIp));
        if fetches {
            out.push(finding_at(
                pkg,
                &META,
                &gyp,
                Severity::High,
                "binding.gyp command expansion downloads at build time".into(),
                &[],
            ));
        } else if !scripts
            .iter()
            .any(|(n, _)| matches!(*n, "install" | "preinstall"))
        {
            out.push(finding_at(
                pkg,
                &META,
                &gyp,
                Severity::Info,
                "binding.gyp: npm runs node-gyp rebuild on install".into(),
                &[],
            ));
        }
    }
}

/// Severity, reason and evidence of one script command.
fn rate<'a>(pkg: &'a Pkg, cmd: &str) -> (Severity, String, Vec<&'a Signal>) {
    let mut found = Vec::new();
    signals::classify_text(cmd, &mut found);
    if found.iter().any(|(k, _)| *k == Kind::PipeToShell)
        || (found.iter().any(|(k, _)| *k == Kind::Download)
            && (cmd.contains("sh ") || cmd.contains("chmod")))
    {
        return (Severity::Critical, "downloads and runs code".into(), vec![]);
    }
    if let Some(code) = inline_code(cmd) {
        let s = javascript::analyze(code.as_bytes()).unwrap_or_default();
        let (sev, why) = rate_signals(&s, false, Lang::JavaScript);
        return (sev, format!("runs inline code that {why}"), vec![]);
    }
    let targets = node_targets(cmd);
    if targets.is_empty() {
        let builder = BUILDERS.iter().any(|b| cmd.contains(b));
        return if builder {
            (Severity::Info, "builds native code".into(), vec![])
        } else if found.iter().any(|(k, _)| {
            matches!(
                k,
                Kind::Download | Kind::AiCliBypass | Kind::Publish | Kind::SecretScanner
            )
        }) {
            (
                Severity::Critical,
                "runs a suspicious command".into(),
                vec![],
            )
        } else {
            (Severity::Low, "runs a command at install".into(), vec![])
        };
    }
    let mut worst = (Severity::Info, String::new(), Vec::new());
    for t in targets {
        let rel = join_rel(&pkg.root, &t);
        let facts = pkg.file(&rel).or_else(|| pkg.file(&format!("{rel}.js")));
        let r = match facts {
            Some(f) => {
                let (sev, why) = rate_signals(&f.signals, f.bundle, f.lang);
                let ev: Vec<&Signal> = f.signals.signals.iter().take(12).collect();
                (sev, format!("runs {t}, which {why}"), ev)
            }
            None if pkg.seen.contains(&rel) || pkg.seen.contains(&format!("{rel}.js")) => {
                (Severity::Low, format!("runs {t}"), vec![])
            }
            None => (
                Severity::Medium,
                format!("runs {t}, which is not in the package"),
                vec![],
            ),
        };
        if r.0 >= worst.0 {
            worst = r;
        }
    }
    worst
}

/// What a script's target does, as a severity.
fn rate_signals(s: &FileSignals, bundle: bool, lang: Lang) -> (Severity, &'static str) {
    let a = assess(s, lang);
    if !a.categories().is_empty() || s.has(Kind::ObfuscatorStyle) {
        (
            Severity::Critical,
            "is obfuscated or steals, spreads, persists or drops code",
        )
    } else if s.any(&[
        Kind::Network,
        Kind::NetworkSend,
        Kind::Download,
        Kind::Subprocess,
        Kind::Exec,
    ]) {
        (Severity::Medium, "reaches the network or runs programs")
    } else if bundle {
        (Severity::Medium, "is a large bundle")
    } else {
        (Severity::Low, "does nothing the scan flags")
    }
}

/// `node -e "…"` / `node --eval '…'`.
fn inline_code(cmd: &str) -> Option<String> {
    let i = cmd.find(" -e ").or_else(|| cmd.find(" --eval "))?;
    let rest = cmd[i..]
        .trim_start_matches([' ', '-', 'e', 'v', 'a', 'l'])
        .trim();
    let q = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &rest[1..];
    Some(body[..body.rfind(q).unwrap_or(body.len())].to_string())
}

#[allow(dead_code)]
fn _uses(_: &file::FileFacts) {}
