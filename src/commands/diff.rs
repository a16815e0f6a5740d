//! `tollgate diff BASE HEAD` (or `--git REV [PATH]`): compares two dependency
//! sets, applies the policy (new-dependency limit, approvals, changed
//! artifacts) and exits 1 when it is violated.

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, emit, target};
use crate::analyze::RunSettings;
use crate::analyze::hygiene::rules::{
    artifact_changed, new_dependency_limit, release_cooldown, unapproved_change,
};
use crate::cli::{DiffArgs, GlobalArgs};
use crate::diff::{self, ChangeKind, Diff, capabilities, render};
use crate::finding::{Finding, InputError};
use crate::inventory::{self, Inventory};
use crate::policy::{self, approvals};
use crate::report::{Format, Report, ToolInfo, sarif};
use serde_json::json;
use std::path::{Path, PathBuf};

/// The two sides as paths on disk (git revisions written to a temp dir).
struct Sides {
    base: PathBuf,
    head: PathBuf,
    /// Where the policy is looked for: the HEAD path in the working tree.
    policy_dir: PathBuf,
    /// BASE is a revision with no manifest or lockfile: an empty set.
    base_empty: bool,
    _tmp: Vec<tempfile::TempDir>,
}

fn sides(args: &DiffArgs) -> anyhow::Result<Sides> {
    let tmp = || {
        tempfile::tempdir().map_err(|e| anyhow::anyhow!("cannot create a temporary directory: {e}"))
    };
    match args.git.len() {
        0 => {
            let [base, head] = args.paths.as_slice() else {
                anyhow::bail!("give BASE and HEAD (lockfiles or directories), or --git REV [PATH]");
            };
            Ok(Sides {
                base: base.clone(),
                head: head.clone(),
                policy_dir: head.clone(),
                base_empty: false,
                _tmp: vec![],
            })
        }
        1 | 2 => {
            if args.paths.len() > 1 {
                anyhow::bail!(
                    "with --git, give at most one PATH (the file or directory to compare)"
                );
            }
            let path = args
                .paths
                .first()
                .cloned()
                .unwrap_or_else(|| PathBuf::from("."));
            let t1 = tmp()?;
            let (base, base_files) = diff::git::snapshot(&path, &args.git[0], t1.path())
                .map_err(|e| anyhow::anyhow!(e))?;
            let mut keep = vec![t1];
            let head = match args.git.get(1) {
                Some(rev) => {
                    let t2 = tmp()?;
                    let (h, n) = diff::git::snapshot(&path, rev, t2.path())
                        .map_err(|e| anyhow::anyhow!(e))?;
                    if n == 0 {
                        anyhow::bail!("no manifest or lockfile under {} at {rev}", path.display());
                    }
                    keep.push(t2);
                    h
                }
                None => path.clone(),
            };
            Ok(Sides {
                base,
                head,
                policy_dir: path,
                base_empty: base_files == 0,
                _tmp: keep,
            })
        }
        _ => anyhow::bail!("--git is given at most twice (BASE and HEAD revisions)"),
    }
}

fn read_side(
    path: &Path,
    options: &inventory::Options,
    label: &str,
) -> anyhow::Result<(Inventory, Vec<InputError>)> {
    let discovered = crate::discover::discover(&[path.to_path_buf()]);
    let inv = inventory::build(&discovered, options);
    if inv.packages.is_empty() {
        let why: Vec<String> = inv.errors.iter().take(3).map(|e| e.to_string()).collect();
        anyhow::bail!(
            "{label} {}: no packages could be read{}",
            path.display(),
            if why.is_empty() {
                String::new()
            } else {
                format!(" ({})", why.join("; "))
            }
        );
    }
    let errors = inv.errors.clone();
    Ok((inv, errors))
}

