"""Start-up smoke test of the (frozen) sandbox: `pipewright-sandbox --smoke-test`.

Starts a second copy of this very executable the way the app does (stdin a pipe, the parent's
pid in PIPEWRIGHT_SANDBOX_PARENT_PID, `--time-scale`), waits for its URL line, then calls
every AWS operation the lab uses (lab_operations.py reads them from the engine's source; a
test keeps LAB in step with it) with boto3, as a small lab: roles, bucket, log group,
repository, connection, build project, security group, load balancer, cluster, task
definition, service, pipeline, then their removal. An answer counts when the sandbox logs it
(`GET /_sandbox/calls`) with a status below 500: an AWS error such as NotFound is an answer,
while a missing moto backend, data file or module answers 500. Last, it closes the copy's
standard input and checks that the copy exits and its port is free (the app-gone watchdog).

Exit status 0 when all of that holds. Run from source (not frozen) it starts `entry.py` with
this Python, which is how tests/test_packaging.py runs it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
# This run's sandbox key, read from its first line (start_sandbox).
KEY = ""

# Signing name in the sandbox's calls log, per botocore service name.
SIGNING = {"elbv2": "elasticloadbalancing", "resourcegroupstaggingapi": "tagging"}

# Every (botocore service, operation) the lab uses; tests/test_packaging.py checks this
# covers lab_operations.used_operations().
LAB = {
    "sts": ["GetCallerIdentity"],
    "iam": ["CreateRole", "PutRolePolicy", "GetRole", "ListRoles", "ListRolePolicies",
            "ListAttachedRolePolicies", "ListRoleTags", "DetachRolePolicy", "DeleteRolePolicy",
            "DeleteRole"],
    "s3": ["CreateBucket", "PutBucketVersioning", "PutPublicAccessBlock", "PutBucketTagging",
           "GetBucketTagging", "HeadBucket", "ListObjectVersions", "DeleteObject", "DeleteBucket"],
    "logs": ["CreateLogGroup", "PutRetentionPolicy", "DescribeLogGroups", "ListTagsForResource",
             "GetLogEvents", "DeleteLogGroup"],
    "ecr": ["CreateRepository", "PutLifecyclePolicy", "DescribeRepositories", "ListTagsForResource",
            "DeleteRepository"],
    "codestar-connections": ["CreateConnection", "GetConnection", "ListConnections",
                             "ListTagsForResource", "DeleteConnection"],
    "codebuild": ["CreateProject", "BatchGetProjects", "ListBuildsForProject", "BatchGetBuilds",
                  "StopBuild", "DeleteProject"],
    "ec2": ["DescribeVpcs", "DescribeSubnets", "CreateSecurityGroup",
            "AuthorizeSecurityGroupIngress", "DescribeSecurityGroups", "DescribeNetworkInterfaces",
            "DeleteSecurityGroup"],
    "elbv2": ["CreateLoadBalancer", "CreateTargetGroup", "ModifyTargetGroupAttributes",
              "CreateListener", "DescribeLoadBalancers", "DescribeListeners", "DescribeTargetGroups",
              "DescribeTargetHealth", "DescribeTags", "DeleteListener", "DeleteLoadBalancer",
              "DeleteTargetGroup"],
    "ecs": ["CreateCluster", "RegisterTaskDefinition", "DescribeTaskDefinition",
            "ListTaskDefinitions", "CreateService", "DescribeServices", "UpdateService", "ListTasks",
            "DescribeTasks", "ListTagsForResource", "DescribeClusters", "DeleteService",
            "DeregisterTaskDefinition", "DeleteTaskDefinitions", "DeleteCluster"],
    "codepipeline": ["CreatePipeline", "GetPipeline", "ListTagsForResource", "DisableStageTransition",
                     "EnableStageTransition", "StartPipelineExecution", "ListPipelineExecutions",
                     "GetPipelineExecution", "GetPipelineState", "ListActionExecutions",
                     "StopPipelineExecution", "RetryStageExecution", "DeletePipeline"],
    "resourcegroupstaggingapi": ["GetResources"],
    "scheduler": ["CreateScheduleGroup", "GetScheduleGroup", "ListTagsForResource", "ListScheduleGroups",
                  "TagResource",
                  "CreateSchedule", "GetSchedule", "UpdateSchedule", "DeleteSchedule", "DeleteScheduleGroup"],
}

TAGS = [{"Key": "pipewright:lab", "Value": "smoke"}]


def _log(msg: str) -> None:
    print(f"smoke: {msg}", file=sys.stderr, flush=True)


def _command(extra: list[str]) -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, *extra]
    return [sys.executable, str(Path(__file__).resolve().parent / "entry.py"), *extra]


def start_sandbox(time_scale: str = "0.01"):
    """(process, url, seconds to the URL line), started as the app starts it."""
    env = dict(os.environ, PIPEWRIGHT_SANDBOX_PARENT_PID=str(os.getpid()))
    if not getattr(sys, "frozen", False):
        sandbox = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (sandbox, env.get("PYTHONPATH")) if p)
    started = time.monotonic()
    proc = subprocess.Popen(_command(["--time-scale", time_scale]), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env)
    key_line = proc.stdout.readline().decode().strip()
    line = proc.stdout.readline().decode().strip()
    seconds = time.monotonic() - started
    if not key_line.startswith("PIPEWRIGHT_SANDBOX_KEY=") or \
            not line.startswith("PIPEWRIGHT_SANDBOX_URL="):
        proc.kill()
        raise SystemExit(f"smoke: the sandbox printed {key_line!r}, {line!r} instead of its key and URL")
    global KEY
    KEY = key_line.split("=", 1)[1]
    return proc, line.split("=", 1)[1], seconds


def _control(url: str, path: str, body=None, method: str = "POST"):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json",
                                          "X-Pipewright-Sandbox-Key": KEY})
    with urllib.request.urlopen(req, timeout=30) as resp:
        text = resp.read()
    return json.loads(text) if text else None


def run_lab(url: str) -> None:
    """Every operation in LAB, in a lab's order. AWS errors are answers, so they are logged
    and the lab goes on; what counts is checked afterwards in the calls log."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    session = boto3.session.Session(aws_access_key_id=KEY, aws_secret_access_key="sandbox",
                                    region_name=REGION)
    config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
    clients = {}

    def client(service):
        if service not in clients:
            clients[service] = session.client(service, endpoint_url=url, config=config)
        return clients[service]

    def call(service_name, operation, /, **params):
        from botocore import xform_name

        try:
            return getattr(client(service_name), xform_name(operation))(**params)
        except ClientError as e:
            _log(f"{service_name} {operation}: {e.response['Error'].get('Code')} (an answer)")
            return {}

    def trust(principal):
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}]})

    allow_all = json.dumps({"Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})

    # The smoke test is not about AWS's delays: services see new roles and groups at once.
    _control(url, "/_sandbox/consistency", {"iamMs": 0, "ec2Ms": 0})

    identity = call("sts", "GetCallerIdentity")
    if identity.get("Account") != ACCOUNT:
        raise SystemExit(f"smoke: the sandbox's account is {identity.get('Account')!r}")

    roles = {}
    for name, principal in (("smoke-build", "codebuild.amazonaws.com"),
                            ("smoke-pipeline", "codepipeline.amazonaws.com"),
                            ("smoke-task", "ecs-tasks.amazonaws.com")):
        roles[name] = call("iam", "CreateRole", RoleName=name, AssumeRolePolicyDocument=trust(principal),
                           Tags=TAGS).get("Role", {}).get("Arn", f"arn:aws:iam::{ACCOUNT}:role/{name}")
        call("iam", "PutRolePolicy", RoleName=name, PolicyName="smoke", PolicyDocument=allow_all)
    call("iam", "GetRole", RoleName="smoke-build")
    call("iam", "ListRoles")
    call("iam", "ListRolePolicies", RoleName="smoke-build")
    call("iam", "ListAttachedRolePolicies", RoleName="smoke-build")
    call("iam", "ListRoleTags", RoleName="smoke-build")

    bucket = "pipewright-smoke-artifacts"
    call("s3", "CreateBucket", Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    call("s3", "PutBucketVersioning", Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    call("s3", "PutPublicAccessBlock", Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    call("s3", "PutBucketTagging", Bucket=bucket, Tagging={"TagSet": TAGS})
    call("s3", "GetBucketTagging", Bucket=bucket)
    call("s3", "HeadBucket", Bucket=bucket)
    call("s3", "ListObjectVersions", Bucket=bucket)
    call("s3", "DeleteObject", Bucket=bucket, Key="smoke/none")

    group = "/pipewright/smoke"
    call("logs", "CreateLogGroup", logGroupName=group, tags={"pipewright:lab": "smoke"})
    call("logs", "PutRetentionPolicy", logGroupName=group, retentionInDays=7)
    call("logs", "DescribeLogGroups", logGroupNamePrefix=group)
    call("logs", "ListTagsForResource", resourceArn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}")
    call("logs", "GetLogEvents", logGroupName=group, logStreamName="none", startFromHead=True)

    repo = call("ecr", "CreateRepository", repositoryName="smoke-app", tags=TAGS).get("repository", {})
    call("ecr", "PutLifecyclePolicy", repositoryName="smoke-app", lifecyclePolicyText=json.dumps({
        "rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                                                    "countNumber": 10}, "action": {"type": "expire"}}]}))
    call("ecr", "DescribeRepositories", repositoryNames=["smoke-app"])
    call("ecr", "ListTagsForResource", resourceArn=repo.get("repositoryArn", "arn:aws:ecr:x"))

    conn = call("codestar-connections", "CreateConnection", ProviderType="GitHub",
                ConnectionName="smoke-github", Tags=TAGS).get("ConnectionArn", "arn:aws:codestar-connections:x")
    call("codestar-connections", "GetConnection", ConnectionArn=conn)
    call("codestar-connections", "ListConnections")
    call("codestar-connections", "ListTagsForResource", ResourceArn=conn)
    _control(url, "/_sandbox/connections/complete", {"connectionArn": conn, "status": "AVAILABLE"})

    project = "smoke-build"
    call("codebuild", "CreateProject", name=project, source={"type": "CODEPIPELINE"},
         artifacts={"type": "CODEPIPELINE"}, serviceRole=roles["smoke-build"], tags=[
             {"key": "pipewright:lab", "value": "smoke"}],
         environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                      "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": True})
    call("codebuild", "BatchGetProjects", names=[project])
    call("codebuild", "ListBuildsForProject", projectName=project)

    vpc = (call("ec2", "DescribeVpcs", Filters=[{"Name": "isDefault", "Values": ["true"]}])
           .get("Vpcs") or [{}])[0].get("VpcId", "vpc-none")
    subnets = [s["SubnetId"] for s in call("ec2", "DescribeSubnets", Filters=[
        {"Name": "vpc-id", "Values": [vpc]}]).get("Subnets", [])][:2]
    sg = call("ec2", "CreateSecurityGroup", GroupName="smoke-alb", Description="smoke", VpcId=vpc,
              TagSpecifications=[{"ResourceType": "security-group", "Tags": TAGS}]).get("GroupId", "sg-none")
    call("ec2", "AuthorizeSecurityGroupIngress", GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    call("ec2", "DescribeSecurityGroups", GroupIds=[sg])
    call("ec2", "DescribeNetworkInterfaces", Filters=[{"Name": "group-id", "Values": [sg]}])

    lb = (call("elbv2", "CreateLoadBalancer", Name="smoke-alb", Subnets=subnets, SecurityGroups=[sg],
               Scheme="internet-facing", Type="application", Tags=TAGS)
          .get("LoadBalancers") or [{}])[0].get("LoadBalancerArn", "arn:aws:elasticloadbalancing:x")
    tg = (call("elbv2", "CreateTargetGroup", Name="smoke-tg", Protocol="HTTP", Port=3000, VpcId=vpc,
               TargetType="ip", HealthCheckPath="/", Tags=TAGS)
          .get("TargetGroups") or [{}])[0].get("TargetGroupArn", "arn:aws:elasticloadbalancing:y")
    call("elbv2", "ModifyTargetGroupAttributes", TargetGroupArn=tg, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "30"}])
    listener = (call("elbv2", "CreateListener", LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                     DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
                .get("Listeners") or [{}])[0].get("ListenerArn", "arn:aws:elasticloadbalancing:z")
    call("elbv2", "DescribeLoadBalancers", LoadBalancerArns=[lb])
    call("elbv2", "DescribeListeners", LoadBalancerArn=lb)
    call("elbv2", "DescribeTargetGroups", TargetGroupArns=[tg])
    call("elbv2", "DescribeTargetHealth", TargetGroupArn=tg)
    call("elbv2", "DescribeTags", ResourceArns=[lb, tg])

    cluster = "smoke-cluster"
    call("ecs", "CreateCluster", clusterName=cluster, tags=[{"key": "pipewright:lab", "value": "smoke"}])
    task = call("ecs", "RegisterTaskDefinition", family="smoke-task", networkMode="awsvpc",
                requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
                executionRoleArn=roles["smoke-task"], containerDefinitions=[{
                    "name": "web", "image": f"{repo.get('repositoryUri', 'smoke-app')}:bootstrap",
                    "portMappings": [{"containerPort": 3000}], "essential": True}],
                ).get("taskDefinition", {}).get("taskDefinitionArn", "smoke-task:1")
    call("ecs", "DescribeTaskDefinition", taskDefinition=task)
    call("ecs", "ListTaskDefinitions", familyPrefix="smoke-task")
    call("ecs", "CreateService", cluster=cluster, serviceName="smoke-service", taskDefinition=task,
         desiredCount=0, launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {
             "subnets": subnets, "securityGroups": [sg], "assignPublicIp": "ENABLED"}},
         loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 3000}])
    call("ecs", "DescribeServices", cluster=cluster, services=["smoke-service"])
    call("ecs", "UpdateService", cluster=cluster, service="smoke-service", desiredCount=0)
    tasks = call("ecs", "ListTasks", cluster=cluster).get("taskArns") or [
        f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{cluster}/none"]
    call("ecs", "DescribeTasks", cluster=cluster, tasks=tasks)
    call("ecs", "ListTagsForResource", resourceArn=f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{cluster}")
    call("ecs", "DescribeClusters", clusters=[cluster])

    pipeline = "smoke-pipeline"
    call("codepipeline", "CreatePipeline", tags=[{"key": "pipewright:lab", "value": "smoke"}], pipeline={
        "name": pipeline, "roleArn": roles["smoke-pipeline"], "pipelineType": "V2",
        "executionMode": "QUEUED", "artifactStore": {"type": "S3", "location": bucket},
        "stages": [
            {"name": "Source", "actions": [{
                "name": "Source", "actionTypeId": {"category": "Source", "owner": "AWS",
                                                   "provider": "CodeStarSourceConnection", "version": "1"},
                "configuration": {"ConnectionArn": conn, "FullRepositoryId": "octo/smoke",
                                  "BranchName": "main"},
                "outputArtifacts": [{"name": "SourceOutput"}]}]},
            {"name": "Build", "actions": [{
                "name": "Build", "actionTypeId": {"category": "Build", "owner": "AWS",
                                                  "provider": "CodeBuild", "version": "1"},
                "configuration": {"ProjectName": project},
                "inputArtifacts": [{"name": "SourceOutput"}],
                "outputArtifacts": [{"name": "BuildOutput"}]}]},
        ]})
    call("codepipeline", "GetPipeline", name=pipeline)
    call("codepipeline", "ListTagsForResource",
         resourceArn=f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:{pipeline}")
    call("codepipeline", "DisableStageTransition", pipelineName=pipeline, stageName="Build",
         transitionType="Inbound", reason="smoke")
    call("codepipeline", "EnableStageTransition", pipelineName=pipeline, stageName="Build",
         transitionType="Inbound")
    run = call("codepipeline", "StartPipelineExecution", name=pipeline).get(
        "pipelineExecutionId", "00000000-0000-0000-0000-000000000000")
    call("codepipeline", "ListPipelineExecutions", pipelineName=pipeline)
    call("codepipeline", "GetPipelineExecution", pipelineName=pipeline, pipelineExecutionId=run)
    call("codepipeline", "GetPipelineState", name=pipeline)
    call("codepipeline", "ListActionExecutions", pipelineName=pipeline,
         filter={"pipelineExecutionId": run})
    builds = call("codebuild", "ListBuildsForProject", projectName=project).get("ids") or [f"{project}:none"]
    call("codebuild", "BatchGetBuilds", ids=builds)
    call("codebuild", "StopBuild", id=builds[0])
    call("codepipeline", "StopPipelineExecution", pipelineName=pipeline, pipelineExecutionId=run,
         abandon=True, reason="smoke")
    call("codepipeline", "RetryStageExecution", pipelineName=pipeline, stageName="Build",
         pipelineExecutionId=run, retryMode="FAILED_ACTIONS")
    call("resourcegroupstaggingapi", "GetResources", TagFilters=[
        {"Key": "pipewright:lab", "Values": ["smoke"]}])

    # The lab's expiry: a tagged schedule group and a one-time schedule (far in the future).
    expiry_group = "smoke-expiry"
    group_arn = call("scheduler", "CreateScheduleGroup", Name=expiry_group,
                     Tags=TAGS).get("ScheduleGroupArn", f"arn:aws:scheduler:{REGION}:{ACCOUNT}:x")
    call("scheduler", "GetScheduleGroup", Name=expiry_group)
    call("scheduler", "ListTagsForResource", ResourceArn=group_arn)
    call("scheduler", "ListScheduleGroups")
    schedule = dict(Name="stop-service", GroupName=expiry_group, ScheduleExpression="at(2099-01-01T00:00:00)",
                    FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
                    Target={"Arn": "arn:aws:scheduler:::aws-sdk:ecs:updateService",
                            "RoleArn": roles["smoke-task"],
                            "Input": json.dumps({"Cluster": cluster, "Service": "smoke-service",
                                                 "DesiredCount": 0})})
    call("scheduler", "CreateSchedule", **schedule)
    call("scheduler", "GetSchedule", Name="stop-service", GroupName=expiry_group)
    call("scheduler", "UpdateSchedule", **schedule)
    call("scheduler", "TagResource", ResourceArn=group_arn,
         Tags=[{"Key": "pipewright:expires-at", "Value": "2026-11-30T08:36:18Z"}])
    call("scheduler", "DeleteSchedule", Name="stop-service", GroupName=expiry_group)
    call("scheduler", "DeleteScheduleGroup", Name=expiry_group)

    # Teardown, in reverse.
    call("codepipeline", "DeletePipeline", name=pipeline)
    call("ecs", "DeleteService", cluster=cluster, service="smoke-service", force=True)
    call("ecs", "DeregisterTaskDefinition", taskDefinition=task)
    call("ecs", "DeleteTaskDefinitions", taskDefinitions=[task])
    call("ecs", "DeleteCluster", cluster=cluster)
    call("elbv2", "DeleteListener", ListenerArn=listener)
    call("elbv2", "DeleteLoadBalancer", LoadBalancerArn=lb)
    call("elbv2", "DeleteTargetGroup", TargetGroupArn=tg)
    call("ec2", "DeleteSecurityGroup", GroupId=sg)
    call("codebuild", "DeleteProject", name=project)
    call("codestar-connections", "DeleteConnection", ConnectionArn=conn)
    call("ecr", "DeleteRepository", repositoryName="smoke-app", force=True)
    call("logs", "DeleteLogGroup", logGroupName=group)
    call("s3", "DeleteBucket", Bucket=bucket)
    for name in roles:
        call("iam", "DetachRolePolicy", RoleName=name,
             PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
        call("iam", "DeleteRolePolicy", RoleName=name, PolicyName="smoke")
        call("iam", "DeleteRole", RoleName=name)


def unanswered(calls: list[dict]) -> list[str]:
    """The operations in LAB with no answer below 500 in the calls log."""
    answered = {(c["service"], c["operation"]) for c in calls if int(c.get("status", 500)) < 500}
    missing = []
    for service, operations in LAB.items():
        signing = SIGNING.get(service, service)
        for op in operations:
            if (signing, op) not in answered:
                statuses = sorted({f"{c['status']} {c['outcome']}" for c in calls
                                   if (c["service"], c["operation"]) == (signing, op)})
                missing.append(f"{service} {op}: {', '.join(statuses) or 'never received'}")
    return missing


def port_is_free(url: str) -> bool:
    host, port = url.rsplit("/", 1)[-1].split(":")
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, int(port))) != 0


def main(argv: list[str] | None = None) -> int:
    proc, url, seconds = start_sandbox()
    _log(f"the sandbox answered at {url} {seconds:.2f} s after it was started")
    try:
        run_lab(url)
        calls = _control(url, "/_sandbox/calls", method="GET")["calls"]
    except BaseException:
        proc.kill()
        raise
    missing = unanswered(calls)
    total = sum(len(ops) for ops in LAB.values())
    for line in missing:
        _log(f"NOT ANSWERED: {line}")

    # The app-gone watchdog: closing the copy's standard input must end it and free its port.
    proc.stdin.close()
    try:
        proc.wait(timeout=10)
        exited = True
    except subprocess.TimeoutExpired:
        proc.kill()
        exited = False
    freed = port_is_free(url)
    _log(f"{total - len(missing)} of {total} lab operations answered; "
         f"stdin closed: {'exited' if exited else 'STILL RUNNING'}, port {'free' if freed else 'STILL BOUND'}")
    print(json.dumps({"startSeconds": round(seconds, 2), "operations": total,
                      "unanswered": missing, "exitedOnStdinClose": exited, "portFreed": freed}))
    ok = not missing and exited and freed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
