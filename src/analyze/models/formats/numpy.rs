//! NumPy `.npy`: a header (a Python dict literal) and the array. With an
//! object dtype the array is a pickle, which `np.load(allow_pickle=True)`
//! unpickles: interpret it.

use super::super::pickle::{Context, Layout};
use super::super::rules::model_scan_limit as tg310;
use super::super::scan::{Hit, Scanner};

/// Where the array starts and the header text, or why it cannot be read.
pub fn header(data: &[u8]) -> Result<(usize, String), String> {
    if !data.starts_with(b"\x93NUMPY") || data.len() < 10 {
        return Err("not a .npy file".into());
    }
    let (len, at): (usize, usize) = match data[6] {
        1 => (u16::from_le_bytes([data[8], data[9]]) as usize, 10),
        2 | 3 => match data.get(8..12) {
            Some(b) => (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12),
            None => return Err("header length is truncated".into()),
        },
        v => return Err(format!("unknown .npy version {v}")),
    };
    let end = at
        .checked_add(len)
        .filter(|&e| e <= data.len())
        .ok_or_else(|| format!("header claims {len} bytes, past the end of the file"))?;
    Ok((end, String::from_utf8_lossy(&data[at..end]).into_owned()))
}

/// Whether a header's dtype holds Python objects: some quoted type code in
/// it is an object code (`'|O'`, `'O8'`, also inside structured dtypes).
pub fn has_object(header: &str) -> bool {
    let mut rest = header;
    while let Some(q) = rest.find(['\'', '"']) {
        let quote = rest.as_bytes()[q] as char;
        let body = &rest[q + 1..];
        let Some(e) = body.find(quote) else { break };
        let s = body[..e].trim_start_matches(['<', '>', '|', '=']);
        if s == "O"
            || s == "object"
            || (s.starts_with('O') && s[1..].chars().all(|c| c.is_ascii_digit()) && s.len() > 1)
        {
            return true;
        }
        rest = &body[e + 1..];
    }
    false
}

pub fn npy(sc: &Scanner, data: &[u8], display: &str, depth: u32, hits: &mut Vec<Hit>) {
    let (start, text) = match header(data) {
        Ok(h) => h,
        Err(e) => {
            hits.push(Hit::new(
                &tg310::META,
                display,
                format!("numpy array: {e}; not scanned"),
            ));
            return;
        }
    };
    if !has_object(&text) {
        return;
    }
    let Some(payload) = data.get(start..) else {
        return;
    };
    let first = hits.len();
    sc.pickle_slice(
        payload,
        display,
        Layout::default(),
        Context::Plain,
        depth,
        hits,
    );
    for h in &mut hits[first..] {
        if h.path == display {
            h.offset = h.offset.map(|o| o + start as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_dtypes() {
        assert!(has_object(
            "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"
        ));
        assert!(has_object(
            "{'descr': [('a', '<i4'), ('b', '|O8')], 'shape': (2,)}"
        ));
        assert!(!has_object(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        ));
        assert!(!has_object("{'descr': '<U5', 'shape': ()}"));
        assert!(header(b"\x93NUMPY\x01\x00\xff\xff{").is_err());
    }
}
