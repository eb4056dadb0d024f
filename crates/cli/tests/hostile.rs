//! Hostile input on the command line: each case is refused with exit code 2 and a message
//! naming the field, before any AWS call and before anything is written. AWS calls would go
//! to a closed local port (any attempt would end in `no_network`, exit 1, not in the refusal
//! checked here), and the data folder is a fresh one that must stay empty.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile-cli")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("home")).unwrap();
    dir
}

fn pipewright(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pipewright"));
    for var in [
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd.args(args)
        .env("PIPEWRIGHT_HOME", dir.join("home"))
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "ap-northeast-2")
        .current_dir(dir)
        .output()
        .expect("run pipewright")
}

/// Exit 2, `needle` in the output, and nothing in the data folder.
fn refused(dir: &Path, out: &Output, needle: &str) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains(needle), "wanted {needle:?} in:\n{text}");
    let written: Vec<_> = std::fs::read_dir(dir.join("home")).unwrap().collect();
    assert!(written.is_empty(), "nothing may be written: {written:?}");
}

fn spec_file(dir: &Path, extra: &str) -> String {
    let path = dir.join("lab.toml");
    std::fs::write(
        &path,
        format!("name = \"ktb\"\n[source]\nrepository = \"octo/app\"\n{extra}"),
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn concurrency_is_bounded_before_the_ledger_exists() {
    for value in ["0", "17", "18446744073709551615", "-1", "many"] {
        let dir = scratch(&format!("concurrency_{value}"));
        let spec = spec_file(&dir, "");
        let flag = format!("--concurrency={value}");
        let out = pipewright(&dir, &["up", "--spec", &spec, "--yes", &flag]);
        refused(&dir, &out, "--concurrency");
    }
}

#[test]
fn sweep_refuses_an_empty_value_and_a_bare_key() {
    for (tag, says) in [
        ("pipewright:lab=", "is empty"),
        ("pipewright:lab", "pipewright:lab=*"),
        ("Name=web", "not a Pipewright tag"),
        ("", "=*"),
    ] {
        let dir = scratch(&format!("sweep_{}", tag.replace(':', "_")));
        let out = pipewright(&dir, &["sweep", "--tag", tag, "--yes"]);
        refused(&dir, &out, says);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("error[invalid]"), "{err}");
    }
}

#[test]
fn hostile_specs_are_refused_by_up_and_check() {
    let cases = [
        ("glob bomb", format!(
            "[pipeline.trigger]\nkind = \"filter\"\ninclude = [\"main\", \"{}\"]\n",
            "{a,b}".repeat(30)
        ), "too_many_alternatives"),
        (
            "backtracking",
            "[pipeline.trigger]\nkind = \"filter\"\ninclude = [\"*a*a*a*a*a*a*a*a*a*a*a*a*b\"]\n".to_owned(),
            "branch_not_triggered",
        ),
        ("none with include", "[pipeline.trigger]\nkind = \"none\"\ninclude = [\"main\"]\n".into(), "include"),
        ("inline yaml as a path", "[build]\nbuildspec_mode = \"file\"\nbuildspec_path = \"{version: 0.2, phases: {build: {commands: [id]}}}\"\n".into(), "not_a_path"),
        ("port overflow", "[deploy]\ncontainer_port = 4294967296\n".into(), "container_port"),
        ("negative count", "[deploy]\ndesired_count = -1\n".into(), "desired_count"),
        ("env var name too long", format!("[[build.environment_variables]]\nname = \"{}\"\nvalue = \"x\"\n", "A".repeat(129)), "too_long"),
    ];
    for (why, extra, says) in cases {
        let dir = scratch(&format!("spec_{}", why.replace(' ', "_")));
        let spec = spec_file(&dir, &extra);
        let out = pipewright(&dir, &["spec", "check", "--spec", &spec, "--json"]);
        refused(&dir, &out, says);
        let out = pipewright(&dir, &["up", "--spec", &spec, "--yes"]);
        assert_eq!(out.status.code(), Some(2), "{why}: up");
        let written: Vec<_> = std::fs::read_dir(dir.join("home")).unwrap().collect();
        assert!(written.is_empty(), "{why}: nothing written by up");
    }
}

#[test]
fn an_oversized_spec_is_refused() {
    let dir = scratch("oversized");
    let spec = spec_file(&dir, &"# padding padding padding\n".repeat(4000));
    let out = pipewright(&dir, &["up", "--spec", &spec, "--yes"]);
    refused(&dir, &out, "65536 bytes");
}
