//! The doctor: after something failed, read the lab's state from AWS and say, in Korean and
//! English, what is wrong and what to do, each finding with its evidence (log lines, events)
//! and, on AWS, the console page that shows it.
//!
//! What it reads (see the README's table):
//! - the pipeline (GetPipeline): its connection and the branch it watches;
//! - the connection (GetConnection): PENDING or ERROR;
//! - the newest run as the Watch screen sees it ([`crate::watch::look`]): the failed action's
//!   message, the build's failed phase, its contexts and log lines, the Deploy action's message;
//! - the service (DescribeServices, DescribeTaskDefinition, ListTasks + DescribeTasks of
//!   stopped tasks): the task definition's container names, why tasks stopped;
//! - the target group (DescribeTargetGroups, DescribeTargetHealth): unhealthy targets' reasons;
//! - the repository (git's ref advertisement, no API request): branch heads that started no run.
//!
//! Findings come in the order a student should fix them: what stops everything (the
//! connection, a refused permission) before a failed build, before a failed deploy, before
//! what runs but is unhealthy.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::aws::AwsContext;
use crate::error::{Result, classify, is_code};
use crate::github::GitHub;
use crate::links;
use crate::preflight::{Finding, Severity};
use crate::spec::LabSpec;
use crate::watch::{self, ActionView, PipelineSnapshot, RunStatus, WatchTarget};

/// Log lines a finding quotes from the end of a failed build's log.
const LAST_LINES: usize = 12;

/// The doctor's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DoctorReport {
    pub lab: String,
    pub region: String,
    /// The run it looked at (the newest), if the pipeline has run.
    pub execution_id: Option<String>,
    /// No finding of error or warning severity.
    pub healthy: bool,
    /// Most likely root cause first.
    pub findings: Vec<Finding>,
}

/// What the pipeline's definition says about its source.
#[derive(Default)]
struct SourceConfig {
    connection_arn: Option<String>,
    branch: Option<String>,
}

/// Examines `spec`'s lab in `aws`. `github` reads the repository (pushes that started no run);
/// without it that check is skipped.
pub async fn run(aws: &AwsContext, spec: &LabSpec, github: Option<&GitHub>) -> Result<DoctorReport> {
    let practice = aws.endpoint_url().is_some();
    let names = spec.names();
    let mut out: Vec<(u8, Finding)> = Vec::new();

    let source = match source_config(aws, &names.pipeline).await {
        Ok(s) => Some(s),
        Err(e) if is_code(&e, &["PipelineNotFoundException"]) => {
            out.push((0, pipeline_missing(&names.pipeline)));
            None
        }
        Err(e) => {
            out.push((1, refused_or_unreadable(&e.to_string(), "pipeline")));
            None
        }
    };
    let mut snapshot = None;
    if let Some(source) = &source {
        if let Some(arn) = &source.connection_arn {
            check_connection(aws, arn, practice, &mut out).await;
        }
        match watch::look(aws, WatchTarget::for_spec(spec)).await {
            Ok(s) => snapshot = Some(s),
            Err(e) => out.push((1, refused_or_unreadable(&e.to_string(), "pipeline"))),
        }
    }
    if let Some(s) = &snapshot {
        check_run(aws, spec, s, practice, &mut out).await;
    }
    check_targets(aws, &names.target_group, spec, &mut out).await;
    if let (Some(gh), Some(s), Some(source)) = (github, &snapshot, &source) {
        check_pushes(gh, spec, source, s, &mut out).await;
    }

    out.sort_by_key(|(rank, f)| (*rank, severity_rank(f.severity)));
    let mut findings: Vec<Finding> = Vec::new();
    for (_, f) in out {
        // The same cause seen twice (a refusal in the log and in the action's message).
        if !findings.iter().any(|g| g.code == f.code && g.en == f.en) {
            findings.push(f);
        }
    }
    let healthy = findings.iter().all(|f| f.severity == Severity::Info);
    if findings.is_empty() {
        findings.push(Finding::new(
            "all_healthy",
            Severity::Info,
            "lab",
            "Nothing is wrong: the connection is available, the newest run did not fail and the load balancer's targets are healthy.".into(),
            "문제가 없습니다. 연결을 사용할 수 있고, 최근 실행은 실패하지 않았으며, 로드 밸런서의 대상이 정상입니다.".into(),
        ));
    }
    Ok(DoctorReport {
        lab: spec.name.clone(),
        region: aws.region().to_owned(),
        execution_id: snapshot.and_then(|s| s.executions.first().map(|e| e.id.clone())),
        healthy,
        findings,
    })
}

fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

fn pipeline_missing(pipeline: &str) -> Finding {
    Finding::new(
        "pipeline_missing",
        Severity::Error,
        "pipeline",
        format!(
            "The pipeline {pipeline} does not exist: the lab was not created yet, or was removed. Create the lab (Create, or `pipewright up`)."
        ),
        format!(
            "{pipeline} 파이프라인이 없습니다. 실습이 아직 생성되지 않았거나 삭제되었습니다. 실습을 생성하세요(생성 또는 `pipewright up`)."
        ),
    )
}

/// A read the doctor could not make: AWS refused it (the permission named), or it failed.
fn refused_or_unreadable(message: &str, field: &str) -> Finding {
    if let Some(f) = refusal(message, None) {
        return f;
    }
    Finding::new(
        "could_not_read",
        Severity::Warning,
        field,
        format!("Could not read the lab's state: {message}. Check your network and keys, and run the doctor again."),
        format!("실습 상태를 읽지 못했습니다: {message}. 네트워크와 키를 확인하고 진단을 다시 실행하세요."),
    )
}

async fn source_config(aws: &AwsContext, pipeline: &str) -> Result<SourceConfig> {
    let out = aws
        .codepipeline()
        .get_pipeline()
        .name(pipeline)
        .send()
        .await
        .map_err(|e| classify("GetPipeline", e))?;
    let mut config = SourceConfig::default();
    let Some(p) = out.pipeline() else { return Ok(config) };
    for action in p.stages().iter().flat_map(|s| s.actions()) {
        if action.action_type_id().map(|t| t.provider()) == Some("CodeStarSourceConnection")
            && let Some(c) = action.configuration()
        {
            config.connection_arn = c.get("ConnectionArn").cloned();
            config.branch = c.get("BranchName").cloned();
        }
    }
    Ok(config)
}

async fn check_connection(aws: &AwsContext, arn: &str, practice: bool, out: &mut Vec<(u8, Finding)>) {
    let got = aws
        .connections()
        .get_connection()
        .connection_arn(arn)
        .send()
        .await
        .map_err(|e| classify("GetConnection", e));
    let conn = match got {
        Ok(o) => o.connection().cloned(),
        Err(e) => {
            out.push((1, refused_or_unreadable(&e.to_string(), "source.connection")));
            return;
        }
    };
    let Some(conn) = conn else { return };
    let name = conn.connection_name().unwrap_or(arn).to_owned();
    let status = conn
        .connection_status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    let where_en = if practice {
        "on the sandbox's handshake page (Pipewright opens it from the Progress screen)"
    } else {
        "in the console: Developer Tools > Settings > Connections, select it and choose Update pending connection"
    };
    let where_ko = if practice {
        "샌드박스의 핸드셰이크 페이지(Pipewright의 진행 화면에서 열림)에서"
    } else {
        "콘솔의 개발자 도구 > 설정 > 연결에서 연결을 선택하고 보류 중인 연결 업데이트를 선택하여"
    };
    let finding = match status.as_str() {
        "PENDING" => Finding::new(
            "connection_pending",
            Severity::Error,
            "source.connection",
            format!(
                "The connection {name} is PENDING: GitHub has not been authorized yet, so the Source stage cannot read the repository. Finish the handshake {where_en}, then start the pipeline again."
            ),
            format!(
                "{name} 연결이 PENDING 상태입니다. 아직 GitHub 권한 부여가 끝나지 않아 Source 단계가 리포지토리를 읽을 수 없습니다. {where_ko} 핸드셰이크를 완료한 다음 파이프라인을 다시 실행하세요."
            ),
        ),
        "ERROR" => Finding::new(
            "connection_error",
            Severity::Error,
            "source.connection",
            format!(
                "The connection {name} is in ERROR: GitHub no longer accepts it (the app was uninstalled or lost access to the repository). Update the connection {where_en}, or delete it and let Pipewright create a new one."
            ),
            format!(
                "{name} 연결이 ERROR 상태입니다. GitHub가 더 이상 연결을 받아들이지 않습니다(앱이 제거되었거나 리포지토리 접근 권한을 잃음). {where_ko} 연결을 업데이트하거나, 연결을 삭제하고 Pipewright가 새로 생성하게 하세요."
            ),
        ),
        _ => return,
    };
    out.push((0, finding.evidence(vec![format!("{name}: {status}")])));
}

