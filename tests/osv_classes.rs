//! Table-driven matching tests, one table per class of edge case. Each row
//! is a version and whether the record affects it; the reasons are in the
//! comments. (`tests/osv_oracle.rs` checks the same classes, and the whole
//! bundled snapshot, against an independent reference implementation.)

use std::borrow::Cow;
use tollgate::osv::compile::Compiler;
use tollgate::osv::db::{Database, Location};
use tollgate::osv::find;
use tollgate::osv::record::{self, Eco};

/// A database holding the given OSV records.
fn db(records: &[&str]) -> Database {
    let mut c = Compiler::default();
    for r in records {
        c.add(record::parse(r.as_bytes()).expect("valid test record"));
    }
    let bytes = c.finish("test", None).unwrap();
    Database::from_bytes(Cow::Owned(bytes), Location::Embedded).unwrap()
}

/// A record for one package with the given `ranges` and `versions` JSON.
fn rec(id: &str, eco: &str, name: &str, ranges: &str, versions: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"{eco}","name":"{name}"}},"ranges":{ranges},"versions":{versions}}}]}}"#
    )
}

fn range(kind: &str, events: &str) -> String {
    format!(r#"[{{"type":"{kind}","events":{events}}}]"#)
}

/// Asserts each (version, affected) row.
fn check(db: &Database, eco: Eco, name: &str, rows: &[(&str, bool)]) {
    let mut bad = Vec::new();
    for (v, want) in rows {
        let got = !find(db, eco, name, v).unwrap().is_empty();
        if got != *want {
            bad.push(format!("{name}@{v}: affected={got}, expected {want}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn pep440_prereleases_dev_and_post() {
    let r = rec(
        "T-1",
        "PyPI",
        "p",
        &range("ECOSYSTEM", r#"[{"introduced":"1.0"},{"fixed":"2.0"}]"#),
        "[]",
    );
    check(
        &db(&[&r]),
        Eco::PyPI,
        "p",
        &[
            ("1.0.dev1", false), // dev < pre < release
            ("1.0a1", false),
            ("1.0rc1", false),
            ("1.0", true),
            ("1.0.post1", true),
            ("1.9.999", true),
            ("2.0.dev0", true), // pre-releases of the fix are still before it
            ("2.0a1", true),
            ("2.0rc2", true),
            ("2.0", false),
            ("2.0.post1", false),
            ("2.0.1", false),
        ],
    );
}

#[test]
fn pep440_epochs_local_versions_and_zero_padding() {
    let r = rec(
        "T-2",
        "PyPI",
        "p",
        &range(
            "ECOSYSTEM",
            r#"[{"introduced":"1.0.0"},{"fixed":"1.1"},{"introduced":"1!0"},{"fixed":"1!0.5"}]"#,
        ),
        r#"["3.0"]"#,
    );
    check(
        &db(&[&r]),
        Eco::PyPI,
        "p",
        &[
            ("1", true), // 1 == 1.0 == 1.0.0
            ("1.0", true),
            ("1.0+cpu", true), // local versions sort after their public version
            ("1.1", false),
            ("1.1.0", false), // == 1.1
            ("1.1.0.0+cu118", false),
            ("1.0.99+local", true),
            ("5.0", false),  // epoch 0
            ("1!0.1", true), // epoch 1 is above every epoch-0 version
            ("1!0.5", false),
            ("3", true), // the versions list, zero-padded
            ("3.0.0", true),
            ("3.0+local", false), // a different version than 3.0
            ("V1.0", true),       // normalised spellings
            ("1.0-post1", true),
        ],
    );
}

#[test]
fn pep503_name_spellings() {
    let r = rec(
        "T-3",
        "PyPI",
        "Django_Foo.Bar",
        &range("ECOSYSTEM", r#"[{"introduced":"0"}]"#),
        "[]",
    );
    let d = db(&[&r]);
    for name in [
        "django-foo-bar",
        "Django_Foo.Bar",
        "DJANGO__FOO--BAR",
        "django.foo_bar",
    ] {
        check(&d, Eco::PyPI, name, &[("1.0", true)]);
    }
    check(&d, Eco::PyPI, "django-foobar", &[("1.0", false)]);
    check(&d, Eco::Npm, "django-foo-bar", &[("1.0.0", false)]);
}

#[test]
fn npm_prereleases_and_build_metadata() {
    let r = rec(
        "T-4",
        "npm",
        "n",
        &range(
            "SEMVER",
            r#"[{"introduced":"1.0.0-alpha.1"},{"fixed":"1.0.0"},{"introduced":"2.0.0"},{"fixed":"2.1.0-rc.1"}]"#,
        ),
        r#"["5.0.0+build.1"]"#,
    );
    check(
        &db(&[&r]),
        Eco::Npm,
        "n",
        &[
            ("1.0.0-alpha", false), // alpha < alpha.1
            ("1.0.0-alpha.1", true),
            ("1.0.0-alpha.beta", true),
            ("1.0.0-beta.11", true),
            ("1.0.0-rc.1", true),
            ("1.0.0", false),
            ("1.9.9", false),
            ("2.0.0-rc.1", false), // below introduced 2.0.0 by precedence
            ("2.0.0", true),
            ("2.0.0+meta", true),   // build metadata does not count
            ("2.1.0-beta.9", true), // OSV orders; node-semver range rules do not apply
            ("2.1.0-rc.1", false),
            ("2.1.0", false),
            ("5.0.0", true), // the versions list ignores build metadata too
            ("5.0.0+other", true),
            ("v2.0.5", true),
        ],
    );
}

#[test]
fn last_affected_limit_and_unordered_events() {
    let r = rec(
        "T-5",
        "npm",
        "n",
        &range(
            "ECOSYSTEM",
            r#"[{"last_affected":"3.0.0"},{"introduced":"2.5.0"},{"introduced":"0"},{"fixed":"1.0.0"}]"#,
        ),
        "[]",
    );
    let limited = rec(
        "T-6",
        "npm",
        "m",
        &range("ECOSYSTEM", r#"[{"introduced":"1.0.0"},{"limit":"1.5.0"}]"#),
        "[]",
    );
    let d = db(&[&r, &limited]);
    check(
        &d,
        Eco::Npm,
        "n",
        &[
            ("0.9.0", true),
            ("1.0.0", false),
            ("2.4.9", false),
            ("2.5.0", true),
            ("3.0.0", true), // last_affected is inclusive
            ("3.0.1-0", false),
            ("3.0.1", false),
        ],
    );
    check(
        &d,
        Eco::Npm,
        "m",
        &[
            ("0.9.0", false),
            ("1.2.0", true),
            ("1.5.0", false),
            ("9.0.0", false),
        ],
    );
}

#[test]
fn data_quirks() {
    // `"introduced": "1.0"` on npm reads as 1.0.0; `"fixed": ""` is no fix;
    // a PEP 440-invalid `fixed` never closes the range.
    let short = rec(
        "Q-1",
        "npm",
        "n",
        &range("ECOSYSTEM", r#"[{"introduced":"1.0"},{"fixed":"1.2"}]"#),
        "[]",
    );
    let empty = rec(
        "Q-2",
        "npm",
        "e",
        &range("ECOSYSTEM", r#"[{"introduced":"0"},{"fixed":""}]"#),
        "[]",
    );
    let date = rec(
        "Q-3",
        "PyPI",
        "d",
        &range(
            "ECOSYSTEM",
            r#"[{"introduced":"0"},{"fixed":"2019-09-12"}]"#,
        ),
        "[]",
    );
    let d = db(&[&short, &empty, &date]);
    check(
        &d,
        Eco::Npm,
        "n",
        &[
            ("0.9.9", false),
            ("1.0.0", true),
            ("1.1.9", true),
            ("1.2.0", false),
        ],
    );
    check(&d, Eco::Npm, "e", &[("0.0.1", true), ("99.0.0", true)]);
    check(
        &d,
        Eco::PyPI,
        "d",
        &[("0.1", true), ("2019.9.12", true), ("99999", true)],
    );
    let m = find(&d, Eco::PyPI, "d", "1.0").unwrap();
    assert_eq!(m[0].fix, None, "an unparseable fixed is never suggested");
    assert_eq!(m[0].fixed, vec!["2019-09-12"]);
}

#[test]
fn withdrawn_git_and_other_ecosystems() {
    let withdrawn = r#"{"id":"W-1","withdrawn":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"p"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#;
    let git = rec(
        "G-1",
        "PyPI",
        "g",
        r#"[{"type":"GIT","repo":"https://example.invalid/r","events":[{"introduced":"0"},{"fixed":"abc123"}]}]"#,
        r#"["1.1"]"#,
    );
    let maven = rec(
        "M-1",
        "Maven",
        "p",
        &range("ECOSYSTEM", r#"[{"introduced":"0"}]"#),
        "[]",
    );
    let mut c = Compiler::default();
    for r in [withdrawn, git.as_str(), maven.as_str()] {
        c.add(record::parse(r.as_bytes()).unwrap());
    }
    let d =
        Database::from_bytes(Cow::Owned(c.finish("t", None).unwrap()), Location::Embedded).unwrap();
    check(&d, Eco::PyPI, "p", &[("1.0", false)]);
    check(
        &d,
        Eco::PyPI,
        "g",
        &[
            ("1.0", false),
            ("1.1", true),
            ("1.1.0", true),
            ("1.2", false),
        ],
    );
    assert_eq!(d.meta.withdrawn, 1);
    assert_eq!(d.meta.advisories, 1);
}

#[test]
fn aliases_are_merged_once() {
    let a = r#"{"id":"PYSEC-1","aliases":["CVE-1"],"affected":[{"package":{"ecosystem":"PyPI","name":"p"},"versions":["1.0"]}]}"#;
    let b = r#"{"id":"GHSA-1","aliases":["CVE-1"],"affected":[{"package":{"ecosystem":"PyPI","name":"p"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1"}]}]}],"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}"#;
    let c = r#"{"id":"MAL-1","aliases":["GHSA-2"],"affected":[{"package":{"ecosystem":"PyPI","name":"p"},"versions":["1.0"]}]}"#;
    let d = db(&[a, b, c]);
    let m = find(&d, Eco::PyPI, "p", "1.0").unwrap();
    assert_eq!(m.len(), 2, "{m:#?}");
    assert_eq!(m[0].id, "MAL-1");
    assert!(m[0].malicious);
    assert_eq!(m[1].id, "GHSA-1");
    assert_eq!(m[1].aliases, vec!["PYSEC-1", "CVE-1"]);
    assert_eq!(m[1].records, vec!["GHSA-1", "PYSEC-1"]);
    assert_eq!(m[1].severity.as_str(), "critical");
    assert_eq!(m[1].score, Some(9.8));
    assert_eq!(m[1].fix.as_deref(), Some("1.1"));
}
