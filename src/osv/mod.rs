//! The OSV advisory database: parsing OSV records, compiling them into a
//! compact file, loading it (the copy in `$TOLLGATE_HOME`, else the snapshot
//! built into the binary) and matching packages against it with each
//! ecosystem's exact version order.
//!
//! `record`, `format` and `compile` are also compiled into `build.rs`.

pub mod compile;
pub mod db;
pub mod format;
pub mod fuzz;
pub mod matcher;
pub mod prepared;
pub mod record;
pub mod semver;
pub mod severity;
pub mod store;
pub mod update;
pub mod version;

pub use db::Database;
pub use matcher::{Match, Matcher, find};
pub use record::Eco;

/// The OSV ecosystem of a model ecosystem; `None` where OSV has none (conda).
pub fn eco_of(e: crate::model::Ecosystem) -> Option<Eco> {
    match e {
        crate::model::Ecosystem::Pypi => Some(Eco::PyPI),
        crate::model::Ecosystem::Npm => Some(Eco::Npm),
        crate::model::Ecosystem::Cargo => Some(Eco::Crates),
        crate::model::Ecosystem::Conda => None,
    }
}
