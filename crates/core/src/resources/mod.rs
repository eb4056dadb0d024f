//! One module per AWS resource kind (`plan::Kind`), each the one home of everything about
//! its kind: finding its resource (and whether it carries the lab's tag), creating it,
//! bringing an existing one in line (`converge`: idempotent fix-ups and waits), deleting it
//! with the drain or wait it needs, the AWS error codes that mean "gone" (`GONE`) and
//! "already exists" (`ALREADY_EXISTS`), and recognising one of its ARNs (`from_arn`).
//!
//! This module holds the one dispatch table from a plan node or a kind to those modules, and
//! what every module shares: [`Ctx`], whose [`Ctx::call`] sends every AWS call (one audit row
//! per attempt, retries for throttling and IAM propagation with backoff until a deadline, a
//! permit from the shared semaphore, a cancel check before sending), and the generic waits
//! ([`Ctx::wait_for`], [`Ctx::retry_while`]). Apply composes the kinds along the Plan;
//! Teardown walks it back.

pub mod codebuild_project;
pub mod connection;
pub mod ecr_repository;
pub mod ecs_cluster;
pub mod ecs_service;
pub mod first_run;
pub mod iam_role;
pub mod listener;
pub mod load_balancer;
pub mod log_group;
pub mod pipeline;
pub mod policies;
pub mod s3_bucket;
pub mod schedule;
pub mod schedule_group;
pub mod security_group;
pub mod target_group;
pub mod task_definition;
mod timing;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use tokio::sync::Semaphore;

use crate::aws::AwsContext;
use crate::error::{Error, Result, aws_code, aws_message, classify, is_code, retryable};
use crate::ledger::Ledger;
use crate::plan::{Facts, Kind, Node, Plan, Resource, Step};
use crate::progress::{Cancel, NodeState, Progress, ProgressDetail, ProgressEvent};
use crate::spec::{LAB_TAG_KEY, LabSpec};

pub use timing::{Timing, typical};

/// What a lookup found under the name the plan gives a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Missing,
    /// It exists; `ours` says whether it carries `pipewright:lab=<lab>`.
    Present {
        id: String,
        ours: bool,
    },
    /// Not ours, but the lab may use it as it is and must never delete it (a GitHub
    /// connection the student already completed).
    Reusable {
        id: String,
    },
}

/// What a progress event is about: a node of the plan, or a resource the tag sweep found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub step: Step,
    pub kind: Kind,
    pub name: String,
}

impl Label {
    /// A resource known only by its kind and name: shown under its kind's step.
    pub fn new(kind: Kind, name: &str) -> Label {
        Label {
            step: kind.step(),
            kind,
            name: name.to_owned(),
        }
    }
}

impl From<&Node> for Label {
    fn from(node: &Node) -> Label {
        Label {
            step: node.step,
            kind: node.kind(),
            name: node.name.clone(),
        }
    }
}

impl From<&Label> for Label {
    fn from(l: &Label) -> Label {
        l.clone()
    }
}

/// An ARN split the way the kinds recognise theirs:
/// `arn:<partition>:<service>:<region>:<account>:<resource>`, the resource also split at `/`.
#[derive(Debug, Clone)]
pub struct Arn<'a> {
    pub text: &'a str,
    pub service: &'a str,
    pub resource: &'a str,
    pub path: Vec<&'a str>,
}

impl<'a> Arn<'a> {
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        if parts.len() < 6 {
            return None;
        }
        Some(Arn {
            text,
            service: parts[2],
            resource: parts[5],
            path: parts[5].split('/').collect(),
        })
    }

    /// What the tag sweep keeps of it: `name` as people call it, `id` as the kind's
    /// `delete` takes it.
    pub fn tagged(&self, kind: Kind, name: &str, id: &str) -> Tagged {
        Tagged {
            arn: self.text.to_owned(),
            kind,
            name: name.to_owned(),
            id: id.to_owned(),
            cluster: None,
            task: false,
        }
    }
}

