//! Severity of an advisory: the CVSS base score computed locally (v2, v3.x,
//! v4.0, through RustSec's `cvss` crate), else GHSA's
//! `database_specific.severity`, else medium. Malicious records are critical
//! whatever their score.

use super::record::ScoreKind;
use crate::finding::Severity;
use std::str::FromStr;

/// A computed CVSS base score and the vector it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    pub value: f64,
    pub vector: String,
}

/// Base metrics of each CVSS version: the only ones the base score reads.
/// Temporal/threat, environmental and supplemental metrics are dropped so
/// every vector is scored the same way.
fn base_metrics(kind: ScoreKind) -> &'static [&'static str] {
    match kind {
        ScoreKind::CvssV2 => &["AV", "AC", "Au", "C", "I", "A"],
        ScoreKind::CvssV3 => &["AV", "AC", "PR", "UI", "S", "C", "I", "A"],
        ScoreKind::CvssV4 => &[
            "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
        ],
    }
}

/// The base score of a CVSS vector, `None` when it does not parse.
pub fn base_score(kind: ScoreKind, vector: &str) -> Option<f64> {
    let keep = base_metrics(kind);
    let parts: Vec<&str> = vector
        .trim()
        .split('/')
        .filter(|p| {
            p.starts_with("CVSS:") || p.split_once(':').is_some_and(|(m, _)| keep.contains(&m))
        })
        .collect();
    let base = parts.join("/");
    let parsed = cvss::Cvss::from_str(&base).ok()?;
    let ok = matches!(
        (&parsed, kind),
        (cvss::Cvss::CvssV20(_), ScoreKind::CvssV2)
            | (
                cvss::Cvss::CvssV30(_) | cvss::Cvss::CvssV31(_),
                ScoreKind::CvssV3
            )
            | (cvss::Cvss::CvssV40(_), ScoreKind::CvssV4)
    );
    let value = parsed.score();
    (ok && value.is_finite() && (0.0..=10.0).contains(&value)).then_some(value)
}

/// The qualitative rating of a score (the same scale in CVSS v3 and v4;
/// a 0.0 "none" becomes `info`).
pub fn from_score(score: f64) -> Severity {
    match score {
        s if s >= 9.0 => Severity::Critical,
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        s if s > 0.0 => Severity::Low,
        _ => Severity::Info,
    }
}

/// The highest base score among the vectors that parse.
pub fn best_score<'a>(scores: impl IntoIterator<Item = (ScoreKind, &'a str)>) -> Option<Score> {
    scores
        .into_iter()
        .filter_map(|(kind, vector)| {
            base_score(kind, vector).map(|value| Score {
                value,
                vector: vector.to_string(),
            })
        })
        .max_by(|a, b| a.value.total_cmp(&b.value))
}

/// A GHSA-style label (`LOW`, `MODERATE`, `HIGH`, `CRITICAL`).
pub fn from_label(label: &str) -> Option<Severity> {
    Severity::from_str(label).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_v31_spec_examples() {
        // Worked examples of the CVSS v3.1 specification/user guide.
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5),
            ("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L", 5.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ];
        for (v, want) in cases {
            assert_eq!(base_score(ScoreKind::CvssV3, v), Some(want), "{v}");
        }
        // Temporal metrics do not change the base score.
        assert_eq!(
            base_score(
                ScoreKind::CvssV3,
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O"
            ),
            Some(9.8)
        );
    }

    #[test]
    fn cvss_v40_spec_examples() {
        // Values from FIRST's CVSS v4.0 calculator (checked with Red Hat's `cvss`).
        let cases = [
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N",
                6.9,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:L",
                2.3,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N",
                8.7,
            ),
            (
                "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                8.5,
            ),
        ];
        for (v, want) in cases {
            assert_eq!(base_score(ScoreKind::CvssV4, v), Some(want), "{v}");
        }
        // Threat metrics are dropped: the base score is reported.
        assert_eq!(
            base_score(
                ScoreKind::CvssV4,
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U"
            ),
            Some(9.3)
        );
    }

    #[test]
    fn bad_vectors_and_labels() {
        assert_eq!(base_score(ScoreKind::CvssV3, "CVSS:3.1/AV:X"), None);
        assert_eq!(base_score(ScoreKind::CvssV3, ""), None);
        assert_eq!(
            base_score(
                ScoreKind::CvssV4,
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
            ),
            None,
            "a v3 vector filed as CVSS_V4 is refused"
        );
        assert_eq!(
            base_score(ScoreKind::CvssV2, "AV:N/AC:L/Au:N/C:P/I:P/A:P"),
            Some(7.5)
        );
        assert_eq!(from_label("MODERATE"), Some(Severity::Medium));
        assert_eq!(from_label("weird"), None);
        assert_eq!(from_score(7.0), Severity::High);
        assert_eq!(from_score(0.0), Severity::Info);
        let best = best_score([
            (
                ScoreKind::CvssV3,
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L",
            ),
            (
                ScoreKind::CvssV4,
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N",
            ),
        ]);
        assert_eq!(best.map(|s| s.value), Some(7.3));
    }
}
