//! The shape of a lab: one section per lecture step, every field with the lecture's default.
//!
//! Field names are snake_case in TOML, JSON and TypeScript alike. Enum values that mirror an
//! AWS enum keep AWS's spelling (`QUEUED`, `CODE_ZIP`, `BUILD_GENERAL1_SMALL`) so a student
//! can match them with the console and the docs; choices that are the app's own
//! (`create`/`existing`, `inline`/`file`) are snake_case.
//!
//! A name field that is `None` means "use the derived name" (see `ResourceNames`),
//! so renaming the lab renames everything that was not deliberately overridden.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every answer the wizard collects. Nothing reaches AWS before [`LabSpec::validate`] passes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct LabSpec {
    /// The lab's id: unique per account, the prefix of every resource name and the value of
    /// the `pipewright:lab` tag. 3–20 of lowercase letters, digits and hyphens, so every
    /// derived name fits AWS's shortest limit (32 for load balancers and target groups).
    pub name: String,
    /// Where every resource is created, e.g. `ap-northeast-2` (Seoul).
    pub region: String,
    pub source: SourceSpec,
    pub pipeline: PipelineSpec,
    pub build: BuildSpec,
    pub registry: RegistrySpec,
    pub deploy: DeploySpec,
    /// When AWS itself stops the lab's billing (its own section: `spec::expiry`).
    pub expiry: super::expiry::ExpirySpec,
    /// The instructor's class this lab belongs to, if any (its own section: `spec::class`).
    pub class: super::class::ClassSpec,
}

/// Step 1: the GitHub repository and the connection CodePipeline reads it through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct SourceSpec {
    pub connection: ConnectionChoice,
    /// `owner/repo`, as in the repository's GitHub URL.
    pub repository: String,
    /// The branch the pipeline builds. New GitHub repositories use `main`; the lecture's
    /// sample repository uses `master`.
    pub branch: String,
    pub output_format: OutputArtifactFormat,
}

/// Reuse a connection the student already completed, or create one (which stays PENDING
/// until the student completes the GitHub handshake in the AWS console).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConnectionChoice {
    Create {
        /// Unset: the derived `<name>-github`.
        #[serde(default)]
        name: Option<String>,
    },
    Existing {
        /// `arn:aws:codeconnections:…:connection/…` (or the older `codestar-connections`).
        arn: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum OutputArtifactFormat {
    /// "CodePipeline default": a zip of the commit, no git metadata.
    #[serde(rename = "CODE_ZIP")]
    CodeZip,
    /// "Full clone": git metadata included; only CodeBuild actions can read it.
    #[serde(rename = "CODEBUILD_CLONE_REF")]
    CodebuildCloneRef,
}

/// Step 2: the pipeline. Its type is always V2: trigger filters and execution modes other
/// than SUPERSEDED exist only there, so there is no field for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineSpec {
    /// Unset: the derived `<name>-pipeline`.
    pub name: Option<String>,
    pub execution_mode: ExecutionMode,
    pub service_role: RoleChoice,
    pub trigger: Trigger,
    /// The artifact store. Unset: the derived `pipewright-<name>-artifacts-<account-id>`.
    pub artifact_bucket: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionMode {
    /// A newer run replaces an older one still waiting.
    Superseded,
    /// One run at a time, in order: every push is built and deployed.
    Queued,
    /// All runs at once, no waiting.
    Parallel,
}

/// Create a role with exactly the rights this lab needs, or use one the student names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum RoleChoice {
    Create {
        /// Unset: the derived name, e.g. `<name>-pipeline-role`.
        #[serde(default)]
        name: Option<String>,
    },
    Existing {
        /// `arn:aws:iam::<account>:role/<name>`.
        arn: String,
    },
}

/// When the pipeline starts by itself.
///
/// Read through [`TriggerFields`]: serde lets an internally tagged unit variant ignore any
/// other keys, so `kind = "none"` with an `include` list would quietly drop the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields, from = "TriggerFields")]
pub enum Trigger {
    /// Any push to the source branch starts a run (of the branch's HEAD).
    NoFilter,
    /// Only matching events start a run, each of the exact commit that caused it.
    Filter(TriggerFilter),
    /// "Do not detect changes": runs start only by hand.
    #[serde(rename = "none")]
    Manual,
}

