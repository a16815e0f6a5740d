//! Licence normalisation: what packages declare (PEP 639 `License-Expression`,
//! the free-text `License` field, trove classifiers, package.json `license`)
//! mapped to an SPDX expression with canonical identifiers. What maps to no
//! SPDX licence stays a named licence, never a guess: `BSD` may be 2- or
//! 3-clause, `Dual License` names nothing.
//!
//! Identifiers are checked against the vendored SPDX License List
//! (`data/spdx/licenses.tsv`), which is also how full names such as
//! `GNU Lesser General Public License v2.1 only` are recognised.

use crate::policy::license::{Expr, Term};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Version of the vendored SPDX License List.
pub const LIST_VERSION: &str = "3.28.0";

const LIST: &str = include_str!("../data/spdx/licenses.tsv");

/// Longest free-text licence kept as a name (longer text is a licence body).
const MAX_NAME: usize = 200;

/// A declared licence after normalisation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum License {
    /// A valid SPDX expression, identifiers in their canonical spelling.
    Spdx(String),
    /// Free text that names no SPDX licence (or not unambiguously).
    Named(String),
}

impl License {
    /// The expression or the name.
    pub fn as_str(&self) -> &str {
        match self {
            License::Spdx(s) | License::Named(s) => s,
        }
    }

    /// The identifier when the expression is one listed licence without an
    /// exception (CycloneDX `license.id`).
    pub fn single_id(&self) -> Option<&str> {
        match self {
            License::Spdx(s) if !s.contains(' ') && !s.starts_with("LicenseRef-") => Some(s),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    License,
    Deprecated,
    Exception,
}

struct Ids {
    /// Lowercase id → (canonical id, kind).
    by_id: HashMap<String, (&'static str, Kind)>,
    /// Squashed full name → id, current licences only.
    by_name: HashMap<String, &'static str>,
}

fn ids() -> &'static Ids {
    static IDS: OnceLock<Ids> = OnceLock::new();
    IDS.get_or_init(|| {
        let mut by_id = HashMap::new();
        let mut by_name = HashMap::new();
        for line in LIST.lines().filter(|l| !l.starts_with('#')) {
            let mut cols = line.split('\t');
            let (Some(id), Some(kind), Some(name)) = (cols.next(), cols.next(), cols.next()) else {
                continue;
            };
            let kind = match kind {
                "exception" => Kind::Exception,
                "deprecated" => Kind::Deprecated,
                _ => Kind::License,
            };
            by_id.insert(id.to_ascii_lowercase(), (id, kind));
            if kind == Kind::License {
                by_name.entry(squash(name)).or_insert(id);
            }
        }
        Ids { by_id, by_name }
    })
}

/// The canonical spelling of a listed licence identifier (`mit` → `MIT`).
pub fn canonical_id(id: &str) -> Option<&'static str> {
    match ids().by_id.get(&id.to_ascii_lowercase()) {
        Some((c, Kind::License | Kind::Deprecated)) => Some(c),
        _ => None,
    }
}

fn canonical_exception(id: &str) -> Option<&'static str> {
    match ids().by_id.get(&id.to_ascii_lowercase()) {
        Some((c, Kind::Exception)) => Some(c),
        _ => None,
    }
}

/// Normalises one declared licence string. `None` for nothing or a
/// placeholder (`UNKNOWN`, `NOASSERTION`).
pub fn normalize(raw: &str) -> Option<License> {
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let s = s.trim_matches(|c| c == '"' || c == '\'').trim();
    if s.is_empty() || is_placeholder(s) {
        return None;
    }
    if let Some(l) = spdx_expression(s)
        .or_else(|| alias(s))
        .or_else(|| compound(s))
    {
        return Some(License::Spdx(l));
    }
    if let Some(l) = s
        .strip_prefix("License ::")
        .and_then(|_| from_classifier(s))
    {
        return Some(l);
    }
    Some(License::Named(s.chars().take(MAX_NAME).collect()))
}

