//! What makes a lab "up" on a real account, against the strict sandbox: the pipeline's first
//! run builds, pushes and deploys the image (no service waits for an image nobody pushed), a
//! failed first run says where and why, immutable tags survive a run of the same commit, the
//! lab lives in its spec's region whatever the credentials say, a full clone lets the build
//! use the connection, and the pipeline role holds what the ECS deploy action needs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pipewright_core::api::CredentialSource;
use pipewright_core::apply::{self, ApplyOptions, ApplyReport};
use pipewright_core::credentials::context_for;
use pipewright_core::ledger::Ledger;
use pipewright_core::progress::{Cancel, NodeState};
use pipewright_core::spec::{LabSpec, OutputArtifactFormat, RoleChoice};
use pipewright_core::{AwsContext, Error};
use pipewright_tests::{Sandbox, decode_policy, first_runs, handshaking_progress, runtime};
use serde_json::json;

const TIME_SCALE: f64 = 0.01;
const ACCOUNT: &str = "123456789012";

fn spec(lab: &str) -> LabSpec {
    LabSpec::new(lab, &format!("owner-{lab}/app"))
}

/// `up` through the core in `region` (the spec's, unless a test says otherwise), with the
/// practice credentials, whose own region is Seoul.
fn up_in(sb: &Sandbox, spec: &LabSpec, ledger: Arc<Ledger>, region: &str) -> Result<ApplyReport, Error> {
    let (progress, completer) = handshaking_progress(sb, |_| {});
    let result = runtime().block_on(async {
        let aws = context_for(Some(&CredentialSource::Practice), Some(&sb.access()), Some(region)).await?;
        apply::apply(
            &aws,
            ledger,
            spec,
            ApplyOptions::for_context(&aws),
            progress,
            Cancel::never(),
        )
        .await
    });
    completer.join().unwrap();
    result
}

fn up(sb: &Sandbox, spec: &LabSpec, ledger: Arc<Ledger>) -> Result<ApplyReport, Error> {
    up_in(sb, spec, ledger, &spec.region)
}

async fn aws_in(sb: &Sandbox, region: &str) -> AwsContext {
    context_for(Some(&CredentialSource::Practice), Some(&sb.access()), Some(region))
        .await
        .unwrap()
}

