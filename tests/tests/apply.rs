//! Apply against the sandbox: a full `up` checked by an independent inventory through the
//! SDK, an idempotent rerun, refusals (bad spec, a foreign resource), throttling, and the CLI
//! killed at many points and run again.
//!
//! Sandbox control calls use blocking reqwest, so they run outside the tokio runtime: each
//! test is a plain #[test] that builds its own runtime, and the progress callback hands
//! connection ARNs to a plain thread that completes the handshake.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use pipewright_core::apply::{self, ApplyOptions, ApplyReport};
use pipewright_core::ledger::{Ledger, ResourceState};
use pipewright_core::progress::{Cancel, NodeState};
use pipewright_core::spec::LabSpec;
use pipewright_core::{AwsContext, Error};
use pipewright_tests::inventory::{assert_exactly_one_each, counts};
use pipewright_tests::{REGION, Sandbox, cli_bin, decode_policy, handshaking_progress, runtime};
use serde_json::{Value, json};

const TIME_SCALE: f64 = 0.01;

fn spec(lab: &str, owner: &str) -> LabSpec {
    LabSpec::new(lab, &format!("{owner}/app"))
}

fn up(sb: &Sandbox, spec: &LabSpec, ledger: Arc<Ledger>, concurrency: usize) -> Result<ApplyReport, Error> {
    let (progress, thread) = handshaking_progress(sb, |e| {
        if e.kind == "connection" && e.state == NodeState::Waiting {
            // In practice mode the handshake page is the sandbox's own.
            let url = e.detail.as_ref().and_then(|d| d.url.as_deref());
            assert!(url.unwrap().ends_with("/_sandbox/connections"), "{url:?}");
        }
    });
    let result = runtime().block_on(async {
        let aws = sb.aws().await;
        let mut options = ApplyOptions::for_context(&aws);
        options.concurrency = concurrency;
        apply::apply(&aws, ledger, spec, options, progress, Cancel::never()).await
    });
    thread.join().expect("the handshake thread ends cleanly");
    result
}

fn creating_calls(calls: &[(String, String)]) -> Vec<String> {
    calls
        .iter()
        .filter(|(op, _)| op.starts_with("Create") || op == "RegisterTaskDefinition")
        .map(|(op, _)| op.clone())
        .collect()
}

fn tagged(tags: impl IntoIterator<Item = (String, String)>, lab: &str) -> bool {
    tags.into_iter().any(|(k, v)| k == "pipewright:lab" && v == lab)
}

