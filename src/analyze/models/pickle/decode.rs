//! Decoding of opcode arguments: little-endian integers and the text forms
//! of protocol 0 (quoted strings, raw-unicode-escape, decimal integers).

use super::value::Value;

/// Every opcode byte of protocols 0–5.
pub fn is_opcode(b: u8) -> bool {
    matches!(
        b,
        b'(' | b'.'
            | b'0'
            | b'1'
            | b'2'
            | b'F'
            | b'I'
            | b'J'
            | b'K'
            | b'L'
            | b'M'
            | b'N'
            | b'P'
            | b'Q'
            | b'R'
            | b'S'
            | b'T'
            | b'U'
            | b'V'
            | b'X'
            | b'a'
            | b'b'
            | b'c'
            | b'd'
            | b'}'
            | b'e'
            | b'g'
            | b'h'
            | b'i'
            | b'j'
            | b'l'
            | b']'
            | b'o'
            | b'p'
            | b'q'
            | b'r'
            | b's'
            | b't'
            | b')'
            | b'u'
            | b'G'
            | b'B'
            | b'C'
            | 0x80..=0x98
    )
}

/// Little-endian unsigned integer of up to 8 bytes.
pub fn read_le(b: &[u8]) -> u64 {
    b.iter()
        .take(8)
        .rev()
        .fold(0u64, |acc, &x| (acc << 8) | x as u64)
}

/// INT/LONG text: `I01` is True, `I00` False (protocol 0 booleans).
pub fn parse_int_line(line: &[u8], int_op: bool) -> Value {
    let s = String::from_utf8_lossy(line);
    let s = s.trim();
    if int_op && s == "01" {
        return Value::Bool(true);
    }
    if int_op && s == "00" {
        return Value::Bool(false);
    }
    let s = s.strip_suffix('L').unwrap_or(s);
    match s.parse::<i64>() {
        Ok(v) => Value::Int(v),
        Err(_) => Value::BigInt,
    }
}

/// STRING's argument: a Python 2 `repr` in single or double quotes, with
/// backslash escapes. `None` when not quoted (the loader raises).
pub fn decode_escaped_str(line: &[u8]) -> Option<String> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let q = *line.first()?;
    if line.len() < 2 || !(q == b'\'' || q == b'"') || line[line.len() - 1] != q {
        return None;
    }
    let body = &line[1..line.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c != b'\\' || i + 1 >= body.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let e = body[i + 1];
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\n' => {}
            b'x' => {
                let hex = body
                    .get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.extend_from_slice(b"\\x"),
                }
            }
            b'0'..=b'7' => {
                let mut v = (e - b'0') as u32;
                let mut n = 1;
                while n < 3 && i < body.len() && (b'0'..=b'7').contains(&body[i]) {
                    v = v * 8 + (body[i] - b'0') as u32;
                    i += 1;
                    n += 1;
                }
                out.push((v & 0xff) as u8);
            }
            other => out.push(other),
        }
    }
    Some(out.iter().map(|&c| c as char).collect())
}

/// UNICODE's argument: latin-1 text where `\uXXXX` and `\UXXXXXXXX` are escapes.
pub fn decode_raw_unicode_escape(line: &[u8]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        if c == b'\\' && i + 1 < line.len() && (line[i + 1] == b'u' || line[i + 1] == b'U') {
            let n = if line[i + 1] == b'u' { 4 } else { 8 };
            let hex = line
                .get(i + 2..i + 2 + n)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32);
            if let Some(ch) = hex {
                out.push(ch);
                i += 2 + n;
                continue;
            }
        }
        out.push(c as char);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(decode_escaped_str(b"'o\\x73'").unwrap(), "os");
        assert_eq!(decode_escaped_str(b"\"a\\'b\\n\\101\"").unwrap(), "a'b\nA");
        assert!(decode_escaped_str(b"os").is_none());
        assert_eq!(decode_raw_unicode_escape(b"\\u0073ystem"), "system");
        assert_eq!(read_le(&[1, 2]), 0x0201);
        assert!(matches!(parse_int_line(b"01", true), Value::Bool(true)));
        assert!(matches!(parse_int_line(b"-5L", false), Value::Int(-5)));
    }
}
