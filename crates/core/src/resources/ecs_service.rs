//! The ECS service: FARGATE, platform version from the spec, awsvpc in the load balancer's
//! subnets with a public IP (no NAT in the default VPC, and the task must reach ECR), the
//! task security group, the target group, the health check grace period.
//! It is created with no task: no image exists until the pipeline's first run has built one,
//! and a task whose image is missing fails to pull and makes ECS back off for up to 15
//! minutes. The first run (`first_run`) deploys the image, then scales the service to the
//! spec's count and waits until it serves (`scale_and_wait`).
//! Deleting scales it to zero first, then waits until ECS calls it INACTIVE (its tasks have
//! stopped, so nothing holds the task security group or the target group any more).

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, DeploymentRolloutState, LaunchType, LoadBalancer, NetworkConfiguration,
    PropagateTags, ServiceField, Tag,
};

use std::time::Instant;

use aws_sdk_elasticloadbalancingv2::types::TargetHealthStateEnum;

use crate::error::{Error, Result, is_code};
use crate::plan::{GroupFor, Kind, Node, Resource};
use crate::progress::{NodeState, ProgressDetail, RunProgress};

use super::{Arn, Ctx, Found, Label, Tagged, typical};

/// AWS's answers meaning the service is gone (or its cluster is): a `MISSING` failure or an
/// INACTIVE/DRAINING status in DescribeServices mean it too.
pub const GONE: &[&str] = &[
    "ServiceNotFoundException",
    "ServiceNotActiveException",
    "ClusterNotFoundException",
];

/// ECS: "Creation of service was not idempotent."
pub const ALREADY_EXISTS: &[&str] = &["InvalidParameterException"];

