// Generated from crates/core by `PIPEWRIGHT_UPDATE_BINDINGS=1 cargo test -p pipewright-core bindings`.
// Do not edit by hand.

export type ErrorCode = "no_region" | "no_credentials" | "invalid_key_id" | "signature_mismatch" | "expired_token" | "clock_skew" | "no_network" | "unknown_region" | "access_denied" | "aws" | "invalid" | "keyring_unavailable" | "credential_not_found" | "profile_not_found" | "not_ours" | "no_default_vpc" | "wrong_account" | "wait_timeout" | "quota_exceeded" | "first_run_failed" | "cancelled" | "internal";

export type ErrorPayload = { code: ErrorCode, message: string, hint: string | null, field: string | null, };

export type Identity = { account: string, arn: string, userId: string, region: string, 
/**
 * Set when talking to a non-AWS endpoint (the sandbox in practice mode).
 */
endpoint: string | null, };

export type CredentialSource = { "kind": "practice" } | { "kind": "profile", name: string, } | { "kind": "keyring", name: string, };

export type CredentialSet = { 
/**
 * 1 to 64 of `A-Z a-z 0-9 _ . -`.
 */
name: string, 
/**
 * `AKIA…` (long-term) or `ASIA…` (temporary) and 16 more uppercase letters or digits.
 */
accessKeyId: string, secretAccessKey: string, 
/**
 * Only for temporary (`ASIA…`) keys.
 */
sessionToken: string | null, 
/**
 * The default region for this set, e.g. "ap-northeast-2".
 */
region: string, };

export type CredentialSummary = { name: string, accessKeyId: string, region: string, };

export type ProfileKind = "static" | "sso" | "assumeRole" | "process" | "other";

export type ProfileSummary = { name: string, kind: ProfileKind, region: string | null, };

export type SandboxStatus = { running: boolean, url: string | null, 
/**
 * How many times faster than AWS it runs (1: AWS's own pace), when it answers.
 */
speedup: number | null, };

export type AppInfo = { version: string, 
/**
 * The OS locale as reported by the system, e.g. "ko-KR"; the UI picks its language from it.
 */
locale: string | null, };

export type StartedRun = { pipelineName: string, pipelineExecutionId: string, };

export type LabSpec = { 
/**
 * The lab's id: unique per account, the prefix of every resource name and the value of
 * the `pipewright:lab` tag. 3–20 of lowercase letters, digits and hyphens, so every
 * derived name fits AWS's shortest limit (32 for load balancers and target groups).
 */
name: string, 
/**
 * Where every resource is created, e.g. `ap-northeast-2` (Seoul).
 */
region: string, source: SourceSpec, pipeline: PipelineSpec, build: BuildSpec, registry: RegistrySpec, deploy: DeploySpec, 
/**
 * When AWS itself stops the lab's billing (its own section: `spec::expiry`).
 */
expiry: ExpirySpec, 
/**
 * The instructor's class this lab belongs to, if any (its own section: `spec::class`).
 */
class: ClassSpec, };

export type SourceSpec = { connection: ConnectionChoice, 
/**
 * `owner/repo`, as in the repository's GitHub URL.
 */
repository: string, 
/**
 * The branch the pipeline builds. New GitHub repositories use `main`; the lecture's
 * sample repository uses `master`.
 */
branch: string, output_format: OutputArtifactFormat, };

export type ConnectionChoice = { "mode": "create", 
/**
 * Unset: the derived `<name>-github`.
 */
name: string | null, } | { "mode": "existing", 
/**
 * `arn:aws:codeconnections:…:connection/…` (or the older `codestar-connections`).
 */
arn: string, };

export type OutputArtifactFormat = "CODE_ZIP" | "CODEBUILD_CLONE_REF";

export type PipelineSpec = { 
/**
 * Unset: the derived `<name>-pipeline`.
 */
name: string | null, execution_mode: ExecutionMode, service_role: RoleChoice, trigger: Trigger, 
/**
 * The artifact store. Unset: the derived `pipewright-<name>-artifacts-<account-id>`.
 */
artifact_bucket: string | null, };

export type ExecutionMode = "SUPERSEDED" | "QUEUED" | "PARALLEL";

export type RoleChoice = { "mode": "create", 
/**
 * Unset: the derived name, e.g. `<name>-pipeline-role`.
 */
name: string | null, } | { "mode": "existing", 
/**
 * `arn:aws:iam::<account>:role/<name>`.
 */
arn: string, };

