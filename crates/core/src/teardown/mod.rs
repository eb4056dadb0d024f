//! Teardown: removes every resource a lab created, and proves it with an inventory.
//!
//! The steps, in order:
//! 1. Rebuild the lab's Plan from the spec the ledger kept, and walk it in reverse: a node is
//!    removed once everything that depends on it is done (independent nodes at the same time,
//!    AWS calls bounded by the shared semaphore).
//! 2. Each node is claimed either by its ledger row (created, adopted, intent, deleting) or,
//!    with no live row, by the lab tag alone (the sweep by deterministic names). Nothing is
//!    deleted before a describe shows it carries `pipewright:lab=<lab>`; the only exception
//!    is the one Apply makes too: an untagged artifact bucket with an intent row (S3 tags a
//!    bucket after creating it). A reused connection, or one another lab uses, is left alone.
//! 3. The ledger row goes `deleting` before the first delete call and `deleted` after, so a
//!    crash is resumed by running teardown again. "Not found" is success.
//! 4. A failure is recorded and the walk carries on; failures are reported at the end with
//!    what to do.
//! 5. The tag sweep (`sweep::tagged`) finds what the walk missed: what is in the ledger or
//!    has one of the lab's names is deleted, anything else carrying the tag is left alone and
//!    reported (the tag alone proves nothing: anyone can tag). The inventory
//!    (`sweep::inventory`) lists anything of the lab still in the account.
//!
//! How each kind is deleted (drained, emptied, waited for) is its module's business in
//! `resources/`; this module only walks: claims, ledger states, order and hints.
//!
//! Dry run: the same walk and sweep with describes only, listing what would be deleted in
//! the order it would be.

pub(crate) mod remove;
pub mod sweep;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;
use ts_rs::TS;

use crate::apply::{self, ApplyOptions};
use crate::aws::AwsContext;
use crate::error::{Error, Result, aws_code};
use crate::ledger::{Ledger, LedgerResource, ResourceState};
use crate::plan::{Facts, Kind, Node};
use crate::progress::{Cancel, NodeState, Progress, ProgressDetail};
use crate::resources::{Ctx, Label, Timing};
use crate::spec::LabSpec;

/// How Teardown runs.
#[derive(Debug, Clone)]
pub struct TeardownOptions {
    /// AWS calls in flight at once.
    pub concurrency: usize,
    /// Deadlines and polls; `timing.eni_deadline` is how long a security group may stay in
    /// use before Teardown gives up on it and says what holds it.
    pub timing: Timing,
    /// Describe only: list what would be deleted, make no delete call, change no ledger row.
    pub dry_run: bool,
}

impl TeardownOptions {
    pub fn for_context(aws: &AwsContext) -> TeardownOptions {
        TeardownOptions {
            concurrency: 4,
            timing: Timing::for_context(aws),
            dry_run: false,
        }
    }
}

/// One resource Teardown removed (or, in a dry run, would remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeardownItem {
    pub kind: String,
    pub name: String,
    pub id: Option<String>,
}

/// A deletion that failed, with what the student can do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeardownFailure {
    pub kind: String,
    pub name: String,
    /// The stable error code (see `ErrorCode`).
    pub code: String,
    /// AWS's own error code, when AWS answered.
    pub aws_code: Option<String>,
    pub message: String,
    /// What to do, in English (the CLI prints it).
    pub hint: String,
    /// Which advice `hint` is, so the app can word it in the student's language.
    pub hint_kind: TeardownHint,
}

/// The kinds of advice a failed deletion gets (see `remove::hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TeardownHint {
    /// DependencyViolation: network interfaces still draining; run it again shortly.
    Dependency,
    /// AWS kept throttling or was unavailable, or a wait ran out: run it again.
    Busy,
    /// The error's own advice (by its code), then run it again.
    Error,
    /// Run it again; if it fails again, delete it in the console.
    Console,
}

/// Something still in the account (a leftover), or deliberately left alone (skipped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Leftover {
    pub kind: String,
    pub name: String,
    pub id: Option<String>,
    /// Why, in English (the CLI prints it).
    pub reason: String,
    /// Which reason, so the app can word it in the student's language.
    pub reason_kind: LeftoverReason,
}

/// Why something was left alone, or is still in the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LeftoverReason {
    /// Skipped: the lab reused it (an existing connection, role or bucket).
    Reused,
    /// Skipped: something stands under the lab's name without its tag.
    NotOurs,
    /// Skipped: another lab in the ledger uses this connection.
    SharedConnection,
    /// Skipped: it carries the lab's tag but is neither recorded nor named as the lab names it.
    TaggedNotNamed,
    /// Left over: it still exists under the lab's name and tag.
    StillExists,
    /// Left over: the tagging API still lists it with the tag.
    ListedByTag,
    /// Left over, perhaps: it could not be checked (`reason` says why).
    CouldNotCheck,
}

