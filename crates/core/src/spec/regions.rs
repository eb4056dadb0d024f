//! The commercial AWS regions a lab can run in, with the names the console shows in English
//! and Korean. The UI's region picker and `validate` both read this one table.
//!
//! Excluded on purpose: China and GovCloud (separate partitions and accounts), and regions
//! launched so recently that not every service the lab uses was there when this was written.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One region, as the picker shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Region {
    pub code: String,
    pub en: String,
    pub ko: String,
    /// Opt-in regions must be enabled in the account before anything can be created there.
    pub opt_in: bool,
}

/// (code, English, Korean, opt-in), in the console's order.
const REGIONS: &[(&str, &str, &str, bool)] = &[
    ("us-east-1", "US East (N. Virginia)", "미국 동부 (버지니아 북부)", false),
    ("us-east-2", "US East (Ohio)", "미국 동부 (오하이오)", false),
    (
        "us-west-1",
        "US West (N. California)",
        "미국 서부 (캘리포니아 북부)",
        false,
    ),
    ("us-west-2", "US West (Oregon)", "미국 서부 (오레곤)", false),
    ("af-south-1", "Africa (Cape Town)", "아프리카 (케이프타운)", true),
    ("ap-east-1", "Asia Pacific (Hong Kong)", "아시아 태평양 (홍콩)", true),
    (
        "ap-south-2",
        "Asia Pacific (Hyderabad)",
        "아시아 태평양 (하이데라바드)",
        true,
    ),
    (
        "ap-southeast-3",
        "Asia Pacific (Jakarta)",
        "아시아 태평양 (자카르타)",
        true,
    ),
    (
        "ap-southeast-5",
        "Asia Pacific (Malaysia)",
        "아시아 태평양 (말레이시아)",
        true,
    ),
    (
        "ap-southeast-4",
        "Asia Pacific (Melbourne)",
        "아시아 태평양 (멜버른)",
        true,
    ),
    ("ap-south-1", "Asia Pacific (Mumbai)", "아시아 태평양 (뭄바이)", false),
    (
        "ap-northeast-3",
        "Asia Pacific (Osaka)",
        "아시아 태평양 (오사카)",
        false,
    ),
    ("ap-northeast-2", "Asia Pacific (Seoul)", "아시아 태평양 (서울)", false),
    (
        "ap-southeast-1",
        "Asia Pacific (Singapore)",
        "아시아 태평양 (싱가포르)",
        false,
    ),
    (
        "ap-southeast-2",
        "Asia Pacific (Sydney)",
        "아시아 태평양 (시드니)",
        false,
    ),
    ("ap-northeast-1", "Asia Pacific (Tokyo)", "아시아 태평양 (도쿄)", false),
    ("ca-central-1", "Canada (Central)", "캐나다 (중부)", false),
    ("ca-west-1", "Canada West (Calgary)", "캐나다 서부 (캘거리)", true),
    ("eu-central-1", "Europe (Frankfurt)", "유럽 (프랑크푸르트)", false),
    ("eu-west-1", "Europe (Ireland)", "유럽 (아일랜드)", false),
    ("eu-west-2", "Europe (London)", "유럽 (런던)", false),
    ("eu-south-1", "Europe (Milan)", "유럽 (밀라노)", true),
    ("eu-west-3", "Europe (Paris)", "유럽 (파리)", false),
    ("eu-south-2", "Europe (Spain)", "유럽 (스페인)", true),
    ("eu-north-1", "Europe (Stockholm)", "유럽 (스톡홀름)", false),
    ("eu-central-2", "Europe (Zurich)", "유럽 (취리히)", true),
    ("il-central-1", "Israel (Tel Aviv)", "이스라엘 (텔아비브)", true),
    ("me-south-1", "Middle East (Bahrain)", "중동 (바레인)", true),
    ("me-central-1", "Middle East (UAE)", "중동 (UAE)", true),
    ("sa-east-1", "South America (São Paulo)", "남아메리카 (상파울루)", false),
];

/// Every region a lab may use.
pub fn regions() -> Vec<Region> {
    REGIONS
        .iter()
        .map(|&(code, en, ko, opt_in)| Region {
            code: code.into(),
            en: en.into(),
            ko: ko.into(),
            opt_in,
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
        assert!(region("cn-north-1").is_none());
        let mut codes: Vec<_> = REGIONS.iter().map(|r| r.0).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), REGIONS.len());
    }
}
