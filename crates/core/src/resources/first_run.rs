//! The lab's first pipeline run: the last part of creating a lab, and a milestone of the plan
//! rather than a resource (nothing to tag, record or delete).
//!
//! AWS starts a run as soon as the pipeline is created. It builds and pushes the first image
//! while the load balancer provisions, then waits before Deploy (the stage's inbound
//! transition is disabled, see `pipeline`) until the service exists. This node lets it in,
//! follows it stage by stage, and when it has deployed, scales the service from zero to the
//! spec's count and waits until the target group reports it healthy. A lab is "up" then.
//!
//! When the run fails, the student is told which stage, AWS's message, and for a build the
//! failed phase and the log's last lines, instead of a timeout. One exception is retried: a
//! service role AWS does not let act yet (IAM is eventually consistent, and this run is the
//! first use of every role and policy the lab just made).

use std::time::Instant;

use aws_sdk_codepipeline::types::{
    ActionExecutionFilter, ActionExecutionStatus, PipelineExecutionStatus, StageRetryMode,
};

use crate::error::{Error, Result, RunFailure, is_code};
use crate::plan::Node;
use crate::progress::{NodeState, ProgressDetail, RunProgress, StageProgress};

use super::pipeline::{BUILD, DEPLOY, SOURCE};
use super::{Ctx, Found, ecs_service, pipeline, typical};

/// AWS's words when the pipeline role may not use the connection (or write the artifact):
/// `Unable to use Connection: ARN. The provided role does not have sufficient permissions.`
const SOURCE_ROLE_REFUSED: &str = "The provided role does not have sufficient permissions";

/// How many log lines a failure report carries.
const LOG_LINES: i32 = 20;

/// A role the lab just made that AWS refuses is retried this often (IAM propagation); a role
/// still refused after that lacks the permission for real.
const MAX_DENIAL_RETRIES: u32 = 3;

/// Reached when a run has gone through Deploy and the service serves the spec's count.
pub async fn describe(cx: &Ctx, node: &Node) -> Result<Found> {
    let name = &cx.plan.names.pipeline;
    let deployed = match pipeline::has_deployed(cx, name).await {
        Ok(d) => d,
        Err(e) if is_code(&e, pipeline::GONE) => return Ok(Found::Missing),
        Err(e) => return Err(e),
    };
    if !deployed || cx.output(crate::plan::Resource::TargetGroup).is_err() {
        return Ok(Found::Missing);
    }
    Ok(if ecs_service::is_serving(cx).await? {
        Found::Present {
            id: node.name.clone(),
            ours: true,
        }
    } else {
        Found::Missing
    })
}

/// Lets the run into Deploy, follows it to the end, then scales the service up and waits until
/// it serves. Returns the execution id.
pub async fn reach(cx: &Ctx, node: &Node) -> Result<String> {
    let name = cx.plan.names.pipeline.clone();
    pipeline::release_deploy(cx, &name).await?;
    let mut run = RunProgress::default();
    let id = follow(cx, node, &name, &mut run).await?;
    ecs_service::scale_and_wait(cx, node, &mut run).await?;
    Ok(id)
}

/// The run to follow: the newest in progress; else, when the newest has succeeded, that one;
/// else (none yet, or the last one failed or was stopped) a new one.
async fn pick(cx: &Ctx, name: &str) -> Result<String> {
    let cp = cx.aws.codepipeline();
    // The run CreatePipeline started can take a moment to be listed.
    let until = Instant::now() + cx.timing.deadline(60);
    loop {
        let out = cx
            .call("codepipeline", "ListPipelineExecutions", name, || {
                cp.list_pipeline_executions().pipeline_name(name).max_results(10).send()
            })
            .await?;
        let runs = out.pipeline_execution_summaries();
        let active = runs.iter().find(|e| {
            matches!(
                e.status(),
                Some(PipelineExecutionStatus::InProgress | PipelineExecutionStatus::Stopping)
            )
        });
        if let Some(id) = active.and_then(|e| e.pipeline_execution_id()) {
            return Ok(id.to_owned());
        }
        if let Some(newest) = runs.first()
            && newest.status() == Some(&PipelineExecutionStatus::Succeeded)
            && let Some(id) = newest.pipeline_execution_id()
        {
            return Ok(id.to_owned());
        }
        if runs.is_empty() && Instant::now() < until {
            cx.cancel.sleep(cx.timing.poll).await?;
            continue;
        }
        return start(cx, name).await;
    }
}

