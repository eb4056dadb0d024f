//! The list of saved credential sets, kept beside the keyring because the keyring crate cannot
//! enumerate entries. It holds what the Connect screen lists (name, access key id, region) and
//! nothing secret; the keyring entry stays the source of truth for the keys themselves.
//!
//! A JSON file in the data folder, written whole to a temporary file and renamed over the old
//! one, so a crash leaves either the old or the new list. Two writers at once (the app and the
//! CLI) is last-writer-wins, which is acceptable for a list a student edits by hand.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::api::CredentialSummary;
use crate::error::{Error, Result};

#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Index {
    version: u32,
    credentials: Vec<CredentialSummary>,
}

impl Index {
    /// The index at `path`; a missing file is an empty index.
    pub fn load(path: &Path) -> Result<Index> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Index::default()),
            Err(e) => return Err(io_error("read", path, e)),
        };
        serde_json::from_str(&text).map_err(|e| {
            Error::Internal(format!(
                "the credentials list {} is damaged ({e}); it holds no secrets: delete it and save your keys again",
                path.display()
            ))
        })
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(&Index {
            version: 1,
            credentials: self.credentials.clone(),
        })
        .map_err(|e| Error::Internal(e.to_string()))?;
        text.push('\n');
        let tmp = tmp_path(path);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(|e| io_error("write", &tmp, e))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error("write", &tmp, e))?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(|e| io_error("replace", path, e))
    }

    /// Sorted by name.
    pub fn entries(&self) -> &[CredentialSummary] {
        &self.credentials
    }

    pub fn contains(&self, name: &str) -> bool {
        self.credentials.iter().any(|c| c.name == name)
    }

    /// Adds `summary`, replacing any entry with the same name.
    pub fn upsert(&mut self, summary: CredentialSummary) {
        self.remove(&summary.name);
        let at = self.credentials.partition_point(|c| c.name < summary.name);
        self.credentials.insert(at, summary);
    }

    pub fn remove(&mut self, name: &str) {
        self.credentials.retain(|c| c.name != name);
    }
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Internal(format!("cannot {what} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(name: &str, region: &str) -> CredentialSummary {
        CredentialSummary {
            name: name.into(),
            access_key_id: "AKIAPIPEWRIGHTTEST01".into(),
            region: region.into(),
        }
    }

    #[test]
    fn missing_file_is_empty_and_round_trips_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.json");
        let mut index = Index::load(&path).unwrap();
        assert!(index.entries().is_empty());
        index.upsert(summary("b", "us-east-1"));
        index.upsert(summary("a", "us-east-1"));
        index.upsert(summary("b", "ap-northeast-2"));
        index.save(&path).unwrap();

        let again = Index::load(&path).unwrap();
        let names: Vec<_> = again
            .entries()
            .iter()
            .map(|c| (c.name.as_str(), c.region.as_str()))
            .collect();
        assert_eq!(names, [("a", "us-east-1"), ("b", "ap-northeast-2")]);
        assert!(again.contains("a") && !again.contains("c"));
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(files, ["credentials.json"], "no temporary file left behind");
    }

    #[test]
    fn remove_is_fine_when_missing() {
        let mut index = Index::default();
        index.upsert(summary("a", "us-east-1"));
        index.remove("zzz");
        index.remove("a");
        assert!(index.entries().is_empty());
    }

    #[test]
    fn a_damaged_file_is_an_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.json");
        std::fs::write(&path, "{not json").unwrap();
        let err = Index::load(&path).unwrap_err();
        assert!(err.to_string().contains("delete it"), "{err}");
    }

    #[test]
    fn the_file_has_the_documented_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.json");
        let mut index = Index::default();
        index.upsert(summary("lab", "ap-northeast-2"));
        index.save(&path).unwrap();
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"version": 1, "credentials": [
                {"name": "lab", "accessKeyId": "AKIAPIPEWRIGHTTEST01", "region": "ap-northeast-2"}
            ]})
        );
    }
}
