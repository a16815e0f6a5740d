//! npm's versions and ranges, as node-semver reads them.
//!
//! Why our own module: the `semver` crate implements Cargo's rules (`1.2`
//! means `^1.2`, `||` is not allowed, pre-release matching differs), and the
//! node-semver ports on crates.io are either unmaintained or large. npm's
//! grammar is small: comparators (`<`, `<=`, `>`, `>=`, `=`), X-ranges
//! (`*`, `1.x`, `1.2`), tilde, caret, hyphen ranges and `||`, plus the rule
//! that a pre-release satisfies a range only when a comparator of the same
//! set names a pre-release of the same `major.minor.patch`.

use std::cmp::Ordering;
use std::fmt;

/// One pre-release identifier: numeric ones sort before alphanumeric ones.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ident {
    Num(u64),
    Alpha(String),
}

impl Ord for Ident {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Ident::Num(a), Ident::Num(b)) => a.cmp(b),
            (Ident::Num(_), Ident::Alpha(_)) => Ordering::Less,
            (Ident::Alpha(_), Ident::Num(_)) => Ordering::Greater,
            (Ident::Alpha(a), Ident::Alpha(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Ident {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A semantic version. Build metadata is kept for display but never compared.
#[derive(Clone, Debug, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Vec<Ident>,
    pub build: Option<String>,
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A release sorts after its pre-releases.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            let parts: Vec<String> = self
                .pre
                .iter()
                .map(|i| match i {
                    Ident::Num(n) => n.to_string(),
                    Ident::Alpha(s) => s.clone(),
                })
                .collect();
            write!(f, "-{}", parts.join("."))?;
        }
        if let Some(b) = &self.build {
            write!(f, "+{b}")?;
        }
        Ok(())
    }
}

impl Version {
    pub fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
            pre: Vec::new(),
            build: None,
        }
    }

    /// Parses an exact version; a leading `v` or `=` and surrounding spaces are allowed.
    pub fn parse(s: &str) -> Result<Version, String> {
        let t = s.trim();
        let t = t.strip_prefix('=').unwrap_or(t).trim_start();
        let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
        match parse_partial(t)? {
            Partial {
                major: Some(major),
                minor: Some(minor),
                patch: Some(patch),
                pre,
                build,
            } => Ok(Version {
                major,
                minor,
                patch,
                pre,
                build,
            }),
            _ => Err(format!("`{s}`: expected MAJOR.MINOR.PATCH")),
        }
    }

    fn with_pre_zero(mut self) -> Self {
        self.pre = vec![Ident::Num(0)];
        self
    }
}

/// A version with parts missing or wildcarded (`1`, `1.x`, `*`).
#[derive(Debug, Default)]
struct Partial {
    major: Option<u64>,
    minor: Option<u64>,
    patch: Option<u64>,
    pre: Vec<Ident>,
    build: Option<String>,
}

impl Partial {
    fn floor(&self) -> Version {
        Version {
            major: self.major.unwrap_or(0),
            minor: self.minor.unwrap_or(0),
            patch: self.patch.unwrap_or(0),
            pre: self.pre.clone(),
            build: None,
        }
    }
}

