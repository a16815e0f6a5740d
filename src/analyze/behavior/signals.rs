//! The signal model: what a piece of code was seen to do, typed, with the
//! line and snippet that show it. Grammars (`python.rs`, `javascript.rs`)
//! and the cheap byte scan produce signals; rules decide severity from
//! which signals meet in one file or one function.
//!
//! The text classifiers here are shared by both grammars and by the
//! shell-command reader of install scripts: a string literal, a command
//! line and a callee name are classified the same way in every language.

/// One kind of behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Data decoded from base64, hex, zlib, marshal, rot13, char codes …
    Decode,
    /// exec/eval/compile/`Function`/`vm` of something that is not a literal.
    Exec,
    /// exec/eval whose argument is itself a decode: the obfuscation idiom.
    ExecDecoded,
    /// `getattr(__builtins__, …)`, `globals()['ev'+'al']` and the like.
    DynamicBuiltin,
    /// `_0x` hex identifiers and string-array rotation (javascript-obfuscator).
    ObfuscatorStyle,
    /// A long high-entropy literal.
    HighEntropy,
    /// Runs a program (subprocess, child_process, os.system …).
    Subprocess,
    /// A shell pipeline that downloads and runs (`curl … | sh`).
    PipeToShell,
    /// Network access (HTTP client, socket, DNS).
    Network,
    /// Sends data out (POST/PUT, socket send, DNS lookup of built-up names).
    NetworkSend,
    /// A webhook or paste/file-drop endpoint (Discord, Telegram, Slack …).
    ExfilEndpoint,
    /// A URL whose host is a literal IP address.
    HardcodedIp,
    /// Reads a credential store (SSH keys, cloud credentials, .npmrc …).
    CredentialFile,
    /// Dumps the whole environment.
    EnvDump,
    /// Reads a secret-named environment variable.
    SecretEnv,
    /// Runs a secret scanner (trufflehog, gitleaks).
    SecretScanner,
    /// Writes a persistence location (systemd, cron, shell rc, launch agent).
    Persistence,
    /// Writes a Python startup hook (`.pth`, `sitecustomize.py`).
    StartupWrite,
    /// Writes an AI-agent or editor config (Claude hooks, MCP servers, VS Code tasks).
    AgentConfig,
    /// Kubernetes API use that creates workloads, privileged or with hostPath.
    Kubernetes,
    /// Publishes packages (`npm publish`, `twine upload`, registry tokens).
    Publish,
    /// Writes to GitHub (workflow files, repositories, self-hosted runners) or `git push`.
    RepoWrite,
    /// Downloads a file to disk.
    Download,
    /// Makes a file executable.
    Chmod,
    /// Fetches a second runtime (bun, deno) to run a payload.
    SecondRuntime,
    /// Runs a local AI agent CLI with its permission checks turned off.
    AiCliBypass,
    /// Writes a file outside the package (home, /etc, /tmp …).
    WriteOutside,
    /// Reads a file (generic; gives credential paths their meaning).
    FileRead,
    /// Writes a file (generic; gives persistence paths their meaning).
    FileWrite,
}

impl Kind {
    /// Words for evidence lines and chain descriptions.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Decode => "decodes data",
            Kind::Exec => "executes dynamic code",
            Kind::ExecDecoded => "executes decoded data",
            Kind::DynamicBuiltin => "reaches builtins dynamically",
            Kind::ObfuscatorStyle => "obfuscator-style code",
            Kind::HighEntropy => "long high-entropy literal",
            Kind::Subprocess => "runs a program",
            Kind::PipeToShell => "pipes a download into a shell",
            Kind::Network => "network access",
            Kind::NetworkSend => "sends data over the network",
            Kind::ExfilEndpoint => "webhook / paste endpoint",
            Kind::HardcodedIp => "hard-coded IP address",
            Kind::CredentialFile => "reads credential files",
            Kind::EnvDump => "dumps the environment",
            Kind::SecretEnv => "reads secret environment variables",
            Kind::SecretScanner => "runs a secret scanner",
            Kind::Persistence => "installs persistence",
            Kind::StartupWrite => "writes a Python startup hook",
            Kind::AgentConfig => "writes AI-agent/editor config",
            Kind::Kubernetes => "creates Kubernetes workloads",
            Kind::Publish => "publishes packages",
            Kind::RepoWrite => "writes to repositories/CI",
            Kind::Download => "downloads a file",
            Kind::Chmod => "makes a file executable",
            Kind::SecondRuntime => "fetches a second runtime",
            Kind::AiCliBypass => "runs an AI agent CLI without permission checks",
            Kind::WriteOutside => "writes outside the package",
            Kind::FileRead => "reads a file",
            Kind::FileWrite => "writes a file",
        }
    }
}

