//! One poll of a pipeline, remembering what earlier polls learned so each poll asks AWS only
//! what may have changed:
//! - always: ListPipelineExecutions (the newest 20);
//! - GetPipelineState: while a run is in progress, when the list changed, and every 4th idle
//!   poll (it carries the stage and action layout and which execution waits where);
//! - ListActionExecutions of the selected execution: when it changed since the last poll;
//! - the Build action's build (BatchGetBuilds) until complete, and its new log lines
//!   (GetLogEvents from the last nextForwardToken) until none are left;
//! - the Deploy action's service (DescribeServices; stopped tasks when the rollout fails)
//!   while it runs, and once after it ends;
//! - the app's URL (DescribeLoadBalancers once) and its health, once Deploy succeeded.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_ecs::types::DesiredStatus;
use aws_smithy_types::DateTime;

use super::health::HealthProbe;
use super::snapshot::*;
use super::{WatchTarget, WatchTiming};
use crate::aws::AwsContext;
use crate::error::{Result, classify, is_code};
use crate::links;

/// Log lines kept in a snapshot's `logTail`.
const LOG_TAIL: usize = 1000;

struct StageShape {
    name: String,
    /// Action name and console URL, in declaration order.
    actions: Vec<(String, Option<String>)>,
}

/// The latest attempt of one action in the selected execution.
#[derive(Clone)]
struct ActionRecord {
    stage: String,
    name: String,
    provider: Option<String>,
    status: Option<RunStatus>,
    started_at: Option<f64>,
    updated_at: Option<f64>,
    summary: Option<String>,
    error: Option<ActionError>,
    external_id: Option<String>,
    external_url: Option<String>,
    config: HashMap<String, String>,
    output: HashMap<String, String>,
}

struct BuildFollow {
    view: BuildView,
    complete: bool,
    group: Option<String>,
    stream: Option<String>,
    token: Option<String>,
    /// Complete, and a read after completion found no new line.
    drained: bool,
}

struct RolloutFollow {
    /// The Deploy action attempt this rollout belongs to (started time + external id).
    attempt: (Option<f64>, Option<String>),
    view: RolloutView,
    /// Looked at once more after the action ended.
    settled: bool,
}

pub(super) struct Follower {
    aws: AwsContext,
    target: WatchTarget,
    probe: HealthProbe,
    timing: WatchTiming,
    pinned: Option<String>,
    stages: Vec<StageShape>,
    /// Stage name -> the execution that last entered it and its status there.
    stage_latest: HashMap<String, (String, RunStatus)>,
    /// Stage name -> executions waiting to enter it.
    inbound: HashMap<String, Vec<String>>,
    version: Option<i32>,
    run_orders: HashMap<(String, String), i32>,
    executions: Vec<ExecutionSummary>,
    branches: HashMap<String, String>,
    selected: Option<String>,
    selected_updated: Option<Option<f64>>,
    actions: Vec<ActionRecord>,
    build: Option<BuildFollow>,
    rollout: Option<RolloutFollow>,
    lb_dns: Option<String>,
    health: HealthView,
    last_probe: Option<Instant>,
    idle_polls: u32,
    /// AWS calls sent so far (for the benchmark and the tests).
    pub calls: u64,
}

fn ms(t: Option<&DateTime>) -> Option<f64> {
    t.and_then(|t| t.to_millis().ok()).map(|v| v as f64)
}

/// GitHub sources put the commit message in a JSON revision summary.
fn commit_message(summary: Option<&str>) -> Option<String> {
    let s = summary?;
    if s.trim_start().starts_with('{')
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(s)
        && let Some(m) = v.get("CommitMessage").and_then(|m| m.as_str())
    {
        return Some(m.to_owned());
    }
    Some(s.to_owned())
}

impl Follower {
    pub(super) fn new(
        aws: AwsContext,
        target: WatchTarget,
        probe: HealthProbe,
        timing: WatchTiming,
        pinned: Option<String>,
    ) -> Follower {
        Follower {
            aws,
            target,
            probe,
            timing,
            pinned,
            stages: Vec::new(),
            stage_latest: HashMap::new(),
            inbound: HashMap::new(),
            version: None,
            run_orders: HashMap::new(),
            executions: Vec::new(),
            branches: HashMap::new(),
            selected: None,
            selected_updated: None,
            actions: Vec::new(),
            build: None,
            rollout: None,
            lb_dns: None,
            health: HealthView::default(),
            last_probe: None,
            idle_polls: 0,
            calls: 0,
        }
    }

