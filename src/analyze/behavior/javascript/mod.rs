//! JavaScript through tree-sitter: calls, `new` expressions, member reads
//! of `process.env`, assignments and string literals become signals.

mod calls;

use super::collector::{Collector, FETCHED, Place, Taint};
use super::decode::{self, Encoding};
use super::signals::{FileSignals, Kind};
use calls::classify_call;
pub use calls::decode_in;
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
        walk(parser, src, false)
    })
}

/// Like [`analyze`], knowing what functions imported from the package's
/// other modules do (see `modules.rs`).
pub fn analyze_with(src: &[u8], externals: Vec<super::collector::Export>) -> Option<FileSignals> {
    let mut p = Parser::new();
    p.set_language(&tree_sitter_javascript::LANGUAGE.into())
        .ok()?;
    walk_with(&mut p, src, false, externals)
}

/// A decoded payload, parsed with a fresh parser (the thread's is busy).
fn nested(src: &[u8]) -> Option<FileSignals> {
    let mut p = Parser::new();
    p.set_language(&tree_sitter_javascript::LANGUAGE.into())
        .ok()?;
    walk(&mut p, src, true)
}

fn walk(parser: &mut Parser, src: &[u8], nested: bool) -> Option<FileSignals> {
    walk_with(parser, src, nested, Vec::new())
}

