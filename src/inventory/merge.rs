//! Merging the packages of every input into one list keyed by
//! (ecosystem, normalised name, version).

use super::{Extract, InputSummary, Inventory};
use crate::model::{Ecosystem, Package};
use std::collections::BTreeMap;

type Key = (Ecosystem, String, Option<String>);

/// Merges resolved extracts. A declared requirement without a version is
/// folded into the pinned packages of the same name when there are any.
pub fn merge(extracts: Vec<Extract>) -> Inventory {
    let mut inv = Inventory::default();
    let mut by_key: BTreeMap<Key, Package> = BTreeMap::new();
    for ex in extracts {
        inv.inputs.push(InputSummary {
            path: ex.path.clone(),
            kind: ex.kind,
            packages: ex.nodes.len(),
            indexes: ex.indexes.clone(),
        });
        inv.errors.extend(ex.errors);
        inv.contents.extend(ex.contents);
        for node in ex.nodes {
            let p = node.package;
            let key = (p.ecosystem, p.normalized_name.clone(), p.version.clone());
            match by_key.get_mut(&key) {
                Some(existing) => absorb(existing, p),
                None => {
                    by_key.insert(key, p);
                }
            }
        }
    }
    fold_unpinned(&mut by_key);
    inv.packages = by_key.into_values().map(finish).collect();
    inv.inputs.sort_by(|a, b| a.path.cmp(&b.path));
    inv
}

/// Moves each unpinned entry's sources into the pinned entries of its name.
fn fold_unpinned(by_key: &mut BTreeMap<Key, Package>) {
    let unpinned: Vec<Key> = by_key.keys().filter(|k| k.2.is_none()).cloned().collect();
    for key in unpinned {
        let pinned: Vec<Key> = by_key
            .range((key.0, key.1.clone(), Some(String::new()))..)
            .take_while(|(k, _)| k.0 == key.0 && k.1 == key.1)
            .map(|(k, _)| k.clone())
            .collect();
        if pinned.is_empty() {
            continue;
        }
        let Some(decl) = by_key.remove(&key) else {
            continue;
        };
        for k in pinned {
            if let Some(p) = by_key.get_mut(&k) {
                let mut d = decl.clone();
                d.version = p.version.clone();
                d.purl = p.purl.clone();
                d.dependencies.clear();
                absorb(p, d);
            }
        }
    }
}

fn absorb(into: &mut Package, from: Package) {
    into.direct = match (into.direct, from.direct) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), _) | (_, Some(false)) => Some(false),
        _ => None,
    };
    into.sources.extend(from.sources);
    for h in from.hashes {
        into.add_hash(h);
    }
    into.dependencies.extend(from.dependencies);
    into.introduced_by.extend(from.introduced_by);
    fill(&mut into.license, from.license);
    fill(&mut into.requirement, from.requirement);
    fill(&mut into.markers, from.markers);
    fill(&mut into.origin, from.origin);
    fill(&mut into.release_time, from.release_time);
    fill(&mut into.install_script, from.install_script);
    fill(&mut into.install_path, from.install_path);
    fill(&mut into.installed_size, from.installed_size);
    fill(&mut into.file_count, from.file_count);
}

fn fill<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

/// Sorts and de-duplicates the list fields so output is deterministic.
fn finish(mut p: Package) -> Package {
    p.sources.sort();
    p.sources.dedup();
    p.hashes.sort();
    p.hashes.dedup();
    p.dependencies.sort();
    p.dependencies.dedup();
    p.introduced_by.sort();
    p.introduced_by.dedup();
    if p.direct == Some(true) {
        p.introduced_by.clear();
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InputKind;

    #[test]
    fn merges_sources_and_folds_unpinned() {
        let mut a = Extract::new(InputKind::UvLock, "uv.lock");
        a.push(
            Package::new(Ecosystem::Pypi, "Requests", Some("2.0")),
            Some(3),
        );
        a.nodes[0].package.direct = Some(false);
        let mut b = Extract::new(InputKind::Requirements, "requirements.in");
        b.push(Package::new(Ecosystem::Pypi, "requests", None), Some(1));
        b.nodes[0].package.direct = Some(true);
        b.nodes[0].package.requirement = Some(">=2".into());
        let inv = merge(vec![a, b]);
        assert_eq!(inv.packages.len(), 1);
        let p = &inv.packages[0];
        assert_eq!(p.version.as_deref(), Some("2.0"));
        assert_eq!(p.direct, Some(true));
        assert_eq!(p.sources.len(), 2);
        assert_eq!(p.requirement.as_deref(), Some(">=2"));
    }
}
