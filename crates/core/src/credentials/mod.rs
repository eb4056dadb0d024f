//! Credentials: named sets of AWS access keys kept in the OS keyring, the profiles in
//! `~/.aws`, and the one function that turns a [`CredentialSource`] into [`AwsSettings`].
//!
//! # Where secrets live
//!
//! Only in the OS keyring: the macOS Keychain, the Windows Credential Manager, or a Secret
//! Service on Linux (gnome-keyring, KWallet, KeePassXC). When none can be reached, every
//! operation that needs one fails with [`crate::error::ErrorCode::KeyringUnavailable`] and a hint saying what
//! to install or unlock. There is no fallback to a file, ever. In memory a secret is a
//! [`Secret`], whose Debug and Display print `<redacted>`.
//!
//! # Why `keyring` 3.6 and not 4.x / `keyring-core`
//!
//! We use `keyring` 3.6.3, the last 3.x release, with the backend chosen per target by Cargo
//! features (`apple-native`, `windows-native`, `sync-secret-service` + `crypto-rust`).
//! `keyring` 4 splits into `keyring-core` 1.x plus one store crate per backend, and a program
//! picks its store at run time by installing a process-wide default store before the first
//! entry is made. That design is more flexible than we need, and it costs us: five crates
//! instead of one, all young and still moving together; a global that both the app and the
//! CLI must set up, in the right order, before any credential call (forgetting it is a run-time
//! error, not a compile error); and no store we need that 3.6 lacks. 3.6 is finished and
//! widely deployed, `Entry::new(service, user)` needs no set-up, and its API is frozen.
//!
//! Its one trap: a target with no backend feature silently gets an in-memory mock store. The
//! features are set per target in `crates/core/Cargo.toml`, and on any other OS the store
//! refuses to run rather than "save" keys that vanish.
//!
//! On Linux we use the Secret Service over libdbus (`sync-secret-service`: libdbus is on every
//! desktop Linux, and WebKitGTK already links it) with `crypto-rust`, so the secret crosses
//! D-Bus encrypted without an OpenSSL dependency. Not the zbus flavour (`async-secret-service`),
//! whose blocking wrappers must be matched to the caller's async runtime; not the kernel keyutils store,
//! which forgets everything at reboot (and would become the default if both were enabled).
//! If we move to 4.x later, its Secret Service, Keychain and Credential Manager stores look
//! entries up by the same service and user name, which should keep saved keys readable.
//!
//! # The list of saved sets
//!
//! The keyring crate cannot enumerate entries, so the names, key ids and regions are also kept
//! in `credentials.json` in the data folder ([`crate::paths::data_dir`]), never the secrets.
//! A file rather than one more keyring entry: drawing the Connect screen or running
//! `pipewright credentials list` then never asks to unlock the keyring, still works when it
//! is locked or missing, and the file can be inspected. Each keyring entry holds the whole set
//! (key id, secret, token, region), so the entry stays the source of truth and the file only
//! mirrors it; a set deleted behind our back shows in the list but reads as `None`.
//!
//! # Namespaces
//!
//! Production uses the keyring service [`SERVICE`] (`dev.pipewright.app`). With
//! `PIPEWRIGHT_KEYRING_NAMESPACE=x` set (tests, development builds) it is `pipewright-x`, and
//! the index is `credentials-pipewright-x.json`, so tests never see or touch a student's keys.
//! Unit tests in this crate make a fresh random service per test.

mod chunked;
mod index;
mod os_keyring;
pub mod profiles;
pub mod validate;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use profiles::list_profiles;

use crate::api::{CredentialSet, CredentialSource, CredentialSummary};
use crate::aws::{AwsSettings, SandboxAccess, StaticKeys};
use crate::error::{Error, Result};
use crate::regions::DEFAULT_REGION;
use crate::secret::Secret;
use index::Index;

/// The keyring service name of the installed app.
pub const SERVICE: &str = "dev.pipewright.app";

