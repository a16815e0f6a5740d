//! Inventory: one extractor per input format, each producing an [`Extract`]
//! (packages plus declared edges for one input), resolved by `graph` and
//! merged across inputs into an [`Inventory`].

pub mod artifact;
pub mod content;
pub mod footprint;
pub mod graph;
pub mod markers;
mod merge;
pub mod text;

pub mod cargo_lock;
pub mod conda_meta;
pub mod cyclonedx;
pub mod dist_info;
pub mod package_lock;
pub mod pdm_lock;
pub mod pipfile_lock;
pub mod poetry_lock;
pub mod pylock;
pub mod pyproject;
pub mod pyreq;
pub mod requirements;
pub mod sbom_input;
pub mod sdist;
pub mod spdx;
pub mod uv_lock;
pub mod wheel;

pub mod bun_lock;
pub mod node_modules;
pub mod npm_fuzz;
pub mod npm_project;
pub mod npm_tarball;
pub mod package_files;
pub mod package_json;
pub mod pnpm_lock;
pub mod yaml;
pub mod yarn_berry;
pub mod yarn_lock;

use crate::discover::{Discovered, Input};
use crate::finding::InputError;
use crate::model::{Ecosystem, InputKind, Package};
pub use artifact::ModelArtifact;
pub use content::{Content, ContentKind, InstalledFile};
use markers::{Marker, PlatformReq, Target};
pub use merge::merge;
use pep508_rs::MarkerEnvironment;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// A declared dependency edge, before resolution.
#[derive(Clone, Debug, Default)]
pub struct Dep {
    /// Normalised name of the target.
    pub name: String,
    /// Exact version of the target, when the input says which one.
    pub version: Option<String>,
    /// Index of the target node, when the extractor resolved it itself.
    pub target: Option<usize>,
    /// The edge applies only where this marker holds.
    pub marker: Option<Marker>,
    /// Extras requested of the target.
    pub extras: Vec<String>,
}

impl Dep {
    pub fn named(ecosystem: Ecosystem, name: &str) -> Self {
        Dep {
            name: ecosystem.normalize(name),
            ..Dep::default()
        }
    }

    pub fn to(target: usize) -> Self {
        Dep {
            target: Some(target),
            ..Dep::default()
        }
    }
}

/// One package of an input with its outgoing edges.
#[derive(Clone, Debug, Default)]
pub struct Node {
    pub package: Package,
    pub deps: Vec<Dep>,
    /// Edges taken only when the package is requested with an extra.
    pub optional: BTreeMap<String, Vec<Dep>>,
    /// The package is installed only where this marker holds.
    pub marker: Option<Marker>,
    /// The package is installed only on these platforms (npm `os`/`cpu`/`libc`).
    pub platform: Option<PlatformReq>,
}

impl Node {
    pub fn new(package: Package) -> Self {
        Node {
            package,
            ..Node::default()
        }
    }
}

/// What one extractor found in one input.
#[derive(Debug)]
pub struct Extract {
    pub kind: InputKind,
    /// Display path of the input.
    pub path: String,
    pub nodes: Vec<Node>,
    /// The project's own (direct) dependencies; `None` when the input does not say.
    pub roots: Option<Vec<Dep>>,
    /// Whether `nodes[..].deps` describe the real dependency graph.
    pub graph_known: bool,
    pub errors: Vec<InputError>,
    /// Package indexes, registries and find-links locations the input names.
    pub indexes: Vec<String>,
    /// Package contents on disk or in archives, for content analyses.
    pub contents: Vec<Content>,
    /// For an installed environment: the environment its markers were evaluated in.
    pub env: Option<MarkerEnvironment>,
}

impl Extract {
    pub fn new(kind: InputKind, path: &str) -> Self {
        Extract {
            kind,
            path: path.to_string(),
            nodes: Vec::new(),
            roots: None,
            graph_known: false,
            errors: Vec::new(),
            indexes: Vec::new(),
            contents: Vec::new(),
            env: None,
        }
    }

    /// An extract holding only an error.
    pub fn failed(
        kind: InputKind,
        path: &str,
        line: Option<u32>,
        message: impl Into<String>,
    ) -> Self {
        let mut e = Extract::new(kind, path);
        e.error(line, message);
        e
    }

    /// Deserialises a TOML input; a syntax or shape error becomes this
    /// input's error entry, with its line.
    pub fn toml<T: serde::de::DeserializeOwned>(&mut self, text: &str) -> Option<T> {
        toml::from_str(text)
            .map_err(|e| {
                let (line, msg) = text::toml_error(text, &e);
                self.error(line, msg);
            })
            .ok()
    }

