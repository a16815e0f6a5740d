//! A zip reader of our own, for model archives: it reads the archive both by
//! its central directory (what `torch.load` and Python's `zipfile` use) and
//! by walking the local headers (what streaming readers see), and reports
//! every disagreement: names, counts, sizes, overlapping or hidden members,
//! data before, between or after the members. Member bytes of stored
//! entries are borrowed from the map; deflated ones are streamed.

use super::decompress;
use flate2::read::DeflateDecoder;
use std::borrow::Cow;
use std::io::Read;

/// One member, as the central directory (or, for hidden members, its local
/// header) describes it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub flags: u16,
    pub method: u16,
    pub crc: u32,
    pub csize: u64,
    pub usize: u64,
    /// Offset of the local header in the data.
    pub local: u64,
    /// Offset of the member's bytes (after the local header).
    pub data: u64,
}

impl Entry {
    pub fn encrypted(&self) -> bool {
        self.flags & 1 != 0
    }
}

/// The archive as read, with everything that did not add up.
#[derive(Debug, Default)]
pub struct Archive {
    pub entries: Vec<Entry>,
    /// Local headers the central directory does not list.
    pub hidden: Vec<Entry>,
    /// Disagreements and oddities: (offset, message).
    pub problems: Vec<(u64, String)>,
}

const LOCAL: &[u8; 4] = b"PK\x03\x04";
const CENTRAL: &[u8; 4] = b"PK\x01\x02";
const EOCD: &[u8; 4] = b"PK\x05\x06";

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(d.get(at..at + 8)?.try_into().ok()?))
}

fn usz(v: u64) -> Option<usize> {
    usize::try_from(v).ok()
}

/// End of central directory: (entries, cd size, cd offset, position).
struct End {
    total: u64,
    cd_size: u64,
    cd_offset: u64,
    pos: usize,
}

fn find_end(d: &[u8]) -> Option<End> {
    let from = d.len().saturating_sub(22 + 65535);
    let tail = &d[from..];
    let rel = memchr::memmem::rfind_iter(tail, EOCD).find(|&i| {
        let pos = from + i;
        u16_at(d, pos + 20).is_some_and(|c| pos + 22 + c as usize <= d.len())
    })?;
    let pos = from + rel;
    let mut end = End {
        total: u16_at(d, pos + 10)? as u64,
        cd_size: u32_at(d, pos + 12)? as u64,
        cd_offset: u32_at(d, pos + 16)? as u64,
        pos,
    };
    // Zip64: the locator sits just before the classic record.
    if pos >= 20 && d.get(pos - 20..pos - 16) == Some(b"PK\x06\x07") {
        let rec = usz(u64_at(d, pos - 12)?)?;
        if d.get(rec..rec + 4) == Some(b"PK\x06\x06") {
            end.total = u64_at(d, rec + 32)?;
            end.cd_size = u64_at(d, rec + 40)?;
            end.cd_offset = u64_at(d, rec + 48)?;
        }
    }
    Some(end)
}

/// Reads the zip64 extra field of a header, replacing saturated fields.
fn zip64_extra(extra: &[u8], usize_: &mut u64, csize: &mut u64, local: Option<&mut u64>) {
    let mut i = 0;
    while i + 4 <= extra.len() {
        let id = u16_at(extra, i).unwrap_or(0);
        let len = u16_at(extra, i + 2).unwrap_or(0) as usize;
        let body = extra.get(i + 4..i + 4 + len).unwrap_or(&[]);
        if id == 1 {
            let mut j = 0;
            let mut next = |field: &mut u64| {
                if *field == 0xFFFF_FFFF
                    && let Some(v) = u64_at(body, j)
                {
                    *field = v;
                    j += 8;
                }
            };
            next(usize_);
            next(csize);
            if let Some(l) = local {
                next(l);
            }
            return;
        }
        i += 4 + len;
    }
}

