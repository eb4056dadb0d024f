//! The lab's two expiry schedules (EventBridge Scheduler, one-time `at(...)`, deleted after
//! they run), whose universal targets stop the billing even with Pipewright closed: one
//! scales the ECS service to zero, the other deletes the load balancer. They run as the lab's
//! scheduler role (`iam_role`, `policies::scheduler`) and live in the lab's group
//! (`schedule_group`), whose tag makes them ours: schedules cannot be tagged.
//!
//! The expiry is on AWS's clock (`AwsContext::aws_now`: the sandbox's `awsTime` in practice
//! mode), in UTC. Both schedules fire at the same moment; the first fixes it.

use aws_sdk_scheduler::types::{ActionAfterCompletion, FlexibleTimeWindow, FlexibleTimeWindowMode, ScheduleState};
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde_json::json;

use crate::error::{Error, Result, is_code};
use crate::plan::{ExpiryAction, Kind, Resource, RoleFor};
use crate::spec::ResourceNames;

use super::{Arn, Ctx, Found, Tagged, iam_role, schedule_group};

pub const GONE: &[&str] = &["ResourceNotFoundException"];

pub const ALREADY_EXISTS: &[&str] = &["ConflictException"];

/// The time zone every expiry schedule is written in.
pub const ZONE: &str = "UTC";

/// The settings CreateSchedule and UpdateSchedule share (UpdateSchedule replaces them all):
/// one time, in UTC, no flexible window, deleted after it runs.
macro_rules! one_time {
    ($request:expr, $group:expr, $name:expr, $description:expr, $expression:expr, $target:expr) => {
        $request
            .group_name($group)
            .name($name)
            .description($description)
            .schedule_expression($expression)
            .schedule_expression_timezone(ZONE)
            .flexible_time_window(
                FlexibleTimeWindow::builder()
                    .mode(FlexibleTimeWindowMode::Off)
                    .build()?,
            )
            .target($target)
            .action_after_completion(ActionAfterCompletion::Delete)
            .state(ScheduleState::Enabled)
    };
}

/// `schedule/<group>/<name>`; the name people use is `<group>/<name>`, as the plan's.
pub fn from_arn(arn: &Arn) -> Option<Tagged> {
    match (arn.service, arn.path.as_slice()) {
        ("scheduler", ["schedule", group, name]) => {
            Some(arn.tagged(Kind::Schedule, &format!("{group}/{name}"), &format!("{group}/{name}")))
        }
        _ => None,
    }
}

/// A node name (`<group>/<schedule>`) split.
pub fn split(name: &str) -> (&str, &str) {
    name.split_once('/').unwrap_or(("default", name))
}

/// The universal target of each action (the SDK service id, camelCase operation).
pub fn target_arn(which: ExpiryAction) -> &'static str {
    match which {
        ExpiryAction::StopService => "arn:aws:scheduler:::aws-sdk:ecs:updateService",
        ExpiryAction::DeleteLoadBalancer => "arn:aws:scheduler:::aws-sdk:elasticloadbalancingv2:deleteLoadBalancer",
    }
}

/// `at(yyyy-mm-ddThh:mm:ss)` for epoch seconds (UTC, whole seconds).
pub fn at_expression(epoch_secs: i64) -> String {
    let text = DateTime::from_secs(epoch_secs)
        .fmt(Format::DateTime)
        .unwrap_or_default();
    format!("at({})", text.trim_end_matches('Z'))
}

/// The epoch seconds of an `at(...)` expression in UTC; None for anything else.
pub fn parse_at(expression: &str) -> Option<i64> {
    let inner = expression.strip_prefix("at(")?.strip_suffix(')')?;
    DateTime::from_str(&format!("{inner}Z"), Format::DateTime)
        .ok()
        .map(|d| d.secs())
}

/// The request the target sends, in the SDK's PascalCase shape.
fn input(cx: &Ctx, which: ExpiryAction) -> Result<String> {
    let lb = match which {
        ExpiryAction::StopService => String::new(),
        ExpiryAction::DeleteLoadBalancer => cx.output(Resource::LoadBalancer)?,
    };
    Ok(target_input(&cx.plan.names, which, &lb).to_string())
}

/// The target's request for `which` (`load_balancer_arn` is used by DeleteLoadBalancer only).
pub fn target_input(n: &ResourceNames, which: ExpiryAction, load_balancer_arn: &str) -> serde_json::Value {
    match which {
        ExpiryAction::StopService => json!({"Cluster": n.cluster, "Service": n.service, "DesiredCount": 0}),
        ExpiryAction::DeleteLoadBalancer => json!({"LoadBalancerArn": load_balancer_arn}),
    }
}

pub fn description(lab: &str) -> String {
    format!("Pipewright lab {lab}: stops its billing at its expiry")
}

/// One schedule as AWS has it.
pub struct Existing {
    pub arn: String,
    /// Epoch seconds on AWS's clock; None if it is not a one-time schedule (not ours).
    pub at: Option<i64>,
    pub output: aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput,
}