/// The newest run's failure, read where it happened.
async fn check_run(
    aws: &AwsContext,
    spec: &LabSpec,
    s: &PipelineSnapshot,
    practice: bool,
    out: &mut Vec<(u8, Finding)>,
) {
    let Some(newest) = s.executions.first() else { return };
    if let Some(problem) = &s.problem {
        out.push((1, refused_or_unreadable(&problem.message, "pipeline")));
    }
    if newest.status != RunStatus::Failed {
        if newest.status.is_active() {
            out.push((
                9,
                Finding::new(
                    "run_in_progress",
                    Severity::Info,
                    "pipeline",
                    format!("Run {} is still in progress: what it will do is not known yet. Run the doctor again when it ends.", newest.id),
                    format!("{} 실행이 아직 진행 중이라 결과를 알 수 없습니다. 실행이 끝나면 진단을 다시 실행하세요.", newest.id),
                ),
            ));
        }
        return;
    }
    if s.selected_execution_id.as_deref() != Some(newest.id.as_str()) {
        return;
    }
    for action in s.stages.iter().flat_map(|st| &st.actions) {
        if action.status != Some(RunStatus::Failed) {
            continue;
        }
        let message = action
            .error_details
            .as_ref()
            .and_then(|e| e.message.clone())
            .unwrap_or_default();
        let link = links::for_student(
            action.external_url.as_deref().or(action.console_url.as_deref()),
            practice,
        );
        match action.provider.as_deref() {
            Some("CodeBuild") => build_failure(spec, action, &message, practice, out),
            Some("ECS") => deploy_failure(aws, spec, action, &message, link, out).await,
            _ => {
                let f = refusal(&message, link.clone())
                    .unwrap_or_else(|| action_failed("source_failed", action, &message, link));
                out.push((2, f));
            }
        }
    }
}

fn action_failed(code: &str, action: &ActionView, message: &str, link: Option<String>) -> Finding {
    let f = Finding::new(
        code,
        Severity::Error,
        &format!("pipeline:{}", action.name),
        format!("The {} action failed: {message}", action.name),
        format!("{} 작업이 실패했습니다: {message}", action.name),
    )
    .evidence(vec![message.to_owned()]);
    match link {
        Some(l) => f.link(l),
        None => f,
    }
}

