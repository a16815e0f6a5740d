//! What one JavaScript call does, from its callee and argument text.

use crate::analyze::behavior::signals::Kind;

/// Decoding named in argument text (`Buffer.from(s, 'base64')`, `atob`, …).
pub fn decode_in(args: &str) -> Option<&'static str> {
    if args.contains("'base64'") || args.contains("\"base64\"") || args.contains("atob(") {
        Some("base64")
    } else if args.contains("'hex'") || args.contains("\"hex\"") {
        Some("hex")
    } else if args.contains("fromCharCode") {
        Some("char codes")
    } else if args.contains("inflateSync")
        || args.contains("gunzipSync")
        || args.contains("brotliDecompressSync")
    {
        Some("zlib")
    } else {
        None
    }
}

/// HTTP client libraries called as `lib.get(…)` / `lib.post(…)` / `lib(…)`.
const HTTP_LIBS: &[&str] = &["axios", "got", "needle", "superagent", "request"];

const CHILD_PROCESS: &[&str] = &[
    "exec",
    "execSync",
    "spawn",
    "spawnSync",
    "execFile",
    "execFileSync",
    "fork",
];

pub fn classify_call(
    base: &str,
    name: &str,
    args: &str,
    cp_in_file: bool,
) -> Vec<(Kind, &'static str)> {
    let mut v = Vec::new();
    let cp_base = base.is_empty()
        || base.contains("child_process")
        || base.ends_with("cp")
        || base.ends_with("childProcess");
    if CHILD_PROCESS.contains(&name) && cp_in_file && cp_base {
        v.push((Kind::Subprocess, "child_process"));
    }
    match name {
        "from" if base == "Buffer" => {
            if let Some(d) = decode_in(args) {
                v.push((Kind::Decode, d));
            }
        }
        "atob" => v.push((Kind::Decode, "base64")),
        "fromCharCode" if args.len() > 40 => v.push((Kind::Decode, "char codes")),
        "inflateSync" | "gunzipSync" | "brotliDecompressSync" | "inflateRawSync" => {
            v.push((Kind::Decode, "zlib"))
        }
        "fetch" => {
            v.push((Kind::Network, "fetch"));
            if args.contains("POST") || args.contains("PUT") || args.contains("body") {
                v.push((Kind::NetworkSend, "fetch POST"));
            }
        }
        "request" | "get"
            if matches!(base, "http" | "https")
                || base.ends_with("require(\"https\")")
                || base.ends_with("require('https')") =>
        {
            v.push((Kind::Network, "http(s) request"));
            if args.contains("POST") || args.contains("PUT") {
                v.push((Kind::NetworkSend, "HTTP POST/PUT"));
            }
        }
        "post" | "put" | "patch" if HTTP_LIBS.iter().any(|l| base.ends_with(l)) => {
            v.push((Kind::Network, "HTTP client"));
            v.push((Kind::NetworkSend, "HTTP POST/PUT"))
        }
        "get" | "request" | "head" if HTTP_LIBS.iter().any(|l| base.ends_with(l)) => {
            v.push((Kind::Network, "HTTP client"))
        }
        "axios" | "got" | "needle" if base.is_empty() => v.push((Kind::Network, "HTTP client")),
        "hostname" | "userInfo" | "networkInterfaces" if base == "os" => {
            v.push((Kind::HostInfo, "host and user names"))
        }
        // `sh.stdout.pipe(socket)` / `socket.pipe(sh.stdin)`.
        "pipe" if args.contains(".stdin") || base.ends_with(".stdout") => {
            v.push((Kind::SocketShell, "process streams piped"))
        }
        "connect" | "createConnection" if base == "net" || base == "tls" => {
            v.push((Kind::Network, "raw socket"))
        }
        "lookup" | "resolve" | "resolve4" | "resolveTxt"
            if base.ends_with("dns") || base.ends_with("dns.promises") =>
        {
            v.push((Kind::Network, "DNS"));
            if args.contains('+') || args.contains('`') {
                v.push((Kind::NetworkSend, "DNS lookup of built-up name"));
            }
        }
        "readFileSync" | "readFile" | "createReadStream" | "readdirSync" => {
            v.push((Kind::FileRead, "fs read"))
        }
        "writeFileSync" | "writeFile" | "appendFileSync" | "appendFile" | "createWriteStream"
        | "copyFileSync" | "copyFile" => v.push((Kind::FileWrite, "fs write")),
        "chmodSync" | "chmod" => v.push((Kind::Chmod, "chmod")),
        "stringify"
            if base == "JSON" && args.contains("process.env") && !args.contains("process.env.") =>
        {
            v.push((Kind::EnvDump, "whole environment"))
        }
        "entries" | "keys"
            if base == "Object" && args.trim_matches(['(', ')']) == "process.env" =>
        {
            v.push((Kind::EnvDump, "whole environment"))
        }
        _ => {}
    }
    if v.iter().any(|(k, _)| *k == Kind::NetworkSend) && whole_env(args) {
        v.push((Kind::EnvDump, "whole environment"));
    }
    v
}

/// `process.env` passed whole (not `process.env.X` or `process.env[…]`).
pub fn whole_env(args: &str) -> bool {
    args.match_indices("process.env").any(|(i, m)| {
        let next = args[i + m.len()..].chars().next();
        !matches!(next, Some('.') | Some('['))
    })
}
