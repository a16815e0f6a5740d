use super::*;

fn spdx(s: &str) -> Option<License> {
    Some(License::Spdx(s.to_string()))
}

fn named(s: &str) -> Option<License> {
    Some(License::Named(s.to_string()))
}

#[test]
fn expressions_get_canonical_identifiers() {
    assert_eq!(normalize("mit"), spdx("MIT"));
    assert_eq!(normalize("apache-2.0 or mit"), spdx("Apache-2.0 OR MIT"));
    assert_eq!(
        normalize("(MIT OR Apache-2.0) AND bsd-3-clause"),
        spdx("(MIT OR Apache-2.0) AND BSD-3-Clause")
    );
    assert_eq!(
        normalize("MPL-2.0 AND (Apache-2.0 OR MIT)"),
        spdx("MPL-2.0 AND (Apache-2.0 OR MIT)")
    );
    // Deprecated GNU identifiers become their -only / -or-later forms.
    assert_eq!(normalize("GPL-2.0+"), spdx("GPL-2.0-or-later"));
    assert_eq!(normalize("LGPL-2.1"), spdx("LGPL-2.1-only"));
    assert_eq!(
        normalize("GPL-2.0-only WITH classpath-exception-2.0"),
        spdx("GPL-2.0-only WITH Classpath-exception-2.0")
    );
    assert_eq!(normalize("LicenseRef-Acme"), spdx("LicenseRef-Acme"));
    // npm's old parenthesised form.
    assert_eq!(
        normalize("(AFL-2.1 OR BSD-3-Clause)"),
        spdx("AFL-2.1 OR BSD-3-Clause")
    );
}

#[test]
fn unknown_identifiers_and_exceptions_are_not_spdx() {
    assert_eq!(normalize("Foo-1.0"), named("Foo-1.0"));
    // An exception is not a licence.
    assert_eq!(
        normalize("Classpath-exception-2.0"),
        named("Classpath-exception-2.0")
    );
    assert_eq!(
        normalize("MIT WITH Apache-2.0"),
        named("MIT WITH Apache-2.0")
    );
    // npm: UNLICENSED is "all rights reserved", not the Unlicense.
    assert_eq!(normalize("UNLICENSED"), named("UNLICENSED"));
    assert_eq!(
        normalize("SEE LICENSE IN LICENSE.md"),
        named("SEE LICENSE IN LICENSE.md")
    );
}