/// Parses the archive. `Err` when there is no readable central directory.
pub fn read(d: &[u8], max_entries: usize) -> Result<Archive, String> {
    let end = find_end(d).ok_or("no end-of-central-directory record: not a readable zip")?;
    let mut ar = Archive::default();
    // Bytes prepended to the archive shift every offset (zipfile tolerates it).
    let cd_start = (end.pos as u64).saturating_sub(end.cd_size);
    let base = cd_start.saturating_sub(end.cd_offset);
    if base > 0 {
        ar.problems.push((
            0,
            format!("{base} bytes precede the archive (offsets are shifted; a polyglot file?)"),
        ));
    }
    if end.total > max_entries as u64 {
        return Err(format!(
            "the central directory declares {} members, over the limit of {max_entries}",
            end.total
        ));
    }
    let mut pos = usz(cd_start).ok_or("central directory offset out of range")?;
    while d.get(pos..pos + 4) == Some(CENTRAL) {
        if ar.entries.len() >= max_entries {
            return Err(format!("more than {max_entries} members"));
        }
        let e = central_entry(d, pos, base).ok_or_else(|| {
            format!("central directory entry at offset {pos} runs past the end of the file")
        })?;
        pos = e.1;
        ar.entries.push(e.0);
    }
    if ar.entries.len() as u64 != end.total {
        ar.problems.push((
            cd_start,
            format!(
                "the end record declares {} members but the central directory lists {}",
                end.total,
                ar.entries.len()
            ),
        ));
    }
    if pos != end.pos && !matches!(d.get(pos..pos + 4), Some(b"PK\x06\x06")) {
        ar.problems.push((
            pos as u64,
            "the central directory ends before the end record (unlisted data in between)".into(),
        ));
    }
    check_locals(d, &mut ar);
    check_overlaps(&mut ar);
    walk_locals(d, base, cd_start, max_entries, &mut ar);
    Ok(ar)
}

fn central_entry(d: &[u8], pos: usize, base: u64) -> Option<(Entry, usize)> {
    let nlen = u16_at(d, pos + 28)? as usize;
    let xlen = u16_at(d, pos + 30)? as usize;
    let clen = u16_at(d, pos + 32)? as usize;
    let name = d.get(pos + 46..pos + 46 + nlen)?;
    let extra = d.get(pos + 46 + nlen..pos + 46 + nlen + xlen)?;
    let mut usize_ = u32_at(d, pos + 24)? as u64;
    let mut csize = u32_at(d, pos + 20)? as u64;
    let mut local = u32_at(d, pos + 42)? as u64;
    zip64_extra(extra, &mut usize_, &mut csize, Some(&mut local));
    let e = Entry {
        name: String::from_utf8_lossy(name).into_owned(),
        flags: u16_at(d, pos + 8)?,
        method: u16_at(d, pos + 10)?,
        crc: u32_at(d, pos + 16)?,
        csize,
        usize: usize_,
        local: local.saturating_add(base),
        data: 0,
    };
    Some((e, pos + 46 + nlen + xlen + clen))
}

/// A local header: (name, flags, method, crc, csize, usize, data offset).
struct LocalHeader {
    name: Vec<u8>,
    flags: u16,
    method: u16,
    crc: u32,
    csize: u64,
    usize: u64,
    data: u64,
}

fn local_header(d: &[u8], at: u64) -> Option<LocalHeader> {
    let p = usz(at)?;
    if d.get(p..p + 4)? != LOCAL {
        return None;
    }
    let nlen = u16_at(d, p + 26)? as usize;
    let xlen = u16_at(d, p + 28)? as usize;
    let name = d.get(p + 30..p + 30 + nlen)?.to_vec();
    let extra = d.get(p + 30 + nlen..p + 30 + nlen + xlen)?;
    let mut csize = u32_at(d, p + 18)? as u64;
    let mut usize_ = u32_at(d, p + 22)? as u64;
    zip64_extra(extra, &mut usize_, &mut csize, None);
    Some(LocalHeader {
        name,
        flags: u16_at(d, p + 6)?,
        method: u16_at(d, p + 8)?,
        crc: u32_at(d, p + 14)?,
        csize,
        usize: usize_,
        data: (p + 30 + nlen + xlen) as u64,
    })
}

