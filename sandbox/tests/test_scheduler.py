"""EventBridge Scheduler as AWS runs it (eventbridge_scheduler.py): the billing stop of a lab.

One-time schedules fire at their time on the sandbox's AWS time (`awsTime` in the health
answer), as their execution role, through the real API; create-time validation, schedule
groups' tags and ActionAfterCompletion behave as on AWS. moto alone never fires a schedule and
accepts any target and any role.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, allow, iam_settle, make_role
from lab import uid, wait_aws_time, wait_for, wait_ticks

SCHEDULER = "scheduler.amazonaws.com"
SCALE = 0.01  # the tests' time scale
ROLE_REFUSED = ("The execution role you provide must allow AWS EventBridge Scheduler to "
                "assume the role.")
ECS_TARGET = "arn:aws:scheduler:::aws-sdk:ecs:updateService"
ELB_TARGET = "arn:aws:scheduler:::aws-sdk:elasticloadbalancingv2:deleteLoadBalancer"


def aws_time(control) -> float:
    return control("/_sandbox/health", method="GET")["awsTime"]


def at(epoch: float, zone: str = "UTC") -> str:
    """at(...) for an epoch time, in `zone`'s local time (what the product computes)."""
    local = datetime.fromtimestamp(epoch, timezone.utc).astimezone(ZoneInfo(zone))
    return f"at({local.strftime('%Y-%m-%dT%H:%M:%S')})"


def error(fn) -> tuple[str, str]:
    with pytest.raises(ClientError) as exc:
        fn()
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def invocations(control, schedule_arn: str) -> list[dict]:
    return [i for i in control("/_sandbox/scheduler/invocations", method="GET")["invocations"]
            if i["scheduleArn"] == schedule_arn]


def wait_invoked(control, schedule_arn: str, deadline: float = 15.0) -> dict:
    return wait_for(lambda: (invocations(control, schedule_arn) or [None])[0], deadline)


def schedule(sched, name: str, when: str, target_arn: str, role: str, payload: dict, *,
             group: str | None = None, zone: str | None = None, after: str = "DELETE",
             state: str = "ENABLED") -> str:
    kwargs = {"GroupName": group} if group else {}
    if zone:
        kwargs["ScheduleExpressionTimezone"] = zone
    return sched.create_schedule(
        Name=name, ScheduleExpression=when, FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion=after, State=state,
        Target={"Arn": target_arn, "RoleArn": role, "Input": json.dumps(payload)},
        **kwargs)["ScheduleArn"]


