//! How long things take, and how long Pipewright waits for them: AWS's typical durations and
//! the deadlines and poll intervals derived from the endpoint's pace.

use std::time::Duration;

use crate::aws::AwsContext;
use crate::progress::ProgressDetail;

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
    /// How long a security group may answer DependencyViolation (network interfaces of deleted
    /// tasks and load balancers drain in minutes on AWS) before Teardown gives up on it and
    /// says what holds it. The sandbox releases them at once.
    pub eni_deadline: Duration,
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
            eni_deadline: ENI_DEADLINE_AWS,
        }
    }

    pub fn for_aws() -> Timing {
        Timing::for_pace(1.0)
    }

    /// The endpoint's own pace (see `AwsContext::time_scale`).
    pub fn for_context(aws: &AwsContext) -> Timing {
        let mut timing = Timing::for_pace(aws.time_scale());
        if aws.endpoint_url().is_some() {
            timing.eni_deadline = ENI_DEADLINE_SANDBOX;
        }
        timing
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

const ENI_DEADLINE_AWS: Duration = Duration::from_secs(20 * 60);
const ENI_DEADLINE_SANDBOX: Duration = Duration::from_secs(60);

fn scaled(scale: f64, aws_secs: u64) -> Duration {
    Duration::from_secs_f64(aws_secs as f64 * scale).max(Timing::FLOOR)
}
