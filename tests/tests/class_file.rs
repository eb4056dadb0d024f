//! The instructor's class file through the `pipewright` CLI against the sandbox: `spec init
//! --class` starts a student's spec from it; `spec check --class` and `up --class` refuse a
//! spec that breaks its rules on the field, in English and Korean, before any AWS call; a lab
//! created with it carries the class tag on every resource the lab tag is on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use pipewright_core::spec::LabSpec;
use pipewright_tests::{Sandbox, runtime};
use serde_json::Value;

const CLASS: &str = r#"
[class]
name = "ktb-2026-fall"
prefix = "ktb-"
limit_hours = 3

[lab]
region = "ap-northeast-2"
source.branch = "master"
expiry.hours = 3

[locked]
region = "The class accounts' quotas were raised in Seoul only."
"deploy.cpu" = "The smallest task keeps the bill small."
"expiry.hours" = "Labs stop billing right after class."
"#;

fn run(c: &mut Command) -> Output {
    c.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write_class(dir: &Path) -> PathBuf {
    let path = dir.join("class.toml");
    std::fs::write(&path, CLASS).unwrap();
    path
}

/// Writes the class file into `home` and runs `spec init --class` there; returns the class
/// file's path and the student's new spec's.
fn spec_init(sb: &Sandbox, home: &Path, name: &str, repository: &str) -> (PathBuf, PathBuf) {
    let class = write_class(home);
    let spec_path = home.join("lab.toml");
    let init = run(sb
        .cli(home)
        .args(["spec", "init", "--name", name, "--repository", repository, "--class"])
        .arg(&class)
        .arg("--out")
        .arg(&spec_path));
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    (class, spec_path)
}

#[test]
fn a_spec_breaking_the_class_is_refused_on_its_field_before_any_aws_call() {
    let sb = Sandbox::start(0.01);
    let home = tempfile::tempdir().unwrap();
    // The class's starting point, with the locks named in the file's header.
    let (class, spec_path) = spec_init(&sb, home.path(), "ktb-minsu", "minsu/ktb-sample");
    let text = std::fs::read_to_string(&spec_path).unwrap();
    assert!(
        text.contains("# A lab of class ktb-2026-fall (lab names start with \"ktb-\")"),
        "{text}"
    );
    assert!(
        text.contains("region") && text.contains("raised in Seoul only"),
        "{text}"
    );
    let spec = LabSpec::from_toml(&text).unwrap();
    assert_eq!(
        (spec.region.as_str(), spec.source.branch.as_str(), spec.expiry.hours),
        ("ap-northeast-2", "master", 3)
    );
    assert_eq!(spec.class.name.as_deref(), Some("ktb-2026-fall"));
    let ok = run(sb
        .cli(home.path())
        .args(["spec", "check", "--spec"])
        .arg(&spec_path)
        .arg("--class")
        .arg(&class));
    assert_eq!((ok.status.code(), stdout(&ok).trim()), (Some(0), "OK"));

    // A name without the prefix and a locked region changed: both refused, by field.
    let mut broken = spec.clone();
    broken.name = "minsu".into();
    broken.region = "us-east-1".into();
    broken.set_branch("main"); // not locked: allowed
    let broken_path = home.path().join("broken.toml");
    std::fs::write(&broken_path, broken.to_toml().unwrap()).unwrap();
    let up = run(sb
        .cli(home.path())
        .args(["up", "--yes", "--spec"])
        .arg(&broken_path)
        .arg("--class")
        .arg(&class));
    let out = stdout(&up);
    assert_eq!(up.status.code(), Some(2), "{out}");
    let fields: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(fields, ["name", "region"], "{out}");
    assert!(
        out.contains("Lab names in class ktb-2026-fall start with \"ktb-\""),
        "{out}"
    );
    assert!(out.contains("did you mean ktb-minsu"), "{out}");
    assert!(
        out.contains("The class fixes this field to \"ap-northeast-2\": The class accounts' quotas were raised in Seoul only. (now \"us-east-1\")"),
        "{out}"
    );
    assert!(sb.call_log().is_empty(), "AWS was called: {:?}", sb.call_log());

    // The same in Korean, as JSON for tools.
    let ko = run(sb
        .cli(home.path())
        .args(["spec", "check", "--lang", "ko", "--spec"])
        .arg(&broken_path)
        .arg("--class")
        .arg(&class));
    assert_eq!(ko.status.code(), Some(2));
    assert!(
        stdout(&ko).contains("클래스가 이 필드를 \"ap-northeast-2\"로 정했습니다"),
        "{}",
        stdout(&ko)
    );
    let json = run(sb
        .cli(home.path())
        .args(["spec", "check", "--json", "--spec"])
        .arg(&broken_path)
        .arg("--class")
        .arg(&class));
    let problems: Vec<Value> = serde_json::from_slice(&json.stdout).unwrap();
    let codes: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (p["field"].as_str().unwrap(), p["code"].as_str().unwrap()))
        .collect();
    assert_eq!(codes, [("name", "class_prefix"), ("region", "class_locked")]);

    // A broken class file is refused by its key.
    let bad = home.path().join("bad-class.toml");
    std::fs::write(&bad, "[class]\nname = \"c\"\n[locked]\n\"deploy.nope\" = \"x\"\n").unwrap();
    let refused = run(sb
        .cli(home.path())
        .args(["spec", "check", "--spec"])
        .arg(&spec_path)
        .arg("--class")
        .arg(&bad));
    assert_ne!(refused.status.code(), Some(0));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("locked.deploy.nope"), "{err}");
    assert!(sb.call_log().is_empty());
}

