//! `pipewright export`: the lab as code the student keeps. The AWS CLI script, run with the
//! real AWS CLI against a fresh sandbox (another account, as far as the script knows: it looks
//! up the account id, the default VPC and its subnets itself), creates what the lab's own
//! inventory lists; the CloudFormation template passes `cfn-lint` and declares one logical
//! resource per resource of the plan. An unknown lab and a bad format are refused.
//!
//! The AWS CLI and cfn-lint come from the tools venv `scripts/setup.sh` installs
//! (`PIPEWRIGHT_TOOLS_VENV`), else from PATH.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pipewright_core::ledger::Ledger;
use pipewright_core::spec::LabSpec;
use pipewright_tests::inventory::{counts, sdk_inventory};
use pipewright_tests::{REGION, Sandbox, cli_bin, practice_up_in, runtime};

/// A tool of the tools venv, else the one on PATH.
fn tool(name: &str) -> PathBuf {
    if let Some(venv) = std::env::var_os("PIPEWRIGHT_TOOLS_VENV") {
        let p = PathBuf::from(venv).join("bin").join(name);
        if p.exists() {
            return p;
        }
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.exists()))
        .unwrap_or_else(|| panic!("{name} is missing: run scripts/setup.sh (it installs it in the tools venv)"))
}

fn ledger_in(home: &Path) -> Ledger {
    Ledger::open(&home.join("ledger.sqlite3")).unwrap()
}

/// `pipewright export` with `home` as its data folder (no AWS call: the ledger only).
fn export(home: &Path, args: &[&str]) -> Output {
    Command::new(cli_bin())
        .arg("export")
        .args(args)
        .env("PIPEWRIGHT_HOME", home)
        .output()
        .unwrap()
}

/// The inventory as kinds and names: a task family once, whatever its revisions (the lab's
/// first run registered one more than the script's account, whose connection is PENDING).
fn kinds_and_names(items: Vec<String>) -> BTreeSet<String> {
    items
        .into_iter()
        .map(|line| match line.strip_prefix("task_definition ") {
            Some(arn) => {
                let family = arn
                    .rsplit('/')
                    .next()
                    .and_then(|r| r.split(':').next())
                    .unwrap_or_default();
                format!("task_definition {family}")
            }
            None => line,
        })
        .collect()
}

