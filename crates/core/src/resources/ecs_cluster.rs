//! The ECS cluster (Fargate needs no instances). CreateCluster is idempotent on AWS (it
//! returns the existing cluster), so "already exists" never shows as an error: Apply's
//! describe-first is what keeps a foreign cluster from being adopted. "Not found": a
//! `MISSING` failure or an INACTIVE cluster. Deleting waits while a service still drains.

use aws_sdk_ecs::types::{ClusterField, Tag};

use crate::error::{Result, is_code};
use crate::plan::{Kind, Resource};

use super::{Arn, Ctx, Found, Label, Tagged};

pub const GONE: &[&str] = &["ClusterNotFoundException"];

/// CreateCluster returns the existing cluster instead of refusing.
pub const ALREADY_EXISTS: &[&str] = &[];

/// What DeleteCluster answers while a service or task is still draining.
const BUSY: &[&str] = &[
    "ClusterContainsServicesException",
    "ClusterContainsTasksException",
    "UpdateInProgressException",
];

/// `cluster/<name>`.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("ecs", ["cluster", name]) => Some(arn.tagged(Kind::EcsCluster, name, arn.text)),
        _ => None,
    }
}

pub async fn describe(cx: &Ctx, name: &str) -> Result<Found> {
    let ecs = cx.aws.ecs();
    let out = cx
        .call("ecs", "DescribeClusters", name, || {
            ecs.describe_clusters()
                .clusters(name)
                .include(ClusterField::Tags)
                .send()
        })
        .await?;
    let Some(c) = out.clusters().iter().find(|c| c.status() == Some("ACTIVE")) else {
        return Ok(Found::Missing);
    };
    let arn = c.cluster_arn().unwrap_or_default().to_owned();
    let ours = cx.is_ours(
        c.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    );
    cx.set_output(Resource::Cluster, &arn);
    Ok(Found::Present { id: arn, ours })
}

pub async fn create(cx: &Ctx, name: &str) -> Result<String> {
    let ecs = cx.aws.ecs();
    let tags = cx.tags_with(|k, v| Tag::builder().key(k).value(v).build());
    let out = cx
        .call("ecs", "CreateCluster", name, || {
            ecs.create_cluster()
                .cluster_name(name)
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
    let arn = out
        .cluster()
        .and_then(|c| c.cluster_arn())
        .unwrap_or_default()
        .to_owned();
    cx.set_output(Resource::Cluster, &arn);
    Ok(arn)
}

/// Whether a cluster found by its ARN is still ACTIVE.
pub async fn still_exists(cx: &Ctx, t: &Tagged) -> Result<bool> {
    let ecs = cx.aws.ecs();
    let o = cx
        .call("ecs", "DescribeClusters", &t.name, || {
            ecs.describe_clusters().clusters(&t.arn).send()
        })
        .await?;
    Ok(o.clusters().iter().any(|c| c.status() == Some("ACTIVE")))
}

/// Deletes the cluster, asking again while a service is still draining.
pub async fn delete(cx: &Ctx, about: &Label, name: &str) -> Result<()> {
    cx.retry_while(about, BUSY, cx.timing.service_deadline, || delete_once(cx, name))
        .await
}

async fn delete_once(cx: &Ctx, name: &str) -> Result<()> {
    let ecs = cx.aws.ecs();
    match cx
        .call("ecs", "DeleteCluster", name, || {
            ecs.delete_cluster().cluster(name).send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => Err(e),
        _ => Ok(()),
    }
}