fn parse_num(s: &str, whole: &str) -> Result<Option<u64>, String> {
    if matches!(s, "x" | "X" | "*") {
        return Ok(None);
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{whole}`: `{s}` is not a version number"));
    }
    s.parse::<u64>()
        .map(Some)
        .map_err(|_| format!("`{whole}`: `{s}` is too large"))
}

fn parse_partial(s: &str) -> Result<Partial, String> {
    let (main, build) = match s.split_once('+') {
        Some((m, b)) => (m, Some(b.to_string())),
        None => (s, None),
    };
    let (core, pre) = match main.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (main, None),
    };
    if core.is_empty() || core == "*" || core.eq_ignore_ascii_case("x") {
        return Ok(Partial::default());
    }
    let mut parts = core.split('.');
    let mut nums = [None, None, None];
    for slot in nums.iter_mut() {
        match parts.next() {
            Some(p) => *slot = parse_num(p, s)?,
            None => break,
        }
    }
    if parts.next().is_some() {
        return Err(format!("`{s}`: more than three version numbers"));
    }
    // A wildcard makes everything after it a wildcard (`1.x.3` is `1.x`).
    if nums[0].is_none() {
        nums = [None, None, None];
    } else if nums[1].is_none() {
        nums[2] = None;
    }
    let pre = match pre {
        Some(p) => p
            .split('.')
            .map(|id| {
                if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    Err(format!("`{s}`: bad pre-release identifier `{id}`"))
                } else if id.bytes().all(|b| b.is_ascii_digit()) {
                    id.parse::<u64>()
                        .map(Ident::Num)
                        .map_err(|_| format!("`{s}`: `{id}` is too large"))
                } else {
                    Ok(Ident::Alpha(id.to_string()))
                }
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    Ok(Partial {
        major: nums[0],
        minor: nums[1],
        patch: nums[2],
        pre,
        build,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

/// One bound: `>=1.2.3`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Comparator {
    op: Op,
    version: Version,
}

impl Comparator {
    fn test(&self, v: &Version) -> bool {
        let o = v.cmp(&self.version);
        match self.op {
            Op::Lt => o == Ordering::Less,
            Op::Le => o != Ordering::Greater,
            Op::Gt => o == Ordering::Greater,
            Op::Ge => o != Ordering::Less,
            Op::Eq => o == Ordering::Equal,
        }
    }
}

fn cmp(op: Op, version: Version) -> Comparator {
    Comparator { op, version }
}

/// A parsed npm range: sets of comparators joined by `||`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    /// An empty set matches every release (`*`).
    sets: Vec<Vec<Comparator>>,
}

impl Range {
    /// Parses an npm range. Tags (`latest`), URLs, `file:`, `git…`, `npm:` aliases
    /// and `workspace:` protocols are not ranges and are errors.
    pub fn parse(s: &str) -> Result<Range, String> {
        if s.len() > 4096 {
            return Err("range longer than 4096 bytes".into());
        }
        let sets = s
            .split("||")
            .map(|set| parse_set(set, s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Range { sets })
    }

    /// Whether `v` satisfies the range (node-semver without `includePrerelease`).
    pub fn satisfies(&self, v: &Version) -> bool {
        self.sets.iter().any(|set| test_set(set, v))
    }
}

fn test_set(set: &[Comparator], v: &Version) -> bool {
    if !set.iter().all(|c| c.test(v)) {
        return false;
    }
    if v.pre.is_empty() {
        return true;
    }
    // A pre-release only matches when the range opts in at the same tuple.
    set.iter().any(|c| {
        !c.version.pre.is_empty()
            && (c.version.major, c.version.minor, c.version.patch) == (v.major, v.minor, v.patch)
    })
}

/// Splits a comparator set into tokens, gluing an operator to the version
/// after it (`>= 1.2.3` is one comparator).
fn tokens(set: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending_op = false;
    for word in set.split_whitespace() {
        if pending_op {
            if let Some(last) = out.last_mut() {
                last.push_str(word);
            }
        } else {
            out.push(word.to_string());
        }
        pending_op = word
            .bytes()
            .all(|b| matches!(b, b'<' | b'>' | b'=' | b'~' | b'^'));
    }
    out
}

fn parse_set(set: &str, whole: &str) -> Result<Vec<Comparator>, String> {
    let toks = tokens(set);
    // Hyphen range: `A - B`.
    if toks.len() == 3 && toks[1] == "-" {
        return hyphen(&toks[0], &toks[2], whole);
    }
    let mut out = Vec::new();
    for t in &toks {
        out.extend(parse_comparator(t, whole)?);
    }
    Ok(out)
}

fn hyphen(from: &str, to: &str, whole: &str) -> Result<Vec<Comparator>, String> {
    let a = parse_partial(strip_v(from)).map_err(|e| format!("{e} in `{whole}`"))?;
    let b = parse_partial(strip_v(to)).map_err(|e| format!("{e} in `{whole}`"))?;
    let mut out = Vec::new();
    if a.major.is_some() {
        out.push(cmp(Op::Ge, a.floor()));
    }
    match (b.major, b.minor, b.patch) {
        (None, _, _) => {}
        (Some(m), None, _) => out.push(cmp(Op::Lt, bump(inc(m)?, 0, 0)?)),
        (Some(m), Some(n), None) => out.push(cmp(Op::Lt, bump(m, inc(n)?, 0)?)),
        (Some(_), Some(_), Some(_)) => out.push(cmp(Op::Le, b.floor())),
    }
    Ok(out)
}

fn strip_v(s: &str) -> &str {
    let s = s.strip_prefix('=').unwrap_or(s);
    s.strip_prefix(['v', 'V']).unwrap_or(s)
}

/// `<M.m.p-0`: the lowest version of that tuple, pre-releases included.
fn bump(major: u64, minor: u64, patch: u64) -> Result<Version, String> {
    Ok(Version::new(major, minor, patch).with_pre_zero())
}

fn inc(n: u64) -> Result<u64, String> {
    n.checked_add(1)
        .ok_or_else(|| "version number overflows".to_string())
}

fn parse_comparator(tok: &str, whole: &str) -> Result<Vec<Comparator>, String> {
    let (op, rest) = split_op(tok);
    let p = parse_partial(strip_v(rest)).map_err(|e| format!("{e} in `{whole}`"))?;
    match op {
        "^" => caret(&p),
        "~" | "~>" => tilde(&p),
        "" | "=" => xrange(&p),
        "<" | "<=" | ">" | ">=" => bound(op, &p),
        other => Err(format!("`{whole}`: unknown operator `{other}`")),
    }
}

fn split_op(tok: &str) -> (&str, &str) {
    let n = tok
        .bytes()
        .take_while(|b| matches!(b, b'<' | b'>' | b'=' | b'~' | b'^'))
        .count();
    (&tok[..n], &tok[n..])
}

fn xrange(p: &Partial) -> Result<Vec<Comparator>, String> {
    Ok(match (p.major, p.minor, p.patch) {
        (None, _, _) => vec![],
        (Some(m), None, _) => vec![cmp(Op::Ge, p.floor()), cmp(Op::Lt, bump(inc(m)?, 0, 0)?)],
        (Some(m), Some(n), None) => {
            vec![cmp(Op::Ge, p.floor()), cmp(Op::Lt, bump(m, inc(n)?, 0)?)]
        }
        (Some(_), Some(_), Some(_)) => vec![cmp(Op::Eq, p.floor())],
    })
}

fn tilde(p: &Partial) -> Result<Vec<Comparator>, String> {
    Ok(match (p.major, p.minor) {
        (None, _) => vec![],
        (Some(m), None) => vec![cmp(Op::Ge, p.floor()), cmp(Op::Lt, bump(inc(m)?, 0, 0)?)],
        (Some(m), Some(n)) => vec![cmp(Op::Ge, p.floor()), cmp(Op::Lt, bump(m, inc(n)?, 0)?)],
    })
}

fn caret(p: &Partial) -> Result<Vec<Comparator>, String> {
    let lo = cmp(Op::Ge, p.floor());
    Ok(match (p.major, p.minor, p.patch) {
        (None, _, _) => vec![],
        (Some(m), None, _) => vec![lo, cmp(Op::Lt, bump(inc(m)?, 0, 0)?)],
        (Some(0), Some(n), None) => vec![lo, cmp(Op::Lt, bump(0, inc(n)?, 0)?)],
        (Some(m), Some(_), None) => vec![lo, cmp(Op::Lt, bump(inc(m)?, 0, 0)?)],
        (Some(0), Some(0), Some(pt)) => vec![lo, cmp(Op::Lt, bump(0, 0, inc(pt)?)?)],
        (Some(0), Some(n), Some(_)) => vec![lo, cmp(Op::Lt, bump(0, inc(n)?, 0)?)],
        (Some(m), Some(_), Some(_)) => vec![lo, cmp(Op::Lt, bump(inc(m)?, 0, 0)?)],
    })
}

fn bound(op: &str, p: &Partial) -> Result<Vec<Comparator>, String> {
    let Some(m) = p.major else {
        // `<*` matches nothing; `>=*` everything.
        return Ok(match op {
            "<" | ">" => vec![cmp(Op::Lt, Version::new(0, 0, 0).with_pre_zero())],
            _ => vec![],
        });
    };
    if let (Some(_), Some(_)) = (p.minor, p.patch) {
        let o = match op {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            _ => Op::Ge,
        };
        return Ok(vec![cmp(o, p.floor())]);
    }
    // A partial version bounds the whole block it names.
    let next = match p.minor {
        None => bump(inc(m)?, 0, 0)?,
        Some(n) => bump(m, inc(n)?, 0)?,
    };
    Ok(match op {
        "<" => vec![cmp(
            Op::Lt,
            Version::new(m, p.minor.unwrap_or(0), 0).with_pre_zero(),
        )],
        "<=" => vec![cmp(Op::Lt, next)],
        ">" => {
            // `>1.2` is `>=1.3.0`: no `-0`, so 1.3.0 pre-releases stay out.
            let mut v = next;
            v.pre.clear();
            vec![cmp(Op::Ge, v)]
        }
        _ => vec![cmp(Op::Ge, p.floor())],
    })
}

/// Fuzz entry point: parsing and matching arbitrary text must not panic.
pub fn fuzz_range(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let (range, version) = s.split_once('\n').unwrap_or((&s, "1.2.3"));
    if let (Ok(r), Ok(v)) = (Range::parse(range), Version::parse(version)) {
        let _ = r.satisfies(&v);
    }
}

#[cfg(test)]
#[path = "npm_tests.rs"]
mod tests;