export type Trigger = { "kind": "no_filter" } | { "kind": "filter" } & TriggerFilter | { "kind": "none" };

export type TriggerFilter = { event: TriggerEvent, 
/**
 * For pull requests: which of their events start a run.
 */
pull_request_events: Array<PullRequestEvent>, filter_type: FilterType, 
/**
 * Glob patterns (`main`, `feature/*`, `release-**`): branch or tag names by `filter_type`.
 */
include: Array<string>, exclude: Array<string>, 
/**
 * Glob patterns of changed files (`src/**`); only with `filter_type = "branches"`.
 */
file_paths_include: Array<string>, file_paths_exclude: Array<string>, };

export type TriggerEvent = "push" | "pull_request";

export type PullRequestEvent = "OPEN" | "UPDATED" | "CLOSED";

export type FilterType = "branches" | "tags";

export type BuildSpec = { 
/**
 * Unset: the derived `<name>-build`.
 */
project_name: string | null, provisioning: Provisioning, 
/**
 * A CodeBuild managed image; its architecture must match `environment_type`.
 */
image: string, compute_type: ComputeType, environment_type: EnvironmentType, 
/**
 * Docker needs privileged mode to build images; `false` is refused with the reason.
 */
privileged: boolean, 
/**
 * 5–2160 (36 hours).
 */
timeout_minutes: number, buildspec_mode: BuildspecMode, 
/**
 * The buildspec's path in the repository, when `buildspec_mode = "file"`.
 */
buildspec_path: string, 
/**
 * Plain-text variables for the build (visible in the console: never secrets).
 * ACCOUNT_ID, AWS_REGION, AWS_DEFAULT_REGION, REPOSITORY_URI and CONTAINER_NAME are
 * set by the app so the buildspec never hard-codes them.
 */
environment_variables: Array<EnvVar>, service_role: RoleChoice, };

export type Provisioning = "on_demand" | "reserved";

export type ComputeType = "BUILD_GENERAL1_SMALL" | "BUILD_GENERAL1_MEDIUM" | "BUILD_GENERAL1_LARGE";

export type EnvironmentType = "LINUX_CONTAINER" | "ARM_CONTAINER" | "LINUX_LAMBDA_CONTAINER";

export type BuildspecMode = "inline" | "file";

export type EnvVar = { name: string, value: string, };

export type RegistrySpec = { 
/**
 * Unset: the derived `<name>-repo`.
 */
repository_name: string | null, visibility: Visibility, 
/**
 * The lecture leaves it off; the pipeline pushes a new tag per commit either way.
 */
tag_immutability: boolean, 
/**
 * The lecture scans manually.
 */
scan_on_push: boolean, encryption: Encryption, 
/**
 * With `encryption = "KMS"`: a key id, ARN or alias; unset uses the AWS-managed key.
 */
kms_key: string | null, 
/**
 * A lifecycle rule keeps only the newest N images, so storage stays near free.
 */
keep_last_images: number, };

export type Visibility = "private" | "public";

export type Encryption = "AES256" | "KMS";

export type DeploySpec = { 
/**
 * Unset: the derived `<name>-cluster`.
 */
cluster_name: string | null, 
/**
 * Unset: the derived `<name>-svc`.
 */
service_name: string | null, launch_type: LaunchType, 
/**
 * `LATEST` or `1.4.0`.
 */
platform_version: string, cpu_architecture: CpuArchitecture, 
/**
 * CPU units: 1024 = 1 vCPU. `fargate_sizes()` lists the valid pairs.
 */
cpu: number, 
/**
 * MiB: 3072 = 3 GB.
 */
memory: number, 
/**
 * The container's name in the task definition and in imagedefinitions.json; the app
 * writes both from this one field. `None`: the derived `<name>-app`.
 */
container_name: string | null, container_port: number, port_name: string, app_protocol: AppProtocol, readonly_root_filesystem: boolean, desired_count: number, 
/**
 * Seconds ECS ignores failing ALB health checks after a task starts.
 */
health_check_grace_period_seconds: number, task_execution_role: RoleChoice, load_balancer: LoadBalancerSpec, target_group: TargetGroupSpec, };

export type LaunchType = "FARGATE";

export type CpuArchitecture = "X86_64" | "ARM64";

export type AppProtocol = "http" | "http2" | "grpc";

export type LoadBalancerSpec = { 
/**
 * Unset: the derived `<name>-alb`.
 */
name: string | null, listener_port: number, };

