//! Keras: `.keras` archives carry `config.json`; legacy `.h5` files carry the
//! same JSON in the root group's `model_config` attribute. A `Lambda` layer
//! holds a marshalled Python function that loading with `safe_mode=False`
//! (or Keras 2) executes; layers from modules outside Keras are imported.
//!
//! HDF5 is not parsed: the config attribute is a contiguous JSON string
//! (attributes are never chunked or compressed), so a bounded byte search
//! for `{"class_name"` in the first 64 MiB finds it — documented fallback
//! in `docs/models.md`.

use super::super::rules::keras_lambda_layer as tg305;
use super::super::scan::Hit;
use crate::finding::Severity;
use base64::Engine;

/// How far into an HDF5 file the config is looked for.
const H5_SEARCH: usize = 64 << 20;
/// Longest config JSON considered.
const MAX_CONFIG: usize = 16 << 20;

/// Module prefixes Keras resolves layers from by itself.
const KERAS_MODULES: &[&str] = &[
    "keras",
    "tf_keras",
    "tensorflow.keras",
    "keras_hub",
    "keras_nlp",
    "keras_cv",
    "builtins",
];

pub fn config(json: &[u8], path: &str, hits: &mut Vec<Hit>) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(json) else {
        return;
    };
    walk(&v, path, hits, 0);
}

fn walk(v: &serde_json::Value, path: &str, hits: &mut Vec<Hit>, depth: u32) {
    if depth > 128 || hits.len() > 50 {
        return;
    }
    match v {
        serde_json::Value::Object(o) => {
            let class = o.get("class_name").and_then(|c| c.as_str()).unwrap_or("");
            let layer = o
                .get("config")
                .and_then(|c| c.get("name"))
                .and_then(|n| n.as_str())
                .unwrap_or("?");
            if class == "Lambda" {
                hits.push(lambda(o.get("config"), layer, path));
            }
            if let Some(m) = o.get("module").and_then(|m| m.as_str())
                && !class.is_empty()
                && !KERAS_MODULES
                    .iter()
                    .any(|k| m == *k || m.starts_with(&format!("{k}.")))
            {
                hits.push(
                    Hit::new(&tg305::META, path, format!("`{class}` is loaded from module `{m}`, outside Keras (imported at load time)"))
                        .evidence(format!("layer `{layer}`: module {m}, class_name {class}")),
                );
            }
            o.values().for_each(|c| walk(c, path, hits, depth + 1));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|c| walk(c, path, hits, depth + 1)),
        _ => {}
    }
}

fn lambda(config: Option<&serde_json::Value>, layer: &str, path: &str) -> Hit {
    let f = config.and_then(|c| c.get("function"));
    // Keras 2: ["<base64 marshal>", defaults, closure]; Keras 3:
    // {"class_name": "__lambda__", "config": {"code": "<base64>"}}.
    let code = f
        .and_then(|f| f.get(0))
        .and_then(|c| c.as_str())
        .or_else(|| {
            f.and_then(|f| f.get("config"))
                .and_then(|c| c.get("code"))
                .and_then(|c| c.as_str())
        });
    match code {
        Some(b64) => {
            let names = marshal_names(b64);
            Hit::new(&tg305::META, path, format!("Lambda layer `{layer}` carries marshalled Python bytecode, run when the model is loaded"))
                .severity(Severity::Critical)
                .evidence(format!("names in the bytecode: {}", if names.is_empty() { "(none readable)".into() } else { names.join(", ") }))
        }
        None => {
            let name = f.and_then(|f| f.as_str()).unwrap_or("?");
            Hit::new(
                &tg305::META,
                path,
                format!("Lambda layer `{layer}` calls the Python function `{name}`"),
            )
            .evidence(format!("function: {name}"))
        }
    }
}

/// Readable names in marshalled code (its co_names and constants), for evidence.
fn marshal_names(b64: &str) -> Vec<String> {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64.trim().replace('\n', ""))
    else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    let mut run = Vec::new();
    for &b in bytes.iter().chain([0u8].iter()) {
        if b.is_ascii_graphic() || b == b' ' {
            run.push(b);
            continue;
        }
        if run.len() >= 3 {
            let s = String::from_utf8_lossy(&run).into_owned();
            if !out.contains(&s) {
                out.push(s);
            }
        }
        run.clear();
    }
    out.truncate(16);
    out
}

/// Finds the model config JSON in an HDF5 file and checks it.
pub fn hdf5(data: &[u8], path: &str, hits: &mut Vec<Hit>) {
    let window = &data[..data.len().min(H5_SEARCH)];
    for start in memchr::memmem::find_iter(window, b"{\"class_name\"").take(16) {
        if let Some(end) = json_end(&data[start..data.len().min(start + MAX_CONFIG)]) {
            config(&data[start..start + end], path, hits);
            return;
        }
    }
}

/// Length of the balanced JSON object at the start of `d` (strings aware).
fn json_end(d: &[u8]) -> Option<usize> {
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for (i, &c) in d.iter().enumerate() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_and_modules() {
        let cfg = br#"{"class_name":"Sequential","config":{"layers":[{"class_name":"Dense","config":{"name":"d"}},{"class_name":"Lambda","config":{"name":"l","function":["4wEAAABvcy5zeXN0ZW0=",null,null]}}]}}"#;
        let mut hits = Vec::new();
        config(cfg, "m.keras!/config.json", &mut hits);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].severity, Severity::Critical);
        assert!(
            hits[0].evidence[0].contains("os.system"),
            "{:?}",
            hits[0].evidence
        );
        let custom = br#"{"module":"evil_pkg.layers","class_name":"Boom","config":{"name":"b"}}"#;
        let mut hits = Vec::new();
        config(custom, "x", &mut hits);
        assert_eq!(hits[0].severity, Severity::High);
        let benign = br#"{"module":"keras.layers","class_name":"Dense","config":{"name":"d"}}"#;
        let mut hits = Vec::new();
        config(benign, "x", &mut hits);
        assert!(hits.is_empty());
        let mut h5 = b"\x89HDF\r\n\x1a\nxxxx".to_vec();
        h5.extend_from_slice(cfg);
        let mut hits = Vec::new();
        hdf5(&h5, "m.h5", &mut hits);
        assert_eq!(hits.len(), 1);
    }
}