/// The keyring user name of the GitHub token.
const GITHUB_TOKEN_USER: &str = "@github-token";

/// Set it to keep tests and development builds in their own keyring namespace.
pub const NAMESPACE_ENV: &str = "PIPEWRIGHT_KEYRING_NAMESPACE";

/// Named credential sets in the OS keyring, plus their index in the data folder.
#[derive(Debug, Clone)]
pub struct CredentialStore {
    service: String,
    index_path: PathBuf,
}

impl CredentialStore {
    /// The store for this process: [`SERVICE`], or the namespace from
    /// `PIPEWRIGHT_KEYRING_NAMESPACE`; the index lives in [`crate::paths::data_dir`]. Does not
    /// touch the keyring yet.
    pub fn open() -> Result<CredentialStore> {
        let service = match std::env::var(NAMESPACE_ENV) {
            Ok(ns) if !ns.is_empty() => format!("pipewright-{ns}"),
            _ if cfg!(test) => format!("pipewright-test-{}", random_suffix()),
            _ => SERVICE.to_owned(),
        };
        Ok(CredentialStore::new(service, &crate::paths::data_dir()?))
    }

    /// A store with an explicit keyring service name and data folder.
    pub fn new(service: impl Into<String>, data_dir: &Path) -> CredentialStore {
        let service = service.into();
        let file = if service == SERVICE {
            "credentials.json".to_owned()
        } else {
            format!("credentials-{service}.json")
        };
        CredentialStore {
            index_path: data_dir.join(file),
            service,
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// Validates `set` field by field, then saves it (replacing a set of the same name).
    pub fn save(&self, set: &CredentialSet) -> Result<CredentialSummary> {
        validate::credential_set(set)?;
        os_keyring::write(&self.service, set)?;
        let summary = summary_of(set);
        let mut index = Index::load(&self.index_path)?;
        index.upsert(summary.clone());
        index.save(&self.index_path)?;
        Ok(summary)
    }

    /// The set named `name`, or `None` if nothing is saved under it.
    pub fn get(&self, name: &str) -> Result<Option<CredentialSet>> {
        validate::name(name)?;
        os_keyring::read(&self.service, name)
    }

    /// Saves the GitHub token the preflight reads private repositories with, in the same
    /// keyring as the AWS keys, under a user name no key set can have (`@` is not allowed
    /// in set names).
    pub fn save_github_token(&self, token: &Secret) -> Result<()> {
        let t = token.expose().trim();
        if t.is_empty() || t.len() > 255 || !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::Invalid {
                field: "github_token".into(),
                message: "a GitHub token is 1 to 255 printable characters without spaces".into(),
            });
        }
        os_keyring::put(&self.service, GITHUB_TOKEN_USER, t)
    }

    /// The saved GitHub token, if any.
    pub fn github_token(&self) -> Result<Option<Secret>> {
        os_keyring::get(&self.service, GITHUB_TOKEN_USER)
    }

    pub fn delete_github_token(&self) -> Result<()> {
        os_keyring::remove(&self.service, GITHUB_TOKEN_USER)
    }

    /// Saved sets, sorted by name, from the index alone: this never opens the keyring.
    pub fn list(&self) -> Result<Vec<CredentialSummary>> {
        Ok(Index::load(&self.index_path)?.entries().to_vec())
    }

    /// Renames a set. Fails if `from` does not exist or `to` already does.
    pub fn rename(&self, from: &str, to: &str) -> Result<()> {
        validate::name(to)?;
        if from == to {
            return Ok(());
        }
        let Some(mut set) = self.get(from)? else {
            return Err(Error::CredentialNotFound(from.to_owned()));
        };
        if Index::load(&self.index_path)?.contains(to) || self.get(to)?.is_some() {
            return Err(Error::Invalid {
                field: "name".into(),
                message: format!("a credential set named {to:?} already exists"),
            });
        }
        set.name = to.to_owned();
        os_keyring::write(&self.service, &set)?;
        os_keyring::delete(&self.service, from)?;
        let mut index = Index::load(&self.index_path)?;
        index.remove(from);
        index.upsert(summary_of(&set));
        index.save(&self.index_path)
    }

