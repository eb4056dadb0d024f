//! `pipewright spec init | check`, run as the built binary.

use std::path::PathBuf;
use std::process::{Command, Output};

fn pipewright(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pipewright"))
        .args(args)
        .output()
        .expect("run pipewright")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory per test, under cargo's scratch space for integration tests.
fn scratch(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("spec-cli").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn init_prints_defaults_that_check_accepts() {
    let dir = scratch("init_prints");
    let out = pipewright(&[
        "spec",
        "init",
        "--name",
        "ktb-rex",
        "--repository",
        "octo/app",
        "--branch",
        "master",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("name = \"ktb-rex\""), "{text}");
    assert!(text.contains("branch = \"master\""), "{text}");
    assert!(
        text.contains("include = [\"master\"]"),
        "the trigger follows the branch: {text}"
    );
    assert!(text.contains("ktb-rex-alb"), "derived names are listed: {text}");
    let file = dir.join("lab.toml");
    std::fs::write(&file, &text).unwrap();
    let out = pipewright(&["spec", "check", "--spec", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out).trim(), "OK");
}

#[test]
fn init_writes_a_file_and_refuses_to_overwrite_it() {
    let dir = scratch("init_out");
    let file = dir.join("lab.toml");
    let path = file.to_str().unwrap();
    let args = [
        "spec",
        "init",
        "--name",
        "ktb",
        "--repository",
        "octo/app",
        "--region",
        "us-east-1",
        "--out",
        path,
    ];
    let out = pipewright(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("region = \"us-east-1\"")
    );

    let again = pipewright(&args);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));

    let mut forced = args.to_vec();
    forced.push("--force");
    assert!(pipewright(&forced).status.success());
}

#[test]
fn init_refuses_a_bad_name() {
    let out = pipewright(&["spec", "init", "--name", "KTB Lab"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("name: "), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn init_without_repository_leaves_it_to_fill_in() {
    let out = pipewright(&["spec", "init", "--name", "ktb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Set source.repository"));
}

#[test]
fn check_lists_every_problem_and_fails() {
    let dir = scratch("check_bad");
    let file = dir.join("lab.toml");
    std::fs::write(
        &file,
        "name = \"ktb\"\nregion = \"ap-northeast-2a\"\n[source]\nrepository = \"octo/app\"\n[deploy]\nmemory = 1024\n",
    )
    .unwrap();
    let out = pipewright(&["spec", "check", "--spec", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "problems are a refusal");
    let text = stdout(&out);
    assert!(
        text.contains("region: \"ap-northeast-2a\" is an availability zone"),
        "{text}"
    );
    assert!(text.contains("deploy.memory: With 1 vCPU"), "{text}");

    let out = pipewright(&["spec", "check", "--spec", file.to_str().unwrap(), "--lang", "ko"]);
    assert!(stdout(&out).contains("deploy.memory: 1 vCPU에서는"), "{}", stdout(&out));

    let out = pipewright(&["spec", "check", "--spec", file.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let fields: Vec<_> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["region", "deploy.memory"]);
    assert_eq!(json[0]["code"], "availability_zone");
}

#[test]
fn check_reports_unknown_keys() {
    let dir = scratch("check_unknown");
    let file = dir.join("lab.toml");
    std::fs::write(&file, "name = \"ktb\"\n[deploy]\ncontainer_prot = 3000\n").unwrap();
    let out = pipewright(&["spec", "check", "--spec", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert!(text.starts_with("spec: "), "{text}");
    assert!(text.contains("container_prot"), "{text}");
}

#[test]
fn check_of_a_missing_file_fails() {
    let out = pipewright(&["spec", "check", "--spec", "no-such-file.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
}

#[test]
fn check_refuses_an_unknown_language() {
    // A file that exists and is valid: only the language can be refused.
    let dir = scratch("unknown_language");
    let init = pipewright(&["spec", "init", "--name", "ktb", "--repository", "octo/app"]);
    assert!(init.status.success(), "{}", stderr(&init));
    let file = dir.join("lab.toml");
    std::fs::write(&file, stdout(&init)).unwrap();
    let path = file.to_str().unwrap();
    assert!(
        pipewright(&["spec", "check", "--spec", path, "--lang", "ko"])
            .status
            .success()
    );
    let out = pipewright(&["spec", "check", "--spec", path, "--lang", "fr"]);
    assert_eq!(out.status.code(), Some(2), "a usage error: {}", stderr(&out));
    assert!(stderr(&out).contains("--lang"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}