/// Capabilities from metadata and files, plus whatever the behaviour analysis
/// (when this build has one) reports for packages with contents.
fn capabilities_of(
    inv: &Inventory,
    settings: &RunSettings,
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<capabilities::Capability>> {
    let mut caps = capabilities::collect(inv);
    if inv.contents.is_empty() {
        return caps;
    }
    let discovered = crate::discover::Discovered::default();
    let ctx = crate::analyze::ScanContext {
        inventory: inv,
        discovered: &discovered,
        home: crate::home::home(),
    };
    for mut a in crate::analyze::all()
        .into_iter()
        .filter(|a| a.name() == "behavior")
    {
        a.configure(settings);
        capabilities::from_findings(&a.run(&ctx).findings, &mut caps);
    }
    caps
}

pub fn run(args: &DiffArgs, global: &GlobalArgs) -> anyhow::Result<i32> {
    let s = sides(args)?;
    let settings = super::gate::settings(
        args.gate.policy.as_deref(),
        std::slice::from_ref(&s.policy_dir),
        false,
    )?;
    let fail_on = settings.policy.effective_fail_on(global.fail_on);
    let options = inventory::Options {
        target: target(&args.target)?,
        skip_artifact_hashes: false,
    };
    let (base, base_err) = if s.base_empty {
        // Before the project's first lockfile: everything in HEAD is new.
        (Inventory::default(), Vec::new())
    } else {
        match read_side(&s.base, &options, "BASE") {
            Ok(x) => x,
            Err(e) => return usage(e),
        }
    };
    let (head, head_err) = match read_side(&s.head, &options, "HEAD") {
        Ok(x) => x,
        Err(e) => return usage(e),
    };
    let mut d = diff::compute(
        &base,
        &head,
        &capabilities_of(&base, &settings),
        &capabilities_of(&head, &settings),
    );
    let approvals_file = settings.policy.approvals_path(&s.policy_dir);
    let approved =
        approvals::load(&approvals_file).map_err(|e| anyhow::anyhow!("approvals: {e}"))?;
    let raw = violations(&mut d, &settings.policy, &approved, settings.now);
    let applied = policy::apply::apply(&settings.policy, raw, super::gate::today(&settings));
    let failed = policy::fails(&applied.findings, fail_on);
    let errors = [&base_err, &head_err];
    let text = render_output(global.format, &d, &applied, fail_on, &s, errors);
    emit(global, &text)?;
    if !global.quiet {
        for n in &applied.notices {
            eprintln!("note: {n}");
        }
    }
    if let Some(log) = &args.gate.audit_log {
        let rec = audit_record(args, &settings, &s, &d, &applied.findings, failed, fail_on);
        super::gate::audit(log, rec, global)?;
    }
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

/// The diff in the chosen format.
fn render_output(
    format: Format,
    d: &Diff,
    applied: &policy::apply::Applied,
    fail_on: policy::FailOn,
    s: &Sides,
    errors: [&Vec<InputError>; 2],
) -> String {
    let failed = policy::fails(&applied.findings, fail_on);
    let fail_text = fail_on
        .threshold()
        .map_or("never".to_string(), |t| t.to_string());
    match format {
        // `commands::run` refuses the SBOM formats before any command runs.
        Format::Human | Format::CyclonedxJson | Format::SpdxJson => {
            render::human(d, &applied.findings, failed, &fail_text)
        }
        Format::Markdown => render::markdown(d, &applied.findings, failed, &fail_text),
        Format::Json => json_report(d, applied, failed, &fail_text, s, errors),
        Format::Sarif => {
            let mut rules = vec![
                artifact_changed::RULE,
                new_dependency_limit::RULE,
                release_cooldown::RULE,
                unapproved_change::RULE,
            ];
            super::gate::add_policy_rules(&mut rules);
            let report = Report::new(
                ToolInfo::new(vec!["diff"]),
                Inventory::default(),
                applied.findings.clone(),
                vec![],
                fail_on.threshold(),
                rules,
            );
            sarif::render(&report)
        }
    }
}

/// The audit-log record of a diff decision.
fn audit_record(
    args: &DiffArgs,
    settings: &RunSettings,
    s: &Sides,
    d: &Diff,
    violations: &[Finding],
    failed: bool,
    fail_on: policy::FailOn,
) -> serde_json::Map<String, serde_json::Value> {
    let mut rec = super::gate::base_record(settings, "diff", failed, fail_on);
    rec.insert(
        "base".into(),
        json!(
            args.git
                .first()
                .cloned()
                .unwrap_or_else(|| crate::discover::display_path(&s.base))
        ),
    );
    rec.insert(
        "head".into(),
        json!(
            args.git
                .get(1)
                .cloned()
                .unwrap_or_else(|| crate::discover::display_path(&s.head))
        ),
    );
    if let Some(c) = super::gate::git_commit(&s.policy_dir) {
        rec.insert("git_commit".into(), json!(c));
    }
    rec.insert("counts".into(), json!(d.counts));
    let v: Vec<String> = violations
        .iter()
        .map(|f| format!("{} {}", f.rule_id, f.message))
        .collect();
    rec.insert("violations".into(), json!(v));
    rec
}

fn usage(e: anyhow::Error) -> anyhow::Result<i32> {
    eprintln!("tollgate: error: {e:#}");
    Ok(EXIT_USAGE)
}

/// The policy's diff checks: changed artifacts, the new-transitive limit,
/// the cooldown of versions the change brings in, approvals.
pub fn violations(
    d: &mut Diff,
    p: &policy::Policy,
    approved: &[approvals::Approval],
    now: jiff::Timestamp,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in d
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::ArtifactChanged)
    {
        let mut f = Finding::new(
            &artifact_changed::RULE,
            format!("{}@{} changed its artifact without changing its version: {}", c.name, c.to.as_deref().unwrap_or("?"), c.details.join("; ")),
        )
        .remediation("find out why the bytes changed before merging: a re-published or tampered release, or a lockfile edited by hand");
        if let Some(h) = &c.head {
            f = f.package(h);
        }
        out.push(f);
    }
    if let Some(max) = p.max_new_transitive
        && d.counts.new_transitive > max
    {
        let names: Vec<String> = d
            .changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Added && c.direct == Some(false))
            .map(|c| format!("{}@{}", c.name, c.to.as_deref().unwrap_or("")))
            .collect();
        let mut f = Finding::new(
            &new_dependency_limit::RULE,
            format!(
                "this change adds {} new transitive {}; the policy allows {max}",
                d.counts.new_transitive,
                if d.counts.new_transitive == 1 { "dependency" } else { "dependencies" }
            ),
        )
        .remediation("review the new packages and raise `max-new-transitive`, or choose a lighter dependency");
        for n in names.iter().take(20) {
            f = f.evidence(n.clone());
        }
        out.push(f);
    }
    // A version this change brings in that is younger than the cooldown.
    if let Some(min_age) = p.min_release_age {
        for c in d.changes.iter().filter(|c| c.kind != ChangeKind::Removed) {
            let Some(h) = &c.head else { continue };
            if let Some(f) = release_cooldown::release_time(h)
                .and_then(|t| release_cooldown::judge(h, t, now, min_age))
            {
                out.push(f);
            }
        }
    }
    if p.require_approval {
        for c in d
            .changes
            .iter_mut()
            .filter(|c| !matches!(c.kind, ChangeKind::Removed))
        {
            let Some(h) = c.head.clone() else { continue };
            let (note, violation) = match approvals::status(approved, &h) {
                approvals::Status::Approved(a) => (format!("approved by {}", a.by), None),
                approvals::Status::HashMismatch(a) => (
                    "approval is for another hash".to_string(),
                    Some(format!(
                        "{} has an approval by {} for {}, not for the artifact now locked",
                        h.display_id(),
                        a.by,
                        a.hash.as_deref().unwrap_or("no hash")
                    )),
                ),
                approvals::Status::Missing => (
                    "not approved".to_string(),
                    Some(format!(
                        "{} {} and has no approval",
                        h.display_id(),
                        match c.kind {
                            ChangeKind::Added => "is added by this change",
                            ChangeKind::ArtifactChanged => "has new bytes in this change",
                            _ => "is the new version in this change",
                        }
                    )),
                ),
            };
            c.approval = Some(note);
            if let Some(msg) = violation {
                out.push(
                    Finding::new(&unapproved_change::RULE, msg)
                        .package(&h)
                        .remediation(format!("review it, then `tollgate approve {} --reason \"…\"` and commit the approvals file", h.display_id())),
                );
            }
        }
    }
    out
}

