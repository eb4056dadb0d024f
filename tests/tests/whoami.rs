//! The AWS path end to end: core's AwsContext and the CLI against the sandbox over HTTP.

use std::process::Command;

use pipewright_tests::Sandbox;

#[tokio::test(flavor = "multi_thread")]
async fn whoami_reports_the_sandbox_account() {
    let sandbox = Sandbox::start(0.01);
    let aws = sandbox.aws().await;
    let id = pipewright_core::identity::whoami(&aws).await.expect("whoami");
    assert_eq!(id.account, "123456789012", "moto's default account");
    assert!(id.arn.starts_with("arn:aws:"), "arn: {}", id.arn);
    assert_eq!(id.region, pipewright_tests::REGION);
    assert_eq!(id.endpoint.as_deref(), Some(sandbox.url.as_str()));
}

#[test]
fn cli_whoami_prints_the_emulator_account() {
    let sandbox = Sandbox::start(0.01);
    let out = Command::new(pipewright_tests::cli_bin())
        .args(["whoami", "--json"])
        .envs(sandbox.cli_env())
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run pipewright");
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let id: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(id["account"], "123456789012");
    assert_eq!(id["region"], "us-east-1");
}

#[test]
fn cli_whoami_without_region_says_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(pipewright_tests::cli_bin())
        .arg("whoami")
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"))
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run pipewright");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[no_region]"), "stderr: {err}");
    assert!(err.contains("AWS_REGION"), "stderr: {err}");
}
