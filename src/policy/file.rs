//! Reading `tollgate.toml` (or `[tool.tollgate]` in `pyproject.toml`) into a
//! [`Policy`]. Unknown keys and bad values are errors with their line:
//! a typo in a gate's configuration must not silently loosen the gate.

use super::duration::parse_duration;
use super::{FailOn, Ignore, PackageSpec, Policy};
use crate::finding::{InputError, Severity};
use crate::inventory::text::{LineIndex, read_text};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPolicy {
    fail_on: Option<Spanned<String>>,
    require_lockfile: Option<bool>,
    require_hashes: Option<bool>,
    min_release_age: Option<Spanned<String>>,
    max_new_transitive: Option<Spanned<i64>>,
    require_approval: Option<bool>,
    approvals: Option<String>,
    #[serde(default)]
    indexes: Vec<String>,
    #[serde(default)]
    registries: Vec<String>,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    licenses: RawLicenses,
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    enable: Vec<Spanned<String>>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<String, Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLicenses {
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    #[serde(default)]
    deny: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    rule: Option<Spanned<String>>,
    package: Option<Spanned<String>>,
    reason: Option<String>,
    expires: Option<Spanned<toml::Value>>,
}

/// `pyproject.toml`: only `[tool.tollgate]` is ours; everything else is ignored.
#[derive(Deserialize, Default)]
struct Pyproject {
    #[serde(default)]
    tool: PyTool,
}

#[derive(Deserialize, Default)]
struct PyTool {
    tollgate: Option<RawPolicy>,
}

struct Ctx<'a> {
    display: &'a str,
    lines: LineIndex,
}

impl Ctx<'_> {
    fn err(&self, span: std::ops::Range<usize>, msg: impl Into<String>) -> InputError {
        InputError::new(self.display, Some(self.lines.line(span.start)), msg)
    }
}

/// Reads a policy file; `pyproject.toml` is read for its `[tool.tollgate]` table.
pub fn load(path: &Path) -> Result<Policy, InputError> {
    let display = crate::discover::display_path(path);
    let text = read_text(path).map_err(|e| InputError::new(&display, None, e))?;
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    let mut policy = if is_pyproject {
        parse_pyproject(&text, &display)?
            .ok_or_else(|| InputError::new(&display, None, "no [tool.tollgate] table"))?
    } else {
        parse(&text, &display)?
    };
    policy.path = Some(path.to_path_buf());
    Ok(policy)
}

/// Parses a `tollgate.toml`.
pub fn parse(text: &str, display: &str) -> Result<Policy, InputError> {
    let raw: RawPolicy = toml::from_str(text).map_err(|e| toml_err(text, display, &e))?;
    build(raw, text, display)
}

/// Parses `[tool.tollgate]` of a `pyproject.toml`; `None` when the table is absent.
pub fn parse_pyproject(text: &str, display: &str) -> Result<Option<Policy>, InputError> {
    let raw: Pyproject = toml::from_str(text).map_err(|e| toml_err(text, display, &e))?;
    raw.tool
        .tollgate
        .map(|r| build(r, text, display))
        .transpose()
}

fn toml_err(text: &str, display: &str, e: &toml::de::Error) -> InputError {
    let (line, msg) = crate::inventory::text::toml_error(text, e);
    InputError::new(display, line, msg)
}

fn build(raw: RawPolicy, text: &str, display: &str) -> Result<Policy, InputError> {
    let cx = Ctx {
        display,
        lines: LineIndex::new(text),
    };
    let mut p = Policy {
        display: Some(display.to_string()),
        require_lockfile: raw.require_lockfile.unwrap_or(false),
        require_hashes: raw.require_hashes.unwrap_or(false),
        require_approval: raw.require_approval.unwrap_or(false),
        approvals: raw.approvals,
        indexes: raw.indexes,
        registries: raw.registries,
        ..Policy::default()
    };
    if let Some(f) = raw.fail_on {
        let v = f
            .get_ref()
            .parse::<FailOn>()
            .map_err(|e| cx.err(f.span(), format!("fail-on: {e}")))?;
        p.fail_on = Some(v);
    }
    if let Some(a) = raw.min_release_age {
        let d = parse_duration(a.get_ref())
            .map_err(|e| cx.err(a.span(), format!("min-release-age: {e}")))?;
        p.min_release_age = Some(d);
    }
    if let Some(m) = raw.max_new_transitive {
        let n = usize::try_from(*m.get_ref()).map_err(|_| {
            cx.err(
                m.span(),
                "max-new-transitive: expected a number of packages, 0 or more",
            )
        })?;
        p.max_new_transitive = Some(n);
    }
    for (list, out) in [
        (raw.rules.enable, &mut p.rules.enable),
        (raw.rules.disable, &mut p.rules.disable),
    ] {
        for s in list {
            check_rule_selector(s.get_ref())
                .map_err(|e| cx.err(s.span(), format!("rules: {e}")))?;
            out.push(s.into_inner().to_ascii_uppercase());
        }
    }
    for (id, sev) in raw.rules.severity {
        check_rule_id(&id).map_err(|e| cx.err(sev.span(), format!("rules.severity: {e}")))?;
        let s = sev
            .get_ref()
            .parse::<Severity>()
            .map_err(|e| cx.err(sev.span(), format!("rules.severity.{id}: {e}")))?;
        p.rules.severity.insert(id.to_ascii_uppercase(), s);
    }
    for (list, out) in [
        (raw.licenses.allow, &mut p.licenses.allow),
        (raw.licenses.deny, &mut p.licenses.deny),
    ] {
        for s in list {
            super::license::Expr::parse(s.get_ref())
                .map_err(|e| cx.err(s.span(), format!("licenses: {e}")))?;
            out.push(s.into_inner());
        }
    }
    for entry in raw.ignore {
        p.ignores.push(ignore(&cx, entry)?);
    }
    Ok(p)
}