fn is_placeholder(s: &str) -> bool {
    [
        "unknown",
        "noassertion",
        "none",
        "n/a",
        "na",
        "-",
        "null",
        "undefined",
    ]
    .iter()
    .any(|p| s.eq_ignore_ascii_case(p))
}

/// A licence trove classifier (`License :: OSI Approved :: MIT License`).
/// `None` for the bare `License :: OSI Approved` and non-licence classifiers.
pub fn from_classifier(classifier: &str) -> Option<License> {
    let rest = classifier.trim().strip_prefix("License ::")?.trim();
    let last = rest.rsplit("::").next().unwrap_or(rest).trim();
    if last.is_empty() || last == "OSI Approved" {
        return None;
    }
    Some(match alias(last).or_else(|| spdx_expression(last)) {
        Some(id) => License::Spdx(id),
        None => License::Named(last.to_string()),
    })
}

/// The licence a Python distribution declares, from its core metadata:
/// `License-Expression` (PEP 639), else the `License` field when it names an
/// SPDX licence, else the licence classifiers (several: all apply, `AND`,
/// since metadata does not say whether the user may choose), else the free
/// text of whichever was given.
pub fn python_declared(
    expression: Option<&str>,
    license: Option<&str>,
    classifiers: &[String],
) -> Option<String> {
    let expr = expression.and_then(normalize);
    let field = license.and_then(normalize);
    for l in [&expr, &field].into_iter().flatten() {
        if let License::Spdx(s) = l {
            return Some(s.clone());
        }
    }
    let from_classifiers: Vec<License> = classifiers
        .iter()
        .filter_map(|c| from_classifier(c))
        .collect();
    let mut spdx: Vec<&str> = from_classifiers
        .iter()
        .filter_map(|l| match l {
            License::Spdx(s) => Some(s.as_str()),
            License::Named(_) => None,
        })
        .collect();
    spdx.sort();
    spdx.dedup();
    if !spdx.is_empty() {
        return Some(join(&spdx, " AND "));
    }
    expr.or(field)
        .or_else(|| from_classifiers.into_iter().next())
        .map(|l| l.as_str().to_string())
}

