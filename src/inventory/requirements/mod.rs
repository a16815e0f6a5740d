//! pip requirements files (`requirements*.txt`, `*.in`, constraints files).
//!
//! Follows pip's own reading: lines ending in `\` are joined (a comment line
//! ends the joining), `#` starts a comment at the start of a line or after
//! whitespace, everything from the first token that starts with `-` is
//! options. `-r` / `-c` includes are read relative to the including file
//! (cycles are an error); a constraints file adds no package but pins and
//! annotates the packages it constrains. Every package of the file the user
//! gave (and of files it includes with `-r`) is a direct dependency.

mod syntax;

use super::pyreq::{self, Declared};
use super::text::read_text;
use super::{Extract, Node};
use crate::model::{Ecosystem, Hash, InputKind, Origin, Package, SourceRef, purl};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use syntax::{
    OPTIONS, join_display, logical_lines, looks_like_url_or_path, split_option, split_url_marker,
    strip_comment, unquote,
};

/// Most nested `-r` / `-c` includes followed.
const MAX_DEPTH: usize = 16;

/// Reads a requirements file and every file it includes.
pub fn extract(path: &Path, display: &str) -> Extract {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(e) => return Extract::failed(InputKind::Requirements, display, None, e),
    };
    let mut r = Reader::new(display, true);
    r.direct = direct_for(display);
    let start = canonical(path);
    r.stack.push(start.clone());
    r.visited.insert(start);
    r.file(&text, Some(path), display, false);
    r.finish()
}

/// Parses requirements text without following includes (for tests and fuzzing).
pub fn parse(text: &str, display: &str) -> Extract {
    let mut r = Reader::new(display, false);
    r.direct = direct_for(display);
    r.file(text, None, display, false);
    r.finish()
}

/// Fuzz target body: parse arbitrary bytes and resolve; must never panic.
pub fn fuzz(data: &[u8]) {
    super::fuzz_text(data, "requirements.txt", parse);
}

/// One constraint from a `-c` file.
struct Constraint {
    name: String,
    version: Option<String>,
    spec: String,
    source: SourceRef,
}

struct Reader {
    ex: Extract,
    follow: bool,
    stack: Vec<PathBuf>,
    visited: HashSet<PathBuf>,
    constraints: Vec<Constraint>,
    /// What the file's packages are: direct, or unknown for a constraints file.
    direct: Option<bool>,
}

/// The parts of one logical line.
#[derive(Default)]
struct Line {
    /// The requirement (everything before the first option).
    req: String,
    hashes: Vec<Hash>,
    editable: Option<String>,
    includes: Vec<(bool, String)>,
}

impl Reader {
    fn new(display: &str, follow: bool) -> Self {
        Reader {
            ex: Extract::new(InputKind::Requirements, display),
            follow,
            stack: Vec::new(),
            visited: HashSet::new(),
            constraints: Vec::new(),
            direct: Some(true),
        }
    }

    fn error(&mut self, file: &str, line: u32, msg: impl Into<String>) {
        self.ex.errors.push(crate::finding::InputError::new(
            file.to_string(),
            Some(line),
            msg,
        ));
    }

    /// Reads one file. `constraint`: its lines constrain, not add.
    fn file(&mut self, text: &str, path: Option<&Path>, display: &str, constraint: bool) {
        for (lineno, raw) in logical_lines(text) {
            let content = strip_comment(&raw);
            if content.trim().is_empty() {
                continue;
            }
            let line = match self.options(content, display, lineno) {
                Some(l) => l,
                None => continue,
            };
            for (is_constraint, target) in &line.includes {
                self.include(path, display, lineno, target, constraint || *is_constraint);
            }
            let spec = match &line.editable {
                Some(e) => Some((e.clone(), true)),
                None => (!line.req.trim().is_empty()).then(|| (line.req.trim().to_string(), false)),
            };
            if let Some((spec, editable)) = spec {
                self.requirement(
                    &spec,
                    editable,
                    &line.hashes,
                    path,
                    display,
                    lineno,
                    constraint,
                );
            } else if !line.hashes.is_empty() {
                self.error(
                    display,
                    lineno,
                    "`--hash` without a requirement on its line",
                );
            }
        }
    }

