//! The doctor against the sandbox: practice labs broken in each of the lecture's classic ways
//! (the lecture's buildspec pushed unchanged, its container name kept, Docker Hub's pull limit,
//! no Dockerfile, the app's port changed, a push to a branch the pipeline does not watch), and
//! the doctor names the cause and the fix in both languages; a healthy lab gets no error.

use std::time::Duration;

use pipewright_core::api::CredentialSource;
use pipewright_core::doctor::{self, DoctorReport};
use pipewright_core::github::{Endpoints, GitHub};
use pipewright_core::ledger::Ledger;
use pipewright_core::practice::{FileChanges, simulate_push};
use pipewright_core::preflight::{Finding, Severity};
use pipewright_core::spec::{BuildspecMode, LabSpec, SpecEdit};
use pipewright_tests::{Sandbox, lecture_buildspec_fixed, practice_up, practice_up_in, runtime, says, wait_until};
use serde_json::{Value, json};

const TIME_SCALE: f64 = 0.01;

/// The lecture's sample, forked under `owner`.
fn fork(sb: &Sandbox, owner: &str) -> String {
    let repo = format!("{owner}/ktb-repo");
    sb.control("/_sandbox/github/fork", json!({ "repository": repo }));
    repo
}

fn lab(name: &str, repo: &str, mode: BuildspecMode) -> LabSpec {
    let mut spec = LabSpec::new(name, repo);
    spec.edit(SpecEdit::Branch("master".into()));
    spec.build.buildspec_mode = mode;
    spec
}

async fn context(sb: &Sandbox, spec: &LabSpec) -> pipewright_core::AwsContext {
    pipewright_core::credentials::context_for(
        Some(&CredentialSource::Practice),
        Some(&sb.access()),
        Some(&spec.region),
    )
    .await
    .unwrap()
}

fn examine(sb: &Sandbox, spec: &LabSpec) -> DoctorReport {
    runtime().block_on(async {
        let aws = context(sb, spec).await;
        let github = GitHub::new(Endpoints::from_sandbox(&sb.url).await.unwrap(), None);
        doctor::run(&aws, spec, Some(&github)).await.unwrap()
    })
}

fn find<'a>(report: &'a DoctorReport, code: &str) -> &'a Finding {
    report
        .findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", report.findings))
}

fn errors(report: &DoctorReport) -> Vec<&str> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.code.as_str())
        .collect()
}

/// The cause is the first error, and it is named in both languages with its fix.
fn diagnosed<'a>(report: &'a DoctorReport, code: &str, words: &[&str]) -> &'a Finding {
    assert_eq!(errors(report).first().copied(), Some(code), "{:#?}", report.findings);
    assert!(!report.healthy);
    let f = find(report, code);
    says(f, words);
    for f in &report.findings {
        // The glossary's rules (ui/src/lib/i18n/glossary.json) hold for Rust's Korean too.
        for bad in ["을(를)", "이(가)", "은(는)", "와(과)", "(으)로", "저장소", "상태 확인"] {
            assert!(!f.ko.contains(bad), "{bad} in {}", f.ko);
        }
    }
    assert!(!f.evidence.is_empty(), "{f:#?}");
    f
}

