//! SARIF 2.1.0, as GitHub code scanning reads it: rule metadata with help,
//! `security-severity` for its severity mapping, and a physical location for
//! every result (findings without one point at the input that named the package).

use super::Report;
use crate::finding::{Finding, Severity};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// SARIF `level` of a severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (a CVSS-like score it buckets into
/// critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// Renders the report as a SARIF 2.1.0 log.
pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = report
        .rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": {
                    "text": format!("{} Documentation: {} in the tollgate repository.", r.summary, r.doc_path()),
                    "markdown": format!("{}\n\nDocumentation: `{}` in the tollgate repository.", r.summary, r.doc_path()),
                },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": {
                    "tags": ["security", "supply-chain"],
                    "security-severity": security_severity(r.severity),
                    "precision": "high",
                },
            })
        })
        .collect();
    let fallback = report.inputs.first().map(|i| i.path.clone());
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(report, f, fallback.as_deref()))
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let mut n = json!({
                "level": "warning",
                "message": { "text": e.message },
                "locations": [ { "physicalLocation": physical(&e.path, e.line, None) } ],
            });
            if e.line.is_none() {
                n["locations"][0]["physicalLocation"]
                    .as_object_mut()
                    .map(|o| o.remove("region"));
            }
            n
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "tollgate",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

fn result(report: &Report, f: &Finding, fallback: Option<&str>) -> Value {
    let rule_index = report.rules.iter().position(|r| r.id == f.rule_id);
    // A finding about a package without a file location points at the input
    // that declared the package, so code scanning can show it.
    let (path, line, col) = match &f.location {
        Some(l) => (l.path.clone(), l.line, l.column),
        None => {
            let src = f.package.as_ref().and_then(|p| {
                report.packages.iter().find(|q| {
                    q.ecosystem == p.ecosystem && q.name == p.name && q.version == p.version
                })
            });
            match src.and_then(|p| p.sources.first()) {
                Some(s) => (s.path.clone(), s.line, None),
                None => (fallback.unwrap_or(".").to_string(), None, None),
            }
        }
    };
    let mut text = f.message.clone();
    if let Some(r) = &f.remediation {
        text.push_str(" Fix: ");
        text.push_str(r);
    }
    let mut r = json!({
        "ruleId": f.rule_id,
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [ { "physicalLocation": physical(&path, line, col) } ],
        "partialFingerprints": { "tollgate/v1": fingerprint(f) },
        "properties": {
            "severity": f.severity.as_str(),
            "confidence": f.confidence,
            "security-severity": security_severity(f.severity),
        },
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(p) = &f.package {
        r["properties"]["package"] = json!(p);
    }
    if !f.evidence.is_empty() {
        r["properties"]["evidence"] = json!(f.evidence);
    }
    r
}

/// A physical location. A path inside an archive (`a.whl!/x.py`) points at
/// the archive file; the inner path stays in the message and properties.
fn physical(path: &str, line: Option<u32>, col: Option<u32>) -> Value {
    let outer = path.split("!/").next().unwrap_or(path);
    let mut loc = json!({ "artifactLocation": { "uri": uri_escape(outer) } });
    if let Some(l) = line.filter(|&l| l >= 1) {
        let mut region = json!({ "startLine": l });
        if let Some(c) = col.filter(|&c| c >= 1) {
            region["startColumn"] = json!(c);
        }
        loc["region"] = region;
    } else {
        loc["region"] = json!({ "startLine": 1 });
    }
    loc
}

/// Percent-encodes what may not stand in a relative URI reference.
fn uri_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Stable identity of a finding across runs (rule, package, place, evidence).
fn fingerprint(f: &Finding) -> String {
    let mut h = Sha256::new();
    h.update(f.rule_id.as_bytes());
    if let Some(p) = &f.package {
        h.update(format!("{}/{}@{:?}", p.ecosystem, p.name, p.version).as_bytes());
    }
    if let Some(l) = &f.location {
        h.update(l.path.as_bytes());
    }
    for e in &f.evidence {
        h.update(e.as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}
