//! Hostile input against the sandbox over HTTP: each refusal happens before any AWS call,
//! which the sandbox's call log (`GET /_sandbox/calls`) proves, and credentials go where the
//! student chose.

use std::process::Command;
use std::sync::Arc;

use pipewright_core::apply::{self, ApplyOptions};
use pipewright_core::ledger::Ledger;
use pipewright_core::progress::{Cancel, Progress};
use pipewright_core::spec::{LabSpec, Trigger, TriggerFilter};
use pipewright_core::teardown::{self, TeardownOptions};
use pipewright_tests::Sandbox;

fn lab(name: &str) -> LabSpec {
    LabSpec::new(name, "octo/app")
}

/// The engine refuses each hostile spec before its first AWS call.
#[test]
fn hostile_specs_make_no_aws_call() {
    let sb = Sandbox::start(0.01);
    let rt = pipewright_tests::runtime();
    let aws = rt.block_on(sb.aws());
    let mut cases: Vec<(&str, LabSpec)> = Vec::new();
    let mut s = lab("hostile1");
    s.pipeline.trigger = Trigger::Filter(TriggerFilter {
        include: vec!["main".into(), "{a,b}".repeat(30)],
        ..TriggerFilter::default()
    });
    cases.push(("thirty brace groups", s));
    let mut s = lab("hostile2");
    s.pipeline.trigger = Trigger::Filter(TriggerFilter {
        include: vec!["*a*a*a*a*a*a*a*a*a*a*a*a*b".into()],
        ..TriggerFilter::default()
    });
    s.source.branch = "a".repeat(200);
    cases.push(("backtracking pattern", s));
    let mut s = lab("hostile3");
    s.deploy.desired_count = u32::MAX;
    cases.push(("count overflow", s));
    let mut s = lab("hostile4");
    s.deploy.load_balancer.listener_port = u32::MAX;
    cases.push(("port overflow", s));
    let mut s = lab("hostile5");
    s.build.buildspec_mode = pipewright_core::spec::BuildspecMode::File;
    s.build.buildspec_path = "{version: 0.2}".into();
    cases.push(("inline yaml path", s));
    let mut s = lab("hostile6");
    s.build.environment_variables = (0..60)
        .map(|i| pipewright_core::spec::EnvVar {
            name: format!("V{i}"),
            value: "x".into(),
        })
        .collect();
    cases.push(("too many build variables", s));
    for (why, spec) in cases {
        sb.delete("/_sandbox/calls");
        let ledger = Arc::new(Ledger::in_memory().unwrap());
        let err = rt
            .block_on(apply::apply(
                &aws,
                ledger.clone(),
                &spec,
                ApplyOptions::for_context(&aws),
                Progress::none(),
                Cancel::never(),
            ))
            .expect_err(why);
        assert_eq!(err.code().as_str(), "invalid", "{why}: {err}");
        assert_eq!(sb.calls(), vec![], "{why}: no AWS call");
        assert!(ledger.lab_summaries().unwrap().is_empty(), "{why}: nothing written");
    }
}

/// Apply and teardown of one lab at once: the second is refused, naming the holder, with no
/// AWS call; the ledger's lock is a file, so it holds across processes (the CLI here).
#[test]
fn one_run_per_lab_across_app_and_cli() {
    let sb = Sandbox::start(0.01);
    let rt = pipewright_tests::runtime();
    let aws = rt.block_on(sb.aws());
    let home = tempfile::tempdir().unwrap();
    let ledger = Arc::new(Ledger::open(&home.path().join("ledger.sqlite3")).unwrap());
    let spec = lab("locked");
    ledger
        .upsert_lab(&spec.name, &spec.region, Some("123456789012"), &spec.to_toml().unwrap())
        .unwrap();
    let _held = ledger.lock_lab(&spec.name, "apply").unwrap();
    sb.delete("/_sandbox/calls");
    let err = rt
        .block_on(teardown::teardown(
            &aws,
            ledger.clone(),
            &spec.name,
            TeardownOptions::for_context(&aws),
            Progress::none(),
            Cancel::never(),
        ))
        .expect_err("teardown while apply holds the lab");
    assert!(
        err.to_string().contains("busy") && err.to_string().contains("running apply"),
        "{err}"
    );
    assert_eq!(sb.calls(), vec![], "refused before any AWS call");

    let out = Command::new(pipewright_tests::cli_bin())
        .args(["down", "--lab", "locked", "--yes"])
        .env("PIPEWRIGHT_HOME", home.path())
        .envs(sb.cli_env())
        .env("AWS_REGION", pipewright_tests::REGION)
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("busy") && err.contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    assert_eq!(sb.calls(), vec![], "the CLI made no AWS call either");
}

/// `--profile` acts as the profile, even with other keys in the environment.
#[tokio::test(flavor = "multi_thread")]
async fn a_chosen_profile_wins_over_keys_in_the_environment() {
    let sb = Sandbox::start(0.01);
    let iam = sb.aws().await.iam();
    let mut keys = Vec::new();
    for user in ["env-user", "profile-user"] {
        iam.create_user().user_name(user).send().await.unwrap();
        let k = iam.create_access_key().user_name(user).send().await.unwrap();
        let k = k.access_key().unwrap();
        keys.push((k.access_key_id().to_owned(), k.secret_access_key().to_owned()));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("credentials"),
        format!(
            "[pw-chosen]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            keys[1].0, keys[1].1
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("config"),
        "[profile pw-chosen]\nregion = ap-northeast-2\n",
    )
    .unwrap();
    let whoami = |profile: Option<&str>| {
        let mut cmd = Command::new(pipewright_tests::cli_bin());
        cmd.args(["whoami", "--json"]);
        if let Some(p) = profile {
            cmd.args(["--profile", p]);
        }
        let out = cmd
            .env("HOME", dir.path())
            .env("AWS_CONFIG_FILE", dir.path().join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("credentials"))
            .env("AWS_ENDPOINT_URL", &sb.url)
            .env("AWS_REGION", pipewright_tests::REGION)
            .env("AWS_ACCESS_KEY_ID", &keys[0].0)
            .env("AWS_SECRET_ACCESS_KEY", &keys[0].1)
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["arn"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        whoami(None).ends_with("user/env-user"),
        "the standard chain reads the environment"
    );
    let chosen = whoami(Some("pw-chosen"));
    assert!(chosen.ends_with("user/profile-user"), "{chosen}");
}
