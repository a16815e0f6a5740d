//! Package contents handed from the inventory to content analyses
//! (behaviour, models, integrity): installed files on disk, or an archive.

use crate::archive::ArchiveKind;
use crate::finding::PackageRef;
use crate::model::Hash;
use std::path::PathBuf;

/// One file of an installed package.
#[derive(Clone, Debug)]
pub struct InstalledFile {
    /// Path relative to the content's base directory, `/`-separated.
    pub rel: String,
    /// Size recorded by the installer (RECORD), if any.
    pub size: Option<u64>,
    /// Digest recorded by the installer (RECORD), if any.
    pub hash: Option<Hash>,
}

/// Where a package's files are.
#[derive(Clone, Debug)]
pub enum ContentKind {
    /// Files under `base` on disk.
    Installed {
        base: PathBuf,
        files: Vec<InstalledFile>,
    },
    /// An archive (wheel, sdist, npm tarball) read in memory.
    Archive { path: PathBuf, kind: ArchiveKind },
}

/// The contents of one package (or, with `package: None`, files of an
/// environment that no package owns, such as a `.pth` left after uninstall).
#[derive(Clone, Debug)]
pub struct Content {
    pub package: Option<PackageRef>,
    /// The input this content came from (display path).
    pub input: String,
    pub kind: ContentKind,
}
