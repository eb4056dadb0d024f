//! The running-cost meter of an open lab: what it has cost since it was created, at the
//! estimate's hourly rates (`spec::pricing`). Read from the ledger only (no AWS call), so the
//! app can show it on every screen. Wall-clock hours: in practice mode nothing is billed, and
//! the meter shows what the same hours would cost on AWS.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::ledger::Ledger;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CostMeter {
    pub lab: String,
    /// When the lab was created (ms since the Unix epoch).
    #[ts(type = "number")]
    pub created_at_ms: i64,
    /// Hours since then.
    pub hours: f64,
    /// The estimate's rate while it runs.
    pub usd_per_hour: f64,
    /// `hours × usd_per_hour`.
    pub usd: f64,
    /// The class's limit (`[class] limit_hours` of the spec the lab was created with), if it
    /// belongs to a class that sets one.
    pub limit_hours: Option<u32>,
    /// Whether `hours` has reached that limit: decided here, with the rest of the meter, so
    /// the app and the CLI say the same.
    pub limit_passed: bool,
}

/// The meter of `lab` at `now_ms`.
pub fn meter(ledger: &Ledger, lab: &str, now_ms: i64) -> Result<CostMeter> {
    let summary = ledger
        .lab_summaries()?
        .into_iter()
        .find(|s| s.name == lab)
        .ok_or_else(|| Error::Invalid {
            field: "lab".into(),
            message: format!("no lab named {lab:?} in the ledger"),
        })?;
    let spec = ledger.spec_of(lab)?;
    let usd_per_hour = spec.cost_estimate().usd_per_hour;
    let hours = (now_ms - summary.created_at_ms).max(0) as f64 / 3_600_000.0;
    let limit_hours = spec.class.limit_hours;
    Ok(CostMeter {
        lab: lab.to_owned(),
        created_at_ms: summary.created_at_ms,
        hours,
        usd_per_hour,
        usd: hours * usd_per_hour,
        limit_hours,
        limit_passed: limit_hours.is_some_and(|limit| hours >= f64::from(limit)),
    })
}

/// Now, in ms since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::LabSpec;

    #[test]
    fn the_meter_counts_hours_since_creation_at_the_estimates_rate() {
        let ledger = Ledger::in_memory().unwrap();
        let spec = LabSpec::new("ktb", "octo/app");
        ledger
            .upsert_lab("ktb", "ap-northeast-2", Some("123456789012"), &spec.to_toml().unwrap())
            .unwrap();
        let created = ledger.lab_summaries().unwrap()[0].created_at_ms;
        let m = meter(&ledger, "ktb", created + 2 * 3_600_000).unwrap();
        assert!((m.hours - 2.0).abs() < 1e-9);
        let rate = spec.cost_estimate().usd_per_hour;
        assert!(rate > 0.0 && (m.usd - 2.0 * rate).abs() < 1e-9, "{m:?}");
        assert!(meter(&ledger, "nope", created).is_err());
        assert_eq!((m.limit_hours, m.limit_passed), (None, false));
    }

    #[test]
    fn a_class_lab_passes_its_limit_when_its_hours_reach_it() {
        let ledger = Ledger::in_memory().unwrap();
        let mut spec = LabSpec::new("ktb-minsu", "octo/app");
        spec.class.name = Some("ktb-2026-fall".into());
        spec.class.limit_hours = Some(3);
        ledger
            .upsert_lab("ktb-minsu", "ap-northeast-2", None, &spec.to_toml().unwrap())
            .unwrap();
        let created = ledger.lab_summaries().unwrap()[0].created_at_ms;
        let at = |minutes: i64| meter(&ledger, "ktb-minsu", created + minutes * 60_000).unwrap();
        let before = at(179);
        assert_eq!((before.limit_hours, before.limit_passed), (Some(3), false));
        assert!(at(180).limit_passed);
        assert!(at(210).limit_passed);
    }
}
