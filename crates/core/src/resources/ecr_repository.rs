//! The private ECR repository the build pushes to: tag immutability and scan-on-push from
//! the spec, AES-256 or KMS encryption (fixed at creation), and a lifecycle policy that keeps
//! only the newest N images. Deleting removes its images with it.

use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability, Tag,
};

use crate::error::{Result, is_code};
use crate::plan::{Kind, Resource};
use crate::spec::Encryption;

use super::{Arn, Ctx, Found, Tagged};

pub const GONE: &[&str] = &["RepositoryNotFoundException"];

pub const ALREADY_EXISTS: &[&str] = &["RepositoryAlreadyExistsException"];

/// `repository/<name>`, where the name may hold slashes itself.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("ecr", ["repository", ..]) => {
            let name = arn.resource.trim_start_matches("repository/");
            Some(arn.tagged(Kind::EcrRepository, name, arn.text))
        }
        _ => None,
    }
}

pub async fn describe(cx: &Ctx, name: &str) -> Result<Found> {
    let ecr = cx.aws.ecr();
    let out = match cx
        .call("ecr", "DescribeRepositories", name, || {
            ecr.describe_repositories().repository_names(name).send()
        })
        .await
    {
        Ok(o) => o,
        Err(e) if is_code(&e, GONE) => return Ok(Found::Missing),
        Err(e) => return Err(e),
    };
    let Some(repo) = out.repositories().first() else {
        return Ok(Found::Missing);
    };
    let arn = repo.repository_arn().unwrap_or_default().to_owned();
    let tags = cx
        .call("ecr", "ListTagsForResource", name, || {
            ecr.list_tags_for_resource().resource_arn(&arn).send()
        })
        .await?;
    let ours = cx.is_ours(tags.tags().iter().map(|t| (t.key(), t.value())));
    remember(cx, &arn, repo.repository_uri());
    Ok(Found::Present { id: arn, ours })
}

fn remember(cx: &Ctx, arn: &str, uri: Option<&str>) {
    cx.set_output(Resource::Repository, arn);
    let uri = uri.map(str::to_owned);
    cx.with_outputs(|o| o.repository_uri = uri);
}

pub fn encryption_type(e: Encryption) -> EncryptionType {
    match e {
        Encryption::Aes256 => EncryptionType::Aes256,
        Encryption::Kms => EncryptionType::Kms,
    }
}

pub fn tag_mutability(immutable: bool) -> ImageTagMutability {
    if immutable {
        ImageTagMutability::Immutable
    } else {
        ImageTagMutability::Mutable
    }
}

pub async fn create(cx: &Ctx, name: &str) -> Result<String> {
    let ecr = cx.aws.ecr();
    let r = &cx.spec.registry;
    let tags = cx
        .tags_with(|k, v| Tag::builder().key(k).value(v).build())
        .into_iter()
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let kms_key = match r.encryption {
        Encryption::Aes256 => None,
        Encryption::Kms => r.kms_key.clone(),
    };
    let encryption = EncryptionConfiguration::builder()
        .encryption_type(encryption_type(r.encryption))
        .set_kms_key(kms_key)
        .build()?;
    let out = cx
        .call("ecr", "CreateRepository", name, || {
            ecr.create_repository()
                .repository_name(name)
                .image_tag_mutability(tag_mutability(r.tag_immutability))
                .image_scanning_configuration(
                    ImageScanningConfiguration::builder()
                        .scan_on_push(r.scan_on_push)
                        .build(),
                )
                .encryption_configuration(encryption.clone())
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
    let repo = out.repository();
    let arn = repo.and_then(|r| r.repository_arn()).unwrap_or_default().to_owned();
    remember(cx, &arn, repo.and_then(|r| r.repository_uri()));
    Ok(arn)
}

/// The lifecycle rule: expire all but the newest `keep_last_images` images.
pub fn lifecycle_policy(keep: u32) -> String {
    serde_json::json!({
        "rules": [{
            "rulePriority": 1,
            "description": format!("Keep the newest {keep} images (Pipewright)"),
            "selection": { "tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep },
            "action": { "type": "expire" }
        }]
    })
    .to_string()
}

pub async fn converge(cx: &Ctx, name: &str) -> Result<()> {
    let ecr = cx.aws.ecr();
    let policy = lifecycle_policy(cx.spec.registry.keep_last_images);
    cx.call("ecr", "PutLifecyclePolicy", name, || {
        ecr.put_lifecycle_policy()
            .repository_name(name)
            .lifecycle_policy_text(&policy)
            .send()
    })
    .await?;
    Ok(())
}

/// Deletes the repository with its images (`force`). Missing is fine.
pub async fn delete(cx: &Ctx, name: &str) -> Result<()> {
    let ecr = cx.aws.ecr();
    match cx
        .call("ecr", "DeleteRepository", name, || {
            ecr.delete_repository().repository_name(name).force(true).send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => Err(e),
        _ => Ok(()),
    }
}