/// Every resource of the lab, read back through the SDK and checked property by property.
async fn inventory(aws: &AwsContext, spec: &LabSpec) {
    let n = spec.names();
    let lab = &spec.name;
    let account = aws
        .sts()
        .get_caller_identity()
        .send()
        .await
        .unwrap()
        .account()
        .unwrap()
        .to_owned();
    let repo_arn = format!("arn:aws:ecr:{REGION}:{account}:repository/{}", n.repository);

    // IAM: three roles, tagged, inline policies only; ECR push scoped to the one repository.
    let iam = aws.iam();
    for role in [
        n.pipeline_role.as_ref().unwrap(),
        n.build_role.as_ref().unwrap(),
        n.task_execution_role.as_ref().unwrap(),
    ] {
        let tags = iam.list_role_tags().role_name(role).send().await.unwrap();
        assert!(
            tagged(
                tags.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())),
                lab
            ),
            "{role} tag"
        );
        let attached = iam.list_attached_role_policies().role_name(role).send().await.unwrap();
        assert!(
            attached.attached_policies().is_empty(),
            "{role}: no managed policy (no PowerUser)"
        );
    }
    let doc = iam
        .get_role_policy()
        .role_name(n.build_role.as_ref().unwrap())
        .policy_name("pipewright")
        .send()
        .await
        .unwrap();
    let doc: Value = serde_json::from_str(&decode_policy(doc.policy_document())).unwrap();
    let mut push_scoped = false;
    for st in doc["Statement"].as_array().unwrap() {
        if st["Resource"] == "*" {
            assert_eq!(
                st["Action"], "ecr:GetAuthorizationToken",
                "only the token is unscoped: {st}"
            );
        }
        if st["Action"].to_string().contains("ecr:PutImage") {
            assert_eq!(st["Resource"], json!(repo_arn));
            push_scoped = true;
        }
    }
    assert!(push_scoped);
    let pipeline_doc = iam
        .get_role_policy()
        .role_name(n.pipeline_role.as_ref().unwrap())
        .policy_name("pipewright")
        .send()
        .await
        .unwrap();
    let pipeline_doc = decode_policy(pipeline_doc.policy_document());
    assert!(
        pipeline_doc.contains(&format!("project/{}", n.build_project)),
        "{pipeline_doc}"
    );
    assert!(
        pipeline_doc.contains("UseConnection") && pipeline_doc.contains(":connection/"),
        "{pipeline_doc}"
    );
    assert!(pipeline_doc.contains("iam:PassRole") && pipeline_doc.contains(n.task_execution_role.as_ref().unwrap()));

    // S3: versioned, public access blocked, tagged.
    let s3 = aws.s3();
    let bucket = n.artifact_bucket(&account);
    // Versioning is checked by `check_bucket_versioning` (the SDK cannot read moto's answer).
    let pab = s3.get_public_access_block().bucket(&bucket).send().await.unwrap();
    let pab = pab.public_access_block_configuration().unwrap();
    assert!(pab.block_public_acls() == Some(true) && pab.restrict_public_buckets() == Some(true));
    let t = s3.get_bucket_tagging().bucket(&bucket).send().await.unwrap();
    assert!(tagged(
        t.tag_set().iter().map(|t| (t.key().to_owned(), t.value().to_owned())),
        lab
    ));

    // Connection: one, AVAILABLE, tagged.
    let conns = aws.connections().list_connections().send().await.unwrap();
    let ours: Vec<_> = conns
        .connections()
        .iter()
        .filter(|c| c.connection_name() == n.connection.as_deref())
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].connection_status().map(|s| s.as_str()), Some("AVAILABLE"));

    // Logs.
    for g in [&n.build_log_group, &n.task_log_group] {
        let out = aws
            .logs()
            .describe_log_groups()
            .log_group_name_prefix(g)
            .send()
            .await
            .unwrap();
        assert_eq!(
            out.log_groups()
                .iter()
                .filter(|l| l.log_group_name() == Some(g))
                .count(),
            1,
            "{g}"
        );
    }

    // CodeBuild: privileged, CODEPIPELINE in and out, the variables the buildspec reads.
    let p = aws
        .codebuild()
        .batch_get_projects()
        .names(&n.build_project)
        .send()
        .await
        .unwrap();
    let p = &p.projects()[0];
    let env = p.environment().unwrap();
    assert_eq!(env.privileged_mode(), Some(true));
    let vars: HashMap<&str, &str> = env
        .environment_variables()
        .iter()
        .map(|v| (v.name(), v.value()))
        .collect();
    assert_eq!(vars["CONTAINER_NAME"], n.container);
    assert_eq!(vars["ACCOUNT_ID"], account);
    assert!(vars["REPOSITORY_URI"].ends_with(&format!("/{}", n.repository)));
    assert_eq!(p.source().unwrap().r#type().as_str(), "CODEPIPELINE");
    assert_eq!(p.artifacts().unwrap().r#type().as_str(), "CODEPIPELINE");
    let buildspec = p.source().unwrap().buildspec().unwrap();
    assert!(buildspec.contains("$CONTAINER_NAME") && !buildspec.contains(&account) && !buildspec.contains(REGION));
    assert!(tagged(
        p.tags()
            .iter()
            .map(|t| (t.key().unwrap().to_owned(), t.value().unwrap().to_owned())),
        lab
    ));

    // ECR: settings from the spec and the lifecycle rule.
    let ecr = aws.ecr();
    let r = ecr
        .describe_repositories()
        .repository_names(&n.repository)
        .send()
        .await
        .unwrap();
    let r = &r.repositories()[0];
    assert_eq!(
        r.image_scanning_configuration().unwrap().scan_on_push(),
        spec.registry.scan_on_push
    );
    assert_eq!(r.image_tag_mutability().unwrap().as_str(), "MUTABLE");
    let lc = ecr
        .get_lifecycle_policy()
        .repository_name(&n.repository)
        .send()
        .await
        .unwrap();
    assert!(lc.lifecycle_policy_text().unwrap().contains("\"countNumber\":10"));

    // Security groups: 80 from anywhere (v4 and v6); the container port only from the ALB's group.
    let ec2 = aws.ec2();
    let sg = |name: String| {
        let ec2 = ec2.clone();
        async move {
            let out = ec2
                .describe_security_groups()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("group-name")
                        .values(name)
                        .build(),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(out.security_groups().len(), 1);
            out.security_groups()[0].clone()
        }
    };
    let alb_sg = sg(n.alb_security_group.clone()).await;
    let task_sg = sg(n.task_security_group.clone()).await;
    let rule = &alb_sg.ip_permissions()[0];
    assert_eq!((rule.from_port(), rule.to_port()), (Some(80), Some(80)));
    assert_eq!(rule.ip_ranges()[0].cidr_ip(), Some("0.0.0.0/0"));
    assert_eq!(rule.ipv6_ranges()[0].cidr_ipv6(), Some("::/0"));
    assert_eq!(task_sg.ip_permissions().len(), 1);
    let rule = &task_sg.ip_permissions()[0];
    assert_eq!((rule.from_port(), rule.to_port()), (Some(3000), Some(3000)));
    assert!(rule.ip_ranges().is_empty() && rule.ipv6_ranges().is_empty());
    assert_eq!(rule.user_id_group_pairs()[0].group_id(), alb_sg.group_id());
    for g in [&alb_sg, &task_sg] {
        assert!(tagged(
            g.tags()
                .iter()
                .map(|t| (t.key().unwrap().to_owned(), t.value().unwrap().to_owned())),
            lab
        ));
    }

    // Load balancer, target group, listener.
    let elb = aws.elbv2();
    let lb = elb
        .describe_load_balancers()
        .names(&n.load_balancer)
        .send()
        .await
        .unwrap();
    let lb = &lb.load_balancers()[0];
    assert_eq!(lb.scheme().unwrap().as_str(), "internet-facing");
    assert_eq!(lb.state().unwrap().code().unwrap().as_str(), "active");
    assert_eq!(lb.security_groups(), [alb_sg.group_id().unwrap().to_owned()]);
    assert!(lb.availability_zones().len() >= 2);
    let tg = elb
        .describe_target_groups()
        .names(&n.target_group)
        .send()
        .await
        .unwrap();
    let tg = &tg.target_groups()[0];
    assert_eq!(tg.target_type().unwrap().as_str(), "ip");
    assert_eq!(tg.port(), Some(3000));
    assert_eq!(tg.protocol().unwrap().as_str(), "HTTP");
    assert_eq!(tg.health_check_path(), Some("/ping"));
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(lb.load_balancer_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(listeners.listeners().len(), 1);
    let l = &listeners.listeners()[0];
    assert_eq!(l.port(), Some(80));
    assert_eq!(l.default_actions()[0].target_group_arn(), tg.target_group_arn());
    for arn in [lb.load_balancer_arn().unwrap(), tg.target_group_arn().unwrap()] {
        let t = elb.describe_tags().resource_arns(arn).send().await.unwrap();
        let tags = t.tag_descriptions()[0]
            .tags()
            .iter()
            .map(|t| (t.key().unwrap().to_owned(), t.value().unwrap().to_owned()));
        assert!(tagged(tags, lab), "{arn}");
    }

    // ECS: task definition and service.
    let ecs = aws.ecs();
    let td = ecs
        .describe_task_definition()
        .task_definition(&n.task_family)
        .send()
        .await
        .unwrap();
    let td = td.task_definition().unwrap();
    assert_eq!((td.cpu(), td.memory()), (Some("1024"), Some("3072")));
    assert_eq!(td.network_mode().unwrap().as_str(), "awsvpc");
    assert_eq!(td.requires_compatibilities()[0].as_str(), "FARGATE");
    let c = &td.container_definitions()[0];
    assert_eq!(c.name(), Some(n.container.as_str()), "container name == CONTAINER_NAME");
    let pm = &c.port_mappings()[0];
    assert_eq!((pm.container_port(), pm.name()), (Some(3000), Some("web-server")));
    assert_eq!(pm.app_protocol().map(|p| p.as_str()), Some("http"));
    assert_eq!(
        c.log_configuration().unwrap().options().unwrap()["awslogs-group"],
        n.task_log_group
    );
    assert!(
        td.execution_role_arn()
            .unwrap()
            .ends_with(n.task_execution_role.as_ref().unwrap())
    );
    let svc = ecs
        .describe_services()
        .cluster(&n.cluster)
        .services(&n.service)
        .send()
        .await
        .unwrap();
    let svc = &svc.services()[0];
    assert_eq!(svc.launch_type().unwrap().as_str(), "FARGATE");
    // The sandbox does not keep healthCheckGracePeriodSeconds (moto drops it), so it is not
    // checked here; the request carries it (see ecs_service.rs).
    assert_eq!(svc.running_count(), 1);
    let net = svc.network_configuration().unwrap().awsvpc_configuration().unwrap();
    assert_eq!(net.assign_public_ip().unwrap().as_str(), "ENABLED");
    assert_eq!(net.security_groups(), [task_sg.group_id().unwrap().to_owned()]);
    assert_eq!(svc.load_balancers()[0].container_name(), Some(n.container.as_str()));
    assert_eq!(svc.load_balancers()[0].target_group_arn(), tg.target_group_arn());
}

/// GetBucketVersioning over plain HTTP: moto answers with a root element the SDK refuses.
fn check_bucket_versioning(sb: &Sandbox, bucket: &str) {
    let auth = sb.authorization("s3");
    let body = reqwest::blocking::Client::new()
        .get(format!("{}/{bucket}?versioning", sb.url))
        .header("Authorization", auth)
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.text())
        .unwrap();
    assert!(body.contains("<Status>Enabled</Status>"), "{body}");
}

/// The pipeline as the sandbox stores it, read through the SDK: V2, three stages wired to
/// this lab's resources, the lab's tag.
fn check_pipeline(sb: &Sandbox, spec: &LabSpec) {
    let n = spec.names();
    runtime().block_on(async {
        let cp = sb.aws().await.codepipeline();
        let out = cp.get_pipeline().name(&n.pipeline).send().await.unwrap();
        let p = out.pipeline().unwrap();
        assert_eq!(p.pipeline_type().map(|t| t.as_str()), Some("V2"));
        assert_eq!(p.execution_mode().map(|m| m.as_str()), Some("QUEUED"));
        assert!(
            out.metadata().and_then(|m| m.created()).is_some(),
            "the SDK reads its timestamps"
        );
        let stages: Vec<&str> = p.stages().iter().map(|s| s.name()).collect();
        assert_eq!(stages, ["Source", "Build", "Deploy"]);
        let cfg = |i: usize, key: &str| -> String {
            let action = &p.stages()[i].actions()[0];
            action.configuration().unwrap()[key].clone()
        };
        assert_eq!(cfg(0, "FullRepositoryId"), spec.source.repository);
        assert_eq!(cfg(0, "BranchName"), "main");
        assert_eq!(cfg(0, "OutputArtifactFormat"), "CODE_ZIP");
        assert!(cfg(0, "ConnectionArn").contains(":connection/"));
        assert_eq!(cfg(1, "ProjectName"), n.build_project);
        assert_eq!(cfg(2, "ClusterName"), n.cluster);
        assert_eq!(cfg(2, "ServiceName"), n.service);
        assert_eq!(cfg(2, "FileName"), "imagedefinitions.json");
        let push = &p.triggers()[0].git_configuration().unwrap().push()[0];
        assert_eq!(push.branches().unwrap().includes(), ["main"]);
        let arn = format!("arn:aws:codepipeline:{REGION}:123456789012:{}", n.pipeline);
        let tags = cp.list_tags_for_resource().resource_arn(arn).send().await.unwrap();
        let lab: Vec<&str> = tags
            .tags()
            .iter()
            .filter(|t| t.key() == "pipewright:lab")
            .map(|t| t.value())
            .collect();
        assert_eq!(lab, [spec.name.as_str()]);
    });
}

#[test]
fn full_up_builds_the_lecture_pipeline_and_a_rerun_creates_nothing() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = spec("ktb", "octo");
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    let report = up(&sb, &spec, ledger.clone(), 4).expect("up");
    assert_eq!(report.resources.len(), 22);
    assert!(
        report.resources.iter().all(|r| r.state == ResourceState::Created),
        "{:?}",
        report.resources
    );
    assert!(report.url.as_deref().unwrap().starts_with("http://"));
    let trail = ledger.audit_trail("ktb").unwrap();
    assert!(
        trail
            .iter()
            .any(|a| a.operation == "CreateLoadBalancer" && a.outcome == "ok")
    );

    runtime().block_on(async { inventory(&sb.aws().await, &spec).await });
    // What a reopened app shows: every resource present, and the same address.
    let status = runtime()
        .block_on(async { pipewright_core::apply::status(&sb.aws().await, ledger.clone(), "ktb").await })
        .expect("status");
    assert!(status.complete(), "{:?}", status.resources);
    // The 22 resources (the expiry's four included) and the first run.
    assert_eq!(status.resources.len(), 23);
    assert_eq!(status.url, report.url);
    check_pipeline(&sb, &spec);
    check_bucket_versioning(&sb, &spec.names().artifact_bucket("123456789012"));

    sb.delete("/_sandbox/calls");
    let again = up(&sb, &spec, ledger, 4).expect("second up");
    assert_eq!(again.resources.len(), 22);
    let made = creating_calls(&sb.calls());
    assert!(made.is_empty(), "a rerun made {made:?}");
    sb.stop();
}

