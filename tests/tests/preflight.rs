//! The preflight against the sandbox's practice GitHub: each of the lecture's classic mistakes,
//! made in a student's copy of the sample repository, is named with its cause and its fix in
//! both languages; the generated buildspec survives Docker Hub's pull limit where the
//! lecture's does not.

use pipewright_core::Secret;
use pipewright_core::github::{Endpoints, GitHub};
use pipewright_core::preflight::{self, Finding, PreflightReport, Severity};
use pipewright_core::spec::{BuildspecMode, LabSpec, SpecEdit};
use pipewright_tests::{Sandbox, cli_bin, lecture_buildspec_fixed, practice_up, runtime, says};
use serde_json::{Value, json};

const TIME_SCALE: f64 = 0.01;

fn fork(sb: &Sandbox, name: &str, private: bool) -> String {
    let repo = format!("{name}/ktb-repo");
    sb.control(
        "/_sandbox/github/fork",
        json!({ "repository": repo, "private": private }),
    );
    repo
}

/// A commit on `master` of `repo` (`null` deletes a file).
fn push(sb: &Sandbox, repo: &str, files: Value) {
    sb.control(
        "/_sandbox/push",
        json!({ "repository": repo, "branch": "master", "message": "student's change", "files": files }),
    );
}

fn check(sb: &Sandbox, spec: &LabSpec, token: Option<&str>) -> PreflightReport {
    runtime().block_on(async {
        let endpoints = Endpoints::from_sandbox(&sb.url).await.unwrap();
        let github = GitHub::new(endpoints, token.map(Secret::new));
        preflight::run(spec, &github).await
    })
}

fn codes(report: &PreflightReport) -> Vec<&str> {
    report.findings.iter().map(|f| f.code.as_str()).collect()
}

fn find<'a>(report: &'a PreflightReport, code: &str) -> &'a Finding {
    report
        .findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", report.findings))
}

fn lab(repo: &str) -> LabSpec {
    let mut spec = LabSpec::new("ktb", repo);
    spec.edit(SpecEdit::Branch("master".into()));
    spec
}

#[test]
fn the_lecture_sample_as_forked() {
    let sb = Sandbox::start(TIME_SCALE);
    let repo = fork(&sb, "student-a", false);

    // A new lab watches main; the lecture's repository has only master.
    let mut spec = LabSpec::new("ktb", &repo);
    assert_eq!(spec.source.branch, "main");
    let report = check(&sb, &spec, None);
    assert!(report.checked);
    let branch = find(&report, "branch_missing");
    assert_eq!(branch.severity, Severity::Error);
    assert_eq!(branch.field, "source.branch");
    assert_eq!(branch.remedy, Some(SpecEdit::Branch("master".into())));
    says(branch, &["\"main\"", "\"master\""]);
    assert!(
        !codes(&report).contains(&"trigger_matches_no_branch"),
        "the branch's fix moves the trigger too"
    );
    // Inline mode: Pipewright's buildspec takes the base image from AWS's mirror.
    let hub = find(&report, "docker_hub_mirrored");
    assert_eq!(hub.severity, Severity::Info);
    says(
        hub,
        &[
            "node:18-alpine",
            "public.ecr.aws/docker/library/node:18-alpine",
            "toomanyrequests",
        ],
    );
    assert_eq!(hub.evidence, ["FROM node:18-alpine"]);
    // No API request: git's ref advertisement and raw files only.
    assert_eq!(report.requests.api, 0, "{:?}", report.requests);
    assert_eq!(
        (report.requests.git, report.requests.raw),
        (1, 3),
        "{:?}",
        report.requests
    );
    println!("preflight of the sample, inline mode: {:?}", report.requests);

    // The remedy applied: nothing left that would fail.
    spec.edit(branch.remedy.clone().unwrap());
    let report = check(&sb, &spec, None);
    assert_eq!(codes(&report), ["docker_hub_mirrored"]);

    // File mode: the lecture's buildspec, unchanged.
    spec.build.buildspec_mode = BuildspecMode::File;
    let report = check(&sb, &spec, None);
    println!("preflight of the sample, file mode: {:?}", report.requests);
    assert_eq!(report.requests.api, 0);
    assert_eq!(report.requests.raw, 4);
    for code in [
        "buildspec_repository_uri",
        "buildspec_region",
        "buildspec_container_name",
    ] {
        let f = find(&report, code);
        assert_eq!(f.severity, Severity::Error, "{code}");
        assert!(
            f.evidence.iter().all(|l| l.starts_with("buildspec.yml:")),
            "{:?}",
            f.evidence
        );
        assert!(f.link.as_deref().unwrap().ends_with("/blob/master/buildspec.yml"));
    }
    says(
        find(&report, "buildspec_repository_uri"),
        &["$REPOSITORY_URI", "ecr:InitiateLayerUpload"],
    );
    says(
        find(&report, "buildspec_region"),
        &["ap-northeast-2", "$AWS_DEFAULT_REGION"],
    );
    let name = find(&report, "buildspec_container_name");
    says(name, &["\"ktb-repo\"", "\"ktb-app\"", "$CONTAINER_NAME"]);
    assert_eq!(name.remedy, Some(SpecEdit::ContainerName(Some("ktb-repo".into()))));
    says(
        find(&report, "docker_hub_pull_limit"),
        &["toomanyrequests", "public.ecr.aws/docker/library/node:18-alpine"],
    );
    assert_eq!(
        find(&report, "buildspec_repository_uri").remedy,
        Some(SpecEdit::BuildspecMode(BuildspecMode::Inline))
    );
    // Errors first.
    assert_eq!(report.findings[0].severity, Severity::Error);

    // The student fixes the account, region and repository in the buildspec but renames
    // nothing else: only the container name is left.
    let fixed = lecture_buildspec_fixed(&sb, &repo);
    push(&sb, &repo, json!({ "buildspec.yml": fixed }));
    let report = check(&sb, &spec, None);
    let errors: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.code.as_str())
        .collect();
    assert_eq!(errors, ["buildspec_container_name"], "{:#?}", report.findings);
    spec.edit(find(&report, "buildspec_container_name").remedy.clone().unwrap());
    let report = check(&sb, &spec, None);
    assert!(
        report.findings.iter().all(|f| f.severity != Severity::Error),
        "{:#?}",
        report.findings
    );

    // The buildspec deleted.
    push(&sb, &repo, json!({ "buildspec.yml": null }));
    let f = find(&check(&sb, &spec, None), "buildspec_missing").clone();
    says(&f, &["buildspec.yml", "YAML_FILE_ERROR"]);
    assert_eq!(f.remedy, Some(SpecEdit::BuildspecMode(BuildspecMode::Inline)));
}

