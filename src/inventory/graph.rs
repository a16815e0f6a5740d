//! Turns one input's nodes and declared edges into resolved packages:
//! dependency purls, direct vs transitive, and for each transitive package
//! the direct dependencies that pull it in.
//!
//! Edges can carry PEP 508 markers and extras. With a target environment the
//! traversal follows only what would be installed there, and packages no
//! path reaches are dropped (the lockfile would not install them); without
//! one every edge any environment could take is followed.

use super::markers::{Marker, Target, extra_name};
use super::{Dep, Extract};
use pep508_rs::{ExtraName, MarkerEnvironment};
use std::collections::{BTreeSet, HashMap, VecDeque};

/// A package (node index) with one of its extras active, or none.
type State = (usize, Option<ExtraName>);

/// Resolves `extract` in place. `target` is the environment chosen on the
/// command line; an installed environment's own `extract.env` wins over it.
pub fn resolve(extract: &mut Extract, target: Option<&Target>) {
    let env = extract.env.as_ref().or(target.map(|t| &t.markers)).cloned();
    let n = extract.nodes.len();
    let by_name = index_by_name(extract);

    // Node-level markers (pylock `marker`, Pipfile.lock `markers`).
    let node_ok: Vec<bool> = extract
        .nodes
        .iter()
        .map(|node| {
            let marker_ok = match (&node.marker, env.as_ref()) {
                (Some(m), Some(e)) => m.holds(Some(e), &[]),
                _ => true,
            };
            let platform_ok = match (&node.platform, target) {
                (Some(p), Some(t)) => p.allows(&t.env),
                _ => true,
            };
            marker_ok && platform_ok
        })
        .collect();

    let mut edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    let mut reached = vec![false; n];
    let mut direct = vec![false; n];
    let mut seen: std::collections::HashSet<State> = Default::default();
    let mut queue: VecDeque<State> = VecDeque::new();
    // The graph of (package, extra) states: which extras of a package are in
    // play decides what it pulls in, so `introduced_by` walks states, not packages.
    let mut state_edges: HashMap<State, Vec<State>> = HashMap::new();
    let mut root_states: Vec<State> = Vec::new();

    let activate = |targets: Vec<usize>, extras: &[String]| -> Vec<State> {
        let mut out = Vec::new();
        for t in targets {
            out.push((t, None));
            for e in extras.iter().filter_map(|e| extra_name(e)) {
                out.push((t, Some(e)));
            }
        }
        out
    };

    let roots = extract.roots.clone();
    match &roots {
        Some(roots) => {
            for dep in roots {
                if !dep_holds(dep, env.as_ref(), &[]) {
                    continue;
                }
                let targets = targets_of(dep, &by_name, extract, &node_ok);
                for &t in &targets {
                    direct[t] = true;
                }
                let states = activate(targets, &dep.extras);
                root_states.extend(states.iter().cloned());
                queue.extend(states);
            }
        }
        None => {
            queue.extend((0..n).filter(|&i| node_ok[i]).map(|i| (i, None)));
        }
    }

    while let Some((i, extra)) = queue.pop_front() {
        if !node_ok[i] || !seen.insert((i, extra.clone())) {
            continue;
        }
        reached[i] = true;
        let extras: Vec<ExtraName> = extra.iter().cloned().collect();
        let node = &extract.nodes[i];
        let mut follow: Vec<&Dep> = Vec::new();
        match &extra {
            None => follow.extend(node.deps.iter().filter(|d| dep_holds(d, env.as_ref(), &[]))),
            Some(e) => {
                // METADATA-style: `Requires-Dist: x; extra == "e"`.
                follow.extend(node.deps.iter().filter(|d| {
                    d.marker.is_some()
                        && !dep_holds(d, env.as_ref(), &[])
                        && dep_holds(d, env.as_ref(), &extras)
                }));
                // Lockfile-style: `[package.optional-dependencies] e = [...]`.
                if let Some(opt) = node.optional.get(e.as_ref()) {
                    follow.extend(opt.iter().filter(|d| dep_holds(d, env.as_ref(), &extras)));
                }
            }
        }
        for dep in follow {
            let targets = targets_of(dep, &by_name, extract, &node_ok);
            for &t in &targets {
                if t != i {
                    edges[i].insert(t);
                }
            }
            let states = activate(targets, &dep.extras);
            state_edges
                .entry((i, extra.clone()))
                .or_default()
                .extend(states.iter().cloned());
            queue.extend(states);
        }
    }

    if roots.is_none() {
        // No manifest: the top level is what nothing else requires
        // (`pip list --not-required`). Nodes only in cycles count as top level.
        let mut has_parent = vec![false; n];
        for (i, es) in edges.iter().enumerate() {
            for &t in es {
                if t != i {
                    has_parent[t] = true;
                }
            }
        }
        for i in 0..n {
            direct[i] = reached[i] && !has_parent[i];
        }
        mark_cycle_roots(&edges, &reached, &mut direct);
    }

    // A target environment (or an installed env's own) drops what it would not install.
    // What is installed on disk is never dropped: an extraneous package is still there.
    let filter = !extract.kind.is_installed()
        && env.is_some()
        && (roots.is_some() || extract.nodes.iter().any(|n| n.marker.is_some()));
    let keep: Vec<bool> = (0..n)
        .map(|i| {
            if !node_ok[i] {
                return false;
            }
            !(filter && roots.is_some() && !reached[i])
        })
        .collect();

    if roots.is_none() {
        root_states = (0..n).filter(|&i| direct[i]).map(|i| (i, None)).collect();
    }
    let introduced = introduced_by(&state_edges, &root_states, &direct, &keep);
    let purls: Vec<String> = extract
        .nodes
        .iter()
        .map(|n| n.package.purl.clone())
        .collect();
    let graph_known = extract.graph_known;
    for i in 0..n {
        let pkg = &mut extract.nodes[i].package;
        pkg.dependencies = edges[i]
            .iter()
            .filter(|&&t| keep[t])
            .map(|&t| purls[t].clone())
            .collect();
        if pkg.direct.is_none() {
            pkg.direct = (reached[i] && (roots.is_some() || graph_known)).then_some(direct[i]);
        }
        if !direct[i] && graph_known {
            pkg.introduced_by = introduced[i].iter().map(|&d| purls[d].clone()).collect();
        }
    }
    let mut idx = 0;
    extract.nodes.retain(|_| {
        let k = keep[idx];
        idx += 1;
        k
    });
}

