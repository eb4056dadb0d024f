"""Builds of a repository the sandbox holds run their buildspec (buildspec_runner.py) with the
stand-in commands (standins.py), and the deployed app's target health follows what it serves
(ecs_rollout.py + node_app.py). Each classic mistake of the lecture fails where and as it
fails on AWS; Pipewright's own buildspec goes through to a healthy service.

Builds that need no pipeline run side by side (StartBuild on GITHUB-source projects) to keep
the suite fast."""

from __future__ import annotations

import json
import re

import pytest

from conftest import (ACCOUNT, BUILD_STATEMENTS, ControlError, eventually, iam_settle,
                      make_role)
from lab import executions, make_pipeline, uid, wait_done, wait_for

REGION = "ap-northeast-2"
SAMPLE = "ktb-lecture/ktb-repo"

# crates/core/src/buildspec.rs `inline(false)` without its Docker Hub mirror pre-pull (the Rust
# test tests/tests/preflight.rs runs the whole of it under the Docker Hub fault).
PIPEWRIGHT_BUILDSPEC = """version: 0.2
phases:
  pre_build:
    commands:
      - echo Logging in to Amazon ECR
      - aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS --password-stdin $ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com
      - IMAGE_TAG=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)
      - IMAGE_TAG=${IMAGE_TAG:-manual}
  build:
    commands:
      - docker build -t $REPOSITORY_URI:$IMAGE_TAG .
  post_build:
    commands:
      - docker push $REPOSITORY_URI:$IMAGE_TAG
      - printf '[{"name":"%s","imageUri":"%s"}]' "$CONTAINER_NAME" "$REPOSITORY_URI:$IMAGE_TAG" > imagedefinitions.json
      - cat imagedefinitions.json
artifacts:
  files:
    - imagedefinitions.json
"""


def fork(control, **extra) -> str:
    name = f"{uid('student')}/ktb-repo"
    control("/_sandbox/github/fork", {"repository": name, **extra})
    return name


def ecr_repo(client, immutable=False) -> str:
    return client("ecr").create_repository(
        repositoryName=uid("app"),
        imageTagMutability="IMMUTABLE" if immutable else "MUTABLE")["repository"]["repositoryUri"]


def project(client, role: str, *, source: dict, buildspec: str | None = None,
            repository_uri: str = "", container: str = "web", privileged=True) -> str:
    name = uid("b")
    if buildspec is not None:
        source = {**source, "buildspec": buildspec}
    env = [{"name": "ACCOUNT_ID", "value": ACCOUNT},
           {"name": "REPOSITORY_URI", "value": repository_uri},
           {"name": "CONTAINER_NAME", "value": container}]
    eventually(lambda: client("codebuild").create_project(
        name=name, source=source,
        artifacts={"type": "CODEPIPELINE" if source["type"] == "CODEPIPELINE"
                   else "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": privileged,
                     "environmentVariables": env}, serviceRole=role))
    return name


def github_source(repo: str) -> dict:
    return {"type": "GITHUB", "location": f"https://github.com/{repo}.git"}


def start(client, name: str, version="master") -> str:
    return client("codebuild").start_build(projectName=name, sourceVersion=version)["build"]["id"]


def finish(client, *ids: str, deadline=30.0) -> list[dict]:
    cb = client("codebuild")

    def done():
        builds = cb.batch_get_builds(ids=list(ids))["builds"]
        return builds if all(b["buildComplete"] for b in builds) else None
    return wait_for(done, deadline)


def log_of(client, build: dict) -> str:
    events = client("logs").get_log_events(logGroupName=build["logs"]["groupName"],
                                           logStreamName=build["logs"]["streamName"],
                                           startFromHead=True)["events"]
    return "\n".join(e["message"] for e in events)


def phase(build: dict, kind: str) -> dict:
    return next(p for p in build["phases"] if p["phaseType"] == kind)


