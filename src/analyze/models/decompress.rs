//! Decoders for the compressions model files come in: gzip and zlib
//! (joblib, `.pkl.gz`), bz2, xz and LZMA "alone" (joblib's other
//! compressors), and the bzip2 / LZMA methods of zip members (Python's
//! `zipfile`, and so `np.load` and Keras, reads them). All pure Rust, all
//! streaming. Every decoder is wrapped in [`Bounded`], which stops with an
//! error (never a silent truncation) once the output passes a cap or
//! [`MAX_RATIO`] times the compressed size; LZMA dictionaries larger than
//! [`MAX_DICT`] are refused instead of allocated. Memory stays bounded
//! either way; the ratio bounds the time a bomb can cost.

use super::sniff::Format;
use std::io::{self, Read};

/// Largest LZMA/xz decoder memory accepted (joblib's presets use ≤ 64 MiB
/// dictionaries; a header may claim 4 GiB).
pub const MAX_DICT: u32 = 128 << 20;

/// Most output per compressed byte once past [`RATIO_FLOOR`]. Deflate
/// cannot exceed about 1032:1, so gzip, zlib and deflated members never
/// reach it; bz2 and xz of repeated bytes (a bomb) do.
pub const MAX_RATIO: u64 = 2000;

/// Output always allowed whatever the ratio (a small file of zeros is fine).
pub const RATIO_FLOOR: u64 = 64 << 20;

/// A decoder whose output is counted: past `limit` bytes a read fails with
/// a message saying which bound was hit.
pub struct Bounded<R> {
    inner: R,
    out: u64,
    limit: u64,
    compressed: u64,
}

impl<R: Read> Bounded<R> {
    /// Bounds `inner`, decoding `compressed` bytes, to `cap` bytes and to
    /// [`MAX_RATIO`] times its input beyond [`RATIO_FLOOR`].
    pub fn new(inner: R, compressed: usize, cap: u64) -> Self {
        let compressed = compressed as u64;
        let by_ratio = RATIO_FLOOR.max(compressed.saturating_mul(MAX_RATIO));
        Bounded {
            inner,
            out: 0,
            limit: cap.min(by_ratio),
            compressed,
        }
    }

    fn exceeded(&self) -> io::Error {
        io::Error::other(format!(
            "expands past {} bytes from {} compressed bytes (the limit is {} bytes or {}x \
             the compressed size beyond {} MiB); decompression bomb? not read further",
            self.limit,
            self.compressed,
            self.limit,
            MAX_RATIO,
            RATIO_FLOOR >> 20
        ))
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let left = self.limit - self.out;
        if left == 0 {
            // At the limit: one more byte means the stream goes past it.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(self.exceeded()),
            };
        }
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let k = self.inner.read(&mut buf[..n])?;
        self.out += k as u64;
        Ok(k)
    }
}

/// A streaming decoder of a whole compressed file, bounded to `cap` bytes
/// out (and by [`Bounded`]'s ratio).
pub fn reader<'a>(format: Format, data: &'a [u8], cap: u64) -> Result<Box<dyn Read + 'a>, String> {
    let r = unbounded(format, data)?;
    Ok(Box::new(Bounded::new(r, data.len(), cap)))
}

fn unbounded<'a>(format: Format, data: &'a [u8]) -> Result<Box<dyn Read + 'a>, String> {
    Ok(match format {
        Format::Gzip => Box::new(flate2::read::MultiGzDecoder::new(data)),
        Format::Zlib => Box::new(flate2::read::ZlibDecoder::new(data)),
        Format::Bz2 => Box::new(bzip2::read::MultiBzDecoder::new(data)),
        Format::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(
            data,
            true,
            MAX_DICT / 1024,
        )),
        Format::Lzma => Box::new(
            lzma_rust2::LzmaReader::new_mem_limit(data, MAX_DICT / 1024, None)
                .map_err(|e| format!("LZMA header: {e}"))?,
        ),
        other => return Err(format!("{} is not decoded", other.as_str())),
    })
}

/// A zip member stored with method 12 (bzip2).
pub fn zip_bzip2(raw: &[u8]) -> Box<dyn Read + '_> {
    Box::new(bzip2::read::BzDecoder::new(raw))
}

