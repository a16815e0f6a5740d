//! The opcode loop: stack, marks, memo, and what each opcode does to them.

use super::decode::{decode_escaped_str, decode_raw_unicode_escape, parse_int_line, read_le};
use super::policy::{self, Context};
use super::source::{Line, Source, Truncated};
use super::value::{Global, KEEP_ITEMS, KEEP_STR, Made, Seq, Value};
use super::{Anomaly, AnomalyKind, Limits, PickleScan};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Why the opcode loop stopped.
pub(super) enum Halt {
    /// STOP reached.
    Stop,
    /// The stream is broken here; the loader would raise.
    Broken(String),
    /// A resource limit.
    Limit(String),
}

pub(super) struct Interp<'a, S: Source> {
    pub(super) src: &'a mut S,
    pub(super) ctx: Context,
    pub(super) limits: &'a Limits,
    pub(super) out: &'a mut PickleScan,
    pub(super) depth: u32,
    pub(super) stack: Vec<Value>,
    pub(super) marks: Vec<usize>,
    pub(super) memo: HashMap<u64, Value>,
    pub(super) memo_full: bool,
    pub(super) malformed_seen: bool,
    pub(super) op_offset: u64,
}

impl<'a, S: Source> Interp<'a, S> {
    pub(super) fn new(
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
    pub(super) fn run(&mut self) -> bool {
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
    pub(super) fn defect(&mut self, msg: impl Into<String>) {
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

    pub(super) fn pop(&mut self) -> Value {
        if self.stack.len() > self.floor() {
            self.stack.pop().unwrap_or_default()
        } else {
            self.defect("stack underflow: an opcode pops more values than were pushed");
            Value::Unknown
        }
    }

    pub(super) fn top(&mut self) -> Value {
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

    pub(super) fn uint(&mut self, n: usize) -> Result<u64, Halt> {
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
}

pub(super) fn truncated() -> Halt {
    Halt::Broken("the pickle is truncated inside an opcode's argument".into())
}

/// APPEND/SETITEM/ADDITEMS into a container we track (others call the
/// object's own method, which its already-checked class defines).
/// An item that would make the container reach itself is kept as
/// `Unknown`: the count stays right and no reference cycle is built.
fn extend(target: &Value, items: Vec<Value>) {
    if let Value::List(s) | Value::Dict(s) | Value::Set(s) = target
        && let Ok(mut s) = s.try_borrow_mut()
    {
        for v in items {
            // Only kept items can close a cycle; the walk meets `target`
            // (checked by identity) before it would need to borrow it.
            let keep = s.items.len() < KEEP_ITEMS;
            s.push(if keep && v.reaches(target) {
                Value::Unknown
            } else {
                v
            });
        }
    }
}
