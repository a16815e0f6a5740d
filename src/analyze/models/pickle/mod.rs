//! A symbolic pickle interpreter (protocols 0–5). It walks the opcodes the
//! way `pickle.load` would, with a stack, a memo and marks, but its values
//! are symbols: it resolves every name the stream would import and every
//! callable it would call, and never imports or calls anything. Payloads
//! (BINBYTES, long strings) are skipped, not copied.

mod allowlist;
mod calls;
mod decode;
mod interp;
pub mod policy;
pub mod source;
pub mod value;

use interp::Interp;
pub use policy::{Context, Verdict};
use source::Source;
use std::collections::HashMap;
use value::Global;

/// Resource limits of one interpretation.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_stack: usize,
    pub max_marks: usize,
    pub max_memo: usize,
    /// Pickles one after another in one file.
    pub max_streams: u32,
    /// Pickles nested in pickles (joblib object arrays).
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stack: 1 << 20,
            max_marks: 1 << 20,
            max_memo: 1 << 21,
            max_streams: 64,
            max_depth: 8,
        }
    }
}

/// One imported name and how the stream used it.
#[derive(Clone, Debug)]
pub struct ImportUse {
    pub module: String,
    pub name: String,
    pub verdict: Verdict,
    /// Offset of the first opcode that imported it.
    pub offset: u64,
    /// The opcode (`GLOBAL`, `STACK_GLOBAL`, `INST`).
    pub op: &'static str,
    pub count: u64,
    /// Rendered calls of it (`offset: os.system('id')`), at most a few.
    pub calls: Vec<String>,
}

impl ImportUse {
    pub fn path(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// Kinds of things worth reporting besides imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AnomalyKind {
    /// The stream is broken: the loader would raise here (after running
    /// everything before).
    Malformed,
    /// Bytes after the last STOP that are not a pickle.
    TrailingData,
    /// Another pickle after STOP.
    ExtraPickle,
    /// A call of a computed value (`getattr(...)(...)`).
    IndirectCall,
    /// STACK_GLOBAL with names the stream computed (not literal strings).
    DynamicImport,
    /// EXT1/2/4: a callable from the extension registry.
    Extension,
    /// BUILD on an imported object: rebinds its attributes.
    Rebind,
    /// An allowlisted callable called with arguments it never gets from
    /// the library that writes it.
    UnexpectedArguments,
    /// A nested loader called on a payload that could not be scanned.
    NestedUnscanned,
    /// A resource limit stopped (part of) the interpretation.
    Limit,
}

/// Something other than an import worth reporting.
#[derive(Clone, Debug)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    pub offset: u64,
    pub message: String,
    /// The call chain or bytes involved.
    pub evidence: Option<String>,
    /// The chain involves a known-dangerous callable.
    pub dangerous: bool,
}

/// A bytes literal passed to a loader (`pickle.loads`, torch's
/// `_load_from_bytes`): the caller scans it as a nested file.
#[derive(Clone, Debug)]
pub struct Nested {
    pub offset: u64,
    pub len: u64,
    pub loader: String,
    /// Where the loader was called.
    pub call_offset: u64,
}

/// Everything one pass over a pickle file found.
#[derive(Clone, Debug, Default)]
pub struct PickleScan {
    pub imports: Vec<ImportUse>,
    pub anomalies: Vec<Anomaly>,
    pub nested: Vec<Nested>,
    /// Pickles interpreted (1 for an ordinary file).
    pub streams: u32,
    /// Offset just past the last STOP (or where interpretation stopped).
    pub end: u64,
    /// Highest protocol seen.
    pub protocol: u8,
    index: HashMap<(String, String), usize>,
}

impl PickleScan {
    fn anomaly(&mut self, kind: AnomalyKind, offset: u64, message: impl Into<String>) {
        self.anomalies.push(Anomaly {
            kind,
            offset,
            message: message.into(),
            evidence: None,
            dangerous: false,
        });
    }

    fn import(&mut self, g: &Global, op: &'static str) {
        let key = (g.module.clone(), g.name.clone());
        if let Some(&i) = self.index.get(&key) {
            self.imports[i].count += 1;
            return;
        }
        self.index.insert(key, self.imports.len());
        self.imports.push(ImportUse {
            module: g.module.clone(),
            name: g.name.clone(),
            verdict: g.verdict,
            offset: g.offset,
            op,
            count: 1,
            calls: Vec::new(),
        });
    }

    fn record_call(&mut self, g: &Global, rendered: String) {
        if let Some(&i) = self.index.get(&(g.module.clone(), g.name.clone())) {
            let calls = &mut self.imports[i].calls;
            if calls.len() < 3 {
                calls.push(rendered);
            }
        }
    }

    /// Whether anything makes this stream unsafe or suspicious.
    pub fn is_clean(&self) -> bool {
        self.anomalies.is_empty() && self.imports.iter().all(|i| i.verdict == Verdict::Safe)
    }
}

/// How a file of pickles is laid out.
#[derive(Clone, Copy, Debug, Default)]
pub struct Layout {
    /// Pickles that follow each other by design (legacy `torch.save`
    /// writes five) and are not reported as extra.
    pub expected_streams: u32,
    /// Raw bytes follow the expected pickles (legacy torch storages).
    pub raw_tail: bool,
}

/// Interprets every pickle in `src`: the first, and any that follow it.
pub fn scan<S: Source>(src: &mut S, ctx: Context, layout: Layout, limits: &Limits) -> PickleScan {
    let mut out = PickleScan::default();
    let expected = layout.expected_streams.max(1);
    loop {
        let start = src.pos();
        if out.streams >= expected {
            if layout.raw_tail || src.at_end() {
                break;
            }
            let Some(first) = peek_opcode(src) else { break };
            if is_padding(src, start) {
                // Old numpy wrote a newline after an object array's pickle.
                break;
            }
            if !decode::is_opcode(first) {
                out.anomaly(
                    AnomalyKind::TrailingData,
                    start,
                    "data after the pickle's STOP opcode (not another pickle)",
                );
                break;
            }
            if out.streams >= limits.max_streams {
                out.anomaly(
                    AnomalyKind::Limit,
                    start,
                    format!(
                        "more than {} pickles in one file; stopped",
                        limits.max_streams
                    ),
                );
                break;
            }
            out.anomaly(
                AnomalyKind::ExtraPickle,
                start,
                "another pickle follows the first one's STOP",
            );
        }
        out.streams += 1;
        let mut interp = Interp::new(src, ctx, limits, &mut out, 0);
        let ended = interp.run();
        out.end = src.pos();
        if !ended || (out.streams < expected && src.at_end()) {
            break;
        }
    }
    out
}

/// A few whitespace bytes to the end of a slice: harmless padding.
fn is_padding<S: Source>(src: &mut S, start: u64) -> bool {
    (1..=8).any(|n| {
        src.window(start, n)
            .is_some_and(|w| w.iter().all(|b| b.is_ascii_whitespace()))
            && src.window(start, n + 1).is_none()
    })
}

/// The next byte, without consuming it (sources have no peek: read one and
/// remember it was read by reporting from `pos - 1`).
fn peek_opcode<S: Source>(src: &mut S) -> Option<u8> {
    let pos = src.pos();
    let b = src.window(pos, 1).map(|w| w[0]);
    match b {
        Some(b) => Some(b),
        // Streams cannot give bytes back; any byte is worth interpreting.
        None if !src.at_end() => Some(b'.'),
        None => None,
    }
}

#[cfg(test)]
mod tests;
