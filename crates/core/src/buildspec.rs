//! The buildspec the build runs: ECR login, `docker build`, tag with the commit, push, and
//! `imagedefinitions.json` for the ECS deploy. Everything account- or lab-specific comes from
//! environment variables the CodeBuild project sets (ACCOUNT_ID, REPOSITORY_URI,
//! CONTAINER_NAME; CodeBuild itself sets AWS_DEFAULT_REGION), so the file holds no account
//! id, region or container name: the lecture's two classic mistakes (a hard-coded account,
//! a container name that disagrees with the task definition) cannot happen.
//!
//! Docker Hub limits anonymous pulls per address, and CodeBuild's addresses are shared, so a
//! `FROM node:18-alpine` often fails with `toomanyrequests`. Before `docker build` the
//! buildspec pulls every Docker Official Image the Dockerfile names from AWS's mirror of them
//! ([`MIRROR`]) and tags it with its Docker Hub name, so the build finds it locally and the
//! student's Dockerfile stays as it is. An image the mirror lacks is left to `docker build`.

use crate::spec::{BuildspecMode, LabSpec};

/// AWS's public mirror of Docker Official Images (`node:18-alpine` is
/// `public.ecr.aws/docker/library/node:18-alpine`).
pub const MIRROR: &str = "public.ecr.aws/docker/library";

/// The commands that take `images` (Docker Official Images, `name:tag`) from [`MIRROR`]
/// under their Docker Hub names, for a buildspec the student writes.
pub fn mirror_commands_for(images: &[String]) -> Vec<String> {
    images
        .iter()
        .map(|i| format!("docker pull {MIRROR}/{i} && docker tag {MIRROR}/{i} {i}"))
        .collect()
}