def failed(build: dict) -> tuple[str, str, str]:
    """(phase, context code, context message) of the build's failed phase."""
    assert build["buildStatus"] == "FAILED", build["buildStatus"]
    p = next(p for p in build["phases"] if p.get("phaseStatus") == "FAILED")
    ctx = p["contexts"][0]
    return p["phaseType"], ctx["statusCode"], ctx["message"]


def kinds(build: dict) -> list[str]:
    return [p["phaseType"] for p in build["phases"]]


# ---------------------------------------------------------------------------------------------


def test_the_lecture_sample_fails_as_it_does_on_aws(client, control, lab_roles):
    """Four builds of the sample at its head, side by side."""
    role = lab_roles["build"]
    mine = fork(control)
    nodocker = fork(control)
    control("/_sandbox/push", {"repository": nodocker, "branch": "master",
                               "message": "Remove the Dockerfile",
                               "files": {"Dockerfile": None}})
    repo_uri = ecr_repo(client)
    lecture = project(client, role, source=github_source(mine))  # the repo's buildspec.yml
    tests = project(client, role, source=github_source(mine),
                    buildspec="version: 0.2\nphases:\n  build:\n    commands:\n"
                              "      - npm install && npm test\n")
    unprivileged = project(client, role, source=github_source(mine), privileged=False)
    no_dockerfile = project(client, role, source=github_source(nodocker),
                            buildspec=PIPEWRIGHT_BUILDSPEC, repository_uri=repo_uri)
    builds = finish(client, *(start(client, p) for p in (lecture, tests, unprivileged,
                                                          no_dockerfile)))
    by_project = {b["projectName"]: b for b in builds}

    # 1. The lecture's buildspec unchanged: the hard-coded account is not the student's.
    b = by_project[lecture]
    assert failed(b) == ("POST_BUILD", "COMMAND_EXECUTION_ERROR",
                         "Error while executing command: docker push $REPOSITORY_URI:latest. "
                         "Reason: exit status 1")
    text = log_of(client, b)
    assert "Login Succeeded" in text  # logging in to another account's registry works ...
    denied = re.search(r"^denied: (.*)$", text, re.M).group(1)
    assert denied.startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/")
    assert denied.endswith(  # ... pushing to it does not (the role's policy: its own account)
        "is not authorized to perform: ecr:InitiateLayerUpload on resource: "
        "arn:aws:ecr:ap-northeast-1:111122223333:repository/ktb-repo because no "
        "identity-based policy allows the ecr:InitiateLayerUpload action")
    assert "The push refers to repository [111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/" \
           "ktb-repo]" in text
    assert b["resolvedSourceVersion"] == control("/_sandbox/github/repositories", method="GET")[
        "repositories"][0]["branches"]["master"]  # the seed commit

    # 2. `npm install && npm test` at the head: the test expects the old greeting.
    b = by_project[tests]
    assert failed(b) == ("BUILD", "COMMAND_EXECUTION_ERROR",
                         "Error while executing command: npm install && npm test. Reason: "
                         "exit status 1")
    text = log_of(client, b)
    assert 'Expected: "Hello, World!"\n    Received: "Hello, KTB World!!!"' in text
    assert "Tests:       1 failed, 1 passed, 2 total" in text
    assert kinds(b)[-4:] == ["POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED"]

    # 3. No privileged mode: there is no Docker daemon, so the ECR login already fails.
    b = by_project[unprivileged]
    where, code, message = failed(b)
    assert (where, code) == ("PRE_BUILD", "COMMAND_EXECUTION_ERROR")
    assert message.startswith("Error while executing command: aws ecr get-login-password")
    assert "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker " \
           "daemon running?" in log_of(client, b)
    assert "BUILD" not in kinds(b)  # PRE_BUILD failed: straight to FINALIZING

    # 4. No Dockerfile in the repository.
    b = by_project[no_dockerfile]
    assert failed(b)[:2] == ("BUILD", "COMMAND_EXECUTION_ERROR")
    assert "ERROR: failed to solve: failed to read dockerfile: open Dockerfile: no such file or " \
           "directory" in log_of(client, b)


