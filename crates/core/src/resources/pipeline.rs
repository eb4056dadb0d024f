//! The CodePipeline V2 pipeline: Source (CodeStarSourceConnection), Build (CodeBuild) and
//! Deploy (Amazon ECS, imagedefinitions.json) stages, the execution mode and triggers from
//! the spec, the artifact bucket.
//!
//! The lecture adds the Deploy stage last, once the service exists. Pipewright declares all
//! three stages at once, early, because AWS starts a run as soon as a pipeline is created:
//! that first run builds while the load balancer provisions. Until the service exists the
//! Deploy stage's inbound transition is disabled, so the run waits there instead of failing;
//! `first_run` enables it. (One CreatePipeline instead of a second UpdatePipeline pass also
//! shortens the critical path.)

use aws_sdk_codepipeline::types::{
    ActionCategory, ActionDeclaration, ActionOwner, ActionTypeId, ArtifactStore, ArtifactStoreType,
    ExecutionMode as CpMode, GitBranchFilterCriteria, GitConfiguration, GitFilePathFilterCriteria,
    GitPullRequestEventType, GitPullRequestFilter, GitPushFilter, GitTagFilterCriteria, InputArtifact, OutputArtifact,
    PipelineDeclaration, PipelineExecutionStatus, PipelineTriggerDeclaration, PipelineTriggerProviderType,
    PipelineType, StageDeclaration, StageTransitionType, Tag,
};

use crate::error::{Result, is_code};
use crate::plan::{Kind, Resource, RoleFor};
use crate::spec::{
    ExecutionMode, FilterType, OutputArtifactFormat, PullRequestEvent, Trigger, TriggerEvent, TriggerFilter,
};

use super::{Arn, Ctx, Found, Tagged, iam_role};

pub const SOURCE: &str = "Source";
pub const BUILD: &str = "Build";
pub const DEPLOY: &str = "Deploy";
pub const SOURCE_ARTIFACT: &str = "SourceArtifact";
pub const BUILD_ARTIFACT: &str = "BuildArtifact";

/// ListTagsForResource answers a missing pipeline with either (DeletePipeline succeeds).
pub const GONE: &[&str] = &["ResourceNotFoundException", "PipelineNotFoundException"];

pub const ALREADY_EXISTS: &[&str] = &["PipelineNameInUseException"];

/// `arn:aws:codepipeline:<region>:<account>:<name>`.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("codepipeline", [name]) => Some(arn.tagged(Kind::Pipeline, name, arn.text)),
        _ => None,
    }
}

/// Found through its tags, by the ARN its name determines: one call answers both "does it
/// exist" and "is it ours". (GetPipeline would do too, but the sandbox's answer carries
/// timestamps the SDK cannot read; see the README's sandbox notes.)
pub async fn describe(cx: &Ctx, name: &str) -> Result<Found> {
    let cp = cx.aws.codepipeline();
    let arn = cx.arn("codepipeline", name);
    let tags = match cx
        .call("codepipeline", "ListTagsForResource", name, || {
            cp.list_tags_for_resource().resource_arn(&arn).send()
        })
        .await
    {
        Ok(t) => t,
        Err(e) if is_code(&e, GONE) => {
            return Ok(Found::Missing);
        }
        Err(e) => return Err(e),
    };
    let ours = cx.is_ours(tags.tags().iter().map(|t| (t.key(), t.value())));
    cx.set_output(Resource::Pipeline, &arn);
    Ok(Found::Present { id: arn, ours })
}

fn action_type(category: ActionCategory, provider: &str) -> Result<ActionTypeId> {
    Ok(ActionTypeId::builder()
        .category(category)
        .owner(ActionOwner::Aws)
        .provider(provider)
        .version("1")
        .build()?)
}