export type TargetGroupSpec = { 
/**
 * Unset: the derived `<name>-tg`.
 */
name: string | null, 
/**
 * Seconds a deregistering task keeps serving in-flight requests (AWS default 300).
 */
deregistration_delay_seconds: number, health_check_path: string, healthy_threshold: number, unhealthy_threshold: number, health_check_interval_seconds: number, health_check_timeout_seconds: number, };

export type ExpirySpec = { 
/**
 * Hours after the lab is created (or last extended) at which AWS stops its billing.
 * 1–168 (a week); `pipewright extend` adds more later.
 */
hours: number, };

export type ClassSpec = { 
/**
 * The class's name, e.g. `ktb-2026-fall`: the `pipewright:class` tag's value.
 */
name: string | null, 
/**
 * How many hours a lab of the class is expected to run; past it the app tells the
 * student (the expiry still decides when AWS stops the billing).
 */
limit_hours: number | null, };

export type ClassFile = { 
/**
 * The class's name: the `pipewright:class` tag's value.
 */
name: string, 
/**
 * Every lab's name starts with it (empty: any name).
 */
prefix: string, 
/**
 * Hours a lab is expected to run; past it the student is told.
 */
limit_hours: number | null, 
/**
 * The spec every lab of the class starts from; its name is empty and its `[class]`
 * section names the class.
 */
lab: LabSpec, 
/**
 * The fields students may not change, in the file's order of paths, with the reason.
 */
locked: Array<LockedField>, };

export type LockedField = { 
/**
 * A spec field path (`region`, `source.repository`, `deploy.cpu`).
 */
field: string, 
/**
 * The instructor's reason, shown next to the field.
 */
reason: string, 
/**
 * The value the class fixes, as the student would type it.
 */
value: string, };

export type ExpiryState = "scheduled" | "expired" | "not_scheduled";

export type ExpiryView = { lab: string, state: ExpiryState, 
/**
 * The spec's expiry, in hours after creation.
 */
hours: number, 
/**
 * When AWS stops the lab's billing, ISO 8601 in UTC on AWS's clock.
 */
expiresAt: string | null, 
/**
 * Seconds left on AWS's clock (negative once past).
 */
awsSecondsLeft: number | null, 
/**
 * Seconds left on the wall clock: `aws_seconds_left` times the endpoint's time scale.
 */
secondsLeft: number | null, 
/**
 * 1.0 on AWS; practice mode's scale (0.1: ten times faster).
 */
timeScale: number, };

export type CostMeter = { lab: string, 
/**
 * When the lab was created (ms since the Unix epoch).
 */
createdAtMs: number, 
/**
 * Hours since then.
 */
hours: number, 
/**
 * The estimate's rate while it runs.
 */
usdPerHour: number, 
/**
 * `hours × usd_per_hour`.
 */
usd: number, 
/**
 * The class's limit (`[class] limit_hours` of the spec the lab was created with), if it
 * belongs to a class that sets one.
 */
limitHours: number | null, 
/**
 * Whether `hours` has reached that limit: decided here, with the rest of the meter, so
 * the app and the CLI say the same.
 */
limitPassed: boolean, };

export type ClassLabState = "running" | "expired" | "partial";

export type ClassLab = { lab: string, 
/**
 * STS's caller ARN when the lab was created (its `pipewright:created-by` tag).
 */
owner: string | null, 
/**
 * The profile or saved keys it was found with.
 */
place: string, account: string, region: string, 
/**
 * ISO 8601 in UTC, AWS's clock.
 */
createdAt: string | null, ageHours: number | null, state: ClassLabState, 
/**
 * When AWS stops (or stopped) its billing, ISO 8601 in UTC on AWS's clock.
 */
expiresAt: string | null, 
/**
 * Hours left until then (AWS's clock; negative once past).
 */
hoursLeft: number | null, 
/**
 * The estimate's rate for a lab of this name in this region.
 */
usdPerHour: number, 
/**
 * `age_hours × usd_per_hour`, or up to its expiry once that has run (0 when the age is
 * unknown).
 */
usd: number, 
/**
 * How many of its resources carry the class tag.
 */
resources: number, };

export type ClassPlace = { place: string, region: string | null, account: string | null, labs: number, 
/**
 * The error, when its credentials or AWS failed (the other places are still shown).
 */
error: string | null, };

export type ClassTotals = { labs: number, running: number, 
/**
 * What the running labs cost per hour together.
 */
usdPerHour: number, 
/**
 * What all labs have cost so far.
 */
usd: number, };

