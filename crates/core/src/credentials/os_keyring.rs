//! One credential set per OS keyring entry: service = the store's service name, user = the
//! set's name, password = a small JSON document holding the whole set. Keeping the key id and
//! region beside the secret makes each entry complete on its own; the index only mirrors them.
//! A document too long for one entry (a long session token, on Windows' 2560-byte blobs) is
//! split across entries `<name>#1`, `<name>#2`, ... and the set's entry says how many
//! (`chunked.rs`).
//!
//! Errors from the keyring crate are mapped here and nowhere else. Some carry the stored
//! bytes (`BadEncoding`) or a parser's quote of them, so no keyring or parser error is ever
//! formatted with its payload.

use serde::{Deserialize, Serialize};

use crate::api::CredentialSet;
use crate::error::{Error, Result};

use super::Secret;
use super::chunked;

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
    let name = &set.name;
    let before = parts_of(service, name)?;
    let pieces = chunked::split(document.expose(), chunked::MAX_ENTRY_UNITS);
    // Parts first, then the entry that points at them: a failure half-way leaves the old set
    // readable, or the new one whole.
    match chunked::header_for(pieces.len()) {
        None => put(service, name, document.expose())?,
        Some(header) => {
            for (i, piece) in pieces.iter().enumerate() {
                put(service, &chunked::part_name(name, i + 1), piece)?;
            }
            put(service, name, &header)?;
        }
    }
    let now = if pieces.len() > 1 { pieces.len() } else { 0 };
    for i in now + 1..=before {
        remove(service, &chunked::part_name(name, i))?;
    }
    Ok(())
}

pub(super) fn put(service: &str, user: &str, text: &str) -> Result<()> {
    entry(service, user)?.set_password(text).map_err(|e| map_error(user, e))
}

pub(super) fn get(service: &str, user: &str) -> Result<Option<Secret>> {
    match entry(service, user)?.get_password() {
        Ok(text) => Ok(Some(Secret::new(text))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_error(user, e)),
    }
}

pub(super) fn remove(service: &str, user: &str) -> Result<()> {
    match entry(service, user)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(map_error(user, e)),
    }
}

/// Whether the keyring has an entry for `user` (tests look for leftover parts with it).
#[cfg(test)]
pub(super) fn exists(service: &str, user: &str) -> Result<bool> {
    Ok(get(service, user)?.is_some())
}

/// How many part entries the set `name` has now (0: none, or a whole document).
fn parts_of(service: &str, name: &str) -> Result<usize> {
    Ok(get(service, name)?
        .and_then(|text| chunked::parse_header(text.expose()))
        .map_or(0, |h| h.parts))
}

/// The set named `name`, or `None` when the keyring has no such entry.
pub(super) fn read(service: &str, name: &str) -> Result<Option<CredentialSet>> {
    let Some(first) = get(service, name)? else {
        return Ok(None);
    };
    let document = match chunked::parse_header(first.expose()) {
        None => first,
        Some(header) => {
            let mut joined = String::new();
            for i in 1..=header.parts {
                let part = chunked::part_name(name, i);
                let piece = get(service, &part)?.ok_or_else(|| {
                    Error::Internal(format!(
                        "the keyring entry {part:?} of {name:?} is missing: delete the set (`pipewright logout --name {name}`) and save the keys again"
                    ))
                })?;
                joined.push_str(piece.expose());
            }
            Secret::new(joined)
        }
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

/// Removes the entry and its parts; a missing one is fine.
pub(super) fn delete(service: &str, name: &str) -> Result<()> {
    for i in 1..=parts_of(service, name)? {
        remove(service, &chunked::part_name(name, i))?;
    }
    remove(service, name)
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
