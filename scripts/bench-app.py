#!/usr/bin/env python3
"""The desktop app's figures for scripts/bench.sh, printed as one JSON object:

- app_cold_start_ms: launch to first paint, the median of RUNS launches. First paint is the
  first moment the app's X window shows more than a handful of colours (ImageMagick's
  `import` polls it; a mapped but unpainted window is one colour). Polling adds up to one
  capture, about 50 ms.
- app_idle_rss_mb / app_idle_pss_mb: 10 s after first paint, on the first screen, the sum over
  the app and every process it started (WebKit's web and network processes included), RSS
  (shared pages counted in each) and PSS (shared pages split between them).
- release_binary_mb, bundle_mb: the binary's size, and the .deb's if one was built.

Usage: bench-app.py APP_BINARY [DEB]   (needs DISPLAY, xwininfo and ImageMagick's import)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = 3
IDLE_SECONDS = 10


def window_id(title: str) -> str | None:
    out = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = re.match(r"\s*(0x[0-9a-f]+) \"([^\"]*)\"", line)
        if m and m.group(2) == title:
            return m.group(1)
    return None


def colours(wid: str) -> int:
    out = subprocess.run(["import", "-silent", "-window", wid, "-format", "%k", "info:"],
                         capture_output=True, text=True).stdout.strip()
    return int(out) if out.isdigit() else 0


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def memory_kb(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def launch(app: str, home: str, measure_memory: bool) -> tuple[float, dict]:
    env = dict(os.environ, HOME=home, XDG_DATA_HOME=f"{home}/data", XDG_CONFIG_HOME=f"{home}/config",
               XDG_CACHE_HOME=f"{home}/cache", PIPEWRIGHT_HOME=f"{home}/pipewright",
               LANG="en_US.UTF-8")
    env.pop("PIPEWRIGHT_SANDBOX_URL", None)
    started = time.monotonic()
    proc = subprocess.Popen([app], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    painted = None
    try:
        deadline = started + 60
        while time.monotonic() < deadline and proc.poll() is None:
            wid = window_id("Pipewright")
            if wid and colours(wid) > 8:
                painted = time.monotonic()
                break
            time.sleep(0.01)
        if painted is None:
            raise SystemExit(f"bench-app: {app} never painted its window")
        mem = {}
        if measure_memory:
            time.sleep(IDLE_SECONDS)
            procs = descendants(proc.pid)
            names = []
            rss = pss = 0
            for p in procs:
                r, s = memory_kb(p)
                rss, pss = rss + r, pss + s
                try:
                    names.append(open(f"/proc/{p}/comm").read().strip())
                except OSError:
                    pass
            mem = {"app_idle_rss_mb": rss / 1024, "app_idle_pss_mb": pss / 1024,
                   "app_processes": sorted(names)}
        return (painted - started) * 1000, mem
    finally:
        for p in reversed(descendants(proc.pid)):
            try:
                os.kill(p, 15)
            except OSError:
                pass
        proc.wait(timeout=20)


def main() -> None:
    app = sys.argv[1]
    deb = sys.argv[2] if len(sys.argv) > 2 else ""
    home = tempfile.mkdtemp(prefix="pipewright-bench-")
    try:
        for d in ("data", "config", "cache"):
            os.makedirs(f"{home}/{d}", exist_ok=True)
        # The first launch fills the OS's file cache; cold start is the median of the next.
        launch(app, home, False)
        starts, mem = [], {}
        for i in range(RUNS):
            ms, m = launch(app, home, i == 0)
            starts.append(ms)
            mem = mem or m
    finally:
        shutil.rmtree(home, ignore_errors=True)
    out = {"app_cold_start_ms": statistics.median(starts), "app_cold_start_runs_ms": starts, **mem,
           "release_binary_mb": os.path.getsize(app) / 1e6,
           "bundle_mb": os.path.getsize(deb) / 1e6 if deb and os.path.exists(deb) else None}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
