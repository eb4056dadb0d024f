"""The seams between the sandbox's HTTP front (app.py) and the features that plug into it.

Feature modules never touch WSGI. They register:
- JSON-protocol operations (`X-Amz-Target: <prefix>.<Operation>`) that the sandbox answers
  itself instead of moto, with `@json_op(prefix, operation)`;
- control endpoints under `/_sandbox/...` with `@control(method, path)`;
- an `install()` function per module, called once at start, for patches of moto's backends;
- functions the shared ticker calls under STATE_LOCK every tick, with `add_ticker(fn)`
  (one daemon thread moves pipelines, builds and ECS services on).

Handlers raise `AwsError` for AWS-shaped errors; app.py renders them in the protocol's shape.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

ACCOUNT_ID = os.environ.get("MOTO_ACCOUNT_ID", "123456789012")


class AwsError(Exception):
    """An error AWS would return: `code` is AWS's error code (e.g. "PipelineNotFoundException")."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass
class RequestInfo:
    """What a handler may need to know about the request it answers."""

    service: str  # signing name from the Authorization header, e.g. "codepipeline"
    operation: str
    region: str
    account_id: str = ACCOUNT_ID


JsonHandler = Callable[[dict, RequestInfo], dict]
ControlHandler = Callable[[dict, dict], "tuple[int, Any, str] | dict"]

JSON_HANDLERS: dict[tuple[str, str], JsonHandler] = {}
# Checks run on every AWS request before it is answered (after fault rules). Each gets the
# request (app.Call: .service, .operation, .region, .param_items()) and may raise AwsError,
# which is sent back instead of the answer (e.g. a security group not visible yet).
REQUEST_CHECKS: list[Callable[[Any], None]] = []
CONTROL_ROUTES: dict[tuple[str, str], ControlHandler] = {}
# Path prefixes served by a feature's own WSGI app (e.g. "/_github": the practice GitHub),
# outside the AWS emulation: no calls log, no fault rules.
PREFIX_APPS: dict[str, Callable] = {}
# Functions whose dicts GET /_sandbox/health merges into its answer.
HEALTH_FIELDS: list[Callable[[], dict]] = []
# X-Amz-Target prefixes whose whole API the sandbox answers (moto has no backend for them):
# an operation not registered under such a prefix gets UnknownOperationException, not moto's 500.
OWNED_PREFIXES: set[str] = set()

# One lock for everything that reads or mutates moto's backends from our threads as well as
# from request threads: moto itself is not thread-safe.
STATE_LOCK = threading.RLock()


def json_op(target_prefix: str, operation: str):
    """Answer `X-Amz-Target: {target_prefix}.{operation}` with the decorated function.

    The function gets the parsed JSON body and a RequestInfo and returns the response dict.
    """

    def register(fn: JsonHandler) -> JsonHandler:
        JSON_HANDLERS[(target_prefix, operation)] = fn
        return fn

    return register


def control(method: str, path: str):
    """Serve `method path` (path starts with /_sandbox/). The function gets (json_body, query)
    and returns a dict (sent as 200 JSON) or (status, body, content_type)."""

    def register(fn: ControlHandler) -> ControlHandler:
        CONTROL_ROUTES[(method.upper(), path)] = fn
        return fn

    return register