def test_docker_hub_rate_limit_and_the_public_mirror(client, control, lab_roles):
    role = lab_roles["build"]
    mine = fork(control)
    repo_uri = ecr_repo(client)
    plain = project(client, role, source=github_source(mine), buildspec=PIPEWRIGHT_BUILDSPEC,
                    repository_uri=repo_uri)
    # What the product may do: pull the base image from AWS's mirror of Docker Official
    # Images and tag it with the Docker Hub name, so the student's Dockerfile is unchanged.
    mirrored = project(client, role, source=github_source(mine), repository_uri=repo_uri,
                       buildspec=PIPEWRIGHT_BUILDSPEC.replace(
                           "      - IMAGE_TAG=${IMAGE_TAG:-manual}\n",
                           "      - IMAGE_TAG=${IMAGE_TAG:-manual}\n"
                           "      - docker pull public.ecr.aws/docker/library/node:18-alpine\n"
                           "      - docker tag public.ecr.aws/docker/library/node:18-alpine "
                           "node:18-alpine\n"))
    assert control("/_sandbox/dockerhub", {"rateLimited": True}) == {"rateLimited": True}
    try:
        limited, ok = finish(client, start(client, plain), start(client, mirrored))
    finally:
        control("/_sandbox/dockerhub", {"rateLimited": False})
    assert failed(limited) == ("BUILD", "COMMAND_EXECUTION_ERROR",
                               "Error while executing command: docker build -t "
                               "$REPOSITORY_URI:$IMAGE_TAG .. Reason: exit status 1")
    assert "429 Too Many Requests - Server message: toomanyrequests: You have reached your " \
           "unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit" \
           in log_of(client, limited)
    assert ok["buildStatus"] == "SUCCEEDED", log_of(client, ok)
    tags = [i["imageTag"] for i in client("ecr").list_images(
        repositoryName=repo_uri.split("/", 1)[1])["imageIds"]]
    assert tags == [ok["resolvedSourceVersion"][:7]]


