//! Apply: walks the Plan and makes every resource exist, for the lecture's five steps.
//!
//! - Independent nodes run at the same time; a shared semaphore bounds how many AWS calls are
//!   in flight (default 4). Bounding calls rather than nodes means a node that is only waiting
//!   (the GitHub handshake, the load balancer, the rollout) holds no slot while it sleeps.
//! - For each node: describe first (so a rerun, or a rerun after a crash, finds what exists),
//!   then record the intent in the ledger, create, and record the outcome. An "already
//!   exists" answer is looked at again: ours (by tag) is adopted, anything else is refused.
//! - Every AWS call is audited and retried on throttling and IAM propagation (see
//!   `resources::Ctx::call`); waits report progress and end at a deadline.
//! - Cancel stops between calls; nothing new starts after a failure, and what is running
//!   finishes its current call. Either way the ledger says exactly what was sent.

use std::sync::Arc;

use aws_sdk_ec2::types::Filter;
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;
use ts_rs::TS;

use crate::aws::AwsContext;
use crate::error::{Error, Result};
use crate::ledger::{Ledger, ResourceState};
use crate::plan::{Facts, Node, Resource};
use crate::progress::{Cancel, NodeState, Progress, ProgressDetail, RunProgress};
use crate::resources::{self, Ctx, Found, Timing};
use crate::spec::LabSpec;

/// How Apply runs.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// AWS calls in flight at once.
    pub concurrency: usize,
    pub timing: Timing,
}

impl ApplyOptions {
    pub fn for_context(aws: &AwsContext) -> ApplyOptions {
        ApplyOptions {
            concurrency: 4,
            timing: Timing::for_context(aws),
        }
    }
}

/// What Apply leaves behind, for the CLI's summary and the UI's last screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    pub lab: String,
    /// The app's address once deployed: `http://<load balancer DNS name>`.
    pub url: Option<String>,
    pub resources: Vec<crate::ledger::LedgerResource>,
}

/// A lab as `status` sees it: every planned resource, and the app's address when the load
/// balancer exists (so a reopened app can show it without running Apply again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LabStatus {
    pub lab: String,
    pub url: Option<String>,
    pub resources: Vec<ResourceStatus>,
}

impl LabStatus {
    /// Every resource exists in AWS.
    pub fn complete(&self) -> bool {
        self.resources.iter().all(|r| r.exists == Some(true))
    }
}

/// One resource of a lab as `status` sees it: the ledger's view plus AWS's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResourceStatus {
    pub step: String,
    pub kind: String,
    pub name: String,
    /// The ledger's state, if the ledger knows it.
    pub ledger_state: Option<ResourceState>,
    pub physical_id: Option<String>,
    /// Whether AWS has it now (`None`: could not tell, see `message`).
    pub exists: Option<bool>,
    /// Whether it carries the lab's tag (or is reused by design).
    pub ours: Option<bool>,
    pub message: Option<String>,
}