class Clock:
    """Simulated durations in AWS's proportions, shrunk by the time scale.

    `scale` 1.0 is real time; 0.01 makes a 90 s ALB provisioning take 0.9 s. The scale may
    change while the sandbox runs (POST /_sandbox/clock), so waits are kept on the "AWS
    clock" (`aws_now()`, in AWS seconds): it advances 1/scale AWS seconds per wall second, and
    a new scale changes the pace from that moment on without losing the progress made.
    """

    def __init__(self, scale: float = 1.0):
        self._lock = threading.Lock()
        self._scale = scale
        self._wall0 = time.monotonic()
        self._aws0 = 0.0
        self._epoch0 = time.time()  # the wall-clock epoch at start: where AWS time begins

    @property
    def scale(self) -> float:
        return self._scale

    @scale.setter
    def scale(self, value: float) -> None:
        if value <= 0:
            raise ValueError("the time scale must be > 0")
        with self._lock:
            now = time.monotonic()
            self._aws0 += (now - self._wall0) / self._scale
            self._wall0, self._scale = now, float(value)

    def seconds(self, aws_seconds: float) -> float:
        """Wall seconds an AWS duration takes at the current pace."""
        return aws_seconds * self._scale

    def aws_now(self) -> float:
        """The AWS clock: AWS seconds elapsed since start, at the paces set so far."""
        with self._lock:
            return self._aws0 + (time.monotonic() - self._wall0) / self._scale

    def aws_time(self) -> float:
        """The sandbox's AWS time, in epoch seconds: the wall-clock epoch at start plus the
        AWS seconds elapsed since (`aws_now()`). It runs 1/scale times faster than wall time,
        so a 4-hour expiry passes in 4 h x scale. Every timestamp EventBridge Scheduler needs
        (a schedule's creation, when an at() schedule fires) is on this time; GET
        /_sandbox/health shows it as `awsTime`."""
        return self._epoch0 + self.aws_now()

    def wall_time_of(self, aws_time: float) -> float:
        """The wall-clock time (time.time()) at which the AWS clock read / will read aws_time,
        assuming the current pace."""
        return time.time() - (self.aws_now() - aws_time) * self._scale


CLOCK = Clock(float(os.environ.get("PIPEWRIGHT_SANDBOX_TIME_SCALE", "1.0")))

# "http://127.0.0.1:PORT" once the server listens (set by __main__); features that hand out
# URLs (the practice GitHub) or call the sandbox back (the build runner's stand-ins) read it.
SELF_URL = ""

_scratch: list[str] = []
_scratch_lock = threading.Lock()


def scratch_root() -> str:
    """This run's scratch folder (a new temporary directory, removed when the sandbox exits):
    the practice GitHub's repositories and the build runner's checkouts live under it."""
    import atexit
    import shutil
    import tempfile

    with _scratch_lock:
        if not _scratch:
            path = tempfile.mkdtemp(prefix="pipewright-sandbox-")
            _scratch.append(path)
            atexit.register(shutil.rmtree, path, True)
        return _scratch[0]

# Durations measured on real AWS (seconds), the proportions the sandbox keeps.
AWS_DURATIONS = {
    "alb_provisioning": 90.0,
    "ecs_rollout": 125.0,
    "codebuild_provisioning": 70.0,
    "build": 120.0,
    "source": 5.0,
    "eni_linger": 60.0,
}


# ---------------------------------------------------------------------------------------------
# The shared ticker: one daemon thread moves every simulation on (pipeline executions,
# CodeBuild builds, ECS services), each feature registering its function with add_ticker.

TICK_SECONDS = 0.02
_TICKERS: list[Callable[[float], None]] = []
_ticker_started = threading.Event()


def add_ticker(fn: Callable[[float], None]) -> None:
    """Have `fn(now)` (now = time.time()) called under STATE_LOCK every tick."""
    if fn not in _TICKERS:
        _TICKERS.append(fn)
    if not _ticker_started.is_set():
        _ticker_started.set()
        threading.Thread(target=_tick_forever, name="pipewright-ticker", daemon=True).start()


_TICKS = 0


def ticks() -> int:
    """Ticks completed so far: a test that asserts something did NOT happen waits until the
    simulations have had their turns (GET /_sandbox/health), not for a wall-clock time."""
    with STATE_LOCK:
        return _TICKS


def _tick_forever() -> None:
    global _TICKS
    while True:
        time.sleep(TICK_SECONDS)
        with STATE_LOCK:
            now = time.time()
            for fn in list(_TICKERS):
                try:
                    fn(now)
                except Exception:  # one broken simulation must not stop the others
                    traceback.print_exc()
            _TICKS += 1
