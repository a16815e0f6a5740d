//! What one Python call does, from its callee and argument text.

use crate::analyze::behavior::signals::Kind;

/// `__import__('os').system` → `os.system`; whitespace removed.
pub fn normalize(callee: &str) -> String {
    let mut s: String = callee.chars().filter(|c| !c.is_whitespace()).collect();
    while let Some(i) = s.find("__import__(") {
        let rest = &s[i + "__import__(".len()..];
        let Some(end) = rest.find(')') else { break };
        let module = rest[..end].trim_matches(['"', '\'']).to_string();
        s = format!("{}{}{}", &s[..i], module, &rest[end + 1..]);
    }
    s
}

const DECODERS: &[(&str, &str)] = &[
    ("b64decode", "base64"),
    ("b32decode", "base32"),
    ("b85decode", "base85"),
    ("a85decode", "base85"),
    ("decodebytes", "base64"),
    ("a2b_base64", "base64"),
    ("unhexlify", "hex"),
    ("a2b_hex", "hex"),
    ("fromhex", "hex"),
    ("decompress", "zlib"),
    ("marshal.loads", "marshal"),
    ("rot13", "rot13"),
    ("rot_13", "rot13"),
    ("chr(", "chr() codes"),
];

pub fn has_decode(args: &str) -> bool {
    DECODERS.iter().any(|(p, _)| args.contains(p))
}

pub fn decode_name(args: &str) -> &'static str {
    DECODERS
        .iter()
        .find(|(p, _)| args.contains(p))
        .map_or("decoded data", |(_, d)| d)
}

const HTTP_LIBS: &[&str] = &[
    "requests", "httpx", "urllib3", "aiohttp", "session", "client",
];

/// Signals of one call, from its callee (`base.name`) and argument text.
pub fn classify_call(base: &str, name: &str, args: &str) -> Vec<(Kind, &'static str)> {
    let mut v = Vec::new();
    let base_l = base.to_ascii_lowercase();
    let http_base = HTTP_LIBS.iter().any(|l| base_l.ends_with(l));
    match name {
        "b64decode" | "b32decode" | "b85decode" | "a85decode" | "urlsafe_b64decode"
        | "decodebytes" | "a2b_base64" => v.push((Kind::Decode, "base64")),
        "unhexlify" | "a2b_hex" | "fromhex" => v.push((Kind::Decode, "hex")),
        "decompress"
            if ["zlib", "gzip", "lzma", "bz2"]
                .iter()
                .any(|m| base.ends_with(m)) =>
        {
            v.push((Kind::Decode, "zlib"))
        }
        "loads" if base.ends_with("marshal") => v.push((Kind::Decode, "marshal")),
        "decode" if base.ends_with("codecs") && (args.contains("rot") || args.contains("hex")) => {
            v.push((Kind::Decode, "codecs"))
        }
        "join" if args.contains("chr(") => v.push((Kind::Decode, "chr() codes")),
        "run" | "call" | "Popen" | "check_output" | "check_call" | "getoutput"
        | "getstatusoutput"
            if base.ends_with("subprocess") =>
        {
            v.push((Kind::Subprocess, "subprocess"))
        }
        "Popen" | "check_output" | "check_call" if base.is_empty() => {
            v.push((Kind::Subprocess, "subprocess"))
        }
        "system" | "popen" | "execv" | "execve" | "execvp" | "execl" | "execlp" | "spawnv"
        | "spawnl" | "posix_spawn"
            if base == "os" =>
        {
            v.push((Kind::Subprocess, "os.system"))
        }
        "spawn" if base == "pty" => v.push((Kind::Subprocess, "pty.spawn")),
        "create_subprocess_shell" | "create_subprocess_exec" => {
            v.push((Kind::Subprocess, "asyncio subprocess"))
        }
        "urlopen" => {
            v.push((Kind::Network, "urllib"));
            // `urlopen(url, data)` or `data=`; `timeout=` sends nothing.
            let second = top_level_args(args).get(1).copied().unwrap_or("");
            if args.contains("data=") || (!second.is_empty() && !second.contains('=')) {
                v.push((Kind::NetworkSend, "urlopen with data"));
            }
        }
        "Request" if base.ends_with("request") => {
            v.push((Kind::Network, "urllib"));
            if args.contains("data=") || args.contains("POST") {
                v.push((Kind::NetworkSend, "urllib POST"));
            }
        }
        "urlretrieve" => v.push((Kind::Download, "urlretrieve")),
        "post" | "put" | "patch" if http_base => v.push((Kind::NetworkSend, "HTTP POST/PUT")),
        "get" | "request" | "Session" | "Client" | "AsyncClient" | "PoolManager"
        | "ClientSession"
            if ["requests", "httpx", "urllib3", "aiohttp"].contains(&base) =>
        {
            v.push((Kind::Network, "HTTP client"));
            if args.contains("\"POST\"") || args.contains("'POST'") {
                v.push((Kind::NetworkSend, "HTTP POST/PUT"));
            }
        }
        "HTTPConnection" | "HTTPSConnection" => v.push((Kind::Network, "http.client")),
        // `conn.request("POST", …)` (http.client and friends).
        "request" | "putrequest"
            if !base.is_empty()
                && ["\"POST\"", "'POST'", "\"PUT\"", "'PUT'"]
                    .iter()
                    .any(|m| top_level_args(args).first().is_some_and(|a| a.trim() == *m)) =>
        {
            v.push((Kind::NetworkSend, "HTTP POST/PUT"))
        }
        "dup2" if args.contains("fileno()") => {
            v.push((Kind::SocketShell, "descriptors duplicated onto a socket"))
        }
        "gethostname" | "getfqdn" if base.ends_with("socket") => {
            v.push((Kind::HostInfo, "host name"))
        }
        "getuser" if base.ends_with("getpass") => v.push((Kind::HostInfo, "user name")),
        "node" if base.ends_with("platform") => v.push((Kind::HostInfo, "host name")),
        "getlogin" | "uname" if base == "os" => v.push((Kind::HostInfo, "user name")),
        "getnode" if base.ends_with("uuid") => v.push((Kind::HostInfo, "MAC address")),
        "socket" | "create_connection" if base.ends_with("socket") => {
            v.push((Kind::Network, "raw socket"))
        }
        "sendall" | "sendto" => v.push((Kind::NetworkSend, "socket send")),
        "gethostbyname" | "getaddrinfo" | "resolve" | "query"
            if base.ends_with("socket") || base.contains("resolver") =>
        {
            v.push((Kind::Network, "DNS"));
            if args.contains('+')
                || args.contains("f\"")
                || args.contains("f'")
                || args.contains("format")
            {
                v.push((Kind::NetworkSend, "DNS lookup of built-up name"));
            }
        }
        "open" if base.is_empty() || base == "io" || base == "builtins" => {
            v.push(open_mode(args));
        }
        "read_text" | "read_bytes" => v.push((Kind::FileRead, "read")),
        "write_text" | "write_bytes" => v.push((Kind::FileWrite, "write")),
        "copy" | "copyfile" | "copy2" | "move" if base.ends_with("shutil") => {
            v.push((Kind::FileWrite, "copy"));
            v.push((Kind::FileRead, "copy"));
        }
        // Copying or archiving a directory reads all of it.
        "copytree" | "make_archive" if base.ends_with("shutil") => v.push((Kind::FileRead, "copy")),
        "chmod" => v.push((Kind::Chmod, "chmod")),
        "dumps" | "str" | "repr" if args.trim_matches(['(', ')']) == "os.environ" => {
            v.push((Kind::EnvDump, "whole environment"))
        }
        "getenv" | "get"
            if (base.is_empty() || base == "os" || base.ends_with("environ"))
                && args
                    .split(['"', '\''])
                    .any(crate::analyze::behavior::signals::is_secret_var) =>
        {
            v.push((Kind::SecretEnv, "secret variable"))
        }
        _ => {}
    }
    if name.starts_with("create_namespaced")
        && (base.contains("kubernetes") || base.ends_with("V1Api") || base.ends_with("api"))
    {
        v.push((Kind::Kubernetes, "creates workloads"));
    }
    let sends = v.iter().any(|(k, _)| *k == Kind::NetworkSend);
    if sends && whole_environ(args) {
        v.push((Kind::EnvDump, "whole environment"));
    }
    if name == "connect" && base.ends_with("sqlite3") {
        v.push((Kind::FileRead, "sqlite database"));
    }
    if matches!(name, "dumps" | "str" | "repr") && whole_environ(args) {
        v.push((Kind::EnvDump, "whole environment"));
    }
    v
}

