//! The CodePipeline V2 pipeline: Source (CodeStarSourceConnection) and Build (CodeBuild)
//! stages at step 2–3, the execution mode and triggers from the spec, the artifact bucket;
//! the Deploy stage (Amazon ECS, imagedefinitions.json) is added at step 5 by UpdatePipeline,
//! once the service exists, as the lecture does. The stage is a ledger row of its own
//! (`pipeline_stage`) with no tag: it lives and dies with the pipeline.
//! "Already exists": `PipelineNameInUseException`; "not found": `PipelineNotFoundException`.

use aws_sdk_codepipeline::types::{
    ActionCategory, ActionDeclaration, ActionOwner, ActionTypeId, ArtifactStore, ArtifactStoreType,
    ExecutionMode as CpMode, GitBranchFilterCriteria, GitConfiguration, GitFilePathFilterCriteria,
    GitPullRequestEventType, GitPullRequestFilter, GitPushFilter, GitTagFilterCriteria, InputArtifact, OutputArtifact,
    PipelineDeclaration, PipelineTriggerDeclaration, PipelineTriggerProviderType, PipelineType, StageDeclaration, Tag,
};

use crate::error::Result;
use crate::plan::{Resource, RoleFor};
use crate::spec::{
    ExecutionMode, FilterType, OutputArtifactFormat, PullRequestEvent, Trigger, TriggerEvent, TriggerFilter,
};

use super::{Ctx, Found, iam_role, is_code, lab_tag};

const SOURCE: &str = "Source";
const BUILD: &str = "Build";
const DEPLOY: &str = "Deploy";
const SOURCE_ARTIFACT: &str = "SourceArtifact";
const BUILD_ARTIFACT: &str = "BuildArtifact";

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
        Err(e) if is_code(&e, &["ResourceNotFoundException", "PipelineNotFoundException"]) => {
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

fn source_and_build(cx: &Ctx) -> Result<Vec<StageDeclaration>> {
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
    let decl = declaration(cx, name, source_and_build(cx)?)?;
    let (k, v) = lab_tag(cx);
    let tag = Tag::builder().key(k).value(v).build()?;
    cx.call("codepipeline", "CreatePipeline", name, || {
        cp.create_pipeline().pipeline(decl.clone()).tags(tag.clone()).send()
    })
    .await?;
    let arn = cx.arn("codepipeline", name);
    cx.set_output(Resource::Pipeline, &arn);
    Ok(arn)
}

/// The Deploy stage "exists" when the pipeline's state lists a stage named Deploy.
pub async fn describe_deploy_stage(cx: &Ctx) -> Result<Found> {
    let cp = cx.aws.codepipeline();
    let name = &cx.plan.names.pipeline;
    let out = cx
        .call("codepipeline", "GetPipelineState", name, || {
            cp.get_pipeline_state().name(name).send()
        })
        .await?;
    let has = out.stage_states().iter().any(|s| s.stage_name() == Some(DEPLOY));
    Ok(if has {
        Found::Present {
            id: format!("{name}/{DEPLOY}"),
            ours: true,
        }
    } else {
        Found::Missing
    })
}

/// Declares the whole pipeline again from the spec, now with Deploy: the lab's pipeline is
/// the spec's (a student's edits in the console are replaced, as a rerun of `up` should).
pub async fn add_deploy_stage(cx: &Ctx) -> Result<String> {
    let cp = cx.aws.codepipeline();
    let name = &cx.plan.names.pipeline;
    let mut stages = source_and_build(cx)?;
    stages.push(deploy_stage(cx)?);
    let decl = declaration(cx, name, stages)?;
    cx.call("codepipeline", "UpdatePipeline", name, || {
        cp.update_pipeline().pipeline(decl.clone()).send()
    })
    .await?;
    Ok(format!("{name}/{DEPLOY}"))
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
