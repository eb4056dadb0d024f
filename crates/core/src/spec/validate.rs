//! `LabSpec::validate`: every rule applied to a whole spec, returning every error at once so
//! the wizard can mark all the fields to fix in one pass.
//!
//! Field paths are the serde names joined by dots, list items as `[i]`:
//! `registry.repository_name`, `pipeline.trigger.include[1]`,
//! `build.environment_variables[0].name`. A derived name that breaks a rule is reported on
//! `name`, since that is what the student would change.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::checks::{MINUTES, NO_UNIT, Noun, Rule, SECONDS, noun, problem};
use super::korean::{object, subject, topic, with};
use super::model::*;
use super::{fargate, glob, rules};

/// One problem with one field, in both languages. `code` is stable: the UI and tests match on
/// it, never on the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub en: String,
    pub ko: String,
    /// The corrected value, when there is an obvious one ("Minsu Lab" → "minsu-lab"): the
    /// wizard offers it as a one-click fix, the CLI prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub suggestion: Option<String>,
}

/// The language a message is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "en" => Ok(Lang::En),
            "ko" => Ok(Lang::Ko),
            other => Err(format!("unknown language \"{other}\": use en or ko")),
        }
    }
}

impl FieldError {
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Ko => &self.ko,
        }
    }
}

/// Most patterns CodePipeline takes in one include or exclude list.
const MAX_PATTERNS: usize = 8;

/// Most build variables, and their names and values together. CodeBuild documents neither;
/// these are Pipewright's bounds, far above what a lab needs, so that a spec stays a file a
/// person can read and a project stays well inside what the API takes in one request.
const MAX_ENV_VARS: usize = 50;
const MAX_ENV_TOTAL: usize = 10_000;

#[derive(Default)]
struct Errors {
    list: Vec<FieldError>,
    /// Whether the lab name passed, so derived names are worth checking.
    name_ok: bool,
}

impl Errors {
    fn check(&mut self, field: impl Into<String>, rule: Rule) {
        if let Err(p) = rule {
            self.list.push(FieldError {
                field: field.into(),
                code: p.code.into(),
                en: p.en,
                ko: p.ko,
                suggestion: p.suggestion,
            });
        }
    }

    /// An overridable name: the override is checked on its own field; the derived name (when
    /// the lab name is fine) on `name`, which only fails if the lab-name rule is too loose.
    fn name(&mut self, field: &str, value: &Option<String>, derived: &str, rule: impl Fn(&str) -> Rule) {
        match value {
            Some(v) => self.check(field, rule(v)),
            None if self.name_ok => self.check("name", rule(derived)),
            None => {}
        }
    }

    fn role(&mut self, field: &str, choice: &RoleChoice, derived: Option<&String>) {
        match choice {
            RoleChoice::Create { name } => self.name(
                &format!("{field}.name"),
                name,
                derived.map_or("", |s| s),
                rules::role_name,
            ),
            RoleChoice::Existing { arn } => self.check(format!("{field}.arn"), rules::role_arn(arn)),
        }
    }

    fn refuse(&mut self, field: &str, code: &'static str, en: &str, ko: &str) {
        self.check(field, Err(problem(code, en, ko)));
    }

    fn patterns(&mut self, field: &str, list: &[String], rule: impl Fn(&str) -> Rule) {
        if list.len() > MAX_PATTERNS {
            self.check(
                field,
                Err(problem(
                    "too_many_patterns",
                    format!("At most {MAX_PATTERNS} patterns per list (now {}).", list.len()),
                    format!("목록 하나에 패턴은 {MAX_PATTERNS}개까지입니다 (지금 {}개).", list.len()),
                )),
            );
            return;
        }
        for (i, p) in list.iter().enumerate() {
            self.check(format!("{field}[{i}]"), rule(p));
        }
    }
}