def test_buildspec_semantics_and_push_errors(client, control, lab_roles):
    """CodeBuild's rules for commands, phases, variables and artifacts, the environment the
    commands see, and the ECR login's and docker push's refusals; builds side by side."""
    role = lab_roles["build"]
    no_login = make_role(client("iam"), "b-nologin", "codebuild.amazonaws.com", [
        {**st, "Action": [a for a in st["Action"] if a != "ecr:GetAuthorizationToken"]}
        if isinstance(st["Action"], list) else st for st in BUILD_STATEMENTS
        if st["Action"] != "ecr:GetAuthorizationToken"])
    mine = fork(control)
    rules = project(client, role, source=github_source(mine), buildspec="""version: 0.2
env:
  variables:
    GREETING: from-buildspec
    CONTAINER_NAME: buildspec-loses
phases:
  pre_build:
    commands:
      - LOCAL=kept; mkdir -p sub && cd sub
  build:
    commands:
      - echo "local=$LOCAL pwd=$(basename $PWD) greeting=$GREETING container=$CONTAINER_NAME"
      - "false"
      - echo never printed
    finally:
      - echo finally ran
  post_build:
    commands:
      - echo succeeding=$CODEBUILD_BUILD_SUCCEEDING
artifacts:
  files:
    - missing.txt
""")
    abort = project(client, role, source=github_source(mine), buildspec="""version: 0.2
phases:
  build:
    on-failure: ABORT
    commands:
      - exit 3
  post_build:
    commands:
      - echo post_build ran
""")
    no_file = project(client, role, source=github_source(mine), buildspec="ci/buildspec.yml")
    environment = project(client, role, source=github_source(mine), buildspec="""version: 0.2
phases:
  build:
    commands:
      - env | cut -d= -f1 | sort | tr '\\n' ' '
      - aws sts get-caller-identity
      - aws s3 ls || echo aws-s3-refused
      - curl -s https://example.com || echo curl-refused=$?
      - node --version && (node src/server.js || echo node-refused)
""")
    missing = ecr_repo(client).replace("/app-", "/gone-")
    immutable = ecr_repo(client, immutable=True)
    no_repo = project(client, role, source=github_source(mine), buildspec=PIPEWRIGHT_BUILDSPEC,
                      repository_uri=missing)
    taken = project(client, role, source=github_source(mine), buildspec=PIPEWRIGHT_BUILDSPEC,
                    repository_uri=immutable)
    iam_settle(control)
    denied = project(client, no_login, source=github_source(mine), buildspec=PIPEWRIGHT_BUILDSPEC,
                     repository_uri=immutable)
    head = control("/_sandbox/push", {"repository": mine, "branch": "master"})["commitId"]
    client("ecr").put_image(repositoryName=immutable.split("/", 1)[1], imageTag=head[:7],
                            imageManifest=json.dumps({
                                "schemaVersion": 2, "mediaType":
                                "application/vnd.docker.distribution.manifest.v2+json",
                                "config": {"digest": "sha256:" + "d" * 64, "size": 1,
                                           "mediaType":
                                           "application/vnd.docker.container.image.v1+json"},
                                "layers": []}))
    builds = {b["projectName"]: b for b in finish(client, *(start(client, p) for p in (
        rules, abort, no_file, environment, no_repo, taken, denied)))}

    b = builds[rules]
    text = log_of(client, b)
    # Variables and the working folder carry over between phases (one shell, buildspec 0.2);
    # the project's variables win over the buildspec's.
    assert "local=kept pwd=sub greeting=from-buildspec container=web" in text
    assert "never printed\n" not in text.replace("echo never printed", "")
    assert "[Container] " in text and "Running command echo finally ran" in text
    assert "\nfinally ran" in text
    assert failed(b)[:2] == ("BUILD", "COMMAND_EXECUTION_ERROR")
    assert phase(b, "BUILD")["contexts"][0]["message"] == \
        "Error while executing command: false. Reason: exit status 1"
    assert phase(b, "POST_BUILD")["phaseStatus"] == "SUCCEEDED"  # runs after a failed BUILD
    assert "succeeding=0" in text
    assert phase(b, "UPLOAD_ARTIFACTS")["phaseStatus"] == "FAILED"
    assert phase(b, "UPLOAD_ARTIFACTS")["contexts"][0] == {
        "statusCode": "CLIENT_ERROR", "message": "no matching artifact paths found"}

    b = builds[abort]
    assert failed(b)[2] == "Error while executing command: exit 3. Reason: exit status 3"
    assert kinds(b)[-3:] == ["BUILD", "FINALIZING", "COMPLETED"]  # on-failure: ABORT

    b = builds[no_file]
    where, code, message = failed(b)
    assert (where, code) == ("DOWNLOAD_SOURCE", "YAML_FILE_ERROR")
    assert message.startswith("stat ") and message.endswith(
        "/src/ci/buildspec.yml: no such file or directory")

    b = builds[environment]
    assert b["buildStatus"] == "SUCCEEDED"
    text = log_of(client, b)
    names = set(re.search(r"^(?!\[Container\])(.*\bCODEBUILD_SRC_DIR\b.*)$", text, re.M).group(1).split())
    assert {"CODEBUILD_RESOLVED_SOURCE_VERSION", "CODEBUILD_BUILD_NUMBER", "CODEBUILD_BUILD_ID",
            "CODEBUILD_SRC_DIR", "AWS_REGION", "AWS_DEFAULT_REGION", "REPOSITORY_URI",
            "CONTAINER_NAME", "ACCOUNT_ID", "PATH", "HOME"} <= names
    assert not {n for n in names if n.startswith(("PIPEWRIGHT", "VIRTUAL_ENV", "PYTHON", "MOTO",
                                                  "AWS_ACCESS", "AWS_SECRET"))}
    assert f'"Arn": "arn:aws:sts::{ACCOUNT}:assumed-role/' in text
    assert "aws-s3-refused" in text and "not supported in the sandbox" in text
    assert "curl-refused=6" in text and "node-refused" in text and "v18" in text

    b = builds[no_repo]
    assert failed(b)[:2] == ("POST_BUILD", "COMMAND_EXECUTION_ERROR")
    assert f"name unknown: The repository with name '{missing.split('/', 1)[1]}' does not " \
           f"exist in the registry with id '{ACCOUNT}'" in log_of(client, b)

    b = builds[denied]  # the role may not get an ECR token: the login in PRE_BUILD fails
    assert failed(b) == ("PRE_BUILD", "COMMAND_EXECUTION_ERROR", (
        "Error while executing command: aws ecr get-login-password --region $AWS_DEFAULT_REGION "
        "| docker login --username AWS --password-stdin "
        "$ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com. Reason: exit status 1"))
    text = log_of(client, b)
    assert "An error occurred (AccessDeniedException) when calling the GetAuthorizationToken " \
           f"operation: User: arn:aws:sts::{ACCOUNT}:assumed-role/b-nologin-" in text
    assert "Error: Cannot perform an interactive login from a non TTY device" in text

    b = builds[taken]
    assert failed(b)[:2] == ("POST_BUILD", "COMMAND_EXECUTION_ERROR")
    assert f"tag invalid: The image tag '{head[:7]}' already exists in the " \
           f"'{immutable.split('/', 1)[1]}' repository and cannot be overwritten because the " \
           "repository is immutable." in log_of(client, b)


