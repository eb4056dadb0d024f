//! The AWS regions Pipewright accepts. Checked before any call so that a typo reads as
//! "unknown region", not as a network failure (an unknown region has no endpoint to resolve).

/// Commercial, GovCloud and China regions, as of 2025. Add new ones here as AWS opens them.
pub const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

pub fn is_known_region(name: &str) -> bool {
    KNOWN_REGIONS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_and_has_the_lecture_region() {
        assert!(
            KNOWN_REGIONS.windows(2).all(|w| w[0] < w[1]),
            "keep KNOWN_REGIONS sorted"
        );
        assert!(is_known_region("ap-northeast-2"));
        assert!(!is_known_region("ap-northeast-22"));
        assert!(!is_known_region("Seoul"));
    }
}
