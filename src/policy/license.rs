//! SPDX licence expressions (`MIT OR Apache-2.0`, `GPL-2.0-only WITH
//! Classpath-exception-2.0`) and their evaluation against allow and deny lists.
//!
//! `OR` means the user may pick either licence; `AND` means both apply. An
//! expression passes when some choice has every licence allowed and none denied.

/// One licence, possibly with an exception: `GPL-2.0-or-later WITH Classpath-exception-2.0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// The licence identifier, normalised (`GPL-2.0+` → `GPL-2.0-or-later`).
    pub id: String,
    pub exception: Option<String>,
}

impl Term {
    /// Parses one list entry: a licence with an optional `WITH` exception.
    pub fn parse(s: &str) -> Result<Term, String> {
        match Expr::parse(s)? {
            Expr::Term(t) => Ok(t),
            _ => Err(format!(
                "`{s}`: a list entry is one licence (with an optional WITH exception), not an expression"
            )),
        }
    }

    fn matches(&self, entry: &Term) -> bool {
        self.id.eq_ignore_ascii_case(&entry.id)
            && match (&entry.exception, &self.exception) {
                (None, _) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                (Some(_), None) => false,
            }
    }
}

impl std::fmt::Display for Term {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.exception {
            Some(e) => write!(f, "{} WITH {}", self.id, e),
            None => f.write_str(&self.id),
        }
    }
}

/// A parsed expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Term(Term),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// Most alternatives an expression is expanded into (guards `(a OR b) AND …` blow-up).
const MAX_CHOICES: usize = 256;

impl Expr {
    /// Parses an SPDX expression. Operators may be upper or lower case.
    pub fn parse(s: &str) -> Result<Expr, String> {
        let toks = tokenize(s)?;
        let mut p = Parser {
            toks,
            pos: 0,
            src: s,
            depth: 0,
        };
        let e = p.or()?;
        if p.pos != p.toks.len() {
            return Err(format!("`{s}`: unexpected `{}`", p.toks[p.pos]));
        }
        Ok(e)
    }

    /// Parses a declared licence: an SPDX expression, else a common free-text
    /// spelling from package metadata (`MIT License`, `Apache 2.0`).
    pub fn from_declared(s: &str) -> Option<Expr> {
        // The shared normaliser knows the SPDX list's names and classifiers.
        if let Some(crate::license::License::Spdx(e)) = crate::license::normalize(s) {
            return Expr::parse(&e).ok();
        }
        if AMBIGUOUS.contains(&squash(s).as_str()) {
            return None;
        }
        alias(s).map(Expr::Term).or_else(|| Expr::parse(s).ok())
    }

    /// Every way to satisfy the expression: each is the set of licences that apply.
    fn choices(&self) -> Vec<Vec<Term>> {
        match self {
            Expr::Term(t) => vec![vec![t.clone()]],
            Expr::Or(xs) => {
                let mut out: Vec<Vec<Term>> = xs.iter().flat_map(Expr::choices).collect();
                out.truncate(MAX_CHOICES);
                out
            }
            Expr::And(xs) => {
                let mut acc: Vec<Vec<Term>> = vec![vec![]];
                for x in xs {
                    let mut next = Vec::new();
                    let xc = x.choices();
                    for a in &acc {
                        for c in &xc {
                            if next.len() >= MAX_CHOICES {
                                break;
                            }
                            let mut v = a.clone();
                            v.extend(c.iter().cloned());
                            next.push(v);
                        }
                    }
                    acc = next;
                }
                acc
            }
        }
    }
}

/// The outcome of checking one package's licence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Every choice includes a denied licence.
    Denied(Vec<String>),
    /// No choice has all its licences on the allow list.
    NotAllowed(Vec<String>),
}

/// Allow and deny lists, parsed.
#[derive(Clone, Debug, Default)]
pub struct Lists {
    pub allow: Vec<Term>,
    pub deny: Vec<Term>,
}

