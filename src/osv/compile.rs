//! Parsed OSV records → the compiled database blob (see `format.rs`).
//!
//! Also compiled into `build.rs`: only `std`, `serde` and `serde_json`.

use super::format::{
    DIR_RECORD, FLAG_MALICIOUS, FORMAT_VERSION, FormatError, LISTED_RECORD, Writer,
};
use super::record::{Advisory, Affected, Eco, Parsed};
use super::version::{Order, canonical};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Counts for one ecosystem.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcoCount {
    /// Advisories with at least one entry for this ecosystem.
    pub advisories: usize,
    /// Of those, malicious-package records.
    pub malicious: usize,
    /// Distinct package names.
    pub packages: usize,
}

/// One input the database was built from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceMeta {
    /// Short name (`PyPI.zip`, `npm/all.zip`, a directory name).
    pub name: String,
    /// Where it came from: a path, a URL, or `embedded:…`.
    pub location: String,
    /// Records read (advisories + withdrawn + ignored).
    pub records: usize,
    pub withdrawn: usize,
    /// Records with no entry for PyPI, npm or crates.io.
    pub ignored: usize,
    /// Records or archive members that could not be read.
    pub errors: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// When the source was downloaded or imported (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
}

/// What the database says about itself (the `meta` section, JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub format: u32,
    /// `embedded`, `import` or `update`.
    pub origin: String,
    /// When the database was compiled (absent for the embedded snapshot,
    /// so builds are reproducible).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_at: Option<String>,
    pub sources: Vec<SourceMeta>,
    /// Advisories stored (after removing withdrawn, ignored and duplicates).
    pub advisories: usize,
    pub by_ecosystem: BTreeMap<String, EcoCount>,
    pub withdrawn: usize,
    /// The same id read from more than one source (the newest kept).
    pub duplicates: usize,
    pub errors: usize,
    /// The newest `modified` timestamp of any stored advisory: how fresh the data is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_modified: Option<String>,
}

/// Collects parsed records from several sources and compiles them.
#[derive(Default)]
pub struct Compiler {
    by_id: HashMap<String, Advisory>,
    pub sources: Vec<SourceMeta>,
    duplicates: usize,
}

/// Sort key of an RFC 3339 timestamp to the second (fractions vary in width).
fn time_key(t: &str) -> &str {
    t.get(..19).unwrap_or(t)
}

impl Compiler {
    /// Starts a new source; records added next are counted against it.
    pub fn source(&mut self, name: &str, location: &str) {
        self.sources.push(SourceMeta {
            name: name.to_string(),
            location: location.to_string(),
            ..SourceMeta::default()
        });
    }

    fn current(&mut self) -> &mut SourceMeta {
        if self.sources.is_empty() {
            self.source("input", "");
        }
        let last = self.sources.len() - 1;
        &mut self.sources[last]
    }

    /// Adds the outcome of parsing one record.
    pub fn add(&mut self, parsed: Parsed) {
        let src = self.current();
        src.records += 1;
        match parsed {
            Parsed::Withdrawn(_) => src.withdrawn += 1,
            Parsed::Ignored(_) => src.ignored += 1,
            Parsed::Advisory(a) => match self.by_id.get(&a.id) {
                Some(old) => {
                    self.duplicates += 1;
                    if time_key(&a.modified) > time_key(&old.modified) {
                        self.by_id.insert(a.id.clone(), a);
                    }
                }
                None => {
                    self.by_id.insert(a.id.clone(), a);
                }
            },
        }
    }

    /// Counts an unreadable record or member against the current source.
    pub fn error(&mut self) {
        self.current().errors += 1;
    }

    /// Advisories accepted so far.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Builds the database blob. `origin` and `built_at` go into its meta.
    pub fn finish(self, origin: &str, built_at: Option<String>) -> Result<Vec<u8>, FormatError> {
        let mut advisories: Vec<Advisory> = self.by_id.into_values().collect();
        advisories.sort_by(|a, b| a.id.cmp(&b.id));
        let mut packages: BTreeMap<(Eco, &str), Vec<(u32, &Affected)>> = BTreeMap::new();
        for (i, a) in advisories.iter().enumerate() {
            let i = u32::try_from(i).map_err(|_| FormatError("too many advisories".into()))?;
            for aff in &a.affected {
                packages
                    .entry((aff.eco, aff.name.as_str()))
                    .or_default()
                    .push((i, aff));
            }
        }
        let meta = meta(
            &advisories,
            &packages,
            origin,
            built_at,
            self.sources,
            self.duplicates,
        );
        let meta = serde_json::to_vec(&meta).map_err(|e| FormatError(e.to_string()))?;
        let groups = alias_groups(&advisories);
        let mut w = Writer::default();
        let mut offsets = Vec::with_capacity(advisories.len());
        for (a, group) in advisories.iter().zip(groups) {
            offsets.push(w.offset()?);
            write_advisory(&mut w, a, group)?;
        }
        let mut directory = Vec::with_capacity(packages.len() * DIR_RECORD);
        for ((eco, name), entries) in &packages {
            let (name_off, name_len) = w.intern(name)?;
            let data_off = w.offset()?;
            w.len(entries.len())?;
            for (adv, aff) in entries {
                w.u32(*adv);
                write_entry(&mut w, aff)?;
            }
            write_listed(&mut w, *eco, entries)?;
            for v in [*eco as u32, name_off, name_len, data_off] {
                directory.extend_from_slice(&v.to_le_bytes());
            }
        }
        w.finish(&meta, &offsets, &directory, packages.len())
    }
}

