//! What `scan` and `diff` share as a gate: the policy and clock, the policy
//! facts in the report, and the audit-log record.

use crate::analyze::RunSettings;
use crate::analyze::hygiene::rules as hygiene_rules;
use crate::cli::GlobalArgs;
use crate::finding::RuleMeta;
use crate::policy::{self, FailOn, Policy, apply::Suppressed};
use crate::report::Report;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Loads the policy (explicit, else found beside the first path) and the clock.
pub fn settings(
    explicit: Option<&Path>,
    paths: &[PathBuf],
    online: bool,
) -> anyhow::Result<RunSettings> {
    let now = policy::now().map_err(|e| anyhow::anyhow!(e))?;
    let pol = policy::locate(explicit, paths)
        .map_err(|e| anyhow::anyhow!("policy: {e}"))?
        .unwrap_or_default();
    Ok(RunSettings {
        policy: Arc::new(pol),
        now,
        online,
    })
}

/// Today's date in UTC, for ignore expiry.
pub fn today(s: &RunSettings) -> jiff::civil::Date {
    s.now.to_zoned(jiff::tz::TimeZone::UTC).date()
}

fn fail_on_text(f: FailOn) -> String {
    f.threshold().map_or("never".into(), |s| s.to_string())
}

/// `tool.data.policy`: which file, the threshold, and what ignores hid.
pub fn policy_data(p: &Policy, fail_on: FailOn, suppressed: &[Suppressed]) -> Value {
    json!({
        "file": p.display,
        "fail_on": fail_on_text(fail_on),
        "suppressed": suppressed,
    })
}

/// Rules the policy itself can raise, so SARIF and the docs know them.
pub fn add_policy_rules(rules: &mut Vec<RuleMeta>) {
    if !rules
        .iter()
        .any(|r| r.id == hygiene_rules::expired_ignore::RULE.id)
    {
        rules.push(hygiene_rules::expired_ignore::RULE);
    }
    rules.sort_by_key(|r| r.id);
}

/// Notices for rule IDs the policy names that no analysis of this build has
/// (a typo, or a rule of an analysis left out with `--only`).
pub fn unknown_rule_notices(p: &Policy, known: &[RuleMeta]) -> Vec<String> {
    let file = p.display.as_deref().unwrap_or("policy");
    let mut named: Vec<&str> = p.rules.severity.keys().map(String::as_str).collect();
    named.extend(
        p.rules
            .enable
            .iter()
            .chain(&p.rules.disable)
            .map(String::as_str)
            .filter(|s| s.len() == 5),
    );
    named.extend(p.ignores.iter().filter_map(|i| i.rule.as_deref()));
    named.sort();
    named.dedup();
    named
        .into_iter()
        .filter(|id| !known.iter().any(|r| r.id == *id))
        .map(|id| format!("{file}: no rule {id} in this run; check the ID"))
        .collect()
}

/// The policy file's identity: path and sha256 of its bytes.
fn policy_identity(p: &Policy) -> Value {
    match &p.path {
        Some(path) => {
            let digest = std::fs::read(path)
                .map(|b| hex::encode(Sha256::digest(&b)))
                .unwrap_or_default();
            json!({"file": p.display, "sha256": digest})
        }
        None => Value::Null,
    }
}

/// The common fields of every audit record.
pub fn base_record(
    s: &RunSettings,
    command: &str,
    failed: bool,
    fail_on: FailOn,
) -> Map<String, Value> {
    let mut m = Map::new();
    // The wall clock, even when decisions used an injected one ($TOLLGATE_NOW).
    let wall = jiff::Timestamp::now();
    m.insert("time".into(), json!(wall.to_string()));
    if wall.duration_since(s.now).abs().as_secs() > 60 {
        m.insert("clock".into(), json!(s.now.to_string()));
    }
    if let Some(user) = ["GITHUB_ACTOR", "GITLAB_USER_LOGIN", "USER", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    {
        m.insert("user".into(), json!(user));
    }
    m.insert("command".into(), json!(command));
    m.insert("tool_version".into(), json!(env!("CARGO_PKG_VERSION")));
    m.insert("policy".into(), policy_identity(&s.policy));
    m.insert("fail_on".into(), json!(fail_on_text(fail_on)));
    m.insert(
        "decision".into(),
        json!(if failed { "fail" } else { "pass" }),
    );
    m
}

/// The commit checked out at `dir`, when it is in a git work tree.
pub fn git_commit(dir: &Path) -> Option<String> {
    let dir = if dir.is_file() { dir.parent()? } else { dir };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !id.is_empty()).then_some(id)
}

/// A `scan` decision: the counts and the findings that reached the threshold.
pub fn scan_record(
    s: &RunSettings,
    threshold: FailOn,
    paths: &[PathBuf],
    report: &Report,
    suppressed: usize,
) -> Map<String, Value> {
    let mut m = base_record(s, "scan", report.summary.failed, threshold);
    let shown: Vec<String> = paths
        .iter()
        .map(|p| crate::discover::display_path(p))
        .collect();
    m.insert("paths".into(), json!(shown));
    if let Some(c) = paths.first().and_then(|p| git_commit(p)) {
        m.insert("git_commit".into(), json!(c));
    }
    m.insert("packages".into(), json!(report.summary.packages));
    m.insert("findings".into(), json!(report.summary.by_severity));
    m.insert("suppressed".into(), json!(suppressed));
    m.insert("errors".into(), json!(report.summary.errors));
    let failing: Vec<String> = report
        .findings
        .iter()
        .filter(|f| threshold.threshold().is_some_and(|t| f.severity >= t))
        .take(100)
        .map(|f| {
            let pkg = f.package.as_ref().map(|p| match &p.version {
                Some(v) => format!(" {}@{}", p.name, v),
                None => format!(" {}", p.name),
            });
            format!("{}{}", f.rule_id, pkg.unwrap_or_default())
        })
        .collect();
    m.insert("failing".into(), json!(failing));
    m
}

/// Appends a record to the audit log; a log that cannot be written fails the run.
pub fn audit(path: &Path, record: Map<String, Value>, global: &GlobalArgs) -> anyhow::Result<()> {
    let hash =
        policy::audit::append(path, record).map_err(|e| anyhow::anyhow!("audit log: {e}"))?;
    if !global.quiet {
        eprintln!("tollgate: audit log {}: appended {hash}", path.display());
    }
    Ok(())
}
