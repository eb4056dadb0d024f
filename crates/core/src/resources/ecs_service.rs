//! The ECS service: FARGATE, platform version from the spec, awsvpc in the default VPC's
//! subnets with a public IP (no NAT in the default VPC, and the task must reach ECR), the
//! task security group, the target group, the health check grace period. Apply waits until
//! it is stable (one deployment, rollout COMPLETED, running == desired).
//! "Already exists": `InvalidParameterException` "Creation of service was not idempotent";
//! "not found": a `MISSING` failure, or status INACTIVE/DRAINING.

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, DeploymentRolloutState, LaunchType, LoadBalancer, NetworkConfiguration,
    PropagateTags, ServiceField, Tag,
};

use crate::error::Result;
use crate::plan::{GroupFor, Node, Resource};

use super::{Ctx, Found, is_code, lab_tag};

pub async fn describe(cx: &Ctx, name: &str) -> Result<Found> {
    let ecs = cx.aws.ecs();
    let cluster = &cx.plan.names.cluster;
    let out = match cx
        .call("ecs", "DescribeServices", name, || {
            ecs.describe_services()
                .cluster(cluster)
                .services(name)
                .include(ServiceField::Tags)
                .send()
        })
        .await
    {
        Ok(o) => o,
        Err(e) if is_code(&e, &["ClusterNotFoundException"]) => return Ok(Found::Missing),
        Err(e) => return Err(e),
    };
    let Some(s) = out.services().iter().find(|s| s.status() == Some("ACTIVE")) else {
        return Ok(Found::Missing);
    };
    let arn = s.service_arn().unwrap_or_default().to_owned();
    let ours = cx.is_ours(
        s.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    );
    cx.set_output(Resource::Service, &arn);
    Ok(Found::Present { id: arn, ours })
}

pub async fn create(cx: &Ctx, name: &str) -> Result<String> {
    let ecs = cx.aws.ecs();
    let d = &cx.spec.deploy;
    let names = &cx.plan.names;
    let task_def = cx.output(Resource::TaskDefinition)?;
    let tg = cx.output(Resource::TargetGroup)?;
    let sg = cx.output(Resource::SecurityGroup(GroupFor::Task))?;
    let network = NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .set_subnets(Some(cx.facts().subnet_ids.clone()))
                .security_groups(sg)
                .assign_public_ip(AssignPublicIp::Enabled)
                .build()?,
        )
        .build();
    let lb = LoadBalancer::builder()
        .target_group_arn(tg)
        .container_name(&names.container)
        .container_port(d.container_port as i32)
        .build();
    let (k, v) = lab_tag(cx);
    let tag = Tag::builder().key(k).value(v).build();
    let out = cx
        .call("ecs", "CreateService", name, || {
            ecs.create_service()
                .cluster(&names.cluster)
                .service_name(name)
                .task_definition(&task_def)
                .desired_count(d.desired_count as i32)
                .launch_type(LaunchType::Fargate)
                .platform_version(&d.platform_version)
                .network_configuration(network.clone())
                .load_balancers(lb.clone())
                .health_check_grace_period_seconds(d.health_check_grace_period_seconds as i32)
                .propagate_tags(PropagateTags::Service)
                .enable_ecs_managed_tags(true)
                .tags(tag.clone())
                .send()
        })
        .await?;
    let arn = out
        .service()
        .and_then(|s| s.service_arn())
        .unwrap_or_default()
        .to_owned();
    cx.set_output(Resource::Service, &arn);
    Ok(arn)
}

/// Stable: a single deployment whose rollout completed, with every desired task running.
pub async fn wait_stable(cx: &Ctx, node: &Node) -> Result<()> {
    let ecs = cx.aws.ecs();
    let cluster = &cx.plan.names.cluster;
    let name = &node.name;
    cx.wait_for(
        node,
        "the service to become stable",
        cx.timing.service_deadline,
        None,
        || async {
            let out = cx
                .call("ecs", "DescribeServices", name, || {
                    ecs.describe_services().cluster(cluster).services(name).send()
                })
                .await?;
            let Some(s) = out.services().first() else {
                return Ok(Err("service not visible yet".into()));
            };
            let deployments = s.deployments();
            let done = deployments.len() == 1
                && deployments[0]
                    .rollout_state()
                    .is_none_or(|r| *r == DeploymentRolloutState::Completed)
                && s.running_count() == s.desired_count();
            if done {
                return Ok(Ok(()));
            }
            if deployments
                .iter()
                .any(|d| d.rollout_state() == Some(&DeploymentRolloutState::Failed))
            {
                return Err(crate::error::Error::Internal(format!(
                    "the service's deployment failed: {}",
                    deployments
                        .iter()
                        .filter_map(|d| d.rollout_state_reason())
                        .collect::<Vec<_>>()
                        .join("; ")
                )));
            }
            Ok(Err(format!(
                "{} of {} tasks running",
                s.running_count(),
                s.desired_count()
            )))
        },
    )
    .await
}
