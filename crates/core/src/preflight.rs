//! The preflight: before anything is created, read the student's repository and say what will
//! go wrong and how to fix it. Findings never block Create: the student may go on, warned.
//!
//! What it reads (on a public repository, no API request at all):
//! - git's ref advertisement (`info/refs`): does the repository answer, which branches it
//!   has, which is the default;
//! - raw files at the branch's head: `Dockerfile` (base images, `EXPOSE`, `ENV PORT`, `CMD`),
//!   `package.json` (the start script or `main`, when the Dockerfile's CMD names no file), the app's entry file and the files it
//!   `require`s (the port it listens on, its GET routes), and in file mode the buildspec.
//!
//! For the lecture's sample that is 1 git request plus 3 raw downloads (Dockerfile,
//! `src/server.js`, `src/app.js`) in inline mode, 4 in file mode (the buildspec), and no API
//! request: [`PreflightReport::requests`] counts them on every run.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::buildspec;
use crate::github::{GitHub, GitHubError, RequestCount};
use crate::spec::{BuildspecMode, FilterType, LabSpec, SpecEdit, Trigger, TriggerEvent};

/// How sure the preflight is that the lab will fail because of what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The lab will fail this way unless it is fixed.
    Error,
    /// It may fail, or something could not be checked.
    Warning,
    /// Worth knowing; nothing to fix.
    Info,
}

/// One thing the preflight (or the doctor) found, in both languages, with the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Finding {
    /// Stable: `branch_missing`, `buildspec_account_id`, ...
    pub code: String,
    pub severity: Severity,
    /// The spec field it concerns (`source.branch`), or the repository's file
    /// (`repository:buildspec.yml`).
    pub field: String,
    /// What is wrong and what to do, in English.
    pub en: String,
    /// The same in Korean.
    pub ko: String,
    /// Lines of the file (or log) that show it.
    pub evidence: Vec<String>,
    /// A page that shows it (the file on GitHub, the console).
    pub link: Option<String>,
    /// A one-click fix on the spec, when one exists.
    pub remedy: Option<SpecEdit>,
}

impl Finding {
    pub(crate) fn new(code: &str, severity: Severity, field: &str, en: String, ko: String) -> Finding {
        Finding {
            code: code.into(),
            severity,
            field: field.into(),
            en,
            ko,
            evidence: Vec::new(),
            link: None,
            remedy: None,
        }
    }

    pub(crate) fn evidence(mut self, lines: Vec<String>) -> Finding {
        self.evidence = lines;
        self
    }

    pub(crate) fn link(mut self, link: String) -> Finding {
        self.link = Some(link);
        self
    }

    fn remedy(mut self, edit: SpecEdit) -> Finding {
        self.remedy = Some(edit);
        self
    }
}

/// The preflight's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PreflightReport {
    pub repository: String,
    pub branch: String,
    /// Whether the repository could be read at all (a private one without a token: no).
    pub checked: bool,
    pub findings: Vec<Finding>,
    /// GitHub requests this preflight made, by kind.
    pub requests: RequestCount,
    /// Practice mode: the practice GitHub's sample repository, to offer as the student's.
    pub sample_repository: Option<String>,
}

/// Reads `spec`'s repository through `github` and checks it against the spec.
pub async fn run(spec: &LabSpec, github: &GitHub) -> PreflightReport {
    let mut findings = Vec::new();
    let checked = check(spec, github, &mut findings).await;
    findings.sort_by_key(|f| match f.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    });
    PreflightReport {
        repository: spec.source.repository.clone(),
        branch: spec.source.branch.clone(),
        checked,
        findings,
        requests: github.requests(),
        sample_repository: github.endpoints().sample_repository.clone(),
    }
}

fn could_not_reach(e: &GitHubError) -> Finding {
    Finding::new(
        "github_unreachable",
        Severity::Warning,
        "source.repository",
        format!("Could not check the repository: {e}. Check your network and run the check again."),
        format!("리포지토리를 확인하지 못했습니다: {e}. 네트워크를 확인하고 다시 검사하세요."),
    )
}

