#!/usr/bin/env bash
# Opens Pipewright in practice mode against the local sandbox. Installs what it needs first.
# With no display, it runs the app under Xvfb and saves a screenshot of the window.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$root/scripts/setup.sh"
cd "$root"
build_app

say "start the sandbox (practice mode's local AWS, ten times faster than AWS unless PIPEWRIGHT_PRACTICE_SPEEDUP=1)"
coproc SANDBOX { exec "$root/scripts/practice-sandbox.sh"; }
# Two lines: this start's key (the app signs with it), then the URL.
read -r line <&"${SANDBOX[0]}"
export PIPEWRIGHT_SANDBOX_KEY="${line#PIPEWRIGHT_SANDBOX_KEY=}"
read -r line <&"${SANDBOX[0]}"
export PIPEWRIGHT_SANDBOX_URL="${line#PIPEWRIGHT_SANDBOX_URL=}"
echo "sandbox: $PIPEWRIGHT_SANDBOX_URL" >&2
cleanup() {
  kill "$SANDBOX_PID" 2>/dev/null || true
  [ -n "${APP_PID:-}" ] && kill "$APP_PID" 2>/dev/null
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null
  true
}
trap cleanup EXIT

app="$CARGO_TARGET_DIR/debug/pipewright-app"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  # Not exec: the EXIT trap must stop the sandbox when the window closes.
  "$app"
  exit
fi

ensure_display
"$app" &
APP_PID=$!
sleep "${PIPEWRIGHT_SCREENSHOT_DELAY:-8}"
mkdir -p "$root/artifacts"
shot="$root/artifacts/app-window.png"
import -window root "$shot"
echo "No display: the app runs under Xvfb ($DISPLAY). Screenshot of its window: $shot"
echo "Press Ctrl-C to stop."
wait "$APP_PID"
