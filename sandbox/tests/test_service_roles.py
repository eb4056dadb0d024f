"""Service roles are evaluated (service_roles.py): every step CodePipeline, CodeBuild and ECS
take for the lab is checked against the role they act as, and refused in AWS's words.

The roles with everything AWS documents are conftest's `lab_roles`; here each test takes away
one permission (roles made once per module, one IAM wait)."""

from __future__ import annotations

import json
import re

import pytest

from conftest import (ACCOUNT, BUILD_STATEMENTS, PIPELINE_STATEMENTS, TASK_EXECUTION_POLICY,
                      allow, eventually, iam_settle, make_role)
from lab import executions, make_pipeline, uid, wait_done, wait_for

REGION = "ap-northeast-2"
ASSUMED = re.compile(r"^User: arn:aws:sts::123456789012:assumed-role/(?P<role>[\w+=,.@-]+)/"
                     r"(?P<session>[\w+=,.@-]+) is not authorized to perform: (?P<action>\S+) "
                     r"on resource: (?P<resource>\S+) because no identity-based policy allows "
                     r"the (?P=action) action$")


def without(statements, action: str) -> list:
    """The statements with `action` taken out (statements left empty are dropped)."""
    out = []
    for st in statements:
        actions = [a for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
                   if a != action]
        if actions:
            out.append({**st, "Action": actions})
    return out


@pytest.fixture(scope="module")
def roles(client, control):
    iam = client("iam")
    pipe, build, execution = ("codepipeline.amazonaws.com", "codebuild.amazonaws.com",
                              "ecs-tasks.amazonaws.com")
    made = {
        "pipe_no_tag": make_role(iam, "p-notag", pipe, without(PIPELINE_STATEMENTS,
                                                               "ecs:TagResource")),
        "pipe_no_conn": make_role(iam, "p-noconn", pipe, [
            st for st in PIPELINE_STATEMENTS if "codestar-connections:UseConnection"
            not in st["Action"]]),
        "pipe_no_put": make_role(iam, "p-noput", pipe, without(PIPELINE_STATEMENTS,
                                                               "s3:PutObject")),
        "pipe_no_start": make_role(iam, "p-nostart", pipe, without(PIPELINE_STATEMENTS,
                                                                   "codebuild:StartBuild")),
        "pipe_pass_lambda": make_role(iam, "p-lambda", pipe, [
            st for st in PIPELINE_STATEMENTS if st["Action"] != "iam:PassRole"] + [
            allow("iam:PassRole", "*", Condition={"StringEquals": {
                "iam:PassedToService": "lambda.amazonaws.com"}})]),
        "build_no_put_image": make_role(iam, "b-noput", build, without(BUILD_STATEMENTS,
                                                                       "ecr:PutImage")),
        "build_no_login": make_role(iam, "b-nologin", build, without(
            BUILD_STATEMENTS, "ecr:GetAuthorizationToken")),
        # The group's ARN of any project start_build makes ("b-" + 8 characters), without
        # the ":*" form that covers its streams.
        "build_group_only": make_role(iam, "b-group", build, [allow(
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            f"arn:aws:logs:*:{ACCOUNT}:log-group:/aws/codebuild/b-????????")]
            + BUILD_STATEMENTS[1:]),
        "build_clone": make_role(iam, "b-clone", build, BUILD_STATEMENTS + [
            allow(["codestar-connections:UseConnection", "codeconnections:UseConnection"])]),
        "build_no_get": make_role(iam, "b-noget", build, without(BUILD_STATEMENTS,
                                                                 "s3:GetObject")),
        "trusts_pipeline": make_role(iam, "b-wrongtrust", pipe, BUILD_STATEMENTS),
        "exec_logs_only": make_role(iam, "e-logs", execution, [
            allow(["logs:CreateLogStream", "logs:PutLogEvents"])]),
        "exec_no_token": make_role(iam, "e-notoken", execution, [
            allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "logs:CreateLogStream",
                   "logs:PutLogEvents"])]),
        "exec_no_logs": make_role(iam, "e-nologs", execution, [
            allow(["ecr:GetAuthorizationToken", "ecr:BatchGetImage",
                   "ecr:GetDownloadUrlForLayer"])]),
        "exec_full": make_role(iam, "e-full", execution, managed=[TASK_EXECUTION_POLICY]),
    }
    iam_settle(control)
    return made


