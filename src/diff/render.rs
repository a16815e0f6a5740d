//! The diff as text for a terminal and as Markdown for a pull-request comment.

use super::{Change, ChangeKind, Diff};
use crate::finding::Finding;
use std::fmt::Write;

fn label(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Upgraded => "upgraded",
        ChangeKind::Downgraded => "DOWNGRADED",
        ChangeKind::Changed => "changed",
        ChangeKind::ArtifactChanged => "ARTIFACT CHANGED",
    }
}

fn versions(c: &Change) -> String {
    match (&c.from, &c.to) {
        (Some(a), Some(b)) if a == b => a.clone(),
        (Some(a), Some(b)) => format!("{a} → {b}"),
        (Some(a), None) => a.clone(),
        (None, Some(b)) => b.clone(),
        (None, None) => String::new(),
    }
}

fn notes(c: &Change) -> Vec<String> {
    let mut n = Vec::new();
    if c.major {
        n.push("major version jump".to_string());
    }
    match (c.kind, c.direct) {
        (ChangeKind::Added, Some(false)) if !c.introduced_by.is_empty() => n.push(format!(
            "new transitive, via {}",
            c.introduced_by.join(", ")
        )),
        (ChangeKind::Added, Some(false)) => n.push("new transitive".into()),
        (ChangeKind::Added, Some(true)) => n.push("new direct dependency".into()),
        _ => {}
    }
    if !c.new_capabilities.is_empty() {
        let caps: Vec<&str> = c.new_capabilities.iter().map(|c| c.as_str()).collect();
        n.push(format!("gains {}", caps.join(", ")));
    }
    n.extend(c.details.iter().cloned());
    if let Some(a) = &c.approval {
        n.push(a.clone());
    }
    n
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn summary_line(d: &Diff) -> String {
    let c = &d.counts;
    format!(
        "{} added ({} direct, {} transitive), {} removed, {} changed ({} major, {}), {}, {} with new capabilities",
        c.added,
        c.new_direct,
        c.new_transitive,
        c.removed,
        c.changed,
        c.major,
        plural(c.downgrades, "downgrade"),
        plural(c.artifact_changed, "artifact change"),
        c.new_capabilities
    )
}

/// Plain text, one change per line, then violations and the verdict.
pub fn human(d: &Diff, violations: &[Finding], failed: bool, fail_on: &str) -> String {
    let mut out = String::new();
    for c in &d.changes {
        let n = notes(c);
        let _ = write!(
            out,
            "{:<17} {} {} {}",
            label(c.kind),
            c.ecosystem,
            c.name,
            versions(c)
        );
        if !n.is_empty() {
            let _ = write!(out, "  ({})", n.join("; "));
        }
        out.push('\n');
    }
    if !violations.is_empty() {
        out.push('\n');
        for v in violations {
            let _ = writeln!(
                out,
                "{:<8} {} {}: {}",
                v.severity.as_str().to_uppercase(),
                v.rule_id,
                v.rule,
                v.message
            );
        }
    }
    let _ = writeln!(out, "\ntollgate diff: {}", summary_line(d));
    if failed {
        let _ = writeln!(out, "failed: policy violations at or above `{fail_on}`");
    }
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Markdown: a verdict line, violations, then one table per kind of change.
pub fn markdown(d: &Diff, violations: &[Finding], failed: bool, fail_on: &str) -> String {
    let mut out = String::from("## tollgate: dependency changes\n\n");
    if failed {
        let _ = writeln!(out, "**Policy violated** (fail-on: `{fail_on}`)\n");
    } else {
        let _ = writeln!(out, "**Policy satisfied** (fail-on: `{fail_on}`)\n");
    }
    let _ = writeln!(out, "{}\n", summary_line(d));
    if !violations.is_empty() {
        out.push_str("### Violations\n\n| severity | rule | message |\n|---|---|---|\n");
        for v in violations {
            let _ = writeln!(
                out,
                "| {} | {} {} | {} |",
                v.severity,
                v.rule_id,
                v.rule,
                md_escape(&v.message)
            );
        }
        out.push('\n');
    }
    for kind in [
        ChangeKind::ArtifactChanged,
        ChangeKind::Added,
        ChangeKind::Upgraded,
        ChangeKind::Downgraded,
        ChangeKind::Changed,
        ChangeKind::Removed,
    ] {
        let rows: Vec<&Change> = d.changes.iter().filter(|c| c.kind == kind).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "### {} ({})\n\n| package | version | notes |\n|---|---|---|",
            label(kind),
            rows.len()
        );
        for c in rows {
            let _ = writeln!(
                out,
                "| {} `{}` | {} | {} |",
                c.ecosystem,
                md_escape(&c.name),
                md_escape(&versions(c)),
                md_escape(&notes(c).join("; "))
            );
        }
        out.push('\n');
    }
    out
}