fn ignore(cx: &Ctx, entry: Spanned<RawIgnore>) -> Result<Ignore, InputError> {
    let span = entry.span();
    let line = cx.lines.line(span.start);
    let e = entry.into_inner();
    let here = |msg: &str| InputError::new(cx.display, Some(line), format!("[[ignore]]: {msg}"));
    if e.rule.is_none() && e.package.is_none() {
        return Err(here("give `rule`, `package` or both"));
    }
    let reason = e
        .reason
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| here("`reason` is required: say why this is safe to ignore"))?;
    let expires = e
        .expires
        .ok_or_else(|| here("`expires` is required (a date such as 2026-12-31)"))?;
    let expires = parse_date(expires.get_ref())
        .map_err(|m| cx.err(expires.span(), format!("[[ignore]] expires: {m}")))?;
    let rule = match e.rule {
        Some(r) => {
            check_rule_id(r.get_ref())
                .map_err(|m| cx.err(r.span(), format!("[[ignore]] rule: {m}")))?;
            Some(r.into_inner().to_ascii_uppercase())
        }
        None => None,
    };
    let package = match e.package {
        Some(s) => Some(
            PackageSpec::parse(s.get_ref())
                .map_err(|m| cx.err(s.span(), format!("[[ignore]] package: {m}")))?,
        ),
        None => None,
    };
    Ok(Ignore {
        rule,
        package,
        reason,
        expires,
        line: Some(line),
    })
}

fn parse_date(v: &toml::Value) -> Result<jiff::civil::Date, String> {
    let s = match v {
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::String(s) => s.clone(),
        _ => return Err("expected a date such as 2026-12-31".into()),
    };
    s.trim()
        .parse::<jiff::civil::Date>()
        .map_err(|e| format!("`{s}` is not a date (YYYY-MM-DD): {e}"))
}

/// `TG` and three digits.
fn check_rule_id(id: &str) -> Result<(), String> {
    let u = id.to_ascii_uppercase();
    match u.strip_prefix("TG") {
        Some(d) if d.len() == 3 && d.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        _ => Err(format!(
            "`{id}` is not a rule ID (expected TG and three digits, e.g. TG401)"
        )),
    }
}

/// A rule ID or a prefix of one (`TG`, `TG4`, `TG40`, `TG401`).
fn check_rule_selector(s: &str) -> Result<(), String> {
    let u = s.to_ascii_uppercase();
    match u.strip_prefix("TG") {
        Some(d) if d.len() <= 3 && d.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        _ => Err(format!(
            "`{s}` is not a rule ID or prefix (expected TG401, TG4 or TG)"
        )),
    }
}