/// One observation in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    pub kind: Kind,
    /// What exactly (`base64`, `~/.aws`, `discord webhook` …).
    pub detail: &'static str,
    /// 1-based line.
    pub line: u32,
    /// The source line, trimmed and shortened.
    pub evidence: String,
    /// Enclosing function (0 = module level). Same number = same function.
    pub scope: u32,
    /// Runs when the module is loaded (module level, not under `__main__`,
    /// not inside a function).
    pub top_level: bool,
}

/// Every signal of one file.
#[derive(Clone, Debug, Default)]
pub struct FileSignals {
    pub signals: Vec<Signal>,
    /// The file was parsed with a grammar (otherwise: cheap byte scan only).
    pub parsed: bool,
}

impl FileSignals {
    pub fn has(&self, k: Kind) -> bool {
        self.signals.iter().any(|s| s.kind == k)
    }

    pub fn any(&self, ks: &[Kind]) -> bool {
        self.signals.iter().any(|s| ks.contains(&s.kind))
    }

    /// Signals of these kinds, in line order.
    pub fn of<'a>(&'a self, ks: &'a [Kind]) -> impl Iterator<Item = &'a Signal> + 'a {
        self.signals.iter().filter(move |s| ks.contains(&s.kind))
    }

    /// Whether one function (or the module level) holds a signal of each group.
    pub fn together(&self, groups: &[&[Kind]]) -> bool {
        let mut scopes: Vec<u32> = self.signals.iter().map(|s| s.scope).collect();
        scopes.sort_unstable();
        scopes.dedup();
        scopes.iter().any(|&sc| {
            groups.iter().all(|g| {
                self.signals
                    .iter()
                    .any(|s| (s.scope == sc || s.scope == 0) && g.contains(&s.kind))
            })
        })
    }

    /// Like [`Self::together`], but the module level counts only for itself:
    /// a module-level literal does not pair with every function.
    pub fn same_scope(&self, groups: &[&[Kind]]) -> bool {
        let mut scopes: Vec<u32> = self.signals.iter().map(|s| s.scope).collect();
        scopes.sort_unstable();
        scopes.dedup();
        scopes.iter().any(|&sc| {
            groups.iter().all(|g| {
                self.signals
                    .iter()
                    .any(|s| s.scope == sc && g.contains(&s.kind))
            })
        })
    }

    /// Distinct details of the given kinds (e.g. how many credential stores).
    pub fn details(&self, ks: &[Kind]) -> Vec<&'static str> {
        let mut d: Vec<&'static str> = self.of(ks).map(|s| s.detail).collect();
        d.sort_unstable();
        d.dedup();
        d
    }

    pub fn push(&mut self, s: Signal) {
        // One signal per (kind, detail, line) is enough evidence.
        if !self
            .signals
            .iter()
            .any(|o| o.kind == s.kind && o.line == s.line && o.detail == s.detail)
        {
            self.signals.push(s);
        }
    }
}

/// Shortens a source line for evidence.
pub fn snippet(line: &str) -> String {
    let t = line.trim();
    if t.chars().count() <= 160 {
        t.to_string()
    } else {
        let mut s: String = t.chars().take(157).collect();
        s.push('…');
        s
    }
}

