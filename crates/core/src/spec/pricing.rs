//! What a running lab costs, for the Review screen: the hourly items that keep billing until
//! teardown (load balancer, Fargate tasks, public IPv4 addresses) and the per-use ones
//! (build minutes, image storage).
//!
//! Prices are on-demand list prices in USD, copied by hand from AWS's public pricing pages
//! (2025) for us-east-1 and ap-northeast-2. Other regions use us-east-1's prices times
//! [`OTHER_REGION_FACTOR`], which errs high: most regions cost 0–20% more than us-east-1.
//! It is an estimate to show a student what forgetting teardown costs, not a bill.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::model::{ComputeType, CpuArchitecture, EnvironmentType, LabSpec};

/// Applied to us-east-1's prices for regions without their own table.
pub const OTHER_REGION_FACTOR: f64 = 1.2;

/// How a line's amount accrues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    Hour,
    BuildMinute,
    GbMonth,
}

/// One thing that costs money, priced for this spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CostLine {
    /// Stable key, e.g. "alb_hour".
    pub key: String,
    pub en: String,
    pub ko: String,
    /// USD per `per`, for this lab as configured (all tasks, all addresses).
    pub usd: f64,
    pub per: Per,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CostEstimate {
    pub region: String,
    /// False when the region has no table of its own and was estimated from us-east-1.
    pub region_priced: bool,
    pub lines: Vec<CostLine>,
    /// The sum of the hourly lines: what the lab costs for every hour it is left running.
    pub usd_per_hour: f64,
}

struct Prices {
    alb_hour: f64,
    lcu_hour: f64,
    fargate_vcpu_hour: f64,
    fargate_gb_hour: f64,
    fargate_arm_vcpu_hour: f64,
    fargate_arm_gb_hour: f64,
    ipv4_hour: f64,
    build_small_minute: f64,
    build_medium_minute: f64,
    build_large_minute: f64,
    build_arm_small_minute: f64,
    build_arm_large_minute: f64,
    ecr_gb_month: f64,
}

const US_EAST_1: Prices = Prices {
    alb_hour: 0.0225,
    lcu_hour: 0.008,
    fargate_vcpu_hour: 0.04048,
    fargate_gb_hour: 0.004445,
    fargate_arm_vcpu_hour: 0.03238,
    fargate_arm_gb_hour: 0.00356,
    ipv4_hour: 0.005,
    build_small_minute: 0.005,
    build_medium_minute: 0.01,
    build_large_minute: 0.02,
    build_arm_small_minute: 0.0034,
    build_arm_large_minute: 0.015,
    ecr_gb_month: 0.10,
};

const AP_NORTHEAST_2: Prices = Prices {
    alb_hour: 0.0225,
    lcu_hour: 0.008,
    fargate_vcpu_hour: 0.04656,
    fargate_gb_hour: 0.00511,
    fargate_arm_vcpu_hour: 0.03725,
    fargate_arm_gb_hour: 0.00409,
    ipv4_hour: 0.005,
    build_small_minute: 0.005,
    build_medium_minute: 0.01,
    build_large_minute: 0.02,
    build_arm_small_minute: 0.0034,
    build_arm_large_minute: 0.015,
    ecr_gb_month: 0.10,
};

/// The load balancer is in exactly `LAB_ZONES` availability zones (the lab picks two
/// subnets, whatever the region has), one public address in each.
const ALB_ADDRESSES: u32 = super::LAB_ZONES as u32;

fn line(key: &str, en: String, ko: String, usd: f64, per: Per) -> CostLine {
    CostLine {
        key: key.into(),
        en,
        ko,
        usd,
        per,
    }
}