impl LabSpec {
    /// Every problem with this spec; empty means it may be applied.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Errors::default();
        let name = rules::lab_name(&self.name);
        e.name_ok = name.is_ok();
        e.check("name", name);
        e.check("region", rules::region(&self.region));
        self.check_source(&mut e);
        self.check_pipeline(&mut e);
        self.check_build(&mut e);
        self.check_registry(&mut e);
        self.check_deploy(&mut e);
        for (field, rule) in self.expiry.rules().into_iter().chain(self.class.rules()) {
            e.check(field, rule);
        }
        e.list
    }

    fn check_source(&self, e: &mut Errors) {
        let names = self.names();
        match &self.source.connection {
            ConnectionChoice::Create { name } => e.name(
                "source.connection.name",
                name,
                names.connection.as_deref().unwrap_or(""),
                rules::connection_name,
            ),
            ConnectionChoice::Existing { arn } => e.check("source.connection.arn", rules::connection_arn(arn)),
        }
        e.check("source.repository", rules::github_repository(&self.source.repository));
        e.check("source.branch", rules::git_branch(&self.source.branch));
    }

    fn check_pipeline(&self, e: &mut Errors) {
        let names = self.names();
        let p = &self.pipeline;
        e.name("pipeline.name", &p.name, &names.pipeline, rules::pipeline_name);
        // The derived bucket needs the account id; a 12-digit stand-in checks its length.
        let derived_bucket = super::names::derived_bucket(&self.name, "123456789012");
        e.name(
            "pipeline.artifact_bucket",
            &p.artifact_bucket,
            &derived_bucket,
            rules::s3_bucket,
        );
        e.role("pipeline.service_role", &p.service_role, names.pipeline_role.as_ref());
        if let Trigger::Filter(f) = &p.trigger {
            self.check_filter(e, f);
        }
    }

    fn check_filter(&self, e: &mut Errors, f: &TriggerFilter) {
        const T: &str = "pipeline.trigger";
        let what = match f.filter_type {
            FilterType::Branches => noun("The branch pattern", "브랜치 패턴"),
            FilterType::Tags => noun("The tag pattern", "태그 패턴"),
        };
        e.patterns(&format!("{T}.include"), &f.include, |s| rules::ref_glob(s, what));
        e.patterns(&format!("{T}.exclude"), &f.exclude, |s| rules::ref_glob(s, what));
        e.patterns(
            &format!("{T}.file_paths_include"),
            &f.file_paths_include,
            rules::path_glob,
        );
        e.patterns(
            &format!("{T}.file_paths_exclude"),
            &f.file_paths_exclude,
            rules::path_glob,
        );
        if f.include.is_empty() && f.exclude.is_empty() {
            e.refuse(
                &format!("{T}.include"),
                "empty_filter",
                "Name at least one pattern to include or exclude, or choose \"no filter\".",
                "포함하거나 제외할 패턴을 하나 이상 입력하거나 \"필터 없음\"을 고르세요.",
            );
        }
        let pull_request = f.event == TriggerEvent::PullRequest;
        if pull_request && f.filter_type == FilterType::Tags {
            e.refuse(
                &format!("{T}.filter_type"),
                "tags_need_push",
                "Pull request triggers filter on branches, not tags.",
                "풀 리퀘스트 트리거는 태그가 아니라 브랜치로만 거를 수 있습니다.",
            );
        }
        if pull_request && f.pull_request_events.is_empty() {
            e.refuse(
                &format!("{T}.pull_request_events"),
                "required",
                "Choose at least one pull request event (opened, updated, closed).",
                "풀 리퀘스트 이벤트(열림, 업데이트, 닫힘)를 하나 이상 고르세요.",
            );
        }
        let has_paths = !f.file_paths_include.is_empty() || !f.file_paths_exclude.is_empty();
        if f.filter_type == FilterType::Tags && has_paths {
            e.refuse(
                &format!("{T}.file_paths_include"),
                "file_paths_need_branches",
                "File path filters work with branch filters only, not with tags.",
                "파일 경로 필터는 태그가 아니라 브랜치 필터와 함께만 쓸 수 있습니다.",
            );
        }
        let listed = [&f.include, &f.exclude].iter().all(|l| l.len() <= MAX_PATTERNS);
        if !pull_request && f.filter_type == FilterType::Branches && listed {
            self.check_branch_triggers(e, f);
        }
    }

    /// The lecture's classic mistake: a pipeline whose trigger never fires for the branch it
    /// builds (`master` in the sample repository, `main` in the filter).
    fn check_branch_triggers(&self, e: &mut Errors, f: &TriggerFilter) {
        let branch = &self.source.branch;
        if rules::git_branch(branch).is_err() {
            return;
        }
        let quoted = format!("\"{branch}\"");
        let included = f.include.is_empty() || f.include.iter().any(|p| glob::matches(p, branch));
        if !included {
            e.refuse(
                "pipeline.trigger.include",
                "branch_not_triggered",
                &format!("No include pattern matches the source branch \"{branch}\": pushes to it would never start the pipeline. Add \"{branch}\" to the patterns."),
                &format!(
                    "소스 브랜치 {} 일치하는 포함 패턴이 없어, 이 브랜치에 푸시해도 파이프라인이 시작되지 않습니다. 패턴에 {} 추가하세요.",
                    with(&quoted),
                    object(&quoted)
                ),
            );
        } else if let Some(p) = f.exclude.iter().find(|p| glob::matches(p, branch)) {
            e.refuse(
                "pipeline.trigger.exclude",
                "branch_excluded",
                &format!("The exclude pattern \"{p}\" matches the source branch \"{branch}\": pushes to it would never start the pipeline."),
                &format!(
                    "제외 패턴 {} 소스 브랜치 {} 일치해, 이 브랜치에 푸시해도 파이프라인이 시작되지 않습니다.",
                    subject(&format!("\"{p}\"")),
                    with(&quoted)
                ),
            );
        }
    }

    fn check_build(&self, e: &mut Errors) {
        let names = self.names();
        let b = &self.build;
        e.name(
            "build.project_name",
            &b.project_name,
            &names.build_project,
            rules::codebuild_project,
        );
        if b.provisioning == Provisioning::Reserved {
            e.refuse(
                "build.provisioning",
                "not_offered",
                "Reserved capacity bills for its machines even while no build runs; a lab uses on-demand.",
                "예약 용량은 빌드가 없어도 머신 비용이 나가므로, 실습에서는 온디맨드를 씁니다.",
            );
        }
        e.check("build.image", rules::build_image(&b.image));
        let arm = match b.environment_type {
            EnvironmentType::LinuxLambdaContainer => {
                e.refuse(
                    "build.environment_type",
                    "lambda_cannot_docker",
                    "Lambda compute has no Docker daemon and no privileged mode, so it cannot build the container image: choose EC2 (LINUX_CONTAINER).",
                    "Lambda 컴퓨팅에는 Docker 데몬과 권한 모드가 없어 컨테이너 이미지를 빌드할 수 없습니다. EC2(LINUX_CONTAINER)를 고르세요.",
                );
                None
            }
            EnvironmentType::LinuxContainer => Some(false),
            EnvironmentType::ArmContainer => Some(true),
        };
        if let Some(arm) = arm {
            let wrong = if arm { "x86_64" } else { "aarch64" };
            if b.image.contains(wrong) {
                let want = if arm { DEFAULT_IMAGE_ARM } else { DEFAULT_IMAGE_X86 };
                e.refuse(
                    "build.image",
                    "image_architecture_mismatch",
                    &format!("This image is for {wrong}, but the build environment is not; use {want}."),
                    &format!("이 이미지는 {wrong}용이지만 빌드 환경은 그렇지 않습니다. {want}를 쓰세요."),
                );
            }
            self.check_architectures(e, arm);
        }
        if !b.privileged {
            e.refuse(
                "build.privileged",
                "privileged_required",
                "The build runs `docker build`, which needs privileged mode: without it the build fails with \"Cannot connect to the Docker daemon\".",
                "빌드에서 `docker build`를 실행하므로 권한 모드가 필요합니다. 끄면 \"Cannot connect to the Docker daemon\" 오류로 빌드가 실패합니다.",
            );
        }
        e.check(
            "build.timeout_minutes",
            super::checks::range(
                b.timeout_minutes,
                5,
                2160,
                noun("The build timeout", "빌드 제한 시간"),
                MINUTES,
            ),
        );
        if b.buildspec_mode == BuildspecMode::File {
            e.check("build.buildspec_path", rules::buildspec_path(&b.buildspec_path));
        }
        self.check_env_vars(e);
        e.role("build.service_role", &b.service_role, names.build_role.as_ref());
    }

    /// An image built on one architecture does not start on the other ("exec format error").
    fn check_architectures(&self, e: &mut Errors, build_arm: bool) {
        let deploy_arm = self.deploy.cpu_architecture == CpuArchitecture::Arm64;
        if build_arm != deploy_arm {
            let (b, d) = if build_arm {
                ("ARM64", "X86_64")
            } else {
                ("X86_64", "ARM64")
            };
            e.refuse(
                "deploy.cpu_architecture",
                "architecture_mismatch",
                &format!("The build makes {b} images, which would fail on {d} tasks with \"exec format error\": use the same architecture for build.environment_type and here."),
                &format!("빌드는 {b} 이미지를 만드는데 태스크는 {d}라서 \"exec format error\"로 실패합니다. build.environment_type과 같은 아키텍처를 고르세요."),
            );
        }
    }

    fn check_env_vars(&self, e: &mut Errors) {
        let vars = &self.build.environment_variables;
        const F: &str = "build.environment_variables";
        if vars.len() > MAX_ENV_VARS {
            e.refuse(
                F,
                "too_many",
                &format!("At most {MAX_ENV_VARS} build variables (now {}).", vars.len()),
                &format!("빌드 변수는 {MAX_ENV_VARS}개까지입니다 (지금 {}개).", vars.len()),
            );
            // Naming each of thousands of entries would drown the one message that matters.
            return;
        }
        let total: usize = vars
            .iter()
            .map(|v| v.name.chars().count() + v.value.chars().count())
            .sum();
        if total > MAX_ENV_TOTAL {
            e.refuse(
                F,
                "too_large",
                &format!("Build variables' names and values together must be at most {MAX_ENV_TOTAL} characters (now {total})."),
                &format!("빌드 변수의 이름과 값은 모두 합쳐 {MAX_ENV_TOTAL}자 이하여야 합니다 (지금 {total}자)."),
            );
        }
        for (i, v) in vars.iter().enumerate() {
            let field = format!("build.environment_variables[{i}]");
            e.check(format!("{field}.name"), rules::env_var_name(&v.name));
            e.check(format!("{field}.value"), rules::env_var_value(&v.value));
            if vars[..i].iter().any(|w| w.name == v.name) {
                e.refuse(
                    &format!("{field}.name"),
                    "duplicate",
                    &format!("{} is set twice.", v.name),
                    &format!("{} 두 번 설정되어 있습니다.", topic(&v.name)),
                );
            }
        }
    }

    fn check_registry(&self, e: &mut Errors) {
        let names = self.names();
        let r = &self.registry;
        e.name(
            "registry.repository_name",
            &r.repository_name,
            &names.repository,
            rules::ecr_repository,
        );
        if r.visibility == Visibility::Public {
            e.refuse(
                "registry.visibility",
                "not_offered",
                "A public repository can never be made private again, and anyone could pull the image: a lab uses a private one.",
                "퍼블릭 리포지토리는 나중에 프라이빗으로 바꿀 수 없고 누구나 이미지를 받을 수 있으므로, 실습에서는 프라이빗 리포지토리를 씁니다.",
            );
        }
        match (&r.kms_key, r.encryption) {
            (Some(_), Encryption::Aes256) => e.refuse(
                "registry.kms_key",
                "kms_key_without_kms",
                "A KMS key applies only with KMS encryption: remove it or choose KMS.",
                "KMS 키는 KMS 암호화에서만 쓸 수 있습니다. 키를 지우거나 KMS를 고르세요.",
            ),
            (Some(key), Encryption::Kms) => e.check("registry.kms_key", rules::kms_key(key)),
            (None, _) => {}
        }
        e.check(
            "registry.keep_last_images",
            super::checks::range(
                r.keep_last_images,
                1,
                1000,
                noun("The number of images kept", "보관할 이미지 수"),
                NO_UNIT,
            ),
        );
    }

    fn check_deploy(&self, e: &mut Errors) {
        let names = self.names();
        let d = &self.deploy;
        let ecs = |what: Noun| move |s: &str| rules::ecs_name(s, what);
        e.name(
            "deploy.cluster_name",
            &d.cluster_name,
            &names.cluster,
            ecs(noun("The cluster name", "클러스터 이름")),
        );
        e.name(
            "deploy.service_name",
            &d.service_name,
            &names.service,
            ecs(noun("The service name", "서비스 이름")),
        );
        e.name(
            "deploy.container_name",
            &d.container_name,
            &names.container,
            ecs(noun("The container name", "컨테이너 이름")),
        );
        e.check("deploy.platform_version", rules::platform_version(&d.platform_version));
        let cpu = fargate::fargate_cpu(d.cpu);
        if cpu.is_ok() {
            e.check("deploy.memory", fargate::fargate_memory_for(d.cpu, d.memory));
        }
        e.check("deploy.cpu", cpu);
        e.check(
            "deploy.container_port",
            rules::port(d.container_port, noun("The container port", "컨테이너 포트")),
        );
        e.check("deploy.port_name", rules::port_name(&d.port_name));
        if d.app_protocol == AppProtocol::Grpc {
            e.refuse(
                "deploy.app_protocol",
                "not_offered",
                "gRPC through a load balancer needs an HTTPS listener and a certificate for a domain, which a lab does not have: use http.",
                "로드 밸런서를 거치는 gRPC에는 HTTPS 리스너와 도메인 인증서가 필요한데 실습에는 없습니다. http를 쓰세요.",
            );
        }
        e.check(
            "deploy.desired_count",
            super::checks::range(
                d.desired_count,
                1,
                10,
                noun("The number of tasks", "태스크 수"),
                NO_UNIT,
            ),
        );
        e.check(
            "deploy.health_check_grace_period_seconds",
            super::checks::range(
                d.health_check_grace_period_seconds,
                0,
                i32::MAX.unsigned_abs(),
                noun("The grace period", "유예 기간"),
                SECONDS,
            ),
        );
        e.role(
            "deploy.task_execution_role",
            &d.task_execution_role,
            names.task_execution_role.as_ref(),
        );
        let lb = &d.load_balancer;
        let lb_noun = noun("The load balancer name", "로드 밸런서 이름");
        e.name("deploy.load_balancer.name", &lb.name, &names.load_balancer, |s| {
            rules::elb_name(s, lb_noun, true)
        });
        e.check(
            "deploy.load_balancer.listener_port",
            rules::port(lb.listener_port, noun("The listener port", "리스너 포트")),
        );
        self.check_target_group(e);
    }

    fn check_target_group(&self, e: &mut Errors) {
        const T: &str = "deploy.target_group";
        let names = self.names();
        let tg = &self.deploy.target_group;
        let tg_noun = noun("The target group name", "대상 그룹 이름");
        e.name(&format!("{T}.name"), &tg.name, &names.target_group, |s| {
            rules::elb_name(s, tg_noun, false)
        });
        let checks = [
            (
                "deregistration_delay_seconds",
                tg.deregistration_delay_seconds,
                0,
                3600,
                noun("The deregistration delay", "등록 취소 지연"),
                SECONDS,
            ),
            (
                "healthy_threshold",
                tg.healthy_threshold,
                2,
                10,
                noun("The healthy threshold", "정상 임계값"),
                NO_UNIT,
            ),
            (
                "unhealthy_threshold",
                tg.unhealthy_threshold,
                2,
                10,
                noun("The unhealthy threshold", "비정상 임계값"),
                NO_UNIT,
            ),
            (
                "health_check_interval_seconds",
                tg.health_check_interval_seconds,
                5,
                300,
                noun("The health check interval", "상태 검사 간격"),
                SECONDS,
            ),
            (
                "health_check_timeout_seconds",
                tg.health_check_timeout_seconds,
                2,
                120,
                noun("The health check timeout", "상태 검사 제한 시간"),
                SECONDS,
            ),
        ];
        for (field, n, min, max, what, unit) in checks {
            e.check(format!("{T}.{field}"), super::checks::range(n, min, max, what, unit));
        }
        e.check(
            format!("{T}.health_check_path"),
            rules::health_check_path(&tg.health_check_path),
        );
        if tg.health_check_timeout_seconds >= tg.health_check_interval_seconds {
            e.refuse(
                &format!("{T}.health_check_timeout_seconds"),
                "timeout_not_less_than_interval",
                "The health check timeout must be shorter than the interval.",
                "상태 검사 제한 시간은 간격보다 짧아야 합니다.",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> LabSpec {
        LabSpec::new("ktb-rex", "octo/app")
    }

    fn codes(spec: &LabSpec) -> Vec<(String, String)> {
        spec.validate().into_iter().map(|e| (e.field, e.code)).collect()
    }

    fn has(spec: &LabSpec, field: &str, code: &str) -> bool {
        let all = codes(spec);
        let found = all.iter().any(|(f, c)| f == field && c == code);
        assert!(found, "expected {field}: {code}, got {all:?}");
        found
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(codes(&spec()), vec![]);
    }

    #[test]
    fn every_error_at_once_with_both_languages() {
        let mut s = spec();
        s.name = "Bad Name".into();
        s.region = "moon-1".into();
        s.source.repository = "nope".into();
        s.deploy.memory = 1024;
        s.deploy.target_group.health_check_path = "ping".into();
        let errors = s.validate();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "region",
                "source.repository",
                "deploy.memory",
                "deploy.target_group.health_check_path"
            ]
        );
        assert!(errors.iter().all(|e| !e.en.is_empty() && !e.ko.is_empty()));
        assert_eq!(
            errors[3].message(Lang::Ko),
            "1 vCPU에서는 Fargate 메모리로 2 GB, 3 GB, 4 GB, 5 GB, 6 GB, 7 GB, 8 GB만 쓸 수 있습니다 (지금 1 GB)."
        );
    }

    #[test]
    fn overrides_are_checked_on_their_own_field() {
        let mut s = spec();
        s.pipeline.name = Some("my pipeline".into());
        s.pipeline.artifact_bucket = Some("Bucket".into());
        s.build.project_name = Some("_x".into());
        s.registry.repository_name = Some("Repo".into());
        s.deploy.cluster_name = Some("a.b".into());
        s.deploy.service_name = Some(String::new());
        s.deploy.container_name = Some("c d".into());
        s.deploy.load_balancer.name = Some("internal-alb".into());
        s.deploy.target_group.name = Some("x".repeat(33));
        s.source.connection = ConnectionChoice::Create {
            name: Some("c".repeat(33)),
        };
        has(&s, "pipeline.name", "invalid_chars");
        has(&s, "pipeline.artifact_bucket", "invalid_chars");
        has(&s, "build.project_name", "bad_start");
        has(&s, "registry.repository_name", "invalid_chars");
        has(&s, "deploy.cluster_name", "invalid_chars");
        has(&s, "deploy.service_name", "required");
        has(&s, "deploy.container_name", "invalid_chars");
        has(&s, "deploy.load_balancer.name", "reserved_prefix");
        has(&s, "deploy.target_group.name", "too_long");
        has(&s, "source.connection.name", "too_long");
    }

    #[test]
    fn roles_and_connections() {
        let mut s = spec();
        s.pipeline.service_role = RoleChoice::Existing { arn: "role".into() };
        s.build.service_role = RoleChoice::Create {
            name: Some("a b".into()),
        };
        s.deploy.task_execution_role = RoleChoice::Existing {
            arn: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole".into(),
        };
        s.source.connection = ConnectionChoice::Existing { arn: "x".into() };
        has(&s, "pipeline.service_role.arn", "invalid_arn");
        has(&s, "build.service_role.name", "invalid_chars");
        has(&s, "source.connection.arn", "invalid_arn");
        assert_eq!(codes(&s).len(), 3);
    }

    #[test]
    fn the_wrong_branch_is_caught() {
        let mut s = spec();
        s.source.branch = "master".into();
        has(&s, "pipeline.trigger.include", "branch_not_triggered");
        let mut s = spec();
        s.set_branch("master");
        assert_eq!(codes(&s), vec![]);
        let Trigger::Filter(f) = &mut s.pipeline.trigger else {
            unreachable!()
        };
        f.include = vec!["**".into()];
        f.exclude = vec!["mas*".into()];
        has(&s, "pipeline.trigger.exclude", "branch_excluded");
    }

    #[test]
    fn trigger_filter_rules() {
        let mut s = spec();
        let Trigger::Filter(f) = &mut s.pipeline.trigger else {
            unreachable!()
        };
        f.include = vec!["main".into(), "main,dev".into()];
        f.file_paths_include = (0..9).map(|i| format!("dir{i}/**")).collect();
        has(&s, "pipeline.trigger.include[1]", "comma_separated");
        has(&s, "pipeline.trigger.file_paths_include", "too_many_patterns");

        let mut s = spec();
        let Trigger::Filter(f) = &mut s.pipeline.trigger else {
            unreachable!()
        };
        f.event = TriggerEvent::PullRequest;
        f.filter_type = FilterType::Tags;
        f.pull_request_events.clear();
        f.file_paths_exclude = vec!["docs/**".into()];
        has(&s, "pipeline.trigger.filter_type", "tags_need_push");
        has(&s, "pipeline.trigger.pull_request_events", "required");
        has(&s, "pipeline.trigger.file_paths_include", "file_paths_need_branches");

        let mut s = spec();
        let Trigger::Filter(f) = &mut s.pipeline.trigger else {
            unreachable!()
        };
        f.include.clear();
        has(&s, "pipeline.trigger.include", "empty_filter");

        let mut s = spec();
        s.pipeline.trigger = Trigger::Manual;
        s.source.branch = "develop".into();
        assert_eq!(codes(&s), vec![]);
    }

    #[test]
    fn build_choices_the_app_refuses() {
        let mut s = spec();
        s.build.provisioning = Provisioning::Reserved;
        s.build.environment_type = EnvironmentType::LinuxLambdaContainer;
        s.build.privileged = false;
        s.build.timeout_minutes = 3000;
        has(&s, "build.provisioning", "not_offered");
        has(&s, "build.environment_type", "lambda_cannot_docker");
        has(&s, "build.privileged", "privileged_required");
        has(&s, "build.timeout_minutes", "out_of_range");
    }

    #[test]
    fn architectures_must_agree() {
        let mut s = spec();
        s.deploy.cpu_architecture = CpuArchitecture::Arm64;
        has(&s, "deploy.cpu_architecture", "architecture_mismatch");
        s.build.environment_type = EnvironmentType::ArmContainer;
        has(&s, "build.image", "image_architecture_mismatch");
        s.build.image = DEFAULT_IMAGE_ARM.into();
        assert_eq!(codes(&s), vec![]);
    }

    #[test]
    fn buildspec_file_and_env_vars() {
        let mut s = spec();
        s.build.buildspec_path = "/abs.yml".into();
        assert_eq!(codes(&s), vec![], "the path only matters in file mode");
        s.build.buildspec_mode = BuildspecMode::File;
        has(&s, "build.buildspec_path", "not_relative");
        s.build.environment_variables = vec![
            EnvVar {
                name: "NODE_ENV".into(),
                value: "production".into(),
            },
            EnvVar {
                name: "NODE_ENV".into(),
                value: "x".into(),
            },
            EnvVar {
                name: "ACCOUNT_ID".into(),
                value: "1".into(),
            },
            EnvVar {
                name: "API_KEY".into(),
                value: "1".into(),
            },
            EnvVar {
                name: "X".into(),
                value: "AKIAABCDEFGHIJKLMNOP".into(),
            },
        ];
        has(&s, "build.environment_variables[1].name", "duplicate");
        has(&s, "build.environment_variables[2].name", "reserved_name");
        has(&s, "build.environment_variables[3].name", "looks_secret");
        has(&s, "build.environment_variables[4].value", "looks_secret");
    }

    #[test]
    fn registry_rules() {
        let mut s = spec();
        s.registry.visibility = Visibility::Public;
        s.registry.kms_key = Some("alias/mine".into());
        s.registry.keep_last_images = 0;
        has(&s, "registry.visibility", "not_offered");
        has(&s, "registry.kms_key", "kms_key_without_kms");
        has(&s, "registry.keep_last_images", "out_of_range");
        s.registry.encryption = Encryption::Kms;
        s.registry.kms_key = Some("alias/ mine".into());
        has(&s, "registry.kms_key", "invalid_chars");
    }

    #[test]
    fn deploy_rules() {
        let mut s = spec();
        s.deploy.cpu = 1000;
        s.deploy.container_port = 0;
        s.deploy.port_name = "Web".into();
        s.deploy.app_protocol = AppProtocol::Grpc;
        s.deploy.desired_count = 0;
        s.deploy.platform_version = "1.3.0".into();
        s.deploy.load_balancer.listener_port = 70000;
        let tg = &mut s.deploy.target_group;
        tg.deregistration_delay_seconds = 3601;
        tg.healthy_threshold = 1;
        tg.unhealthy_threshold = 11;
        tg.health_check_interval_seconds = 4;
        tg.health_check_timeout_seconds = 5;
        has(&s, "deploy.cpu", "invalid_cpu");
        assert!(
            !codes(&s).iter().any(|(f, _)| f == "deploy.memory"),
            "memory is judged only against a valid cpu"
        );
        has(&s, "deploy.container_port", "out_of_range");
        has(&s, "deploy.port_name", "invalid_chars");
        has(&s, "deploy.app_protocol", "not_offered");
        has(&s, "deploy.desired_count", "out_of_range");
        has(&s, "deploy.platform_version", "unsupported_platform");
        has(&s, "deploy.load_balancer.listener_port", "out_of_range");
        has(&s, "deploy.target_group.deregistration_delay_seconds", "out_of_range");
        has(&s, "deploy.target_group.healthy_threshold", "out_of_range");
        has(&s, "deploy.target_group.unhealthy_threshold", "out_of_range");
        has(&s, "deploy.target_group.health_check_interval_seconds", "out_of_range");
        has(
            &s,
            "deploy.target_group.health_check_timeout_seconds",
            "timeout_not_less_than_interval",
        );
    }

    #[test]
    fn lang_parses() {
        assert_eq!("ko".parse::<Lang>(), Ok(Lang::Ko));
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        assert!("fr".parse::<Lang>().is_err());
    }
}
