//! A symbolic pickle interpreter (protocols 0–5). It walks the opcodes the
//! way `pickle.load` would, with a stack, a memo and marks, but its values
//! are symbols: it resolves every name the stream would import and every
//! callable it would call, and never imports or calls anything. Payloads
//! (BINBYTES, long strings) are skipped, not copied.

mod decode;
pub mod policy;
pub mod source;
pub mod value;

use decode::{decode_escaped_str, decode_raw_unicode_escape, parse_int_line, read_le};
pub use policy::{Context, Verdict};
use source::{Line, Source, Truncated};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use value::{Global, KEEP_STR, Made, Obj, Seq, Value};

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

/// Why the opcode loop stopped.
enum Halt {
    /// STOP reached.
    Stop,
    /// The stream is broken here; the loader would raise.
    Broken(String),
    /// A resource limit.
    Limit(String),
}

struct Interp<'a, S: Source> {
    src: &'a mut S,
    ctx: Context,
    limits: &'a Limits,
    out: &'a mut PickleScan,
    depth: u32,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u64, Value>,
    memo_full: bool,
    malformed_seen: bool,
    op_offset: u64,
}

impl<'a, S: Source> Interp<'a, S> {
    fn new(
        src: &'a mut S,
        ctx: Context,
        limits: &'a Limits,
        out: &'a mut PickleScan,
        depth: u32,
    ) -> Self {
        Interp {
            src,
            ctx,
            limits,
            out,
            depth,
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
            memo_full: false,
            malformed_seen: false,
            op_offset: 0,
        }
    }

    /// Runs to STOP. Returns whether STOP was reached.
    fn run(&mut self) -> bool {
        loop {
            self.op_offset = self.src.pos();
            let Some(op) = self.src.byte() else {
                self.broken_at_end("the pickle ends without a STOP opcode (truncated)");
                return false;
            };
            match self.step(op) {
                Ok(()) => {}
                Err(Halt::Stop) => return true,
                Err(Halt::Broken(msg)) => {
                    self.out
                        .anomaly(AnomalyKind::Malformed, self.op_offset, msg);
                    return false;
                }
                Err(Halt::Limit(msg)) => {
                    self.out.anomaly(AnomalyKind::Limit, self.op_offset, msg);
                    return false;
                }
            }
        }
    }

    fn broken_at_end(&mut self, msg: &str) {
        self.out
            .anomaly(AnomalyKind::Malformed, self.src.pos(), msg.to_string());
    }

    /// A recoverable defect: reported once, interpretation goes on with an
    /// unknown value so later imports are still seen.
    fn defect(&mut self, msg: impl Into<String>) {
        if !self.malformed_seen {
            self.malformed_seen = true;
            self.out
                .anomaly(AnomalyKind::Malformed, self.op_offset, msg.into());
        }
    }

    fn push(&mut self, v: Value) -> Result<(), Halt> {
        if self.stack.len() >= self.limits.max_stack {
            return Err(Halt::Limit(format!(
                "stack deeper than {} values; stopped interpreting",
                self.limits.max_stack
            )));
        }
        self.stack.push(v);
        Ok(())
    }

    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> Value {
        if self.stack.len() > self.floor() {
            self.stack.pop().unwrap_or_default()
        } else {
            self.defect("stack underflow: an opcode pops more values than were pushed");
            Value::Unknown
        }
    }

    fn top(&mut self) -> Value {
        if self.stack.len() > self.floor() {
            self.stack.last().cloned().unwrap_or_default()
        } else {
            self.defect("stack underflow: an opcode reads an empty stack");
            Value::Unknown
        }
    }

    fn pop_mark(&mut self) -> Vec<Value> {
        match self.marks.pop() {
            Some(m) => self.stack.split_off(m.min(self.stack.len())),
            None => {
                self.defect("an opcode needs a MARK that was never pushed");
                Vec::new()
            }
        }
    }

    fn take(&mut self, n: usize) -> Result<&[u8], Halt> {
        self.src.take(n).map_err(|Truncated| truncated())
    }

    fn uint(&mut self, n: usize) -> Result<u64, Halt> {
        let b = self.take(n)?;
        Ok(read_le(b))
    }

