//! Checks on a credential set before it is saved or used, each failing with the field to fix
//! (`Error::Invalid { field, .. }`, field names as the UI spells them).
//! Messages never quote a secret, only its length.

use crate::api::CredentialSet;
use crate::error::{Error, Result};

use crate::regions::is_known_region;

const SECRET_LEN: usize = 40;

fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::Invalid {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// A credential set's name: 1–64 of `A-Z a-z 0-9 _ . -`. It becomes the keyring entry's user
/// name and a CLI argument, so nothing that needs quoting.
pub fn name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 64 {
        return Err(invalid("name", "must be 1 to 64 characters long"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err(invalid("name", "may contain only letters, digits, '_', '.' and '-'"));
    }
    Ok(())
}

/// `AKIA` (long-term keys) or `ASIA` (temporary keys) followed by 16 uppercase letters or digits.
pub fn access_key_id(id: &str) -> Result<()> {
    let well_formed = id.len() == 20
        && (id.starts_with("AKIA") || id.starts_with("ASIA"))
        && id[4..].bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if well_formed {
        Ok(())
    } else {
        Err(invalid(
            "accessKeyId",
            "an access key id is 20 characters: AKIA or ASIA, then 16 uppercase letters or digits",
        ))
    }
}

/// A secret access key is 40 characters of base64 (`A-Z a-z 0-9 + /`).
pub fn secret_access_key(secret: &str) -> Result<()> {
    let len = secret.chars().count();
    if len != SECRET_LEN {
        return Err(invalid(
            "secretAccessKey",
            format!("a secret access key is {SECRET_LEN} characters; this one has {len}"),
        ));
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("secretAccessKey", "contains spaces or control characters"));
    }
    Ok(())
}

pub fn region(region: &str) -> Result<()> {
    if is_known_region(region) {
        Ok(())
    } else {
        Err(invalid(
            "region",
            format!("{region:?} is not an AWS region, e.g. ap-northeast-2"),
        ))
    }
}

/// Every field of a set, in the order the Connect screen shows them.
pub fn credential_set(set: &CredentialSet) -> Result<()> {
    name(&set.name)?;
    access_key_id(&set.access_key_id)?;
    secret_access_key(set.secret_access_key.expose())?;
    let token = set.session_token.as_ref().map(|t| t.expose()).filter(|t| !t.is_empty());
    if set.access_key_id.starts_with("ASIA") && token.is_none() {
        return Err(invalid(
            "sessionToken",
            "temporary keys (ASIA…) only work with their session token",
        ));
    }
    if token.is_some_and(|t| t.chars().any(|c| c.is_whitespace() || c.is_control())) {
        return Err(invalid("sessionToken", "contains spaces or control characters"));
    }
    region(&set.region)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn field_of(r: Result<()>) -> String {
        match r {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    fn set() -> CredentialSet {
        CredentialSet {
            name: "lab".into(),
            access_key_id: "AKIAPIPEWRIGHTTEST01".into(),
            secret_access_key: Secret::new("x".repeat(40)),
            session_token: None,
            region: "ap-northeast-2".into(),
        }
    }

    #[test]
    fn names() {
        assert!(name("lab-1_a.b").is_ok());
        assert!(name(&"a".repeat(64)).is_ok());
        assert_eq!(field_of(name("")), "name");
        assert_eq!(field_of(name(&"a".repeat(65))), "name");
        assert_eq!(field_of(name("has space")), "name");
        assert_eq!(field_of(name("slash/")), "name");
        assert_eq!(field_of(name("한글")), "name");
    }

    #[test]
    fn key_ids() {
        assert!(access_key_id("AKIAPIPEWRIGHTTEST01").is_ok());
        assert!(access_key_id("ASIAPIPEWRIGHTTEST01").is_ok());
        assert_eq!(field_of(access_key_id("AKIApipewrighttest01")), "accessKeyId");
        assert_eq!(field_of(access_key_id("AKIAPIPEWRIGHTTEST0")), "accessKeyId");
        assert_eq!(field_of(access_key_id("AKIAPIPEWRIGHTTEST012")), "accessKeyId");
        assert_eq!(field_of(access_key_id("AIDAPIPEWRIGHTTEST01")), "accessKeyId");
        assert_eq!(field_of(access_key_id("")), "accessKeyId");
    }

    #[test]
    fn secrets_and_their_messages() {
        assert!(secret_access_key(&"a/B+".repeat(10)).is_ok());
        let short = "pipewright-not-a-real-secret";
        let err = secret_access_key(short).unwrap_err();
        assert_eq!(err.field(), Some("secretAccessKey"));
        assert!(
            !err.to_string().contains(short),
            "the message must not quote the secret"
        );
        assert_eq!(
            field_of(secret_access_key(&format!("{} ", "a".repeat(39)))),
            "secretAccessKey"
        );
    }

    #[test]
    fn regions() {
        assert!(region("us-east-1").is_ok());
        assert_eq!(field_of(region("us-east-9")), "region");
        assert_eq!(field_of(region("")), "region");
    }

    #[test]
    fn whole_sets() {
        assert!(credential_set(&set()).is_ok());
        let temporary = CredentialSet {
            access_key_id: "ASIAPIPEWRIGHTTEST01".into(),
            ..set()
        };
        assert_eq!(field_of(credential_set(&temporary)), "sessionToken");
        let with_token = CredentialSet {
            session_token: Some(Secret::new("token")),
            ..temporary
        };
        assert!(credential_set(&with_token).is_ok());
        assert_eq!(
            field_of(credential_set(&CredentialSet {
                region: "nowhere-1".into(),
                ..set()
            })),
            "region"
        );
    }
}