    /// Deletes a set; deleting one that does not exist is fine.
    pub fn delete(&self, name: &str) -> Result<()> {
        validate::name(name)?;
        os_keyring::delete(&self.service, name)?;
        let mut index = Index::load(&self.index_path)?;
        if index.contains(name) {
            index.remove(name);
            index.save(&self.index_path)?;
        }
        Ok(())
    }

    /// Settings for a set saved in this store: its keys and its region.
    pub fn settings_for_set(&self, name: &str) -> Result<AwsSettings> {
        let set = self
            .get(name)?
            .ok_or_else(|| Error::CredentialNotFound(name.to_owned()))?;
        Ok(settings_for_keys(&set))
    }
}

/// Where a command's AWS calls go and with which credentials:
/// - `Practice`: the sandbox `sandbox` names (an error if it is not running);
/// - `Profile`: that profile from `~/.aws` (checked to exist; region from the profile);
/// - `Keyring`: the keys and region saved under that name in the OS keyring.
pub async fn settings_for(source: &CredentialSource, sandbox: Option<&SandboxAccess>) -> Result<AwsSettings> {
    match source {
        CredentialSource::Practice => match sandbox {
            Some(sandbox) => Ok(AwsSettings::sandbox(sandbox, DEFAULT_REGION)),
            None => Err(Error::Invalid {
                field: "source".into(),
                message: "practice mode needs the sandbox: start it first".into(),
            }),
        },
        CredentialSource::Profile { name } => {
            if !list_profiles().await?.iter().any(|p| &p.name == name) {
                return Err(Error::ProfileNotFound(name.clone()));
            }
            Ok(AwsSettings {
                profile: Some(name.clone()),
                ..AwsSettings::default()
            })
        }
        CredentialSource::Keyring { name } => CredentialStore::open()?.settings_for_set(name),
    }
}

/// The one way a command gets an [`crate::AwsContext`]: for `source` (`None`: the SDK's
/// standard chain, as the CLI uses without `--name` or `--profile`), acting in `region` (a
/// lab's own region) whatever region the credentials or the profile carry; with `None`, in
/// theirs (e.g. to ask who they are).
pub async fn context_for(
    source: Option<&CredentialSource>,
    sandbox: Option<&SandboxAccess>,
    region: Option<&str>,
) -> Result<crate::AwsContext> {
    let mut settings = match source {
        Some(source) => settings_for(source, sandbox).await?,
        None => AwsSettings::default(),
    };
    if let Some(region) = region {
        settings.region = Some(region.to_owned());
    }
    crate::AwsContext::load(&settings).await
}

/// Settings that act with `set`'s keys in its region (e.g. to check keys before saving them).
pub fn settings_for_keys(set: &CredentialSet) -> AwsSettings {
    AwsSettings {
        profile: None,
        region: Some(set.region.clone()),
        endpoint_url: None,
        keys: Some(StaticKeys {
            access_key_id: set.access_key_id.clone(),
            secret_access_key: set.secret_access_key.expose().to_owned(),
            session_token: set.session_token.as_ref().map(|t| t.expose().to_owned()),
        }),
    }
}

fn summary_of(set: &CredentialSet) -> CredentialSummary {
    CredentialSummary {
        name: set.name.clone(),
        access_key_id: set.access_key_id.clone(),
        region: set.region.clone(),
    }
}

/// `AKIAPIPEWRIGHTTEST01` → `AKIA…ST01`: enough to recognise a key, for lists and logs.
pub fn mask_key_id(id: &str) -> String {
    if id.len() <= 8 || !id.is_ascii() {
        return "…".into();
    }
    format!("{}…{}", &id[..4], &id[id.len() - 4..])
}

/// A random hex string for test namespaces, without a dependency on a random crate.
pub fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    hasher.write_u128(nanos);
    format!("{:016x}", hasher.finish())
}