/// Waits for execution `id` of `pipeline` to end; returns its status.
async fn finished(aws: &AwsContext, pipeline: &str, id: &str) -> String {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let out = aws
            .codepipeline()
            .get_pipeline_execution()
            .pipeline_name(pipeline)
            .pipeline_execution_id(id)
            .send()
            .await
            .unwrap();
        let status = out.pipeline_execution().unwrap().status().unwrap().as_str().to_owned();
        if !matches!(status.as_str(), "InProgress" | "Stopping") {
            return status;
        }
        assert!(Instant::now() < until, "execution {id} never ended");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn the_lab_is_up_when_its_first_run_has_deployed_a_pushed_image() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = spec("first");
    let events = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = events.clone();
    let (progress, completer) = handshaking_progress(&sb, move |e| seen.lock().unwrap().push(e.clone()));
    let report = runtime()
        .block_on(async {
            let aws = sb.aws().await;
            apply::apply(
                &aws,
                Arc::new(Ledger::in_memory().unwrap()),
                &spec,
                ApplyOptions::for_context(&aws),
                progress,
                Cancel::never(),
            )
            .await
        })
        .expect("up");
    completer.join().unwrap();
    assert_eq!(report.resources.len(), 22);

    // The service was created with no task (nothing to pull yet) and scaled up afterwards.
    let calls = sb.get("/_sandbox/calls");
    let ops: Vec<&str> = calls["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["operation"].as_str().unwrap())
        .collect();
    let at = |op: &str| ops.iter().position(|o| *o == op).unwrap_or_else(|| panic!("no {op}"));
    assert!(at("DisableStageTransition") < at("EnableStageTransition"));
    assert!(at("CreateService") < at("EnableStageTransition"));
    assert!(ops.contains(&"UpdateService"), "scaled up after the first deploy");

    // Progress showed the run stage by stage, with AWS's usual durations.
    let events = events.lock().unwrap();
    let run_events: Vec<_> = events.iter().filter(|e| e.kind == "first_run").collect();
    assert!(run_events.iter().any(|e| {
        e.detail
            .as_ref()
            .and_then(|d| d.run.as_ref())
            .is_some_and(|r| r.stages.len() == 3)
    }));
    assert!(run_events.iter().any(|e| {
        e.detail
            .as_ref()
            .is_some_and(|d| d.typical_secs == Some(190) && d.expected_secs == Some(2))
    }));
    assert_eq!(run_events.last().unwrap().state, NodeState::Created);
    drop(events);

    runtime().block_on(async {
        let aws = sb.aws().await;
        let n = spec.names();
        let svc = aws
            .ecs()
            .describe_services()
            .cluster(&n.cluster)
            .services(&n.service)
            .send()
            .await
            .unwrap();
        let svc = &svc.services()[0];
        assert_eq!((svc.desired_count(), svc.running_count()), (1, 1));
        // The running revision is the one the Deploy action registered, with the built image.
        let td = aws
            .ecs()
            .describe_task_definition()
            .task_definition(svc.task_definition().unwrap())
            .send()
            .await
            .unwrap();
        let image = td.task_definition().unwrap().container_definitions()[0]
            .image()
            .unwrap()
            .to_owned();
        assert!(!image.ends_with(":awaiting-first-build"), "{image}");
        let tag = image.rsplit(':').next().unwrap();
        let images = aws
            .ecr()
            .describe_images()
            .repository_name(&n.repository)
            .send()
            .await
            .unwrap();
        assert!(
            images
                .image_details()
                .iter()
                .any(|d| d.image_tags().iter().any(|t| t == tag)),
            "the deployed tag {tag} was pushed"
        );
        assert!(
            !images
                .image_details()
                .iter()
                .any(|d| d.image_tags().iter().any(|t| t == "latest")),
            "nothing depends on `latest`"
        );
        // Deploy is no longer held.
        let state = aws
            .codepipeline()
            .get_pipeline_state()
            .name(&n.pipeline)
            .send()
            .await
            .unwrap();
        let deploy = state
            .stage_states()
            .iter()
            .find(|s| s.stage_name() == Some("Deploy"))
            .unwrap();
        assert_eq!(deploy.inbound_transition_state().map(|t| t.enabled()), Some(true));
    });
    sb.stop();
}

#[test]
fn a_failed_first_build_names_the_phase_and_shows_the_log_and_a_rerun_finishes() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = spec("broken");
    sb.control(
        "/_sandbox/fail-stage",
        json!({ "pipelineName": spec.names().pipeline, "stageName": "Build", "times": 1 }),
    );
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    let err = up(&sb, &spec, ledger.clone()).unwrap_err();
    assert_eq!(err.code().as_str(), "first_run_failed", "{err}");
    let Error::FirstRunFailed(f) = &err else { unreachable!() };
    assert_eq!(f.stage, "Build");
    assert_eq!(f.build_phase.as_deref(), Some("BUILD"));
    assert!(f.message.contains("COMMAND_EXECUTION_ERROR"), "{}", f.message);
    assert!(
        f.log_tail.iter().any(|l| l.contains("npm ERR!")),
        "the log's last lines: {:?}",
        f.log_tail
    );
    // Every resource exists; the service still has no task.
    assert_eq!(ledger.resources("broken").unwrap().len(), 22);
    // Run again (the student pushed a fix, or just retries): a new run goes through.
    let report = up(&sb, &spec, ledger).expect("the rerun finishes the lab");
    assert_eq!(report.resources.len(), 22);
    sb.stop();
}

