//! Watch: follows one pipeline and tells a consumer what it sees, as the Watch screen and
//! `pipewright watch` show it.
//!
//! - The consumer (a sink: a closure returning `false` once nobody listens) receives one
//!   [`WatchEvent::Snapshot`] with the whole [`PipelineSnapshot`], then
//!   [`WatchEvent::Changes`] only when something changed: JSON Patch `replace`/`add`
//!   operations on the snapshot's JSON (see [`change`]), and a [`WatchEvent::Heartbeat`]
//!   after a quiet spell (so a consumer that went away is noticed while idle).
//! - What each poll asks AWS: see [`follow`]. Polls are fast while any execution runs
//!   ([`WatchTiming::fast`]), slow when idle, and back off exponentially while AWS throttles.
//!   A poll's other failures (network, permissions) show in `problem` and polling goes on;
//!   credentials that stopped working end the watch with the error.
//! - It ends when the sink returns `false` or on cancel; either is a normal end (`Ok`).
//! - [`WatchOptions::wake`] makes the watcher poll at once (after the app starts a run).
//!
//! Actions on the pipeline (start, stop, retry): [`control`].

pub mod change;
pub mod control;
mod follow;
pub mod health;
pub mod snapshot;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use ts_rs::TS;

use crate::aws::AwsContext;
use crate::error::{Error, ErrorCode, Result, retryable};
use crate::progress::Cancel;
use crate::spec::LabSpec;

pub use change::{Change, ChangeOp, apply_changes, diff};
pub use control::{RetryOutcome, retry, run, stop};
pub use health::HealthProbe;
pub use snapshot::*;

/// What a watch sends its consumer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum WatchEvent {
    /// The whole picture; always the first event.
    Snapshot { snapshot: Box<PipelineSnapshot> },
    /// Apply these, in order, to the snapshot (see [`change`]).
    Changes { changes: Vec<Change> },
    /// Nothing changed for a while; the watch is alive.
    Heartbeat,
}

/// Which pipeline, and the lab's resources its actions deploy to.
#[derive(Debug, Clone)]
pub struct WatchTarget {
    pub pipeline: String,
    /// Fallbacks for a Deploy action whose configuration does not name them.
    pub cluster: Option<String>,
    pub service: Option<String>,
    /// The load balancer whose DNS name is the app's URL.
    pub load_balancer: Option<String>,
    /// The port its listener serves the app on.
    pub listener_port: u32,
}

impl WatchTarget {
    pub fn for_spec(spec: &LabSpec) -> WatchTarget {
        let n = spec.names();
        WatchTarget {
            pipeline: n.pipeline,
            cluster: Some(n.cluster),
            service: Some(n.service),
            load_balancer: Some(n.load_balancer),
            listener_port: spec.deploy.load_balancer.listener_port,
        }
    }
}

/// Poll intervals, at AWS's pace 1 s while a run is in progress and 15 s idle, faster at the
/// sandbox's pace (never under 100 ms and 500 ms: each poll costs calls).
#[derive(Debug, Clone)]
pub struct WatchTiming {
    pub fast: Duration,
    pub slow: Duration,
    pub max_backoff: Duration,
    pub health_every: Duration,
    pub heartbeat: Duration,
}

impl WatchTiming {
    pub fn for_pace(time_scale: f64) -> WatchTiming {
        let scale = if time_scale.is_finite() && time_scale > 0.0 {
            time_scale
        } else {
            1.0
        };
        let at = |aws_secs: f64, least: f64| Duration::from_secs_f64((aws_secs * scale).clamp(least, aws_secs));
        WatchTiming {
            fast: at(1.0, 0.1),
            slow: at(15.0, 0.5),
            max_backoff: at(60.0, 3.0),
            health_every: at(15.0, 0.5),
            heartbeat: at(30.0, 1.0),
        }
    }

    pub fn for_aws() -> WatchTiming {
        WatchTiming::for_pace(1.0)
    }

    /// The fastest polling: what the tests and benchmarks use against a time-scaled sandbox.
    pub fn for_sandbox() -> WatchTiming {
        WatchTiming::for_pace(0.0001)
    }

