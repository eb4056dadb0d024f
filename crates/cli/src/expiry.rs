//! `pipewright extend`, and the expiry line `pipewright status` prints: when AWS itself stops
//! the lab's billing (its EventBridge schedules), as a countdown.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use pipewright_core::Error;
use pipewright_core::expiry::{self, ExpiryState, ExpiryView};
use pipewright_core::ledger::Ledger;

use crate::account::AccountArgs;

#[derive(Args)]
pub struct ExtendArgs {
    /// The lab's name.
    #[arg(long)]
    lab: String,
    /// Hours to add to the expiry (1-168).
    #[arg(long)]
    hours: u32,
    /// Print the new expiry as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    account: AccountArgs,
}

/// `1 h 05 min`, `12 min`, `40 s`.
fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match (s / 3600, (s % 3600) / 60) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

/// One line for people: when the lab stops billing.
pub fn describe(view: &ExpiryView) -> String {
    match view.state {
        ExpiryState::NotScheduled => "expiry: none scheduled (the lab is not fully created)".to_owned(),
        ExpiryState::Expired => "expiry: passed — AWS scaled the service to zero and deleted the load balancer; \
             `pipewright down` removes the rest"
            .to_owned(),
        ExpiryState::Scheduled => {
            let at = view.expires_at.as_deref().unwrap_or("?");
            let aws_left = view.aws_seconds_left.unwrap_or(0.0);
            let mut line = format!(
                "expiry: AWS stops the lab's billing in {} (at {at} UTC)",
                duration(aws_left)
            );
            if (view.time_scale - 1.0).abs() > f64::EPSILON {
                line.push_str(&format!(
                    "; practice mode runs faster: {} from now",
                    duration(view.seconds_left.unwrap_or(0.0))
                ));
            }
            line
        }
    }
}

pub async fn extend(args: ExtendArgs) -> Result<ExitCode, Error> {
    let ledger = Arc::new(Ledger::open_default()?);
    let aws = args.account.context(Some(&ledger.region_of(&args.lab)?)).await?;
    let view = expiry::extend(&aws, ledger, &args.lab, args.hours).await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&view).map_err(|e| Error::Internal(e.to_string()))?
        );
    } else {
        println!("{}", describe(&view));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_hours_and_minutes() {
        assert_eq!(duration(4.0 * 3600.0), "4 h 00 min");
        assert_eq!(duration(3900.0), "1 h 05 min");
        assert_eq!(duration(720.0), "12 min");
        assert_eq!(duration(-5.0), "0 s");
    }
}