/// A resource found by its ARN (the tagging API lists ARNs), with what deleting it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged {
    pub arn: String,
    pub kind: Kind,
    pub name: String,
    /// What the kind's `delete` takes (and the walk records): an ARN, a bucket name, a
    /// security group id.
    pub id: String,
    /// The ECS cluster, for services and tasks.
    pub cluster: Option<String>,
    /// An ECS task of a service: it stops with its service and is never deleted by itself.
    pub task: bool,
}

impl Tagged {
    /// The kind as reports name it (`ecs_task` for a task).
    pub fn kind_name(&self) -> &'static str {
        if self.task { "ecs_task" } else { self.kind.as_str() }
    }
}

/// What deleting one resource takes: the id `describe` (or the tagging API) gave (an ARN, a
/// bucket name, a security group id, a task definition family or revision ARN), its name and,
/// for a service, its cluster.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub cluster: &'a str,
}

/// Physical ids that dependents need and cannot compute from names (security group ids,
/// load balancer ARNs, the connection ARN...), filled as nodes finish.
#[derive(Debug, Default)]
pub struct Outputs {
    ids: HashMap<Resource, String>,
    pub repository_uri: Option<String>,
    pub load_balancer_dns: Option<String>,
    /// When the lab expires (epoch seconds, AWS's clock), once a schedule fixed or showed it.
    pub expires_at: Option<i64>,
}

/// Everything a resource module needs for one run.
pub struct Ctx {
    pub aws: AwsContext,
    pub ledger: Arc<Ledger>,
    pub spec: LabSpec,
    pub plan: Plan,
    pub timing: Timing,
    pub progress: Progress,
    pub cancel: Cancel,
    pub permits: Semaphore,
    pub outputs: Mutex<Outputs>,
    pub started: Instant,
}

impl Ctx {
    /// A context for `spec`'s lab in the account `facts` describe, with at most `concurrency`
    /// AWS calls in flight. It reports nothing and cannot be cancelled until [`Ctx::reporting`].
    pub fn new(
        aws: &AwsContext,
        ledger: Arc<Ledger>,
        spec: &LabSpec,
        facts: Facts,
        concurrency: usize,
        timing: &Timing,
    ) -> Ctx {
        Ctx {
            aws: aws.clone(),
            ledger,
            spec: spec.clone(),
            plan: Plan::new(spec, facts),
            timing: timing.clone(),
            progress: Progress::none(),
            cancel: Cancel::never(),
            permits: Semaphore::new(concurrency.max(1)),
            outputs: Mutex::new(Outputs::default()),
            started: Instant::now(),
        }
    }

    /// The same context, sending its events to `progress` and stopping on `cancel`.
    pub fn reporting(self, progress: Progress, cancel: Cancel) -> Ctx {
        Ctx {
            progress,
            cancel,
            ..self
        }
    }

    pub fn lab(&self) -> &str {
        &self.plan.lab
    }

    pub fn facts(&self) -> &Facts {
        &self.plan.facts
    }