/// [`Trigger`] as read from a file or the webview: the kinds without fields are empty
/// structs, so any key besides `kind` is refused by name.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum TriggerFields {
    NoFilter {},
    Filter(TriggerFilter),
    #[serde(rename = "none")]
    Manual {},
}

impl From<TriggerFields> for Trigger {
    fn from(t: TriggerFields) -> Self {
        match t {
            TriggerFields::NoFilter {} => Trigger::NoFilter,
            TriggerFields::Filter(f) => Trigger::Filter(f),
            TriggerFields::Manual {} => Trigger::Manual,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct TriggerFilter {
    pub event: TriggerEvent,
    /// For pull requests: which of their events start a run.
    pub pull_request_events: Vec<PullRequestEvent>,
    pub filter_type: FilterType,
    /// Glob patterns (`main`, `feature/*`, `release-**`): branch or tag names by `filter_type`.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Glob patterns of changed files (`src/**`); only with `filter_type = "branches"`.
    pub file_paths_include: Vec<String>,
    pub file_paths_exclude: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEvent {
    Push,
    PullRequest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PullRequestEvent {
    Open,
    Updated,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FilterType {
    Branches,
    Tags,
}

/// Step 3: the CodeBuild project that builds the image and pushes it to ECR.
///
/// Fixed by the app, so not fields: the provider is CodeBuild (not Jenkins) in the lab's
/// region; a single build (not batch); no VPC and no custom certificate (the build only
/// talks to GitHub, ECR and S3); the build role may push only to this lab's repository
/// (not the lecture's `AmazonEC2ContainerRegistryPowerUser`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct BuildSpec {
    /// Unset: the derived `<name>-build`.
    pub project_name: Option<String>,
    pub provisioning: Provisioning,
    /// A CodeBuild managed image; its architecture must match `environment_type`.
    pub image: String,
    pub compute_type: ComputeType,
    pub environment_type: EnvironmentType,
    /// Docker needs privileged mode to build images; `false` is refused with the reason.
    pub privileged: bool,
    /// 5–2160 (36 hours).
    pub timeout_minutes: u32,
    pub buildspec_mode: BuildspecMode,
    /// The buildspec's path in the repository, when `buildspec_mode = "file"`.
    pub buildspec_path: String,
    /// Plain-text variables for the build (visible in the console: never secrets).
    /// ACCOUNT_ID, AWS_REGION, AWS_DEFAULT_REGION, REPOSITORY_URI and CONTAINER_NAME are
    /// set by the app so the buildspec never hard-codes them.
    pub environment_variables: Vec<EnvVar>,
    pub service_role: RoleChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Provisioning {
    OnDemand,
    /// Reserved capacity fleets bill while idle; shown in the wizard but refused.
    Reserved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComputeType {
    /// 2 vCPU, 3 GB: enough for the sample app.
    #[serde(rename = "BUILD_GENERAL1_SMALL")]
    Small,
    #[serde(rename = "BUILD_GENERAL1_MEDIUM")]
    Medium,
    #[serde(rename = "BUILD_GENERAL1_LARGE")]
    Large,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EnvironmentType {
    /// EC2 compute, x86_64.
    LinuxContainer,
    /// EC2 compute, arm64 (needed to build ARM64 images).
    ArmContainer,
    /// Lambda compute: no Docker daemon, so it cannot build images; refused.
    LinuxLambdaContainer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BuildspecMode {
    /// The app writes the buildspec (ECR login, build, tag with the commit, push,
    /// imagedefinitions.json), so nothing in it can disagree with the rest of the lab.
    Inline,
    /// The repository's own buildspec at `buildspec_path`.
    File,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

/// Step 4: the private ECR repository the build pushes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrySpec {
    /// Unset: the derived `<name>-repo`.
    pub repository_name: Option<String>,
    pub visibility: Visibility,
    /// The lecture leaves it off; the pipeline pushes a new tag per commit either way.
    pub tag_immutability: bool,
    /// The lecture scans manually.
    pub scan_on_push: bool,
    pub encryption: Encryption,
    /// With `encryption = "KMS"`: a key id, ARN or alias; unset uses the AWS-managed key.
    pub kms_key: Option<String>,
    /// A lifecycle rule keeps only the newest N images, so storage stays near free.
    pub keep_last_images: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Private,
    /// Public repositories cannot be made private later; shown but refused.
    Public,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum Encryption {
    #[serde(rename = "AES256")]
    Aes256,
    #[serde(rename = "KMS")]
    Kms,
}

/// Step 5: ECS on Fargate behind an Application Load Balancer.
///
/// Fixed by the app, so not fields: network mode `awsvpc`, OS `LINUX`, port protocol TCP,
/// listener and target group protocol HTTP (no certificate in a lab), target type `ip`,
/// health check success code 200, no task role (the sample app calls no AWS API), the ALB's
/// security group open on the listener port from 0.0.0.0/0 and ::/0, the task's security
/// group open on the container port only from the ALB's group, and public IPs on the tasks
/// (the default VPC has no NAT, and the task must reach ECR). Also fixed: an ECS service
/// (long running, not a one-off task) with the FARGATE launch type rather than a capacity
/// provider strategy; no Service Connect namespace; one essential container whose image is
/// this lab's repository; CPU and memory set on the task, not per container; the pipeline's
/// Deploy stage uses the Amazon ECS provider with the build's `imagedefinitions.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct DeploySpec {
    /// Unset: the derived `<name>-cluster`.
    pub cluster_name: Option<String>,
    /// Unset: the derived `<name>-svc`.
    pub service_name: Option<String>,
    pub launch_type: LaunchType,
    /// `LATEST` or `1.4.0`.
    pub platform_version: String,
    pub cpu_architecture: CpuArchitecture,
    /// CPU units: 1024 = 1 vCPU. `fargate_sizes()` lists the valid pairs.
    pub cpu: u32,
    /// MiB: 3072 = 3 GB.
    pub memory: u32,
    /// The container's name in the task definition and in imagedefinitions.json; the app
    /// writes both from this one field. `None`: the derived `<name>-app`.
    pub container_name: Option<String>,
    pub container_port: u32,
    pub port_name: String,
    pub app_protocol: AppProtocol,
    pub readonly_root_filesystem: bool,
    pub desired_count: u32,
    /// Seconds ECS ignores failing ALB health checks after a task starts.
    pub health_check_grace_period_seconds: u32,
    pub task_execution_role: RoleChoice,
    pub load_balancer: LoadBalancerSpec,
    pub target_group: TargetGroupSpec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LaunchType {
    Fargate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum CpuArchitecture {
    #[serde(rename = "X86_64")]
    X86_64,
    #[serde(rename = "ARM64")]
    Arm64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum AppProtocol {
    Http,
    Http2,
    /// Needs an HTTPS listener, which a lab without a domain cannot have; refused.
    Grpc,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct LoadBalancerSpec {
    /// Unset: the derived `<name>-alb`.
    pub name: Option<String>,
    pub listener_port: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct TargetGroupSpec {
    /// Unset: the derived `<name>-tg`.
    pub name: Option<String>,
    /// Seconds a deregistering task keeps serving in-flight requests (AWS default 300).
    pub deregistration_delay_seconds: u32,
    pub health_check_path: String,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    pub health_check_interval_seconds: u32,
    pub health_check_timeout_seconds: u32,
}

/// The lecture's image: Amazon Linux 2023 standard 5.0, x86_64.
pub const DEFAULT_IMAGE_X86: &str = "aws/codebuild/amazonlinux-x86_64-standard:5.0";
/// The arm64 counterpart, for `environment_type = "ARM_CONTAINER"`.
pub const DEFAULT_IMAGE_ARM: &str = "aws/codebuild/amazonlinux-aarch64-standard:3.0";
/// The build images the wizard offers (any other may be typed).
pub const BUILD_IMAGES: [&str; 3] = [DEFAULT_IMAGE_X86, DEFAULT_IMAGE_ARM, "aws/codebuild/standard:7.0"];

impl Default for LabSpec {
    fn default() -> Self {
        LabSpec {
            name: String::new(),
            region: crate::regions::DEFAULT_REGION.into(),
            source: SourceSpec::default(),
            pipeline: PipelineSpec::default(),
            build: BuildSpec::default(),
            registry: RegistrySpec::default(),
            deploy: DeploySpec::default(),
            expiry: super::expiry::ExpirySpec::default(),
            class: super::class::ClassSpec::default(),
        }
    }
}

impl Default for SourceSpec {
    fn default() -> Self {
        SourceSpec {
            connection: ConnectionChoice::Create { name: None },
            repository: String::new(),
            branch: "main".into(),
            output_format: OutputArtifactFormat::CodeZip,
        }
    }
}

impl Default for PipelineSpec {
    fn default() -> Self {
        PipelineSpec {
            name: None,
            execution_mode: ExecutionMode::Queued,
            service_role: RoleChoice::Create { name: None },
            trigger: Trigger::Filter(TriggerFilter::default()),
            artifact_bucket: None,
        }
    }
}

impl Default for TriggerFilter {
    fn default() -> Self {
        TriggerFilter {
            event: TriggerEvent::Push,
            pull_request_events: vec![PullRequestEvent::Open, PullRequestEvent::Updated],
            filter_type: FilterType::Branches,
            include: vec!["main".into()],
            exclude: Vec::new(),
            file_paths_include: Vec::new(),
            file_paths_exclude: Vec::new(),
        }
    }
}

impl Default for BuildSpec {
    fn default() -> Self {
        BuildSpec {
            project_name: None,
            provisioning: Provisioning::OnDemand,
            image: DEFAULT_IMAGE_X86.into(),
            compute_type: ComputeType::Small,
            environment_type: EnvironmentType::LinuxContainer,
            privileged: true,
            timeout_minutes: 60,
            buildspec_mode: BuildspecMode::Inline,
            buildspec_path: "buildspec.yml".into(),
            environment_variables: Vec::new(),
            service_role: RoleChoice::Create { name: None },
        }
    }
}

impl Default for RegistrySpec {
    fn default() -> Self {
        RegistrySpec {
            repository_name: None,
            visibility: Visibility::Private,
            tag_immutability: false,
            scan_on_push: false,
            encryption: Encryption::Aes256,
            kms_key: None,
            keep_last_images: 10,
        }
    }
}

impl Default for DeploySpec {
    fn default() -> Self {
        DeploySpec {
            cluster_name: None,
            service_name: None,
            launch_type: LaunchType::Fargate,
            platform_version: "LATEST".into(),
            cpu_architecture: CpuArchitecture::X86_64,
            cpu: 1024,
            memory: 3072,
            container_name: None,
            container_port: 3000,
            port_name: "web-server".into(),
            app_protocol: AppProtocol::Http,
            readonly_root_filesystem: false,
            desired_count: 1,
            health_check_grace_period_seconds: 60,
            task_execution_role: RoleChoice::Create { name: None },
            load_balancer: LoadBalancerSpec::default(),
            target_group: TargetGroupSpec::default(),
        }
    }
}

impl Default for LoadBalancerSpec {
    fn default() -> Self {
        LoadBalancerSpec {
            name: None,
            listener_port: 80,
        }
    }
}

impl Default for TargetGroupSpec {
    fn default() -> Self {
        TargetGroupSpec {
            name: None,
            // 30, not AWS's 300: the sample app holds no long requests, and 300 makes every
            // rollout wait five minutes for the old task to drain.
            deregistration_delay_seconds: 30,
            health_check_path: "/ping".into(),
            // 3 × 15 s instead of the console's 5 × 30 s: the first deploy turns healthy in
            // under a minute instead of two and a half, with the same tolerance for blips.
            healthy_threshold: 3,
            unhealthy_threshold: 2,
            health_check_interval_seconds: 15,
            health_check_timeout_seconds: 5,
        }
    }
}

impl LabSpec {
    /// A spec with the lecture's defaults for a lab called `name`, building `repository`.
    pub fn new(name: &str, repository: &str) -> Self {
        LabSpec {
            name: name.to_owned(),
            source: SourceSpec {
                repository: repository.to_owned(),
                ..SourceSpec::default()
            },
            ..LabSpec::default()
        }
    }

    /// Sets the source branch and keeps a branch trigger that only named the old branch in
    /// step with it, so changing the branch never silently stops the pipeline from running.
    pub fn set_branch(&mut self, branch: &str) {
        let old = std::mem::replace(&mut self.source.branch, branch.to_owned());
        if let Trigger::Filter(f) = &mut self.pipeline.trigger
            && f.filter_type == FilterType::Branches
            && f.include == [old]
        {
            f.include = vec![branch.to_owned()];
        }
    }
}