/// AWS fails the run CreatePipeline starts when IAM has not yet propagated the pipeline role's
/// policy as that run's Source begins (the lecture flow test met it on a loaded machine).
/// Apply starts the next run itself, and the lab comes up without the student doing anything.
#[test]
fn a_first_run_refused_while_iam_propagates_is_followed_by_a_new_one() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = spec("propag");
    // Each PutRolePolicy reaches IAM 1.2 s late: every role is older than the sandbox's 800 ms
    // IAM window by then, its policy is not, so CreatePipeline is accepted at once and the
    // run it starts uses the role without its policy.
    sb.control(
        "/_sandbox/faults",
        json!({ "rules": [{ "service": "iam", "operation": "PutRolePolicy", "latencyMs": 1200 }] }),
    );
    let report = up(&sb, &spec, Arc::new(Ledger::in_memory().unwrap())).expect("apply");
    assert_eq!(report.resources.len(), 22);
    let runs = runtime().block_on(async {
        let aws = aws_in(&sb, &spec.region).await;
        first_runs(&aws, &spec.names().pipeline).await
    });
    // The run CreatePipeline started failed; whether apply's first look found it failed or
    // still in Source decides whether one or two more were started.
    assert!(runs >= 2, "{runs} runs");
    sb.stop();
}

#[test]
fn immutable_tags_take_a_second_run_of_the_same_commit() {
    let sb = Sandbox::start(TIME_SCALE);
    let mut spec = spec("immut");
    spec.registry.tag_immutability = true;
    up(&sb, &spec, Arc::new(Ledger::in_memory().unwrap())).expect("up");
    runtime().block_on(async {
        let aws = sb.aws().await;
        let pipeline = spec.names().pipeline;
        // "Release change": the same commit again.
        let id = aws
            .codepipeline()
            .start_pipeline_execution()
            .name(&pipeline)
            .send()
            .await
            .unwrap()
            .pipeline_execution_id()
            .unwrap()
            .to_owned();
        assert_eq!(finished(&aws, &pipeline, &id).await, "Succeeded");
        let images = aws
            .ecr()
            .describe_images()
            .repository_name(spec.names().repository)
            .send()
            .await
            .unwrap();
        let tags: Vec<&str> = images
            .image_details()
            .iter()
            .flat_map(|d| d.image_tags())
            .map(String::as_str)
            .collect();
        assert_eq!(tags.len(), 2, "one tag per build: {tags:?}");
        assert!(tags.iter().all(|t| t.contains("-b")), "{tags:?}");
    });
    sb.stop();
}

#[test]
fn the_lab_lives_in_its_spec_region_whatever_region_the_credentials_carry() {
    let sb = Sandbox::start(TIME_SCALE);
    let mut spec = spec("useast");
    spec.region = "us-east-1".into();
    spec.deploy.load_balancer.listener_port = 8080;
    let ledger = Arc::new(Ledger::in_memory().unwrap());

    // A context in the credentials' region is refused before any call.
    sb.delete("/_sandbox/calls");
    let wrong = up_in(&sb, &spec, ledger.clone(), "ap-northeast-2").unwrap_err();
    assert_eq!(wrong.field(), Some("region"), "{wrong}");
    assert!(sb.calls().is_empty(), "{:?}", sb.calls());

    let report = up(&sb, &spec, ledger.clone()).expect("up in us-east-1");
    assert!(report.url.as_deref().unwrap().ends_with(":8080"), "{:?}", report.url);
    assert_eq!(ledger.lab_region("useast").unwrap().as_deref(), Some("us-east-1"));
    runtime().block_on(async {
        let here = aws_in(&sb, "us-east-1").await;
        let seoul = aws_in(&sb, "ap-northeast-2").await;
        let repo = spec.names().repository;
        let found = here.ecr().describe_repositories().repository_names(&repo).send().await;
        assert_eq!(found.unwrap().repositories()[0].repository_name(), Some(repo.as_str()));
        let elsewhere = seoul.ecr().describe_repositories().repository_names(&repo).send().await;
        let e = elsewhere
            .expect_err("nothing in the credentials' region")
            .into_service_error();
        assert!(e.is_repository_not_found_exception(), "{e:?}");
        let lbs = here
            .elbv2()
            .describe_load_balancers()
            .names(spec.names().load_balancer)
            .send()
            .await
            .unwrap();
        // Exactly the two zones the estimate counts public addresses for.
        assert_eq!(lbs.load_balancers()[0].availability_zones().len(), 2);
    });
    sb.stop();
}