#[test]
fn every_resource_of_a_class_lab_carries_the_class_tag() {
    let sb = Sandbox::start(0.01);
    let home = tempfile::tempdir().unwrap();
    let (class, spec_path) = spec_init(&sb, home.path(), "ktb-jiwoo", "jiwoo/ktb-sample");
    sb.up_with_handshakes(
        sb.cli(home.path())
            .args(["up", "--yes", "--json", "--spec"])
            .arg(&spec_path)
            .arg("--class")
            .arg(&class)
            .stderr(Stdio::inherit()),
    );

    let spec = LabSpec::from_toml(&std::fs::read_to_string(&spec_path).unwrap()).unwrap();
    let n = spec.names();
    runtime().block_on(async {
        let aws = sb.aws().await;
        let tagged = |key: &'static str, value: &'static str| {
            let t = aws.tagging();
            async move {
                let filter = aws_sdk_resourcegroupstagging::types::TagFilter::builder()
                    .key(key)
                    .values(value)
                    .build();
                let out = t.get_resources().tag_filters(filter).send().await.unwrap();
                out.resource_tag_mapping_list()
                    .iter()
                    .filter_map(|m| m.resource_arn().map(str::to_owned))
                    .collect::<BTreeSet<String>>()
            }
        };
        let by_lab = tagged("pipewright:lab", "ktb-jiwoo").await;
        let by_class = tagged("pipewright:class", "ktb-2026-fall").await;
        assert_eq!(
            by_lab, by_class,
            "tagged with the lab but not the class (or the reverse)"
        );
        for kind in [
            ":loadbalancer/app/",
            ":targetgroup/",
            ":cluster/",
            ":service/",
            ":security-group/",
        ] {
            assert!(by_class.iter().any(|a| a.contains(kind)), "no {kind} in {by_class:#?}");
        }
        // Kinds whose own APIs answer for their tags.
        let class_tag =
            |tags: Vec<(String, String)>| tags.contains(&("pipewright:class".to_owned(), "ktb-2026-fall".to_owned()));
        let role = aws
            .iam()
            .list_role_tags()
            .role_name(&n.scheduler_role)
            .send()
            .await
            .unwrap();
        assert!(class_tag(
            role.tags().iter().map(|t| (t.key().into(), t.value().into())).collect()
        ));
        let repo = aws
            .ecr()
            .describe_repositories()
            .repository_names(&n.repository)
            .send()
            .await
            .unwrap();
        let repo_arn = repo.repositories()[0].repository_arn().unwrap();
        let tags = aws
            .ecr()
            .list_tags_for_resource()
            .resource_arn(repo_arn)
            .send()
            .await
            .unwrap();
        assert!(class_tag(
            tags.tags().iter().map(|t| (t.key().into(), t.value().into())).collect()
        ));
        let project = aws
            .codebuild()
            .batch_get_projects()
            .names(&n.build_project)
            .send()
            .await
            .unwrap();
        assert!(class_tag(
            project.projects()[0]
                .tags()
                .iter()
                .map(|t| (t.key().unwrap_or_default().into(), t.value().unwrap_or_default().into()))
                .collect()
        ));
        let logs = aws
            .logs()
            .list_tags_for_resource()
            .resource_arn(format!(
                "arn:aws:logs:ap-northeast-2:123456789012:log-group:{}",
                n.build_log_group
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(
            logs.tags().and_then(|t| t.get("pipewright:class")).map(String::as_str),
            Some("ktb-2026-fall")
        );
    });

    // `status` carries the class's limit with the meter (minutes old: not passed yet).
    let status = run(sb.cli(home.path()).args(["status", "--json", "--lab", "ktb-jiwoo"]));
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let status: Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(
        (&status["meter"]["limitHours"], &status["meter"]["limitPassed"]),
        (&Value::from(3), &Value::from(false))
    );

    // The lab is torn down as any other.
    let down = run(sb.cli(home.path()).args(["down", "--yes", "--lab", "ktb-jiwoo"]));
    assert!(down.status.success(), "{}", stdout(&down));
}