def action_error(cp, name: str, stage: str) -> dict:
    exe_id = executions(cp, name)[0]["pipelineExecutionId"]
    assert wait_done(cp, name, exe_id, 20) == "Failed"
    state = next(s for s in cp.get_pipeline_state(name=name)["stageStates"]
                 if s["stageName"] == stage)
    assert state["latestExecution"]["status"] == "Failed"
    return state["actionStates"][0]["latestExecution"]["errorDetails"]


def role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


# --- CodePipeline, as the pipeline role ---------------------------------------------------


def test_deploy_without_ecs_tag_resource_fails_with_aws_message(client, infra, roles):
    cp, ecs = client("codepipeline"), client("ecs")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", deploy=True,
                         role=roles["pipe_no_tag"])
    err = action_error(cp, name, "Deploy")
    family = infra["family"]
    revisions = ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]
    new = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{len(revisions) + 1}"
    m = ASSUMED.match(err["message"])
    assert m, err["message"]
    assert (m["role"], m["action"], m["resource"]) == (
        role_name(roles["pipe_no_tag"]), "ecs:TagResource", new)
    assert m["session"].isdigit()  # CodePipeline's session names
    assert err["code"] == "JobFailed"
    # Nothing was registered and the service was not touched.
    assert len(ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]) == \
        len(revisions)
    # The same pipeline with the documented permission succeeds:
    # test_pipeline.test_push_filters_and_full_run deploys a tagged revision with lab_roles.


def test_pass_role_condition_is_evaluated(client, infra, roles):
    cp = client("codepipeline")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", deploy=True,
                         role=roles["pipe_pass_lambda"])
    m = ASSUMED.match(action_error(cp, name, "Deploy")["message"])
    assert m and (m["action"], m["resource"]) == ("iam:PassRole", infra["roles"]["execution"])


def test_source_without_use_connection(client, infra, roles):
    cp = client("codepipeline")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", role=roles["pipe_no_conn"])
    err = action_error(cp, name, "Source")
    assert err["message"] == (f"Unable to use Connection: {infra['conn']}. The provided role "
                              "does not have sufficient permissions.")


def test_source_cannot_write_artifact(client, infra, roles):
    cp = client("codepipeline")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", role=roles["pipe_no_put"])
    msg = action_error(cp, name, "Source")["message"]
    prefix = (f"The service role or action role doesn’t have the permissions required to access "
              f"the Amazon S3 bucket named {infra['bucket']}. Update the IAM role permissions, "
              "and then try again. Error: Amazon S3:AccessDenied:")
    assert msg.startswith(prefix), msg
    m = ASSUMED.match(msg[len(prefix):])
    assert m and m["action"] == "s3:PutObject"
    assert m["resource"].startswith(f"arn:aws:s3:::{infra['bucket']}/{name[:20]}/Source")


def test_build_action_without_start_build(client, infra, roles):
    cp = client("codepipeline")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", role=roles["pipe_no_start"])
    msg = action_error(cp, name, "Build")["message"]
    assert msg.startswith("Error calling startBuild: User: ") and msg.endswith("; Proxy: null)")
    core = msg[len("Error calling startBuild: "):msg.index(" (Service: AWSCodeBuild;")]
    m = ASSUMED.match(core)
    assert m and (m["action"], m["resource"]) == (
        "codebuild:StartBuild", f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/{infra['project']}")


# --- CodeBuild, as the project's role --------------------------------------------------------


def start_build(client, infra, role: str, project: str | None = None) -> dict:
    """A project like the lab's, with `role`, built directly; returns the finished build."""
    cb = client("codebuild")
    project = project or uid("b")
    env = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
           "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": True,
           "environmentVariables": [{"name": "REPOSITORY_URI", "value": infra["repo_uri"]}]}
    eventually(lambda: cb.create_project(name=project, source={"type": "NO_SOURCE",
                                                               "buildspec": "version: 0.2"},
                                         artifacts={"type": "NO_ARTIFACTS"}, environment=env,
                                         serviceRole=role))
    build_id = cb.start_build(projectName=project)["build"]["id"]

    def done():
        b = cb.batch_get_builds(ids=[build_id])["builds"][0]
        return b if b["buildComplete"] else None
    return wait_for(done, 15)