/// Returns whether the repository could be read.
async fn check(spec: &LabSpec, gh: &GitHub, out: &mut Vec<Finding>) -> bool {
    let repo = spec.source.repository.trim();
    let valid = repo.split('/').count() == 2 && repo.split('/').all(|p| !p.is_empty() && !p.contains(' '));
    if !valid {
        // The spec check says what is wrong with the field itself.
        return false;
    }
    let refs = match gh.refs(repo).await {
        Ok(Some(refs)) => refs,
        Ok(None) => {
            out.push(not_visible(repo, gh).await);
            return false;
        }
        Err(e) => {
            out.push(could_not_reach(&e));
            return false;
        }
    };
    let page = gh.html_url(repo);
    let branch = spec.source.branch.as_str();
    let head = match refs.branches.get(branch) {
        Some(_) => branch.to_owned(),
        None => {
            if refs.branches.is_empty() {
                out.push(
                    Finding::new(
                        "repository_empty",
                        Severity::Error,
                        "source.repository",
                        format!("{repo} has no branch yet: push a first commit (with the app, its Dockerfile and, in file mode, its buildspec) before the pipeline runs."),
                        format!("{repo} 리포지토리에 아직 브랜치가 없습니다. 파이프라인이 실행되기 전에 앱, Dockerfile(파일 모드라면 buildspec도)을 담은 첫 커밋을 푸시하세요."),
                    )
                    .link(page),
                );
                return true;
            }
            let suggestion = suggest_branch(branch, &refs);
            let names: Vec<String> = refs.branches.keys().cloned().collect();
            out.push(
                Finding::new(
                    "branch_missing",
                    Severity::Error,
                    "source.branch",
                    format!("{repo} has no branch \"{branch}\" (it has: {}), so the pipeline's Source stage would fail with \"No Branch [{branch}] found\". Use the branch \"{suggestion}\".", names.join(", ")),
                    format!("{repo} 리포지토리에는 \"{branch}\" 브랜치가 없어(있는 브랜치: {}) 파이프라인의 Source 단계가 \"No Branch [{branch}] found\" 오류로 실패합니다. \"{suggestion}\" 브랜치를 사용하세요.", names.join(", ")),
                )
                .link(format!("{page}/branches"))
                .remedy(SpecEdit::Branch(suggestion.clone())),
            );
            suggestion
        }
    };
    // A missing branch is named above; its fix (SpecEdit::Branch) moves a branch trigger too.
    if head == branch {
        check_trigger(spec, &refs.branches.keys().cloned().collect::<Vec<_>>(), out);
    }
    let file = |path: &'static str| gh.file(repo, &head, path);
    let blob = |path: &str| format!("{page}/blob/{head}/{path}");

    // The Dockerfile at the build context (the repository's root for both buildspecs).
    let dockerfile = match file("Dockerfile").await {
        Ok(d) => d,
        Err(e) => {
            out.push(could_not_reach(&e));
            return true;
        }
    };
    let docker = dockerfile.as_deref().map(Dockerfile::parse);
    match &docker {
        None => out.push(
            Finding::new(
                "dockerfile_missing",
                Severity::Error,
                "repository:Dockerfile",
                format!("There is no Dockerfile at the root of {repo} on \"{head}\": the build's `docker build .` would fail with \"failed to read dockerfile\". Add a Dockerfile there."),
                format!("{repo} 리포지토리의 \"{head}\" 브랜치 최상위에 Dockerfile이 없어 빌드의 `docker build .`가 \"failed to read dockerfile\" 오류로 실패합니다. 최상위에 Dockerfile을 추가하세요."),
            )
            .link(format!("{page}/tree/{head}")),
        ),
        Some(d) => check_base_images(spec, d, &blob("Dockerfile"), out),
    }

    // The port the app listens on, and its routes.
    let app = read_app(gh, repo, &head, docker.as_ref()).await;
    check_ports(spec, docker.as_ref(), &app, &blob("Dockerfile"), out);
    check_health_path(spec, &app, out);

    if spec.build.buildspec_mode == BuildspecMode::File {
        let path = spec.build.buildspec_path.trim_start_matches("./").to_owned();
        match gh.file(repo, &head, &path).await {
            Ok(Some(text)) => check_buildspec(spec, &path, &text, &blob(&path), out),
            Ok(None) => out.push(
                Finding::new(
                    "buildspec_missing",
                    Severity::Error,
                    "build.buildspec_path",
                    format!("The build reads its buildspec from {path} in the repository, but {repo} has no such file on \"{head}\": the build would fail with YAML_FILE_ERROR. Let Pipewright write the buildspec (inline), or commit one at {path}."),
                    format!("빌드는 리포지토리의 {path}에서 buildspec을 읽지만 {repo}의 \"{head}\" 브랜치에 그 파일이 없어 YAML_FILE_ERROR로 실패합니다. Pipewright가 만드는 buildspec(인라인)을 사용하거나 {path}를 커밋하세요."),
                )
                .link(format!("{page}/tree/{head}"))
                .remedy(SpecEdit::BuildspecMode(BuildspecMode::Inline)),
            ),
            Err(e) => out.push(could_not_reach(&e)),
        }
    }
    true
}