/// A service, or one of its tasks (`service/<cluster>/<name>`, `task/<cluster>/<id>`).
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    let (name, cluster, task) = match (arn.service, arn.path.as_slice()) {
        ("ecs", ["service", cluster, name]) => (*name, *cluster, false),
        ("ecs", ["service", name]) => (*name, "default", false),
        ("ecs", ["task", cluster, _]) => (arn.resource, *cluster, true),
        _ => return None,
    };
    Some(Tagged {
        cluster: Some(cluster.to_owned()),
        task,
        ..arn.tagged(Kind::EcsService, name, arn.text)
    })
}

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
                .set_subnets(Some(cx.facts().lab_subnets().to_vec()))
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
    let tags = cx.tags_with(|k, v| Tag::builder().key(k).value(v).build());
    let out = cx
        .call("ecs", "CreateService", name, || {
            ecs.create_service()
                .cluster(&names.cluster)
                .service_name(name)
                .task_definition(&task_def)
                .desired_count(0)
                .launch_type(LaunchType::Fargate)
                .platform_version(&d.platform_version)
                .network_configuration(network.clone())
                .load_balancers(lb.clone())
                .health_check_grace_period_seconds(d.health_check_grace_period_seconds as i32)
                .propagate_tags(PropagateTags::Service)
                .enable_ecs_managed_tags(true)
                .set_tags(Some(tags.clone()))
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

/// Sets the service's desired count to the spec's (a no-op when it is already), then waits
/// until it serves: one deployment whose rollout completed, every desired task running, and
/// as many healthy targets in the target group. While waiting, the student sees ECS's latest
/// event (a task that cannot pull its image says so there).
pub async fn scale_and_wait(cx: &Ctx, node: &Node, run: &mut RunProgress) -> Result<()> {
    let ecs = cx.aws.ecs();
    let cluster = &cx.plan.names.cluster;
    let name = &cx.plan.names.service;
    let want = cx.spec.deploy.desired_count as i32;
    let out = cx
        .call("ecs", "DescribeServices", name, || {
            ecs.describe_services().cluster(cluster).services(name).send()
        })
        .await?;
    let current = out.services().first().map(|s| s.desired_count()).unwrap_or(0);
    if current != want {
        cx.call("ecs", "UpdateService", name, || {
            ecs.update_service()
                .cluster(cluster)
                .service(name)
                .desired_count(want)
                .send()
        })
        .await?;
    }
    let target_group = cx.output(Resource::TargetGroup)?;
    let deadline = cx.timing.deadline(15 * 60);
    let until = Instant::now() + deadline;
    let mut shown: Option<String> = None;
    loop {
        let (status, event) = match serving(cx, want, &target_group).await? {
            Serving::Yes => return Ok(()),
            Serving::NotYet { status, event } => (status, event),
        };
        run.service_event = event.clone();
        if shown.as_deref() != Some(status.as_str()) {
            let detail = ProgressDetail {
                run: Some(run.clone()),
                ..cx.timing.expect(typical::SERVICE_ROLLOUT)
            };
            cx.emit(node, NodeState::Waiting, Some(status.clone()), Some(detail));
            shown = Some(status);
        }
        if Instant::now() >= until {
            let what = match event {
                Some(e) => format!("the service to serve the app (ECS's latest event: {e})"),
                None => "the service to serve the app".to_owned(),
            };
            return Err(Error::WaitTimeout {
                what,
                seconds: deadline.as_secs(),
            });
        }
        cx.cancel.sleep(cx.timing.poll).await?;
    }
}

enum Serving {
    Yes,
    NotYet { status: String, event: Option<String> },
}

/// One look at the service and its target group.
async fn serving(cx: &Ctx, want: i32, target_group: &str) -> Result<Serving> {
    let (ecs, elb) = (cx.aws.ecs(), cx.aws.elbv2());
    let cluster = &cx.plan.names.cluster;
    let name = &cx.plan.names.service;
    let out = cx
        .call("ecs", "DescribeServices", name, || {
            ecs.describe_services().cluster(cluster).services(name).send()
        })
        .await?;
    let Some(s) = out.services().first() else {
        return Ok(Serving::NotYet {
            status: "service not visible yet".into(),
            event: None,
        });
    };
    let event = s.events().first().and_then(|e| e.message()).map(str::to_owned);
    let deployments = s.deployments();
    if let Some(failed) = deployments
        .iter()
        .find(|d| d.rollout_state() == Some(&DeploymentRolloutState::Failed))
    {
        return Err(Error::Internal(format!(
            "the service's deployment failed: {}",
            failed.rollout_state_reason().unwrap_or("no reason given")
        )));
    }
    let stable = deployments.len() == 1
        && deployments[0]
            .rollout_state()
            .is_none_or(|r| *r == DeploymentRolloutState::Completed)
        && s.running_count() == want;
    if !stable {
        return Ok(Serving::NotYet {
            status: format!("{} of {want} tasks running", s.running_count()),
            event,
        });
    }
    let health = cx
        .call("elasticloadbalancing", "DescribeTargetHealth", target_group, || {
            elb.describe_target_health().target_group_arn(target_group).send()
        })
        .await?;
    let healthy = health
        .target_health_descriptions()
        .iter()
        .filter(|t| t.target_health().and_then(|h| h.state()) == Some(&TargetHealthStateEnum::Healthy))
        .count() as i32;
    if healthy >= want {
        Ok(Serving::Yes)
    } else {
        Ok(Serving::NotYet {
            status: format!("{want} of {want} tasks running, {healthy} healthy in the target group"),
            event,
        })
    }
}

/// Whether the service already serves the spec's count (Apply's rerun of a finished lab).
pub async fn is_serving(cx: &Ctx) -> Result<bool> {
    let want = cx.spec.deploy.desired_count as i32;
    let target_group = cx.output(Resource::TargetGroup)?;
    let ecs = cx.aws.ecs();
    let (cluster, name) = (&cx.plan.names.cluster, &cx.plan.names.service);
    let out = cx
        .call("ecs", "DescribeServices", name, || {
            ecs.describe_services().cluster(cluster).services(name).send()
        })
        .await?;
    if out.services().first().map(|s| s.desired_count()) != Some(want) {
        return Ok(false);
    }
    Ok(matches!(serving(cx, want, &target_group).await?, Serving::Yes))
}

/// Whether a service (ACTIVE or DRAINING) or a task (not STOPPED) found by its ARN is still
/// there.
pub async fn still_exists(cx: &Ctx, t: &Tagged) -> Result<bool> {
    let ecs = cx.aws.ecs();
    let cluster = t.cluster.as_deref().unwrap_or("default");
    let found = if t.task {
        cx.call("ecs", "DescribeTasks", &t.name, || {
            ecs.describe_tasks().cluster(cluster).tasks(&t.arn).send()
        })
        .await
        .map(|o| o.tasks().iter().any(|x| x.last_status() != Some("STOPPED")))
    } else {
        cx.call("ecs", "DescribeServices", &t.name, || {
            ecs.describe_services().cluster(cluster).services(&t.arn).send()
        })
        .await
        .map(|o| {
            o.services()
                .iter()
                .any(|s| matches!(s.status(), Some("ACTIVE" | "DRAINING")))
        })
    };
    match found {
        Err(e) if is_code(&e, GONE) => Ok(false),
        other => other,
    }
}

/// Scales the service to zero, deletes it and waits until ECS calls it INACTIVE.
pub async fn delete(cx: &Ctx, about: &Label, cluster: &str, name: &str) -> Result<()> {
    let ecs = cx.aws.ecs();
    match cx
        .call("ecs", "UpdateService", name, || {
            ecs.update_service()
                .cluster(cluster)
                .service(name)
                .desired_count(0)
                .send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => return Err(e),
        _ => {}
    }
    match cx
        .call("ecs", "DeleteService", name, || {
            ecs.delete_service().cluster(cluster).service(name).force(true).send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => return Err(e),
        _ => {}
    }
    cx.wait_for(
        about,
        "the service to become INACTIVE",
        cx.timing.service_deadline,
        None,
        || async {
            let out = match cx
                .call("ecs", "DescribeServices", name, || {
                    ecs.describe_services().cluster(cluster).services(name).send()
                })
                .await
            {
                Ok(o) => o,
                Err(e) if is_code(&e, &["ClusterNotFoundException"]) => return Ok(Ok(())),
                Err(e) => return Err(e),
            };
            match out.services().first().and_then(|s| s.status()) {
                None | Some("INACTIVE") => Ok(Ok(())),
                Some(status) => Ok(Err(format!("service {status}: tasks are stopping"))),
            }
        },
    )
    .await
}