/// Joins SPDX expressions, parenthesising compound ones.
fn join(parts: &[&str], op: &str) -> String {
    parts
        .iter()
        .map(|p| {
            if p.contains(' ') && !p.starts_with('(') {
                format!("({p})")
            } else {
                p.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(op)
}

/// `s` as an SPDX expression whose every identifier is listed (or a
/// `LicenseRef-`), rewritten with canonical identifiers.
fn spdx_expression(s: &str) -> Option<String> {
    let expr = Expr::parse(s).ok()?;
    let mut out = String::new();
    render(&expr, false, &mut out)?;
    Some(out)
}

fn render(e: &Expr, inside_and: bool, out: &mut String) -> Option<()> {
    match e {
        Expr::Term(t) => out.push_str(&term(t)?),
        Expr::And(xs) | Expr::Or(xs) => {
            let or = matches!(e, Expr::Or(_));
            if or && inside_and {
                out.push('(');
            }
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push_str(if or { " OR " } else { " AND " });
                }
                render(x, !or, out)?;
            }
            if or && inside_and {
                out.push(')');
            }
        }
    }
    Some(())
}

fn term(t: &Term) -> Option<String> {
    let is_ref =
        |s: &str| (s.starts_with("LicenseRef-") || s.starts_with("DocumentRef-")) && s.len() > 11;
    let id = if is_ref(&t.id) {
        t.id.clone()
    } else {
        canonical_id(&t.id)?.to_string()
    };
    Some(match &t.exception {
        Some(x) => format!("{id} WITH {}", canonical_exception(x)?),
        None => id,
    })
}

/// Lowercase letters and digits only; `+` (or later) is kept as `plus`.
fn squash(s: &str) -> String {
    s.to_ascii_lowercase()
        .replace('+', "plus")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// Names that look like licences but are a family, not one licence.
const AMBIGUOUS: &[&str] = &[
    "bsd",
    "bsdlicense",
    "bsdstyle",
    "bsdlike",
    "gpl",
    "gnugpl",
    "gnugeneralpubliclicense",
    "gnugeneralpubliclicensegpl",
    "lgpl",
    "gnulgpl",
    "gnulibraryorlessergeneralpubliclicenselgpl",
    "apl",
    "mpl",
    "duallicense",
    "osiapproved",
    "other",
    "otherproprietarylicense",
    "proprietary",
    "publicdomain",
    "freeware",
    "artisticlicense",
    "academicfreelicenseafl",
];

/// Free-text spellings seen in package metadata, keyed by [`squash`].
const ALIASES: &[(&str, &[&str])] = &[
    (
        "MIT",
        &[
            "mitlicense",
            "themitlicense",
            "mitlicence",
            "expat",
            "expatlicense",
            "mitexpat",
        ],
    ),
    (
        "Apache-2.0",
        &[
            "apache2",
            "apache20",
            "apachev2",
            "apachev20",
            "apache2license",
            "apache20license",
            "apachelicense",
            "apachelicense2",
            "apachelicense20",
            "apachelicensev2",
            "apachelicensev20",
            "apachelicenseversion2",
            "apachelicenseversion20",
            "apachesoftwarelicense",
            "apachesoftwarelicense20",
            "apachesoftwarelicenseversion20",
            "asl2",
            "asl20",
        ],
    ),
    (
        "BSD-3-Clause",
        &[
            "bsd3",
            "bsd3clauselicense",
            "3clausebsd",
            "3clausebsdlicense",
            "newbsd",
            "newbsdlicense",
            "bsdnew",
            "modifiedbsd",
            "modifiedbsdlicense",
            "revisedbsd",
            "revisedbsdlicense",
        ],
    ),
    (
        "BSD-2-Clause",
        &[
            "bsd2",
            "bsd2clauselicense",
            "2clausebsd",
            "2clausebsdlicense",
            "simplifiedbsd",
            "simplifiedbsdlicense",
        ],
    ),
    ("ISC", &["isclicense", "isclicenseiscl", "iscl"]),
    (
        "MPL-2.0",
        &[
            "mpl2",
            "mpl20",
            "mplv2",
            "mozillapubliclicense20",
            "mozillapubliclicense20mpl20",
        ],
    ),
    ("MPL-1.1", &["mpl11", "mozillapubliclicense11mpl11"]),
    ("MPL-1.0", &["mozillapubliclicense10mpl"]),
    (
        "PSF-2.0",
        &[
            "psf",
            "psfl",
            "psf2",
            "psflicense",
            "pythonsoftwarefoundationlicense",
        ],
    ),
    ("Unlicense", &["theunlicense", "theunlicenseunlicense"]),
    ("Zlib", &["zliblicense", "zliblibpnglicense", "zliblibpng"]),
    (
        "CC0-1.0",
        &[
            "cc0",
            "cc010",
            "cc010universal",
            "cc010universalcc010publicdomaindedication",
        ],
    ),
    (
        "GPL-2.0-only",
        &[
            "gplv2",
            "gpl2",
            "gnugplv2",
            "gnugeneralpubliclicensev2gplv2",
        ],
    ),
    (
        "GPL-2.0-or-later",
        &[
            "gplv2plus",
            "gpl2plus",
            "gplv2orlater",
            "gnugeneralpubliclicensev2orlatergplv2plus",
        ],
    ),
    (
        "GPL-3.0-only",
        &[
            "gplv3",
            "gpl3",
            "gnugplv3",
            "gnugeneralpubliclicensev3gplv3",
        ],
    ),
    (
        "GPL-3.0-or-later",
        &[
            "gplv3plus",
            "gpl3plus",
            "gplv3orlater",
            "gnugeneralpubliclicensev3orlatergplv3plus",
        ],
    ),
    (
        "LGPL-2.0-only",
        &["lgplv2", "gnulessergeneralpubliclicensev2lgplv2"],
    ),
    (
        "LGPL-2.0-or-later",
        &[
            "lgplv2plus",
            "gnulessergeneralpubliclicensev2orlaterlgplv2plus",
        ],
    ),
    ("LGPL-2.1-only", &["lgplv21", "lgpl21"]),
    ("LGPL-2.1-or-later", &["lgplv21plus", "lgpl21plus"]),
    (
        "LGPL-3.0-only",
        &["lgplv3", "lgpl3", "gnulessergeneralpubliclicensev3lgplv3"],
    ),
    (
        "LGPL-3.0-or-later",
        &[
            "lgplv3plus",
            "lgpl3plus",
            "gnulessergeneralpubliclicensev3orlaterlgplv3plus",
        ],
    ),
    (
        "AGPL-3.0-only",
        &["agplv3", "agpl3", "gnuafferogeneralpubliclicensev3"],
    ),
    (
        "AGPL-3.0-or-later",
        &[
            "agplv3plus",
            "agpl3plus",
            "gnuafferogeneralpubliclicensev3orlateragplv3plus",
        ],
    ),
    ("EUPL-1.0", &["europeanunionpubliclicence10eupl10"]),
    ("EUPL-1.1", &["europeanunionpubliclicence11eupl11"]),
    ("EUPL-1.2", &["europeanunionpubliclicence12eupl12"]),
    ("UPL-1.0", &["universalpermissivelicenseupl"]),
    ("Sleepycat", &["sleepycatlicense"]),
    ("W3C", &["w3clicense"]),
];

/// A free-text name that denotes exactly one SPDX licence.
fn alias(s: &str) -> Option<String> {
    let k = squash(s);
    if k.is_empty() || AMBIGUOUS.contains(&k.as_str()) {
        return None;
    }
    if let Some((id, _)) = ALIASES.iter().find(|(_, keys)| keys.contains(&k.as_str())) {
        return Some(id.to_string());
    }
    let ids = ids();
    let by_name = |k: &str| ids.by_name.get(k).map(|id| id.to_string());
    let bare = k.strip_prefix("the").unwrap_or(&k);
    if let Some(id) = by_name(bare).or_else(|| by_name(&format!("{bare}license"))) {
        return Some(id);
    }
    // `Blue Oak Model License (BlueOak-1.0.0)`: an identifier in parentheses.
    let inner = s.rsplit_once('(')?.1.strip_suffix(')')?;
    canonical_id(inner.trim()).map(str::to_string)
}

/// Free text joining licences that each normalise: `MIT or Apache 2.0`.
fn compound(s: &str) -> Option<String> {
    let lower = s.to_ascii_lowercase();
    for (sep, op) in [(" or ", " OR "), (" and ", " AND "), (" / ", " OR ")] {
        if !lower.contains(sep) {
            continue;
        }
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(i) = rest.to_ascii_lowercase().find(sep) {
            parts.push(rest.get(..i)?);
            rest = rest.get(i + sep.len()..)?;
        }
        parts.push(rest);
        let ids: Option<Vec<String>> = parts
            .iter()
            .map(|p| spdx_expression(p.trim()).or_else(|| alias(p.trim())))
            .collect();
        let ids = ids?;
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let joined = join(&refs, op);
        // Re-rendered, so the parentheses are the canonical ones.
        return Some(spdx_expression(&joined).unwrap_or(joined));
    }
    None
}

/// A `LicenseRef-` identifier for a named licence (SPDX documents):
/// letters, digits, `.` and `-` only.
pub fn license_ref(name: &str) -> String {
    let mut out = String::from("LicenseRef-");
    let mut dash = true;
    for c in name.chars().take(64) {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c);
            dash = false;
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    let trimmed = out.trim_end_matches('-').to_string();
    if trimmed.len() <= "LicenseRef-".len() {
        "LicenseRef-unnamed".into()
    } else {
        trimmed
    }
}

/// Fuzz entry point: normalising any text must not panic, and an SPDX
/// result must itself normalise to the same expression.
pub fn fuzz_normalize(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    if let Some(License::Spdx(e)) = normalize(&s) {
        assert_eq!(
            normalize(&e),
            Some(License::Spdx(e.clone())),
            "not idempotent"
        );
    }
    let _ = from_classifier(&s);
    let _ = license_ref(&s);
}

#[cfg(test)]
mod tests;