/// A repository we cannot see: private without a (working) token, or missing. GitHub answers
/// both alike to a stranger; with a token, one API request tells them apart.
async fn not_visible(repo: &str, gh: &GitHub) -> Finding {
    let private = if gh.has_token() {
        gh.is_private(repo).await.ok().flatten()
    } else {
        None
    };
    let (code, en, ko) = match (gh.has_token(), private) {
        (false, _) => (
            "repository_private_or_missing",
            format!(
                "Could not check: {repo} is private or does not exist. Check the name (owner/repository as in its GitHub address); if it is private, save a GitHub token (`pipewright github login`) and check again. CodePipeline itself reads it through the connection, so the lab can still work."
            ),
            format!(
                "확인할 수 없음: {repo} 리포지토리가 비공개이거나 존재하지 않습니다. 이름(GitHub 주소의 소유자/리포지토리)을 확인하고, 비공개라면 GitHub 토큰을 저장한 뒤(`pipewright github login`) 다시 검사하세요. CodePipeline은 연결을 통해 읽으므로 실습은 진행할 수 있습니다."
            ),
        ),
        (true, Some(_)) => (
            "repository_token_cannot_read",
            format!(
                "Could not check: the saved GitHub token sees {repo} but cannot read its code. Give the token read access to the repository's contents."
            ),
            format!(
                "확인할 수 없음: 저장된 GitHub 토큰으로 {repo} 리포지토리는 보이지만 코드를 읽을 수 없습니다. 토큰에 리포지토리 콘텐츠 읽기 권한을 주세요."
            ),
        ),
        (true, None) => (
            "repository_missing",
            format!(
                "{repo} does not exist, or the saved GitHub token cannot see it. Check the name (owner/repository as in its GitHub address)."
            ),
            format!(
                "{repo} 리포지토리가 없거나 저장된 GitHub 토큰으로 볼 수 없습니다. 이름(GitHub 주소의 소유자/리포지토리)을 확인하세요."
            ),
        ),
    };
    Finding::new(code, Severity::Warning, "source.repository", en, ko).link(gh.html_url(repo))
}

/// The branch to suggest instead of `wanted`: `master` for `main` and back when it exists,
/// else the default branch, else the first.
fn suggest_branch(wanted: &str, refs: &crate::github::Refs) -> String {
    let twin = match wanted {
        "main" => Some("master"),
        "master" => Some("main"),
        _ => None,
    };
    twin.filter(|t| refs.branches.contains_key(*t))
        .map(str::to_owned)
        .or_else(|| refs.default_branch.clone().filter(|d| refs.branches.contains_key(d)))
        .or_else(|| refs.branches.keys().next().cloned())
        .unwrap_or_default()
}

fn check_trigger(spec: &LabSpec, branches: &[String], out: &mut Vec<Finding>) {
    use crate::spec::glob::matches;
    match &spec.pipeline.trigger {
        Trigger::Manual => out.push(Finding::new(
            "trigger_manual",
            Severity::Info,
            "pipeline.trigger",
            "The pipeline does not detect changes: a push starts no run; start runs with \"Release change\".".into(),
            "파이프라인이 변경 사항을 감지하지 않으므로 푸시해도 실행되지 않습니다. \"변경 사항 릴리스\"로 실행하세요."
                .into(),
        )),
        Trigger::Filter(f) if f.event == TriggerEvent::Push && f.filter_type == FilterType::Branches => {
            let hits = |b: &String| {
                (f.include.is_empty() || f.include.iter().any(|p| matches(p, b)))
                    && !f.exclude.iter().any(|p| matches(p, b))
            };
            if !branches.iter().any(hits) {
                out.push(Finding::new(
                    "trigger_matches_no_branch",
                    Severity::Warning,
                    "pipeline.trigger.include",
                    format!("No branch of the repository ({}) matches the trigger's branch patterns: pushes would start no run.", branches.join(", ")),
                    format!("리포지토리의 어떤 브랜치({})도 트리거의 브랜치 패턴과 일치하지 않아 푸시해도 실행되지 않습니다.", branches.join(", ")),
                ));
            }
            if !f.file_paths_include.is_empty() {
                out.push(Finding::new(
                    "trigger_file_paths",
                    Severity::Info,
                    "pipeline.trigger.file_paths_include",
                    format!(
                        "Only pushes that change a file matching {} start a run; other pushes are ignored.",
                        f.file_paths_include.join(", ")
                    ),
                    format!(
                        "{}에 일치하는 파일을 바꾼 푸시만 실행을 시작하며, 다른 푸시는 무시됩니다.",
                        f.file_paths_include.join(", ")
                    ),
                ));
            }
        }
        _ => {}
    }
}

/// What the preflight reads from a Dockerfile.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// `FROM` images, without stage names (`FROM build`) and `scratch`, with their lines.
    pub bases: Vec<(String, String)>,
    pub exposed: Vec<(u32, String)>,
    /// `ENV PORT=...` of the last stage.
    pub env_port: Option<u32>,
    /// The file `CMD ["node", "x.js"]` (or `node x.js`) runs.
    pub node_entry: Option<String>,
}

