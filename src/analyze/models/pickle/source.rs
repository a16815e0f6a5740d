//! Where pickle bytes come from: a slice (a memory-mapped file, a stored zip
//! member) or a stream (a deflated member, a gzip file). The interpreter
//! borrows the few bytes it needs and skips payloads without copying them.

use std::io::Read;

/// The stream ended (or failed) before an opcode's argument was complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truncated;

/// A protocol-0 text argument: kept when short; when long, measured and
/// its first [`HEAD`] bytes copied (a long GLOBAL name is still named).
pub enum Line<'a> {
    Kept(&'a [u8]),
    Long(u64, Vec<u8>),
}

/// How much of a long line or string is kept for evidence and
/// classification.
pub const HEAD: usize = 256;

/// Byte source for the interpreter.
pub trait Source {
    /// Offset of the next byte, from the start of the source.
    fn pos(&self) -> u64;
    /// The next byte, or `None` at the end.
    fn byte(&mut self) -> Option<u8>;
    /// The next `n` bytes (`n` is small: opcode arguments and kept strings).
    fn take(&mut self, n: usize) -> Result<&[u8], Truncated>;
    /// Skips `n` bytes (payloads we do not need to see).
    fn skip(&mut self, n: u64) -> Result<(), Truncated>;
    /// The bytes up to the next `\n` (consumed, not returned); lines longer
    /// than `keep` are skipped and only measured.
    fn line(&mut self, keep: usize) -> Result<Line<'_>, Truncated>;
    /// Whether the source is exhausted.
    fn at_end(&mut self) -> bool;
    /// A window of already-read bytes, when the source can give it back
    /// (slices can; streams cannot). Used to scan a nested pickle or archive
    /// held in a bytes literal.
    fn window(&self, start: u64, len: u64) -> Option<&[u8]>;
}

/// A source over bytes in memory (usually a memory map).
pub struct SliceSource<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> SliceSource<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        SliceSource { data, pos: 0 }
    }

    pub fn at(data: &'a [u8], pos: usize) -> Self {
        SliceSource {
            data,
            pos: pos.min(data.len()),
        }
    }
}

impl Source for SliceSource<'_> {
    fn pos(&self) -> u64 {
        self.pos as u64
    }

    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], Truncated> {
        let end = self.pos.checked_add(n).ok_or(Truncated)?;
        let s = self.data.get(self.pos..end).ok_or(Truncated)?;
        self.pos = end;
        Ok(s)
    }

    fn skip(&mut self, n: u64) -> Result<(), Truncated> {
        let left = (self.data.len() - self.pos) as u64;
        if n > left {
            self.pos = self.data.len();
            return Err(Truncated);
        }
        self.pos += n as usize;
        Ok(())
    }

    fn line(&mut self, keep: usize) -> Result<Line<'_>, Truncated> {
        let rest = &self.data[self.pos..];
        let Some(nl) = memchr::memchr(b'\n', rest) else {
            self.pos = self.data.len();
            return Err(Truncated);
        };
        let start = self.pos;
        self.pos += nl + 1;
        if nl > keep {
            Ok(Line::Long(
                nl as u64,
                self.data[start..start + nl.min(HEAD)].to_vec(),
            ))
        } else {
            Ok(Line::Kept(&self.data[start..start + nl]))
        }
    }

    fn at_end(&mut self) -> bool {
        self.pos >= self.data.len()
    }

    fn window(&self, start: u64, len: u64) -> Option<&[u8]> {
        let s = usize::try_from(start).ok()?;
        let e = s.checked_add(usize::try_from(len).ok()?)?;
        self.data.get(s..e)
    }
}

/// A source over a stream, with a bounded buffer: memory stays at the
/// buffer size whatever the stream length.
pub struct ReadSource<R: Read> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    pos: u64,
    eof: bool,
    /// The read error that ended the stream, and the stream offset it hit at.
    error: Option<(u64, std::io::Error)>,
}

/// Largest argument `take` or a kept line may ask for from a stream.
const STREAM_BUF: usize = 1 << 20;

impl<R: Read> ReadSource<R> {
    pub fn new(inner: R) -> Self {
        ReadSource {
            inner,
            buf: vec![0; 64 << 10],
            start: 0,
            end: 0,
            pos: 0,
            eof: false,
            error: None,
        }
    }