#[test]
fn the_dockerfile_the_port_and_the_health_check() {
    let sb = Sandbox::start(TIME_SCALE);
    let repo = fork(&sb, "student-b", false);
    let mut spec = lab(&repo);

    // The app's port changed.
    let server = sb.get_text(&format!("/_github/raw/{repo}/master/src/server.js"));
    push(
        &sb,
        &repo,
        json!({ "src/server.js": server.replace("|| 3000", "|| 8080") }),
    );
    let report = check(&sb, &spec, None);
    let port = find(&report, "app_port_mismatch");
    says(port, &["8080", "3000", "src/server.js"]);
    assert_eq!(port.remedy, Some(SpecEdit::ContainerPort(8080)));
    assert_eq!(port.evidence, ["const PORT = process.env.PORT || 8080;"]);
    // Following the remedy, the Dockerfile's EXPOSE 3000 disagrees.
    spec.edit(port.remedy.clone().unwrap());
    let report = check(&sb, &spec, None);
    assert!(!codes(&report).contains(&"app_port_mismatch"));
    let expose = find(&report, "expose_port_mismatch");
    says(expose, &["3000", "8080", "EXPOSE"]);
    assert_eq!(expose.remedy, None, "the app's port wins over EXPOSE");

    // A health check path the app does not serve.
    spec.deploy.target_group.health_check_path = "/health".into();
    let f = find(&check(&sb, &spec, None), "health_check_path_missing").clone();
    says(&f, &["/health", "/ping", "404"]);
    assert_eq!(f.remedy, Some(SpecEdit::HealthCheckPath("/ping".into())));

    // The Dockerfile deleted.
    push(&sb, &repo, json!({ "Dockerfile": null }));
    let f = find(&check(&sb, &spec, None), "dockerfile_missing").clone();
    assert_eq!(f.severity, Severity::Error);
    says(&f, &["Dockerfile", "failed to read dockerfile"]);
}

