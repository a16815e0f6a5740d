//! One file's signals summarised into categories (obfuscation, credential
//! access, exfiltration, persistence, propagation, dropper, AI abuse). A
//! category needs an act beside its target in one function (or at module
//! level): a credential path *read*, an endpoint *sent to*, a persistence
//! location *written*. Literals alone (documentation, constants, examples)
//! never make a category. Shell scripts and unparsed bundles have no
//! functions: there a named target counts file-wide.

use crate::analyze::behavior::file::Lang;
use crate::analyze::behavior::signals::{FileSignals, Kind, Signal};

/// The categories one file's signals add up to; each holds its evidence.
#[derive(Default)]
pub struct Assessment<'a> {
    pub obfuscation: Vec<&'a Signal>,
    pub credential: Vec<&'a Signal>,
    /// Credential access strong enough to stand alone (≥ 2 stores read, a
    /// scanner run).
    pub credential_strong: bool,
    /// The credential stores read (a store path beside a read).
    pub stores_read: Vec<&'static str>,
    /// Any network send, webhook or literal IP (raw, not a category).
    pub exfil_sink: Vec<&'a Signal>,
    /// Collected data (credentials, environment, command output) meets a
    /// sink in one function: exfiltration.
    pub exfil: Vec<&'a Signal>,
    /// Host and user names sent out in one function (reconnaissance); the
    /// rules decide from when the file runs whether it matters.
    pub recon: Vec<&'a Signal>,
    pub persistence: Vec<&'a Signal>,
    pub propagation: Vec<&'a Signal>,
    pub dropper: Vec<&'a Signal>,
    pub ai_abuse: Vec<&'a Signal>,
    /// Network, subprocess or dynamic exec at module level.
    pub top_level: Vec<&'a Signal>,
}

pub const EXEC: &[Kind] = &[Kind::Exec, Kind::ExecDecoded, Kind::ExecFetched];
pub const RUNS: &[Kind] = &[
    Kind::Exec,
    Kind::ExecDecoded,
    Kind::ExecFetched,
    Kind::Subprocess,
];
const SINKS: &[Kind] = &[Kind::NetworkSend, Kind::ExfilEndpoint, Kind::HardcodedIp];
const WRITES: &[Kind] = &[Kind::FileWrite, Kind::Subprocess];
const READS: &[Kind] = &[Kind::FileRead, Kind::Subprocess];
/// What connects: a literal endpoint only sends beside one of these.
const CONNECTS: &[Kind] = &[Kind::Network, Kind::NetworkSend, Kind::Subprocess];

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

/// One function's view: its own signals and the module level's.
struct Scope<'s> {
    s: &'s FileSignals,
    sc: u32,
}

impl Scope<'_> {
    fn sees(&self, x: &Signal) -> bool {
        x.scope == self.sc || x.scope == 0
    }
    fn has(&self, ks: &[Kind]) -> bool {
        self.s
            .signals
            .iter()
            .any(|x| self.sees(x) && ks.contains(&x.kind))
    }
    fn has_store(&self, d: &str) -> bool {
        self.s
            .signals
            .iter()
            .any(|x| self.sees(x) && x.kind == Kind::CredentialFile && x.detail == d)
    }
}

/// Whether some function (or the module level) satisfies `f`.
fn some_scope(s: &FileSignals, f: impl Fn(&Scope) -> bool) -> bool {
    let mut scopes: Vec<u32> = s.signals.iter().map(|x| x.scope).collect();
    scopes.push(0);
    scopes.sort_unstable();
    scopes.dedup();
    scopes.iter().any(|&sc| f(&Scope { s, sc }))
}

/// Signals of kinds `acts` in a function that also holds one of `targets`
/// (module-level targets count for every function).
fn acts_beside<'a>(s: &'a FileSignals, targets: &[Kind], acts: &[Kind]) -> Vec<&'a Signal> {
    s.signals
        .iter()
        .filter(|x| acts.contains(&x.kind))
        .filter(|x| {
            s.signals
                .iter()
                .any(|t| targets.contains(&t.kind) && (t.scope == x.scope || t.scope == 0))
        })
        .collect()
}