/// A permission AWS refused, named with the action, the resource and the role. A resource in
/// another account than the caller's is not a permission to grant: it is a hard-coded account id.
fn refusal(text: &str, link: Option<String>) -> Option<Finding> {
    let at = text.find("is not authorized to perform")?;
    let rest = text[at + "is not authorized to perform".len()..]
        .trim_start_matches(':')
        .trim_start();
    let action = rest.split_whitespace().next()?.trim_end_matches([',', '.']).to_owned();
    let resource = rest
        .find("on resource:")
        .map(|i| {
            rest[i + "on resource:".len()..]
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .unwrap_or_default();
    let principal = text[..at].split_whitespace().next_back().unwrap_or("");
    let role = principal
        .split("assumed-role/")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .or_else(|| principal.split(":role/").nth(1))
        .unwrap_or(principal)
        .to_owned();
    let account_of = |arn: &str| arn.split(':').nth(4).filter(|a| a.len() == 12).map(str::to_owned);
    let caller = principal.split(':').nth(4).map(str::to_owned);
    let evidence = vec![text.trim().to_owned()];
    let f = match (account_of(&resource), caller) {
        (Some(theirs), Some(ours)) if theirs != ours => Finding::new(
            "buildspec_foreign_account",
            Severity::Error,
            "repository:buildspec.yml",
            format!("The build pushed to account {theirs}'s registry, not this lab's ({ours}): the buildspec has an account id written by hand (the lecture's), and AWS refused {action} on {resource}. Use $REPOSITORY_URI (or $ACCOUNT_ID and $AWS_DEFAULT_REGION) in the buildspec instead of the written values, or let Pipewright write the buildspec (inline)."),
            format!("빌드가 이 실습의 계정({ours})이 아닌 계정 {theirs}의 레지스트리에 푸시했습니다. buildspec에 직접 쓴 계정 ID(강의의 값)가 있어 AWS가 {resource}에 대한 {action} 작업을 거부했습니다. buildspec에서 직접 쓴 값 대신 $REPOSITORY_URI(또는 $ACCOUNT_ID와 $AWS_DEFAULT_REGION)를 사용하거나, Pipewright가 만드는 buildspec(인라인)을 사용하세요."),
        ),
        _ => Finding::new(
            "permission_refused",
            Severity::Error,
            "iam",
            format!("AWS refused {action} to the role {role} (on {resource}). Add {action} on that resource to the role's policy in IAM (or let Pipewright create the role), then retry the run."),
            format!("AWS가 {role} 역할의 {action} 작업을 거부했습니다({resource}). IAM에서 역할의 정책에 해당 리소스에 대한 {action} 권한을 추가하거나(또는 Pipewright가 역할을 생성하게 하고) 실행을 다시 시도하세요."),
        ),
    }
    .evidence(evidence);
    Some(match link {
        Some(l) => f.link(l),
        None => f,
    })
}

fn build_failure(spec: &LabSpec, action: &ActionView, message: &str, practice: bool, out: &mut Vec<(u8, Finding)>) {
    let Some(build) = &action.build else {
        out.push((
            2,
            refusal(message, None).unwrap_or_else(|| action_failed("build_failed", action, message, None)),
        ));
        return;
    };
    let link = links::for_student(build.logs_url.as_deref().or(action.external_url.as_deref()), practice);
    let with_link = |f: Finding| match &link {
        Some(l) => f.link(l.clone()),
        None => f,
    };
    let lines: Vec<&str> = build.log_tail.iter().map(|l| l.text.as_str()).collect();
    let matching = |needle: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.to_ascii_lowercase().contains(needle))
            .take(3)
            .map(|l| l.to_string())
            .collect()
    };
    let failed = build.phases.iter().find(|p| {
        p.status
            .as_deref()
            .is_some_and(|s| !matches!(s, "SUCCEEDED" | "IN_PROGRESS"))
    });
    let phase = failed.map(|p| p.name.clone()).unwrap_or_else(|| "BUILD".into());
    let context = failed.and_then(|p| p.contexts.first().cloned()).unwrap_or_default();
    let field = "build";

    // In the order they would show: a pull fails before a build, a build before a push.
    let hub = matching("toomanyrequests");
    if !hub.is_empty() {
        out.push((2, with_link(Finding::new(
            "build_docker_hub_limit",
            Severity::Error,
            field,
            "The build could not pull its base image: Docker Hub answered toomanyrequests (its pull limit for anonymous pulls, which CodeBuild's shared addresses reach). Pull Docker Official Images from AWS's mirror instead: let Pipewright write the buildspec (inline), which pre-pulls them from public.ecr.aws/docker/library, or change FROM to public.ecr.aws/docker/library/<image>.".into(),
            "빌드가 기본 이미지를 가져오지 못했습니다. Docker Hub가 toomanyrequests로 응답했습니다(익명 풀 한도이며, CodeBuild의 공유 주소는 이 한도에 도달합니다). Docker 공식 이미지를 AWS의 미러에서 가져오세요. Pipewright가 만드는 buildspec(인라인)을 사용하면 public.ecr.aws/docker/library에서 미리 가져오며, 또는 FROM을 public.ecr.aws/docker/library/<이미지>로 바꾸세요.".into(),
        ).evidence(hub))));
        return;
    }
    let no_dockerfile = matching("failed to read dockerfile");
    if !no_dockerfile.is_empty() {
        out.push((2, with_link(Finding::new(
            "build_no_dockerfile",
            Severity::Error,
            "repository:Dockerfile",
            format!("`docker build` found no Dockerfile (\"failed to read dockerfile\"): the repository has none at the build context (its root). Commit a Dockerfile at the root of {} on the pipeline's branch.", spec.source.repository),
            format!("`docker build`가 Dockerfile을 찾지 못했습니다(\"failed to read dockerfile\"). 빌드 컨텍스트(리포지토리 최상위)에 Dockerfile이 없습니다. 파이프라인의 브랜치에서 {} 리포지토리 최상위에 Dockerfile을 커밋하세요.", spec.source.repository),
        ).evidence(no_dockerfile))));
        return;
    }
    if let Some(line) = lines.iter().find(|l| l.contains("is not authorized to perform")) {
        let f = refusal(line, link.clone()).expect("the line has a refusal");
        out.push((if f.code == "permission_refused" { 1 } else { 2 }, f));
        return;
    }
    let denied = matching("denied:");
    if !denied.is_empty() {
        out.push((2, with_link(Finding::new(
            "build_push_denied",
            Severity::Error,
            field,
            "`docker push` was denied: the image's name is not this lab's ECR repository, or the build's role may not push to it. Tag and push the image as $REPOSITORY_URI (as Pipewright's buildspec does), and log in to that registry first.".into(),
            "`docker push`가 거부되었습니다. 이미지 이름이 이 실습의 ECR 리포지토리가 아니거나, 빌드 역할에 푸시 권한이 없습니다. Pipewright의 buildspec처럼 이미지를 $REPOSITORY_URI로 태그하여 푸시하고, 먼저 그 레지스트리에 로그인하세요.".into(),
        ).evidence(denied))));
        return;
    }
    let tests = context.contains("npm test")
        || lines
            .iter()
            .any(|l| l.contains("npm ERR! Test failed") || (l.contains("Tests:") && l.contains("failed")));
    let tail: Vec<String> = lines[lines.len().saturating_sub(LAST_LINES)..]
        .iter()
        .map(|l| l.to_string())
        .collect();
    if tests {
        out.push((2, with_link(Finding::new(
            "build_tests_failed",
            Severity::Error,
            field,
            format!("The app's tests failed (npm test) in the {phase} phase, so no image was built. Run `npm test` on your computer, fix the failing test or the code it tests, and push again."),
            format!("{phase} 단계에서 앱의 테스트(npm test)가 실패하여 이미지가 빌드되지 않았습니다. 컴퓨터에서 `npm test`를 실행해 실패한 테스트나 그 코드를 고친 다음 다시 푸시하세요."),
        ).evidence(tail))));
        return;
    }
    let reason = if context.is_empty() {
        message.to_owned()
    } else {
        context
    };
    out.push((2, with_link(Finding::new(
        "build_failed",
        Severity::Error,
        field,
        format!("The build failed in the {phase} phase: {reason}. Its last log lines are below: fix the command they show (in the buildspec or the app) and push again."),
        format!("빌드가 {phase} 단계에서 실패했습니다: {reason}. 아래 마지막 로그 줄에 나온 명령(buildspec 또는 앱)을 고친 다음 다시 푸시하세요."),
    ).evidence(tail))));
}