#[test]
fn free_text_names() {
    for (text, id) in [
        ("MIT License", "MIT"),
        ("The MIT License", "MIT"),
        ("Apache 2.0", "Apache-2.0"),
        ("Apache 2", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("Apache License 2.0", "Apache-2.0"),
        ("Apache 2.0 License", "Apache-2.0"),
        ("3-Clause BSD License", "BSD-3-Clause"),
        ("new BSD license", "BSD-3-Clause"),
        ("ISC License", "ISC"),
        ("PSFL", "PSF-2.0"),
        ("GPLv3+", "GPL-3.0-or-later"),
        // Full names from the SPDX list.
        (
            "GNU Lesser General Public License v2.1 only",
            "LGPL-2.1-only",
        ),
        ("Mozilla Public License 2.0", "MPL-2.0"),
        (
            "BSD 3-Clause \"New\" or \"Revised\" License",
            "BSD-3-Clause",
        ),
        ("University of Illinois/NCSA Open Source License", "NCSA"),
        ("Blue Oak Model License (BlueOak-1.0.0)", "BlueOak-1.0.0"),
    ] {
        assert_eq!(normalize(text), spdx(id), "{text}");
    }
    assert_eq!(normalize("MIT or Apache 2.0"), spdx("MIT OR Apache-2.0"));
    // Found by fuzzing: parentheses a compound part brings are canonicalised.
    assert_eq!(
        normalize("MIT License or Apache-2.0 AND GPL-2.0+"),
        spdx("MIT OR Apache-2.0 AND GPL-2.0-or-later")
    );
    assert_eq!(
        normalize("Apache License 2.0 and MIT License"),
        spdx("Apache-2.0 AND MIT")
    );
}

#[test]
fn families_and_placeholders_are_not_guessed() {
    for text in [
        "BSD",
        "BSD License",
        "GPL",
        "Dual License",
        "Public Domain",
        "Other/Proprietary License",
    ] {
        assert_eq!(normalize(text), named(text), "{text}");
    }
    assert_eq!(normalize("BSD or MIT"), named("BSD or MIT"));
    for text in ["", "  ", "UNKNOWN", "NOASSERTION", "none"] {
        assert_eq!(normalize(text), None, "{text:?}");
    }
    let long = "x".repeat(500);
    assert_eq!(normalize(&long).map(|l| l.as_str().len()), Some(MAX_NAME));
}

#[test]
fn trove_classifiers() {
    let c = |s: &str| from_classifier(&format!("License :: OSI Approved :: {s}"));
    assert_eq!(c("MIT License"), spdx("MIT"));
    assert_eq!(c("Apache Software License"), spdx("Apache-2.0"));
    assert_eq!(c("BSD License"), named("BSD License"));
    assert_eq!(
        c("GNU General Public License v2 or later (GPLv2+)"),
        spdx("GPL-2.0-or-later")
    );
    assert_eq!(
        c("GNU Lesser General Public License v3 (LGPLv3)"),
        spdx("LGPL-3.0-only")
    );
    assert_eq!(c("Mozilla Public License 2.0 (MPL 2.0)"), spdx("MPL-2.0"));
    assert_eq!(c("ISC License (ISCL)"), spdx("ISC"));
    assert_eq!(c("Python Software Foundation License"), spdx("PSF-2.0"));
    assert_eq!(c("The Unlicense (Unlicense)"), spdx("Unlicense"));
    assert_eq!(c("zlib/libpng License"), spdx("Zlib"));
    assert_eq!(c("Boost Software License 1.0 (BSL-1.0)"), spdx("BSL-1.0"));
    assert_eq!(
        c("European Union Public Licence 1.2 (EUPL 1.2)"),
        spdx("EUPL-1.2")
    );
    assert_eq!(c("PostgreSQL License"), spdx("PostgreSQL"));
    assert_eq!(
        from_classifier("License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication"),
        spdx("CC0-1.0")
    );
    assert_eq!(from_classifier("License :: OSI Approved"), None);
    assert_eq!(from_classifier("Programming Language :: Python"), None);
    assert_eq!(
        normalize("License :: OSI Approved :: MIT License"),
        spdx("MIT")
    );
}

#[test]
fn python_metadata_precedence() {
    let cls = |v: &[&str]| -> Vec<String> {
        v.iter()
            .map(|s| format!("License :: OSI Approved :: {s}"))
            .collect()
    };
    // PEP 639 expression first.
    assert_eq!(
        python_declared(Some("MIT"), Some("Apache 2.0"), &cls(&["BSD License"])).as_deref(),
        Some("MIT")
    );
    // A License field naming an SPDX licence beats classifiers.
    assert_eq!(
        python_declared(None, Some("Apache 2.0"), &cls(&["MIT License"])).as_deref(),
        Some("Apache-2.0")
    );
    // Free text that names nothing: the classifiers decide, all of them.
    assert_eq!(
        python_declared(
            None,
            Some("Dual License"),
            &cls(&["MIT License", "Apache Software License", "MIT License"])
        )
        .as_deref(),
        Some("Apache-2.0 AND MIT")
    );
    // Nothing maps: the free text is kept.
    assert_eq!(
        python_declared(None, Some("BSD"), &cls(&["BSD License"])).as_deref(),
        Some("BSD")
    );
    assert_eq!(
        python_declared(None, None, &cls(&["BSD License"])).as_deref(),
        Some("BSD License")
    );
    assert_eq!(python_declared(None, Some("UNKNOWN"), &[]), None);
}

#[test]
fn every_listed_licence_normalises_to_a_listed_licence() {
    let mut n = 0;
    for line in LIST.lines().filter(|l| !l.starts_with('#')) {
        let mut cols = line.split('\t');
        let (id, kind) = (cols.next().unwrap(), cols.next().unwrap());
        if kind == "exception" {
            continue;
        }
        n += 1;
        let got = normalize(id);
        let Some(License::Spdx(e)) = &got else {
            panic!("{id}: {got:?}");
        };
        assert!(canonical_id(e).is_some(), "{id} → {e}");
        if kind == "license" {
            assert_eq!(e, id);
        }
    }
    assert_eq!(n, 727);
}

#[test]
fn single_ids() {
    assert_eq!(normalize("mit").unwrap().single_id(), Some("MIT"));
    assert_eq!(normalize("MIT OR ISC").unwrap().single_id(), None);
    assert_eq!(normalize("LicenseRef-x").unwrap().single_id(), None);
    assert_eq!(normalize("BSD").unwrap().single_id(), None);
}

#[test]
fn license_refs() {
    assert_eq!(license_ref("Dual License"), "LicenseRef-Dual-License");
    assert_eq!(license_ref("BSD License"), "LicenseRef-BSD-License");
    assert_eq!(license_ref("  -x-  "), "LicenseRef-x");
    assert_eq!(license_ref("日本"), "LicenseRef-unnamed");
}

#[test]
fn fuzz_mutations() {
    let seeds = [
        "MIT OR (Apache-2.0 AND BSD-3-Clause)",
        "GPL-2.0+ WITH Classpath-exception-2.0",
        "Apache License, Version 2.0 or MIT License",
        "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
    ];
    for s in seeds {
        let b = s.as_bytes();
        for i in 0..=b.len() {
            fuzz_normalize(&b[..i]);
            let mut m = b.to_vec();
            if i < m.len() {
                m[i] ^= 0x20;
                fuzz_normalize(&m);
                m[i] = b'(';
                fuzz_normalize(&m);
            }
        }
    }
}
