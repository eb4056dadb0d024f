"""Cheap checks of the frozen sandbox's recipe, run from source by scripts/test.sh (no
PyInstaller build): the freeze collects what moto loads dynamically, the smoke test covers
every AWS operation the engine calls, and the sandbox ends with the app that started it,
through either guard (closed standard input; parent gone).

Building and smoke-testing the frozen executable itself is scripts/package.sh's job."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parents[1]
SANDBOX = HERE.parent
sys.path[:0] = [str(HERE), str(SANDBOX)]

import freeze  # noqa: E402
import lab_operations  # noqa: E402
import smoke  # noqa: E402


def test_the_smoke_test_covers_every_operation_the_engine_calls():
    used = lab_operations.used_operations()
    assert len(used) > 60, "reading the engine's calls found too few: is the regex stale?"
    covered = {(service, op) for service, ops in smoke.LAB.items() for op in ops}
    missing = sorted(used - covered)
    assert not missing, f"add these to smoke.LAB (and call them in run_lab): {missing}"


def test_every_lab_operation_is_called_by_the_smoke_lab():
    source = (HERE / "smoke.py").read_text()
    for service, ops in smoke.LAB.items():
        for op in ops:
            assert f'"{service}", "{op}"' in source, f"run_lab never calls {service} {op}"


def test_the_freeze_collects_what_moto_loads_at_run_time():
    args = freeze.pyinstaller_args(Path("dist"), Path("build"))
    pairs = set(zip(args, args[1:]))
    assert ("--collect-submodules", "moto") in pairs  # backends imported by name
    assert ("--collect-data", "moto") in pairs  # JSON through importlib.resources
    for dist in ("moto", "botocore", "responses", "werkzeug", "flask", "flask-cors"):
        assert ("--copy-metadata", dist) in pairs, dist  # importlib.metadata.version at import
    assert "--onedir" in args and "--onefile" not in args  # one process: nothing to orphan
    from pipewright_sandbox.__main__ import FEATURE_MODULES

    for module in FEATURE_MODULES + ("pipewright_sandbox.watchdog",):
        assert ("--hidden-import", module) in pairs, module


def test_the_packaging_requirements_pin_the_sandbox_and_pyinstaller_exactly():
    lines = [line.split(";")[0].strip() for line in (HERE / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert "-r ../requirements.txt" in lines
    for line in lines:
        if not line.startswith("-r"):
            assert "==" in line, f"not an exact pin: {line}"


def _free(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) != 0


def _gone(pid: int) -> bool:
    """True when `pid` has exited (a zombie not yet reaped counts as exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def test_closing_stdin_ends_the_sandbox_and_frees_its_port():
    proc, url, _ = smoke.start_sandbox()
    port = int(url.rsplit(":", 1)[1])
    assert not _free(port)
    proc.stdin.close()
    proc.wait(timeout=10)
    assert _free(port)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_the_parent_going_away_ends_the_sandbox_even_with_stdin_still_open():
    """The second guard: the app is killed, but something else still holds the pipe."""
    read_end, write_end = os.pipe()
    parent_code = (
        "import os, subprocess, sys, time\n"
        "env = dict(os.environ, PIPEWRIGHT_SANDBOX_PARENT_PID=str(os.getpid()))\n"
        f"p = subprocess.Popen([sys.executable, '-m', 'pipewright_sandbox', '--time-scale', '0.01'],"
        " stdout=subprocess.PIPE, env=env)\n"
        "p.stdout.readline()\n"  # the key line; the URL line follows
        "print(p.pid, p.stdout.readline().decode().strip(), flush=True)\n"
        "time.sleep(600)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SANDBOX))
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdin=read_end,
                              stdout=subprocess.PIPE, env=env)
    os.close(read_end)
    try:
        pid_text, line = parent.stdout.readline().decode().split(" ", 1)
        pid, port = int(pid_text), int(line.strip().rsplit(":", 1)[1])
        assert not _gone(pid) and not _free(port)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while not (_gone(pid) and _free(port)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _gone(pid), "the sandbox outlived its parent"
        assert _free(port), "the sandbox's port is still bound"
    finally:
        os.close(write_end)
        if parent.poll() is None:
            parent.kill()


def test_the_smoke_test_passes_from_source(capsys):
    assert smoke.main([]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["unanswered"] == [] and report["exitedOnStdinClose"] and report["portFreed"]