/// The account id and the default VPC with its subnets. No default VPC: a clear refusal.
pub async fn discover(
    aws: &AwsContext,
    ledger: Arc<Ledger>,
    spec: &LabSpec,
    options: &ApplyOptions,
    cancel: Cancel,
) -> Result<Facts> {
    let facts = Facts::placeholder(aws.region());
    let cx =
        Ctx::new(aws, ledger, spec, facts, options.concurrency, &options.timing).reporting(Progress::none(), cancel);
    let sts = aws.sts();
    let who = cx
        .call("sts", "GetCallerIdentity", "", || sts.get_caller_identity().send())
        .await?;
    let ec2 = aws.ec2();
    let vpcs = cx
        .call("ec2", "DescribeVpcs", "default", || {
            ec2.describe_vpcs()
                .filters(Filter::builder().name("isDefault").values("true").build())
                .send()
        })
        .await?;
    let Some(vpc_id) = vpcs.vpcs().first().and_then(|v| v.vpc_id()).map(str::to_owned) else {
        return Err(Error::NoDefaultVpc {
            region: aws.region().to_owned(),
        });
    };
    let subnets = cx
        .call("ec2", "DescribeSubnets", &vpc_id, || {
            ec2.describe_subnets()
                .filters(Filter::builder().name("vpc-id").values(&vpc_id).build())
                .send()
        })
        .await?;
    // One default subnet per zone, in zone order, so the lab's two zones are the same on
    // every run.
    let mut by_zone: Vec<(String, String)> = subnets
        .subnets()
        .iter()
        .filter(|s| s.default_for_az().unwrap_or(true))
        .filter_map(|s| Some((s.availability_zone()?.to_owned(), s.subnet_id()?.to_owned())))
        .collect();
    by_zone.sort();
    by_zone.dedup_by(|a, b| a.0 == b.0);
    let subnet_ids: Vec<String> = by_zone.into_iter().map(|(_, id)| id).collect();
    if subnet_ids.len() < crate::spec::LAB_ZONES {
        return Err(Error::Invalid {
            field: "region".into(),
            message: format!(
                "the default VPC {vpc_id} has {} subnet(s); a load balancer needs two in different availability zones",
                subnet_ids.len()
            ),
        });
    }
    Ok(Facts {
        account_id: who.account().unwrap_or_default().to_owned(),
        region: aws.region().to_owned(),
        vpc_id,
        subnet_ids,
        caller_arn: who.arn().unwrap_or_default().to_owned(),
        discovered_at: aws.aws_now().await as i64,
    })
}

/// Every call for a lab acts in the lab's own region: a context built for another (the
/// credentials' region) would create, or look for, the lab in the wrong place.
pub fn check_region(aws: &AwsContext, region: &str) -> Result<()> {
    if aws.region() == region {
        return Ok(());
    }
    Err(Error::Invalid {
        field: "region".into(),
        message: format!(
            "the lab is in {region}, but these AWS calls would go to {} (a bug: contexts for a lab must use its region)",
            aws.region()
        ),
    })
}

fn refuse_invalid(spec: &LabSpec) -> Result<()> {
    let problems = spec.validate();
    match problems.first() {
        None => Ok(()),
        Some(p) => Err(Error::Invalid {
            field: p.field.clone(),
            message: problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.en))
                .collect::<Vec<_>>()
                .join("; "),
        }),
    }
}