def failed_phase(build: dict) -> dict:
    assert build["buildStatus"] == "FAILED"
    return next(p for p in build["phases"] if p.get("phaseStatus") == "FAILED")


def log_text(client, build: dict) -> str:
    events = client("logs").get_log_events(logGroupName=build["logs"]["groupName"],
                                           logStreamName=build["logs"]["streamName"],
                                           startFromHead=True)["events"]
    return "\n".join(e["message"] for e in events)


def test_build_push_denied_fails_post_build(client, infra, roles):
    build = start_build(client, infra, roles["build_no_put_image"])
    phase = failed_phase(build)
    assert phase["phaseType"] == "POST_BUILD"
    assert phase["contexts"] == [{"statusCode": "COMMAND_EXECUTION_ERROR", "message":
                                  "Error while executing command: docker push "
                                  "$REPOSITORY_URI:$IMAGE_TAG. Reason: exit status 1"}]
    text = log_text(client, build)
    repo = infra["repo_uri"].split("/", 1)[1]
    denied = re.search(r"^denied: (.*)$", text, re.M)
    m = ASSUMED.match(denied.group(1))
    assert m and (m["action"], m["resource"]) == (
        "ecr:PutImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{repo}")
    assert m["session"] == "AWSCodeBuild-" + build["id"].split(":", 1)[1]
    # No image landed; the phases after POST_BUILD were skipped to FINALIZING.
    tags = [i.get("imageTag") for i in client("ecr").list_images(repositoryName=repo)["imageIds"]]
    assert build["resolvedSourceVersion"][:7] not in tags
    assert [p["phaseType"] for p in build["phases"]][-3:] == ["POST_BUILD", "FINALIZING",
                                                             "COMPLETED"]


def test_build_ecr_login_denied_fails_pre_build(client, infra, roles):
    build = start_build(client, infra, roles["build_no_login"])
    phase = failed_phase(build)
    assert phase["phaseType"] == "PRE_BUILD"
    assert phase["contexts"][0]["statusCode"] == "COMMAND_EXECUTION_ERROR"
    assert "when calling the GetAuthorizationToken operation: User: " in log_text(client, build)


def test_build_log_group_resource_without_star_cannot_open_stream(client, infra, roles):
    """`log-group:NAME` alone does not cover its streams: AWS's policies list `NAME:*` too.
    CodeBuild fails the build in PROVISIONING when it cannot write the build's logs."""
    role = roles["build_group_only"]
    build = start_build(client, infra, role)
    group, stream = build["logs"]["groupName"], build["logs"]["streamName"]
    # A new project's group does not exist yet: CreateLogGroup comes first, and its resource
    # is the group's ARN with an empty stream part.
    assert refused_log_call(build, role) == (
        "logs:CreateLogGroup", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:log-stream:")
    project = uid("b")
    client("logs").create_log_group(logGroupName=f"/aws/codebuild/{project}")
    build = start_build(client, infra, role, project)
    group, stream = build["logs"]["groupName"], build["logs"]["streamName"]
    assert refused_log_call(build, role) == (
        "logs:CreateLogStream",
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:log-stream:{stream}")


def refused_log_call(build: dict, role: str) -> tuple[str, str]:
    phase = failed_phase(build)
    assert phase["phaseType"] == "PROVISIONING"
    ctx = phase["contexts"][0]
    assert ctx["statusCode"] == "ACCESS_DENIED"
    prefix = (f"Service role {role} does not allow AWS CodeBuild to create Amazon CloudWatch "
              f"Logs log streams for build {build['arn']}. Error message: ")
    assert ctx["message"].startswith(prefix)
    m = ASSUMED.match(ctx["message"][len(prefix):])
    assert m, ctx["message"]
    return m["action"], m["resource"]


def test_full_clone_needs_use_connection_in_build_role(client, control, infra, roles):
    cp = client("codepipeline")
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}",
                         source_format="CODEBUILD_CLONE_REF")
    err = action_error(cp, name, "Build")
    assert err["message"].startswith("Build terminated with state: FAILED. Phase: "
                                     "DOWNLOAD_SOURCE, Code: CLIENT_ERROR, Message: "
                                     "AccessDeniedException: User: ")
    assert f"codestar-connections:UseConnection on resource: {infra['conn']}" in err["message"]
    # With UseConnection on the build role the same pipeline builds.
    project = uid("clone")
    eventually(lambda: client("codebuild").create_project(
        name=project, source={"type": "CODEPIPELINE"}, artifacts={"type": "CODEPIPELINE"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL", "environmentVariables": [
                         {"name": "REPOSITORY_URI", "value": infra["repo_uri"]}]},
        serviceRole=roles["build_clone"]))
    ok = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", project=project,
                       source_format="CODEBUILD_CLONE_REF")
    assert wait_done(cp, ok, executions(cp, ok)[0]["pipelineExecutionId"], 20) == "Succeeded"


