//! The compiled advisory database: a read-only blob that loads in no time
//! (nothing is decoded up front) and is searched in place.
//!
//! ```text
//! header   magic "TGOSVDB\0", u32 format version, then five (u32, u32)
//!          section descriptors: meta (off, len), strings (off, len),
//!          advisory index (off, count), package directory (off, count),
//!          data (off, len). All integers are little-endian.
//! meta     JSON (`Meta` in `db.rs`): sources, counts, newest `modified`.
//! strings  every string once, UTF-8; referenced as (u32 off, u32 len).
//! advisory index   count × u32: offset into data of each advisory.
//! package directory count × 16 bytes, sorted by (ecosystem, name):
//!          u32 ecosystem, str name, u32 offset into data of its entries.
//! data     advisory:  str id, str summary, str modified, u8 flags,
//!                     u32 alias group (the index of the group's first
//!                     advisory: union-find over ids and aliases), str db_severity, list<(u8 kind, str score)> severity,
//!                     list<str> aliases
//!          package:   list<entry>, then the versions index;
//!                     entry = u32 advisory, list<(u8, str)> severity,
//!                     list<range> ranges;
//!                     range = u8 kind, list<(u8 kind, str version)> events;
//!                     versions index = u32 count, count × 12-byte records
//!                     (str key, u32 offset of a list<u32> of entry
//!                     numbers), sorted by key: every `versions` string and
//!                     its canonical form
//!          a list is a u32 count followed by its items.
//! ```
//!
//! Shared with `build.rs`, so only `std` is used here.

use std::collections::HashMap;

pub const MAGIC: &[u8; 8] = b"TGOSVDB\0";
/// Bumped on any change of the layout; older files are refused.
pub const FORMAT_VERSION: u32 = 2;
pub const HEADER_LEN: usize = 8 + 4 + 5 * 8;
/// Size of one package directory record.
pub const DIR_RECORD: usize = 16;
/// Size of one versions-index record.
pub const LISTED_RECORD: usize = 12;
/// Advisory flag: a malicious-package record.
pub const FLAG_MALICIOUS: u8 = 1;

/// Why a compiled database cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError(pub String);

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormatError {}

fn too_big() -> FormatError {
    FormatError("database over 4 GiB".into())
}

/// Appends little-endian values and interned strings.
#[derive(Default)]
pub struct Writer {
    pub data: Vec<u8>,
    strings: Vec<u8>,
    interned: HashMap<String, (u32, u32)>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.data.push(v);
    }

    pub fn u32(&mut self, v: u32) {
        self.data.extend_from_slice(&v.to_le_bytes());
    }

    pub fn len(&mut self, n: usize) -> Result<(), FormatError> {
        self.u32(u32::try_from(n).map_err(|_| too_big())?);
        Ok(())
    }

    pub fn offset(&self) -> Result<u32, FormatError> {
        u32::try_from(self.data.len()).map_err(|_| too_big())
    }

    pub fn str(&mut self, s: &str) -> Result<(), FormatError> {
        let (off, len) = self.intern(s)?;
        self.u32(off);
        self.u32(len);
        Ok(())
    }

    pub fn intern(&mut self, s: &str) -> Result<(u32, u32), FormatError> {
        if let Some(r) = self.interned.get(s) {
            return Ok(*r);
        }
        let off = u32::try_from(self.strings.len()).map_err(|_| too_big())?;
        let len = u32::try_from(s.len()).map_err(|_| too_big())?;
        self.strings.extend_from_slice(s.as_bytes());
        self.interned.insert(s.to_string(), (off, len));
        Ok((off, len))
    }

    /// Assembles the file from its sections.
    pub fn finish(
        self,
        meta: &[u8],
        advisory_offsets: &[u32],
        directory: &[u8],
        directory_count: usize,
    ) -> Result<Vec<u8>, FormatError> {
        let index: Vec<u8> = advisory_offsets
            .iter()
            .flat_map(|o| o.to_le_bytes())
            .collect();
        let sections: [(&[u8], usize); 5] = [
            (meta, meta.len()),
            (&self.strings, self.strings.len()),
            (&index, advisory_offsets.len()),
            (directory, directory_count),
            (&self.data, self.data.len()),
        ];
        let mut out =
            Vec::with_capacity(HEADER_LEN + sections.iter().map(|(b, _)| b.len()).sum::<usize>());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        let mut off = HEADER_LEN;
        for (bytes, n) in &sections {
            out.extend_from_slice(&u32::try_from(off).map_err(|_| too_big())?.to_le_bytes());
            out.extend_from_slice(&u32::try_from(*n).map_err(|_| too_big())?.to_le_bytes());
            off += bytes.len();
        }
        for (bytes, _) in &sections {
            out.extend_from_slice(bytes);
        }
        u32::try_from(out.len()).map_err(|_| too_big())?;
        Ok(out)
    }
}

