use super::*;
use crate::inventory::{graph, merge as inv_of, package_lock};

fn side(rel: &str) -> Inventory {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/policy/diff")
        .join(rel);
    let text = std::fs::read_to_string(path).unwrap();
    let mut ex = package_lock::parse(&text, rel);
    graph::resolve(&mut ex, None);
    inv_of(vec![ex])
}

fn find<'a>(d: &'a Diff, name: &str) -> &'a Change {
    d.changes
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} not in diff"))
}

#[test]
fn real_lockfile_variants() {
    let (base, head) = (
        side("base/package-lock.json"),
        side("head/package-lock.json"),
    );
    let d = compute(
        &base,
        &head,
        &capabilities::collect(&base),
        &capabilities::collect(&head),
    );
    assert_eq!(
        d.changes.len(),
        6,
        "{:#?}",
        d.changes
            .iter()
            .map(|c| (&c.name, c.kind))
            .collect::<Vec<_>>()
    );

    let dotenv = find(&d, "dotenv");
    assert_eq!(dotenv.kind, ChangeKind::Downgraded);
    assert!(dotenv.major);
    assert_eq!(
        (dotenv.from.as_deref(), dotenv.to.as_deref()),
        (Some("18.0.10"), Some("17.2.3"))
    );

    let zod = find(&d, "zod");
    assert_eq!(zod.kind, ChangeKind::ArtifactChanged);
    assert!(zod.details[0].starts_with("sha512 "), "{:?}", zod.details);

    assert_eq!(find(&d, "chalk").kind, ChangeKind::Removed);

    let axios = find(&d, "axios");
    assert_eq!(axios.kind, ChangeKind::Upgraded);
    assert!(!axios.major);

    let tel = find(&d, "tiny-telemetry");
    assert_eq!(tel.kind, ChangeKind::Added);
    assert_eq!(tel.direct, Some(false));
    assert_eq!(tel.introduced_by, vec!["axios@1.22.0"]);
    assert!(
        tel.new_capabilities
            .contains(&capabilities::Capability::InstallScript)
    );

    let lp = find(&d, "left-pad");
    assert_eq!(lp.direct, Some(true));
    assert!(lp.introduced_by.is_empty());

    let c = &d.counts;
    assert_eq!(
        (
            c.added,
            c.new_direct,
            c.new_transitive,
            c.removed,
            c.changed
        ),
        (2, 1, 1, 1, 2)
    );
    assert_eq!(
        (
            c.major,
            c.downgrades,
            c.artifact_changed,
            c.new_capabilities
        ),
        (1, 1, 1, 1)
    );
}

#[test]
fn identical_sides_have_no_changes() {
    let base = side("base/package-lock.json");
    let d = compute(&base, &base, &Default::default(), &Default::default());
    assert!(d.changes.is_empty());
}

#[test]
fn mirror_move_with_same_hash_is_not_alarming() {
    let mut a = Package::new(Ecosystem::Npm, "x", Some("1.0.0"));
    a.add_hash(Hash::new("sha512", "aa"));
    a.origin = Some(Origin::Registry {
        url: Some("https://a.invalid/".into()),
    });
    let mut b = a.clone();
    b.origin = Some(Origin::Registry {
        url: Some("https://art.invalid/npm/".into()),
    });
    let (alarming, details) = artifact_differences(&a, &b);
    assert!(!alarming);
    assert_eq!(details.len(), 1);
    b.origin = Some(Origin::Vcs {
        url: "git+https://git.invalid/x".into(),
        rev: None,
    });
    assert!(artifact_differences(&a, &b).0);
    let mut c = a.clone();
    c.hashes = vec![Hash::new("sha1", "bb")];
    assert!(
        !artifact_differences(&a, &c).0,
        "different algorithms do not compare"
    );
}

#[test]
fn several_versions_pair_highest_first() {
    let mk = |vs: &[&str]| {
        let mut inv = Inventory::default();
        for v in vs {
            inv.packages
                .push(Package::new(Ecosystem::Npm, "ms", Some(v)));
        }
        inv
    };
    let d = compute(
        &mk(&["2.0.0", "2.1.3"]),
        &mk(&["2.0.0", "2.1.3", "3.0.0"]),
        &Default::default(),
        &Default::default(),
    );
    assert_eq!(d.changes.len(), 1);
    assert_eq!(d.changes[0].kind, ChangeKind::Added);
    let d = compute(
        &mk(&["1.0.0", "2.1.3"]),
        &mk(&["2.0.0", "3.0.0"]),
        &Default::default(),
        &Default::default(),
    );
    let kinds: Vec<(ChangeKind, Option<String>, Option<String>)> = d
        .changes
        .iter()
        .map(|c| (c.kind, c.from.clone(), c.to.clone()))
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(kinds.contains(&(
        ChangeKind::Upgraded,
        Some("2.1.3".into()),
        Some("3.0.0".into())
    )));
    assert!(kinds.contains(&(
        ChangeKind::Upgraded,
        Some("1.0.0".into()),
        Some("2.0.0".into())
    )));
}

#[test]
fn pep440_equal_versions_are_the_same_release() {
    let mk = |v: &str| {
        let mut inv = Inventory::default();
        inv.packages
            .push(Package::new(Ecosystem::Pypi, "idna", Some(v)));
        inv
    };
    let d = compute(
        &mk("3.0"),
        &mk("3.0.0"),
        &Default::default(),
        &Default::default(),
    );
    assert!(
        d.changes.is_empty(),
        "{:?}",
        d.changes.iter().map(|c| c.kind).collect::<Vec<_>>()
    );
    let d = compute(
        &mk("3.0"),
        &mk("3.1rc1"),
        &Default::default(),
        &Default::default(),
    );
    assert_eq!(d.changes[0].kind, ChangeKind::Upgraded);
}
