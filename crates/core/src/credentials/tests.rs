//! The store against the real OS keyring, and redaction of everything that holds a secret.
//!
//! Keyring tests need a reachable, unlocked keyring. On headless Linux run them under
//! `scripts/with-keyring.sh` (a private D-Bus session with a throwaway gnome-keyring). They
//! fail when no keyring is reachable: a skipped keyring test would pass without proving
//! anything.
//! Each test uses its own random service name and removes what it saved.

use super::*;
use crate::error::ErrorCode;

/// An obviously fake 40-character secret, different every run.
pub(crate) fn fake_secret() -> Secret {
    let mut s = format!("pipewright-test-secret-{}", random_suffix());
    s.truncate(40);
    while s.len() < 40 {
        s.push('x');
    }
    Secret::new(s)
}

fn set(name: &str, region: &str) -> CredentialSet {
    CredentialSet {
        name: name.into(),
        access_key_id: "AKIAPIPEWRIGHTTEST01".into(),
        secret_access_key: fake_secret(),
        session_token: None,
        region: region.into(),
    }
}

/// A store in a fresh namespace that deletes the names it was told about when dropped.
struct TestStore {
    store: CredentialStore,
    names: Vec<&'static str>,
    _dir: tempfile::TempDir,
}

impl Drop for TestStore {
    fn drop(&mut self) {
        for name in &self.names {
            let _ = self.store.delete(name);
        }
    }
}

fn keyring_store(names: &[&'static str]) -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let store = CredentialStore::new(format!("pipewright-test-{}", random_suffix()), dir.path());
    match store.get("probe") {
        Ok(_) => TestStore {
            store,
            names: names.to_vec(),
            _dir: dir,
        },
        Err(e) if e.code() == ErrorCode::KeyringUnavailable => {
            panic!("no OS keyring is reachable ({e}). Run the tests under scripts/with-keyring.sh")
        }
        Err(e) => panic!("probing the keyring: {e}"),
    }
}

#[test]
fn store_read_overwrite_and_delete() {
    let t = keyring_store(&["lab"]);
    let s = &t.store;
    assert_eq!(s.get("lab").unwrap(), None, "a missing entry is None");

    let first = set("lab", "ap-northeast-2");
    let summary = s.save(&first).unwrap();
    assert_eq!(summary.access_key_id, "AKIAPIPEWRIGHTTEST01");
    let got = s.get("lab").unwrap().expect("saved");
    assert_eq!(got, first);

    let second = CredentialSet {
        session_token: Some(Secret::new("pipewright-test-token")),
        ..set("lab", "us-east-1")
    };
    s.save(&second).unwrap();
    let got = s.get("lab").unwrap().expect("saved");
    assert_eq!(got, second, "saving again replaces the set");
    assert_eq!(s.list().unwrap().len(), 1);
    assert_eq!(s.list().unwrap()[0].region, "us-east-1");

    s.delete("lab").unwrap();
    assert_eq!(s.get("lab").unwrap(), None);
    assert!(s.list().unwrap().is_empty());
    s.delete("lab").expect("deleting a missing entry is fine");
}

/// A long STS session token does not fit one Windows Credential Manager entry (2560 bytes):
/// it is saved across entries, read back whole, and saving short keys over it or deleting the
/// set leaves no part behind.
#[test]
fn a_long_session_token_is_saved_across_entries() {
    let t = keyring_store(&["lab"]);
    let s = &t.store;
    let long_set = CredentialSet {
        session_token: Some(Secret::new(format!("IQoJb3JpZ2luX2Vj{}", "Ab0/".repeat(600)))),
        ..set("lab", "ap-northeast-2")
    };
    let long = || long_set.clone();
    let part = |i: usize| os_keyring::exists(s.service(), &format!("lab#{i}")).unwrap();

    s.save(&long()).unwrap();
    assert_eq!(s.get("lab").unwrap(), Some(long()));
    assert!(part(1) && part(2) && part(3), "the document is in three parts");
    assert!(!part(4));

    let short = set("lab", "us-east-1");
    s.save(&short).unwrap();
    assert_eq!(s.get("lab").unwrap(), Some(short));
    assert!(
        !part(1) && !part(2) && !part(3),
        "a whole document leaves no part behind"
    );

    s.save(&long()).unwrap();
    s.delete("lab").unwrap();
    assert_eq!(s.get("lab").unwrap(), None);
    assert!(!part(1) && !part(2) && !part(3), "deleting removes the parts");
}

#[test]
fn list_and_rename() {
    let t = keyring_store(&["a", "b", "c"]);
    let s = &t.store;
    let a = set("a", "us-east-1");
    s.save(&set("b", "eu-west-1")).unwrap();
    s.save(&a).unwrap();
    let names: Vec<_> = s.list().unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["a", "b"]);

    s.rename("a", "c").unwrap();
    assert_eq!(s.get("a").unwrap(), None);
    let c = s.get("c").unwrap().expect("renamed");
    assert_eq!(c.secret_access_key, a.secret_access_key);
    assert_eq!(c.name, "c");
    let names: Vec<_> = s.list().unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["b", "c"]);

    let taken = s.rename("c", "b").unwrap_err();
    assert_eq!(taken.field(), Some("name"));
    assert_eq!(s.rename("nope", "d").unwrap_err().code(), ErrorCode::CredentialNotFound);
    assert_eq!(s.rename("c", "bad name").unwrap_err().field(), Some("name"));
}

#[test]
fn invalid_sets_are_not_saved() {
    let t = keyring_store(&["lab"]);
    let s = &t.store;
    let bad = CredentialSet {
        access_key_id: "AKIA-too-short".into(),
        ..set("lab", "us-east-1")
    };
    assert_eq!(s.save(&bad).unwrap_err().field(), Some("accessKeyId"));
    assert_eq!(s.get("lab").unwrap(), None);
    assert!(s.list().unwrap().is_empty());
}

