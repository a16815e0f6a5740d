//! Fuzz entry points: the bodies of the cargo-fuzz targets in `fuzz/`
//! (`osv_record`, `osv_versions`, `osv_database`). Each must return without
//! panicking on any input. The tests below run them over mutated and
//! truncated real inputs, since cargo-fuzz needs a nightly toolchain.

use super::compile::Compiler;
use super::db::{self, Database, Location};
use super::record::{self, Parsed, ScoreKind};
use super::version::{Key, Order};
use super::{matcher, semver, severity};
use std::borrow::Cow;

/// One OSV record: parse it, compile it, open the result and match every
/// package it names at every version it mentions.
pub fn osv_record(data: &[u8]) {
    let Ok(Parsed::Advisory(a)) = record::parse(data) else {
        return;
    };
    let mut c = Compiler::default();
    c.add(Parsed::Advisory(a.clone()));
    let Ok(bytes) = c.finish("fuzz", None) else {
        return;
    };
    let Ok(db) = Database::from_bytes(Cow::Owned(bytes), Location::Embedded) else {
        panic!("a freshly compiled database must open");
    };
    if let Err(e) = db::verify(&db) {
        panic!("a freshly compiled database must verify: {e}");
    }
    for aff in &a.affected {
        let versions = aff
            .ranges
            .iter()
            .flat_map(|r| r.events.iter().map(|e| e.version.as_str()))
            .chain(aff.versions.iter().map(String::as_str))
            .chain(["0", "1.0.0", "not a version"]);
        for v in versions {
            if matcher::find(&db, aff.eco, &aff.name, v).is_err() {
                panic!("matching a freshly compiled database must not fail");
            }
        }
    }
}

/// Two version strings (split at the first newline): parsing and
/// comparison in both orders, and CVSS scoring of the first.
pub fn osv_versions(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\n').unwrap_or((&text, "1.0.0"));
    for order in [Order::Pep440, Order::Semver] {
        let (ka, kb) = (Key::parse(order, a), Key::parse(order, b));
        // A total order: antisymmetric and reflexive.
        assert_eq!(ka.cmp(&kb), kb.cmp(&ka).reverse(), "{a:?} vs {b:?}");
        assert_eq!(ka.cmp(&ka), std::cmp::Ordering::Equal);
    }
    let _ = semver::parse(a);
    for kind in [ScoreKind::CvssV2, ScoreKind::CvssV3, ScoreKind::CvssV4] {
        if let Some(s) = severity::base_score(kind, a) {
            assert!((0.0..=10.0).contains(&s));
        }
    }
}

/// A compiled database file, as found in `$TOLLGATE_HOME` (maybe damaged).
pub fn osv_database(data: &[u8]) {
    if let Ok(db) = Database::from_bytes(Cow::Owned(data.to_vec()), Location::Embedded) {
        let _ = db::verify(&db);
        for i in 0..db.package_count().min(64) {
            if let Ok((Some(eco), name)) = db.package(i) {
                let _ = matcher::find(&db, eco, name, "1.0.0");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A small deterministic generator for byte flips.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) as usize
        }
    }

    fn mutations(input: &[u8], prefix_step: usize, flips: usize, seed: u64) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = (0..=input.len())
            .step_by(prefix_step.max(1))
            .map(|n| input[..n].to_vec())
            .collect();
        let mut rng = Lcg(seed);
        for _ in 0..flips {
            let mut m = input.to_vec();
            if m.is_empty() {
                break;
            }
            for _ in 0..1 + rng.next() % 3 {
                let i = rng.next() % m.len();
                m[i] = match rng.next() % 4 {
                    0 => m[i] ^ (1 << (rng.next() % 8)),
                    1 => 0xff,
                    2 => b"{}[]\":,0.-"[rng.next() % 10],
                    _ => 0,
                };
            }
            out.push(m);
        }
        out
    }

    fn real_records(zip_name: &str, take: usize) -> Vec<Vec<u8>> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/osv")
            .join(zip_name);
        let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        (0..z.len().min(take))
            .map(|i| {
                let mut b = Vec::new();
                z.by_index(i).unwrap().read_to_end(&mut b).unwrap();
                b
            })
            .collect()
    }

    #[test]
    fn record_target_survives_mutated_real_records() {
        let mut records = real_records("MAL.zip", 8);
        records.extend(real_records("npm.zip", 8));
        records.extend(real_records("PyPI.zip", 4));
        let edge = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv/edge");
        for f in std::fs::read_dir(edge).unwrap() {
            records.push(std::fs::read(f.unwrap().path()).unwrap());
        }
        let mut n = 0;
        for (i, r) in records.iter().enumerate() {
            for m in mutations(r, 1 + r.len() / 300, 200, i as u64) {
                osv_record(&m);
                n += 1;
            }
        }
        assert!(n > 10_000, "{n} inputs");
    }

    #[test]
    fn version_target_survives_edge_strings() {
        let words = [
            "1.0",
            "1!2.0rc1.post3.dev4+local.7",
            "1.0.0-alpha.1+build",
            "v1",
            "0",
            "",
            "99999999999999999999999",
            "1.0.0-",
            "1..0",
            "-1",
            "\u{0}",
            "١.٢",
            "1.0+ABC",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A",
            "AV:N/AC:L/Au:N/C:P/I:P/A:P",
            "CVSS:4.0/AV:N",
            "CVSS:3.1/AV:N/AV:N",
        ];
        let mut n = 0;
        for (i, a) in words.iter().enumerate() {
            for b in &words {
                let input = format!("{a}\n{b}");
                for m in mutations(input.as_bytes(), 1, 40, i as u64) {
                    osv_versions(&m);
                    n += 1;
                }
            }
        }
        assert!(n > 10_000, "{n} inputs");
    }

    #[test]
    fn version_target_survives_random_cvss_vectors() {
        // Real metric names and values, shuffled, repeated, dropped.
        let tokens = [
            "AV:N", "AV:A", "AV:L", "AV:P", "AV:X", "AC:L", "AC:H", "AT:N", "AT:P", "PR:N", "PR:H",
            "UI:N", "UI:R", "UI:P", "UI:A", "S:U", "S:C", "C:H", "C:N", "I:L", "A:H", "VC:H",
            "VI:L", "VA:N", "SC:H", "SI:S", "SA:L", "E:A", "E:U", "E:X", "Au:N", "C:P", "MAV:N",
            "CR:H", "RL:O", "ZZ:9", "", ":", "AV",
        ];
        let prefixes = [
            "CVSS:3.0/",
            "CVSS:3.1/",
            "CVSS:4.0/",
            "",
            "CVSS:5.0/",
            "CVSS:3.1",
        ];
        let mut rng = Lcg(99);
        for _ in 0..20_000 {
            let mut v = prefixes[rng.next() % prefixes.len()].to_string();
            let n = rng.next() % 14;
            let parts: Vec<&str> = (0..n).map(|_| tokens[rng.next() % tokens.len()]).collect();
            v.push_str(&parts.join("/"));
            osv_versions(v.as_bytes());
        }
    }

    #[test]
    fn database_target_survives_damaged_files() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv/edge");
        let mut c = Compiler::default();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            c.add(record::parse(&std::fs::read(f).unwrap()).unwrap());
        }
        let small = c.finish("test", None).unwrap();
        for m in mutations(&small, 3, 3000, 7) {
            osv_database(&m);
        }
        let big = db::embedded_bytes();
        for m in mutations(big, big.len() / 40, 30, 11) {
            osv_database(&m);
        }
    }
}
