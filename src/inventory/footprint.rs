//! Footprint: what each direct dependency brings with it (its transitive
//! closure, in packages and installed bytes), and the totals.

use crate::model::Package;
use serde::Serialize;
use std::collections::HashMap;

/// The closure of one direct dependency.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DirectFootprint {
    pub purl: String,
    pub name: String,
    pub version: Option<String>,
    /// Packages in the closure, the dependency itself included.
    pub packages: usize,
    /// Installed bytes of the closure (installed packages only).
    pub bytes: u64,
    /// Packages in the closure that no other direct dependency needs.
    pub exclusive_packages: usize,
    /// Installed bytes of those exclusive packages.
    pub exclusive_bytes: u64,
}

/// Footprint of a whole inventory.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Footprint {
    pub packages: usize,
    pub direct: usize,
    pub installed_bytes: u64,
    pub installed_files: u64,
    pub by_direct: Vec<DirectFootprint>,
}

/// Computes the footprint from the merged packages' dependency purls.
pub fn compute(packages: &[Package]) -> Footprint {
    let index: HashMap<&str, usize> = packages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.purl.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = packages
        .iter()
        .map(|p| {
            p.dependencies
                .iter()
                .filter_map(|d| index.get(d.as_str()).copied())
                .collect()
        })
        .collect();
    let directs: Vec<usize> = (0..packages.len())
        .filter(|&i| packages[i].direct == Some(true))
        .collect();
    let closures: Vec<Vec<usize>> = directs.iter().map(|&d| closure(d, &edges)).collect();
    let mut users = vec![0usize; packages.len()];
    for c in &closures {
        for &i in c {
            users[i] += 1;
        }
    }
    let size = |i: usize| packages[i].installed_size.unwrap_or(0);
    let mut by_direct: Vec<DirectFootprint> = directs
        .iter()
        .zip(&closures)
        .map(|(&d, c)| {
            let exclusive: Vec<usize> = c.iter().copied().filter(|&i| users[i] == 1).collect();
            DirectFootprint {
                purl: packages[d].purl.clone(),
                name: packages[d].name.clone(),
                version: packages[d].version.clone(),
                packages: c.len(),
                bytes: c.iter().map(|&i| size(i)).sum(),
                exclusive_packages: exclusive.len(),
                exclusive_bytes: exclusive.iter().map(|&i| size(i)).sum(),
            }
        })
        .collect();
    by_direct.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then(b.packages.cmp(&a.packages))
            .then(a.purl.cmp(&b.purl))
    });
    Footprint {
        packages: packages.len(),
        direct: directs.len(),
        installed_bytes: packages.iter().filter_map(|p| p.installed_size).sum(),
        installed_files: packages.iter().filter_map(|p| p.file_count).sum(),
        by_direct,
    }
}

fn closure(start: usize, edges: &[Vec<usize>]) -> Vec<usize> {
    let mut seen = vec![false; edges.len()];
    let mut stack = vec![start];
    let mut out = Vec::new();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        out.push(i);
        stack.extend(edges[i].iter().copied());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Ecosystem;

    fn pkg(name: &str, size: u64, deps: &[&str], direct: bool) -> Package {
        let mut p = Package::new(Ecosystem::Pypi, name, Some("1"));
        p.installed_size = Some(size);
        p.direct = Some(direct);
        p.dependencies = deps.iter().map(|d| format!("pkg:pypi/{d}@1")).collect();
        p
    }

    #[test]
    fn closures_and_exclusive_bytes() {
        let pkgs = vec![
            pkg("a", 10, &["c", "d"], true),
            pkg("b", 5, &["c"], true),
            pkg("c", 100, &[], false),
            pkg("d", 1000, &[], false),
        ];
        let f = compute(&pkgs);
        assert_eq!(f.direct, 2);
        assert_eq!(f.installed_bytes, 1115);
        let a = &f.by_direct[0];
        assert_eq!((a.name.as_str(), a.packages, a.bytes), ("a", 3, 1110));
        assert_eq!((a.exclusive_packages, a.exclusive_bytes), (2, 1010));
        let b = &f.by_direct[1];
        assert_eq!((b.packages, b.bytes, b.exclusive_bytes), (2, 105, 5));
    }
}