    fn step(&mut self, op: u8) -> Result<(), Halt> {
        match op {
            b'.' => {
                self.pop();
                return Err(Halt::Stop);
            }
            0x80 => {
                let p = self.take(1)?[0];
                if p > 5 {
                    return Err(Halt::Broken(format!("unsupported pickle protocol {p}")));
                }
                self.out.protocol = self.out.protocol.max(p);
            }
            0x95 => {
                self.uint(8)?;
            }
            b'(' => {
                if self.marks.len() >= self.limits.max_marks {
                    return Err(Halt::Limit(format!(
                        "more than {} nested MARKs; stopped interpreting",
                        self.limits.max_marks
                    )));
                }
                self.marks.push(self.stack.len());
            }
            b'0' => {
                if self.stack.len() > self.floor() {
                    self.stack.pop();
                } else {
                    self.pop_mark();
                }
            }
            b'1' => {
                self.pop_mark();
            }
            b'2' => {
                let v = self.top();
                self.push(v)?;
            }
            b'N' => self.push(Value::None)?,
            0x88 => self.push(Value::Bool(true))?,
            0x89 => self.push(Value::Bool(false))?,
            b'J' => {
                let v = self.uint(4)? as u32 as i32;
                self.push(Value::Int(v as i64))?
            }
            b'K' => {
                let v = self.uint(1)?;
                self.push(Value::Int(v as i64))?
            }
            b'M' => {
                let v = self.uint(2)?;
                self.push(Value::Int(v as i64))?
            }
            0x8a | 0x8b => {
                let n = if op == 0x8a {
                    self.uint(1)?
                } else {
                    self.uint(4)?
                };
                let v = self.long_bytes(n)?;
                self.push(v)?
            }
            b'G' => {
                self.take(8)?;
                self.push(Value::Float)?
            }
            b'I' | b'L' | b'F' => {
                let v = match self.line()? {
                    Some(l) if op == b'F' => {
                        let _ = l;
                        Value::Float
                    }
                    Some(l) => parse_int_line(&l, op == b'I'),
                    None => Value::BigInt,
                };
                self.push(v)?
            }
            b'S' => {
                let v = match self.line()? {
                    Some(l) => decode_escaped_str(&l).map(|s| Value::str(&s)),
                    None => Some(Value::LongStr(0)),
                };
                match v {
                    Some(v) => self.push(v)?,
                    None => {
                        return Err(Halt::Broken("STRING opcode argument is not quoted".into()));
                    }
                }
            }
            b'V' => {
                let v = match self.line()? {
                    Some(l) => Value::str(&decode_raw_unicode_escape(&l)),
                    None => Value::LongStr(0),
                };
                self.push(v)?
            }
            b'T' => {
                let n = self.uint(4)? as u32 as i32;
                if n < 0 {
                    return Err(Halt::Broken("BINSTRING with a negative length".into()));
                }
                let v = self.string(n as u64, true)?;
                self.push(v)?
            }
            b'U' => {
                let n = self.uint(1)?;
                let v = self.string(n, true)?;
                self.push(v)?
            }
            b'X' | 0x8c | 0x8d => {
                let n = match op {
                    b'X' => self.uint(4)?,
                    0x8c => self.uint(1)?,
                    _ => self.uint(8)?,
                };
                let v = self.string(n, false)?;
                self.push(v)?
            }
            b'B' | b'C' | 0x8e | 0x96 => {
                let n = match op {
                    b'B' => self.uint(4)?,
                    b'C' => self.uint(1)?,
                    _ => self.uint(8)?,
                };
                let offset = self.src.pos();
                self.src.skip(n).map_err(|Truncated| truncated())?;
                self.push(Value::Bytes { offset, len: n })?
            }
            0x97 | 0x98 => {
                if op == 0x97 {
                    self.push(Value::Buffer)?;
                } else {
                    let v = self.pop();
                    self.push(v)?;
                }
            }
            b')' => self.push(Value::tuple(Vec::new()))?,
            b']' => self.push(Value::List(Rc::new(RefCell::new(Seq::default()))))?,
            b'}' => self.push(Value::Dict(Rc::new(RefCell::new(Seq::default()))))?,
            0x8f => self.push(Value::Set(Rc::new(RefCell::new(Seq::default()))))?,
            b't' => {
                let items = self.pop_mark();
                self.push(Value::tuple(items))?
            }
            0x85..=0x87 => {
                let n = (op - 0x84) as usize;
                let mut items: Vec<Value> = (0..n).map(|_| self.pop()).collect();
                items.reverse();
                self.push(Value::tuple(items))?
            }
            b'l' => {
                let items = self.pop_mark();
                self.push(Value::List(Rc::new(RefCell::new(Seq::from_vec(items)))))?
            }
            b'd' => {
                let items = self.pop_mark();
                self.push(Value::Dict(Rc::new(RefCell::new(Seq::from_vec(items)))))?
            }
            0x91 => {
                let items = self.pop_mark();
                self.push(Value::Set(Rc::new(RefCell::new(Seq::from_vec(items)))))?
            }
            b'a' => {
                let v = self.pop();
                let target = self.top();
                extend(&target, vec![v]);
            }
            b'e' | 0x90 => {
                let items = self.pop_mark();
                let target = self.top();
                extend(&target, items);
            }
            b's' => {
                let v = self.pop();
                let k = self.pop();
                let target = self.top();
                extend(&target, vec![k, v]);
            }
            b'u' => {
                let items = self.pop_mark();
                let target = self.top();
                extend(&target, items);
            }
            b'g' | b'h' | b'j' => {
                let key = match op {
                    b'h' => self.uint(1)?,
                    b'j' => self.uint(4)?,
                    _ => self.line_index()?,
                };
                let v = match self.memo.get(&key) {
                    Some(v) => v.clone(),
                    None => {
                        if !self.memo_full {
                            self.defect(format!("memo key {key} read before it was written"));
                        }
                        Value::Unknown
                    }
                };
                self.push(v)?
            }
            b'p' | b'q' | b'r' => {
                let key = match op {
                    b'q' => self.uint(1)?,
                    b'r' => self.uint(4)?,
                    _ => self.line_index()?,
                };
                let v = self.top();
                self.memo_put(key, v);
            }
            0x94 => {
                let v = self.top();
                let key = self.memo.len() as u64;
                self.memo_put(key, v);
            }
            b'c' => {
                let module = self.name_line()?;
                let name = self.name_line()?;
                let g = self.import(&module, &name, "GLOBAL");
                self.push(g)?
            }
            0x93 => {
                let name = self.pop();
                let module = self.pop();
                let g = match (module.as_str(), name.as_str()) {
                    (Some(m), Some(n)) => {
                        let (m, n) = (m.to_string(), n.to_string());
                        self.import(&m, &n, "STACK_GLOBAL")
                    }
                    _ => {
                        self.dynamic_import(&module, &name);
                        Value::Unknown
                    }
                };
                self.push(g)?
            }
            b'i' => {
                let module = self.name_line()?;
                let name = self.name_line()?;
                let args = self.pop_mark();
                let g = self.import(&module, &name, "INST");
                let v = self.call(g, Value::tuple(args), Made::Call, "INST");
                self.push(v)?
            }
            b'o' => {
                let mut items = self.pop_mark();
                if items.is_empty() {
                    self.defect("OBJ without a class");
                    items.push(Value::Unknown);
                }
                let cls = items.remove(0);
                let v = self.call(cls, Value::tuple(items), Made::Call, "OBJ");
                self.push(v)?
            }
            b'R' => {
                let args = self.pop();
                let callee = self.pop();
                let v = self.call(callee, args, Made::Call, "REDUCE");
                self.push(v)?
            }
            0x81 => {
                let args = self.pop();
                let cls = self.pop();
                let v = self.call(cls, args, Made::New, "NEWOBJ");
                self.push(v)?
            }
            0x92 => {
                let kwargs = self.pop();
                let args = self.pop();
                let cls = self.pop();
                let args = match args.items() {
                    Some(mut a) => {
                        a.push(kwargs);
                        Value::tuple(a)
                    }
                    None => Value::tuple(vec![args, kwargs]),
                };
                let v = self.call(cls, args, Made::New, "NEWOBJ_EX");
                self.push(v)?
            }
            0x82..=0x84 => {
                let code = match op {
                    0x82 => self.uint(1)?,
                    0x83 => self.uint(2)?,
                    _ => self.uint(4)?,
                };
                self.out.anomalies.push(Anomaly {
                    kind: AnomalyKind::Extension,
                    offset: self.op_offset,
                    message: format!(
                        "EXT opcode imports extension code {code}: a callable registered with \
                         copyreg.add_extension, which cannot be resolved statically"
                    ),
                    evidence: None,
                    dangerous: false,
                });
                self.push(Value::Unknown)?
            }
            b'P' => {
                let pid = match self.line()? {
                    Some(l) => Value::str(&String::from_utf8_lossy(&l)),
                    None => Value::LongStr(0),
                };
                let v = self.persistent(pid);
                self.push(v)?
            }
            b'Q' => {
                let pid = self.pop();
                let v = self.persistent(pid);
                self.push(v)?
            }
            b'b' => self.build()?,
            other => {
                return Err(Halt::Broken(format!(
                    "unknown opcode 0x{other:02x}: the loader stops here"
                )));
            }
        }
        Ok(())
    }