#[test]
fn namespaces_do_not_see_each_other() {
    let t = keyring_store(&["lab"]);
    t.store.save(&set("lab", "us-east-1")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let other = CredentialStore::new(format!("pipewright-test-{}", random_suffix()), dir.path());
    assert_eq!(other.get("lab").unwrap(), None);
    assert!(other.list().unwrap().is_empty());
}

#[test]
fn the_index_never_holds_the_secret() {
    let t = keyring_store(&["lab"]);
    let lab = CredentialSet {
        session_token: Some(Secret::new("pipewright-test-token-in-keyring-only")),
        ..set("lab", "us-east-1")
    };
    t.store.save(&lab).unwrap();
    let text = std::fs::read_to_string(&t.store.index_path).unwrap();
    assert!(text.contains("AKIAPIPEWRIGHTTEST01"));
    assert!(
        !text.contains(lab.secret_access_key.expose()),
        "the secret is in the index file"
    );
    assert!(
        !text.contains("pipewright-test-token-in-keyring-only"),
        "the token is in the index file"
    );
}

#[test]
fn settings_for_a_saved_set_carry_its_keys_and_region() {
    let t = keyring_store(&["lab"]);
    let lab = set("lab", "eu-west-1");
    t.store.save(&lab).unwrap();
    let settings = t.store.settings_for_set("lab").unwrap();
    assert_eq!(settings.region.as_deref(), Some("eu-west-1"));
    let keys = settings.keys.as_ref().unwrap();
    assert!(
        keys.secret_access_key == lab.secret_access_key.expose(),
        "not the saved secret"
    );
    assert!(
        !format!("{settings:?}").contains(lab.secret_access_key.expose()),
        "Debug shows the secret"
    );
    assert_eq!(
        t.store.settings_for_set("missing").unwrap_err().code(),
        ErrorCode::CredentialNotFound
    );
}

#[test]
fn secrets_print_redacted() {
    let secret = fake_secret();
    let raw = secret.expose().to_owned();
    assert_eq!(format!("{secret}"), "<redacted>");
    assert_eq!(format!("{secret:?}"), "<redacted>");
    assert_eq!(format!("{secret:#?}"), "<redacted>");

    let lab = CredentialSet {
        session_token: Some(Secret::new("pipewright-test-token")),
        secret_access_key: secret,
        ..set("lab", "us-east-1")
    };
    for text in [format!("{lab:?}"), format!("{lab:#?}")] {
        assert!(!text.contains(&raw), "CredentialSet Debug shows the secret");
        assert!(
            !text.contains("pipewright-test-token"),
            "CredentialSet Debug shows the token"
        );
        assert!(text.contains("AKIAPIPEWRIGHTTEST01"), "the key id is not secret");
    }
    let settings = settings_for_keys(&lab);
    let text = format!("{settings:?}");
    assert!(
        !text.contains(&raw) && !text.contains("pipewright-test-token"),
        "AwsSettings Debug shows a secret"
    );
}

#[test]
fn secrets_deserialize_from_the_ui_but_never_serialize() {
    let json = serde_json::json!({
        "name": "lab",
        "accessKeyId": "AKIAPIPEWRIGHTTEST01",
        "secretAccessKey": "x".repeat(40),
        "region": "ap-northeast-2"
    });
    let lab: CredentialSet = serde_json::from_value(json).unwrap();
    assert!(lab.secret_access_key.expose() == "x".repeat(40));
    assert_eq!(lab.session_token, None);
}

#[test]
fn key_ids_are_masked() {
    assert_eq!(mask_key_id("AKIAPIPEWRIGHTTEST01"), "AKIA…ST01");
    assert_eq!(mask_key_id("short"), "…");
}

#[tokio::test]
async fn practice_and_missing_sandbox() {
    let sandbox = crate::SandboxAccess::new("http://127.0.0.1:9", "PWSBKEY");
    let practice = settings_for(&CredentialSource::Practice, Some(&sandbox)).await.unwrap();
    assert_eq!(practice.endpoint_url.as_deref(), Some("http://127.0.0.1:9"));
    assert_eq!(
        practice.keys.as_ref().map(|k| k.access_key_id.as_str()),
        Some("PWSBKEY")
    );
    assert_eq!(practice.region.as_deref(), Some(crate::practice::PRACTICE_REGION));
    let err = settings_for(&CredentialSource::Practice, None).await.unwrap_err();
    assert_eq!(err.field(), Some("source"));
}

/// The GitHub token lives in the same keyring, apart from every key set, and never in the index.
#[test]
fn the_github_token_is_kept_in_the_keyring_only() {
    let t = keyring_store(&["lab"]);
    let s = &t.store;
    assert!(s.github_token().unwrap().is_none());
    assert!(s.save_github_token(&Secret::new("has space")).is_err());
    s.save_github_token(&Secret::new("ghp_pipewrightTEST0123456789"))
        .unwrap();
    s.save(&set("lab", "ap-northeast-2")).unwrap();
    assert_eq!(
        s.github_token().unwrap().map(|t| t.expose().to_owned()).as_deref(),
        Some("ghp_pipewrightTEST0123456789")
    );
    assert_eq!(s.list().unwrap().len(), 1, "the token is not a key set");
    let index = std::fs::read_to_string(&s.index_path).unwrap();
    assert!(!index.contains("ghp_"), "{index}");
    s.delete_github_token().unwrap();
    assert!(s.github_token().unwrap().is_none());
}