#[test]
fn a_spec_with_errors_makes_no_aws_call() {
    let sb = Sandbox::start(TIME_SCALE);
    let dir = tempfile::tempdir().unwrap();
    let mut bad = spec("ktb", "octo");
    bad.name = "Bad_Name!".into();
    bad.deploy.container_port = 0;
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, bad.to_toml().unwrap()).unwrap();
    let out = Command::new(cli_bin())
        .args(["up", "--yes", "--spec"])
        .arg(&path)
        .envs(sb.cli_env())
        .env("PIPEWRIGHT_HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("name:") && stdout.contains("deploy.container_port"),
        "{stdout}"
    );
    // The core refuses too, before its first call.
    let err = up(&sb, &bad, Arc::new(Ledger::in_memory().unwrap()), 4).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid");
    assert!(sb.calls().is_empty(), "{:?}", sb.calls());
    sb.stop();
}

#[test]
fn a_resource_with_our_name_but_not_our_tag_is_refused() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = spec("ktb", "octo");
    let repo = spec.names().repository;
    runtime().block_on(async {
        sb.aws()
            .await
            .ecr()
            .create_repository()
            .repository_name(&repo)
            .send()
            .await
            .unwrap();
    });
    sb.delete("/_sandbox/calls");
    let err = up(&sb, &spec, Arc::new(Ledger::in_memory().unwrap()), 4).unwrap_err();
    assert_eq!(err.code().as_str(), "not_ours", "{err}");
    assert!(err.to_string().contains(&repo), "{err}");
    let calls = sb.calls();
    assert!(
        !calls
            .iter()
            .any(|(op, _)| op == "CreateRepository" || op == "TagResource"),
        "{calls:?}"
    );
    // Untouched: still untagged.
    runtime().block_on(async {
        let aws = sb.aws().await;
        let arn = format!("arn:aws:ecr:{REGION}:123456789012:repository/{repo}");
        let tags = aws
            .ecr()
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .unwrap();
        assert!(tags.tags().is_empty());
    });
    sb.stop();
}

