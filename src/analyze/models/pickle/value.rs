//! Symbolic values on the interpreter's stack: enough to resolve names and
//! callables and to print evidence, never the data itself. Containers keep
//! their first few items only, so memory does not grow with the payload.

use super::policy::Verdict;
use std::cell::RefCell;
use std::fmt::Write;
use std::rc::Rc;

/// Items a container keeps for evidence and argument checks.
pub const KEEP_ITEMS: usize = 16;
/// Longest string kept verbatim (module names, attribute names, templates).
pub const KEEP_STR: usize = 4096;

/// An imported name.
#[derive(Debug)]
pub struct Global {
    pub module: String,
    pub name: String,
    pub verdict: Verdict,
    pub offset: u64,
}

impl Global {
    pub fn path(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// What produced an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Made {
    /// REDUCE, INST, OBJ: the callee is called with the arguments.
    Call,
    /// NEWOBJ, NEWOBJ_EX: `cls.__new__(cls, *args)`.
    New,
    /// BINPERSID / PERSID: the loader's `persistent_load(pid)`.
    Persistent,
}

/// The result of a call (or of a persistent load), with the state a later
/// BUILD gave it. Shared: the memo and the stack see the same object.
#[derive(Debug)]
pub struct Obj {
    pub made: Made,
    pub callee: Value,
    pub args: Value,
    pub offset: u64,
    pub state: RefCell<Value>,
}

/// A container's first items and its real length.
#[derive(Debug, Default)]
pub struct Seq {
    pub items: Vec<Value>,
    pub len: u64,
}

impl Seq {
    pub fn from_vec(items: Vec<Value>) -> Self {
        let len = items.len() as u64;
        let mut items = items;
        items.truncate(KEEP_ITEMS);
        Seq { items, len }
    }

    pub fn push(&mut self, v: Value) {
        self.len += 1;
        if self.items.len() < KEEP_ITEMS {
            self.items.push(v);
        }
    }
}

/// A symbolic value.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// Nothing known (stack underflow, unreadable operand, dropped detail).
    #[default]
    Unknown,
    None,
    Bool(bool),
    Int(i64),
    /// An integer too large for `i64`.
    BigInt,
    Float,
    Str(Rc<str>),
    /// A string too long to keep: its length.
    LongStr(u64),
    /// A bytes payload: where it is in the source and how long.
    Bytes {
        offset: u64,
        len: u64,
    },
    /// A protocol-5 out-of-band buffer.
    Buffer,
    Global(Rc<Global>),
    Obj(Rc<Obj>),
    Tuple(Rc<Seq>),
    List(Rc<RefCell<Seq>>),
    /// Keys and values interleaved.
    Dict(Rc<RefCell<Seq>>),
    Set(Rc<RefCell<Seq>>),
}

/// Most nodes [`Value::reaches`] visits before it gives up and says yes.
const REACH_BUDGET: usize = 512;

impl Value {
    /// The allocation behind a shared mutable value (containers and objects),
    /// to compare by identity.
    fn shared_ptr(&self) -> Option<*const ()> {
        match self {
            Value::List(s) | Value::Dict(s) | Value::Set(s) => Some(Rc::as_ptr(s) as *const ()),
            Value::Obj(o) => Some(Rc::as_ptr(o) as *const ()),
            _ => None,
        }
    }