impl Dockerfile {
    pub fn parse(text: &str) -> Dockerfile {
        let mut d = Dockerfile::default();
        let mut stages: Vec<String> = Vec::new();
        for raw in text.lines() {
            let line = raw.trim();
            let mut words = line.split_whitespace();
            let Some(instr) = words.next() else { continue };
            let rest: Vec<&str> = words.collect();
            match instr.to_ascii_uppercase().as_str() {
                "FROM" => {
                    let args: Vec<&str> = rest.iter().copied().filter(|w| !w.starts_with("--")).collect();
                    if let Some(image) = args.first() {
                        let lower = image.to_ascii_lowercase();
                        if lower != "scratch" && !stages.contains(&lower) {
                            d.bases.push(((*image).to_owned(), raw.to_owned()));
                        }
                    }
                    if args.len() >= 3 && args[1].eq_ignore_ascii_case("as") {
                        stages.push(args[2].to_ascii_lowercase());
                    }
                    d.env_port = None;
                }
                "EXPOSE" => {
                    for w in &rest {
                        if let Ok(p) = w.split('/').next().unwrap_or("").parse::<u32>() {
                            d.exposed.push((p, raw.to_owned()));
                        }
                    }
                }
                "ENV" => {
                    let joined = rest.join(" ");
                    let value = joined
                        .strip_prefix("PORT=")
                        .or_else(|| joined.strip_prefix("PORT "))
                        .map(|v| v.trim().trim_matches('"').split_whitespace().next().unwrap_or(""));
                    if let Some(p) = value.and_then(|v| v.parse().ok()) {
                        d.env_port = Some(p);
                    }
                }
                "CMD" | "ENTRYPOINT" => {
                    let words: Vec<String> = if line.contains('[') {
                        rest.join(" ")
                            .trim_matches(|c| c == '[' || c == ']')
                            .split(',')
                            .map(|w| w.trim().trim_matches('"').to_owned())
                            .collect()
                    } else {
                        rest.iter().map(|w| (*w).to_owned()).collect()
                    };
                    if words.first().map(String::as_str) == Some("node") {
                        d.node_entry = words.get(1).cloned();
                    }
                }
                _ => {}
            }
        }
        d
    }
}

/// A Docker Official Image (`node:18-alpine`, `docker.io/library/node`): the ones AWS mirrors
/// at `public.ecr.aws/docker/library/`. Returns its name and tag as the mirror has them.
pub fn official_image(image: &str) -> Option<String> {
    let name = image
        .strip_prefix("docker.io/library/")
        .or_else(|| image.strip_prefix("library/"))
        .unwrap_or(image);
    (!name.contains('/') && !name.contains('$')).then(|| name.to_owned())
}

/// Whether `image` is pulled from Docker Hub (no registry host in its name).
fn on_docker_hub(image: &str) -> bool {
    match image.split_once('/') {
        None => true,
        Some((first, _)) => {
            first == "docker.io" || !(first.contains('.') || first.contains(':') || first == "localhost")
        }
    }
}

fn check_base_images(spec: &LabSpec, d: &Dockerfile, link: &str, out: &mut Vec<Finding>) {
    let hub: Vec<&(String, String)> = d.bases.iter().filter(|(i, _)| on_docker_hub(i)).collect();
    if hub.is_empty() {
        return;
    }
    let official: Vec<String> = hub.iter().filter_map(|(i, _)| official_image(i)).collect();
    let others: Vec<&str> = hub
        .iter()
        .filter(|(i, _)| official_image(i).is_none())
        .map(|(i, _)| i.as_str())
        .collect();
    let evidence = hub.iter().map(|(_, l)| l.clone()).collect();
    let names = hub.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>().join(", ");
    let why_en = "CodeBuild pulls it from Docker Hub without logging in, from addresses many AWS customers share, so Docker Hub's anonymous pull limit is often used up and the build fails with \"toomanyrequests\"";
    let why_ko = "CodeBuild는 로그인하지 않고 여러 AWS 고객이 함께 쓰는 주소에서 Docker Hub 이미지를 받기 때문에, Docker Hub의 익명 다운로드 한도가 자주 소진되어 빌드가 \"toomanyrequests\" 오류로 실패합니다";
    let finding = match spec.build.buildspec_mode {
        BuildspecMode::Inline if others.is_empty() => Finding::new(
            "docker_hub_mirrored",
            Severity::Info,
            "repository:Dockerfile",
            format!(
                "The Dockerfile's base image {names} is on Docker Hub. {why_en}. Pipewright's buildspec pulls it from AWS's mirror of Docker Official Images (public.ecr.aws/docker/library/{}) and tags it with its Docker Hub name before `docker build`, so your Dockerfile stays as it is.",
                official.join(", ")
            ),
            format!(
                "Dockerfile의 기본 이미지 {names}는 Docker Hub에 있습니다. {why_ko}. Pipewright의 buildspec은 `docker build` 전에 AWS의 Docker 공식 이미지 미러(public.ecr.aws/docker/library/{})에서 받아 Docker Hub 이름으로 태그하므로 Dockerfile은 그대로 두면 됩니다.",
                official.join(", ")
            ),
        ),
        BuildspecMode::Inline => Finding::new(
            "docker_hub_not_mirrored",
            Severity::Warning,
            "repository:Dockerfile",
            format!(
                "The Dockerfile's base image {} is on Docker Hub but is not a Docker Official Image, so AWS's mirror does not have it. {why_en}. Copy it into your ECR repository, or use an image from public.ecr.aws.",
                others.join(", ")
            ),
            format!(
                "Dockerfile의 기본 이미지 {}는 Docker Hub에 있지만 Docker 공식 이미지가 아니어서 AWS 미러에 없습니다. {why_ko}. ECR 리포지토리에 복사해 두거나 public.ecr.aws의 이미지를 사용하세요.",
                others.join(", ")
            ),
        ),
        BuildspecMode::File => {
            let lines: Vec<String> = buildspec::mirror_commands_for(&official);
            Finding::new(
                "docker_hub_pull_limit",
                Severity::Warning,
                "repository:Dockerfile",
                format!("The Dockerfile's base image {names} is on Docker Hub. {why_en}. Let Pipewright write the buildspec (it pulls Docker Official Images from AWS's mirror and keeps your Dockerfile unchanged), or add these lines to your buildspec's pre_build commands: {}", lines.join("; ")),
                format!("Dockerfile의 기본 이미지 {names}는 Docker Hub에 있습니다. {why_ko}. Pipewright가 만드는 buildspec을 사용하거나(Docker 공식 이미지를 AWS 미러에서 받고 Dockerfile은 그대로 둡니다), buildspec의 pre_build 명령에 다음을 추가하세요: {}", lines.join("; ")),
            )
            .remedy(SpecEdit::BuildspecMode(BuildspecMode::Inline))
        }
    };
    out.push(finding.evidence(evidence).link(link.to_owned()));
}