/// GetSchedule; None when it is gone (it ran, or was deleted).
pub async fn get(cx: &Ctx, node_name: &str) -> Result<Option<Existing>> {
    let (group, name) = split(node_name);
    let s = cx.aws.scheduler();
    match cx
        .call("scheduler", "GetSchedule", node_name, || {
            s.get_schedule().group_name(group).name(name).send()
        })
        .await
    {
        Ok(out) => Ok(Some(Existing {
            arn: out.arn().unwrap_or_default().to_owned(),
            at: out.schedule_expression().and_then(parse_at),
            output: out,
        })),
        Err(e) if is_code(&e, GONE) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn describe(cx: &Ctx, node_name: &str) -> Result<Found> {
    let Some(found) = get(cx, node_name).await? else {
        return Ok(Found::Missing);
    };
    // Schedules carry no tags: the group they are in does.
    let (group, _) = split(node_name);
    let group_arn = cx.arn("scheduler", &format!("schedule-group/{group}"));
    let tags = schedule_group::tags_of(cx, &group_arn).await?;
    let ours = cx.is_ours(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if ours && let Some(at) = found.at {
        cx.with_outputs(|o| o.expires_at = o.expires_at.or(Some(at)));
    }
    Ok(Found::Present { id: found.arn, ours })
}

/// When the lab expires: what an earlier schedule of this run fixed, or now (AWS's clock)
/// plus the spec's hours.
async fn expires_at(cx: &Ctx) -> i64 {
    if let Some(at) = cx.with_outputs(|o| o.expires_at) {
        return at;
    }
    let now = cx.aws.aws_now().await;
    let at = (now + f64::from(cx.spec.expiry.hours) * 3600.0).ceil() as i64;
    cx.with_outputs(|o| *o.expires_at.get_or_insert(at))
}

pub async fn create(cx: &Ctx, which: ExpiryAction, node_name: &str) -> Result<String> {
    let at = expires_at(cx).await;
    put(cx, which, node_name, at).await
}

/// CreateSchedule: at `at`, the target and input for `which`, as the scheduler role.
pub async fn put(cx: &Ctx, which: ExpiryAction, node_name: &str, at: i64) -> Result<String> {
    let (group, name) = split(node_name);
    let target = aws_sdk_scheduler::types::Target::builder()
        .arn(target_arn(which))
        .role_arn(iam_role::arn_for(cx, RoleFor::Scheduler)?)
        .input(input(cx, which)?)
        .build()?;
    let expression = at_expression(at);
    let description = description(cx.lab());
    let s = cx.aws.scheduler();
    let request = one_time!(s.create_schedule(), group, name, &description, &expression, target);
    let out = cx
        .call("scheduler", "CreateSchedule", node_name, || request.clone().send())
        .await?;
    cx.with_outputs(|o| o.expires_at = Some(at));
    schedule_group::mark_expiry(cx, group, at).await?;
    Ok(out.schedule_arn().to_owned())
}

/// Moves an existing schedule to `at`, keeping its target (UpdateSchedule replaces every
/// setting, so all are sent again).
pub async fn postpone(cx: &Ctx, node_name: &str, existing: &Existing, at: i64) -> Result<()> {
    let (group, name) = split(node_name);
    let Some(target) = existing.output.target().cloned() else {
        return Err(Error::Internal(format!("the schedule {node_name} has no target")));
    };
    let expression = at_expression(at);
    let description = existing.output.description().unwrap_or_default().to_owned();
    let s = cx.aws.scheduler();
    let request = one_time!(s.update_schedule(), group, name, &description, &expression, target);
    cx.call("scheduler", "UpdateSchedule", node_name, || request.clone().send())
        .await?;
    schedule_group::mark_expiry(cx, group, at).await
}

/// Deletes one schedule; one that already ran (and so deleted itself) is fine.
pub async fn delete(cx: &Ctx, node_name: &str) -> Result<()> {
    let (group, name) = split(node_name);
    let s = cx.aws.scheduler();
    match cx
        .call("scheduler", "DeleteSchedule", node_name, || {
            s.delete_schedule().group_name(group).name(name).send()
        })
        .await
    {
        Err(e) if !is_code(&e, GONE) => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_expressions_round_trip_in_utc() {
        let t = 1_796_027_778;
        let e = at_expression(t);
        assert_eq!(e, "at(2026-11-30T08:36:18)");
        assert_eq!(parse_at(&e), Some(t));
        assert_eq!(parse_at("rate(5 minutes)"), None);
    }

    #[test]
    fn schedule_arns_name_group_and_schedule() {
        let arn = "arn:aws:scheduler:ap-northeast-2:123456789012:schedule/ktb-expiry/stop-service";
        let t = super::super::identify(arn).unwrap();
        assert_eq!((t.kind, t.name.as_str()), (Kind::Schedule, "ktb-expiry/stop-service"));
        let g = super::super::identify("arn:aws:scheduler:r:0:schedule-group/ktb-expiry").unwrap();
        assert_eq!((g.kind, g.name.as_str()), (Kind::ScheduleGroup, "ktb-expiry"));
    }
}