# --- Pipelines: Source (the held repository) -> Build -> Deploy --------------------------------


def lab_project(client, infra, buildspec=PIPEWRIGHT_BUILDSPEC, container="web") -> str:
    return project(client, infra["roles"]["build"], source={"type": "CODEPIPELINE"},
                   buildspec=buildspec, repository_uri=infra["repo_uri"], container=container)


def target_states(client, tg: str) -> dict:
    return {h["Target"]["Id"]: (h["TargetHealth"]["State"], h["TargetHealth"].get("Reason"),
                                h["TargetHealth"].get("Description"))
            for h in client("elbv2").describe_target_health(TargetGroupArn=tg)[
                "TargetHealthDescriptions"]}


def service_of(client, infra, name=None) -> dict:
    return client("ecs").describe_services(cluster=infra["cluster"], services=[
        name or infra["service"]])["services"][0]


def test_pipewright_buildspec_deploys_the_commit_and_health_follows_the_app(client, control,
                                                                            infra):
    cp, ecs = client("codepipeline"), client("ecs")
    mine = fork(control)
    name = make_pipeline(client, infra, repo=mine, branch="master", deploy=True,
                         project=lab_project(client, infra))
    first = executions(cp, name)[0]["pipelineExecutionId"]
    assert wait_done(cp, name, first, 30) == "Succeeded"
    head = cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=first)[
        "pipelineExecution"]["artifactRevisions"][0]["revisionId"]
    assert head == control("/_sandbox/push", {"repository": mine, "branch": "master"})[
        "commitId"]  # the branch's real head
    svc = service_of(client, infra)
    td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    assert td["containerDefinitions"][0]["image"] == f"{infra['repo_uri']}:{head[:7]}"
    assert [(d["status"], d["rolloutState"]) for d in svc["deployments"]] == [("PRIMARY",
                                                                              "COMPLETED")]
    assert [s[0] for s in target_states(client, infra["tg"]).values()] == ["healthy"]
    # The first run's build (the push above started a second run, which may be building).
    build_id = next(d for d in cp.list_action_executions(
        pipelineName=name, filter={"pipelineExecutionId": first})["actionExecutionDetails"]
        if d["stageName"] == "Build")["output"]["executionResult"]["externalExecutionId"]
    build = client("codebuild").batch_get_builds(ids=[build_id])["builds"][0]
    assert build["resolvedSourceVersion"] == head
    text = log_of(client, build)
    assert f'[{{"name":"web","imageUri":"{infra["repo_uri"]}:{head[:7]}"}}]' in text
    # Durations are AWS seconds on the AWS clock: PROVISIONING keeps AWS's ~70 s.
    assert 60 <= phase(build, "PROVISIONING")["durationInSeconds"] <= 80

    # The same image behind a target group whose health check path the app does not serve.
    ec2, elb = client("ec2"), client("elbv2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0][
        "VpcId"]
    tg404 = elb.create_target_group(Name=uid("tg"), Protocol="HTTP", Port=3000, VpcId=vpc,
                                    TargetType="ip", HealthCheckPath="/health")[
        "TargetGroups"][0]["TargetGroupArn"]
    other = uid("svc")
    ecs.create_service(cluster=infra["cluster"], serviceName=other,
                       taskDefinition=svc["taskDefinition"], desiredCount=1,
                       launchType="FARGATE",
                       loadBalancers=[{"targetGroupArn": tg404, "containerName": "web",
                                       "containerPort": 3000}],
                       networkConfiguration={"awsvpcConfiguration": {
                           "subnets": [ec2.describe_subnets()["Subnets"][0]["SubnetId"]],
                           "securityGroups": [ec2.describe_security_groups(Filters=[{
                               "Name": "group-name", "Values": ["default"]}])[
                               "SecurityGroups"][0]["GroupId"]]}})

    # A commit that moves the app to port 8080: the task's port 3000 answers nothing.
    app_port = control("/_sandbox/push", {
        "repository": mine, "branch": "master", "message": "Listen on 8080",
        "files": {"src/server.js": "const app = require('./app');\n\n"
                                   "const PORT = process.env.PORT || 8080;\n\n"
                                   "app.listen(PORT);\n"}})
    assert [s["pipelineName"] for s in app_port["started"]] == [name]
    second = app_port["started"][0]["pipelineExecutionId"]
    try:
        def unhealthy(tg):
            states = [s for s in target_states(client, tg).values() if s[0] == "unhealthy"]
            return states[0] if states else None

        assert wait_for(lambda: unhealthy(tg404), 10) == (
            "unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: "
            "[404]")
        assert wait_for(lambda: unhealthy(infra["tg"]), 20) == (
            "unhealthy", "Target.FailedHealthChecks", "Health checks failed")

        def stopped():
            events = [e["message"] for e in service_of(client, infra)["events"]]
            return events if any("is unhealthy in" in m for m in events) and any(
                "has stopped 1 running tasks" in m for m in events) else None
        events = wait_for(stopped, 10)
        assert f"(service {infra['service']}) (port 3000) is unhealthy in (target-group " \
               f"{infra['tg']}) due to (reason Health checks failed)." in events
        arns = ecs.list_tasks(cluster=infra["cluster"], serviceName=infra["service"],
                              desiredStatus="STOPPED")["taskArns"]
        reasons = {t["stoppedReason"] for t in ecs.describe_tasks(
            cluster=infra["cluster"], tasks=arns)["tasks"]}
        assert f"Task failed ELB health checks in (target-group {infra['tg']})" in reasons
        svc = service_of(client, infra)
        assert svc["deployments"][0]["rolloutState"] == "IN_PROGRESS"  # never steady
        assert cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=second)[
            "pipelineExecution"]["status"] == "InProgress"  # Deploy waits for it
    finally:  # quiet the loop of replaced tasks for the rest of the session
        cp.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=second, abandon=True)
        for service in (infra["service"], other):
            ecs.update_service(cluster=infra["cluster"], service=service, desiredCount=0)