    /// Splits a line into requirement and options; records indexes.
    fn options(&mut self, content: &str, display: &str, lineno: u32) -> Option<Line> {
        let mut line = Line::default();
        let tokens: Vec<&str> = content.split_whitespace().collect();
        let first_opt = tokens
            .iter()
            .position(|t| t.starts_with('-'))
            .unwrap_or(tokens.len());
        line.req = tokens[..first_opt].join(" ");
        let mut rest = tokens[first_opt..].iter();
        while let Some(tok) = rest.next() {
            let (opt, inline) = split_option(tok);
            let Some(spec) = OPTIONS.iter().find(|o| o.names.contains(&opt)) else {
                self.error(display, lineno, format!("unknown option `{opt}`"));
                return None;
            };
            let value = if spec.takes_value {
                match inline
                    .map(str::to_string)
                    .or_else(|| rest.next().map(|s| s.to_string()))
                {
                    Some(v) => Some(unquote(&v).to_string()),
                    None => {
                        self.error(display, lineno, format!("option `{opt}` needs a value"));
                        return None;
                    }
                }
            } else {
                None
            };
            let v = value.unwrap_or_default();
            match spec.names[0] {
                "--requirement" => line.includes.push((false, v)),
                "--constraint" => line.includes.push((true, v)),
                "--editable" => {
                    // `-e path ; marker` and `-e "path[extra]"`: the rest of the line belongs to it.
                    let tail: Vec<&str> = rest.by_ref().copied().collect();
                    let mut whole = v;
                    let mut extra_opts = Vec::new();
                    for t in tail {
                        if t.starts_with('-') || !extra_opts.is_empty() {
                            extra_opts.push(t);
                        } else {
                            whole.push(' ');
                            whole.push_str(t);
                        }
                    }
                    line.editable = Some(whole);
                    if !extra_opts.is_empty() {
                        let joined = extra_opts.join(" ");
                        let more = self.options(&joined, display, lineno)?;
                        line.hashes.extend(more.hashes);
                    }
                }
                "--index-url" | "--extra-index-url" | "--find-links" => {
                    pyreq::add_index(&mut self.ex.indexes, &v)
                }
                "--hash" => match Hash::parse_prefixed(&v) {
                    Some(h) => line.hashes.push(h),
                    None => {
                        self.error(
                            display,
                            lineno,
                            format!("`--hash={v}`: expected ALGORITHM:HEX"),
                        );
                    }
                },
                _ => {}
            }
        }
        Some(line)
    }

    fn include(
        &mut self,
        from: Option<&Path>,
        display: &str,
        lineno: u32,
        target: &str,
        constraint: bool,
    ) {
        let (Some(from), true) = (from, self.follow) else {
            return;
        };
        let what = if constraint {
            "constraints"
        } else {
            "requirements"
        };
        if target.contains("://") {
            self.error(
                display,
                lineno,
                format!("{what} file `{target}` is a URL; not fetched (offline)"),
            );
            return;
        }
        let path = from.parent().unwrap_or(Path::new(".")).join(target);
        let child_display = join_display(display, target);
        let key = canonical(&path);
        if self.stack.contains(&key) {
            self.error(
                display,
                lineno,
                format!("include cycle: `{target}` is already being read"),
            );
            return;
        }
        if self.stack.len() >= MAX_DEPTH {
            self.error(
                display,
                lineno,
                format!("`{target}`: includes nested deeper than {MAX_DEPTH}"),
            );
            return;
        }
        if !self.visited.insert(key.clone()) {
            return;
        }
        let text = match read_text(&path) {
            Ok(t) => t,
            Err(e) => {
                self.error(
                    display,
                    lineno,
                    format!("cannot read {what} file `{target}`: {e}"),
                );
                return;
            }
        };
        self.stack.push(key);
        self.file(&text, Some(&path), &child_display, constraint);
        self.stack.pop();
    }

    #[allow(clippy::too_many_arguments)]
    fn requirement(
        &mut self,
        spec: &str,
        editable: bool,
        hashes: &[Hash],
        path: Option<&Path>,
        display: &str,
        lineno: u32,
        constraint: bool,
    ) {
        let declared = match self.declare(spec, editable, path) {
            Ok(d) => d,
            Err(e) => {
                self.error(display, lineno, e);
                return;
            }
        };
        let source = SourceRef {
            path: display.to_string(),
            line: Some(lineno),
            kind: InputKind::Requirements,
        };
        if constraint {
            self.constraints.push(Constraint {
                name: declared.package.normalized_name.clone(),
                version: declared.package.version.clone(),
                spec: spec.to_string(),
                source,
            });
            return;
        }
        let mut package = declared.package;
        package.sources.push(source);
        package.direct = self.direct;
        for h in hashes {
            package.add_hash(h.clone());
        }
        let mut node = Node::new(package);
        node.marker = declared.dep.marker.clone();
        self.ex.nodes.push(node);
    }

