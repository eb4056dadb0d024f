//! The target group the service registers its tasks in: target type `ip` (Fargate tasks
//! have their own ENI), HTTP on the container port, the spec's health check. It is in use
//! (and cannot be deleted) until its listener is gone.

use aws_sdk_elasticloadbalancingv2::types::{Matcher, ProtocolEnum, Tag, TargetGroupAttribute, TargetTypeEnum};

use crate::error::{Result, is_code};
use crate::plan::{Kind, Resource};

use super::{Arn, Ctx, Found, Label, Tagged, load_balancer::tags_of};

pub const GONE: &[&str] = &["TargetGroupNotFound"];

pub const ALREADY_EXISTS: &[&str] = &["DuplicateTargetGroupName"];

/// `targetgroup/<name>/<id>`.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("elasticloadbalancing", ["targetgroup", name, _]) => Some(arn.tagged(Kind::TargetGroup, name, arn.text)),
        _ => None,
    }
}

pub async fn describe(cx: &Ctx, name: &str) -> Result<Found> {
    let elb = cx.aws.elbv2();
    let out = match cx
        .call("elasticloadbalancing", "DescribeTargetGroups", name, || {
            elb.describe_target_groups().names(name).send()
        })
        .await
    {
        Ok(o) => o,
        Err(e) if is_code(&e, GONE) => return Ok(Found::Missing),
        Err(e) => return Err(e),
    };
    let Some(tg) = out.target_groups().first() else {
        return Ok(Found::Missing);
    };
    let arn = tg.target_group_arn().unwrap_or_default().to_owned();
    let tags = tags_of(cx, &arn).await?;
    let ours = cx.is_ours(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    cx.set_output(Resource::TargetGroup, &arn);
    Ok(Found::Present { id: arn, ours })
}

pub async fn create(cx: &Ctx, name: &str) -> Result<String> {
    let elb = cx.aws.elbv2();
    let d = &cx.spec.deploy;
    let t = &d.target_group;
    let vpc = cx.facts().vpc_id.clone();
    let tags = cx.tags_with(|k, v| Tag::builder().key(k).value(v).build());
    let out = cx
        .call("elasticloadbalancing", "CreateTargetGroup", name, || {
            elb.create_target_group()
                .name(name)
                .protocol(ProtocolEnum::Http)
                .port(d.container_port as i32)
                .vpc_id(&vpc)
                .target_type(TargetTypeEnum::Ip)
                .health_check_protocol(ProtocolEnum::Http)
                .health_check_path(&t.health_check_path)
                .health_check_interval_seconds(t.health_check_interval_seconds as i32)
                .health_check_timeout_seconds(t.health_check_timeout_seconds as i32)
                .healthy_threshold_count(t.healthy_threshold as i32)
                .unhealthy_threshold_count(t.unhealthy_threshold as i32)
                .matcher(Matcher::builder().http_code("200").build())
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
    let arn = out
        .target_groups()
        .first()
        .and_then(|t| t.target_group_arn())
        .unwrap_or_default()
        .to_owned();
    cx.set_output(Resource::TargetGroup, &arn);
    Ok(arn)
}

/// The deregistration delay is an attribute, not a CreateTargetGroup parameter.
pub async fn converge(cx: &Ctx, arn: &str) -> Result<()> {
    let elb = cx.aws.elbv2();
    let delay = cx.spec.deploy.target_group.deregistration_delay_seconds.to_string();
    let attr = TargetGroupAttribute::builder()
        .key("deregistration_delay.timeout_seconds")
        .value(delay)
        .build();
    cx.call("elasticloadbalancing", "ModifyTargetGroupAttributes", arn, || {
        elb.modify_target_group_attributes()
            .target_group_arn(arn)
            .attributes(attr.clone())
            .send()
    })
    .await?;
    Ok(())
}

/// Deletes the target group, asking again while its listener still uses it.
pub async fn delete(cx: &Ctx, about: &Label, arn: &str) -> Result<()> {
    let deadline = cx.timing.load_balancer_deadline;
    cx.retry_while(about, &["ResourceInUse"], deadline, || delete_once(cx, arn))
        .await
}

async fn delete_once(cx: &Ctx, arn: &str) -> Result<()> {
    let elb = cx.aws.elbv2();
    match cx
        .call("elasticloadbalancing", "DeleteTargetGroup", arn, || {
            elb.delete_target_group().target_group_arn(arn).send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => Err(e),
        _ => Ok(()),
    }
}