/// What Teardown did, and the proof: `leftovers` is the final inventory (empty = nothing of
/// the lab is left).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeardownReport {
    pub lab: String,
    pub dry_run: bool,
    /// Deleted by this run, in order.
    pub deleted: Vec<TeardownItem>,
    /// Dry run only: what a real run would delete, in order.
    pub would_delete: Vec<TeardownItem>,
    /// Left alone on purpose: reused, shared with another lab, or not ours (no lab tag).
    pub skipped: Vec<Leftover>,
    pub failed: Vec<TeardownFailure>,
    /// The final inventory. Empty in a dry run (nothing was checked after deleting).
    pub leftovers: Vec<Leftover>,
}

impl TeardownReport {
    /// True when nothing is left and nothing failed.
    pub fn is_clean(&self) -> bool {
        self.failed.is_empty() && self.leftovers.is_empty()
    }
}

/// The shared state of one teardown run: the resource context plus the report being built.
pub struct Run {
    pub cx: Ctx,
    pub options: TeardownOptions,
    report: Mutex<TeardownReport>,
    /// Physical ids handled by the walk, so the tag sweep does not redo them.
    pub handled: Mutex<HashSet<String>>,
    /// The sentence of a failure's hint saying what to run again to carry on.
    again: String,
}

impl Run {
    pub fn new(cx: Ctx, options: TeardownOptions) -> Run {
        let lab = cx.lab().to_owned();
        Run {
            cx,
            options,
            handled: Mutex::new(HashSet::new()),
            again: format!("Run `pipewright down --lab {lab}` again: it carries on where it stopped."),
            report: Mutex::new(TeardownReport {
                lab,
                ..Default::default()
            }),
        }
    }

    /// The instructor's sweep is no lab: its hints say to run the sweep again.
    pub fn again_says(mut self, sentence: String) -> Run {
        self.again = sentence;
        self
    }

    fn with_report<T>(&self, f: impl FnOnce(&mut TeardownReport) -> T) -> T {
        f(&mut self.report.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn handled(&self, id: &str) -> bool {
        self.handled.lock().unwrap_or_else(|e| e.into_inner()).contains(id)
    }

    /// Whether this run already reported `kind` `name` as failed: the tag sweep also finds what
    /// the walk failed to delete, and trying it again would report the one failure twice.
    pub fn failed_on(&self, kind: Kind, name: &str) -> bool {
        self.with_report(|r| r.failed.iter().any(|f| f.kind == kind.as_str() && f.name == name))
    }

    fn mark_handled(&self, id: &str) {
        self.handled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_owned());
    }

    pub fn emit(&self, l: &Label, state: NodeState, message: Option<String>, detail: Option<ProgressDetail>) {
        self.cx.emit(l, state, message, detail);
    }

    pub fn deleted(&self, l: &Label, id: Option<&str>) {
        if let Some(id) = id {
            self.mark_handled(id);
        }
        let detail = id.map(|i| ProgressDetail {
            physical_id: Some(i.to_owned()),
            ..Default::default()
        });
        self.emit(l, NodeState::Deleted, None, detail);
        let item = TeardownItem {
            kind: l.kind.as_str().to_owned(),
            name: l.name.clone(),
            id: id.map(str::to_owned),
        };
        self.with_report(|r| r.deleted.push(item));
    }

    pub fn would_delete(&self, l: &Label, id: Option<&str>) {
        if let Some(id) = id {
            self.mark_handled(id);
        }
        self.emit(l, NodeState::Pending, Some("would be deleted (dry run)".into()), None);
        let item = TeardownItem {
            kind: l.kind.as_str().to_owned(),
            name: l.name.clone(),
            id: id.map(str::to_owned),
        };
        self.with_report(|r| r.would_delete.push(item));
    }

    pub fn skipped(&self, l: &Label, id: Option<&str>, reason_kind: LeftoverReason, reason: &str) {
        if let Some(id) = id {
            self.mark_handled(id);
        }
        let detail = ProgressDetail {
            reason_kind: Some(reason_kind),
            ..Default::default()
        };
        self.emit(l, NodeState::Skipped, Some(reason.to_owned()), Some(detail));
        let item = Leftover {
            kind: l.kind.as_str().to_owned(),
            name: l.name.clone(),
            id: id.map(str::to_owned),
            reason: reason.into(),
            reason_kind,
        };
        self.with_report(|r| r.skipped.push(item));
    }

    pub fn failed(&self, l: &Label, e: &Error) {
        let detail = ProgressDetail {
            error_code: Some(e.code().as_str().to_owned()),
            ..Default::default()
        };
        self.emit(l, NodeState::Failed, Some(e.to_string()), Some(detail));
        let failure = TeardownFailure {
            kind: l.kind.as_str().to_owned(),
            name: l.name.clone(),
            code: e.code().as_str().to_owned(),
            aws_code: aws_code(e).map(str::to_owned),
            message: e.to_string(),
            hint: remove::hint(&self.again, l, e),
            hint_kind: remove::hint_kind(e),
        };
        self.with_report(|r| r.failed.push(failure));
    }

    /// The ids of what was left alone on purpose (the inventory does not count them).
    pub fn skipped_ids(&self) -> Vec<String> {
        self.with_report(|r| r.skipped.iter().filter_map(|s| s.id.clone()).collect())
    }

    pub fn finish_report(&self) -> TeardownReport {
        self.with_report(std::mem::take)
    }
}

/// The account and default VPC, as Apply found them. Without a default VPC (deleted since)
/// the account id still names the bucket; security groups are then found by their ids.
async fn facts(
    aws: &AwsContext,
    ledger: Arc<Ledger>,
    spec: &LabSpec,
    options: &TeardownOptions,
    cancel: Cancel,
) -> Result<Facts> {
    let apply_options = ApplyOptions {
        concurrency: options.concurrency,
        timing: options.timing.clone(),
    };
    match apply::discover(aws, ledger, spec, &apply_options, cancel).await {
        Ok(f) => Ok(f),
        Err(e @ (Error::Cancelled | Error::Aws { .. })) => Err(e),
        Err(_) => {
            let who = aws
                .sts()
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| crate::error::classify("GetCallerIdentity", e))?;
            Ok(Facts {
                account_id: who.account().unwrap_or_default().to_owned(),
                region: aws.region().to_owned(),
                vpc_id: String::new(),
                subnet_ids: Vec::new(),
                caller_arn: String::new(),
                discovered_at: 0,
            })
        }
    }
}