fn dep_holds(dep: &Dep, env: Option<&MarkerEnvironment>, extras: &[ExtraName]) -> bool {
    dep.marker
        .as_ref()
        .is_none_or(|m: &Marker| m.holds(env, extras))
}

fn index_by_name(extract: &Extract) -> HashMap<String, Vec<usize>> {
    let mut m: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, node) in extract.nodes.iter().enumerate() {
        m.entry(node.package.normalized_name.clone())
            .or_default()
            .push(i);
    }
    m
}

/// The nodes a dependency points at: its explicit target, else by name (and
/// version when given). An ambiguous name takes every candidate whose marker holds.
fn targets_of(
    dep: &Dep,
    by_name: &HashMap<String, Vec<usize>>,
    extract: &Extract,
    node_ok: &[bool],
) -> Vec<usize> {
    if let Some(t) = dep.target {
        return if t < node_ok.len() && node_ok[t] {
            vec![t]
        } else {
            vec![]
        };
    }
    let Some(cands) = by_name.get(&dep.name) else {
        return vec![];
    };
    let cands: Vec<usize> = cands.iter().copied().filter(|&c| node_ok[c]).collect();
    if let Some(v) = &dep.version {
        let exact: Vec<usize> = cands
            .iter()
            .copied()
            .filter(|&c| extract.nodes[c].package.version.as_deref() == Some(v.as_str()))
            .collect();
        if !exact.is_empty() {
            return exact;
        }
    }
    cands
}