export type ClassStatus = { class: string, places: Array<ClassPlace>, labs: Array<ClassLab>, totals: ClassTotals, };

export type ClassSweep = { place: string, account: string, region: string, dryRun: boolean, 
/**
 * One teardown report per lab, by lab name.
 */
labs: Array<TeardownReport>, };

export type ResourceNames = { connection: string | null, pipeline: string, pipeline_role: string | null, 
/**
 * The bucket's name without the account id; see [`ResourceNames::artifact_bucket`].
 */
artifact_bucket_override: string | null, build_project: string, build_role: string | null, build_log_group: string, repository: string, cluster: string, service: string, task_family: string, container: string, task_execution_role: string | null, task_log_group: string, load_balancer: string, target_group: string, alb_security_group: string, task_security_group: string, 
/**
 * The value of the `pipewright:lab` tag on every resource.
 */
lab_tag: string, 
/**
 * The role EventBridge Scheduler runs the expiry schedules as.
 */
scheduler_role: string, 
/**
 * The EventBridge Scheduler group of the expiry schedules.
 */
schedule_group: string, };

export type FieldError = { field: string, code: string, en: string, ko: string, 
/**
 * The corrected value, when there is an obvious one ("Minsu Lab" → "minsu-lab"): the
 * wizard offers it as a one-click fix, the CLI prints it.
 */
suggestion?: string, };

export type SpecCheck = { 
/**
 * Every problem, each tied to its field (empty: the spec may be applied).
 */
errors: Array<FieldError>, 
/**
 * The names the resources get: each override if set, else the derived name.
 */
names: ResourceNames, 
/**
 * Every name as derived from the lab's name alone, with the roles and the connection
 * created: what an override field offers when it is left empty.
 */
derived: ResourceNames, 
/**
 * The derived artifact bucket, its account id left as `<account-id>`.
 */
derived_bucket: string, 
/**
 * The trigger filter the lecture uses for this spec's branch: what choosing "filter"
 * starts from.
 */
default_filter: TriggerFilter, 
/**
 * What the lab costs per hour while it runs, in the spec's region.
 */
cost: CostEstimate, };

export type SpecEdit = { "field": "branch", "value": string } | { "field": "cpu_architecture", "value": CpuArchitecture } | { "field": "environment_type", "value": EnvironmentType } | { "field": "repository", "value": string } | { "field": "buildspec_mode", "value": BuildspecMode } | { "field": "container_port", "value": number } | { "field": "container_name", "value": string | null } | { "field": "health_check_path", "value": string };

export type Step = "source" | "pipeline" | "build" | "registry" | "deploy";

export type ResourceKind = "connection" | "s3_bucket" | "iam_role" | "log_group" | "codebuild_project" | "ecr_repository" | "security_group" | "load_balancer" | "target_group" | "listener" | "ecs_cluster" | "task_definition" | "ecs_service" | "pipeline" | "schedule_group" | "schedule" | "first_run";

export type PlanView = { lab: string, 
/**
 * In the order Apply may create them (every node after what it depends on).
 */
nodes: Array<PlanNode>, };

export type PlanNode = { step: Step, kind: ResourceKind, name: string, 
/**
 * Positions in `nodes` of what this one waits for.
 */
dependsOn: Array<number>, 
/**
 * A connection the student brings: used as it is, neither created nor deleted.
 */
reused: boolean, 
/**
 * Not a resource (the first run): nothing to record or delete.
 */
milestone: boolean, };

export type Region = { code: string, en: string, ko: string, 
/**
 * Opt-in regions must be enabled in the account before anything can be created there.
 */
opt_in: boolean, };

export type TaskSize = { 
/**
 * CPU units (1024 = 1 vCPU).
 */
cpu: number, 
/**
 * MiB.
 */
memory: number, 
/**
 * e.g. "1 vCPU / 3 GB".
 */
label: string, };

export type Per = "hour" | "build_minute" | "gb_month";

export type CostLine = { 
/**
 * Stable key, e.g. "alb_hour".
 */
key: string, en: string, ko: string, 
/**
 * USD per `per`, for this lab as configured (all tasks, all addresses).
 */
usd: number, per: Per, };

export type CostEstimate = { region: string, 
/**
 * False when the region has no table of its own and was estimated from us-east-1.
 */
region_priced: boolean, lines: Array<CostLine>, 
/**
 * The sum of the hourly lines: what the lab costs for every hour it is left running.
 */
usd_per_hour: number, };

