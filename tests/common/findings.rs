//! Reading findings out of a JSON report.

use serde_json::Value;

/// A severity name as a rank: info 1 … critical 5 (0 for anything else).
pub fn rank(s: &str) -> u8 {
    match s {
        "info" => 1,
        "low" => 2,
        "medium" => 3,
        "high" => 4,
        "critical" => 5,
        _ => 0,
    }
}

/// Whether `rule` is reported at `min` or worse: as its own finding, or
/// folded into a chain finding (TG200 lists the rules it absorbed).
pub fn has_rule(report: &Value, rule: &str, min: u8) -> bool {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| {
            let folded = f["rule_id"] == "TG200"
                && f["evidence"][0]
                    .as_str()
                    .and_then(|e| e.strip_prefix("also matches: "))
                    .is_some_and(|l| l.split(", ").any(|r| r.split(' ').next() == Some(rule)));
            (f["rule_id"] == rule || folded) && rank(f["severity"].as_str().unwrap_or("")) >= min
        })
}
