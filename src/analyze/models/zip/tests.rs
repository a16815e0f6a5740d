use super::*;
use std::io::Write;

fn make(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = ::zip::ZipWriter::new(&mut out);
        for (name, data, deflate) in entries {
            let m = if *deflate {
                ::zip::CompressionMethod::Deflated
            } else {
                ::zip::CompressionMethod::Stored
            };
            let opts = ::zip::write::SimpleFileOptions::default().compression_method(m);
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap();
    }
    out.into_inner()
}

#[test]
fn clean_archive_agrees() {
    let z = make(&[
        ("a/data.pkl", b"\x80\x02N.", false),
        ("a/x", &[7u8; 5000], true),
    ]);
    let ar = read(&z, 1000).unwrap();
    assert_eq!(ar.entries.len(), 2);
    assert!(ar.problems.is_empty(), "{:?}", ar.problems);
    assert!(ar.hidden.is_empty());
    assert_eq!(&*content(&z, &ar.entries[0], 100).unwrap(), b"\x80\x02N.");
    assert_eq!(content(&z, &ar.entries[1], 10_000).unwrap().len(), 5000);
    assert!(matches!(
        content(&z, &ar.entries[1], 100),
        Err(MemberError::TooLarge(100))
    ));
    assert_eq!(head(&z, &ar.entries[1], 4), vec![7, 7, 7, 7]);
}

#[test]
fn local_name_differs_from_central() {
    let mut z = make(&[("a/data.pkl", b"\x80\x02N.", false)]);
    // The first local header's name starts at offset 30.
    z[30] = b'b';
    let ar = read(&z, 1000).unwrap();
    assert!(
        ar.problems
            .iter()
            .any(|p| p.1.contains("in its local header")),
        "{:?}",
        ar.problems
    );
}

#[test]
fn hidden_member_and_prefix() {
    let one = make(&[("x.pkl", b"\x80\x02N.", false)]);
    // Prepend a lone local entry: listed nowhere, offsets shifted.
    let hidden = make(&[("evil.pkl", b"cos\nsystem\n.", false)]);
    let cd = memchr::memmem::find(&hidden, CENTRAL).unwrap();
    let mut z = hidden[..cd].to_vec();
    z.extend_from_slice(&one);
    let ar = read(&z, 1000).unwrap();
    assert!(
        ar.problems.iter().any(|p| p.1.contains("precede")),
        "{:?}",
        ar.problems
    );
    assert_eq!(ar.hidden.len(), 1, "a streaming reader sees the prefix");
    assert_eq!(ar.hidden[0].name, "evil.pkl");
    assert_eq!(ar.entries.len(), 1);
}

#[test]
fn garbage_is_an_error() {
    assert!(read(b"PK\x03\x04 not a zip at all", 10).is_err());
    assert!(read(b"", 10).is_err());
    let z = make(&[("a", b"1", false), ("b", b"2", false)]);
    assert!(read(&z, 1).is_err());
    // Every truncation is an error or a report, never a panic.
    for n in 0..z.len() {
        let _ = read(&z[..n], 10);
    }
}
