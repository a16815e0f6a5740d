//! The audit log: one JSON line per gate decision, each chained to the one
//! before by sha256 (`prev`), so an edit, a deletion or a reordering of any
//! line is detected by `tollgate audit verify`.
//!
//! Each line is an object with `seq` (1, 2, …), `prev` (the previous line's
//! `hash`; 64 zeros for the first) and `hash`: the sha256 of the line's
//! canonical JSON (keys sorted, no spaces) without the `hash` key. Removing
//! lines from the end cannot be detected from the file alone: keep the last
//! `hash` somewhere else (the CI log) to anchor it.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// `prev` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Serialises with object keys sorted at every level, so the hash does not
/// depend on how a writer ordered them.
pub fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        Value::String(k.clone()),
                        m.get(k).map(canonical).unwrap_or_default()
                    )
                })
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

fn digest(entry: &Map<String, Value>) -> String {
    let mut m = entry.clone();
    m.remove("hash");
    hex::encode(Sha256::digest(canonical(&Value::Object(m)).as_bytes()))
}

/// The line to append after a log whose last line is `last` (or none).
/// `record` is the decision; `seq`, `prev` and `hash` are added.
pub fn next_line(last: Option<&str>, record: Map<String, Value>) -> Result<String, String> {
    let (seq, prev) = match last {
        None => (1, GENESIS.to_string()),
        Some(l) => {
            let v: Value = serde_json::from_str(l).map_err(|e| {
                format!("the last line of the log is not JSON ({e}); run `tollgate audit verify`")
            })?;
            let seq = v.get("seq").and_then(Value::as_u64).unwrap_or(0) + 1;
            let hash = v
                .get("hash")
                .and_then(Value::as_str)
                .ok_or("the last line of the log has no `hash`; run `tollgate audit verify`")?;
            (seq, hash.to_string())
        }
    };
    let mut entry = Map::new();
    entry.insert("seq".into(), Value::from(seq));
    entry.insert("prev".into(), Value::from(prev));
    for (k, v) in record {
        if !matches!(k.as_str(), "seq" | "prev" | "hash") {
            entry.insert(k, v);
        }
    }
    let hash = digest(&entry);
    entry.insert("hash".into(), Value::from(hash));
    Ok(canonical(&Value::Object(entry)))
}

/// Appends a decision to the log at `path` (created if missing). Returns its hash.
pub fn append(path: &Path, record: Map<String, Value>) -> Result<String, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let last = text.lines().rev().find(|l| !l.trim().is_empty());
    let line = next_line(last, record).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let sep = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    f.write_all(format!("{sep}{line}\n").as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&line).map_err(|e| e.to_string())?;
    Ok(v.get("hash")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string())
}

/// A log that verified: how many entries, and the last hash (the anchor).
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    pub entries: u64,
    pub head: String,
}

/// The first line that breaks the chain.
#[derive(Debug, PartialEq, Eq)]
pub struct Broken {
    /// 1-based line number in the file.
    pub line: u32,
    pub message: String,
}

/// Checks every line: its own hash, its link to the previous line, its sequence number.
pub fn verify(text: &str) -> Result<Verified, Broken> {
    let mut prev = GENESIS.to_string();
    let mut seq = 0u64;
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let bad = |m: String| Broken { line, message: m };
        if raw.trim().is_empty() {
            return Err(bad("empty line inside the log".into()));
        }
        let v: Value = serde_json::from_str(raw).map_err(|e| bad(format!("not JSON: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| bad("not a JSON object".into()))?;
        let hash = obj
            .get("hash")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no `hash`".into()))?;
        if digest(obj) != hash {
            return Err(bad(
                "the line was edited: its content does not match its hash".into(),
            ));
        }
        let p = obj.get("prev").and_then(Value::as_str).unwrap_or("");
        if p != prev {
            return Err(bad(if line == 1 {
                "the first line does not start the chain: lines before it were removed".into()
            } else {
                "the chain is broken: the line before it was removed, replaced or moved".into()
            }));
        }
        let s = obj.get("seq").and_then(Value::as_u64).unwrap_or(0);
        if s != seq + 1 {
            return Err(bad(format!("sequence number {s}, expected {}", seq + 1)));
        }
        seq = s;
        prev = hash.to_string();
    }
    Ok(Verified {
        entries: seq,
        head: prev,
    })
}

/// Fuzz entry point.
pub fn fuzz_verify(data: &[u8]) {
    let _ = verify(&String::from_utf8_lossy(data));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(n: usize) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        for i in 0..n {
            let mut r = Map::new();
            r.insert(
                "decision".into(),
                Value::from(if i % 2 == 0 { "pass" } else { "fail" }),
            );
            r.insert("findings".into(), serde_json::json!({"high": i, "low": 1}));
            lines.push(next_line(lines.last().map(String::as_str), r).unwrap());
        }
        lines
    }

    fn text(lines: &[String]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    #[test]
    fn good_chain() {
        let l = log(4);
        let v = verify(&text(&l)).unwrap();
        assert_eq!(v.entries, 4);
        assert!(l[0].contains(GENESIS));
        assert_eq!(verify("").unwrap().head, GENESIS);
    }

    #[test]
    fn edit_is_found() {
        let mut l = log(4);
        l[2] = l[2].replace("\"high\":2", "\"high\":0");
        assert_eq!(verify(&text(&l)).unwrap_err().line, 3);
    }

    #[test]
    fn edit_with_recomputed_hash_breaks_the_next_link() {
        let mut l = log(4);
        let mut v: Map<String, Value> = serde_json::from_str(&l[1]).unwrap();
        v.insert("decision".into(), Value::from("pass"));
        let h = digest(&v);
        v.insert("hash".into(), Value::from(h));
        l[1] = canonical(&Value::Object(v));
        assert_eq!(verify(&text(&l)).unwrap_err().line, 3);
    }

    #[test]
    fn deletion_and_reordering_are_found() {
        let l = log(5);
        let mut d = l.clone();
        d.remove(2);
        assert_eq!(verify(&text(&d)).unwrap_err().line, 3);
        let mut first = l.clone();
        first.remove(0);
        assert_eq!(verify(&text(&first)).unwrap_err().line, 1);
        let mut r = l.clone();
        r.swap(1, 3);
        assert_eq!(verify(&text(&r)).unwrap_err().line, 2);
    }

    #[test]
    fn append_to_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("audit.jsonl");
        let h1 = append(&p, Map::new()).unwrap();
        let h2 = append(&p, Map::new()).unwrap();
        assert_ne!(h1, h2);
        let t = std::fs::read_to_string(&p).unwrap();
        assert_eq!(
            verify(&t).unwrap(),
            Verified {
                entries: 2,
                head: h2
            }
        );
    }

    #[test]
    fn fuzz_mutations() {
        let t = text(&log(2));
        let b = t.as_bytes();
        for i in 0..=b.len() {
            fuzz_verify(&b[..i]);
            let mut m = b.to_vec();
            if i < m.len() {
                m[i] ^= 1;
                // Any single-bit flip is either detected or harmless whitespace.
                let s = String::from_utf8_lossy(&m).into_owned();
                if s != t && !s.trim_end().eq(t.trim_end()) {
                    assert!(verify(&s).is_err(), "flip at {i} not detected");
                }
            }
        }
    }
}
