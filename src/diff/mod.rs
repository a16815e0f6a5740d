//! `tollgate diff`: what changed between two dependency sets. Added,
//! removed and changed packages; which direct dependency pulled in each new
//! transitive one; major jumps and downgrades; the same version with a new
//! hash or source (a red flag); newly gained capabilities.

pub mod capabilities;
pub mod git;
pub mod render;

use crate::inventory::Inventory;
use crate::model::{Ecosystem, Hash, Origin, Package, parse_purl};
use crate::version;
use capabilities::Capability;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// What kind of change one entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Added,
    Removed,
    Upgraded,
    Downgraded,
    /// Versions that do not compare (a git ref, an unparsable version).
    Changed,
    /// Same version, different hash or source.
    ArtifactChanged,
}

/// One package's change.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub ecosystem: Ecosystem,
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// In HEAD (or BASE for removals): a direct dependency?
    pub direct: Option<bool>,
    /// A breaking-version jump (major, or minor below 1.0).
    pub major: bool,
    /// For a new transitive package: the direct dependencies that pull it in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub introduced_by: Vec<String>,
    /// Capabilities HEAD has that BASE did not.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub new_capabilities: BTreeSet<Capability>,
    /// Facts: old and new hash, source, and so on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// Set by the gate: `approved by NAME`, `approval is for another hash`, `not approved`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<String>,
    /// The HEAD package (for approvals); not serialised.
    #[serde(skip)]
    pub head: Option<Package>,
}

/// Counts for the summary line and for the gate.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub artifact_changed: usize,
    pub new_direct: usize,
    pub new_transitive: usize,
    pub major: usize,
    pub downgrades: usize,
    pub new_capabilities: usize,
}

/// The whole comparison.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Diff {
    pub changes: Vec<Change>,
    pub counts: Counts,
}

type Key = (Ecosystem, String);

fn index(inv: &Inventory) -> BTreeMap<Key, Vec<&Package>> {
    let mut m: BTreeMap<Key, Vec<&Package>> = BTreeMap::new();
    for p in inv.packages.iter().filter(|p| p.version.is_some()) {
        m.entry((p.ecosystem, p.normalized_name.clone()))
            .or_default()
            .push(p);
    }
    for v in m.values_mut() {
        v.sort_by(|a, b| order(a, b));
    }
    m
}

/// The package of the same version in `ys`.
fn same<'a>(x: &Package, ys: &[&'a Package]) -> Option<&'a Package> {
    let v = x.version.as_deref().unwrap_or("");
    ys.iter()
        .find(|y| {
            let w = y.version.as_deref().unwrap_or("");
            v == w || version::compare(x.ecosystem, v, w) == Some(Ordering::Equal)
        })
        .copied()
}

fn order(a: &Package, b: &Package) -> Ordering {
    let (va, vb) = (
        a.version.as_deref().unwrap_or(""),
        b.version.as_deref().unwrap_or(""),
    );
    version::compare(a.ecosystem, va, vb).unwrap_or_else(|| va.cmp(vb))
}

/// Display names of purls (`pkg:npm/openai@5.0.0` → `openai@5.0.0`).
fn names(purls: &[String]) -> Vec<String> {
    purls
        .iter()
        .map(|p| match parse_purl(p) {
            Ok(x) => match x.version {
                Some(v) => format!("{}@{v}", x.name),
                None => x.name,
            },
            Err(_) => p.clone(),
        })
        .collect()
}

fn change(kind: ChangeKind, from: Option<&Package>, to: Option<&Package>) -> Change {
    let any = to.or(from).map(|p| (p.ecosystem, p.name.clone(), p.direct));
    let (ecosystem, name, direct) = any.unwrap_or((Ecosystem::Pypi, String::new(), None));
    Change {
        kind,
        ecosystem,
        name,
        from: from.and_then(|p| p.version.clone()),
        to: to.and_then(|p| p.version.clone()),
        direct,
        major: false,
        introduced_by: Vec::new(),
        new_capabilities: BTreeSet::new(),
        details: Vec::new(),
        approval: None,
        head: to.cloned(),
    }
}