async fn deploy_failure(
    aws: &AwsContext,
    spec: &LabSpec,
    action: &ActionView,
    message: &str,
    link: Option<String>,
    out: &mut Vec<(u8, Finding)>,
) {
    if let Some(f) = refusal(message, link.clone()) {
        out.push((1, f));
        return;
    }
    let with_link = |f: Finding| match &link {
        Some(l) => f.link(l.clone()),
        None => f,
    };
    if let Some(name) = message.split("The AWS ECS container ").nth(1).and_then(|r| {
        r.strip_suffix(" does not exist")
            .or_else(|| r.split(" does not exist").next())
    }) {
        let names = spec.names();
        let containers = container_names(aws, &names.cluster, &names.service)
            .await
            .unwrap_or_default();
        let ours = containers.first().cloned().unwrap_or_else(|| names.container.clone());
        out.push((3, with_link(Finding::new(
            "deploy_container_name",
            Severity::Error,
            "repository:buildspec.yml",
            format!("The Deploy action found no container \"{name}\" in the task definition: imagedefinitions.json names \"{name}\", but the task definition's container is \"{ours}\". Write \"{ours}\" in imagedefinitions.json (in the buildspec: printf '[{{\"name\":\"{ours}\",\"imageUri\":\"%s\"}}]' $REPOSITORY_URI:$IMAGE_TAG > imagedefinitions.json), or let Pipewright write the buildspec (inline)."),
            format!("Deploy 작업이 작업 정의에서 \"{name}\" 컨테이너를 찾지 못했습니다. imagedefinitions.json에는 \"{name}\" 이름이 있지만 작업 정의의 컨테이너 이름은 \"{ours}\"입니다. imagedefinitions.json에 \"{ours}\" 이름을 쓰도록 buildspec을 고치거나(printf '[{{\"name\":\"{ours}\",\"imageUri\":\"%s\"}}]' $REPOSITORY_URI:$IMAGE_TAG > imagedefinitions.json), Pipewright가 만드는 buildspec(인라인)을 사용하세요."),
        ).evidence(vec![message.to_owned(), format!("task definition containers: {}", containers.join(", "))]))));
        return;
    }
    // Why its tasks stopped says more than "did not reach a steady state".
    let stopped: Vec<String> = action
        .rollout
        .as_ref()
        .map(|r| {
            r.stopped_tasks
                .iter()
                .filter_map(|t| t.stopped_reason.clone())
                .collect()
        })
        .unwrap_or_default();
    if let Some(f) = stopped_tasks_finding(&stopped) {
        out.push((3, with_link(f)));
        return;
    }
    let events: Vec<String> = action
        .rollout
        .as_ref()
        .map(|r| r.events.iter().map(|e| e.message.clone()).collect())
        .unwrap_or_default();
    let f = action_failed("deploy_failed", action, message, link.clone());
    out.push((3, f.evidence([vec![message.to_owned()], events].concat())));
}

