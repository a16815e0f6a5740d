//! GGUF (llama.cpp): a key/value metadata header, then tensors. The risk is
//! `tokenizer.chat_template`, a Jinja template that runtimes render (some
//! outside a sandbox: CVE-2024-34359 in llama-cpp-python). A template that
//! reaches Python internals is an injection.

use super::super::rules::{gguf_template_injection as tg306, model_scan_limit as tg310};
use super::super::scan::Hit;
use crate::finding::Severity;

struct Reader<'a> {
    d: &'a [u8],
    pos: usize,
    /// Version 1 used 32-bit lengths and counts.
    wide: bool,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: u64) -> Result<&'a [u8], String> {
        let n = usize::try_from(n).map_err(|_| "length overflows".to_string())?;
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.d.len())
            .ok_or_else(|| {
                format!(
                    "a length of {n} bytes at offset {} runs past the end of the file",
                    self.pos
                )
            })?;
        let s = &self.d[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let b = self.bytes(8)?;
        Ok(u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }

    fn count(&mut self) -> Result<u64, String> {
        if self.wide {
            self.u64()
        } else {
            self.u32().map(u64::from)
        }
    }

    fn string(&mut self) -> Result<&'a [u8], String> {
        let n = self.count()?;
        self.bytes(n)
    }

    /// Skips a value of type `t` (arrays nest, bounded).
    fn skip(&mut self, t: u32, depth: u32) -> Result<(), String> {
        match t {
            0 | 1 | 7 => self.bytes(1).map(|_| ()),
            2 | 3 => self.bytes(2).map(|_| ()),
            4..=6 => self.bytes(4).map(|_| ()),
            10..=12 => self.bytes(8).map(|_| ()),
            8 => self.string().map(|_| ()),
            9 => {
                if depth > 4 {
                    return Err("arrays nested more than 4 deep".into());
                }
                let et = self.u32()?;
                let n = self.count()?;
                if let Some(size) = fixed_size(et) {
                    let total = n.checked_mul(size).ok_or("array size overflows")?;
                    return self.bytes(total).map(|_| ());
                }
                for _ in 0..n {
                    self.skip(et, depth + 1)?;
                }
                Ok(())
            }
            other => Err(format!("unknown value type {other}")),
        }
    }
}

fn fixed_size(t: u32) -> Option<u64> {
    match t {
        0 | 1 | 7 => Some(1),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        10..=12 => Some(8),
        _ => None,
    }
}

pub fn scan(data: &[u8], display: &str, hits: &mut Vec<Hit>) {
    if let Err(e) = scan_inner(data, display, hits) {
        hits.push(Hit::new(
            &tg310::META,
            display,
            format!("GGUF metadata not fully read: {e}"),
        ));
    }
}

fn scan_inner(data: &[u8], display: &str, hits: &mut Vec<Hit>) -> Result<(), String> {
    let mut r = Reader {
        d: data,
        pos: 4,
        wide: true,
    };
    let version = r.u32()?;
    r.wide = version >= 2;
    let _tensors = r.count()?;
    let kvs = r.count()?;
    // Every pair takes at least 12 bytes: a larger count is a lie.
    if kvs > (data.len() as u64) / 12 {
        return Err(format!(
            "declares {kvs} metadata pairs, more than the file can hold"
        ));
    }
    for _ in 0..kvs {
        let key = String::from_utf8_lossy(r.string()?).into_owned();
        let t = r.u32()?;
        let at = r.pos;
        if t == 8 && key.starts_with("tokenizer.chat_template") {
            let tpl = r.string()?;
            let text = String::from_utf8_lossy(tpl);
            for (sev, what, snippet) in template_problems(&text) {
                hits.push(
                    Hit::new(&tg306::META, display, format!("`{key}` {what}"))
                        .severity(sev)
                        .at(at as u64)
                        .evidence(snippet),
                );
            }
        } else {
            r.skip(t, 0)?;
        }
    }
    Ok(())
}

/// Names that only appear in template-injection payloads: Python object
/// internals, Flask/Jinja globals used to reach them, process execution.
const SUSPICIOUS_NAMES: &[&str] = &[
    "os",
    "popen",
    "system",
    "subprocess",
    "eval",
    "exec",
    "import_module",
    "builtins",
    "globals",
    "lipsum",
    "cycler",
    "joiner",
    "url_for",
    "get_flashed_messages",
    "request",
    "config",
    "self",
    "mro",
    "subclasses",
    "f_globals",
    "f_back",
    "gi_frame",
    "tb_frame",
    "co_code",
    "func_globals",
    "attr",
    "getattr",
    "__import__",
    "read",
    "load_module",
];

