//! Where Pipewright keeps its own files (the ledger, the credentials index, settings).
//!
//! `PIPEWRIGHT_HOME` wins when set (tests point it at a temporary folder); otherwise the OS's
//! per-user app-data folder: `~/.local/share/Pipewright` on Linux (or `$XDG_DATA_HOME`),
//! `~/Library/Application Support/Pipewright` on macOS, `%APPDATA%\Pipewright` on Windows.
//! Secrets never go here: they live in the OS keyring (see `credentials`).

use std::path::PathBuf;

use crate::error::{Error, Result};

/// The environment variable that overrides the data folder.
pub const HOME_ENV: &str = "PIPEWRIGHT_HOME";

/// The data folder, created if missing.
pub fn data_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
        Some(home) => PathBuf::from(home),
        None => dirs::data_dir()
            .ok_or_else(|| Error::Internal(format!("cannot find the user's data folder: set {HOME_ENV}")))?
            .join("Pipewright"),
    };
    let mut create = std::fs::DirBuilder::new();
    create.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut create, 0o700);
    create
        .create(&dir)
        .map_err(|e| Error::Internal(format!("cannot create the data folder {}: {e}", dir.display())))?;
    // Owner only, also for a folder an older version created with the default mode: it
    // names the student's account and labs.
    crate::ledger::owner_only(&dir, 0o700)?;
    Ok(dir)
}
