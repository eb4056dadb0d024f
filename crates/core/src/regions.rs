//! The AWS regions Pipewright knows, in one table: credentials and `AwsContext` accept any of
//! them (checked before any call, so a typo reads as "unknown region", not as a network
//! failure: an unknown region has no endpoint); a lab runs only in those marked for labs; the
//! UI's pickers get the same list, generated into `ui/src/lib/bindings.ts`.
//!
//! Not for labs, on purpose: China and GovCloud (separate partitions and accounts), and
//! regions launched so recently that not every service the lab uses was there when this was
//! written.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One region, as the pickers show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Region {
    pub code: String,
    pub en: String,
    pub ko: String,
    /// Opt-in regions must be enabled in the account before anything can be created there.
    pub opt_in: bool,
}

/// The region practice mode and a new lab use: Seoul, as in the lecture.
pub const DEFAULT_REGION: &str = "ap-northeast-2";

struct Row {
    code: &'static str,
    en: &'static str,
    ko: &'static str,
    opt_in: bool,
    /// A lab may run here.
    lab: bool,
}

const fn lab(code: &'static str, en: &'static str, ko: &'static str, opt_in: bool) -> Row {
    Row {
        code,
        en,
        ko,
        opt_in,
        lab: true,
    }
}

const fn known(code: &'static str, en: &'static str, ko: &'static str, opt_in: bool) -> Row {
    Row {
        code,
        en,
        ko,
        opt_in,
        lab: false,
    }
}

/// Commercial, GovCloud and China regions as of 2025, in the console's order. Add new ones
/// here as AWS opens them.
const REGIONS: &[Row] = &[
    lab("us-east-1", "US East (N. Virginia)", "미국 동부 (버지니아 북부)", false),
    lab("us-east-2", "US East (Ohio)", "미국 동부 (오하이오)", false),
    lab(
        "us-west-1",
        "US West (N. California)",
        "미국 서부 (캘리포니아 북부)",
        false,
    ),
    lab("us-west-2", "US West (Oregon)", "미국 서부 (오레곤)", false),
    lab("af-south-1", "Africa (Cape Town)", "아프리카 (케이프타운)", true),
    lab("ap-east-1", "Asia Pacific (Hong Kong)", "아시아 태평양 (홍콩)", true),
    lab(
        "ap-south-2",
        "Asia Pacific (Hyderabad)",
        "아시아 태평양 (하이데라바드)",
        true,
    ),
    lab(
        "ap-southeast-3",
        "Asia Pacific (Jakarta)",
        "아시아 태평양 (자카르타)",
        true,
    ),
    lab(
        "ap-southeast-5",
        "Asia Pacific (Malaysia)",
        "아시아 태평양 (말레이시아)",
        true,
    ),
    lab(
        "ap-southeast-4",
        "Asia Pacific (Melbourne)",
        "아시아 태평양 (멜버른)",
        true,
    ),
    lab("ap-south-1", "Asia Pacific (Mumbai)", "아시아 태평양 (뭄바이)", false),
    lab(
        "ap-northeast-3",
        "Asia Pacific (Osaka)",
        "아시아 태평양 (오사카)",
        false,
    ),
    lab("ap-northeast-2", "Asia Pacific (Seoul)", "아시아 태평양 (서울)", false),
    lab(
        "ap-southeast-1",
        "Asia Pacific (Singapore)",
        "아시아 태평양 (싱가포르)",
        false,
    ),
    lab(
        "ap-southeast-2",
        "Asia Pacific (Sydney)",
        "아시아 태평양 (시드니)",
        false,
    ),
    lab("ap-northeast-1", "Asia Pacific (Tokyo)", "아시아 태평양 (도쿄)", false),
    lab("ca-central-1", "Canada (Central)", "캐나다 (중부)", false),
    lab("ca-west-1", "Canada West (Calgary)", "캐나다 서부 (캘거리)", true),
    lab("eu-central-1", "Europe (Frankfurt)", "유럽 (프랑크푸르트)", false),
    lab("eu-west-1", "Europe (Ireland)", "유럽 (아일랜드)", false),
    lab("eu-west-2", "Europe (London)", "유럽 (런던)", false),
    lab("eu-south-1", "Europe (Milan)", "유럽 (밀라노)", true),
    lab("eu-west-3", "Europe (Paris)", "유럽 (파리)", false),
    lab("eu-south-2", "Europe (Spain)", "유럽 (스페인)", true),
    lab("eu-north-1", "Europe (Stockholm)", "유럽 (스톡홀름)", false),
    lab("eu-central-2", "Europe (Zurich)", "유럽 (취리히)", true),
    lab("il-central-1", "Israel (Tel Aviv)", "이스라엘 (텔아비브)", true),
    lab("me-south-1", "Middle East (Bahrain)", "중동 (바레인)", true),
    lab("me-central-1", "Middle East (UAE)", "중동 (UAE)", true),
    lab("sa-east-1", "South America (São Paulo)", "남아메리카 (상파울루)", false),
    known("ap-east-2", "Asia Pacific (Taipei)", "아시아 태평양 (타이베이)", true),
    known(
        "ap-southeast-6",
        "Asia Pacific (New Zealand)",
        "아시아 태평양 (뉴질랜드)",
        true,
    ),
    known(
        "ap-southeast-7",
        "Asia Pacific (Thailand)",
        "아시아 태평양 (태국)",
        true,
    ),
    known("mx-central-1", "Mexico (Central)", "멕시코 (중부)", true),
    known("cn-north-1", "China (Beijing)", "중국 (베이징)", false),
    known("cn-northwest-1", "China (Ningxia)", "중국 (닝샤)", false),
    known(
        "us-gov-east-1",
        "AWS GovCloud (US-East)",
        "AWS GovCloud (미국 동부)",
        false,
    ),
    known(
        "us-gov-west-1",
        "AWS GovCloud (US-West)",
        "AWS GovCloud (미국 서부)",
        false,
    ),
];

/// Whether AWS has a region of this name (any partition).
pub fn is_known_region(code: &str) -> bool {
    REGIONS.iter().any(|r| r.code == code)
}

/// Every region a lab may use, in the console's order.
pub fn regions() -> Vec<Region> {
    REGIONS
        .iter()
        .filter(|r| r.lab)
        .map(|r| Region {
            code: r.code.into(),
            en: r.en.into(),
            ko: r.ko.into(),
            opt_in: r.opt_in,
        })
        .collect()
}

/// The region with this code, if a lab may use it.
pub fn region(code: &str) -> Option<Region> {
    regions().into_iter().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seoul_is_known_and_codes_are_unique() {
        assert_eq!(region("ap-northeast-2").unwrap().ko, "아시아 태평양 (서울)");
        assert!(region(DEFAULT_REGION).is_some());
        assert!(region("cn-north-1").is_none());
        let mut codes: Vec<_> = REGIONS.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), REGIONS.len());
    }

    #[test]
    fn credentials_know_every_partition_labs_only_commercial_regions() {
        assert!(is_known_region("ap-northeast-2"));
        assert!(is_known_region("cn-north-1") && is_known_region("us-gov-west-1"));
        assert!(!is_known_region("ap-northeast-22"));
        assert!(!is_known_region("Seoul"));
        assert_eq!(REGIONS.len(), 38);
        assert_eq!(regions().len(), 30);
    }
}