impl LabSpec {
    /// The lab's cost as configured, in the spec's region.
    pub fn cost_estimate(&self) -> CostEstimate {
        let (p, factor, region_priced) = match self.region.as_str() {
            "us-east-1" => (&US_EAST_1, 1.0, true),
            "ap-northeast-2" => (&AP_NORTHEAST_2, 1.0, true),
            _ => (&US_EAST_1, OTHER_REGION_FACTOR, false),
        };
        let d = &self.deploy;
        let tasks = d.desired_count as f64;
        let (vcpu, gb) = (d.cpu as f64 / 1024.0, d.memory as f64 / 1024.0);
        let arm = d.cpu_architecture == CpuArchitecture::Arm64;
        let (vcpu_price, gb_price) = if arm {
            (p.fargate_arm_vcpu_hour, p.fargate_arm_gb_hour)
        } else {
            (p.fargate_vcpu_hour, p.fargate_gb_hour)
        };
        // Any u32 may arrive from the webview before validation: count in f64, never wrap.
        let addresses = f64::from(d.desired_count) + f64::from(ALB_ADDRESSES);
        let build_minute = match (self.build.environment_type, self.build.compute_type) {
            (EnvironmentType::ArmContainer, ComputeType::Small) => p.build_arm_small_minute,
            (EnvironmentType::ArmContainer, _) => p.build_arm_large_minute,
            (_, ComputeType::Small) => p.build_small_minute,
            (_, ComputeType::Medium) => p.build_medium_minute,
            (_, ComputeType::Large) => p.build_large_minute,
        };
        let lines = vec![
            line(
                "alb_hour",
                "Application Load Balancer".into(),
                "애플리케이션 로드 밸런서".into(),
                p.alb_hour,
                Per::Hour,
            ),
            line(
                "alb_lcu",
                "Load balancer capacity (about 1 LCU for a lab's traffic)".into(),
                "로드 밸런서 용량 (실습 트래픽 기준 약 1 LCU)".into(),
                p.lcu_hour,
                Per::Hour,
            ),
            line(
                "fargate",
                format!("Fargate: {tasks} task(s) × {vcpu} vCPU, {gb} GB"),
                format!("Fargate: 태스크 {tasks}개 × {vcpu} vCPU, {gb} GB"),
                tasks * (vcpu * vcpu_price + gb * gb_price),
                Per::Hour,
            ),
            line(
                "public_ipv4",
                format!(
                    "Public IPv4 addresses ({addresses}: one per task, one per availability zone of the load balancer ({ALB_ADDRESSES}))"
                ),
                format!(
                    "퍼블릭 IPv4 주소 {addresses}개 (태스크마다 1개, 로드 밸런서의 가용 영역마다 1개: {ALB_ADDRESSES}개)"
                ),
                addresses * p.ipv4_hour,
                Per::Hour,
            ),
            line(
                "build_minute",
                "CodeBuild, per build minute".into(),
                "CodeBuild, 빌드 1분당".into(),
                build_minute,
                Per::BuildMinute,
            ),
            line(
                "ecr_storage",
                "ECR image storage".into(),
                "ECR 이미지 저장".into(),
                p.ecr_gb_month,
                Per::GbMonth,
            ),
        ];
        let mut lines = lines;
        for l in &mut lines {
            l.usd *= factor;
        }
        let usd_per_hour = lines.iter().filter(|l| l.per == Per::Hour).map(|l| l.usd).sum();
        CostEstimate {
            region: self.region.clone(),
            region_priced,
            lines,
            usd_per_hour,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lecture_lab_in_seoul_costs_about_ten_cents_an_hour() {
        let est = LabSpec::new("ktb", "octo/app").cost_estimate();
        assert!(est.region_priced);
        // ALB 0.0225 + LCU 0.008 + Fargate (0.04656 + 3 × 0.00511) + 3 addresses × 0.005
        let want = 0.0225 + 0.008 + 0.04656 + 3.0 * 0.00511 + 0.015;
        assert!((est.usd_per_hour - want).abs() < 1e-9, "{}", est.usd_per_hour);
        assert!(est.lines.iter().all(|l| !l.en.is_empty() && !l.ko.is_empty()));
    }

    #[test]
    fn other_regions_scale_us_east_1() {
        let mut spec = LabSpec::new("ktb", "octo/app");
        spec.region = "us-east-1".into();
        let base = spec.cost_estimate().usd_per_hour;
        spec.region = "eu-west-1".into();
        let est = spec.cost_estimate();
        assert!(!est.region_priced);
        assert!((est.usd_per_hour - base * OTHER_REGION_FACTOR).abs() < 1e-9);
    }

    #[test]
    fn more_tasks_cost_more() {
        let mut spec = LabSpec::new("ktb", "octo/app");
        let one = spec.cost_estimate().usd_per_hour;
        spec.deploy.desired_count = 2;
        assert!(spec.cost_estimate().usd_per_hour > one);
    }
}