    /// A protocol-0 text argument; `None` when too long to keep.
    fn line(&mut self) -> Result<Option<Vec<u8>>, Halt> {
        match self.src.line(KEEP_STR) {
            Ok(Line::Kept(l)) => Ok(Some(l.to_vec())),
            Ok(Line::Long(_)) => Ok(None),
            Err(Truncated) => Err(truncated()),
        }
    }

    fn line_index(&mut self) -> Result<u64, Halt> {
        let l = self.line()?.unwrap_or_default();
        String::from_utf8_lossy(&l)
            .trim()
            .parse::<u64>()
            .map_err(|_| Halt::Broken("memo index is not a number".into()))
    }

    /// A module or class name of GLOBAL/INST (UTF-8, up to the newline).
    fn name_line(&mut self) -> Result<String, Halt> {
        match self.line()? {
            Some(l) => Ok(String::from_utf8_lossy(&l).into_owned()),
            None => Err(Halt::Broken("GLOBAL/INST name longer than 4 KiB".into())),
        }
    }

    fn string(&mut self, n: u64, latin1: bool) -> Result<Value, Halt> {
        if n > KEEP_STR as u64 {
            self.src.skip(n).map_err(|Truncated| truncated())?;
            return Ok(Value::LongStr(n));
        }
        let b = self.take(n as usize)?;
        let s = if latin1 {
            b.iter().map(|&c| c as char).collect::<String>()
        } else {
            String::from_utf8_lossy(b).into_owned()
        };
        Ok(Value::str(&s))
    }