/// Summarises one file's signals into categories.
pub fn assess(s: &FileSignals, lang: Lang) -> Assessment<'_> {
    let mut a = Assessment::default();
    let of = |ks: &[Kind]| -> Vec<&Signal> {
        s.signals.iter().filter(|x| ks.contains(&x.kind)).collect()
    };
    let shell = lang == Lang::Shell;
    // No functions to pair acts with: a named target counts file-wide.
    let loose = shell || !s.parsed;
    obfuscation(s, &mut a, &of);
    credentials(s, loose, &mut a, &of);
    a.exfil_sink = of(SINKS);
    let loot = |sc: &Scope| {
        sc.has(&[Kind::EnvDump])
            || (sc.has(&[Kind::SecretScanner]) && sc.has(&[Kind::Subprocess]))
            || (sc.has(&[Kind::CredentialFile]) && (loose || sc.has(READS)))
    };
    let sends = |sc: &Scope| {
        sc.has(&[Kind::NetworkSend])
            || (sc.has(&[Kind::ExfilEndpoint, Kind::HardcodedIp]) && (loose || sc.has(CONNECTS)))
    };
    let reads_any = |sc: &Scope| {
        sc.has(&[
            Kind::FileRead,
            Kind::EnvDump,
            Kind::Subprocess,
            Kind::CredentialFile,
        ])
    };
    let to_endpoint = |sc: &Scope| {
        sc.has(&[Kind::ExfilEndpoint, Kind::HardcodedIp]) && (loose || sc.has(CONNECTS))
    };
    if (a.credentials() && some_scope(s, |sc| loot(sc) && sends(sc)))
        || some_scope(s, |sc| to_endpoint(sc) && reads_any(sc))
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
    if some_scope(s, |sc| {
        sc.has(&[Kind::HostInfo]) && sc.has(&[Kind::NetworkSend])
    }) {
        a.recon = of(&[Kind::HostInfo, Kind::NetworkSend, Kind::Network]);
    }
    // Persistence and propagation need an act (write, run, send) beside the target.
    let persist = &[Kind::Persistence, Kind::StartupWrite, Kind::AgentConfig];
    if s.together(&[persist, WRITES]) || (shell && s.any(&[Kind::Persistence])) {
        a.persistence = of(persist);
        a.persistence.extend(acts_beside(s, persist, WRITES));
    }
    let spread = &[Kind::Publish, Kind::RepoWrite, Kind::Kubernetes];
    let acts: &[Kind] = &[
        Kind::Subprocess,
        Kind::Network,
        Kind::NetworkSend,
        Kind::FileWrite,
    ];
    if s.together(&[spread, acts]) || (shell && s.any(&[Kind::Publish, Kind::RepoWrite])) {
        a.propagation = of(spread);
        a.propagation.extend(acts_beside(s, spread, acts));
    }
    dropper(s, shell, &mut a, &of);
    if s.same_scope(&[&[Kind::AiCliBypass], &[Kind::Subprocess]])
        || (shell && s.has(Kind::AiCliBypass))
    {
        a.ai_abuse = of(&[Kind::AiCliBypass]);
        a.ai_abuse
            .extend(acts_beside(s, &[Kind::AiCliBypass], &[Kind::Subprocess]));
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
                        | Kind::ExecFetched
                )
        })
        .collect();
    a
}

type Of<'a, 'f> = &'f dyn Fn(&[Kind]) -> Vec<&'a Signal>;

