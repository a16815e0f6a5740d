//! ONNX: a protobuf `ModelProto`. Tensors may keep their data in external
//! files named by `external_data { key: "location" }`; a location that is
//! absolute or climbs out with `..` makes the loader read (or, when saving,
//! write) files outside the model's directory (CVE-2024-27318, CVE-2022-25882).
//! The wire format is parsed here directly, walking only the messages that
//! can hold tensors and skipping everything else.

use super::super::rules::{model_scan_limit as tg310, onnx_external_data_escape as tg308};
use super::super::scan::Hit;

/// A protobuf field: number and, for length-delimited fields, the bytes.
enum Field<'a> {
    Bytes(u32, &'a [u8]),
    /// Varints and fixed-size numbers: skipped, never read.
    Scalar,
}

fn varint(d: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *d.get(*pos).ok_or("varint runs past the end")?;
        *pos += 1;
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("varint longer than 10 bytes".into())
}

fn fields(d: &[u8]) -> impl Iterator<Item = Result<Field<'_>, String>> {
    let mut pos = 0usize;
    let mut failed = false;
    std::iter::from_fn(move || {
        if pos >= d.len() || failed {
            return None;
        }
        let r = (|| {
            let key = varint(d, &mut pos)?;
            let num = (key >> 3) as u32;
            match key & 7 {
                0 => {
                    varint(d, &mut pos)?;
                    Ok(Field::Scalar)
                }
                1 | 5 => {
                    let n = if key & 7 == 1 { 8 } else { 4 };
                    d.get(pos..pos + n).ok_or("fixed field runs past the end")?;
                    pos += n;
                    Ok(Field::Scalar)
                }
                2 => {
                    let n =
                        usize::try_from(varint(d, &mut pos)?).map_err(|_| "length overflows")?;
                    let end = pos
                        .checked_add(n)
                        .filter(|&e| e <= d.len())
                        .ok_or_else(|| {
                            format!("a field claims {n} bytes, past the end of its message")
                        })?;
                    let b = &d[pos..end];
                    pos = end;
                    Ok(Field::Bytes(num, b))
                }
                w => Err(format!("unsupported wire type {w}")),
            }
        })();
        failed = r.is_err();
        Some(r)
    })
}

struct Walk<'h> {
    display: &'h str,
    hits: &'h mut Vec<Hit>,
    tensors: u64,
}

/// Which message a byte string is.
#[derive(Clone, Copy)]
enum Msg {
    Model,
    Graph,
    Node,
    Attribute,
    Tensor,
    Sparse,
    Function,
    Training,
}

impl Walk<'_> {
    fn walk(&mut self, d: &[u8], msg: Msg, depth: u32) -> Result<(), String> {
        if depth > 64 {
            return Err("messages nested more than 64 deep".into());
        }
        let mut name = String::new();
        let mut locations = Vec::new();
        for f in fields(d) {
            let Field::Bytes(num, b) = f? else { continue };
            let child = match (msg, num) {
                (Msg::Model, 7) | (Msg::Attribute, 6 | 11) | (Msg::Training, 1 | 2) => Msg::Graph,
                (Msg::Model, 20) => Msg::Training,
                (Msg::Model, 25) => Msg::Function,
                (Msg::Graph, 1) | (Msg::Function, 7) => Msg::Node,
                (Msg::Node, 5) => Msg::Attribute,
                (Msg::Graph, 5) | (Msg::Attribute, 5 | 10) | (Msg::Sparse, 1 | 2) => Msg::Tensor,
                (Msg::Graph, 15) | (Msg::Attribute, 22 | 23) => Msg::Sparse,
                (Msg::Tensor, 8) => {
                    name = String::from_utf8_lossy(b).into_owned();
                    continue;
                }
                (Msg::Tensor, 13) => {
                    if let Some(loc) = location(b)? {
                        locations.push(loc);
                    }
                    continue;
                }
                _ => continue,
            };
            self.walk(b, child, depth + 1)?;
        }
        if matches!(msg, Msg::Tensor) {
            self.tensors += 1;
            for loc in locations {
                if let Some(why) = escapes(&loc) {
                    self.hits.push(
                        Hit::new(
                            &tg308::META,
                            self.display,
                            format!("tensor `{name}` keeps its data at `{loc}`, {why}"),
                        )
                        .evidence(format!("external_data location: {loc}")),
                    );
                }
            }
        }
        Ok(())
    }
}

/// The `location` value of a StringStringEntryProto, if it is that key.
fn location(entry: &[u8]) -> Result<Option<String>, String> {
    let (mut key, mut value) = (None, None);
    for f in fields(entry) {
        match f? {
            Field::Bytes(1, b) => key = Some(b),
            Field::Bytes(2, b) => value = Some(b),
            _ => {}
        }
    }
    Ok(match (key, value) {
        (Some(b"location"), Some(v)) => Some(String::from_utf8_lossy(v).into_owned()),
        _ => None,
    })
}

/// Why a location leaves the model directory, if it does.
pub fn escapes(loc: &str) -> Option<&'static str> {
    let l = loc.replace('\\', "/");
    if l.starts_with('/') || l.starts_with("//") {
        return Some("an absolute path outside the model directory");
    }
    if l.len() >= 2 && l.as_bytes()[1] == b':' && l.as_bytes()[0].is_ascii_alphabetic() {
        return Some("an absolute (drive-letter) path outside the model directory");
    }
    if l.contains("://") || l.starts_with("file:") {
        return Some("a URL, not a file beside the model");
    }
    if l.split('/').any(|c| c == "..") {
        return Some("a path that climbs out of the model directory with `..`");
    }
    if l.contains('\0') {
        return Some("a path with a NUL byte");
    }
    None
}

pub fn scan(data: &[u8], display: &str, hits: &mut Vec<Hit>) {
    let mut w = Walk {
        display,
        hits,
        tensors: 0,
    };
    if let Err(e) = w.walk(data, Msg::Model, 0) {
        hits.push(Hit::new(
            &tg310::META,
            display,
            format!("ONNX protobuf not fully read: {e}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ld(num: u32, body: &[u8]) -> Vec<u8> {
        let mut v = vec![((num << 3) | 2) as u8, body.len() as u8];
        v.extend(body);
        v
    }

    #[test]
    fn external_data_escape() {
        let entry = [ld(1, b"location"), ld(2, b"../../etc/passwd")].concat();
        let tensor = [ld(8, b"w"), ld(13, &entry), vec![14 << 3, 1]].concat();
        let graph = ld(5, &tensor);
        let model = [vec![0x08, 7], ld(7, &graph)].concat();
        let mut hits = Vec::new();
        scan(&model, "m.onnx", &mut hits);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].message.contains("`..`"));
        assert!(escapes("weights.bin").is_none());
        assert!(escapes("sub/dir/w.bin").is_none());
        assert!(escapes("C:\\x").is_some());
        let mut hits = Vec::new();
        scan(&[0x08, 7, 0x3a, 0x7f], "m.onnx", &mut hits);
        assert!(hits[0].message.contains("past the end"));
    }
}
