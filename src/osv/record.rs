//! One OSV record (<https://ossf.github.io/osv-schema/>) parsed into the
//! compact form the database stores: only what matching and reporting need.
//!
//! This file is also compiled into `build.rs` (to embed the bundled
//! snapshot), so it uses nothing but `std`, `serde` and `serde_json`.

use serde::Deserialize;
use std::borrow::Cow;

/// The ecosystems tollgate matches. Entries for any other ecosystem are dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Eco {
    PyPI = 0,
    Npm = 1,
    Crates = 2,
}

impl Eco {
    pub const ALL: [Eco; 3] = [Eco::PyPI, Eco::Npm, Eco::Crates];

    /// The OSV ecosystem name (`PyPI`, `npm`, `crates.io`).
    pub fn osv_name(self) -> &'static str {
        match self {
            Eco::PyPI => "PyPI",
            Eco::Npm => "npm",
            Eco::Crates => "crates.io",
        }
    }

    /// Recognises an OSV `package.ecosystem` (ASCII case-insensitive).
    pub fn from_osv(s: &str) -> Option<Eco> {
        Eco::ALL
            .into_iter()
            .find(|e| e.osv_name().eq_ignore_ascii_case(s.trim()))
    }

    pub fn from_u8(b: u8) -> Option<Eco> {
        Eco::ALL.into_iter().find(|e| *e as u8 == b)
    }
}

/// The name under which an ecosystem compares package names: PEP 503 for
/// PyPI; lowercase for npm (the registry refuses case-only twins); crates.io
/// treats `-` and `_` alike. Agrees with `model::Ecosystem::normalize`
/// (checked by a test), which the build script cannot reach.
pub fn normalize_name(eco: Eco, name: &str) -> String {
    let name = name.trim();
    match eco {
        Eco::PyPI => {
            let mut out = String::with_capacity(name.len());
            let mut in_sep = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    if !in_sep {
                        out.push('-');
                    }
                    in_sep = true;
                } else {
                    out.push(c.to_ascii_lowercase());
                    in_sep = false;
                }
            }
            out
        }
        Eco::Npm => name.to_ascii_lowercase(),
        Eco::Crates => name.to_ascii_lowercase().replace('_', "-"),
    }
}

/// How a range's versions are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeKind {
    /// The ecosystem's own order (PEP 440 for PyPI, node-semver for npm).
    Ecosystem = 0,
    /// SemVer 2.0 precedence, whatever the ecosystem.
    Semver = 1,
}

/// The four OSV event types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Introduced = 0,
    Fixed = 1,
    LastAffected = 2,
    Limit = 3,
}

impl EventKind {
    pub fn from_u8(b: u8) -> Option<EventKind> {
        [
            EventKind::Introduced,
            EventKind::Fixed,
            EventKind::LastAffected,
            EventKind::Limit,
        ]
        .into_iter()
        .find(|k| *k as u8 == b)
    }
}

/// Severity score types we can compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoreKind {
    CvssV2 = 2,
    CvssV3 = 3,
    CvssV4 = 4,
}

impl ScoreKind {
    pub fn from_u8(b: u8) -> Option<ScoreKind> {
        [ScoreKind::CvssV2, ScoreKind::CvssV3, ScoreKind::CvssV4]
            .into_iter()
            .find(|k| *k as u8 == b)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub version: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    pub kind: RangeKind,
    pub events: Vec<Event>,
}

/// One `affected[]` entry of a supported ecosystem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Affected {
    pub eco: Eco,
    /// Normalised with [`normalize_name`].
    pub name: String,
    /// `affected[].severity`, which overrides the record's when present.
    pub severity: Vec<(ScoreKind, String)>,
    pub ranges: Vec<Range>,
    pub versions: Vec<String>,
}

/// The part of an OSV record the database keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advisory {
    pub id: String,
    pub aliases: Vec<String>,
    /// `summary`, else the first line of `details` (shortened).
    pub summary: String,
    pub modified: String,
    pub severity: Vec<(ScoreKind, String)>,
    /// `database_specific.severity` (GHSA: LOW, MODERATE, HIGH, CRITICAL).
    pub db_severity: Option<String>,
    pub malicious: bool,
    pub affected: Vec<Affected>,
}

/// What one record turned out to be.
#[derive(Debug)]
pub enum Parsed {
    Advisory(Advisory),
    /// Carries `withdrawn`: excluded from matching.
    Withdrawn(String),
    /// No entry for an ecosystem tollgate matches.
    Ignored(String),
}

/// A record that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    /// The advisory id when it could be read.
    pub id: Option<String>,
    /// 1-based line of the problem in the JSON text.
    pub line: Option<u32>,
    pub message: String,
}

