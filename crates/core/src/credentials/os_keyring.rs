//! One credential set per OS keyring entry: service = the store's service name, user = the
//! set's name, password = a small JSON document holding the whole set. Keeping the key id and
//! region beside the secret makes each entry complete on its own; the index only mirrors them.
//!
//! Errors from the keyring crate are mapped here and nowhere else. Some carry the stored
//! bytes (`BadEncoding`) or a parser's quote of them, so no keyring or parser error is ever
//! formatted with its payload.

use serde::{Deserialize, Serialize};

use crate::api::CredentialSet;
use crate::error::{Error, Result};

use super::Secret;

/// The stored document, borrowing from a [`CredentialSet`] while it is written.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StoredRef<'a> {
    version: u32,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: Option<&'a str>,
    region: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Option<Secret>,
    region: String,
}

fn entry(service: &str, name: &str) -> Result<keyring::Entry> {
    if cfg!(not(any(
        target_os = "linux",
        target_os = "macos",
        target_os = "windows"
    ))) {
        // The keyring crate would silently use its in-memory mock here.
        return Err(Error::KeyringUnavailable(
            "this operating system has no supported keyring".into(),
        ));
    }
    keyring::Entry::new(service, name).map_err(|e| map_error(name, e))
}

pub(super) fn write(service: &str, set: &CredentialSet) -> Result<()> {
    let document = serde_json::to_string(&StoredRef {
        version: 1,
        access_key_id: &set.access_key_id,
        secret_access_key: set.secret_access_key.expose(),
        session_token: set.session_token.as_ref().map(Secret::expose),
        region: &set.region,
    })
    .map_err(|_| Error::Internal("cannot encode the credential set".into()))?;
    let document = Secret::new(document);
    entry(service, &set.name)?
        .set_password(document.expose())
        .map_err(|e| map_error(&set.name, e))
}

/// The set named `name`, or `None` when the keyring has no such entry.
pub(super) fn read(service: &str, name: &str) -> Result<Option<CredentialSet>> {
    let document = match entry(service, name)?.get_password() {
        Ok(text) => Secret::new(text),
        Err(keyring::Error::NoEntry) => return Ok(None),
        Err(e) => return Err(map_error(name, e)),
    };
    let stored: Stored = serde_json::from_str(document.expose()).map_err(|_| {
        Error::Internal(format!(
            "the keyring entry {name:?} is not in Pipewright's format: delete it (`pipewright logout --name {name}`) and save the keys again"
        ))
    })?;
    Ok(Some(CredentialSet {
        name: name.to_owned(),
        access_key_id: stored.access_key_id,
        secret_access_key: stored.secret_access_key,
        session_token: stored.session_token,
        region: stored.region,
    }))
}

/// Removes the entry; a missing one is fine.
pub(super) fn delete(service: &str, name: &str) -> Result<()> {
    match entry(service, name)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(map_error(name, e)),
    }
}

fn map_error(name: &str, e: keyring::Error) -> Error {
    match e {
        keyring::Error::PlatformFailure(cause) | keyring::Error::NoStorageAccess(cause) => {
            Error::KeyringUnavailable(cause.to_string())
        }
        keyring::Error::NoEntry => Error::CredentialNotFound(name.to_owned()),
        keyring::Error::BadEncoding(_) => Error::Internal(format!("the keyring entry {name:?} is not text")),
        keyring::Error::Ambiguous(_) => Error::Internal(format!(
            "several keyring entries are named {name:?}: remove the extra ones in your keyring app"
        )),
        keyring::Error::TooLong(attribute, limit) => {
            Error::Internal(format!("the keyring's {attribute} is limited to {limit} characters"))
        }
        keyring::Error::Invalid(attribute, reason) => Error::Internal(format!("keyring {attribute}: {reason}")),
        _ => Error::Internal("the keyring failed".into()),
    }
}
