"""Helpers for tests that build the lab's pipeline: its resources, pipelines, waiting."""

import json
import time
import uuid

from conftest import eventually

POLL = 0.05
ACCOUNT = "123456789012"


def wait_for(fn, deadline=15.0):
    """Poll fn until it returns something truthy; fail after `deadline` seconds."""
    end = time.time() + deadline
    while time.time() < end:
        value = fn()
        if value:
            return value
        time.sleep(POLL)
    raise AssertionError(f"timed out waiting for {fn.__name__}")


def wait_ticks(control, n=5):
    """Wait until the sandbox's simulations have each had `n` more turns: what a test that
    asserts something did NOT happen waits for, instead of a fixed sleep."""
    start = control("/_sandbox/health", method="GET")["ticks"]
    wait_for(lambda: control("/_sandbox/health", method="GET")["ticks"] >= start + n)


def wait_aws_time(control, t):
    """Wait until the sandbox's AWS clock has passed `t`, then for the ticker to act on it."""
    wait_for(lambda: control("/_sandbox/health", method="GET")["awsTime"] > t, 30)
    wait_ticks(control, 2)


def held(control, **key):
    """What the hold-run matching `key` (pipelineName/stageName or projectName/phase) holds."""
    for h in control("/_sandbox/hold-run", method="GET")["holds"]:
        if all(h.get(k) == v for k, v in key.items()):
            return h["held"]
    return None


def uid(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


BOOTSTRAP_MANIFEST = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"digest": "sha256:" + "b" * 64, "size": 1,
               "mediaType": "application/vnd.docker.container.image.v1+json"}, "layers": []})


def make_infra(client, control, lab_roles) -> dict:
    """The lecture's resources, minimally: roles, bucket, connection, project, ECS + ALB.

    The service starts on a `bootstrap` image already in ECR (a task whose image is missing
    never starts), with the task execution role and awslogs, as the product sets it up."""
    ec2, elb, ecs = client("ec2"), client("elbv2"), client("ecs")
    bucket = uid("artifacts")
    client("s3").create_bucket(Bucket=bucket,
                               CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    conns = client("codestar-connections")
    conn = conns.create_connection(ProviderType="GitHub", ConnectionName=uid("gh"))["ConnectionArn"]
    control("/_sandbox/connections/complete", {"ConnectionArn": conn})
    assert conns.get_connection(ConnectionArn=conn)["Connection"]["ConnectionStatus"] == "AVAILABLE"
    repo = uid("app")
    ecr = client("ecr")
    repo_uri = ecr.create_repository(repositoryName=repo)["repository"]["repositoryUri"]
    ecr.put_image(repositoryName=repo, imageManifest=BOOTSTRAP_MANIFEST, imageTag="bootstrap")
    project = uid("build")
    client("codebuild").create_project(
        name=project, source={"type": "CODEPIPELINE"}, artifacts={"type": "CODEPIPELINE"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": True,
                     "environmentVariables": [{"name": "REPOSITORY_URI", "value": repo_uri},
                                              {"name": "CONTAINER_NAME", "value": "web"}]},
        serviceRole=lab_roles["build"])
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    sg = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
    tg = elb.create_target_group(Name=uid("tg"), Protocol="HTTP", Port=3000, VpcId=vpc,
                                 TargetType="ip", HealthCheckPath="/ping")["TargetGroups"][0]
    cluster = uid("cluster")
    ecs.create_cluster(clusterName=cluster)
    family = uid("app")
    client("logs").create_log_group(logGroupName=f"/ecs/{family}")
    ecs.register_task_definition(
        family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
        cpu="1024", memory="3072", executionRoleArn=lab_roles["execution"],
        tags=[{"key": "app", "value": "pipewright"}],
        containerDefinitions=[{"name": "web", "image": f"{repo_uri}:bootstrap", "essential": True,
                               "portMappings": [{"containerPort": 3000, "protocol": "tcp"}],
                               "logConfiguration": {"logDriver": "awslogs", "options": {
                                   "awslogs-group": f"/ecs/{family}",
                                   "awslogs-region": "ap-northeast-2",
                                   "awslogs-stream-prefix": "ecs"}}}])
    service = uid("svc")
    ecs.create_service(
        cluster=cluster, serviceName=service, taskDefinition=family, desiredCount=1,
        launchType="FARGATE",
        loadBalancers=[{"targetGroupArn": tg["TargetGroupArn"], "containerName": "web",
                        "containerPort": 3000}],
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet],
                                                      "securityGroups": [sg]}})
    return {"role": lab_roles["pipeline"], "bucket": bucket, "conn": conn, "project": project,
            "cluster": cluster, "service": service, "tg": tg["TargetGroupArn"],
            "repo_uri": repo_uri, "family": family, "roles": lab_roles}


def action(name, category, provider, config, inputs=(), outputs=()):
    return {"name": name, "actionTypeId": {"category": category, "owner": "AWS",
                                           "provider": provider, "version": "1"},
            "configuration": config, "runOrder": 1,
            "inputArtifacts": [{"name": n} for n in inputs],
            "outputArtifacts": [{"name": n} for n in outputs]}


def make_pipeline(client, infra, *, repo, mode="SUPERSEDED", deploy=False, conn=None,
                  triggers=None, name=None, role=None, source_format="CODE_ZIP", project=None,
                  branch="main"):
    """Create a V2 pipeline (which, as on AWS, starts once by itself); returns its name."""
    name = name or uid("pipe")
    stages = [
        {"name": "Source", "actions": [action(
            "Source", "Source", "CodeStarSourceConnection",
            {"ConnectionArn": conn or infra["conn"], "FullRepositoryId": repo,
             "BranchName": branch, "OutputArtifactFormat": source_format},
            outputs=["SourceArtifact"])]},
        {"name": "Build", "actions": [action(
            "Build", "Build", "CodeBuild", {"ProjectName": project or infra["project"]},
            inputs=["SourceArtifact"], outputs=["BuildArtifact"])]},
    ]
    if deploy:
        stages.append({"name": "Deploy", "actions": [action(
            "Deploy", "Deploy", "ECS",
            {"ClusterName": infra["cluster"], "ServiceName": infra["service"],
             "FileName": "imagedefinitions.json"}, inputs=["BuildArtifact"])]})
    decl = {"name": name, "roleArn": role or infra["role"], "pipelineType": "V2",
            "executionMode": mode, "stages": stages,
            "artifactStore": {"type": "S3", "location": infra["bucket"]}}
    if triggers:
        decl["triggers"] = triggers
    eventually(lambda: client("codepipeline").create_pipeline(pipeline=decl))
    return name


def executions(cp, name):
    return cp.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]


def wait_done(cp, name, exe_id, deadline=15.0):
    def done():
        e = cp.get_pipeline_execution(pipelineName=name, pipelineExecutionId=exe_id)
        status = e["pipelineExecution"]["status"]
        return status if status not in ("InProgress", "Stopping") else None
    return wait_for(done, deadline)


def wait_all_done(cp, name, deadline=20.0):
    def all_done():
        ex = executions(cp, name)
        return ex if all(e["status"] not in ("InProgress", "Stopping") for e in ex) else None
    return wait_for(all_done, deadline)


def builds_of(cp, name, exe_id=None):
    flt = {"filter": {"pipelineExecutionId": exe_id}} if exe_id else {}
    details = cp.list_action_executions(pipelineName=name, **flt)["actionExecutionDetails"]
    return sorted([d for d in details if d["stageName"] == "Build"], key=lambda d: d["startTime"])
