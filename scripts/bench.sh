#!/usr/bin/env bash
# Benchmarks: measured, never asserted. Prints a table (each figure beside its goal) and
# writes bench/results.json with the machine it ran on.
#   scripts/bench.sh              up/down and watch on the sandbox; the app's figures from an
#                                 existing release build ($CARGO_TARGET_DIR/release, or
#                                 PIPEWRIGHT_APP=<binary>, PIPEWRIGHT_DEB=<.deb>), else left out
#   scripts/bench.sh --release    builds the release app and its .deb first (scripts/package.sh:
#                                 slow, a release build with LTO and the frozen sandbox)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"

release=0
[ "${1:-}" = "--release" ] && release=1
out="$root/bench"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"; [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null; true' EXIT

say "up and down: 100 ms per call, concurrency default vs 1, projected to AWS"
cargo bench --profile dev -p pipewright-tests --bench apply | tee "$tmp/apply.txt"
say "watch at AWS's polling intervals"
cargo bench --profile dev -p pipewright-tests --bench watch | tee "$tmp/watch.txt"

app="${PIPEWRIGHT_APP:-$CARGO_TARGET_DIR/release/pipewright-app}"
if [ "$release" = 1 ]; then
  say "release build and .deb (scripts/package.sh)"
  "$root/scripts/package.sh"
  app="$CARGO_TARGET_DIR/release/pipewright-app"
fi
deb="${PIPEWRIGHT_DEB:-$(ls "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb 2>/dev/null | head -n1 || true)}"
if [ -x "$app" ]; then
  say "the app: cold start, idle memory, sizes ($app)"
  ensure_display
  python3 scripts/bench-app.py "$app" "$deb" | tee "$tmp/app.json"
else
  echo "no release build at $app: app figures left out (scripts/bench.sh --release)" >&2
  echo '{}' > "$tmp/app.json"
fi

python3 - "$tmp" "$out/results.json" "$app" <<'EOF'
import json, os, platform, subprocess, sys, time
tmp, dest, app = sys.argv[1:4]
res = {}
for name in ("apply.txt", "watch.txt"):
    for line in open(os.path.join(tmp, name)):
        if line.startswith("BENCH_JSON "):
            res.update(json.loads(line.split(" ", 1)[1]))
res.update(json.load(open(os.path.join(tmp, "app.json"))))
if "app_cold_start_ms" in res:
    res["app_binary"] = os.path.basename(app)
    res["app_binary_built_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(app)))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
mem_kb = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
osname = next((l.split("=", 1)[1].strip().strip('"') for l in open("/etc/os-release")
               if l.startswith("PRETTY_NAME=")), platform.system())
res["machine"] = {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1048576, 1),
                  "os": osname, "kernel": platform.release(),
                  "load_average_1m": os.getloadavg()[0]}
res["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
try:
    res["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                   text=True).stdout.strip()
except OSError:
    pass
# (key, unit, goal, goal met when the figure is at most the goal)
rows = [
    ("provision_parallel_s", "s", None), ("provision_sequential_s", "s", None),
    ("provision_ratio", "", 0.4), ("provision_projected_aws_s", "s", 360),
    ("teardown_s", "s", None), ("teardown_projected_aws_s", "s", None),
    ("watch_idle_calls_per_min", "/min", 6), ("watch_running_calls_per_min", "/min", 60),
    ("watch_delay_s", "s", None), ("app_cold_start_ms", "ms", 1000),
    ("app_idle_rss_mb", "MB", 150), ("app_idle_pss_mb", "MB", 150),
    ("release_binary_mb", "MB", None), ("bundle_mb", "MB", None),
]
res["goals"] = {k: g for k, _, g in rows if g is not None}
with open(dest, "w") as f:
    json.dump(res, f, indent=2, sort_keys=True)
    f.write("\n")
print(f"\n{'figure':30} {'value':>12} {'goal':>10}  met")
for key, unit, goal in rows:
    v = res.get(key)
    shown = "n/a" if v is None else f"{v:.2f}{unit}"
    g = "" if goal is None else f"<= {goal}{unit}"
    met = "" if goal is None or v is None else ("yes" if v <= goal else "no")
    print(f"{key:30} {shown:>12} {g:>10}  {met}")
m = res["machine"]
print(f"\nmachine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}, load {m['load_average_1m']:.1f}")
print(f"written: {dest}")
EOF