    /// Whether any execution is running (the watcher polls fast then).
    pub(super) fn active(&self) -> bool {
        self.executions.iter().any(|e| e.status.is_active())
    }

    pub(super) async fn poll(&mut self) -> Result<()> {
        let executions = self.list_executions().await?;
        let changed = executions != self.executions;
        self.executions = executions;
        let active = self.active();
        self.idle_polls = if active { 0 } else { self.idle_polls + 1 };
        if active || changed || self.stages.is_empty() || self.idle_polls.is_multiple_of(4) {
            self.pipeline_state().await?;
        }
        self.select();
        let Some(selected) = self.selected.clone() else {
            return Ok(());
        };
        let summary = self.executions.iter().find(|e| e.id == selected).cloned();
        let updated = summary.as_ref().map(|s| s.updated_at);
        let running = summary.as_ref().is_some_and(|s| s.status.is_active());
        if running || self.selected_updated != updated || self.actions.is_empty() {
            self.action_executions(&selected).await?;
            self.selected_updated = updated;
        }
        self.follow_build().await?;
        self.follow_rollout().await?;
        self.follow_health().await?;
        Ok(())
    }

    async fn list_executions(&mut self) -> Result<Vec<ExecutionSummary>> {
        self.calls += 1;
        let out = self
            .aws
            .codepipeline()
            .list_pipeline_executions()
            .pipeline_name(&self.target.pipeline)
            .max_results(20)
            .send()
            .await
            .map_err(|e| classify("ListPipelineExecutions", e))?;
        Ok(out
            .pipeline_execution_summaries()
            .iter()
            .map(|s| {
                let id = s.pipeline_execution_id().unwrap_or_default().to_owned();
                let status = RunStatus::from_aws(s.status().map(|s| s.as_str()).unwrap_or_default());
                let updated_at = ms(s.last_update_time());
                ExecutionSummary {
                    source_revision: s.source_revisions().first().map(|r| SourceRevision {
                        commit_id: r.revision_id().unwrap_or_default().to_owned(),
                        message: commit_message(r.revision_summary()),
                        branch: self.branches.get(&id).cloned(),
                        url: r.revision_url().map(str::to_owned),
                    }),
                    trigger: s.trigger().map(|t| ExecutionTrigger {
                        kind: t.trigger_type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
                        detail: t.trigger_detail().map(str::to_owned),
                    }),
                    stop_reason: s.stop_trigger().and_then(|t| t.reason()).map(str::to_owned),
                    status_summary: s.status_summary().map(str::to_owned),
                    started_at: ms(s.start_time()),
                    ended_at: (!status.is_active()).then_some(updated_at).flatten(),
                    updated_at,
                    status,
                    id,
                }
            })
            .collect())
    }

    async fn pipeline_state(&mut self) -> Result<()> {
        self.calls += 1;
        let out = self
            .aws
            .codepipeline()
            .get_pipeline_state()
            .name(&self.target.pipeline)
            .send()
            .await
            .map_err(|e| classify("GetPipelineState", e))?;
        self.stages = out
            .stage_states()
            .iter()
            .map(|s| StageShape {
                name: s.stage_name().unwrap_or_default().to_owned(),
                actions: s
                    .action_states()
                    .iter()
                    .map(|a| {
                        (
                            a.action_name().unwrap_or_default().to_owned(),
                            a.entity_url().map(str::to_owned),
                        )
                    })
                    .collect(),
            })
            .collect();
        self.stage_latest.clear();
        self.inbound.clear();
        for s in out.stage_states() {
            let name = s.stage_name().unwrap_or_default().to_owned();
            if let Some(l) = s.latest_execution() {
                let status = RunStatus::from_aws(l.status().as_str());
                self.stage_latest
                    .insert(name.clone(), (l.pipeline_execution_id().to_owned(), status));
            }
            let waiting = s
                .inbound_executions()
                .iter()
                .map(|e| e.pipeline_execution_id().to_owned())
                .chain(s.inbound_execution().map(|e| e.pipeline_execution_id().to_owned()))
                .collect();
            self.inbound.insert(name, waiting);
        }
        if out.pipeline_version() != self.version {
            self.version = out.pipeline_version();
            self.read_run_orders().await;
        }
        Ok(())
    }