/// A zip member stored with method 14 (LZMA): a 4-byte LZMA SDK version and
/// properties-size header, the 5 property bytes, then raw LZMA. General
/// purpose flag bit 1 says an end marker terminates the stream; otherwise
/// the uncompressed size does.
pub fn zip_lzma(raw: &[u8], flags: u16, size: u64) -> Result<Box<dyn Read + '_>, String> {
    let header = raw.get(..9).ok_or("LZMA member shorter than its header")?;
    let props_len = u16::from_le_bytes([header[2], header[3]]);
    if props_len != 5 {
        return Err(format!(
            "LZMA member with {props_len} property bytes (5 expected)"
        ));
    }
    let props = header[4];
    let dict = u32::from_le_bytes([header[5], header[6], header[7], header[8]]);
    let need = lzma_rust2::lzma_get_memory_usage_by_props(dict, props)
        .map_err(|e| format!("LZMA properties: {e}"))?;
    if need > MAX_DICT / 1024 {
        return Err(format!(
            "LZMA dictionary needs {need} KiB (limit {} KiB)",
            MAX_DICT / 1024
        ));
    }
    let size = if flags & 2 != 0 { u64::MAX } else { size };
    let r = lzma_rust2::LzmaReader::new_with_props(&raw[9..], size, props, dict, None)
        .map_err(|e| format!("LZMA stream: {e}"))?;
    Ok(Box::new(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(mut r: impl Read) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn bz2_decodes() {
        // bz2 of "hello" (python: bz2.compress).
        let bz = b"BZh91AY&SY\x191e=\x00\x00\x00\x81\x00\x02D\xa0\x00!\x9ah3M\x073\x8b\xb9\"\x9c(H\x0c\x98\xb2\x9e\x80";
        let out = read_all(reader(Format::Bz2, bz, 100).unwrap()).unwrap();
        assert_eq!(out, b"hello");
        // The same bytes with the cap below their size: an error, not a cut.
        let err = read_all(reader(Format::Bz2, bz, 4).unwrap()).unwrap_err();
        assert!(err.to_string().contains("expands past 4 bytes"), "{err}");
    }

    #[test]
    fn huge_dictionaries_are_refused() {
        // An LZMA-alone header claiming a 4 GiB dictionary.
        let mut huge = vec![0x5d, 0xff, 0xff, 0xff, 0xff];
        huge.extend([0xff; 8]);
        assert!(reader(Format::Lzma, &huge, u64::MAX).is_err());
        assert!(zip_lzma(&[9, 20, 5, 0, 0x5d, 0xff, 0xff, 0xff, 0xff], 2, 0).is_err());
        // A valid but 1 GiB dictionary: over MAX_DICT, refused before allocation.
        let err = zip_lzma(&[9, 20, 5, 0, 0x5d, 0, 0, 0, 0x40], 2, 0).err();
        assert!(err.is_some_and(|e| e.contains("limit")));
        assert!(zip_lzma(&[9, 20, 5], 2, 0).is_err());
        assert!(zip_lzma(&[9, 20, 4, 0, 0x5d, 0, 0, 1, 0], 2, 0).is_err());
    }

    #[test]
    fn ratio_bound_stops_a_bomb() {
        // 64 MiB + 1 bytes out of 10 "compressed" bytes: past the floor, so
        // the ratio applies and the read fails on the byte past the floor.
        let zeros = io::repeat(0).take(RATIO_FLOOR + 1);
        let mut b = Bounded::new(zeros, 10, u64::MAX);
        let err = io::copy(&mut b, &mut io::sink()).unwrap_err();
        assert!(err.to_string().contains("decompression bomb"), "{err}");
        // Exactly at the floor is fine.
        let zeros = io::repeat(0).take(RATIO_FLOOR);
        let n = io::copy(&mut Bounded::new(zeros, 10, u64::MAX), &mut io::sink()).unwrap();
        assert_eq!(n, RATIO_FLOOR);
        // A big input may expand MAX_RATIO times past the floor.
        let zeros = io::repeat(0).take(RATIO_FLOOR + 1);
        let mut b = Bounded::new(zeros, (RATIO_FLOOR / MAX_RATIO + 1) as usize, u64::MAX);
        assert!(io::copy(&mut b, &mut io::sink()).is_ok());
    }

    #[test]
    fn unknown_formats_are_errors() {
        assert!(reader(Format::Pickle, b"", 1).is_err());
    }
}
