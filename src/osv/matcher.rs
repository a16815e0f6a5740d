//! Is `name@version` affected? The OSV schema's evaluation algorithm
//! (`IsVulnerable` in <https://ossf.github.io/osv-schema/#evaluation>),
//! then advisories that name each other (ids and aliases, across all
//! sources) merged into one [`Match`] so one problem is reported once.

use super::db::{AdvisoryRef, Database, Entry};
use super::format::FormatError;
use super::prepared::{Prepared, Query};
use super::record::{Eco, EventKind, normalize_name};
use super::severity::{self, Score};
use super::version::{Key, Order};
use crate::finding::Severity;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// How a match's severity was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeveritySource {
    /// A malicious-package record: always critical.
    Malicious,
    /// The highest CVSS base score of the records.
    Cvss,
    /// `database_specific.severity` (GHSA's label).
    Database,
    /// Nothing to go on: medium.
    Default,
}

/// One problem affecting the package: advisories that alias each other, merged.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Match {
    /// The preferred id (MAL, then GHSA, then PYSEC, then others).
    pub id: String,
    /// Every other id and alias of the merged records, sorted.
    pub aliases: Vec<String>,
    pub summary: String,
    pub severity: Severity,
    /// The CVSS base score behind `severity`, when one was computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
    pub severity_source: SeveritySource,
    pub malicious: bool,
    /// Every `fixed` version the records give for this package, in version order.
    pub fixed: Vec<String>,
    /// The smallest fixed version above the queried one.
    pub fix: Option<String>,
    /// `last_affected` bounds, when the records have no fix.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub last_affected: Vec<String>,
    /// The database records merged into this match.
    pub records: Vec<String>,
    /// The newest `modified` of the merged records.
    pub modified: String,
}

/// Matches packages against a database, preparing each package name once
/// (shared by every version of it looked up through the same matcher).
pub struct Matcher<'a> {
    db: &'a Database,
    prepared: Mutex<HashMap<(Eco, String), Arc<Prepared<'a>>>>,
}

impl<'a> Matcher<'a> {
    pub fn new(db: &'a Database) -> Self {
        Matcher {
            db,
            prepared: Mutex::new(HashMap::new()),
        }
    }

    fn prepare(&self, eco: Eco, name: &str) -> Result<Arc<Prepared<'a>>, FormatError> {
        let key = (eco, normalize_name(eco, name));
        if let Some(p) = self.prepared.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(p);
        }
        let p = Arc::new(Prepared::new(self.db, eco, self.db.entries(eco, &key.1)?));
        if let Ok(mut m) = self.prepared.lock() {
            m.insert(key, Arc::clone(&p));
        }
        Ok(p)
    }

    /// Every problem affecting `name@version` in `eco`, worst first.
    pub fn find(&self, eco: Eco, name: &str, version: &str) -> Result<Vec<Match>, FormatError> {
        let p = self.prepare(eco, name)?;
        if p.entries.is_empty() {
            return Ok(Vec::new());
        }
        let q = Query::new(eco, version);
        let affected = p.affected(&q)?;
        // Advisory → its entries for this package (indexes into `p.entries`).
        let mut by_advisory: BTreeMap<u32, (bool, Vec<usize>)> = BTreeMap::new();
        for (i, (e, hit)) in p.entries.iter().zip(&affected).enumerate() {
            let slot = by_advisory.entry(e.advisory).or_default();
            slot.0 |= *hit;
            slot.1.push(i);
        }
        let mut hits: Vec<(AdvisoryRef, Vec<usize>)> = Vec::new();
        for (idx, (hit, es)) in by_advisory {
            if hit {
                hits.push((self.db.advisory(idx)?, es));
            }
        }
        let mut matches: Vec<Match> = Vec::new();
        for g in groups(&hits) {
            let group: Vec<_> = g.iter().filter_map(|&i| hits.get(i)).collect();
            matches.extend(merge(&group, &p, &q)?);
        }
        // Worst first; malicious releases before vulnerabilities of the same severity.
        matches.sort_by(|a, b| {
            (b.severity, b.malicious)
                .cmp(&(a.severity, a.malicious))
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(matches)
    }
}

/// Every problem affecting `name@version` in `eco`, worst first (one-off;
/// use a [`Matcher`] for many lookups).
pub fn find(db: &Database, eco: Eco, name: &str, version: &str) -> Result<Vec<Match>, FormatError> {
    Matcher::new(db).find(eco, name, version)
}

/// Indexes of `hits` by alias group (computed over the whole database
/// when it was built: advisories naming each other, even through records
/// that do not affect this package, describe one problem).
fn groups(hits: &[(AdvisoryRef, Vec<usize>)]) -> Vec<Vec<usize>> {
    let mut out: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, (a, _)) in hits.iter().enumerate() {
        out.entry(a.group).or_default().push(i);
    }
    out.into_values().collect()
}

fn id_rank(id: &str) -> u8 {
    ["MAL-", "GHSA-", "PYSEC-", "RUSTSEC-"]
        .iter()
        .position(|p| id.starts_with(p))
        .map_or(if id.starts_with("CVE-") { 5 } else { 4 }, |p| p as u8)
}

