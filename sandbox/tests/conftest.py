"""Shared fixtures: one sandbox (`sandbox/run --time-scale 0.01`) per test session.

- `sandbox_url`: "http://127.0.0.1:PORT" of the running sandbox.
- `sandbox_key`: this start's key (guard.py): the access key id to sign with and the
  `X-Pipewright-Sandbox-Key` header of control routes that change something.
- `client`: factory of boto3 clients pointed at it, `client("ecs")` (region ap-northeast-2,
  access key id the sandbox's key); keyword arguments: `region=`, `config=` (a botocore
  Config merged over the defaults).
- `control`: `control(path, body=None, method="POST")` calls a /_sandbox/ route (with the
  key) and returns its parsed JSON (or text for non-JSON answers); a non-2xx answer raises
  ControlError (with `.status` and `.body`).
- `sandbox_proc`: the subprocess itself (for tests of the process, e.g. its stdout).

Faults are cleared after every test so one test's rules never leak into another.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

SANDBOX_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SANDBOX_DIR))  # unit tests import pipewright_sandbox directly
REGION = "ap-northeast-2"
TIME_SCALE = "0.01"
START_TIMEOUT = 300  # seconds; the first run may have to build the venv

# Only 127.0.0.1 is ever contacted: keep proxies out of it, and credentials dummy.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
for _var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_var, None)
# Not the sandbox's key: a client that forgets to pass it is refused.
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = REGION

_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ControlError(Exception):
    def __init__(self, status: int, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class SandboxProcess:
    def __init__(self, proc: subprocess.Popen, key: str, url: str, lines: list[str],
                 startup_seconds: float):
        self.proc = proc
        self.key = key
        self.url = url
        self.lines = lines
        self.startup_seconds = startup_seconds


def _start_sandbox() -> SandboxProcess:
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(SANDBOX_DIR / "run"), "--time-scale", TIME_SCALE],
        stdout=subprocess.PIPE,
        stderr=None,  # the sandbox's logs go to the test run's stderr
        stdin=subprocess.DEVNULL,
        cwd="/",  # sandbox/run must work from any directory
    )
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    out = b""
    deadline = started + START_TIMEOUT
    while out.count(b"\n") < 2:  # the key line, then the URL line
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(f"sandbox did not print its URL (exit {proc.poll()}): {out!r}")
        if sel.select(timeout=0.5):
            chunk = os.read(proc.stdout.fileno(), 1)
            if not chunk:
                continue
            out += chunk
    sel.close()
    lines = out.decode().splitlines()
    assert lines[0].startswith("PIPEWRIGHT_SANDBOX_KEY="), lines
    assert lines[1].startswith("PIPEWRIGHT_SANDBOX_URL="), lines
    return SandboxProcess(proc, lines[0].split("=", 1)[1], lines[1].split("=", 1)[1], lines,
                          time.monotonic() - started)


@pytest.fixture(scope="session")
def sandbox_proc():
    sb = _start_sandbox()
    yield sb
    sb.proc.terminate()
    try:
        sb.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sb.proc.kill()
        sb.proc.wait()


@pytest.fixture(scope="session")
def sandbox_url(sandbox_proc) -> str:
    return sandbox_proc.url


@pytest.fixture(scope="session")
def sandbox_key(sandbox_proc) -> str:
    return sandbox_proc.key


@pytest.fixture(scope="session")
def client(sandbox_url, sandbox_key):
    base = Config(
        region_name=REGION,
        retries={"mode": "standard", "total_max_attempts": 3},
        s3={"addressing_style": "path"},
        connect_timeout=5,
        read_timeout=60,
    )
    session = boto3.session.Session(
        aws_access_key_id=sandbox_key, aws_secret_access_key="testing", region_name=REGION
    )

    def make(service: str, region: str = REGION, config: Config | None = None):
        cfg = base.merge(config) if config is not None else base
        return session.client(service, region_name=region, endpoint_url=sandbox_url, config=cfg)

    return make


@pytest.fixture(scope="session")
def control(sandbox_url, sandbox_key):
    def call(path: str, body=None, method: str = "POST"):
        if not path.startswith("/"):
            path = "/" + path
        if not path.startswith("/_sandbox/"):
            path = "/_sandbox" + path
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(sandbox_url + path, data=data, method=method.upper(),
                                     headers={"X-Pipewright-Sandbox-Key": sandbox_key})
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with _NO_PROXY_OPENER.open(req, timeout=30) as resp:
                raw = resp.read()
                ctype = resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode("utf-8", "replace")
            raise ControlError(err.code, parsed) from None
        if "json" in ctype:
            return json.loads(raw) if raw else {}
        return raw.decode("utf-8", "replace")

    return call


@pytest.fixture(autouse=True)
def _clear_faults(request):
    yield
    # Only when the test used the sandbox: don't start one for tests that never asked.
    if "sandbox_url" in request.fixturenames or "client" in request.fixturenames \
            or "control" in request.fixturenames:
        url = request.getfixturevalue("sandbox_url")
        req = urllib.request.Request(url + "/_sandbox/faults", method="DELETE", headers={
            "X-Pipewright-Sandbox-Key": request.getfixturevalue("sandbox_key")})
        _NO_PROXY_OPENER.open(req, timeout=10).read()




# ---------------------------------------------------------------------------------------------
# The lab's roles, and waiting out the sandbox's consistency windows

ACCOUNT = "123456789012"
_NOT_YET = ("InvalidGroup.NotFound", "InvalidSecurityGroup")


def not_yet(err) -> bool:
    """Whether a ClientError is the sandbox's (and AWS's) "not visible yet" answer."""
    code = err.response["Error"]["Code"]
    msg = err.response["Error"].get("Message", "")
    return code in _NOT_YET or "does not exist (ErrorCode: InvalidGroup.NotFound)" in msg \
        or "not authorized to perform" in msg and "AssumeRole" in msg


def eventually(fn, timeout: float = 10.0):
    """Call fn until it stops answering "not yet" (what the product's retries do)."""
    from botocore.exceptions import ClientError

    end = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except ClientError as err:
            if not not_yet(err) or time.monotonic() > end:
                raise
            time.sleep(0.1)


def iam_settle(control) -> None:
    """Wait until IAM changes made so far are in effect for services."""
    time.sleep(control("/_sandbox/consistency", method="GET")["iamMs"] / 1000.0 + 0.05)


def trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def policy(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resources="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


# What AWS documents each role needs (AWS-NOTES.md), as the product should grant it.
PIPELINE_STATEMENTS = [
    allow(["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:GetBucketVersioning",
           "s3:GetBucketAcl", "s3:GetBucketLocation"], "arn:aws:s3:::*",
          Condition={"StringEquals": {"aws:ResourceAccount": ACCOUNT}}),
    allow(["codestar-connections:UseConnection", "codeconnections:UseConnection"]),
    allow(["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
          f"arn:aws:codebuild:*:{ACCOUNT}:project/*"),
    allow(["ecs:DescribeServices", "ecs:UpdateService", "ecs:DescribeTaskDefinition",
           "ecs:RegisterTaskDefinition"]),
    allow("ecs:TagResource", f"arn:aws:ecs:*:{ACCOUNT}:task-definition/*",
          Condition={"StringEquals": {"ecs:CreateAction": ["RegisterTaskDefinition"]}}),
    allow("iam:PassRole", "*", Condition={"StringEqualsIfExists": {
        "iam:PassedToService": ["ecs.amazonaws.com", "ecs-tasks.amazonaws.com"]}}),
]
BUILD_STATEMENTS = [
    allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
          [f"arn:aws:logs:*:{ACCOUNT}:log-group:/aws/codebuild/*",
           f"arn:aws:logs:*:{ACCOUNT}:log-group:/aws/codebuild/*:*"]),
    allow(["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], "arn:aws:s3:::*"),
    allow("ecr:GetAuthorizationToken"),
    allow(["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
           "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage",
           "ecr:GetDownloadUrlForLayer"], f"arn:aws:ecr:*:{ACCOUNT}:repository/*"),
]
TASK_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def make_role(iam, prefix: str, service: str, statements=None, managed=()) -> str:
    import uuid

    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(service))["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="lab", PolicyDocument=policy(*statements))
    for managed_arn in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=managed_arn)
    return arn


@pytest.fixture(scope="session")
def lab_roles(client, control):
    """The lab's three service roles with the permissions AWS documents, created once and
    waited for once (IAM consistency window)."""
    iam = client("iam")
    roles = {
        "pipeline": make_role(iam, "pipe-role", "codepipeline.amazonaws.com",
                              PIPELINE_STATEMENTS),
        "build": make_role(iam, "build-role", "codebuild.amazonaws.com", BUILD_STATEMENTS),
        "execution": make_role(iam, "exec-role", "ecs-tasks.amazonaws.com",
                               managed=[TASK_EXECUTION_POLICY]),
    }
    iam_settle(control)
    return roles


@pytest.fixture
def infra(client, control, lab_roles):
    """The lecture's resources (lab.make_infra), with the lab's roles."""
    from lab import make_infra

    return make_infra(client, control, lab_roles)