#[test]
fn a_full_clone_lets_the_build_use_the_connection_and_a_role_without_it_fails_as_aws_does() {
    let sb = Sandbox::start(TIME_SCALE);
    let mut spec = spec("clone");
    spec.source.output_format = OutputArtifactFormat::CodebuildCloneRef;
    up(&sb, &spec, Arc::new(Ledger::in_memory().unwrap())).expect("a full clone works with the lab's build role");

    // The student's own build role, without UseConnection: the build cannot clone.
    let mut other = self::spec("clone2");
    other.source.output_format = OutputArtifactFormat::CodebuildCloneRef;
    runtime().block_on(async {
        let iam = sb.aws().await.iam();
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        iam.create_role()
            .role_name("student-build")
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap();
        // What the build needs, except the connection.
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["logs:*", "s3:*", "ecr:*"], "Resource": "*"}]});
        iam.put_role_policy()
            .role_name("student-build")
            .policy_name("build")
            .policy_document(policy.to_string())
            .send()
            .await
            .unwrap();
    });
    other.build.service_role = RoleChoice::Existing {
        arn: format!("arn:aws:iam::{ACCOUNT}:role/student-build"),
    };
    let err = up(&sb, &other, Arc::new(Ledger::in_memory().unwrap())).unwrap_err();
    let Error::FirstRunFailed(f) = &err else {
        panic!("{err}")
    };
    assert_eq!(f.stage, "Build", "{err}");
    assert!(f.message.contains("UseConnection"), "{err}");
    sb.stop();
}

#[test]
fn without_ecs_tag_resource_the_deploy_action_fails_as_on_aws() {
    let sb = Sandbox::start(TIME_SCALE);
    let spec = spec("tagless");
    up(&sb, &spec, Arc::new(Ledger::in_memory().unwrap())).expect("up");
    let n = spec.names();
    let role = n.pipeline_role.clone().unwrap();
    // No IAM propagation window from here on: the changed policy is what answers next, with
    // no sleep to outwait the old one.
    sb.control("/_sandbox/consistency", json!({ "iamMs": 0 }));
    runtime().block_on(async {
        let aws = sb.aws().await;
        let iam = aws.iam();
        let doc = iam
            .get_role_policy()
            .role_name(&role)
            .policy_name("pipewright")
            .send()
            .await
            .unwrap();
        let mut doc: serde_json::Value = serde_json::from_str(&decode_policy(doc.policy_document())).unwrap();
        doc["Statement"]
            .as_array_mut()
            .unwrap()
            .retain(|st| st["Sid"] != "TagNewRevision");
        iam.put_role_policy()
            .role_name(&role)
            .policy_name("pipewright")
            .policy_document(doc.to_string())
            .send()
            .await
            .unwrap();
    });
    let out = sb.control(
        "/_sandbox/push",
        json!({ "repository": spec.source.repository, "branch": "main", "message": "change" }),
    );
    let id = out["started"][0]["pipelineExecutionId"].as_str().unwrap().to_owned();
    runtime().block_on(async {
        let aws = sb.aws().await;
        assert_eq!(finished(&aws, &n.pipeline, &id).await, "Failed");
        let actions = aws
            .codepipeline()
            .list_action_executions()
            .pipeline_name(&n.pipeline)
            .filter(
                aws_sdk_codepipeline::types::ActionExecutionFilter::builder()
                    .pipeline_execution_id(&id)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let failed = actions
            .action_execution_details()
            .iter()
            .find(|a| a.status().map(|s| s.as_str()) == Some("Failed"))
            .unwrap();
        assert_eq!(failed.stage_name(), Some("Deploy"));
        let message = failed
            .output()
            .and_then(|o| o.execution_result())
            .and_then(|r| r.error_details())
            .and_then(|d| d.message())
            .unwrap();
        assert!(
            message.contains("is not authorized to perform: ecs:TagResource") && message.contains(&n.task_family),
            "{message}"
        );
    });
    sb.stop();
}