/// One record's own severity: entry-level vectors override the record's.
fn record_severity(a: &AdvisoryRef, entries: &[&Entry]) -> (Option<Score>, Option<Severity>) {
    let entry_scores: Vec<_> = entries
        .iter()
        .flat_map(|e| e.severity.iter().copied())
        .collect();
    let scores = if entry_scores.is_empty() {
        a.severity.clone()
    } else {
        entry_scores
    };
    let score = severity::best_score(scores);
    let label = a.db_severity.and_then(severity::from_label);
    (score, label)
}

fn merge(
    group: &[&(AdvisoryRef, Vec<usize>)],
    p: &Prepared,
    q: &Query,
) -> Result<Option<Match>, FormatError> {
    let entries_of =
        |idx: &[usize]| -> Vec<&Entry> { idx.iter().filter_map(|&i| p.entries.get(i)).collect() };
    let mut records: Vec<&AdvisoryRef> = group.iter().map(|(a, _)| a).collect();
    records.sort_by_key(|a| (id_rank(a.id), a.id));
    let Some(&primary) = records.first() else {
        return Ok(None);
    };
    let mut aliases: Vec<String> = records
        .iter()
        .flat_map(|a| std::iter::once(a.id).chain(a.aliases.iter().copied()))
        .filter(|n| *n != primary.id)
        .map(str::to_string)
        .collect();
    aliases.sort_by_key(|a| (id_rank(a), a.clone()));
    aliases.dedup();
    let malicious = records.iter().any(|a| a.malicious);
    let mut best: Option<Score> = None;
    let mut label: Option<Severity> = None;
    for (a, idx) in group {
        let (s, l) = record_severity(a, &entries_of(idx));
        if let Some(s) = s
            && best.as_ref().is_none_or(|b| s.value > b.value)
        {
            best = Some(s);
        }
        label = label.max(l);
    }
    let (severity, severity_source) = match (&best, label) {
        _ if malicious => (Severity::Critical, SeveritySource::Malicious),
        (Some(s), _) => (severity::from_score(s.value), SeveritySource::Cvss),
        (None, Some(l)) => (l, SeveritySource::Database),
        (None, None) => (Severity::Medium, SeveritySource::Default),
    };
    let all: Vec<usize> = group
        .iter()
        .flat_map(|(_, es)| es.iter().copied())
        .collect();
    let (fixed, fix, last_affected) = fixes(&all, p, q)?;
    Ok(Some(Match {
        id: primary.id.to_string(),
        aliases,
        summary: records
            .iter()
            .map(|a| a.summary)
            .find(|s| !s.is_empty())
            .unwrap_or("")
            .to_string(),
        severity,
        score: best.as_ref().map(|s| s.value),
        vector: best.map(|s| s.vector),
        severity_source,
        malicious,
        fixed,
        fix,
        last_affected,
        records: records.iter().map(|a| a.id.to_string()).collect(),
        modified: records
            .iter()
            .map(|a| a.modified)
            .max_by(|a, b| a.get(..19).cmp(&b.get(..19)))
            .unwrap_or("")
            .to_string(),
    }))
}

/// Fixed versions, the fix to suggest, `last_affected` bounds.
type Fixes = (Vec<String>, Option<String>, Vec<String>);

/// The fixed versions (in the ecosystem's order), the fix to suggest, and
/// any `last_affected` bounds. The suggestion is the smallest fixed version
/// above the queried one that the merged records do not themselves still
/// affect (records that disagree, or a second range still open above it,
/// would otherwise send the user to another vulnerable release), else the
/// smallest fixed version above it.
fn fixes(idx: &[usize], p: &Prepared, q: &Query) -> Result<Fixes, FormatError> {
    let entries: Vec<&Entry> = idx.iter().filter_map(|&i| p.entries.get(i)).collect();
    let eco_order = Order::ecosystem(q.eco);
    let mut fixed: Vec<(Key, &str)> = Vec::new();
    let mut last: Vec<(Key, &str)> = Vec::new();
    let mut candidates: Vec<(Key, &str)> = Vec::new();
    for r in entries.iter().flat_map(|e| e.ranges.iter()) {
        let order = Order::of(q.eco, r.kind);
        for (kind, v) in &r.events {
            match kind {
                EventKind::Fixed => {
                    let key = Key::parse(order, v);
                    if key.is_valid() && key > *q.key(order) {
                        candidates.push((Key::parse(eco_order, v), v));
                    }
                    fixed.push((Key::parse(eco_order, v), v));
                }
                EventKind::LastAffected => last.push((Key::parse(eco_order, v), v)),
                _ => {}
            }
        }
    }
    fn sorted(mut list: Vec<(Key, &str)>) -> Vec<(Key, &str)> {
        list.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
        list.dedup_by(|a, b| a.1 == b.1);
        list
    }
    let candidates = sorted(candidates);
    let mut escapes = None;
    for c in &candidates {
        if !p.any_affected(idx, &Query::new(q.eco, c.1))? {
            escapes = Some(c);
            break;
        }
    }
    // When every fixed version is still listed as affected (osv.dev's
    // GIT-derived `versions` lists sometimes include the fixing tag), the
    // smallest one is still the best lead.
    let fix = escapes.or(candidates.first()).map(|(_, v)| v.to_string());
    let strings = |list: Vec<(Key, &str)>| list.into_iter().map(|(_, v)| v.to_string()).collect();
    Ok((strings(sorted(fixed)), fix, strings(sorted(last))))
}
