//! What the student can do to a pipeline from the Watch screen or the CLI: start a run, stop
//! one, retry the failed actions of a failed stage.

use aws_sdk_codepipeline::types::{PipelineExecutionStatus, StageExecutionStatus, StageRetryMode};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::aws::AwsContext;
use crate::error::{Error, Result, classify};

/// The stage a retry started again, and in which execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RetryOutcome {
    pub execution_id: String,
    pub stage: String,
}

/// StartPipelineExecution; returns the new execution's id.
pub async fn run(aws: &AwsContext, pipeline: &str) -> Result<String> {
    let out = aws
        .codepipeline()
        .start_pipeline_execution()
        .name(pipeline)
        .send()
        .await
        .map_err(|e| classify("StartPipelineExecution", e))?;
    Ok(out.pipeline_execution_id().unwrap_or_default().to_owned())
}

/// StopPipelineExecution of `execution`, or of the newest one in progress. `abandon` stops
/// at once without letting running actions finish. Returns the stopped execution's id.
pub async fn stop(aws: &AwsContext, pipeline: &str, execution: Option<&str>, abandon: bool) -> Result<String> {
    let id = match execution {
        Some(id) => id.to_owned(),
        None => newest_in_progress(aws, pipeline).await?.ok_or_else(|| Error::Invalid {
            field: "execution".into(),
            message: format!("no execution of {pipeline} is in progress"),
        })?,
    };
    aws.codepipeline()
        .stop_pipeline_execution()
        .pipeline_name(pipeline)
        .pipeline_execution_id(&id)
        .abandon(abandon)
        .reason("stopped from Pipewright")
        .send()
        .await
        .map_err(|e| classify("StopPipelineExecution", e))?;
    Ok(id)
}

/// RetryStageExecution (FAILED_ACTIONS) of the latest failed stage: the stage whose latest
/// execution failed (of `execution` only, when given).
pub async fn retry(aws: &AwsContext, pipeline: &str, execution: Option<&str>) -> Result<RetryOutcome> {
    let cp = aws.codepipeline();
    let state = cp
        .get_pipeline_state()
        .name(pipeline)
        .send()
        .await
        .map_err(|e| classify("GetPipelineState", e))?;
    let failed = state.stage_states().iter().find_map(|s| {
        let latest = s.latest_execution()?;
        let id = latest.pipeline_execution_id();
        let wanted = execution.is_none_or(|e| e == id);
        (latest.status() == &StageExecutionStatus::Failed && wanted)
            .then(|| (s.stage_name().unwrap_or_default().to_owned(), id.to_owned()))
    });
    let Some((stage, execution_id)) = failed else {
        return Err(Error::Invalid {
            field: "execution".into(),
            message: format!("no stage of {pipeline} has failed in its latest run: nothing to retry"),
        });
    };
    cp.retry_stage_execution()
        .pipeline_name(pipeline)
        .pipeline_execution_id(&execution_id)
        .stage_name(&stage)
        .retry_mode(StageRetryMode::FailedActions)
        .send()
        .await
        .map_err(|e| classify("RetryStageExecution", e))?;
    Ok(RetryOutcome { execution_id, stage })
}

async fn newest_in_progress(aws: &AwsContext, pipeline: &str) -> Result<Option<String>> {
    let out = aws
        .codepipeline()
        .list_pipeline_executions()
        .pipeline_name(pipeline)
        .max_results(20)
        .send()
        .await
        .map_err(|e| classify("ListPipelineExecutions", e))?;
    Ok(out
        .pipeline_execution_summaries()
        .iter()
        .find(|s| s.status() == Some(&PipelineExecutionStatus::InProgress))
        .and_then(|s| s.pipeline_execution_id())
        .map(str::to_owned))
}
