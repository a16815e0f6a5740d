//! `inventory --licenses`: packages grouped by their normalised licence,
//! and the packages whose licence is unknown (none declared, or free text
//! that names no SPDX licence) listed for review.

use super::human::Style;
use crate::license::{self, License};
use crate::model::Package;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Packages under one licence.
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    /// The SPDX expression, or the free text as declared; `null`: none declared.
    pub license: Option<String>,
    /// Whether `license` is an SPDX expression of listed licences.
    pub spdx: bool,
    /// `name@version`, sorted.
    pub packages: Vec<String>,
}

/// A package whose licence cannot be cleared.
#[derive(Clone, Debug, Serialize)]
pub struct Unknown {
    /// `name@version`.
    pub package: String,
    /// Its purl (the sort key).
    pub purl: String,
    /// What it declares (`null`: nothing).
    pub declared: Option<String>,
}

/// The grouping, largest group first.
#[derive(Clone, Debug, Serialize)]
pub struct Licenses {
    /// The SPDX License List the normaliser knows.
    pub license_list_version: &'static str,
    /// How many packages were grouped.
    pub packages: usize,
    /// SPDX groups first, then free text and none declared.
    pub groups: Vec<Group>,
    /// Every package outside an SPDX group, by purl.
    pub unknown: Vec<Unknown>,
}

/// Groups `packages` by licence.
pub fn summarize(packages: &[Package]) -> Licenses {
    let mut by: BTreeMap<(bool, Option<String>), Vec<String>> = BTreeMap::new();
    let mut unknown = Vec::new();
    for p in packages {
        let l = p.license.as_deref().and_then(license::normalize);
        let (spdx, key) = match &l {
            Some(License::Spdx(e)) => (true, Some(e.clone())),
            Some(License::Named(n)) => (false, Some(n.clone())),
            None => (false, None),
        };
        if !spdx {
            unknown.push(Unknown {
                package: p.display_id(),
                purl: p.purl.clone(),
                declared: l.map(|l| l.as_str().to_string()),
            });
        }
        by.entry((spdx, key)).or_default().push(p.display_id());
    }
    let mut groups: Vec<Group> = by
        .into_iter()
        .map(|((spdx, license), mut packages)| {
            packages.sort();
            Group {
                license,
                spdx,
                packages,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        (!a.spdx, std::cmp::Reverse(a.packages.len()), &a.license).cmp(&(
            !b.spdx,
            std::cmp::Reverse(b.packages.len()),
            &b.license,
        ))
    });
    unknown.sort_by(|a, b| a.purl.cmp(&b.purl));
    Licenses {
        license_list_version: license::LIST_VERSION,
        packages: packages.len(),
        groups,
        unknown,
    }
}

/// The human table: one line per licence with its count, then the unknowns.
pub fn render_human(l: &Licenses, style: Style) -> String {
    let mut out = String::new();
    let width = l
        .groups
        .iter()
        .filter(|g| g.spdx)
        .filter_map(|g| g.license.as_deref().map(str::len))
        .max()
        .unwrap_or(7)
        .clamp(7, 60);
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!("{:<width$} {:>8}", "LICENCE", "PACKAGES"))
    );
    for g in l.groups.iter().filter(|g| g.spdx) {
        let name = g.license.as_deref().unwrap_or_default();
        let _ = writeln!(out, "{name:<width$} {:>8}", g.packages.len());
    }
    let known: usize = l.packages - l.unknown.len();
    let _ = writeln!(
        out,
        "\n{known} of {} packages declare an SPDX licence (SPDX License List {}).",
        l.packages, l.license_list_version
    );
    if !l.unknown.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!(
                "Unknown licence ({}): review these",
                l.unknown.len()
            ))
        );
        for u in &l.unknown {
            let what = match &u.declared {
                Some(d) => format!("declares `{d}`, not an SPDX licence"),
                None => "declares no licence".to_string(),
            };
            let _ = writeln!(out, "  {:<40} {}", u.package, style.dim(&what));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Ecosystem;

    fn pkg(name: &str, license: Option<&str>) -> Package {
        let mut p = Package::new(Ecosystem::Npm, name, Some("1.0.0"));
        p.license = license.map(str::to_string);
        p
    }

    #[test]
    fn groups_and_unknowns() {
        let l = summarize(&[
            pkg("a", Some("MIT")),
            pkg("b", Some("MIT License")),
            pkg("c", Some("Apache-2.0")),
            pkg("d", Some("BSD")),
            pkg("e", None),
        ]);
        let g: Vec<(&str, bool, usize)> = l
            .groups
            .iter()
            .map(|g| {
                (
                    g.license.as_deref().unwrap_or("-"),
                    g.spdx,
                    g.packages.len(),
                )
            })
            .collect();
        assert_eq!(
            g,
            [
                ("MIT", true, 2),
                ("Apache-2.0", true, 1),
                ("-", false, 1),
                ("BSD", false, 1)
            ]
        );
        let u: Vec<(&str, Option<&str>)> = l
            .unknown
            .iter()
            .map(|u| (u.package.as_str(), u.declared.as_deref()))
            .collect();
        assert_eq!(u, [("d@1.0.0", Some("BSD")), ("e@1.0.0", None)]);
        let text = render_human(&l, Style { color: false });
        assert!(text.contains("MIT               2\n"), "{text}");
        assert!(text.contains("3 of 5 packages declare an SPDX licence"));
        assert!(text.contains("d@1.0.0") && text.contains("declares `BSD`, not an SPDX licence"));
        assert!(text.contains("declares no licence"));
    }
}
