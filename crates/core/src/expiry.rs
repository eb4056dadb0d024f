//! A lab's expiry as the app and `pipewright status` show it (a countdown), and extending it
//! (`pipewright extend`, the app's Extend). The schedules themselves are resources of the
//! lab (`resources::schedule`); this module only reads and moves them.
//!
//! Times are on AWS's clock (`AwsContext::aws_now`). In practice mode that clock runs faster
//! than the wall clock, so the countdown is given both ways: `aws_seconds_left` (what the
//! lab would have on AWS) and `seconds_left` (wall time until the sandbox stops it).

use std::sync::Arc;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::aws::AwsContext;
use crate::error::{Error, Result};
use crate::ledger::{Ledger, ResourceState};
use crate::plan::{ExpiryAction, Facts, Kind};
use crate::resources::{Ctx, Timing, schedule};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryState {
    /// The schedules are waiting for their time.
    Scheduled,
    /// They ran: the service is at zero and the load balancer deleted (or they were removed).
    Expired,
    /// The lab has no schedules yet (not created that far, or made before expiries existed).
    NotScheduled,
}

/// A lab's expiry, read from its schedules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExpiryView {
    pub lab: String,
    pub state: ExpiryState,
    /// The spec's expiry, in hours after creation.
    pub hours: u32,
    /// When AWS stops the lab's billing, ISO 8601 in UTC on AWS's clock.
    pub expires_at: Option<String>,
    /// Seconds left on AWS's clock (negative once past).
    pub aws_seconds_left: Option<f64>,
    /// Seconds left on the wall clock: `aws_seconds_left` times the endpoint's time scale.
    pub seconds_left: Option<f64>,
    /// 1.0 on AWS; practice mode's scale (0.1: ten times faster).
    pub time_scale: f64,
}

fn iso(epoch: i64) -> String {
    DateTime::from_secs(epoch).fmt(Format::DateTime).unwrap_or_default()
}

/// A context for reading and moving the lab's schedules (no discovery needed: names and the
/// account the ledger recorded).
fn context(aws: &AwsContext, ledger: Arc<Ledger>, lab: &str) -> Result<Ctx> {
    let spec = ledger.spec_of(lab)?;
    crate::apply::check_region(aws, &ledger.region_of(lab)?)?;
    let mut facts = Facts::placeholder(aws.region());
    if let Some(account) = ledger.lab_account(lab)? {
        facts.account_id = account;
    }
    Ok(Ctx::new(aws, ledger, &spec, facts, 2, &Timing::for_context(aws)))
}

fn node_name(cx: &Ctx, which: ExpiryAction) -> String {
    cx.plan.names.schedule(which.schedule_name())
}

/// Whether the ledger says the lab's schedules were created (so missing means they ran).
fn recorded(cx: &Ctx) -> Result<bool> {
    Ok(cx.ledger.resources(cx.lab())?.iter().any(|r| {
        r.kind == Kind::Schedule.as_str() && matches!(r.state, ResourceState::Created | ResourceState::Adopted)
    }))
}

/// The lab's expiry as its schedules say now.
pub async fn read(aws: &AwsContext, ledger: Arc<Ledger>, lab: &str) -> Result<ExpiryView> {
    let cx = context(aws, ledger, lab)?;
    let mut view = ExpiryView {
        lab: lab.to_owned(),
        state: ExpiryState::NotScheduled,
        hours: cx.spec.expiry.hours,
        expires_at: None,
        aws_seconds_left: None,
        seconds_left: None,
        time_scale: aws.time_scale(),
    };
    let mut at = None;
    for which in ExpiryAction::ALL {
        if let Some(found) = schedule::get(&cx, &node_name(&cx, which)).await? {
            at = at.or(found.at);
        }
    }
    match at {
        Some(at) => {
            let left = at as f64 - aws.aws_now().await;
            view.state = ExpiryState::Scheduled;
            view.expires_at = Some(iso(at));
            view.aws_seconds_left = Some(left);
            view.seconds_left = Some(left * aws.time_scale());
        }
        None if recorded(&cx)? => view.state = ExpiryState::Expired,
        None => {}
    }
    Ok(view)
}

/// Moves the lab's expiry `hours` later (both schedules). Refused with a field error when
/// `hours` is out of range, and when the schedules already ran.
pub async fn extend(aws: &AwsContext, ledger: Arc<Ledger>, lab: &str, hours: u32) -> Result<ExpiryView> {
    if let Err(p) = crate::spec::expiry::check_extension(hours) {
        return Err(Error::Invalid {
            field: "hours".into(),
            message: p.en,
        });
    }
    let cx = context(aws, ledger.clone(), lab)?;
    let mut found = Vec::new();
    for which in ExpiryAction::ALL {
        let name = node_name(&cx, which);
        match schedule::get(&cx, &name).await? {
            Some(s) => found.push((name, s)),
            None => {
                return Err(Error::Invalid {
                    field: "lab".into(),
                    message: format!(
                        "lab {lab} has no expiry schedule {name} any more: it has expired (its service was scaled to \
                         zero and its load balancer deleted) or was never fully created. Run `pipewright up` to bring \
                         it back with a new expiry, or `pipewright down --lab {lab}` to remove the rest."
                    ),
                });
            }
        }
    }
    // Both move from the same base, so they stay together.
    let now = aws.aws_now().await.ceil() as i64;
    let base = found.iter().filter_map(|(_, s)| s.at).max().unwrap_or(now).max(now);
    let at = base + i64::from(hours) * 3600;
    for (name, s) in &found {
        schedule::postpone(&cx, name, s, at).await?;
    }
    read(aws, ledger, lab).await
}
