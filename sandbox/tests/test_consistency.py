"""Eventual consistency, deterministic (consistency.py): right after CreateSecurityGroup the
group is not found for `ec2Ms`; a new role cannot be assumed, and a changed policy is not in
effect, for `iamMs`. The windows are on by default."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import ControlError, eventually, iam_settle, make_role, trust
from lab import uid, wait_for

DEFAULTS = {"ec2Ms": 300.0, "iamMs": 800.0}


def _error(fn) -> tuple[str, str]:
    with pytest.raises(ClientError) as err:
        fn()
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def test_defaults_and_control_route(control):
    assert control("/_sandbox/consistency", method="GET") == DEFAULTS
    with pytest.raises(ControlError) as err:
        control("/_sandbox/consistency", {"ec2Ms": -1})
    assert err.value.status == 400
    with pytest.raises(ControlError):
        control("/_sandbox/consistency", {"s3Ms": 5})
    assert control("/_sandbox/consistency", method="GET") == DEFAULTS


def test_start_up_defaults_from_environment(monkeypatch):
    from pipewright_sandbox import consistency

    monkeypatch.setenv("PIPEWRIGHT_SANDBOX_EC2_CONSISTENCY_MS", "1500")
    assert consistency._env_ms("PIPEWRIGHT_SANDBOX_EC2_CONSISTENCY_MS", 300) == 1500
    monkeypatch.setenv("PIPEWRIGHT_SANDBOX_EC2_CONSISTENCY_MS", "nonsense")
    assert consistency._env_ms("PIPEWRIGHT_SANDBOX_EC2_CONSISTENCY_MS", 300) == 300


def test_security_group_not_found_right_after_creation(client):
    ec2, ecs, elb = client("ec2"), client("ecs"), client("elbv2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]][:2]
    created = time.monotonic()
    sg = ec2.create_security_group(GroupName=uid("sg"), Description="x", VpcId=vpc)["GroupId"]
    not_found = f"The security group '{sg}' does not exist"
    assert _error(lambda: ec2.describe_security_groups(GroupIds=[sg])) == \
        ("InvalidGroup.NotFound", not_found)
    assert _error(lambda: ec2.authorize_security_group_ingress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])) == \
        ("InvalidGroup.NotFound", not_found)
    assert _error(lambda: elb.create_load_balancer(Name=uid("lb"), Subnets=subnets,
                                                   SecurityGroups=[sg]))[0] == \
        "InvalidSecurityGroup"
    ecs.create_cluster(clusterName="consistency")
    ecs.register_task_definition(family="consistency", containerDefinitions=[
        {"name": "a", "image": "nginx", "memory": 128}], networkMode="awsvpc")
    assert _error(lambda: ecs.create_service(
        cluster="consistency", serviceName=uid("s"), taskDefinition="consistency",
        desiredCount=0, networkConfiguration={"awsvpcConfiguration": {
            "subnets": subnets, "securityGroups": [sg]}})) == (
        "InvalidParameterException", f"Error retrieving security group information for [{sg}]: "
        f"{not_found} (ErrorCode: InvalidGroup.NotFound)")
    assert time.monotonic() - created < DEFAULTS["ec2Ms"] / 1000  # all inside the window
    # Filters never fail; after the window the group is there for everyone.
    ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [sg]}])
    time.sleep(max(0.0, created + DEFAULTS["ec2Ms"] / 1000 + 0.1 - time.monotonic()))
    assert ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["GroupId"] == sg
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])


def test_window_zero_turns_it_off(client, control):
    ec2 = client("ec2")
    control("/_sandbox/consistency", {"ec2Ms": 0})
    try:
        sg = ec2.create_security_group(GroupName=uid("sg"), Description="x")["GroupId"]
        assert ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"]
    finally:
        assert control("/_sandbox/consistency", {"ec2Ms": DEFAULTS["ec2Ms"]}) == DEFAULTS


def _project(cb, role: str):
    return cb.create_project(name=uid("b"), source={"type": "NO_SOURCE", "buildspec": "x"},
                             artifacts={"type": "NO_ARTIFACTS"}, serviceRole=role, environment={
                                 "type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                                 "computeType": "BUILD_GENERAL1_SMALL"})


def _pipeline(client, role: str, bucket: str):
    return client("codepipeline").create_pipeline(pipeline={
        "name": uid("p"), "roleArn": role, "artifactStore": {"type": "S3", "location": bucket},
        "stages": [{"name": "Source", "actions": [{"name": "Source", "actionTypeId": {
            "category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
            "configuration": {"S3Bucket": bucket, "S3ObjectKey": "a.zip"},
            "outputArtifacts": [{"name": "src"}]}]},
            {"name": "Approve", "actions": [{"name": "Approve", "actionTypeId": {
                "category": "Approval", "owner": "AWS", "provider": "Manual",
                "version": "1"}}]}]})


def test_new_role_cannot_be_assumed_yet(client):
    iam, cb = client("iam"), client("codebuild")
    bucket = uid("cp")
    client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={
        "LocationConstraint": "ap-northeast-2"})
    created = time.monotonic()
    build_role = iam.create_role(RoleName=uid("new-b"), AssumeRolePolicyDocument=trust(
        "codebuild.amazonaws.com"))["Role"]["Arn"]
    pipe_role = iam.create_role(RoleName=uid("new-p"), AssumeRolePolicyDocument=trust(
        "codepipeline.amazonaws.com"))["Role"]["Arn"]
    assert _error(lambda: _project(cb, build_role)) == (
        "InvalidInputException", f"CodeBuild is not authorized to perform: sts:AssumeRole on "
        f"{build_role}")
    assert _error(lambda: _pipeline(client, pipe_role, bucket)) == (
        "InvalidStructureException", f"CodePipeline is not authorized to perform AssumeRole on "
        f"role {pipe_role}")
    assert time.monotonic() - created < DEFAULTS["iamMs"] / 1000
    eventually(lambda: _project(cb, build_role))
    eventually(lambda: _pipeline(client, pipe_role, bucket))
    assert time.monotonic() - created >= DEFAULTS["iamMs"] / 1000


def test_changed_policy_is_not_in_effect_yet(client, control, infra):
    """The execution role gets its pull permissions just as the service starts: the first
    pulls still see the old policy and fail, then the service runs."""
    iam, ecs, ec2 = client("iam"), client("ecs"), client("ec2")
    role = make_role(iam, "late", "ecs-tasks.amazonaws.com", [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"}])
    iam_settle(control)
    family = uid("t")
    ecs.register_task_definition(
        family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256",
        memory="512", executionRoleArn=role,
        containerDefinitions=[{"name": "web", "image": f"{infra['repo_uri']}:bootstrap"}])
    sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])[
        "SecurityGroups"][0]["GroupId"]
    name = uid("svc")
    iam.put_role_policy(RoleName=role.rsplit("/", 1)[1], PolicyName="lab", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
            "ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
            "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]}))
    ecs.create_service(cluster=infra["cluster"], serviceName=name, taskDefinition=family,
                       desiredCount=1, launchType="FARGATE", networkConfiguration={
                           "awsvpcConfiguration": {"subnets": [ec2.describe_subnets()[
                               "Subnets"][0]["SubnetId"]], "securityGroups": [sg]}})

    def steady():
        svc = ecs.describe_services(cluster=infra["cluster"], services=[name])["services"][0]
        return svc if svc["runningCount"] == 1 and \
            svc["events"][0]["message"].endswith("steady state.") else None
    svc = wait_for(steady, 10)
    stopped = [e["message"] for e in svc["events"] if "stopped: " in e["message"]]
    assert stopped and all("ecr:GetAuthorizationToken" in m for m in stopped)
