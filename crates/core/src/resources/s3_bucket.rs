//! The pipeline's artifact store: an S3 bucket with versioning on and all public access
//! blocked. S3 takes tags only after the bucket exists (PutBucketTagging), so the tag is put
//! right after CreateBucket; a crash between the two leaves an untagged bucket that Apply
//! still recognises by its intent row (and Teardown too: [`is_untagged`]). Deleting empties it
//! (every version) first.

use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, PublicAccessBlockConfiguration, Tag,
    Tagging, VersioningConfiguration,
};

use crate::error::{Error, Result, is_code};
use crate::plan::{Kind, Resource};

use super::{Arn, Ctx, Found, Tagged};

/// HeadBucket's 404, and NoSuchBucket.
pub const GONE: &[&str] = &["NotFound", "NoSuchBucket"];

/// Ours (`BucketAlreadyOwnedByYou`), or another account's (`BucketAlreadyExists`).
pub const ALREADY_EXISTS: &[&str] = &["BucketAlreadyOwnedByYou", "BucketAlreadyExists"];

/// What GetBucketTagging answers for a bucket without tags.
const NO_TAGS: &[&str] = &["NoSuchTagSet", "NoSuchTagSetError"];

/// `arn:aws:s3:::<bucket>`: known by its name.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("s3", [bucket]) => Some(arn.tagged(Kind::S3Bucket, bucket, bucket)),
        _ => None,
    }
}

pub async fn describe(cx: &Ctx, name: &str) -> Result<Found> {
    let s3 = cx.aws.s3();
    match cx
        .call("s3", "HeadBucket", name, || s3.head_bucket().bucket(name).send())
        .await
    {
        Ok(_) => {}
        Err(e) if is_code(&e, GONE) => return Ok(Found::Missing),
        // 403: the name (global across accounts) is taken by another account.
        Err(e) if is_code(&e, &["Forbidden", "AccessDenied"]) => {
            return Err(Error::NotOurs {
                kind: "s3_bucket".into(),
                name: name.into(),
                lab: cx.lab().into(),
            });
        }
        Err(e) => return Err(e),
    }
    cx.set_output(Resource::ArtifactBucket, name);
    let tags = match cx
        .call("s3", "GetBucketTagging", name, || {
            s3.get_bucket_tagging().bucket(name).send()
        })
        .await
    {
        Ok(t) => t.tag_set,
        Err(e) if is_code(&e, NO_TAGS) => Vec::new(),
        Err(e) => return Err(e),
    };
    let ours = cx.is_ours(tags.iter().map(|t| (t.key(), t.value())));
    Ok(Found::Present {
        id: name.to_owned(),
        ours,
    })
}

pub async fn create(cx: &Ctx, name: &str) -> Result<String> {
    let s3 = cx.aws.s3();
    let region = cx.facts().region.clone();
    cx.call("s3", "CreateBucket", name, || {
        let mut req = s3.create_bucket().bucket(name);
        // us-east-1 is the one region that refuses its own name as a location constraint.
        if region != "us-east-1" {
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region.as_str()))
                    .build(),
            );
        }
        req.send()
    })
    .await?;
    tag(cx, name).await?;
    cx.set_output(Resource::ArtifactBucket, name);
    Ok(name.to_owned())
}

async fn tag(cx: &Ctx, name: &str) -> Result<()> {
    let s3 = cx.aws.s3();
    let tag_set = cx
        .tags_with(|k, v| Tag::builder().key(k).value(v).build())
        .into_iter()
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let tagging = Tagging::builder().set_tag_set(Some(tag_set)).build()?;
    cx.call("s3", "PutBucketTagging", name, || {
        s3.put_bucket_tagging().bucket(name).tagging(tagging.clone()).send()
    })
    .await?;
    Ok(())
}

/// Tag, versioning and public access block; each call is idempotent.
pub async fn converge(cx: &Ctx, name: &str) -> Result<()> {
    let s3 = cx.aws.s3();
    tag(cx, name).await?;
    cx.call("s3", "PutBucketVersioning", name, || {
        s3.put_bucket_versioning()
            .bucket(name)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
    })
    .await?;
    cx.call("s3", "PutPublicAccessBlock", name, || {
        s3.put_public_access_block()
            .bucket(name)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
    })
    .await?;
    Ok(())
}

/// Empties the bucket (every version) and deletes it. Missing is fine.
pub async fn delete(cx: &Ctx, name: &str) -> Result<()> {
    let s3 = cx.aws.s3();
    loop {
        let page = match cx
            .call("s3", "ListObjectVersions", name, || {
                s3.list_object_versions().bucket(name).send()
            })
            .await
        {
            Ok(p) => p,
            Err(e) if is_code(&e, GONE) => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut ids = Vec::new();
        for v in page.versions() {
            ids.push((
                v.key().unwrap_or_default().to_owned(),
                v.version_id().map(str::to_owned),
            ));
        }
        for m in page.delete_markers() {
            ids.push((
                m.key().unwrap_or_default().to_owned(),
                m.version_id().map(str::to_owned),
            ));
        }
        if ids.is_empty() {
            break;
        }
        for (key, version) in ids {
            cx.call("s3", "DeleteObject", name, || {
                s3.delete_object()
                    .bucket(name)
                    .key(&key)
                    .set_version_id(version.clone())
                    .send()
            })
            .await?;
        }
    }
    match cx
        .call("s3", "DeleteBucket", name, || s3.delete_bucket().bucket(name).send())
        .await
    {
        Err(e) if !is_code(&e, GONE) => Err(e),
        _ => Ok(()),
    }
}

/// Whether the bucket carries no tag at all: the one our interrupted create left (S3 tags a
/// bucket only after creating it).
pub async fn is_untagged(cx: &Ctx, name: &str) -> Result<bool> {
    let s3 = cx.aws.s3();
    match cx
        .call("s3", "GetBucketTagging", name, || {
            s3.get_bucket_tagging().bucket(name).send()
        })
        .await
    {
        Ok(t) => Ok(t.tag_set().is_empty()),
        Err(e) if is_code(&e, NO_TAGS) => Ok(true),
        Err(e) => Err(e),
    }
}