fn meta(
    advisories: &[Advisory],
    packages: &BTreeMap<(Eco, &str), Vec<(u32, &Affected)>>,
    origin: &str,
    built_at: Option<String>,
    sources: Vec<SourceMeta>,
    duplicates: usize,
) -> Meta {
    let mut by_ecosystem: BTreeMap<String, EcoCount> = BTreeMap::new();
    for a in advisories {
        let mut ecos: Vec<Eco> = a.affected.iter().map(|x| x.eco).collect();
        ecos.sort();
        ecos.dedup();
        for e in ecos {
            let c = by_ecosystem.entry(e.osv_name().to_string()).or_default();
            c.advisories += 1;
            c.malicious += usize::from(a.malicious);
        }
    }
    for (eco, _) in packages.keys() {
        by_ecosystem
            .entry(eco.osv_name().to_string())
            .or_default()
            .packages += 1;
    }
    let newest_modified = advisories
        .iter()
        .map(|a| a.modified.as_str())
        .filter(|m| !m.is_empty())
        .max_by(|a, b| time_key(a).cmp(time_key(b)))
        .map(str::to_string);
    Meta {
        format: FORMAT_VERSION,
        origin: origin.to_string(),
        built_at,
        advisories: advisories.len(),
        by_ecosystem,
        withdrawn: sources.iter().map(|s| s.withdrawn).sum(),
        errors: sources.iter().map(|s| s.errors).sum(),
        duplicates,
        newest_modified,
        sources,
    }
}

fn write_scores(
    w: &mut Writer,
    scores: &[(super::record::ScoreKind, String)],
) -> Result<(), FormatError> {
    w.len(scores.len())?;
    for (kind, score) in scores {
        w.u8(*kind as u8);
        w.str(score)?;
    }
    Ok(())
}

/// Union-find over ids and aliases across every stored advisory (all
/// sources): advisories that name each other, directly or through others,
/// describe one problem. Each gets the index of its group's first member.
fn alias_groups(advisories: &[Advisory]) -> Vec<u32> {
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut parent: Vec<usize> = (0..advisories.len()).collect();
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, a) in advisories.iter().enumerate() {
        for name in std::iter::once(&a.id).chain(&a.aliases) {
            match owner.get(name.as_str()) {
                Some(&j) => {
                    let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                    parent[ri.max(rj)] = ri.min(rj);
                }
                None => {
                    owner.insert(name, i);
                }
            }
        }
    }
    (0..advisories.len())
        .map(|i| root(&mut parent, i) as u32)
        .collect()
}

fn write_advisory(w: &mut Writer, a: &Advisory, group: u32) -> Result<(), FormatError> {
    w.str(&a.id)?;
    w.str(&a.summary)?;
    w.str(&a.modified)?;
    w.u8(if a.malicious { FLAG_MALICIOUS } else { 0 });
    w.u32(group);
    w.str(a.db_severity.as_deref().unwrap_or(""))?;
    write_scores(w, &a.severity)?;
    w.len(a.aliases.len())?;
    for alias in &a.aliases {
        w.str(alias)?;
    }
    Ok(())
}

fn write_entry(w: &mut Writer, aff: &Affected) -> Result<(), FormatError> {
    write_scores(w, &aff.severity)?;
    w.len(aff.ranges.len())?;
    for r in &aff.ranges {
        w.u8(r.kind as u8);
        w.len(r.events.len())?;
        for e in &r.events {
            w.u8(e.kind as u8);
            w.str(&e.version)?;
        }
    }
    Ok(())
}

/// The package's `versions` lists as one sorted index: each listed string,
/// and its canonical form when it is a version in the ecosystem's order
/// (equal versions, equal strings), → the entries listing it. Matching is
/// then two binary searches, however long the lists.
fn write_listed(w: &mut Writer, eco: Eco, entries: &[(u32, &Affected)]) -> Result<(), FormatError> {
    let order = Order::ecosystem(eco);
    let mut index: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    // The same versions recur in every record of a package: parse each once.
    let mut forms: HashMap<&str, Option<String>> = HashMap::new();
    for (i, (_, aff)) in entries.iter().enumerate() {
        let i = u32::try_from(i).map_err(|_| FormatError("too many entries".into()))?;
        for v in &aff.versions {
            let mut keys = vec![v.trim().to_string()];
            keys.extend(
                forms
                    .entry(v.as_str())
                    .or_insert_with(|| canonical(order, v))
                    .clone(),
            );
            keys.dedup();
            for k in keys {
                let slot = index.entry(k).or_default();
                if slot.last() != Some(&i) {
                    slot.push(i);
                }
            }
        }
    }
    // Fixed-size records first (binary search), then the entry lists.
    w.len(index.len())?;
    let records_at = w.data.len();
    for _ in 0..index.len() {
        w.u32(0);
        w.u32(0);
        w.u32(0);
    }
    for (n, (key, list)) in index.iter().enumerate() {
        let (off, len) = w.intern(key)?;
        let list_off = w.offset()?;
        w.len(list.len())?;
        for i in list {
            w.u32(*i);
        }
        let at = records_at + n * LISTED_RECORD;
        for (k, v) in [off, len, list_off].into_iter().enumerate() {
            if let Some(slot) = w.data.get_mut(at + 4 * k..at + 4 * k + 4) {
                slot.copy_from_slice(&v.to_le_bytes());
            }
        }
    }
    Ok(())
}
