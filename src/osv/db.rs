//! Reading a compiled advisory database (layout in `format.rs`) in place:
//! opening checks the header and reads the small meta section; a lookup is
//! a binary search of the package directory and decodes only that
//! package's entries. Every read is bounds-checked: a damaged file gives
//! errors, never a panic.

use super::compile::Meta;
use super::format::{
    self, Cursor, DIR_RECORD, FLAG_MALICIOUS, FormatError, LISTED_RECORD, Sections,
};
use super::record::{Eco, EventKind, RangeKind, ScoreKind};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// The snapshot compiled by `build.rs` from `data/osv/*.zip`.
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/osv.tgdb"));

/// Where a database was loaded from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Embedded,
    File(PathBuf),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Embedded => f.write_str("embedded snapshot (data/osv)"),
            Location::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A loaded database.
pub struct Database {
    bytes: Cow<'static, [u8]>,
    sections: Sections,
    pub meta: Meta,
    pub location: Location,
}

/// One advisory record as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdvisoryRef<'a> {
    pub id: &'a str,
    pub summary: &'a str,
    pub modified: &'a str,
    pub malicious: bool,
    /// Advisories with the same group name each other (ids, aliases).
    pub group: u32,
    pub db_severity: Option<&'a str>,
    pub severity: Vec<(ScoreKind, &'a str)>,
    pub aliases: Vec<&'a str>,
}

/// One range of an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeRef<'a> {
    pub kind: RangeKind,
    pub events: Vec<(EventKind, &'a str)>,
}

/// One `affected[]` entry of an advisory for the looked-up package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Index of the advisory (for [`Database::advisory`]).
    pub advisory: u32,
    pub severity: Vec<(ScoreKind, &'a str)>,
    pub ranges: Vec<RangeRef<'a>>,
}

/// Where a package's versions index lies (see `format.rs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Listed {
    off: usize,
    count: usize,
}

/// A package's entries and its versions index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Package<'a> {
    pub entries: Vec<Entry<'a>>,
    pub listed: Listed,
}

impl Database {
    /// The snapshot built into this binary.
    pub fn embedded() -> Result<Database, FormatError> {
        Database::from_bytes(Cow::Borrowed(EMBEDDED), Location::Embedded)
    }

    /// Reads a database file.
    pub fn open(path: &Path) -> Result<Database, FormatError> {
        let bytes = std::fs::read(path)
            .map_err(|e| FormatError(format!("cannot read {}: {e}", path.display())))?;
        Database::from_bytes(Cow::Owned(bytes), Location::File(path.to_path_buf()))
    }

    /// Checks the header and reads the meta section.
    pub fn from_bytes(
        bytes: Cow<'static, [u8]>,
        location: Location,
    ) -> Result<Database, FormatError> {
        let sections = format::sections(&bytes)?;
        let (off, len) = sections.meta;
        let meta_bytes = bytes
            .get(off..off + len)
            .ok_or_else(|| FormatError("meta section out of bounds".into()))?;
        let meta: Meta = serde_json::from_slice(meta_bytes)
            .map_err(|e| FormatError(format!("bad meta section: {e}")))?;
        Ok(Database {
            bytes,
            sections,
            meta,
            location,
        })
    }

    fn section(&self, (off, len): (usize, usize)) -> &[u8] {
        // `sections()` checked every range against the buffer.
        self.bytes.get(off..off + len).unwrap_or(&[])
    }

    fn strings(&self) -> &[u8] {
        self.section(self.sections.strings)
    }

    fn data(&self) -> &[u8] {
        self.section(self.sections.data)
    }

    /// Number of stored advisories.
    pub fn advisory_count(&self) -> usize {
        self.sections.index.1 / 4
    }

    /// Number of (ecosystem, name) keys.
    pub fn package_count(&self) -> usize {
        self.sections.directory.1 / DIR_RECORD
    }

    fn dir_record(&self, i: usize) -> Result<(u32, &str, usize), FormatError> {
        let dir = self.section(self.sections.directory);
        let mut c = Cursor::new(dir, i * DIR_RECORD);
        let eco = c.u32()?;
        let name = c.str(self.strings())?;
        let data = c.u32()? as usize;
        Ok((eco, name, data))
    }

    /// The (ecosystem, normalised name) of directory record `i`.
    pub fn package(&self, i: usize) -> Result<(Option<Eco>, &str), FormatError> {
        let (eco, name, _) = self.dir_record(i)?;
        Ok((u8::try_from(eco).ok().and_then(Eco::from_u8), name))
    }