    fn long_bytes(&mut self, n: u64) -> Result<Value, Halt> {
        if n > 8 {
            self.src.skip(n).map_err(|Truncated| truncated())?;
            return Ok(Value::BigInt);
        }
        let b = self.take(n as usize)?;
        if b.is_empty() {
            return Ok(Value::Int(0));
        }
        let mut v = read_le(b) as i64;
        let bits = b.len() * 8;
        if bits < 64 && b[b.len() - 1] & 0x80 != 0 {
            v -= 1i64 << bits;
        }
        Ok(Value::Int(v))
    }

    fn memo_put(&mut self, key: u64, v: Value) {
        if self.memo.len() >= self.limits.max_memo && !self.memo.contains_key(&key) {
            if !self.memo_full {
                self.memo_full = true;
                self.out.anomaly(
                    AnomalyKind::Limit,
                    self.op_offset,
                    format!(
                        "memo holds more than {} values; later memo reads are not resolved",
                        self.limits.max_memo
                    ),
                );
            }
            return;
        }
        self.memo.insert(key, v);
    }

    fn import(&mut self, module: &str, name: &str, op: &'static str) -> Value {
        let g = Global {
            module: module.to_string(),
            name: name.to_string(),
            verdict: policy::classify(module, name, self.ctx),
            offset: self.op_offset,
        };
        self.out.import(&g, op);
        Value::Global(Rc::new(g))
    }

    fn dynamic_import(&mut self, module: &Value, name: &Value) {
        let mut globals = Vec::new();
        let mut budget = 256;
        module.globals_in(&mut globals, &mut budget);
        name.globals_in(&mut globals, &mut budget);
        let computed =
            !globals.is_empty() || matches!(module, Value::Obj(_)) || matches!(name, Value::Obj(_));
        let message = if computed {
            "STACK_GLOBAL imports a name the stream computed at load time (obfuscated import)"
        } else {
            "STACK_GLOBAL with operands that are not strings: the import cannot be resolved"
        };
        self.out.anomalies.push(Anomaly {
            kind: AnomalyKind::DynamicImport,
            offset: self.op_offset,
            message: message.into(),
            evidence: Some(format!(
                "STACK_GLOBAL({}, {})",
                module.render(),
                name.render()
            )),
            dangerous: computed,
        });
    }