/// Fuzz entry point: any text must parse or fail with an error, never panic.
pub fn fuzz_policy(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let _ = parse(&s, "tollgate.toml");
    let _ = parse_pyproject(&s, "pyproject.toml");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> InputError {
        match parse(text, "tollgate.toml") {
            Ok(_) => panic!("expected an error for:\n{text}"),
            Err(e) => e,
        }
    }

    #[test]
    fn full_file() {
        let text = r#"
fail-on = "medium"
require-lockfile = true
require-hashes = true
min-release-age = "7d"
max-new-transitive = 5
require-approval = true
indexes = ["https://pypi.invalid/simple"]
registries = ["https://registry.npm.invalid/"]

[rules]
disable = ["TG401"]
enable = ["TG4"]
severity = { TG403 = "critical" }

[licenses]
allow = ["MIT", "Apache-2.0 WITH LLVM-exception"]
deny = ["AGPL-3.0-only"]

[[ignore]]
rule = "TG408"
package = "lodash@4.17.21"
reason = "vetted by hand"
expires = 2026-12-31
"#;
        let p = parse(text, "tollgate.toml").unwrap();
        assert_eq!(p.fail_on, Some(FailOn::At(Severity::Medium)));
        assert!(p.require_lockfile && p.require_hashes && p.require_approval);
        assert_eq!(
            p.min_release_age,
            Some(std::time::Duration::from_secs(7 * 86400))
        );
        assert_eq!(p.max_new_transitive, Some(5));
        assert_eq!(p.rules.severity.get("TG403"), Some(&Severity::Critical));
        assert_eq!(p.ignores.len(), 1);
        assert_eq!(p.ignores[0].line, Some(20));
        assert_eq!(p.ignores[0].expires.to_string(), "2026-12-31");
        let spec = p.ignores[0].package.as_ref().unwrap();
        assert_eq!(spec.name, "lodash");
        assert_eq!(spec.version.as_deref(), Some("4.17.21"));
    }

    #[test]
    fn unknown_keys_have_lines() {
        let e = err("fail-on = \"high\"\n\nrequire-hashs = true\n");
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("require-hashs"), "{}", e.message);
        let e = err("[rules]\ndisabled = [\"TG401\"]\n");
        assert_eq!(e.line, Some(2));
        let e =
            err("[[ignore]]\nrule = \"TG401\"\nreason = \"x\"\nexpires = 2026-01-01\nuntil = 1\n");
        assert_eq!(e.line, Some(5));
    }

    #[test]
    fn bad_values_have_lines() {
        let e = err("\nfail-on = \"sometimes\"\n");
        assert_eq!(e.line, Some(2));
        let e = err("min-release-age = \"7 days\"\n");
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("min-release-age"));
        let e = err("[rules]\nseverity = { TG403 = \"urgent\" }\n");
        assert_eq!(e.line, Some(2));
        let e = err("[rules]\ndisable = [\"E501\"]\n");
        assert_eq!(e.line, Some(2));
        let e = err("[licenses]\n\nallow = [\"MIT AND\"]\n");
        assert_eq!(e.line, Some(3));
        let e = err("max-new-transitive = -1\n");
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn ignore_needs_reason_and_expiry() {
        let e = err("\n[[ignore]]\nrule = \"TG401\"\nexpires = 2026-01-01\n");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("reason"));
        let e = err("[[ignore]]\nrule = \"TG401\"\nreason = \"ok\"\n");
        assert!(e.message.contains("expires"));
        let e = err("[[ignore]]\nreason = \"ok\"\nexpires = 2026-01-01\n");
        assert!(e.message.contains("rule"));
        let e = err("[[ignore]]\nrule = \"TG401\"\nreason = \"ok\"\n\nexpires = \"soon\"\n");
        assert_eq!(e.line, Some(5));
        let ok = parse(
            "[[ignore]]\npackage = \"pkg:npm/%40a/b@1.0.0\"\nreason = \"ok\"\nexpires = \"2026-01-01\"\n",
            "t",
        )
        .unwrap();
        let spec = ok.ignores[0].package.as_ref().unwrap();
        assert_eq!(spec.name, "@a/b");
    }

    #[test]
    fn pyproject_table() {
        let text = "[project]\nname = \"x\"\n\n[tool.tollgate]\nfail-on = \"low\"\n\n[tool.other]\nz = 1\n";
        let p = parse_pyproject(text, "pyproject.toml").unwrap().unwrap();
        assert_eq!(p.fail_on, Some(FailOn::At(Severity::Low)));
        assert!(
            parse_pyproject("[project]\nname = \"x\"\n", "p")
                .unwrap()
                .is_none()
        );
        let e = parse_pyproject("[tool.tollgate]\nfail_on = \"low\"\n", "p").unwrap_err();
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn fuzz_mutations() {
        let seed = "fail-on = \"high\"\nmin-release-age = \"36h\"\n[rules]\nseverity = { TG401 = \"low\" }\n[[ignore]]\nrule = \"TG401\"\npackage = \"a@1\"\nreason = \"r\"\nexpires = 2026-01-01\n";
        let b = seed.as_bytes();
        for i in 0..=b.len() {
            fuzz_policy(&b[..i]);
            let mut m = b.to_vec();
            if i < m.len() {
                m[i] = b'"';
                fuzz_policy(&m);
                m[i] = 0xff;
                fuzz_policy(&m);
            }
        }
    }
}
