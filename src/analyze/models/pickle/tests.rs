//! Interpreter tests on hand-assembled streams.

use super::source::{ReadSource, SliceSource};
use super::*;

fn run(data: &[u8]) -> PickleScan {
    let a = scan(
        &mut SliceSource::new(data),
        Context::Plain,
        Layout::default(),
        &Limits::default(),
    );
    let b = scan(
        &mut ReadSource::new(data),
        Context::Plain,
        Layout::default(),
        &Limits::default(),
    );
    assert_eq!(
        a.imports.len(),
        b.imports.len(),
        "slice and stream disagree"
    );
    a
}

fn verdict_of(s: &PickleScan, path: &str) -> Option<Verdict> {
    s.imports
        .iter()
        .find(|i| i.path() == path)
        .map(|i| i.verdict)
}

#[test]
fn protocol0_os_system() {
    let s = run(b"cos\nsystem\n(S'echo inert'\ntR.");
    assert!(matches!(
        verdict_of(&s, "os.system"),
        Some(Verdict::Dangerous(_))
    ));
    let calls = &s.imports[0].calls;
    assert_eq!(calls.len(), 1);
    assert!(calls[0].contains("os.system('echo inert')"), "{calls:?}");
    assert!(s.anomalies.is_empty(), "{:?}", s.anomalies);
}

#[test]
fn stack_global_from_memo() {
    // "builtins" memoised, then reused through BINGET for the second import.
    let mut p = vec![0x80, 4];
    p.extend([0x8c, 8]);
    p.extend(b"builtins");
    p.push(0x94);
    p.extend([0x8c, 3]);
    p.extend(b"set");
    p.push(0x94);
    p.push(0x93); // builtins.set
    p.push(b'0');
    p.extend([b'h', 0]);
    p.extend([0x8c, 4]);
    p.extend(b"eval");
    p.push(0x93);
    p.extend([0x8c, 1, b'1', 0x85, b'R', b'.']);
    let s = run(&p);
    assert_eq!(verdict_of(&s, "builtins.set"), Some(Verdict::Safe));
    assert!(matches!(
        verdict_of(&s, "builtins.eval"),
        Some(Verdict::Dangerous(_))
    ));
}

#[test]
fn getattr_chain_is_an_indirect_call() {
    // getattr(__import__('os'), 'system')('id')
    let p = b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(S'os'\ntRS'system'\ntR(S'id'\ntR.";
    let s = run(p);
    assert!(matches!(
        verdict_of(&s, "builtins.getattr"),
        Some(Verdict::Dangerous(_))
    ));
    let ind: Vec<_> = s
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::IndirectCall)
        .collect();
    assert_eq!(ind.len(), 1);
    assert!(ind[0].dangerous);
    let ev = ind[0].evidence.as_deref().unwrap();
    assert!(
        ev.contains("builtins.getattr(builtins.__import__('os'), 'system')('id')"),
        "{ev}"
    );
}

#[test]
fn malformed_streams_are_findings() {
    let s = run(b"\x80\x02R.");
    assert!(s.anomalies.iter().any(|a| a.kind == AnomalyKind::Malformed));
    let s = run(b"\x80\x02\xff");
    assert!(s.anomalies[0].message.contains("unknown opcode"));
    let s = run(b"\x80\x02X\xff\xff\x00\x00ab");
    assert!(s.anomalies[0].message.contains("truncated"));
    let s = run(b"");
    assert!(s.anomalies[0].message.contains("truncated"));
}

#[test]
fn trailing_data_and_second_pickle() {
    let s = run(b"\x80\x02N.\x00\x00junk");
    assert_eq!(s.anomalies[0].kind, AnomalyKind::TrailingData);
    let s = run(b"\x80\x02N.cos\nsystem\n.");
    assert_eq!(s.anomalies[0].kind, AnomalyKind::ExtraPickle);
    assert!(matches!(
        verdict_of(&s, "os.system"),
        Some(Verdict::Dangerous(_))
    ));
    assert_eq!(s.streams, 2);
}

#[test]
fn ext_and_build_on_global() {
    let s = run(b"\x80\x02\x82\x01).");
    assert!(s.anomalies.iter().any(|a| a.kind == AnomalyKind::Extension));
    let s = run(b"\x80\x02ccollections\nOrderedDict\n}b.");
    assert!(
        s.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::Rebind && a.dangerous)
    );
}

