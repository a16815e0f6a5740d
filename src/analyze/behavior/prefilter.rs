//! The cheap pre-filter: one Aho–Corasick pass over a file's bytes decides
//! whether the file is worth a grammar at all. Most files of a real
//! environment never reach a parser.
//!
//! Its patterns are a superset of what the grammars turn into signals, so a
//! file it rejects cannot hold a signal. For minified bundles (never parsed)
//! the hits themselves become coarse, whole-file signals.

use super::signals::{self, Kind, Signal};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::sync::OnceLock;

/// How a pattern counts toward the decision to parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Specific enough that one hit justifies parsing (credential paths,
    /// webhooks, persistence locations, publish commands …).
    Strong,
    /// A dotted name (`.env`, `.ssh`) that counts only as a whole path part.
    BareDot,
    Exec,
    Decode,
    Proc,
    Net,
    /// Only meaningful with other hits (secret variable names …).
    Weak,
}

struct Pattern {
    text: &'static str,
    class: Class,
    /// The coarse signal a hit means in a bundle that is not parsed.
    signal: Option<(Kind, &'static str)>,
}

/// Code patterns: callee names and idioms both grammars classify.
type CodePattern = (&'static str, Class, Option<(Kind, &'static str)>);

const CODE: &[CodePattern] = &[
    ("exec(", Class::Exec, Some((Kind::Exec, "exec"))),
    ("eval(", Class::Exec, Some((Kind::Exec, "eval"))),
    ("compile(", Class::Exec, None),
    ("Function(", Class::Exec, Some((Kind::Exec, "Function"))),
    ("runInThisContext", Class::Exec, Some((Kind::Exec, "vm"))),
    ("runInNewContext", Class::Exec, Some((Kind::Exec, "vm"))),
    ("__import__", Class::Exec, None),
    ("b64decode", Class::Decode, Some((Kind::Decode, "base64"))),
    ("decodebytes", Class::Decode, Some((Kind::Decode, "base64"))),
    ("fromhex", Class::Decode, Some((Kind::Decode, "hex"))),
    ("unhexlify", Class::Decode, Some((Kind::Decode, "hex"))),
    ("decompress", Class::Decode, Some((Kind::Decode, "zlib"))),
    ("marshal", Class::Decode, Some((Kind::Decode, "marshal"))),
    ("rot13", Class::Decode, Some((Kind::Decode, "rot13"))),
    ("rot_13", Class::Decode, Some((Kind::Decode, "rot13"))),
    (
        "fromCharCode",
        Class::Decode,
        Some((Kind::Decode, "char codes")),
    ),
    ("atob(", Class::Decode, Some((Kind::Decode, "base64"))),
    ("'base64'", Class::Decode, Some((Kind::Decode, "base64"))),
    ("\"base64\"", Class::Decode, Some((Kind::Decode, "base64"))),
    ("'hex')", Class::Decode, Some((Kind::Decode, "hex"))),
    ("chr(", Class::Decode, None),
    (
        "__builtins__",
        Class::Strong,
        Some((Kind::DynamicBuiltin, "__builtins__")),
    ),
    ("_0x", Class::Weak, None),
    (
        "subprocess",
        Class::Proc,
        Some((Kind::Subprocess, "subprocess")),
    ),
    (
        "os.system",
        Class::Proc,
        Some((Kind::Subprocess, "os.system")),
    ),
    ("popen", Class::Proc, Some((Kind::Subprocess, "popen"))),
    (
        "child_process",
        Class::Proc,
        Some((Kind::Subprocess, "child_process")),
    ),
    (
        "execSync",
        Class::Proc,
        Some((Kind::Subprocess, "child_process")),
    ),
    ("spawn", Class::Proc, None),
    ("execFile", Class::Proc, None),
    ("urlopen", Class::Net, Some((Kind::Network, "urllib"))),
    ("requests.", Class::Net, None),
    ("httpx.", Class::Net, None),
    ("http.client", Class::Net, None),
    ("socket", Class::Net, None),
    ("fetch(", Class::Net, None),
    ("https.request", Class::Net, None),
    ("http.request", Class::Net, None),
    ("https.get", Class::Net, None),
    ("XMLHttpRequest", Class::Net, None),
    ("dns.", Class::Net, None),
    ("gethostbyname", Class::Net, None),
    ("curl ", Class::Strong, Some((Kind::Download, "curl/wget"))),
    ("wget ", Class::Strong, Some((Kind::Download, "curl/wget"))),
    ("chmod", Class::Proc, Some((Kind::Chmod, "chmod"))),
    (
        "os.environ)",
        Class::Strong,
        Some((Kind::EnvDump, "environment")),
    ),
    ("os.environ.copy()", Class::Weak, None),
    ("os.environ.items()", Class::Weak, None),
    (
        "(process.env)",
        Class::Strong,
        Some((Kind::EnvDump, "environment")),
    ),
    ("process.env)", Class::Weak, None),
    ("://1", Class::Weak, None),
    ("://2", Class::Weak, None),
    ("://3", Class::Weak, None),
    ("://4", Class::Weak, None),
    ("://5", Class::Weak, None),
    ("://6", Class::Weak, None),
    ("://7", Class::Weak, None),
    ("://8", Class::Weak, None),
    ("://9", Class::Weak, None),
    ("/tmp/", Class::Weak, None),
    ("open(", Class::Weak, None),
    ("writeFile", Class::Weak, None),
    ("readFile", Class::Weak, None),
    ("homedir", Class::Weak, None),
];

