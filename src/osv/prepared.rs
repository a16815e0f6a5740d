//! One package's advisory entries made ready for matching: decoded once,
//! every bound parsed once and each range's events sorted once. `versions`
//! lists need no preparation: the database keeps them as one sorted index
//! per package, so each queried version costs two binary searches there
//! and a few comparisons per range, however long the lists (osv.dev's
//! GIT-derived lists run to hundreds).

use super::db::{Database, Entry, Listed, Package, RangeRef};
use super::format::FormatError;
use super::record::{Eco, EventKind};
use super::version::{Key, Order, canonical};
use std::cell::OnceCell;
use std::collections::HashMap;

/// The version being matched, parsed once per order it is compared in.
pub struct Query<'a> {
    pub eco: Eco,
    pub version: &'a str,
    pep440: OnceCell<Key>,
    semver: OnceCell<Key>,
}

impl<'a> Query<'a> {
    pub fn new(eco: Eco, version: &'a str) -> Self {
        Query {
            eco,
            version,
            pep440: OnceCell::new(),
            semver: OnceCell::new(),
        }
    }

    pub fn key(&self, order: Order) -> &Key {
        let cell = match order {
            Order::Pep440 => &self.pep440,
            Order::Semver => &self.semver,
        };
        cell.get_or_init(|| Key::parse(order, self.version))
    }
}

/// One range, ready to replay: `IncludedInRanges` of the OSV schema.
pub struct Timeline {
    order: Order,
    /// `limit` events; empty means the implicit `"*"`.
    limits: Vec<Key>,
    /// A limit containing `*` (infinity).
    unlimited: bool,
    /// Events other than limits, stably sorted by version (equal versions
    /// keep the record's order).
    events: Vec<(EventKind, Key)>,
}

impl Timeline {
    fn new<'a>(eco: Eco, range: &RangeRef<'a>, keys: &mut KeyCache<'a>) -> Timeline {
        let order = Order::of(eco, range.kind);
        let mut t = Timeline {
            order,
            limits: Vec::new(),
            unlimited: false,
            events: Vec::with_capacity(range.events.len()),
        };
        for (kind, version) in &range.events {
            match kind {
                EventKind::Limit if version.contains('*') => t.unlimited = true,
                EventKind::Limit => t.limits.push(keys.get(order, version)),
                _ => t.events.push((*kind, keys.get(order, version))),
            }
        }
        t.events.sort_by(|a, b| a.1.cmp(&b.1));
        t
    }

    /// Whether the range contains the queried version.
    pub fn affects(&self, q: &Query) -> bool {
        let v = q.key(self.order);
        let limited = self.unlimited || !self.limits.is_empty();
        if limited && !self.unlimited && !self.limits.iter().any(|l| v < l) {
            return false;
        }
        let mut affected = false;
        for (kind, bound) in &self.events {
            match kind {
                EventKind::Introduced if v >= bound => affected = true,
                EventKind::Fixed if v >= bound => affected = false,
                EventKind::LastAffected if v > bound => affected = false,
                _ => {}
            }
        }
        affected
    }
}

/// Parses each distinct bound once per order.
#[derive(Default)]
struct KeyCache<'a> {
    keys: HashMap<(Order, &'a str), Key>,
}

impl<'a> KeyCache<'a> {
    fn get(&mut self, order: Order, s: &'a str) -> Key {
        self.keys
            .entry((order, s))
            .or_insert_with(|| Key::parse(order, s))
            .clone()
    }
}

/// A package's entries with their ranges parsed.
pub struct Prepared<'a> {
    db: &'a Database,
    pub eco: Eco,
    pub entries: Vec<Entry<'a>>,
    /// Per entry, its ranges.
    timelines: Vec<Vec<Timeline>>,
    listed: Listed,
}

impl<'a> Prepared<'a> {
    pub fn new(db: &'a Database, eco: Eco, package: Package<'a>) -> Prepared<'a> {
        let mut keys = KeyCache::default();
        let timelines = package
            .entries
            .iter()
            .map(|e| {
                e.ranges
                    .iter()
                    .map(|r| Timeline::new(eco, r, &mut keys))
                    .collect()
            })
            .collect();
        Prepared {
            db,
            eco,
            entries: package.entries,
            timelines,
            listed: package.listed,
        }
    }

    /// Entries whose `versions` list names the version: the same string,
    /// or an equal version in the ecosystem's order (the database indexes
    /// every listed string and its canonical form).
    fn listing(&self, q: &Query) -> Result<Vec<u32>, FormatError> {
        let mut out = self.db.listed(&self.listed, q.version.trim())?;
        if let Some(c) = canonical(Order::ecosystem(self.eco), q.version) {
            out.extend(self.db.listed(&self.listed, &c)?);
        }
        Ok(out)
    }

    /// For each entry, whether it affects the version
    /// (`IncludedInVersions || IncludedInRanges`).
    pub fn affected(&self, q: &Query) -> Result<Vec<bool>, FormatError> {
        let mut out: Vec<bool> = self
            .timelines
            .iter()
            .map(|ranges| ranges.iter().any(|t| t.affects(q)))
            .collect();
        for i in self.listing(q)? {
            if let Some(slot) = out.get_mut(i as usize) {
                *slot = true;
            }
        }
        Ok(out)
    }

    /// Whether any of the given entries affects the version.
    pub fn any_affected(&self, entries: &[usize], q: &Query) -> Result<bool, FormatError> {
        let in_ranges = entries.iter().any(|&i| {
            self.timelines
                .get(i)
                .is_some_and(|ranges| ranges.iter().any(|t| t.affects(q)))
        });
        Ok(in_ranges
            || self
                .listing(q)?
                .iter()
                .any(|i| entries.contains(&(*i as usize))))
    }
}
