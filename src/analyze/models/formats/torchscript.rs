//! TorchScript `code/` members: Python-syntax source that `torch.jit.load`
//! compiles. It should only reach `torch`, `ops` and TorchScript builtins;
//! an import or call of anything else is reported.

use super::super::pickle::policy;
use super::super::rules::torchscript_code as tg309;
use super::super::scan::Hit;
use crate::finding::Severity;

/// Modules TorchScript code legitimately imports.
const OK_IMPORTS: &[&str] = &[
    "torch",
    "typing",
    "__torch__",
    "math",
    "builtins",
    "enum",
    "collections",
];

/// Builtins that only make sense as code execution.
const EXEC_NAMES: &[&str] = &[
    "eval",
    "exec",
    "compile",
    "__import__",
    "open",
    "execfile",
    "breakpoint",
];

pub fn scan_code(text: &[u8], path: &str, hits: &mut Vec<Hit>) {
    let text = String::from_utf8_lossy(text);
    let mut reported = 0;
    for (i, line) in text.lines().enumerate() {
        if reported >= 20 {
            break;
        }
        let t = line.trim();
        let module = t
            .strip_prefix("import ")
            .or_else(|| t.strip_prefix("from "))
            .map(|r| r.split([' ', ',', '.']).next().unwrap_or(""));
        if let Some(m) = module {
            if !OK_IMPORTS.contains(&m) {
                let sev = if policy::is_dangerous_module(m) {
                    Severity::Critical
                } else {
                    Severity::High
                };
                hits.push(
                    Hit::new(
                        &tg309::META,
                        path,
                        format!("TorchScript code imports `{m}`, outside torch"),
                    )
                    .severity(sev)
                    .evidence(format!("line {}: {}", i + 1, shorten(t))),
                );
                reported += 1;
            }
            continue;
        }
        for root in call_roots(t) {
            let dangerous = policy::is_dangerous_module(root) || EXEC_NAMES.contains(&root);
            let dunder = root.contains("__globals__")
                || root.contains("__builtins__")
                || root.contains("__subclasses__");
            if dangerous || dunder {
                hits.push(
                    Hit::new(
                        &tg309::META,
                        path,
                        format!("TorchScript code calls `{root}`, outside torch"),
                    )
                    .severity(Severity::Critical)
                    .evidence(format!("line {}: {}", i + 1, shorten(t))),
                );
                reported += 1;
            }
        }
    }
}

/// The first component of every dotted name followed by `(` on a line
/// (strings skipped).
fn call_roots(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != c {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            let prev_dot = start > 0 && b[start - 1] == b'.';
            if !prev_dot && b.get(i) == Some(&b'(') {
                let name = &line[start..i];
                out.push(name.split('.').next().unwrap_or(name));
            }
            continue;
        }
        i += 1;
    }
    out
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(160).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_outside_torch() {
        let mut hits = Vec::new();
        let code = b"import torch\nclass M(Module):\n  def forward(self, x):\n    y = torch.add(x, 1)\n    z = getattr(self, \"0\")\n    return os.system(\"echo inert\")\n";
        scan_code(code, "m.pt!/m/code/__torch__.py", &mut hits);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].message.contains("`os`"));
        let mut hits = Vec::new();
        scan_code(b"import subprocess\n", "x", &mut hits);
        assert_eq!(hits[0].severity, Severity::Critical);
        let mut hits = Vec::new();
        scan_code(
            b"import torch\nfrom typing import List\nx = torch.ops.aten.add(\"os.system(1)\")\n",
            "x",
            &mut hits,
        );
        assert!(hits.is_empty(), "{hits:?}");
    }
}