/// Line starts of a source file, for evidence snippets.
pub struct Lines<'a> {
    src: &'a [u8],
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(src: &'a [u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', src).map(|i| i + 1));
        Lines { src, starts }
    }

    /// The text of line `line` (1-based), trimmed, as evidence. `col` (a
    /// byte offset in the line) centres the window on a minified line.
    pub fn text(&self, line: u32, col: usize) -> String {
        let i = line.saturating_sub(1) as usize;
        let start = self.starts.get(i).copied().unwrap_or(self.src.len());
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.src.len(), |e| e.saturating_sub(1));
        let text = self.src.get(start..end.max(start)).unwrap_or(&[]);
        // A minified line is huge: keep a window around the hit.
        let from = col.saturating_sub(60).min(text.len());
        let to = (from + 160).min(text.len());
        snippet(&String::from_utf8_lossy(&text[from..to]))
    }
}

/// The text of line `line` (1-based) of `src`, as evidence.
pub fn line_text(src: &[u8], line: u32) -> String {
    Lines::new(src).text(line, 0)
}

pub use super::patterns::*;

/// Where the grammar walkers are in the tree.
#[derive(Clone, Copy, Debug)]
pub struct Place {
    /// 0-based row and byte column of the node.
    pub row: usize,
    pub col: usize,
    pub scope: u32,
    pub top_level: bool,
}

/// Collects signals while a grammar walker visits a file.
pub struct Collector<'a> {
    lines: Lines<'a>,
    pub out: FileSignals,
    next_scope: u32,
    /// Function name → its scopes.
    defs: Vec<(String, u32)>,
    /// (calling scope, called at module level, bare callee name).
    calls: Vec<(u32, bool, String)>,
}

impl<'a> Collector<'a> {
    pub fn new(src: &'a [u8]) -> Self {
        Collector {
            lines: Lines::new(src),
            out: FileSignals {
                signals: Vec::new(),
                parsed: true,
            },
            next_scope: 0,
            defs: Vec::new(),
            calls: Vec::new(),
        }
    }

    /// Records `def name` / `function name` opening scope `scope`.
    pub fn define(&mut self, name: &str, scope: u32) {
        self.defs.push((name.to_string(), scope));
    }

    /// Records a call of a bare name from `at`.
    pub fn called(&mut self, name: &str, at: Place) {
        if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            self.calls.push((at.scope, at.top_level, name.to_string()));
        }
    }

    /// The signals, with the bodies of functions that module-level code
    /// calls (directly or through other functions) marked as running on load.
    pub fn finish(mut self) -> FileSignals {
        let mut live: Vec<u32> = Vec::new();
        let mut queue: Vec<&str> = self
            .calls
            .iter()
            .filter(|c| c.1)
            .map(|c| c.2.as_str())
            .collect();
        while let Some(name) = queue.pop() {
            for (_, scope) in self.defs.iter().filter(|d| d.0 == name) {
                if !live.contains(scope) {
                    live.push(*scope);
                    queue.extend(
                        self.calls
                            .iter()
                            .filter(|c| c.0 == *scope)
                            .map(|c| c.2.as_str()),
                    );
                }
            }
        }
        for s in &mut self.out.signals {
            if live.contains(&s.scope) {
                s.top_level = true;
            }
        }
        self.out
    }

    /// A fresh function scope number.
    pub fn scope(&mut self) -> u32 {
        self.next_scope += 1;
        self.next_scope
    }

    pub fn add(&mut self, kind: Kind, detail: &'static str, at: Place) {
        let line = at.row as u32 + 1;
        let evidence = self.lines.text(line, at.col);
        self.out.push(Signal {
            kind,
            detail,
            line,
            evidence,
            scope: at.scope,
            top_level: at.top_level,
        });
    }

    /// Classifies a string literal's text.
    pub fn string(&mut self, text: &str, at: Place) {
        let mut found = Vec::new();
        classify_text(text, &mut found);
        for (k, d) in found {
            self.add(k, d, at);
        }
        if is_payload_literal(text.as_bytes()) {
            self.add(Kind::HighEntropy, "encoded blob", at);
        }
        // Code handed to `python -c` / `node -e` as a string.
        if (text.contains("exec(") || text.contains("eval("))
            && [
                "b64decode",
                "decompress",
                "fromhex",
                "'base64'",
                "\"base64\"",
                "atob(",
            ]
            .iter()
            .any(|d| text.contains(d))
        {
            self.add(Kind::ExecDecoded, "code in a string", at);
        }
    }
}
