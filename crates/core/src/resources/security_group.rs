//! Security groups in the default VPC: the load balancer's (the listener port from anywhere,
//! IPv4 and IPv6) and the task's (the container port only from the load balancer's group).
//! Tagged at creation (TagSpecifications). Deleting waits out the network interfaces that
//! still hold a group (those of deleted tasks and load balancers linger for minutes).

use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, Ipv6Range, ResourceType, SecurityGroup, Tag, TagSpecification, UserIdGroupPair,
};

use crate::error::{Error, ErrorCode, Result, aws_message, is_code};
use crate::plan::{GroupFor, Kind, Resource};
use crate::progress::NodeState;

use super::{Arn, Ctx, Found, Label, Tagged};

/// Absence from DescribeSecurityGroups means it too.
pub const GONE: &[&str] = &["InvalidGroup.NotFound"];

pub const ALREADY_EXISTS: &[&str] = &["InvalidGroup.Duplicate"];

/// `security-group/<id>`: known by its id.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("ec2", ["security-group", id]) => Some(arn.tagged(Kind::SecurityGroup, id, id)),
        _ => None,
    }
}

async fn find(cx: &Ctx, name: &str) -> Result<Option<SecurityGroup>> {
    let ec2 = cx.aws.ec2();
    let vpc = cx.facts().vpc_id.clone();
    let out = cx
        .call("ec2", "DescribeSecurityGroups", name, || {
            ec2.describe_security_groups()
                .filters(Filter::builder().name("group-name").values(name).build())
                .filters(Filter::builder().name("vpc-id").values(&vpc).build())
                .send()
        })
        .await?;
    Ok(out.security_groups().first().cloned())
}

/// Which of these groups a rule of another of them names (by a filter: a group already gone
/// is no error). AWS refuses to delete a group another group's rule still names, so a sweep
/// deletes those last.
pub async fn named_by_others(cx: &Ctx, ids: &[String]) -> Result<Vec<String>> {
    if ids.len() < 2 {
        return Ok(Vec::new());
    }
    let ec2 = cx.aws.ec2();
    let out = cx
        .call("ec2", "DescribeSecurityGroups", "", || {
            ec2.describe_security_groups()
                .filters(
                    Filter::builder()
                        .name("group-id")
                        .set_values(Some(ids.to_vec()))
                        .build(),
                )
                .send()
        })
        .await?;
    let mut named = Vec::new();
    for g in out.security_groups() {
        let pairs = g.ip_permissions().iter().flat_map(|p| p.user_id_group_pairs());
        for id in pairs.filter_map(|p| p.group_id()) {
            if Some(id) != g.group_id() && ids.iter().any(|i| i == id) && !named.iter().any(|n| n == id) {
                named.push(id.to_owned());
            }
        }
    }
    Ok(named)
}

pub async fn describe(cx: &Ctx, which: GroupFor, name: &str) -> Result<Found> {
    let Some(sg) = find(cx, name).await? else {
        return Ok(Found::Missing);
    };
    let id = sg.group_id().unwrap_or_default().to_owned();
    let ours = cx.is_ours(
        sg.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    );
    cx.set_output(Resource::SecurityGroup(which), &id);
    Ok(Found::Present { id, ours })
}

pub fn description(which: GroupFor, lab: &str) -> String {
    match which {
        GroupFor::LoadBalancer => format!("Pipewright lab {lab}: HTTP to the load balancer"),
        GroupFor::Task => format!("Pipewright lab {lab}: the app, only from the load balancer"),
    }
}

/// What each rule says about itself.
pub const FROM_ANYWHERE: &str = "HTTP from anywhere";
pub const FROM_LOAD_BALANCER: &str = "Only from the load balancer";

pub async fn create(cx: &Ctx, which: GroupFor, name: &str) -> Result<String> {
    let ec2 = cx.aws.ec2();
    let description = description(which, cx.lab());
    let vpc = cx.facts().vpc_id.clone();
    let spec = TagSpecification::builder()
        .resource_type(ResourceType::SecurityGroup)
        .set_tags(Some(cx.tags_with(|k, v| Tag::builder().key(k).value(v).build())))
        .tags(Tag::builder().key("Name").value(name).build())
        .build();
    let out = cx
        .call("ec2", "CreateSecurityGroup", name, || {
            ec2.create_security_group()
                .group_name(name)
                .description(&description)
                .vpc_id(&vpc)
                .tag_specifications(spec.clone())
                .send()
        })
        .await?;
    let id = out.group_id().unwrap_or_default().to_owned();
    cx.set_output(Resource::SecurityGroup(which), &id);
    Ok(id)
}