fn stages(cx: &Ctx) -> Result<Vec<StageDeclaration>> {
    let s = &cx.spec.source;
    let connection = cx.output(Resource::Connection)?;
    let format = match s.output_format {
        OutputArtifactFormat::CodeZip => "CODE_ZIP",
        OutputArtifactFormat::CodebuildCloneRef => "CODEBUILD_CLONE_REF",
    };
    // With triggers declared, the trigger decides; DetectChanges matters only without.
    let detect = !matches!(cx.spec.pipeline.trigger, Trigger::Manual);
    let source = ActionDeclaration::builder()
        .name(SOURCE)
        .action_type_id(action_type(ActionCategory::Source, "CodeStarSourceConnection")?)
        .configuration("ConnectionArn", connection)
        .configuration("FullRepositoryId", &s.repository)
        .configuration("BranchName", &s.branch)
        .configuration("OutputArtifactFormat", format)
        .configuration("DetectChanges", detect.to_string())
        .output_artifacts(OutputArtifact::builder().name(SOURCE_ARTIFACT).build()?)
        .run_order(1)
        .build()?;
    let build = ActionDeclaration::builder()
        .name(BUILD)
        .action_type_id(action_type(ActionCategory::Build, "CodeBuild")?)
        .configuration("ProjectName", &cx.plan.names.build_project)
        .input_artifacts(InputArtifact::builder().name(SOURCE_ARTIFACT).build()?)
        .output_artifacts(OutputArtifact::builder().name(BUILD_ARTIFACT).build()?)
        .run_order(1)
        .build()?;
    Ok(vec![
        StageDeclaration::builder().name(SOURCE).actions(source).build()?,
        StageDeclaration::builder().name(BUILD).actions(build).build()?,
        deploy_stage(cx)?,
    ])
}

fn deploy_stage(cx: &Ctx) -> Result<StageDeclaration> {
    let n = &cx.plan.names;
    let deploy = ActionDeclaration::builder()
        .name(DEPLOY)
        .action_type_id(action_type(ActionCategory::Deploy, "ECS")?)
        .configuration("ClusterName", &n.cluster)
        .configuration("ServiceName", &n.service)
        .configuration("FileName", "imagedefinitions.json")
        .input_artifacts(InputArtifact::builder().name(BUILD_ARTIFACT).build()?)
        .run_order(1)
        .build()?;
    Ok(StageDeclaration::builder().name(DEPLOY).actions(deploy).build()?)
}

/// The V2 trigger for a filter: one push or pull-request filter on the Source action.
pub fn trigger(f: &TriggerFilter) -> Result<PipelineTriggerDeclaration> {
    let branches = || {
        GitBranchFilterCriteria::builder()
            .set_includes(non_empty(&f.include))
            .set_excludes(non_empty(&f.exclude))
            .build()
    };
    let paths = || {
        (!f.file_paths_include.is_empty() || !f.file_paths_exclude.is_empty()).then(|| {
            GitFilePathFilterCriteria::builder()
                .set_includes(non_empty(&f.file_paths_include))
                .set_excludes(non_empty(&f.file_paths_exclude))
                .build()
        })
    };
    let mut git = GitConfiguration::builder().source_action_name(SOURCE);
    git = match (f.event, f.filter_type) {
        (TriggerEvent::Push, FilterType::Tags) => git.push(
            GitPushFilter::builder()
                .tags(
                    GitTagFilterCriteria::builder()
                        .set_includes(non_empty(&f.include))
                        .set_excludes(non_empty(&f.exclude))
                        .build(),
                )
                .build(),
        ),
        (TriggerEvent::Push, FilterType::Branches) => git.push(
            GitPushFilter::builder()
                .branches(branches())
                .set_file_paths(paths())
                .build(),
        ),
        (TriggerEvent::PullRequest, _) => git.pull_request(
            GitPullRequestFilter::builder()
                .set_events(Some(
                    f.pull_request_events
                        .iter()
                        .map(|e| match e {
                            PullRequestEvent::Open => GitPullRequestEventType::Open,
                            PullRequestEvent::Updated => GitPullRequestEventType::Updated,
                            PullRequestEvent::Closed => GitPullRequestEventType::Closed,
                        })
                        .collect(),
                ))
                .branches(branches())
                .set_file_paths(paths())
                .build(),
        ),
    };
    Ok(PipelineTriggerDeclaration::builder()
        .provider_type(PipelineTriggerProviderType::CodeStarSourceConnection)
        .git_configuration(git.build()?)
        .build()?)
}