export type NodeState = "pending" | "creating" | "waiting" | "created" | "adopted" | "failed" | "skipped" | "deleting" | "deleted";

export type ProgressDetail = { 
/**
 * A page the student must open, e.g. the console page that completes the GitHub handshake.
 */
url: string | null, 
/**
 * The ARN or id AWS gave the resource.
 */
physicalId: string | null, 
/**
 * The stable error code (see `ErrorCode`) when `state` is `failed`.
 */
errorCode: string | null, 
/**
 * How long what is being waited for usually takes on AWS, in seconds.
 */
typicalSecs: number | null, 
/**
 * How long it should take here, at the endpoint's pace (the sandbox may run faster).
 */
expectedSecs: number | null, 
/**
 * The lab's first pipeline run, stage by stage (the `first_run` node).
 */
run: RunProgress | null, 
/**
 * Teardown: what `message` says, named for the UI to word in the student's language.
 */
note: ProgressNote | null, 
/**
 * Teardown: why a `skipped` resource is left alone (`message` words it in English).
 */
reasonKind: LeftoverReason | null, };

export type ProgressNote = "already_gone" | "found_by_tag";

export type RunProgress = { executionId: string, 
/**
 * Every stage of the pipeline in order, with CodePipeline's status for this run
 * (`InProgress`, `Succeeded`, `Failed`, ...), or `None` before the run reaches it.
 */
stages: Array<StageProgress>, 
/**
 * The build's current (or failed) CodeBuild phase, e.g. `BUILD`.
 */
buildPhase: string | null, 
/**
 * What ECS says about the service while it scales up (its latest event).
 */
serviceEvent: string | null, 
/**
 * When the run failed: the stage, AWS's message and the build log's last lines.
 */
failure: RunFailure | null, };

export type StageProgress = { name: string, status: string | null, };

export type RunFailure = { stage: string, action: string, message: string, buildPhase: string | null, logTail: Array<string>, };

export type ProgressEvent = { lab: string, 
/**
 * The lecture step: "source", "pipeline", "build", "registry" or "deploy".
 */
step: string, 
/**
 * The resource kind, as the ledger names it ("ecr_repository", "iam_role", ...).
 */
kind: string, name: string, state: NodeState, message: string | null, 
/**
 * Milliseconds since the operation started.
 */
elapsedMs: number, detail: ProgressDetail | null, };

export type ResourceState = "intent" | "created" | "adopted" | "reused" | "deleting" | "deleted";

export type LedgerResource = { kind: string, name: string, 
/**
 * The lecture step it belongs to ("source", "pipeline", "build", "registry", "deploy").
 */
step: string, state: ResourceState, 
/**
 * ARN or id once AWS has answered the create call.
 */
physicalId: string | null, };

export type LabSummary = { name: string, region: string, 
/**
 * When the lab was first recorded, in milliseconds since the Unix epoch.
 */
createdAtMs: number, 
/**
 * Resources that may still exist (see `ResourceState::is_live`): 0 once torn down.
 */
liveResources: number, 
/**
 * When the lab was torn down (its last resource deleted), in milliseconds since the Unix
 * epoch; `null` while anything of it may still exist, or if nothing was ever deleted.
 */
removedAtMs: number | null, };

export type ApplyReport = { lab: string, 
/**
 * The app's address once deployed: `http://<load balancer DNS name>`.
 */
url: string | null, resources: Array<LedgerResource>, };

export type LabStatus = { lab: string, url: string | null, resources: Array<ResourceStatus>, };

export type ResourceStatus = { step: string, kind: string, name: string, 
/**
 * The ledger's state, if the ledger knows it.
 */
ledgerState: ResourceState | null, physicalId: string | null, 
/**
 * Whether AWS has it now (`None`: could not tell, see `message`).
 */
exists: boolean | null, 
/**
 * Whether it carries the lab's tag (or is reused by design).
 */
ours: boolean | null, message: string | null, };

export type TeardownItem = { kind: string, name: string, id: string | null, };

export type TeardownFailure = { kind: string, name: string, 
/**
 * The stable error code (see `ErrorCode`).
 */
code: string, 
/**
 * AWS's own error code, when AWS answered.
 */
awsCode: string | null, message: string, 
/**
 * What to do, in English (the CLI prints it).
 */
hint: string, 
/**
 * Which advice `hint` is, so the app can word it in the student's language.
 */
hintKind: TeardownHint, };