/// The same, read from the Dockerfile when the build runs: `FROM` images (options and stage
/// names skipped; names with a registry, a user or a build argument left alone).
const PULL_FROM_MIRROR: &str = r#"      - |
        for image in $(awk '{ sub(/\r$/, "") } toupper($1) == "FROM" { i = 2; while ($i ~ /^--/) i++; if (!(tolower($i) in stage)) print $i; if (tolower($(i + 1)) == "as") stage[tolower($(i + 2))] = 1 }' Dockerfile 2>/dev/null); do
          image=${image#docker.io/library/}
          case "$image" in */*|*'$'*|scratch) continue;; esac
          docker pull MIRROR/$image && docker tag MIRROR/$image $image || echo "Not in AWS's mirror of Docker Official Images: $image"
        done
"#;

/// The buildspec Pipewright gives the project for `spec`: set inline on the project, or the
/// `buildspec.yml` the student commits (`buildspec_mode = "file"`).
pub fn for_spec(spec: &LabSpec) -> String {
    match spec.build.buildspec_mode {
        BuildspecMode::Inline => inline(spec.registry.tag_immutability),
        BuildspecMode::File => committed(spec.registry.tag_immutability),
    }
}

/// The buildspec set inline on the project (the default). It pushes one tag, never `latest`
/// (the deploy uses the tag in imagedefinitions.json): the short commit id, and with
/// immutable tags also the build number, because a run of the same commit again (Release
/// change, Retry) builds a new image that may not take a tag that already exists.
pub fn inline(tag_immutability: bool) -> String {
    let unique = if tag_immutability {
        "      - IMAGE_TAG=$IMAGE_TAG-b$CODEBUILD_BUILD_NUMBER\n"
    } else {
        ""
    };
    let mirror = PULL_FROM_MIRROR.replace("MIRROR", MIRROR);
    format!(
        r#"version: 0.2
phases:
  pre_build:
    commands:
      - echo Logging in to Amazon ECR
      - aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS --password-stdin $ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com
      - IMAGE_TAG=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)
      - IMAGE_TAG=${{IMAGE_TAG:-manual}}
{unique}{mirror}  build:
    commands:
      - docker build -t $REPOSITORY_URI:$IMAGE_TAG .
  post_build:
    commands:
      - docker push $REPOSITORY_URI:$IMAGE_TAG
      - printf '[{{"name":"%s","imageUri":"%s"}}]' "$CONTAINER_NAME" "$REPOSITORY_URI:$IMAGE_TAG" > imagedefinitions.json
      - cat imagedefinitions.json
artifacts:
  files:
    - imagedefinitions.json
"#
    )
}

/// The same buildspec as a file the student commits (`buildspec_mode = "file"`), with a
/// header explaining where the variables come from.
pub fn committed(tag_immutability: bool) -> String {
    format!(
        "# Written by Pipewright. ACCOUNT_ID, REPOSITORY_URI and CONTAINER_NAME are set on the\n\
         # CodeBuild project, AWS_DEFAULT_REGION by CodeBuild itself: do not hard-code them here.\n{}",
        inline(tag_immutability)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_account_id_or_region_literal() {
        for text in [inline(false), inline(true), committed(false)] {
            assert!(
                !text
                    .chars()
                    .collect::<Vec<_>>()
                    .windows(12)
                    .any(|w| w.iter().all(|c| c.is_ascii_digit())),
                "{text}"
            );
            for region in crate::regions::regions() {
                assert!(!text.contains(&region.code), "{} in\n{text}", region.code);
            }
            assert!(text.contains("$AWS_DEFAULT_REGION") && text.contains("$ACCOUNT_ID"));
        }
    }

    #[test]
    fn image_definitions_take_the_container_name_from_the_environment() {
        let text = inline(false);
        let line = text
            .lines()
            .find(|l| l.contains("imagedefinitions.json") && l.contains("printf"))
            .unwrap();
        assert!(line.contains(r#""$CONTAINER_NAME""#), "{line}");
        assert!(line.contains("$REPOSITORY_URI:$IMAGE_TAG"), "{line}");
        // The shell would print exactly this for CONTAINER_NAME=web, REPOSITORY_URI=r, IMAGE_TAG=abc1234.
        assert!(line.contains(r#"[{"name":"%s","imageUri":"%s"}]"#), "{line}");
    }

    #[test]
    fn tags_with_the_short_commit_and_never_pushes_latest() {
        for immutable in [false, true] {
            let text = inline(immutable);
            assert!(text.contains("cut -c 1-7"), "{text}");
            assert!(!text.contains("latest"), "{text}");
            let pushes: Vec<&str> = text.lines().filter(|l| l.contains("docker push")).collect();
            assert_eq!(pushes, ["      - docker push $REPOSITORY_URI:$IMAGE_TAG"]);
        }
        assert!(!inline(false).contains("CODEBUILD_BUILD_NUMBER"));
        assert!(inline(true).contains("IMAGE_TAG=$IMAGE_TAG-b$CODEBUILD_BUILD_NUMBER"));
    }

    // The sections CodeBuild reads, read by a YAML parser: a stray indent or an unquoted `:`
    // that makes the text invalid YAML, or moves a command into another phase, fails here.
    // The sandbox's build runner also runs it in every full `up` of tests/tests.
    #[test]
    fn has_the_sections_codebuild_reads() {
        use serde_norway::Value;
        for text in [inline(false), inline(true), committed(false)] {
            let doc: Value = serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(doc["version"], Value::from(0.2), "{text}");
            let Value::Mapping(phases) = &doc["phases"] else {
                panic!("phases is not a mapping in\n{text}")
            };
            let names: Vec<&str> = phases.keys().filter_map(Value::as_str).collect();
            assert_eq!(names, ["pre_build", "build", "post_build"], "{text}");
            let commands = |phase: &str| -> Vec<String> {
                doc["phases"][phase]["commands"]
                    .as_sequence()
                    .unwrap_or_else(|| panic!("{phase}.commands is not a list in\n{text}"))
                    .iter()
                    .map(|c| c.as_str().expect("a command is a string").to_string())
                    .collect()
            };
            let pre = commands("pre_build");
            assert!(pre[1].starts_with("aws ecr get-login-password"), "{pre:?}");
            assert!(pre.last().unwrap().starts_with("for image in $(awk"), "{pre:?}");
            assert_eq!(commands("build"), ["docker build -t $REPOSITORY_URI:$IMAGE_TAG ."]);
            let post = commands("post_build");
            assert_eq!(post.len(), 3, "{post:?}");
            assert_eq!(post[0], "docker push $REPOSITORY_URI:$IMAGE_TAG");
            assert!(post[1].ends_with("> imagedefinitions.json"), "{post:?}");
            assert_eq!(
                doc["artifacts"]["files"],
                Value::Sequence(vec![Value::from("imagedefinitions.json")]),
                "{text}"
            );
        }
    }
}
