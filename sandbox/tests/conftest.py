"""Shared fixtures: one sandbox (`sandbox/run --time-scale 0.01`) per test session.

- `sandbox_url`: "http://127.0.0.1:PORT" of the running sandbox.
- `client`: factory of boto3 clients pointed at it, `client("ecs")` (region ap-northeast-2,
  credentials "testing"); keyword arguments: `region=`, `config=` (a botocore Config merged
  over the defaults).
- `control`: `control(path, body=None, method="POST")` calls a /_sandbox/ route and returns
  its parsed JSON (or text for non-JSON answers); a non-2xx answer raises ControlError
  (with `.status` and `.body`).
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
    def __init__(self, proc: subprocess.Popen, url: str, first_line: str, startup_seconds: float):
        self.proc = proc
        self.url = url
        self.first_line = first_line
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
    line = b""
    deadline = started + START_TIMEOUT
    while not line.endswith(b"\n"):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(f"sandbox did not print its URL (exit {proc.poll()}): {line!r}")
        if sel.select(timeout=0.5):
            chunk = os.read(proc.stdout.fileno(), 1)
            if not chunk:
                continue
            line += chunk
    sel.close()
    text = line.decode().strip()
    assert text.startswith("PIPEWRIGHT_SANDBOX_URL="), text
    return SandboxProcess(proc, text.split("=", 1)[1], text, time.monotonic() - started)


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
def client(sandbox_url):
    base = Config(
        region_name=REGION,
        retries={"mode": "standard", "total_max_attempts": 3},
        s3={"addressing_style": "path"},
        connect_timeout=5,
        read_timeout=60,
    )
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )

    def make(service: str, region: str = REGION, config: Config | None = None):
        cfg = base.merge(config) if config is not None else base
        return session.client(service, region_name=region, endpoint_url=sandbox_url, config=cfg)

    return make


@pytest.fixture(scope="session")
def control(sandbox_url):
    def call(path: str, body=None, method: str = "POST"):
        if not path.startswith("/"):
            path = "/" + path
        if not path.startswith("/_sandbox/"):
            path = "/_sandbox" + path
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(sandbox_url + path, data=data, method=method.upper())
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
        req = urllib.request.Request(url + "/_sandbox/faults", method="DELETE")
        _NO_PROXY_OPENER.open(req, timeout=10).read()