    /// Run orders come only with the declaration (GetPipeline). Best effort: without them
    /// every action shows run order 1 (the sandbox's GetPipeline answer is not readable by
    /// the SDK, see the README's sandbox notes).
    async fn read_run_orders(&mut self) {
        self.calls += 1;
        let Ok(out) = self
            .aws
            .codepipeline()
            .get_pipeline()
            .name(&self.target.pipeline)
            .send()
            .await
        else {
            return;
        };
        self.run_orders.clear();
        for s in out.pipeline().map(|p| p.stages()).unwrap_or_default() {
            for a in s.actions() {
                self.run_orders
                    .insert((s.name().to_owned(), a.name().to_owned()), a.run_order().unwrap_or(1));
            }
        }
    }

    /// The pinned execution, else the oldest still running, else the newest.
    fn select(&mut self) {
        let pick = self
            .pinned
            .clone()
            .or_else(|| {
                self.executions
                    .iter()
                    .rev()
                    .find(|e| e.status.is_active())
                    .map(|e| e.id.clone())
            })
            .or_else(|| self.executions.first().map(|e| e.id.clone()));
        if pick != self.selected {
            self.selected = pick;
            self.selected_updated = None;
            self.actions.clear();
            self.build = None;
            self.rollout = None;
            self.health = HealthView {
                url: self.health.url.clone(),
                ..Default::default()
            };
            self.last_probe = None;
        }
    }

    async fn action_executions(&mut self, execution: &str) -> Result<()> {
        let cp = self.aws.codepipeline();
        let mut records: Vec<ActionRecord> = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..5 {
            self.calls += 1;
            let out = cp
                .list_action_executions()
                .pipeline_name(&self.target.pipeline)
                .filter(
                    aws_sdk_codepipeline::types::ActionExecutionFilter::builder()
                        .pipeline_execution_id(execution)
                        .build(),
                )
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| classify("ListActionExecutions", e))?;
            for d in out.action_execution_details() {
                let rec = action_record(d);
                // Newest attempt wins (a retried action has several).
                match records.iter_mut().find(|r| r.stage == rec.stage && r.name == rec.name) {
                    Some(r) if r.started_at >= rec.started_at => {}
                    Some(r) => *r = rec,
                    None => records.push(rec),
                }
            }
            token = out.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        if let Some(b) = records
            .iter()
            .find_map(|r| r.output.get("BranchName").or(r.config.get("BranchName")))
        {
            self.branches.insert(execution.to_owned(), b.clone());
            if let Some(rev) = self
                .executions
                .iter_mut()
                .find(|e| e.id == execution)
                .and_then(|e| e.source_revision.as_mut())
            {
                rev.branch = Some(b.clone());
            }
        }
        self.actions = records;
        Ok(())
    }

    fn action_by_provider(&self, provider: &str) -> Option<&ActionRecord> {
        self.actions.iter().find(|a| a.provider.as_deref() == Some(provider))
    }

    async fn follow_build(&mut self) -> Result<()> {
        let Some(id) = self.action_by_provider("CodeBuild").and_then(|a| a.external_id.clone()) else {
            return Ok(());
        };
        if self.build.as_ref().is_none_or(|b| b.view.id != id) {
            self.build = Some(BuildFollow {
                view: BuildView {
                    id: id.clone(),
                    status: None,
                    current_phase: None,
                    phases: Vec::new(),
                    log_tail: Vec::new(),
                    logs_url: None,
                },
                complete: false,
                group: None,
                stream: None,
                token: None,
                drained: false,
            });
        }
        let complete = self.build.as_ref().is_some_and(|b| b.complete);
        if !complete {
            self.calls += 1;
            let out = self
                .aws
                .codebuild()
                .batch_get_builds()
                .ids(&id)
                .send()
                .await
                .map_err(|e| classify("BatchGetBuilds", e))?;
            if let (Some(b), Some(f)) = (out.builds().first(), self.build.as_mut()) {
                f.complete = b.build_complete();
                f.view.status = b.build_status().map(|s| s.as_str().to_owned());
                f.view.current_phase = b.current_phase().map(str::to_owned);
                let practice = self.aws.endpoint_url().is_some();
                f.view.phases = b.phases().iter().map(|p| phase_view(p, practice)).collect();
                if let Some(l) = b.logs() {
                    f.group = l.group_name().map(str::to_owned);
                    f.stream = l.stream_name().map(str::to_owned);
                    f.view.logs_url = links::for_student(l.deep_link(), self.aws.endpoint_url().is_some());
                }
            }
        }
        self.read_logs().await
    }

