//! The task definition family: Fargate, awsvpc, the spec's CPU/memory and architecture, one
//! essential container named CONTAINER_NAME (the name the buildspec writes into
//! imagedefinitions.json, so the two cannot disagree), its port mapping with name and app
//! protocol, awslogs to the app's log group, and the task execution role.
//! Registering always makes a new revision, so "exists" means: the family's latest ACTIVE
//! revision carries our tag. Deleting a family deregisters every ACTIVE revision, then deletes
//! them all (the pipeline's deploys register revisions of their own).

use aws_sdk_ecs::types::{
    ApplicationProtocol, Compatibility, ContainerDefinition, CpuArchitecture as EcsArch, LogConfiguration, LogDriver,
    NetworkMode, OsFamily, PortMapping, RuntimePlatform, Tag, TaskDefinitionField, TaskDefinitionStatus,
    TransportProtocol,
};

use crate::error::{Result, is_code};
use crate::plan::{Kind, Resource, RoleFor};
use crate::spec::{AppProtocol, CpuArchitecture};

use super::{Arn, Ctx, Found, Tagged, iam_role};

/// The app's log streams are `app/<container>/<task id>`.
pub const LOG_STREAM_PREFIX: &str = "app";

/// The image tag of the revision Apply registers, before any build has pushed an image.
pub const AWAITING_FIRST_BUILD: &str = "awaiting-first-build";

/// "Unable to describe task definition" (ECS answers a missing one with a client error).
pub const GONE: &[&str] = &["ClientException"];

/// Registering never refuses: it makes a new revision.
pub const ALREADY_EXISTS: &[&str] = &[];

/// One revision, `task-definition/<family>:<revision>`.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("ecs", ["task-definition", revision]) => Some(arn.tagged(Kind::TaskDefinition, revision, arn.text)),
        _ => None,
    }
}

pub async fn describe(cx: &Ctx, family: &str) -> Result<Found> {
    let ecs = cx.aws.ecs();
    let out = match cx
        .call("ecs", "DescribeTaskDefinition", family, || {
            ecs.describe_task_definition()
                .task_definition(family)
                .include(TaskDefinitionField::Tags)
                .send()
        })
        .await
    {
        Ok(o) => o,
        Err(e) if is_code(&e, GONE) => return Ok(Found::Missing),
        Err(e) => return Err(e),
    };
    let Some(td) = out.task_definition() else {
        return Ok(Found::Missing);
    };
    if td.status().map(|s| s.as_str()) != Some("ACTIVE") {
        return Ok(Found::Missing);
    }
    let arn = td.task_definition_arn().unwrap_or_default().to_owned();
    let ours = cx.is_ours(
        out.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    );
    cx.set_output(Resource::TaskDefinition, &arn);
    Ok(Found::Present { id: arn, ours })
}

pub fn app_protocol(p: AppProtocol) -> ApplicationProtocol {
    match p {
        AppProtocol::Http => ApplicationProtocol::Http,
        AppProtocol::Http2 => ApplicationProtocol::Http2,
        AppProtocol::Grpc => ApplicationProtocol::Grpc,
    }
}

pub fn cpu_architecture(a: CpuArchitecture) -> EcsArch {
    match a {
        CpuArchitecture::X86_64 => EcsArch::X8664,
        CpuArchitecture::Arm64 => EcsArch::Arm64,
    }
}