    fn call(&mut self, callee: Value, args: Value, made: Made, op: &str) -> Value {
        let obj = Value::Obj(Rc::new(Obj {
            made,
            callee: callee.clone(),
            args: args.clone(),
            offset: self.op_offset,
            state: RefCell::new(Value::Unknown),
        }));
        match &callee {
            Value::Global(g) => {
                if g.verdict != Verdict::Safe {
                    let r = format!("offset {}: {op} {}", self.op_offset, obj.render());
                    self.out.record_call(g, r);
                } else {
                    self.check_safe_call(g, &args, &obj);
                }
                let (m, n) = (g.module.as_str(), g.name.as_str());
                if policy::is_nested_loader(m, n) {
                    self.nested_load(g, &args);
                }
            }
            Value::Unknown => {}
            _ => self.indirect_call(&callee, &obj, op),
        }
        obj
    }

    fn indirect_call(&mut self, callee: &Value, obj: &Value, op: &str) {
        let mut globals = Vec::new();
        let mut budget = 256;
        callee.globals_in(&mut globals, &mut budget);
        let dangerous = globals
            .iter()
            .any(|g| matches!(g.verdict, Verdict::Dangerous(_)));
        let what = match callee {
            Value::Obj(_) => "the result of another call",
            _ => "a value that is not a callable name",
        };
        self.out.anomalies.push(Anomaly {
            kind: AnomalyKind::IndirectCall,
            offset: self.op_offset,
            message: format!("{op} calls {what} (call chain built at load time)"),
            evidence: Some(format!("offset {}: {op} {}", self.op_offset, obj.render())),
            dangerous,
        });
    }

    /// Argument shapes of allowlisted callables that are safe only as their
    /// library writes them.
    fn check_safe_call(&mut self, g: &Global, args: &Value, obj: &Value) {
        let items = args.items().unwrap_or_default();
        let bad = match (g.module.as_str(), g.name.as_str()) {
            // numpy writes bytes for protocol 2 as _codecs.encode(str, 'latin1').
            ("_codecs", "encode") => {
                !(items.len() == 2
                    && matches!(items[0], Value::Str(_) | Value::LongStr(_))
                    && matches!(items[1].as_str(), Some("latin1" | "latin-1")))
            }
            // Calls its first argument: it must be a name, not a computed value.
            ("torch._tensor", "_rebuild_from_type_v2" | "_rebuild_from_type")
            | ("copyreg", "_reconstructor" | "__newobj__" | "__newobj_ex__") => {
                !matches!(items.first(), Some(Value::Global(_)))
            }
            _ => false,
        };
        if bad {
            self.out.anomalies.push(Anomaly {
                kind: AnomalyKind::UnexpectedArguments,
                offset: self.op_offset,
                message: format!(
                    "{} is called with arguments its library never writes",
                    g.path()
                ),
                evidence: Some(obj.render()),
                dangerous: false,
            });
        }
    }

    fn nested_load(&mut self, g: &Global, args: &Value) {
        let first = args.items().and_then(|a| a.into_iter().next());
        match first {
            Some(Value::Bytes { offset, len }) if self.src.window(offset, len).is_some() => {
                self.out.nested.push(Nested {
                    offset,
                    len,
                    loader: g.path(),
                    call_offset: self.op_offset,
                });
            }
            _ => self.out.anomalies.push(Anomaly {
                kind: AnomalyKind::NestedUnscanned,
                offset: self.op_offset,
                message: format!(
                    "{} loads a payload that is not a bytes literal of this file, so it \
                     cannot be scanned",
                    g.path()
                ),
                evidence: None,
                dangerous: matches!(g.verdict, Verdict::Dangerous(_)),
            }),
        }
    }

    fn persistent(&mut self, pid: Value) -> Value {
        Value::Obj(Rc::new(Obj {
            made: Made::Persistent,
            callee: Value::Unknown,
            args: pid,
            offset: self.op_offset,
            state: RefCell::new(Value::Unknown),
        }))
    }

