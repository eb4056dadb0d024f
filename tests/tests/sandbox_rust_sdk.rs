//! The lecture's whole flow against the sandbox through the AWS SDK for Rust, which is strict
//! where boto3 is lenient: every answer the sandbox makes up or patches must parse here, with
//! AWS's shapes, and say what AWS would say.
//!
//! Create everything (Apply), push, watch Source → Build → Deploy succeed, fail a stage and
//! retry it, stop a run, tear down in the wrong order and get AWS's errors, tear down in the
//! right order and have nothing left. Plus the CodeStar Connections lifecycle and S3
//! versioning on their own.
//!
//! Each test builds its own tokio runtime; sandbox control calls use async reqwest, so no
//! blocking client ever runs on a runtime thread.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_codepipeline::types::{ActionExecutionDetail, ActionExecutionFilter, StageRetryMode};
use aws_sdk_ecs::error::ProvideErrorMetadata;
use pipewright_core::apply::{self, ApplyOptions};
use pipewright_core::ledger::Ledger;
use pipewright_core::progress::{Cancel, NodeState, Progress};
use pipewright_core::spec::LabSpec;
use pipewright_core::{AwsContext, SandboxAccess};
use pipewright_tests::{REGION, Sandbox, first_runs};
use serde_json::{Value, json};