/// Removes everything lab `lab` created (see the module header). Returns the report; an
/// error only when teardown could not start (no such lab, no credentials) or was cancelled.
pub async fn teardown(
    aws: &AwsContext,
    ledger: Arc<Ledger>,
    lab: &str,
    options: TeardownOptions,
    progress: Progress,
    cancel: Cancel,
) -> Result<TeardownReport> {
    let spec = ledger.spec_of(lab)?;
    apply::check_region(aws, &ledger.region_of(lab)?)?;
    // A dry run changes nothing, so it may list while another run works.
    let _lock = if options.dry_run {
        None
    } else {
        Some(ledger.lock_lab(lab, "teardown")?)
    };
    let facts = facts(aws, ledger.clone(), &spec, &options, cancel.clone()).await?;
    ledger.check_account(lab, &facts.account_id)?;
    let cx = Ctx::new(aws, ledger, &spec, facts, options.concurrency, &options.timing).reporting(progress, cancel);
    passes(Arc::new(Run::new(cx, options))).await
}

/// Removes a lab that is in no ledger here (a student's, found by the class view): the same
/// walk, tag sweep and inventory as [`teardown`], claiming by the plan's deterministic names
/// and the lab tag alone (`Claim::TagOnly`), so what the lab tag marks under another name is
/// left alone and reported. `spec` only supplies names (`LabSpec::new(lab, ..)` in the lab's
/// region); the rows the walk writes go to a ledger of this run only.
pub async fn teardown_by_names(
    aws: &AwsContext,
    spec: &LabSpec,
    options: TeardownOptions,
    progress: Progress,
    cancel: Cancel,
) -> Result<TeardownReport> {
    let ledger = Arc::new(Ledger::in_memory()?);
    let facts = facts(aws, ledger.clone(), spec, &options, cancel.clone()).await?;
    ledger.upsert_lab(&spec.name, aws.region(), Some(&facts.account_id), &spec.to_toml()?)?;
    let cx = Ctx::new(aws, ledger, spec, facts, options.concurrency, &options.timing).reporting(progress, cancel);
    passes(Arc::new(Run::new(cx, options))).await
}

/// The walk and the tag sweep, then the inventory, again while the inventory finds something.
async fn passes(run: Arc<Run>) -> Result<TeardownReport> {
    let tag = sweep::TagRule::lab(run.cx.lab());
    for pass in 1..=PASSES {
        walk(&run).await?;
        sweep::sweep_tagged(&run, &tag, false).await?;
        if run.options.dry_run {
            break;
        }
        let leftovers = sweep::inventory(&run).await?;
        let clean = leftovers.is_empty();
        let failed = run.with_report(|r| {
            r.leftovers = leftovers;
            !r.failed.is_empty()
        });
        // A deletion that failed explains what is left; the student runs `down` again.
        if clean || failed || pass == PASSES {
            break;
        }
        // Something of the lab showed up after it was looked for: EC2's describe calls and the
        // tagging API are eventually consistent, so a resource created just before an
        // interrupted `up` can be missing from them for a moment. Look again.
        run.cx
            .cancel
            .sleep(run.cx.timing.poll.max(Duration::from_secs(1)))
            .await?;
    }
    let mut report = run.finish_report();
    report.dry_run = run.options.dry_run;
    Ok(report)
}