async fn start(cx: &Ctx, name: &str) -> Result<String> {
    let cp = cx.aws.codepipeline();
    let started = cx
        .call("codepipeline", "StartPipelineExecution", name, || {
            cp.start_pipeline_execution().name(name).send()
        })
        .await?;
    Ok(started.pipeline_execution_id().unwrap_or_default().to_owned())
}

/// Follows the run until it has succeeded; a failure becomes `Error::FirstRunFailed`.
async fn follow(cx: &Ctx, node: &Node, name: &str, run: &mut RunProgress) -> Result<String> {
    let cp = cx.aws.codepipeline();
    let mut id = pick(cx, name).await?;
    let deadline = cx
        .timing
        .deadline(u64::from(cx.spec.build.timeout_minutes) * 60 + 30 * 60);
    let until = Instant::now() + deadline;
    let mut denied_since: Option<Instant> = None;
    let mut denials = 0;
    let mut shown: Option<String> = None;
    loop {
        let exe = cx
            .call("codepipeline", "GetPipelineExecution", name, || {
                cp.get_pipeline_execution()
                    .pipeline_name(name)
                    .pipeline_execution_id(&id)
                    .send()
            })
            .await?;
        let status = exe
            .pipeline_execution()
            .and_then(|e| e.status())
            .cloned()
            .unwrap_or(PipelineExecutionStatus::InProgress);
        let (message, typical_secs) = look(cx, name, &id, run).await?;
        match status {
            PipelineExecutionStatus::Succeeded => return Ok(id),
            PipelineExecutionStatus::Superseded => {
                // A newer run (a push) replaced this one: follow that one instead.
                id = pick(cx, name).await?;
                continue;
            }
            PipelineExecutionStatus::Failed => {
                let failure = failure(cx, name, &id).await?;
                let fresh_denial = denied_role_is_the_labs(cx, &failure)
                    && denials < MAX_DENIAL_RETRIES
                    && denied_since.get_or_insert_with(Instant::now).elapsed() < cx.timing.retry_deadline;
                if fresh_denial {
                    denials += 1;
                    let note = format!(
                        "{}: AWS refused a permission the lab's role has; IAM may still be propagating the new role, retrying",
                        failure.stage
                    );
                    cx.emit(
                        node,
                        NodeState::Waiting,
                        Some(note),
                        Some(detail(cx, run, typical_secs)),
                    );
                    cx.cancel
                        .sleep(cx.timing.poll.max(std::time::Duration::from_secs(2)))
                        .await?;
                    if failure.stage == SOURCE {
                        // Source is the run: a new run (the console's Release change) reads the
                        // branch again, as CreatePipeline's run would have.
                        id = start(cx, name).await?;
                    } else {
                        retry(cx, name, &id, &failure.stage).await?;
                    }
                    continue;
                }
                run.failure = Some(failure.clone());
                return Err(Error::FirstRunFailed(Box::new(failure)));
            }
            PipelineExecutionStatus::Stopped | PipelineExecutionStatus::Cancelled => {
                let failure = RunFailure {
                    stage: String::new(),
                    action: String::new(),
                    message: format!("the run was {}", status.as_str().to_ascii_lowercase()),
                    build_phase: None,
                    log_tail: Vec::new(),
                };
                run.failure = Some(failure.clone());
                return Err(Error::FirstRunFailed(Box::new(failure)));
            }
            _ => {}
        }
        if shown.as_deref() != Some(message.as_str()) {
            cx.emit(
                node,
                NodeState::Waiting,
                Some(message.clone()),
                Some(detail(cx, run, typical_secs)),
            );
            shown = Some(message);
        }
        if Instant::now() >= until {
            return Err(Error::WaitTimeout {
                what: "the pipeline's first run".into(),
                seconds: deadline.as_secs(),
            });
        }
        cx.cancel.sleep(cx.timing.poll).await?;
    }
}

