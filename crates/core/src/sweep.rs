//! The sweep and the inventory: what the ledger missed, found by tag, and the proof that
//! nothing of a lab is left.
//!
//! - `tagged` asks the Resource Groups Tagging API (GetResources with a tag filter) for every
//!   ARN carrying the tag. IAM is global and outside that API, and so is CodeStar
//!   Connections on some partitions, so the instructor's sweep also lists roles and
//!   connections and reads their tags.
//! - `sweep_tagged` deletes what it found in dependency order (services first, security
//!   groups and connections last), skipping what the walk already handled. The tag is the
//!   proof of ownership here: AWS itself filtered by it.
//! - `inventory` describes every node of the lab's plan by its deterministic name and asks
//!   the tagging API again: anything of the lab still there is a leftover.
//! - `sweep` is the instructor's entry point: every resource carrying one `pipewright:` tag,
//!   across all labs of the account, with no ledger needed.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_sdk_ecs::types::TaskDefinitionStatus;
use aws_sdk_resourcegroupstagging::types::TagFilter;
use tokio::sync::Semaphore;

use crate::aws::AwsContext;
use crate::error::is_code;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::plan::{Facts, Plan, Resource};
use crate::progress::{Cancel, NodeState, Progress};
use crate::resources::{self, Ctx, Found, Outputs};
use crate::spec::{LAB_TAG_KEY, LabSpec};
use crate::teardown::{Label, Leftover, Run, TeardownOptions, TeardownReport, remove};

/// Which resources a sweep may touch: those whose tag `key` has `value` (any value if None).
/// The key must be one of Pipewright's (`pipewright:...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRule {
    pub key: String,
    pub value: Option<String>,
}

impl TagRule {
    pub fn lab(lab: &str) -> TagRule {
        TagRule {
            key: LAB_TAG_KEY.into(),
            value: Some(lab.into()),
        }
    }

    /// `key=value`, or `key=*` / `key` for any value.
    pub fn parse(text: &str) -> Result<TagRule> {
        let (key, value) = text.split_once('=').unwrap_or((text, "*"));
        if !key.starts_with("pipewright:") || key.len() <= "pipewright:".len() {
            return Err(Error::Invalid {
                field: "tag".into(),
                message: format!(
                    "{key:?} is not a Pipewright tag: the sweep only removes what carries a pipewright:... tag"
                ),
            });
        }
        let value = (!value.is_empty() && value != "*").then(|| value.to_owned());
        Ok(TagRule { key: key.into(), value })
    }

    pub fn matches<'a>(&self, mut tags: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
        tags.any(|(k, v)| k == self.key && self.value.as_deref().is_none_or(|want| want == v))
    }
}

impl std::fmt::Display for TagRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.key, self.value.as_deref().unwrap_or("*"))
    }
}

/// A resource found by ARN, with what is needed to delete it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged {
    pub arn: String,
    pub kind: &'static str,
    pub name: String,
    /// The id the per-kind delete takes (and the walk records): an ARN, a bucket name, a
    /// security group id.
    pub id: String,
    /// The ECS cluster, for services and tasks.
    pub cluster: Option<String>,
}

/// Deletion order: dependents before what they depend on.
fn rank(kind: &str) -> u8 {
    match kind {
        "ecs_service" => 0,
        "listener" => 1,
        "load_balancer" => 2,
        "target_group" => 3,
        "task_definition" => 4,
        "ecs_cluster" => 5,
        "pipeline" => 6,
        "codebuild_project" => 7,
        "ecr_repository" => 8,
        "s3_bucket" => 9,
        "log_group" => 10,
        "iam_role" => 11,
        "security_group" => 12,
        "connection" => 13,
        _ => 99,
    }
}