#[test]
fn throttling_faults_are_retried_to_the_end() {
    let sb = Sandbox::start(TIME_SCALE);
    // Count-based, not a probability: the first two calls of each create, from the first
    // resources to the last, are throttled, so every run sees the same 26 faults and no call
    // is throttled more often than the SDK retries (5 attempts).
    const CREATES: [&str; 13] = [
        "CreateRole",
        "PutRolePolicy",
        "CreateSecurityGroup",
        "CreateRepository",
        "CreateLogGroup",
        "CreateProject",
        "CreateLoadBalancer",
        "CreateTargetGroup",
        "CreateListener",
        "CreateCluster",
        "CreateService",
        "CreatePipeline",
        "CreateSchedule",
    ];
    let rules: Vec<Value> = CREATES
        .iter()
        .map(|op| json!({ "operation": op, "error": "ThrottlingException", "count": 2 }))
        .collect();
    sb.control("/_sandbox/faults", json!({ "rules": rules }));
    let spec = spec("ktb", "octo");
    up(&sb, &spec, Arc::new(Ledger::in_memory().unwrap()), 4).expect("up under throttling");
    let calls = sb.calls();
    let throttled: Vec<&str> = calls
        .iter()
        .filter(|(_, o)| o == "ThrottlingException")
        .map(|(op, _)| op.as_str())
        .collect();
    for op in CREATES {
        assert_eq!(throttled.iter().filter(|t| **t == op).count(), 2, "{op}: {throttled:?}");
        // Each throttled create was retried until it went through.
        assert!(
            calls.iter().any(|(o, out)| o == op && out != "ThrottlingException"),
            "{op}"
        );
    }
    assert_eq!(throttled.len(), 26, "{throttled:?}");
    sb.delete("/_sandbox/faults");
    runtime().block_on(async {
        let aws = sb.aws().await;
        assert_exactly_one_each(&counts(&aws, &spec).await, "throttled");
        inventory(&aws, &spec).await;
    });
    sb.stop();
}