fn detail(cx: &Ctx, run: &RunProgress, typical_secs: u32) -> ProgressDetail {
    ProgressDetail {
        run: Some(run.clone()),
        ..cx.timing.expect(typical_secs)
    }
}

/// Reads where run `id` is, stage by stage, into `run`; returns the status line and how long
/// the current stage usually takes on AWS.
async fn look(cx: &Ctx, name: &str, id: &str, run: &mut RunProgress) -> Result<(String, u32)> {
    let cp = cx.aws.codepipeline();
    let state = cx
        .call("codepipeline", "GetPipelineState", name, || {
            cp.get_pipeline_state().name(name).send()
        })
        .await?;
    run.execution_id = id.to_owned();
    run.stages.clear();
    let mut line = String::new();
    let mut typical_secs = typical::SOURCE;
    let mut build_id: Option<String> = None;
    for stage in state.stage_states() {
        let stage_name = stage.stage_name().unwrap_or_default().to_owned();
        let mine = stage
            .latest_execution()
            .filter(|e| e.pipeline_execution_id() == id)
            .map(|e| e.status().as_str().to_owned());
        let waiting = stage
            .inbound_executions()
            .iter()
            .chain(stage.inbound_execution())
            .any(|e| e.pipeline_execution_id() == id);
        if waiting && mine.is_none() {
            line = format!("{stage_name}: waiting for the ECS service before deploying");
            typical_secs = typical::LOAD_BALANCER;
        }
        if mine.as_deref() == Some("InProgress") {
            line = format!("{stage_name}: in progress");
            typical_secs = match stage_name.as_str() {
                SOURCE => typical::SOURCE,
                BUILD => typical::BUILD,
                DEPLOY => typical::DEPLOY_ACTION,
                _ => typical::SOURCE,
            };
            if stage_name == BUILD {
                build_id = stage
                    .action_states()
                    .iter()
                    .find_map(|a| a.latest_execution()?.external_execution_id())
                    .map(str::to_owned);
            }
        }
        run.stages.push(StageProgress {
            name: stage_name,
            status: mine,
        });
    }
    run.build_phase = None;
    if let Some(build_id) = build_id {
        let cb = cx.aws.codebuild();
        let builds = cx
            .call("codebuild", "BatchGetBuilds", &build_id, || {
                cb.batch_get_builds().ids(&build_id).send()
            })
            .await?;
        if let Some(phase) = builds.builds().first().and_then(|b| b.current_phase()) {
            run.build_phase = Some(phase.to_owned());
            line = format!("{BUILD}: in progress (phase {phase})");
        }
    }
    if line.is_empty() {
        line = "starting".into();
    }
    Ok((line, typical_secs))
}

/// What failed in run `id`: the failed action's stage and AWS's message, and for a build the
/// failed phase and the last lines of its log.
async fn failure(cx: &Ctx, name: &str, id: &str) -> Result<RunFailure> {
    let cp = cx.aws.codepipeline();
    let filter = ActionExecutionFilter::builder().pipeline_execution_id(id).build();
    let out = cx
        .call("codepipeline", "ListActionExecutions", name, || {
            cp.list_action_executions()
                .pipeline_name(name)
                .filter(filter.clone())
                .send()
        })
        .await?;
    let Some(failed) = out
        .action_execution_details()
        .iter()
        .find(|a| a.status() == Some(&ActionExecutionStatus::Failed))
    else {
        return Ok(RunFailure {
            message: "the run failed, and AWS lists no failed action".into(),
            ..Default::default()
        });
    };
    let result = failed.output().and_then(|o| o.execution_result());
    let mut f = RunFailure {
        stage: failed.stage_name().unwrap_or_default().to_owned(),
        action: failed.action_name().unwrap_or_default().to_owned(),
        message: result
            .and_then(|r| r.error_details())
            .and_then(|d| d.message())
            .or(result.and_then(|r| r.external_execution_summary()))
            .unwrap_or("no message")
            .to_owned(),
        build_phase: None,
        log_tail: Vec::new(),
    };
    let is_build = failed
        .input()
        .and_then(|i| i.action_type_id())
        .is_some_and(|t| t.provider() == "CodeBuild");
    if let (true, Some(build_id)) = (is_build, result.and_then(|r| r.external_execution_id())) {
        build_failure(cx, build_id, &mut f).await?;
    }
    Ok(f)
}

