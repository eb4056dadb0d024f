//! The ECS cluster (Fargate needs no instances). CreateCluster is idempotent on AWS (it
//! returns the existing cluster), so "already exists" never shows as an error: Apply's
//! describe-first is what keeps a foreign cluster from being adopted. "Not found": a
//! `MISSING` failure or an INACTIVE cluster.

use aws_sdk_ecs::types::{ClusterField, Tag};

use crate::error::{Result, is_code};
use crate::plan::Resource;

use super::{Ctx, Found, lab_tag};

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
    let (k, v) = lab_tag(cx);
    let tag = Tag::builder().key(k).value(v).build();
    let out = cx
        .call("ecs", "CreateCluster", name, || {
            ecs.create_cluster().cluster_name(name).tags(tag.clone()).send()
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

pub async fn delete(cx: &Ctx, name: &str) -> Result<()> {
    let ecs = cx.aws.ecs();
    match cx
        .call("ecs", "DeleteCluster", name, || {
            ecs.delete_cluster().cluster(name).send()
        })
        .await
    {
        Err(e) if !is_code(&e, &["ClusterNotFoundException"]) => Err(e),
        _ => Ok(()),
    }
}
