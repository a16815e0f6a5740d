//! tollgate: inventory, advisories, behaviour and model scanning for the
//! Python and npm packages (and model files) an AI team depends on.
//!
//! The pipeline: [`discover`] finds inputs → [`inventory`] extracts packages
//! → [`analyze`] produces [`finding::Finding`]s → [`report`] formats them.

pub mod analyze;
pub mod archive;
pub mod cli;
pub mod commands;
pub mod diff;
pub mod discover;
pub mod finding;
pub mod home;
pub mod inventory;
pub mod license;
pub mod model;
pub mod osv;
pub mod policy;
pub mod registry;
pub mod report;
pub mod version;