    /// Every entry for a package; `name` must be normalised
    /// (`record::normalize_name`). Empty when the package has none.
    pub fn entries(&self, eco: Eco, name: &str) -> Result<Package<'_>, FormatError> {
        let want = (eco as u32, name.as_bytes());
        let (mut lo, mut hi) = (0usize, self.package_count());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (e, n, data) = self.dir_record(mid)?;
            match (e, n.as_bytes()).cmp(&want) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return self.decode_package(data),
            }
        }
        Ok(Package::default())
    }

    fn decode_package(&self, off: usize) -> Result<Package<'_>, FormatError> {
        let strings = self.strings();
        let mut c = Cursor::new(self.data(), off);
        let n = c.count(16)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let advisory = c.u32()?;
            let severity = scores(&mut c, strings)?;
            let nr = c.count(5)?;
            let mut ranges = Vec::with_capacity(nr);
            for _ in 0..nr {
                let kind = match c.u8()? {
                    0 => RangeKind::Ecosystem,
                    1 => RangeKind::Semver,
                    k => return Err(FormatError(format!("unknown range kind {k}"))),
                };
                let ne = c.count(9)?;
                let mut events = Vec::with_capacity(ne);
                for _ in 0..ne {
                    let k = c.u8()?;
                    let kind = EventKind::from_u8(k)
                        .ok_or_else(|| FormatError(format!("unknown event kind {k}")))?;
                    events.push((kind, c.str(strings)?));
                }
                ranges.push(RangeRef { kind, events });
            }
            out.push(Entry {
                advisory,
                severity,
                ranges,
            });
        }
        let count = c.count(LISTED_RECORD)?;
        Ok(Package {
            entries: out,
            listed: Listed {
                off: c.position(),
                count,
            },
        })
    }

    /// Record `i` of a versions index: its key and the offset of its list.
    fn listed_record(&self, listed: &Listed, i: usize) -> Result<(&str, usize), FormatError> {
        let mut c = Cursor::new(self.data(), listed.off + i * LISTED_RECORD);
        let key = c.str(self.strings())?;
        Ok((key, c.u32()? as usize))
    }

    /// The entries (indexes into [`Package::entries`]) whose `versions`
    /// list holds `key` (a version as written, or a canonical form).
    pub fn listed(&self, listed: &Listed, key: &str) -> Result<Vec<u32>, FormatError> {
        let (mut lo, mut hi) = (0usize, listed.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (k, list) = self.listed_record(listed, mid)?;
            match k.cmp(key) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => {
                    let mut c = Cursor::new(self.data(), list);
                    let n = c.count(4)?;
                    return (0..n).map(|_| c.u32()).collect();
                }
            }
        }
        Ok(Vec::new())
    }

    /// Every key of a versions index, in order.
    pub fn listed_keys(&self, listed: &Listed) -> Result<Vec<&str>, FormatError> {
        (0..listed.count)
            .map(|i| self.listed_record(listed, i).map(|(k, _)| k))
            .collect()
    }

    /// Advisory number `i`.
    pub fn advisory(&self, i: u32) -> Result<AdvisoryRef<'_>, FormatError> {
        let index = self.section(self.sections.index);
        let off = Cursor::new(index, (i as usize).saturating_mul(4)).u32()? as usize;
        let strings = self.strings();
        let mut c = Cursor::new(self.data(), off);
        let id = c.str(strings)?;
        let summary = c.str(strings)?;
        let modified = c.str(strings)?;
        let flags = c.u8()?;
        let group = c.u32()?;
        let db_severity = Some(c.str(strings)?).filter(|s| !s.is_empty());
        let severity = scores(&mut c, strings)?;
        let na = c.count(8)?;
        let mut aliases = Vec::with_capacity(na);
        for _ in 0..na {
            aliases.push(c.str(strings)?);
        }
        Ok(AdvisoryRef {
            id,
            summary,
            modified,
            malicious: flags & FLAG_MALICIOUS != 0,
            group,
            db_severity,
            severity,
            aliases,
        })
    }
}

fn scores<'a>(
    c: &mut Cursor<'a>,
    strings: &'a [u8],
) -> Result<Vec<(ScoreKind, &'a str)>, FormatError> {
    let n = c.count(9)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let k = c.u8()?;
        let kind =
            ScoreKind::from_u8(k).ok_or_else(|| FormatError(format!("unknown score kind {k}")))?;
        out.push((kind, c.str(strings)?));
    }
    Ok(out)
}

/// Checks every record of a database: the fuzz target for damaged files,
/// and what `db import` runs on the file it just wrote before swapping it in.
pub fn verify(db: &Database) -> Result<(), FormatError> {
    for i in 0..db.advisory_count() {
        db.advisory(i as u32)?;
    }
    let mut prev: Option<(u32, Vec<u8>)> = None;
    for i in 0..db.package_count() {
        let (eco, name, data) = db.dir_record(i)?;
        let key = (eco, name.as_bytes().to_vec());
        if prev.as_ref().is_some_and(|p| *p >= key) {
            return Err(FormatError("package directory is not sorted".into()));
        }
        let p = db.decode_package(data)?;
        for e in &p.entries {
            if e.advisory as usize >= db.advisory_count() {
                return Err(FormatError("entry names a missing advisory".into()));
            }
        }
        let keys = db.listed_keys(&p.listed)?;
        if keys.windows(2).any(|w| w[0] >= w[1]) {
            return Err(FormatError("versions index is not sorted".into()));
        }
        for k in keys {
            if db
                .listed(&p.listed, k)?
                .iter()
                .any(|&i| i as usize >= p.entries.len())
            {
                return Err(FormatError("versions index names a missing entry".into()));
            }
        }
        prev = Some(key);
    }
    Ok(())
}

/// The compiled bytes of the embedded snapshot.
pub fn embedded_bytes() -> &'static [u8] {
    EMBEDDED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_snapshot_loads_and_verifies() {
        let db = Database::embedded().unwrap();
        verify(&db).unwrap();
        assert_eq!(db.meta.origin, "embedded");
        assert_eq!(db.meta.errors, 0);
        eprintln!("{}", serde_json::to_string_pretty(&db.meta).unwrap());
    }
}