    /// Deserialises a JSON input; an error becomes this input's error entry.
    pub fn json<T: serde::de::DeserializeOwned>(&mut self, text: &str) -> Option<T> {
        serde_json::from_str(text)
            .map_err(|e| {
                let (line, msg) = text::json_error(&e);
                self.error(line, msg);
            })
            .ok()
    }

    pub fn error(&mut self, line: Option<u32>, message: impl Into<String>) {
        self.errors
            .push(InputError::new(self.path.clone(), line, message));
    }

    /// Adds a node for `package`, recording this input as its source.
    pub fn push(&mut self, mut package: Package, line: Option<u32>) -> usize {
        package = package.with_source(&self.path, line, self.kind);
        self.nodes.push(Node::new(package));
        self.nodes.len() - 1
    }
}

/// Fuzz target body shared by the text extractors: parse `data` as `display`
/// and resolve the graph; neither may panic, whatever the bytes.
pub fn fuzz_text(data: &[u8], display: &str, parse: fn(&str, &str) -> Extract) {
    let text = String::from_utf8_lossy(data);
    let mut ex = parse(&text, display);
    graph::resolve(&mut ex, None);
}

/// Options that change what extractors report.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Evaluate markers for this environment and drop what it would not install.
    pub target: Option<Target>,
    /// Do not compute SHA-256 digests of model artifacts (`scan` skips them
    /// unless asked: hashing reads every tensor byte the scan skips).
    pub skip_artifact_hashes: bool,
}

/// One input as the report lists it.
#[derive(Clone, Debug, Serialize)]
pub struct InputSummary {
    pub path: String,
    pub kind: InputKind,
    pub packages: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<String>,
}

/// Every package of every input, merged.
#[derive(Debug, Default)]
pub struct Inventory {
    pub packages: Vec<Package>,
    pub inputs: Vec<InputSummary>,
    pub errors: Vec<InputError>,
    pub contents: Vec<Content>,
    /// Model files found among the inputs (format, size, digest).
    pub artifacts: Vec<ModelArtifact>,
}

/// Runs the extractor of one input. Never panics on bad input: a failure is
/// an error in the extract.
pub fn extract(input: &Input, options: &Options) -> Extract {
    let path = input.display();
    let mut ex = match input.kind {
        InputKind::PythonEnv | InputKind::DistInfo | InputKind::EggInfo => {
            dist_info::extract_env(&input.path, &path)
        }
        InputKind::PackageLock => package_lock::extract(&input.path, &path),
        InputKind::CondaEnv => conda_meta::extract(&input.path, &path),
        InputKind::Requirements => requirements::extract(&input.path, &path),
        InputKind::Pyproject => pyproject::extract(&input.path, &path),
        InputKind::UvLock => uv_lock::extract(&input.path, &path),
        InputKind::PoetryLock => poetry_lock::extract(&input.path, &path),
        InputKind::PipfileLock => pipfile_lock::extract(&input.path, &path),
        InputKind::PdmLock => pdm_lock::extract(&input.path, &path),
        InputKind::Pylock => pylock::extract(&input.path, &path),
        InputKind::Wheel => wheel::extract(&input.path, &path),
        InputKind::Sdist => sdist::extract(&input.path, &path),
        InputKind::CargoLock => cargo_lock::extract(&input.path, &path),
        InputKind::YarnLock => yarn_lock::extract(&input.path, &path),
        InputKind::PackageJson => package_json::extract(&input.path, &path),
        InputKind::PnpmLock => pnpm_lock::extract(&input.path, &path),
        InputKind::BunLock => bun_lock::extract(&input.path, &path),
        InputKind::NodeModules => node_modules::extract(&input.path, &path),
        InputKind::NpmTarball => npm_tarball::extract(&input.path, &path),
        InputKind::Cyclonedx => cyclonedx::extract(&input.path, &path),
        InputKind::Spdx => spdx::extract(&input.path, &path),
        // Model files are read by the model analysis, not as packages.
        InputKind::ModelFile => Extract::new(input.kind, &path),
    };
    graph::resolve(&mut ex, options.target.as_ref());
    ex
}

/// Extracts every discovered input in parallel and merges the results.
pub fn build(discovered: &Discovered, options: &Options) -> Inventory {
    let extracts: Vec<Extract> = discovered
        .inputs
        .par_iter()
        .map(|input| extract(input, options))
        .collect();
    let mut inv = merge(extracts);
    let (artifacts, errors) = artifact::collect(discovered, !options.skip_artifact_hashes);
    inv.artifacts = artifacts;
    inv.errors.extend(errors);
    inv.errors.extend(discovered.errors.iter().cloned());
    inv.errors.sort();
    inv.errors.dedup();
    inv
}