/// What an ARN names, for the kinds a lab creates (and ECS tasks, which stop with their
/// service). Anything else: None.
pub fn classify(arn: &str) -> Option<Tagged> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 {
        return None;
    }
    let (service, resource) = (parts[2], parts[5]);
    let t = |kind: &'static str, name: &str, id: &str, cluster: Option<&str>| {
        Some(Tagged {
            arn: arn.into(),
            kind,
            name: name.into(),
            id: id.into(),
            cluster: cluster.map(str::to_owned),
        })
    };
    let segs: Vec<&str> = resource.split('/').collect();
    match (service, segs.as_slice()) {
        ("ecs", ["service", cluster, name]) => t("ecs_service", name, arn, Some(cluster)),
        ("ecs", ["service", name]) => t("ecs_service", name, arn, Some("default")),
        ("ecs", ["cluster", name]) => t("ecs_cluster", name, arn, None),
        ("ecs", ["task-definition", rev]) => t("task_definition", rev, arn, None),
        ("ecs", ["task", cluster, _]) => t("ecs_task", resource, arn, Some(cluster)),
        ("elasticloadbalancing", ["loadbalancer", _, name, _]) => t("load_balancer", name, arn, None),
        ("elasticloadbalancing", ["listener", _, name, _, _]) => t("listener", name, arn, None),
        ("elasticloadbalancing", ["targetgroup", name, _]) => t("target_group", name, arn, None),
        ("ec2", ["security-group", id]) => t("security_group", id, id, None),
        ("ecr", ["repository", ..]) => {
            let name = resource.trim_start_matches("repository/");
            t("ecr_repository", name, arn, None)
        }
        ("s3", [bucket]) => t("s3_bucket", bucket, bucket, None),
        ("codebuild", ["project", name]) => t("codebuild_project", name, arn, None),
        ("logs", _) if resource.starts_with("log-group:") => {
            let name = resource.trim_start_matches("log-group:").trim_end_matches(":*");
            t("log_group", name, arn.trim_end_matches(":*"), None)
        }
        ("codepipeline", [name]) => t("pipeline", name, arn, None),
        ("codestar-connections" | "codeconnections", ["connection", _]) => t("connection", resource, arn, None),
        ("iam", ["role", .., name]) => t("iam_role", name, arn, None),
        _ => None,
    }
}

/// Every ARN carrying the tag, by the tagging API; with `everywhere`, also IAM roles and
/// connections (read one by one). Sorted in deletion order.
pub async fn tagged(cx: &Ctx, rule: &TagRule, everywhere: bool) -> Result<Vec<Tagged>> {
    let api = cx.aws.tagging();
    let filter = TagFilter::builder()
        .key(&rule.key)
        .set_values(rule.value.clone().map(|v| vec![v]))
        .build();
    let mut arns = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = cx
            .call("tagging", "GetResources", &rule.key, || {
                api.get_resources()
                    .tag_filters(filter.clone())
                    .set_pagination_token(token.clone())
                    .send()
            })
            .await?;
        arns.extend(
            page.resource_tag_mapping_list()
                .iter()
                .filter_map(|m| m.resource_arn().map(str::to_owned)),
        );
        token = page.pagination_token().filter(|t| !t.is_empty()).map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    if everywhere {
        arns.extend(tagged_roles(cx, rule).await?);
        arns.extend(tagged_connections(cx, rule).await?);
    }
    arns.sort();
    arns.dedup();
    let mut found: Vec<Tagged> = arns.iter().filter_map(|a| classify(a)).collect();
    found.sort_by_key(|t| rank(t.kind));
    Ok(found)
}

async fn tagged_roles(cx: &Ctx, rule: &TagRule) -> Result<Vec<String>> {
    let iam = cx.aws.iam();
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = cx
            .call("iam", "ListRoles", "", || {
                iam.list_roles().set_marker(marker.clone()).send()
            })
            .await?;
        for role in page.roles() {
            let name = role.role_name();
            let tags = match cx
                .call("iam", "ListRoleTags", name, || {
                    iam.list_role_tags().role_name(name).send()
                })
                .await
            {
                Ok(t) => t,
                Err(e) if is_code(&e, &["NoSuchEntity"]) => continue,
                Err(e) => return Err(e),
            };
            if rule.matches(tags.tags().iter().map(|t| (t.key(), t.value()))) {
                out.push(role.arn().to_owned());
            }
        }
        marker = page.marker().map(str::to_owned);
        if !page.is_truncated() || marker.is_none() {
            return Ok(out);
        }
    }
}