    /// Whether `target` can be reached from `self` through kept items,
    /// object arguments and states. Storing such a value into `target`
    /// would make an `Rc` cycle that is never freed (a self-referencing
    /// pickle is legal, and a crafted one could leak memory this way). On
    /// a very large graph the answer is a conservative yes.
    pub fn reaches(&self, target: &Value) -> bool {
        let Some(goal) = target.shared_ptr() else {
            return false;
        };
        let mut budget = REACH_BUDGET;
        let mut stack: Vec<Value> = vec![self.clone()];
        while let Some(v) = stack.pop() {
            if v.shared_ptr() == Some(goal) {
                return true;
            }
            if budget == 0 {
                return true;
            }
            budget -= 1;
            match &v {
                Value::Tuple(s) => stack.extend(s.items.iter().cloned()),
                Value::List(s) | Value::Dict(s) | Value::Set(s) => {
                    if let Ok(s) = s.try_borrow() {
                        stack.extend(s.items.iter().cloned());
                    } else {
                        return true;
                    }
                }
                Value::Obj(o) => {
                    stack.push(o.callee.clone());
                    stack.push(o.args.clone());
                    match o.state.try_borrow() {
                        Ok(st) => stack.push(st.clone()),
                        Err(_) => return true,
                    }
                }
                _ => {}
            }
        }
        false
    }

    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(Seq::from_vec(items)))
    }

    /// The kept items of a tuple or list.
    pub fn items(&self) -> Option<Vec<Value>> {
        match self {
            Value::Tuple(t) => Some(t.items.clone()),
            Value::List(l) => Some(l.borrow().items.clone()),
            _ => None,
        }
    }

    /// Looks a string key up in a dict value.
    pub fn dict_get(&self, key: &str) -> Option<Value> {
        let Value::Dict(d) = self else { return None };
        let d = d.borrow();
        d.items
            .chunks(2)
            .find(|kv| kv[0].as_str() == Some(key))
            .and_then(|kv| kv.get(1).cloned())
    }

    /// The global at the root of a call chain (`getattr(...)(...)` → getattr).
    pub fn root_global(&self) -> Option<Rc<Global>> {
        let mut v = self.clone();
        for _ in 0..64 {
            match v {
                Value::Global(g) => return Some(g),
                Value::Obj(o) => v = o.callee.clone(),
                _ => return None,
            }
        }
        None
    }

    /// Every global a value was built from (bounded walk), for evidence.
    pub fn globals_in(&self, out: &mut Vec<Rc<Global>>, budget: &mut usize) {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        match self {
            Value::Global(g) => out.push(g.clone()),
            Value::Obj(o) => {
                o.callee.globals_in(out, budget);
                o.args.globals_in(out, budget);
            }
            Value::Tuple(t) => t.items.iter().for_each(|v| v.globals_in(out, budget)),
            Value::List(s) | Value::Dict(s) | Value::Set(s) => {
                if let Ok(s) = s.try_borrow() {
                    s.items.iter().for_each(|v| v.globals_in(out, budget));
                }
            }
            _ => {}
        }
    }

    /// A short Python-like rendering for evidence.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out, 6);
        if out.len() > 300 {
            let mut cut = 297;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            out.push_str("...");
        }
        out
    }

    fn render_into(&self, out: &mut String, depth: u32) {
        if depth == 0 || out.len() > 320 {
            out.push('…');
            return;
        }
        match self {
            Value::Unknown => out.push('?'),
            Value::None => out.push_str("None"),
            Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::BigInt => out.push_str("<int>"),
            Value::Float => out.push_str("<float>"),
            Value::Str(s) => py_repr(out, s),
            Value::LongStr(n) => {
                let _ = write!(out, "<str of {n} bytes>");
            }
            Value::Bytes { len, .. } => {
                let _ = write!(out, "<bytes of {len}>");
            }
            Value::Buffer => out.push_str("<buffer>"),
            Value::Global(g) => out.push_str(&g.path()),
            Value::Obj(o) => {
                if o.made == Made::Persistent {
                    out.push_str("persistent_load");
                } else {
                    o.callee.render_into(out, depth - 1);
                }
                match &o.args {
                    Value::Tuple(t) => render_seq(out, "(", ")", &t.items, t.len, depth, false),
                    other => {
                        out.push('(');
                        other.render_into(out, depth - 1);
                        out.push(')');
                    }
                }
            }
            Value::Tuple(t) => render_seq(out, "(", ")", &t.items, t.len, depth, true),
            Value::List(l) => match l.try_borrow() {
                Ok(l) => render_seq(out, "[", "]", &l.items, l.len, depth, false),
                Err(_) => out.push_str("[…]"),
            },
            Value::Set(l) => match l.try_borrow() {
                Ok(l) => render_seq(out, "{", "}", &l.items, l.len, depth, false),
                Err(_) => out.push_str("{…}"),
            },
            Value::Dict(d) => match d.try_borrow() {
                Ok(d) => {
                    out.push('{');
                    for (i, kv) in d.items.chunks(2).enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        kv[0].render_into(out, depth - 1);
                        out.push_str(": ");
                        if let Some(v) = kv.get(1) {
                            v.render_into(out, depth - 1);
                        }
                    }
                    if d.len > (d.items.len() / 2) as u64 {
                        out.push_str(", …");
                    }
                    out.push('}');
                }
                Err(_) => out.push_str("{…}"),
            },
        }
    }
}

