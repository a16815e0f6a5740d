//! Collects signals while a grammar walker visits a file, with the little
//! data flow the rules need, resolved once the whole file is seen:
//!
//! - which functions run on load (called from module level, transitively);
//! - which names hold decoded or downloaded data (`code = b64decode(s)`,
//!   `r = urlopen(u)`, `body += chunk` in a response callback), so that
//!   `exec(code)` is known to run decoded or downloaded code;
//! - which names hold *loot* (credentials read, the environment, host
//!   facts), so that a send whose arguments carry it is exfiltration even
//!   when the collecting happened in another function or module;
//! - which functions execute or send their own parameter (wrappers), and
//!   which collect or decode data (producers), so calls through them count.
//!
//! Names are tracked per function scope (module-level names are visible in
//! every function); no types, no aliasing beyond plain assignment.

use super::signals::{FileSignals, Kind, Lines, Signal, classify_text, is_payload_literal};

/// Where the grammar walkers are in the tree.
#[derive(Clone, Copy, Debug)]
pub struct Place {
    /// 0-based row and byte column of the node.
    pub row: usize,
    pub col: usize,
    pub scope: u32,
    pub top_level: bool,
}

/// What a value is known to hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taint {
    Decoded,
    Fetched,
    /// Collected data; the index names what was collected (0 = the whole
    /// environment).
    Loot(usize),
}

/// Sentinel right-hand side: "data from the network" (a response callback's
/// parameter), for [`Collector::assign`].
pub const FETCHED: &str = "\u{0}fetched";

/// The loot set of a whole-environment dump.
const ENV_LOOT: &[(Kind, &str)] = &[(Kind::EnvDump, "whole environment")];

/// Kinds a collecting function passes on to whoever sends its result.
const LOOT: &[Kind] = &[
    Kind::CredentialFile,
    Kind::EnvDump,
    Kind::SecretScanner,
    Kind::HostInfo,
];

/// How a grammar recognises decoded, downloaded or collected data in
/// expression text (`Taint::Loot(0)` for the whole environment).
pub type DirectTaint = fn(&str) -> Option<Taint>;

/// What a function does with data, for callers in other modules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Export {
    /// The function's name (for [`Collector::external`]: the callee text
    /// the importing file uses, `collect` or `env.collect`).
    pub name: String,
    /// What it collects (credential stores read, environment, host facts).
    pub loot: Vec<(Kind, &'static str)>,
    /// It sends its parameter out.
    pub sends_param: bool,
}

/// A relative import: `from .m import f as g` (local `g`, module `.m`,
/// name `f`), `from . import m` / `const m = require("./m")` (local `m`,
/// no name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub local: String,
    pub module: String,
    pub name: Option<String>,
}

struct Assign {
    scope: u32,
    name: String,
    rhs: String,
}

struct Site {
    arg: String,
    at: Place,
    detail: &'static str,
    literal: bool,
}

struct Call {
    name: String,
    args: String,
    at: Place,
}

/// Collects signals while a grammar walker visits a file.
pub struct Collector<'a> {
    lines: Lines<'a>,
    pub out: FileSignals,
    next_scope: u32,
    /// Function name → its scope.
    defs: Vec<(String, u32)>,
    /// Calls of bare names, `self.`/`this.` methods and `module.function`.
    calls: Vec<Call>,
    /// Function scope → parameter names.
    params: Vec<(u32, String)>,
    assigns: Vec<Assign>,
    execs: Vec<Site>,
    sinks: Vec<Site>,
    externals: Vec<Export>,
    direct: DirectTaint,
}

impl<'a> Collector<'a> {
    pub fn new(src: &'a [u8], direct: DirectTaint) -> Self {
        Collector {
            lines: Lines::new(src),
            out: FileSignals {
                parsed: true,
                ..FileSignals::default()
            },
            next_scope: 0,
            defs: Vec::new(),
            calls: Vec::new(),
            params: Vec::new(),
            assigns: Vec::new(),
            execs: Vec::new(),
            sinks: Vec::new(),
            externals: Vec::new(),
            direct,
        }
    }

    /// Functions of other modules this file imports, by the callee text it
    /// uses for them.
    pub fn with_externals(mut self, ext: Vec<Export>) -> Self {
        self.externals = ext;
        self
    }

    /// A fresh function scope number.
    pub fn scope(&mut self) -> u32 {
        self.next_scope += 1;
        self.next_scope
    }

    /// Records `def name` / `function name` opening scope `scope`.
    pub fn define(&mut self, name: &str, scope: u32) {
        self.defs.push((name.to_string(), scope));
    }

