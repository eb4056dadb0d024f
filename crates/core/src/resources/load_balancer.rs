//! The internet-facing Application Load Balancer in the default VPC's subnets, behind the
//! load balancer's security group; Apply waits until it is `active`, Teardown until it is
//! gone (its listeners go with it).

use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, LoadBalancerSchemeEnum, LoadBalancerStateEnum, LoadBalancerTypeEnum, Tag,
};

use crate::error::{Result, is_code};
use crate::plan::{GroupFor, Kind, Node, Resource};

use super::{Arn, Ctx, Found, Label, Tagged};

pub const GONE: &[&str] = &["LoadBalancerNotFound"];

/// AWS usually returns the existing load balancer instead.
pub const ALREADY_EXISTS: &[&str] = &["DuplicateLoadBalancerName"];

/// `loadbalancer/app/<name>/<id>`.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("elasticloadbalancing", ["loadbalancer", _, name, _]) => Some(arn.tagged(Kind::LoadBalancer, name, arn.text)),
        _ => None,
    }
}

/// The tags of a load balancer, listener or target group.
pub async fn tags_of(cx: &Ctx, arn: &str) -> Result<Vec<(String, String)>> {
    let elb = cx.aws.elbv2();
    let out = cx
        .call("elasticloadbalancing", "DescribeTags", arn, || {
            elb.describe_tags().resource_arns(arn).send()
        })
        .await?;
    Ok(out
        .tag_descriptions()
        .iter()
        .flat_map(|d| d.tags())
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

pub async fn describe(cx: &Ctx, name: &str) -> Result<Found> {
    let elb = cx.aws.elbv2();
    let out = match cx
        .call("elasticloadbalancing", "DescribeLoadBalancers", name, || {
            elb.describe_load_balancers().names(name).send()
        })
        .await
    {
        Ok(o) => o,
        Err(e) if is_code(&e, GONE) => return Ok(Found::Missing),
        Err(e) => return Err(e),
    };
    let Some(lb) = out.load_balancers().first() else {
        return Ok(Found::Missing);
    };
    let arn = lb.load_balancer_arn().unwrap_or_default().to_owned();
    let tags = tags_of(cx, &arn).await?;
    let ours = cx.is_ours(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    remember(cx, &arn, lb.dns_name());
    Ok(Found::Present { id: arn, ours })
}

fn remember(cx: &Ctx, arn: &str, dns: Option<&str>) {
    cx.set_output(Resource::LoadBalancer, arn);
    let dns = dns.map(str::to_owned);
    cx.with_outputs(|o| o.load_balancer_dns = dns);
}

pub async fn create(cx: &Ctx, name: &str) -> Result<String> {
    let elb = cx.aws.elbv2();
    let sg = cx.output(Resource::SecurityGroup(GroupFor::LoadBalancer))?;
    let subnets = cx.facts().lab_subnets().to_vec();
    let tags = cx.tags_with(|k, v| Tag::builder().key(k).value(v).build());
    let out = cx
        .call("elasticloadbalancing", "CreateLoadBalancer", name, || {
            elb.create_load_balancer()
                .name(name)
                .r#type(LoadBalancerTypeEnum::Application)
                .scheme(LoadBalancerSchemeEnum::InternetFacing)
                .ip_address_type(IpAddressType::Ipv4)
                .set_subnets(Some(subnets.clone()))
                .security_groups(&sg)
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
    let lb = out.load_balancers().first();
    let arn = lb.and_then(|l| l.load_balancer_arn()).unwrap_or_default().to_owned();
    remember(cx, &arn, lb.and_then(|l| l.dns_name()));
    Ok(arn)
}

/// Provisioning takes about 90 s on AWS.
pub async fn wait_active(cx: &Ctx, node: &Node, arn: &str) -> Result<()> {
    let elb = cx.aws.elbv2();
    cx.wait_for(
        node,
        "the load balancer to become active",
        cx.timing.load_balancer_deadline,
        Some(cx.timing.expect(super::typical::LOAD_BALANCER)),
        || async {
            let out = cx
                .call("elasticloadbalancing", "DescribeLoadBalancers", arn, || {
                    elb.describe_load_balancers().load_balancer_arns(arn).send()
                })
                .await?;
            let state = out
                .load_balancers()
                .first()
                .and_then(|l| l.state())
                .and_then(|s| s.code())
                .cloned();
            match state {
                Some(LoadBalancerStateEnum::Active) => Ok(Ok(())),
                Some(LoadBalancerStateEnum::Failed) | Some(LoadBalancerStateEnum::ActiveImpaired) => Err(
                    crate::error::Error::Internal(format!("the load balancer {arn} is {:?}", state)),
                ),
                other => Ok(Err(format!(
                    "load balancer {}",
                    other
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_else(|| "provisioning".into())
                ))),
            }
        },
    )
    .await
}

/// Deletes the load balancer and waits until it is gone (its listeners go with it).
pub async fn delete(cx: &Ctx, about: &Label, arn: &str) -> Result<()> {
    let elb = cx.aws.elbv2();
    match cx
        .call("elasticloadbalancing", "DeleteLoadBalancer", arn, || {
            elb.delete_load_balancer().load_balancer_arn(arn).send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => return Err(e),
        _ => {}
    }
    cx.wait_for(
        about,
        "the load balancer to be deleted",
        cx.timing.load_balancer_deadline,
        None,
        || async {
            match cx
                .call("elasticloadbalancing", "DescribeLoadBalancers", arn, || {
                    elb.describe_load_balancers().load_balancer_arns(arn).send()
                })
                .await
            {
                Ok(o) if o.load_balancers().is_empty() => Ok(Ok(())),
                Ok(_) => Ok(Err("load balancer deleting".into())),
                Err(e) if is_code(&e, GONE) => Ok(Ok(())),
                Err(e) => Err(e),
            }
        },
    )
    .await
}
