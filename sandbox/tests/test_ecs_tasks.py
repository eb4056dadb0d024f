"""ECS services run real tasks (ecs_rollout.py): an image must exist in ECR, failing tasks
are retried with ECS's growing gaps, a service at desiredCount 0 is steady at once, and only
running tasks are load balancer targets."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import ControlError
from lab import executions, held, make_pipeline, uid, wait_done, wait_for, wait_ticks

REGION = "ap-northeast-2"
MANIFEST = json.dumps({"schemaVersion": 2, "mediaType":
                       "application/vnd.docker.distribution.manifest.v2+json",
                       "config": {"digest": "sha256:" + "c" * 64, "size": 1, "mediaType":
                                  "application/vnd.docker.container.image.v1+json"},
                       "layers": []})


def target_group(client) -> str:
    vpc = client("ec2").describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])[
        "Vpcs"][0]["VpcId"]
    return client("elbv2").create_target_group(
        Name=uid("tg"), Protocol="HTTP", Port=3000, VpcId=vpc, TargetType="ip")[
        "TargetGroups"][0]["TargetGroupArn"]


def targets(client, tg: str) -> dict:
    return {h["Target"]["Id"]: h["TargetHealth"]["State"] for h in client(
        "elbv2").describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]}


def service(client, infra, *, tag: str, desired: int, tg: str | None = None,
            breaker=None, name: str | None = None) -> str:
    """A Fargate service of the lab's shape whose image is `repo:tag` (behind target group
    `tg` if given); returns its name."""
    ecs, ec2 = client("ecs"), client("ec2")
    family = uid("t")
    ecs.register_task_definition(
        family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256",
        memory="512", executionRoleArn=infra["roles"]["execution"],
        containerDefinitions=[{"name": "web", "image": f"{infra['repo_uri']}:{tag}",
                               "portMappings": [{"containerPort": 3000}]}])
    sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])[
        "SecurityGroups"][0]["GroupId"]
    name = name or uid("svc")
    kwargs = {}
    if tg:
        kwargs["loadBalancers"] = [{"targetGroupArn": tg, "containerName": "web",
                                    "containerPort": 3000}]
    if breaker:
        kwargs["deploymentConfiguration"] = {"deploymentCircuitBreaker": breaker}
    ecs.create_service(cluster=infra["cluster"], serviceName=name, taskDefinition=family,
                       desiredCount=desired, launchType="FARGATE", networkConfiguration={
                           "awsvpcConfiguration": {"subnets": [ec2.describe_subnets()[
                               "Subnets"][0]["SubnetId"]], "securityGroups": [sg]}}, **kwargs)
    return name


def describe(client, infra, name: str) -> dict:
    return client("ecs").describe_services(cluster=infra["cluster"], services=[name])[
        "services"][0]


def messages(svc: dict) -> list[str]:
    return [e["message"] for e in reversed(svc["events"])]  # oldest first


def push(client, infra, tag: str) -> None:
    client("ecr").put_image(repositoryName=infra["repo_uri"].split("/", 1)[1],
                            imageManifest=MANIFEST.replace("c" * 64, uid("x")[2:].ljust(64, "0")),
                            imageTag=tag)


def test_missing_image_never_steady_until_update(client, infra):
    tg = target_group(client)
    name = service(client, infra, tag="not-pushed-yet", desired=1, tg=tg)

    def four_launches():
        svc = describe(client, infra, name)
        started = [e for e in reversed(svc["events"]) if " has started 1 tasks" in e["message"]]
        return (svc, started) if len(started) >= 4 else None
    svc, started = wait_for(four_launches, 10)
    image = f"{infra['repo_uri']}:not-pushed-yet"
    assert any(m.startswith(f"(service {name}) (task ") and m.endswith(
        f"stopped: CannotPullContainerError: pull image manifest has been retried 5 time(s): "
        f"failed to resolve ref {image}: {image}: not found") for m in messages(svc))
    assert f"(service {name}) is unable to consistently start tasks successfully. For more " \
           "information, see the Troubleshooting section of the Amazon ECS Developer Guide." \
           in messages(svc)
    # Growing gaps between launches (ECS's service throttle logic).
    times = [e["createdAt"] for e in started]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert gaps[0] < gaps[1] < gaps[2], gaps
    # Never steady: no circuit breaker, so the deployment stays IN_PROGRESS, nothing runs.
    assert [(d["status"], d["rolloutState"]) for d in svc["deployments"]] == \
        [("PRIMARY", "IN_PROGRESS")]
    assert svc["runningCount"] == 0 and svc["deployments"][0]["failedTasks"] >= 3
    assert not any("steady state" in m for m in messages(svc))
    # Only running tasks are targets: none here.
    assert targets(client, tg) == {}

    # The image arrives; UpdateService (a new deployment) ends the throttling at once.
    push(client, infra, "not-pushed-yet")
    before = len(started)
    client("ecs").update_service(cluster=infra["cluster"], service=name,
                                 forceNewDeployment=True)

    def steady():
        s = describe(client, infra, name)
        return s if s["events"][0]["message"].endswith("has reached a steady state.") else None
    svc = wait_for(steady, 5)
    assert svc["runningCount"] == 1 and list(targets(client, tg).values()) == ["healthy"]
    assert [(d["status"], d["rolloutState"]) for d in svc["deployments"]] == \
        [("PRIMARY", "COMPLETED")]
    launches = [m for m in messages(svc) if " has started 1 tasks" in m]
    assert len(launches) == before + 1  # launched right away, not after the throttled gap


def test_target_registered_only_when_task_runs(client, infra):
    tg = target_group(client)
    name = service(client, infra, tag="bootstrap", desired=1, tg=tg)
    ecs = client("ecs")

    def task_state():
        arns = ecs.list_tasks(cluster=infra["cluster"], serviceName=name)["taskArns"]
        return arns and ecs.describe_tasks(cluster=infra["cluster"], tasks=arns)["tasks"][0]
    task = wait_for(task_state, 5)
    ip = next(d["value"] for a in task["attachments"] for d in a["details"]
              if d["name"] == "privateIPv4Address")
    assert task["lastStatus"] in ("PROVISIONING", "PENDING")  # 0.56 s to RUNNING here
    assert ip not in targets(client, tg)
    wait_for(lambda: task_state()["lastStatus"] == "RUNNING", 5)
    assert targets(client, tg)[ip] in ("initial", "healthy")
    wait_for(lambda: targets(client, tg).get(ip) == "healthy", 5)


def test_service_at_zero_is_steady_at_once_then_scales(client, infra):
    name = service(client, infra, tag="later", desired=0)

    def steady():
        s = describe(client, infra, name)
        return s if any(m.endswith("has reached a steady state.") for m in messages(s)) else None
    svc = wait_for(steady, 2)
    dep = svc["deployments"][0]
    assert (dep["status"], dep["rolloutState"], svc["runningCount"]) == ("PRIMARY", "COMPLETED", 0)
    assert client("ecs").list_tasks(cluster=infra["cluster"], serviceName=name)["taskArns"] == []
    # The first image exists: scale to 1. The PRIMARY deployment takes the new count.
    push(client, infra, "later")
    client("ecs").update_service(cluster=infra["cluster"], service=name, desiredCount=1)

    def running():
        s = describe(client, infra, name)
        return s if s["runningCount"] == 1 and \
            s["events"][0]["message"].endswith("has reached a steady state.") else None
    svc = wait_for(running, 5)
    assert [d["id"] for d in svc["deployments"]] == [dep["id"]]
    assert svc["deployments"][0]["desiredCount"] == 1


def test_circuit_breaker_when_configured(client, infra):
    name = service(client, infra, tag="never", desired=1,
                   breaker={"enable": True, "rollback": False})

    def failed():
        d = describe(client, infra, name)["deployments"][0]
        return d if d["rolloutState"] == "FAILED" else None
    dep = wait_for(failed, 8)
    assert dep["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert dep["failedTasks"] >= 3


def test_deploy_action_on_a_service_at_zero(client, control, infra):
    ecs, cp = client("ecs"), client("codepipeline")
    ecs.update_service(cluster=infra["cluster"], service=infra["service"], desiredCount=0)
    name = make_pipeline(client, infra, repo=f"ktb/{uid('repo')}", deploy=True)
    exe_id = executions(cp, name)[0]["pipelineExecutionId"]
    assert wait_done(cp, name, exe_id, 20) == "Succeeded"
    svc = describe(client, infra, infra["service"])
    td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    assert td["revision"] == 2 and svc["runningCount"] == 0
    assert [(d["status"], d["rolloutState"]) for d in svc["deployments"]] == \
        [("PRIMARY", "COMPLETED")]
    created = svc["deployments"][0]["createdAt"]
    assert svc["deployments"][0]["updatedAt"] - created < timedelta(seconds=5)


def test_a_held_rollout_stays_in_progress_until_released(client, control, infra):
    push(client, infra, "held")
    name = uid("svc")
    control("/_sandbox/hold-run", {"serviceName": "svc-not-this-one"})
    control("/_sandbox/hold-run", {"serviceName": name})
    try:
        service(client, infra, tag="held", desired=1, name=name)
        # The task runs and is healthy; the deployment still does not complete.
        def running():
            s = describe(client, infra, name)
            return s if s["runningCount"] == 1 else None
        dep_id = wait_for(running, 5)["deployments"][0]["id"]
        wait_for(lambda: held(control, serviceName=name) == [dep_id], 5)
        wait_ticks(control, 20)
        svc = describe(client, infra, name)
        assert [(d["id"], d["rolloutState"]) for d in svc["deployments"]] == \
            [(dep_id, "IN_PROGRESS")]
        assert not any(m.endswith("has reached a steady state.") for m in messages(svc))
        assert held(control, serviceName="svc-not-this-one") == []
    finally:
        control(f"/_sandbox/hold-run?serviceName={name}", method="DELETE")
        control("/_sandbox/hold-run?serviceName=svc-not-this-one", method="DELETE")
    assert held(control, serviceName=name) is None

    def completed():
        s = describe(client, infra, name)
        return s if s["deployments"][0]["rolloutState"] == "COMPLETED" else None
    svc = wait_for(completed, 5)
    assert svc["deployments"][0]["id"] == dep_id
    assert svc["events"][0]["message"].endswith("has reached a steady state.")


def test_a_rollout_hold_needs_a_service_name_alone(control):
    for body in ({"serviceName": ""}, {"serviceName": 3}, {"serviceName": "s", "phase": "BUILD"}):
        with pytest.raises(ControlError) as refused:
            control("/_sandbox/hold-run", body)
        assert refused.value.status == 400, body