pub async fn create(cx: &Ctx, family: &str) -> Result<String> {
    let ecs = cx.aws.ecs();
    let d = &cx.spec.deploy;
    let names = &cx.plan.names;
    let repo_uri = cx.with_outputs(|o| o.repository_uri.clone()).unwrap_or_default();
    let exec_role = iam_role::arn_for(cx, RoleFor::TaskExecution)?;
    let port = PortMapping::builder()
        .container_port(d.container_port as i32)
        .protocol(TransportProtocol::Tcp)
        .name(&d.port_name)
        .app_protocol(app_protocol(d.app_protocol))
        .build();
    let logs = LogConfiguration::builder()
        .log_driver(LogDriver::Awslogs)
        .options("awslogs-group", &names.task_log_group)
        .options("awslogs-region", &cx.facts().region)
        .options("awslogs-stream-prefix", LOG_STREAM_PREFIX)
        .build()?;
    let container = ContainerDefinition::builder()
        .name(&names.container)
        // No image exists yet: the service starts with no task, and the pipeline's first run
        // registers a revision with the image it built (imagedefinitions.json). This tag is
        // never pushed, so nothing can run it by mistake.
        .image(format!("{repo_uri}:{AWAITING_FIRST_BUILD}"))
        .essential(true)
        .port_mappings(port)
        .log_configuration(logs)
        .readonly_root_filesystem(d.readonly_root_filesystem)
        .build();
    let tags = cx.tags_with(|k, v| Tag::builder().key(k).value(v).build());
    let arch = cpu_architecture(d.cpu_architecture);
    let out = cx
        .call("ecs", "RegisterTaskDefinition", family, || {
            ecs.register_task_definition()
                .family(family)
                .requires_compatibilities(Compatibility::Fargate)
                .network_mode(NetworkMode::Awsvpc)
                .cpu(d.cpu.to_string())
                .memory(d.memory.to_string())
                .runtime_platform(
                    RuntimePlatform::builder()
                        .cpu_architecture(arch.clone())
                        .operating_system_family(OsFamily::Linux)
                        .build(),
                )
                .execution_role_arn(&exec_role)
                .container_definitions(container.clone())
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
    let arn = out
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .unwrap_or_default()
        .to_owned();
    cx.set_output(Resource::TaskDefinition, &arn);
    Ok(arn)
}

/// Whether the revision `arn` carries the lab's tag (the family is ours when the revision the
/// ledger recorded is, whatever the pipeline registered since).
pub async fn revision_is_ours(cx: &Ctx, arn: &str) -> Result<bool> {
    let ecs = cx.aws.ecs();
    let out = match cx
        .call("ecs", "DescribeTaskDefinition", arn, || {
            ecs.describe_task_definition()
                .task_definition(arn)
                .include(TaskDefinitionField::Tags)
                .send()
        })
        .await
    {
        Ok(o) => o,
        Err(e) if is_code(&e, GONE) => return Ok(false),
        Err(e) => return Err(e),
    };
    Ok(cx.is_ours(
        out.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    ))
}

/// Whether a revision found by its ARN is still there (ACTIVE or INACTIVE, not deleted).
pub async fn still_exists(cx: &Ctx, t: &Tagged) -> Result<bool> {
    let ecs = cx.aws.ecs();
    match cx
        .call("ecs", "DescribeTaskDefinition", &t.name, || {
            ecs.describe_task_definition().task_definition(&t.arn).send()
        })
        .await
    {
        Ok(o) => Ok(o
            .task_definition()
            .and_then(|d| d.status())
            .is_some_and(|s| matches!(s, TaskDefinitionStatus::Active | TaskDefinitionStatus::Inactive))),
        Err(e) if is_code(&e, GONE) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Deletes one revision (`id` is its ARN) or a whole family (`id` is the family's name).
pub async fn delete(cx: &Ctx, id: &str) -> Result<()> {
    if id.starts_with("arn:") {
        delete_revision(cx, id).await
    } else {
        delete_family(cx, id).await
    }
}

async fn delete_revision(cx: &Ctx, arn: &str) -> Result<()> {
    let ecs = cx.aws.ecs();
    match cx
        .call("ecs", "DeregisterTaskDefinition", arn, || {
            ecs.deregister_task_definition().task_definition(arn).send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => return Err(e),
        _ => {}
    }
    cx.call("ecs", "DeleteTaskDefinitions", arn, || {
        ecs.delete_task_definitions().task_definitions(arn).send()
    })
    .await?;
    Ok(())
}

/// Deregisters every ACTIVE revision of the family, then deletes all of them.
async fn delete_family(cx: &Ctx, family: &str) -> Result<()> {
    let ecs = cx.aws.ecs();
    for arn in family_revisions(cx, family, TaskDefinitionStatus::Active).await? {
        cx.call("ecs", "DeregisterTaskDefinition", &arn, || {
            ecs.deregister_task_definition().task_definition(&arn).send()
        })
        .await?;
    }
    let inactive = family_revisions(cx, family, TaskDefinitionStatus::Inactive).await?;
    for chunk in inactive.chunks(10) {
        cx.call("ecs", "DeleteTaskDefinitions", family, || {
            ecs.delete_task_definitions()
                .set_task_definitions(Some(chunk.to_vec()))
                .send()
        })
        .await?;
    }
    Ok(())
}

/// Every revision of exactly this family (ListTaskDefinitions matches by prefix).
async fn family_revisions(cx: &Ctx, family: &str, status: TaskDefinitionStatus) -> Result<Vec<String>> {
    let ecs = cx.aws.ecs();
    let mut arns = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = cx
            .call("ecs", "ListTaskDefinitions", family, || {
                ecs.list_task_definitions()
                    .family_prefix(family)
                    .status(status.clone())
                    .set_next_token(next.clone())
                    .send()
            })
            .await?;
        arns.extend(
            page.task_definition_arns()
                .iter()
                .filter(|a| a.rsplit('/').next().and_then(|r| r.split(':').next()) == Some(family))
                .cloned(),
        );
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            return Ok(arns);
        }
    }
}
