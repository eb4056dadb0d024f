//! Removing one resource: find it, check it is ours, delete it in the way its kind needs
//! (scale down and drain a service, empty a bucket, strip a role's policies, wait out the
//! network interfaces holding a security group), and record each step.
//!
//! The per-kind functions take a physical id or name, so the tag sweep (`crate::sweep`)
//! uses them too for what it finds by ARN.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_ec2::types::Filter;
use aws_sdk_ecs::types::TaskDefinitionStatus;

use crate::error::{Error, ErrorCode, Result};
use crate::error::{aws_message, is_code, retryable};
use crate::ledger::ResourceState;
use crate::plan::{Node, Resource};
use crate::progress::NodeState;
use crate::resources::{self, Found};

use super::{Claim, Run, set_state};

/// Which resource an event or a report line is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub step: String,
    pub kind: String,
    pub name: String,
}

impl Label {
    pub fn of(node: &Node) -> Label {
        Label {
            step: node.step.as_str().to_owned(),
            kind: node.kind().to_owned(),
            name: node.name.clone(),
        }
    }

    /// For what the tag sweep finds: the step is the one the plan gives that kind.
    pub fn new(kind: &str, name: &str) -> Label {
        let step = match kind {
            "connection" => "source",
            "s3_bucket" | "pipeline" => "pipeline",
            "codebuild_project" | "log_group" | "iam_role" => "build",
            "ecr_repository" => "registry",
            _ => "deploy",
        };
        Label {
            step: step.into(),
            kind: kind.into(),
            name: name.into(),
        }
    }
}

/// Finds, checks and removes one node of the plan (see the module header of `teardown`).
pub(super) async fn node(run: &Run, node: &Node, claim: Claim) -> Result<()> {
    let l = Label::of(node);
    let cx = &run.cx;
    let found = find(run, node, claim).await?;
    let id = match found {
        Found::Missing => {
            if let Claim::Ledger(_) = claim {
                set_state(run, node, ResourceState::Deleted)?;
                run.emit(&l, NodeState::Deleted, Some("already gone".into()), None);
            }
            return Ok(());
        }
        Found::Reusable { id } => {
            run.skipped(&l, Some(&id), "reused, not created by this lab: left as is");
            return Ok(());
        }
        Found::Present { id, ours: false } => {
            if let Claim::Ledger(_) = claim {
                // What the lab made is gone; what stands under its name is someone else's.
                set_state(run, node, ResourceState::Deleted)?;
            }
            let why = format!(
                "exists without the tag pipewright:lab={}: not ours, left alone",
                cx.lab()
            );
            run.skipped(&l, Some(&id), &why);
            return Ok(());
        }
        Found::Present { id, ours: true } => id,
    };
    if node.resource == Resource::Connection && shared(run, &id)? {
        run.skipped(
            &l,
            Some(&id),
            "another lab in the ledger uses this connection: left as is",
        );
        return Ok(());
    }
    if run.options.dry_run {
        run.would_delete(&l, Some(&id));
        return Ok(());
    }
    set_state(run, node, ResourceState::Deleting)?;
    run.emit(&l, NodeState::Deleting, None, None);
    delete(run, node, &l, &id).await?;
    set_state(run, node, ResourceState::Deleted)?;
    run.deleted(&l, Some(&id));
    Ok(())
}

/// The node's resource and whether it is ours, by describe. Adds the one exception Apply
/// makes: an untagged bucket that our intent row names (S3 tags after creating).
async fn find(run: &Run, node: &Node, claim: Claim) -> Result<Found> {
    let cx = &run.cx;
    match node.resource {
        Resource::Listener => {
            // Listeners are found on their load balancer; gone with it.
            match resources::load_balancer::describe(cx, &cx.plan.names.load_balancer).await? {
                Found::Present { .. } => resources::describe(cx, node).await,
                _ => Ok(Found::Missing),
            }
        }
        Resource::ArtifactBucket => {
            let found = resources::describe(cx, node).await?;
            let claimed = matches!(claim, Claim::Ledger(ResourceState::Intent | ResourceState::Deleting));
            match found {
                Found::Present { id, ours: false } if claimed && untagged_bucket(run, &id).await? => {
                    Ok(Found::Present { id, ours: true })
                }
                other => Ok(other),
            }
        }
        Resource::TaskDefinition => {
            // The pipeline's deploys register revisions of their own (untagged): the family
            // is ours when the revision the ledger recorded carries the tag.
            let found = resources::describe(cx, node).await?;
            match (&found, ledger_id(run, node)?) {
                (Found::Present { ours: false, .. }, Some(arn)) if revision_is_ours(run, &arn).await? => {
                    Ok(Found::Present {
                        id: node.name.clone(),
                        ours: true,
                    })
                }
                (Found::Present { ours, .. }, _) => Ok(Found::Present {
                    id: node.name.clone(),
                    ours: *ours,
                }),
                _ => Ok(found),
            }
        }
        _ => resources::describe(cx, node).await,
    }
}

