//! What the Watch screen shows: one pipeline, its recent executions, and the stages of one
//! selected execution down to build phases, log lines, the ECS rollout and the app's health.
//!
//! Every field is always present (`null` when unknown), so a change can always `replace` it.
//! Times are epoch milliseconds (`number`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::ErrorPayload;

/// The whole picture at one moment. The consumer receives it once, then [`super::Change`]s.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PipelineSnapshot {
    pub pipeline: String,
    pub region: String,
    /// Newest first, as AWS lists them (the most recent 20).
    pub executions: Vec<ExecutionSummary>,
    /// The execution `stages` describe: the one asked for, else the oldest still running
    /// (so QUEUED runs are followed one after the other), else the newest.
    pub selected_execution_id: Option<String>,
    pub stages: Vec<StageView>,
    pub health: HealthView,
    /// Whether the watcher polls fast (a run is in progress), slowly (idle) or backs off.
    pub polling: Polling,
    /// The last poll's failure (network, throttling, permissions); `null` once a poll works.
    pub problem: Option<ErrorPayload>,
}

/// CodePipeline's execution, stage and action statuses, as AWS spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum RunStatus {
    InProgress,
    Stopping,
    Stopped,
    Succeeded,
    Superseded,
    Failed,
    Cancelled,
    Abandoned,
    /// A status this version of Pipewright does not know.
    Unknown,
}

impl RunStatus {
    pub fn from_aws(s: &str) -> RunStatus {
        match s {
            "InProgress" => RunStatus::InProgress,
            "Stopping" => RunStatus::Stopping,
            "Stopped" => RunStatus::Stopped,
            "Succeeded" => RunStatus::Succeeded,
            "Superseded" => RunStatus::Superseded,
            "Failed" => RunStatus::Failed,
            "Cancelled" => RunStatus::Cancelled,
            "Abandoned" => RunStatus::Abandoned,
            _ => RunStatus::Unknown,
        }
    }

    /// Still moving: the watcher polls fast while any execution is.
    pub fn is_active(self) -> bool {
        matches!(self, RunStatus::InProgress | RunStatus::Stopping)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionSummary {
    pub id: String,
    pub status: RunStatus,
    pub status_summary: Option<String>,
    pub started_at: Option<f64>,
    pub updated_at: Option<f64>,
    /// Set once the execution is over (its last update).
    pub ended_at: Option<f64>,
    pub source_revision: Option<SourceRevision>,
    pub trigger: Option<ExecutionTrigger>,
    /// Why it was stopped, if it was (the reason given to StopPipelineExecution).
    pub stop_reason: Option<String>,
}

/// The commit an execution builds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SourceRevision {
    pub commit_id: String,
    /// The commit message (from the revision summary, which GitHub sources send as JSON).
    pub message: Option<String>,
    /// Known once the execution's Source action has been looked at.
    pub branch: Option<String>,
    pub url: Option<String>,
}

/// What started an execution: `type` is AWS's trigger type (`WebhookV2` for a git push,
/// `StartPipelineExecution`, `CreatePipeline`, `CloudWatchEvent`...), `detail` its detail
/// (a connection ARN, a user ARN...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionTrigger {
    #[serde(rename = "type")]
    pub kind: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StageView {
    pub name: String,
    /// The stage's status in the selected execution; `null`: not reached (yet).
    pub status: Option<RunStatus>,
    /// The selected execution finished the previous stage and waits to enter this one
    /// (another execution holds it: QUEUED / SUPERSEDED modes).
    pub waiting: bool,
    pub actions: Vec<ActionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ActionView {
    pub name: String,
    pub run_order: i32,
    /// AWS's provider name: `CodeStarSourceConnection`, `CodeBuild`, `ECS`...
    pub provider: Option<String>,
    /// The latest attempt's status in the selected execution; `null`: not started.
    pub status: Option<RunStatus>,
    pub started_at: Option<f64>,
    pub updated_at: Option<f64>,
    pub summary: Option<String>,
    pub error_details: Option<ActionError>,
    /// The build id, deployment id or commit id behind the action.
    pub external_id: Option<String>,
    /// The page for this run (the build, the commit, the service).
    pub external_url: Option<String>,
    /// The console page of what the action runs (the project, the service, the branch).
    pub console_url: Option<String>,
    pub build: Option<BuildView>,
    pub rollout: Option<RolloutView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ActionError {
    pub code: Option<String>,
    pub message: Option<String>,
}

/// The CodeBuild build behind a Build action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BuildView {
    pub id: String,
    /// `IN_PROGRESS`, `SUCCEEDED`, `FAILED`, `FAULT`, `STOPPED`, `TIMED_OUT`.
    pub status: Option<String>,
    pub current_phase: Option<String>,
    pub phases: Vec<BuildPhaseView>,
    /// The build's log lines read so far, oldest first (the last 1000; see `Change`).
    pub log_tail: Vec<LogLine>,
    pub logs_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BuildPhaseView {
    /// `SUBMITTED`, `QUEUED`, `PROVISIONING`, `DOWNLOAD_SOURCE`, `INSTALL`, `PRE_BUILD`,
    /// `BUILD`, `POST_BUILD`, `UPLOAD_ARTIFACTS`, `FINALIZING`, `COMPLETED`.
    pub name: String,
    /// `null` while the phase runs; then `SUCCEEDED`, `FAILED`...
    pub status: Option<String>,
    pub started_at: Option<f64>,
    pub ended_at: Option<f64>,
    /// How long the phase took as the student saw it (end minus start).
    pub duration_seconds: Option<i32>,
    /// In practice mode, how long the phase takes on AWS (the sandbox runs faster); `null` on
    /// AWS, where it is `duration_seconds`.
    pub aws_seconds: Option<i32>,
    /// Why a phase failed (`COMMAND_EXECUTION_ERROR: Error while executing command...`).
    pub contexts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LogLine {
    /// Epoch milliseconds.
    pub at: f64,
    pub text: String,
}

/// The ECS service a Deploy action rolls out to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RolloutView {
    pub cluster: String,
    pub service: String,
    /// PRIMARY (the new one) first, then ACTIVE (draining) ones.
    pub deployments: Vec<DeploymentView>,
    /// The service's most recent events, newest first (at most 5).
    pub events: Vec<ServiceEvent>,
    /// Tasks that stopped recently and why (a failed rollout's best clue).
    pub stopped_tasks: Vec<StoppedTask>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentView {
    pub id: String,
    pub status: Option<String>,
    pub task_definition: Option<String>,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub failed: i32,
    /// `IN_PROGRESS`, `COMPLETED` or `FAILED`.
    pub rollout_state: Option<String>,
    pub rollout_reason: Option<String>,
    pub updated_at: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ServiceEvent {
    pub id: String,
    pub at: Option<f64>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StoppedTask {
    pub task_arn: String,
    pub stopped_reason: Option<String>,
    pub stopped_at: Option<f64>,
}

/// The app's address and whether it answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HealthView {
    /// `http://<load balancer DNS name>/`, once known.
    pub url: Option<String>,
    pub state: HealthState,
    pub http_status: Option<u16>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    /// Not checked: the selected execution has not deployed (yet).
    #[default]
    Waiting,
    /// Checking is off (practice mode has no real load balancer to ask).
    Disabled,
    /// Answered with 2xx or 3xx.
    Healthy,
    /// Answered with another status.
    Unhealthy,
    /// No answer in time (DNS, connection or timeout).
    Unreachable,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Polling {
    Fast,
    #[default]
    Slow,
    /// AWS throttled the last poll: waiting longer each time.
    Backoff,
}
