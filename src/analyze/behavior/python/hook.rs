//! The shape of benign `.pth` hooks (setuptools, editable installs,
//! virtualenv, coverage, namespace packages): recognised by node kinds and
//! calls, never by names.

use super::{PARSER, normalize};
use tree_sitter::{Node, Parser};

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