fn walk_with(
    parser: &mut Parser,
    src: &[u8],
    nested: bool,
    externals: Vec<super::collector::Export>,
) -> Option<FileSignals> {
    let tree = parser.parse(src, None)?;
    let mut w = Walker {
        src,
        nested,
        c: Collector::new(src, direct_taint).with_externals(externals),
        child_process: memchr::memmem::find(src, b"child_process").is_some(),
        modules: Vec::new(),
        requests: Vec::new(),
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

/// Network reads whose result (or callback argument) is downloaded data.
const FETCH_CALLS: &[&str] = &[
    "fetch(",
    "https.get(",
    "http.get(",
    "https.request(",
    "http.request(",
    "axios.get(",
    "axios(",
    "got(",
];

/// Expression text that is itself decoded or downloaded data.
fn direct_taint(text: &str) -> Option<Taint> {
    if decode_in(text).is_some() {
        Some(Taint::Decoded)
    } else if FETCH_CALLS.iter().any(|f| text.contains(f)) {
        Some(Taint::Fetched)
    } else if calls::whole_env(text) {
        Some(Taint::Loot(0))
    } else {
        None
    }
}

struct Walker<'a> {
    src: &'a [u8],
    /// Walking a decoded payload (decoded once, not recursively).
    nested: bool,
    c: Collector<'a>,
    child_process: bool,
    /// Local names of relatively required modules (`const m = require("./m")`).
    modules: Vec<String>,
    /// Names holding a request object (`const req = https.request(…)`).
    requests: Vec<String>,
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
                for p in params(n, self.src) {
                    self.c.param(at.scope, p);
                }
            } else if !is_iife(n) && !is_callback(n) {
                at.scope = self.c.scope();
                at.top_level = false;
            }
        }
        match kind {
            "call_expression" => self.call(n, at),
            "new_expression" => self.new_expr(n, at),
            "member_expression" => self.member(n, at),
            "variable_declarator" => {
                self.assign(n, "name", "value", at);
                self.require(n);
            }
            "import_statement" => self.esm_import(n),
            "assignment_expression" | "augmented_assignment_expression" => {
                self.assign(n, "left", "right", at)
            }
            "pair" => self.pair(n, at),
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

    fn assign(&mut self, n: Node, left: &str, right: &str, at: Place) {
        let (Some(l), Some(r)) = (n.child_by_field_name(left), n.child_by_field_name(right)) else {
            return;
        };
        if l.kind() == "identifier" {
            let (name, rhs) = (self.text(l), self.text(r));
            self.c.assign(at.scope, name, rhs);
        }
    }

    /// `const m = require("./m")` / `const { f, g: h } = require("./m")`.
    fn require(&mut self, n: Node) {
        let (Some(name), Some(value)) = (
            n.child_by_field_name("name"),
            n.child_by_field_name("value"),
        ) else {
            return;
        };
        let v = self.text(value);
        let Some(spec) = v
            .strip_prefix("require(")
            .map(|r| r.trim_end_matches(')').trim_matches(['"', '\'', '`']))
            .filter(|r| r.starts_with('.'))
        else {
            return;
        };
        self.bind(name, spec);
    }

    /// `import m from "./m"`, `import * as m from "./m"`, `import { f as g } from "./m"`.
    fn esm_import(&mut self, n: Node) {
        let Some(spec) = n
            .child_by_field_name("source")
            .map(|s| self.text(s).trim_matches(['"', '\'', '`']))
            .filter(|s| s.starts_with('.'))
        else {
            return;
        };
        let mut cur = n.walk();
        for clause in n
            .named_children(&mut cur)
            .filter(|c| c.kind() == "import_clause")
        {
            let mut c2 = clause.walk();
            for part in clause.named_children(&mut c2) {
                match part.kind() {
                    "identifier" => self.bind(part, spec),
                    "namespace_import" => {
                        if let Some(id) = part.named_child(0) {
                            self.bind(id, spec);
                        }
                    }
                    "named_imports" => {
                        let mut c3 = part.walk();
                        for s in part.named_children(&mut c3) {
                            let orig = s.child_by_field_name("name").map(|x| self.text(x));
                            let local = s
                                .child_by_field_name("alias")
                                .map(|x| self.text(x))
                                .or(orig);
                            if let (Some(o), Some(l)) = (orig, local) {
                                self.c.import(l, spec, Some(o));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// A binding of a relative module: a name for the module, or
    /// destructured names of its functions.
    fn bind(&mut self, target: Node, spec: &str) {
        match target.kind() {
            "identifier" => {
                let local = self.text(target);
                self.c.import(local, spec, None);
                self.modules.push(local.to_string());
            }
            "object_pattern" => {
                let mut cur = target.walk();
                for p in target.named_children(&mut cur) {
                    let (orig, local) = match p.kind() {
                        "shorthand_property_identifier_pattern" => (self.text(p), self.text(p)),
                        "pair_pattern" => (
                            p.child_by_field_name("key")
                                .map(|k| self.text(k))
                                .unwrap_or(""),
                            p.child_by_field_name("value")
                                .map(|k| self.text(k))
                                .unwrap_or(""),
                        ),
                        _ => continue,
                    };
                    self.c.import(local, spec, Some(orig));
                }
            }
            _ => {}
        }
    }

    /// `{ method: "POST" }`: an HTTP request that sends, however it is issued.
    fn pair(&mut self, n: Node, at: Place) {
        let key = n
            .child_by_field_name("key")
            .map(|k| self.text(k).trim_matches(['"', '\'']))
            .unwrap_or("");
        let value = n
            .child_by_field_name("value")
            .map(|v| self.text(v).trim_matches(['"', '\'', '`']))
            .unwrap_or("");
        if key == "method" && matches!(value, "POST" | "PUT" | "post" | "put") {
            self.c.add(Kind::NetworkSend, "HTTP POST/PUT", at);
        }
    }

    fn member(&mut self, n: Node, at: Place) {
        let t = self.text(n);
        if let Some(var) = t.strip_prefix("process.env.")
            && super::signals::is_secret_var(var)
        {
            self.c.add(Kind::SecretEnv, "secret variable", at);
        }
        // A config key written as a property (`cfg.mcpServers[…] = …`).
        if let Some(prop) = n.child_by_field_name("property").map(|p| self.text(p))
            && super::patterns::PERSISTENCE
                .iter()
                .any(|(p, _, _)| *p == prop)
        {
            let mut found = Vec::new();
            super::signals::classify_text(prop, &mut found);
            for (k, d) in found {
                self.c.add(k, d, at);
            }
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
            self.payload(args, at, false);
        } else {
            self.c.exec_site(args, is_plain_literal(args), at, what);
        }
    }

    /// What the hidden code does (base64, hex, char codes), placed on the
    /// eval line; a decoded command is classified as a command line.
    fn payload(&mut self, args: &str, at: Place, command: bool) {
        if self.nested {
            return;
        }
        let inner = match decode_in(args) {
            Some("char codes") => {
                decode::char_code_list(&args[args.find("fromCharCode").unwrap_or(0)..])
            }
            Some("hex") => {
                decode::longest_literal(args).and_then(|l| decode::decode(&l, Encoding::Hex))
            }
            Some(_) => {
                decode::longest_literal(args).and_then(|l| decode::decode(&l, Encoding::Base64))
            }
            None => None,
        };
        let Some(inner) = inner else { return };
        if command {
            let mut found = Vec::new();
            super::signals::classify_text(&String::from_utf8_lossy(&inner), &mut found);
            for (k, d) in found {
                self.c.add(k, d, at);
            }
        } else if let Some(sub) = nested(&inner) {
            for s in sub.signals {
                self.c.add(s.kind, s.detail, at);
            }
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
        let args_node = n.child_by_field_name("arguments");
        let args = args_node.map(|a| self.text(a)).unwrap_or("");
        let (base, name) = match callee.rsplit_once('.') {
            Some((b, n)) => (b, n),
            None => ("", callee.as_str()),
        };
        if base.is_empty() || base == "this" {
            self.c.called(name, args, at);
        } else if self.modules.iter().any(|m| m == base) {
            self.c.called(&callee, args, at);
        }
        match (base, name) {
            ("", "eval")
            | ("", "Function")
            | ("vm", "runInThisContext")
            | ("vm", "runInNewContext")
            | ("vm", "runInContext") => self.exec(args, at, "eval"),
            _ => {}
        }
        let mut found = classify_call(base, name, args, self.child_process);
        let fetches = found.iter().any(|(k, _)| matches!(k, Kind::Network));
        let runs = found.iter().any(|(k, _)| *k == Kind::Subprocess);
        // A body written to a request object: `req.write(d)`, `req.end(d)`.
        let body = matches!(name, "write" | "end" | "send")
            && args.len() > 2
            && (self.requests.iter().any(|r| r == base) || base.contains("request("));
        if body {
            found.push((Kind::NetworkSend, "request body"));
        }
        if found.iter().any(|(k, _)| *k == Kind::NetworkSend) {
            self.c.sink_site(args, at);
        }
        if fetches
            && let Some(p) = n.parent().filter(|p| p.kind() == "variable_declarator")
            && let Some(v) = p.child_by_field_name("name")
        {
            self.requests.push(self.text(v).to_string());
        }
        for (kind, detail) in found {
            self.c.add(kind, detail, at);
        }
        if runs {
            self.command(args_node, args, at);
        }
        // Callback parameters carry what the call produced: a response for
        // a request, the same data for a method on tainted data.
        if let Some(a) = args_node {
            let from = if fetches { FETCHED } else { base };
            let mut cur = a.walk();
            for arg in a.named_children(&mut cur) {
                if FUNCTIONS.contains(&arg.kind()) {
                    for p in params(arg, self.src) {
                        self.c.assign(at.scope, p, from);
                    }
                }
            }
        }
    }

    /// A program run: the literal strings of its arguments read as one
    /// command line (`spawn("npm", ["publish"])` → `npm publish`), and a
    /// decoded command decoded.
    fn command(&mut self, args_node: Option<Node>, args: &str, at: Place) {
        if decode_in(args).is_some() {
            self.c.add(Kind::ExecDecoded, "decoded command", at);
            self.payload(args, at, true);
        }
        let Some(a) = args_node else { return };
        let mut words = Vec::new();
        let mut cur = a.walk();
        for arg in a.named_children(&mut cur).take(2) {
            match arg.kind() {
                "string" => words.push(self.text(arg).trim_matches(['"', '\''])),
                "array" => {
                    let mut c2 = arg.walk();
                    for item in arg.named_children(&mut c2) {
                        if item.kind() == "string" {
                            words.push(self.text(item).trim_matches(['"', '\'']));
                        }
                    }
                }
                _ => {}
            }
        }
        if words.len() >= 2 {
            let line = words.join(" ");
            let mut found = Vec::new();
            super::signals::classify_text(&line, &mut found);
            for (k, d) in found {
                self.c.add(k, d, at);
            }
        }
    }
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

/// Parameter names of a function or arrow function.
fn params<'s>(n: Node, src: &'s [u8]) -> Vec<&'s str> {
    if let Some(p) = n.child_by_field_name("parameter") {
        return p.utf8_text(src).ok().into_iter().collect();
    }
    let Some(ps) = n.child_by_field_name("parameters") else {
        return Vec::new();
    };
    let mut cur = ps.walk();
    ps.named_children(&mut cur)
        .filter_map(|p| {
            let id = if p.kind() == "identifier" {
                Some(p)
            } else {
                p.child_by_field_name("left")
                    .filter(|l| l.kind() == "identifier")
            };
            id.and_then(|i| i.utf8_text(src).ok())
        })
        .collect()
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

#[cfg(test)]
mod tests;