async fn tagged_connections(cx: &Ctx, rule: &TagRule) -> Result<Vec<String>> {
    let c = cx.aws.connections();
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = cx
            .call("codestar-connections", "ListConnections", "", || {
                c.list_connections().set_next_token(next.clone()).send()
            })
            .await?;
        for conn in page.connections() {
            let Some(arn) = conn.connection_arn() else { continue };
            let tags = cx
                .call("codestar-connections", "ListTagsForResource", arn, || {
                    c.list_tags_for_resource().resource_arn(arn).send()
                })
                .await?;
            if rule.matches(tags.tags().iter().map(|t| (t.key(), t.value()))) {
                out.push(arn.to_owned());
            }
        }
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            return Ok(out);
        }
    }
}

/// Whether a tagged resource still exists. The tagging API keeps listing ECS resources that
/// are INACTIVE or STOPPED (they cost nothing and vanish on their own).
async fn exists(cx: &Ctx, t: &Tagged) -> Result<bool> {
    let ecs = cx.aws.ecs();
    let gone = ["ClusterNotFoundException", "ServiceNotFoundException"];
    Ok(match t.kind {
        "ecs_service" => {
            let cluster = t.cluster.as_deref().unwrap_or("default");
            match cx
                .call("ecs", "DescribeServices", &t.name, || {
                    ecs.describe_services().cluster(cluster).services(&t.arn).send()
                })
                .await
            {
                Ok(o) => o
                    .services()
                    .iter()
                    .any(|s| matches!(s.status(), Some("ACTIVE" | "DRAINING"))),
                Err(e) if is_code(&e, &gone) => false,
                Err(e) => return Err(e),
            }
        }
        "ecs_cluster" => {
            let o = cx
                .call("ecs", "DescribeClusters", &t.name, || {
                    ecs.describe_clusters().clusters(&t.arn).send()
                })
                .await?;
            o.clusters().iter().any(|c| c.status() == Some("ACTIVE"))
        }
        "ecs_task" => {
            let cluster = t.cluster.as_deref().unwrap_or("default");
            match cx
                .call("ecs", "DescribeTasks", &t.name, || {
                    ecs.describe_tasks().cluster(cluster).tasks(&t.arn).send()
                })
                .await
            {
                Ok(o) => o.tasks().iter().any(|x| x.last_status() != Some("STOPPED")),
                Err(e) if is_code(&e, &gone) => false,
                Err(e) => return Err(e),
            }
        }
        "task_definition" => {
            match cx
                .call("ecs", "DescribeTaskDefinition", &t.name, || {
                    ecs.describe_task_definition().task_definition(&t.arn).send()
                })
                .await
            {
                Ok(o) => o
                    .task_definition()
                    .and_then(|d| d.status())
                    .is_some_and(|s| matches!(s, TaskDefinitionStatus::Active | TaskDefinitionStatus::Inactive)),
                Err(e) if is_code(&e, &["ClientException"]) => false,
                Err(e) => return Err(e),
            }
        }
        _ => true,
    })
}