async fn build_failure(cx: &Ctx, build_id: &str, f: &mut RunFailure) -> Result<()> {
    let cb = cx.aws.codebuild();
    let out = cx
        .call("codebuild", "BatchGetBuilds", build_id, || {
            cb.batch_get_builds().ids(build_id).send()
        })
        .await?;
    let Some(build) = out.builds().first() else {
        return Ok(());
    };
    if let Some(phase) = build.phases().iter().find(|p| {
        p.phase_status()
            .is_some_and(|s| !matches!(s.as_str(), "SUCCEEDED" | "IN_PROGRESS"))
    }) {
        f.build_phase = phase.phase_type().map(|t| t.as_str().to_owned());
        if let Some(context) = phase
            .contexts()
            .iter()
            .find_map(|c| c.message())
            .filter(|m| !m.is_empty())
        {
            f.message = format!("{} ({context})", f.message);
        }
    }
    let (Some(group), Some(stream)) = (
        build.logs().and_then(|l| l.group_name()),
        build.logs().and_then(|l| l.stream_name()),
    ) else {
        return Ok(());
    };
    let logs = cx.aws.logs();
    match cx
        .call("logs", "GetLogEvents", stream, || {
            logs.get_log_events()
                .log_group_name(group)
                .log_stream_name(stream)
                .start_from_head(false)
                .limit(LOG_LINES)
                .send()
        })
        .await
    {
        Ok(out) => {
            f.log_tail = out
                .events()
                .iter()
                .filter_map(|e| e.message())
                .map(|m| m.trim_end().to_owned())
                .collect();
        }
        // No log (the build never started, or its role may not write logs): the message says why.
        Err(e) if is_code(&e, &["ResourceNotFoundException"]) => {}
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Whether AWS refused one of the roles this lab creates (so IAM may still be propagating
/// it): AWS names the role in its refusal, `... assumed-role/ROLE/SESSION is not authorized
/// to perform ...`. The Source action's refusal names only the connection; it is the
/// pipeline role's. A role the student brings is never retried: its refusal is real.
fn denied_role_is_the_labs(cx: &Ctx, failure: &RunFailure) -> bool {
    let n = &cx.plan.names;
    if failure.stage == SOURCE && failure.message.contains(SOURCE_ROLE_REFUSED) {
        return n.pipeline_role.is_some();
    }
    let ours: Vec<&str> = [&n.pipeline_role, &n.build_role, &n.task_execution_role]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    denied_role(&failure.message).is_some_and(|role| ours.contains(&role))
}

/// The role an AWS refusal names, when the message is one.
fn denied_role(message: &str) -> Option<&str> {
    let lower = message.to_ascii_lowercase();
    if !["not authorized to perform", "accessdenied", "access denied"]
        .iter()
        .any(|p| lower.contains(p))
    {
        return None;
    }
    let rest = &message[message.find("assumed-role/")? + "assumed-role/".len()..];
    rest.split('/').next().filter(|r| !r.is_empty())
}

async fn retry(cx: &Ctx, name: &str, id: &str, stage: &str) -> Result<()> {
    let cp = cx.aws.codepipeline();
    cx.call("codepipeline", "RetryStageExecution", name, || {
        cp.retry_stage_execution()
            .pipeline_name(name)
            .stage_name(stage)
            .pipeline_execution_id(id)
            .retry_mode(StageRetryMode::FailedActions)
            .send()
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::denied_role;

    #[test]
    fn reads_the_refused_role_from_awss_message() {
        assert_eq!(
            denied_role(
                "User: arn:aws:sts::123456789012:assumed-role/ktb-pipeline-role/1700000 is not authorized to perform: ecs:TagResource on resource: x"
            ),
            Some("ktb-pipeline-role")
        );
        assert_eq!(
            denied_role("Build terminated with state: FAILED. Phase: BUILD, Code: COMMAND_EXECUTION_ERROR"),
            None
        );
        assert_eq!(denied_role("Access denied, but no role named"), None);
    }
}