/// What the preflight understood of the app: the port it listens on and its GET routes.
#[derive(Debug, Default)]
struct App {
    /// (port, the file, the line that says so)
    port: Option<(u32, String, String)>,
    routes: Vec<String>,
    /// Whether any app file could be read (else nothing about routes is claimed).
    read: bool,
}

async fn read_app(gh: &GitHub, repo: &str, head: &str, docker: Option<&Dockerfile>) -> App {
    let mut app = App::default();
    // package.json only when the Dockerfile does not say which file `node` runs.
    let entry = match docker.and_then(|d| d.node_entry.clone()) {
        Some(e) => Some(e),
        None => gh
            .file(repo, head, "package.json")
            .await
            .ok()
            .flatten()
            .as_deref()
            .and_then(entry_of_package),
    };
    let Some(entry) = entry else { return app };
    let mut queue = vec![normalize(&entry)];
    let mut seen = Vec::new();
    // The entry file and the local modules it requires, a few at most.
    while let Some(path) = queue.pop() {
        if seen.contains(&path) || seen.len() >= 4 {
            continue;
        }
        seen.push(path.clone());
        let Some(text) = gh.file(repo, head, &path).await.ok().flatten() else {
            continue;
        };
        app.read = true;
        if app.port.is_none()
            && let Some((port, line)) = listen_port(&text)
        {
            app.port = Some((port, path.clone(), line));
        }
        app.routes.extend(get_routes(&text));
        let dir = path.rsplit_once('/').map(|(d, _)| d.to_owned()).unwrap_or_default();
        for module in local_requires(&text) {
            let joined = if dir.is_empty() {
                module
            } else {
                format!("{dir}/{module}")
            };
            queue.push(normalize(&joined));
        }
    }
    app
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if joined.ends_with(".js") || joined.ends_with(".mjs") || joined.ends_with(".cjs") {
        joined
    } else {
        format!("{joined}.js")
    }
}

fn entry_of_package(text: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let start = json["scripts"]["start"].as_str().unwrap_or("");
    let mut words = start.split_whitespace();
    if words.next() == Some("node") {
        return words.find(|w| !w.starts_with('-')).map(str::to_owned);
    }
    json["main"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| Some("index.js".into()))
}

