//! The task definition family: Fargate, awsvpc, the spec's CPU/memory and architecture, one
//! essential container named CONTAINER_NAME (the name the buildspec writes into
//! imagedefinitions.json, so the two cannot disagree), its port mapping with name and app
//! protocol, awslogs to the app's log group, and the task execution role.
//! Registering always makes a new revision, so "exists" means: the family's latest ACTIVE
//! revision carries our tag. "Not found": `ClientException` "Unable to describe task definition".

use aws_sdk_ecs::types::{
    ApplicationProtocol, Compatibility, ContainerDefinition, CpuArchitecture as EcsArch, LogConfiguration, LogDriver,
    NetworkMode, OsFamily, PortMapping, RuntimePlatform, Tag, TaskDefinitionField, TransportProtocol,
};

use crate::error::{Result, is_code};
use crate::plan::{Resource, RoleFor};
use crate::spec::{AppProtocol, CpuArchitecture};

use super::{Ctx, Found, iam_role, lab_tag};

/// The image tag of the revision Apply registers, before any build has pushed an image.
pub const AWAITING_FIRST_BUILD: &str = "awaiting-first-build";

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
        Err(e) if is_code(&e, &["ClientException"]) => return Ok(Found::Missing),
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
        .app_protocol(match d.app_protocol {
            AppProtocol::Http => ApplicationProtocol::Http,
            AppProtocol::Http2 => ApplicationProtocol::Http2,
            AppProtocol::Grpc => ApplicationProtocol::Grpc,
        })
        .build();
    let logs = LogConfiguration::builder()
        .log_driver(LogDriver::Awslogs)
        .options("awslogs-group", &names.task_log_group)
        .options("awslogs-region", &cx.facts().region)
        .options("awslogs-stream-prefix", "app")
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
    let (k, v) = lab_tag(cx);
    let tag = Tag::builder().key(k).value(v).build();
    let arch = match d.cpu_architecture {
        CpuArchitecture::X86_64 => EcsArch::X8664,
        CpuArchitecture::Arm64 => EcsArch::Arm64,
    };
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
                .tags(tag.clone())
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
