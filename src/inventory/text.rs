//! Small helpers shared by text-format extractors.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Largest manifest or lockfile we read (a 100 MB lockfile is not a lockfile).
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// Reads a whole text input, refusing absurd sizes; invalid UTF-8 is replaced.
pub fn read_text(path: &Path) -> Result<String, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_INPUT_BYTES {
        return Err(format!(
            "file is {len} bytes, over the {MAX_INPUT_BYTES}-byte limit for a manifest or lockfile"
        ));
    }
    let mut buf = Vec::with_capacity(len as usize);
    file.take(MAX_INPUT_BYTES)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    Ok(match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Byte offsets where each line starts, for mapping offsets to 1-based lines.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }
}

/// The 1-based line of the first occurrence of `needle` at or after `from`.
pub fn find_line(text: &str, index: &LineIndex, needle: &str, from: usize) -> Option<(u32, usize)> {
    let start = from.min(text.len());
    text[start..]
        .find(needle)
        .map(|i| (index.line(start + i), start + i))
}

/// The 1-based line after each `[[header]]` line (where an array-of-tables
/// entry's first key, usually `name`, sits), in order: serde drops spans, so
/// TOML lockfile extractors map their N-th entry to a line this way.
pub fn table_array_lines(text: &str, header: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim_end() == header {
            out.push(i as u32 + 2);
        }
    }
    out
}

/// Maps a serde_json error to (line, message).
pub fn json_error(e: &serde_json::Error) -> (Option<u32>, String) {
    let line = (e.line() > 0).then_some(e.line() as u32);
    (line, format!("invalid JSON: {e}"))
}

/// Maps a toml error to (line, message).
pub fn toml_error(text: &str, e: &toml::de::Error) -> (Option<u32>, String) {
    let line = e.span().map(|s| LineIndex::new(text).line(s.start));
    (line, format!("invalid TOML: {}", e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index() {
        let t = "a\nbb\nccc\n";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line(0), 1);
        assert_eq!(ix.line(2), 2);
        assert_eq!(ix.line(3), 2);
        assert_eq!(ix.line(5), 3);
        assert_eq!(find_line(t, &ix, "cc", 0), Some((3, 5)));
        assert_eq!(
            table_array_lines("x\n[[p]]\nname\n[[p]] \n", "[[p]]"),
            vec![3, 5]
        );
    }
}