/// Compares each central entry with the local header it points at.
fn check_locals(d: &[u8], ar: &mut Archive) {
    let mut seen = std::collections::HashSet::new();
    for e in &mut ar.entries {
        if !seen.insert(e.name.clone()) {
            ar.problems.push((
                e.local,
                format!(
                    "member `{}` is listed twice (readers disagree on which one wins)",
                    e.name
                ),
            ));
        }
        let Some(lh) = local_header(d, e.local) else {
            ar.problems.push((
                e.local,
                format!(
                    "member `{}`: no local header where the central directory points",
                    e.name
                ),
            ));
            e.data = u64::MAX;
            continue;
        };
        e.data = lh.data;
        let lname = String::from_utf8_lossy(&lh.name);
        if lname != e.name {
            ar.problems.push((
                e.local,
                format!(
                    "member named `{}` in the central directory but `{lname}` in its local header",
                    e.name
                ),
            ));
        }
        if lh.method != e.method {
            ar.problems.push((
                e.local,
                format!(
                    "member `{}`: compression method {} in the central directory, {} locally",
                    e.name, e.method, lh.method
                ),
            ));
        }
        let descriptor = lh.flags & 8 != 0;
        if !descriptor && (lh.csize != e.csize || lh.usize != e.usize || lh.crc != e.crc) {
            ar.problems.push((
                e.local,
                format!(
                    "member `{}`: sizes or CRC differ between the central directory \
                     ({} → {} bytes) and the local header ({} → {} bytes)",
                    e.name, e.csize, e.usize, lh.csize, lh.usize
                ),
            ));
        }
        if e.data.saturating_add(e.csize) > d.len() as u64 {
            ar.problems.push((
                e.local,
                format!("member `{}` extends past the end of the file", e.name),
            ));
        }
    }
}

fn check_overlaps(ar: &mut Archive) {
    let mut spans: Vec<(u64, u64, &str)> = ar
        .entries
        .iter()
        .filter(|e| e.data != u64::MAX)
        .map(|e| (e.local, e.data.saturating_add(e.csize), e.name.as_str()))
        .collect();
    spans.sort();
    let mut problems = Vec::new();
    for w in spans.windows(2) {
        if w[1].0 < w[0].1 {
            problems.push((
                w[1].0,
                format!(
                    "members `{}` and `{}` overlap (the same bytes are read twice: a zip-bomb \
                     or scanner-evasion technique)",
                    w[0].2, w[1].2
                ),
            ));
        }
    }
    ar.problems.extend(problems);
}

/// Walks the local headers from the first one, the way a streaming reader
/// does, and reports members the central directory does not list and bytes
/// no member accounts for.
fn walk_locals(d: &[u8], base: u64, cd_start: u64, max_entries: usize, ar: &mut Archive) {
    let by_offset: std::collections::HashMap<u64, usize> = ar
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.local, i))
        .collect();
    // A streaming reader starts at the first byte: a local header there is
    // read even when the central directory's offsets begin later.
    let mut pos = if d.starts_with(LOCAL) { 0 } else { base };
    let mut walked = 0usize;
    while pos < cd_start && walked <= max_entries {
        let Some(lh) = local_header(d, pos) else {
            ar.problems.push((
                pos,
                format!(
                    "{} bytes between the members and the central directory belong to no member",
                    cd_start - pos
                ),
            ));
            return;
        };
        walked += 1;
        let listed = by_offset.get(&pos).map(|&i| &ar.entries[i]);
        let csize = match listed {
            Some(e) => e.csize,
            None if lh.flags & 8 == 0 || lh.csize != 0 => lh.csize,
            None => next_signature(d, lh.data).saturating_sub(lh.data),
        };
        if listed.is_none() {
            let name = String::from_utf8_lossy(&lh.name).into_owned();
            ar.problems.push((
                pos,
                format!(
                    "local header of `{name}` is not listed in the central directory (a member \
                     hidden from some readers)"
                ),
            ));
            ar.hidden.push(Entry {
                name,
                flags: lh.flags,
                method: lh.method,
                crc: lh.crc,
                csize,
                usize: lh.usize,
                local: pos,
                data: lh.data,
            });
        }
        let mut next = lh.data.saturating_add(csize);
        if lh.flags & 8 != 0 {
            let has_sig = usz(next).and_then(|n| d.get(n..n + 4)) == Some(b"PK\x07\x08");
            let zip64 = lh.csize == 0xFFFF_FFFF || csize > 0xFFFF_FFFF;
            next += match (has_sig, zip64) {
                (true, true) => 24,
                (true, false) => 16,
                (false, true) => 20,
                (false, false) => 12,
            };
        }
        if next <= pos {
            return;
        }
        pos = next;
    }
    if walked != ar.entries.len() + ar.hidden.len() && walked <= max_entries {
        ar.problems.push((
            base,
            format!(
                "walking the local headers finds {walked} members, the central directory lists {}",
                ar.entries.len()
            ),
        ));
    }
}