    /// Reads the log lines written since the last read (nextForwardToken), at most 10 pages.
    async fn read_logs(&mut self) -> Result<()> {
        let Some(f) = self.build.as_mut() else { return Ok(()) };
        let (Some(group), Some(stream)) = (f.group.clone(), f.stream.clone()) else {
            return Ok(());
        };
        if f.drained {
            return Ok(());
        }
        let was_complete = f.complete;
        let logs = self.aws.logs();
        let mut got_any = false;
        for _ in 0..10 {
            self.calls += 1;
            // startFromHead on every call: AWS reads a previous nextForwardToken forward only
            // with it (without it, it answers the stream's latest lines and lines are lost).
            let req = logs
                .get_log_events()
                .log_group_name(&group)
                .log_stream_name(&stream)
                .start_from_head(true)
                .set_next_token(f.token.clone());
            let out = match req.send().await.map_err(|e| classify("GetLogEvents", e)) {
                Ok(o) => o,
                // The stream appears with the build's first line.
                Err(e) if is_code(&e, &["ResourceNotFoundException"]) => return Ok(()),
                Err(e) => return Err(e),
            };
            let lines = out.events();
            for e in lines {
                f.view.log_tail.push(LogLine {
                    at: e.timestamp().unwrap_or_default() as f64,
                    text: e
                        .message()
                        .unwrap_or_default()
                        .trim_end_matches(['\n', '\r'])
                        .to_owned(),
                });
            }
            let next = out.next_forward_token().map(str::to_owned);
            let same = next == f.token;
            f.token = next.or(f.token.take());
            if lines.is_empty() || same {
                break;
            }
            got_any = true;
        }
        let extra = f.view.log_tail.len().saturating_sub(LOG_TAIL);
        if extra > 0 {
            f.view.log_tail.drain(..extra);
        }
        f.drained = was_complete && !got_any;
        Ok(())
    }

    async fn follow_rollout(&mut self) -> Result<()> {
        let Some(action) = self.action_by_provider("ECS").cloned() else {
            return Ok(());
        };
        let attempt = (action.started_at, action.external_id.clone());
        let ended = action.status.is_some_and(|s| !s.is_active());
        if let Some(r) = &self.rollout
            && r.attempt == attempt
            && r.settled
        {
            return Ok(());
        }
        let cluster = action
            .config
            .get("ClusterName")
            .cloned()
            .or_else(|| self.target.cluster.clone())
            .unwrap_or_default();
        let service = action
            .config
            .get("ServiceName")
            .cloned()
            .or_else(|| self.target.service.clone())
            .unwrap_or_default();
        let view = self.describe_service(&cluster, &service).await?;
        self.rollout = Some(RolloutFollow {
            attempt,
            view,
            settled: ended,
        });
        Ok(())
    }

    async fn describe_service(&mut self, cluster: &str, service: &str) -> Result<RolloutView> {
        let ecs = self.aws.ecs();
        self.calls += 1;
        let out = ecs
            .describe_services()
            .cluster(cluster)
            .services(service)
            .send()
            .await
            .map_err(|e| classify("DescribeServices", e))?;
        let mut view = RolloutView {
            cluster: cluster.to_owned(),
            service: service.to_owned(),
            deployments: Vec::new(),
            events: Vec::new(),
            stopped_tasks: Vec::new(),
        };
        let Some(svc) = out.services().first() else {
            return Ok(view);
        };
        view.deployments = svc
            .deployments()
            .iter()
            .map(|d| DeploymentView {
                id: d.id().unwrap_or_default().to_owned(),
                status: d.status().map(str::to_owned),
                task_definition: d.task_definition().map(str::to_owned),
                desired: d.desired_count(),
                running: d.running_count(),
                pending: d.pending_count(),
                failed: d.failed_tasks(),
                rollout_state: d.rollout_state().map(|s| s.as_str().to_owned()),
                rollout_reason: d.rollout_state_reason().map(str::to_owned),
                updated_at: ms(d.updated_at()),
            })
            .collect();
        view.events = svc
            .events()
            .iter()
            .take(5)
            .map(|e| ServiceEvent {
                id: e.id().unwrap_or_default().to_owned(),
                at: ms(e.created_at()),
                message: e.message().unwrap_or_default().to_owned(),
            })
            .collect();
        let troubled = view
            .deployments
            .iter()
            .any(|d| d.failed > 0 || d.rollout_state.as_deref() == Some("FAILED"));
        if troubled {
            // Best effort: stopped tasks are only kept for about an hour.
            view.stopped_tasks = self.stopped_tasks(cluster, service).await.unwrap_or_default();
        }
        Ok(view)
    }