/// Deletes one resource found by ARN, with the same per-kind care as the walk.
async fn delete_arn(run: &Run, l: &Label, t: &Tagged) -> Result<()> {
    let cx = &run.cx;
    match t.kind {
        "ecs_service" => remove::service(run, l, t.cluster.as_deref().unwrap_or("default"), &t.name).await,
        "listener" => resources::listener::delete(cx, &t.arn).await,
        "load_balancer" => remove::load_balancer(run, l, &t.arn).await,
        "target_group" => remove::target_group(run, l, &t.arn).await,
        "task_definition" => {
            let ecs = cx.aws.ecs();
            let arn = &t.arn;
            match cx
                .call("ecs", "DeregisterTaskDefinition", arn, || {
                    ecs.deregister_task_definition().task_definition(arn).send()
                })
                .await
            {
                Err(e) if !is_code(&e, &["ClientException"]) => return Err(e),
                _ => {}
            }
            cx.call("ecs", "DeleteTaskDefinitions", arn, || {
                ecs.delete_task_definitions().task_definitions(arn).send()
            })
            .await?;
            Ok(())
        }
        "ecs_cluster" => remove::cluster(run, l, &t.name).await,
        "pipeline" => resources::pipeline::delete(cx, &t.name).await,
        "codebuild_project" => resources::codebuild_project::delete(cx, &t.name).await,
        "ecr_repository" => resources::ecr_repository::delete(cx, &t.name).await,
        "s3_bucket" => resources::s3_bucket::delete(cx, &t.name).await,
        "log_group" => resources::log_group::delete(cx, &t.name).await,
        "iam_role" => remove::role(run, &t.name).await,
        "security_group" => remove::security_group(run, l, &t.id).await,
        "connection" => resources::connection::delete(cx, &t.arn).await,
        _ => Ok(()),
    }
}

/// Deletes (or, in a dry run, lists) everything carrying the tag that the walk did not
/// handle. Failures are recorded and the sweep carries on.
pub async fn sweep_tagged(run: &Arc<Run>, rule: &TagRule) -> Result<()> {
    let everywhere = rule.key != LAB_TAG_KEY || rule.value.as_deref() != Some(run.cx.lab());
    let found = tagged(&run.cx, rule, everywhere).await?;
    for t in found {
        run.cx.cancel.check()?;
        let family = t.name.split(':').next().unwrap_or_default();
        if t.kind == "ecs_task" || run.handled(&t.id) || (t.kind == "task_definition" && run.handled(family)) {
            continue;
        }
        let l = Label::new(t.kind, &t.name);
        let result = async {
            if !exists(&run.cx, &t).await? {
                return Ok(());
            }
            if t.kind == "connection" && remove::shared(run, &t.arn)? {
                run.skipped(
                    &l,
                    Some(&t.arn),
                    "another lab in the ledger uses this connection: left as is",
                );
                return Ok(());
            }
            if run.options.dry_run {
                run.would_delete(&l, Some(&t.id));
                return Ok(());
            }
            run.emit(&l, NodeState::Deleting, Some(format!("found by its tag {rule}")), None);
            delete_arn(run, &l, &t).await?;
            run.deleted(&l, Some(&t.id));
            Ok(())
        }
        .await;
        match result {
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => run.failed(&l, &e),
            Ok(()) => {}
        }
    }
    Ok(())
}

/// Anything of the lab still in the account: every plan node by its name (ours by tag), and
/// everything the tagging API still lists with the lab's tag. Expected: empty.
pub async fn inventory(run: &Run) -> Result<Vec<Leftover>> {
    let cx = &run.cx;
    let kept: Vec<String> = run.skipped_ids();
    let mut out: Vec<Leftover> = Vec::new();
    for node in cx.plan.nodes() {
        let found = match node.resource {
            Resource::FirstRun => continue,
            Resource::Listener => match resources::load_balancer::describe(cx, &cx.plan.names.load_balancer).await {
                Ok(Found::Present { .. }) => resources::describe(cx, node).await,
                Ok(_) => Ok(Found::Missing),
                Err(e) => Err(e),
            },
            _ => resources::describe(cx, node).await,
        };
        let leftover = |id: Option<String>, reason: String| Leftover {
            kind: node.kind().to_owned(),
            name: node.name.clone(),
            id,
            reason,
        };
        match found {
            Ok(Found::Present { id, ours: true }) if !kept.contains(&id) => {
                out.push(leftover(
                    Some(id),
                    format!("still exists and carries pipewright:lab={}", cx.lab()),
                ));
            }
            Ok(_) => {}
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => out.push(leftover(None, format!("could not check: {e}"))),
        }
    }
    let listed = |id: &str, out: &[Leftover]| out.iter().any(|l| l.id.as_deref() == Some(id));
    for t in tagged(cx, &TagRule::lab(cx.lab()), false).await? {
        if listed(&t.id, &out) || listed(&t.arn, &out) || kept.contains(&t.id) || !exists(cx, &t).await? {
            continue;
        }
        out.push(Leftover {
            kind: t.kind.to_owned(),
            name: t.name.clone(),
            id: Some(t.arn.clone()),
            reason: format!("the tagging API lists it with pipewright:lab={}", cx.lab()),
        });
    }
    Ok(out)
}

