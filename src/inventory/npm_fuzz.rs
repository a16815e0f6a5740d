//! Fuzz-target bodies for the npm text parsers. Each is called by a
//! cargo-fuzz target (`fuzz/fuzz_targets/`) and by a regular test that runs
//! it over every prefix and byte flips of real files. Any input must give an
//! extract (possibly with errors), never a panic, and every error must say
//! on which line it is.

use super::markers::{Target, TargetEnv};
use super::{Extract, graph};

fn check(mut ex: Extract) {
    for e in &ex.errors {
        assert!(e.line.is_some(), "error without a line: {e:?}");
    }
    let mut again = Extract::new(ex.kind, &ex.path);
    again.nodes = ex.nodes.clone();
    again.roots = ex.roots.clone();
    again.graph_known = ex.graph_known;
    graph::resolve(&mut ex, None);
    if let Ok(t) = Target::new(TargetEnv {
        python: "3.11.7".into(),
        platform: "linux".into(),
        arch: "x86_64".into(),
    }) {
        graph::resolve(&mut again, Some(&t));
    }
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// yarn.lock (classic v1, or berry when it has `__metadata`).
pub fn yarn_lock(data: &[u8]) {
    check(super::yarn_lock::parse(&text(data), "yarn.lock"));
}

/// yarn berry yarn.lock.
pub fn yarn_berry(data: &[u8]) {
    check(super::yarn_berry::parse_with(
        &text(data),
        "yarn.lock",
        None,
    ));
}

/// pnpm-lock.yaml.
pub fn pnpm_lock(data: &[u8]) {
    check(super::pnpm_lock::parse(&text(data), "pnpm-lock.yaml"));
}

/// bun.lock.
pub fn bun_lock(data: &[u8]) {
    check(super::bun_lock::parse(&text(data), "bun.lock"));
}

/// package.json as a manifest.
pub fn package_json(data: &[u8]) {
    check(super::package_json::parse(&text(data), "package.json"));
}

/// package-lock.json (all versions).
pub fn package_lock(data: &[u8]) {
    check(super::package_lock::parse(&text(data), "package-lock.json"));
}

/// Every prefix (at most `max_prefixes`, evenly spread) and some byte flips
/// of `data`, through `target`.
pub fn mutations(data: &[u8], max_prefixes: usize, flips: usize, target: fn(&[u8])) {
    let step = (data.len() / max_prefixes.max(1)).max(1);
    let mut n = 0;
    while n <= data.len() {
        target(&data[..n]);
        n += step;
    }
    target(data);
    // A small deterministic generator: the same flips on every run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15 ^ data.len() as u64;
    let mut buf = data.to_vec();
    for _ in 0..flips {
        if buf.is_empty() {
            break;
        }
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let at = (state % buf.len() as u64) as usize;
        let old = buf[at];
        buf[at] = [
            b'"',
            b':',
            b'\n',
            b' ',
            b'{',
            b'[',
            b'-',
            b'@',
            0xff,
            old ^ 0x20,
        ][(state >> 32) as usize % 10];
        target(&buf);
        buf[at] = old;
    }
}