/// The five sections of a compiled database, bounds-checked.
#[derive(Clone, Copy, Debug)]
pub struct Sections {
    pub meta: (usize, usize),
    pub strings: (usize, usize),
    pub index: (usize, usize),
    pub directory: (usize, usize),
    pub data: (usize, usize),
}

/// Reads and checks the header: every section lies inside the file.
pub fn sections(bytes: &[u8]) -> Result<Sections, FormatError> {
    if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
        return Err(FormatError(
            "not a tollgate advisory database (bad magic)".into(),
        ));
    }
    let mut c = Cursor::new(bytes, 8);
    let version = c.u32()?;
    if version != FORMAT_VERSION {
        return Err(FormatError(format!(
            "advisory database format {version}, this tollgate reads format {FORMAT_VERSION}; \
             re-run `tollgate db import` or `tollgate db update`"
        )));
    }
    let mut raw = [(0usize, 0usize); 5];
    for r in raw.iter_mut() {
        *r = (c.u32()? as usize, c.u32()? as usize);
    }
    let byte_len = |(off, n): (usize, usize), item: usize| -> Result<(usize, usize), FormatError> {
        let len = n
            .checked_mul(item)
            .ok_or_else(|| FormatError("section size overflows".into()))?;
        match off.checked_add(len) {
            Some(end) if off >= HEADER_LEN && end <= bytes.len() => Ok((off, len)),
            _ => Err(FormatError(
                "section out of bounds (truncated file?)".into(),
            )),
        }
    };
    Ok(Sections {
        meta: byte_len(raw[0], 1)?,
        strings: byte_len(raw[1], 1)?,
        index: byte_len(raw[2], 4)?,
        directory: byte_len(raw[3], DIR_RECORD)?,
        data: byte_len(raw[4], 1)?,
    })
}

/// A bounds-checked reader over a byte slice.
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn truncated() -> FormatError {
    FormatError("truncated record".into())
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8], pos: usize) -> Self {
        Cursor { buf, pos }
    }

    /// Where the next read starts.
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn u8(&mut self) -> Result<u8, FormatError> {
        let b = *self.buf.get(self.pos).ok_or_else(truncated)?;
        self.pos += 1;
        Ok(b)
    }

    pub fn u32(&mut self) -> Result<u32, FormatError> {
        let end = self.pos.checked_add(4).ok_or_else(truncated)?;
        let b: [u8; 4] = self
            .buf
            .get(self.pos..end)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(truncated)?;
        self.pos = end;
        Ok(u32::from_le_bytes(b))
    }

    /// A list count, refused when the rest of the buffer cannot hold that
    /// many items of at least `min_item` bytes (so no huge allocation).
    pub fn count(&mut self, min_item: usize) -> Result<usize, FormatError> {
        let n = self.u32()? as usize;
        let left = self.buf.len().saturating_sub(self.pos);
        if n.saturating_mul(min_item.max(1)) > left {
            return Err(FormatError(format!("list of {n} items overruns the data")));
        }
        Ok(n)
    }

    /// A string reference resolved against the string section.
    pub fn str(&mut self, strings: &'a [u8]) -> Result<&'a str, FormatError> {
        let off = self.u32()? as usize;
        let len = self.u32()? as usize;
        let bytes = off
            .checked_add(len)
            .and_then(|end| strings.get(off..end))
            .ok_or_else(|| FormatError("string out of bounds".into()))?;
        std::str::from_utf8(bytes).map_err(|_| FormatError("string is not UTF-8".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bounds() {
        let mut w = Writer::default();
        w.u32(7);
        w.str("hello").unwrap();
        w.str("hello").unwrap();
        w.u8(3);
        let bytes = w.finish(b"{}", &[0], &[0; 16], 1).unwrap();
        let s = sections(&bytes).unwrap();
        let strings = &bytes[s.strings.0..s.strings.0 + s.strings.1];
        assert_eq!(strings, b"hello", "strings are interned once");
        let mut c = Cursor::new(&bytes[s.data.0..s.data.0 + s.data.1], 0);
        assert_eq!(c.u32().unwrap(), 7);
        assert_eq!(c.str(strings).unwrap(), "hello");
        assert_eq!(c.str(strings).unwrap(), "hello");
        assert_eq!(c.u8().unwrap(), 3);
        assert!(c.u8().is_err());
        for cut in 0..bytes.len() {
            // Every truncation is refused or leaves the sections in bounds.
            if let Ok(s) = sections(&bytes[..cut]) {
                assert!(s.data.0 + s.data.1 <= cut);
            }
        }
        let mut c = Cursor::new(&[255, 255, 255, 255], 0);
        assert!(c.count(1).is_err());
    }
}