export type TeardownHint = "dependency" | "busy" | "error" | "console";

export type Leftover = { kind: string, name: string, id: string | null, 
/**
 * Why, in English (the CLI prints it).
 */
reason: string, 
/**
 * Which reason, so the app can word it in the student's language.
 */
reasonKind: LeftoverReason, };

export type LeftoverReason = "reused" | "not_ours" | "shared_connection" | "tagged_not_named" | "still_exists" | "listed_by_tag" | "could_not_check";

export type TeardownReport = { lab: string, dryRun: boolean, 
/**
 * Deleted by this run, in order.
 */
deleted: Array<TeardownItem>, 
/**
 * Dry run only: what a real run would delete, in order.
 */
wouldDelete: Array<TeardownItem>, 
/**
 * Left alone on purpose: reused, shared with another lab, or not ours (no lab tag).
 */
skipped: Array<Leftover>, failed: Array<TeardownFailure>, 
/**
 * The final inventory. Empty in a dry run (nothing was checked after deleting).
 */
leftovers: Array<Leftover>, };

export type WatchEvent = { "kind": "snapshot", snapshot: PipelineSnapshot, } | { "kind": "changes", changes: Array<Change>, } | { "kind": "heartbeat" };

export type PipelineSnapshot = { pipeline: string, region: string, 
/**
 * Newest first, as AWS lists them (the most recent 20).
 */
executions: Array<ExecutionSummary>, 
/**
 * The execution `stages` describe: the one asked for, else the oldest still running
 * (so QUEUED runs are followed one after the other), else the newest.
 */
selectedExecutionId: string | null, stages: Array<StageView>, health: HealthView, 
/**
 * Whether the watcher polls fast (a run is in progress), slowly (idle) or backs off.
 */
polling: Polling, 
/**
 * The last poll's failure (network, throttling, permissions); `null` once a poll works.
 */
problem: ErrorPayload | null, };

export type RunStatus = "InProgress" | "Stopping" | "Stopped" | "Succeeded" | "Superseded" | "Failed" | "Cancelled" | "Abandoned" | "Unknown";

export type ExecutionSummary = { id: string, status: RunStatus, statusSummary: string | null, startedAt: number | null, updatedAt: number | null, 
/**
 * Set once the execution is over (its last update).
 */
endedAt: number | null, sourceRevision: SourceRevision | null, trigger: ExecutionTrigger | null, 
/**
 * Why it was stopped, if it was (the reason given to StopPipelineExecution).
 */
stopReason: string | null, };

export type SourceRevision = { commitId: string, 
/**
 * The commit message (from the revision summary, which GitHub sources send as JSON).
 */
message: string | null, 
/**
 * Known once the execution's Source action has been looked at.
 */
branch: string | null, url: string | null, };

export type ExecutionTrigger = { type: string, detail: string | null, };

export type StageView = { name: string, 
/**
 * The stage's status in the selected execution; `null`: not reached (yet).
 */
status: RunStatus | null, 
/**
 * The selected execution finished the previous stage and waits to enter this one
 * (another execution holds it: QUEUED / SUPERSEDED modes).
 */
waiting: boolean, actions: Array<ActionView>, };

export type ActionView = { name: string, runOrder: number, 
/**
 * AWS's provider name: `CodeStarSourceConnection`, `CodeBuild`, `ECS`...
 */
provider: string | null, 
/**
 * The latest attempt's status in the selected execution; `null`: not started.
 */
status: RunStatus | null, startedAt: number | null, updatedAt: number | null, summary: string | null, errorDetails: ActionError | null, 
/**
 * The build id, deployment id or commit id behind the action.
 */
externalId: string | null, 
/**
 * The page for this run (the build, the commit, the service).
 */
externalUrl: string | null, 
/**
 * The console page of what the action runs (the project, the service, the branch).
 */
consoleUrl: string | null, build: BuildView | null, rollout: RolloutView | null, };

export type ActionError = { code: string | null, message: string | null, };

export type BuildView = { id: string, 
/**
 * `IN_PROGRESS`, `SUCCEEDED`, `FAILED`, `FAULT`, `STOPPED`, `TIMED_OUT`.
 */
status: string | null, currentPhase: string | null, phases: Array<BuildPhaseView>, 
/**
 * The build's log lines read so far, oldest first (the last 1000; see `Change`).
 */
logTail: Array<LogLine>, logsUrl: string | null, };

