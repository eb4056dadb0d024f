"""AWS's dependency rules and fixes to moto (rules.py): wrong order refused, right order works."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import eventually, iam_settle
from lab import wait_for

LINGER = 60 * 0.01  # AWS_DURATIONS["eni_linger"] at the tests' time scale (0.01)
DRAIN = 30 * 0.01


def _code(err) -> str:
    return err.value.response["Error"]["Code"]


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def _net(client):
    ec2 = client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]][:2]
    return ec2, vpc, subnets


def _wait_gone(fn, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            fn()
            return
        except ClientError:
            time.sleep(0.1)
    fn()


def test_security_group_in_use_by_load_balancer(client):
    ec2, vpc, subnets = _net(client)
    elb = client("elbv2")
    sg = ec2.create_security_group(GroupName=f"alb-{_uid()}", Description="alb", VpcId=vpc)["GroupId"]
    name = f"lb-{_uid()}"  # a new group: ELB sees it after EC2's consistency window
    lb = eventually(lambda: elb.create_load_balancer(Name=name, Subnets=subnets,
                                                     SecurityGroups=[sg]))
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    enis = ec2.describe_network_interfaces(
        Filters=[{"Name": "group-id", "Values": [sg]}])["NetworkInterfaces"]
    assert len(enis) == len(subnets)
    assert all(e["Description"].startswith("ELB app/") for e in enis)
    with pytest.raises(ClientError) as err:
        ec2.delete_security_group(GroupId=sg)
    assert _code(err) == "DependencyViolation"
    assert f"resource {sg} has a dependent object" in str(err.value)
    elb.delete_load_balancer(LoadBalancerArn=lb_arn)
    # The load balancer's interfaces linger for a while: still refused right away.
    with pytest.raises(ClientError) as err:
        ec2.delete_security_group(GroupId=sg)
    assert _code(err) == "DependencyViolation"
    _wait_gone(lambda: ec2.delete_security_group(GroupId=sg))


def test_security_group_referenced_by_another_group(client):
    ec2, vpc, _ = _net(client)
    a = ec2.create_security_group(GroupName=f"a-{_uid()}", Description="a", VpcId=vpc)["GroupId"]
    b = ec2.create_security_group(GroupName=f"b-{_uid()}", Description="b", VpcId=vpc)["GroupId"]
    eventually(lambda: ec2.authorize_security_group_ingress(GroupId=b, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 3000, "ToPort": 3000,
        "UserIdGroupPairs": [{"GroupId": a}]}]))
    with pytest.raises(ClientError) as err:
        ec2.delete_security_group(GroupId=a)
    assert _code(err) == "DependencyViolation"
    ec2.delete_security_group(GroupId=b)
    ec2.delete_security_group(GroupId=a)


def _ecs_service(client, desired=2):
    ec2, vpc, subnets = _net(client)
    ecs = client("ecs")
    sg = ec2.create_security_group(GroupName=f"task-{_uid()}", Description="t", VpcId=vpc)["GroupId"]
    cluster = f"c-{_uid()}"
    ecs.create_cluster(clusterName=cluster)
    td = ecs.register_task_definition(
        family=f"app-{_uid()}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx", "essential": True,
                               "portMappings": [{"containerPort": 80}]}])["taskDefinition"]["taskDefinitionArn"]
    eventually(lambda: ecs.create_service(
        cluster=cluster, serviceName="web", taskDefinition=td, desiredCount=desired,
        launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {
            "subnets": subnets, "securityGroups": [sg], "assignPublicIp": "ENABLED"}}))
    return ec2, ecs, cluster, sg, subnets


def test_ecs_service_interfaces_linger_then_vanish(client):
    ec2, ecs, cluster, sg, subnets = _ecs_service(client, desired=2)
    flt = [{"Name": "group-id", "Values": [sg]}]
    enis = ec2.describe_network_interfaces(Filters=flt)["NetworkInterfaces"]
    assert len(enis) == 2
    for e in enis:
        assert e["Description"].startswith("arn:aws:ecs:ap-northeast-2:123456789012:attachment/")
        assert e["InterfaceType"] == "interface" and e["Status"] == "in-use"
        assert e["SubnetId"] in subnets
    # Scaling down releases one (it lingers first).
    ecs.update_service(cluster=cluster, service="web", desiredCount=1)
    assert len(ec2.describe_network_interfaces(Filters=flt)["NetworkInterfaces"]) == 2
    wait_for(lambda: len(ec2.describe_network_interfaces(Filters=flt)["NetworkInterfaces"]) == 1,
             LINGER + 10)
    ecs.update_service(cluster=cluster, service="web", desiredCount=0)
    ecs.delete_service(cluster=cluster, service="web")
    with pytest.raises(ClientError) as err:
        ec2.delete_security_group(GroupId=sg)
    assert _code(err) == "DependencyViolation"
    wait_for(lambda: ec2.describe_network_interfaces(Filters=flt)["NetworkInterfaces"] == [],
             LINGER + 10)
    ec2.delete_security_group(GroupId=sg)


def test_cluster_with_services_cannot_be_deleted(client):
    ec2, ecs, cluster, sg, _ = _ecs_service(client, desired=1)
    with pytest.raises(ClientError) as err:
        ecs.delete_cluster(cluster=cluster)
    assert _code(err) == "ClusterContainsServicesException"
    # Deleting a service still scaled above 0 is refused (without force).
    with pytest.raises(ClientError) as err:
        ecs.delete_service(cluster=cluster, service="web")
    assert _code(err) == "InvalidParameterException"
    assert "scaled above 0" in str(err.value)
    ecs.update_service(cluster=cluster, service="web", desiredCount=0)
    ecs.delete_service(cluster=cluster, service="web")
    svc = ecs.describe_services(cluster=cluster, services=["web"])["services"][0]
    assert svc["status"] == "DRAINING"
    with pytest.raises(ClientError) as err:  # DRAINING still counts
        ecs.delete_cluster(cluster=cluster)
    assert _code(err) == "ClusterContainsServicesException"
    wait_for(lambda: ecs.describe_services(cluster=cluster, services=["web"])["services"][0][
        "status"] == "INACTIVE", DRAIN + 10)
    ecs.delete_cluster(cluster=cluster)


def test_force_delete_service(client):
    _, ecs, cluster, _, _ = _ecs_service(client, desired=1)
    ecs.delete_service(cluster=cluster, service="web", force=True)
    wait_for(lambda: ecs.describe_services(cluster=cluster, services=["web"])["services"][0][
        "status"] == "INACTIVE", DRAIN + 10)
    ecs.delete_cluster(cluster=cluster)


def test_s3_bucket_not_empty(client):
    s3 = client("s3")
    b = f"artifacts-{_uid()}"
    s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    s3.put_object(Bucket=b, Key="x", Body=b"1")
    with pytest.raises(ClientError) as err:
        s3.delete_bucket(Bucket=b)
    assert _code(err) == "BucketNotEmpty"
    s3.delete_object(Bucket=b, Key="x")
    s3.delete_bucket(Bucket=b)


MANIFEST = json.dumps({"schemaVersion": 2, "mediaType":
                       "application/vnd.docker.distribution.manifest.v2+json",
                       "config": {"digest": "sha256:" + "a" * 64, "size": 1,
                                  "mediaType": "application/vnd.docker.container.image.v1+json"},
                       "layers": []})
MANIFEST2 = MANIFEST.replace("a" * 64, "b" * 64)


def test_ecr_rules(client):
    ecr = client("ecr")
    name = f"app-{_uid()}"
    ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")
    ecr.put_image(repositoryName=name, imageManifest=MANIFEST, imageTag="v1")
    with pytest.raises(ClientError) as err:
        ecr.put_image(repositoryName=name, imageManifest=MANIFEST2, imageTag="v1")
    assert _code(err) == "ImageTagAlreadyExistsException"
    with pytest.raises(ClientError) as err:
        ecr.delete_repository(repositoryName=name)
    assert _code(err) == "RepositoryNotEmptyException"
    ecr.delete_repository(repositoryName=name, force=True)


def test_target_group_create_is_idempotent(client):
    _, vpc, _ = _net(client)
    elb = client("elbv2")
    name = f"tg-{_uid()}"
    kw = dict(Name=name, Protocol="HTTP", Port=3000, VpcId=vpc, TargetType="ip",
              HealthCheckPath="/health")
    a = elb.create_target_group(**kw)["TargetGroups"][0]["TargetGroupArn"]
    b = elb.create_target_group(**kw)["TargetGroups"][0]["TargetGroupArn"]
    assert a == b
    with pytest.raises(ClientError) as err:
        elb.create_target_group(**{**kw, "Port": 8080})
    assert _code(err) == "DuplicateTargetGroupName"
    elb.delete_target_group(TargetGroupArn=a)


def _role(client, services):
    iam = client("iam")
    name = f"role-{_uid()}"
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Principal": {"Service": services}}]}
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(doc))["Role"]["Arn"]


def test_codebuild_codepipeline_project_and_update(client):
    cb = client("codebuild")
    role = _role(client, "codebuild.amazonaws.com")
    name = f"build-{_uid()}"
    env = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
           "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": True}
    p = eventually(lambda: cb.create_project(
        name=name, source={"type": "CODEPIPELINE", "buildspec": "buildspec.yml"},
        artifacts={"type": "CODEPIPELINE"}, environment=env, serviceRole=role))["project"]
    assert p["source"]["type"] == "CODEPIPELINE" and "location" not in p["source"]
    upd = cb.update_project(name=name, description="now with a description",
                            environment={**env, "computeType": "BUILD_GENERAL1_MEDIUM"},
                            timeoutInMinutes=15)["project"]
    assert upd["name"] == name and upd["description"] == "now with a description"
    assert upd["environment"]["computeType"] == "BUILD_GENERAL1_MEDIUM"
    assert upd["timeoutInMinutes"] == 15
    assert upd["source"]["type"] == "CODEPIPELINE"
    got = cb.batch_get_projects(names=[name])["projects"][0]
    assert got["description"] == "now with a description"
    with pytest.raises(ClientError) as err:
        cb.update_project(name="no-such-project", description="x")
    assert _code(err) == "ResourceNotFoundException"
    cb.delete_project(name=name)


def test_codepipeline_accepts_role_trusting_a_list(client, control):
    role = _role(client, ["codepipeline.amazonaws.com", "codebuild.amazonaws.com"])
    s3 = client("s3")
    bucket = f"cp-artifacts-{_uid()}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    cp = client("codepipeline")
    name = f"pipe-{_uid()}"
    eventually(lambda: cp.create_pipeline(pipeline={
        "name": name, "roleArn": role, "pipelineType": "V2",
        "artifactStore": {"type": "S3", "location": bucket},
        "stages": [
            {"name": "Source", "actions": [{"name": "Source", "actionTypeId": {
                "category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                "configuration": {"S3Bucket": bucket, "S3ObjectKey": "src.zip"},
                "outputArtifacts": [{"name": "src"}]}]},
            {"name": "Approve", "actions": [{"name": "Approve", "actionTypeId": {
                "category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}}]},
        ]}))
    assert cp.get_pipeline(name=name)["pipeline"]["name"] == name
    # A role not trusting CodePipeline is still refused (once IAM has settled, for sure).
    other = _role(client, ["codebuild.amazonaws.com"])
    iam_settle(control)
    with pytest.raises(ClientError) as err:
        cp.create_pipeline(pipeline={"name": name + "x", "roleArn": other,
                                     "artifactStore": {"type": "S3", "location": bucket},
                                     "stages": []})
    assert _code(err) == "InvalidStructureException"


def test_get_log_events_forward_token_needs_start_from_head(client):
    logs = client("logs")
    group, stream = f"/tail/{_uid()}", "s"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)

    def put(*lines):
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
            {"timestamp": int(time.time() * 1000), "message": m} for m in lines])

    def get(**kw):
        return logs.get_log_events(logGroupName=group, logStreamName=stream, **kw)

    put("one", "two")
    first = get(startFromHead=True)
    assert [e["message"] for e in first["events"]] == ["one", "two"]
    token = first["nextForwardToken"]
    put("three")
    # A previous nextForwardToken without startFromHead=true: AWS does not page forward.
    for kw in ({}, {"startFromHead": False}):
        page = get(nextToken=token, **kw)
        assert page["events"] == [] and page["nextForwardToken"] == token
    # With startFromHead=true: the lines after the token, then the same token when idle.
    page = get(nextToken=token, startFromHead=True)
    assert [e["message"] for e in page["events"]] == ["three"]
    idle = get(nextToken=page["nextForwardToken"], startFromHead=True)
    assert idle["events"] == [] and idle["nextForwardToken"] == page["nextForwardToken"]


def test_a_load_balancer_provisions_before_it_is_active(client):
    """moto makes a load balancer active at the first describe; AWS provisions it for about
    90 s (AWS_DURATIONS["alb_provisioning"], 0.9 s at the tests' time scale)."""
    _, _, subnets = _net(client)
    elb = client("elbv2")
    started = time.monotonic()
    lb = elb.create_load_balancer(Name=f"prov-{_uid()}", Subnets=subnets)["LoadBalancers"][0]
    assert lb["State"]["Code"] == "provisioning"

    def state():
        return elb.describe_load_balancers(
            LoadBalancerArns=[lb["LoadBalancerArn"]])["LoadBalancers"][0]["State"]["Code"]

    assert state() == "provisioning"
    while state() != "active":
        assert time.monotonic() - started < 10, "never became active"
        time.sleep(0.05)
    assert time.monotonic() - started >= 90 * 0.01 * 0.9
