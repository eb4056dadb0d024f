#!/usr/bin/env bash
# Starts practice mode's sandbox the way the app expects it: on 127.0.0.1, at practice mode's
# default pace (ten times faster than AWS; PIPEWRIGHT_PRACTICE_SPEEDUP=1 for AWS's own pace).
# Prints the sandbox's `PIPEWRIGHT_SANDBOX_KEY=...` and `PIPEWRIGHT_SANDBOX_URL=...` lines (the
# app needs both, as environment variables of those names) and serves until stopped.
# Used by scripts/run-app.sh and by the end-to-end test that runs the app as that command does.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
speedup="${PIPEWRIGHT_PRACTICE_SPEEDUP:-10}"
scale="$(python3 -c 'import sys; print(1 / float(sys.argv[1]))' "$speedup")"
exec "$here/../sandbox/run" --time-scale "$scale" "$@"