/// The one ingress rule each group needs, added if missing (a rerun adds nothing).
pub async fn converge(cx: &Ctx, which: GroupFor, id: &str) -> Result<()> {
    let name = match which {
        GroupFor::LoadBalancer => &cx.plan.names.alb_security_group,
        GroupFor::Task => &cx.plan.names.task_security_group,
    };
    let existing = find(cx, name)
        .await?
        .map(|sg| sg.ip_permissions().to_vec())
        .unwrap_or_default();
    let wanted = match which {
        GroupFor::LoadBalancer => {
            let port = cx.spec.deploy.load_balancer.listener_port as i32;
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(port)
                .to_port(port)
                .ip_ranges(
                    IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .description(FROM_ANYWHERE)
                        .build(),
                )
                .ipv6_ranges(
                    Ipv6Range::builder()
                        .cidr_ipv6("::/0")
                        .description(FROM_ANYWHERE)
                        .build(),
                )
                .build()
        }
        GroupFor::Task => {
            let port = cx.spec.deploy.container_port as i32;
            let alb = cx.output(Resource::SecurityGroup(GroupFor::LoadBalancer))?;
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(port)
                .to_port(port)
                .user_id_group_pairs(
                    UserIdGroupPair::builder()
                        .group_id(alb)
                        .description(FROM_LOAD_BALANCER)
                        .build(),
                )
                .build()
        }
    };
    if covered(&existing, &wanted) {
        return Ok(());
    }
    let ec2 = cx.aws.ec2();
    match cx
        .call("ec2", "AuthorizeSecurityGroupIngress", id, || {
            ec2.authorize_security_group_ingress()
                .group_id(id)
                .ip_permissions(wanted.clone())
                .send()
        })
        .await
    {
        Err(e) if !is_code(&e, &["InvalidPermission.Duplicate"]) => Err(e),
        _ => Ok(()),
    }
}

/// Whether `existing` already grants everything in `wanted` (same protocol and ports, every
/// source present).
fn covered(existing: &[IpPermission], wanted: &IpPermission) -> bool {
    existing.iter().any(|p| {
        p.ip_protocol() == wanted.ip_protocol()
            && p.from_port() == wanted.from_port()
            && p.to_port() == wanted.to_port()
            && wanted
                .ip_ranges()
                .iter()
                .all(|w| p.ip_ranges().iter().any(|r| r.cidr_ip() == w.cidr_ip()))
            && wanted
                .ipv6_ranges()
                .iter()
                .all(|w| p.ipv6_ranges().iter().any(|r| r.cidr_ipv6() == w.cidr_ipv6()))
            && wanted
                .user_id_group_pairs()
                .iter()
                .all(|w| p.user_id_group_pairs().iter().any(|r| r.group_id() == w.group_id()))
    })
}

/// Deletes the group once AWS stops answering DependencyViolation (network interfaces of
/// deleted tasks and load balancers linger for minutes), until `timing.eni_deadline`; then the
/// error names the interfaces that still hold it. Missing is fine.
pub async fn delete(cx: &Ctx, about: &Label, id: &str) -> Result<()> {
    let deadline = cx.timing.eni_deadline;
    let until = std::time::Instant::now() + deadline;
    let mut last: Option<String> = None;
    loop {
        let e = match delete_once(cx, id).await {
            Ok(()) => return Ok(()),
            Err(e) if is_code(&e, &["DependencyViolation"]) => e,
            Err(e) => return Err(e),
        };
        let held_by = interfaces(cx, id).await.unwrap_or_default();
        if std::time::Instant::now() >= until {
            let what = if held_by.is_empty() {
                "nothing visible (a rule of another group may reference it)".to_owned()
            } else {
                held_by.join(", ")
            };
            return Err(Error::Aws {
                code: ErrorCode::Aws,
                operation: "DeleteSecurityGroup",
                aws_code: "DependencyViolation".into(),
                message: format!(
                    "{} — still in use after {} s; held by: {what}",
                    aws_message(&e),
                    deadline.as_secs()
                ),
            });
        }
        let status = if held_by.is_empty() {
            "in use: waiting for AWS to release it".to_owned()
        } else {
            format!(
                "waiting for {} network interface(s) to go away: {}",
                held_by.len(),
                held_by.join(", ")
            )
        };
        if last.as_deref() != Some(status.as_str()) {
            cx.emit(about, NodeState::Waiting, Some(status.clone()), None);
            last = Some(status);
        }
        cx.cancel.sleep(cx.timing.poll).await?;
    }
}

async fn delete_once(cx: &Ctx, id: &str) -> Result<()> {
    let ec2 = cx.aws.ec2();
    match cx
        .call("ec2", "DeleteSecurityGroup", id, || {
            ec2.delete_security_group().group_id(id).send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => Err(e),
        _ => Ok(()),
    }
}

/// The network interfaces using a security group: "eni-… (description, status)".
async fn interfaces(cx: &Ctx, group_id: &str) -> Result<Vec<String>> {
    let ec2 = cx.aws.ec2();
    let out = cx
        .call("ec2", "DescribeNetworkInterfaces", group_id, || {
            ec2.describe_network_interfaces()
                .filters(Filter::builder().name("group-id").values(group_id).build())
                .send()
        })
        .await?;
    Ok(out
        .network_interfaces()
        .iter()
        .map(|n| {
            format!(
                "{} ({}, {})",
                n.network_interface_id().unwrap_or("?"),
                n.description().filter(|d| !d.is_empty()).unwrap_or("no description"),
                n.status().map(|s| s.as_str()).unwrap_or("?")
            )
        })
        .collect())
}