    fn build(&mut self) -> Result<(), Halt> {
        let state = self.pop();
        let target = self.top();
        match &target {
            Value::Global(g) => {
                self.out.anomalies.push(Anomaly {
                    kind: AnomalyKind::Rebind,
                    offset: self.op_offset,
                    message: format!(
                        "BUILD sets attributes on the imported object {} itself (rebinding \
                         what later code calls)",
                        g.path()
                    ),
                    evidence: Some(format!("BUILD {} with {}", g.path(), state.render())),
                    dangerous: true,
                });
            }
            Value::Obj(o) => {
                *o.state.borrow_mut() = state.clone();
                if is_joblib_wrapper(o) {
                    self.joblib_array(&state)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// joblib writes a NumpyArrayWrapper's array bytes inline, right after
    /// the BUILD that restores the wrapper; an object array is a nested
    /// pickle there. Skip the bytes, or interpret the nested pickle.
    fn joblib_array(&mut self, state: &Value) -> Result<(), Halt> {
        let Some(dtype) = state.dict_get("dtype") else {
            return Ok(());
        };
        let Some((itemsize, hasobject)) = dtype_info(&dtype) else {
            return Err(Halt::Broken(
                "joblib array wrapper with an unreadable dtype; its inline data cannot be skipped"
                    .into(),
            ));
        };
        if hasobject {
            if self.depth + 1 >= self.limits.max_depth {
                return Err(Halt::Limit("joblib object arrays nested too deeply".into()));
            }
            let (ctx, limits, depth) = (self.ctx, self.limits, self.depth + 1);
            let mut nested = Interp::new(self.src, ctx, limits, self.out, depth);
            if !nested.run() {
                return Err(Halt::Broken(
                    "the nested pickle of a joblib object array is broken".into(),
                ));
            }
            return Ok(());
        }
        let count = state
            .dict_get("shape")
            .and_then(|s| s.items())
            .and_then(|dims| {
                dims.iter().try_fold(1u64, |acc, d| {
                    acc.checked_mul(u64::try_from(d.as_int()?).ok()?)
                })
            });
        let Some(nbytes) = count.and_then(|c| c.checked_mul(itemsize)) else {
            return Err(Halt::Broken(
                "joblib array wrapper with an unreadable shape; its inline data cannot be skipped"
                    .into(),
            ));
        };
        if state.dict_get("numpy_array_alignment_bytes").is_some() {
            let pad = self.uint(1)?;
            self.src.skip(pad).map_err(|Truncated| truncated())?;
        }
        self.src.skip(nbytes).map_err(|Truncated| truncated())
    }
}

fn truncated() -> Halt {
    Halt::Broken("the pickle is truncated inside an opcode's argument".into())
}

/// APPEND/SETITEM/ADDITEMS into a container we track (others call the
/// object's own method, which its already-checked class defines).
fn extend(target: &Value, items: Vec<Value>) {
    if let Value::List(s) | Value::Dict(s) | Value::Set(s) = target
        && let Ok(mut s) = s.try_borrow_mut()
    {
        for v in items {
            s.push(v);
        }
    }
}

/// The class an object was made from: the callee, or the first argument of
/// copyreg's reconstructors.
fn class_of(o: &Obj) -> Option<Rc<Global>> {
    let Value::Global(g) = &o.callee else {
        return None;
    };
    if (g.module == "copyreg" || g.module == "copy_reg")
        && let Some(Value::Global(c)) = o.args.items().and_then(|a| a.into_iter().next())
    {
        return Some(c);
    }
    Some(g.clone())
}

fn is_joblib_wrapper(o: &Obj) -> bool {
    class_of(o).is_some_and(|c| {
        c.name == "NumpyArrayWrapper"
            && (c.module == "joblib.numpy_pickle"
                || c.module == "sklearn.externals.joblib.numpy_pickle")
    })
}

/// Item size and whether it holds Python objects, from a `numpy.dtype(...)`
/// value (its descr string and the flags of its BUILD state).
fn dtype_info(dtype: &Value) -> Option<(u64, bool)> {
    let Value::Obj(o) = dtype else { return None };
    let descr = o.args.items()?.into_iter().next()?;
    let descr = descr.as_str()?.to_string();
    let state = o.state.borrow().items().unwrap_or_default();
    let flags = state.get(7).and_then(Value::as_int);
    let elsize = state.get(5).and_then(Value::as_int).filter(|&e| e > 0);
    let hasobject = descr.starts_with('O') || flags.is_some_and(|f| f & 1 != 0);
    let digits: String = descr.chars().filter(|c| c.is_ascii_digit()).collect();
    let from_descr = digits.parse::<u64>().ok();
    let itemsize = elsize.map(|e| e as u64).or(from_descr)?;
    Some((itemsize, hasobject))
}

#[cfg(test)]
mod tests;