#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    modified: Option<Cow<'a, str>>,
    #[serde(borrow)]
    withdrawn: Option<Cow<'a, str>>,
    #[serde(borrow)]
    aliases: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow)]
    summary: Option<Cow<'a, str>>,
    #[serde(borrow)]
    details: Option<Cow<'a, str>>,
    #[serde(borrow)]
    severity: Option<Vec<RawSeverity<'a>>>,
    #[serde(borrow)]
    affected: Option<Vec<RawAffected<'a>>>,
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawSeverity<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    score: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawPackage<'a> {
    #[serde(borrow)]
    ecosystem: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawAffected<'a> {
    #[serde(borrow)]
    package: Option<RawPackage<'a>>,
    #[serde(borrow)]
    severity: Option<Vec<RawSeverity<'a>>>,
    #[serde(borrow)]
    ranges: Option<Vec<RawRange<'a>>>,
    #[serde(borrow)]
    versions: Option<Vec<Cow<'a, str>>>,
}

#[derive(Deserialize)]
struct RawRange<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    events: Option<Vec<RawEvent<'a>>>,
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(borrow)]
    introduced: Option<Cow<'a, str>>,
    #[serde(borrow)]
    fixed: Option<Cow<'a, str>>,
    #[serde(borrow)]
    last_affected: Option<Cow<'a, str>>,
    #[serde(borrow)]
    limit: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct IdOnly<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
}

/// Longest summary we keep when it has to come from `details`.
const SUMMARY_MAX: usize = 160;

/// Parses one OSV JSON record. Never panics; a record that is not JSON or
/// has the wrong shape is a [`RecordError`] with the line where it broke.
pub fn parse(bytes: &[u8]) -> Result<Parsed, RecordError> {
    let raw: RawRecord = serde_json::from_slice(bytes).map_err(|e| {
        let id = serde_json::from_slice::<IdOnly>(bytes)
            .ok()
            .and_then(|r| r.id)
            .map(|s| s.into_owned());
        RecordError {
            id,
            line: (e.line() > 0).then_some(e.line() as u32),
            message: format!("invalid OSV record: {e}"),
        }
    })?;
    let id = match raw.id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => {
            return Err(RecordError {
                id: None,
                line: None,
                message: "invalid OSV record: no `id`".into(),
            });
        }
    };
    if raw
        .withdrawn
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        return Ok(Parsed::Withdrawn(id));
    }
    let affected: Vec<Affected> = raw
        .affected
        .unwrap_or_default()
        .into_iter()
        .filter_map(convert_affected)
        .collect();
    if affected.is_empty() {
        return Ok(Parsed::Ignored(id));
    }
    let aliases: Vec<String> = raw
        .aliases
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty() && *a != id)
        .collect();
    let db = raw.database_specific.as_ref();
    let malicious = is_malicious(&id, &aliases, db);
    let db_severity = db
        .and_then(|d| d.get("severity"))
        .and_then(|s| s.as_str())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    Ok(Parsed::Advisory(Advisory {
        summary: summary(raw.summary.as_deref(), raw.details.as_deref()),
        modified: raw
            .modified
            .map(|m| m.trim().to_string())
            .unwrap_or_default(),
        severity: convert_severity(raw.severity),
        db_severity,
        malicious,
        aliases,
        affected,
        id,
    }))
}

/// A malicious-package record: an OSV `MAL-` id (or alias), an
/// ossf/malicious-packages origin, or GHSA's "embedded malicious code"
/// weakness (CWE-506), which is how GitHub files malware advisories.
fn is_malicious(id: &str, aliases: &[String], db: Option<&serde_json::Value>) -> bool {
    if id.starts_with("MAL-") || aliases.iter().any(|a| a.starts_with("MAL-")) {
        return true;
    }
    let Some(db) = db else { return false };
    if db.get("malicious-packages-origins").is_some() {
        return true;
    }
    db.get("cwe_ids")
        .and_then(|c| c.as_array())
        .is_some_and(|c| c.iter().any(|w| w.as_str() == Some("CWE-506")))
}

fn summary(summary: Option<&str>, details: Option<&str>) -> String {
    if let Some(s) = summary.map(str::trim).filter(|s| !s.is_empty()) {
        return s.to_string();
    }
    // The first paragraph of `details` (often hard-wrapped), whitespace
    // collapsed; headings and rules skipped.
    let mut words: Vec<&str> = Vec::new();
    for line in details.unwrap_or("").lines().map(str::trim) {
        if line.is_empty() {
            if words.is_empty() {
                continue;
            }
            break;
        }
        if words.is_empty() && (line.starts_with('#') || line.starts_with("---")) {
            continue;
        }
        words.extend(line.split_whitespace());
    }
    let text = words.join(" ");
    if text.chars().count() <= SUMMARY_MAX {
        return text;
    }
    let mut out: String = text.chars().take(SUMMARY_MAX - 1).collect();
    out.push('…');
    out
}

fn convert_severity(raw: Option<Vec<RawSeverity>>) -> Vec<(ScoreKind, String)> {
    raw.unwrap_or_default()
        .into_iter()
        .filter_map(|s| {
            let kind = match s.kind.as_deref()? {
                "CVSS_V2" => ScoreKind::CvssV2,
                "CVSS_V3" => ScoreKind::CvssV3,
                "CVSS_V4" => ScoreKind::CvssV4,
                _ => return None,
            };
            Some((kind, s.score?.trim().to_string()))
        })
        .collect()
}