    pub fn is_ours<'a>(&self, mut tags: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
        tags.any(|(k, v)| k == LAB_TAG_KEY && v == self.lab())
    }

    pub fn set_output(&self, r: Resource, id: &str) {
        self.outputs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ids
            .insert(r, id.to_owned());
    }

    /// The physical id of a node this one depends on (the scheduler ran it first).
    pub fn output(&self, r: Resource) -> Result<String> {
        self.outputs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ids
            .get(&r)
            .cloned()
            .ok_or_else(|| Error::Internal(format!("{} is not ready yet (a bug in the plan's edges)", r.kind())))
    }

    pub fn with_outputs<T>(&self, f: impl FnOnce(&mut Outputs) -> T) -> T {
        f(&mut self.outputs.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Sends one progress event about a node or a swept resource.
    pub fn emit(
        &self,
        about: impl Into<Label>,
        state: NodeState,
        message: Option<String>,
        detail: Option<ProgressDetail>,
    ) {
        let l: Label = about.into();
        self.progress.send(ProgressEvent {
            lab: self.lab().to_owned(),
            step: l.step.as_str().to_owned(),
            kind: l.kind.as_str().to_owned(),
            name: l.name,
            state,
            message,
            elapsed_ms: self.started.elapsed().as_millis().min(u32::MAX as u128) as u32,
            detail,
        });
    }

    /// Sends one AWS call (again, while AWS says to retry), auditing every attempt.
    pub async fn call<T, E, R, F, Fut>(
        &self,
        service: &'static str,
        operation: &'static str,
        resource: &str,
        mut send: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        let deadline = Instant::now() + self.timing.retry_deadline;
        let mut attempt: u32 = 0;
        loop {
            self.cancel.check()?;
            let permit = self.permits.acquire().await.map_err(|_| Error::Cancelled)?;
            let started = Instant::now();
            let result = send().await;
            drop(permit);
            let ms = started.elapsed().as_millis() as i64;
            let err = match result {
                Ok(v) => {
                    self.audit(service, operation, resource, "ok", ms);
                    return Ok(v);
                }
                Err(e) => classify(operation, e),
            };
            self.audit(service, operation, resource, aws_code(&err).unwrap_or("error"), ms);
            let wait = backoff(attempt);
            if !retryable(&err) || Instant::now() + wait > deadline {
                return Err(err);
            }
            attempt += 1;
            self.cancel.sleep(wait).await?;
        }
    }

    fn audit(&self, service: &str, operation: &str, resource: &str, outcome: &str, ms: i64) {
        // Best effort: a full disk must not turn a successful AWS call into a failure (the
        // intent/state rows, which matter for recovery, do propagate their errors).
        let _ = self
            .ledger
            .audit(Some(self.lab()), service, operation, Some(resource), outcome, ms);
    }

    /// Polls `check` until it answers `Ok`, emitting a `waiting` event whenever its status
    /// text (the `Err`) changes, until `deadline`.
    pub async fn wait_for<T, F, Fut>(
        &self,
        about: impl Into<Label>,
        what: &str,
        deadline: Duration,
        detail: Option<ProgressDetail>,
        mut check: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<std::result::Result<T, String>>>,
    {
        let about: Label = about.into();
        let until = Instant::now() + deadline;
        let mut last: Option<String> = None;
        loop {
            match check().await? {
                Ok(v) => return Ok(v),
                Err(status) => {
                    if last.as_deref() != Some(status.as_str()) {
                        self.emit(&about, NodeState::Waiting, Some(status.clone()), detail.clone());
                        last = Some(status);
                    }
                }
            }
            if Instant::now() >= until {
                return Err(Error::WaitTimeout {
                    what: what.to_owned(),
                    seconds: deadline.as_secs(),
                });
            }
            self.cancel.sleep(self.timing.poll).await?;
        }
    }

    /// Sends `attempt` again while AWS answers one of `codes` (the thing is still in use),
    /// until `deadline`; then returns AWS's last answer.
    pub async fn retry_while<F, Fut>(
        &self,
        about: impl Into<Label>,
        codes: &[&str],
        deadline: Duration,
        mut attempt: F,
    ) -> Result<()>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        let about: Label = about.into();
        let until = Instant::now() + deadline;
        let mut said = false;
        loop {
            match attempt().await {
                Err(e) if is_code(&e, codes) && Instant::now() < until => {
                    if !said {
                        let message = format!("still in use: {}", aws_message(&e));
                        self.emit(&about, NodeState::Waiting, Some(message), None);
                        said = true;
                    }
                    self.cancel.sleep(self.timing.poll).await?;
                }
                other => return other,
            }
        }
    }

    pub fn arn(&self, service: &str, resource: &str) -> String {
        let f = self.facts();
        format!("arn:aws:{service}:{}:{}:{resource}", f.region, f.account_id)
    }
}

/// 250 ms doubling to 8 s, with up to 25% jitter so concurrent retries spread out.
fn backoff(attempt: u32) -> Duration {
    let base = 250u64.saturating_mul(1 << attempt.min(5)).min(8_000);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    Duration::from_millis(base + nanos % (base / 4 + 1))
}

/// A node's resource: find, create, converge.
pub async fn describe(cx: &Ctx, node: &Node) -> Result<Found> {
    use Resource as R;
    match node.resource {
        R::Connection => connection::describe(cx, node).await,
        R::ArtifactBucket => s3_bucket::describe(cx, &node.name).await,
        R::Role(which) => iam_role::describe(cx, which, &node.name).await,
        R::LogGroup(which) => log_group::describe(cx, which, &node.name).await,
        R::BuildProject => codebuild_project::describe(cx, &node.name).await,
        R::Repository => ecr_repository::describe(cx, &node.name).await,
        R::SecurityGroup(which) => security_group::describe(cx, which, &node.name).await,
        R::LoadBalancer => load_balancer::describe(cx, &node.name).await,
        R::TargetGroup => target_group::describe(cx, &node.name).await,
        R::Listener => listener::describe(cx).await,
        R::Cluster => ecs_cluster::describe(cx, &node.name).await,
        R::TaskDefinition => task_definition::describe(cx, &node.name).await,
        R::Service => ecs_service::describe(cx, &node.name).await,
        R::Pipeline => pipeline::describe(cx, &node.name).await,
        R::ScheduleGroup => schedule_group::describe(cx, &node.name).await,
        R::Schedule(_) => schedule::describe(cx, &node.name).await,
        R::FirstRun => first_run::describe(cx, node).await,
    }
}

/// Creates the node's resource; returns its physical id. An "already exists" answer is
/// returned as the AWS error for Apply to look at again.
pub async fn create(cx: &Ctx, node: &Node) -> Result<String> {
    use Resource as R;
    match node.resource {
        R::Connection => connection::create(cx, &node.name).await,
        R::ArtifactBucket => s3_bucket::create(cx, &node.name).await,
        R::Role(which) => iam_role::create(cx, which, &node.name).await,
        R::LogGroup(which) => log_group::create(cx, which, &node.name).await,
        R::BuildProject => codebuild_project::create(cx, &node.name).await,
        R::Repository => ecr_repository::create(cx, &node.name).await,
        R::SecurityGroup(which) => security_group::create(cx, which, &node.name).await,
        R::LoadBalancer => load_balancer::create(cx, &node.name).await,
        R::TargetGroup => target_group::create(cx, &node.name).await,
        R::Listener => listener::create(cx).await,
        R::Cluster => ecs_cluster::create(cx, &node.name).await,
        R::TaskDefinition => task_definition::create(cx, &node.name).await,
        R::Service => ecs_service::create(cx, &node.name).await,
        R::Pipeline => pipeline::create(cx, &node.name).await,
        R::ScheduleGroup => schedule_group::create(cx, &node.name).await,
        R::Schedule(which) => schedule::create(cx, which, &node.name).await,
        R::FirstRun => first_run::reach(cx, node).await,
    }
}

/// Brings an existing (just created, adopted or reused) resource in line and waits until it
/// is usable. Idempotent: a rerun makes the same calls and changes nothing.
pub async fn converge(cx: &Ctx, node: &Node, id: &str) -> Result<()> {
    use Resource as R;
    match node.resource {
        R::Connection => connection::wait_available(cx, node, id).await,
        R::ArtifactBucket => s3_bucket::converge(cx, &node.name).await,
        R::Role(which) => iam_role::converge(cx, which, &node.name).await,
        R::Repository => ecr_repository::converge(cx, &node.name).await,
        R::SecurityGroup(which) => security_group::converge(cx, which, id).await,
        R::LoadBalancer => load_balancer::wait_active(cx, node, id).await,
        R::TargetGroup => target_group::converge(cx, id).await,
        R::Pipeline => pipeline::converge(cx, &node.name).await,
        _ => Ok(()),
    }
}

/// Like [`describe`], for a walk that has not just looked at what the node depends on
/// (Teardown, the inventory): a listener is looked for on its load balancer, found afresh.
pub async fn describe_afresh(cx: &Ctx, node: &Node) -> Result<Found> {
    match node.resource {
        Resource::Listener => listener::describe_afresh(cx).await,
        _ => describe(cx, node).await,
    }
}

/// Deletes one resource of `kind`, with the drain or wait its kind needs; a resource that is
/// already gone is fine. `about` is what the progress events of the wait name.
pub async fn delete(cx: &Ctx, about: &Label, kind: Kind, t: Target<'_>) -> Result<()> {
    match kind {
        Kind::EcsService => ecs_service::delete(cx, about, t.cluster, t.name).await,
        Kind::Listener => listener::delete(cx, t.id).await,
        Kind::LoadBalancer => load_balancer::delete(cx, about, t.id).await,
        Kind::TargetGroup => target_group::delete(cx, about, t.id).await,
        Kind::TaskDefinition => task_definition::delete(cx, t.id).await,
        Kind::EcsCluster => ecs_cluster::delete(cx, about, t.name).await,
        Kind::EcrRepository => ecr_repository::delete(cx, t.name).await,
        Kind::S3Bucket => s3_bucket::delete(cx, t.name).await,
        Kind::CodebuildProject => codebuild_project::delete(cx, t.name).await,
        Kind::LogGroup => log_group::delete(cx, t.name).await,
        Kind::Pipeline => pipeline::delete(cx, t.name).await,
        Kind::IamRole => iam_role::delete(cx, t.name).await,
        Kind::SecurityGroup => security_group::delete(cx, about, t.id).await,
        Kind::Connection => connection::delete(cx, t.id).await,
        Kind::Schedule => schedule::delete(cx, t.name).await,
        Kind::ScheduleGroup => schedule_group::delete(cx, about, t.name).await,
        Kind::FirstRun => Ok(()),
    }
}

/// Whether an answer to a create means the name is taken.
pub fn already_exists(kind: Kind, e: &Error) -> bool {
    let codes = match kind {
        Kind::Connection => connection::ALREADY_EXISTS,
        Kind::S3Bucket => s3_bucket::ALREADY_EXISTS,
        Kind::IamRole => iam_role::ALREADY_EXISTS,
        Kind::LogGroup => log_group::ALREADY_EXISTS,
        Kind::CodebuildProject => codebuild_project::ALREADY_EXISTS,
        Kind::EcrRepository => ecr_repository::ALREADY_EXISTS,
        Kind::SecurityGroup => security_group::ALREADY_EXISTS,
        Kind::LoadBalancer => load_balancer::ALREADY_EXISTS,
        Kind::TargetGroup => target_group::ALREADY_EXISTS,
        Kind::Listener => listener::ALREADY_EXISTS,
        Kind::EcsCluster => ecs_cluster::ALREADY_EXISTS,
        Kind::TaskDefinition => task_definition::ALREADY_EXISTS,
        Kind::EcsService => ecs_service::ALREADY_EXISTS,
        Kind::Pipeline => pipeline::ALREADY_EXISTS,
        Kind::ScheduleGroup => schedule_group::ALREADY_EXISTS,
        Kind::Schedule => schedule::ALREADY_EXISTS,
        Kind::FirstRun => &[],
    };
    is_code(e, codes)
}

/// What an ARN names, for the kinds a lab creates (and ECS tasks, which stop with their
/// service). Anything else: None.
pub fn identify(arn: &str) -> Option<Tagged> {
    let arn = Arn::parse(arn)?;
    let kinds: [fn(&Arn) -> Option<Tagged>; 16] = [
        ecs_service::from_arn,
        ecs_cluster::from_arn,
        task_definition::from_arn,
        load_balancer::from_arn,
        listener::from_arn,
        target_group::from_arn,
        security_group::from_arn,
        ecr_repository::from_arn,
        s3_bucket::from_arn,
        codebuild_project::from_arn,
        log_group::from_arn,
        pipeline::from_arn,
        connection::from_arn,
        iam_role::from_arn,
        schedule_group::from_arn,
        schedule::from_arn,
    ];
    kinds.iter().find_map(|from_arn| from_arn(&arn))
}

/// Whether a resource found by its ARN still exists. The tagging API keeps listing ECS
/// resources that are INACTIVE or STOPPED (they cost nothing and vanish on their own).
pub async fn still_exists(cx: &Ctx, t: &Tagged) -> Result<bool> {
    match t.kind {
        Kind::EcsService => ecs_service::still_exists(cx, t).await,
        Kind::EcsCluster => ecs_cluster::still_exists(cx, t).await,
        Kind::TaskDefinition => task_definition::still_exists(cx, t).await,
        _ => Ok(true),
    }
}

/// The lab tag as the many SDKs spell a tag.
pub fn lab_tag(cx: &Ctx) -> (String, String) {
    (LAB_TAG_KEY.to_owned(), cx.lab().to_owned())
}

impl Ctx {
    /// Every tag a new resource of the lab gets: the lab's, the class's for a class lab, and
    /// who created it when (`class::creation_tags`).
    pub fn tags(&self) -> Vec<(String, String)> {
        std::iter::once(lab_tag(self))
            .chain(self.spec.class.tag())
            .chain(crate::class::creation_tags(self.facts()))
            .collect()
    }

    /// [`Ctx::tags`] in one SDK's own tag type.
    pub fn tags_with<T>(&self, tag: impl Fn(String, String) -> T) -> Vec<T> {
        self.tags().into_iter().map(|(k, v)| tag(k, v)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_recognised_by_their_kind() {
        let a = "arn:aws:ecs:ap-northeast-2:000000000000:service/ktb-cluster/ktb-svc";
        let t = identify(a).unwrap();
        assert_eq!(
            (t.kind, t.name.as_str(), t.cluster.as_deref()),
            (Kind::EcsService, "ktb-svc", Some("ktb-cluster"))
        );
        let task = identify("arn:aws:ecs:r:0:task/ktb-cluster/abc").unwrap();
        assert!(task.task && task.kind_name() == "ecs_task");
        let sg = identify("arn:aws:ec2:ap-northeast-2:000000000000:security-group/sg-123").unwrap();
        assert_eq!((sg.kind, sg.id.as_str()), (Kind::SecurityGroup, "sg-123"));
        let lb = identify("arn:aws:elasticloadbalancing:r:0:loadbalancer/app/ktb-alb/abc").unwrap();
        assert_eq!((lb.kind, lb.name.as_str()), (Kind::LoadBalancer, "ktb-alb"));
        let lg = identify("arn:aws:logs:r:0:log-group:/pipewright/ktb/app:*").unwrap();
        assert_eq!(
            (lg.name.as_str(), lg.id.as_str()),
            ("/pipewright/ktb/app", "arn:aws:logs:r:0:log-group:/pipewright/ktb/app")
        );
        assert_eq!(identify("arn:aws:s3:::b").unwrap().id, "b");
        let repo = identify("arn:aws:ecr:r:0:repository/team/app").unwrap();
        assert_eq!((repo.kind, repo.name.as_str()), (Kind::EcrRepository, "team/app"));
        let role = identify("arn:aws:iam::0:role/path/ktb-build-role").unwrap();
        assert_eq!((role.kind, role.name.as_str()), (Kind::IamRole, "ktb-build-role"));
        assert_eq!(
            identify("arn:aws:codeconnections:r:0:connection/abc").unwrap().kind,
            Kind::Connection
        );
        assert!(identify("arn:aws:ec2:r:0:network-interface/eni-1").is_none());
        assert!(identify("not an arn").is_none());
    }
}
