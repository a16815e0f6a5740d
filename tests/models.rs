//! The models analysis through the binary, on the generated fixtures
//! (tests/fixtures/models/generate.py) and on the real corpus.

mod common;
use common::*;
use std::path::Path;

fn findings(path: &Path) -> Vec<serde_json::Value> {
    let home = tempfile::tempdir().unwrap();
    let v = json_report(
        home.path(),
        &["scan", "--only", "models", path.to_str().unwrap()],
    );
    v["findings"].as_array().cloned().unwrap_or_default()
}

fn rules_of(f: &[serde_json::Value]) -> Vec<String> {
    let mut r: Vec<String> = f
        .iter()
        .map(|x| x["rule_id"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r.dedup();
    r
}

/// Every malicious fixture is caught, by the rule its technique belongs to.
#[test]
fn every_bad_fixture_is_caught_by_its_rule() {
    let dir = fixture("models/bad");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let expected = match name.as_str() {
            n if n.starts_with("zip_name_mismatch") => "TG304",
            n if n.starts_with("st_huge") || n.starts_with("st_") => "TG307",
            n if n.ends_with(".gguf") && n.starts_with("huge") => "TG310",
            n if n.ends_with(".gguf") => "TG306",
            n if n.ends_with(".onnx") => "TG308",
            n if n.ends_with(".keras") || n.ends_with(".h5") => "TG305",
            n if n.starts_with("torchscript") => "TG309",
            "deep_nesting.zip" | "wrapped_7z.pt" => "TG310",
            "junk_after_stop.pkl"
            | "truncated.pkl"
            | "unknown_opcode.pkl"
            | "stack_underflow.pkl"
            | "huge_length.pkl" => "TG303",
            "unknown_class.pkl"
            | "pandas_frame.pkl"
            | "codecs_encode_odd.pkl"
            | "ext_opcode.pkl"
            | "ext4_opcode.pkl" => "TG302",
            _ => "TG301",
        };
        let f = findings(&path);
        let rules = rules_of(&f);
        assert!(
            rules.iter().any(|r| r == expected),
            "{name}: expected {expected}, got {rules:?}"
        );
        if expected == "TG301" {
            assert!(
                f.iter().any(|x| x["severity"] == "critical"),
                "{name}: a dangerous callable is critical"
            );
        }
        checked += 1;
    }
    assert!(checked >= 90, "only {checked} fixtures");
}

/// Benign look-alikes (real numpy, scikit-learn, joblib output; torch layouts;
/// OrderedDict, defaultdict, _codecs.encode as numpy writes it) pass.
#[test]
fn good_fixtures_are_clean() {
    let dir = fixture("models/good");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let f = findings(&path);
        assert!(f.is_empty(), "{}: {f:#?}", path.display());
        checked += 1;
    }
    assert!(checked >= 30);
}

