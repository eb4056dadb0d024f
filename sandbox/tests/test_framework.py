"""The sandbox's framework: start-up, health, the calls log, fault rules, control routes."""

from __future__ import annotations

import re
import threading
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from conftest import ControlError


def test_health(control):
    health = control("/_sandbox/health", method="GET")
    assert (health["status"], health["timeScale"]) == ("ok", 0.01)


def test_unknown_control_route_is_404_json(control):
    with pytest.raises(ControlError) as err:
        control("/_sandbox/nope", method="GET")
    assert err.value.status == 404
    assert err.value.body["error"] == "NotFound"


def test_calls_record_operations_and_outcomes(client, control):
    control("/_sandbox/calls", method="DELETE")
    ecs = client("ecs")
    ecs.create_cluster(clusterName="calls-test")
    with pytest.raises(ClientError):
        ecs.describe_services(cluster="no-such-cluster", services=["x"])
    client("ec2").describe_vpcs()
    client("iam").list_roles()
    s3 = client("s3")
    s3.create_bucket(Bucket="calls-test-bucket",
                     CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    s3.put_object(Bucket="calls-test-bucket", Key="a.txt", Body=b"x")
    s3.list_objects_v2(Bucket="calls-test-bucket")
    calls = control("/_sandbox/calls", method="GET")["calls"]
    got = [(c["service"], c["operation"], c["outcome"], c["status"]) for c in calls]
    assert got == [
        ("ecs", "CreateCluster", "ok", 200),
        ("ecs", "DescribeServices", "ClusterNotFoundException", 400),
        ("ec2", "DescribeVpcs", "ok", 200),
        ("iam", "ListRoles", "ok", 200),
        ("s3", "CreateBucket", "ok", 200),
        ("s3", "PutObject", "ok", 200),
        ("s3", "ListObjectsV2", "ok", 200),
    ]
    assert calls[0]["time"].endswith("Z") and "T" in calls[0]["time"]
    # Control requests are not recorded.
    assert control("/_sandbox/calls", method="GET")["calls"] == calls
    control("/_sandbox/calls", method="DELETE")
    assert control("/_sandbox/calls", method="GET")["calls"] == []


NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.mark.parametrize("code,status", [("ThrottlingException", 400),
                                         ("InternalFailure", 500),
                                         ("ServiceUnavailable", 503),
                                         ("AccessDenied", 403),
                                         ("SignatureDoesNotMatch", 403)])
@pytest.mark.parametrize("service", ["ecs", "ec2", "iam", "s3"])
def test_fault_errors_in_each_protocol(client, control, service, code, status):
    op = {"ecs": "ListClusters", "ec2": "DescribeVpcs", "iam": "ListRoles", "s3": "ListBuckets"}[service]
    control("/_sandbox/faults", {"rules": [{"service": service, "operation": op, "error": code,
                                            "count": 1}]})
    c = client(service, config=NO_RETRY)
    call = {"ecs": c.list_clusters if service == "ecs" else None}.get(service) or {
        "ec2": lambda: c.describe_vpcs(), "iam": lambda: c.list_roles(),
        "s3": lambda: c.list_buckets()}[service]
    with pytest.raises(ClientError) as err:
        call()
    assert err.value.response["Error"]["Code"] == code
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    call()  # count 1: the rule fired once


def test_sdk_retries_injected_faults(client, control):
    control("/_sandbox/calls", method="DELETE")
    control("/_sandbox/faults", {"rules": [{"service": "ecs", "error": "ThrottlingException",
                                            "count": 2}]})
    client("ecs", config=Config(retries={"mode": "standard", "total_max_attempts": 5})).list_clusters()
    outcomes = [c["outcome"] for c in control("/_sandbox/calls", method="GET")["calls"]]
    assert outcomes == ["ThrottlingException", "ThrottlingException", "ok"]


def test_refusal_faults_are_not_retried(client, control):
    control("/_sandbox/calls", method="DELETE")
    control("/_sandbox/faults", {"rules": [{"service": "ecs", "error": "AccessDenied",
                                            "count": 2}]})
    ecs = client("ecs", config=Config(retries={"mode": "standard", "total_max_attempts": 5}))
    with pytest.raises(ClientError) as err:
        ecs.list_clusters()
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    outcomes = [c["outcome"] for c in control("/_sandbox/calls", method="GET")["calls"]]
    assert outcomes == ["AccessDenied"]


def test_fault_probability_zero_never_fires(client, control):
    control("/_sandbox/faults", {"rules": [{"error": "InternalFailure", "probability": 0}]})
    ecs = client("ecs", config=NO_RETRY)
    for _ in range(10):
        ecs.list_clusters()


def test_fault_matches_service_and_operation_only(client, control):
    control("/_sandbox/faults", {"rules": [{"service": "ecs", "operation": "ListClusters",
                                            "error": "InternalFailure"}]})
    ecs = client("ecs", config=NO_RETRY)
    ecs.list_task_definitions()
    client("ec2", config=NO_RETRY).describe_vpcs()
    with pytest.raises(ClientError):
        ecs.list_clusters()
    control("/_sandbox/faults", method="DELETE")
    ecs.list_clusters()


def test_fault_latency(client, control):
    ecs = client("ecs")
    control("/_sandbox/faults", {"rules": [{"service": "ecs", "latencyMs": 300, "error": None}]})
    t0 = time.monotonic()
    ecs.list_clusters()
    assert time.monotonic() - t0 > 0.3


def test_fault_reset_drops_connection(client, control):
    control("/_sandbox/faults", {"rules": [{"service": "ecs", "error": "reset", "count": 1}]})
    ecs = client("ecs", config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
    with pytest.raises((ConnectionClosedError, EndpointConnectionError, ConnectionError)):
        ecs.list_clusters()
    ecs.list_clusters()


def test_a_held_answer_waits_after_aws_acted_until_released(client, control):
    control("/_sandbox/calls", method="DELETE")
    control("/_sandbox/faults", {"rules": [{"service": "ecs", "operation": "CreateCluster",
                                            "hold": True, "count": 1}]})
    ecs = client("ecs")
    answer: dict = {}
    worker = threading.Thread(target=lambda: answer.update(ecs.create_cluster(clusterName="held")))
    worker.start()
    deadline = time.monotonic() + 30
    while control("/_sandbox/holds", method="GET")["held"] != 1:
        assert time.monotonic() < deadline, "the CreateCluster answer was never held"
        time.sleep(0.05)
    # AWS has acted (the cluster exists, the call is logged) while the client still waits.
    assert not answer
    ops = [c["operation"] for c in control("/_sandbox/calls", method="GET")["calls"]]
    assert ops == ["CreateCluster"]
    assert [c["clusterName"] for c in ecs.describe_clusters(clusters=["held"])["clusters"]] == ["held"]
    assert control("/_sandbox/holds", method="DELETE") == {"released": 1}
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert answer["cluster"]["clusterName"] == "held"
    # count 1: the next call is answered at once.
    ecs.create_cluster(clusterName="held-2")
    assert control("/_sandbox/holds", method="GET") == {"held": 0}


def test_calls_carry_their_start_and_end(client, control):
    control("/_sandbox/calls", method="DELETE")
    control("/_sandbox/faults", {"rules": [{"service": "ecs", "latencyMs": 200}]})
    client("ecs").list_clusters()
    [call] = control("/_sandbox/calls", method="GET")["calls"]
    assert call["operation"] == "ListClusters"
    # The injected latency lies between them.
    assert call["end"] - call["start"] >= 0.2


def test_bad_fault_rule_is_400(control):
    with pytest.raises(ControlError) as err:
        control("/_sandbox/faults", {"rules": [{"error": "Nope"}]})
    assert err.value.status == 400


def test_url_line_and_loopback_only(sandbox_proc):
    assert sandbox_proc.lines == [f"PIPEWRIGHT_SANDBOX_KEY={sandbox_proc.key}",
                                  f"PIPEWRIGHT_SANDBOX_URL={sandbox_proc.url}"]
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", sandbox_proc.key)
    assert sandbox_proc.url.startswith("http://127.0.0.1:")
    # Nothing more on stdout: the two lines are printed once.
    import select

    ready, _, _ = select.select([sandbox_proc.proc.stdout], [], [], 0.2)
    assert not ready
    port = sandbox_proc.url.rsplit(":", 1)[1]
    # The listening socket is bound to 127.0.0.1 only (not 0.0.0.0 / ::).
    import pathlib

    local = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        p = pathlib.Path(table)
        if not p.exists():
            continue
        for row in p.read_text().splitlines()[1:]:
            cols = row.split()
            addr, state = cols[1], cols[3]
            if state == "0A" and int(addr.rsplit(":", 1)[1], 16) == int(port):
                local.append(addr.rsplit(":", 1)[0])
    assert local == ["0100007F"], local


def test_managed_policy_present(client):
    pol = client("iam").get_policy(
        PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser")["Policy"]
    assert pol["PolicyName"] == "AmazonEC2ContainerRegistryPowerUser"


def test_clock_route_changes_the_pace(control):
    assert control("/_sandbox/clock", method="GET") == {"timeScale": 0.01}
    try:
        assert control("/_sandbox/clock", {"timeScale": 0.1}) == {"timeScale": 0.1}
        assert control("/_sandbox/health", method="GET")["timeScale"] == 0.1
        for bad in ({"timeScale": 0}, {"timeScale": -1}, {"timeScale": "fast"}, {}):
            with pytest.raises(ControlError) as err:
                control("/_sandbox/clock", bad)
            assert err.value.status == 400
    finally:
        control("/_sandbox/clock", {"timeScale": 0.01})
    assert control("/_sandbox/health", method="GET")["timeScale"] == 0.01


def test_clock_keeps_progress_when_the_pace_changes():
    from pipewright_sandbox.registry import Clock

    clock = Clock(0.01)
    start = clock.aws_now()
    time.sleep(0.05)  # 5 AWS seconds at 0.01
    clock.scale = 1.0
    at_change = clock.aws_now() - start
    assert 4.5 < at_change < 7.0
    time.sleep(0.05)  # now only 0.05 AWS seconds
    assert clock.aws_now() - start - at_change < 0.5
    assert clock.seconds(90) == 90
    with pytest.raises(ValueError):
        clock.scale = 0
