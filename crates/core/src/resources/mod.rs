//! One module per AWS resource kind. Each knows how to find its resource (and whether it
//! carries the lab's tag), create it, bring an existing one in line (`converge`: idempotent
//! fix-ups and waits) and delete it, and which AWS error codes mean "already exists" or
//! "not found". Apply composes them along the Plan.
//!
//! Every AWS call goes through [`Ctx::call`]: one audit row per attempt, retries for
//! throttling and IAM propagation with backoff until a deadline, a permit from the shared
//! semaphore (the concurrency bound), and a cancel check before sending.

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
pub mod security_group;
pub mod target_group;
pub mod task_definition;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use tokio::sync::Semaphore;

use crate::aws::AwsContext;
use crate::error::{Error, Result, aws_code, classify, is_code, retryable};
use crate::ledger::Ledger;
use crate::plan::{Facts, Node, Plan, Resource};
use crate::progress::{Cancel, NodeState, Progress, ProgressDetail, ProgressEvent};
use crate::spec::{LAB_TAG_KEY, LabSpec};

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

/// How long things take on AWS, typically (seconds): what Progress tells the student to
/// expect, and what every deadline below is derived from. The sandbox keeps the same
/// proportions (`sandbox/pipewright_sandbox/registry.py`, `AWS_DURATIONS`).
pub mod typical {
    pub const LOAD_BALANCER: u32 = 90;
    pub const SERVICE_ROLLOUT: u32 = 125;
    pub const SOURCE: u32 = 5;
    /// CodeBuild: provisioning (about 70 s) plus a docker build and push (about 2 min).
    pub const BUILD: u32 = 190;
    /// The ECS deploy action on a service with no task yet: registers a revision and returns.
    pub const DEPLOY_ACTION: u32 = 30;
    /// A person completes the GitHub handshake: not something AWS does, so no estimate.
    pub const HANDSHAKE: u32 = 0;
}

/// Deadlines and poll intervals, derived from the pace of the endpoint (`time_scale`: 1.0 on
/// AWS, the sandbox's scale in practice mode) and from what is being waited for. Nothing here
/// assumes how fast a particular endpoint is: a wait gets AWS's typical duration with a
/// generous margin, times the pace, and never less than `FLOOR` of wall time (a loaded
/// machine, a slow first call).
#[derive(Debug, Clone)]
pub struct Timing {
    pub time_scale: f64,
    pub poll: Duration,
    /// How long a retryable error (throttling, IAM and EC2 eventual consistency) is retried.
    /// Wall time: propagation does not follow the sandbox's clock.
    pub retry_deadline: Duration,
    /// A person completes the GitHub handshake: be generous, and never scale it.
    pub connection_deadline: Duration,
    pub load_balancer_deadline: Duration,
    pub service_deadline: Duration,
}

impl Timing {
    /// The least any deadline gets, in wall time.
    pub const FLOOR: Duration = Duration::from_secs(30);

    pub fn for_pace(time_scale: f64) -> Timing {
        let scale = if time_scale.is_finite() && time_scale > 0.0 {
            time_scale
        } else {
            1.0
        };
        Timing {
            time_scale: scale,
            poll: Duration::from_secs_f64((5.0 * scale).clamp(0.1, 5.0)),
            retry_deadline: Duration::from_secs(120),
            connection_deadline: Duration::from_secs(30 * 60),
            load_balancer_deadline: scaled(scale, 10 * 60),
            service_deadline: scaled(scale, 15 * 60),
        }
    }

    pub fn for_aws() -> Timing {
        Timing::for_pace(1.0)
    }

    /// The endpoint's own pace (see `AwsContext::time_scale`).
    pub fn for_context(aws: &AwsContext) -> Timing {
        Timing::for_pace(aws.time_scale())
    }

    /// A deadline of `aws_secs` at AWS's pace, at this endpoint's pace.
    pub fn deadline(&self, aws_secs: u64) -> Duration {
        scaled(self.time_scale, aws_secs)
    }

    /// What Progress shows while waiting for something that takes `typical_secs` on AWS.
    pub fn expect(&self, typical_secs: u32) -> ProgressDetail {
        ProgressDetail {
            typical_secs: (typical_secs > 0).then_some(typical_secs),
            expected_secs: (typical_secs > 0).then(|| (typical_secs as f64 * self.time_scale).ceil() as u32),
            ..Default::default()
        }
    }
}

fn scaled(scale: f64, aws_secs: u64) -> Duration {
    Duration::from_secs_f64(aws_secs as f64 * scale).max(Timing::FLOOR)
}

/// Physical ids that dependents need and cannot compute from names (security group ids,
/// load balancer ARNs, the connection ARN...), filled as nodes finish.
#[derive(Debug, Default)]
pub struct Outputs {
    ids: HashMap<Resource, String>,
    pub repository_uri: Option<String>,
    pub load_balancer_dns: Option<String>,
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

    pub fn emit(&self, node: &Node, state: NodeState, message: Option<String>, detail: Option<ProgressDetail>) {
        self.progress.send(ProgressEvent {
            lab: self.lab().to_owned(),
            step: node.step.as_str().to_owned(),
            kind: node.kind().to_owned(),
            name: node.name.clone(),
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

    /// Polls `check` until it answers `Some`, emitting a `waiting` event whenever its status
    /// text changes, until `deadline`.
    pub async fn wait_for<T, F, Fut>(
        &self,
        node: &Node,
        what: &str,
        deadline: Duration,
        detail: Option<ProgressDetail>,
        mut check: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<std::result::Result<T, String>>>,
    {
        let until = Instant::now() + deadline;
        let mut last: Option<String> = None;
        loop {
            match check().await? {
                Ok(v) => return Ok(v),
                Err(status) => {
                    if last.as_deref() != Some(status.as_str()) {
                        self.emit(node, NodeState::Waiting, Some(status.clone()), detail.clone());
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

/// The codes each kind's create answers when the name is taken.
pub fn already_exists(r: Resource, e: &Error) -> bool {
    use Resource as R;
    let codes: &[&str] = match r {
        // A full quota (LimitExceededException) is not "already exists": it is reported as the
        // quota error it is (ErrorCode::QuotaExceeded).
        R::Connection => &["ResourceAlreadyExistsException"],
        R::ArtifactBucket => &["BucketAlreadyOwnedByYou", "BucketAlreadyExists"],
        R::Role(_) => &["EntityAlreadyExists"],
        R::LogGroup(_) => &["ResourceAlreadyExistsException"],
        R::BuildProject => &["ResourceAlreadyExistsException"],
        R::Repository => &["RepositoryAlreadyExistsException"],
        R::SecurityGroup(_) => &["InvalidGroup.Duplicate"],
        R::LoadBalancer => &["DuplicateLoadBalancerName"],
        R::TargetGroup => &["DuplicateTargetGroupName"],
        R::Listener => &["DuplicateListener"],
        R::Cluster => &[],
        R::TaskDefinition => &[],
        // ECS: "Creation of service was not idempotent."
        R::Service => &["InvalidParameterException"],
        R::Pipeline => &["PipelineNameInUseException"],
        R::FirstRun => &[],
    };
    is_code(e, codes)
}

/// The lab tag as the many SDKs spell a tag.
pub fn lab_tag(cx: &Ctx) -> (String, String) {
    (LAB_TAG_KEY.to_owned(), cx.lab().to_owned())
}