/// Problems in a Jinja template: (severity, message, evidence).
pub fn template_problems(tpl: &str) -> Vec<(Severity, String, String)> {
    let mut out = Vec::new();
    for block in code_blocks(tpl) {
        let (idents, literals) = tokens(block);
        let snippet = shorten(block);
        let joined: String = literals.concat();
        let dunder = idents
            .iter()
            .map(String::as_str)
            .chain(literals.iter().map(String::as_str))
            .chain([joined.as_str()])
            .find_map(find_dunder);
        if let Some(d) = dunder {
            out.push((
                Severity::Critical,
                format!("reaches Python internals through `{d}` (template injection)"),
                snippet,
            ));
            continue;
        }
        if let Some(n) = idents
            .iter()
            .find(|i| SUSPICIOUS_NAMES.contains(&i.as_str()))
        {
            out.push((
                Severity::High,
                format!("uses `{n}`, which chat templates never need (template-injection gadget)"),
                snippet,
            ));
            continue;
        }
        if literals.iter().any(|l| l.contains("%c")) {
            out.push((
                Severity::High,
                "builds strings from character codes (`%c`), a way to spell forbidden names".into(),
                snippet,
            ));
        }
    }
    out.truncate(10);
    out
}

/// `__name__`-style internals (two underscores each side).
fn find_dunder(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(p) = s[i..].find("__") {
        let start = i + p + 2;
        let mut j = start;
        while j < b.len()
            && (b[j].is_ascii_alphanumeric() || b[j] == b'_')
            && !s[j..].starts_with("__")
        {
            j += 1;
        }
        if j > start && s[j..].starts_with("__") {
            return Some(s[i + p..j + 2].to_string());
        }
        i = start;
        if i >= s.len() {
            break;
        }
    }
    None
}

/// The insides of `{{ … }}` and `{% … %}`.
fn code_blocks(tpl: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = tpl;
    while let Some(p) = rest.find(['{']) {
        let after = &rest[p + 1..];
        let close = match after.chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            _ => {
                rest = after;
                continue;
            }
        };
        let body = &after[1..];
        let end = body.find(close).unwrap_or(body.len());
        out.push(&body[..end]);
        rest = &body[(end + 2).min(body.len())..];
    }
    out
}

/// Identifiers and decoded string literals of a Jinja expression.
fn tokens(block: &str) -> (Vec<String>, Vec<String>) {
    let (mut idents, mut lits) = (Vec::new(), Vec::new());
    let chars: Vec<char> = block.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            let (s, next) = literal(&chars, i + 1, c);
            lits.push(s);
            i = next;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            idents.push(chars[start..i].iter().collect());
        } else {
            i += 1;
        }
    }
    (idents, lits)
}

/// A string literal with Python escapes decoded (`\x5f` is `_`).
fn literal(chars: &[char], mut i: usize, quote: char) -> (String, usize) {
    let mut s = String::new();
    while i < chars.len() && chars[i] != quote {
        if chars[i] == '\\' && i + 1 < chars.len() {
            let e = chars[i + 1];
            let hex = |n: usize| -> Option<char> {
                let h: String = chars.get(i + 2..i + 2 + n)?.iter().collect();
                char::from_u32(u32::from_str_radix(&h, 16).ok()?)
            };
            let (ch, len) = match e {
                'x' => (hex(2), 4),
                'u' => (hex(4), 6),
                'U' => (hex(8), 10),
                '0'..='7' => {
                    let o: String = chars[i + 1..(i + 4).min(chars.len())]
                        .iter()
                        .take_while(|c| c.is_digit(8))
                        .collect();
                    (
                        u32::from_str_radix(&o, 8).ok().and_then(char::from_u32),
                        1 + o.len(),
                    )
                }
                'n' => (Some('\n'), 2),
                other => (Some(other), 2),
            };
            if let Some(ch) = ch {
                s.push(ch);
            }
            i += len;
        } else {
            s.push(chars[i]);
            i += 1;
        }
    }
    (s, i + 1)
}

fn shorten(s: &str) -> String {
    let s = s.trim();
    let mut out: String = s.chars().take(200).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        let benign = "{%- for message in messages %}{% if message['role'] == 'system' %}{{ '<|system|>' + message['content'] }}{% endif %}{% set ns = namespace(x=1) %}{% endfor %}{{ raise_exception('bad') if false }}";
        assert!(
            template_problems(benign).is_empty(),
            "{:?}",
            template_problems(benign)
        );
        let ssti = "{{ ''.__class__.__mro__[1].__subclasses__() }}";
        assert_eq!(template_problems(ssti)[0].0, Severity::Critical);
        let hex = "{{ ''['\\x5f\\x5fclass\\x5f\\x5f'] }}";
        assert_eq!(template_problems(hex)[0].0, Severity::Critical);
        let concat = "{{ x[('__cla' ~ 'ss__')] }}";
        assert_eq!(template_problems(concat)[0].0, Severity::Critical);
        let attr = "{{ cycler.next }}";
        assert_eq!(template_problems(attr)[0].0, Severity::High);
        assert!(find_dunder("a__b").is_none());
    }
}