fn json_report(
    d: &Diff,
    applied: &policy::apply::Applied,
    failed: bool,
    fail_on: &str,
    s: &Sides,
    errors: [&Vec<InputError>; 2],
) -> String {
    let v = json!({
        "schema_version": 1,
        "tool": {"name": "tollgate", "version": env!("CARGO_PKG_VERSION"), "notices": applied.notices},
        "base": crate::discover::display_path(&s.base),
        "head": crate::discover::display_path(&s.head),
        "changes": d.changes,
        "counts": d.counts,
        "violations": applied.findings,
        "suppressed": applied.suppressed,
        "errors": {"base": errors[0], "head": errors[1]},
        "summary": {"fail_on": fail_on, "failed": failed},
    });
    let mut out = serde_json::to_string_pretty(&v).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Ecosystem, Package};

    fn inv(v: &str, released: &str) -> Inventory {
        let mut p = Package::new(Ecosystem::Pypi, "litellm", Some(v));
        p.release_time = Some(released.into());
        Inventory {
            packages: vec![p],
            ..Inventory::default()
        }
    }

    #[test]
    fn cooldown_applies_to_versions_the_change_brings_in() {
        let base = inv("1.82.6", "2026-03-20T09:00:00Z");
        let head = inv("1.82.7", "2026-03-24T10:20:00Z");
        let policy = policy::file::parse("min-release-age = \"7d\"\n", "t").unwrap();
        let now: jiff::Timestamp = "2026-03-24T11:00:00Z".parse().unwrap();
        let mut d = diff::compute(&base, &head, &Default::default(), &Default::default());
        let v = violations(&mut d, &policy, &[], now);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule_id, "TG408");
        // Unchanged packages are the scan's business, not the diff's.
        let mut same = diff::compute(&base, &base, &Default::default(), &Default::default());
        assert!(violations(&mut same, &policy, &[], now).is_empty());
        // Old enough.
        let later: jiff::Timestamp = "2026-04-01T11:00:00Z".parse().unwrap();
        assert!(violations(&mut d, &policy, &[], later).is_empty());
    }
}