    /// A requirement line (PEP 508, or pip's bare URL / path / editable forms).
    fn declare(&self, spec: &str, editable: bool, path: Option<&Path>) -> Result<Declared, String> {
        let (target, marker) = split_url_marker(spec);
        if editable || looks_like_url_or_path(target) {
            return self.declare_url(target, marker, editable, path);
        }
        let req =
            pyreq::parse_req(spec).map_err(|e| format!("invalid requirement `{spec}`: {e}"))?;
        Ok(pyreq::declared(&req, spec))
    }

    fn declare_url(
        &self,
        target: &str,
        marker: Option<&str>,
        editable: bool,
        path: Option<&Path>,
    ) -> Result<Declared, String> {
        let target = unquote(target);
        // `path[extra1,extra2]`
        let (location, extras) = match target.strip_suffix(']').and_then(|t| t.rsplit_once('[')) {
            Some((loc, ex)) if !target.contains('#') => (loc, ex),
            _ => (target, ""),
        };
        let file = pyreq::file_name_of(location);
        let from_file = pyreq::archive_name_version(file);
        let name = pyreq::egg_name(location)
            .or_else(|| from_file.as_ref().map(|(n, _)| n.clone()))
            .or_else(|| self.local_project_name(location, path))
            .ok_or_else(|| {
                format!("cannot tell the package name of `{target}` (add `#egg=NAME` or use `NAME @ URL`)")
            })?;
        let mut text = name.clone();
        if !extras.is_empty() {
            text.push_str(&format!("[{extras}]"));
        }
        text.push_str(" @ ");
        text.push_str(location);
        if let Some(m) = marker {
            text.push_str(" ; ");
            text.push_str(m);
        }
        let req =
            pyreq::parse_req(&text).map_err(|e| format!("invalid requirement `{target}`: {e}"))?;
        let mut d = pyreq::declared(&req, &text);
        if editable {
            d.package.origin = Some(match pyreq::url_origin(location) {
                Origin::Path { path, .. } => Origin::Path {
                    path,
                    editable: true,
                },
                other => other,
            });
        }
        if d.package.version.is_none()
            && let Some((n, v)) = from_file
            && crate::model::pep503_normalize(&n) == d.package.normalized_name
        {
            set_version(&mut d.package, &v);
        }
        Ok(d)
    }

    /// The `[project] name` of a local project directory (`-e ./lib`).
    fn local_project_name(&self, location: &str, from: Option<&Path>) -> Option<String> {
        if location.contains("://") {
            return None;
        }
        let from = from?;
        let dir = from.parent().unwrap_or(Path::new(".")).join(location);
        let text = std::fs::read_to_string(dir.join("pyproject.toml")).ok()?;
        let v: toml::Table = toml::from_str(&text).ok()?;
        let project = v.get("project")?.as_table()?;
        project.get("name")?.as_str().map(str::to_string)
    }

    /// Applies constraints to the packages they name.
    fn finish(mut self) -> Extract {
        for c in &self.constraints {
            for node in self
                .ex
                .nodes
                .iter_mut()
                .filter(|n| n.package.normalized_name == c.name)
            {
                let p = &mut node.package;
                p.sources.push(c.source.clone());
                if p.version.is_none()
                    && let Some(v) = &c.version
                {
                    set_version(p, v);
                }
                let note = format!("constraint: {}", c.spec);
                p.requirement = Some(match p.requirement.take() {
                    Some(r) => format!("{r} ({note})"),
                    None => note,
                });
            }
        }
        self.ex
    }
}

/// A constraints file read on its own (`constraints.txt`, given to pip with
/// `-c` on the command line) lists pins, not the project's dependencies: its
/// packages are kept with directness unknown, so merging folds a project's
/// unpinned requirement into the pinned version.
fn direct_for(display: &str) -> Option<bool> {
    let file = display
        .rsplit('/')
        .next()
        .unwrap_or(display)
        .to_ascii_lowercase();
    (!file.contains("constraint")).then_some(true)
}