def test_lecture_buildspec_with_the_account_fixed_fails_deploy_on_the_container_name(
        client, control, infra):
    cp = client("codepipeline")
    mine = fork(control)
    registry = infra["repo_uri"].split("/", 1)[0]
    # The student fixes the account, region and repository by hand ...
    lecture = (_raw(control, mine, "buildspec.yml")
               .replace("111122223333.dkr.ecr.ap-northeast-1.amazonaws.com", registry)
               .replace("AWS_DEFAULT_REGION: ap-northeast-1", f"AWS_DEFAULT_REGION: {REGION}")
               .replace("/ktb-repo", "/" + infra["repo_uri"].split("/", 1)[1]))
    out = control("/_sandbox/push", {"repository": mine, "branch": "master",
                                     "message": "Use my account", "files": {
                                         "buildspec.yml": lecture}})
    name = make_pipeline(client, infra, repo=mine, branch="master", deploy=True,
                         project=lab_project(client, infra, buildspec=None))
    exe_id = executions(cp, name)[0]["pipelineExecutionId"]
    assert wait_done(cp, name, exe_id, 30) == "Failed"
    state = {s["stageName"]: s for s in cp.get_pipeline_state(name=name)["stageStates"]}
    assert state["Build"]["latestExecution"]["status"] == "Succeeded"
    # ... but the container name is still the lecture's: the task definition's is "web".
    err = state["Deploy"]["actionStates"][0]["latestExecution"]["errorDetails"]
    assert err == {"code": "ConfigurationError",
                   "message": "The AWS ECS container ktb-repo does not exist"}
    tags = {t for i in client("ecr").describe_images(repositoryName=infra["repo_uri"].split(
        "/", 1)[1])["imageDetails"] for t in i.get("imageTags", [])}
    assert {"latest", out["commitId"][:7]} <= tags  # the build pushed both tags