export type BuildPhaseView = { 
/**
 * `SUBMITTED`, `QUEUED`, `PROVISIONING`, `DOWNLOAD_SOURCE`, `INSTALL`, `PRE_BUILD`,
 * `BUILD`, `POST_BUILD`, `UPLOAD_ARTIFACTS`, `FINALIZING`, `COMPLETED`.
 */
name: string, 
/**
 * `null` while the phase runs; then `SUCCEEDED`, `FAILED`...
 */
status: string | null, startedAt: number | null, endedAt: number | null, 
/**
 * How long the phase took as the student saw it (end minus start).
 */
durationSeconds: number | null, 
/**
 * In practice mode, how long the phase takes on AWS (the sandbox runs faster); `null` on
 * AWS, where it is `duration_seconds`.
 */
awsSeconds: number | null, 
/**
 * Why a phase failed (`COMMAND_EXECUTION_ERROR: Error while executing command...`).
 */
contexts: Array<string>, };

export type LogLine = { 
/**
 * Epoch milliseconds.
 */
at: number, text: string, };

export type RolloutView = { cluster: string, service: string, 
/**
 * PRIMARY (the new one) first, then ACTIVE (draining) ones.
 */
deployments: Array<DeploymentView>, 
/**
 * The service's most recent events, newest first (at most 5).
 */
events: Array<ServiceEvent>, 
/**
 * Tasks that stopped recently and why (a failed rollout's best clue).
 */
stoppedTasks: Array<StoppedTask>, };

export type DeploymentView = { id: string, status: string | null, taskDefinition: string | null, desired: number, running: number, pending: number, failed: number, 
/**
 * `IN_PROGRESS`, `COMPLETED` or `FAILED`.
 */
rolloutState: string | null, rolloutReason: string | null, updatedAt: number | null, };

export type ServiceEvent = { id: string, at: number | null, message: string, };

export type StoppedTask = { taskArn: string, stoppedReason: string | null, stoppedAt: number | null, };

export type HealthView = { 
/**
 * `http://<load balancer DNS name>/`, once known.
 */
url: string | null, state: HealthState, httpStatus: number | null, message: string | null, };

export type HealthState = "waiting" | "disabled" | "healthy" | "unhealthy" | "unreachable";

export type Polling = "fast" | "slow" | "backoff";

export type Change = { op: ChangeOp, 
/**
 * A JSON Pointer into the snapshot; for `add` it ends with `/-`.
 */
path: string, value: unknown, };

export type ChangeOp = "replace" | "add";

export type RetryOutcome = { executionId: string, stage: string, };

export type RequestCount = { 
/**
 * REST API requests: the only ones GitHub's 60-an-hour limit counts.
 */
api: number, 
/**
 * git smart HTTP (`info/refs`).
 */
git: number, 
/**
 * Raw file downloads.
 */
raw: number, };

export type Severity = "error" | "warning" | "info";

export type Finding = { 
/**
 * Stable: `branch_missing`, `buildspec_account_id`, ...
 */
code: string, severity: Severity, 
/**
 * The spec field it concerns (`source.branch`), or the repository's file
 * (`repository:buildspec.yml`).
 */
field: string, 
/**
 * What is wrong and what to do, in English.
 */
en: string, 
/**
 * The same in Korean.
 */
ko: string, 
/**
 * Lines of the file (or log) that show it.
 */
evidence: Array<string>, 
/**
 * A page that shows it (the file on GitHub, the console).
 */
link: string | null, 
/**
 * A one-click fix on the spec, when one exists.
 */
remedy: SpecEdit | null, };

export type PreflightReport = { repository: string, branch: string, 
/**
 * Whether the repository could be read at all (a private one without a token: no).
 */
checked: boolean, findings: Array<Finding>, 
/**
 * GitHub requests this preflight made, by kind.
 */
requests: RequestCount, 
/**
 * Practice mode: the practice GitHub's sample repository, to offer as the student's.
 */
sample_repository: string | null, };

export type DoctorReport = { lab: string, region: string, 
/**
 * The run it looked at (the newest), if the pipeline has run.
 */
execution_id: string | null, 
/**
 * No finding of error or warning severity.
 */
healthy: boolean, 
/**
 * Most likely root cause first.
 */
findings: Array<Finding>, };

export type ExportFormat = "aws-cli" | "cloudformation";

export type ExportText = { fileName: string, text: string, };