    /// Records a parameter of the function opening `scope`.
    pub fn param(&mut self, scope: u32, name: &str) {
        if is_ident(name) {
            self.params.push((scope, name.to_string()));
        }
    }

    /// Records a relative import.
    pub fn import(&mut self, local: &str, module: &str, name: Option<&str>) {
        if is_ident(local) {
            self.out.imports.push(Import {
                local: local.to_string(),
                module: module.to_string(),
                name: name.map(str::to_string),
            });
        }
    }

    /// Records a call of a bare name (or `module.function`) from `at`.
    pub fn called(&mut self, name: &str, args: &str, at: Place) {
        if name.split('.').count() <= 2 && name.split('.').all(is_ident) {
            self.calls.push(Call {
                name: name.to_string(),
                args: bounded(args),
                at,
            });
        }
    }

    /// Records `name = rhs` (or `name += rhs`) in `scope`; `rhs` may be
    /// [`FETCHED`].
    pub fn assign(&mut self, scope: u32, name: &str, rhs: &str) {
        if is_ident(name) {
            self.assigns.push(Assign {
                scope,
                name: name.to_string(),
                rhs: bounded(rhs),
            });
        }
    }

    /// Records an exec/eval of `arg` whose argument is not itself a decode:
    /// resolved in [`Self::finish`] to executing decoded or downloaded data,
    /// or plain dynamic code (literals are not dynamic).
    pub fn exec_site(&mut self, arg: &str, literal: bool, at: Place, detail: &'static str) {
        self.execs.push(Site {
            arg: bounded(arg),
            at,
            detail,
            literal,
        });
    }

    /// Records a call that sends `arg` out (POST body, socket send, DNS name).
    pub fn sink_site(&mut self, arg: &str, at: Place) {
        self.sinks.push(Site {
            arg: bounded(arg),
            at,
            detail: "",
            literal: false,
        });
    }

    pub fn add(&mut self, kind: Kind, detail: &'static str, at: Place) {
        let line = at.row as u32 + 1;
        let evidence = self.lines.text(line, at.col);
        self.out.push(Signal {
            kind,
            detail,
            line,
            evidence,
            scope: at.scope,
            top_level: at.top_level,
        });
    }

    /// Classifies a string literal's text (and, when it hides plain text
    /// behind `\x`/`\u` escapes, the text it spells).
    pub fn string(&mut self, text: &str, at: Place) {
        let mut found = Vec::new();
        classify_text(text, &mut found);
        if let Some(plain) = super::decode::unescape_printable(text) {
            found.push((Kind::Decode, "escaped string"));
            classify_text(&plain, &mut found);
        }
        for (k, d) in found {
            self.add(k, d, at);
        }
        if is_payload_literal(text.as_bytes()) {
            self.add(Kind::HighEntropy, "encoded blob", at);
        }
        // Code handed to `python -c` / `node -e` as a string.
        if (text.contains("exec(") || text.contains("eval("))
            && [
                "b64decode",
                "decompress",
                "fromhex",
                "'base64'",
                "\"base64\"",
                "atob(",
            ]
            .iter()
            .any(|d| text.contains(d))
        {
            self.add(Kind::ExecDecoded, "code in a string", at);
        }
    }

    /// The signals, with the data flow resolved and the bodies of functions
    /// that module-level code calls marked as running on load.
    pub fn finish(mut self) -> FileSignals {
        if self.has_flow() {
            self.resolve();
        }
        let live = self.live_scopes();
        for s in &mut self.out.signals {
            if live.contains(&s.scope) {
                s.top_level = true;
            }
        }
        self.out
    }

    /// Whether there is anything for the data flow to connect.
    fn has_flow(&self) -> bool {
        !self.execs.is_empty()
            || !self.sinks.is_empty()
            || !self.externals.is_empty()
            || self.out.any(LOOT)
    }

    /// Scopes of functions module-level code calls, directly or through
    /// other functions.
    fn live_scopes(&self) -> Vec<u32> {
        let mut live: Vec<u32> = Vec::new();
        let mut queue: Vec<&str> = self
            .calls
            .iter()
            .filter(|c| c.at.top_level)
            .map(|c| c.name.as_str())
            .collect();
        while let Some(name) = queue.pop() {
            for (_, scope) in self.defs.iter().filter(|d| d.0 == name) {
                if !live.contains(scope) {
                    live.push(*scope);
                    queue.extend(
                        self.calls
                            .iter()
                            .filter(|c| c.at.scope == *scope)
                            .map(|c| c.name.as_str()),
                    );
                }
            }
        }
        live
    }