async fn container_names(aws: &AwsContext, cluster: &str, service: &str) -> Result<Vec<String>> {
    let ecs = aws.ecs();
    let svc = ecs
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .map_err(|e| classify("DescribeServices", e))?;
    let Some(td) = svc.services().first().and_then(|s| s.task_definition()) else {
        return Ok(Vec::new());
    };
    let td = ecs
        .describe_task_definition()
        .task_definition(td)
        .send()
        .await
        .map_err(|e| classify("DescribeTaskDefinition", e))?;
    Ok(td
        .task_definition()
        .map(|t| {
            t.container_definitions()
                .iter()
                .filter_map(|c| c.name().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// Why tasks stopped, ECS's `stoppedReason`s, as one finding (the first recognized cause).
fn stopped_tasks_finding(reasons: &[String]) -> Option<Finding> {
    let first = |needle: &str| reasons.iter().find(|r| r.contains(needle)).cloned();
    if let Some(r) = first("CannotPullContainerError") {
        return Some(Finding::new(
            "tasks_image_pull",
            Severity::Error,
            "deploy",
            "Tasks stop because ECS cannot pull the image (CannotPullContainerError): the image is not in the lab's ECR repository under the tag the task definition names, or the task execution role may not pull it. Check that the build pushed $REPOSITORY_URI:<tag> and that imagedefinitions.json names that same URI.".into(),
            "ECS가 이미지를 가져오지 못해 작업이 중지됩니다(CannotPullContainerError). 작업 정의에 적힌 태그의 이미지가 실습의 ECR 리포지토리에 없거나, 작업 실행 역할에 가져오기 권한이 없습니다. 빌드가 $REPOSITORY_URI:<태그>를 푸시했는지, imagedefinitions.json이 같은 URI를 가리키는지 확인하세요.".into(),
        ).evidence(vec![r]));
    }
    if let Some(r) = first("OutOfMemory") {
        return Some(Finding::new(
            "tasks_out_of_memory",
            Severity::Error,
            "deploy",
            "Tasks stop because the container ran out of memory (OutOfMemoryError). Give the task more memory (deploy.memory) or make the app use less.".into(),
            "컨테이너의 메모리가 부족하여 작업이 중지됩니다(OutOfMemoryError). 작업에 메모리를 더 주거나(deploy.memory) 앱의 메모리 사용을 줄이세요.".into(),
        ).evidence(vec![r]));
    }
    if let Some(r) = first("Essential container in task exited") {
        return Some(Finding::new(
            "tasks_container_exited",
            Severity::Error,
            "deploy",
            "Tasks stop because the app's container exited (Essential container in task exited): the app crashes at start. Read the app's log (the task log group) for the error, run the image on your computer (`docker run`), fix it and push again.".into(),
            "앱 컨테이너가 종료되어 작업이 중지됩니다(Essential container in task exited). 앱이 시작하다 비정상 종료됩니다. 앱 로그(작업 로그 그룹)에서 오류를 확인하고, 컴퓨터에서 이미지를 실행(`docker run`)해 고친 다음 다시 푸시하세요.".into(),
        ).evidence(vec![r]));
    }
    None
}

async fn check_targets(aws: &AwsContext, target_group: &str, spec: &LabSpec, out: &mut Vec<(u8, Finding)>) {
    let elb = aws.elbv2();
    let Ok(groups) = elb.describe_target_groups().names(target_group).send().await else {
        // No target group (yet, or any more): nothing to say about its health.
        return;
    };
    let Some(tg) = groups.target_groups().first() else {
        return;
    };
    let Some(arn) = tg.target_group_arn() else { return };
    let health = match elb.describe_target_health().target_group_arn(arn).send().await {
        Ok(h) => h,
        Err(e) => {
            out.push((
                1,
                refused_or_unreadable(&classify("DescribeTargetHealth", e).to_string(), "deploy"),
            ));
            return;
        }
    };
    let unhealthy: Vec<(String, String, String)> = health
        .target_health_descriptions()
        .iter()
        .filter_map(|d| {
            let h = d.target_health()?;
            (h.state().map(|s| s.as_str()) == Some("unhealthy")).then(|| {
                (
                    h.reason().map(|r| r.as_str().to_owned()).unwrap_or_default(),
                    h.description().unwrap_or_default().to_owned(),
                    d.target().and_then(|t| t.id()).unwrap_or_default().to_owned(),
                )
            })
        })
        .collect();
    let Some((reason, _, _)) = unhealthy.first().cloned() else {
        return;
    };
    let evidence: Vec<String> = unhealthy.iter().map(|(r, d, id)| format!("{id}: {r}: {d}")).collect();
    let port = spec.deploy.container_port;
    let path = tg
        .health_check_path()
        .unwrap_or(spec.deploy.target_group.health_check_path.as_str())
        .to_owned();
    let (code, en, ko) = match reason.as_str() {
        "Target.ResponseCodeMismatch" => (
            "targets_wrong_path",
            format!(
                "The load balancer's health check of {path} gets an answer outside the expected codes (Target.ResponseCodeMismatch): the app does not serve {path} with 200. Set the health check path to a route the app answers with 200 (the lecture's app: /ping), or add that route."
            ),
            format!(
                "로드 밸런서의 상태 검사가 {path}에서 예상하지 않은 코드를 받습니다(Target.ResponseCodeMismatch). 앱이 {path}에 200으로 응답하지 않습니다. 상태 검사 경로를 앱이 200으로 응답하는 경로(강의 앱: /ping)로 바꾸거나 그 경로를 추가하세요."
            ),
        ),
        "Target.Timeout" => (
            "targets_timeout",
            format!(
                "The load balancer's health checks time out (Target.Timeout): nothing answers on port {port} in time. Check that the app listens on port {port} on 0.0.0.0 and that the tasks' security group allows the load balancer on that port."
            ),
            format!(
                "로드 밸런서의 상태 검사 시간이 초과됩니다(Target.Timeout). 포트 {port}에서 제시간에 응답이 없습니다. 앱이 0.0.0.0의 {port} 포트에서 요청을 받는지, 작업의 보안 그룹이 그 포트로 로드 밸런서를 허용하는지 확인하세요."
            ),
        ),
        _ => (
            "targets_wrong_port",
            format!(
                "The load balancer's health checks fail ({reason}): nothing answers on the container port {port}, so the app listens on another port. Make the app listen on {port} (its PORT, or the port in its listen call) or set the container port to the app's port, and push again."
            ),
            format!(
                "로드 밸런서의 상태 검사가 실패합니다({reason}). 컨테이너 포트 {port}에서 응답이 없으므로 앱이 다른 포트에서 요청을 받습니다. 앱이 요청을 받는 포트를 {port} 포트로 바꾸거나(PORT 또는 listen 호출의 포트) 컨테이너 포트를 앱이 요청을 받는 포트로 바꾼 다음 다시 푸시하세요."
            ),
        ),
    };
    out.push((
        4,
        Finding::new(code, Severity::Error, "deploy.target_group", en, ko).evidence(evidence),
    ));
}

/// A branch head no run has built: a push to a branch the pipeline does not watch, or one its
/// trigger filtered out.
async fn check_pushes(
    gh: &GitHub,
    spec: &LabSpec,
    source: &SourceConfig,
    s: &PipelineSnapshot,
    out: &mut Vec<(u8, Finding)>,
) {
    let repo = spec.source.repository.as_str();
    let Ok(Some(refs)) = gh.refs(repo).await else { return };
    let watched = source.branch.clone().unwrap_or_else(|| spec.source.branch.clone());
    let built = |commit: &str| {
        s.executions
            .iter()
            .any(|e| e.source_revision.as_ref().is_some_and(|r| r.commit_id == commit))
    };
    for (branch, head) in &refs.branches {
        if built(head) {
            continue;
        }
        let short: String = head.chars().take(7).collect();
        let f = if *branch == watched {
            Finding::new(
                "push_filtered",
                Severity::Warning,
                "pipeline.trigger",
                format!(
                    "The newest commit {short} on \"{branch}\" has started no run: the pipeline watches \"{branch}\", but its trigger's filters (file paths, tags) left the push out. Check the trigger, or start the run by hand (Run)."
                ),
                format!(
                    "\"{branch}\" 브랜치의 최신 커밋({short})이 실행을 시작하지 않았습니다. 파이프라인은 \"{branch}\" 브랜치를 감시하지만 트리거의 필터(파일 경로, 태그)가 그 푸시를 제외했습니다. 트리거를 확인하거나 직접 실행(실행)하세요."
                ),
            )
        } else {
            Finding::new(
                "push_not_watched",
                Severity::Warning,
                "source.branch",
                format!(
                    "Commit {short} on branch \"{branch}\" started no run: the pipeline watches only \"{watched}\". Push to \"{watched}\" (or merge \"{branch}\" into it), or change the lab's branch to \"{branch}\"."
                ),
                format!(
                    "\"{branch}\" 브랜치의 커밋({short})은 실행을 시작하지 않았습니다. 파이프라인은 \"{watched}\" 브랜치만 감시합니다. \"{watched}\" 브랜치에 푸시하거나(또는 \"{branch}\" 브랜치를 병합하거나) 실습의 브랜치를 \"{branch}\" 브랜치로 바꾸세요."
                ),
            )
        };
        out.push((
            5,
            f.evidence(vec![format!("{branch}: {head}")])
                .link(format!("{}/tree/{branch}", gh.html_url(repo))),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_refused_action_and_role() {
        let f = refusal(
            "User: arn:aws:sts::123456789012:assumed-role/ktb-build-role/AWSCodeBuild-1 is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:ap-northeast-2:123456789012:log-group:x because no identity-based policy allows the logs:CreateLogStream action",
            None,
        )
        .unwrap();
        assert_eq!(f.code, "permission_refused");
        assert!(
            f.en.contains("logs:CreateLogStream") && f.en.contains("ktb-build-role"),
            "{}",
            f.en
        );
        assert!(
            f.ko.contains("logs:CreateLogStream") && f.ko.contains("ktb-build-role"),
            "{}",
            f.ko
        );
        let f = refusal(
            "denied: User: arn:aws:sts::123456789012:assumed-role/ktb-build-role/s is not authorized to perform: ecr:InitiateLayerUpload on resource: arn:aws:ecr:ap-northeast-1:111122223333:repository/ktb-repo because no resource-based policy allows the ecr:InitiateLayerUpload action",
            None,
        )
        .unwrap();
        assert_eq!(f.code, "buildspec_foreign_account");
        assert!(f.en.contains("111122223333"), "{}", f.en);
        assert!(refusal("Build terminated with state: FAILED", None).is_none());
    }

    #[test]
    fn reads_why_tasks_stopped() {
        let code = |r: &str| stopped_tasks_finding(&[r.to_owned()]).map(|f| f.code);
        assert_eq!(
            code("CannotPullContainerError: pull image manifest has been retried").as_deref(),
            Some("tasks_image_pull")
        );
        assert_eq!(
            code("Essential container in task exited").as_deref(),
            Some("tasks_container_exited")
        );
        assert_eq!(
            code("OutOfMemoryError: Container killed due to memory usage").as_deref(),
            Some("tasks_out_of_memory")
        );
        assert_eq!(code("Scaling activity initiated by (deployment ecs-svc/1)"), None);
    }
}