/// The instructor's sweep: deletes every resource carrying `rule`'s tag in the context's
/// region (and IAM roles and connections), with no ledger needed, then lists what is left.
pub async fn sweep(
    aws: &AwsContext,
    ledger: Arc<Ledger>,
    rule: &TagRule,
    options: TeardownOptions,
    progress: Progress,
    cancel: Cancel,
) -> Result<TeardownReport> {
    // A stand-in lab: the sweep uses names from ARNs, never from a plan.
    let spec = LabSpec::new("sweep", "pipewright/sweep");
    let cx = Ctx {
        aws: aws.clone(),
        ledger,
        plan: Plan::new(&spec, Facts::placeholder(aws.region())),
        spec,
        timing: options.timing.clone(),
        progress,
        cancel,
        permits: Semaphore::new(options.concurrency.max(1)),
        outputs: Mutex::new(Outputs::default()),
        started: Instant::now(),
    };
    let run = Arc::new(Run::new(cx, options));
    sweep_tagged(&run, rule).await?;
    let mut leftovers = Vec::new();
    if !run.options.dry_run {
        for t in tagged(&run.cx, rule, true).await? {
            if t.kind != "ecs_task" && exists(&run.cx, &t).await? && !run.skipped_ids().contains(&t.id) {
                let reason = format!("still carries {rule}");
                leftovers.push(Leftover {
                    kind: t.kind.into(),
                    name: t.name,
                    id: Some(t.arn),
                    reason,
                });
            }
        }
    }
    let mut report = run.finish_report();
    report.lab = rule.to_string();
    report.dry_run = run.options.dry_run;
    report.leftovers = leftovers;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pipewright_tags_can_be_swept() {
        assert_eq!(TagRule::parse("pipewright:lab=ktb").unwrap(), TagRule::lab("ktb"));
        assert_eq!(TagRule::parse("pipewright:lab=*").unwrap().value, None);
        assert!(TagRule::parse("Name=web").is_err());
        assert!(TagRule::parse("pipewright:=x").is_err());
        let any = TagRule::parse("pipewright:lab").unwrap();
        assert!(any.matches([("pipewright:lab", "a")].into_iter()));
        assert!(!TagRule::lab("a").matches([("pipewright:lab", "ab")].into_iter()));
    }

    #[test]
    fn arns_are_classified_in_deletion_order() {
        let a = "arn:aws:ecs:ap-northeast-2:000000000000:service/ktb-cluster/ktb-svc";
        let t = classify(a).unwrap();
        assert_eq!(
            (t.kind, t.name.as_str(), t.cluster.as_deref()),
            ("ecs_service", "ktb-svc", Some("ktb-cluster"))
        );
        let sg = classify("arn:aws:ec2:ap-northeast-2:000000000000:security-group/sg-123").unwrap();
        assert_eq!((sg.kind, sg.id.as_str()), ("security_group", "sg-123"));
        let lb = classify("arn:aws:elasticloadbalancing:r:0:loadbalancer/app/ktb-alb/abc").unwrap();
        assert_eq!((lb.kind, lb.name.as_str()), ("load_balancer", "ktb-alb"));
        let lg = classify("arn:aws:logs:r:0:log-group:/pipewright/ktb/app:*").unwrap();
        assert_eq!(
            (lg.name.as_str(), lg.id.as_str()),
            ("/pipewright/ktb/app", "arn:aws:logs:r:0:log-group:/pipewright/ktb/app")
        );
        assert_eq!(classify("arn:aws:s3:::b").unwrap().id, "b");
        assert!(rank("ecs_service") < rank("ecs_cluster") && rank("load_balancer") < rank("security_group"));
        assert!(classify("arn:aws:ec2:r:0:network-interface/eni-1").is_none());
    }
}