/// How many times Teardown walks the plan when its final inventory still finds something.
const PASSES: u32 = 3;

/// The plan in reverse: each node once everything depending on it has finished.
async fn walk(run: &Arc<Run>) -> Result<()> {
    let nodes: Vec<Node> = run.cx.plan.nodes().to_vec();
    let rows = run.cx.ledger.resources(run.cx.lab())?;
    let dependents: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            (0..nodes.len())
                .filter(|&j| nodes[j].depends_on.contains(&n.resource))
                .collect()
        })
        .collect();
    let mut done = vec![false; nodes.len()];
    let mut started = vec![false; nodes.len()];
    let mut tasks = JoinSet::new();
    // A dry run lists in a fixed order (the reverse plan), one node at a time.
    let sequential = run.options.dry_run;
    loop {
        run.cx.cancel.check()?;
        for i in (0..nodes.len()).rev() {
            if started[i] || !dependents[i].iter().all(|&j| done[j]) {
                continue;
            }
            if sequential && !tasks.is_empty() {
                break;
            }
            started[i] = true;
            let row = rows
                .iter()
                .find(|r| r.kind == nodes[i].kind().as_str() && r.name == nodes[i].name)
                .cloned();
            let (run, node) = (run.clone(), nodes[i].clone());
            tasks.spawn(async move {
                let l = Label::from(&node);
                if let Err(e) = remove_node(&run, &node, row.as_ref()).await {
                    if matches!(e, Error::Cancelled) {
                        return (i, Err(e));
                    }
                    run.failed(&l, &e);
                }
                (i, Ok(()))
            });
            if sequential {
                break;
            }
        }
        let Some(joined) = tasks.join_next().await else { break };
        let (i, result) = joined.map_err(|e| Error::Internal(format!("a teardown task failed: {e}")))?;
        result?;
        done[i] = true;
    }
    Ok(())
}

/// How a node is claimed as ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// A live ledger row (intent, created, adopted, deleting): the tag is still checked.
    Ledger(ResourceState),
    /// No live row: only the lab tag makes it ours (the sweep by deterministic names).
    TagOnly,
}

async fn remove_node(run: &Run, node: &Node, row: Option<&LedgerResource>) -> Result<()> {
    if node.resource.is_milestone() {
        // Not a resource (the first run): nothing to remove.
        return Ok(());
    }
    let l = Label::from(node);
    let claim = match row.map(|r| r.state) {
        Some(ResourceState::Reused) => {
            // The lab stops using it: its row is done with, so the lab that made it (which
            // keeps it while another lab uses it) can remove it.
            set_state(run, node, ResourceState::Deleted)?;
            run.skipped(
                &l,
                row.and_then(|r| r.physical_id.as_deref()),
                LeftoverReason::Reused,
                "reused, not created by this lab: left as is",
            );
            return Ok(());
        }
        None | Some(ResourceState::Deleted) => Claim::TagOnly,
        Some(state) => Claim::Ledger(state),
    };
    remove::node(run, node, claim).await
}

/// Moves the node's ledger row, creating one first for what the sweep found.
pub(crate) fn set_state(run: &Run, node: &Node, state: ResourceState) -> Result<()> {
    if run.options.dry_run {
        return Ok(());
    }
    let (lab, kind, name) = (run.cx.lab(), node.kind().as_str(), node.name.as_str());
    let known = run
        .cx
        .ledger
        .resources(lab)?
        .iter()
        .any(|r| r.kind == kind && r.name == name);
    if !known {
        if state == ResourceState::Deleted {
            return Ok(());
        }
        run.cx.ledger.record_intent(lab, kind, name, node.step.as_str())?;
    }
    run.cx.ledger.set_state(lab, kind, name, state, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_with_leftovers_or_failures_is_not_clean() {
        let mut r = TeardownReport {
            lab: "ktb".into(),
            ..Default::default()
        };
        assert!(r.is_clean());
        r.leftovers.push(Leftover {
            kind: "ecr_repository".into(),
            name: "ktb-repo".into(),
            id: None,
            reason: "x".into(),
            reason_kind: LeftoverReason::StillExists,
        });
        assert!(!r.is_clean());
    }
}