const TIME_SCALE: f64 = 0.01;
const ACCOUNT: &str = "123456789012";
const LAB_TAG: &str = "pipewright:lab";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// POSTs JSON to a `/_sandbox/...` control endpoint (async: we are on the runtime).
async fn control(sandbox: &SandboxAccess, path: &str, body: Value) -> Value {
    let resp = sandbox
        .control(reqwest::Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let resp = resp.error_for_status().unwrap_or_else(|e| panic!("POST {path}: {e}"));
    resp.json().await.unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

/// A deadline for a polling loop: `tick` sleeps ~50 ms, and fails the test once it has passed.
struct Deadline {
    what: &'static str,
    until: Instant,
}

impl Deadline {
    fn new(what: &'static str, secs: u64) -> Deadline {
        Deadline {
            what,
            until: Instant::now() + Duration::from_secs(secs),
        }
    }

    async fn tick(&self) {
        assert!(Instant::now() < self.until, "timed out waiting for {}", self.what);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The AWS error code of a call that must fail.
fn error_code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(r: Result<T, E>) -> (String, String) {
    let e = r.expect_err("the call should have failed");
    let code = e.code().unwrap_or_else(|| panic!("no error code in {e:?}")).to_owned();
    (code, e.message().unwrap_or_default().to_owned())
}

/// A fresh 40-hex-digit commit id.
fn commit_id(n: u64) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64;
    format!(
        "{nanos:016x}{:016x}{n:08x}",
        nanos.rotate_left(23) ^ 0x9e37_79b9_7f4a_7c15
    )
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

// ------------------------------------------------------------------ connections and S3

#[test]
fn codestar_connections_and_s3_versioning_parse_in_the_rust_sdk() {
    let sb = Sandbox::start(TIME_SCALE);
    let url = sb.access();
    runtime().block_on(async {
        use aws_sdk_codestarconnections::types::{ConnectionStatus, ProviderType, Tag};
        let aws = sb.aws().await;
        let conns = aws.connections();

        let created = conns
            .create_connection()
            .connection_name("ktb-github")
            .provider_type(ProviderType::Github)
            .tags(Tag::builder().key(LAB_TAG).value("ktb").build().unwrap())
            .send()
            .await
            .unwrap();
        let arn = created.connection_arn().to_owned();
        assert!(
            arn.starts_with(&format!("arn:aws:codestar-connections:{REGION}:{ACCOUNT}:connection/")),
            "{arn}"
        );
        assert_eq!(created.tags().len(), 1);

        let get = conns.get_connection().connection_arn(&arn).send().await.unwrap();
        let c = get.connection().unwrap();
        assert_eq!(c.connection_name(), Some("ktb-github"));
        assert_eq!(c.connection_arn(), Some(arn.as_str()));
        assert_eq!(c.provider_type(), Some(&ProviderType::Github));
        assert_eq!(c.owner_account_id(), Some(ACCOUNT));
        assert_eq!(c.connection_status(), Some(&ConnectionStatus::Pending));

        let done = control(
            &url,
            "/_sandbox/connections/complete",
            json!({ "connectionArn": arn, "status": "AVAILABLE" }),
        )
        .await;
        assert_eq!(done["connectionStatus"], "AVAILABLE");
        let get = conns.get_connection().connection_arn(&arn).send().await.unwrap();
        assert_eq!(
            get.connection().unwrap().connection_status(),
            Some(&ConnectionStatus::Available)
        );

        // A second one stays PENDING; the list shows both, filtered by provider.
        let other = conns
            .create_connection()
            .connection_name("other-github")
            .provider_type(ProviderType::Github)
            .send()
            .await
            .unwrap();
        let list = conns
            .list_connections()
            .provider_type_filter(ProviderType::Github)
            .send()
            .await
            .unwrap();
        let mut seen: Vec<(String, String)> = list
            .connections()
            .iter()
            .map(|c| {
                (
                    c.connection_name().unwrap().to_owned(),
                    c.connection_status().unwrap().as_str().to_owned(),
                )
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            [
                ("ktb-github".to_owned(), "AVAILABLE".to_owned()),
                ("other-github".to_owned(), "PENDING".to_owned())
            ]
        );

        // Tags: list, add, remove.
        let tags = conns.list_tags_for_resource().resource_arn(&arn).send().await.unwrap();
        assert_eq!(
            tags.tags().iter().map(|t| (t.key(), t.value())).collect::<Vec<_>>(),
            [(LAB_TAG, "ktb")]
        );
        conns
            .tag_resource()
            .resource_arn(&arn)
            .tags(Tag::builder().key("course").value("ktb").build().unwrap())
            .send()
            .await
            .unwrap();
        conns
            .untag_resource()
            .resource_arn(&arn)
            .tag_keys(LAB_TAG)
            .send()
            .await
            .unwrap();
        let tags = conns.list_tags_for_resource().resource_arn(&arn).send().await.unwrap();
        assert_eq!(
            tags.tags().iter().map(|t| (t.key(), t.value())).collect::<Vec<_>>(),
            [("course", "ktb")]
        );

        // Delete: gone, and AWS's error for it afterwards.
        conns.delete_connection().connection_arn(&arn).send().await.unwrap();
        conns
            .delete_connection()
            .connection_arn(other.connection_arn())
            .send()
            .await
            .unwrap();
        let (code, _) = error_code(conns.get_connection().connection_arn(&arn).send().await);
        assert_eq!(code, "ResourceNotFoundException");
        assert!(conns.list_connections().send().await.unwrap().connections().is_empty());

        // S3 GetBucketVersioning: no status before, Enabled after PutBucketVersioning.
        use aws_sdk_s3::types::{
            BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, VersioningConfiguration,
        };
        let s3 = aws.s3();
        s3.create_bucket()
            .bucket("versioned")
            .create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(REGION))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let v = s3.get_bucket_versioning().bucket("versioned").send().await.unwrap();
        assert_eq!(v.status(), None);
        for status in [BucketVersioningStatus::Enabled, BucketVersioningStatus::Suspended] {
            s3.put_bucket_versioning()
                .bucket("versioned")
                .versioning_configuration(VersioningConfiguration::builder().status(status.clone()).build())
                .send()
                .await
                .unwrap();
            let v = s3.get_bucket_versioning().bucket("versioned").send().await.unwrap();
            assert_eq!(v.status(), Some(&status));
        }
    });
    sb.stop();
}

// ------------------------------------------------------------------ the lecture flow

/// Apply the lab, completing the connection handshake when it waits for it.
async fn create_everything(aws: &AwsContext, url: &SandboxAccess, spec: &LabSpec) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let progress = Progress::new(move |e| {
        if e.kind == "connection"
            && e.state == NodeState::Waiting
            && let Some(arn) = e.detail.as_ref().and_then(|d| d.physical_id.clone())
        {
            let _ = tx.send(arn);
        }
    });
    let url = url.clone();
    let completer = tokio::spawn(async move {
        while let Some(arn) = rx.recv().await {
            control(
                &url,
                "/_sandbox/connections/complete",
                json!({ "connectionArn": arn, "status": "AVAILABLE" }),
            )
            .await;
        }
    });
    let ledger = Arc::new(Ledger::in_memory().unwrap());
    let report = apply::apply(
        aws,
        ledger,
        spec,
        ApplyOptions::for_context(aws),
        progress,
        Cancel::never(),
    )
    .await
    .expect("apply");
    assert_eq!(report.resources.len(), 22);
    completer.await.unwrap();
}

struct Lab {
    aws: AwsContext,
    url: SandboxAccess,
    spec: LabSpec,
    pipeline: String,
}

impl Lab {
    async fn status(&self, exe: &str) -> String {
        let out = self
            .aws
            .codepipeline()
            .get_pipeline_execution()
            .pipeline_name(&self.pipeline)
            .pipeline_execution_id(exe)
            .send()
            .await
            .unwrap();
        out.pipeline_execution().unwrap().status().unwrap().as_str().to_owned()
    }

    async fn wait_done(&self, exe: &str, what: &'static str) -> String {
        let deadline = Deadline::new(what, 30);
        loop {
            let s = self.status(exe).await;
            if s != "InProgress" && s != "Stopping" {
                return s;
            }
            deadline.tick().await;
        }
    }

    async fn actions(&self, exe: &str) -> Vec<ActionExecutionDetail> {
        self.aws
            .codepipeline()
            .list_action_executions()
            .pipeline_name(&self.pipeline)
            .filter(ActionExecutionFilter::builder().pipeline_execution_id(exe).build())
            .send()
            .await
            .unwrap()
            .action_execution_details()
            .to_vec()
    }

    async fn push(&self, commit: &str, message: &str) -> String {
        let out = control(
            &self.url,
            "/_sandbox/push",
            json!({ "repository": self.spec.source.repository, "branch": "main", "commitId": commit,
                    "message": message, "paths": ["src/app.js"] }),
        )
        .await;
        let started = out["started"].as_array().unwrap();
        assert_eq!(started.len(), 1, "{out}");
        assert_eq!(started[0]["pipelineName"], self.pipeline.as_str());
        assert_eq!(started[0]["region"], REGION);
        started[0]["pipelineExecutionId"].as_str().unwrap().to_owned()
    }
}

fn action_status(d: &ActionExecutionDetail) -> &str {
    d.status().unwrap().as_str()
}

#[test]
fn the_whole_lecture_flow_runs_with_the_rust_sdk() {
    let sb = Sandbox::start(TIME_SCALE);
    let started = Instant::now();
    let url = sb.access();
    runtime().block_on(async {
        let aws = sb.aws().await;
        let spec = LabSpec::new("ktb", "octo/app");
        create_everything(&aws, &url, &spec).await;
        let lab = Lab {
            pipeline: spec.names().pipeline,
            aws,
            url,
            spec,
        };
        check_pipeline_declaration(&lab).await;
        let commit = successful_push(&lab).await;
        check_build_and_rollout(&lab, &commit).await;
        fail_retry_and_stop(&lab).await;
        wrong_order_teardown(&lab).await;
        right_order_teardown(&lab).await;
        nothing_left(&lab).await;
    });
    eprintln!("lecture flow took {:.1}s", started.elapsed().as_secs_f64());
    sb.stop();
}

/// GetPipeline and ListPipelines (metadata timestamps), and the first run CreatePipeline made.
async fn check_pipeline_declaration(lab: &Lab) {
    let cp = lab.aws.codepipeline();
    let n = lab.spec.names();
    let out = cp.get_pipeline().name(&lab.pipeline).send().await.unwrap();
    let p = out.pipeline().unwrap();
    assert_eq!(p.pipeline_type().map(|t| t.as_str()), Some("V2"));
    assert_eq!(p.execution_mode().map(|t| t.as_str()), Some("QUEUED"));
    let stages: Vec<&str> = p.stages().iter().map(|s| s.name()).collect();
    assert_eq!(stages, ["Source", "Build", "Deploy"]);
    let cfg = |i: usize| p.stages()[i].actions()[0].configuration().unwrap().clone();
    assert_eq!(cfg(0)["FullRepositoryId"], "octo/app");
    assert_eq!(cfg(0)["BranchName"], "main");
    assert_eq!(cfg(1)["ProjectName"], n.build_project);
    assert_eq!(cfg(2)["ClusterName"], n.cluster);
    assert_eq!(cfg(2)["ServiceName"], n.service);
    let push = &p.triggers()[0].git_configuration().unwrap().push()[0];
    assert_eq!(push.branches().unwrap().includes(), ["main"]);
    let meta = out.metadata().unwrap();
    assert_eq!(
        meta.pipeline_arn(),
        Some(format!("arn:aws:codepipeline:{REGION}:{ACCOUNT}:{}", lab.pipeline).as_str())
    );
    let (created, updated) = (meta.created().unwrap().secs(), meta.updated().unwrap().secs());
    assert!((now_secs() - created).abs() < 600, "created {created}");
    assert!(updated >= created);

    let list = cp.list_pipelines().send().await.unwrap();
    let summary = &list.pipelines()[0];
    assert_eq!(summary.name(), Some(lab.pipeline.as_str()));
    assert_eq!(summary.created().unwrap().secs(), created);
    assert_eq!(summary.version(), p.version());

    // CreatePipeline started a run, which apply followed until it deployed (or, refused while
    // IAM propagated, one after it). It has ended before we push: QUEUED would queue the push.
    first_runs(&lab.aws, &lab.pipeline).await;
}

/// Push a commit and watch it go Source → Build → Deploy.
async fn successful_push(lab: &Lab) -> String {
    let cp = lab.aws.codepipeline();
    let commit = commit_id(1);
    let exe = lab.push(&commit, "Change greeting").await;

    let mut seen: Vec<String> = Vec::new();
    let deadline = Deadline::new("the pushed run", 30);
    loop {
        let state = cp.get_pipeline_state().name(&lab.pipeline).send().await.unwrap();
        for st in state.stage_states() {
            if st.latest_execution().map(|l| l.pipeline_execution_id()) == Some(exe.as_str()) {
                let name = st.stage_name().unwrap().to_owned();
                if !seen.contains(&name) {
                    seen.push(name);
                }
            }
        }
        if lab.status(&exe).await != "InProgress" {
            break;
        }
        deadline.tick().await;
    }
    assert_eq!(seen, ["Source", "Build", "Deploy"], "stages entered in order");
    assert_eq!(lab.status(&exe).await, "Succeeded");

    let state = cp.get_pipeline_state().name(&lab.pipeline).send().await.unwrap();
    assert_eq!(state.pipeline_name(), Some(lab.pipeline.as_str()));
    assert!(state.created().is_some() && state.updated().is_some());
    let names: Vec<_> = state.stage_states().iter().map(|s| s.stage_name().unwrap()).collect();
    assert_eq!(names, ["Source", "Build", "Deploy"]);
    for st in state.stage_states() {
        let latest = st.latest_execution().unwrap();
        assert_eq!(
            (latest.pipeline_execution_id(), latest.status().as_str()),
            (exe.as_str(), "Succeeded")
        );
        assert!(st.inbound_transition_state().unwrap().enabled());
        let action = st.action_states()[0].latest_execution().unwrap();
        assert_eq!(action.status().unwrap().as_str(), "Succeeded");
        assert!(action.external_execution_id().is_some_and(|id| !id.is_empty()));
        assert!(action.error_details().is_none());
    }
    let source = &state.stage_states()[0].action_states()[0];
    assert_eq!(source.current_revision().unwrap().revision_id(), commit);
    assert_eq!(source.latest_execution().unwrap().summary(), Some("Change greeting"));
    let build = &state.stage_states()[1].action_states()[0];
    assert!(
        build
            .latest_execution()
            .unwrap()
            .external_execution_id()
            .unwrap()
            .starts_with(&format!("{}:", lab.spec.names().build_project))
    );

    // The run: trigger, revisions; newest first in the list.
    let out = cp
        .get_pipeline_execution()
        .pipeline_name(&lab.pipeline)
        .pipeline_execution_id(&exe)
        .send()
        .await
        .unwrap();
    let e = out.pipeline_execution().unwrap();
    assert_eq!(e.trigger().unwrap().trigger_type().unwrap().as_str(), "WebhookV2");
    assert_eq!(e.execution_mode().map(|m| m.as_str()), Some("QUEUED"));
    let rev = &e.artifact_revisions()[0];
    assert_eq!(rev.revision_id(), Some(commit.as_str()));
    assert_eq!(rev.revision_summary(), Some("Change greeting"));
    let list = cp
        .list_pipeline_executions()
        .pipeline_name(&lab.pipeline)
        .send()
        .await
        .unwrap();
    let s = &list.pipeline_execution_summaries()[0];
    assert_eq!(s.pipeline_execution_id(), Some(exe.as_str()));
    assert_eq!(s.status().unwrap().as_str(), "Succeeded");
    assert!(s.start_time().unwrap() <= s.last_update_time().unwrap());
    let src = &s.source_revisions()[0];
    assert_eq!(src.action_name(), "Source");
    assert_eq!(src.revision_id(), Some(commit.as_str()));
    assert_eq!(src.revision_summary(), Some("Change greeting"));
    assert_eq!(
        src.revision_url(),
        Some(format!("https://github.com/octo/app/commit/{commit}").as_str())
    );
    assert_eq!(s.trigger().unwrap().trigger_type().unwrap().as_str(), "WebhookV2");

    // Action executions: newest first, inputs and results.
    let details = lab.actions(&exe).await;
    let stages: Vec<_> = details.iter().map(|d| d.stage_name().unwrap()).collect();
    assert_eq!(stages, ["Deploy", "Build", "Source"]);
    assert!(details.iter().all(|d| action_status(d) == "Succeeded"));
    let build = &details[1];
    let input = build.input().unwrap();
    assert_eq!(
        input.configuration().unwrap()["ProjectName"],
        lab.spec.names().build_project
    );
    assert_eq!(input.region(), Some(REGION));
    assert_eq!(
        input.action_type_id().unwrap().provider(),
        "CodeBuild",
        "Build's provider"
    );
    let output = build.output().unwrap();
    assert_eq!(output.output_artifacts()[0].name(), Some("BuildArtifact"));
    let source_vars = details[2].output().unwrap().output_variables().unwrap();
    assert_eq!(source_vars["CommitId"], commit);
    commit
}

/// The build behind the run (phases, logs) and the rollout it deployed.
async fn check_build_and_rollout(lab: &Lab, commit: &str) {
    let n = lab.spec.names();
    let list = lab
        .aws
        .codepipeline()
        .list_pipeline_executions()
        .pipeline_name(&lab.pipeline)
        .send()
        .await
        .unwrap();
    let exe = list.pipeline_execution_summaries()[0].pipeline_execution_id().unwrap();
    let details = lab.actions(exe).await;
    let build_id = details[1]
        .output()
        .unwrap()
        .execution_result()
        .unwrap()
        .external_execution_id()
        .unwrap()
        .to_owned();
    let cb = lab.aws.codebuild();
    let ids = cb
        .list_builds_for_project()
        .project_name(&n.build_project)
        .send()
        .await
        .unwrap();
    assert!(ids.ids().contains(&build_id), "{:?}", ids.ids());
    let _ = cb.batch_get_builds().ids(&build_id).send().await.unwrap(); // polling adds nothing
    let out = cb.batch_get_builds().ids(&build_id).send().await.unwrap();
    let b = &out.builds()[0];
    assert_eq!(b.build_status().unwrap().as_str(), "SUCCEEDED");
    assert_eq!(b.current_phase(), Some("COMPLETED"));
    assert!(b.build_complete());
    assert_eq!(b.source_version(), Some(commit));
    let phases: Vec<&str> = b.phases().iter().map(|p| p.phase_type().unwrap().as_str()).collect();
    assert_eq!(
        phases,
        [
            "SUBMITTED",
            "QUEUED",
            "PROVISIONING",
            "DOWNLOAD_SOURCE",
            "INSTALL",
            "PRE_BUILD",
            "BUILD",
            "POST_BUILD",
            "UPLOAD_ARTIFACTS",
            "FINALIZING",
            "COMPLETED"
        ],
        "each phase once"
    );
    assert!(
        b.phases()[..phases.len() - 1]
            .iter()
            .all(|p| p.phase_status().map(|s| s.as_str()) == Some("SUCCEEDED"))
    );
    let logs = b.logs().unwrap();
    let (group, stream) = (logs.group_name().unwrap(), logs.stream_name().unwrap());
    assert_eq!(group, n.build_log_group);
    let events = lab
        .aws
        .logs()
        .get_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .start_from_head(true)
        .send()
        .await
        .unwrap();
    let text: Vec<&str> = events.events().iter().filter_map(|e| e.message()).collect();
    let text = text.join("\n");
    assert!(events.events().len() > 5, "{text}");
    assert!(
        text.contains("Login Succeeded") && text.contains("docker build"),
        "{text}"
    );
    assert!(text.contains("imagedefinitions.json"), "{text}");

    // The image the build pushed.
    let images = lab
        .aws
        .ecr()
        .list_images()
        .repository_name(&n.repository)
        .send()
        .await
        .unwrap();
    assert!(
        images.image_ids().iter().any(|i| i.image_tag() == Some(&commit[..7])),
        "{:?}",
        images.image_ids()
    );

    // ECS: the rollout completed with the new image.
    let ecs = lab.aws.ecs();
    let out = ecs
        .describe_services()
        .cluster(&n.cluster)
        .services(&n.service)
        .send()
        .await
        .unwrap();
    let svc = &out.services()[0];
    let deployments: Vec<_> = svc
        .deployments()
        .iter()
        .map(|d| (d.status().unwrap(), d.rollout_state().unwrap().as_str()))
        .collect();
    assert_eq!(deployments, [("PRIMARY", "COMPLETED")]);
    assert_eq!((svc.running_count(), svc.desired_count()), (1, 1));
    assert_eq!(svc.health_check_grace_period_seconds(), Some(60));
    assert!(
        svc.events()[0]
            .message()
            .unwrap()
            .ends_with("has reached a steady state.")
    );
    let td = ecs
        .describe_task_definition()
        .task_definition(svc.task_definition().unwrap())
        .send()
        .await
        .unwrap();
    let image = td.task_definition().unwrap().container_definitions()[0]
        .image()
        .unwrap();
    assert!(
        image.ends_with(&format!("/{}:{}", n.repository, &commit[..7])),
        "{image}"
    );

    // ELBv2: the new task is healthy behind the load balancer.
    let elb = lab.aws.elbv2();
    let tg = elb
        .describe_target_groups()
        .names(&n.target_group)
        .send()
        .await
        .unwrap();
    let tg_arn = tg.target_groups()[0].target_group_arn().unwrap();
    let health = elb
        .describe_target_health()
        .target_group_arn(tg_arn)
        .send()
        .await
        .unwrap();
    let states: Vec<_> = health
        .target_health_descriptions()
        .iter()
        .map(|h| h.target_health().unwrap().state().unwrap().as_str())
        .collect();
    assert_eq!(states, ["healthy"]);
    assert_eq!(
        health.target_health_descriptions()[0].target().unwrap().port(),
        Some(3000)
    );

    // S3: the artifact bucket is versioned (GetBucketVersioning's root element).
    let v = lab
        .aws
        .s3()
        .get_bucket_versioning()
        .bucket(n.artifact_bucket(ACCOUNT))
        .send()
        .await
        .unwrap();
    assert_eq!(v.status().map(|s| s.as_str()), Some("Enabled"));
}

/// A failing Build, retried; a run stopped mid-Build; UpdateProject.
async fn fail_retry_and_stop(lab: &Lab) {
    let cp = lab.aws.codepipeline();
    let n = lab.spec.names();
    control(
        &lab.url,
        "/_sandbox/fail-stage",
        json!({ "pipelineName": lab.pipeline, "stageName": "Build", "times": 1 }),
    )
    .await;
    let exe = lab.push(&commit_id(2), "Break the build").await;
    assert_eq!(lab.wait_done(&exe, "the failing run").await, "Failed");

    let state = cp.get_pipeline_state().name(&lab.pipeline).send().await.unwrap();
    let build = &state.stage_states()[1];
    assert_eq!(build.latest_execution().unwrap().status().as_str(), "Failed");
    let err = build.action_states()[0]
        .latest_execution()
        .unwrap()
        .error_details()
        .unwrap();
    assert_eq!(err.code(), Some("JobFailed"));
    assert!(
        err.message()
            .unwrap()
            .starts_with("Build terminated with state: FAILED. Phase: BUILD, Code: COMMAND_EXECUTION_ERROR"),
        "{err:?}"
    );
    // Deploy never ran for this run.
    let deploy = state.stage_states()[2].latest_execution().unwrap();
    assert_ne!(deploy.pipeline_execution_id(), exe);

    let details = lab.actions(&exe).await;
    let stages: Vec<_> = details
        .iter()
        .map(|d| (d.stage_name().unwrap(), action_status(d)))
        .collect();
    assert_eq!(stages, [("Build", "Failed"), ("Source", "Succeeded")]);
    let result = details[0].output().unwrap().execution_result().unwrap();
    assert_eq!(result.error_details().unwrap().code(), Some("JobFailed"));
    let failed_build = result.external_execution_id().unwrap();
    let b = lab
        .aws
        .codebuild()
        .batch_get_builds()
        .ids(failed_build)
        .send()
        .await
        .unwrap();
    let b = &b.builds()[0];
    assert_eq!(b.build_status().unwrap().as_str(), "FAILED");
    let build_phase: Vec<_> = b
        .phases()
        .iter()
        .filter(|p| p.phase_type().unwrap().as_str() == "BUILD")
        .map(|p| p.phase_status().unwrap().as_str())
        .collect();
    assert_eq!(build_phase, ["FAILED"]);

    // Retry: Source did not fail, so it cannot be retried; Build can.
    let (code, _) = error_code(
        cp.retry_stage_execution()
            .pipeline_name(&lab.pipeline)
            .stage_name("Source")
            .pipeline_execution_id(&exe)
            .retry_mode(StageRetryMode::FailedActions)
            .send()
            .await,
    );
    assert_eq!(code, "StageNotRetryableException");
    let out = cp
        .retry_stage_execution()
        .pipeline_name(&lab.pipeline)
        .stage_name("Build")
        .pipeline_execution_id(&exe)
        .retry_mode(StageRetryMode::FailedActions)
        .send()
        .await
        .unwrap();
    assert_eq!(out.pipeline_execution_id(), Some(exe.as_str()));
    assert_eq!(lab.status(&exe).await, "InProgress");
    assert_eq!(lab.wait_done(&exe, "the retried run").await, "Succeeded");
    let builds: Vec<_> = lab
        .actions(&exe)
        .await
        .into_iter()
        .filter(|d| d.stage_name() == Some("Build"))
        .map(|d| action_status(&d).to_owned())
        .collect();
    assert_eq!(builds, ["Succeeded", "Failed"], "newest first");

    // Stop a run while it builds: Stopping, then Stopped once the build is let finish.
    let started = cp.start_pipeline_execution().name(&lab.pipeline).send().await.unwrap();
    let exe = started.pipeline_execution_id().unwrap().to_owned();
    let deadline = Deadline::new("the manual run to reach Build", 20);
    while !lab.actions(&exe).await.iter().any(|d| d.stage_name() == Some("Build")) {
        deadline.tick().await;
    }
    let out = cp
        .stop_pipeline_execution()
        .pipeline_name(&lab.pipeline)
        .pipeline_execution_id(&exe)
        .abandon(false)
        .reason("changed my mind")
        .send()
        .await
        .unwrap();
    assert_eq!(out.pipeline_execution_id(), Some(exe.as_str()));
    assert_eq!(lab.status(&exe).await, "Stopping");
    let (code, _) = error_code(
        cp.stop_pipeline_execution()
            .pipeline_name(&lab.pipeline)
            .pipeline_execution_id(&exe)
            .send()
            .await,
    );
    assert_eq!(code, "DuplicatedStopRequestException");
    assert_eq!(lab.wait_done(&exe, "the stopped run").await, "Stopped");
    let list = cp
        .list_pipeline_executions()
        .pipeline_name(&lab.pipeline)
        .send()
        .await
        .unwrap();
    let s = &list.pipeline_execution_summaries()[0];
    assert_eq!(s.pipeline_execution_id(), Some(exe.as_str()));
    assert_eq!(s.stop_trigger().unwrap().reason(), Some("changed my mind"));
    assert_eq!(
        s.trigger().unwrap().trigger_type().unwrap().as_str(),
        "StartPipelineExecution"
    );
    let (code, _) = error_code(
        cp.stop_pipeline_execution()
            .pipeline_name(&lab.pipeline)
            .pipeline_execution_id(&exe)
            .send()
            .await,
    );
    assert_eq!(code, "PipelineExecutionNotStoppableException");

    // CodeBuild UpdateProject answers a whole project the SDK parses.
    let cb = lab.aws.codebuild();
    let out = cb
        .update_project()
        .name(&n.build_project)
        .description("builds the app image")
        .timeout_in_minutes(30)
        .send()
        .await
        .unwrap();
    let p = out.project().unwrap();
    assert_eq!(p.name(), Some(n.build_project.as_str()));
    assert_eq!(p.description(), Some("builds the app image"));
    assert_eq!(p.timeout_in_minutes(), Some(30));
    assert!(p.last_modified().unwrap() >= p.created().unwrap());
    assert_eq!(p.environment().unwrap().privileged_mode(), Some(true));
    let got = cb.batch_get_projects().names(&n.build_project).send().await.unwrap();
    assert_eq!(got.projects()[0].description(), Some("builds the app image"));
}

struct Found {
    alb_sg: String,
    task_sg: String,
    lb_arn: String,
    tg_arn: String,
    listener_arn: String,
    connection_arn: String,
}

async fn find(lab: &Lab) -> Found {
    let n = lab.spec.names();
    let ec2 = lab.aws.ec2();
    let sgs = ec2.describe_security_groups().send().await.unwrap();
    let sg = |name: &str| {
        sgs.security_groups()
            .iter()
            .find(|g| g.group_name() == Some(name))
            .and_then(|g| g.group_id())
            .unwrap_or_else(|| panic!("security group {name}"))
            .to_owned()
    };
    let elb = lab.aws.elbv2();
    let lb = elb
        .describe_load_balancers()
        .names(&n.load_balancer)
        .send()
        .await
        .unwrap();
    let lb_arn = lb.load_balancers()[0].load_balancer_arn().unwrap().to_owned();
    let tg = elb
        .describe_target_groups()
        .names(&n.target_group)
        .send()
        .await
        .unwrap();
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    let conns = lab.aws.connections().list_connections().send().await.unwrap();
    Found {
        alb_sg: sg(&n.alb_security_group),
        task_sg: sg(&n.task_security_group),
        tg_arn: tg.target_groups()[0].target_group_arn().unwrap().to_owned(),
        listener_arn: listeners.listeners()[0].listener_arn().unwrap().to_owned(),
        connection_arn: conns.connections()[0].connection_arn().unwrap().to_owned(),
        lb_arn,
    }
}

fn filter(name: &str, value: &str) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder().name(name).values(value).build()
}

/// Every dependent delete first: AWS's errors, through the SDK, and nothing deleted.
async fn wrong_order_teardown(lab: &Lab) {
    let n = lab.spec.names();
    let f = find(lab).await;
    let bucket = n.artifact_bucket(ACCOUNT);

    let (code, msg) = error_code(lab.aws.ec2().delete_security_group().group_id(&f.alb_sg).send().await);
    assert_eq!(code, "DependencyViolation");
    assert!(msg.contains(&f.alb_sg) && msg.contains("dependent object"), "{msg}");
    let (code, _) = error_code(lab.aws.ec2().delete_security_group().group_id(&f.task_sg).send().await);
    assert_eq!(code, "DependencyViolation");

    let (code, _) = error_code(lab.aws.ecs().delete_cluster().cluster(&n.cluster).send().await);
    assert_eq!(code, "ClusterContainsServicesException");

    let (code, _) = error_code(
        lab.aws
            .ecs()
            .delete_service()
            .cluster(&n.cluster)
            .service(&n.service)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");

    // The pipeline writes no artifacts in the sandbox; an object stands in for them.
    lab.aws
        .s3()
        .put_object()
        .bucket(&bucket)
        .key(format!("{}/SourceArti/abc1234", lab.pipeline))
        .body(b"zip".to_vec().into())
        .send()
        .await
        .unwrap();
    let (code, _) = error_code(lab.aws.s3().delete_bucket().bucket(&bucket).send().await);
    assert_eq!(code, "BucketNotEmpty");

    let (code, _) = error_code(
        lab.aws
            .ecr()
            .delete_repository()
            .repository_name(&n.repository)
            .send()
            .await,
    );
    assert_eq!(code, "RepositoryNotEmptyException");

    let (code, _) = error_code(
        lab.aws
            .elbv2()
            .delete_target_group()
            .target_group_arn(&f.tg_arn)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceInUse");

    // Still all there.
    let svc = lab
        .aws
        .ecs()
        .describe_services()
        .cluster(&n.cluster)
        .services(&n.service)
        .send()
        .await
        .unwrap();
    assert_eq!(svc.services()[0].status(), Some("ACTIVE"));
    assert_eq!(find(lab).await.tg_arn, f.tg_arn);
}

/// Network interfaces with the given security group.
async fn enis(lab: &Lab, group: &str) -> Vec<aws_sdk_ec2::types::NetworkInterface> {
    lab.aws
        .ec2()
        .describe_network_interfaces()
        .filters(filter("group-id", group))
        .send()
        .await
        .unwrap()
        .network_interfaces()
        .to_vec()
}

/// Deletes a security group once its lingering interfaces are gone (DependencyViolation till then).
async fn delete_group_when_free(lab: &Lab, group: &str) {
    let deadline = Deadline::new("a security group's interfaces to go", 20);
    loop {
        match lab.aws.ec2().delete_security_group().group_id(group).send().await {
            Ok(_) => break,
            Err(e) => assert_eq!(e.code(), Some("DependencyViolation"), "{e:?}"),
        }
        deadline.tick().await;
    }
    assert!(enis(lab, group).await.is_empty());
}

async fn right_order_teardown(lab: &Lab) {
    let n = lab.spec.names();
    let f = find(lab).await;
    let aws = &lab.aws;

    // What starts runs and what they use, first.
    aws.codepipeline()
        .delete_pipeline()
        .name(&lab.pipeline)
        .send()
        .await
        .unwrap();
    aws.codebuild()
        .delete_project()
        .name(&n.build_project)
        .send()
        .await
        .unwrap();
    aws.connections()
        .delete_connection()
        .connection_arn(&f.connection_arn)
        .send()
        .await
        .unwrap();

    // ECS: scale to 0 (the task's interface lingers), delete the service, then the cluster
    // once the service has drained.
    let ecs = aws.ecs();
    let task_enis = enis(lab, &f.task_sg).await;
    assert_eq!(task_enis.len(), 1, "one interface per running task");
    assert!(
        task_enis[0]
            .description()
            .unwrap()
            .starts_with(&format!("arn:aws:ecs:{REGION}:{ACCOUNT}:attachment/"))
    );
    assert_eq!(task_enis[0].status().map(|s| s.as_str()), Some("in-use"));
    let out = ecs
        .update_service()
        .cluster(&n.cluster)
        .service(&n.service)
        .desired_count(0)
        .send()
        .await
        .unwrap();
    assert_eq!(out.service().unwrap().desired_count(), 0);
    let out = ecs
        .delete_service()
        .cluster(&n.cluster)
        .service(&n.service)
        .send()
        .await
        .unwrap();
    assert_eq!(out.service().unwrap().status(), Some("DRAINING"));
    assert!(
        !enis(lab, &f.task_sg).await.is_empty(),
        "the task's interface lingers after scale-down"
    );
    let deadline = Deadline::new("the service to drain", 20);
    loop {
        match ecs.delete_cluster().cluster(&n.cluster).send().await {
            Ok(out) => {
                assert_eq!(out.cluster().unwrap().status(), Some("INACTIVE"));
                break;
            }
            Err(e) => assert_eq!(e.code(), Some("ClusterContainsServicesException"), "{e:?}"),
        }
        deadline.tick().await;
    }
    let tds = ecs
        .list_task_definitions()
        .family_prefix(&n.task_family)
        .send()
        .await
        .unwrap();
    assert!(!tds.task_definition_arns().is_empty());
    for arn in tds.task_definition_arns() {
        let out = ecs
            .deregister_task_definition()
            .task_definition(arn)
            .send()
            .await
            .unwrap();
        assert_eq!(out.task_definition().unwrap().status().unwrap().as_str(), "INACTIVE");
    }
    // INACTIVE revisions stay (and stay tagged) until deleted.
    let out = ecs
        .delete_task_definitions()
        .set_task_definitions(Some(tds.task_definition_arns().to_vec()))
        .send()
        .await
        .unwrap();
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    assert_eq!(out.task_definitions().len(), tds.task_definition_arns().len());

    // Load balancer: listener, load balancer, target group (free now).
    let elb = aws.elbv2();
    elb.delete_listener()
        .listener_arn(&f.listener_arn)
        .send()
        .await
        .unwrap();
    let alb_enis = enis(lab, &f.alb_sg).await;
    assert!(alb_enis.len() >= 2, "one interface per subnet: {alb_enis:?}");
    assert!(alb_enis.iter().all(|e| {
        e.description()
            .unwrap()
            .starts_with(&format!("ELB app/{}/", n.load_balancer))
    }));
    elb.delete_load_balancer()
        .load_balancer_arn(&f.lb_arn)
        .send()
        .await
        .unwrap();
    assert!(
        !enis(lab, &f.alb_sg).await.is_empty(),
        "the load balancer's interfaces linger after it is deleted"
    );
    elb.delete_target_group()
        .target_group_arn(&f.tg_arn)
        .send()
        .await
        .unwrap();

    // Security groups: the task's (it references the ALB's) once its interface is gone, then
    // the ALB's once the load balancer's interfaces are.
    delete_group_when_free(lab, &f.task_sg).await;
    delete_group_when_free(lab, &f.alb_sg).await;

    // ECR: images, then the repository.
    let ecr = aws.ecr();
    let images = ecr.list_images().repository_name(&n.repository).send().await.unwrap();
    // By digest, once each: deleting a digest deletes all its tags.
    let mut digests: Vec<&str> = images.image_ids().iter().filter_map(|i| i.image_digest()).collect();
    digests.sort();
    digests.dedup();
    let ids = digests
        .into_iter()
        .map(|d| aws_sdk_ecr::types::ImageIdentifier::builder().image_digest(d).build())
        .collect();
    let out = ecr
        .batch_delete_image()
        .repository_name(&n.repository)
        .set_image_ids(Some(ids))
        .send()
        .await
        .unwrap();
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    ecr.delete_repository()
        .repository_name(&n.repository)
        .send()
        .await
        .unwrap();

    // S3: every version and delete marker, then the bucket.
    let s3 = aws.s3();
    let bucket = n.artifact_bucket(ACCOUNT);
    let versions = s3.list_object_versions().bucket(&bucket).send().await.unwrap();
    let mut doomed: Vec<(String, Option<String>)> = versions
        .versions()
        .iter()
        .map(|v| (v.key().unwrap().to_owned(), v.version_id().map(str::to_owned)))
        .collect();
    doomed.extend(
        versions
            .delete_markers()
            .iter()
            .map(|m| (m.key().unwrap().to_owned(), m.version_id().map(str::to_owned))),
    );
    assert!(!doomed.is_empty());
    for (key, version) in doomed {
        s3.delete_object()
            .bucket(&bucket)
            .key(key)
            .set_version_id(version)
            .send()
            .await
            .unwrap();
    }
    s3.delete_bucket().bucket(&bucket).send().await.unwrap();

    // Logs and roles.
    for group in [&n.build_log_group, &n.task_log_group] {
        aws.logs()
            .delete_log_group()
            .log_group_name(group)
            .send()
            .await
            .unwrap();
    }
    // The expiry: its group (its schedules go with it), then its role below.
    aws.scheduler()
        .delete_schedule_group()
        .name(&n.schedule_group)
        .send()
        .await
        .unwrap();
    let iam = aws.iam();
    let scheduler_role = Some(n.scheduler_role.clone());
    for role in [&n.pipeline_role, &n.build_role, &n.task_execution_role, &scheduler_role] {
        let role = role.as_ref().unwrap();
        let inline = iam.list_role_policies().role_name(role).send().await.unwrap();
        for p in inline.policy_names() {
            iam.delete_role_policy()
                .role_name(role)
                .policy_name(p)
                .send()
                .await
                .unwrap();
        }
        let attached = iam.list_attached_role_policies().role_name(role).send().await.unwrap();
        for p in attached.attached_policies() {
            iam.detach_role_policy()
                .role_name(role)
                .policy_arn(p.policy_arn().unwrap())
                .send()
                .await
                .unwrap();
        }
        iam.delete_role().role_name(role).send().await.unwrap();
    }
}

/// The final inventory: the tagging API and every list show nothing of the lab.
async fn nothing_left(lab: &Lab) {
    let n = lab.spec.names();
    let aws = &lab.aws;
    let tagged = aws
        .tagging()
        .get_resources()
        .tag_filters(
            aws_sdk_resourcegroupstagging::types::TagFilter::builder()
                .key(LAB_TAG)
                .values(&lab.spec.name)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // As on AWS, the tagging API keeps listing a deleted (INACTIVE) ECS cluster and service
    // for a while; they cost nothing. Anything else tagged is a leftover.
    let mut left = Vec::new();
    for arn in tagged
        .resource_tag_mapping_list()
        .iter()
        .filter_map(|r| r.resource_arn())
    {
        let inactive = if arn.contains(":cluster/") {
            let out = aws.ecs().describe_clusters().clusters(arn).send().await.unwrap();
            out.clusters().iter().all(|c| c.status() == Some("INACTIVE"))
        } else if arn.contains(":service/") {
            let out = aws
                .ecs()
                .describe_services()
                .cluster(&n.cluster)
                .services(arn)
                .send()
                .await
                .unwrap();
            out.services().iter().all(|s| s.status() == Some("INACTIVE"))
        } else {
            false
        };
        if !inactive {
            left.push(arn.to_owned());
        }
    }
    assert!(left.is_empty(), "tagged resources left: {left:?}");

    let mut left: HashMap<&str, usize> = HashMap::new();
    let cp = aws.codepipeline().list_pipelines().send().await.unwrap();
    left.insert("pipelines", cp.pipelines().len());
    let cb = aws.codebuild().list_projects().send().await.unwrap();
    left.insert("projects", cb.projects().len());
    let conns = aws.connections().list_connections().send().await.unwrap();
    left.insert("connections", conns.connections().len());
    let repos = aws.ecr().describe_repositories().send().await.unwrap();
    left.insert("repositories", repos.repositories().len());
    // moto's ListClusters keeps the deleted cluster; it must at least be INACTIVE.
    let clusters = aws.ecs().list_clusters().send().await.unwrap();
    let mut active = 0;
    if !clusters.cluster_arns().is_empty() {
        let out = aws
            .ecs()
            .describe_clusters()
            .set_clusters(Some(clusters.cluster_arns().to_vec()))
            .send()
            .await
            .unwrap();
        active = out.clusters().iter().filter(|c| c.status() != Some("INACTIVE")).count();
    }
    left.insert("active clusters", active);
    // Likewise its ListServices keeps the deleted service, INACTIVE.
    let services = aws.ecs().list_services().cluster(&n.cluster).send().await.unwrap();
    let mut active = 0;
    if !services.service_arns().is_empty() {
        let out = aws
            .ecs()
            .describe_services()
            .cluster(&n.cluster)
            .set_services(Some(services.service_arns().to_vec()))
            .send()
            .await
            .unwrap();
        active = out.services().iter().filter(|s| s.status() != Some("INACTIVE")).count();
    }
    left.insert("active services", active);
    let tds = aws
        .ecs()
        .list_task_definitions()
        .family_prefix(&n.task_family)
        .send()
        .await
        .unwrap();
    left.insert("active task definitions", tds.task_definition_arns().len());
    let lbs = aws.elbv2().describe_load_balancers().send().await.unwrap();
    left.insert("load balancers", lbs.load_balancers().len());
    let tgs = aws.elbv2().describe_target_groups().send().await.unwrap();
    left.insert("target groups", tgs.target_groups().len());
    let sgs = aws.ec2().describe_security_groups().send().await.unwrap();
    left.insert(
        "security groups",
        sgs.security_groups()
            .iter()
            .filter(|g| g.group_name() != Some("default"))
            .count(),
    );
    let enis = aws.ec2().describe_network_interfaces().send().await.unwrap();
    left.insert("network interfaces", enis.network_interfaces().len());
    let buckets = aws.s3().list_buckets().send().await.unwrap();
    left.insert("buckets", buckets.buckets().len());
    let groups = aws
        .logs()
        .describe_log_groups()
        .log_group_name_prefix(format!("/pipewright/{}", lab.spec.name))
        .send()
        .await
        .unwrap();
    left.insert("log groups", groups.log_groups().len());
    let roles = aws.iam().list_roles().send().await.unwrap();
    left.insert(
        "roles",
        roles
            .roles()
            .iter()
            .filter(|r| r.role_name().starts_with(&format!("{}-", lab.spec.name)))
            .count(),
    );
    let nonzero: Vec<_> = left.iter().filter(|(_, v)| **v > 0).collect();
    assert!(nonzero.is_empty(), "left over: {nonzero:?}");
}