/// `listen(3000` or `process.env.PORT || 3000` (the app's default when PORT is not set; the
/// lab's task definition sets none).
fn listen_port(text: &str) -> Option<(u32, String)> {
    let number_after = |s: &str| -> Option<u32> {
        let digits: String = s.trim_start().chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let mentions_listen = text.contains(".listen(");
    for line in text.lines() {
        if let Some(i) = line.find("process.env.PORT")
            && mentions_listen
        {
            let after = &line[i + "process.env.PORT".len()..];
            let after = after.trim_start();
            let after = after
                .strip_prefix("||")
                .or_else(|| after.strip_prefix("??"))
                .unwrap_or("");
            if let Some(p) = number_after(after) {
                return Some((p, line.trim().to_owned()));
            }
        }
        if let Some(i) = line.find(".listen(")
            && let Some(p) = number_after(&line[i + ".listen(".len()..])
        {
            return Some((p, line.trim().to_owned()));
        }
    }
    None
}

fn get_routes(text: &str) -> Vec<String> {
    let mut routes = Vec::new();
    for part in text.split(".get(").skip(1) {
        let part = part.trim_start();
        let Some(quote) = part.chars().next().filter(|c| matches!(c, '\'' | '"' | '`')) else {
            continue;
        };
        if let Some(end) = part[1..].find(quote) {
            routes.push(part[1..=end].to_owned());
        }
    }
    routes
}

fn local_requires(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for part in text.split("require(").skip(1) {
        let part = part.trim_start();
        let Some(quote) = part.chars().next().filter(|c| matches!(c, '\'' | '"')) else {
            continue;
        };
        if let Some(end) = part[1..].find(quote) {
            let module = &part[1..=end];
            if module.starts_with("./") || module.starts_with("../") {
                found.push(module.to_owned());
            }
        }
    }
    found
}

fn check_ports(spec: &LabSpec, docker: Option<&Dockerfile>, app: &App, link: &str, out: &mut Vec<Finding>) {
    let container = spec.deploy.container_port;
    // The port the app really listens on: ENV PORT in the image wins over the code's default.
    let listening = docker
        .and_then(|d| {
            d.env_port
                .map(|p| (p, "Dockerfile".to_owned(), format!("ENV PORT={p}")))
        })
        .or_else(|| app.port.clone());
    if let Some((port, file, line)) = &listening
        && *port != container
    {
        out.push(
            Finding::new(
                "app_port_mismatch",
                Severity::Error,
                "deploy.container_port",
                format!("The app listens on port {port} ({file}), but the container port is {container}: the load balancer's health checks would fail and ECS would keep replacing the tasks. Set the container port to {port}."),
                format!("앱은 {port} 포트에서 요청을 받지만({file}) 컨테이너 포트는 {container}입니다. 로드 밸런서 상태 검사가 실패해 ECS가 태스크를 계속 교체합니다. 컨테이너 포트를 {port}(으)로 설정하세요."),
            )
            .evidence(vec![line.clone()])
            .remedy(SpecEdit::ContainerPort(*port)),
        );
    }
    let Some(d) = docker else { return };
    let Some((exposed, line)) = d.exposed.last() else {
        return;
    };
    if *exposed != container {
        let mut f = Finding::new(
            "expose_port_mismatch",
            Severity::Warning,
            "deploy.container_port",
            format!("The Dockerfile exposes port {exposed}, but the container port is {container}. EXPOSE is documentation only; what matters is the port the app listens on. Make them agree."),
            format!("Dockerfile은 {exposed} 포트를 EXPOSE하지만 컨테이너 포트는 {container}입니다. EXPOSE는 설명일 뿐이고 중요한 것은 앱이 요청을 받는 포트입니다. 둘을 맞추세요."),
        )
        .evidence(vec![line.clone()])
        .link(link.to_owned());
        if listening.as_ref().is_none_or(|(p, _, _)| p == exposed) {
            f = f.remedy(SpecEdit::ContainerPort(*exposed));
        }
        out.push(f);
    }
}

fn check_health_path(spec: &LabSpec, app: &App, out: &mut Vec<Finding>) {
    if !app.read || app.routes.is_empty() {
        return;
    }
    let path = spec.deploy.target_group.health_check_path.as_str();
    if app.routes.iter().any(|r| r == path) {
        return;
    }
    let suggestion = ["/ping", "/health", "/healthz", "/"]
        .into_iter()
        .find(|s| app.routes.iter().any(|r| r == s))
        .map(str::to_owned)
        .unwrap_or_else(|| app.routes[0].clone());
    out.push(
        Finding::new(
            "health_check_path_missing",
            Severity::Error,
            "deploy.target_group.health_check_path",
            format!("The health check asks for {path}, but the app answers GET only on {}: it would answer 404 and every target would be unhealthy. Use {suggestion}.", app.routes.join(", ")),
            format!("상태 검사 경로는 {path}이지만 앱은 GET {}에만 응답합니다. 404가 반환되어 모든 대상이 비정상(unhealthy)이 됩니다. {suggestion}을(를) 사용하세요.", app.routes.join(", ")),
        )
        .remedy(SpecEdit::HealthCheckPath(suggestion)),
    );
}

fn check_buildspec(spec: &LabSpec, path: &str, text: &str, link: &str, out: &mut Vec<Finding>) {
    let lines: Vec<&str> = text.lines().collect();
    let with = |pred: &dyn Fn(&str) -> bool| -> Vec<String> {
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.trim_start().starts_with('#') && pred(l))
            .map(|(i, l)| format!("{path}:{}: {}", i + 1, l.trim()))
            .collect()
    };
    let inline = SpecEdit::BuildspecMode(BuildspecMode::Inline);
    let field = format!("repository:{path}");
    let uri = with(&|l| l.contains(".dkr.ecr.") && has_account_id(l));
    if !uri.is_empty() {
        out.push(
            Finding::new(
                "buildspec_repository_uri",
                Severity::Error,
                &field,
                format!("{path} writes an ECR repository URI by hand: the build would push to that repository (another account's or region's), and AWS refuses it (\"denied: ... not authorized to perform: ecr:InitiateLayerUpload\"). Use $REPOSITORY_URI, which Pipewright sets on the build project, or let Pipewright write the buildspec."),
                format!("{path}에 ECR 리포지토리 URI가 직접 적혀 있어 빌드가 그 리포지토리(다른 계정이나 리전)에 푸시하려다 거부됩니다(\"denied: ... not authorized to perform: ecr:InitiateLayerUpload\"). Pipewright가 빌드 프로젝트에 설정하는 $REPOSITORY_URI를 쓰거나 Pipewright가 만드는 buildspec을 사용하세요."),
            )
            .evidence(uri.clone())
            .link(link.to_owned())
            .remedy(inline.clone()),
        );
    }
    let account = with(&|l| has_account_id(l) && !l.contains(".dkr.ecr."));
    let any_account = with(&|l| has_account_id(l));
    if !account.is_empty() || (!any_account.is_empty() && uri.is_empty()) {
        out.push(
            Finding::new(
                "buildspec_account_id",
                Severity::Error,
                &field,
                format!("{path} contains an AWS account id written by hand (the lecturer's, not yours). Use $ACCOUNT_ID, which Pipewright sets on the build project, or let Pipewright write the buildspec."),
                format!("{path}에 AWS 계정 ID가 직접 적혀 있습니다(강사의 계정이며 본인 계정이 아닙니다). Pipewright가 빌드 프로젝트에 설정하는 $ACCOUNT_ID를 쓰거나 Pipewright가 만드는 buildspec을 사용하세요."),
            )
            .evidence(if account.is_empty() { any_account } else { account })
            .link(link.to_owned())
            .remedy(inline.clone()),
        );
    }
    let regions: Vec<String> = crate::regions::regions().iter().map(|r| r.code.clone()).collect();
    let region_lines = with(&|l| regions.iter().any(|r| contains_word(l, r)));
    if !region_lines.is_empty() {
        let foreign = region_lines.iter().any(|l| !contains_word(l, &spec.region));
        out.push(
            Finding::new(
                "buildspec_region",
                if foreign { Severity::Error } else { Severity::Warning },
                &field,
                format!("{path} writes a region by hand; the lab is in {}. Use $AWS_DEFAULT_REGION, which CodeBuild sets to the project's region (and do not set it in env.variables), or let Pipewright write the buildspec.", spec.region),
                format!("{path}에 리전이 직접 적혀 있습니다. 실습 리전은 {}입니다. CodeBuild가 프로젝트의 리전으로 설정하는 $AWS_DEFAULT_REGION을 쓰고(env.variables에서 설정하지 마세요), 또는 Pipewright가 만드는 buildspec을 사용하세요.", spec.region),
            )
            .evidence(region_lines)
            .link(link.to_owned())
            .remedy(inline.clone()),
        );
    }
    let container = spec.names().container;
    let defs = with(&|l| l.contains("imagedefinitions.json"));
    if defs.is_empty() {
        out.push(
            Finding::new(
                "buildspec_no_imagedefinitions",
                Severity::Error,
                &field,
                format!("{path} does not write imagedefinitions.json, which the pipeline's ECS deploy reads to know which image to run. Write it (container name {container}) and list it under artifacts.files, or let Pipewright write the buildspec."),
                format!("{path}가 imagedefinitions.json을 만들지 않습니다. 파이프라인의 ECS 배포는 이 파일로 실행할 이미지를 알아냅니다. 컨테이너 이름 {container}로 만들고 artifacts.files에 넣거나, Pipewright가 만드는 buildspec을 사용하세요."),
            )
            .link(link.to_owned())
            .remedy(inline),
        );
        return;
    }
    for line in text.lines().filter(|l| l.contains("\"name\"")) {
        let Some(name) = literal_name(line) else { continue };
        if name != container && !name.starts_with('%') && !name.starts_with('$') {
            out.push(
                Finding::new(
                    "buildspec_container_name",
                    Severity::Error,
                    &field,
                    format!("{path} writes the container name \"{name}\" into imagedefinitions.json, but the task definition's container is \"{container}\": the deploy would fail with \"The AWS ECS container {name} does not exist\". Name the container \"{name}\" in the Deploy step, or write \"$CONTAINER_NAME\" in the buildspec."),
                    format!("{path}는 imagedefinitions.json에 컨테이너 이름 \"{name}\"을(를) 쓰지만 태스크 정의의 컨테이너는 \"{container}\"입니다. 배포가 \"The AWS ECS container {name} does not exist\" 오류로 실패합니다. 배포 단계에서 컨테이너 이름을 \"{name}\"(으)로 하거나 buildspec에 \"$CONTAINER_NAME\"을 쓰세요."),
                )
                .evidence(with(&|l| l.contains(&format!("\"{name}\""))))
                .link(link.to_owned())
                .remedy(SpecEdit::ContainerName(Some(name))),
            );
        }
    }
}

