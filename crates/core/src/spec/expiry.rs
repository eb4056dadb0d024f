//! The lab's expiry: how long after it is created AWS itself stops its billing (EventBridge
//! Scheduler scales the service to zero and deletes the load balancer; see
//! `resources::schedule`). Its own section of the spec, `[expiry]`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::checks::{Noun, Rule, noun, range};

/// `[expiry]`: chosen on Review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct ExpirySpec {
    /// Hours after the lab is created (or last extended) at which AWS stops its billing.
    /// 1–168 (a week); `pipewright extend` adds more later.
    pub hours: u32,
}

/// A class session plus a margin: long enough for the lecture, short enough that a forgotten
/// lab costs cents.
pub const DEFAULT_EXPIRY_HOURS: u32 = 4;
pub const MAX_EXPIRY_HOURS: u32 = 168;

const HOURS: Noun = noun(" hours", "시간");

impl Default for ExpirySpec {
    fn default() -> Self {
        ExpirySpec {
            hours: DEFAULT_EXPIRY_HOURS,
        }
    }
}

impl ExpirySpec {
    /// Each field's rule, for `LabSpec::validate`.
    pub(super) fn rules(&self) -> Vec<(&'static str, Rule)> {
        vec![(
            "expiry.hours",
            range(self.hours, 1, MAX_EXPIRY_HOURS, noun("The expiry", "만료 시간"), HOURS),
        )]
    }
}

/// How many hours `pipewright extend` / the app's Extend may add at once.
pub(crate) fn check_extension(hours: u32) -> Rule {
    range(hours, 1, MAX_EXPIRY_HOURS, noun("The extension", "연장 시간"), HOURS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::LabSpec;

    #[test]
    fn the_expiry_is_four_hours_unless_chosen_and_bounded() {
        let mut spec = LabSpec::new("ktb", "octo/app");
        assert_eq!(spec.expiry.hours, 4);
        spec.expiry.hours = 0;
        let errors = spec.validate();
        let e = errors.iter().find(|e| e.field == "expiry.hours").expect("refused");
        assert_eq!(e.code, "out_of_range");
        assert!(e.ko.contains("만료 시간"), "{}", e.ko);
        spec.expiry.hours = 169;
        assert!(spec.validate().iter().any(|e| e.field == "expiry.hours"));
        spec.expiry.hours = 8;
        assert!(spec.validate().is_empty());
        let parsed =
            LabSpec::from_toml("name = \"ktb\"\n[source]\nrepository = \"o/a\"\n[expiry]\nhours = 2\n").unwrap();
        assert_eq!(parsed.expiry.hours, 2);
        assert!(check_extension(0).is_err() && check_extension(2).is_ok());
    }
}