fn set_version(p: &mut Package, v: &str) {
    p.version = Some(v.to_string());
    p.purl = purl(Ecosystem::Pypi, &p.name, Some(v));
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(ex: &'a Extract, name: &str) -> &'a Package {
        &ex.nodes
            .iter()
            .find(|n| n.package.normalized_name == name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .package
    }

    #[test]
    fn pins_hashes_continuations_and_comments() {
        let text = "# top comment\n\
            requests==2.31.0 \\\n    --hash=sha256:AB \\\n    --hash=sha256:cd\n\
            numpy>=1.26 ; python_version >= '3.10'  # trailing comment\n\
            Foo_Bar[x,y]\n";
        let ex = parse(text, "requirements.txt");
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        let r = get(&ex, "requests");
        assert_eq!(r.version.as_deref(), Some("2.31.0"));
        assert_eq!(r.hashes.len(), 2);
        assert_eq!(r.hashes[0].value, "ab");
        assert_eq!(r.sources[0].line, Some(2));
        assert_eq!(r.direct, Some(true));
        let n = get(&ex, "numpy");
        assert_eq!(n.version, None);
        assert_eq!(n.requirement.as_deref(), Some(">=1.26"));
        assert_eq!(n.sources[0].line, Some(5));
        assert!(n.markers.is_some());
        assert_eq!(get(&ex, "foo-bar").name, "Foo_Bar");
    }

    #[test]
    fn urls_vcs_editables_and_indexes() {
        let text = "-i https://pypi.invalid/simple\n\
            --extra-index-url=https://extra.invalid/simple\n\
            -f ./wheels\n\
            pkg @ https://files.invalid/pkg-1.2.0.tar.gz\n\
            https://files.invalid/other-0.3-py3-none-any.whl\n\
            git+https://git.invalid/org/tool.git@v2.0#egg=tool\n\
            -e git+https://git.invalid/org/ed.git#egg=ed\n\
            -e ./local/proj#egg=proj\n\
            ./dist/thing-4.0.tar.gz ; sys_platform == 'linux'\n";
        let ex = parse(text, "r.txt");
        assert!(ex.errors.is_empty(), "{:?}", ex.errors);
        assert_eq!(
            ex.indexes,
            vec![
                "https://pypi.invalid/simple",
                "https://extra.invalid/simple",
                "./wheels"
            ]
        );
        assert_eq!(get(&ex, "pkg").version.as_deref(), Some("1.2.0"));
        assert_eq!(get(&ex, "other").version.as_deref(), Some("0.3"));
        assert_eq!(
            get(&ex, "tool").origin,
            Some(Origin::Vcs {
                url: "git+https://git.invalid/org/tool.git".into(),
                rev: Some("v2.0".into())
            })
        );
        assert!(matches!(get(&ex, "ed").origin, Some(Origin::Vcs { .. })));
        assert_eq!(
            get(&ex, "proj").origin,
            Some(Origin::Path {
                path: "./local/proj".into(),
                editable: true
            })
        );
        let t = get(&ex, "thing");
        assert_eq!(t.version.as_deref(), Some("4.0"));
        assert!(t.markers.is_some());
    }

    #[test]
    fn bad_lines_are_errors_with_line_numbers() {
        let text =
            "good==1.0\nthis is not valid!!\n--bogus-option\n-r\nalso_good\nx==1 --hash=nohash\n";
        let ex = parse(text, "r.txt");
        let lines: Vec<Option<u32>> = ex.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![Some(2), Some(3), Some(4), Some(6)]);
        assert_eq!(ex.nodes.len(), 3);
        assert_eq!(parse("--hash=sha256:aa\n", "r.txt").errors[0].line, Some(1));
    }

    #[test]
    fn includes_constraints_and_cycles() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(
            d.join("requirements.txt"),
            "-r sub/base.txt\n-c constraints.txt\nflask\n",
        )
        .unwrap();
        std::fs::write(d.join("sub/base.txt"), "requests\n-r ../requirements.txt\n").unwrap();
        std::fs::write(d.join("constraints.txt"), "flask==3.0.0\nunused==1.0\n").unwrap();
        let ex = extract(&d.join("requirements.txt"), "p/requirements.txt");
        assert_eq!(ex.errors.len(), 1, "{:?}", ex.errors);
        assert_eq!(ex.errors[0].path, "p/sub/base.txt");
        assert!(ex.errors[0].message.contains("cycle"));
        assert_eq!(ex.nodes.len(), 2);
        let req = get(&ex, "requests");
        assert_eq!(req.sources[0].path, "p/sub/base.txt");
        assert_eq!(req.direct, Some(true));
        let flask = get(&ex, "flask");
        assert_eq!(flask.version.as_deref(), Some("3.0.0"));
        assert_eq!(flask.sources[1].path, "p/constraints.txt");
        assert_eq!(
            flask.requirement.as_deref(),
            Some("constraint: flask==3.0.0")
        );
    }

    #[test]
    fn a_constraints_file_on_its_own_is_not_direct() {
        let ex = parse("flask==3.0.0\n", "constraints.txt");
        assert_eq!(ex.nodes[0].package.direct, None);
        assert_eq!(
            parse("flask\n", "dev-requirements.txt").nodes[0]
                .package
                .direct,
            Some(true)
        );
    }
}
