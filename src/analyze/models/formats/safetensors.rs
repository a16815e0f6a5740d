//! safetensors: an 8-byte header length, a JSON header, then the tensor
//! bytes. Loading never runs code, but a header that disagrees with its data
//! (out-of-range or overlapping tensors, wrong sizes, trailing bytes) is how
//! loaders are attacked or data is hidden; `__metadata__` must be strings.

use super::super::rules::{model_scan_limit as tg310, safetensors_inconsistent as tg307};
use super::super::scan::Hit;
use crate::finding::Severity;

/// The library's own limit on the header size.
const MAX_HEADER: u64 = 100 << 20;

/// Bits per element of each dtype.
fn dtype_bits(d: &str) -> Option<u64> {
    Some(match d {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        "F6_E2M3" | "F6_E3M2" => 6,
        "F4" => 4,
        _ => return None,
    })
}

pub fn scan(data: &[u8], display: &str, hits: &mut Vec<Hit>) {
    for (sev, msg) in problems(data) {
        let rule = if sev == Severity::Info {
            &tg310::META
        } else {
            &tg307::META
        };
        let mut h = Hit::new(rule, display, msg);
        if sev != Severity::Info {
            h = h.severity(sev);
        }
        hits.push(h);
    }
}

/// Every inconsistency, worst first; `Info` marks "could not read" (TG310).
pub fn problems(data: &[u8]) -> Vec<(Severity, String)> {
    let mut out = Vec::new();
    let Some(len) = data
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    else {
        return vec![(Severity::Info, "shorter than a safetensors header".into())];
    };
    let body = data.len() as u64 - 8;
    if len > MAX_HEADER || len > body {
        return vec![(
            Severity::Medium,
            format!(
                "header claims {len} bytes; the file has {body} after the length (limit {MAX_HEADER})"
            ),
        )];
    }
    let header = &data[8..8 + len as usize];
    let json: serde_json::Value = match serde_json::from_slice(header) {
        Ok(v) => v,
        Err(e) => return vec![(Severity::Medium, format!("header is not valid JSON: {e}"))],
    };
    let Some(obj) = json.as_object() else {
        return vec![(Severity::Medium, "header is not a JSON object".into())];
    };
    let data_len = body - len;
    let mut spans = Vec::new();
    for (name, t) in obj {
        if name == "__metadata__" {
            metadata(t, &mut out);
            continue;
        }
        match tensor(t, data_len) {
            Ok((b, e)) => spans.push((b, e, name.as_str())),
            Err(m) => out.push((Severity::Medium, format!("tensor `{name}`: {m}"))),
        }
    }
    spans.sort();
    let mut end = 0u64;
    for (b, e, name) in &spans {
        if *b < end {
            out.push((
                Severity::Medium,
                format!("tensor `{name}` overlaps the previous tensor's bytes"),
            ));
        } else if *b > end {
            out.push((
                Severity::Medium,
                format!(
                    "{} bytes before tensor `{name}` belong to no tensor",
                    b - end
                ),
            ));
        }
        end = end.max(*e);
    }
    if end < data_len {
        out.push((
            Severity::Medium,
            format!(
                "{} bytes after the last tensor belong to no tensor (trailing data)",
                data_len - end
            ),
        ));
    }
    out.truncate(20);
    out
}

fn tensor(t: &serde_json::Value, data_len: u64) -> Result<(u64, u64), String> {
    let dtype = t.get("dtype").and_then(|d| d.as_str()).ok_or("no dtype")?;
    let bits = dtype_bits(dtype).ok_or_else(|| format!("unknown dtype `{dtype}`"))?;
    let shape = t
        .get("shape")
        .and_then(|s| s.as_array())
        .ok_or("no shape")?;
    let mut n: u64 = 1;
    for d in shape {
        let d = d.as_u64().ok_or("shape holds a non-integer")?;
        n = n.checked_mul(d).ok_or("shape overflows")?;
    }
    let offs = t
        .get("data_offsets")
        .and_then(|o| o.as_array())
        .ok_or("no data_offsets")?;
    let (Some(b), Some(e)) = (
        offs.first().and_then(|v| v.as_u64()),
        offs.get(1).and_then(|v| v.as_u64()),
    ) else {
        return Err("data_offsets is not two integers".into());
    };
    if b > e || e > data_len {
        return Err(format!(
            "data_offsets [{b}, {e}] fall outside the {data_len} data bytes"
        ));
    }
    let want = n
        .checked_mul(bits)
        .map(|x| x.div_ceil(8))
        .ok_or("size overflows")?;
    if e - b != want {
        return Err(format!(
            "{dtype} × {n} elements needs {want} bytes, data_offsets give {}",
            e - b
        ));
    }
    Ok((b, e))
}

/// Code-like content in metadata: what loaders that `eval` or unpickle
/// metadata would run.
fn metadata(m: &serde_json::Value, out: &mut Vec<(Severity, String)>) {
    let Some(obj) = m.as_object() else {
        out.push((
            Severity::Medium,
            "`__metadata__` is not an object of strings".into(),
        ));
        return;
    };
    for (k, v) in obj {
        let Some(s) = v.as_str() else {
            out.push((
                Severity::Medium,
                format!("`__metadata__.{k}` is not a string"),
            ));
            continue;
        };
        let code = [
            "__import__",
            "import os",
            "import subprocess",
            "os.system",
            "subprocess.",
            "exec(",
            "eval(",
            "<script",
        ]
        .iter()
        .find(|p| s.contains(*p));
        let pickle_b64 = s.len() > 20
            && ["gASV", "gAJ", "gAN", "gAW"]
                .iter()
                .any(|p| s.starts_with(p));
        if let Some(p) = code {
            out.push((
                Severity::High,
                format!("`__metadata__.{k}` carries code (`{p}`)"),
            ));
        } else if pickle_b64 {
            out.push((
                Severity::High,
                format!("`__metadata__.{k}` holds a base64-encoded pickle"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(header: &str, data: &[u8]) -> Vec<u8> {
        let mut v = (header.len() as u64).to_le_bytes().to_vec();
        v.extend(header.as_bytes());
        v.extend(data);
        v
    }

    #[test]
    fn consistent_and_not() {
        let ok = file(
            r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
            &[0; 8],
        );
        assert!(problems(&ok).is_empty(), "{:?}", problems(&ok));
        let trailing = file(
            r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
            &[0; 12],
        );
        assert!(problems(&trailing)[0].1.contains("trailing"));
        let overlap = file(
            r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
            &[0; 8],
        );
        assert!(problems(&overlap).iter().any(|p| p.1.contains("overlaps")));
        let size = file(
            r#"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}"#,
            &[0; 8],
        );
        assert!(problems(&size)[0].1.contains("needs 4 bytes"));
        let huge = [0xff; 16];
        assert!(problems(&huge)[0].1.contains("claims"));
        let meta = file(
            r#"{"__metadata__":{"x":"__import__('os').system('echo inert')"}}"#,
            &[],
        );
        assert_eq!(problems(&meta)[0].0, Severity::High);
    }
}
