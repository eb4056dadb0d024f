//! The buildspec the build runs: ECR login, `docker build`, tag with the commit, push, and
//! `imagedefinitions.json` for the ECS deploy. Everything account- or lab-specific comes from
//! environment variables the CodeBuild project sets (ACCOUNT_ID, REPOSITORY_URI,
//! CONTAINER_NAME; CodeBuild itself sets AWS_DEFAULT_REGION), so the file holds no account
//! id, region or container name: the lecture's two classic mistakes (a hard-coded account,
//! a container name that disagrees with the task definition) cannot happen.

use crate::spec::{BuildspecMode, LabSpec};

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
    format!(
        r#"version: 0.2
phases:
  pre_build:
    commands:
      - echo Logging in to Amazon ECR
      - aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS --password-stdin $ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com
      - IMAGE_TAG=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)
      - IMAGE_TAG=${{IMAGE_TAG:-manual}}
{unique}  build:
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

    // The sections CodeBuild reads. That the text is YAML CodeBuild accepts is proven where it
    // is parsed: the sandbox's build runner (`yaml.safe_load`, CodeBuild's checks) runs it in
    // every full `up` of tests/tests (apply.rs, first_run.rs, claims.rs).
    #[test]
    fn has_the_sections_codebuild_reads() {
        for text in [inline(false), inline(true)] {
            assert!(text.starts_with("version: 0.2\n"));
            for key in ["  pre_build:", "  build:", "  post_build:", "artifacts:"] {
                assert!(text.lines().any(|l| l == key), "{key} in\n{text}");
            }
        }
    }
}
