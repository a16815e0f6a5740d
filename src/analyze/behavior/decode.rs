//! Literal payload decoding: what `exec(…)`/`eval(…)` would run when its
//! argument is an encoded literal. Base64, hex, rot13, char-code lists,
//! zlib/gzip (after base64), and JavaScript string escapes. Every decoder is
//! bounded (1 MiB in, 4 MiB out) and returns `None` on anything it does not
//! understand: a payload we cannot decode is still reported as obfuscation,
//! only its inner behaviour stays unknown.

use std::io::Read;

/// Largest literal decoded.
const MAX_IN: usize = 1 << 20;
/// Largest decompressed payload kept.
const MAX_OUT: u64 = 4 << 20;

/// How a payload is encoded, from the decoder calls around the literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Base64,
    Hex,
    Rot13,
    CharCodes,
}

/// The longest quoted literal of `text` (quotes `"`, `'` or `` ` ``): the
/// payload, not the codec name beside it (`codecs.decode(s, "rot13")`).
pub fn longest_literal(text: &str) -> Option<String> {
    let mut best: Option<&str> = None;
    let mut rest = text;
    while let Some(start) = rest.find(['"', '\'', '`']) {
        let q = rest[start..].chars().next()?;
        let body = &rest[start + 1..];
        let Some(end) = body.find(q) else { break };
        let lit = &body[..end];
        if best.is_none_or(|b| lit.len() > b.len()) {
            best = Some(lit);
        }
        rest = &body[end + 1..];
    }
    best.filter(|b| b.len() <= MAX_IN).map(str::to_string)
}

/// Decodes `lit` as `enc`; then, when the result is compressed (zlib or
/// gzip magic), inflates it.
pub fn decode(lit: &str, enc: Encoding) -> Option<Vec<u8>> {
    let raw = match enc {
        Encoding::Base64 => base64(lit)?,
        Encoding::Hex => hex(lit)?,
        Encoding::Rot13 => rot13(lit).into_bytes(),
        Encoding::CharCodes => char_codes(lit)?,
    };
    Some(inflate(&raw).unwrap_or(raw))
}

/// Standard or URL-safe base64, padding optional, whitespace ignored.
pub fn base64(lit: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let lit: String = lit.chars().filter(|c| !c.is_whitespace()).collect();
    if lit.len() < 16 || lit.len() > MAX_IN {
        return None;
    }
    let cfg = base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
    let std = base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, cfg);
    let url = base64::engine::GeneralPurpose::new(&base64::alphabet::URL_SAFE, cfg);
    std.decode(&lit).or_else(|_| url.decode(&lit)).ok()
}

fn hex(lit: &str) -> Option<Vec<u8>> {
    let lit: String = lit.chars().filter(|c| !c.is_whitespace()).collect();
    if lit.len() < 16 || lit.len() > MAX_IN {
        return None;
    }
    ::hex::decode(lit).ok()
}

/// rot13 of ASCII letters (the `codecs` "rot13" codec).
pub fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

/// `105, 109, 0x70 …` (decimal or hex integers, any separators) as bytes.
fn char_codes(list: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for tok in list.split(|c: char| !c.is_ascii_alphanumeric()) {
        if tok.is_empty() {
            continue;
        }
        let n = match tok.strip_prefix("0x") {
            Some(h) => u32::from_str_radix(h, 16).ok()?,
            None => tok.parse::<u32>().ok()?,
        };
        let c = char::from_u32(n)?;
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        if out.len() > MAX_IN {
            return None;
        }
    }
    (out.len() >= 8).then_some(out)
}

/// The integers inside the first `[...]` or `(...)` of `text` (a char-code
/// list handed to `chr`/`fromCharCode`), decoded.
pub fn char_code_list(text: &str) -> Option<Vec<u8>> {
    let open = text.find('[').or_else(|| text.find('('))?;
    let close_ch = if text[open..].starts_with('[') {
        ']'
    } else {
        ')'
    };
    let body = &text[open + 1..];
    let end = body.find(close_ch)?;
    char_codes(&body[..end])
}

/// zlib or gzip data inflated (bounded); `None` when it is neither.
fn inflate(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let ok = match data {
        [0x78, 0x01 | 0x5e | 0x9c | 0xda, ..] => flate2::read::ZlibDecoder::new(data)
            .take(MAX_OUT)
            .read_to_end(&mut out)
            .is_ok(),
        [0x1f, 0x8b, ..] => flate2::read::GzDecoder::new(data)
            .take(MAX_OUT)
            .read_to_end(&mut out)
            .is_ok(),
        _ => false,
    };
    (ok && !out.is_empty()).then_some(out)
}

/// A JavaScript or Python string literal body with `\xNN`, `\uNNNN` and
/// `\u{…}` escapes resolved; `None` when it has no such escape of a
/// printable character (escaping plain letters is an obfuscation marker;
/// `\x1b` colour codes are not).
pub fn unescape_printable(body: &str) -> Option<String> {
    if !body.contains("\\x") && !body.contains("\\u") {
        return None;
    }
    let mut out = String::with_capacity(body.len());
    let mut printable_escapes = 0;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let code = match chars.peek() {
            Some('x') => {
                chars.next();
                let h: String = chars.by_ref().take(2).collect();
                u32::from_str_radix(&h, 16).ok()
            }
            Some('u') => {
                chars.next();
                let h: String = if chars.peek() == Some(&'{') {
                    chars.next();
                    chars.by_ref().take_while(|c| *c != '}').collect()
                } else {
                    chars.by_ref().take(4).collect()
                };
                u32::from_str_radix(&h, 16).ok()
            }
            Some(&n) => {
                chars.next();
                out.push('\\');
                out.push(n);
                continue;
            }
            None => None,
        };
        match code.and_then(char::from_u32) {
            Some(ch) => {
                if ch.is_ascii_graphic() || ch == ' ' {
                    printable_escapes += 1;
                }
                out.push(ch);
            }
            None => return None,
        }
    }
    (printable_escapes >= 4).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(
            decode("aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk=", Encoding::Base64).unwrap(),
            b"import os; os.system('id')"
        );
        assert_eq!(
            decode("696d706f7274206f73", Encoding::Hex).unwrap(),
            b"import os"
        );
        assert_eq!(rot13("vzcbeg bf"), "import os");
        assert_eq!(
            char_code_list("[105, 109, 112, 111, 114, 116, 32, 111, 115]").unwrap(),
            b"import os"
        );
        assert_eq!(
            char_code_list("String.fromCharCode(0x72,0x65,0x71,0x75,0x69,0x72,0x65,0x28)").unwrap(),
            b"require("
        );
    }

    #[test]
    fn compressed_after_base64() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"import socket; socket.socket()").unwrap();
        let b = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(z.finish().unwrap())
        };
        assert_eq!(
            decode(&b, Encoding::Base64).unwrap(),
            b"import socket; socket.socket()"
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(
            unescape_printable(r"\x63\x68\x69\x6c\x64").as_deref(),
            Some("child")
        );
        // Colour codes are not obfuscation.
        assert_eq!(unescape_printable(r"\x1b[31mred\x1b[0m"), None);
        assert_eq!(
            unescape_printable(r"\u0063\u0075\u0072\u006c").as_deref(),
            Some("curl")
        );
        // Truncated escapes never panic.
        assert_eq!(unescape_printable(r"\x6"), None);
        assert_eq!(unescape_printable(r"\u{110000}"), None);
    }
}