def load_balancer(client, infra) -> str:
    ec2, elb = client("ec2"), client("elbv2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]][:2]
    lb = elb.create_load_balancer(Name=uid("lb"), Subnets=subnets)["LoadBalancers"][0]
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": infra["tg"]}])
    return lb["LoadBalancerArn"]


def service_arn(infra) -> str:
    return (f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:service/{infra['cluster']}/"
            f"{infra['service']}")


def describe(client, infra) -> dict:
    return client("ecs").describe_services(cluster=infra["cluster"],
                                           services=[infra["service"]])["services"][0]


def test_aws_time_runs_one_over_scale_times_faster(control):
    first, w0 = aws_time(control), time.time()
    time.sleep(0.5)
    second, w1 = aws_time(control), time.time()
    assert first > w0 - 5  # starts at the wall clock, then runs ahead
    ratio = (second - first) / (w1 - w0)
    assert 0.8 / SCALE < ratio < 1.2 / SCALE, ratio


def test_billing_stop_scales_service_to_zero_and_deletes_load_balancer(client, control, infra):
    """The lab's billing stop: a tagged group, two one-time schedules (one written in Seoul's
    time zone), a role that may do exactly that to exactly those resources."""
    lb_arn = load_balancer(client, infra)
    svc_arn = service_arn(infra)
    role = make_role(client("iam"), "stop-role", SCHEDULER, [
        allow("ecs:UpdateService", svc_arn),
        allow("elasticloadbalancing:DeleteLoadBalancer", lb_arn)])
    wait_for(lambda: describe(client, infra)["runningCount"] == 1, 10)
    iam_settle(control)
    sched = client("scheduler")
    group = uid("lab")
    sched.create_schedule_group(Name=group, Tags=[{"Key": "pipewright:lab", "Value": group}])
    due = aws_time(control) + 240  # four AWS minutes: 2.4 s here
    ecs_arn = schedule(sched, "stop-service", at(due), ECS_TARGET, role,
                       {"Cluster": infra["cluster"], "Service": infra["service"],
                        "DesiredCount": 0}, group=group)
    elb_arn = schedule(sched, "delete-lb", at(due, "Asia/Seoul"), ELB_TARGET, role,
                       {"LoadBalancerArn": lb_arn}, group=group, zone="Asia/Seoul",
                       after="NONE")
    got = sched.get_schedule(GroupName=group, Name="stop-service")
    assert abs(got["CreationDate"].timestamp() - aws_time(control)) < 30  # AWS time
    assert describe(client, infra)["desiredCount"] == 1 and not invocations(control, ecs_arn)

    fired = wait_invoked(control, ecs_arn)
    assert fired["outcome"] == "succeeded" and fired["errorCode"] is None
    assert fired["awsTime"] >= int(due) and fired["target"] == ECS_TARGET
    assert describe(client, infra)["desiredCount"] == 0
    # The same path UpdateService takes: the task stops, the target drains, then leaves.
    wait_for(lambda: describe(client, infra)["runningCount"] == 0, 10)
    wait_for(lambda: client("elbv2").describe_target_health(
        TargetGroupArn=infra["tg"])["TargetHealthDescriptions"] == [], 10)

    deleted = wait_invoked(control, elb_arn)
    assert deleted["outcome"] == "succeeded", deleted
    assert error(lambda: client("elbv2").describe_load_balancers(
        LoadBalancerArns=[lb_arn]))[0] == "LoadBalancerNotFound"

    # ActionAfterCompletion: DELETE removes the schedule after it ran, NONE keeps it.
    assert error(lambda: sched.get_schedule(GroupName=group, Name="stop-service")) == (
        "ResourceNotFoundException", "Schedule stop-service does not exist.")
    assert sched.get_schedule(GroupName=group, Name="delete-lb")["ActionAfterCompletion"] == "NONE"
    wait_ticks(control, 10)
    assert len(invocations(control, elb_arn)) == 1  # a one-time schedule runs once


def test_role_without_the_permission_changes_nothing(client, control, infra):
    role = make_role(client("iam"), "weak-role", SCHEDULER,
                     [allow("ecs:DescribeServices", "*")])
    iam_settle(control)
    sched = client("scheduler")
    name = uid("stop")
    arn = schedule(sched, name, at(aws_time(control) + 60), ECS_TARGET, role,
                   {"Cluster": infra["cluster"], "Service": infra["service"], "DesiredCount": 0})
    fired = wait_invoked(control, arn)
    role_name = role.rsplit("/", 1)[-1]
    assert fired["outcome"] == "failed" and fired["errorCode"] == "AccessDeniedException"
    assert fired["errorMessage"].startswith(
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/")
    assert fired["errorMessage"].endswith(
        f" is not authorized to perform: ecs:UpdateService on resource: {service_arn(infra)} "
        "because no identity-based policy allows the ecs:UpdateService action")
    assert describe(client, infra)["desiredCount"] == 1
    # DELETE applies after the (failed) invocation too.
    assert error(lambda: sched.get_schedule(Name=name))[0] == "ResourceNotFoundException"


def test_load_balancer_refusal_uses_the_elasticloadbalancing_prefix(client, control, infra):
    lb_arn = load_balancer(client, infra)
    # A policy written with the SDK id as prefix allows nothing.
    role = make_role(client("iam"), "sdkid-role", SCHEDULER,
                     [allow("elasticloadbalancingv2:DeleteLoadBalancer", lb_arn)])
    iam_settle(control)
    arn = schedule(client("scheduler"), uid("lb"), at(aws_time(control) + 60), ELB_TARGET, role,
                   {"LoadBalancerArn": lb_arn})
    fired = wait_invoked(control, arn)
    assert (fired["outcome"], fired["errorCode"]) == ("failed", "AccessDenied")
    assert "elasticloadbalancing:DeleteLoadBalancer on resource: " + lb_arn in \
        fired["errorMessage"]
    assert client("elbv2").describe_load_balancers(LoadBalancerArns=[lb_arn])["LoadBalancers"]


def test_role_must_trust_scheduler(client, control):
    iam = client("iam")
    wrong = make_role(iam, "ecs-role", "ecs-tasks.amazonaws.com", [allow("ecs:*")])
    iam_settle(control)
    sched = client("scheduler")
    when = at(aws_time(control) + 3600)
    for role in (wrong, f"arn:aws:iam::{ACCOUNT}:role/{uid('missing')}"):
        assert error(lambda: schedule(sched, uid("s"), when, ECS_TARGET, role, {})) == (
            "ValidationException", ROLE_REFUSED)
    # A role just created is not assumable yet either (IAM propagation): the product retries.
    fresh = make_role(iam, "fresh", SCHEDULER, [allow("ecs:UpdateService")])
    assert error(lambda: schedule(sched, uid("s"), when, ECS_TARGET, fresh, {}))[1] == ROLE_REFUSED
    iam_settle(control)
    schedule(sched, uid("s"), when, ECS_TARGET, fresh, {})


def test_targets_and_expressions_validated_at_create(client, control):
    role = make_role(client("iam"), "v-role", SCHEDULER, [allow("ecs:UpdateService")])
    iam_settle(control)
    sched = client("scheduler")
    when = at(aws_time(control) + 3600)

    def refused(target, expression=when, **extra):
        return error(lambda: sched.create_schedule(
            Name=uid("v"), ScheduleExpression=expression, FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": target, "RoleArn": role, "Input": "{}"}, **extra))

    assert refused("arn:aws:scheduler:::aws-sdk:ecs:describeServices") == (
        "ValidationException", "describeServices API is not supported.")
    assert refused("arn:aws:scheduler:::aws-sdk:ecs:UpdateService")[1] == \
        "UpdateService API is not supported."  # the SDK's spelling is camelCase
    assert refused("arn:aws:scheduler:::aws-sdk:elbv2:deleteLoadBalancer")[1] == \
        "elbv2 is not a supported service for a target."  # the SDK id: elasticloadbalancingv2
    assert refused("arn:aws:scheduler:ap-northeast-2:123456789012:aws-sdk:ecs:updateService")[1] \
        == "scheduler is not a supported service for a target."
    assert refused(ECS_TARGET, "at(2026-01-01T10:00:00Z)")[1] == \
        "Invalid Schedule Expression at(2026-01-01T10:00:00Z)."
    assert refused(ECS_TARGET, ScheduleExpressionTimezone="Mars/Olympus")[0] == \
        "ValidationException"
    assert refused(ECS_TARGET, ActionAfterCompletion="KEEP")[0] == "ValidationException"
    assert error(lambda: sched.create_schedule(
        Name=uid("v"), ScheduleExpression=when, FlexibleTimeWindow={"Mode": "FLEXIBLE"},
        Target={"Arn": ECS_TARGET, "RoleArn": role, "Input": "{}"}))[0] == "ValidationException"
    assert error(lambda: sched.create_schedule(
        Name=uid("v"), ScheduleExpression=when, FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": ECS_TARGET, "RoleArn": role}))[1] == \
        "You must provide an input to set this target for your schedule."
    assert error(lambda: sched.create_schedule(
        Name=uid("v"), ScheduleExpression=when, FlexibleTimeWindow={"Mode": "OFF"},
        GroupName=uid("nogroup"), Target={"Arn": ECS_TARGET, "RoleArn": role, "Input": "{}"})
    )[0] == "ResourceNotFoundException"


def test_unsupported_target_is_recorded_not_refused(client, control):
    """AWS accepts sqs:createQueue; the sandbox does not run it and says so."""
    role = make_role(client("iam"), "q-role", SCHEDULER, [allow("sqs:CreateQueue")])
    iam_settle(control)
    arn = schedule(client("scheduler"), uid("q"), at(aws_time(control) + 30),
                   "arn:aws:scheduler:::aws-sdk:sqs:createQueue", role, {"QueueName": "x"},
                   after="NONE")
    fired = wait_invoked(control, arn)
    assert fired["outcome"] == "unsupported" and "not supported by the sandbox" in \
        fired["errorMessage"]


def test_disabled_schedule_waits_and_bad_input_fails(client, control, infra):
    role = make_role(client("iam"), "d-role", SCHEDULER, [allow("ecs:UpdateService", "*")])
    iam_settle(control)
    sched = client("scheduler")
    due = aws_time(control) + 30
    name = uid("off")
    payload = {"cluster": infra["cluster"], "Service": infra["service"], "DesiredCount": 0}
    arn = schedule(sched, name, at(due), ECS_TARGET, role, payload, state="DISABLED")
    wait_aws_time(control, due + 30)  # past its time, and the scheduler has looked since
    assert not invocations(control, arn)
    got = sched.get_schedule(Name=name)
    sched.update_schedule(Name=name, ScheduleExpression=got["ScheduleExpression"],
                          FlexibleTimeWindow={"Mode": "OFF"}, Target=got["Target"],
                          ActionAfterCompletion="DELETE", State="ENABLED")
    fired = wait_invoked(control, arn)  # late, but it runs once enabled (AWS)
    # The Input is the API's request in the SDK's PascalCase shape: "cluster" is not.
    assert (fired["outcome"], fired["errorCode"]) == ("failed", "ValidationException")
    assert 'Unknown parameter in input: "cluster"' in fired["errorMessage"]
    assert describe(client, infra)["desiredCount"] == 1


def test_group_tags_and_schedules_cannot_be_tagged(client, control):
    role = make_role(client("iam"), "t-role", SCHEDULER, [allow("ecs:UpdateService")])
    iam_settle(control)
    sched = client("scheduler")
    group = uid("g")
    group_arn = sched.create_schedule_group(
        Name=group, Tags=[{"Key": "pipewright:lab", "Value": "demo"}])["ScheduleGroupArn"]
    sched.tag_resource(ResourceArn=group_arn, Tags=[{"Key": "pipewright:class", "Value": "ktb"}])
    assert sorted((t["Key"], t["Value"]) for t in sched.list_tags_for_resource(
        ResourceArn=group_arn)["Tags"]) == [("pipewright:class", "ktb"), ("pipewright:lab", "demo")]
    assert error(lambda: sched.create_schedule_group(Name=group))[0] == "ConflictException"

    arn = schedule(sched, "later", at(aws_time(control) + 36000), ECS_TARGET, role, {},
                   group=group)
    code, message = error(lambda: sched.tag_resource(
        ResourceArn=arn, Tags=[{"Key": "pipewright:lab", "Value": "demo"}]))
    assert code == "ValidationException"
    assert message.startswith(f"1 validation error detected: Value '{arn}' at 'resourceArn' "
                              "failed to satisfy constraint: Member must satisfy regular "
                              "expression pattern: ")
    # Deleting the group deletes its schedules.
    sched.delete_schedule_group(Name=group)
    assert error(lambda: sched.get_schedule(GroupName=group, Name="later"))[0] == \
        "ResourceNotFoundException"
    assert error(lambda: sched.delete_schedule_group(Name=group))[0] == \
        "ResourceNotFoundException"


def test_sdk_id_table_matches_botocore():
    """SDK_ID_TO_BOTOCORE is derived from botocore's models (serviceId): check it."""
    import botocore.session

    from pipewright_sandbox.eventbridge_scheduler import SDK_ID_TO_BOTOCORE, botocore_name

    loader = botocore.session.get_session().get_component("data_loader")
    for sdk_id, name in SDK_ID_TO_BOTOCORE.items():
        service_id = loader.load_service_model(name, "service-2")["metadata"]["serviceId"]
        assert service_id.replace(" ", "").replace("-", "").lower() == sdk_id
    assert (botocore_name("elasticloadbalancingv2"), botocore_name("elbv2"),
            botocore_name("ecs")) == ("elbv2", None, "ecs")


def test_calls_log_names_scheduler_operations_and_faults_apply(client, control):
    """Scheduler is restJson (no X-Amz-Target): the calls log and fault rules still name its
    operations, and an injected error is JSON (so the SDK reads its code and retries)."""
    sched = client("scheduler")
    group = uid("g")
    control("/_sandbox/faults", {"rules": [{"service": "scheduler",
                                            "operation": "GetScheduleGroup",
                                            "error": "ThrottlingException", "count": 1}]})
    control("/_sandbox/calls", method="DELETE")
    sched.create_schedule_group(Name=group)
    assert sched.get_schedule_group(Name=group)["Name"] == group  # retried once
    calls = [(c["operation"], c["outcome"]) for c in control("/_sandbox/calls", method="GET")[
        "calls"] if c["service"] == "scheduler"]
    assert calls == [("CreateScheduleGroup", "ok"), ("GetScheduleGroup", "ThrottlingException"),
                     ("GetScheduleGroup", "ok")]
