//! The CodeBuild project: source and artifacts of type CODEPIPELINE (the pipeline hands the
//! source in and takes imagedefinitions.json out), privileged mode for `docker build`, the
//! spec's image and compute, the build log group, and the variables the buildspec reads
//! (ACCOUNT_ID, REPOSITORY_URI, CONTAINER_NAME, plus the student's own) so nothing in it is
//! hard-coded. CodeBuild sets AWS_REGION and AWS_DEFAULT_REGION itself.
//! "Not found": absent from BatchGetProjects' `projects` (it lists the name under
//! `projectsNotFound`). Deleting stops its running builds first.

use aws_sdk_codebuild::types::{
    ArtifactsType, CloudWatchLogsConfig, ComputeType as CbCompute, EnvironmentType as CbEnv, EnvironmentVariable,
    EnvironmentVariableType, LogsConfig, LogsConfigStatusType, ProjectArtifacts, ProjectEnvironment, ProjectSource,
    SourceType, Tag,
};

use crate::buildspec;
use crate::error::{Result, is_code};
use crate::plan::{Kind, Resource, RoleFor};
use crate::spec::{BuildspecMode, ComputeType, EnvironmentType, LabSpec};

use super::{Arn, Ctx, Found, Tagged, iam_role};

/// ListBuildsForProject's answer for a missing project (DeleteProject succeeds for one).
pub const GONE: &[&str] = &["ResourceNotFoundException"];

pub const ALREADY_EXISTS: &[&str] = &["ResourceAlreadyExistsException"];

/// `project/<name>`.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("codebuild", ["project", name]) => Some(arn.tagged(Kind::CodebuildProject, name, arn.text)),
        _ => None,
    }
}

pub async fn describe(cx: &Ctx, name: &str) -> Result<Found> {
    let cb = cx.aws.codebuild();
    let out = cx
        .call("codebuild", "BatchGetProjects", name, || {
            cb.batch_get_projects().names(name).send()
        })
        .await?;
    let Some(p) = out.projects().iter().find(|p| p.name() == Some(name)) else {
        return Ok(Found::Missing);
    };
    let arn = p.arn().unwrap_or_default().to_owned();
    let ours = cx.is_ours(
        p.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    );
    cx.set_output(Resource::BuildProject, &arn);
    Ok(Found::Present { id: arn, ours })
}

/// The variables every build gets. Plain text: never secrets.
pub fn environment_variables(cx: &Ctx) -> Result<Vec<EnvironmentVariable>> {
    let uri = cx.with_outputs(|o| o.repository_uri.clone()).unwrap_or_default();
    let mut vars = vec![
        ("ACCOUNT_ID".to_owned(), cx.facts().account_id.clone()),
        ("REPOSITORY_URI".to_owned(), uri),
        ("CONTAINER_NAME".to_owned(), cx.plan.names.container.clone()),
    ];
    vars.extend(
        cx.spec
            .build
            .environment_variables
            .iter()
            .map(|e| (e.name.clone(), e.value.clone())),
    );
    vars.into_iter()
        .map(|(k, v)| {
            Ok(EnvironmentVariable::builder()
                .name(k)
                .value(v)
                .r#type(EnvironmentVariableType::Plaintext)
                .build()?)
        })
        .collect()
}

pub fn environment_type(t: EnvironmentType) -> CbEnv {
    match t {
        EnvironmentType::LinuxContainer => CbEnv::LinuxContainer,
        EnvironmentType::ArmContainer => CbEnv::ArmContainer,
        EnvironmentType::LinuxLambdaContainer => CbEnv::LinuxLambdaContainer,
    }
}

pub fn compute_type(c: ComputeType) -> CbCompute {
    match c {
        ComputeType::Small => CbCompute::BuildGeneral1Small,
        ComputeType::Medium => CbCompute::BuildGeneral1Medium,
        ComputeType::Large => CbCompute::BuildGeneral1Large,
    }
}

/// The project's `buildspec`: the generated one inline, or the path of the one the student
/// commits.
pub fn project_buildspec(spec: &LabSpec) -> String {
    match spec.build.buildspec_mode {
        BuildspecMode::Inline => buildspec::inline(spec.registry.tag_immutability),
        BuildspecMode::File => spec.build.buildspec_path.clone(),
    }
}

pub fn description(lab: &str) -> String {
    format!("Pipewright lab {lab}: docker build and push to ECR")
}