    async fn stopped_tasks(&mut self, cluster: &str, service: &str) -> Result<Vec<StoppedTask>> {
        let ecs = self.aws.ecs();
        self.calls += 1;
        let arns = ecs
            .list_tasks()
            .cluster(cluster)
            .service_name(service)
            .desired_status(DesiredStatus::Stopped)
            .max_results(5)
            .send()
            .await
            .map_err(|e| classify("ListTasks", e))?;
        if arns.task_arns().is_empty() {
            return Ok(Vec::new());
        }
        self.calls += 1;
        let tasks = ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(arns.task_arns().to_vec()))
            .send()
            .await
            .map_err(|e| classify("DescribeTasks", e))?;
        Ok(tasks
            .tasks()
            .iter()
            .map(|t| StoppedTask {
                task_arn: t.task_arn().unwrap_or_default().to_owned(),
                stopped_reason: t.stopped_reason().map(str::to_owned),
                stopped_at: ms(t.stopped_at()),
            })
            .collect())
    }

    async fn follow_health(&mut self) -> Result<()> {
        let deployed = self
            .action_by_provider("ECS")
            .is_some_and(|a| a.status == Some(RunStatus::Succeeded));
        if !deployed {
            return Ok(());
        }
        let due = self.last_probe.is_none_or(|t| t.elapsed() >= self.timing.health_every);
        if !due {
            return Ok(());
        }
        self.last_probe = Some(Instant::now());
        if self.lb_dns.is_none()
            && let Some(name) = self.target.load_balancer.clone()
        {
            self.calls += 1;
            let out = self
                .aws
                .elbv2()
                .describe_load_balancers()
                .names(&name)
                .send()
                .await
                .map_err(|e| classify("DescribeLoadBalancers", e));
            match out {
                Ok(o) => self.lb_dns = o.load_balancers().first().and_then(|l| l.dns_name()).map(str::to_owned),
                Err(e) => {
                    self.health.message = Some(e.to_string());
                    return Ok(());
                }
            }
        }
        let Some(dns) = self.lb_dns.clone() else {
            self.health.message = Some("the lab has no load balancer (yet)".into());
            return Ok(());
        };
        self.health = self.probe.check(&dns, self.target.listener_port).await;
        Ok(())
    }

    /// The snapshot of what the polls so far have seen.
    pub(super) fn snapshot(&self, polling: Polling) -> PipelineSnapshot {
        let selected = self.selected.as_deref();
        let stages = self
            .stages
            .iter()
            .map(|s| {
                let actions: Vec<ActionView> = s
                    .actions
                    .iter()
                    .map(|(name, console)| self.action_view(&s.name, name, console))
                    .collect();
                let status = match (self.stage_latest.get(&s.name), selected) {
                    (Some((id, status)), Some(sel)) if id == sel => Some(*status),
                    _ => derive_stage(&actions),
                };
                StageView {
                    name: s.name.clone(),
                    status,
                    waiting: selected
                        .is_some_and(|sel| self.inbound.get(&s.name).is_some_and(|w| w.iter().any(|i| i == sel))),
                    actions,
                }
            })
            .collect();
        PipelineSnapshot {
            pipeline: self.target.pipeline.clone(),
            region: self.aws.region().to_owned(),
            executions: self.executions.clone(),
            selected_execution_id: self.selected.clone(),
            stages,
            health: self.health.clone(),
            polling,
            problem: None,
        }
    }

    fn action_view(&self, stage: &str, name: &str, console: &Option<String>) -> ActionView {
        let rec = self.actions.iter().find(|a| a.stage == stage && a.name == name);
        let build = match (rec, &self.build) {
            (Some(r), Some(b)) if r.external_id.as_deref() == Some(b.view.id.as_str()) => Some(b.view.clone()),
            _ => None,
        };
        let rollout = match (rec, &self.rollout) {
            (Some(r), Some(ro)) if r.provider.as_deref() == Some("ECS") => Some(ro.view.clone()),
            _ => None,
        };
        let practice = self.aws.endpoint_url().is_some();
        let external_url = links::for_student(rec.and_then(|r| r.external_url.as_deref()), practice);
        // The Deploy action's run page and console page are the same service page: offer it once.
        let console_url = links::for_student(console.as_deref(), practice).filter(|c| external_url.as_ref() != Some(c));
        ActionView {
            name: name.to_owned(),
            run_order: self
                .run_orders
                .get(&(stage.to_owned(), name.to_owned()))
                .copied()
                .unwrap_or(1),
            provider: rec.and_then(|r| r.provider.clone()),
            status: rec.and_then(|r| r.status),
            started_at: rec.and_then(|r| r.started_at),
            updated_at: rec.and_then(|r| r.updated_at),
            summary: rec.and_then(|r| r.summary.clone()),
            error_details: rec.and_then(|r| r.error.clone()),
            external_id: rec.and_then(|r| r.external_id.clone()),
            external_url,
            console_url,
            build,
            rollout,
        }
    }

    /// How long to wait before the next poll when nothing went wrong.
    pub(super) fn interval(&self) -> Duration {
        if self.active() {
            self.timing.fast
        } else {
            self.timing.slow
        }
    }
}