/// What differs between two artifacts of the same version, if anything
/// should alarm: a digest of the same algorithm with another value, or a
/// move to a different kind of source. A registry URL change with the same
/// digest (a new mirror) is only a detail.
fn artifact_differences(a: &Package, b: &Package) -> (bool, Vec<String>) {
    let mut alarming = false;
    let mut details = Vec::new();
    for ha in &a.hashes {
        let same_alg: Vec<&Hash> = b
            .hashes
            .iter()
            .filter(|h| h.algorithm == ha.algorithm)
            .collect();
        if !same_alg.is_empty() && !same_alg.contains(&ha) {
            alarming = true;
            details.push(format!(
                "{} {} → {}",
                ha.algorithm,
                short(&ha.value),
                same_alg
                    .iter()
                    .map(|h| short(&h.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    match (&a.origin, &b.origin) {
        (Some(x), Some(y)) if std::mem::discriminant(x) != std::mem::discriminant(y) => {
            alarming = true;
            details.push(format!("source {} → {}", origin_text(x), origin_text(y)));
        }
        (Some(x), Some(y)) if origin_text(x) != origin_text(y) => {
            let moved = !matches!(x, Origin::Registry { .. });
            alarming |= moved;
            details.push(format!("source {} → {}", origin_text(x), origin_text(y)));
        }
        _ => {}
    }
    if a.install_script != Some(true) && b.install_script == Some(true) {
        alarming = true;
        details.push("now runs an install script".into());
    }
    (alarming, details)
}

fn short(hex: &str) -> String {
    hex.chars().take(16).collect::<String>() + "…"
}

/// A source as text, credentials removed.
pub fn origin_text(o: &Origin) -> String {
    use crate::analyze::hygiene::normalize_url;
    match o {
        Origin::Registry { url: Some(u) } => format!("registry {}", normalize_url(u)),
        Origin::Registry { url: None } => "registry".into(),
        Origin::Url { url } => format!("url {}", normalize_url(url)),
        Origin::Vcs { url, rev } => format!(
            "vcs {}{}",
            normalize_url(url),
            rev.as_deref().map(|r| format!("@{r}")).unwrap_or_default()
        ),
        Origin::Path { path, .. } => format!("path {path}"),
    }
}

/// Compares BASE with HEAD. `caps` gives each side's capabilities per
/// package purl (see [`capabilities`]).
pub fn compute(
    base: &Inventory,
    head: &Inventory,
    base_caps: &BTreeMap<String, BTreeSet<Capability>>,
    head_caps: &BTreeMap<String, BTreeSet<Capability>>,
) -> Diff {
    let (bi, hi) = (index(base), index(head));
    let keys: BTreeSet<&Key> = bi.keys().chain(hi.keys()).collect();
    let mut out = Diff::default();
    for key in keys {
        let b = bi.get(key).map(Vec::as_slice).unwrap_or(&[]);
        let h = hi.get(key).map(Vec::as_slice).unwrap_or(&[]);
        for hp in h {
            if let Some(bp) = same(hp, b) {
                let (alarming, details) = artifact_differences(bp, hp);
                if alarming {
                    let mut c = change(ChangeKind::ArtifactChanged, Some(bp), Some(hp));
                    c.details = details;
                    out.changes.push(c);
                }
            }
        }
        let gone: Vec<&Package> = b.iter().filter(|x| same(x, h).is_none()).copied().collect();
        let new: Vec<&Package> = h.iter().filter(|x| same(x, b).is_none()).copied().collect();
        let pairs = gone.len().min(new.len());
        // Pair the highest versions that went with the highest that came.
        let (gone_rest, gone_pair) = gone.split_at(gone.len() - pairs);
        let (new_rest, new_pair) = new.split_at(new.len() - pairs);
        for (bp, hp) in gone_pair.iter().zip(new_pair) {
            out.changes.push(version_change(bp, hp));
        }
        for bp in gone_rest {
            out.changes
                .push(change(ChangeKind::Removed, Some(bp), None));
        }
        for hp in new_rest {
            let mut c = change(ChangeKind::Added, None, Some(hp));
            if b.is_empty() && hp.direct == Some(false) {
                c.introduced_by = names(&hp.introduced_by);
            }
            out.changes.push(c);
        }
    }
    for c in out.changes.iter_mut() {
        let purl_of = |v: &Option<String>| crate::model::purl(c.ecosystem, &c.name, v.as_deref());
        let before = base_caps
            .get(&purl_of(&c.from))
            .cloned()
            .unwrap_or_default();
        if let Some(after) = head_caps.get(&purl_of(&c.to)) {
            c.new_capabilities = after.difference(&before).copied().collect();
        }
    }
    out.counts = count(&out.changes);
    out
}

fn version_change(bp: &Package, hp: &Package) -> Change {
    let (from, to) = (
        bp.version.as_deref().unwrap_or(""),
        hp.version.as_deref().unwrap_or(""),
    );
    let kind = match version::compare(hp.ecosystem, from, to) {
        Some(Ordering::Less) => ChangeKind::Upgraded,
        Some(Ordering::Greater) => ChangeKind::Downgraded,
        _ => ChangeKind::Changed,
    };
    let mut c = change(kind, Some(bp), Some(hp));
    c.major = match (
        version::breaking_part(hp.ecosystem, from),
        version::breaking_part(hp.ecosystem, to),
    ) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    };
    match (&bp.origin, &hp.origin) {
        (Some(x), Some(y)) if std::mem::discriminant(x) != std::mem::discriminant(y) => {
            c.details
                .push(format!("source {} → {}", origin_text(x), origin_text(y)));
        }
        _ => {}
    }
    if bp.install_script != Some(true) && hp.install_script == Some(true) {
        c.details.push("now runs an install script".into());
    }
    c
}

fn count(changes: &[Change]) -> Counts {
    let mut n = Counts::default();
    for c in changes {
        match c.kind {
            ChangeKind::Added => {
                n.added += 1;
                match c.direct {
                    Some(false) => n.new_transitive += 1,
                    _ => n.new_direct += 1,
                }
            }
            ChangeKind::Removed => n.removed += 1,
            ChangeKind::ArtifactChanged => n.artifact_changed += 1,
            ChangeKind::Downgraded => {
                n.changed += 1;
                n.downgrades += 1;
            }
            ChangeKind::Upgraded | ChangeKind::Changed => n.changed += 1,
        }
        n.major += usize::from(c.major);
        n.new_capabilities += usize::from(!c.new_capabilities.is_empty());
    }
    n
}

#[cfg(test)]
mod tests;