/// `os.environ` passed whole: bare, `dict(os.environ)`, `{**os.environ}`,
/// `.copy()`, or every item (`{k: v for k, v in os.environ.items()}`) —
/// not one variable (`os.environ.get(…)`, `os.environ[…]`) and not a
/// filtered comprehension (`… if k.startswith("APP_")`).
pub fn whole_environ(args: &str) -> bool {
    args.match_indices("os.environ").any(|(i, m)| {
        let rest = &args[i + m.len()..];
        match rest.chars().next() {
            Some('.') => {
                (rest.starts_with(".items()") || rest.starts_with(".copy()"))
                    && !args.contains(" if ")
            }
            Some('[') => false,
            _ => true,
        }
    })
}

/// Top-level comma-separated parts of a call's argument text `(a, f(b, c), d=1)`.
pub fn top_level_args(args: &str) -> Vec<&str> {
    let inner = args
        .trim()
        .strip_prefix('(')
        .and_then(|a| a.strip_suffix(')'))
        .unwrap_or(args);
    let mut out = Vec::new();
    let (mut depth, mut start, mut quote) = (0i32, 0usize, None::<char>);
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = inner[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// `open(path)` reads; `open(path, "w")` writes.
fn open_mode(args: &str) -> (Kind, &'static str) {
    let writes = args.split(',').skip(1).any(|a| {
        let a = a.trim().trim_start_matches("mode=");
        (a.starts_with('"') || a.starts_with('\''))
            && a.trim_matches(['"', '\'', ')', ' '])
                .chars()
                .any(|c| matches!(c, 'w' | 'a' | 'x'))
    });
    if writes {
        (Kind::FileWrite, "open for writing")
    } else {
        (Kind::FileRead, "open")
    }
}
