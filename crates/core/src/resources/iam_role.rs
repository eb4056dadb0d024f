//! IAM roles: the pipeline's, the build's and the task execution role, each with a trust
//! policy for its service and one inline least-privilege policy (see `policies`). Deleting
//! strips its inline and attached policies first.

use crate::error::{Result, is_code};
use crate::plan::{Kind, Resource, RoleFor};
use crate::spec::{OutputArtifactFormat, RoleChoice};

use super::{Arn, Ctx, Found, Tagged, policies};

pub const POLICY_NAME: &str = "pipewright";

pub const GONE: &[&str] = &["NoSuchEntity"];

pub const ALREADY_EXISTS: &[&str] = &["EntityAlreadyExists"];

/// `role/<path>/<name>`.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("iam", ["role", .., name]) => Some(arn.tagged(Kind::IamRole, name, arn.text)),
        _ => None,
    }
}

pub fn service_for(which: RoleFor) -> &'static str {
    match which {
        RoleFor::Pipeline => "codepipeline.amazonaws.com",
        RoleFor::Build => "codebuild.amazonaws.com",
        RoleFor::TaskExecution => "ecs-tasks.amazonaws.com",
        RoleFor::Scheduler => "scheduler.amazonaws.com",
    }
}

/// The ARN of the role a resource runs as: ours (created by the plan) or the student's.
pub fn arn_for(cx: &Ctx, which: RoleFor) -> Result<String> {
    let (choice, node) = match which {
        // Always the lab's own: it may do exactly what the expiry needs, nothing more.
        RoleFor::Scheduler => {
            let name = &cx.plan.names.scheduler_role;
            return Ok(format!("arn:aws:iam::{}:role/{name}", cx.facts().account_id));
        }
        RoleFor::Pipeline => (&cx.spec.pipeline.service_role, &cx.plan.names.pipeline_role),
        RoleFor::Build => (&cx.spec.build.service_role, &cx.plan.names.build_role),
        RoleFor::TaskExecution => (&cx.spec.deploy.task_execution_role, &cx.plan.names.task_execution_role),
    };
    match (choice, node) {
        (RoleChoice::Existing { arn }, _) => Ok(arn.clone()),
        (RoleChoice::Create { .. }, Some(name)) => Ok(format!("arn:aws:iam::{}:role/{name}", cx.facts().account_id)),
        (RoleChoice::Create { .. }, None) => cx.output(Resource::Role(which)),
    }
}

pub async fn describe(cx: &Ctx, which: RoleFor, name: &str) -> Result<Found> {
    let iam = cx.aws.iam();
    let out = cx
        .call("iam", "GetRole", name, || iam.get_role().role_name(name).send())
        .await;
    let role = match out {
        Ok(o) => o.role,
        Err(e) if is_code(&e, GONE) => return Ok(Found::Missing),
        Err(e) => return Err(e),
    };
    let Some(role) = role else { return Ok(Found::Missing) };
    // GetRole does not always include tags (it omits them for some callers): ask directly.
    let tags = cx
        .call("iam", "ListRoleTags", name, || {
            iam.list_role_tags().role_name(name).send()
        })
        .await?;
    let ours = cx.is_ours(tags.tags().iter().map(|t| (t.key(), t.value())));
    cx.set_output(Resource::Role(which), role.arn());
    Ok(Found::Present {
        id: role.arn().to_owned(),
        ours,
    })
}

pub async fn create(cx: &Ctx, which: RoleFor, name: &str) -> Result<String> {
    let iam = cx.aws.iam();
    let trust = policies::trust(service_for(which), &cx.facts().account_id).to_string();
    let tags = cx
        .tags_with(|k, v| aws_sdk_iam::types::Tag::builder().key(k).value(v).build())
        .into_iter()
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let out = cx
        .call("iam", "CreateRole", name, || {
            iam.create_role()
                .role_name(name)
                .assume_role_policy_document(&trust)
                .description(format!("Pipewright lab {}", cx.lab()))
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
    let arn = out.role().map(|r| r.arn().to_owned()).unwrap_or_default();
    cx.set_output(Resource::Role(which), &arn);
    Ok(arn)
}

/// Puts the inline policy (idempotent: a crash between CreateRole and PutRolePolicy is
/// repaired by the rerun).
pub async fn converge(cx: &Ctx, which: RoleFor, name: &str) -> Result<()> {
    let doc = policy(cx, which)?.to_string();
    let iam = cx.aws.iam();
    cx.call("iam", "PutRolePolicy", name, || {
        iam.put_role_policy()
            .role_name(name)
            .policy_name(POLICY_NAME)
            .policy_document(&doc)
            .send()
    })
    .await?;
    Ok(())
}

fn policy(cx: &Ctx, which: RoleFor) -> Result<serde_json::Value> {
    let n = &cx.plan.names;
    let f = cx.facts();
    if which == RoleFor::Scheduler {
        let service = cx.arn("ecs", &format!("service/{}/{}", n.cluster, n.service));
        return Ok(policies::scheduler(&service, &cx.output(Resource::LoadBalancer)?));
    }
    let full_clone = cx.spec.source.output_format == OutputArtifactFormat::CodebuildCloneRef;
    let connection_arn = match which {
        RoleFor::Pipeline => cx.output(Resource::Connection)?,
        RoleFor::Build if full_clone => cx.output(Resource::Connection)?,
        _ => String::new(),
    };
    let exec_arn = arn_for(cx, RoleFor::TaskExecution)?;
    let scope = policies::Scope::of_lab(
        n,
        &cx.plan.bucket,
        &f.region,
        &f.account_id,
        &connection_arn,
        &exec_arn,
        full_clone,
    );
    Ok(match which {
        RoleFor::Pipeline => policies::pipeline(&scope),
        RoleFor::Build => policies::build(&scope),
        RoleFor::TaskExecution => policies::task_execution(&scope),
        RoleFor::Scheduler => unreachable!("returned above"),
    })
}

/// Deletes a role after its inline and attached policies. Missing is fine.
pub async fn delete(cx: &Ctx, name: &str) -> Result<()> {
    let iam = cx.aws.iam();
    let inline = match cx
        .call("iam", "ListRolePolicies", name, || {
            iam.list_role_policies().role_name(name).send()
        })
        .await
    {
        Ok(o) => o.policy_names().to_vec(),
        Err(e) if is_code(&e, GONE) => return Ok(()),
        Err(e) => return Err(e),
    };
    for policy in &inline {
        match cx
            .call("iam", "DeleteRolePolicy", name, || {
                iam.delete_role_policy().role_name(name).policy_name(policy).send()
            })
            .await
        {
            Err(e) if !is_code(&e, GONE) => return Err(e),
            _ => {}
        }
    }
    let attached = cx
        .call("iam", "ListAttachedRolePolicies", name, || {
            iam.list_attached_role_policies().role_name(name).send()
        })
        .await?;
    for p in attached.attached_policies() {
        let arn = p.policy_arn().unwrap_or_default();
        match cx
            .call("iam", "DetachRolePolicy", name, || {
                iam.detach_role_policy().role_name(name).policy_arn(arn).send()
            })
            .await
        {
            Err(e) if !is_code(&e, GONE) => return Err(e),
            _ => {}
        }
    }
    match cx
        .call("iam", "DeleteRole", name, || iam.delete_role().role_name(name).send())
        .await
    {
        Err(e) if !is_code(&e, GONE) => Err(e),
        _ => Ok(()),
    }
}
