//! A `scan` report as Markdown, for a pull-request comment.

use super::Report;
use std::fmt::Write;

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The verdict, then one table row per finding (worst first), then notices.
pub fn render_scan(r: &Report) -> String {
    let s = &r.summary;
    let mut out = String::from("## tollgate scan\n\n");
    let verdict = if s.failed { "**Failed**" } else { "**Passed**" };
    let _ = writeln!(
        out,
        "{verdict} (fail-on: `{}`): {} packages ({} direct) from {} inputs; {} findings; {} errors\n",
        s.fail_on, s.packages, s.direct, s.inputs, s.findings, s.errors
    );
    if !r.findings.is_empty() {
        out.push_str("| severity | rule | package | message | location |\n|---|---|---|---|---|\n");
        for f in &r.findings {
            let pkg = f
                .package
                .as_ref()
                .map_or(String::new(), |p| match &p.version {
                    Some(v) => format!("`{}@{}`", p.name, v),
                    None => format!("`{}`", p.name),
                });
            let loc = f.location.as_ref().map_or(String::new(), |l| match l.line {
                Some(n) => format!("{}:{n}", l.path),
                None => l.path.clone(),
            });
            let _ = writeln!(
                out,
                "| {} | {} {} | {} | {} | {} |",
                f.severity,
                f.rule_id,
                f.rule,
                cell(&pkg),
                cell(&f.message),
                cell(&loc)
            );
        }
        out.push('\n');
    }
    for n in &r.tool.notices {
        let _ = writeln!(out, "> note: {}", cell(n));
    }
    out
}