#[test]
fn private_missing_and_filtered() {
    let sb = Sandbox::start(TIME_SCALE);
    let repo = fork(&sb, "student-c", true);
    let spec = lab(&repo);

    let report = check(&sb, &spec, None);
    assert!(!report.checked);
    let f = find(&report, "repository_private_or_missing");
    says(f, &[&repo, "pipewright github login"]);
    assert!(f.en.starts_with("Could not check"), "{}", f.en);
    assert_eq!(report.requests.api, 0);

    // With a token the same repository is read.
    let report = check(&sb, &spec, Some("ghp_practiceTOKEN"));
    assert!(report.checked, "{:#?}", report.findings);
    assert!(!codes(&report).iter().any(|c| c.starts_with("repository_")));

    let report = check(&sb, &lab("nobody/nothing"), Some("ghp_practiceTOKEN"));
    says(find(&report, "repository_missing"), &["nobody/nothing"]);
    assert_eq!(report.requests.api, 1, "one API request tells missing from private");

    // A trigger that no branch of the repository matches.
    let mut spec = lab(&repo);
    spec.pipeline.trigger = pipewright_core::spec::Trigger::Filter(pipewright_core::spec::TriggerFilter {
        include: vec!["release/*".into()],
        ..Default::default()
    });
    let report = check(&sb, &spec, Some("t"));
    says(find(&report, "trigger_matches_no_branch"), &["master"]);
}

/// `pipewright preflight --spec FILE --json` in practice mode, and its exit status.
#[test]
fn the_cli_reports_and_exits_1_on_an_error() {
    let sb = Sandbox::start(TIME_SCALE);
    let repo = fork(&sb, "student-d", false);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lab.toml");
    std::fs::write(&file, LabSpec::new("ktb", &repo).to_toml().unwrap()).unwrap();
    let run = |lang: &str, json: bool| {
        let mut cmd = std::process::Command::new(cli_bin());
        cmd.args(["preflight", "--spec"]).arg(&file).args(["--lang", lang]);
        if json {
            cmd.arg("--json");
        }
        cmd.env("PIPEWRIGHT_SANDBOX_URL", &sb.url)
            .env_remove("PIPEWRIGHT_GITHUB_URL")
            .env("PIPEWRIGHT_KEYRING_NAMESPACE", "preflight-cli-test")
            .output()
            .unwrap()
    };
    let out = run("en", true);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"][0]["code"], "branch_missing");
    assert_eq!(
        report["findings"][0]["remedy"],
        json!({ "field": "branch", "value": "master" })
    );
    assert_eq!(report["requests"]["api"], 0);
    let out = run("ko", false);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("error [branch_missing] source.branch: ") && text.contains("브랜치를 사용하세요"),
        "{text}"
    );
    assert!(
        text.contains("GitHub requests: 4 (API 0, git 1, raw files 3)"),
        "{text}"
    );
}

/// Docker Hub's pull limit on: a lab with Pipewright's buildspec still comes up (its build
/// takes the base image from AWS's mirror), the lecture's buildspec fails its build with
/// `toomanyrequests`.
#[test]
fn the_generated_buildspec_survives_docker_hubs_pull_limit() {
    let sb = Sandbox::start(TIME_SCALE);
    let repo = fork(&sb, "student-e", false);
    sb.control("/_sandbox/dockerhub", json!({ "rateLimited": true }));
    let up = |spec: &LabSpec| practice_up(&sb, spec).map(drop);

    up(&lab(&repo)).expect("the lab comes up with Pipewright's buildspec");

    let mut lecture = LabSpec::new("lecture", &repo);
    lecture.edit(SpecEdit::Branch("master".into()));
    lecture.build.buildspec_mode = BuildspecMode::File;
    let err = up(&lecture).expect_err("the lecture's buildspec pulls from Docker Hub");
    let text = format!("{err}");
    assert!(text.contains("toomanyrequests"), "{text}");
    assert!(text.contains("BUILD"), "{text}");
}

/// Watch's "edit a file and push it": the practice GitHub commits the change on the lab's
/// branch, the file reads back changed, and a push to a branch the repository lacks is refused
/// with git's words.
#[test]
fn a_practice_push_with_files_commits_them() {
    let sb = Sandbox::start(TIME_SCALE);
    let repo = fork(&sb, "student-f", false);
    runtime().block_on(async {
        let mut files = pipewright_core::practice::FileChanges::new();
        files.insert(
            "src/app.js".into(),
            Some("app.get('/', (req, res) => res.send('Hello, World!'));\n".into()),
        );
        let started = pipewright_core::practice::simulate_push(
            &sb.access(),
            &repo,
            "master",
            "Fix the greeting",
            &[],
            Some(&files),
        )
        .await
        .unwrap();
        assert!(started.is_empty(), "no pipeline watches this repository");
        let github = GitHub::new(Endpoints::from_sandbox(&sb.url).await.unwrap(), None);
        let text = github.file(&repo, "master", "src/app.js").await.unwrap().unwrap();
        assert!(text.contains("Hello, World!"), "{text}");
        let err = pipewright_core::practice::simulate_push(&sb.access(), &repo, "main", "x", &[], Some(&files))
            .await
            .unwrap_err();
        assert!(
            format!("{err}").contains("src refspec main does not match any"),
            "{err}"
        );
    });
}