def _raw(control, repo: str, path: str) -> str:
    import urllib.request

    base = control("/_sandbox/health", method="GET")["githubRawUrl"]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{base}/{repo}/master/{path}", timeout=10) as resp:
        return resp.read().decode()


def test_pipeline_on_main_when_the_repository_only_has_master(client, control, infra):
    cp = client("codepipeline")
    mine = fork(control)
    name = make_pipeline(client, infra, repo=mine, branch="main",
                         project=lab_project(client, infra))
    first = executions(cp, name)[0]["pipelineExecutionId"]
    assert wait_done(cp, name, first) == "Failed"
    err = cp.get_pipeline_state(name=name)["stageStates"][0]["actionStates"][0][
        "latestExecution"]["errorDetails"]
    assert err["message"] == f"[GitHub] No Branch [main] found for FullRepositoryName [{mine}]"
    # Pushing to master starts nothing (the pipeline watches main); main cannot be pushed.
    assert control("/_sandbox/push", {"repository": mine, "branch": "master"})["started"] == []
    with pytest.raises(ControlError) as err:
        control("/_sandbox/push", {"repository": mine, "branch": "main"})
    assert err.value.status == 404
    assert len(executions(cp, name)) == 1
    # Creating main (as a student pushing the branch) starts a run whose Source succeeds.
    out = control("/_sandbox/push", {"repository": mine, "branch": "main", "createBranch": True,
                                     "files": {"NOTES.md": "main branch\n"}})
    exe_id = out["started"][0]["pipelineExecutionId"]

    def source_done():
        st = cp.get_pipeline_state(name=name)["stageStates"][0]["actionStates"][0].get(
            "latestExecution", {})
        return st if st.get("status") in ("Succeeded", "Failed") and \
            st.get("externalExecutionId") == out["commitId"] else None
    assert wait_for(source_done, 10)["status"] == "Succeeded"
    cp.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=exe_id, abandon=True)
