//! Python through tree-sitter: calls, string literals, assignments and
//! their scopes become signals. Only files the pre-filter passed get here.

mod calls;
mod hook;

pub use calls::normalize;
pub use hook::benign_hook_shape;

use super::collector::{Collector, Place, Taint};
use super::decode::{self, Encoding};
use super::signals::{FileSignals, Kind};
use calls::{classify_call, decode_name, has_decode};
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

/// Like [`analyze`], knowing what functions imported from the package's
/// other modules do (see `modules.rs`).
pub fn analyze_with(src: &[u8], externals: Vec<super::collector::Export>) -> Option<FileSignals> {
    let mut p = Parser::new();
    p.set_language(&tree_sitter_python::LANGUAGE.into()).ok()?;
    walk_with(&mut p, src, 0, externals)
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
    walk_with(parser, src, depth, Vec::new())
}

fn walk_with(
    parser: &mut Parser,
    src: &[u8],
    depth: u8,
    externals: Vec<super::collector::Export>,
) -> Option<FileSignals> {
    let tree = parser.parse(src, None)?;
    let mut w = Walker {
        src,
        depth,
        c: Collector::new(src, direct_taint).with_externals(externals),
        consts: Vec::new(),
        modules: Vec::new(),
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

/// Network reads whose result is downloaded data.
const FETCH_CALLS: &[&str] = &[
    "urlopen(",
    "requests.get(",
    "requests.request(",
    "httpx.get(",
    "urllib3.request(",
];

/// Expression text that is itself decoded or downloaded data.
fn direct_taint(text: &str) -> Option<Taint> {
    if has_decode(text) {
        Some(Taint::Decoded)
    } else if FETCH_CALLS.iter().any(|f| text.contains(f)) {
        Some(Taint::Fetched)
    } else if calls::whole_environ(text) {
        Some(Taint::Loot(0))
    } else {
        None
    }
}

struct Walker<'a> {
    src: &'a [u8],
    /// Nesting of decoded payloads (0 = the file itself).
    depth: u8,
    c: Collector<'a>,
    /// Module-level `NAME = "literal"` / `NAME = [1, 2, …]`: payloads are
    /// often kept in a constant and decoded further down.
    consts: Vec<(String, String)>,
    /// Local names of relatively imported modules (`from . import m`).
    modules: Vec<String>,
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
                self.params(n, at.scope);
            }
            "lambda" => {
                // `run = lambda s: exec(s)` is a function named `run`.
                if let Some(name) = self.assigned_name(n) {
                    at.scope = self.c.scope();
                    at.top_level = false;
                    self.c.define(name, at.scope);
                    self.params(n, at.scope);
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
            "import_from_statement" => self.import_from(n),
            "assignment" | "augmented_assignment" => self.assignment(n, at),
            "as_pattern" => {
                // `with urlopen(u) as r:`
                let value = n.named_child(0).map(|v| self.text(v)).unwrap_or("");
                if let Some(alias) = n.child_by_field_name("alias") {
                    let name = self.text(alias).to_string();
                    self.c.assign(at.scope, &name, value);
                }
            }
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

    /// The name a lambda is assigned to (`name = lambda …`).
    fn assigned_name(&self, n: Node) -> Option<&'a str> {
        let p = n.parent()?;
        if p.kind() != "assignment" {
            return None;
        }
        let left = p.child_by_field_name("left")?;
        (left.kind() == "identifier").then(|| self.text(left))
    }

    /// Parameter names of a `def` or `lambda`.
    fn params(&mut self, n: Node, scope: u32) {
        let Some(ps) = n.child_by_field_name("parameters") else {
            return;
        };
        let mut cur = ps.walk();
        for p in ps.named_children(&mut cur) {
            let id = match p.kind() {
                "identifier" => Some(p),
                _ => p
                    .child_by_field_name("name")
                    .or_else(|| p.named_child(0))
                    .filter(|c| c.kind() == "identifier"),
            };
            if let Some(id) = id {
                let name = self.text(id);
                self.c.param(scope, name);
            }
        }
    }

    /// `name = rhs`: data flow, and module-level literal constants.
    fn assignment(&mut self, n: Node, at: Place) {
        let (Some(left), Some(right)) = (
            n.child_by_field_name("left"),
            n.child_by_field_name("right"),
        ) else {
            return;
        };
        let rhs = self.text(right);
        let mut names = Vec::new();
        if left.kind() == "identifier" {
            names.push(self.text(left));
        } else if matches!(left.kind(), "pattern_list" | "tuple_pattern") {
            let mut cur = left.walk();
            for c in left.named_children(&mut cur) {
                if c.kind() == "identifier" {
                    names.push(self.text(c));
                }
            }
        }
        for name in names {
            self.c.assign(at.scope, name, rhs);
            if at.scope == 0
                && matches!(
                    right.kind(),
                    "string" | "list" | "tuple" | "concatenated_string"
                )
                && rhs.len() <= 1 << 20
            {
                self.consts.push((name.to_string(), rhs.to_string()));
            }
        }
    }

    /// `from .m import f as g`, `from . import m`: relative imports only
    /// (the package's own modules, for the package-level flow).
    fn import_from(&mut self, n: Node) {
        let Some(module) = n
            .child_by_field_name("module_name")
            .filter(|m| m.kind() == "relative_import")
            .map(|m| self.text(m))
        else {
            return;
        };
        let mut cur = n.walk();
        for name in n.children_by_field_name("name", &mut cur) {
            let (orig, local) = match name.kind() {
                "aliased_import" => (
                    name.child_by_field_name("name").map(|x| self.text(x)),
                    name.child_by_field_name("alias").map(|x| self.text(x)),
                ),
                _ => (Some(self.text(name)), Some(self.text(name))),
            };
            if let (Some(orig), Some(local)) = (orig, local) {
                self.c.import(local, module, Some(orig));
                // `from . import m` may import a module: `m.f()` is worth following.
                self.modules.push(local.to_string());
            }
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
            let idx = n.child_by_field_name("subscript");
            let key = idx.map(|v| self.text(v)).unwrap_or("");
            let literal = idx.is_some_and(|v| v.kind() == "string");
            // Builtins looked up by a computed name, or exec/eval fetched by name.
            if !literal
                || value.contains("__builtins__")
                || ["exec", "eval", "compile", "__import__"]
                    .iter()
                    .any(|b| key.contains(b))
            {
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
            Some((b, n)) if !b.contains('[') && !b.contains('(') => (b, n),
            _ => ("", callee.as_str()),
        };
        if base.is_empty() || base == "self" {
            self.c.called(name, args, at);
        } else if self.modules.iter().any(|m| m == base) {
            self.c.called(&format!("{base}.{name}"), args, at);
        }
        let found = classify_call(base, name, args);
        let runs = found.iter().any(|(k, _)| *k == Kind::Subprocess);
        if found.iter().any(|(k, _)| *k == Kind::NetworkSend) {
            self.c.sink_site(args, at);
        }
        for (kind, detail) in found {
            self.c.add(kind, detail, at);
        }
        if runs {
            self.command(args_node, args, at);
        }
        if is_exec_callee(&callee, base, name) {
            let literal = args_node
                .and_then(|a| a.named_child(0))
                .is_some_and(|a| a.kind() == "string");
            if has_decode(args) {
                self.c.add(Kind::ExecDecoded, decode_name(args), at);
                self.payload(args, at, false);
            } else {
                self.c.exec_site(args, literal, at, "exec/eval");
            }
        }
        if callee.starts_with("getattr(") && callee.contains("builtins") {
            self.c.add(Kind::DynamicBuiltin, "getattr(builtins)", at);
        }
        if name == "getattr" && (args.contains("__builtins__") || args.contains("builtins")) {
            self.c.add(Kind::DynamicBuiltin, "getattr(builtins)", at);
        }
    }

    /// A program run: its literal argument list read as one command line
    /// (`["npm", "publish"]` → `npm publish`), and a decoded command decoded.
    fn command(&mut self, args_node: Option<Node>, args: &str, at: Place) {
        if has_decode(args) {
            self.c.add(Kind::ExecDecoded, "decoded command", at);
            self.payload(args, at, true);
        }
        let Some(list) = args_node
            .and_then(|a| a.named_child(0))
            .filter(|l| matches!(l.kind(), "list" | "tuple"))
        else {
            return;
        };
        let mut words = Vec::new();
        let mut cur = list.walk();
        for item in list.named_children(&mut cur) {
            if item.kind() == "string" {
                words.push(self.text(item).trim_matches(['"', '\'']).to_string());
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

impl Walker<'_> {
    /// A module constant named in `args`.
    fn const_in(&self, args: &str) -> Option<&str> {
        args.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .find_map(|t| self.consts.iter().find(|(n, _)| n == t))
            .map(|(_, v)| v.as_str())
    }

    /// The bytes an encoded payload decodes to: its literal in `args`, or
    /// the module constant `args` names.
    fn payload_bytes(&self, args: &str, enc: Encoding) -> Option<Vec<u8>> {
        if enc == Encoding::CharCodes {
            return decode::char_code_list(args)
                .or_else(|| self.const_in(args).and_then(decode::char_code_list));
        }
        let lit = decode::longest_literal(args)
            .filter(|l| l.len() >= 16)
            .or_else(|| self.const_in(args).and_then(decode::longest_literal))?;
        decode::decode(&lit, enc)
    }

    /// The payload of `exec(b64decode("…"))` (hex, rot13, char codes,
    /// zlib too), decoded and analysed in turn, its signals placed on the
    /// exec line: what the hidden code does. A decoded *command* is
    /// classified as a command line instead.
    fn payload(&mut self, args: &str, at: Place, command: bool) {
        if self.depth >= 2 {
            return;
        }
        let Some(inner) = encoding(args).and_then(|e| self.payload_bytes(args, e)) else {
            return;
        };
        if command {
            let mut found = Vec::new();
            super::signals::classify_text(&String::from_utf8_lossy(&inner), &mut found);
            for (k, d) in found {
                self.c.add(k, d, at);
            }
            return;
        }
        let Some(sub) = analyze_nested(&inner, self.depth + 1) else {
            return;
        };
        for s in sub.signals {
            self.c.add(s.kind, s.detail, at);
        }
    }
}

/// The encoding the decoder calls in `args` undo (outermost literal first).
fn encoding(args: &str) -> Option<Encoding> {
    if args.contains("b64decode") || args.contains("decodebytes") || args.contains("a2b_base64") {
        Some(Encoding::Base64)
    } else if args.contains("fromhex") || args.contains("unhexlify") || args.contains("a2b_hex") {
        Some(Encoding::Hex)
    } else if args.contains("rot13") || args.contains("rot_13") {
        Some(Encoding::Rot13)
    } else if args.contains("chr(") {
        Some(Encoding::CharCodes)
    } else {
        None
    }
}

/// exec/eval/compile, also when reached through builtins by name:
/// `getattr(builtins, "ex"+"ec")`, `__builtins__.__dict__["eval"]`.
fn is_exec_callee(callee: &str, base: &str, name: &str) -> bool {
    if matches!(name, "exec" | "eval" | "compile")
        && (base.is_empty() || base.ends_with("builtins"))
    {
        return true;
    }
    let by_name = callee.starts_with("getattr(") || callee.contains('[');
    by_name
        && callee.contains("builtins")
        && (callee.contains("exec")
            || callee.contains("eval")
            || callee.contains("compile")
            || callee.contains('+'))
}

#[cfg(test)]
mod tests;
