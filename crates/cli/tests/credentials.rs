//! `pipewright login | whoami --name | credentials list | logout` as a student runs them, against
//! the real OS keyring and the sandbox, and proof that the secret ends up nowhere but the keyring.
//!
//! Needs a reachable, unlocked keyring: on headless Linux run under `scripts/with-keyring.sh`.
//! Tests that need one fail without it (a skipped keyring test would prove nothing). Every run uses
//! its own keyring namespace (`PIPEWRIGHT_KEYRING_NAMESPACE`) and data folder, so a developer's
//! saved keys are never seen or touched.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use pipewright_core::credentials::random_suffix;
use pipewright_tests::Sandbox;

const KEY_ID: &str = "AKIAPIPEWRIGHTTEST01";

/// An obviously fake 40-character secret, different every run.
fn fake_secret() -> String {
    let mut s = format!("pipewright-test-secret-{}", random_suffix());
    s.truncate(40);
    while s.len() < 40 {
        s.push('x');
    }
    s
}

/// One student's machine: a home folder, a data folder and a keyring namespace of its own.
struct Student {
    home: tempfile::TempDir,
    namespace: String,
    endpoint: Option<String>,
    dbus: Option<String>,
}

impl Student {
    fn new() -> Student {
        Student {
            home: tempfile::tempdir().unwrap(),
            namespace: format!("test-{}", random_suffix()),
            endpoint: None,
            dbus: None,
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.home.path().join("pipewright")
    }

    /// Runs the CLI with `stdin` piped in. Nothing from the test's own AWS environment leaks in.
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pipewright"));
        cmd.args(args)
            .env("HOME", self.home.path())
            .env("PIPEWRIGHT_HOME", self.data_dir())
            .env("PIPEWRIGHT_KEYRING_NAMESPACE", &self.namespace)
            .env("AWS_CONFIG_FILE", self.home.path().join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.home.path().join("aws-credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for var in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL",
        ] {
            cmd.env_remove(var);
        }
        if let Some(url) = &self.endpoint {
            cmd.env("AWS_ENDPOINT_URL", url);
        }
        if let Some(address) = &self.dbus {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", address);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run pipewright");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    /// Logs out of `names` so nothing is left in a real keyring after the test.
    fn clean_up(&self, names: &[&str]) {
        for name in names {
            let _ = self.run(&["logout", "--name", name], "");
        }
    }
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Fails the test when no keyring answers: CI always has one (scripts/with-keyring.sh).
fn require_keyring(student: &Student) {
    let out = student.run(&["whoami", "--name", "probe"], "");
    let (_, err) = text(&out);
    assert!(
        !err.contains("error[keyring_unavailable]"),
        "no OS keyring is reachable. Run the tests under scripts/with-keyring.sh.\n{err}"
    );
    assert!(
        err.contains("error[credential_not_found]"),
        "unexpected probe result: {err}"
    );
}

/// Every file under `dir` that contains `needle` (checked as bytes, so binary files count too).
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
            {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn login_whoami_list_logout_and_the_secret_stays_in_the_keyring() {
    let mut student = Student::new();
    require_keyring(&student);
    let sandbox = Sandbox::start(0.01);
    student.endpoint = Some(sandbox.url.clone());
    // The sandbox answers only keys with its own id (made at its start, shaped as AWS's).
    let key_id = sandbox.key.as_str();
    let masked = format!("{}…{}", &key_id[..4], &key_id[key_id.len() - 4..]);
    let secret = fake_secret();
    let mut outputs = Vec::new();

    let login = student.run(
        &["login", "--name", "t1", "--region", "ap-northeast-2"],
        &format!("{key_id}\n{secret}\n"),
    );
    let (out, err) = text(&login);
    outputs.push(out.clone() + &err);
    assert!(login.status.success(), "login failed: {err}");
    assert!(
        out.contains(&format!("Saved \"t1\" ({masked}, ap-northeast-2)")),
        "{out}"
    );
    assert!(
        out.contains("123456789012"),
        "login prints who the keys belong to: {out}"
    );

    let whoami = student.run(&["whoami", "--name", "t1", "--json"], "");
    let (out, err) = text(&whoami);
    outputs.push(out.clone() + &err);
    assert!(whoami.status.success(), "whoami failed: {err}");
    let id: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(id["account"], "123456789012");
    assert_eq!(id["region"], "ap-northeast-2");
    assert_eq!(id["endpoint"], sandbox.url.as_str());

    let list = student.run(&["credentials", "list", "--json"], "");
    let (out, err) = text(&list);
    outputs.push(out.clone() + &err);
    assert!(list.status.success(), "list failed: {err}");
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        listed["keyring"],
        serde_json::json!([{"name": "t1", "accessKeyId": masked, "region": "ap-northeast-2"}])
    );
    assert_eq!(listed["profiles"], serde_json::json!([]));

    let list = student.run(&["credentials", "list"], "");
    outputs.push(text(&list).0 + &text(&list).1);

    // Nothing that left the process may hold the secret: files, the sandbox's calls log, output.
    let calls = sandbox.get("/_sandbox/calls");
    assert!(
        calls["calls"].as_array().is_some_and(|c| !c.is_empty()),
        "the sandbox logged no calls"
    );
    assert!(
        !calls.to_string().contains(&secret),
        "the secret is in the sandbox's calls log"
    );
    for (i, output) in outputs.iter().enumerate() {
        assert!(!output.contains(&secret), "the secret is in the output of command #{i}");
    }
    let leaked = files_containing(student.home.path(), &secret);
    assert!(leaked.is_empty(), "the secret is in files: {leaked:?}");
    assert!(
        !files_containing(&student.data_dir(), key_id).is_empty(),
        "the index should list the key id (and is searched above)"
    );

    let logout = student.run(&["logout", "--name", "t1"], "");
    assert!(logout.status.success(), "{}", text(&logout).1);
    assert!(text(&logout).0.contains("Removed \"t1\""));
    let whoami = student.run(&["whoami", "--name", "t1"], "");
    assert!(text(&whoami).1.contains("error[credential_not_found]"));
    let logout = student.run(&["logout", "--name", "t1"], "");
    assert!(logout.status.success(), "logging out twice is fine");
    sandbox.stop();
}

#[test]
fn keys_that_sts_refuses_are_not_saved() {
    let mut student = Student::new();
    require_keyring(&student);
    // Nothing listens on port 1: STS cannot be reached, so the keys cannot be checked.
    student.endpoint = Some("http://127.0.0.1:1".into());
    let secret = fake_secret();
    let login = student.run(&["login", "--name", "t2"], &format!("{KEY_ID}\n{secret}\n"));
    let (out, err) = text(&login);
    assert!(!login.status.success());
    assert!(err.contains("error[no_network]"), "{err}");
    assert!(err.contains("not saved"), "{err}");
    assert!(
        !out.contains(&secret) && !err.contains(&secret),
        "the secret is in the output"
    );
    let list = student.run(&["credentials", "list", "--json"], "");
    let listed: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(listed["keyring"], serde_json::json!([]));

    // --no-verify saves them anyway.
    let login = student.run(
        &["login", "--name", "t2", "--no-verify"],
        &format!("{KEY_ID}\n{secret}\n"),
    );
    assert!(login.status.success(), "{}", text(&login).1);
    assert!(text(&login).0.contains("Not verified"));
    student.clean_up(&["t2"]);
}

#[test]
fn malformed_keys_are_refused_field_by_field() {
    let student = Student::new();
    require_keyring(&student);
    let secret = fake_secret();
    let cases = [
        (format!("AKIA-not-a-key-id\n{secret}\n"), "accessKeyId"),
        (format!("{KEY_ID}\n{}\n", &secret[..30]), "secretAccessKey"),
        (format!("ASIAPIPEWRIGHTTEST01\n{secret}\n"), "sessionToken"),
        (String::new(), "secretAccessKey"),
    ];
    for (stdin, field) in cases {
        let login = student.run(&["login", "--name", "t3", "--no-verify"], &stdin);
        let (out, err) = text(&login);
        assert!(!login.status.success(), "accepted a bad {field}");
        assert!(err.contains("error[invalid]") && err.contains(field), "{field}: {err}");
        assert!(
            !out.contains(&secret) && !err.contains(&secret),
            "the secret is in the output"
        );
    }
    let login = student.run(&["login", "--name", "t3", "--region", "mars-1", "--no-verify"], "");
    assert!(text(&login).1.contains("region"), "{}", text(&login).1);
    let list = student.run(&["credentials", "list", "--json"], "");
    let listed: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(listed["keyring"], serde_json::json!([]));
}

#[test]
fn keys_are_never_taken_from_flags_or_the_environment() {
    let student = Student::new();
    let secret = fake_secret();
    let flag = student.run(&["login", "--name", "t4", "--secret-access-key", &secret], "");
    // Refused by the argument parser (exit 2), for the flag itself: no such flag exists.
    let (out, err) = text(&flag);
    assert_eq!(flag.status.code(), Some(2), "{err}");
    assert!(err.contains("unexpected argument '--secret-access-key'"), "{err}");
    assert!(out.is_empty() && !err.contains(&secret), "{out}{err}");

    require_keyring(&student);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pipewright"));
    let out = cmd
        .args(["login", "--name", "t4", "--no-verify"])
        .env("HOME", student.home.path())
        .env("PIPEWRIGHT_HOME", student.data_dir())
        .env("PIPEWRIGHT_KEYRING_NAMESPACE", &student.namespace)
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "login took the keys from the environment");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("on stdin"), "{err}");
    assert!(!err.contains(&secret));
}

#[cfg(target_os = "linux")]
#[test]
fn no_keyring_is_a_clear_error_and_nothing_is_written() {
    let mut student = Student::new();
    student.dbus = Some(format!(
        "unix:path={}",
        student.home.path().join("no-such-bus").display()
    ));
    let secret = fake_secret();
    let login = student.run(
        &["login", "--name", "t5", "--no-verify"],
        &format!("{KEY_ID}\n{secret}\n"),
    );
    let (out, err) = text(&login);
    assert!(!login.status.success(), "saved without a keyring: {out}");
    assert!(err.contains("error[keyring_unavailable]"), "{err}");
    assert!(
        err.contains("gnome-keyring") && err.contains("unlock"),
        "the hint says what to do: {err}"
    );
    assert!(
        !out.contains(&secret) && !err.contains(&secret),
        "the secret is in the output"
    );
    assert!(files_containing(student.home.path(), &secret).is_empty());
    assert!(
        files_containing(student.home.path(), KEY_ID).is_empty(),
        "nothing was saved anywhere"
    );

    let whoami = student.run(&["whoami", "--name", "t5"], "");
    assert!(text(&whoami).1.contains("error[keyring_unavailable]"));
    // Listing needs no keyring: it reads the index only.
    let list = student.run(&["credentials", "list"], "");
    assert!(list.status.success(), "{}", text(&list).1);
}