#[test]
fn evidence_has_the_call_chain_and_offset() {
    let f = findings(&fixture("models/bad/getattr_chain.pkl"));
    let all: Vec<String> = f
        .iter()
        .flat_map(|x| {
            x["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_str().unwrap().to_string())
        })
        .collect();
    assert!(
        all.iter()
            .any(|e| e
                .contains("builtins.getattr(builtins.__import__('os'), 'system')('echo inert')")),
        "{all:#?}"
    );
    let zipped = findings(&fixture("models/bad/torch_malicious.pt"));
    assert_eq!(
        zipped[0]["location"]["path"]
            .as_str()
            .unwrap()
            .rsplit("!/")
            .next(),
        Some("archive/data.pkl")
    );
}

#[test]
fn artifacts_are_listed_with_format_size_and_digest() {
    let home = tempfile::tempdir().unwrap();
    let p = fixture("models/good/state_dict.pt");
    let v = json_report(home.path(), &["inventory", p.to_str().unwrap()]);
    let a = &v["artifacts"][0];
    assert_eq!(a["format"], "pytorch");
    assert_eq!(a["size"], std::fs::metadata(&p).unwrap().len());
    assert_eq!(a["sha256"].as_str().unwrap().len(), 64);
    let v = json_report(home.path(), &["scan", p.to_str().unwrap()]);
    assert!(v["artifacts"][0]["sha256"].is_null());
    let v = json_report(
        home.path(),
        &["scan", "--artifact-hash", p.to_str().unwrap()],
    );
    assert_eq!(v["artifacts"][0]["sha256"], a["sha256"]);
}

/// Real model files shipped in the corpus venv's packages (numpy, scipy,
/// joblib, onnxruntime test data): no critical or high finding.
#[test]
fn real_package_data_has_no_false_alarms() {
    let Some(venv) = corpus_cache("venv") else {
        return;
    };
    let f = findings(&venv);
    let bad: Vec<_> = f
        .iter()
        .filter(|x| x["severity"] == "critical" || x["severity"] == "high")
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
}

/// Each rule: a fixture that triggers it and a benign look-alike that does not.
#[test]
fn each_rule_has_a_trigger_and_a_benign_look_alike() {
    let table = [
        ("TG301", "bad/pip_main.pkl", "good/state_dict.pt"),
        ("TG302", "bad/unknown_class.pkl", "good/sklearn_logreg.pkl"),
        ("TG303", "bad/junk_after_stop.pkl", "good/legacy.pt"),
        (
            "TG304",
            "bad/zip_name_mismatch.pt",
            "good/renamed_prefix.pth",
        ),
        ("TG305", "bad/lambda.keras", "good/model.keras"),
        ("TG306", "bad/template_ssti.gguf", "good/model.gguf"),
        (
            "TG307",
            "bad/st_trailing.safetensors",
            "good/model.safetensors",
        ),
        ("TG308", "bad/external_dotdot.onnx", "good/external_ok.onnx"),
        ("TG309", "bad/torchscript_os.pt", "good/scripted.pt"),
        ("TG310", "bad/deep_nesting.zip", "good/pipeline_zlib.joblib"),
    ];
    for (rule, bad, good) in table {
        let hit = rules_of(&findings(&fixture(&format!("models/{bad}"))));
        assert!(
            hit.iter().any(|r| r == rule),
            "{rule} not raised by {bad}: {hit:?}"
        );
        let clean = rules_of(&findings(&fixture(&format!("models/{good}"))));
        assert!(clean.is_empty(), "{good} raised {clean:?}");
    }
}

/// A deflated member that expands into a stack bomb, and a nested archive
/// too large to inflate: both end in TG310 findings, not in memory growth.
#[test]
fn bombs_end_in_findings() {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("archive/data.pkl", opts).unwrap();
        let mut p = vec![0x80u8, 2];
        p.extend(std::iter::repeat_n(b'N', 3 << 20));
        w.write_all(&p).unwrap();
        w.start_file("archive/version", opts).unwrap();
        w.write_all(b"3\n").unwrap();
        w.start_file("nested/inner.zip", opts).unwrap();
        let mut inner = b"PK\x03\x04".to_vec();
        inner.extend(std::iter::repeat_n(0u8, 80 << 20));
        w.write_all(&inner).unwrap();
        w.finish().unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.pt");
    std::fs::write(&p, out.into_inner()).unwrap();
    let f = findings(&p);
    let limits: Vec<&str> = f
        .iter()
        .filter(|x| x["rule_id"] == "TG310")
        .map(|x| x["message"].as_str().unwrap())
        .collect();
    assert!(limits.iter().any(|m| m.contains("stack deeper")), "{f:#?}");
    assert!(limits.iter().any(|m| m.contains("expands past")), "{f:#?}");
}

fn limit_messages(f: &[serde_json::Value]) -> Vec<String> {
    f.iter()
        .filter(|x| x["rule_id"] == "TG310")
        .map(|x| x["message"].as_str().unwrap().to_string())
        .collect()
}

/// joblib's bz2, xz and LZMA files and zip members compressed with bzip2 or
/// LZMA are decompressed and scanned like gzip and zlib ones: the payload
/// is found, the benign counterparts (real joblib/numpy output) stay clean.
#[test]
fn bz2_xz_and_lzma_are_decompressed_and_scanned() {
    for bad in [
        "bz2_joblib.pkl.bz2",
        "xz_joblib.pkl.xz",
        "lzma_joblib.pkl.lzma",
        "lzma_known_size.pkl.lzma",
        "zip_bzip2_member.pt",
        "zip_lzma_member.pt",
    ] {
        let f = findings(&fixture(&format!("models/bad/{bad}")));
        assert_eq!(rules_of(&f), ["TG301"], "{bad}: {f:#?}");
        assert!(
            f.iter()
                .any(|x| x["message"].as_str().unwrap().contains("`os.system`")),
            "{bad}: {f:#?}"
        );
    }
    for good in [
        "pipeline_bz2.joblib",
        "pipeline_xz.joblib",
        "pipeline_lzma.joblib",
        "arrays_bzip2.npz",
        "arrays_lzma.npz",
    ] {
        let f = findings(&fixture(&format!("models/good/{good}")));
        assert!(f.is_empty(), "{good}: {f:#?}");
    }
}

/// A truncated or corrupt compressed stream ends in a TG310 that says why;
/// what decoded before the damage is still scanned (Python's decoders hand
/// it to the unpickler too).
#[test]
fn truncated_and_corrupt_streams_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "xz_joblib.pkl.xz",
        "bz2_joblib.pkl.bz2",
        "lzma_joblib.pkl.lzma",
    ] {
        let data = std::fs::read(fixture(&format!("models/bad/{name}"))).unwrap();
        let cut = dir.path().join(format!("cut_{name}"));
        std::fs::write(&cut, &data[..data.len() * 6 / 10]).unwrap();
        let f = findings(&cut);
        let m = limit_messages(&f);
        assert!(
            m.iter().any(|m| m.contains("cannot be decompressed")),
            "{name} truncated: {f:#?}"
        );
    }
    // A flipped byte in the xz block: the check fails at the block's end,
    // after the pickle decoded, so the payload is reported as well.
    let mut data = std::fs::read(fixture("models/bad/xz_joblib.pkl.xz")).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0xff;
    let bad = dir.path().join("flipped.pkl.xz");
    std::fs::write(&bad, &data).unwrap();
    let f = findings(&bad);
    assert!(
        limit_messages(&f)
            .iter()
            .any(|m| m.contains("invalid block checksum")),
        "{f:#?}"
    );
    assert!(rules_of(&f).contains(&"TG301".to_string()), "{f:#?}");
}