fn ledger_id(run: &Run, node: &Node) -> Result<Option<String>> {
    let rows = run.cx.ledger.resources(run.cx.lab())?;
    Ok(rows
        .into_iter()
        .find(|r| r.kind == node.kind() && r.name == node.name)
        .and_then(|r| r.physical_id))
}

async fn untagged_bucket(run: &Run, name: &str) -> Result<bool> {
    let s3 = run.cx.aws.s3();
    match run
        .cx
        .call("s3", "GetBucketTagging", name, || {
            s3.get_bucket_tagging().bucket(name).send()
        })
        .await
    {
        Ok(t) => Ok(t.tag_set().is_empty()),
        Err(e) if is_code(&e, &["NoSuchTagSet", "NoSuchTagSetError"]) => Ok(true),
        Err(e) => Err(e),
    }
}

async fn revision_is_ours(run: &Run, arn: &str) -> Result<bool> {
    let ecs = run.cx.aws.ecs();
    let out = match run
        .cx
        .call("ecs", "DescribeTaskDefinition", arn, || {
            ecs.describe_task_definition()
                .task_definition(arn)
                .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
                .send()
        })
        .await
    {
        Ok(o) => o,
        Err(e) if is_code(&e, &["ClientException"]) => return Ok(false),
        Err(e) => return Err(e),
    };
    Ok(run.cx.is_ours(
        out.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    ))
}