    /// Signals of one scope.
    fn in_scope(&self, scope: u32) -> impl Iterator<Item = &Signal> {
        self.out.signals.iter().filter(move |s| s.scope == scope)
    }

    /// What a function scope collects: credential stores it reads, the
    /// environment, a scanner's output, host facts.
    fn loot_of(&self, scope: u32) -> Vec<(Kind, &'static str)> {
        let has = |k: Kind| self.in_scope(scope).any(|s| s.kind == k);
        let reads = has(Kind::FileRead) || has(Kind::Subprocess);
        let mut v: Vec<(Kind, &'static str)> = self
            .in_scope(scope)
            .filter(|s| LOOT.contains(&s.kind))
            .filter(|s| match s.kind {
                Kind::CredentialFile => reads,
                Kind::SecretScanner => has(Kind::Subprocess),
                _ => true,
            })
            .map(|s| (s.kind, s.detail))
            .collect();
        v.sort_unstable();
        v.dedup();
        if v.iter().any(|(k, _)| *k == Kind::CredentialFile) {
            v.push((Kind::FileRead, "read"));
        }
        v
    }

    /// Resolves exec sites, sink sites and calls through wrappers into
    /// signals, and this file's exports.
    fn resolve(&mut self) {
        let (found, exports) = self.resolved();
        for (k, d, at) in found {
            self.add(k, d, at);
        }
        self.out.exports = exports;
    }

    #[allow(clippy::type_complexity)]
    fn resolved(&self) -> (Vec<(Kind, &'static str, Place)>, Vec<Export>) {
        let mut loot_sets: Vec<Vec<(Kind, &'static str)>> = vec![ENV_LOOT.to_vec()];
        let mut producers: Vec<(String, usize)> = Vec::new();
        for (name, scope) in &self.defs {
            let l = self.loot_of(*scope);
            if !l.is_empty() {
                producers.push((format!("{name}("), loot_sets.len()));
                loot_sets.push(l);
            }
        }
        for e in self.externals.iter().filter(|e| !e.loot.is_empty()) {
            producers.push((format!("{}(", e.name), loot_sets.len()));
            loot_sets.push(e.loot.clone());
        }
        let flow = self.flow(producers);
        let mut found: Vec<(Kind, &'static str, Place)> = Vec::new();
        for e in &self.execs {
            match flow.exec_taint(&e.arg, e.at.scope) {
                Some(Taint::Fetched) => found.push((Kind::ExecFetched, "downloaded code", e.at)),
                Some(_) => found.push((Kind::ExecDecoded, "decoded data", e.at)),
                None if !e.literal => found.push((Kind::Exec, e.detail, e.at)),
                None => {}
            }
        }
        for s in &self.sinks {
            if let Some(i) = flow.loot(&s.arg, s.at.scope) {
                for (k, d) in loot_sets.get(i).into_iter().flatten() {
                    found.push((*k, d, s.at));
                }
            }
        }
        let exec_wrappers = self.wrappers(&self.execs);
        let send_wrappers = self.wrappers(&self.sinks);
        let ext_senders: Vec<String> = self
            .externals
            .iter()
            .filter(|e| e.sends_param)
            .map(|e| e.name.clone())
            .collect();
        for c in &self.calls {
            let name = &c.name;
            if exec_wrappers.contains(name) {
                match flow.exec_taint(&c.args, c.at.scope) {
                    Some(Taint::Fetched) => {
                        found.push((Kind::ExecFetched, "downloaded code via a wrapper", c.at))
                    }
                    Some(_) => found.push((Kind::ExecDecoded, "decoded data via a wrapper", c.at)),
                    None => {}
                }
            }
            if (send_wrappers.contains(name) || ext_senders.contains(name))
                && let Some(i) = flow.loot(&c.args, c.at.scope)
            {
                found.push((Kind::NetworkSend, "sends through a helper", c.at));
                for (k, d) in loot_sets.get(i).into_iter().flatten() {
                    found.push((*k, d, c.at));
                }
            }
        }
        let exports = self
            .defs
            .iter()
            .map(|(name, scope)| Export {
                name: name.clone(),
                loot: self.loot_of(*scope),
                sends_param: send_wrappers.contains(name),
            })
            .filter(|e| !e.loot.is_empty() || e.sends_param)
            .collect();
        (found, exports)
    }

    /// Names of functions whose `sites` (exec or send) use their own parameter.
    fn wrappers(&self, sites: &[Site]) -> Vec<String> {
        let scopes: Vec<u32> = sites
            .iter()
            .filter(|e| {
                e.at.scope != 0
                    && self
                        .params
                        .iter()
                        .any(|(s, p)| *s == e.at.scope && tokens(&e.arg).any(|t| t == p))
            })
            .map(|e| e.at.scope)
            .collect();
        self.defs
            .iter()
            .filter(|(_, s)| scopes.contains(s))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Names holding decoded, downloaded or collected data, by fixpoint over
    /// the assignments; functions that decode, fetch or collect count as
    /// returning it.
    fn flow(&self, producers: Vec<(String, usize)>) -> Flow<'_> {
        let scope_has = |ks: &[Kind]| -> Vec<String> {
            self.defs
                .iter()
                .filter(|(_, sc)| self.in_scope(*sc).any(|s| ks.contains(&s.kind)))
                .map(|(n, _)| format!("{n}("))
                .collect()
        };
        let mut flow = Flow {
            direct: self.direct,
            decoders: scope_has(&[Kind::Decode, Kind::ExecDecoded]),
            fetchers: scope_has(&[Kind::Network, Kind::Download]),
            producers,
            tainted: Vec::new(),
        };
        // Each round can only add names; a handful of rounds covers real chains.
        for _ in 0..6 {
            let mut added = false;
            for a in &self.assigns {
                let t = if a.rhs == FETCHED {
                    Some(Taint::Fetched)
                } else {
                    flow.any_taint(&a.rhs, a.scope)
                };
                if let Some(t) = t
                    && !flow
                        .tainted
                        .iter()
                        .any(|(s, n, x)| *s == a.scope && *n == a.name && *x == t)
                {
                    flow.tainted.push((a.scope, a.name.as_str(), t));
                    added = true;
                }
            }
            if !added {
                break;
            }
        }
        flow
    }
}

/// The resolved data flow of one file.
struct Flow<'c> {
    direct: DirectTaint,
    /// Callee texts (`name(`) of functions that decode, fetch, collect.
    decoders: Vec<String>,
    fetchers: Vec<String>,
    producers: Vec<(String, usize)>,
    tainted: Vec<(u32, &'c str, Taint)>,
}

impl Flow<'_> {
    /// Every taint of expression text `text` in `scope`.
    fn taints(&self, text: &str, scope: u32) -> Vec<Taint> {
        let mut v: Vec<Taint> = (self.direct)(text).into_iter().collect();
        for tok in tokens(text) {
            v.extend(
                self.tainted
                    .iter()
                    .filter(|(s, n, _)| (*s == scope || *s == 0) && *n == tok)
                    .map(|t| t.2),
            );
        }
        if self.decoders.iter().any(|d| calls(text, d)) {
            v.push(Taint::Decoded);
        }
        if self.fetchers.iter().any(|d| calls(text, d)) {
            v.push(Taint::Fetched);
        }
        v.extend(
            self.producers
                .iter()
                .filter(|(p, _)| calls(text, p))
                .map(|(_, i)| Taint::Loot(*i)),
        );
        v
    }

    fn any_taint(&self, text: &str, scope: u32) -> Option<Taint> {
        self.taints(text, scope).into_iter().next()
    }

    fn exec_taint(&self, text: &str, scope: u32) -> Option<Taint> {
        let t = self.taints(text, scope);
        t.iter()
            .find(|x| **x == Taint::Fetched)
            .or_else(|| t.iter().find(|x| **x == Taint::Decoded))
            .copied()
    }

    fn loot(&self, text: &str, scope: u32) -> Option<usize> {
        self.taints(text, scope).into_iter().find_map(|t| match t {
            Taint::Loot(i) => Some(i),
            _ => None,
        })
    }
}

/// `text` calls `callee` (given as `name(`), at an identifier boundary;
/// `(_)(x)` calls `_` too.
fn calls(text: &str, callee: &str) -> bool {
    let name = callee.trim_end_matches('(');
    text.match_indices(name).any(|(i, m)| {
        let before = text[..i].chars().next_back();
        let after = text[i + m.len()..].trim_start_matches([')', ' ']);
        before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.'))
            && after.starts_with('(')
    })
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// Expression text kept for resolution (long arguments are data, not flow).
fn bounded(s: &str) -> String {
    let mut end = s.len().min(1024);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// Identifier tokens of expression text.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|t| !t.is_empty() && !t.starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_boundaries() {
        assert!(calls("exec((_)(b'x'))", "_("));
        assert!(calls("send(collect())", "collect("));
        assert!(!calls("recollect()", "collect("));
        assert!(!calls("self.collect()", "collect("));
        assert!(calls("env.collect()", "env.collect("));
    }
}