pub async fn create(cx: &Ctx, name: &str) -> Result<String> {
    let b = &cx.spec.build;
    let role = iam_role::arn_for(cx, RoleFor::Build)?;
    let environment = ProjectEnvironment::builder()
        .r#type(environment_type(b.environment_type))
        .image(&b.image)
        .compute_type(compute_type(b.compute_type))
        .privileged_mode(b.privileged)
        .set_environment_variables(Some(environment_variables(cx)?))
        .build()?;
    let buildspec = project_buildspec(&cx.spec);
    let logs = LogsConfig::builder()
        .cloud_watch_logs(
            CloudWatchLogsConfig::builder()
                .status(LogsConfigStatusType::Enabled)
                .group_name(&cx.plan.names.build_log_group)
                .build()?,
        )
        .build();
    let tags = cx.tags_with(|k, v| Tag::builder().key(k).value(v).build());
    let req = Request {
        name,
        role: &role,
        environment: &environment,
        logs: &logs,
        tags: &tags,
        buildspec: &buildspec,
    };
    let out = match send(cx, &req, None).await {
        // Some emulators (moto) insist on a location even for CODEPIPELINE; AWS ignores one
        // there, so this retry is harmless on AWS (and never taken).
        Err(e)
            if is_code(&e, &["InvalidInputException"])
                && crate::error::aws_message(&e).contains("location is required") =>
        {
            send(cx, &req, Some(cx.plan.names.pipeline.clone())).await?
        }
        other => other?,
    };
    let arn = out.project().and_then(|p| p.arn()).unwrap_or_default().to_owned();
    cx.set_output(Resource::BuildProject, &arn);
    Ok(arn)
}

struct Request<'a> {
    name: &'a str,
    role: &'a str,
    environment: &'a ProjectEnvironment,
    logs: &'a LogsConfig,
    tags: &'a [Tag],
    buildspec: &'a str,
}

async fn send(
    cx: &Ctx,
    r: &Request<'_>,
    location: Option<String>,
) -> Result<aws_sdk_codebuild::operation::create_project::CreateProjectOutput> {
    let cb = cx.aws.codebuild();
    let source = ProjectSource::builder()
        .r#type(SourceType::Codepipeline)
        .buildspec(r.buildspec)
        .set_location(location.clone())
        .build()?;
    let artifacts = ProjectArtifacts::builder()
        .r#type(ArtifactsType::Codepipeline)
        .set_location(location)
        .build()?;
    cx.call("codebuild", "CreateProject", r.name, || {
        cb.create_project()
            .name(r.name)
            .description(description(cx.lab()))
            .source(source.clone())
            .artifacts(artifacts.clone())
            .environment(r.environment.clone())
            .service_role(r.role)
            .timeout_in_minutes(cx.spec.build.timeout_minutes as i32)
            .logs_config(r.logs.clone())
            .set_tags(Some(r.tags.to_vec()))
            .send()
    })
    .await
}

/// Stops the project's running builds, then deletes it: a running build keeps writing its
/// logs and would make the build log group again after Teardown deleted it.
pub async fn delete(cx: &Ctx, name: &str) -> Result<()> {
    stop_builds(cx, name).await?;
    let cb = cx.aws.codebuild();
    // DeleteProject succeeds for a missing project.
    cx.call("codebuild", "DeleteProject", name, || {
        cb.delete_project().name(name).send()
    })
    .await?;
    Ok(())
}

async fn stop_builds(cx: &Ctx, project: &str) -> Result<()> {
    let cb = cx.aws.codebuild();
    let ids = match cx
        .call("codebuild", "ListBuildsForProject", project, || {
            cb.list_builds_for_project().project_name(project).send()
        })
        .await
    {
        Ok(o) => o.ids().to_vec(),
        Err(e) if is_code(&e, GONE) => return Ok(()),
        Err(e) => return Err(e),
    };
    if ids.is_empty() {
        return Ok(());
    }
    let builds = cx
        .call("codebuild", "BatchGetBuilds", project, || {
            cb.batch_get_builds().set_ids(Some(ids.clone())).send()
        })
        .await?;
    for b in builds.builds() {
        if b.build_status() == Some(&aws_sdk_codebuild::types::StatusType::InProgress)
            && let Some(id) = b.id()
        {
            cx.call("codebuild", "StopBuild", id, || cb.stop_build().id(id).send())
                .await?;
        }
    }
    Ok(())
}