/// A bz2 "bomb" (concatenated streams of zeros, as MultiBzDecoder and
/// Python's bz2 read them) behind a pickle header claiming 200 MiB: the
/// ratio bound stops it with a TG310 long before the end.
#[test]
fn bz2_bomb_ends_in_a_finding() {
    use std::io::Write;
    let bz = |data: &[u8]| {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    };
    let mut head = vec![0x80u8, 4, 0x8e];
    head.extend((200u64 << 20).to_le_bytes());
    let mut file = bz(&head);
    let zeros = bz(&vec![0u8; 4 << 20]);
    for _ in 0..50 {
        file.extend(&zeros);
    }
    file.extend(bz(b"."));
    assert!(file.len() < 64 << 10, "{}", file.len());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.pkl.bz2");
    std::fs::write(&p, file).unwrap();
    let f = findings(&p);
    assert!(
        limit_messages(&f)
            .iter()
            .any(|m| m.contains("decompression bomb")),
        "{f:#?}"
    );
}

/// A pickle shipped as package data inside a wheel, under a neutral name,
/// is found by content.
#[test]
fn pickle_inside_a_wheel_is_found() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("evil-1.0-py3-none-any.whl");
    {
        let f = std::fs::File::create(&p).unwrap();
        let mut w = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("evil/__init__.py", opts).unwrap();
        w.write_all(b"x = 1\n").unwrap();
        w.start_file("evil/data/weights.dat", opts).unwrap();
        w.write_all(&std::fs::read(fixture("models/bad/pip_main.pkl")).unwrap())
            .unwrap();
        w.finish().unwrap();
    }
    let f = findings(&p);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule_id"], "TG301");
    assert!(
        f[0]["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("!/evil/data/weights.dat")
    );
}