/** The regions a lab may use, in the console's order (`crate::regions`). */
export const REGIONS: readonly Region[] = [
  {"code":"us-east-1","en":"US East (N. Virginia)","ko":"미국 동부 (버지니아 북부)","opt_in":false},
  {"code":"us-east-2","en":"US East (Ohio)","ko":"미국 동부 (오하이오)","opt_in":false},
  {"code":"us-west-1","en":"US West (N. California)","ko":"미국 서부 (캘리포니아 북부)","opt_in":false},
  {"code":"us-west-2","en":"US West (Oregon)","ko":"미국 서부 (오레곤)","opt_in":false},
  {"code":"af-south-1","en":"Africa (Cape Town)","ko":"아프리카 (케이프타운)","opt_in":true},
  {"code":"ap-east-1","en":"Asia Pacific (Hong Kong)","ko":"아시아 태평양 (홍콩)","opt_in":true},
  {"code":"ap-south-2","en":"Asia Pacific (Hyderabad)","ko":"아시아 태평양 (하이데라바드)","opt_in":true},
  {"code":"ap-southeast-3","en":"Asia Pacific (Jakarta)","ko":"아시아 태평양 (자카르타)","opt_in":true},
  {"code":"ap-southeast-5","en":"Asia Pacific (Malaysia)","ko":"아시아 태평양 (말레이시아)","opt_in":true},
  {"code":"ap-southeast-4","en":"Asia Pacific (Melbourne)","ko":"아시아 태평양 (멜버른)","opt_in":true},
  {"code":"ap-south-1","en":"Asia Pacific (Mumbai)","ko":"아시아 태평양 (뭄바이)","opt_in":false},
  {"code":"ap-northeast-3","en":"Asia Pacific (Osaka)","ko":"아시아 태평양 (오사카)","opt_in":false},
  {"code":"ap-northeast-2","en":"Asia Pacific (Seoul)","ko":"아시아 태평양 (서울)","opt_in":false},
  {"code":"ap-southeast-1","en":"Asia Pacific (Singapore)","ko":"아시아 태평양 (싱가포르)","opt_in":false},
  {"code":"ap-southeast-2","en":"Asia Pacific (Sydney)","ko":"아시아 태평양 (시드니)","opt_in":false},
  {"code":"ap-northeast-1","en":"Asia Pacific (Tokyo)","ko":"아시아 태평양 (도쿄)","opt_in":false},
  {"code":"ca-central-1","en":"Canada (Central)","ko":"캐나다 (중부)","opt_in":false},
  {"code":"ca-west-1","en":"Canada West (Calgary)","ko":"캐나다 서부 (캘거리)","opt_in":true},
  {"code":"eu-central-1","en":"Europe (Frankfurt)","ko":"유럽 (프랑크푸르트)","opt_in":false},
  {"code":"eu-west-1","en":"Europe (Ireland)","ko":"유럽 (아일랜드)","opt_in":false},
  {"code":"eu-west-2","en":"Europe (London)","ko":"유럽 (런던)","opt_in":false},
  {"code":"eu-south-1","en":"Europe (Milan)","ko":"유럽 (밀라노)","opt_in":true},
  {"code":"eu-west-3","en":"Europe (Paris)","ko":"유럽 (파리)","opt_in":false},
  {"code":"eu-south-2","en":"Europe (Spain)","ko":"유럽 (스페인)","opt_in":true},
  {"code":"eu-north-1","en":"Europe (Stockholm)","ko":"유럽 (스톡홀름)","opt_in":false},
  {"code":"eu-central-2","en":"Europe (Zurich)","ko":"유럽 (취리히)","opt_in":true},
  {"code":"il-central-1","en":"Israel (Tel Aviv)","ko":"이스라엘 (텔아비브)","opt_in":true},
  {"code":"me-south-1","en":"Middle East (Bahrain)","ko":"중동 (바레인)","opt_in":true},
  {"code":"me-central-1","en":"Middle East (UAE)","ko":"중동 (UAE)","opt_in":true},
  {"code":"sa-east-1","en":"South America (São Paulo)","ko":"남아메리카 (상파울루)","opt_in":false},
];

/** A new lab's region, and practice mode's. */
export const DEFAULT_REGION = "ap-northeast-2";

/** The build images the wizard offers (`spec::BUILD_IMAGES`). */
export const BUILD_IMAGES: readonly string[] = ["aws/codebuild/amazonlinux-x86_64-standard:5.0", "aws/codebuild/amazonlinux-aarch64-standard:3.0", "aws/codebuild/standard:7.0"];