/// Runs `pipewright up --yes --json` and kills it after `kill_after` progress lines (never,
/// if None). Completes handshakes as they are asked for. Returns the exit code (None: killed).
fn run_cli(
    sb: &Sandbox,
    home: &std::path::Path,
    spec_path: &std::path::Path,
    kill_after: Option<usize>,
) -> Option<i32> {
    let mut child = Command::new(cli_bin())
        .args(["up", "--yes", "--json", "--spec"])
        .arg(spec_path)
        .envs(sb.cli_env())
        .env("PIPEWRIGHT_HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drained on a thread (a full pipe would block the CLI); shown when a run fails.
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).ok();
        text
    });
    let stdout = child.stdout.take().unwrap();
    let mut lines = 0;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        lines += 1;
        let e: Value = serde_json::from_str(&line).unwrap();
        if e["kind"] == "connection" && e["state"] == "waiting" {
            sb.complete_connection(e["detail"]["physicalId"].as_str().unwrap());
        }
        if Some(lines) == kill_after {
            child.kill().unwrap();
            child.wait().unwrap();
            return None;
        }
    }
    let code = child.wait().unwrap().code();
    let errors = errors.join().unwrap();
    if code != Some(0) {
        eprintln!("pipewright up exited {code:?}:\n{errors}");
    }
    code
}