fn convert_affected(raw: RawAffected) -> Option<Affected> {
    let package = raw.package?;
    let eco = Eco::from_osv(package.ecosystem.as_deref()?)?;
    let name = normalize_name(eco, package.name.as_deref()?);
    if name.is_empty() {
        return None;
    }
    let ranges: Vec<Range> = raw
        .ranges
        .unwrap_or_default()
        .into_iter()
        .filter_map(convert_range)
        .collect();
    let versions: Vec<String> = raw
        .versions
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if ranges.is_empty() && versions.is_empty() {
        return None;
    }
    Some(Affected {
        eco,
        name,
        severity: convert_severity(raw.severity),
        ranges,
        versions,
    })
}

/// GIT ranges are dropped: commits cannot be compared without the
/// repository, and the record's `versions` list covers them.
fn convert_range(raw: RawRange) -> Option<Range> {
    let kind = match raw.kind.as_deref()? {
        "ECOSYSTEM" => RangeKind::Ecosystem,
        "SEMVER" => RangeKind::Semver,
        _ => return None,
    };
    let mut events = Vec::new();
    for e in raw.events.unwrap_or_default() {
        let pairs = [
            (EventKind::Introduced, e.introduced),
            (EventKind::Fixed, e.fixed),
            (EventKind::LastAffected, e.last_affected),
            (EventKind::Limit, e.limit),
        ];
        for (kind, value) in pairs {
            // `"fixed": ""` (seen in real GHSA data) carries no bound: treat
            // it as absent, as osv-scanner does.
            if let Some(v) = value
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
            {
                events.push(Event { kind, version: v });
            }
        }
    }
    if events.is_empty() {
        return None;
    }
    Some(Range { kind, events })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advisory(json: &str) -> Advisory {
        match parse(json.as_bytes()).unwrap() {
            Parsed::Advisory(a) => a,
            other => panic!("not an advisory: {other:?}"),
        }
    }

    #[test]
    fn keeps_supported_ecosystems_only() {
        let a = advisory(
            r#"{"id":"GHSA-1","aliases":["CVE-1","GHSA-1"],"affected":[
              {"package":{"ecosystem":"Maven","name":"x:y"},"versions":["1"]},
              {"package":{"ecosystem":"PyPI","name":"Django_Foo"},
               "ranges":[{"type":"GIT","events":[{"introduced":"abc"}]},
                         {"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":""}]}]}]}"#,
        );
        assert_eq!(a.aliases, vec!["CVE-1"]);
        assert_eq!(a.affected.len(), 1);
        assert_eq!(a.affected[0].name, "django-foo");
        assert_eq!(a.affected[0].ranges.len(), 1);
        assert_eq!(
            a.affected[0].ranges[0].events,
            vec![Event {
                kind: EventKind::Introduced,
                version: "0".into()
            }]
        );
    }

    #[test]
    fn withdrawn_and_ignored() {
        let w = parse(br#"{"id":"X","withdrawn":"2024-01-01T00:00:00Z","affected":[]}"#);
        assert!(matches!(w, Ok(Parsed::Withdrawn(id)) if id == "X"));
        let i = parse(br#"{"id":"Y","affected":[{"package":{"ecosystem":"Go","name":"a"},"versions":["1"]}]}"#);
        assert!(matches!(i, Ok(Parsed::Ignored(id)) if id == "Y"));
    }

    #[test]
    fn errors_name_line_and_id() {
        let e = parse(b"{\n \"id\": \"PYSEC-1\",\n \"affected\": 7\n}").unwrap_err();
        assert_eq!(e.id.as_deref(), Some("PYSEC-1"));
        assert_eq!(e.line, Some(3));
        let e = parse(b"{\"id\": ").unwrap_err();
        assert_eq!(e.id, None);
        assert!(parse(b"{}").is_err());
    }

    #[test]
    fn malicious_markers() {
        let mal = |json: &str| advisory(json).malicious;
        let pkg = r#""affected":[{"package":{"ecosystem":"npm","name":"a"},"versions":["1.0.0"]}]"#;
        assert!(mal(&format!(r#"{{"id":"MAL-2024-1",{pkg}}}"#)));
        assert!(mal(&format!(
            r#"{{"id":"PYSEC-1","aliases":["MAL-1"],{pkg}}}"#
        )));
        assert!(mal(&format!(
            r#"{{"id":"GHSA-1","database_specific":{{"cwe_ids":["CWE-506"]}},{pkg}}}"#
        )));
        assert!(!mal(&format!(
            r#"{{"id":"GHSA-2","database_specific":{{"cwe_ids":["CWE-79"],"severity":7}},{pkg}}}"#
        )));
    }

    #[test]
    fn summary_falls_back_to_details() {
        let a = advisory(
            r#"{"id":"P","details":"\n\nFirst line\n  wrapped.\n\nSecond.","affected":[{"package":{"ecosystem":"PyPI","name":"a"},"versions":["1"]}]}"#,
        );
        assert_eq!(a.summary, "First line wrapped.");
        let long = "x".repeat(500);
        assert_eq!(summary(None, Some(&long)).chars().count(), SUMMARY_MAX);
    }
}