/// Decoded data executed, or built-up access to builtins that runs
/// something, or obfuscator output that does something.
fn obfuscation<'a>(s: &'a FileSignals, a: &mut Assessment<'a>, of: Of<'a, '_>) {
    if s.has(Kind::ExecDecoded) {
        a.obfuscation = of(&[Kind::ExecDecoded, Kind::Decode]);
    } else if s.same_scope(&[&[Kind::Decode], EXEC]) {
        a.obfuscation = of(&[Kind::Decode, Kind::Exec]);
    } else if s.together(&[&[Kind::DynamicBuiltin], RUNS]) {
        a.obfuscation = of(&[Kind::DynamicBuiltin, Kind::Exec, Kind::Subprocess]);
    } else if s.same_scope(&[&[Kind::HighEntropy], EXEC]) {
        a.obfuscation = of(&[Kind::HighEntropy, Kind::Exec]);
    } else if s.has(Kind::ObfuscatorStyle)
        && s.any(&[
            Kind::Exec,
            Kind::ExecFetched,
            Kind::Subprocess,
            Kind::Network,
            Kind::NetworkSend,
            Kind::PipeToShell,
            Kind::Download,
            Kind::CredentialFile,
            Kind::ExfilEndpoint,
            Kind::Publish,
            Kind::SecretScanner,
            Kind::AiCliBypass,
        ])
    {
        a.obfuscation = of(&[
            Kind::ObfuscatorStyle,
            Kind::Exec,
            Kind::Subprocess,
            Kind::NetworkSend,
            Kind::PipeToShell,
            Kind::Download,
        ]);
    }
}

/// Which stores are read (a store path beside a read in one function); a
/// scanner run or two stores read is strong alone.
fn credentials<'a>(s: &'a FileSignals, loose: bool, a: &mut Assessment<'a>, of: Of<'a, '_>) {
    let named = s.details(&[Kind::CredentialFile]);
    let read: Vec<&'static str> = named
        .into_iter()
        .filter(|d| !SOFT_CREDENTIALS.contains(d))
        .filter(|d| loose || some_scope(s, |sc| sc.has_store(d) && sc.has(READS)))
        .collect();
    // A scanner named in text (docs, rule tables) is not a scanner run.
    let scanner = s.together(&[&[Kind::SecretScanner], &[Kind::Subprocess]])
        || (loose && s.has(Kind::SecretScanner));
    let dump = s.has(Kind::EnvDump);
    a.credential_strong = scanner || read.len() >= 2;
    a.stores_read = read.clone();
    if a.credential_strong || dump || !read.is_empty() {
        let mut kinds = vec![Kind::CredentialFile, Kind::EnvDump];
        if scanner {
            kinds.push(Kind::SecretScanner);
        }
        a.credential = of(&kinds);
    }
}

/// Fetch, make executable, run; pipe into a shell; a shell wired to a
/// socket; downloaded code evaluated; a second runtime fetched.
fn dropper<'a>(s: &'a FileSignals, shell: bool, a: &mut Assessment<'a>, of: Of<'a, '_>) {
    let fetch: &[Kind] = &[Kind::Download, Kind::Network];
    let net: &[Kind] = &[Kind::Network, Kind::NetworkSend];
    a.dropper = if s.together(&[&[Kind::PipeToShell], RUNS]) || (shell && s.has(Kind::PipeToShell))
    {
        of(&[Kind::PipeToShell, Kind::Subprocess])
    } else if s.together(&[fetch, &[Kind::Chmod], &[Kind::Subprocess]])
        || (shell && s.has(Kind::Download) && s.has(Kind::Chmod))
    {
        of(&[Kind::Download, Kind::Network, Kind::Chmod, Kind::Subprocess])
    } else if s.together(&[&[Kind::HardcodedIp], net, &[Kind::Subprocess]])
        || s.together(&[&[Kind::SocketShell], net, &[Kind::Subprocess]])
    {
        // A socket to a literal address (or wired to descriptors) and a shell.
        of(&[
            Kind::HardcodedIp,
            Kind::SocketShell,
            Kind::Network,
            Kind::Subprocess,
        ])
    } else if s.has(Kind::ExecFetched) {
        of(&[Kind::ExecFetched, Kind::Network, Kind::Download])
    } else if s.has(Kind::SecondRuntime) && (shell || s.any(&[Kind::Subprocess, Kind::Download])) {
        of(&[Kind::SecondRuntime, Kind::Download, Kind::Subprocess])
    } else {
        Vec::new()
    };
}