/// Python's repr of a string, shortened.
fn py_repr(out: &mut String, s: &str) {
    out.push('\'');
    for (i, c) in s.chars().enumerate() {
        if i == 120 {
            out.push('…');
            break;
        }
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
}

fn render_seq(
    out: &mut String,
    open: &str,
    close: &str,
    items: &[Value],
    len: u64,
    depth: u32,
    one_tuple_comma: bool,
) {
    out.push_str(open);
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        v.render_into(out, depth - 1);
    }
    if len > items.len() as u64 {
        out.push_str(", …");
    }
    if one_tuple_comma && len == 1 {
        out.push(',');
    }
    out.push_str(close);
}

// Values nest without bound (a list appended into a list appended into …);
// dropping them recursively could overflow the stack. These drops take the
// children out and release them from a work list instead.

fn dismantle(mut work: Vec<Value>) {
    while let Some(v) = work.pop() {
        match v {
            Value::Tuple(rc) => {
                if let Ok(mut s) = Rc::try_unwrap(rc) {
                    work.append(&mut s.items);
                }
            }
            Value::List(rc) | Value::Dict(rc) | Value::Set(rc) => {
                if let Ok(cell) = Rc::try_unwrap(rc) {
                    let mut s = cell.into_inner();
                    work.append(&mut s.items);
                }
            }
            Value::Obj(rc) => {
                if let Ok(mut o) = Rc::try_unwrap(rc) {
                    work.push(std::mem::take(&mut o.callee));
                    work.push(std::mem::take(&mut o.args));
                    work.push(std::mem::take(o.state.get_mut()));
                }
            }
            _ => {}
        }
    }
}

impl Drop for Seq {
    fn drop(&mut self) {
        if !self.items.is_empty() {
            dismantle(std::mem::take(&mut self.items));
        }
    }
}

impl Drop for Obj {
    fn drop(&mut self) {
        let work = vec![
            std::mem::take(&mut self.callee),
            std::mem::take(&mut self.args),
            std::mem::take(self.state.get_mut()),
        ];
        dismantle(work);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_drops_without_overflow() {
        let mut v = Value::None;
        for _ in 0..1_000_000 {
            v = Value::tuple(vec![v]);
        }
        assert!(v.render().len() < 400);
        drop(v);
    }

    #[test]
    fn rendering() {
        let g = Rc::new(Global {
            module: "os".into(),
            name: "system".into(),
            verdict: Verdict::Dangerous("x"),
            offset: 0,
        });
        let call = Value::Obj(Rc::new(Obj {
            made: Made::Call,
            callee: Value::Global(g),
            args: Value::tuple(vec![Value::str("echo inert")]),
            offset: 3,
            state: RefCell::new(Value::Unknown),
        }));
        assert_eq!(call.render(), "os.system('echo inert')");
    }
}

#[cfg(test)]
mod cycle_tests {
    use super::*;

    #[test]
    fn reaches_finds_a_container_inside_itself() {
        let list = Value::List(Rc::new(RefCell::new(Seq::default())));
        let holder = Value::tuple(vec![Value::Int(1), list.clone()]);
        assert!(holder.reaches(&list));
        assert!(list.reaches(&list));
        let other = Value::List(Rc::new(RefCell::new(Seq::default())));
        assert!(!holder.reaches(&other));
        assert!(!Value::Int(3).reaches(&list));
    }
}