/// Nodes reached but not reachable from any top-level node sit in a cycle
/// with no way in: promote one per cycle to top level.
fn mark_cycle_roots(edges: &[BTreeSet<usize>], reached: &[bool], direct: &mut [bool]) {
    let n = edges.len();
    let mut covered = vec![false; n];
    let mut stack: Vec<usize> = (0..n).filter(|&i| direct[i]).collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut covered[i], true) {
            continue;
        }
        stack.extend(edges[i].iter().copied());
    }
    for i in 0..n {
        if reached[i] && !covered[i] {
            direct[i] = true;
            let mut stack = vec![i];
            while let Some(j) = stack.pop() {
                if std::mem::replace(&mut covered[j], true) {
                    continue;
                }
                stack.extend(edges[j].iter().copied());
            }
        }
    }
}

/// For every node, the direct nodes from whose activated states it is reachable.
fn introduced_by(
    state_edges: &HashMap<State, Vec<State>>,
    root_states: &[State],
    direct: &[bool],
    keep: &[bool],
) -> Vec<Vec<usize>> {
    let n = direct.len();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut starts: Vec<Vec<State>> = vec![Vec::new(); n];
    for s in root_states {
        if s.0 < n {
            starts[s.0].push(s.clone());
        }
    }
    let mut mark = vec![usize::MAX; n];
    // Plain states (no extra) are the bulk, and npm has only those: a
    // per-direct stamp per node; states with an extra go in a small set.
    let mut seen_plain = vec![usize::MAX; n];
    let mut seen_extra: std::collections::HashSet<State> = Default::default();
    for d in (0..n).filter(|&i| direct[i] && keep[i]) {
        seen_extra.clear();
        let mut stack = std::mem::take(&mut starts[d]);
        while let Some(st) = stack.pop() {
            let i = st.0;
            if !keep[i] {
                continue;
            }
            let first_visit = match &st.1 {
                None => std::mem::replace(&mut seen_plain[i], d) != d,
                Some(_) => seen_extra.insert(st.clone()),
            };
            if !first_visit {
                continue;
            }
            if i != d && !direct[i] && mark[i] != d {
                mark[i] = d;
                out[i].push(d);
            }
            if let Some(next) = state_edges.get(&st) {
                stack.extend(next.iter().cloned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Dep, Extract, Node};
    use super::*;
    use crate::model::{Ecosystem, InputKind, Package};

    fn node(name: &str, version: &str, deps: &[&str]) -> Node {
        Node {
            package: Package::new(Ecosystem::Pypi, name, Some(version)),
            deps: deps
                .iter()
                .map(|d| Dep::named(Ecosystem::Pypi, d))
                .collect(),
            ..Node::default()
        }
    }

    #[test]
    fn direct_transitive_and_introduced_by() {
        let mut ex = Extract::new(InputKind::UvLock, "uv.lock");
        ex.nodes = vec![
            node("a", "1", &["c"]),
            node("b", "1", &["c"]),
            node("c", "1", &["d"]),
            node("d", "1", &[]),
            node("orphan", "1", &[]),
        ];
        ex.roots = Some(vec![
            Dep::named(Ecosystem::Pypi, "a"),
            Dep::named(Ecosystem::Pypi, "b"),
        ]);
        ex.graph_known = true;
        resolve(&mut ex, None);
        let get = |n: &str| ex.nodes.iter().find(|x| x.package.name == n).unwrap();
        assert_eq!(get("a").package.direct, Some(true));
        assert_eq!(get("c").package.direct, Some(false));
        assert_eq!(
            get("d").package.introduced_by,
            vec!["pkg:pypi/a@1", "pkg:pypi/b@1"]
        );
        assert_eq!(get("a").package.dependencies, vec!["pkg:pypi/c@1"]);
        // Not reached and no environment to filter with: kept, directness unknown.
        assert_eq!(get("orphan").package.direct, None);
    }

    #[test]
    fn markers_and_extras_with_target() {
        let env = Target::new(crate::inventory::markers::TargetEnv {
            python: "3.11.7".into(),
            platform: "linux".into(),
            arch: "x86_64".into(),
        })
        .unwrap();
        let mut ex = Extract::new(InputKind::UvLock, "uv.lock");
        let mut a = node("a", "1", &[]);
        let mut win = Dep::named(Ecosystem::Pypi, "pywin32");
        win.marker = Some(Marker::parse("sys_platform == 'win32'").unwrap());
        a.deps.push(win);
        a.optional
            .insert("fast".into(), vec![Dep::named(Ecosystem::Pypi, "speedups")]);
        let mut meta = Dep::named(Ecosystem::Pypi, "viaextra");
        meta.marker = Some(Marker::parse("extra == 'fast'").unwrap());
        a.deps.push(meta);
        ex.nodes = vec![
            a,
            node("pywin32", "1", &[]),
            node("speedups", "1", &[]),
            node("viaextra", "1", &[]),
        ];
        let mut root = Dep::named(Ecosystem::Pypi, "a");
        root.extras = vec!["fast".into()];
        ex.roots = Some(vec![root]);
        ex.graph_known = true;
        resolve(&mut ex, Some(&env));
        let names: Vec<&str> = ex.nodes.iter().map(|n| n.package.name.as_str()).collect();
        assert_eq!(names, vec!["a", "speedups", "viaextra"]);
    }

    #[test]
    fn installed_trees_keep_unreached_packages_under_a_target() {
        let env = Target::new(crate::inventory::markers::TargetEnv {
            python: "3.11.7".into(),
            platform: "linux".into(),
            arch: "x86_64".into(),
        })
        .unwrap();
        let mut ex = Extract::new(InputKind::NodeModules, "node_modules");
        ex.nodes = vec![node("a", "1", &[]), node("extraneous", "1", &[])];
        ex.roots = Some(vec![Dep::named(Ecosystem::Pypi, "a")]);
        ex.graph_known = true;
        let mut lock = Extract::new(InputKind::PackageLock, "package-lock.json");
        lock.nodes = ex.nodes.clone();
        lock.roots = ex.roots.clone();
        lock.graph_known = true;
        resolve(&mut ex, Some(&env));
        resolve(&mut lock, Some(&env));
        assert_eq!(ex.nodes.len(), 2);
        assert_eq!(ex.nodes[1].package.direct, None);
        assert_eq!(lock.nodes.len(), 1);
    }

    #[test]
    fn introduced_by_follows_the_extras_in_play() {
        // Roots: httpx (no extra) and qdrant, which wants httpx[http2] → h2.
        let mut ex = Extract::new(InputKind::UvLock, "uv.lock");
        let mut httpx = node("httpx", "1", &[]);
        httpx
            .optional
            .insert("http2".into(), vec![Dep::named(Ecosystem::Pypi, "h2")]);
        let mut qdrant = node("qdrant", "1", &[]);
        let mut want = Dep::named(Ecosystem::Pypi, "httpx");
        want.extras = vec!["http2".into()];
        qdrant.deps.push(want);
        ex.nodes = vec![httpx, qdrant, node("h2", "1", &[])];
        ex.roots = Some(vec![
            Dep::named(Ecosystem::Pypi, "httpx"),
            Dep::named(Ecosystem::Pypi, "qdrant"),
        ]);
        ex.graph_known = true;
        resolve(&mut ex, None);
        assert_eq!(ex.nodes[2].package.introduced_by, vec!["pkg:pypi/qdrant@1"]);
        // The package-level dependency list still shows the edge.
        assert_eq!(ex.nodes[0].package.dependencies, vec!["pkg:pypi/h2@1"]);
    }

    #[test]
    fn top_level_without_roots() {
        let mut ex = Extract::new(InputKind::PythonEnv, "site-packages");
        ex.nodes = vec![
            node("app", "1", &["lib"]),
            node("lib", "1", &[]),
            node("x", "1", &["y"]),
            node("y", "1", &["x"]),
        ];
        ex.graph_known = true;
        resolve(&mut ex, None);
        let d: Vec<Option<bool>> = ex.nodes.iter().map(|n| n.package.direct).collect();
        assert_eq!(d, vec![Some(true), Some(false), Some(true), Some(false)]);
    }
}
