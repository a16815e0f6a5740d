//! What calls, BUILDs and loaders do: evidence for dangerous and indirect
//! calls, argument checks of allowlisted callables, nested payloads, and
//! joblib's inline arrays.

use super::interp::{Halt, Interp, truncated};
use super::policy::{self, Verdict};
use super::source::{Source, Truncated};
use super::value::{Global, Made, Obj, Value};
use super::{Anomaly, AnomalyKind, Nested};
use std::cell::RefCell;
use std::rc::Rc;

impl<S: Source> Interp<'_, S> {
    pub(super) fn dynamic_import(&mut self, module: &Value, name: &Value) {
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

    pub(super) fn call(&mut self, callee: Value, args: Value, made: Made, op: &str) -> Value {
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

    pub(super) fn indirect_call(&mut self, callee: &Value, obj: &Value, op: &str) {
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
    pub(super) fn check_safe_call(&mut self, g: &Global, args: &Value, obj: &Value) {
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

    pub(super) fn nested_load(&mut self, g: &Global, args: &Value) {
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

    pub(super) fn persistent(&mut self, pid: Value) -> Value {
        Value::Obj(Rc::new(Obj {
            made: Made::Persistent,
            callee: Value::Unknown,
            args: pid,
            offset: self.op_offset,
            state: RefCell::new(Value::Unknown),
        }))
    }

    pub(super) fn build(&mut self) -> Result<(), Halt> {
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
                // A state that reaches its own object would be an Rc cycle.
                if !state.reaches(&target) {
                    *o.state.borrow_mut() = state.clone();
                }
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
    pub(super) fn joblib_array(&mut self, state: &Value) -> Result<(), Halt> {
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