#[test]
fn the_exported_script_builds_the_same_lab_on_a_fresh_account_with_the_real_aws_cli() {
    let aws = tool("aws");
    let sb = Sandbox::start(0.01);
    let home = tempfile::tempdir().unwrap();
    let mut spec = LabSpec::new("takeaway", "owner-take/app");
    // The script dates the expiry by the wall clock, and the fresh sandbox's AWS clock runs
    // 100 times faster: the longest expiry keeps its schedules from firing during the test.
    spec.expiry.hours = 168;
    practice_up_in(&sb, &spec, ledger_in(home.path())).expect("the lab comes up");
    let lab = kinds_and_names(sdk_inventory(&sb, &spec));
    // Every resource of the plan but the listener, which `listeners` counts below.
    assert_eq!(lab.len(), 21, "{lab:#?}");

    let script = home.path().join("takeaway.sh");
    let out = export(
        home.path(),
        &[
            "--lab",
            "takeaway",
            "--format",
            "aws-cli",
            "--out",
            script.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(!text.contains(&sb.key), "the sandbox's key is in the script");

    // Another account as a student's laptop has it: the AWS CLI, its own config (none), keys
    // and endpoint; nothing of the first sandbox.
    let fresh = Sandbox::start(0.01);
    let empty = home.path().join("aws-config");
    std::fs::write(&empty, "").unwrap();
    let path = format!(
        "{}:{}",
        aws.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = Command::new("bash")
        .arg(&script)
        .env_clear()
        .env("PATH", path)
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_ENDPOINT_URL", &fresh.url)
        .env("AWS_ACCESS_KEY_ID", &fresh.key)
        .env("AWS_SECRET_ACCESS_KEY", "sandbox")
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_PAGER", "")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "the script failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("PENDING"), "{stdout}");
    assert!(stdout.contains("Account 123456789012"), "{stdout}");

    let built = kinds_and_names(sdk_inventory(&fresh, &spec));
    assert_eq!(built, lab, "the script's account differs from the lab's");
    let listeners = runtime().block_on(async { counts(&fresh.aws().await, &spec).await })["listeners"];
    assert_eq!(listeners, 1);
    fresh.stop();
    sb.stop();
}

/// The lab as the ledger has it after `up`: its spec (no AWS needed for an export).
fn recorded(home: &Path, spec: &LabSpec) {
    ledger_in(home)
        .upsert_lab(&spec.name, &spec.region, None, &spec.to_toml().unwrap())
        .unwrap();
}

#[test]
fn the_exported_template_passes_cfn_lint_with_one_resource_per_plan_resource() {
    let cfn_lint = tool("cfn-lint");
    let home = tempfile::tempdir().unwrap();
    let spec = LabSpec::new("stack", "octo/app");
    recorded(home.path(), &spec);
    let file = home.path().join("stack.yaml");
    let out = export(
        home.path(),
        &[
            "--lab",
            "stack",
            "--format",
            "cloudformation",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let lint = Command::new(&cfn_lint).arg(&file).output().unwrap();
    assert!(
        lint.status.success(),
        "cfn-lint (exit {:?}):\n{}{}",
        lint.status.code(),
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );

    // The template read back by cfn-lint's own YAML loader: each logical resource and its type.
    let python = cfn_lint.with_file_name("python");
    let read = Command::new(python)
        .args([
            "-c",
            "import json, sys\nfrom cfnlint.decode import decode\ntemplate, errors = decode(sys.argv[1])\nassert not errors, errors\nprint(json.dumps({k: v['Type'] for k, v in template['Resources'].items()}))",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(read.status.success(), "{}", String::from_utf8_lossy(&read.stderr));
    let types: std::collections::BTreeMap<String, String> = serde_json::from_slice(&read.stdout).unwrap();
    let want: std::collections::BTreeMap<String, String> = [
        ("Connection", "AWS::CodeStarConnections::Connection"),
        ("ArtifactBucket", "AWS::S3::Bucket"),
        ("PipelineRole", "AWS::IAM::Role"),
        ("BuildRole", "AWS::IAM::Role"),
        ("TaskExecutionRole", "AWS::IAM::Role"),
        ("SchedulerRole", "AWS::IAM::Role"),
        ("BuildLogGroup", "AWS::Logs::LogGroup"),
        ("AppLogGroup", "AWS::Logs::LogGroup"),
        ("BuildProject", "AWS::CodeBuild::Project"),
        ("Repository", "AWS::ECR::Repository"),
        ("LoadBalancerSecurityGroup", "AWS::EC2::SecurityGroup"),
        ("TaskSecurityGroup", "AWS::EC2::SecurityGroup"),
        ("LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer"),
        ("TargetGroup", "AWS::ElasticLoadBalancingV2::TargetGroup"),
        ("Listener", "AWS::ElasticLoadBalancingV2::Listener"),
        ("Cluster", "AWS::ECS::Cluster"),
        ("TaskDefinition", "AWS::ECS::TaskDefinition"),
        ("Service", "AWS::ECS::Service"),
        ("Pipeline", "AWS::CodePipeline::Pipeline"),
        ("ScheduleGroup", "AWS::Scheduler::ScheduleGroup"),
        ("StopServiceSchedule", "AWS::Scheduler::Schedule"),
        ("DeleteLoadBalancerSchedule", "AWS::Scheduler::Schedule"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(types, want);
}

#[test]
fn an_unknown_lab_or_format_is_refused_before_anything() {
    let home = tempfile::tempdir().unwrap();
    let out = export(home.path(), &["--lab", "nope", "--format", "aws-cli"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[invalid]") && err.contains("\"nope\""), "{err}");
    assert!(out.stdout.is_empty());
    let ko = export(home.path(), &["--lab", "nope", "--format", "aws-cli", "--lang", "ko"]);
    assert_eq!(ko.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&ko.stderr).contains("원장에"), "{ko:?}");
    let bad = export(home.path(), &["--lab", "nope", "--format", "terraform"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("aws-cli"), "{bad:?}");
}