impl Lists {
    pub fn new(allow: &[String], deny: &[String]) -> Lists {
        Lists {
            allow: allow.iter().filter_map(|s| Term::parse(s).ok()).collect(),
            deny: deny.iter().filter_map(|s| Term::parse(s).ok()).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }

    fn denied(&self, t: &Term) -> bool {
        // An allow entry naming the exact exception overrides a deny of the base licence.
        self.deny.iter().any(|d| t.matches(d))
            && !self
                .allow
                .iter()
                .any(|a| a.exception.is_some() && t.matches(a))
    }

    fn allowed(&self, t: &Term) -> bool {
        self.allow.is_empty() || self.allow.iter().any(|a| t.matches(a))
    }

    pub fn check(&self, e: &Expr) -> Verdict {
        let choices = e.choices();
        if choices
            .iter()
            .any(|c| c.iter().all(|t| self.allowed(t) && !self.denied(t)))
        {
            return Verdict::Allowed;
        }
        let names = |f: &dyn Fn(&Term) -> bool| {
            let mut v: Vec<String> = choices
                .iter()
                .flatten()
                .filter(|t| f(t))
                .map(|t| t.to_string())
                .collect();
            v.sort();
            v.dedup();
            v
        };
        if choices.iter().all(|c| c.iter().any(|t| self.denied(t))) {
            Verdict::Denied(names(&|t| self.denied(t)))
        } else {
            Verdict::NotAllowed(names(&|t| !self.allowed(t)))
        }
    }
}

fn tokenize(s: &str) -> Result<Vec<String>, String> {
    if s.len() > 2048 {
        return Err("licence expression longer than 2048 bytes".into());
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' | ')' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(c.to_string());
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | ':') => cur.push(c),
            other => return Err(format!("`{s}`: unexpected character `{other}`")),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    if out.is_empty() {
        return Err("empty licence expression".into());
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<String>,
    pos: usize,
    src: &'a str,
    depth: usize,
}

impl Parser<'_> {
    fn peek_op(&self, op: &str) -> bool {
        self.toks
            .get(self.pos)
            .is_some_and(|t| t.eq_ignore_ascii_case(op))
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut xs = vec![self.and()?];
        while self.peek_op("OR") {
            self.pos += 1;
            xs.push(self.and()?);
        }
        Ok(if xs.len() == 1 {
            xs.remove(0)
        } else {
            Expr::Or(xs)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut xs = vec![self.with()?];
        while self.peek_op("AND") {
            self.pos += 1;
            xs.push(self.with()?);
        }
        Ok(if xs.len() == 1 {
            xs.remove(0)
        } else {
            Expr::And(xs)
        })
    }

    fn with(&mut self) -> Result<Expr, String> {
        let tok = self.next("a licence")?;
        if tok == "(" {
            self.depth += 1;
            if self.depth > 32 {
                return Err(format!("`{}`: parentheses nested too deeply", self.src));
            }
            let e = self.or()?;
            self.depth -= 1;
            match self.next("`)`")?.as_str() {
                ")" => return Ok(e),
                other => return Err(format!("`{}`: expected `)`, found `{other}`", self.src)),
            }
        }
        let id = self.identifier(tok)?;
        let exception = if self.peek_op("WITH") {
            self.pos += 1;
            let e = self.next("an exception after WITH")?;
            Some(self.identifier(e)?)
        } else {
            None
        };
        Ok(Expr::Term(Term {
            id: normalize_id(&id),
            exception,
        }))
    }

    fn identifier(&self, tok: String) -> Result<String, String> {
        if tok == ")"
            || ["AND", "OR", "WITH"]
                .iter()
                .any(|op| tok.eq_ignore_ascii_case(op))
        {
            return Err(format!(
                "`{}`: expected a licence identifier, found `{tok}`",
                self.src
            ));
        }
        Ok(tok)
    }

    fn next(&mut self, what: &str) -> Result<String, String> {
        let t = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or_else(|| format!("`{}`: expected {what} at the end", self.src))?;
        self.pos += 1;
        Ok(t)
    }
}

/// `GPL-2.0+` → `GPL-2.0-or-later`; deprecated bare GNU ids → `-only`.
fn normalize_id(id: &str) -> String {
    let gnu = ["GPL-", "LGPL-", "AGPL-", "GFDL-"]
        .iter()
        .any(|p| id.to_ascii_uppercase().starts_with(p));
    if let Some(base) = id.strip_suffix('+') {
        return if gnu {
            format!("{}-or-later", base.trim_end_matches("-only"))
        } else {
            base.to_string()
        };
    }
    if gnu && id.ends_with(|c: char| c.is_ascii_digit()) {
        return format!("{id}-only");
    }
    id.to_string()
}

/// Declared names that look like identifiers but name a family, not one
/// licence (`BSD` may be 2- or 3-clause): they cannot be cleared.
const AMBIGUOUS: &[&str] = &[
    "bsd",
    "bsdlicense",
    "gpl",
    "lgpl",
    "duallicense",
    "osiapproved",
    "other",
    "proprietary",
];

fn squash(s: &str) -> String {
    s.to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// Free-text licence names common in Python metadata and old npm packages.
fn alias(s: &str) -> Option<Term> {
    let k = squash(s);
    let id = match k.as_str() {
        "mitlicense" | "themitlicense" | "mitlicence" | "expat" => "MIT",
        "apachesoftwarelicense"
        | "apache20"
        | "apache2"
        | "apachelicense20"
        | "apachelicenseversion20"
        | "apachesoftwarelicense20"
        | "asl20"
        | "apache20license" => "Apache-2.0",
        "bsd3clause" | "bsd3" | "newbsdlicense" | "modifiedbsdlicense" | "3clausebsd"
        | "3clausebsdlicense" | "bsd3clauselicense" => "BSD-3-Clause",
        "bsd2clause" | "bsd2" | "simplifiedbsdlicense" | "2clausebsd" => "BSD-2-Clause",
        "isclicense" | "isclicenseiscl" => "ISC",
        "mozillapubliclicense20mpl20" | "mpl20" | "mozillapubliclicense20" => "MPL-2.0",
        "pythonsoftwarefoundationlicense" | "psf" | "psfl" | "psflicense" => "PSF-2.0",
        "theunlicenseunlicense" | "theunlicense" => "Unlicense",
        _ => return None,
    };
    Some(Term {
        id: id.to_string(),
        exception: None,
    })
}

/// Fuzz entry point: parsing and checking any text must not panic.
pub fn fuzz_expression(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    if let Some(e) = Expr::from_declared(&s) {
        let lists = Lists::new(&["MIT".into()], &["GPL-3.0-only".into()]);
        let _ = lists.check(&e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(allow: &[&str], deny: &[&str], expr: &str) -> Verdict {
        let l = Lists::new(
            &allow.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            &deny.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        );
        l.check(&Expr::from_declared(expr).unwrap())
    }

    #[test]
    fn parsing() {
        let e = Expr::parse("MIT OR (Apache-2.0 AND BSD-3-Clause)").unwrap();
        assert_eq!(e.choices().len(), 2);
        let e = Expr::parse("(MIT or Apache-2.0) and (BSD-2-Clause or ISC)").unwrap();
        assert_eq!(e.choices().len(), 4);
        let t = Term::parse("GPL-2.0+ WITH Classpath-exception-2.0").unwrap();
        assert_eq!(t.id, "GPL-2.0-or-later");
        assert_eq!(t.exception.as_deref(), Some("Classpath-exception-2.0"));
        assert_eq!(Term::parse("GPL-3.0").unwrap().id, "GPL-3.0-only");
        for bad in [
            "", "MIT AND", "(MIT", "MIT)", "AND MIT", "MIT WITH", "MIT, BSD", "A B",
        ] {
            assert!(Expr::parse(bad).is_err(), "{bad}");
        }
        assert!(Term::parse("MIT OR ISC").is_err());
    }

    #[test]
    fn or_needs_one_acceptable_branch() {
        assert_eq!(
            check(&["MIT"], &[], "MIT OR GPL-3.0-only"),
            Verdict::Allowed
        );
        assert_eq!(
            check(&[], &["GPL-3.0-only"], "MIT OR GPL-3.0-only"),
            Verdict::Allowed
        );
        assert_eq!(
            check(&[], &["GPL-3.0-only"], "GPL-3.0+ OR GPL-3.0"),
            Verdict::Allowed
        );
        assert_eq!(
            check(
                &[],
                &["GPL-3.0-only", "AGPL-3.0-only"],
                "GPL-3.0 OR AGPL-3.0-only"
            ),
            Verdict::Denied(vec!["AGPL-3.0-only".into(), "GPL-3.0-only".into()])
        );
    }

    #[test]
    fn and_needs_every_licence() {
        assert_eq!(
            check(&["MIT"], &[], "MIT AND BSD-3-Clause"),
            Verdict::NotAllowed(vec!["BSD-3-Clause".into()])
        );
        assert_eq!(
            check(&["MIT", "BSD-3-Clause"], &[], "MIT AND BSD-3-Clause"),
            Verdict::Allowed
        );
        assert_eq!(
            check(&["MIT"], &["AGPL-3.0-only"], "MIT AND AGPL-3.0-only"),
            Verdict::Denied(vec!["AGPL-3.0-only".into()])
        );
    }

    #[test]
    fn exceptions() {
        let e = "GPL-2.0-only WITH Classpath-exception-2.0";
        assert_eq!(check(&["GPL-2.0-only"], &[], e), Verdict::Allowed);
        assert_eq!(
            check(&["GPL-2.0-only WITH LLVM-exception"], &[], e),
            Verdict::NotAllowed(vec![e.into()])
        );
        assert_eq!(
            check(&[], &["GPL-2.0-only"], e),
            Verdict::Denied(vec![e.into()])
        );
        assert_eq!(check(&[e], &["GPL-2.0-only"], e), Verdict::Allowed);
        assert_eq!(
            check(&[e], &["GPL-2.0-only"], "GPL-2.0"),
            Verdict::Denied(vec!["GPL-2.0-only".into()])
        );
    }

    #[test]
    fn free_text_aliases() {
        assert_eq!(check(&["MIT"], &[], "MIT License"), Verdict::Allowed);
        assert_eq!(
            check(&["Apache-2.0"], &[], "Apache Software License"),
            Verdict::Allowed
        );
        assert_eq!(check(&["MIT"], &[], "mit"), Verdict::Allowed);
        assert!(Expr::from_declared("BSD License").is_none());
        assert!(
            Expr::from_declared("BSD").is_none(),
            "a family, not a licence"
        );
        assert_eq!(
            check(&["BSD-3-Clause"], &[], "3-Clause BSD License"),
            Verdict::Allowed
        );
        assert_eq!(check(&["PSF-2.0"], &[], "PSFL"), Verdict::Allowed);
        assert_eq!(
            check(&["Apache-2.0"], &[], "Apache 2.0 License"),
            Verdict::Allowed
        );
        // Through the shared normaliser: SPDX full names and classifiers.
        assert_eq!(
            check(
                &["LGPL-2.1-only"],
                &[],
                "GNU Lesser General Public License v2.1 only"
            ),
            Verdict::Allowed
        );
        assert_eq!(
            check(&["MIT"], &[], "License :: OSI Approved :: MIT License"),
            Verdict::Allowed
        );
    }

    #[test]
    fn fuzz_mutations() {
        let seed = "(MIT OR Apache-2.0+) AND GPL-2.0-only WITH Classpath-exception-2.0";
        let b = seed.as_bytes();
        for i in 0..=b.len() {
            fuzz_expression(&b[..i]);
            let mut m = b.to_vec();
            if i < m.len() {
                m[i] = b'(';
                fuzz_expression(&m);
            }
        }
        // Deep nesting and wide products stay bounded.
        fuzz_expression("(".repeat(1000).as_bytes());
        let wide = ["(A OR B OR C OR D)"; 12].join(" AND ");
        fuzz_expression(wide.as_bytes());
    }
}