fn patterns() -> Vec<Pattern> {
    let mut v: Vec<Pattern> = CODE
        .iter()
        .map(|(t, c, s)| Pattern {
            text: t,
            class: *c,
            signal: *s,
        })
        .collect();
    for (t, d) in signals::CREDENTIALS {
        let bare = t.starts_with('.') && !t.contains('/');
        v.push(Pattern {
            text: t,
            class: if bare { Class::BareDot } else { Class::Strong },
            signal: Some((Kind::CredentialFile, d)),
        });
    }
    for t in signals::SECRET_VARS {
        v.push(Pattern {
            text: t,
            class: Class::Weak,
            signal: Some((Kind::SecretEnv, "secret variable")),
        });
    }
    for (t, d) in signals::EXFIL_HOSTS {
        v.push(Pattern {
            text: t,
            class: Class::Strong,
            signal: Some((Kind::ExfilEndpoint, d)),
        });
    }
    for (t, k, d) in signals::PERSISTENCE.iter().chain(signals::PROPAGATION) {
        v.push(Pattern {
            text: t,
            class: Class::Strong,
            signal: Some((*k, d)),
        });
    }
    for t in signals::AI_FLAGS {
        v.push(Pattern {
            text: t,
            class: Class::Strong,
            signal: Some((Kind::AiCliBypass, "permission-bypass flag")),
        });
    }
    for (t, d) in signals::RUNTIMES {
        v.push(Pattern {
            text: t,
            class: Class::Strong,
            signal: Some((Kind::SecondRuntime, d)),
        });
    }
    for t in ["trufflehog", "gitleaks"] {
        v.push(Pattern {
            text: t,
            class: Class::Strong,
            signal: Some((Kind::SecretScanner, "secret scanner")),
        });
    }
    v
}

struct Compiled {
    ac: AhoCorasick,
    patterns: Vec<Pattern>,
}

fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| {
        let patterns = patterns();
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(patterns.iter().map(|p| p.text))
            // The patterns are constants; a failure here is a programming error
            // caught by every test, never input-dependent.
            .unwrap_or_else(|e| panic!("behaviour pre-filter patterns: {e}"));
        Compiled { ac, patterns }
    })
}

/// What the byte scan saw in one file.
#[derive(Clone, Debug, Default)]
pub struct Hits {
    pub strong: bool,
    pub exec: bool,
    pub decode: bool,
    pub proc: bool,
    pub net: bool,
    /// A call-looking hit on an unindented line: possible import-time effect.
    pub top_level: bool,
    /// Obfuscator-style `_0x` identifiers seen.
    pub hex_idents: usize,
    /// Coarse signals (pattern hits), for files that are not parsed.
    pub coarse: Vec<Signal>,
}

impl Hits {
    /// Whether the file deserves a grammar.
    pub fn worth_parsing(&self) -> bool {
        self.strong
            || (self.exec && self.decode)
            || self.hex_idents >= 8
            || (self.top_level && (self.exec || self.proc || self.net))
    }

    pub fn any(&self) -> bool {
        self.strong || self.exec || self.decode || self.proc || self.net || self.hex_idents > 0
    }
}

/// Most coarse signals kept per file (a bundle can hit thousands of times).
const MAX_COARSE: usize = 200;