    pub fn for_context(aws: &AwsContext) -> WatchTiming {
        WatchTiming::for_pace(aws.time_scale())
    }
}

/// How a watch runs.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub timing: WatchTiming,
    pub probe: HealthProbe,
    /// Follow this execution instead of choosing one (see `selectedExecutionId`).
    pub execution: Option<String>,
    /// Notified: poll now.
    pub wake: Arc<Notify>,
}

impl WatchOptions {
    pub fn for_context(aws: &AwsContext) -> WatchOptions {
        WatchOptions {
            timing: WatchTiming::for_context(aws),
            probe: HealthProbe::for_context(aws),
            execution: None,
            wake: Arc::new(Notify::new()),
        }
    }
}

/// What a finished watch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchStats {
    pub polls: u64,
    pub calls: u64,
}

/// Follows `target` until the sink returns `false` or `cancel` trips.
pub async fn watch(
    aws: &AwsContext,
    target: WatchTarget,
    options: WatchOptions,
    cancel: Cancel,
    mut sink: impl FnMut(WatchEvent) -> bool + Send,
) -> Result<WatchStats> {
    let timing = options.timing.clone();
    let mut follower = follow::Follower::new(aws.clone(), target, options.probe, timing.clone(), options.execution);
    let mut sent: Option<PipelineSnapshot> = None;
    let mut backoff: Option<Duration> = None;
    let mut last_event = Instant::now();
    let mut polls = 0u64;
    loop {
        if cancel.is_cancelled() {
            break;
        }
        polls += 1;
        let problem = match follower.poll().await {
            Ok(()) => {
                backoff = None;
                None
            }
            Err(e) if fatal(&e) => return Err(e),
            Err(e) => {
                if retryable(&e) {
                    let next = backoff.map_or(timing.fast * 2, |b| b * 2);
                    backoff = Some(next.min(timing.max_backoff));
                }
                Some(e.payload())
            }
        };
        let polling = match (backoff, follower.active()) {
            (Some(_), _) => Polling::Backoff,
            (None, true) => Polling::Fast,
            (None, false) => Polling::Slow,
        };
        let mut snapshot = follower.snapshot(polling);
        snapshot.problem = problem;
        let event = match &sent {
            None => Some(WatchEvent::Snapshot {
                snapshot: Box::new(snapshot.clone()),
            }),
            Some(old) => {
                let changes = diff(old, &snapshot);
                if !changes.is_empty() {
                    Some(WatchEvent::Changes { changes })
                } else if last_event.elapsed() >= timing.heartbeat {
                    Some(WatchEvent::Heartbeat)
                } else {
                    None
                }
            }
        };
        if let Some(event) = event {
            if !sink(event) {
                break;
            }
            last_event = Instant::now();
        }
        sent = Some(snapshot);
        let wait = backoff.unwrap_or_else(|| follower.interval());
        tokio::select! {
            r = cancel.sleep(wait) => if r.is_err() { break },
            _ = options.wake.notified() => {}
        }
    }
    Ok(WatchStats {
        polls,
        calls: follower.calls,
    })
}

/// Errors no later poll can fix: the credentials themselves.
fn fatal(e: &Error) -> bool {
    matches!(
        e.code(),
        ErrorCode::NoCredentials | ErrorCode::InvalidKeyId | ErrorCode::SignatureMismatch | ErrorCode::ExpiredToken
    )
}

/// One look at `target`, as a watch's first snapshot would show it, with the newest run
/// selected: what the doctor reads (a second poll picks up log lines the first read from a
/// build that completed meanwhile).
pub async fn look(aws: &AwsContext, target: WatchTarget) -> Result<PipelineSnapshot> {
    let mut follower = follow::Follower::new(
        aws.clone(),
        target,
        HealthProbe::Off,
        WatchTiming::for_context(aws),
        None,
    );
    follower.poll().await?;
    follower.poll().await?;
    Ok(follower.snapshot(Polling::Slow))
}
