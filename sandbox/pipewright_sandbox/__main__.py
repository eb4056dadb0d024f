"""Start the sandbox: `python -m pipewright_sandbox [--port N] [--time-scale X]`.

Serves on 127.0.0.1 only, warms moto's slow first calls up, then prints exactly two lines on
stdout, this start's key (guard.py) and then the URL; everything else goes to stderr:
`PIPEWRIGHT_SANDBOX_KEY=PWSB...` and `PIPEWRIGHT_SANDBOX_URL=http://127.0.0.1:PORT`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import time

# Feature modules, in install order. Explicit on purpose: a missing module is an error.
FEATURE_MODULES = (
    "pipewright_sandbox.rules",
    "pipewright_sandbox.consistency",
    "pipewright_sandbox.service_roles",
    "pipewright_sandbox.connections",
    "pipewright_sandbox.github",
    "pipewright_sandbox.standins",
    "pipewright_sandbox.codebuild_runs",
    "pipewright_sandbox.ecs_rollout",
    "pipewright_sandbox.pipeline",
    "pipewright_sandbox.triggers",
    "pipewright_sandbox.eventbridge_scheduler",
    "pipewright_sandbox.shapes",
    "pipewright_sandbox.tagging",
)

# Regions whose EC2 backend (default VPC, subnets: ~3 s in moto) is built before we're ready.
WARM_REGIONS = ("us-east-1", "ap-northeast-2")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="sandbox/run", description=__doc__)
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: a free one)")
    p.add_argument("--time-scale", type=float, default=None,
                   help="simulated AWS durations are multiplied by this (default 1.0)")
    p.add_argument("--log-requests", action="store_true",
                   default=os.environ.get("PIPEWRIGHT_SANDBOX_LOG_REQUESTS") == "1",
                   help="log every HTTP request to stderr")
    return p.parse_args(argv)


def _log(msg: str) -> None:
    print(f"pipewright sandbox: {msg}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["--standin"]:  # a frozen sandbox playing a build's stand-in command
        from .standin_client import main as standin

        return standin(["standin"] + raw[1:])
    args = _parse(argv)
    # --- packaging hook (issue 17): exit with the app that started us (see watchdog.py) ---
    from . import watchdog
    watchdog.start_from_env()
    # --- end of packaging hook ---
    if args.time_scale is not None and args.time_scale <= 0:
        print("--time-scale must be > 0", file=sys.stderr)
        return 2
    started = time.monotonic()

    # moto reads these when its backends are built, so set them before importing it.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # AWS managed policies
    # Running counts come only from ecs_rollout's tasks: moto's MOTO_ECS_SERVICE_RUNNING
    # shortcut (every service "running" at once) must stay off, whatever the caller's env.
    os.environ.pop("MOTO_ECS_SERVICE_RUNNING", None)
    # Dummy credentials for the in-process warm-up; never used to reach AWS.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")

    from . import registry

    if args.time_scale is not None:
        registry.CLOCK.scale = args.time_scale

    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    from . import guard
    from .app import build_app, clear_calls

    guard.new_key()

    for name in FEATURE_MODULES:
        module = importlib.import_module(name)
        install = getattr(module, "install", None)
        if callable(install):
            install()

    app = build_app()

    log_requests = args.log_requests

    class Handler(MotoRequestHandler):
        def log_request(self, *a, **kw):  # request logging off unless asked for
            if log_requests:
                super().log_request(*a, **kw)

    server = make_server("127.0.0.1", args.port, app, threaded=True, request_handler=Handler)
    port = server.server_port
    registry.SELF_URL = f"http://127.0.0.1:{port}"

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    import threading

    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    try:
        _warm_up(app)
        clear_calls()  # the warm-up is not the student's
        _log(f"ready in {time.monotonic() - started:.2f}s (time scale {registry.CLOCK.scale})")
        # The key first: readers stop at the URL line.
        sys.stdout.write(f"PIPEWRIGHT_SANDBOX_KEY={guard.KEY}\n")
        sys.stdout.write(f"PIPEWRIGHT_SANDBOX_URL=http://127.0.0.1:{port}\n")
        sys.stdout.flush()
        while thread.is_alive():
            thread.join(1.0)
    except SystemExit:
        pass
    finally:
        server.shutdown()
        server.server_close()
    return 0


def _warm_up(app) -> None:
    """Make moto's slow first calls (EC2 default VPC, IAM managed policies) through the app."""
    from werkzeug.test import Client

    from . import guard, registry

    client = Client(app)

    def call(service: str, region: str, form: str) -> None:
        auth = (f"AWS4-HMAC-SHA256 Credential={guard.KEY}/20240101/{region}/{service}/aws4_request, "
                "SignedHeaders=host, Signature=0")
        resp = client.post("/", base_url=registry.SELF_URL, data=form, headers={
            "Authorization": auth, "Content-Type": "application/x-www-form-urlencoded",
        })
        if resp.status_code != 200:
            _log(f"warm-up {service} {form} answered {resp.status_code}")

    for region in WARM_REGIONS:
        call("ec2", region, "Action=DescribeVpcs&Version=2016-11-15")
        call("ec2", region, "Action=DescribeSubnets&Version=2016-11-15")
    call("iam", "us-east-1", "Action=ListPolicies&Version=2010-05-08&MaxItems=1")


if __name__ == "__main__":
    sys.exit(main())
