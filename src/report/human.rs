//! The human-readable report: findings worst first, then errors and a summary.

use super::Report;
use crate::finding::{Finding, Severity};
use crate::inventory::footprint::Footprint;
use std::fmt::Write;

/// ANSI styling, off when output is not a terminal or colour is disabled.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn severity(&self, s: Severity) -> String {
        let label = format!("{:<8}", s.as_str().to_uppercase());
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, &label)
    }

    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }

    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
}

/// Renders a `scan` report.
pub fn render_scan(report: &Report, style: Style) -> String {
    let mut out = String::new();
    for f in &report.findings {
        render_finding(&mut out, f, style);
    }
    render_errors(&mut out, report, style);
    render_notices(&mut out, report, style);
    let s = &report.summary;
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|sev| format!("{} {}", s.by_severity.get(sev.as_str()).unwrap_or(&0), sev))
        .collect();
    let _ = writeln!(
        out,
        "{} {} packages ({} direct) from {} inputs; {} findings: {}; {} errors",
        style.bold("tollgate:"),
        s.packages,
        s.direct,
        s.inputs,
        s.findings,
        counts.join(", "),
        s.errors
    );
    if s.failed {
        let _ = writeln!(
            out,
            "{}",
            style.paint(
                "1;31",
                &format!("failed: findings at or above `{}`", s.fail_on)
            )
        );
    }
    out
}

fn render_finding(out: &mut String, f: &Finding, style: Style) {
    let pkg = f
        .package
        .as_ref()
        .map(|p| match &p.version {
            Some(v) => format!(" {}@{}", p.name, v),
            None => format!(" {}", p.name),
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} {} {}{}",
        style.severity(f.severity),
        style.bold(&f.rule_id),
        f.rule,
        style.bold(&pkg)
    );
    let _ = writeln!(out, "  {}", f.message);
    if let Some(l) = &f.location {
        let mut at = l.path.clone();
        if let Some(line) = l.line {
            let _ = write!(at, ":{line}");
            if let Some(c) = l.column {
                let _ = write!(at, ":{c}");
            }
        } else if let Some(off) = l.column {
            let _ = write!(at, " @ byte {off}");
        }
        let _ = writeln!(out, "  {} {}", style.dim("at"), at);
    }
    for e in f.evidence.iter().take(8) {
        let _ = writeln!(out, "  {} {}", style.dim("|"), truncate(e, 160));
    }
    if f.evidence.len() > 8 {
        let _ = writeln!(out, "  {} … {} more", style.dim("|"), f.evidence.len() - 8);
    }
    if let Some(r) = &f.remediation {
        let _ = writeln!(out, "  {} {}", style.dim("fix:"), r);
    }
    out.push('\n');
}

/// Model files of the inventory: format, size, digest, path.
fn render_artifacts(out: &mut String, report: &Report, style: Style) {
    if report.artifacts.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "{:<14} {:>10}  {:<64}  MODEL ARTIFACT",
            "FORMAT", "SIZE", "SHA256"
        ))
    );
    for a in &report.artifacts {
        let _ = writeln!(
            out,
            "{:<14} {:>10}  {:<64}  {}",
            a.format,
            human_bytes(a.size),
            a.sha256.as_deref().unwrap_or("-"),
            a.path
        );
    }
}

fn render_errors(out: &mut String, report: &Report, style: Style) {
    if report.errors.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}",
        style.bold("errors (these inputs were not fully read):")
    );
    for e in &report.errors {
        let _ = writeln!(out, "  {e}");
    }
    out.push('\n');
}

fn render_notices(out: &mut String, report: &Report, style: Style) {
    for n in &report.tool.notices {
        let _ = writeln!(out, "{} {}", style.paint("33", "note:"), n);
    }
}

/// Renders an `inventory` report: one line per package, then the footprint.
pub fn render_inventory(report: &Report, footprint: Option<&Footprint>, style: Style) -> String {
    let mut out = String::new();
    let name_w = report
        .packages
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(4)
        .clamp(4, 48);
    let ver_w = report
        .packages
        .iter()
        .map(|p| p.version.as_deref().map_or(1, str::len))
        .max()
        .unwrap_or(7)
        .clamp(7, 24);
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!(
            "{:<6} {:<name_w$} {:<ver_w$} {:<10} {:>10}  SOURCE",
            "ECO", "NAME", "VERSION", "DIRECT", "SIZE"
        ))
    );
    for p in &report.packages {
        let direct = match p.direct {
            Some(true) => "direct",
            Some(false) => "transitive",
            None => "-",
        };
        let size = p.installed_size.map(human_bytes).unwrap_or_default();
        let src = p
            .sources
            .first()
            .map(|s| match s.line {
                Some(l) => format!("{}:{}", s.path, l),
                None => s.path.clone(),
            })
            .unwrap_or_default();
        let more = if p.sources.len() > 1 {
            format!(" (+{})", p.sources.len() - 1)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:<6} {:<name_w$} {:<ver_w$} {:<10} {:>10}  {}{}",
            p.ecosystem.purl_type(),
            p.name,
            p.version.as_deref().unwrap_or("*"),
            direct,
            size,
            src,
            more
        );
    }
    if let Some(fp) = footprint {
        out.push('\n');
        render_footprint(&mut out, fp, style);
    }
    render_artifacts(&mut out, report, style);
    render_errors(&mut out, report, style);
    let _ = writeln!(
        out,
        "{} {} packages ({} direct) from {} inputs; {} errors",
        style.bold("tollgate:"),
        report.summary.packages,
        report.summary.direct,
        report.summary.inputs,
        report.summary.errors
    );
    out
}

/// "litellm brings N packages and M MB": one line per direct dependency.
pub fn render_footprint(out: &mut String, fp: &Footprint, style: Style) {
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!(
            "footprint: {} packages, {} direct, {} installed in {} files",
            fp.packages,
            fp.direct,
            human_bytes(fp.installed_bytes),
            fp.installed_files
        ))
    );
    for d in &fp.by_direct {
        let _ = writeln!(
            out,
            "  {}@{} brings {} packages and {} ({} packages, {} only through it)",
            d.name,
            d.version.as_deref().unwrap_or("*"),
            d.packages,
            human_bytes(d.bytes),
            d.exclusive_packages,
            human_bytes(d.exclusive_bytes)
        );
    }
}

/// Bytes in binary units, one decimal: `1.2 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn truncate(s: &str, n: usize) -> String {
    let s = s.replace(['\n', '\r'], " ");
    if s.chars().count() <= n {
        s
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(88 * 1024 * 1024), "88.0 MiB");
    }
}