fn action_record(d: &aws_sdk_codepipeline::types::ActionExecutionDetail) -> ActionRecord {
    let input = d.input();
    let result = d.output().and_then(|o| o.execution_result());
    ActionRecord {
        stage: d.stage_name().unwrap_or_default().to_owned(),
        name: d.action_name().unwrap_or_default().to_owned(),
        provider: input.and_then(|i| i.action_type_id()).map(|t| t.provider().to_owned()),
        status: d.status().map(|s| RunStatus::from_aws(s.as_str())),
        started_at: ms(d.start_time()),
        updated_at: ms(d.last_update_time()),
        summary: result
            .and_then(|r| r.external_execution_summary())
            .and_then(|s| commit_message(Some(s))),
        error: result.and_then(|r| r.error_details()).map(|e| ActionError {
            code: e.code().map(str::to_owned),
            message: e.message().map(str::to_owned),
        }),
        external_id: result.and_then(|r| r.external_execution_id()).map(str::to_owned),
        external_url: result.and_then(|r| r.external_execution_url()).map(str::to_owned),
        config: input.and_then(|i| i.configuration()).cloned().unwrap_or_default(),
        output: d
            .output()
            .and_then(|o| o.output_variables())
            .cloned()
            .unwrap_or_default(),
    }
}

/// A build phase; `practice`: the sandbox, whose `durationInSeconds` is on AWS's clock while
/// the start and end times are the student's (it runs faster), so both are kept.
fn phase_view(p: &aws_sdk_codebuild::types::BuildPhase, practice: bool) -> BuildPhaseView {
    let reported = p.duration_in_seconds().map(|d| d.clamp(0, i32::MAX as i64) as i32);
    let (started_at, ended_at) = (ms(p.start_time()), ms(p.end_time()));
    let seen = match (started_at, ended_at) {
        (Some(a), Some(b)) if practice => Some(((b - a).max(0.0) / 1000.0).round() as i32),
        _ => reported,
    };
    BuildPhaseView {
        name: p.phase_type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
        status: p.phase_status().map(|s| s.as_str().to_owned()),
        started_at,
        ended_at,
        duration_seconds: seen,
        aws_seconds: if practice { reported } else { None },
        contexts: p
            .contexts()
            .iter()
            .map(|c| {
                format!(
                    "{}: {}",
                    c.status_code().unwrap_or_default(),
                    c.message().unwrap_or_default()
                )
            })
            .collect(),
    }
}

/// A stage's status from its actions, when GetPipelineState speaks of another execution.
fn derive_stage(actions: &[ActionView]) -> Option<RunStatus> {
    let statuses: Vec<RunStatus> = actions.iter().filter_map(|a| a.status).collect();
    if statuses.is_empty() {
        return None;
    }
    for s in [
        RunStatus::Failed,
        RunStatus::InProgress,
        RunStatus::Stopping,
        RunStatus::Stopped,
    ] {
        if statuses.contains(&s) {
            return Some(s);
        }
    }
    if statuses.len() == actions.len() && statuses.iter().all(|s| *s == RunStatus::Succeeded) {
        return Some(RunStatus::Succeeded);
    }
    Some(RunStatus::InProgress)
}