def test_build_cannot_read_its_input_artifact(client, infra, roles):
    cp = client("codepipeline")
    project = uid("noget")
    eventually(lambda: client("codebuild").create_project(
        name=project, source={"type": "CODEPIPELINE"}, artifacts={"type": "CODEPIPELINE"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL"}, serviceRole=roles["build_no_get"]))
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", project=project)
    msg = action_error(cp, name, "Build")["message"]
    assert msg.startswith("Build terminated with state: FAILED. Phase: DOWNLOAD_SOURCE, Code: "
                          "CLIENT_ERROR, Message: AccessDenied: User: ")
    assert f"s3:GetObject on resource: arn:aws:s3:::{infra['bucket']}/{name[:20]}/Source" in msg
    assert "for primary source and source version arn:aws:s3:::" in msg


def test_codebuild_must_be_trusted(client, roles):
    cb = client("codebuild")
    with pytest.raises(cb.exceptions.InvalidInputException) as err:
        cb.create_project(name=uid("b"), source={"type": "NO_SOURCE", "buildspec": "x"},
                          artifacts={"type": "NO_ARTIFACTS"}, environment={
                              "type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                              "computeType": "BUILD_GENERAL1_SMALL"},
                          serviceRole=roles["trusts_pipeline"])
    assert str(err.value).endswith("CodeBuild is not authorized to perform: sts:AssumeRole on "
                                   f"{roles['trusts_pipeline']}")


# --- ECS, as the task execution role ---------------------------------------------------------


def run_service(client, infra, execution_role: str, image_tag="bootstrap", log_group=None):
    """A one-task service like the lab's with `execution_role`; returns (ecs, cluster, name)."""
    ecs = client("ecs")
    family = uid("t")
    group = log_group or f"/ecs/{infra['family']}"
    ecs.register_task_definition(
        family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256",
        memory="512", executionRoleArn=execution_role,
        containerDefinitions=[{"name": "web", "image": f"{infra['repo_uri']}:{image_tag}",
                               "logConfiguration": {"logDriver": "awslogs", "options": {
                                   "awslogs-group": group, "awslogs-region": REGION,
                                   "awslogs-stream-prefix": "ecs"}}}])
    ec2 = client("ec2")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])[
        "SecurityGroups"][0]["GroupId"]
    name = uid("svc")
    ecs.create_service(cluster=infra["cluster"], serviceName=name, taskDefinition=family,
                       desiredCount=1, launchType="FARGATE", networkConfiguration={
                           "awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}})
    return ecs, infra["cluster"], name


def first_stopped_reason(ecs, cluster: str, service: str) -> str:
    def stopped():
        arns = ecs.list_tasks(cluster=cluster, serviceName=service,
                              desiredStatus="STOPPED")["taskArns"]
        return arns and ecs.describe_tasks(cluster=cluster, tasks=arns[:1])["tasks"][0]
    task = wait_for(stopped, 10)
    assert task["lastStatus"] == "STOPPED" and task["stopCode"] == "TaskFailedToStart"
    return task["stoppedReason"]


def test_task_execution_role_without_ecr_pull(client, infra, roles):
    ecs, cluster, svc = run_service(client, infra, roles["exec_logs_only"])
    reason = first_stopped_reason(ecs, cluster, svc)
    # GetAuthorizationToken comes first: Fargate reports it as ResourceInitializationError.
    assert reason.startswith("ResourceInitializationError: unable to pull secrets or registry "
                             "auth: execution resource retrieval failed: unable to retrieve ecr "
                             "registry auth: service call has been retried 3 time(s): "
                             "AccessDeniedException: User: ")
    assert "ecr:GetAuthorizationToken on resource: *" in reason


def test_task_execution_role_without_batch_get_image(client, control, infra, roles):
    iam = client("iam")
    name = role_name(roles["exec_no_token"])
    # Give it the token but not BatchGetImage: the documented CannotPullContainerError.
    iam.put_role_policy(RoleName=name, PolicyName="lab", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [allow(["ecr:GetAuthorizationToken",
                                                      "logs:CreateLogStream",
                                                      "logs:PutLogEvents"])]}))
    iam_settle(control)
    ecs, cluster, svc = run_service(client, infra, roles["exec_no_token"])
    reason = first_stopped_reason(ecs, cluster, svc)
    repo = infra["repo_uri"].split("/", 1)[1]
    assert reason.startswith("CannotPullContainerError: The task can’t pull the image. Check "
                             "that the role has the permissions to pull images from the "
                             "registry. Error response from daemon: pull access denied for "
                             f"{infra['repo_uri']}, repository does not exist or may require "
                             "'docker login': denied: User: ")
    assert reason.endswith(f"is not authorized to perform: ecr:BatchGetImage on resource: "
                           f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{repo} because no "
                           "identity-based policy allows the ecr:BatchGetImage action")


def test_task_logs_need_the_group_and_create_log_stream(client, infra, roles):
    ecs, cluster, svc = run_service(client, infra, roles["exec_no_logs"])
    reason = first_stopped_reason(ecs, cluster, svc)
    assert reason.startswith("ResourceInitializationError: failed to validate logger args: "
                             "create stream has been retried 1 times: failed to create "
                             "Cloudwatch log stream: AccessDeniedException: User: ")
    assert "logs:CreateLogStream on resource: arn:aws:logs:" in reason
    ecs, cluster, svc = run_service(client, infra, roles["exec_full"],
                                    log_group=f"/ecs/missing-{uid('g')}")
    assert first_stopped_reason(ecs, cluster, svc) == (
        "ResourceInitializationError: failed to validate logger args: create stream has been "
        "retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: "
        "The specified log group does not exist. : exit status 1")


def test_task_runs_with_the_documented_execution_role(client, infra, roles):
    ecs, cluster, svc = run_service(client, infra, roles["exec_full"])

    def running():
        s = ecs.describe_services(cluster=cluster, services=[svc])["services"][0]
        return s["runningCount"] == 1 and s["events"][0]["message"].endswith("steady state.")
    wait_for(running, 10)
    task = ecs.describe_tasks(cluster=cluster, tasks=ecs.list_tasks(
        cluster=cluster, serviceName=svc)["taskArns"])["tasks"][0]
    assert task["lastStatus"] == "RUNNING"
    # The awslogs driver created the stream and sent the container's first line.
    stream = f"ecs/web/{task['taskArn'].rsplit('/', 1)[1]}"
    events = client("logs").get_log_events(logGroupName=f"/ecs/{infra['family']}",
                                           logStreamName=stream, startFromHead=True)["events"]
    assert events and "listening" in events[0]["message"]


def test_roles_must_trust_the_service_that_uses_them(client, control, infra, roles):
    cp, iam = client("codepipeline"), client("iam")
    # The pipeline's role stops trusting CodePipeline after the pipeline exists.
    role = make_role(iam, "p-untrust", "codepipeline.amazonaws.com", PIPELINE_STATEMENTS)
    iam_settle(control)
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", role=role)
    wait_done(cp, name, executions(cp, name)[0]["pipelineExecutionId"], 20)
    iam.update_assume_role_policy(RoleName=role_name(role), PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]}))
    iam_settle(control)
    cp.start_pipeline_execution(name=name)
    assert action_error(cp, name, "Source")["message"] == \
        f"CodePipeline is not authorized to perform AssumeRole on role {role}"
    # A task execution role that does not trust ecs-tasks.amazonaws.com: no task is launched.
    ecs, cluster, svc = run_service(client, infra, roles["trusts_pipeline"])

    def refused():
        events = ecs.describe_services(cluster=cluster, services=[svc])["services"][0]["events"]
        return [e["message"] for e in events if "failed to launch a task" in e["message"]]
    assert wait_for(refused, 5)[0] == (
        f"(service {svc}) failed to launch a task with (error ECS was unable to assume the role "
        f"'{roles['trusts_pipeline']}' that was provided for this task. Please verify that the "
        "role being passed has the proper trust relationship and permissions and that your IAM "
        "user has permissions to pass this role.).")