fn next_signature(d: &[u8], from: u64) -> u64 {
    let Some(f) = usz(from) else {
        return d.len() as u64;
    };
    let rest = d.get(f..).unwrap_or(&[]);
    let a = memchr::memmem::find(rest, LOCAL);
    let b = memchr::memmem::find(rest, CENTRAL);
    let n = match (a, b) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => rest.len(),
    };
    from + n as u64
}

/// Why a member's bytes cannot be given.
#[derive(Debug)]
pub enum MemberError {
    Encrypted,
    Method(u16),
    OutOfRange,
    TooLarge(u64),
    Corrupt(String),
}

impl std::fmt::Display for MemberError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MemberError::Encrypted => f.write_str("encrypted; cannot be scanned"),
            MemberError::Method(m) => write!(f, "compression method {m} is not supported"),
            MemberError::OutOfRange => f.write_str("its bytes lie outside the file"),
            MemberError::TooLarge(n) => {
                write!(f, "expands past {n} bytes (zip bomb?); not read whole")
            }
            MemberError::Corrupt(e) => write!(f, "cannot be decompressed: {e}"),
        }
    }
}

/// The stored (compressed) bytes of a member.
pub fn raw<'a>(d: &'a [u8], e: &Entry) -> Result<&'a [u8], MemberError> {
    let s = usz(e.data).ok_or(MemberError::OutOfRange)?;
    let n = usz(e.csize).ok_or(MemberError::OutOfRange)?;
    d.get(s..s.checked_add(n).ok_or(MemberError::OutOfRange)?)
        .ok_or(MemberError::OutOfRange)
}

/// A streaming reader of a member's content, capped at `cap` bytes out.
pub fn reader<'a>(d: &'a [u8], e: &Entry, cap: u64) -> Result<Box<dyn Read + 'a>, MemberError> {
    if e.encrypted() {
        return Err(MemberError::Encrypted);
    }
    let raw = raw(d, e)?;
    let decoder: Box<dyn Read + 'a> = match e.method {
        0 => return Ok(Box::new(raw)),
        8 => Box::new(DeflateDecoder::new(raw)),
        // bzip2 and LZMA: Python's zipfile (np.load, Keras) reads them.
        12 => decompress::zip_bzip2(raw),
        14 => decompress::zip_lzma(raw, e.flags, e.usize).map_err(MemberError::Corrupt)?,
        m => return Err(MemberError::Method(m)),
    };
    // The ratio bound fails loudly; `cap` is the caller's (silent) window.
    Ok(Box::new(
        decompress::Bounded::new(decoder, raw.len(), u64::MAX).take(cap),
    ))
}

/// A member's whole content: borrowed when stored, decompressed (up to
/// `max` bytes) otherwise.
pub fn content<'a>(d: &'a [u8], e: &Entry, max: u64) -> Result<Cow<'a, [u8]>, MemberError> {
    if e.encrypted() {
        return Err(MemberError::Encrypted);
    }
    match e.method {
        0 => raw(d, e).map(Cow::Borrowed),
        _ => {
            let mut out = Vec::new();
            let mut r = reader(d, e, max.saturating_add(1))?;
            r.read_to_end(&mut out)
                .map_err(|err| MemberError::Corrupt(err.to_string()))?;
            if out.len() as u64 > max {
                return Err(MemberError::TooLarge(max));
            }
            Ok(Cow::Owned(out))
        }
    }
}

/// The first `n` bytes of a member's content (for sniffing), cheaply.
pub fn head(d: &[u8], e: &Entry, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    let Ok(mut r) = reader(d, e, n as u64) else {
        return Vec::new();
    };
    let mut got = 0;
    while got < n {
        match r.read(&mut out[got..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => got += k,
        }
    }
    out.truncate(got);
    out
}

/// The CRC-32 of a member's content (checked on the members we scan).
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

#[cfg(test)]
mod tests;