#[test]
fn build_failures_the_lecture_buildspec_docker_hub_and_no_dockerfile() {
    let sb = Sandbox::start(TIME_SCALE);
    let repo = fork(&sb, "student-a");

    // The lecture's buildspec unchanged: it pushes to the lecturer's account.
    let lecture = lab("lecture", &repo, BuildspecMode::File);
    practice_up(&sb, &lecture).expect_err("the lecture's buildspec pushes to another account");
    let report = examine(&sb, &lecture);
    let f = diagnosed(
        &report,
        "buildspec_foreign_account",
        &[
            "111122223333",
            "123456789012",
            "$REPOSITORY_URI",
            "ecr:InitiateLayerUpload",
        ],
    );
    assert!(
        f.evidence.iter().any(|l| l.contains("is not authorized to perform")),
        "{f:#?}"
    );
    assert_eq!(f.link, None, "practice mode links to no AWS console page");

    // Docker Hub's pull limit, with the lecture's buildspec; the CLI reads the same.
    sb.control("/_sandbox/dockerhub", json!({ "rateLimited": true }));
    let home = tempfile::tempdir().unwrap();
    let hub = lab("hub", &repo, BuildspecMode::File);
    practice_up_in(&sb, &hub, Ledger::open(&home.path().join("ledger.sqlite3")).unwrap())
        .expect_err("Docker Hub refuses the pull");
    sb.control("/_sandbox/dockerhub", json!({ "rateLimited": false }));
    let report = examine(&sb, &hub);
    diagnosed(
        &report,
        "build_docker_hub_limit",
        &["toomanyrequests", "public.ecr.aws/docker/library"],
    );
    let cli = |args: &[&str]| {
        sb.cli(home.path())
            .arg("doctor")
            .args(args)
            .env("PIPEWRIGHT_SANDBOX_URL", &sb.url)
            .env_remove("PIPEWRIGHT_GITHUB_URL")
            .env("PIPEWRIGHT_KEYRING_NAMESPACE", "doctor-cli-test")
            .output()
            .unwrap()
    };
    let out = cli(&["--lab", "hub", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["code"], "build_docker_hub_limit");
    assert_eq!(json["lab"], "hub");
    let out = cli(&["--lab", "hub", "--lang", "ko"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("error [build_docker_hub_limit] build: ") && text.contains("Docker 공식 이미지를 AWS의 미러에서"),
        "{text}"
    );
    let out = cli(&["--lab", "nothing-here"]);
    assert_eq!(out.status.code(), Some(2), "an unknown lab is refused");
    let out = cli(&["--lab", "hub", "--lang", "fr"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("en or ko"));

    // No Dockerfile, with Pipewright's own buildspec.
    let bare = fork(&sb, "student-b");
    sb.control(
        "/_sandbox/push",
        json!({ "repository": bare, "branch": "master", "message": "remove the Dockerfile", "files": { "Dockerfile": null } }),
    );
    let nodock = lab("nodock", &bare, BuildspecMode::Inline);
    practice_up(&sb, &nodock).expect_err("docker build needs a Dockerfile");
    diagnosed(
        &examine(&sb, &nodock),
        "build_no_dockerfile",
        &["Dockerfile", "failed to read dockerfile", &bare],
    );
}

#[test]
fn a_container_name_the_task_definition_does_not_have() {
    let sb = Sandbox::start(TIME_SCALE);
    let repo = fork(&sb, "student-c");
    // The lecture's buildspec with its account, region and URI fixed, not its container name.
    let fixed = lecture_buildspec_fixed(&sb, &repo);
    sb.control(
        "/_sandbox/push",
        json!({ "repository": repo, "branch": "master", "message": "fix the buildspec", "files": { "buildspec.yml": fixed } }),
    );
    let spec = lab("ktb", &repo, BuildspecMode::File);
    practice_up(&sb, &spec).expect_err("the Deploy action finds no container ktb-repo");
    let report = examine(&sb, &spec);
    let f = diagnosed(
        &report,
        "deploy_container_name",
        &["\"ktb-repo\"", "\"ktb-app\"", "imagedefinitions.json"],
    );
    assert!(
        f.evidence
            .iter()
            .any(|l| l.contains("The AWS ECS container ktb-repo does not exist")),
        "{f:#?}"
    );
}

#[test]
fn a_healthy_lab_a_push_to_another_branch_and_the_apps_port() {
    let sb = Sandbox::start(TIME_SCALE);
    let repo = fork(&sb, "student-d");
    let spec = lab("ktb", &repo, BuildspecMode::Inline);
    practice_up(&sb, &spec).expect("Pipewright's buildspec builds the sample");

    let report = examine(&sb, &spec);
    assert!(report.healthy, "{:#?}", report.findings);
    assert!(errors(&report).is_empty());
    assert_eq!(report.findings[0].code, "all_healthy", "{:#?}", report.findings);
    assert!(report.execution_id.is_some());

    // A push to `main` while the pipeline watches `master`: no run, and the doctor says why.
    sb.control(
        "/_sandbox/push",
        json!({ "repository": repo, "branch": "main", "createBranch": true, "message": "on main", "files": { "README.md": "# on main\n" } }),
    );
    let report = examine(&sb, &spec);
    let f = find(&report, "push_not_watched");
    assert_eq!(f.severity, Severity::Warning);
    says(f, &["\"main\"", "\"master\""]);
    assert!(errors(&report).is_empty(), "{:#?}", report.findings);

    // GitHub no longer accepts the connection.
    let arn = runtime().block_on(async {
        let out = context(&sb, &spec)
            .await
            .connections()
            .list_connections()
            .send()
            .await
            .unwrap();
        out.connections()[0].connection_arn().unwrap().to_owned()
    });
    let status = |s: &str| {
        sb.control(
            "/_sandbox/connections/complete",
            json!({ "connectionArn": arn, "status": s }),
        )
    };
    status("ERROR");
    diagnosed(&examine(&sb, &spec), "connection_error", &["ERROR"]);
    status("AVAILABLE");

    // The app now listens on 8080; the container port stays 3000.
    runtime().block_on(async {
        let server = GitHub::new(Endpoints::from_sandbox(&sb.url).await.unwrap(), None)
            .file(&repo, "master", "src/server.js")
            .await
            .unwrap()
            .unwrap();
        let mut files = FileChanges::new();
        files.insert("src/server.js".into(), Some(server.replace("|| 3000", "|| 8080")));
        simulate_push(&sb.access(), &repo, "master", "Listen on 8080", &[], Some(&files))
            .await
            .unwrap();
    });
    let mut last = None;
    wait_until("the doctor sees unhealthy targets", Duration::from_secs(180), || {
        let report = examine(&sb, &spec);
        let found = report.findings.iter().any(|f| f.code == "targets_wrong_port");
        last = Some(report);
        found
    });
    let report = last.unwrap();
    let f = find(&report, "targets_wrong_port");
    says(f, &["3000", "Target.FailedHealthChecks"]);
    assert!(
        f.evidence.iter().all(|l| l.contains("Target.FailedHealthChecks")),
        "{f:#?}"
    );
}