#[test]
fn the_cli_killed_at_any_point_resumes_without_duplicates() {
    let sb = Sandbox::start(TIME_SCALE);
    // 23 pending lines come first (22 resources and the first run); the rest are
    // creating/waiting/created events.
    for n in [3, 24, 28, 34, 40, 46, 52, 59, 66] {
        let dir = tempfile::tempdir().unwrap();
        // Each lab its own GitHub owner, so no lab reuses another's connection.
        let spec = spec(&format!("kill{n}"), &format!("owner{n}"));
        let path = dir.path().join("lab.toml");
        std::fs::write(&path, spec.to_toml().unwrap()).unwrap();
        let killed = run_cli(&sb, dir.path(), &path, Some(n));
        assert_eq!(killed, None, "killed after {n} lines");
        let code = run_cli(&sb, dir.path(), &path, None);
        assert_eq!(code, Some(0), "the rerun after a kill at line {n} finishes");
        runtime().block_on(async {
            let aws = sb.aws().await;
            assert_exactly_one_each(&counts(&aws, &spec).await, &format!("killed at line {n}"));
        });
        let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
        let rows = ledger.resources(&spec.name).unwrap();
        assert_eq!(rows.len(), 22);
        assert!(rows.iter().all(|r| r.state == ResourceState::Created), "{rows:?}");
    }
    sb.stop();
}