#[test]
fn codecs_encode_shape() {
    let ok = run(b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x06\x00\x00\x00latin1\x86R.");
    assert!(ok.is_clean(), "{:?}", ok.anomalies);
    let bad = run(b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00rot13\x86R.");
    assert!(
        bad.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::UnexpectedArguments)
    );
}

#[test]
fn big_payload_is_skipped() {
    let mut p = vec![0x80, 4, 0x8e];
    p.extend((1u64 << 20).to_le_bytes());
    p.extend(vec![0u8; 1 << 20]);
    p.push(b'.');
    let s = run(&p);
    assert!(s.is_clean());
    assert_eq!(s.end, p.len() as u64);
}

#[test]
fn nested_loads_payload_is_reported_for_scanning() {
    let inner = b"cos\nsystem\n(S'x'\ntR.";
    let mut p = b"cpickle\nloads\n(C".to_vec();
    p.push(inner.len() as u8);
    p.extend(inner);
    p.extend(b"tR.");
    let s = scan(
        &mut SliceSource::new(&p),
        Context::Plain,
        Layout::default(),
        &Limits::default(),
    );
    assert_eq!(s.nested.len(), 1);
    let n = &s.nested[0];
    assert_eq!(&p[n.offset as usize..(n.offset + n.len) as usize], inner);
}

#[test]
fn limits_end_in_findings() {
    let limits = Limits {
        max_stack: 100,
        max_marks: 100,
        max_memo: 10,
        ..Limits::default()
    };
    let p = vec![b'N'; 1000];
    let s = scan(
        &mut SliceSource::new(&p),
        Context::Plain,
        Layout::default(),
        &limits,
    );
    assert_eq!(s.anomalies[0].kind, AnomalyKind::Limit);
    let p = vec![b'('; 1000];
    let s = scan(
        &mut SliceSource::new(&p),
        Context::Plain,
        Layout::default(),
        &limits,
    );
    assert_eq!(s.anomalies[0].kind, AnomalyKind::Limit);
    let mut p = Vec::new();
    for i in 0..50u8 {
        p.extend([b'N', b'q', i, b'0']);
    }
    p.push(b'N');
    p.push(b'.');
    let s = scan(
        &mut SliceSource::new(&p),
        Context::Plain,
        Layout::default(),
        &limits,
    );
    assert_eq!(s.anomalies[0].kind, AnomalyKind::Limit);
}

#[test]
fn deep_tuple_nesting_is_fine() {
    let mut p = vec![0x80, 2, b'N'];
    p.extend(std::iter::repeat_n(0x85, 200_000));
    p.push(b'.');
    assert!(run(&p).is_clean());
}

#[test]
fn long_names_are_classified_by_their_head() {
    // Protocol 4 walks dotted GLOBAL names: `path.os.` × 700 + `system`.
    let mut p = b"\x80\x04cos\n".to_vec();
    p.extend("path.os.".repeat(700).as_bytes());
    p.extend(b"system\n(S'echo inert'\ntR.");
    let s = run(&p);
    assert!(
        s.imports
            .iter()
            .any(|i| matches!(i.verdict, Verdict::Dangerous(_)) && i.name.ends_with('…')),
        "{:?}",
        s.imports
    );
    // The same as a BINUNICODE operand of STACK_GLOBAL; an innocent-looking
    // head is still never allowlisted.
    let name = "nn.modules.linear.".repeat(300);
    let mut p = b"\x80\x04\x8c\x05torch".to_vec();
    p.push(b'X');
    p.extend((name.len() as u32).to_le_bytes());
    p.extend(name.as_bytes());
    p.extend(b"\x93.");
    let s = run(&p);
    assert_eq!(s.imports[0].verdict, Verdict::Unknown, "{:?}", s.imports);
}