/// Scans `bytes` once.
pub fn scan(bytes: &[u8]) -> Hits {
    let c = compiled();
    let mut h = Hits::default();
    let mut line = 1u32;
    let mut last = 0usize;
    for m in c.ac.find_overlapping_iter(bytes) {
        let Some(p) = c.patterns.get(m.pattern().as_usize()) else {
            continue;
        };
        let (start, end) = (m.start(), m.end());
        match p.class {
            Class::Strong => h.strong = true,
            Class::BareDot => {
                if !bare_boundary(bytes, start, end) {
                    continue;
                }
                h.strong = true;
            }
            Class::Exec => h.exec = true,
            Class::Decode => h.decode = true,
            Class::Proc => h.proc = true,
            Class::Net => h.net = true,
            Class::Weak => {
                if p.text == "_0x" {
                    h.hex_idents += 1;
                }
            }
        }
        if matches!(p.class, Class::Exec | Class::Proc | Class::Net)
            && unindented_call(bytes, start)
        {
            h.top_level = true;
        }
        if let Some((kind, detail)) = p.signal
            && h.coarse.len() < MAX_COARSE
        {
            line +=
                memchr::memchr_iter(b'\n', bytes.get(last..start).unwrap_or(&[])).count() as u32;
            last = start;
            h.coarse.push(Signal {
                kind,
                detail,
                line,
                evidence: String::new(),
                scope: 0,
                top_level: false,
            });
        }
    }
    h
}

/// `.env` counts in `"/app/.env"` or `'.env'`, not in `process.env` or `.environ`.
fn bare_boundary(bytes: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).and_then(|i| bytes.get(i)).copied();
    let after = bytes.get(end).copied();
    let before_ok = matches!(
        before,
        None | Some(b'/' | b'\\' | b'~' | b'"' | b'\'' | b'`' | b' ')
    );
    let after_ok = after.is_none_or(|c| !c.is_ascii_alphanumeric() && c != b'_' && c != b'-');
    before_ok && after_ok
}

/// Whether the hit at `pos` sits on a line that starts at column 0 with
/// code (not an import, definition or comment): module-level code.
fn unindented_call(bytes: &[u8], pos: usize) -> bool {
    let head = bytes.get(..pos).unwrap_or(&[]);
    let start = memchr::memrchr(b'\n', head).map_or(0, |i| i + 1);
    let line = bytes.get(start..).unwrap_or(&[]);
    let line = &line[..line.len().min(200)];
    let Some(&first) = line.first() else {
        return false;
    };
    if first.is_ascii_whitespace() || first == b'#' || first == b'/' || first == b'*' {
        return false;
    }
    const DECLS: &[&[u8]] = &[
        b"import ",
        b"from ",
        b"def ",
        b"class ",
        b"async def",
        b"export ",
        b"@",
        b"\"",
        b"'",
    ];
    // The hit must be a call on this line, not a name in a declaration.
    let rest = bytes.get(pos..).unwrap_or(&[]);
    let eol = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
    let has_paren = memchr::memchr(b'(', &rest[..eol.min(200)]).is_some();
    has_paren && !DECLS.iter().any(|d| line.starts_with(d)) && !is_require_line(line)
}

/// `const x = require('child_process')`: an import, not a call with effects.
fn is_require_line(line: &[u8]) -> bool {
    let eol = memchr::memchr(b'\n', line).unwrap_or(line.len());
    let l = &line[..eol];
    memchr::memmem::find(l, b"require(").is_some()
        && memchr::memmem::find(l, b").").is_none()
        && (l.starts_with(b"const ") || l.starts_with(b"var ") || l.starts_with(b"let "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_library_code_is_not_parsed() {
        let src = b"import os\n\ndef f():\n    return os.environ.get('HOME')\n";
        assert!(!scan(src).worth_parsing());
        let js = b"const env = process.env.NODE_ENV;\nmodule.exports = env;\n";
        assert!(!scan(js).worth_parsing());
    }

    #[test]
    fn strong_hits_and_combinations_are_parsed() {
        assert!(scan(b"p = '~/.aws/credentials'\n").worth_parsing());
        assert!(scan(b"x = open('.env')\n").worth_parsing());
        assert!(scan(b"exec(base64.b64decode(s))\n").worth_parsing());
        assert!(scan(b"subprocess.run(['ls'])\n").worth_parsing());
        // Indented: inside a function, not an import-time effect.
        assert!(!scan(b"def f():\n    subprocess.run(['ls'])\n").worth_parsing());
        assert!(!scan(b"import subprocess\n").worth_parsing());
    }

    #[test]
    fn coarse_signals_have_lines() {
        let h = scan(b"a\nb\nrun('trufflehog filesystem /')\n");
        let s = h
            .coarse
            .iter()
            .find(|s| s.kind == Kind::SecretScanner)
            .unwrap();
        assert_eq!(s.line, 3);
    }
}