/// `"name":"ktb-repo"` in a printf/echo line.
fn literal_name(line: &str) -> Option<String> {
    let after = &line[line.find("\"name\"")? + "\"name\"".len()..];
    let after = after.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let end = after.find('"')?;
    Some(after[..end].to_owned())
}

/// Twelve digits in a row, not part of a longer number: an account id.
fn has_account_id(line: &str) -> bool {
    let bytes = line.as_bytes();
    let mut run = 0;
    for (i, b) in bytes.iter().enumerate() {
        if b.is_ascii_digit() {
            run += 1;
        } else {
            run = 0;
        }
        let next_is_digit = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if run == 12 && !next_is_digit {
            return true;
        }
    }
    false
}

fn contains_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + word.len()..].chars().next();
        let part = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
        !part(before) && !part(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LECTURE_DOCKERFILE: &str = "FROM node:18-alpine\n\nCOPY package*.json ./\n\nRUN npm install\n\nCOPY . .\n\nEXPOSE 3000\n\nCMD [\"node\", \"src/server.js\"]\n";

    #[test]
    fn reads_what_matters_in_a_dockerfile() {
        let d = Dockerfile::parse(LECTURE_DOCKERFILE);
        assert_eq!(d.bases[0].0, "node:18-alpine");
        assert_eq!(d.exposed[0].0, 3000);
        assert_eq!(d.node_entry.as_deref(), Some("src/server.js"));
        let multi = Dockerfile::parse(
            "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM build AS test\nFROM gcr.io/distroless/base\nENV PORT=8080\nCMD node app.js\n",
        );
        let bases: Vec<&str> = multi.bases.iter().map(|(b, _)| b.as_str()).collect();
        assert_eq!(bases, ["golang:1.22", "gcr.io/distroless/base"]);
        assert_eq!(multi.env_port, Some(8080));
        assert_eq!(multi.node_entry.as_deref(), Some("app.js"));
    }

    #[test]
    fn docker_hub_and_official_images() {
        assert!(
            on_docker_hub("node:18-alpine") && on_docker_hub("bitnami/node") && on_docker_hub("docker.io/library/node")
        );
        assert!(!on_docker_hub("public.ecr.aws/docker/library/node:18") && !on_docker_hub("localhost:5000/x"));
        assert_eq!(official_image("node:18-alpine").as_deref(), Some("node:18-alpine"));
        assert_eq!(official_image("docker.io/library/node:20").as_deref(), Some("node:20"));
        assert_eq!(official_image("bitnami/node"), None);
    }

    #[test]
    fn reads_the_listen_port_and_routes() {
        let server =
            "const app = require('./app');\n\nconst PORT = process.env.PORT || 3000;\n\napp.listen(PORT, () => {});\n";
        assert_eq!(listen_port(server).map(|p| p.0), Some(3000));
        assert_eq!(listen_port("app.listen(8080);").map(|p| p.0), Some(8080));
        assert_eq!(local_requires(server), ["./app"]);
        assert_eq!(normalize("src/./app"), "src/app.js");
        let app = "app.get('/', (req, res) => {});\napp.get(\"/ping\", h);\nrouter.get(`/x`, h)";
        assert_eq!(get_routes(app), ["/", "/ping", "/x"]);
    }

    #[test]
    fn account_ids_and_regions_in_a_buildspec() {
        assert!(has_account_id(
            "login 111122223333.dkr.ecr.ap-northeast-1.amazonaws.com"
        ));
        assert!(!has_account_id("IMAGE_TAG=1234567890123"));
        assert!(contains_word("--region ap-northeast-1 |", "ap-northeast-1"));
        assert!(!contains_word("ap-northeast-12", "ap-northeast-1"));
        assert_eq!(
            literal_name(r#"printf '[{"name":"ktb-repo","imageUri":"%s"}]' $X"#).as_deref(),
            Some("ktb-repo")
        );
    }

    #[test]
    fn the_lecture_buildspec_is_named_in_both_languages() {
        let buildspec = "version: 0.2\nenv:\n  variables:\n    AWS_DEFAULT_REGION: ap-northeast-1\nphases:\n  pre_build:\n    commands:\n      - REPOSITORY_URI=111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/ktb-repo\n  post_build:\n    commands:\n      - printf '[{\"name\":\"ktb-repo\",\"imageUri\":\"%s\"}]' $REPOSITORY_URI:$IMAGE_TAG > imagedefinitions.json\nartifacts:\n  files: imagedefinitions.json\n";
        let mut spec = LabSpec::new("ktb", "me/ktb-repo");
        spec.build.buildspec_mode = BuildspecMode::File;
        let mut out = Vec::new();
        check_buildspec(&spec, "buildspec.yml", buildspec, "l", &mut out);
        let codes: Vec<&str> = out.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "buildspec_repository_uri",
                "buildspec_region",
                "buildspec_container_name"
            ]
        );
        let name = &out[2];
        assert!(
            name.en.contains("\"ktb-app\"") && name.ko.contains("\"ktb-app\""),
            "{name:?}"
        );
        assert_eq!(name.remedy, Some(SpecEdit::ContainerName(Some("ktb-repo".into()))));
        assert!(out.iter().all(|f| !f.ko.is_empty() && f.ko != f.en));
        // Pipewright's own buildspec passes its own checks.
        let mut out = Vec::new();
        check_buildspec(&spec, "buildspec.yml", &buildspec::committed(false), "l", &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