/// Whether another lab of the ledger uses this connection (reused it).
pub(crate) fn shared(run: &Run, arn: &str) -> Result<bool> {
    let ledger = &run.cx.ledger;
    for lab in ledger.labs()? {
        if lab == run.cx.lab() {
            continue;
        }
        let uses = ledger.resources(&lab)?.iter().any(|r| {
            r.kind == "connection" && r.physical_id.as_deref() == Some(arn) && r.state != ResourceState::Deleted
        });
        if uses {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn delete(run: &Run, node: &Node, l: &Label, id: &str) -> Result<()> {
    let cx = &run.cx;
    let name = node.name.as_str();
    match node.resource {
        Resource::Service => service(run, l, &cx.plan.names.cluster, name).await,
        Resource::Listener => resources::listener::delete(cx, id).await,
        Resource::LoadBalancer => load_balancer(run, l, id).await,
        Resource::TargetGroup => target_group(run, l, id).await,
        Resource::TaskDefinition => task_family(run, name).await,
        Resource::Cluster => cluster(run, l, name).await,
        Resource::Repository => resources::ecr_repository::delete(cx, name).await,
        Resource::ArtifactBucket => resources::s3_bucket::delete(cx, name).await,
        Resource::BuildProject => {
            stop_builds(run, name).await?;
            resources::codebuild_project::delete(cx, name).await
        }
        Resource::LogGroup(_) => resources::log_group::delete(cx, name).await,
        Resource::Pipeline => resources::pipeline::delete(cx, name).await,
        Resource::Role(_) => role(run, name).await,
        Resource::SecurityGroup(_) => security_group(run, l, id).await,
        Resource::Connection => resources::connection::delete(cx, id).await,
        Resource::FirstRun => Ok(()),
    }
}

/// Stops the project's running builds: a running build keeps writing its logs and would
/// make the build log group again after Teardown deleted it.
async fn stop_builds(run: &Run, project: &str) -> Result<()> {
    let cx = &run.cx;
    let cb = cx.aws.codebuild();
    let ids = match cx
        .call("codebuild", "ListBuildsForProject", project, || {
            cb.list_builds_for_project().project_name(project).send()
        })
        .await
    {
        Ok(o) => o.ids().to_vec(),
        Err(e) if is_code(&e, &["ResourceNotFoundException"]) => return Ok(()),
        Err(e) => return Err(e),
    };
    if ids.is_empty() {
        return Ok(());
    }
    let builds = cx
        .call("codebuild", "BatchGetBuilds", project, || {
            cb.batch_get_builds().set_ids(Some(ids.clone())).send()
        })
        .await?;
    for b in builds.builds() {
        if b.build_status() == Some(&aws_sdk_codebuild::types::StatusType::InProgress)
            && let Some(id) = b.id()
        {
            cx.call("codebuild", "StopBuild", id, || cb.stop_build().id(id).send())
                .await?;
        }
    }
    Ok(())
}

/// Polls `check` until it answers `Ok(())`, emitting `waiting` whenever its status changes.
async fn wait_until<F, Fut>(run: &Run, l: &Label, what: &str, deadline: Duration, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<std::result::Result<(), String>>>,
{
    let until = Instant::now() + deadline;
    let mut last: Option<String> = None;
    loop {
        match check().await? {
            Ok(()) => return Ok(()),
            Err(status) if last.as_deref() != Some(status.as_str()) => {
                run.emit(l, NodeState::Waiting, Some(status.clone()), None);
                last = Some(status);
            }
            Err(_) => {}
        }
        if Instant::now() >= until {
            return Err(Error::WaitTimeout {
                what: what.to_owned(),
                seconds: deadline.as_secs(),
            });
        }
        run.cx.cancel.sleep(run.cx.timing.poll).await?;
    }
}

/// Sends `attempt` again while AWS answers one of `codes` (the thing is still in use), until
/// `deadline`; then returns AWS's last answer.
async fn retry_while<F, Fut>(run: &Run, l: &Label, codes: &[&str], deadline: Duration, mut attempt: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let until = Instant::now() + deadline;
    let mut said = false;
    loop {
        match attempt().await {
            Err(e) if is_code(&e, codes) && Instant::now() < until => {
                if !said {
                    run.emit(
                        l,
                        NodeState::Waiting,
                        Some(format!("still in use: {}", aws_message(&e))),
                        None,
                    );
                    said = true;
                }
                run.cx.cancel.sleep(run.cx.timing.poll).await?;
            }
            other => return other,
        }
    }
}

/// Scales the service to zero, deletes it and waits until ECS calls it INACTIVE.
pub(crate) async fn service(run: &Run, l: &Label, cluster: &str, name: &str) -> Result<()> {
    let cx = &run.cx;
    let ecs = cx.aws.ecs();
    let gone = [
        "ServiceNotFoundException",
        "ServiceNotActiveException",
        "ClusterNotFoundException",
    ];
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
        Err(e) if !is_code(&e, &gone) => return Err(e),
        _ => {}
    }
    match cx
        .call("ecs", "DeleteService", name, || {
            ecs.delete_service().cluster(cluster).service(name).force(true).send()
        })
        .await
    {
        Err(e) if !is_code(&e, &gone) => return Err(e),
        _ => {}
    }
    wait_until(
        run,
        l,
        "the service to become INACTIVE",
        cx.timing.service_deadline,
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

/// Deletes the load balancer and waits until it is gone (its listeners go with it).
pub(crate) async fn load_balancer(run: &Run, l: &Label, arn: &str) -> Result<()> {
    let cx = &run.cx;
    resources::load_balancer::delete(cx, arn).await?;
    let elb = cx.aws.elbv2();
    wait_until(
        run,
        l,
        "the load balancer to be deleted",
        cx.timing.load_balancer_deadline,
        || async {
            match cx
                .call("elasticloadbalancing", "DescribeLoadBalancers", arn, || {
                    elb.describe_load_balancers().load_balancer_arns(arn).send()
                })
                .await
            {
                Ok(o) if o.load_balancers().is_empty() => Ok(Ok(())),
                Ok(_) => Ok(Err("load balancer deleting".into())),
                Err(e) if is_code(&e, &["LoadBalancerNotFound"]) => Ok(Ok(())),
                Err(e) => Err(e),
            }
        },
    )
    .await
}

/// A target group is in use until its listener is gone.
pub(crate) async fn target_group(run: &Run, l: &Label, arn: &str) -> Result<()> {
    let deadline = run.cx.timing.load_balancer_deadline;
    retry_while(run, l, &["ResourceInUse"], deadline, || {
        resources::target_group::delete(&run.cx, arn)
    })
    .await
}

/// The cluster refuses while a service is still draining.
pub(crate) async fn cluster(run: &Run, l: &Label, name: &str) -> Result<()> {
    let codes = [
        "ClusterContainsServicesException",
        "ClusterContainsTasksException",
        "UpdateInProgressException",
    ];
    let deadline = run.cx.timing.service_deadline;
    retry_while(run, l, &codes, deadline, || {
        resources::ecs_cluster::delete(&run.cx, name)
    })
    .await
}

/// Every revision of exactly this family (ListTaskDefinitions matches by prefix).
pub(crate) async fn family_revisions(run: &Run, family: &str, status: TaskDefinitionStatus) -> Result<Vec<String>> {
    let cx = &run.cx;
    let ecs = cx.aws.ecs();
    let mut arns = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = cx
            .call("ecs", "ListTaskDefinitions", family, || {
                ecs.list_task_definitions()
                    .family_prefix(family)
                    .status(status.clone())
                    .set_next_token(next.clone())
                    .send()
            })
            .await?;
        arns.extend(
            page.task_definition_arns()
                .iter()
                .filter(|a| a.rsplit('/').next().and_then(|r| r.split(':').next()) == Some(family))
                .cloned(),
        );
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            return Ok(arns);
        }
    }
}

/// Deregisters every ACTIVE revision of the family, then deletes all of them.
pub(crate) async fn task_family(run: &Run, family: &str) -> Result<()> {
    let cx = &run.cx;
    let ecs = cx.aws.ecs();
    for arn in family_revisions(run, family, TaskDefinitionStatus::Active).await? {
        cx.call("ecs", "DeregisterTaskDefinition", &arn, || {
            ecs.deregister_task_definition().task_definition(&arn).send()
        })
        .await?;
    }
    let inactive = family_revisions(run, family, TaskDefinitionStatus::Inactive).await?;
    for chunk in inactive.chunks(10) {
        cx.call("ecs", "DeleteTaskDefinitions", family, || {
            ecs.delete_task_definitions()
                .set_task_definitions(Some(chunk.to_vec()))
                .send()
        })
        .await?;
    }
    Ok(())
}

/// Deletes a role after its inline and attached policies. Missing is fine.
pub(crate) async fn role(run: &Run, name: &str) -> Result<()> {
    let cx = &run.cx;
    let iam = cx.aws.iam();
    let inline = match cx
        .call("iam", "ListRolePolicies", name, || {
            iam.list_role_policies().role_name(name).send()
        })
        .await
    {
        Ok(o) => o.policy_names().to_vec(),
        Err(e) if is_code(&e, &["NoSuchEntity"]) => return Ok(()),
        Err(e) => return Err(e),
    };
    for policy in &inline {
        match cx
            .call("iam", "DeleteRolePolicy", name, || {
                iam.delete_role_policy().role_name(name).policy_name(policy).send()
            })
            .await
        {
            Err(e) if !is_code(&e, &["NoSuchEntity"]) => return Err(e),
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
            Err(e) if !is_code(&e, &["NoSuchEntity"]) => return Err(e),
            _ => {}
        }
    }
    match cx
        .call("iam", "DeleteRole", name, || iam.delete_role().role_name(name).send())
        .await
    {
        Err(e) if !is_code(&e, &["NoSuchEntity"]) => Err(e),
        _ => Ok(()),
    }
}

/// The network interfaces using a security group: "eni-… (description)".
async fn interfaces(run: &Run, group_id: &str) -> Result<Vec<String>> {
    let ec2 = run.cx.aws.ec2();
    let out = run
        .cx
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

/// Deletes the group once AWS stops answering DependencyViolation (network interfaces of
/// deleted tasks and load balancers linger for minutes). At the deadline the error names the
/// interfaces that still hold it.
pub(crate) async fn security_group(run: &Run, l: &Label, id: &str) -> Result<()> {
    let until = Instant::now() + run.options.eni_deadline;
    let mut last: Option<String> = None;
    loop {
        let e = match resources::security_group::delete(&run.cx, id).await {
            Ok(()) => return Ok(()),
            Err(e) if is_code(&e, &["DependencyViolation"]) => e,
            Err(e) => return Err(e),
        };
        let held_by = interfaces(run, id).await.unwrap_or_default();
        if Instant::now() >= until {
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
                    run.options.eni_deadline.as_secs()
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
            run.emit(l, NodeState::Waiting, Some(status.clone()), None);
            last = Some(status);
        }
        run.cx.cancel.sleep(run.cx.timing.poll).await?;
    }
}

/// What to do about a failed deletion, in English (the UI translates by `code`).
pub(super) fn hint(cx: &resources::Ctx, l: &Label, e: &Error) -> String {
    let again = format!(
        "Run `pipewright down --lab {}` again: it carries on where it stopped.",
        cx.lab()
    );
    if is_code(e, &["DependencyViolation"]) {
        return format!(
            "Network interfaces of deleted tasks and load balancers take a few minutes to go away. {again} \
             If an interface belongs to something else (its description says what), delete that first."
        );
    }
    if retryable(e) || matches!(e, Error::WaitTimeout { .. }) {
        return format!("AWS kept answering that it is busy or unavailable. {again}");
    }
    if let Some(h) = e.hint()
        && e.code() != ErrorCode::WaitTimeout
    {
        return format!("{h} {again}");
    }
    format!(
        "{again} If it fails again, delete the {} {:?} in the AWS console.",
        l.kind, l.name
    )
}
