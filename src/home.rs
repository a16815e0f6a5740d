//! `$TOLLGATE_HOME`: where tollgate keeps databases and caches. Nothing is
//! written anywhere else.

use std::path::PathBuf;

/// `$TOLLGATE_HOME`, else the platform data directory (`~/.local/share/tollgate`
/// on Linux), else `.tollgate` in the working directory.
pub fn home() -> PathBuf {
    if let Some(h) = std::env::var_os("TOLLGATE_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h);
    }
    dirs::data_dir()
        .map(|d| d.join("tollgate"))
        .unwrap_or_else(|| PathBuf::from(".tollgate"))
}