fn non_empty(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

fn declaration(cx: &Ctx, name: &str, stages: Vec<StageDeclaration>) -> Result<PipelineDeclaration> {
    let p = &cx.spec.pipeline;
    let role = iam_role::arn_for(cx, RoleFor::Pipeline)?;
    let store = ArtifactStore::builder()
        .r#type(ArtifactStoreType::S3)
        .location(&cx.plan.bucket)
        .build()?;
    let triggers = match &p.trigger {
        Trigger::Filter(f) => Some(vec![trigger(f)?]),
        Trigger::NoFilter | Trigger::Manual => None,
    };
    Ok(PipelineDeclaration::builder()
        .name(name)
        .role_arn(role)
        .artifact_store(store)
        .set_stages(Some(stages))
        .pipeline_type(PipelineType::V2)
        .execution_mode(match p.execution_mode {
            ExecutionMode::Superseded => CpMode::Superseded,
            ExecutionMode::Queued => CpMode::Queued,
            ExecutionMode::Parallel => CpMode::Parallel,
        })
        .set_triggers(triggers)
        .build()?)
}

pub async fn create(cx: &Ctx, name: &str) -> Result<String> {
    let cp = cx.aws.codepipeline();
    let decl = declaration(cx, name, stages(cx)?)?;
    let tags = cx
        .tags_with(|k, v| Tag::builder().key(k).value(v).build())
        .into_iter()
        .collect::<std::result::Result<Vec<_>, _>>()?;
    cx.call("codepipeline", "CreatePipeline", name, || {
        cp.create_pipeline()
            .pipeline(decl.clone())
            .set_tags(Some(tags.clone()))
            .send()
    })
    .await?;
    // The first run has started: hold it before Deploy at once (Source and Build take minutes
    // on AWS, so it cannot be there yet). `converge` repeats this after a crash in between.
    hold_deploy(cx, name).await?;
    let arn = cx.arn("codepipeline", name);
    cx.set_output(Resource::Pipeline, &arn);
    Ok(arn)
}

/// Until a run has gone through Deploy, the Deploy stage waits for the service: disable its
/// inbound transition (idempotent). A finished lab's pipeline is left as it is.
pub async fn converge(cx: &Ctx, name: &str) -> Result<()> {
    if !has_deployed(cx, name).await? {
        hold_deploy(cx, name).await?;
    }
    Ok(())
}

/// AWS allows no comma, colon or quote in the reason.
pub const HOLD_REASON: &str = "Pipewright waits for the ECS service";

async fn hold_deploy(cx: &Ctx, name: &str) -> Result<()> {
    let cp = cx.aws.codepipeline();
    cx.call("codepipeline", "DisableStageTransition", name, || {
        cp.disable_stage_transition()
            .pipeline_name(name)
            .stage_name(DEPLOY)
            .transition_type(StageTransitionType::Inbound)
            .reason(HOLD_REASON)
            .send()
    })
    .await?;
    Ok(())
}

/// Lets runs into the Deploy stage (idempotent).
pub async fn release_deploy(cx: &Ctx, name: &str) -> Result<()> {
    let cp = cx.aws.codepipeline();
    cx.call("codepipeline", "EnableStageTransition", name, || {
        cp.enable_stage_transition()
            .pipeline_name(name)
            .stage_name(DEPLOY)
            .transition_type(StageTransitionType::Inbound)
            .send()
    })
    .await?;
    Ok(())
}

/// Whether any run of the pipeline has succeeded (all stages, Deploy included).
pub async fn has_deployed(cx: &Ctx, name: &str) -> Result<bool> {
    let cp = cx.aws.codepipeline();
    let out = cx
        .call("codepipeline", "ListPipelineExecutions", name, || {
            cp.list_pipeline_executions().pipeline_name(name).max_results(20).send()
        })
        .await?;
    Ok(out
        .pipeline_execution_summaries()
        .iter()
        .any(|e| e.status() == Some(&PipelineExecutionStatus::Succeeded)))
}

pub async fn delete(cx: &Ctx, name: &str) -> Result<()> {
    let cp = cx.aws.codepipeline();
    // DeletePipeline succeeds for a missing pipeline.
    cx.call("codepipeline", "DeletePipeline", name, || {
        cp.delete_pipeline().name(name).send()
    })
    .await?;
    Ok(())
}