/// Makes every resource of `spec` exist. Returns the first error after the nodes already
/// running have finished; nodes that never started are reported `skipped`.
pub async fn apply(
    aws: &AwsContext,
    ledger: Arc<Ledger>,
    spec: &LabSpec,
    options: ApplyOptions,
    progress: Progress,
    cancel: Cancel,
) -> Result<ApplyReport> {
    refuse_invalid(spec)?;
    check_region(aws, &spec.region)?;
    // Before any AWS call: an apply and a teardown of one lab at once would race.
    let _lock = ledger.lock_lab(&spec.name, "apply")?;
    let facts = discover(aws, ledger.clone(), spec, &options, cancel.clone()).await?;
    ledger.check_account(&spec.name, &facts.account_id)?;
    ledger.upsert_lab(&spec.name, &facts.region, Some(&facts.account_id), &spec.to_toml()?)?;
    let cx = Ctx::new(aws, ledger.clone(), spec, facts, options.concurrency, &options.timing);
    let cx = Arc::new(cx.reporting(progress, cancel.clone()));
    let nodes: Vec<Node> = cx.plan.nodes().to_vec();
    for n in &nodes {
        cx.emit(n, NodeState::Pending, None, None);
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Run {
        Waiting,
        Running,
        Done,
        Failed,
    }
    let mut run = vec![Run::Waiting; nodes.len()];
    let mut tasks = JoinSet::new();
    let mut first_error: Option<Error> = None;
    loop {
        if first_error.is_none() && !cancel.is_cancelled() {
            for (i, n) in nodes.iter().enumerate() {
                let ready = n.depends_on.iter().all(|d| {
                    nodes
                        .iter()
                        .position(|m| m.resource == *d)
                        .is_none_or(|j| run[j] == Run::Done)
                });
                if run[i] == Run::Waiting && ready {
                    run[i] = Run::Running;
                    let (cx, node) = (cx.clone(), n.clone());
                    tasks.spawn(async move { (i, ensure(&cx, &node).await) });
                }
            }
        }
        let Some(joined) = tasks.join_next().await else { break };
        let (i, result) = joined.map_err(|e| Error::Internal(format!("an apply task failed: {e}")))?;
        match result {
            Ok(()) => run[i] = Run::Done,
            Err(e) => {
                run[i] = Run::Failed;
                let run = match &e {
                    Error::FirstRunFailed(f) => Some(RunProgress {
                        failure: Some((**f).clone()),
                        ..Default::default()
                    }),
                    _ => None,
                };
                let detail = ProgressDetail {
                    error_code: Some(e.code().as_str().to_owned()),
                    run,
                    ..Default::default()
                };
                let state = if matches!(e, Error::Cancelled) {
                    NodeState::Skipped
                } else {
                    NodeState::Failed
                };
                cx.emit(&nodes[i], state, Some(e.to_string()), Some(detail));
                if first_error.is_none() || matches!(first_error, Some(Error::Cancelled)) {
                    first_error = Some(e);
                }
            }
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        if run[i] == Run::Waiting {
            let why = if cancel.is_cancelled() {
                "cancelled"
            } else {
                "not started: an earlier resource failed"
            };
            cx.emit(n, NodeState::Skipped, Some(why.into()), None);
        }
    }
    if let Some(e) = first_error {
        return Err(if cancel.is_cancelled() { Error::Cancelled } else { e });
    }
    let dns = cx.with_outputs(|o| o.load_balancer_dns.clone());
    let port = spec.deploy.load_balancer.listener_port;
    Ok(ApplyReport {
        lab: spec.name.clone(),
        url: dns.map(|d| app_url(&d, port)),
        resources: ledger.resources(&spec.name)?,
    })
}

/// Kinds whose tag is put by a second call after the create: an untagged one that the
/// ledger has an intent row for is the one our interrupted create made.
fn tagged_after_create(r: Resource) -> bool {
    matches!(r, Resource::ArtifactBucket)
}

/// One node: find or create, record, converge, report.
async fn ensure(cx: &Ctx, node: &Node) -> Result<()> {
    cx.cancel.check()?;
    if node.resource.is_milestone() {
        return reach(cx, node).await;
    }
    let (lab, kind, name) = (cx.lab(), node.kind().as_str(), node.name.as_str());
    let step = node.step.as_str();
    let prior = cx
        .ledger
        .resources(lab)?
        .into_iter()
        .find(|r| r.kind == kind && r.name == name)
        .map(|r| r.state);
    let found = resources::describe(cx, node).await?;
    let (id, shown, message) = match found {
        Found::Reusable { id } => {
            cx.ledger.record_intent(lab, kind, name, step)?;
            cx.ledger.set_state(lab, kind, name, ResourceState::Reused, Some(&id))?;
            (
                id,
                NodeState::Adopted,
                Some("reusing an existing connection (teardown leaves it)".to_owned()),
            )
        }
        Found::Present { id, ours } => {
            let claimed = prior == Some(ResourceState::Intent) && tagged_after_create(node.resource);
            if !ours && !claimed {
                return Err(not_ours(cx, node));
            }
            adopt(cx, node, prior, &id)?
        }
        Found::Missing => {
            cx.emit(node, NodeState::Creating, None, None);
            // Invariant: the intent row is durable before the create call is sent.
            cx.ledger.record_intent(lab, kind, name, step)?;
            match resources::create(cx, node).await {
                Ok(id) => {
                    cx.ledger
                        .set_state(lab, kind, name, ResourceState::Created, Some(&id))?;
                    (id, NodeState::Created, None)
                }
                Err(e) if resources::already_exists(node.kind(), &e) => match resources::describe(cx, node).await? {
                    // Ours: e.g. an SDK retry of a create whose first answer was lost.
                    Found::Present { id, ours: true } => adopt(cx, node, Some(ResourceState::Intent), &id)?,
                    Found::Present { ours: false, .. } => return Err(not_ours(cx, node)),
                    _ => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
    };
    resources::converge(cx, node, &id).await?;
    let detail = ProgressDetail {
        physical_id: Some(id),
        ..Default::default()
    };
    cx.emit(node, shown, message, Some(detail));
    Ok(())
}

/// A milestone (the first run): nothing to record, only to reach.
async fn reach(cx: &Ctx, node: &Node) -> Result<()> {
    let (id, message) = match resources::describe(cx, node).await? {
        Found::Present { id, .. } => (id, "reached by an earlier run"),
        _ => {
            cx.emit(node, NodeState::Creating, None, None);
            (resources::create(cx, node).await?, "deployed: the app is serving")
        }
    };
    let detail = ProgressDetail {
        physical_id: Some(id),
        ..Default::default()
    };
    cx.emit(node, NodeState::Created, Some(message.to_owned()), Some(detail));
    Ok(())
}

/// The app's address: the load balancer's DNS name, and the listener's port unless it is 80.
pub fn app_url(dns: &str, listener_port: u32) -> String {
    if listener_port == 80 {
        format!("http://{dns}")
    } else {
        format!("http://{dns}:{listener_port}")
    }
}

/// Records a resource that exists and is ours: `created` if the ledger says we made it (or
/// meant to), `adopted` if it predates the ledger.
fn adopt(cx: &Ctx, node: &Node, prior: Option<ResourceState>, id: &str) -> Result<(String, NodeState, Option<String>)> {
    let (lab, kind, name) = (cx.lab(), node.kind().as_str(), node.name.as_str());
    let (state, shown, message) = match prior {
        Some(ResourceState::Adopted) | None => (
            ResourceState::Adopted,
            NodeState::Adopted,
            "exists with the lab's tag: adopted",
        ),
        Some(ResourceState::Reused) => (ResourceState::Reused, NodeState::Adopted, "reused (teardown leaves it)"),
        Some(_) => (
            ResourceState::Created,
            NodeState::Created,
            "already created by an earlier run",
        ),
    };
    cx.ledger.record_intent(lab, kind, name, node.step.as_str())?;
    cx.ledger.set_state(lab, kind, name, state, Some(id))?;
    Ok((id.to_owned(), shown, Some(message.to_owned())))
}

fn not_ours(cx: &Ctx, node: &Node) -> Error {
    Error::NotOurs {
        kind: node.kind().as_str().to_owned(),
        name: node.name.clone(),
        lab: cx.lab().to_owned(),
    }
}

/// Every resource of a lab recorded in the ledger: the ledger's state plus a fresh describe.
pub async fn status(aws: &AwsContext, ledger: Arc<Ledger>, lab: &str) -> Result<LabStatus> {
    let spec = ledger.spec_of(lab)?;
    check_region(aws, &ledger.region_of(lab)?)?;
    let options = ApplyOptions::for_context(aws);
    let facts = discover(aws, ledger.clone(), &spec, &options, Cancel::never()).await?;
    ledger.check_account(lab, &facts.account_id)?;
    let cx = Ctx::new(aws, ledger.clone(), &spec, facts, options.concurrency, &options.timing);
    let rows = ledger.resources(lab)?;
    let mut out = Vec::new();
    for node in cx.plan.nodes() {
        let row = rows
            .iter()
            .find(|r| r.kind == node.kind().as_str() && r.name == node.name);
        // Afresh: a listener whose load balancer is gone (a teardown that stopped) is missing,
        // not "not ready yet".
        let (exists, ours, message) = match resources::describe_afresh(&cx, node).await {
            Ok(Found::Missing) => (Some(false), None, None),
            Ok(Found::Present { ours, .. }) => (Some(true), Some(ours), None),
            Ok(Found::Reusable { .. }) => (Some(true), Some(true), Some("reused, not owned".to_owned())),
            Err(e) => (None, None, Some(e.to_string())),
        };
        out.push(ResourceStatus {
            step: node.step.as_str().to_owned(),
            kind: node.kind().as_str().to_owned(),
            name: node.name.clone(),
            ledger_state: row.map(|r| r.state),
            physical_id: row.and_then(|r| r.physical_id.clone()),
            exists,
            ours,
            message,
        });
    }
    let dns = cx.with_outputs(|o| o.load_balancer_dns.clone());
    let port = spec.deploy.load_balancer.listener_port;
    Ok(LabStatus {
        lab: lab.to_owned(),
        url: dns.map(|d| app_url(&d, port)),
        resources: out,
    })
}
