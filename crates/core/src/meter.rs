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
    let usd_per_hour = ledger.spec_of(lab)?.cost_estimate().usd_per_hour;
    let hours = (now_ms - summary.created_at_ms).max(0) as f64 / 3_600_000.0;
    Ok(CostMeter {
        lab: lab.to_owned(),
        created_at_ms: summary.created_at_ms,
        hours,
        usd_per_hour,
        usd: hours * usd_per_hour,
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
    }
}