    /// The read error that ended the stream early, if one did, with the
    /// offset of the first byte that could not be read.
    pub fn error(&self) -> Option<(u64, &std::io::Error)> {
        self.error.as_ref().map(|(at, e)| (*at, e))
    }

    /// Makes at least `n` bytes available in the buffer, if the stream has them.
    fn fill(&mut self, n: usize) -> bool {
        if self.end - self.start >= n {
            return true;
        }
        if n > STREAM_BUF {
            return false;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() < n {
            self.buf.resize(n.next_power_of_two(), 0);
        }
        while self.end < n && !self.eof {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let at = self.pos + (self.end - self.start) as u64;
                    self.error = Some((at, e));
                    self.eof = true;
                }
            }
        }
        self.end - self.start >= n
    }
}

impl<R: Read> Source for ReadSource<R> {
    fn pos(&self) -> u64 {
        self.pos
    }

    fn byte(&mut self) -> Option<u8> {
        if !self.fill(1) {
            return None;
        }
        let b = self.buf[self.start];
        self.start += 1;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], Truncated> {
        if !self.fill(n) {
            let have = (self.end - self.start) as u64;
            self.start = self.end;
            self.pos += have;
            return Err(Truncated);
        }
        let s = self.start;
        self.start += n;
        self.pos += n as u64;
        Ok(&self.buf[s..s + n])
    }

    fn skip(&mut self, mut n: u64) -> Result<(), Truncated> {
        while n > 0 {
            if self.start == self.end && !self.fill(1) {
                return Err(Truncated);
            }
            let have = ((self.end - self.start) as u64).min(n);
            self.start += have as usize;
            self.pos += have;
            n -= have;
        }
        Ok(())
    }

    fn line(&mut self, keep: usize) -> Result<Line<'_>, Truncated> {
        let mut scanned = 0usize;
        loop {
            let avail = &self.buf[self.start + scanned..self.end];
            if let Some(i) = memchr::memchr(b'\n', avail) {
                let len = scanned + i;
                let s = self.start;
                self.start += len + 1;
                self.pos += len as u64 + 1;
                return Ok(if len > keep {
                    Line::Long(len as u64, self.buf[s..s + len.min(HEAD)].to_vec())
                } else {
                    Line::Kept(&self.buf[s..s + len])
                });
            }
            scanned = self.end - self.start;
            if scanned > keep {
                // Too long to keep: measure the rest without buffering it.
                let head = self.buf[self.start..self.start + scanned.min(HEAD)].to_vec();
                self.pos += scanned as u64;
                self.start = self.end;
                let mut total = scanned as u64;
                loop {
                    if !self.fill(1) {
                        return Err(Truncated);
                    }
                    let avail = &self.buf[self.start..self.end];
                    if let Some(i) = memchr::memchr(b'\n', avail) {
                        self.start += i + 1;
                        self.pos += i as u64 + 1;
                        return Ok(Line::Long(total + i as u64, head));
                    }
                    let k = avail.len();
                    total += k as u64;
                    self.start = self.end;
                    self.pos += k as u64;
                }
            }
            if !self.fill(scanned + 1) {
                self.pos += scanned as u64;
                self.start = self.end;
                return Err(Truncated);
            }
        }
    }

    fn at_end(&mut self) -> bool {
        !self.fill(1)
    }

    fn window(&self, _start: u64, _len: u64) -> Option<&[u8]> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(s: &mut dyn Source) {
        assert_eq!(s.byte(), Some(b'a'));
        assert_eq!(s.take(2).unwrap(), b"bc");
        match s.line(10).unwrap() {
            Line::Kept(l) => assert_eq!(l, b"def"),
            Line::Long(..) => panic!("short line"),
        }
        match s.line(3).unwrap() {
            Line::Long(n, head) => {
                assert_eq!(n, 10);
                assert_eq!(head, b"0123456789");
            }
            Line::Kept(_) => panic!("long line"),
        }
        s.skip(2).unwrap();
        assert_eq!(s.pos(), 20);
        assert_eq!(s.take(5), Err(Truncated));
    }

    #[test]
    fn slice_and_stream_agree() {
        let data = b"abcdef\n0123456789\nxyz";
        exercise(&mut SliceSource::new(data));
        exercise(&mut ReadSource::new(&data[..]));
    }
}
