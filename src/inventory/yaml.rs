//! YAML helpers for the YAML lockfiles (yarn berry, pnpm), on `yaml-rust2`.

use std::collections::HashMap;
use yaml_rust2::{Yaml, YamlLoader};

/// Deepest block indentation accepted: the YAML loader recurses per level,
/// and no lockfile nests more than a handful.
const MAX_INDENT: usize = 256;

/// Parses one YAML document. Errors carry the 1-based line.
pub fn load(text: &str) -> Result<Yaml, (Option<u32>, String)> {
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        if indent > MAX_INDENT {
            return Err((
                Some(i as u32 + 1),
                format!("indentation of {indent} columns is deeper than any lockfile nests"),
            ));
        }
    }
    let docs = YamlLoader::load_from_str(text).map_err(|e| {
        (
            Some(e.marker().line() as u32),
            format!("invalid YAML: {}", e.info()),
        )
    })?;
    Ok(docs.into_iter().next().unwrap_or(Yaml::Null))
}

/// A scalar as text (YAML may read `1.10` as a float and `10` as an integer).
pub fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The value under `key` of a mapping (`BadValue` when absent).
pub fn get<'a>(y: &'a Yaml, key: &str) -> &'a Yaml {
    &y[key]
}

/// The entries of a mapping with scalar keys.
pub fn entries(y: &Yaml) -> Vec<(String, &Yaml)> {
    match y {
        Yaml::Hash(h) => h
            .iter()
            .filter_map(|(k, v)| scalar(k).map(|k| (k, v)))
            .collect(),
        _ => Vec::new(),
    }
}

/// A mapping of scalars (`name: range`) as pairs.
pub fn string_map(y: &Yaml) -> Vec<(String, String)> {
    entries(y)
        .into_iter()
        .filter_map(|(k, v)| scalar(v).map(|v| (k, v)))
        .collect()
}

/// A sequence of scalars (or a single scalar) as strings.
pub fn string_list(y: &Yaml) -> Vec<String> {
    match y {
        Yaml::Array(a) => a.iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

/// 1-based lines of the mapping keys written at exactly `indent` spaces
/// (quotes removed), for pointing at lockfile entries.
pub fn key_lines(text: &str, indent: usize) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let content = line.trim_start_matches(' ');
        if line.len() - content.len() != indent || content.starts_with('#') {
            continue;
        }
        let content = content.trim_end();
        let Some(key) = content
            .strip_suffix(':')
            .or_else(|| content.split_once(": ").map(|(k, _)| k))
        else {
            continue;
        };
        let key = key.trim();
        let key = key
            .strip_prefix('"')
            .and_then(|k| k.strip_suffix('"'))
            .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
            .unwrap_or(key);
        out.entry(key.to_string()).or_insert(i as u32 + 1);
    }
    out
}

/// The line of a mapping key: from `key_lines`, else where the key's text
/// first appears (flow mappings, odd quoting), else the first line.
pub fn locate(text: &str, lines: &HashMap<String, u32>, key: &str) -> u32 {
    if let Some(&l) = lines.get(key) {
        return l;
    }
    match text.find(key) {
        Some(off) if !key.is_empty() => text[..off].matches('\n').count() as u32 + 1,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_and_locates() {
        let text = "a:\n  'b@1': {x: 1}\n  \"c\":\n    version: 1.10\n";
        let y = load(text).unwrap();
        assert_eq!(scalar(&y["a"]["c"]["version"]).as_deref(), Some("1.10"));
        let lines = key_lines(text, 2);
        assert_eq!(lines.get("b@1"), Some(&2));
        assert_eq!(lines.get("c"), Some(&3));
        let err = load("a:\n  b: [1,\n").unwrap_err();
        assert!(err.0.is_some());
        assert!(load(&format!("{}x: 1\n", " ".repeat(300))).is_err());
    }
}
